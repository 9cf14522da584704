//! The FAQ owner's loop end to end: what sellers asked (recorded by a real `faq serve`),
//! `faq report --suggest`, accepting a suggestion by appending its line to
//! `corpus/synonyms.txt` (no reindexing), the owner's page at `/admin` behind its token, and
//! a fleet of replicas reporting together through a real PostgreSQL server.

use crate::common;

use std::time::{Duration, Instant};

use common::server::Server;
use common::wait_for;
use serde_json::Value;

/// What sellers asked, as the box sends it (the settled query, logged).
const ASKED: &[(&str, usize)] = &[
    ("荷物が来ない", 5),
    ("商品を返却したい", 4),
    ("天気はどう？", 3),
    ("天気はどう", 1),
    ("領収書がほしい", 6),
    ("新しい商品を出品するには？", 2),
];

fn search_json(dir: &std::path::Path, query: &str) -> (Option<i32>, Value) {
    let output = common::faq_command(dir).args(["search", "--json", query]).output().unwrap();
    (output.status.code(), serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr))))
}

fn ask_all(server: &Server) {
    for &(query, times) in ASKED {
        for _ in 0..times {
            let (status, _, body) = server.get(&format!("/api/search?q={}&view=compact", common::percent_encode(query)));
            assert_eq!(status, 200, "{body}");
        }
    }
}

fn report(dir: &std::path::Path, extra: &[&str]) -> Value {
    let output = common::faq_command(dir).args(["report", "--json"]).args(extra).output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)))
}

fn total_asked() -> usize {
    ASKED.iter().map(|(_, n)| n).sum()
}

#[test]
fn an_accepted_suggestion_answers_what_was_unanswered_without_reindexing() {
    let checkout = common::seed_checkout();
    let server = Server::start(checkout.path(), &[]);
    ask_all(&server);
    let mut json = Value::Null;
    assert!(
        wait_for(Duration::from_secs(10), || {
            json = report(checkout.path(), &["--suggest"]);
            json["searches"] == total_asked()
        }),
        "{json}"
    );
    drop(server);
    let suggestions = json["suggestions"].as_array().expect("--suggest adds suggestions");
    // 天気 is nothing this FAQ has a word for: a topic to write, never a synonym.
    assert!(
        suggestions.iter().any(|s| s["kind"] == "uncovered" && s["example"].as_str().is_some_and(|e| e.starts_with("天気はどう"))),
        "{suggestions:#?}"
    );
    assert!(!suggestions.iter().any(|s| s["kind"] == "synonym" && s["asked"] == "天気"), "{suggestions:#?}");
    // 領収書がほしい was answered: it is in no group and gets no suggestion.
    assert!(!suggestions.iter().any(|s| s["example"] == "領収書がほしい"), "{suggestions:#?}");
    let synonym = suggestions.iter().find(|s| s["kind"] == "synonym").unwrap_or_else(|| panic!("a synonym is proposed: {suggestions:#?}"));
    let (line, example, answers) =
        (synonym["line"].as_str().unwrap(), synonym["example"].as_str().unwrap(), synonym["answers"].as_str().unwrap());

    let index_before = listing(&checkout.path().join("index"));
    let (code, before) = search_json(checkout.path(), example);
    assert_eq!((code, &before["answered"]), (Some(1), &Value::Bool(false)), "{example} is unanswered before: {before}");

    // Accepting is appending the line.
    let synonyms = checkout.path().join("corpus/synonyms.txt");
    let mut text = std::fs::read_to_string(&synonyms).unwrap();
    text.push_str(&format!("\n# accepted from faq report --suggest\n{line}\n"));
    std::fs::write(&synonyms, text).unwrap();

    let (code, after) = search_json(checkout.path(), example);
    assert_eq!((code, &after["answered"]), (Some(0), &Value::Bool(true)), "{example} is answered after `{line}`: {after}");
    assert_eq!(after["hits"][0]["id"], answers, "{after}");
    assert_eq!(listing(&checkout.path().join("index")), index_before, "no reindexing");

    // The accepted group gets no suggestion any more: its word is known now.
    let again = report(checkout.path(), &["--suggest"]);
    let suggestions = again["suggestions"].as_array().unwrap();
    assert!(!suggestions.iter().any(|s| s["line"] == line), "{suggestions:#?}");
}

/// Every file under `dir` with its size and modification time.
fn listing(dir: &std::path::Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.push((entry.path().display().to_string(), meta.len(), meta.modified().unwrap()));
            }
        }
    }
    out.sort();
    out
}

const TOKEN: &str = "tq8Ro2vKx5Lw1Ny7Pc3Mz4Bd";

