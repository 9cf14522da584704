//! What writing a search response as JSON costs, three ways (issue #30 item 2 chose by it):
//!
//! - `hand`: `SearchResponse::write_json_with`, what the engine writes (a hand-written writer
//!   until 2026-12-08, serde over borrowed views since);
//! - `derive`: `serde_json::to_writer` of the `Serialize` derives (every string escaped);
//! - `raw`: serde over views built here, question and answer as `RawValue`s escaped once per
//!   entry beforehand (the design `present::json` follows, written independently).
//!
//! Each mode searches the localgovFAQ dev queries once (top 10), then writes every response
//! `ROUNDS` times. Run under callgrind with each mode; the difference between two modes,
//! divided by ROUNDS × queries, is the instructions one response costs more:
//!
//! ```sh
//! cargo build --release --example json_cost -p faq-query
//! for m in hand derive raw; do valgrind --tool=callgrind --callgrind-out-file=/tmp/j.$m \
//!   target/release/examples/json_cost $m; done     # the "Collected" lines
//! ```

use faq_core::Link;
use faq_query::decide::confidence::Signals;
use faq_query::{Contribution, FaqSearcher, Highlights, Page, SearchResponse};
use serde::Serialize;
use serde_json::value::RawValue;

const ROUNDS: usize = 20;

#[derive(Serialize)]
struct ResponseView<'a> {
    query: &'a str,
    total_hits: usize,
    answered: bool,
    took_ms: f64,
    hits: Vec<HitView<'a>>,
}

#[derive(Serialize)]
struct HitView<'a> {
    id: &'a str,
    question: &'a RawValue,
    answer: &'a RawValue,
    score: f32,
    confidence: f32,
    coverage: f32,
    highlights: &'a Highlights,
    links: &'a [Link],
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a Vec<Contribution>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<&'a Signals>,
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "hand".into());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/localgovfaq");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let analyzer = faq_core::Analyzer::load().expect("the built-in dictionary");
    faq_indexer::build_from_corpus(&data.join("faq.jsonl"), dir.path(), &analyzer).expect("the localgovFAQ index");
    let searcher = FaqSearcher::open(dir.path(), analyzer).expect("the index just built");
    let queries = faq_query::eval::read_queries(&data.join("queries.dev.tsv")).expect("the dev queries");
    let responses: Vec<SearchResponse> = queries.iter().filter_map(|q| searcher.search(&q.text, Page::first(10)).ok()).collect();
    // What a stored entry would keep: each question and answer escaped once.
    let raw: Vec<Vec<(Box<RawValue>, Box<RawValue>)>> = responses
        .iter()
        .map(|r| {
            let escape = |text: &str| RawValue::from_string(serde_json::to_string(text).expect("a string")).expect("valid JSON");
            r.hits.iter().map(|h| (escape(&h.question), escape(&h.answer))).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    let mut bytes = 0usize;
    for _ in 0..ROUNDS {
        for (response, raw) in responses.iter().zip(&raw) {
            out.clear();
            match mode.as_str() {
                "hand" => response.write_json_with(&mut out, None),
                "derive" => serde_json::to_writer(&mut out, response).expect("in memory"),
                "raw" => {
                    let view = ResponseView {
                        query: &response.query,
                        total_hits: response.total_hits,
                        answered: response.answered,
                        took_ms: response.took_ms,
                        hits: response
                            .hits
                            .iter()
                            .zip(raw)
                            .map(|(h, (q, a))| HitView {
                                id: &h.id,
                                question: q,
                                answer: a,
                                score: h.score,
                                confidence: h.confidence,
                                coverage: h.coverage,
                                highlights: &h.highlights,
                                links: &h.links,
                                explain: h.explain.as_ref(),
                                signals: h.signals.as_ref(),
                            })
                            .collect(),
                    };
                    serde_json::to_writer(&mut out, &view).expect("in memory");
                }
                "none" => {}
                other => panic!("mode {other:?}: hand, derive, raw or none"),
            }
            bytes += out.len();
        }
    }
    // The modes must write the same bytes (`took_ms` aside: ryu and serde_json may spell
    // the same f64 differently? checked here, reported if so).
    let mut differ = 0;
    for response in &responses {
        let mut hand = Vec::new();
        response.write_json_with(&mut hand, None);
        let derived = serde_json::to_vec(response).expect("in memory");
        if hand != derived {
            differ += 1;
            if differ == 1 {
                let at = hand.iter().zip(&derived).position(|(a, b)| a != b).unwrap_or(0);
                let show = |b: &[u8]| String::from_utf8_lossy(&b[at.saturating_sub(40)..(at + 40).min(b.len())]).into_owned();
                eprintln!("first difference at byte {at}:\n  hand    {}\n  derived {}", show(&hand), show(&derived));
            }
        }
    }
    eprintln!("{differ} of {} responses differ between hand and derive", responses.len());
    println!("{mode}: {} responses × {ROUNDS}, {bytes} bytes", responses.len());
}
