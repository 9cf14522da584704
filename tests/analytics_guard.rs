//! Search never depends on the owner's analytics, with the real binary on a real socket and a
//! real SQLite file: a store that cannot be opened, one deleted or damaged while the server
//! runs, a full disk (a small tmpfs), a PostgreSQL that never answers, a flooding client,
//! secrets in connection strings, personal data in the access log, and the owner's page
//! under attack. Each class: search keeps answering, and what went wrong is shown honestly.

use crate::common;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::server::Server;
use common::{percent_encode, wait_for};
use serde_json::Value;

fn indexed_checkout() -> tempfile::TempDir {
    let checkout = common::seed_checkout();
    assert!(common::faq_command(checkout.path()).arg("index").output().unwrap().status.success());
    checkout
}

fn health(server: &Server) -> Value {
    let (status, _, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn search_answers(server: &Server) {
    let (status, _, body) = server.get(&format!("/api/search?q={}&view=compact", percent_encode("領収書")));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"hits\""), "{body}");
}

fn metric(server: &Server, name: &str) -> i64 {
    let (_, _, metrics) = server.get("/metrics");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')).map(|v| v.trim().parse::<f64>().unwrap() as i64))
        .unwrap_or_else(|| panic!("no {name} in {metrics}"))
}

fn post_event(server: &Server, content_type: &str, body: &str) -> (u16, String) {
    let (status, _, response) = server.request(&format!(
        "POST /api/events HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    ));
    (status, response)
}

#[test]
fn a_store_that_cannot_be_opened_never_stops_search_and_is_retried() {
    let checkout = indexed_checkout();
    let store = checkout.path().join("analytics.sqlite");
    for junk in ["junk", "folder", "half"] {
        match junk {
            "junk" => std::fs::write(&store, vec![0x5a; 8192]).unwrap(),
            "folder" => std::fs::create_dir(&store).unwrap(),
            _ => {
                // The first half of a real store.
                let real = checkout.path().join("real.sqlite");
                drop(faq_analytics::Store::open(&real).unwrap());
                let bytes = std::fs::read(&real).unwrap();
                std::fs::write(&store, &bytes[..bytes.len() / 2]).unwrap();
            }
        }
        let started = Instant::now();
        let server = Server::start(checkout.path(), &["--analytics", store.to_str().unwrap()]);
        assert!(started.elapsed() < Duration::from_secs(30));
        search_answers(&server);
        assert!(wait_for(Duration::from_secs(10), || health(&server)["analytics"].as_str().unwrap().starts_with("failed: ")), "{junk}");
        let shown = health(&server)["analytics"].as_str().unwrap().to_string();
        assert!(!shown.contains(checkout.path().to_str().unwrap()), "no server path in /healthz: {shown}");
        assert_eq!(health(&server)["status"], "ok", "search is fine: {junk}");
        assert_eq!(metric(&server, "faq_analytics_up"), 0);
        assert!(server.log().contains("analytics off until the store can be opened"), "logged: {}", server.log());
        // Mended by the operator: recording starts without a restart.
        if store.is_dir() {
            std::fs::remove_dir(&store).unwrap();
        } else {
            std::fs::remove_file(&store).unwrap();
        }
        assert!(wait_for(Duration::from_secs(40), || health(&server)["analytics"] == "ok"), "{junk}: {}", health(&server));
        search_answers(&server);
        assert!(wait_for(Duration::from_secs(5), || metric(&server, "faq_analytics_events_recorded_total") >= 1));
        std::fs::remove_file(&store).unwrap();
    }
}

#[test]
fn a_store_deleted_or_damaged_while_serving_is_created_again_and_nothing_is_mapped() {
    let checkout = indexed_checkout();
    let store = checkout.path().join("analytics.sqlite");
    let server = Server::start(checkout.path(), &["--analytics", store.to_str().unwrap()]);
    search_answers(&server);
    assert!(wait_for(Duration::from_secs(5), || metric(&server, "faq_analytics_events_recorded_total") == 1));
    // No shared-memory file to truncate: nothing of the store is memory-mapped.
    assert!(!checkout.path().join("analytics.sqlite-shm").exists());
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", server.child.id())).unwrap();
    assert!(!maps.contains("analytics.sqlite"), "{maps}");

    std::fs::remove_file(&store).unwrap();
    search_answers(&server);
    assert!(wait_for(Duration::from_secs(5), || metric(&server, "faq_analytics_events_recorded_total") == 2));
    assert!(store.exists(), "created again");
    assert_eq!(faq_analytics::Store::open(&store).unwrap().query_counts(0).unwrap().len(), 1, "the event is in the new file");

    // Damaged under the server: writes fail, are counted as lost, and search goes on.
    std::fs::write(&store, vec![0u8; 4096]).unwrap();
    for _ in 0..5 {
        search_answers(&server);
    }
    assert!(wait_for(Duration::from_secs(10), || metric(&server, "faq_analytics_events_lost_total")
        + metric(&server, "faq_analytics_events_recorded_total")
        >= 7));
    assert_eq!(health(&server)["status"], "ok");
}

#[test]
fn a_postgresql_that_never_answers_blocks_neither_start_nor_stop() {
    let checkout = indexed_checkout();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://faq:hunter2@127.0.0.1:{port}/faq?connect_timeout=2");
    let started = Instant::now();
    let mut server = Server::start(checkout.path(), &["--analytics", &url]);
    assert!(started.elapsed() < Duration::from_secs(30));
    search_answers(&server);
    assert!(wait_for(Duration::from_secs(15), || health(&server)["analytics"].as_str().unwrap().starts_with("failed: ")));
    assert!(!health(&server).to_string().contains("hunter2"));
    let stopping = Instant::now();
    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(15)), Some(0), "{}", server.log());
    assert!(stopping.elapsed() < Duration::from_secs(10), "{:?}", stopping.elapsed());
    assert!(!server.log().contains("hunter2"), "{}", server.log());
    drop(silent);
}

