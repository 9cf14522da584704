//! The real `faq` binary: the JSON contract (parsed into this test's own structs, unknown
//! fields rejected), exit codes 0/1/2, the first-run index build, batch mode, bad input.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Response {
    query: String,
    total_hits: usize,
    answered: bool,
    took_ms: f64,
    hits: Vec<Hit>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Hit {
    id: String,
    question: String,
    answer: String,
    score: f64,
    confidence: f64,
    coverage: f64,
    highlights: Highlights,
    links: Vec<Link>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Highlights {
    question: String,
    answer: String,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Link {
    url: String,
    label: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct BatchError {
    query: String,
    error: ErrorBody,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ErrorBody {
    code: String,
    message: String,
}

/// A scratch working directory holding a copy of the seed corpus, like a fresh checkout.
struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("corpus")).unwrap();
        std::fs::copy(common::seed_corpus().join("order-management.md"), dir.path().join("corpus/order-management.md")).unwrap();
        Checkout { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn faq(&self, args: &[&str]) -> Output {
        self.faq_with_stdin(args, None)
    }

    fn faq_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        common::run_faq(self.path(), args, stdin.unwrap_or_default())
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Response {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[test]
fn first_search_builds_the_default_index_then_reuses_it_and_rebuilds_when_the_corpus_changes() {
    let checkout = Checkout::new();
    let first = checkout.faq(&["search", "領収書を出してほしいと言われた"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(stderr(&first).contains("does not exist yet; building it from corpus"), "{}", stderr(&first));
    assert!(stdout(&first).contains("購入者から領収書発行について依頼がありました"), "{}", stdout(&first));
    assert!(checkout.path().join("index/default/current").exists());

    let second = checkout.faq(&["search", "領収書"]);
    assert_eq!(code(&second), 0);
    assert!(!stderr(&second).contains("building"), "{}", stderr(&second));

    let file = checkout.path().join("corpus/order-management.md");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n\n### 納品書は同梱できますか？\n\n納品書の同梱は任意です。\n");
    std::fs::write(&file, text).unwrap();
    let third = checkout.faq(&["search", "--json", "納品書"]);
    assert!(stderr(&third).contains("older than the corpus"), "{}", stderr(&third));
    assert_eq!(json(&third).hits[0].question, "納品書は同梱できますか？");
}

#[test]
fn json_contract() {
    let checkout = Checkout::new();
    let output = checkout.faq(&["search", "--json", "--limit", "3", "領収書", "発行"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let response = json(&output);
    assert_eq!(response.query, "領収書 発行");
    assert!(response.total_hits >= response.hits.len() && response.hits.len() <= 3);
    assert!(response.took_ms >= 0.0);
    let top = &response.hits[0];
    assert!(top.id.starts_with("order-management-"));
    assert!(top.question.starts_with("購入者から領収書発行"));
    assert!(top.answer.contains("民法上定める販売者の義務"));
    assert!(top.score > 0.0);
    assert!(response.answered);
    assert!(response.hits.iter().all(|h| (0.0..=1.0).contains(&h.confidence)));
    assert!(response.hits.iter().all(|h| (0.0..=1.0).contains(&h.coverage) && h.coverage.is_sign_positive()));
    assert_eq!(top.coverage, 1.0, "the receipt entry has every word of the query");
    assert!(top.confidence > response.hits[1].confidence, "the answer is the most confident hit");
    assert!(top.highlights.question.contains("<mark>発行</mark>"), "{}", top.highlights.question);
    assert!(top.highlights.answer.contains("<mark>"), "{}", top.highlights.answer);
    assert_eq!(top.links, [Link { url: "https://sellercentral.amazon.co.jp/gp/help/200387940".into(), label: "領収書について".into() }]);
    assert_eq!(stdout(&output).lines().count(), 1, "one JSON document, one line");
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    // `faq eval … | head -1`: the reader closes the pipe before the tables are printed.
    use std::process::Stdio;
    let checkout = Checkout::new();
    let dev = common::repo().join("tests/data/seed_dev");
    let (queries, qrels) = (dev.join("queries.tsv"), dev.join("qrels.tsv"));
    let mut child = common::faq_command(checkout.path())
        .args(["eval", "--queries"])
        .arg(&queries)
        .arg("--qrels")
        .arg(&qrels)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stderr(&output).contains("damaged"), "{}", stderr(&output));
}

#[test]
fn exit_codes() {
    let checkout = Checkout::new();
    assert_eq!(code(&checkout.faq(&["search", "保留中の注文"])), 0);
    let nothing = checkout.faq(&["search", "zzqxwv"]);
    assert_eq!(code(&nothing), 1, "{}", stderr(&nothing));
    assert!(stdout(&nothing).is_empty());
    let only_punctuation = checkout.faq(&["search", "--json", "？！、。"]);
    assert_eq!(code(&only_punctuation), 1);
    assert_eq!(json(&only_punctuation).hits.len(), 0);
    let empty = checkout.faq(&["search", ""]);
    assert_eq!(code(&empty), 2);
    assert!(stderr(&empty).contains("empty"), "{}", stderr(&empty));
    assert_eq!(code(&checkout.faq(&["search", "--limit", "0", "注文"])), 2);
    assert_eq!(code(&checkout.faq(&["search", "--limit", "abc", "注文"])), 2);
    assert_eq!(code(&checkout.faq(&["no-such-command"])), 2);
}

#[test]
fn a_question_the_faq_does_not_answer_says_so_shows_three_related_and_exits_1() {
    let checkout = Checkout::new();
    let output = checkout.faq(&["search", "天気はどう？"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("この質問に答えるFAQは見つかりませんでした。"), "{text}");
    assert!(text.contains("\n関連するかもしれない質問:\n"), "{text}");
    let related = text.lines().filter(|l| l.starts_with("  ・")).count();
    assert!((1..=3).contains(&related), "at most three weak hits: {text}");
    assert!(!text.contains("score"), "weak hits are not shown as answers: {text}");
    // The JSON keeps every weak hit, flagged, and exits 1 too.
    let output = checkout.faq(&["search", "--json", "天気はどう？"]);
    assert_eq!(code(&output), 1);
    let response = json(&output);
    assert!(!response.answered);
    assert!(response.hits.len() > related, "JSON keeps all {} weak hits", response.hits.len());
    // A batch exits 0 when any line is answered, 1 when none is.
    let batch = checkout.faq_with_stdin(&["search", "--batch", "-"], Some("天気はどう？\nこんにちは\n".as_bytes()));
    assert_eq!(code(&batch), 1);
    let lines: Vec<Response> = stdout(&batch).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().all(|r| !r.answered));
    let batch = checkout.faq_with_stdin(&["search", "--batch", "-"], Some("天気はどう？\n領収書を発行してほしい\n".as_bytes()));
    assert_eq!(code(&batch), 0);
}

#[test]
fn serve_refuses_a_contact_link_that_is_not_a_web_or_mail_address() {
    let checkout = Checkout::new();
    let output = checkout.faq(&["serve", "--addr", "127.0.0.1:0", "--contact-url", "javascript:alert(1)"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("contact URL"), "{}", stderr(&output));
}

#[test]
fn query_syntax_and_markup_are_plain_text() {
    let checkout = Checkout::new();
    for query in ["\"領収書\" AND 発行*", "question:(領収書]", "領収書？！「」", "<script>alert(1)</script>領収書", "-", "*", "'"]
    {
        let output = checkout.faq(&["search", "--json", query]);
        assert!(matches!(code(&output), 0 | 1), "{query}: {}", stderr(&output));
        let response = json(&output);
        assert_eq!(response.query, query);
        for hit in &response.hits {
            assert!(!hit.highlights.question.contains("<script") && !hit.highlights.answer.contains("<script"));
        }
    }
}

#[test]
fn missing_index_and_bad_corpus_are_clear_errors() {
    let checkout = Checkout::new();
    let missing = checkout.faq(&["search", "--index", "no/such/index", "領収書"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("no index at no/such/index"), "{}", stderr(&missing));

    let bad = checkout.path().join("bad.md");
    std::fs::write(&bad, "### 答えがありますか？\n\n### 次の質問？\n\n答え。\n").unwrap();
    let output = checkout.faq(&["index", "--corpus", "bad.md"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("bad.md:1: the question 「答えがありますか？」 has no answer"), "{}", stderr(&output));

    let no_corpus = checkout.faq(&["search", "--corpus", "nowhere", "領収書"]);
    assert_eq!(code(&no_corpus), 2);
    assert!(stderr(&no_corpus).contains("nowhere"), "{}", stderr(&no_corpus));
}

#[test]
fn another_corpus_gets_its_own_index_and_jsonl_imports_work() {
    let checkout = Checkout::new();
    let jsonl = checkout.path().join("other.jsonl");
    std::fs::write(&jsonl, "{\"id\":\"42\",\"question\":\"粗大ごみの出し方は？\",\"answer\":\"予約してください。\"}\n").unwrap();
    let output = checkout.faq(&["search", "--json", "--corpus", "other.jsonl", "粗大ごみ"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(json(&output).hits[0].id, "42");
    let names: Vec<PathBuf> = std::fs::read_dir(checkout.path().join("index")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(names.iter().any(|p| p.file_name().unwrap().to_string_lossy().starts_with("other-")), "{names:?}");
    let default = json(&checkout.faq(&["search", "--json", "粗大ごみ"]));
    assert!(default.hits.iter().all(|h| h.id != "42"), "the default index is untouched");
}

#[test]
fn batch_writes_one_json_line_per_input_line_in_order() {
    let checkout = Checkout::new();
    let input = "領収書\n\n保留中の注文\r\nzzqxwv\n\u{ff}\n".as_bytes().to_vec();
    let mut input = input;
    let bad_utf8 = input.len() - 3;
    input.splice(bad_utf8..bad_utf8 + 2, [0xff]);
    let output = checkout.faq_with_stdin(&["search", "--batch", "-", "--limit", "2"], Some(&input));
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let lines: Vec<&str> = std::str::from_utf8(&output.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    let first: Response = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first.query, "領収書");
    assert!(first.hits.len() <= 2 && !first.hits.is_empty());
    let empty: BatchError = serde_json::from_str(lines[1]).unwrap();
    assert_eq!((empty.query.as_str(), empty.error.code.as_str()), ("", "empty_query"));
    assert!(!empty.error.message.is_empty());
    let third: Response = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(third.query, "保留中の注文");
    assert!(third.hits[0].question.starts_with("保留中の注文"));
    let fourth: Response = serde_json::from_str(lines[3]).unwrap();
    assert!(fourth.hits.is_empty());
    let fifth: BatchError = serde_json::from_str(lines[4]).unwrap();
    assert_eq!(fifth.error.code, "invalid_utf8");

    let file = checkout.path().join("queries.txt");
    std::fs::write(&file, "zzqxwv\n").unwrap();
    let none = checkout.faq(&["search", "--batch", "queries.txt"]);
    assert_eq!(code(&none), 1, "no query found anything");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let checkout = Checkout::new();
    let piped = checkout.faq(&["search", "領収書"]);
    assert!(!stdout(&piped).contains('\x1b'), "no escape codes into a pipe");
    let forced = checkout.faq(&["search", "--color", "always", "領収書"]);
    assert!(stdout(&forced).contains("\x1b[1;36m領収"), "{}", stdout(&forced));
}

#[test]
fn show_and_tokenize() {
    let checkout = Checkout::new();
    let response = json(&checkout.faq(&["search", "--json", "保留中の注文とはなんですか"]));
    let id = &response.hits[0].id;
    let shown = checkout.faq(&["show", id]);
    assert_eq!(code(&shown), 0);
    assert!(stdout(&shown).contains("Q: 保留中の注文とはなんですか？"));
    assert!(stdout(&shown).contains("https://sellercentral.amazon.co.jp/gp/help/200495770"));
    let missing = checkout.faq(&["show", "../../etc/passwd"]);
    assert_eq!(code(&missing), 1);

    let tokens = checkout.faq(&["tokenize", "ｺﾝﾋﾞﾆ決済の領収書"]);
    assert_eq!(code(&tokens), 0);
    assert_eq!(
        stdout(&tokens),
        "コンビニ\tｺﾝﾋﾞﾆ\t名詞,一般\n決済\t決済\t名詞,サ変接続\n領収\t領収\t名詞,サ変接続\n書\t書\t名詞,接尾,一般\n\
         ~bigrams\tこん んび びに に決 決済 領収 収書\n\
         ~readings\tこん んび びに にけ けっ っさ さい りょ ょう うし しゅ ゅう うし しょ\n"
    );
}

#[test]
fn explain_names_paths_fields_and_shares() {
    let checkout = Checkout::new();
    let output = checkout.faq(&["search", "--json", "--explain", "--limit", "1", "りょうしゅうしょの発行"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let hit = &value["hits"][0];
    assert!(hit["question"].as_str().unwrap().starts_with("購入者から領収書発行"));
    let parts = hit["explain"].as_array().expect("explain array");
    let paths: Vec<&str> = parts.iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"morph") && paths.contains(&"reading"), "{paths:?}");
    let total: f64 = parts.iter().map(|p| p["score"].as_f64().unwrap()).sum();
    let score = hit["score"].as_f64().unwrap();
    assert!((total - score).abs() < 1e-3 * score.max(1.0), "shares {total} add up to the score {score}");
    let text = checkout.faq(&["search", "--explain", "--limit", "1", "領収書"]);
    assert!(stdout(&text).contains("base form question 領収"), "{}", stdout(&text));
}

#[test]
fn the_user_dictionary_fixes_a_reading_and_rebuilds_the_index_when_it_changes() {
    // The checkout has the seed FAQ but not its user dictionary: IPADIC reads 梱 as こり.
    let checkout = Checkout::new();
    let before = stdout(&checkout.faq(&["tokenize", "同梱処理"]));
    assert!(before.contains("どう うこ こり"), "{before}");
    let before = json(&checkout.faq(&["search", "--json", "どうこん"]));
    std::fs::write(checkout.path().join("corpus/user_dictionary.csv"), "# 読みの誤り\n同梱,サ変名詞,ドウコン\n").unwrap();
    let output = checkout.faq(&["search", "--json", "どうこん"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("building it from"), "an edited user dictionary rebuilds the index: {}", stderr(&output));
    let after = json(&output);
    assert!(after.hits[0].question.starts_with("同一の購入者から複数の注文番号"), "{:?}", after.hits[0].question);
    let confidence = |r: &Response| r.hits.iter().find(|h| h.question.starts_with("同一の購入者から")).map_or(0.0, |h| h.confidence);
    assert!(confidence(&after) > confidence(&before), "the reading now matches whole: {} → {}", confidence(&before), confidence(&after));
    // Applied to the query too: `tokenize` shows one word with its reading.
    let tokens = stdout(&checkout.faq(&["tokenize", "同梱処理"]));
    assert!(tokens.starts_with("同梱\t同梱\t名詞,サ変接続\n") && tokens.contains("どう うこ こん"), "{tokens}");
    // A malformed line: the file and line, exit 2, the last index untouched.
    std::fs::write(checkout.path().join("corpus/user_dictionary.csv"), "同梱,サ変名詞,ドウコン\n出荷通知,名詞\n").unwrap();
    let bad = checkout.faq(&["search", "どうこん"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("user_dictionary.csv:2:") && stderr(&bad).contains("3 fields"), "{}", stderr(&bad));
}

#[test]
fn synonyms_apply_at_query_time_without_reindexing() {
    let checkout = Checkout::new();
    assert_eq!(code(&checkout.faq(&["search", "ドロン"])), 1, "an unknown word finds nothing");
    std::fs::write(checkout.path().join("corpus/synonyms.txt"), "# test\nドロン, 領収書\n").unwrap();
    let output = checkout.faq(&["search", "--json", "ドロン"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stderr(&output).contains("building"), "no reindexing: {}", stderr(&output));
    assert!(json(&output).hits[0].question.starts_with("購入者から領収書発行"));
    std::fs::write(checkout.path().join("corpus/synonyms.txt"), "ドロン\n").unwrap();
    let bad = checkout.faq(&["search", "ドロン"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("synonyms.txt:1:"), "{}", stderr(&bad));
}

#[test]
fn export_writes_jsonl_that_imports_back_to_the_same_entries() {
    let checkout = Checkout::new();
    let output = checkout.faq(&["export"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    std::fs::write(checkout.path().join("exported.jsonl"), &output.stdout).unwrap();
    let markdown = faq_indexer::corpus::load(&checkout.path().join("corpus")).unwrap().entries;
    let imported = faq_indexer::corpus::load(&checkout.path().join("exported.jsonl")).unwrap().entries;
    assert_eq!(imported.len(), 13);
    for (a, b) in markdown.iter().zip(&imported) {
        assert_eq!((&a.id, &a.question, &a.answer, &a.links, &a.category), (&b.id, &b.question, &b.answer, &b.links, &b.category));
    }
    let missing = checkout.faq(&["export", "--corpus", "nowhere"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("nowhere"), "{}", stderr(&missing));
}

#[test]
fn outside_a_checkout_search_and_index_say_where_they_looked_for_the_corpus() {
    let empty = tempfile::tempdir().unwrap();
    for args in [&["search", "領収書"][..], &["index"][..]] {
        let output = common::run_faq(empty.path(), args, b"");
        assert_eq!(code(&output), 2, "{args:?}");
        let err = stderr(&output);
        assert!(err.contains("looked for ./corpus in"), "{args:?}: {err}");
        assert!(err.contains("--corpus") && err.contains("FAQ_CORPUS"), "{args:?}: {err}");
        assert!(!err.contains("faq index"), "no advice to run a command that fails next: {err}");
    }
    let json = common::run_faq(empty.path(), &["search", "--json", "領収書"], b"");
    let error: serde_json::Value = serde_json::from_slice(&json.stderr).unwrap();
    assert_eq!(error["error"]["code"], "corpus_missing");
}

#[test]
fn a_page_past_the_end_is_not_reported_as_no_match() {
    let checkout = Checkout::new();
    let total = json(&checkout.faq(&["search", "--json", "領収書"])).total_hits;
    assert!(total > 0);
    let offset = (total + 3).to_string();
    let past = checkout.faq(&["search", "--offset", &offset, "領収書"]);
    assert_eq!(code(&past), 1);
    let err = stderr(&past);
    assert!(err.contains("past the end") && err.contains(&format!("{total} entries match")), "{err}");
    assert!(!err.contains("no FAQ entry matches"), "{err}");
}

#[test]
fn show_suggests_the_full_id_for_a_hash_without_its_prefix() {
    let checkout = Checkout::new();
    let id = json(&checkout.faq(&["search", "--json", "領収書"])).hits[0].id.clone();
    let hash = id.rsplit('-').next().unwrap();
    let output = checkout.faq(&["show", hash]);
    assert_eq!(code(&output), 1);
    assert!(stderr(&output).contains(&format!("did you mean {id}?")), "{}", stderr(&output));
    let json_out = checkout.faq(&["show", "--json", hash]);
    let error: serde_json::Value = serde_json::from_slice(&json_out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "not_found");
    assert!(json_out.stdout.is_empty());
}

#[test]
fn with_json_errors_are_the_api_error_object_on_stderr() {
    let checkout = Checkout::new();
    for (args, expected) in [
        (&["search", "--json", ""][..], "empty_query"),
        (&["search", "--json", "--limit", "0", "注文"][..], "invalid_argument"),
        (&["search", "--json", "--index", "no/such/index", "注文"][..], "index_missing"),
        (&["search", "--json", "--corpus", "nowhere", "注文"][..], "corpus_missing"),
    ] {
        let output = checkout.faq(args);
        assert_eq!(code(&output), 2, "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let error: ErrorObject = serde_json::from_slice(&output.stderr).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&output)));
        assert_eq!(error.error.code, expected, "{args:?}: {}", error.error.message);
        assert!(!error.error.message.is_empty());
    }
    let plain = checkout.faq(&["search", ""]);
    assert!(stderr(&plain).starts_with("error: "), "{}", stderr(&plain));
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ErrorObject {
    error: ErrorBody,
}

#[test]
fn search_help_shows_examples_and_exit_codes() {
    let checkout = Checkout::new();
    let help = checkout.faq(&["search", "--help"]);
    assert_eq!(code(&help), 0);
    let text = stdout(&help);
    assert!(text.contains("Examples:") && text.contains("faq search --json"), "{text}");
    assert!(text.contains("Exit codes"), "{text}");
}

#[test]
fn first_run_compiles_the_built_in_dictionary_and_says_so() {
    let cache = tempfile::tempdir().unwrap();
    let run = |envs: &[(&str, &std::ffi::OsStr)]| {
        let mut command = common::faq_command(cache.path());
        command.args(["tokenize", "領収書"]).envs(envs.iter().copied());
        command.output().unwrap()
    };
    let first = run(&[("FAQ_DICT_CACHE", cache.path().as_os_str())]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let err = stderr(&first);
    assert!(err.contains("first run: compiling the built-in IPADIC"), "{err}");
    assert!(err.contains("about") && err.contains("compiled the dictionary in"), "{err}");
    assert!(stdout(&first).starts_with("領収\t領収\t名詞,サ変接続\n"), "{}", stdout(&first));
    let second = run(&[("FAQ_DICT_CACHE", cache.path().as_os_str())]);
    assert_eq!(code(&second), 0);
    assert!(stderr(&second).is_empty(), "the compiled dictionary is reused: {}", stderr(&second));
    assert_eq!(stdout(&second), stdout(&first));

    let elsewhere = run(&[("FAQ_DICT_CACHE", cache.path().as_os_str()), ("FAQ_IPADIC_DIR", std::ffi::OsStr::new("/nonexistent/ipadic"))]);
    assert_eq!(code(&elsewhere), 2);
    assert!(stderr(&elsewhere).contains("FAQ_IPADIC_DIR"), "{}", stderr(&elsewhere));
}

#[test]
fn a_malformed_synonyms_file_is_corpus_invalid_naming_its_line() {
    let checkout = common::seed_checkout();
    std::fs::write(checkout.path().join("corpus/synonyms.txt"), "届く, 到着\nキャンセル\n").unwrap();
    let output = common::faq_command(checkout.path()).args(["search", "--json", "領収書"]).output().unwrap();
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let last = stderr(&output).lines().last().unwrap_or_default().to_string();
    let error: serde_json::Value = serde_json::from_str(&last).unwrap_or_else(|_| panic!("{}", stderr(&output)));
    assert_eq!(error["error"]["code"], "corpus_invalid", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("synonyms.txt:2"), "{error}");
}
