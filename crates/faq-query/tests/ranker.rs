//! The term-at-a-time ranker against its reference, tantivy's own `BooleanQuery` of the same
//! plan: same matches, same scores, same order, on one-segment and multi-segment indexes,
//! with and without the phrase path, for every query of the seed dev set (and of the
//! localgovFAQ dev split when ../shared is present).

use std::collections::HashMap;
use std::path::Path;

use faq_core::schema::prepare;
use faq_core::{Analyzer, FaqEntry};
use faq_query::ranker::Ranker;
use faq_query::{Plan, Synonyms, Weights};
use tantivy::collector::{Count, TopDocs};
use tantivy::{DocAddress, Index, Score};

fn analyzer() -> Analyzer {
    Analyzer::load().expect("IPADIC dictionary (built in)")
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// An in-RAM index of `entries` committed in `segments` separate commits (not merged).
fn index_in_segments(entries: &[FaqEntry], analyzer: &Analyzer, segments: usize) -> Index {
    let index = Index::create_in_ram(faq_core::schema::build_schema());
    let fields = prepare(&index, analyzer).unwrap();
    let mut writer: tantivy::IndexWriter<faq_core::schema::IndexDocument> = index.writer_with_num_threads(1, 50_000_000).unwrap();
    let per_segment = entries.len().div_ceil(segments);
    for chunk in entries.chunks(per_segment) {
        for entry in chunk {
            writer.add_document(fields.document(entry, 0, analyzer).0).unwrap();
        }
        writer.commit().unwrap();
    }
    index
}

/// Compares with the reference, which has no coordination factor: it is switched off here
/// (and checked separately below).
fn compare(index: &Index, analyzer: &Analyzer, synonyms: &Synonyms, weights: &Weights, queries: &[String]) {
    let weights = &Weights { coordination: 0.0, ..*weights };
    let fields = faq_core::schema::FaqFields::from_schema(&index.schema()).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let ranker = Ranker::new(&searcher, &weights.bm25_fields(&fields)).unwrap();
    let mut compared = 0;
    for query in queries {
        // As the searcher reads input: romaji as kana.
        let text = faq_query::romaji::prepare(query, |_| false).text;
        let mut plan = Plan::new(&analyzer.analyze(&text), &fields, weights, synonyms, faq_query::synonyms::thesaurus());
        let before = plan.clauses.len();
        let ranked = ranker.rank(&searcher, &mut plan, weights, 20, 0).unwrap();
        assert!(plan.clauses.len() <= before);
        if plan.is_empty() {
            assert_eq!(ranked.total_hits, 0, "{query}");
            continue;
        }
        let (reference, count) = searcher.search(&plan.query(), &(TopDocs::with_limit(20).order_by_score(), Count)).unwrap();
        assert_eq!(ranked.total_hits, count, "{query}: number of matches");
        assert_eq!(ranked.top.len(), reference.len(), "{query}");
        let expected: HashMap<DocAddress, Score> = reference.iter().map(|&(s, d)| (d, s)).collect();
        for (rank, (&(score, doc), &(reference_score, _))) in ranked.top.iter().zip(&reference).enumerate() {
            // Same score at each rank (summation order may differ in the last bits) ...
            assert!(
                (score - reference_score).abs() <= 1e-4 * reference_score.max(1.0),
                "{query} rank {rank}: {score} vs {reference_score}"
            );
            // ... and each document the reference ranks there (ties may swap) scores the same.
            if let Some(&other) = expected.get(&doc) {
                assert!((score - other).abs() <= 1e-4 * other.max(1.0), "{query}: {doc:?} {score} vs {other}");
            } else {
                let last = reference.last().unwrap().0;
                assert!((score - last).abs() <= 1e-4 * last.max(1.0), "{query}: {doc:?} not in the reference top");
            }
        }
        compared += 1;
    }
    // Under plain BM25 (base forms only) the kana-typed dev queries (hiragana, romaji, IME
    // tails: 41 of 117) have no clause at all.
    assert!(compared * 3 >= queries.len() * 2, "only {compared} of {} queries matched anything", queries.len());
}

fn seed_queries() -> Vec<String> {
    faq_query::eval::read_queries(&repo().join("tests/data/seed_dev/queries.tsv")).unwrap().into_iter().map(|q| q.text).collect()
}

#[test]
fn ranker_scores_equal_tantivy_boolean_query_on_the_seed() {
    let analyzer = analyzer();
    let entries = faq_indexer::corpus::load(&repo().join("corpus")).unwrap().entries;
    let synonyms = Synonyms::load(&repo().join("corpus/synonyms.txt"), &analyzer).unwrap();
    let phrase = Weights { phrase: 0.5, ..Weights::default() };
    for segments in [1, 3] {
        let index = index_in_segments(&entries, &analyzer, segments);
        for weights in [Weights::default(), Weights::plain(), phrase] {
            compare(&index, &analyzer, &synonyms, &weights, &seed_queries());
        }
    }
}

#[test]
fn ranker_scores_equal_tantivy_boolean_query_on_localgovfaq() {
    let data = repo().join("../shared/datasets/localgovfaq");
    if !data.join("faq.jsonl").is_file() {
        assert!(std::env::var_os("CI").is_none(), "CI must have {} (../shared beside the repository)", data.display());
        eprintln!("SKIPPED: {} is absent", data.display());
        return;
    }
    let analyzer = analyzer();
    let entries = faq_indexer::corpus::load(&data.join("faq.jsonl")).unwrap().entries;
    let queries: Vec<String> =
        faq_query::eval::read_queries(&data.join("queries.dev.tsv")).unwrap().into_iter().take(120).map(|q| q.text).collect();
    for segments in [1, 4] {
        let index = index_in_segments(&entries, &analyzer, segments);
        compare(&index, &analyzer, &Synonyms::default(), &Weights::default(), &queries);
    }
}

/// Ranking a segment in two halves on two threads gives exactly the page and the number of
/// matches of one pass, whatever the split point (mid-block included) and segment count; and
/// postings read from the ranker's decoded lists (kept at the first query that reads them,
/// cut at the split point) give what postings read from the index give. So does a ranker
/// built on `twin` (the same entries in reverse order: the same statistics, other segments):
/// none of what it opened and kept for its own segments (readers, norms, terms, postings)
/// applies, so it opens and reads everything for these.
fn compare_split(index: &Index, twin: &Index, analyzer: &Analyzer, synonyms: &Synonyms, queries: &[String]) {
    let weights = Weights::default();
    let fields = faq_core::schema::FaqFields::from_schema(&index.schema()).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let whole = Ranker::new(&searcher, &weights.bm25_fields(&fields)).unwrap().with_split_threshold(u32::MAX);
    let split = whole.clone().with_split_threshold(1);
    let read = whole.clone().without_postings_cache();
    let read_split = split.clone().without_postings_cache();
    let stranger = Ranker::new(&twin.reader().unwrap().searcher(), &weights.bm25_fields(&fields)).unwrap();
    let mut nonempty = 0;
    for query in queries {
        let plan = Plan::new(&analyzer.analyze(query), &fields, &weights, synonyms, faq_query::synonyms::thesaurus());
        let one = whole.rank(&searcher, &mut plan.clone(), &weights, 20, 0).unwrap();
        let two = split.rank(&searcher, &mut plan.clone(), &weights, 20, 0).unwrap();
        assert_eq!(one.total_hits, two.total_hits, "{query}");
        assert_eq!(one.top, two.top, "{query}");
        let rankers = [
            ("kept", &whole),
            ("read", &read),
            ("read in halves", &read_split),
            ("kept in halves", &split),
            ("built on a twin", &stranger),
        ];
        for (how, ranker) in rankers {
            let again = ranker.rank(&searcher, &mut plan.clone(), &weights, 20, 0).unwrap();
            assert_eq!((one.total_hits, &one.top, &one.matched), (again.total_hits, &again.top, &again.matched), "{how}: {query}");
        }
        nonempty += usize::from(!one.top.is_empty());
    }
    assert!(nonempty * 4 >= queries.len() * 3, "only {nonempty} of {} queries matched anything", queries.len());
}

#[test]
fn ranking_in_two_halves_equals_one_pass() {
    let analyzer = analyzer();
    let entries = faq_indexer::corpus::load(&repo().join("corpus")).unwrap().entries;
    let synonyms = Synonyms::load(&repo().join("corpus/synonyms.txt"), &analyzer).unwrap();
    let reversed: Vec<FaqEntry> = entries.iter().rev().cloned().collect();
    for segments in [1, 3] {
        let (index, twin) = (index_in_segments(&entries, &analyzer, segments), index_in_segments(&reversed, &analyzer, segments));
        compare_split(&index, &twin, &analyzer, &synonyms, &seed_queries());
    }
    let data = repo().join("../shared/datasets/localgovfaq");
    if !data.join("faq.jsonl").is_file() {
        assert!(std::env::var_os("CI").is_none(), "CI must have {} (../shared beside the repository)", data.display());
        eprintln!("SKIPPED (localgovFAQ part): {} is absent", data.display());
        return;
    }
    let entries = faq_indexer::corpus::load(&data.join("faq.jsonl")).unwrap().entries;
    let queries: Vec<String> = faq_query::eval::read_queries(&data.join("queries.dev.tsv")).unwrap().into_iter().map(|q| q.text).collect();
    let reversed: Vec<FaqEntry> = entries.iter().rev().cloned().collect();
    for segments in [1, 4] {
        let (index, twin) = (index_in_segments(&entries, &analyzer, segments), index_in_segments(&reversed, &analyzer, segments));
        compare_split(&index, &twin, &analyzer, &Synonyms::default(), &queries);
    }
}

/// `--explain`: each hit's contributions sum to its score, with and without the
/// coordination factor and with non-default BM25 parameters.
#[test]
fn explained_contributions_sum_to_the_score() {
    let analyzer = analyzer();
    let entries = faq_indexer::corpus::load(&repo().join("corpus")).unwrap().entries;
    let synonyms = Synonyms::load(&repo().join("corpus/synonyms.txt"), &analyzer).unwrap();
    let index = faq_indexer::index_in_ram(&entries, &analyzer).unwrap();
    let fields = faq_core::schema::FaqFields::from_schema(&index.schema()).unwrap();
    let searcher = faq_query::FaqSearcher::from_index(index, fields, analyzer.clone()).unwrap().with_synonyms(synonyms);
    let odd = Weights {
        coordination: 1.5,
        bm25_question: faq_query::ranker::Bm25 { k1: 0.7, b: 0.3 },
        bm25_answer: faq_query::ranker::Bm25 { k1: 2.0, b: 0.9 },
        ..Weights::default()
    };
    let searcher = searcher.with_weights(odd).unwrap();
    let mut checked = 0;
    for query in seed_queries() {
        let page = faq_query::Page { explain: true, ..faq_query::Page::default() };
        for hit in searcher.search(&query, page).unwrap().hits {
            let sum: Score = hit.explain.unwrap().iter().map(|c| c.score).sum();
            assert!((sum - hit.score).abs() <= 1e-3 * hit.score.max(1.0), "{query}: {sum} vs {}", hit.score);
            checked += 1;
        }
    }
    assert!(checked > 100);
}
