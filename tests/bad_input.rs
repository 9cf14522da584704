//! The bad-input matrix (RELIABILITY.md): what a user, a client or a corpus editor can get
//! wrong, through the real binary, the real server on a socket, and the corpus loader.
//! Every case ends in a result or a clear error: exit 2 / a JSON 4xx / `file:line`, never a
//! panic, a 5xx, or markup echoed unescaped.

use crate::common;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::server::Server;

fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    std::fs::copy(common::seed_corpus().join("order-management.md"), dir.path().join("corpus/order-management.md")).unwrap();
    dir
}

fn faq(dir: &Path, args: &[&OsStr], stdin: &[u8]) -> Output {
    common::run_faq(dir, args, stdin)
}

fn args<'a>(list: &'a [&'a str]) -> Vec<&'a OsStr> {
    list.iter().map(OsStr::new).collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_no_panic(output: &Output, case: &str) {
    assert_ne!(output.status.code(), Some(101), "{case}: panicked: {}", stderr(output));
    assert!(!stderr(output).contains("panicked at"), "{case}: {}", stderr(output));
}

#[test]
fn cli_queries_nobody_meant_to_type() {
    let dir = checkout();
    assert!(faq(dir.path(), &args(&["index"]), b"").status.success());

    // Refused with a clear message and exit 2.
    let long = "あ".repeat(30_000); // 90 KB: under the OS argument limit, over the engine's
    for (query, expected) in [("", "empty"), ("   \u{3000}\t", "empty"), (long.as_str(), "1000")] {
        let output = faq(dir.path(), &args(&["search", query]), b"");
        assert_no_panic(&output, query);
        assert_eq!(output.status.code(), Some(2), "{query:.20}");
        assert!(stderr(&output).contains(expected), "{query:.20}: {}", stderr(&output));
    }

    // Searched as text: exit 0 or 1 and a valid JSON response that echoes the query.
    for query in [
        "\"領収書\" AND (発行* OR question:x) ~2 ^3 \\ [a TO z] {}",
        "<script>alert(1)</script><img src=x onerror=alert(1)>領収書",
        "\u{1}\u{7}\u{1b}[2J\u{7f}領収書",
        "\u{202e}領収書\u{202c}\u{200f}\u{2066}",
        "😀🙇‍♀️ 領収書 🧾",
        "か\u{3099}き\u{3099}e\u{301}\u{20dd}",
        "\u{fffd}\u{feff}\u{e000}",
        "ﾘｮｳｼｭｳｼｮ",
    ] {
        let output = faq(dir.path(), &args(&["search", "--json", query]), b"");
        assert_no_panic(&output, query);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{query}: {}", stderr(&output));
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(value["query"], query);
        for hit in value["hits"].as_array().unwrap() {
            let html = hit["highlights"].to_string();
            assert!(!html.contains("<script") && !html.contains("<img"), "{query}: {html}");
        }
    }

    // Invalid UTF-8 in an argument: clap's clear error, exit 2.
    let output = faq(dir.path(), &[OsStr::new("search"), OsStr::from_bytes(b"\xff\xfe\xe9\xa0")], b"");
    assert_no_panic(&output, "invalid UTF-8 argument");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("UTF-8"), "{}", stderr(&output));

    // Batch: NUL, invalid and truncated UTF-8, a 1 MB line; one JSON line per input line.
    let mut batch = Vec::new();
    batch.extend_from_slice("領収書\n".as_bytes());
    batch.extend_from_slice(b"a\0b\n\xff\xfe\n\xe9\xa0\n");
    batch.extend_from_slice("い".repeat(350_000).as_bytes()); // ~1 MB
    batch.extend_from_slice(b"\n\n");
    let output = faq(dir.path(), &args(&["search", "--batch", "-"]), &batch);
    assert_no_panic(&output, "batch");
    let lines: Vec<serde_json::Value> =
        output.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    assert_eq!(lines.len(), 6, "{}", stderr(&output));
    assert!(lines[0]["hits"][0]["question"].as_str().unwrap().contains("領収書"));
    assert_eq!(lines[4]["error"]["code"], "query_too_long");
    assert_eq!(lines[5]["error"]["code"], "empty_query");
}

#[test]
fn cli_numbers_out_of_range_are_clear_errors() {
    let dir = checkout();
    for bad in [
        ["--limit", "0"],
        ["--limit", "-1"],
        ["--limit", "abc"],
        ["--limit", "1.5"],
        ["--limit", "101"],
        ["--limit", "99999999999999999999"],
        ["--offset", "-1"],
        ["--offset", "x"],
    ] {
        let output = faq(dir.path(), &args(&["search", bad[0], bad[1], "領収書"]), b"");
        assert_no_panic(&output, bad[1]);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&output).contains(bad[0]), "{bad:?}: the option is named: {}", stderr(&output));
    }
    let output = faq(dir.path(), &args(&["search", "--json", "--offset", "18446744073709551615", "領収書"]), b"");
    assert_no_panic(&output, "huge offset");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = faq(dir.path(), &args(&["search", "--unknown-flag", "領収書"]), b"");
    assert_eq!(output.status.code(), Some(2));
}

