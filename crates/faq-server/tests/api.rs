//! The API driven in-process through the router: contract, errors as JSON with 4xx, limits,
//! CORS, request ids, metrics, the page's CSP, and hot reload keeping the old index on a
//! broken corpus.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use faq_core::Analyzer;
use faq_query::{FaqSearcher, Synonyms};
use faq_server::{AppState, Config, Loader, router};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::load().expect("IPADIC dictionary (built in)"))
}

fn seed_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

/// A loader that (re)builds an index of `corpus` under `index` and opens it.
fn loader(corpus: PathBuf, index: PathBuf) -> Loader {
    Arc::new(move || {
        let analyzer = analyzer().for_corpus(&corpus).map_err(|e| e.to_string())?;
        if faq_indexer::is_stale(&index, &corpus).map_err(|e| e.to_string())? {
            faq_indexer::build_from_corpus(&corpus, &index, &analyzer).map_err(|e| e.to_string())?;
        }
        let synonyms = Synonyms::load(&corpus.join("synonyms.txt"), &analyzer).map_err(|e| e.to_string())?;
        Ok(FaqSearcher::open(&index, analyzer).map_err(|e| e.to_string())?.with_synonyms(synonyms))
    })
}

struct App {
    router: Router,
    _index: tempfile::TempDir,
}

fn app_with(config: Config) -> App {
    let index = tempfile::tempdir().unwrap();
    let state = AppState::load(loader(seed_corpus(), index.path().to_path_buf())).unwrap();
    App { router: router(state, config), _index: index }
}

fn app() -> App {
    app_with(Config::default())
}

