//! Properties over generated input: any query is answered or refused without a panic, in
//! valid JSON; highlights are well-formed escaped HTML whose text is the stored text; the
//! Markdown parser keeps every entry's question and answer, whatever the question style.

use crate::common;

use std::sync::OnceLock;

use faq_core::FaqEntry;
use faq_query::{FaqSearcher, Page, SearchError, SearchResponse};
use proptest::prelude::*;

/// The seed corpus plus entries full of markup and entities, in RAM.
fn searcher() -> &'static FaqSearcher {
    static SEARCHER: OnceLock<FaqSearcher> = OnceLock::new();
    SEARCHER.get_or_init(|| {
        let mut entries = faq_indexer::corpus::load(&common::seed_corpus()).unwrap().entries;
        let tricky = [
            ("<b>領収書</b> & \"発行\"は？", "<script>alert('領収書')</script> &amp; 発行 &lt;します&gt;"),
            ("注文'キャンセル'<img src=x onerror=alert(1)>", "キャンセル & 返金 \"すぐに\" <br> 対応します。"),
            ("ｺﾝﾋﾞﾆ決済の&nbsp;メール\u{202e}逆転", "メール&#39;再送&#39; \u{0}制御\u{1b}[31m文字"),
        ];
        for (i, (question, answer)) in tricky.iter().enumerate() {
            entries.push(FaqEntry {
                id: format!("tricky-{i}"),
                question: question.to_string(),
                answer: answer.to_string(),
                links: Vec::new(),
                category: None,
                source: None,
            });
        }
        let index = faq_indexer::index_in_ram(&entries, common::analyzer()).unwrap();
        let fields = faq_core::schema::FaqFields::from_schema(&index.schema()).unwrap();
        FaqSearcher::from_index(index, fields, common::analyzer().clone()).unwrap()
    })
}

/// Characters that stress analysis and escaping, mixed with arbitrary Unicode.
fn query_text() -> impl Strategy<Value = String> {
    let special: Vec<char> = "領収書発行注文キャンセル保留メール返金のをはりょうしゅうｺﾝﾋﾞﾆＡＢＣabc\"'*:()[]{}<>&;？！「」ー々ゝ\u{0}\u{7}\u{1b}\u{202e}\u{200b}\u{301}\u{fffd}😀 \u{3000}\t\n".chars().collect();
    prop::collection::vec(prop_oneof![3 => prop::sample::select(special), 1 => any::<char>()], 0..80)
        .prop_map(|chars| chars.into_iter().collect())
}

/// The text of escaped HTML whose only tags are <mark>/</mark>; `None` if anything else.
fn html_text(html: &str) -> Option<String> {
    let mut depth = 0i32;
    let mut text = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        text.push_str(&rest[..i]);
        rest = &rest[i..];
        let (piece, replacement) =
            [("<mark>", ""), ("</mark>", ""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'")]
                .into_iter()
                .find(|(p, _)| rest.starts_with(p))?;
        depth += match piece {
            "<mark>" => 1,
            "</mark>" => -1,
            _ => 0,
        };
        if !(0..=1).contains(&depth) {
            return None;
        }
        text.push_str(replacement);
        rest = &rest[piece.len()..];
    }
    text.push_str(rest);
    (depth == 0).then_some(text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_query_is_answered_or_refused_in_valid_json(query in query_text()) {
        match searcher().search(&query, Page { limit: 16, offset: 0, explain: true }) {
            Ok(response) => {
                let json = serde_json::to_string(&response).unwrap();
                let back: SearchResponse = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(back.query, query);
                for hit in &response.hits {
                    prop_assert!(hit.score.is_finite() && hit.score > 0.0);
                    let question = html_text(&hit.highlights.question);
                    prop_assert_eq!(question.as_deref(), Some(hit.question.as_str()), "{}", hit.highlights.question);
                    let snippet = html_text(&hit.highlights.answer).expect("well-formed answer highlight");
                    let inner = snippet.trim_start_matches('…').trim_end_matches('…');
                    prop_assert!(hit.answer.contains(inner), "snippet {:?} not in the answer", inner);
                }
            }
            Err(SearchError::Query(_)) => prop_assert!(query.trim().is_empty() || query.chars().count() > faq_query::MAX_QUERY_CHARS),
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn markdown_keeps_every_entry(entries in prop::collection::vec((plain_text(), plain_text(), 0..3u8), 1..8)) {
        let mut markdown = String::from("## よくある質問\n\n");
        for (question, answer, style) in &entries {
            match style {
                0 => markdown.push_str(&format!("**{question}？**\n\n{answer}。\n\n")),
                1 => markdown.push_str(&format!("### {question}？\n\n{answer}。\n\n")),
                _ => markdown.push_str(&format!("### **{question}？**\n\n{answer}。\n\n")),
            }
        }
        let parsed = faq_indexer::markdown::parse(&markdown, "gen.md", "gen");
        // Two identical questions would get the same id; the corpus loader rejects that,
        // the parser itself keeps both.
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.len(), entries.len());
        for (entry, (question, answer, _)) in parsed.iter().zip(&entries) {
            prop_assert_eq!(&entry.question, &format!("{question}？"));
            prop_assert_eq!(&entry.answer, &format!("{answer}。"));
        }
    }
}

/// Japanese text without Markdown syntax.
fn plain_text() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "注文発送領収書購入者出品者返金保留のをはがにでとへ、アイウエオカキクケコabcXYZ0123".chars().collect();
    prop::collection::vec(prop::sample::select(alphabet), 1..40).prop_map(|chars| chars.into_iter().collect())
}
