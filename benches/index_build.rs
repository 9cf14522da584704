//! Index build in RAM (analysis of every entry along the three paths, tantivy indexing,
//! merge to one segment): the seed corpus and localgovFAQ (1,786 entries) when ../shared
//! is present. Throughput is reported in entries per second; each iteration checks the
//! number of documents indexed.
//!
//! Run: `cargo bench --bench index_build`

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn build(c: &mut Criterion) {
    let analyzer = common::analyzer();
    let mut corpora = vec![("seed", common::seed_entries())];
    if let Some(data) = common::localgov() {
        corpora.push(("localgov", common::localgov_entries(&data)));
    }
    let mut group = c.benchmark_group("index_build");
    group.sample_size(10);
    for (name, entries) in &corpora {
        group.throughput(Throughput::Elements(entries.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                let index = faq_indexer::index_in_ram(entries, &analyzer).unwrap();
                let docs = index.reader().unwrap().searcher().num_docs();
                assert_eq!(docs as usize, entries.len());
                index
            })
        });
    }
    group.finish();
}

criterion_group!(benches, build);
criterion_main!(benches);
