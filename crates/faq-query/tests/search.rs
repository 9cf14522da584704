//! The ranking path on an in-RAM index of the seed corpus: free text never fails to parse,
//! highlights are escaped and marked, paging and limits behave.

use std::path::Path;
use std::sync::OnceLock;

use faq_core::Analyzer;
use faq_core::schema::FaqFields;
use faq_query::{FaqSearcher, MAX_LIMIT, Page, QueryError, SearchError};

fn searcher() -> &'static FaqSearcher {
    static SEARCHER: OnceLock<FaqSearcher> = OnceLock::new();
    SEARCHER.get_or_init(|| {
        let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
        let corpus = faq_indexer::corpus::load(&seed).unwrap();
        let index = faq_indexer::index_in_ram(&corpus.entries, &analyzer).unwrap();
        let fields = FaqFields::from_schema(&index.schema()).unwrap();
        FaqSearcher::from_index(index, fields, analyzer).unwrap()
    })
}

fn top_question(query: &str) -> String {
    let response = searcher().search(query, Page::default()).unwrap();
    response.hits.first().map(|h| h.question.clone()).unwrap_or_default()
}

#[test]
fn query_syntax_characters_are_plain_text() {
    for query in [
        "\"領収書\"",
        "question:領収書",
        "領収書 AND 発行",
        "領収書*",
        "(領収書",
        "領収書]",
        "領収書？！「」",
        "領収書 OR",
        "+領収書 -発行",
        "領収書~2",
        "領収書^3",
        "title:[a TO z]",
        "\\",
        "領収書\\",
        "{}",
        "NOT",
        "\u{0}領収書",
    ] {
        let response = searcher().search(query, Page::default());
        assert!(response.is_ok(), "{query:?}: {response:?}");
    }
    assert!(top_question("「領収書」を発行して？！").contains("領収書"));
    assert!(top_question("question:領収書").contains("領収書"));
}

#[test]
fn empty_and_over_long_queries_are_refused_and_stop_words_alone_find_nothing() {
    assert!(matches!(searcher().search("", Page::default()), Err(SearchError::Query(QueryError::Empty))));
    assert!(matches!(searcher().search(" \u{3000}\t", Page::default()), Err(SearchError::Query(QueryError::Empty))));
    let long = "あ".repeat(faq_query::MAX_QUERY_CHARS + 1);
    assert!(matches!(searcher().search(&long, Page::default()), Err(SearchError::Query(QueryError::TooLong { .. }))));
    let nothing = searcher().search("？！、。の が を", Page::default()).unwrap();
    assert_eq!((nothing.total_hits, nothing.hits.len()), (0, 0));
}

#[test]
fn highlights_mark_matched_words_in_escaped_html() {
    let response = searcher().search("<script>領収書</script>", Page::default()).unwrap();
    let hit = &response.hits[0];
    assert!(
        hit.highlights.question.contains("<mark>領収</mark><mark>書</mark>") || hit.highlights.question.contains("<mark>領収書</mark>"),
        "{}",
        hit.highlights.question
    );
    assert!(!hit.highlights.question.contains("<script"));
    assert!(hit.highlights.answer.contains("<mark>"), "{}", hit.highlights.answer);
    assert!(hit.highlights.answer.chars().count() <= faq_query::highlight::SNIPPET_CHARS + 2 + "<mark></mark>".len() * 20);
    assert_eq!(response.query, "<script>領収書</script>");
}

#[test]
fn half_width_and_full_width_input_match() {
    assert!(top_question("ｺﾝﾋﾞﾆ決済のﾒｰﾙ").contains("コンビニ決済"));
    assert!(top_question("ＥＭＡＩＬ　ｅメール 届かない　エラー").contains("メール"));
}

#[test]
fn paging_limits_and_totals() {
    let all = searcher().search("注文", Page::first(100)).unwrap();
    assert!(all.total_hits >= 5 && all.hits.len() == all.total_hits, "{}", all.total_hits);
    let second = searcher().search("注文", Page { limit: 2, offset: 2, explain: false }).unwrap();
    let ids: Vec<_> = second.hits.iter().map(|h| &h.id).collect();
    let expected: Vec<_> = all.hits[2..4].iter().map(|h| &h.id).collect();
    assert_eq!(ids, expected);
    assert_eq!(second.total_hits, all.total_hits);
    let scores: Vec<f32> = all.hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let clamped = searcher().search("注文", Page::first(10_000)).unwrap();
    assert!(clamped.hits.len() <= MAX_LIMIT);
}

#[test]
fn get_by_id() {
    let hit = searcher().search("保留中の注文", Page::default()).unwrap().hits.remove(0);
    let entry = searcher().get(&hit.id).unwrap().expect("found by id");
    assert_eq!(entry.question, hit.question);
    assert_eq!(entry.links, hit.links);
    assert!(searcher().get("no-such-id").unwrap().is_none());
    assert!(searcher().get("../../etc/passwd").unwrap().is_none());
}

#[test]
fn everyday_synonyms_come_from_the_thesaurus_and_are_explained() {
    // サーチ is in no entry and not in corpus/synonyms.txt; the general thesaurus links it to
    // 検索, which the entry about orders missing from the order list uses.
    let page = Page { explain: true, ..Page::first(1) };
    let response = searcher().search("注文をサーチしても出てこない", page).unwrap();
    let hit = &response.hits[0];
    assert!(hit.question.contains("注文管理"), "{}", hit.question);
    let explain = hit.explain.as_ref().unwrap();
    assert!(
        explain.iter().any(|c| c.path == faq_query::PathKind::Thesaurus && c.term == "検索" && c.via.as_deref() == Some("サーチ")),
        "{explain:?}"
    );
    // Without the thesaurus the word matches nothing but characters.
    assert!(explain.iter().all(|c| c.term != "サーチ"), "{explain:?}");
}