#[test]
fn the_owners_page_is_off_by_default_and_behind_its_token() {
    let checkout = common::seed_checkout();
    let server = Server::start(checkout.path(), &[]);
    assert_eq!(server.get("/admin").0, 404, "no token, no /admin");
    drop(server);

    let short = common::faq_command(checkout.path()).args(["serve", "--addr", "127.0.0.1:0", "--admin-token", "short"]).output().unwrap();
    assert_eq!(short.status.code(), Some(2), "a short token is refused at start");

    let server = Server::start_with_env(checkout.path(), &[], &[("FAQ_ADMIN_TOKEN", TOKEN)]);
    ask_all(&server);
    let get = |path: &str, headers: &str| {
        server.request(&format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{headers}Connection: close\r\n\r\n", server.address))
    };
    let (status, head, body) = get("/admin", "");
    assert_eq!(status, 401, "{head}");
    assert!(head.to_ascii_lowercase().contains("www-authenticate: bearer"), "{head}");
    assert!(body.contains("<form") && body.contains("name=\"token\""), "a login form: {body}");
    assert!(!body.contains(TOKEN));
    assert_eq!(get("/admin", "Authorization: Bearer wrong-token-0123456789\r\n").0, 401);
    assert_eq!(get("/admin/report.json", "").0, 401);

    let bearer = format!("Authorization: Bearer {TOKEN}\r\n");
    let mut report = Value::Null;
    assert!(
        wait_for(Duration::from_secs(10), || {
            let (status, _, body) = get("/admin/report.json", &bearer);
            report = serde_json::from_str(&body).unwrap_or_default();
            status == 200 && report["report"]["searches"] == total_asked()
        }),
        "{report}"
    );
    // The numbers of the known sequence: 6 of 21 answered (領収書がほしい), 天気 one group of 4.
    let answered = report["report"]["answered_rate"].as_f64().unwrap();
    assert!((answered - 6.0 / 21.0).abs() < 1e-9, "{report}");
    let unanswered = report["report"]["unanswered"].as_array().unwrap();
    assert!(unanswered.iter().any(|g| g["count"] == 4 && g["terms"] == "天気"), "{unanswered:?}");
    assert_eq!(report["report"]["days"].as_array().unwrap().iter().map(|d| d["searches"].as_u64().unwrap()).sum::<u64>(), 21);

    let (status, head, page) = get("/admin?since=7d", &bearer);
    assert_eq!(status, 200, "{head}");
    assert!(head.to_ascii_lowercase().contains("cache-control: no-store"), "{head}");
    assert!(head.to_ascii_lowercase().contains("frame-ancestors 'none'"), "{head}");
    assert!(page.contains("<svg") && page.contains("1日あたりの検索"), "plots drawn by the server");
    assert!(page.contains("天気はどう"), "unanswered groups listed");
    assert!(page.contains("synonyms.txt"), "suggestions shown");
    assert!(!page.contains("<script"), "no script on the owner's page");
    assert_eq!(get("/admin?since=yesterday", &bearer).0, 400);

    // The login form sets a cookie that admits.
    let form = format!("token={TOKEN}");
    let (status, head, _) = server.request(&format!(
        "POST /admin/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        server.address,
        form.len()
    ));
    assert_eq!(status, 303, "{head}");
    let cookie =
        head.lines().find_map(|l| l.to_ascii_lowercase().starts_with("set-cookie:").then(|| l[11..].trim().to_string())).expect("a cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap();
    assert_eq!(get("/admin", &format!("Cookie: {pair}\r\n")).0, 200);
    let wrong = "token=nope-nope-nope-nope";
    let started = Instant::now();
    let (status, _, body) = server.request(&format!(
        "POST /admin/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{wrong}",
        server.address,
        wrong.len()
    ));
    assert_eq!(status, 401);
    assert!(body.contains("トークンが違います"), "{body}");
    assert!(started.elapsed() >= Duration::from_millis(900), "a wrong token waits");
}

#[test]
fn replicas_behind_a_load_balancer_report_together_in_postgresql() {
    let Ok(url) = std::env::var("FAQ_TEST_POSTGRES") else {
        assert!(std::env::var_os("CI").is_none(), "CI must start PostgreSQL (.ci/start-postgres) and set FAQ_TEST_POSTGRES");
        eprintln!("skipped: FAQ_TEST_POSTGRES is not set (eval \"$(.ci/start-postgres /tmp/pg)\" starts a server)");
        return;
    };
    let database = format!("faq_replicas_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let fleet = format!("{}/{database}", url.rsplit_once('/').unwrap().0);

    let checkout = common::seed_checkout();
    let status = common::faq_command(checkout.path()).arg("index").output().unwrap().status;
    assert!(status.success());
    let replicas: Vec<Server> = (0..2).map(|_| Server::start(checkout.path(), &["--analytics", &fleet])).collect();
    // The load balancer sends each search to one replica or the other.
    let mut sent = 0;
    for &(query, times) in ASKED {
        for _ in 0..times {
            let replica = &replicas[sent % 2];
            assert_eq!(replica.get(&format!("/api/search?q={}", common::percent_encode(query))).0, 200);
            sent += 1;
        }
    }
    let mut json = Value::Null;
    assert!(
        wait_for(Duration::from_secs(10), || {
            json = report(checkout.path(), &["--analytics", &fleet]);
            json["searches"] == total_asked()
        }),
        "both replicas' searches in one report: {json}"
    );
    let unanswered = json["unanswered"].as_array().unwrap();
    assert!(unanswered.iter().any(|g| g["count"] == 4 && g["terms"] == "天気"), "{unanswered:?}");
    assert!(!checkout.path().join("index/default.analytics.sqlite").exists(), "nothing written to the default file");
    for replica in &replicas {
        let (_, _, metrics) = replica.get("/metrics");
        assert!(metrics.contains("faq_analytics_events_dropped_total 0"), "{metrics}");
    }
}
