//! The search page in a real browser: headless Debian Chromium driven through chromedriver
//! (WebDriver). Types Japanese queries into the box, sees the expected entry highlighted,
//! opens the answer with its links, navigates with the keyboard, sees the empty state and the
//! honest no-answer state (related questions collapsed, the operator's contact link, at a
//! phone's width too), and writes screenshots to target/screenshots/.
//!
//! Needs `chromium` and `chromium-driver` (installed by .ci/run); skipped with a message when
//! they are absent.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::server::Server;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

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

async fn connect(port: u16, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--window-size=900,1100", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last_error = None;
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone()).capabilities(capabilities.clone()).connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => return client,
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not accept a session: {last_error:?}");
}

async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && text.contains(needle)
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {css} containing {needle:?}; page: {}", client.source().await.unwrap_or_default());
}

async fn type_query(client: &Client, text: &str) {
    let input = client.find(Locator::Id("q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn search_page_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        eprintln!("SKIPPED: {CHROMIUM} or {CHROMEDRIVER} missing (apt-get install chromium chromium-driver; .ci/run does)");
        return;
    }
    let checkout = tempfile::tempdir().unwrap();
    std::fs::create_dir(checkout.path().join("corpus")).unwrap();
    for file in ["order-management.md", "synonyms.txt"] {
        std::fs::copy(common::seed_corpus().join(file), checkout.path().join("corpus").join(file)).unwrap();
    }
    let contact = "https://portal.example.com/contact?from=faq";
    let server = Server::start(checkout.path(), &["--contact-url", contact, "--contact-label", "出品者サポートに問い合わせる"]);
    let port = free_port();
    let _driver = Driver(
        Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let client = connect(port, profile.path()).await;

    client.goto(&server.url("/")).await.unwrap();
    assert_eq!(client.title().await.unwrap(), "注文管理のよくある質問 — FAQ検索");

    // A colloquial sentence: the receipt entry comes first, matched words marked.
    type_query(&client, "領収書を出してほしいと言われた").await;
    let first = wait_text(&client, "#results li:first-child .question", "領収書").await;
    assert!(first.starts_with("購入者から領収書発行について"), "{first}");
    let marks = client.find_all(Locator::Css("#results li:first-child .question mark")).await.unwrap();
    assert!(!marks.is_empty(), "matched words are highlighted");

    std::fs::create_dir_all(common::repo().join("target/screenshots")).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(common::repo().join("target/screenshots/search-page.png"), png).unwrap();

    // Keyboard: ArrowDown selects the first hit, Enter opens its answer with the help link.
    let input = client.find(Locator::Id("q")).await.unwrap();
    input.send_keys(&Key::Down.to_string()).await.unwrap();
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    wait_text(&client, "#results li:first-child .answer", "民法上定める販売者の義務").await;
    let link = client.find(Locator::Css("#results li:first-child .answer a")).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("https://sellercentral.amazon.co.jp/gp/help/200387940"));
    assert_eq!(link.text().await.unwrap(), "領収書について");

    // Hiragana only, typed as the user would before converting.
    type_query(&client, "ほりゅうちゅうのちゅうもん").await;
    wait_text(&client, "#results li:first-child .question", "保留中の注文とはなんですか").await;

    // Markup typed into the box is text, never markup on the page.
    type_query(&client, "<img src=x onerror=alert(1)>領収書").await;
    wait_text(&client, "#results li:first-child .question", "領収書").await;
    assert!(client.find_all(Locator::Css("#results img")).await.unwrap().is_empty());

    // Nothing matches: the empty state shows, with the operator's way out.
    type_query(&client, "zzqxwv").await;
    wait_text(&client, "#empty", "該当するFAQが見つかりませんでした").await;
    assert!(client.find(Locator::Id("empty")).await.unwrap().is_displayed().await.unwrap());
    wait_text(&client, "#way-out", "出品者サポートに問い合わせる").await;

    // A question the FAQ does not answer, though words match: an honest no, the weak hits
    // collapsed under 関連するかもしれない質問, the contact link.
    type_query(&client, "天気はどう？").await;
    wait_text(&client, "#unanswered", "この質問に答えるFAQは見つかりませんでした").await;
    assert!(client.find(Locator::Id("unanswered")).await.unwrap().is_displayed().await.unwrap());
    assert!(!client.find(Locator::Id("empty")).await.unwrap().is_displayed().await.unwrap());
    assert!(client.find_all(Locator::Css("#results li")).await.unwrap().is_empty(), "no hit is shown as an answer");
    let related = client.find_all(Locator::Css("#related-results li")).await.unwrap();
    assert!((1..=3).contains(&related.len()), "{} related questions", related.len());
    assert!(!related[0].is_displayed().await.unwrap(), "the related questions start collapsed");
    let way_out = client.find(Locator::Css("#way-out a")).await.unwrap();
    assert!(way_out.is_displayed().await.unwrap());
    assert_eq!(way_out.attr("href").await.unwrap().as_deref(), Some(contact));
    assert_eq!(way_out.text().await.unwrap(), "出品者サポートに問い合わせる");
    client.find(Locator::Css("#related summary")).await.unwrap().click().await.unwrap();
    assert!(related[0].is_displayed().await.unwrap(), "the related questions open on a click");

    // The same at a phone's width: nothing overflows sideways.
    client.set_window_size(390, 844).await.unwrap();
    let overflow = client
        .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
        .await
        .unwrap();
    // For the message: the elements that reach past the viewport's right edge.
    let wide = client
        .execute(
            "const w = document.documentElement.clientWidth;\
             return [...document.querySelectorAll('body *')]\
               .filter(e => e.getBoundingClientRect().right > w + 1)\
               .map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ');",
            vec![],
        )
        .await
        .unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "the page overflows sideways at 390 px by {overflow}: {wide}");
    let png = client.screenshot().await.unwrap();
    std::fs::write(common::repo().join("target/screenshots/search-page-unanswered-phone.png"), png).unwrap();

    client.close().await.unwrap();
}
