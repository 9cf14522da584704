//! Regression gates on relevance, on development sets only: the seed dev set
//! (tests/data/seed_dev, per variant class), the seed out-of-scope dev set
//! (tests/data/seed_oos: the answered decision's other side) and the localgovFAQ dev split, read from
//! ../shared when it is there (skipped with a message when it is not, except under CI, where
//! it fails). The floors sit a
//! little under the values measured when they were set (RELEVANCE.md), so a change that
//! loses ranking quality fails CI.

use crate::common;

use std::collections::HashMap;
use std::path::Path;

use faq_query::eval::{self, Report};
use faq_query::{FaqSearcher, Page};

/// Rankings and answered decisions of every query of a file.
fn search_all(searcher: &FaqSearcher, queries: &[eval::EvalQuery]) -> (HashMap<String, Vec<String>>, HashMap<String, bool>) {
    let mut rankings = HashMap::new();
    let mut answered = HashMap::new();
    for q in queries {
        let (hits, was_answered) = searcher.search(&q.text, Page::first(10)).map(|r| (r.hits, r.answered)).unwrap_or_default();
        rankings.insert(q.id.clone(), hits.into_iter().map(|h| h.id).collect());
        answered.insert(q.id.clone(), was_answered);
    }
    (rankings, answered)
}

/// The input-form classes of issue #17 (romaji, unfinished IME input): gated with their own
/// floors, and kept out of the overall floors set before they existed.
const INPUT_FORMS: &[&str] = &["romaji", "ime_tail"];

fn run(searcher: &FaqSearcher, queries: &Path, qrels: &Path) -> Report {
    run_answering(searcher, queries, qrels, |_| true).0
}

/// Ranking report and answered decisions of the queries `keep` keeps (the answering rows
/// by class, "all" included).
fn run_answering(
    searcher: &FaqSearcher,
    queries: &Path,
    qrels: &Path,
    keep: impl Fn(&eval::EvalQuery) -> bool,
) -> (Report, std::collections::BTreeMap<String, eval::Answering>) {
    let queries: Vec<eval::EvalQuery> = eval::read_queries(queries).unwrap().into_iter().filter(|q| keep(q)).collect();
    let qrels = eval::read_qrels(qrels).unwrap();
    let (rankings, answered) = search_all(searcher, &queries);
    let rows = eval::answering(&queries, &rankings, &answered, Some(&qrels));
    eprintln!("{}", eval::answering_table(&rows, false));
    (eval::evaluate(&queries, &rankings, &qrels), rows)
}

fn is_input_form(q: &eval::EvalQuery) -> bool {
    q.class.as_deref().is_some_and(|c| INPUT_FORMS.contains(&c))
}

/// The answered decision (issue #14) on the dev sets, measured with the shipped model
/// (fitted on these sets, so in-sample: the held-out figures are in RELEVANCE.md). Seed dev
/// 0.862 answered at top-1 precision 0.987; seed out-of-scope dev 0.094 answered; the
/// localgovFAQ dev split 0.711 answered at precision 0.648 against 0.572 for all.
#[test]
fn answered_decision_floors_on_both_sides() {
    let dir = common::repo().join("tests/data/seed_dev");
    let (_, rows) = run_answering(common::seed_searcher(), &dir.join("queries.tsv"), &dir.join("qrels.tsv"), |q| !is_input_form(q));
    let seed = &rows["all"];
    assert!(seed.answered_rate() >= 0.83, "seed dev answered {:.3}", seed.answered_rate());
    assert!(seed.answered_precision() >= 0.97, "seed dev answered precision {:.3}", seed.answered_precision());
    // Romaji and unfinished IME input (issue #17; the model was fitted before they existed):
    // measured 0.938 and 0.714 answered, every answer right.
    let (_, rows) = run_answering(common::seed_searcher(), &dir.join("queries.tsv"), &dir.join("qrels.tsv"), is_input_form);
    for (class, floor) in [("romaji", 0.85), ("ime_tail", 0.6)] {
        assert!(rows[class].answered_rate() >= floor, "{class} answered {:.3}", rows[class].answered_rate());
        assert!(rows[class].answered_precision() >= 0.97, "{class} answered precision {:.3}", rows[class].answered_precision());
    }
    let queries = eval::read_queries(&common::repo().join("tests/data/seed_oos/queries.tsv")).unwrap();
    assert!(queries.len() >= 60);
    let (rankings, answered) = search_all(common::seed_searcher(), &queries);
    let oos = eval::answering(&queries, &rankings, &answered, None);
    eprintln!("{}", eval::answering_table(&oos, true));
    assert!(oos["all"].answered_rate() <= 0.13, "out-of-scope dev false-answer rate {:.3}", oos["all"].answered_rate());
    // Chit-chat shares no topic with any entry: never an answer.
    assert_eq!(oos["chitchat"].answered, 0, "greetings answered");
}

