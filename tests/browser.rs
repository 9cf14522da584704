//! The search box in a real browser: headless Debian Chromium driven through chromedriver
//! (WebDriver), at a desktop's width (1280 px) and as a phone (390 px, touch, through
//! Chromium's mobile emulation). Types Japanese queries, opens answers (fetched on opening,
//! each link once), uses the keyboard, follows a permalink, sees the empty, no-answer and
//! error states, and checks after each step that nothing overflows sideways (also at 320 and
//! 1440 px) and that tap targets are at least 44 px. Then a portal page on another origin
//! embeds the widget (`<faq-search>`, Shadow DOM) and the iframe mode, with and without the
//! allowlist. Screenshots go to target/screenshots/.
//!
//! Needs `chromium` and `chromium-driver` (installed by .ci/run); skipped with a message when
//! they are absent.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::server::Server;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CONTACT: &str = "https://portal.example.com/contact?from=faq";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn browser_missing() -> bool {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        return common::missing(&format!("{CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver; .ci/run does)"));
    }
    false
}

/// A chromedriver and a session: a desktop window, or a phone (mobile emulation: 390 px
/// wide, touch, no hover).
struct Browser {
    client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(phone: bool) -> Browser {
        let port = free_port();
        let driver =
            Driver(Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--window-size=1280,800", format!("--user-data-dir={}", profile.path().display())]
        });
        if phone {
            options["mobileEmulation"] = json!({"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": true}});
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => return Browser { client, _driver: driver, _profile: profile },
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("chromedriver did not accept a session: {last_error:?}");
    }
}

/// Runs `body` with `root` bound to the box's shadow root (`faq-search` on this page).
async fn in_box(client: &Client, body: &str) -> Value {
    let script = format!("const root = document.querySelector('faq-search').shadowRoot; {body}");
    client.execute(&script, vec![]).await.unwrap()
}

/// Waits until the element `css` inside the box has text containing `needle`, and is shown.
async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let script = format!("const e = root.querySelector({css:?}); return e && e.checkVisibility() ? e.textContent : null;");
    for _ in 0..100 {
        if let Value::String(text) = in_box(client, &script).await
            && text.contains(needle)
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let html = in_box(client, "return root.innerHTML;").await;
    panic!("no shown {css} containing {needle:?}; box: {html}");
}

async fn shown(client: &Client, css: &str) -> bool {
    in_box(client, &format!("const e = root.querySelector({css:?}); return !!e && e.checkVisibility();")).await == Value::Bool(true)
}

async fn count(client: &Client, css: &str) -> u64 {
    in_box(client, &format!("return root.querySelectorAll({css:?}).length;")).await.as_u64().unwrap()
}

async fn input(client: &Client) -> Element {
    let host = client.find(Locator::Css("faq-search")).await.unwrap();
    host.shadow_root().await.unwrap().find(Locator::Css("#q")).await.unwrap()
}

