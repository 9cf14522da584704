//! `faq serve` as a real process on a loopback socket: the API over TCP, hot reload on a
//! corpus change (--watch) and on SIGHUP, the last good index kept when the corpus breaks,
//! and graceful shutdown on SIGTERM.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::server::Server;
use common::wait_for;

fn fresh_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    std::fs::copy(common::seed_corpus().join("order-management.md"), dir.path().join("corpus/order-management.md")).unwrap();
    dir
}

fn top_question(server: &Server, query: &str) -> Option<String> {
    let (status, _, body) = server.get(&format!("/api/search?q={}&limit=1", common::percent_encode(query)));
    assert_eq!(status, 200, "{body}");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["hits"][0]["question"].as_str().map(str::to_string)
}

fn append(path: &Path, text: &str) {
    let mut content = std::fs::read_to_string(path).unwrap();
    content.push_str(text);
    std::fs::write(path, content).unwrap();
}

#[test]
fn serves_over_tcp_reloads_and_shuts_down_gracefully() {
    let checkout = fresh_checkout();
    let mut server = Server::start(checkout.path(), &["--watch"]);

    // The API and the page over a real socket.
    assert!(top_question(&server, "領収書を出してほしいと言われた").unwrap().starts_with("購入者から領収書発行"));
    let (status, head, body) = server.get("/api/search?q=");
    assert_eq!(status, 400, "{head}");
    assert!(body.contains("\"empty_query\""), "{body}");
    let (status, head, body) = server.get("/");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-security-policy: default-src 'none'"), "{head}");
    assert!(body.contains("/assets/widget.js"));
    let (status, _, body) = server.get("/api/faq/..%2F..%2Fetc%2Fpasswd");
    assert_eq!(status, 404, "{body}");

    // --watch: a new entry appears without a restart.
    let corpus = checkout.path().join("corpus/order-management.md");
    append(&corpus, "\n\n### 納品書は同梱できますか？\n\n納品書の同梱は任意です。\n");
    assert!(
        wait_for(Duration::from_secs(20), || top_question(&server, "納品書").as_deref() == Some("納品書は同梱できますか？")),
        "watch reload: {}",
        server.log()
    );

    // A broken corpus: the reload fails with file and line, the last good index serves on.
    append(&corpus, "\n\n### 答えのない質問？\n");
    assert!(wait_for(Duration::from_secs(20), || server.log().contains("reload failed")), "{}", server.log());
    assert!(server.log().contains("order-management.md:"), "{}", server.log());
    assert_eq!(top_question(&server, "納品書").as_deref(), Some("納品書は同梱できますか？"));

    // SIGHUP after the fix.
    let fixed = std::fs::read_to_string(&corpus).unwrap().replace("### 答えのない質問？\n", "### 領収書の宛名は？\n\n購入者の氏名です。\n");
    std::fs::write(&corpus, fixed).unwrap();
    server.signal("HUP");
    assert!(wait_for(Duration::from_secs(20), || top_question(&server, "宛名").as_deref() == Some("領収書の宛名は？")), "{}", server.log());

    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0), "{}", server.log());
    assert!(server.log().contains("shutting down"), "{}", server.log());
}

