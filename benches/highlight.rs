//! Highlighting alone, from stored spans: the matched ranges of the seed's longest answer,
//! its best 120-character snippet, and the escaped HTML with `<mark>`. Each iteration checks
//! that the query's words are marked.
//!
//! Run: `cargo bench --bench highlight`

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use faq_query::highlight::{self, SNIPPET_CHARS};

fn highlighting(c: &mut Criterion) {
    let analyzer = common::analyzer();
    let entries = common::seed_entries();
    let longest = entries.iter().max_by_key(|e| e.answer.len()).unwrap();
    let spans = faq_core::spans::encode(&analyzer.analyze(&longest.answer).tokens);
    let terms = analyzer.terms(common::LONG);
    let keyed = highlight::keyed_spans(&longest.answer, spans.as_bytes());
    let wanted: highlight::Terms = terms.iter().map(String::as_str).collect();
    c.bench_function("highlight_snippet_html", |b| {
        b.iter(|| {
            let marks = highlight::matched_ranges(&keyed, &wanted);
            let snippet = highlight::snippet(&longest.answer, marks, SNIPPET_CHARS);
            let html = snippet.html(&longest.answer);
            assert!(html.contains("<mark>"));
            html
        })
    });
}

criterion_group!(benches, highlighting);
criterion_main!(benches);
