//! The ranking path (analysis + BM25 + stored entries + highlights, top 10): on the seed
//! corpus fused (default weights) and plain (base forms only, as the first version), and
//! on localgovFAQ (1,786 entries) over its dev queries when ../shared is present. Every
//! iteration checks its result, so a broken ranking cannot look fast.
//!
//! The semantic path's full scan alone (1,786 entry vectors) on each kernel this processor
//! runs. Valgrind hides AVX-512, so callgrind counts the AVX2 kernel; this bench times both.
//!
//! Run: `cargo bench --bench ranking`

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use faq_query::{Page, Weights};

/// (name, query, start of the question expected first)
const SEED_QUERIES: &[(&str, &str, &str)] = &[
    ("short", common::SHORT, "購入者から領収書発行"),
    ("sentence", common::SENTENCE, "購入者から領収書発行"),
    ("long", common::LONG, "注文を確定し、商品を発送しましたが、購入者より商品が到着"),
];

fn seed(c: &mut Criterion) {
    let entries = common::seed_entries();
    for (group_name, weights) in [("ranking_path_seed", Weights::default()), ("plain_bm25_seed", Weights::plain())] {
        let searcher = common::searcher(&entries, weights);
        let mut group = c.benchmark_group(group_name);
        for (name, query, expected) in SEED_QUERIES {
            group.bench_function(*name, |b| {
                b.iter(|| {
                    let response = searcher.search(query, Page::first(10)).unwrap();
                    assert!(response.hits[0].question.starts_with(expected));
                    response
                })
            });
        }
        group.bench_function("no_hit", |b| {
            b.iter(|| {
                let response = searcher.search("zzqxwv", Page::default()).unwrap();
                assert!(response.hits.is_empty());
                response
            })
        });
        group.finish();
    }
}

/// All localgovFAQ dev queries in turn: one iteration is one query; the top hit must be the
/// one computed before timing (the ranking is deterministic).
fn localgov(c: &mut Criterion) {
    let Some(data) = common::localgov() else { return };
    let queries = common::queries(&data.join("queries.dev.tsv"));
    let mut group = c.benchmark_group("ranking_path_localgov");
    let lexical = Weights { semantic: 0.0, ..Weights::default() };
    for (name, weights) in [("fused", Weights::default()), ("lexical", lexical), ("plain", Weights::plain())] {
        let searcher = common::searcher(&common::localgov_entries(&data), weights);
        let expected: Vec<Option<String>> =
            queries.iter().map(|q| searcher.search(q, Page::first(10)).unwrap().hits.first().map(|h| h.id.clone())).collect();
        let mut next = 0;
        group.bench_function(format!("{name}_dev_queries"), |b| {
            b.iter(|| {
                let i = next % queries.len();
                next += 1;
                let response = searcher.search(&queries[i], Page::first(10)).unwrap();
                assert_eq!(response.hits.first().map(|h| &h.id), expected[i].as_ref());
                response
            })
        });
    }
    group.finish();
}

/// The full semantic scan of localgovFAQ's entry vectors for its dev queries, one kernel at a
/// time; every iteration checks that the most similar entry is the one found before timing.
fn semantic_scan(c: &mut Criterion) {
    use faq_core::semantic::{EntryVectors, Kernel, words};
    let Some(data) = common::localgov() else { return };
    let analyzer = common::analyzer();
    let index = faq_indexer::index_in_ram(&common::localgov_entries(&data), &analyzer).unwrap();
    let vectors = EntryVectors::open(index.directory()).unwrap().expect("entry vectors");
    let queries: Vec<_> = common::queries(&data.join("queries.dev.tsv"))
        .iter()
        .filter_map(|q| vectors.query_vector(&words(&analyzer.analyze(q).tokens, false).words))
        .collect();
    let nearest = |out: &[f32]| (0..out.len()).max_by(|&a, &b| out[a].total_cmp(&out[b]).then(b.cmp(&a)));
    let mut out = Vec::new();
    let expected: Vec<_> = queries
        .iter()
        .map(|q| {
            vectors.similarities_with(Kernel::Portable, q, &mut out);
            nearest(&out)
        })
        .collect();
    let mut group = c.benchmark_group("semantic_scan_localgov");
    for kernel in [Kernel::Vnni, Kernel::Avx2, Kernel::Portable] {
        let mut next = 0;
        group.bench_function(format!("{kernel:?}").to_lowercase(), |b| {
            b.iter(|| {
                let i = next % queries.len();
                next += 1;
                vectors.similarities_with(kernel, &queries[i], &mut out);
                assert_eq!(nearest(&out), expected[i]);
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, seed, localgov, semantic_scan);
criterion_main!(benches);