/// Issue #15 (2, 3): silent and slow connections cannot exhaust file descriptors or memory
/// or keep others out for long, and shutdown has a deadline. Run under a 256-file limit
/// (soft and hard), with a 2 s header timeout and a 2 s shutdown grace.
#[test]
#[cfg(unix)]
fn connections_are_bounded_and_shutdown_has_a_deadline() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let checkout = fresh_checkout();
    let mut command = std::process::Command::new("sh");
    command
        .current_dir(checkout.path())
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" serve --addr 127.0.0.1:0 --header-timeout-secs 2 --shutdown-grace-secs 2")
        .arg(common::faq_bin());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("FAQ_") {
            command.env_remove(name);
        }
    }
    let mut server = Server::spawn(command);
    assert!(server.log().contains("max_connections"), "{}", server.log());

    // 300 silent connections: more than the process may open files.
    let silent: Vec<TcpStream> = (0..300).filter_map(|_| TcpStream::connect(&server.address).ok()).collect();
    // 40 that trickle a huge header (never finishing it).
    let mut slow: Vec<TcpStream> = (0..40).filter_map(|_| TcpStream::connect(&server.address).ok()).collect();
    for stream in &mut slow {
        let _ = stream.write_all(format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}", "a".repeat(60_000)).as_bytes());
    }
    // Another client still gets its answer, at worst after the header timeout frees places.
    let started = std::time::Instant::now();
    let answer = top_question(&server, "領収書を出してほしいと言われた");
    assert!(answer.is_some_and(|q| q.starts_with("購入者から領収書発行")), "{}", server.log());
    assert!(started.elapsed() < Duration::from_secs(15), "waited {:?}", started.elapsed());
    assert!(!server.log().contains("Too many open files") || server.log().contains("retrying"), "{}", server.log());
    // Silent connections are closed by the server after the header timeout.
    let mut closed = 0;
    for mut stream in silent.into_iter().take(20) {
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buffer = [0u8; 16];
        if matches!(stream.read(&mut buffer), Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert_eq!(closed, 20, "idle connections are closed");

    // Shutdown with slow clients still connected finishes within the grace period.
    let _hold: Vec<TcpStream> = (0..20).filter_map(|_| TcpStream::connect(&server.address).ok()).collect();
    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0), "{}", server.log());
    drop(slow);
}

fn entries(server: &Server) -> u64 {
    let (_, _, body) = server.get("/healthz");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["entries"].as_u64().unwrap()
}

/// Issue #15 (5): --watch follows the usual deploys (a symlink swapped to a new release, the
/// folder removed and recreated), sees an edit that keeps size and modification time, and
/// never publishes a file a slow writer is half-way through.
#[test]
#[cfg(unix)]
fn watching_follows_deploys_sees_content_only_edits_and_waits_for_slow_writers() {
    let dir = tempfile::tempdir().unwrap();
    let release = |name: &str, text: &str| {
        let folder = dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("faq.md"), text).unwrap();
        folder
    };
    let first = release("release-1", "### 送料はいくらですか？\n\n全国一律です。\n");
    std::os::unix::fs::symlink(&first, dir.path().join("corpus")).unwrap();
    let server = Server::start(dir.path(), &["--watch"]);
    assert_eq!(entries(&server), 1);

    // A symlink swapped to a new release (ln -sfn: a new link renamed over the old one).
    let second = release("release-2", "### 送料はいくらですか？\n\n全国一律です。\n\n### 納品書は入りますか？\n\n同梱します。\n");
    std::os::unix::fs::symlink(&second, dir.path().join("corpus.new")).unwrap();
    std::fs::rename(dir.path().join("corpus.new"), dir.path().join("corpus")).unwrap();
    assert!(wait_for(Duration::from_secs(20), || entries(&server) == 2), "symlink swap: {}", server.log());

    // The same size and modification time, different contents (cp -p, rsync -a).
    let file = second.join("faq.md");
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&file).unwrap().replace("同梱します", "別送します");
    std::fs::write(&file, &text).unwrap();
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(modified).unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || {
            let (_, _, body) = server.get(&format!("/api/search?q={}", common::percent_encode("納品書")));
            body.contains("別送します")
        }),
        "content-only edit: {}",
        server.log()
    );

    // The folder removed and recreated (here: the link replaced by a real folder).
    std::fs::remove_file(dir.path().join("corpus")).unwrap();
    let folder = dir.path().join("corpus");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("faq.md"),
        "### 返品できますか？\n\n7日以内です。\n\n### 領収書は出せますか？\n\n出せます。\n\n### 保留とは？\n\n確認中です。\n",
    )
    .unwrap();
    assert!(wait_for(Duration::from_secs(20), || entries(&server) == 3), "folder replaced: {}", server.log());

    // A slow writer: half a file, a 500 ms pause, the rest. The half is never published.
    let full: String = (0..9).map(|i| format!("### 質問{i}はありますか？\n\n答え{i}です。\n\n")).collect();
    let (half, rest) = full.split_at(full.find("### 質問5").unwrap());
    let mut writer = std::fs::File::create(folder.join("slow.md")).unwrap();
    use std::io::Write as _;
    writer.write_all(half.as_bytes()).unwrap();
    writer.flush().unwrap();
    let mut seen = Vec::new();
    let pause = Instant::now();
    while pause.elapsed() < Duration::from_millis(500) {
        seen.push(entries(&server));
        std::thread::sleep(Duration::from_millis(50));
    }
    writer.write_all(rest.as_bytes()).unwrap();
    drop(writer);
    assert!(wait_for(Duration::from_secs(20), || entries(&server) == 12), "slow writer: {}", server.log());
    assert!(seen.iter().all(|&n| n == 3), "a half-written file was published: {seen:?}");
}

