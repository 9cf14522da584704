//! Ranking on the seed corpus: every FAQ question finds itself first, and natural seller
//! questions (tests/data/seed_questions.tsv) find the entry that answers them.

use crate::common;

use faq_query::Page;

#[test]
fn each_seed_question_as_typed_ranks_its_own_entry_first() {
    let corpus = faq_indexer::corpus::load(&common::seed_corpus()).unwrap();
    assert_eq!(corpus.entries.len(), 13);
    for entry in &corpus.entries {
        let response = common::seed_searcher().search(&entry.question, Page::default()).unwrap();
        let top = response.hits.first().map(|h| h.id.as_str());
        assert_eq!(top, Some(entry.id.as_str()), "searching {:?}", entry.question);
    }
}

#[test]
fn natural_seller_questions_find_their_entry() {
    let table = std::fs::read_to_string(common::repo().join("tests/data/seed_questions.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let (question, expected) = (cols.next().unwrap(), cols.next().expect("expected entry column"));
        let worst: usize = cols.next().map(|r| r.parse().unwrap()).unwrap_or(1);
        let response = common::seed_searcher().search(question, Page::default()).unwrap();
        let rank = response.hits.iter().position(|h| h.question.starts_with(expected)).map(|i| i + 1);
        if rank.is_none_or(|r| r > worst) {
            failures.push(format!("{question}: expected {expected}… at rank <= {worst}, got {rank:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} questions");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