#[test]
fn a_full_disk_leaves_search_answering_and_is_shown() {
    let Some(disk) = SmallDisk::mount(256) else { return };
    let checkout = indexed_checkout();
    let store = disk.path().join("analytics.sqlite");
    let server = Server::start(
        checkout.path(),
        &["--analytics", store.to_str().unwrap(), "--analytics-rate", "100000", "--analytics-burst", "100000"],
    );
    search_answers(&server);
    assert!(wait_for(Duration::from_secs(5), || metric(&server, "faq_analytics_events_recorded_total") == 1));
    // Fill what is left of the disk.
    let filler = disk.path().join("filler");
    let _ = std::fs::write(&filler, vec![7u8; 1 << 20]);
    let long = percent_encode(&"領収書を発行したい ".repeat(40));
    for _ in 0..200 {
        let (status, _, _) = server.get(&format!("/api/search?q={long}&view=compact"));
        assert_eq!(status, 200);
    }
    assert!(
        wait_for(Duration::from_secs(15), || metric(&server, "faq_analytics_events_lost_total") > 0),
        "writes on a full disk fail and are counted as lost: {}",
        server.get("/metrics").2
    );
    assert!(health(&server)["analytics"].as_str().unwrap().starts_with("failed: "), "{}", health(&server));
    search_answers(&server);
    assert!(server.log().contains("event(s) lost"), "{}", server.log());
}

