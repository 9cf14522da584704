//! Japanese first: the ways sellers write the same thing reach the same entry — width,
//! case, long vowel marks, iteration marks, okurigana, kana instead of kanji, and query
//! syntax characters typed as text.

use crate::common;

use faq_core::FaqEntry;
use faq_query::{FaqSearcher, Page, Synonyms};

fn top_id(searcher: &FaqSearcher, query: &str) -> Option<String> {
    searcher.search(query, Page::default()).unwrap().hits.first().map(|h| h.id.clone())
}

/// Each group of spellings must bring up the same first entry as its first spelling, and
/// that entry must be the expected one.
fn assert_same_top(searcher: &FaqSearcher, expected_question: &str, spellings: &[&str]) {
    for query in spellings {
        let response = searcher.search(query, Page::default()).unwrap();
        let top = response.hits.first().map(|h| h.question.as_str()).unwrap_or("(nothing)");
        assert!(top.starts_with(expected_question), "{query:?} → {top}");
    }
}

#[test]
fn width_and_case() {
    let s = common::seed_searcher();
    assert_same_top(s, "購入者よりコンビニ決済のメール", &["コンビニ決済のメール", "ｺﾝﾋﾞﾆ決済のﾒｰﾙ", "ｺﾝﾋﾞﾆ決済のめーる"]);
    assert_same_top(
        s,
        "購入者に Eメールで連絡をしたところ",
        &["Eメールのメールボックスが一杯", "ｅメールのﾒｰﾙﾎﾞｯｸｽが一杯", "Ｅメールのメールボックスが一杯"],
    );
    assert_eq!(top_id(s, "AMAZON マーケットプレイス保証"), top_id(s, "amazon マーケットプレイス保証"));
    assert_eq!(top_id(s, "ＡＭＡＺＯＮ マーケットプレイス保証"), top_id(s, "Amazon マーケットプレイス保証"));
}

#[test]
fn okurigana_variants() {
    let s = common::seed_searcher();
    assert_same_top(s, "注文を確定し、商品を発送しましたが、購入者不在、受け取り拒否", &["受け取り拒否", "受取拒否", "受取り拒否"]);
    assert_same_top(s, "購入者への連絡方法は？", &["お問い合わせに返答する方法", "お問合せに返答する方法", "お問合わせに返答する方法"]);
}

#[test]
fn hiragana_only_and_kana_for_kanji() {
    let s = common::seed_searcher();
    assert_same_top(s, "購入者から領収書発行について", &["領収書", "りょうしゅうしょ", "リョウシュウショ", "ﾘｮｳｼｭｳｼｮ"]);
    assert_same_top(s, "保留中の注文とはなんですか", &["保留中の注文", "ほりゅうちゅうのちゅうもん"]);
    assert_same_top(s, "初めて受注しましたが", &["初めて受注した", "はじめて受注した", "はじめてじゅちゅうした"]);
}

#[test]
fn long_vowel_marks_and_iteration_marks() {
    let analyzer = common::analyzer();
    let entries = vec![
        entry("1", "コンピューターで時々エラーが出ます", "再起動してください。"),
        entry("2", "プリンタの設定", "設定画面から変更します。"),
        entry("3", "人々の声", "お客様の声を集めています。"),
    ];
    let index = faq_indexer::index_in_ram(&entries, analyzer).unwrap();
    let fields = faq_core::schema::FaqFields::from_schema(&index.schema()).unwrap();
    let s = FaqSearcher::from_index(index, fields, analyzer.clone()).unwrap().with_synonyms(Synonyms::default());
    for query in ["コンピュータ", "コンピューター", "ｺﾝﾋﾟｭｰﾀｰ", "時時エラー", "時々エラー"] {
        assert_eq!(top_id(&s, query).as_deref(), Some("1"), "{query}");
    }
    for query in ["プリンター", "プリンタ"] {
        assert_eq!(top_id(&s, query).as_deref(), Some("2"), "{query}");
    }
    assert_eq!(top_id(&s, "人人の声").as_deref(), Some("3"));
}

#[test]
fn query_syntax_typed_as_text_still_finds_the_entry() {
    let s = common::seed_searcher();
    assert_same_top(
        s,
        "購入者から領収書発行について",
        &["\"領収書\"", "領収書 AND 発行", "領収書*", "(領収書)", "領収書？！", "「領収書」", "question:領収書", "領収書^2", "領収書~"],
    );
}

fn entry(id: &str, question: &str, answer: &str) -> FaqEntry {
    FaqEntry { id: id.into(), question: question.into(), answer: answer.into(), links: Vec::new(), category: None, source: None }
}

#[test]
fn romaji_in_every_spelling_and_mixed_with_kanji() {
    let s = common::seed_searcher();
    assert_same_top(
        s,
        "購入者から領収書発行",
        &["ryoushuusho", "ryōshūsho", "ryousyuusyo", "領収書 hakkou", "Ryoushuusho wo hakkou shite hoshii"],
    );
    assert_same_top(s, "購入者よりコンビニ決済のメール", &["konbini kessai", "konnbini kessai no me-ru", "KONBINI"]);
    assert_same_top(s, "保留中の注文とは", &["horyuuchuu no chuumon", "horyuutyuu no tyuumon"]);
    // English words, acronyms and identifiers are searched as typed, not as kana.
    assert_same_top(s, "購入者に Eメールで連絡をしたところ", &["email メールボックスが一杯"]);
    assert_eq!(top_id(s, "FBA"), None, "an acronym is not read as ふば");
}

#[test]
fn unfinished_ime_input_is_matched_as_a_prefix() {
    let s = common::seed_searcher();
    assert_same_top(s, "購入者から領収書発行", &["りょうしゅうs", "りょうしゅうしょはっk"]);
    assert_same_top(s, "保留中の注文とは", &["ほりゅうちゅうのちゅうm"]);
    // Without its tail the fragment finds nothing of its own: the tail did the work.
    let tail = s.search("しょうひんがとうちゃk", Page::default()).unwrap();
    assert!(tail.hits[0].question.starts_with("注文を確定し、商品を発送しましたが、購入者より商品が到着"), "{}", tail.hits[0].question);
}

#[test]
fn urls_are_not_words_of_the_answer() {
    let s = common::seed_searcher();
    // The seed answers link to …/gp/css/homepage.html and display.html: neither word, nor
    // its reading (ほ of homepage), matches.
    for query in ["homepage", "html", "nodeId", "sellercentral"] {
        let response = s.search(query, Page::default()).unwrap();
        assert!(response.hits.is_empty(), "{query}: {:?}", response.hits.iter().map(|h| &h.question).collect::<Vec<_>>());
    }
    // The label before a URL still is.
    assert_same_top(s, "購入者から領収書発行", &["領収書について"]);
}
