//! The search page in a real browser: headless Debian Chromium driven through chromedriver
//! (WebDriver). Types Japanese queries into the box, sees the expected entry highlighted,
//! opens the answer with its links, navigates with the keyboard, sees the empty state, and
//! writes a screenshot to target/screenshots/search-page.png.
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
    let server = Server::start(checkout.path(), &[]);
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

    // Nothing matches: the empty state shows.
    type_query(&client, "zzqxwv").await;
    wait_text(&client, "#empty", "該当するFAQが見つかりませんでした").await;
    assert!(client.find(Locator::Id("empty")).await.unwrap().is_displayed().await.unwrap());

    client.close().await.unwrap();
}