/// The semantic path finds an entry that shares no word and no character with the query,
/// and `explain` names the words that carried it; without it nothing matches.
#[test]
fn meaning_finds_an_entry_with_no_shared_word() {
    let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
    let entry = |id: &str, question: &str, answer: &str| faq_core::FaqEntry {
        id: id.into(),
        question: question.into(),
        answer: answer.into(),
        links: vec![],
        category: None,
        source: None,
    };
    let entries = vec![
        entry("gomi", "粗大ごみはどのように出せばよいですか？", "粗大ごみは事前に申し込み、指定の日に出してください。"),
        entry("haisou", "荷物の配達が遅れています。", "配送業者の追跡番号で状況を確認してください。"),
        entry("ryoushu", "領収書を発行してもらえますか？", "注文履歴から領収書を印刷できます。"),
        entry("juuminhyou", "住民票の写しはどこで取れますか？", "市役所の窓口か、コンビニの証明書交付サービスで取得できます。"),
    ];
    let index = faq_indexer::index_in_ram(&entries, &analyzer).unwrap();
    let fields = FaqFields::from_schema(&index.schema()).unwrap();
    let searcher = FaqSearcher::from_index(index, fields, analyzer).unwrap();
    assert!(searcher.has_semantic_path());
    let page = Page { limit: 10, offset: 0, explain: true };
    let response = searcher.search("冷蔵庫を捨てたい", page).unwrap();
    let top = &response.hits[0];
    assert_eq!(top.id, "gomi", "{:?}", response.hits.iter().map(|h| &h.id).collect::<Vec<_>>());
    let explain = top.explain.as_ref().unwrap();
    assert!(explain.iter().all(|c| c.path == faq_query::PathKind::Semantic), "{explain:?}");
    assert!(explain[0].term.contains("冷蔵庫") && explain[0].term.contains("捨てる"), "{explain:?}");
    assert!((explain.iter().map(|c| c.score).sum::<f32>() - top.score).abs() < 1e-4);
    assert!(response.hits.iter().all(|h| h.score > 0.0), "no hit that nothing supports");

    let lexical = searcher.with_weights(faq_query::Weights { semantic: 0.0, ..Default::default() }).unwrap();
    assert!(lexical.search("冷蔵庫を捨てたい", Page::default()).unwrap().hits.is_empty());
}

/// The full view with suggestions, as the API wrote it with serde.
#[derive(serde::Serialize)]
struct With<'a> {
    #[serde(flatten)]
    response: &'a faq_query::SearchResponse,
    suggestions: &'a faq_query::Suggestions,
}

/// The JSON written by hand for the API and the CLI (`faq_query::json`) is, byte for byte,
/// what the `Serialize` derives of the contract write: full and compact views, with and
/// without explanations and suggestions, over every seed dev query and some hostile ones.
#[test]
fn hand_written_json_is_the_serde_contract_byte_for_byte() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/seed_dev/queries.tsv");
    let dev = std::fs::read_to_string(path).unwrap();
    let mut queries: Vec<&str> = dev.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').nth(1)).collect();
    queries.extend(["\"領収書\"\\n\u{1}", "<script>領収書</script>", "へんぴん", "henpin", "ﾍﾝﾋﾟﾝ"]);
    assert!(queries.len() > 100);
    let suggestions = faq_query::Suggestions {
        kind: faq_query::SuggestionKind::Completion,
        completes: "りょう\"".into(),
        suggestions: vec![faq_query::Suggestion {
            text: "領収書".into(), reading: "りょうしゅうしょ".into(), questions: 3, entries: 5
        }],
    };
    let mut hits = 0;
    for query in queries {
        for explain in [false, true] {
            let response = searcher().search(query, Page { limit: 10, offset: 0, explain }).unwrap();
            hits += response.hits.len();
            assert_eq!(String::from_utf8(response.to_json()).unwrap(), serde_json::to_string(&response).unwrap(), "{query}");
            let with = With { response: &response, suggestions: &suggestions };
            let mut written = b"[".to_vec();
            response.write_json_with(&mut written, Some(&suggestions));
            assert_eq!(String::from_utf8(written).unwrap(), format!("[{}", serde_json::to_string(&with).unwrap()), "{query}");
            let mut compact = faq_query::CompactResponse::from(response.clone());
            assert_eq!(String::from_utf8(compact.to_json()).unwrap(), serde_json::to_string(&compact).unwrap(), "{query}");
            compact.suggestions = Some(suggestions.clone());
            assert_eq!(String::from_utf8(compact.to_json()).unwrap(), serde_json::to_string(&compact).unwrap(), "{query}");
            // A hit edited after the search is written from its own text.
            let mut edited = response;
            if let Some(hit) = edited.hits.first_mut() {
                hit.question.push_str("\n改");
                assert_eq!(String::from_utf8(edited.to_json()).unwrap(), serde_json::to_string(&edited).unwrap(), "{query}");
                let compact = faq_query::CompactResponse::from(edited);
                assert_eq!(String::from_utf8(compact.to_json()).unwrap(), serde_json::to_string(&compact).unwrap(), "{query}");
            }
        }
    }
    assert!(hits > 1000, "{hits} hits compared");
}
