//! The ranking path (analysis + BM25 search + highlights, top 10) on the seed corpus, fused
//! (default weights) and plain (base forms only, as the first version), and analysis alone. Each iteration checks its result, so a broken ranking cannot look fast.
//!
//! Run: `cargo bench --bench ranking`

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use faq_core::Analyzer;
use faq_core::schema::FaqFields;
use faq_query::{FaqSearcher, Page, Synonyms, Weights};

fn seed_searcher(weights: Weights) -> FaqSearcher {
    let analyzer = Analyzer::load().expect("IPADIC (apt-get install mecab-ipadic)");
    let corpus = faq_indexer::corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")).unwrap();
    let index = faq_indexer::index_in_ram(&corpus.entries, &analyzer).unwrap();
    let fields = FaqFields::from_schema(&index.schema()).unwrap();
    let synonyms = Synonyms::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/synonyms.txt"), &analyzer).unwrap();
    FaqSearcher::from_index(index, fields, analyzer).unwrap().with_synonyms(synonyms).with_weights(weights)
}

/// (name, query, start of the question expected first)
const QUERIES: &[(&str, &str, &str)] = &[
    ("short", "領収書", "購入者から領収書発行"),
    ("sentence", "領収書を出してほしいと言われた", "購入者から領収書発行"),
    (
        "long",
        "お世話になっております。先日注文を確定して商品を発送したのですが、購入者の方から商品がまだ到着していないと連絡がありました。配送会社に確認したほうがよいのでしょうか。どのように対応すればよいか教えてください。",
        "注文を確定し、商品を発送しましたが、購入者より商品が到着",
    ),
];

fn ranking(c: &mut Criterion) {
    // The fused ranking (all paths, synonyms) and the plain BM25 of the first version.
    for (group_name, weights) in [("ranking_path_seed", Weights::default()), ("plain_bm25_seed", Weights::plain())] {
        let searcher = seed_searcher(weights);
        let mut group = c.benchmark_group(group_name);
        for (name, query, expected) in QUERIES {
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

    let searcher = seed_searcher(Weights::default());
    let analyzer = searcher.analyzer().clone();
    c.bench_function("analysis_sentence", |b| {
        b.iter(|| {
            let terms = analyzer.terms("領収書を出してほしいと言われた");
            assert_eq!(terms.len(), 4);
            terms
        })
    });
}

criterion_group!(benches, ranking);
criterion_main!(benches);