#[test]
fn seed_dev_set_floors() {
    let dir = common::repo().join("tests/data/seed_dev");
    let report = run(common::seed_searcher(), &dir.join("queries.tsv"), &dir.join("qrels.tsv"));
    eprintln!("{}", report.table());
    assert_eq!(report.overall.zero_hit, 0);
    for (class, metrics) in &report.by_class {
        // Issue #17's targets for the input forms are romaji Recall@1 ≥ 0.85 and unfinished
        // IME input Recall@10 ≥ 0.90; measured 1.0 and 1.0 (Recall@1 1.0), so they get the
        // floors of every other class.
        let (recall_1, recall_10) = (0.90, 0.99);
        assert!(metrics.recall_at_1 >= recall_1, "{class}: Recall@1 {:.4}", metrics.recall_at_1);
        assert!(metrics.recall_at_10 >= recall_10, "{class}: Recall@10 {:.4}", metrics.recall_at_10);
    }
    for class in INPUT_FORMS {
        assert!(report.by_class.get(*class).is_some_and(|m| m.queries >= 12), "{class}: at least 12 dev questions");
    }
    // The classes the overall floor was set on (87 questions).
    let (original, _) = run_answering(common::seed_searcher(), &dir.join("queries.tsv"), &dir.join("qrels.tsv"), |q| !is_input_form(q));
    assert!(original.overall.queries >= 80, "{} queries", original.overall.queries);
    assert!(original.overall.mrr_at_10 >= 0.97, "MRR@10 {:.4}", original.overall.mrr_at_10);
}

#[test]
fn localgovfaq_dev_split_floor() {
    let data = common::repo().join("../shared/datasets/localgovfaq");
    if !data.join("faq.jsonl").is_file() {
        common::missing(&format!("{} (the localgovFAQ gate needs ../shared beside the repository)", data.display()));
        return;
    }
    let index = tempfile::tempdir().unwrap();
    faq_indexer::build_from_corpus(&data.join("faq.jsonl"), index.path(), common::analyzer()).unwrap();
    let searcher = FaqSearcher::open(index.path(), common::analyzer().clone()).unwrap();
    let (report, rows) = run_answering(&searcher, &data.join("queries.dev.tsv"), &data.join("qrels.tsv"), |_| true);
    let answering = &rows["all"];
    eprintln!("{}", report.table());
    assert_eq!(report.overall.queries, 367);
    // Answering only the confident ones must buy precision (issue #14; measured +0.103, and
    // +0.076 since the learned combination raised the precision of all from 0.545 to 0.572
    // with that of the answered ones unchanged at 0.648).
    let gain = answering.answered_precision() - answering.precision();
    assert!(gain >= 0.06, "answered precision {:.3} vs {:.3} for all", answering.answered_precision(), answering.precision());
    assert!(answering.answered_rate() >= 0.6, "localgov dev answered {:.3}", answering.answered_rate());
    assert!(report.overall.ndcg_at_10 >= FLOOR_NDCG, "nDCG@10 {:.4}", report.overall.ndcg_at_10);
    assert!(report.overall.recall_at_10 >= FLOOR_RECALL, "Recall@10 {:.4}", report.overall.recall_at_10);
    // The learned combination was kept because it beat the fused order on dev (issue #13;
    // cross-validated 0.6307 against 0.6179, in-sample 0.633): it must go on doing so.
    let fused = searcher.with_weights(faq_query::Weights { combination: 0.0, ..Default::default() }).unwrap();
    let (without, _) = run_answering(&fused, &data.join("queries.dev.tsv"), &data.join("qrels.tsv"), |_| true);
    assert!(
        report.overall.ndcg_at_10 >= without.overall.ndcg_at_10 + 0.005,
        "learned combination {:.4} against the fused order {:.4}",
        report.overall.ndcg_at_10,
        without.overall.ndcg_at_10
    );
}

/// Set from the dev-split values measured with the tuned weights, minus a small margin.
/// (Session 2: dev nDCG@10 0.538, Recall@10 0.634; session 6, with the semantic path:
/// 0.618, 0.753; session 10, with the learned combination: 0.633, 0.756.)
const FLOOR_NDCG: f64 = 0.625;
const FLOOR_RECALL: f64 = 0.745;
