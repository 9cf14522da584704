//! Analysis alone: one lindera segmentation feeding the base-form, surface-bigram and
//! reading-bigram paths, for a word, a sentence and a long pasted mail. Each iteration
//! checks the content words it found.
//!
//! Run: `cargo bench --bench analysis`

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn analysis(c: &mut Criterion) {
    let analyzer = common::analyzer();
    let mut group = c.benchmark_group("analysis");
    for (name, text, term) in [("short", common::SHORT, "領収"), ("sentence", common::SENTENCE, "出す"), ("long", common::LONG, "到着")]
    {
        group.bench_function(name, |b| {
            b.iter(|| {
                let analysis = analyzer.analyze(text);
                assert!(analysis.tokens.iter().any(|t| t.term == term));
                analysis
            })
        });
    }
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