async fn get(router: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    get_with(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn get_with(router: &Router, mut request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    // As a client on a socket would send it: HTTP/1.1 names its Host.
    if !request.headers().contains_key(header::HOST) {
        request.headers_mut().insert(header::HOST, axum::http::HeaderValue::from_static("localhost"));
    }
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

async fn get_json(router: &Router, uri: &str) -> (StatusCode, Value) {
    let (status, headers, body) = get(router, uri).await;
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"), "{uri}: {headers:?}");
    (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: {e}: {}", String::from_utf8_lossy(&body))))
}

fn q(text: &str) -> String {
    form_encode(text)
}

fn form_encode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn search_returns_the_cli_contract() {
    let app = app();
    let (status, body) = get_json(&app.router, &format!("/api/search?q={}&limit=3", q("領収書を出してほしい"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["query"], "領収書を出してほしい");
    assert!(body["took_ms"].as_f64().unwrap() >= 0.0);
    assert!(body["total_hits"].as_u64().unwrap() >= 1);
    let hits = body["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    let top = &hits[0];
    assert!(top["question"].as_str().unwrap().starts_with("購入者から領収書発行"));
    assert!(top["highlights"]["question"].as_str().unwrap().contains("<mark>"));
    assert_eq!(top["links"][0]["label"], "領収書について");
    assert!(top.get("explain").is_none());
    let (_, explained) = get_json(&app.router, &format!("/api/search?q={}&explain=true&limit=1", q("領収書"))).await;
    assert!(explained["hits"][0]["explain"].as_array().is_some_and(|parts| !parts.is_empty()));
    assert!(explained["hits"][0]["signals"]["coverage"].as_f64().is_some(), "explain shows what the confidence came from");
}

#[tokio::test]
async fn every_search_says_whether_the_faq_answers_it() {
    let app = app();
    let (_, answered) = get_json(&app.router, &format!("/api/search?q={}", q("領収書を出してほしい"))).await;
    assert_eq!(answered["answered"], true);
    let confidences: Vec<f64> = answered["hits"].as_array().unwrap().iter().map(|h| h["confidence"].as_f64().unwrap()).collect();
    assert!(confidences.iter().all(|c| (0.0..=1.0).contains(c)), "{confidences:?}");
    assert!(confidences[0] > 0.5, "the right answer is confident: {confidences:?}");
    // Out of scope, though a word matches: not answered, the weak hits kept and flagged.
    let (status, unanswered) = get_json(&app.router, &format!("/api/search?q={}", q("天気はどう？"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unanswered["answered"], false);
    let hits = unanswered["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "weak hits are kept");
    let threshold = f64::from(faq_query::confidence::Model::shipped().threshold);
    assert!(hits.iter().all(|h| h["confidence"].as_f64().unwrap() < threshold), "{hits:?}");
    let (_, none) = get_json(&app.router, "/api/search?q=zzqxwv").await;
    assert_eq!((none["answered"].as_bool(), none["hits"].as_array().map(Vec::len)), (Some(false), Some(0)));
    let (_, _, metrics) = get(&app.router, "/metrics").await;
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(metrics.contains("faq_search_unanswered_total 2"), "{metrics}");
    assert!(metrics.contains("faq_search_zero_hits_total 1"), "{metrics}");
}

#[tokio::test]
async fn the_page_gets_the_operators_contact_link() {
    let (_, none) = get_json(&app().router, "/api/config").await;
    assert_eq!(none["contact"], Value::Null, "no link unless the operator sets one");
    let contact = faq_server::Contact::new("https://portal.example.com/help", Some("サポートへ")).unwrap();
    let app = app_with(Config { contact: Some(contact), ..Config::default() });
    let (status, config) = get_json(&app.router, "/api/config").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["contact"]["url"], "https://portal.example.com/help");
    assert_eq!(config["contact"]["label"], "サポートへ");
    for bad in ["javascript:alert(1)", "portal.example.com", "https://", "https://a b", "mailto:"] {
        assert!(faq_server::Contact::new(bad, None).is_err(), "{bad} refused");
    }
    assert_eq!(faq_server::Contact::new("mailto:help@example.com", None).unwrap().label, faq_server::Contact::DEFAULT_LABEL);
}

#[tokio::test]
async fn bad_parameters_are_json_400s() {
    let app = app();
    let long = "あ".repeat(faq_query::MAX_QUERY_CHARS + 1);
    let cases = [
        ("/api/search".to_string(), "missing_query"),
        ("/api/search?q=".to_string(), "empty_query"),
        ("/api/search?q=%20%E3%80%80".to_string(), "empty_query"),
        (format!("/api/search?q={}", q(&long)), "query_too_long"),
        ("/api/search?q=a&limit=abc".to_string(), "invalid_parameter"),
        ("/api/search?q=a&limit=-1".to_string(), "invalid_parameter"),
        ("/api/search?q=a&limit=0".to_string(), "invalid_parameter"),
        ("/api/search?q=a&limit=2.5".to_string(), "invalid_parameter"),
        ("/api/search?q=a&limit=99999999999999999999999".to_string(), "invalid_parameter"),
        ("/api/search?q=a&offset=-3".to_string(), "invalid_parameter"),
        ("/api/search?q=a&offset=1000001".to_string(), "invalid_parameter"),
        ("/api/search?q=a&explain=maybe".to_string(), "invalid_parameter"),
        ("/api/suggest".to_string(), "missing_query"),
        ("/api/suggest?q=a&limit=x".to_string(), "invalid_parameter"),
    ];
    for (uri, code) in cases {
        let (status, body) = get_json(&app.router, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["error"]["code"], code, "{uri}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, body) = get_json(&app.router, &format!("/api/search?q={}", q(&long))).await;
    assert!(body["error"]["message"].as_str().unwrap().contains("1000"), "the limit is stated");
}

#[tokio::test]
async fn limits_clamp_and_odd_input_is_text() {
    let app = app();
    let (status, body) = get_json(&app.router, "/api/search?q=%E6%B3%A8%E6%96%87&limit=100000&unknown=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["hits"].as_array().unwrap().len() <= faq_query::MAX_LIMIT);
    for uri in [
        "/api/search?q=%FF%FE%FD",                           // invalid UTF-8
        "/api/search?q=%E9%A0",                              // truncated UTF-8
        "/api/search?q=%00%01%1B%5B2J",                      // control characters
        "/api/search?q=%22a%22+AND+b*+(c%3A)",               // query syntax
        "/api/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", // markup
        "/api/search?q=%E2%80%AE%F0%9F%98%80e%CC%81",        // bidi, emoji, combining mark
        "/api/search?q=a&limit=1&limit=2",
        "/api/suggest?q=%FF",
    ] {
        let (status, body) = get_json(&app.router, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        for hit in body["hits"].as_array().into_iter().flatten() {
            let highlights = hit["highlights"].to_string();
            assert!(!highlights.contains("<script"), "{uri}: {highlights}");
        }
    }
}

#[tokio::test]
async fn faq_by_id_and_not_found() {
    let app = app();
    let (_, search) = get_json(&app.router, &format!("/api/search?q={}&limit=1", q("保留中の注文"))).await;
    let id = search["hits"][0]["id"].as_str().unwrap().to_string();
    let (status, entry) = get_json(&app.router, &format!("/api/faq/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entry["id"], id.as_str());
    assert_eq!(entry["question"], "保留中の注文とはなんですか？");
    for uri in ["/api/faq/nope", "/api/faq/..%2F..%2Fetc%2Fpasswd", "/api/faq/%00", "/no/such/route", "/assets/../Cargo.toml", "/assets/"] {
        let (status, body) = get_json(&app.router, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(body["error"]["code"], "not_found", "{uri}");
    }
}

#[tokio::test]
async fn suggest_completes_kana() {
    let app = app();
    let (status, body) = get_json(&app.router, &format!("/api/suggest?q={}", q("りょうしゅ"))).await;
    assert_eq!(status, StatusCode::OK);
    let texts: Vec<&str> = body["suggestions"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"領収書"), "{texts:?}");
}

#[tokio::test]
async fn health_metrics_openapi_and_request_ids() {
    let app = app();
    let (status, health) = get_json(&app.router, "/healthz").await;
    assert_eq!((status, health["entries"].as_u64()), (StatusCode::OK, Some(13)));
    get(&app.router, "/api/search?q=zzqxwv").await;
    get(&app.router, "/api/search?q=").await;
    let (status, headers, body) = get(&app.router, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("faq_http_requests_total{route=\"/api/search\",status=\"400\"} 1"), "{text}");
    assert!(text.contains("faq_search_zero_hits_total 1"), "{text}");
    assert!(text.contains("faq_http_request_duration_seconds_bucket{route=\"/api/search\""), "{text}");
    assert!(text.contains("faq_index_entries 13"));
    let (status, openapi) = get_json(&app.router, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/search", "/api/faq/{id}", "/api/suggest", "/healthz", "/metrics"] {
        assert!(openapi["paths"].get(path).is_some(), "{path} documented");
    }
    let (_, headers, _) = get(&app.router, "/healthz").await;
    assert!(headers["x-request-id"].to_str().unwrap().starts_with("req-"));
    // A client's short, plain id is kept; a huge, odd or doubled one is replaced by ours.
    let with_id = |ids: &[&str]| {
        let mut request = Request::get("/healthz");
        for id in ids {
            request = request.header("x-request-id", *id);
        }
        request.body(Body::empty()).unwrap()
    };
    let (_, headers, _) = get_with(&app.router, with_id(&["portal-7f3a.42"])).await;
    assert_eq!(headers["x-request-id"], "portal-7f3a.42");
    for bad in [vec!["x".repeat(300_000)], vec!["a b".to_string()], vec!["<script>".to_string()], vec!["a".to_string(), "b".to_string()]] {
        let ids: Vec<&str> = bad.iter().map(String::as_str).collect();
        let (_, headers, _) = get_with(&app.router, with_id(&ids)).await;
        let echoed: Vec<&str> = headers.get_all("x-request-id").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(echoed.len(), 1, "{echoed:?}");
        assert!(echoed[0].starts_with("req-"), "an unfit id is replaced: {:?}", &echoed[0][..echoed[0].len().min(20)]);
    }
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn page_assets_and_csp() {
    let app = app_with(Config { origins: faq_server::Origins::parse(&["https://portal.example.com"]).unwrap(), ..Config::default() });
    let (status, headers, body) = get(&app.router, "/").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("lang=\"ja\"") && html.contains("/assets/widget.js") && html.contains("<faq-search page"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'self' https://portal.example.com"), "{csp}");
    for (path, kind) in [
        ("/assets/widget.js", "text/javascript"),
        ("/assets/widget.css", "text/css"),
        ("/assets/page.css", "text/css"),
        ("/assets/favicon.svg", "image/svg+xml"),
        ("/favicon.ico", "image/x-icon"),
    ] {
        let (status, headers, body) = get(&app.router, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(kind), "{path}");
        assert!(headers.contains_key(header::ETAG) && headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"), "{path}");
        assert!(!body.is_empty());
    }
    let (_, _, js) = get(&app.router, "/assets/widget.js").await;
    assert!(!String::from_utf8(js).unwrap().contains("innerHTML"), "the box never injects HTML");
}

#[tokio::test]
async fn any_origin_is_deliberate_and_frames_anywhere() {
    let app = app_with(Config { origins: faq_server::Origins::Any, ..Config::default() });
    let request = Request::get("/api/search?q=a").header(header::ORIGIN, "https://anyone.example").body(Body::empty()).unwrap();
    let (status, headers, _) = get_with(&app.router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none(), "never with credentials");
    let (_, headers, _) = get(&app.router, "/").await;
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors *"));
}

#[tokio::test]
async fn cors_is_closed_by_default_and_opened_by_the_allowlist() {
    let request = |origin: &str| Request::get("/api/search?q=a").header(header::ORIGIN, origin).body(Body::empty()).unwrap();
    let closed = app();
    let (_, headers, _) = get_with(&closed.router, request("https://evil.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let open = app_with(Config { origins: faq_server::Origins::parse(&["https://portal.example.com"]).unwrap(), ..Config::default() });
    let (_, headers, _) = get_with(&open.router, request("https://portal.example.com")).await;
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://portal.example.com");
    let (_, headers, _) = get_with(&open.router, request("https://evil.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn reload_swaps_in_new_entries_and_keeps_the_old_index_on_a_broken_corpus() {
    let corpus = tempfile::tempdir().unwrap();
    let index = tempfile::tempdir().unwrap();
    let file = corpus.path().join("faq.md");
    std::fs::write(&file, "### 送料はいくらですか？\n\n全国一律です。\n").unwrap();
    let state = AppState::load(loader(corpus.path().to_path_buf(), index.path().to_path_buf())).unwrap();
    let app = router(state.clone(), Config::default());
    let in_flight = state.engine();

    std::fs::write(&file, "### 送料はいくらですか？\n\n全国一律です。\n\n### 納品書は入りますか？\n\n同梱します。\n").unwrap();
    assert_eq!(state.reload().await, Ok(2));
    let (_, body) = get_json(&app, &format!("/api/search?q={}", q("納品書"))).await;
    assert_eq!(body["hits"][0]["question"], "納品書は入りますか？");
    assert_eq!(in_flight.searcher.len(), 1, "a request holding the old engine keeps it");
    assert_ne!(state.engine().tag, in_flight.tag, "a reload that changes entries changes their ETag");

    std::fs::write(&file, "### 答えのない質問？\n").unwrap();
    let error = state.reload().await.unwrap_err();
    assert!(error.contains("faq.md:1"), "{error}");
    let (status, body) = get_json(&app, &format!("/api/search?q={}", q("納品書"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["hits"][0]["question"], "納品書は入りますか？", "the last good index keeps serving");
    let (_, headers, metrics) = get(&app, "/metrics").await;
    drop(headers);
    assert!(String::from_utf8(metrics).unwrap().contains("faq_reloads_total{result=\"failed\"} 1"));
    // The health check says so, with the file and line, until a good reload.
    let (status, health) = get_json(&app, "/healthz").await;
    assert_eq!((status, health["status"].as_str()), (StatusCode::OK, Some("degraded")));
    assert!(health["last_reload_error"]["message"].as_str().unwrap().contains("faq.md:1"), "{health}");
    std::fs::write(&file, "### 送料はいくらですか？\n\n全国一律です。\n").unwrap();
    assert_eq!(state.reload().await, Ok(1));
    let (_, health) = get_json(&app, "/healthz").await;
    assert_eq!(health["status"], "ok");
    assert!(health.get("last_reload_error").is_none());
}

#[tokio::test]
async fn the_compact_view_is_what_the_box_shows_with_its_suggestions() {
    let app = app();
    let q = "/api/search?q=%E9%A0%98%E5%8F%8E%E6%9B%B8%E3%82%92%E5%87%BA%E3%81%97%E3%81%A6"; // 領収書を出して
    let (_, full) = get_json(&app.router, q).await;
    let (status, compact) = get_json(&app.router, &format!("{q}&view=compact&suggest=6")).await;
    assert_eq!(status, StatusCode::OK);
    for field in ["query", "total_hits", "answered"] {
        assert_eq!(compact[field], full[field], "{field}");
    }
    let (full_hit, hit) = (&full["hits"][0], &compact["hits"][0]);
    for field in ["id", "question", "score", "confidence", "coverage", "highlights"] {
        assert_eq!(hit[field], full_hit[field], "{field}");
    }
    assert!(hit.get("answer").is_none() && hit.get("links").is_none(), "{hit}");
    assert!(full.get("suggestions").is_none(), "suggestions only when asked for");
    assert_eq!(compact["suggestions"]["kind"], "completion");
    let (_, bare) = get_json(&app.router, &format!("{q}&view=compact")).await;
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap().len();
    assert!(bytes(&bare) * 5 < bytes(&full) * 3, "compact {} vs full {}", bytes(&bare), bytes(&full));

    // Typing a word: completions of the tail; a query nothing answers: related words.
    let (_, typing) = get_json(&app.router, "/api/search?q=%E9%80%81%E6%96%99%E3%82%92%E3%82%8A%E3%82%87&view=compact&suggest=6").await; // 送料をりょ
    assert_eq!(typing["suggestions"]["completes"], "りょ");
    assert_eq!(typing["suggestions"]["suggestions"][0]["text"], "領収書");
    let (_, nothing) = get_json(&app.router, "/api/search?q=%E3%82%8A%E3%82%87%E3%81%86%E3%81%97%E3%82%85%E3%81%86%E3%81%97%E3%82%87%E3%81%8B%E3%81%8F%E3%81%AB%E3%82%93&view=compact&suggest=6").await; // りょうしゅうしょかくにん
    let kind = nothing["suggestions"]["kind"].as_str().unwrap();
    assert!(kind == "related" || nothing["answered"] == true, "{nothing}");

    let (status, error) = get_json(&app.router, &format!("{q}&view=tiny")).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_parameter")));
}

#[tokio::test]
async fn entries_completions_and_assets_revalidate_with_strong_etags() {
    let app = app();
    let (_, search) = get_json(&app.router, "/api/search?q=%E9%A0%98%E5%8F%8E%E6%9B%B8").await;
    let id = search["hits"][0]["id"].as_str().unwrap().to_string();
    for path in [format!("/api/faq/{id}"), "/api/suggest?q=%E3%82%8A%E3%82%87".to_string(), "/assets/widget.js".to_string()] {
        let (status, headers, body) = get(&app.router, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let etag = headers[header::ETAG].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong: {etag}");
        assert!(headers[header::CACHE_CONTROL].to_str().unwrap().starts_with("public, max-age="), "{path}");
        let again = Request::get(&path).header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
        let (status, headers, empty) = get_with(&app.router, again).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(empty.is_empty() && headers[header::ETAG] == etag.as_str());
        let stale = Request::get(&path).header(header::IF_NONE_MATCH, "\"other\"").body(Body::empty()).unwrap();
        let (status, _, again) = get_with(&app.router, stale).await;
        assert_eq!((status, again.len()), (StatusCode::OK, body.len()), "{path}");
        // Compressed, it is another representation with its own tag.
        let gzip = Request::get(&path).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).unwrap();
        let (_, headers, _) = get_with(&app.router, gzip).await;
        if headers.get(header::CONTENT_ENCODING).is_some() {
            assert_eq!(headers[header::ETAG].to_str().unwrap(), format!("{}-gzip\"", &etag[..etag.len() - 1]));
        }
    }
    // Search responses are short-lived in caches and carry no validator (they time themselves).
    let (_, headers, _) = get(&app.router, "/api/search?q=%E9%A0%98%E5%8F%8E%E6%9B%B8").await;
    assert!(headers.get(header::ETAG).is_none());
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=30");
}