/// Sends raw bytes on a new connection and returns (status, head, body).
fn raw(server: &Server, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // A server may answer and close before reading everything: ignore write errors.
    let _ = stream.write_all(request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head, String::from_utf8_lossy(&response[split..]).into_owned())
}

fn json_error(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    value["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {body}")).to_string()
}

#[test]
fn http_requests_nobody_meant_to_send() {
    let dir = checkout();
    let server = Server::start(dir.path(), &[]);
    let host = server.address.clone();

    // Over-long queries: the engine's limit as a JSON 400 while the URI fits hyper's
    // 64 KiB request-target limit; beyond it hyper itself answers 414, and 431 for a 1 MB
    // request head (no body: the request never reaches the application).
    let (status, _, body) = server.get(&format!("/api/search?q={}", "%E3%81%82".repeat(5_000)));
    assert_eq!((status, json_error(&body).as_str()), (400, "query_too_long"));
    let (status, head, _) = server.get(&format!("/api/search?q={}", "%E3%81%82".repeat(10_000)));
    assert_eq!(status, 414, "{head}");
    let huge = format!("GET /api/search?q={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", "%E3%81%82".repeat(120_000));
    let (status, head, _) = raw(&server, huge.as_bytes());
    assert!((400..500).contains(&status), "1 MB query: {head}");

    // Wrong methods, bodies, traversal, listings: JSON 4xx.
    let cases: [(String, u16, &str); 9] = [
        (
            format!("POST /api/search?q=a HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            405,
            "method_not_allowed",
        ),
        (format!("DELETE /api/faq/x HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), 405, "method_not_allowed"),
        (
            format!("POST /api/search HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n"),
            413,
            "payload_too_large",
        ),
        (format!("GET /assets/..%2F..%2FCargo.toml HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), 404, "not_found"),
        (format!("GET /assets/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), 404, "not_found"),
        (format!("GET /assets/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), 404, "not_found"),
        (format!("GET //etc/passwd HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), 404, "not_found"),
        (format!("GET /api/faq/..%2F..%2Fmeta.json HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), 404, "not_found"),
        (
            format!("GET /api/search?q=%E9%A0%98&limit=1e3&offset=0x10 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            400,
            "invalid_parameter",
        ),
    ];
    for (request, expected_status, expected_code) in cases {
        let (status, head, body) = raw(&server, request.as_bytes());
        let line = request.lines().next().unwrap().to_string();
        assert_eq!(status, expected_status, "{line}: {head}{body}");
        assert_eq!(json_error(&body), expected_code, "{line}");
        assert!(!body.contains("root:"), "{line}");
    }

    // Malformed HTTP: the connection gets a 4xx or is closed; the server lives on.
    for garbage in [&b"\x16\x03\x01\x00\xa5\x01\x00\x00"[..], b"GET\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nX: \xff\x00\r\n\r\n"] {
        let (status, head, _) = raw(&server, garbage);
        assert!(status == 0 || (400..500).contains(&status), "{garbage:?}: {head}");
    }
    let (status, _, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");

    // A foreign origin gets no CORS grant.
    let request = format!("GET /api/search?q=a HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n");
    let (status, head, _) = raw(&server, request.as_bytes());
    assert_eq!(status, 200);
    assert!(!head.to_ascii_lowercase().contains("access-control-allow-origin"), "{head}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn corpus_files_people_get_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let load = |path: &Path| faq_indexer::corpus::load(path).map(|c| c.entries).map_err(|e| e.to_string());

    // Refused, naming the file and the line.
    let refused: [(&str, &[u8], &str); 7] = [
        ("empty.md", b"", "empty.md:1"),
        ("blank.md", b"\n  \n\t\n", "blank.md:1"),
        ("prose.md", "# 注文について\n\n質問のない説明文だけのページです。\n".as_bytes(), "prose.md:1"),
        ("unanswered.md", "### 答えは？\n\n### 次の質問？\n\n答え。\n".as_bytes(), "unanswered.md:1"),
        ("sjis.md", b"### \x97\xcc\x8e\xfb\x8f\x91\x82\xcd\x81H\n\n\x82\xcd\x82\xa2\x81B\n", "sjis.md:1"),
        ("empty.jsonl", b"", "empty.jsonl:1"),
        ("no-answer.jsonl", "{\"id\":\"1\",\"question\":\"質問？\",\"answer\":\"  \"}\n".as_bytes(), "no-answer.jsonl:1"),
    ];
    for (name, bytes, location) in refused {
        let error = load(&write(dir.path(), name, bytes)).expect_err(name);
        assert!(error.contains(location), "{name}: {error}");
    }
    let both = tempfile::tempdir().unwrap();
    write(both.path(), "a.md", "<!-- id: same -->\n### 質問A？\n\n答えA。\n".as_bytes());
    write(both.path(), "b.md", "<!-- id: same -->\n### 質問B？\n\n答えB。\n".as_bytes());
    let error = load(both.path()).unwrap_err();
    assert!(error.contains("a.md") && error.contains("b.md") && error.contains("same"), "{error}");

    // Accepted: BOM and CRLF read like plain UTF-8 with LF.
    let plain = "### 返品はできますか？\n\nはい、7日以内なら\n\nできます。\n\n### 送料は？\n\n無料です。\n";
    let lf = load(&write(dir.path(), "lf.md", plain.as_bytes())).unwrap();
    let crlf = load(&write(dir.path(), "crlf.md", plain.replace('\n', "\r\n").as_bytes())).unwrap();
    let bom = load(&write(dir.path(), "bom.md", &[b"\xef\xbb\xbf", plain.as_bytes()].concat())).unwrap();
    assert_eq!(lf.len(), 2);
    for other in [&crlf, &bom] {
        let texts = |entries: &[faq_core::FaqEntry]| entries.iter().map(|e| (e.question.clone(), e.answer.clone())).collect::<Vec<_>>();
        assert_eq!(texts(other), texts(&lf));
    }

    // A 10 MB answer: indexed, found, and shown as a short snippet.
    let big_answer = format!("{}この場合は返品送料が無料です。{}", "説明文です。".repeat(580_000), "補足。".repeat(10));
    assert!(big_answer.len() > 10_000_000);
    let jsonl = serde_json::json!({"id": "big", "question": "大きな回答の質問？", "answer": big_answer}).to_string()
        + "\n"
        + &serde_json::json!({"id": "small", "question": "送料はかかりますか？", "answer": "かかります。"}).to_string();
    let entries = load(&write(dir.path(), "big.jsonl", jsonl.as_bytes())).unwrap();
    assert_eq!(entries[0].answer.len(), big_answer.len(), "nothing lost");
    let index = faq_indexer::index_in_ram(&entries, common::analyzer()).unwrap();
    let fields = faq_core::schema::FaqFields::from_schema(&index.schema()).unwrap();
    let searcher = faq_query::FaqSearcher::from_index(index, fields, common::analyzer().clone()).unwrap();
    let response = searcher.search("返品送料", faq_query::Page::default()).unwrap();
    // Found (which of two entries ranks first is the semantic path's call: the small one is
    // all about 送料), and shown as a snippet.
    let big = response.hits.iter().find(|h| h.id == "big").expect("the 10 MB entry is found");
    assert!(big.highlights.answer.chars().count() < 400, "a snippet, not 10 MB");
    assert!(big.highlights.answer.contains("<mark>"));
}

/// Issue #15 (4): nothing in a corpus folder can block or exhaust a build.
#[test]
#[cfg(unix)]
fn corpus_files_that_could_block_or_exhaust_a_build_are_skipped_or_refused() {
    use faq_indexer::corpus::{Limits, load_with};
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "### 領収書は出せますか？\n\n出せます。\n".as_bytes());
    // A FIFO named like a corpus file: never opened (opening it would wait for a writer).
    let fifo = dir.path().join("pipe.md");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let corpus = load_with(dir.path(), Limits::default()).unwrap();
    assert_eq!(corpus.entries.len(), 1);
    assert!(corpus.warnings.iter().any(|w| w.contains("pipe.md") && w.contains("not a regular file")), "{:?}", corpus.warnings);
    // Named directly, it is an error, not a wait.
    let error = load_with(&fifo, Limits::default()).unwrap_err().to_string();
    assert!(error.contains("pipe.md") && error.contains("not a regular file"), "{error}");
    // A file over the per-file limit, and a corpus over the total: errors naming the file,
    // read no further than the limit (a sparse 8 GB file is not read whole).
    let huge = std::fs::File::create(dir.path().join("huge.md")).unwrap();
    huge.set_len(8 << 30).unwrap();
    let error = load_with(dir.path(), Limits::default()).unwrap_err().to_string();
    assert!(error.contains("huge.md") && error.contains("FAQ_MAX_FILE_MB"), "{error}");
    std::fs::remove_file(dir.path().join("huge.md")).unwrap();
    write(dir.path(), "b.md", "### 返品できますか？\n\nできます。\n".as_bytes());
    let small = Limits { file_bytes: 1 << 20, corpus_bytes: 60 };
    let error = load_with(dir.path(), small).unwrap_err().to_string();
    assert!(error.contains("b.md") && error.contains("FAQ_MAX_CORPUS_MB"), "{error}");
    // A symlink loop ends at the depth limit with a warning.
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let corpus = load_with(dir.path(), Limits::default()).unwrap();
    assert!(corpus.warnings.iter().any(|w| w.contains("nested deeper")), "{:?}", corpus.warnings);
}

/// Issue #15 (8): a link a browser could run never reaches the JSON; the editor is told where.
#[test]
fn links_a_browser_could_run_are_dropped_with_a_warning_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "### 領収書は出せますか？\n\n\
        ヘルプ：<https://sellercentral.amazon.co.jp/gp/help/200387940>\n\n\
        [ここ](javascript:alert(1)) と [こちら](JAVASCRIPT:alert(2)) と [あれ](&#106;avascript:alert(3))\n\n\
        [データ](data:text/html,x) [VB](vbscript:msgbox) [相対](/help/receipts) [メール](mailto:help@example.com)\n";
    write(dir.path(), "links.md", text.as_bytes());
    let jsonl = serde_json::json!({"id": "j", "question": "送料は？", "answer": "無料です。",
        "links": [{"url": " javascript:alert(4)", "label": "x"}, {"url": "https://example.com/", "label": "ok"}]})
    .to_string();
    write(dir.path(), "more.jsonl", jsonl.as_bytes());
    let corpus = faq_indexer::corpus::load(dir.path()).unwrap();
    let urls: Vec<&str> = corpus.entries.iter().flat_map(|e| e.links.iter().map(|l| l.url.as_str())).collect();
    assert_eq!(
        urls,
        ["https://sellercentral.amazon.co.jp/gp/help/200387940", "/help/receipts", "mailto:help@example.com", "https://example.com/"]
    );
    assert_eq!(corpus.warnings.len(), 6, "{:?}", corpus.warnings);
    assert!(corpus.warnings.iter().all(|w| w.contains("link dropped")));
    assert!(corpus.warnings.iter().filter(|w| w.contains("links.md:1")).count() == 5, "{:?}", corpus.warnings);
}

/// Issue #15 (7): escapes and bidi overrides from file names, questions or the query never
/// reach the terminal, on stdout or stderr.
#[test]
fn terminal_output_carries_no_escape_or_bidi_characters_from_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    let hostile_name = "evil\x1b[2J\x1b]0;pwned\x07\u{202E}.md";
    write(
        &dir.path().join("corpus"),
        hostile_name,
        "### 領収書\x1b[31mは\u{202E}出せますか？\n\n[x](javascript:alert(1)) 出せます。\n".as_bytes(),
    );
    let output = faq(dir.path(), &args(&["index"]), b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output_search = faq(dir.path(), &args(&["search", "--color", "always", "領収書\u{202E}"]), b"");
    for text in [stderr(&output), String::from_utf8_lossy(&output_search.stdout).into_owned(), stderr(&output_search)] {
        assert!(!text.contains("\x1b[2J") && !text.contains("\x1b]") && !text.contains('\x07') && !text.contains('\u{202E}'), "{text:?}");
    }
    assert!(stderr(&output).contains("link dropped"), "the editor is told: {}", stderr(&output));
}

/// Issue #15 (1): a costly valid search is bounded (explain clamps the page and each hit's
/// breakdown), costly searches beyond the lane get an immediate 503 with `Retry-After`
/// rather than a queue, and short queries keep being answered meanwhile.
#[test]
fn costly_searches_are_bounded_shed_early_and_do_not_hold_up_short_ones() {
    let dir = checkout();
    let server = Server::start(dir.path(), &[]);
    let long: String = "領収書を発行してほしいと言われたのですが、注文の配送先住所を変更したい場合はどうすればよいですか。"
        .chars()
        .cycle()
        .take(1000)
        .collect();
    let costly = format!("/api/search?explain=true&limit=100&q={}", common::percent_encode(&long));
    let (status, _, body) = server.get(&costly);
    assert_eq!(status, 200, "{body}");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    let hits = value["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= faq_query::MAX_EXPLAIN_HITS, "{} hits explained", hits.len());
    assert!(hits.iter().all(|h| h["explain"].as_array().unwrap().len() <= faq_query::MAX_EXPLAIN_PARTS));

    let address = server.address.clone();
    let costly_clients: Vec<_> = (0..24)
        .map(|_| {
            let (address, costly) = (address.clone(), costly.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..6 {
                    let mut stream = TcpStream::connect(&address).unwrap();
                    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                    write!(stream, "GET {costly} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
                    let mut response = Vec::new();
                    let _ = stream.read_to_end(&mut response);
                    let text = String::from_utf8_lossy(&response).into_owned();
                    let status: u16 = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                    if status == 503 {
                        assert!(text.to_ascii_lowercase().contains("retry-after: 1"), "{text}");
                        assert!(text.contains("\"overloaded\"") || text.contains("\"timeout\""), "{text}");
                    }
                    seen.push(status);
                }
                seen
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..30 {
        let started = std::time::Instant::now();
        let (status, _, body) = server.get(&format!("/api/search?q={}", common::percent_encode("領収書")));
        assert_eq!(status, 200, "{body}");
        slowest = slowest.max(started.elapsed());
    }
    let statuses: Vec<u16> = costly_clients.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    eprintln!(
        "costly: {} answered, {} shed; slowest short query {:?}",
        statuses.iter().filter(|s| **s == 200).count(),
        statuses.iter().filter(|s| **s == 503).count(),
        slowest
    );
    assert!(slowest < Duration::from_secs(2), "a short query waited {slowest:?} behind costly ones");
}

/// Issue #15 (11): an HTTP/1.1 request must name exactly one Host.
#[test]
fn http11_requests_without_exactly_one_host_are_400() {
    let dir = checkout();
    let server = Server::start(dir.path(), &[]);
    for request in [
        "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".to_string(),
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n".to_string(),
    ] {
        let (status, _, body) = raw(&server, request.as_bytes());
        assert_eq!(status, 400, "{request:?}: {body}");
        assert!(body.contains("\"invalid_host\""), "{body}");
    }
    let (status, _, _) = raw(&server, format!("GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.address).as_bytes());
    assert_eq!(status, 200);
    // HTTP/1.0 has no Host requirement.
    let (status, _, _) = raw(&server, b"GET /healthz HTTP/1.0\r\n\r\n");
    assert_eq!(status, 200);
}