/// A 256 KB tmpfs (root only; CI runs as root).
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(kb: usize) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kb}k"), "faq-test", dir.path().to_str().unwrap()])
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            common::missing("root, to mount a small tmpfs (CI runs as root)");
            return None;
        }
        Some(SmallDisk(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn one_client_cannot_fill_the_store() {
    let checkout = indexed_checkout();
    let store = checkout.path().join("analytics.sqlite");
    let server = Server::start(checkout.path(), &["--analytics", store.to_str().unwrap()]);
    let (_, _, body) = server.get(&format!("/api/search?q={}&view=compact&log=false", percent_encode("領収書")));
    let id = serde_json::from_str::<Value>(&body).unwrap()["hits"][0]["id"].as_str().unwrap().to_string();
    let event = format!(r#"{{"type":"feedback","id":"{id}","helpful":true,"query":"領収書"}}"#);

    let (status, body) = post_event(&server, "text/plain", &event);
    assert_eq!(status, 415, "a cross-site form post cannot record: {body}");
    let (status, body) = post_event(&server, "application/json", r#"{"type":"open","id":"no-such-entry","rank":1,"query":"x"}"#);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no FAQ entry"), "{body}");

    let until = Instant::now() + Duration::from_secs(3);
    let (mut accepted, mut refused) = (0, 0);
    while Instant::now() < until {
        match post_event(&server, "application/json", &event).0 {
            204 => accepted += 1,
            429 => refused += 1,
            other => panic!("{other}"),
        }
    }
    assert!(refused > accepted, "accepted {accepted}, refused {refused}");
    assert!(accepted <= 40 + 10 * 4, "the burst and the rate: {accepted}");
    // Logged searches are answered past the bucket, just not recorded.
    for _ in 0..60 {
        search_answers(&server);
    }
    assert!(wait_for(Duration::from_secs(5), || metric(&server, "faq_analytics_events_refused_total{reason=\"rate\"}") >= refused + 10));
    drop(server);
    let mut store = faq_analytics::Store::open(&store).unwrap();
    assert!(store.feedback(0).unwrap().iter().all(|(entry, _, _)| *entry == id), "no event for an unknown id");
    assert!(store.used_bytes().unwrap() < 1 << 20);
}

#[test]
fn secrets_are_never_printed_and_a_connection_string_is_never_a_file() {
    let checkout = indexed_checkout();
    let help = common::faq_command(checkout.path())
        .env("FAQ_ANALYTICS", "postgres://faq:hunter2@db/faq")
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(!text.contains("hunter2") && text.contains("--analytics"), "{text}");
    let help = common::faq_command(checkout.path())
        .env("FAQ_ANALYTICS", "postgres://faq:hunter2@db/faq")
        .args(["report", "--help"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains("hunter2"));

    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    for given in [
        format!("postgresql://faq@127.0.0.1:{port}/faq?password=hunter2&connect_timeout=1"),
        format!("postgres://faq:hun/ter2@127.0.0.1:{port}/faq?connect_timeout=1"),
        format!("host=127.0.0.1 port={port} user=faq password=hunter2 dbname=faq connect_timeout=1"),
    ] {
        let mut server = Server::start(checkout.path(), &["--analytics", &given]);
        assert!(wait_for(Duration::from_secs(10), || health(&server)["analytics"].as_str().unwrap().starts_with("failed: ")));
        server.signal("TERM");
        server.wait(Duration::from_secs(15));
        let log = server.log();
        assert!(log.contains(&format!("postgres://faq@127.0.0.1:{port}/faq")), "{log}");
        assert!(!log.contains("hunter2") && !log.contains("ter2"), "{log}");
        let files: Vec<String> =
            std::fs::read_dir(checkout.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(files.iter().all(|f| !f.contains("host=") && !f.contains("password")), "never taken for a file: {files:?}");
    }
    let report = common::faq_command(checkout.path()).args(["report", "--analytics", "host=db password='hunter2"]).output().unwrap();
    assert_eq!(report.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(!stderr.contains("hunter2") && stderr.contains("not a valid PostgreSQL connection string"), "{stderr}");
}

#[test]
fn personal_data_stays_out_of_the_access_log_and_the_store() {
    let checkout = indexed_checkout();
    let server = Server::start(checkout.path(), &[]);
    for query in ["taro@example.com に領収書", "TEL09012345678 領収書", "〇九〇一二三四五六七八 領収書", "会員ID: AB12345 領収書"]
    {
        let (status, _, _) = server.get(&format!("/api/search?q={}&view=compact", percent_encode(query)));
        assert_eq!(status, 200);
    }
    assert!(wait_for(Duration::from_secs(5), || server.log().matches("uri=/api/search?q=").count() >= 4), "{}", server.log());
    let log = server.log();
    assert!(log.contains("uri=/api/search?q=%3Cemail%3E"), "the query is logged masked: {log}");
    for secret in ["taro", "example.com", "09012345678", "〇九〇", "AB12345", "taro%40example"] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}

const TOKEN: &str = "tq8Ro2vKx5Lw1Ny7Pc3Mz4Bd";

fn form_post(server: &Server, path: &str, headers: &str, form: &str) -> (u16, String, String) {
    server.request(&format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        server.address,
        form.len()
    ))
}

fn set_cookie(head: &str) -> String {
    head.lines().find_map(|l| l.to_ascii_lowercase().starts_with("set-cookie:").then(|| l[11..].trim().to_string())).expect("a cookie")
}

#[test]
fn the_owners_page_resists_guessing_forgery_and_hostile_text() {
    let checkout = indexed_checkout();
    let weak = common::faq_command(checkout.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--admin-token", "aaaaaaaaaaaaaaaaaaaa"])
        .output()
        .unwrap();
    assert_eq!(weak.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("openssl rand -hex 24"), "says how to make one");

    // A query with a newline, a bidi control and an escape sequence, as an older store may
    // hold it (recording now makes such characters spaces).
    let hostile = "返品\n## 偽の行\u{202E}\x1b[2J";
    let store = checkout.path().join("index/default.analytics.sqlite");
    let event = |query: &str| faq_analytics::Event::Search {
        at_ms: faq_analytics::event::now_ms(),
        query: query.into(),
        answered: false,
        shown: vec![],
        latency_us: 1,
    };
    faq_analytics::Store::open(&store).unwrap().write(&[event(hostile)]).unwrap();
    let server = Server::start_with_env(checkout.path(), &[], &[("FAQ_ADMIN_TOKEN", TOKEN)]);
    let (status, _, _) = server.get(&format!("/api/search?q={}", percent_encode(hostile)));
    assert_eq!(status, 200);

    // Every channel's wrong token waits, and guesses are bounded for everyone together.
    let started = Instant::now();
    let (status, _, _) = server.get_with("/admin/report.json", "Authorization: Bearer wrong-wrong-wrong-wrong\r\n");
    assert_eq!(status, 401);
    assert!(started.elapsed() >= Duration::from_millis(900), "a wrong bearer token waits");
    let shared = &server;
    let guesses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|i| scope.spawn(move || form_post(shared, "/admin/login", "", &format!("token=guess-{i}-xxxxxxxxxxxxxxxx")).0))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(guesses.iter().filter(|&&s| s == 401).count() <= 4, "{guesses:?}");
    assert!(guesses.contains(&429), "{guesses:?}");
    std::thread::sleep(Duration::from_secs(2));

    // The cookie is a random session id, not the token.
    let (status, head, _) = form_post(&server, "/admin/login", "X-Forwarded-Proto: https\r\n", &format!("token={TOKEN}"));
    assert_eq!(status, 303, "{head}");
    let cookie = set_cookie(&head);
    assert!(
        !cookie.contains(TOKEN) && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let session = format!("Cookie: {pair}\r\n");
    let mut page = String::new();
    assert!(wait_for(Duration::from_secs(10), || {
        let (status, _, body) = server.get_with("/admin", &session);
        page = body;
        status == 200 && page.contains("偽の行")
    }));
    assert!(!page.contains("\n## 偽の行") && page.contains("返品\\n## 偽の行"), "one line as it reads: {page}");
    assert!(!page.contains('\u{202E}') && !page.contains('\x1b'));
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in the logout form")
        .to_string();

    // Logout without the CSRF token (a cross-site form) does nothing; with it, the session ends.
    assert_eq!(form_post(&server, "/admin/logout", &session, "").0, 403);
    assert_eq!(server.get_with("/admin", &session).0, 200, "still logged in");
    let (status, head, _) = form_post(&server, "/admin/logout", &session, &format!("csrf={csrf}"));
    assert_eq!(status, 303, "{head}");
    assert_eq!(server.get_with("/admin", &session).0, 401, "the session is revoked");

    // The terminal report shows the same query on one line.
    drop(server);
    let report = common::faq_command(checkout.path()).args(["report"]).output().unwrap();
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("返品\\n## 偽の行") && !text.contains('\u{202E}') && !text.contains('\x1b'), "{text}");
    assert!(text.contains("返品 ## 偽の行"), "the search recorded through the server is one line: {text}");
}