async fn type_query(client: &Client, text: &str) {
    let input = input(client).await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Nothing reaches past the viewport's right edge (the page's and the box's elements).
async fn assert_no_overflow(client: &Client, step: &str) {
    let found = client
        .execute(
            "const w = document.documentElement.clientWidth;\
             const all = [...document.querySelectorAll('body *')];\
             for (const host of document.querySelectorAll('faq-search')) all.push(...host.shadowRoot.querySelectorAll('*'));\
             const wide = all.filter(e => e.checkVisibility() && e.getBoundingClientRect().right > w + 1)\
               .map(e => e.tagName + '#' + e.id + '.' + e.className);\
             return [document.documentElement.scrollWidth - window.innerWidth, wide.join(' ')];",
            vec![],
        )
        .await
        .unwrap();
    assert!(found[0].as_i64().unwrap() <= 0, "{step}: the page overflows sideways by {} px: {}", found[0], found[1]);
}

/// Every shown button, chip, summary and standalone link in the box is at least 44 px tall.
async fn assert_tap_targets(client: &Client, step: &str) {
    let small = in_box(
        client,
        "return [...root.querySelectorAll('button, summary, .links a, .permalink, .way-out a')]\
           .filter(e => e.checkVisibility()).map(e => [e.textContent.slice(0, 20), e.getBoundingClientRect().height])\
           .filter(([, h]) => h < 44);",
    )
    .await;
    assert_eq!(small, json!([]), "{step}: tap targets under 44 px");
}

async fn screenshot(client: &Client, name: &str) {
    std::fs::create_dir_all(common::repo().join("target/screenshots")).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(common::repo().join(format!("target/screenshots/{name}.png")), png).unwrap();
}

/// The page at 1280 px: typing, the answer, the keyboard, the URL, the permalink, the
/// states, widths from 320 to 1440 px.
#[tokio::test(flavor = "multi_thread")]
async fn search_page_on_a_desktop() {
    if browser_missing() {
        return;
    }
    let checkout = common::seed_checkout();
    let mut server = Server::start(checkout.path(), &["--contact-url", CONTACT, "--contact-label", "出品者サポートに問い合わせる"]);
    let browser = Browser::start(false).await;
    let client = &browser.client;

    client.goto(&server.url("/")).await.unwrap();
    assert_eq!(client.title().await.unwrap(), "注文管理のよくある質問 — FAQ検索");
    // The desktop's hint names the keys.
    assert!(shown(client, ".hint-keys").await && !shown(client, ".hint-touch").await);

    // A colloquial sentence: the receipt entry comes first, matched words marked.
    type_query(client, "領収書を出してほしいと言われた").await;
    let first = wait_text(client, "#results li:first-child .question", "領収書").await;
    assert!(first.starts_with("購入者から領収書発行について"), "{first}");
    assert!(count(client, "#results li:first-child .question mark").await > 0, "matched words are highlighted");
    // Sellers are not shown the latency; the URL follows the query.
    let status = wait_text(client, "#status", "件").await;
    assert!(!status.contains("ms"), "{status}");
    let url = client.current_url().await.unwrap();
    assert_eq!(url.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned()).as_deref(), Some("領収書を出してほしいと言われた"));
    assert_no_overflow(client, "results").await;
    screenshot(client, "desktop-results").await;

    // Keyboard: ArrowDown selects the first hit, Enter opens its answer (fetched now), the
    // snippet gives way to it, and its link appears once, labelled, not as a bare URL.
    let box_input = input(client).await;
    box_input.send_keys(&Key::Down.to_string()).await.unwrap();
    box_input.send_keys(&Key::Enter.to_string()).await.unwrap();
    let answer = wait_text(client, "#results li:first-child .answer", "民法上定める販売者の義務").await;
    assert!(!answer.contains("https://"), "the URL is a link, not text: {answer}");
    assert!(!shown(client, "#results li:first-child .snippet").await, "the snippet is hidden once the answer is open");
    let links = in_box(
        client,
        "return [...root.querySelectorAll('#results li:first-child .answer a:not(.permalink)')].map(a => [a.href, a.textContent]);",
    )
    .await;
    assert_eq!(links, json!([["https://sellercentral.amazon.co.jp/gp/help/200387940", "領収書について"]]));
    let permalink = in_box(client, "return root.querySelector('#results li:first-child .permalink').href;").await;
    let permalink = permalink.as_str().unwrap().to_string();
    assert!(permalink.ends_with("/?id=order-management-4fbda66d"), "{permalink}");
    assert_no_overflow(client, "answer open").await;
    assert_tap_targets(client, "answer open").await;
    screenshot(client, "desktop-answer").await;

    // 「この回答で解決しましたか？」: はい is thanked, and the owner's report counts the search
    // (settled when the answer opened), the opening and the feedback.
    in_box(client, "root.querySelector('#results li:first-child .feedback-buttons button').click();").await;
    wait_text(client, "#results li:first-child .feedback", "ありがとうございます").await;
    let mut report = Value::Null;
    for _ in 0..50 {
        let output = common::faq_command(checkout.path()).args(["report", "--json"]).output().unwrap();
        report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let entry = report["entries"].as_array().and_then(|e| e.iter().find(|e| e["id"] == "order-management-4fbda66d").cloned());
        if entry.is_some_and(|e| e["opened"] == 1 && e["helpful"] == 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let entry = report["entries"].as_array().and_then(|e| e.iter().find(|e| e["id"] == "order-management-4fbda66d").cloned());
    assert!(entry.is_some_and(|e| e["opened"] == 1 && e["helpful"] == 1), "{report}");
    let top = report["top_queries"].as_array().cloned().unwrap_or_default();
    assert!(top.iter().any(|q| q["query"] == "領収書を出してほしいと言われた"), "the settled query is recorded: {report}");
    assert!(!top.iter().any(|q| q["query"] == "領収書を出"), "keystrokes are not: {report}");

    // The permalink opens that one entry.
    client.goto(&permalink).await.unwrap();
    wait_text(client, "#results li:first-child .answer", "民法上定める販売者の義務").await;
    assert_eq!(count(client, "#results li").await, 1);

    // Hiragana only, typed as the user would before converting.
    client.goto(&server.url("/")).await.unwrap();
    type_query(client, "ほりゅうちゅうのちゅうもん").await;
    wait_text(client, "#results li:first-child .question", "保留中の注文とはなんですか").await;
    assert_no_overflow(client, "hiragana").await;

    // Markup typed into the box is text, never markup on the page.
    type_query(client, "<img src=x onerror=alert(1)>領収書").await;
    wait_text(client, "#results li:first-child .question", "領収書").await;
    assert_eq!(count(client, "img").await, 0);

    // Typing a word: completions, one chip each, and no "not found" under them.
    type_query(client, "りょ").await;
    wait_text(client, "#suggestions", "領収書").await;
    let chips = in_box(client, "return [...root.querySelectorAll('#suggestions button')].map(b => b.textContent);").await;
    let chips: Vec<String> = serde_json::from_value(chips).unwrap();
    let mut distinct = chips.clone();
    distinct.dedup();
    assert_eq!(chips, distinct, "no duplicate chips");
    assert!(!shown(client, "#empty").await, "no verdict while completions show");
    // A chip completes the word being typed.
    in_box(client, "root.querySelector('#suggestions button').click();").await;
    wait_text(client, "#results li:first-child .question", "領収書").await;

    // Nothing matches: the empty state, with words of the FAQ close to the whole query and
    // the operator's way out.
    type_query(client, "zzqxwv").await;
    wait_text(client, "#empty", "該当するFAQが見つかりませんでした").await;
    wait_text(client, "#way-out", "出品者サポートに問い合わせる").await;
    assert_no_overflow(client, "nothing matches").await;

    // A question the FAQ does not answer, though words match: an honest no, the weak hits
    // collapsed under 関連するかもしれない質問, the contact link.
    type_query(client, "天気はどう？").await;
    wait_text(client, "#unanswered", "この質問に答えるFAQは見つかりませんでした").await;
    assert!(!shown(client, "#empty").await);
    assert_eq!(count(client, "#results li").await, 0, "no hit is shown as an answer");
    let related = count(client, "#related-results li").await;
    assert!((1..=3).contains(&related), "{related} related questions");
    assert!(!shown(client, "#related-results li").await, "the related questions start collapsed");
    let way_out = in_box(client, "const a = root.querySelector('#way-out a'); return [a.href, a.textContent, a.checkVisibility()];").await;
    assert_eq!(way_out, json!([CONTACT, "出品者サポートに問い合わせる", true]));
    in_box(client, "root.querySelector('#related summary').click();").await;
    assert!(shown(client, "#related-results li").await, "the related questions open on a click");
    assert_tap_targets(client, "unanswered").await;
    assert_no_overflow(client, "unanswered").await;
    screenshot(client, "desktop-unanswered").await;

    // From 320 to 1440 px, with an answer open: nothing overflows sideways.
    type_query(client, "返金").await;
    wait_text(client, "#results li:first-child .question", "").await;
    in_box(client, "root.querySelector('#results li:first-child .toggle').click();").await;
    wait_text(client, "#results li:first-child .answer", "返金").await;
    for width in [320, 390, 768, 1024, 1440] {
        client.set_window_size(width, 900).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_no_overflow(client, &format!("{width} px")).await;
    }
    client.set_window_size(1280, 800).await.unwrap();

    // The service goes away: a Japanese message and a retry button, not a stack of English.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    // (A query not asked before: the browser's cache still answers those for 30 s.)
    type_query(client, "返品したい").await;
    let error = wait_text(client, "#error", "検索できませんでした").await;
    assert!(!error.contains("Failed to fetch"), "{error}");
    assert!(shown(client, "#retry").await);
    assert_tap_targets(client, "error").await;
    screenshot(client, "desktop-error").await;

    client.clone().close().await.unwrap();
}

/// As a phone (390 px, touch): the touch hint, answers that fit, tap targets, the
/// no-answer state.
#[tokio::test(flavor = "multi_thread")]
async fn search_page_on_a_phone() {
    if browser_missing() {
        return;
    }
    let checkout = common::seed_checkout();
    let server = Server::start(checkout.path(), &["--contact-url", CONTACT]);
    let browser = Browser::start(true).await;
    let client = &browser.client;
    client.goto(&server.url("/")).await.unwrap();
    let width = client.execute("return window.innerWidth;", vec![]).await.unwrap();
    assert_eq!(width, json!(390));
    assert!(shown(client, ".hint-touch").await && !shown(client, ".hint-keys").await, "no keyboard hint on a phone");

    // Every answer of the FAQ, opened one by one: none overflows (long URLs break, link
    // labels are cut to a sensible length).
    type_query(client, "注文").await;
    wait_text(client, "#results li:first-child .question", "").await;
    let hits = count(client, "#results li").await;
    assert!(hits >= 3, "{hits}");
    for i in 1..=hits {
        in_box(client, &format!("root.querySelector('#results li:nth-child({i}) .toggle').click();")).await;
        wait_text(client, &format!("#results li:nth-child({i}) .answer-text"), "").await;
        assert_no_overflow(client, &format!("phone, answer {i} open")).await;
        // Each link once, and no two alike (注文の流れ links to two help sites).
        let texts = in_box(
            client,
            &format!("return [...root.querySelectorAll('#results li:nth-child({i}) .answer-text a, #results li:nth-child({i}) ul.links a')].map(a => [a.textContent, a.href]);"),
        )
        .await;
        let texts: Vec<(String, String)> = serde_json::from_value(texts).unwrap();
        let labels: std::collections::HashSet<_> = texts.iter().map(|(t, _)| t).collect();
        let hrefs: std::collections::HashSet<_> = texts.iter().map(|(_, h)| h).collect();
        assert_eq!(labels.len(), texts.len(), "answer {i}: two links read the same: {texts:?}");
        assert_eq!(hrefs.len(), texts.len(), "answer {i}: a link shown twice: {texts:?}");
    }
    assert_tap_targets(client, "phone, answers open").await;
    screenshot(client, "phone-answers").await;

    type_query(client, "天気はどう？").await;
    wait_text(client, "#unanswered", "この質問に答えるFAQは見つかりませんでした").await;
    in_box(client, "root.querySelector('#related summary').click();").await;
    assert_no_overflow(client, "phone, unanswered").await;
    assert_tap_targets(client, "phone, unanswered").await;
    screenshot(client, "phone-unanswered").await;

    // The debug view (`?debug=1`) is where the latency is.
    client.goto(&server.url("/?debug=1&q=%E9%A0%98%E5%8F%8E%E6%9B%B8")).await.unwrap();
    wait_text(client, "#status", "ms").await;
    client.clone().close().await.unwrap();
}

/// A portal on another origin: a page that serves `html` for every request.
struct Portal {
    port: u16,
}

impl Portal {
    /// Serves `pages` (path → HTML) on `listener`.
    fn serve(listener: TcpListener, pages: Vec<(&'static str, String)>) -> Portal {
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split(' ').nth(1).unwrap_or("/");
                let body = pages.iter().find(|(p, _)| *p == path).map(|(_, b)| b.as_str()).unwrap_or("");
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Portal { port }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A portal page with its own hostile CSS, the widget, and the iframe with the documented
/// height listener.
fn portal_page(faq: &str) -> String {
    format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>出品者ポータル</title>
<style>body {{ font-family: serif; margin: 0 }} button {{ background: red !important; font-size: 40px !important }} li {{ display: inline !important }}
faq-search {{ --faq-accent: #c7511f; }} header {{ background: #232f3e; color: #fff; padding: 8px }}</style>
<script src="{faq}/assets/widget.js" defer></script></head>
<body><header>出品者ポータル</header>
<section id="widget"><faq-search></faq-search></section>
<section><iframe id="faq-frame" src="{faq}/?embed=1" title="よくある質問" style="width:100%;border:0;height:120px"></iframe></section>
<script>
window.heights = [];
addEventListener("message", (event) => {{
  if (event.origin === "{faq}" && event.data && event.data.type === "faq-search:height") {{
    document.getElementById("faq-frame").style.height = event.data.height + "px";
    window.heights.push(event.data.height);
  }}
}});
</script></body></html>"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn widget_and_iframe_on_a_portal_of_another_origin() {
    if browser_missing() {
        return;
    }
    let checkout = common::seed_checkout();
    // The portal's origin must be known before the FAQ servers start: its socket first.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let portal_origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let closed = Server::start(checkout.path(), &[]);
    let open = Server::start(checkout.path(), &["--allow-origin", &portal_origin]);
    let closed_url = closed.url("").trim_end_matches('/').to_string();
    let open_url = open.url("").trim_end_matches('/').to_string();
    let portal = Portal::serve(listener, vec![("/open", portal_page(&open_url)), ("/closed", portal_page(&closed_url))]);
    assert_eq!(portal.origin(), portal_origin);

    for phone in [false, true] {
        let browser = Browser::start(phone).await;
        let client = &browser.client;
        let device = if phone { "phone" } else { "desktop" };

        // Allowed: the widget answers inside the portal's layout, untouched by its CSS and
        // themed by its custom property; the iframe reports its height.
        client.goto(&format!("{}/open", portal.origin())).await.unwrap();
        type_query(client, "領収書を出してほしい").await;
        wait_text(client, "#results li:first-child .question", "領収書").await;
        let style = in_box(
            client,
            "const b = root.querySelector('#results .toggle'); const s = getComputedStyle(b); return [s.backgroundColor, s.fontSize];",
        )
        .await;
        assert_ne!(style[0], json!("rgb(255, 0, 0)"), "the portal's CSS does not reach the widget");
        assert_ne!(style[1], json!("40px"));
        let accent = in_box(client, "return getComputedStyle(root.querySelector('.box')).getPropertyValue('--accent').trim();").await;
        assert_eq!(accent, json!("#c7511f"), "themed by --faq-accent");
        in_box(client, "root.querySelector('#results li:first-child .toggle').click();").await;
        wait_text(client, "#results li:first-child .answer", "民法上定める販売者の義務").await;
        assert_no_overflow(client, &format!("portal widget, {device}")).await;
        let mut heights = Value::Null;
        for _ in 0..50 {
            heights = client.execute("return window.heights;", vec![]).await.unwrap();
            if heights.as_array().is_some_and(|h| !h.is_empty()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let first = heights.as_array().and_then(|h| h.last()).and_then(Value::as_f64).unwrap_or(0.0);
        assert!(first > 60.0, "the iframe reports its height: {heights}");
        // Typing in the iframe grows it.
        let frame = client.find(Locator::Id("faq-frame")).await.unwrap();
        frame.clone().enter_frame().await.unwrap();
        type_query(client, "注文").await;
        wait_text(client, "#results li:first-child .question", "").await;
        client.enter_parent_frame().await.unwrap();
        let mut grown = 0.0;
        for _ in 0..50 {
            let height =
                client.execute("return document.getElementById('faq-frame').getBoundingClientRect().height;", vec![]).await.unwrap();
            grown = height.as_f64().unwrap_or(0.0);
            if grown > first + 100.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(grown > first + 100.0, "the iframe grew with its results: {first} → {grown}");
        assert_no_overflow(client, &format!("portal iframe, {device}")).await;
        screenshot(client, &format!("portal-{device}")).await;

        // Not allowed: the browser refuses the API calls (the widget says it could not
        // search) and the framing (no height message).
        client.goto(&format!("{}/closed", portal.origin())).await.unwrap();
        type_query(client, "領収書").await;
        wait_text(client, "#error", "検索できませんでした").await;
        assert_eq!(count(client, "#results li").await, 0);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let heights = client.execute("return window.heights;", vec![]).await.unwrap();
        assert_eq!(heights, json!([]), "a refused frame sends nothing");
        screenshot(client, &format!("portal-closed-{device}")).await;
        client.clone().close().await.unwrap();
    }
}