/// `--allow-origin` refuses what a browser never sends, with the reason, before serving;
/// `*` is accepted deliberately (any page, no credentials).
#[test]
fn allow_origin_is_checked_at_start() {
    let checkout = fresh_checkout();
    for (value, why) in
        [("portal.example.com", "no scheme"), ("https://portal.example.com/faq", "no path"), ("*,https://a.example", "cannot be combined")]
    {
        let output =
            common::faq_command(checkout.path()).args(["serve", "--addr", "127.0.0.1:0", "--allow-origin", value]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.contains(why) && stderr.contains("https://portal.example.com"), "{value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let server = Server::start(checkout.path(), &["--allow-origin", "*"]);
    let (status, head, _) = server.get("/api/search?q=%E9%A0%98%E5%8F%8E%E6%9B%B8");
    assert_eq!(status, 200, "{head}");
}

/// `faq serve` records searches (masked; not the box's keystrokes), openings and feedback
/// for `faq report`; `--no-analytics` records nothing.
#[test]
fn searches_are_recorded_masked_and_reported() {
    let checkout = fresh_checkout();
    let server = Server::start(checkout.path(), &[]);
    let q = |text: &str| common::percent_encode(text);
    for text in ["領収書を出してほしい", "天気はどう", "天気はどう？", "注文番号123-4567890-1234567が届かない"]
    {
        assert_eq!(server.get(&format!("/api/search?q={}", q(text))).0, 200);
    }
    assert_eq!(server.get(&format!("/api/search?q={}&log=false", q("領収書を出"))).0, 200);
    let body = r#"{"type":"feedback","id":"order-management-4fbda66d","helpful":true,"query":"taro@example.com 領収書"}"#;
    let request = format!(
        "POST /api/events HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    );
    assert_eq!(server.request(&request).0, 204);
    let mut report = serde_json::Value::Null;
    assert!(
        wait_for(Duration::from_secs(10), || {
            let output = common::faq_command(checkout.path()).args(["report", "--json"]).output().unwrap();
            report = serde_json::from_slice(&output.stdout).unwrap_or_default();
            report["searches"] == 4 && report["entries"].as_array().is_some_and(|e| e.iter().any(|e| e["helpful"] == 1))
        }),
        "{report}"
    );
    let queries: Vec<&str> = report["top_queries"].as_array().unwrap().iter().map(|q| q["query"].as_str().unwrap()).collect();
    assert!(queries.contains(&"注文番号<order>が届かない"), "masked: {queries:?}");
    assert!(!queries.iter().any(|q| q.contains("123-4567890")), "{queries:?}");
    assert!(!queries.contains(&"領収書を出"), "log=false is not recorded: {queries:?}");
    let unanswered = report["unanswered"].as_array().unwrap();
    assert!(
        unanswered.iter().any(|g| g["count"] == 2 && g["terms"] == "天気"),
        "天気はどう and 天気はどう？ are one group: {unanswered:?}"
    );
    drop(server);

    let quiet = fresh_checkout();
    let server = Server::start(quiet.path(), &["--no-analytics"]);
    assert_eq!(server.get(&format!("/api/search?q={}", q("領収書"))).0, 200);
    drop(server);
    assert!(!quiet.path().join("index/default.analytics.sqlite").exists());
}
