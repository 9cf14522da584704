//! What writing a search response as JSON costs, two ways (issue #30 item 2 chose by it):
//!
//! - `hand`: `SearchResponse::write_json_with`, what the engine writes (a hand-written writer
//!   until 2026-12-08; serde over borrowed views since, question and answer as the `RawValue`s
//!   the stored entries keep);
//! - `derive`: `serde_json::to_writer` of the `Serialize` derives (every string escaped).
//!
//! Each mode searches the localgovFAQ dev queries once (top 10), then writes every response
//! `ROUNDS` times. Run under callgrind with each mode; the difference between two modes,
//! divided by ROUNDS × queries, is the instructions one response costs more:
//!
//! ```sh
//! cargo build --release --example json_cost -p faq-query
//! for m in none hand derive; do valgrind --tool=callgrind --callgrind-out-file=/tmp/j.$m \
//!   target/release/examples/json_cost $m; done     # the "Collected" lines
//! ```

use faq_query::{FaqSearcher, Page, SearchResponse};

const ROUNDS: usize = 20;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "hand".into());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/localgovfaq");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let analyzer = faq_core::Analyzer::load().expect("the built-in dictionary");
    faq_indexer::build_from_corpus(&data.join("faq.jsonl"), dir.path(), &analyzer).expect("the localgovFAQ index");
    let searcher = FaqSearcher::open(dir.path(), analyzer).expect("the index just built");
    let queries = faq_query::eval::read_queries(&data.join("queries.dev.tsv")).expect("the dev queries");
    let responses: Vec<SearchResponse> = queries.iter().filter_map(|q| searcher.search(&q.text, Page::first(10)).ok()).collect();
    let mut out = Vec::with_capacity(1 << 20);
    let mut bytes = 0usize;
    for _ in 0..ROUNDS {
        for response in &responses {
            out.clear();
            match mode.as_str() {
                "hand" => response.write_json_with(&mut out, None),
                "derive" => serde_json::to_writer(&mut out, response).expect("in memory"),
                "none" => {}
                other => panic!("mode {other:?}: hand, derive or none"),
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
