//! What recording costs the writer thread: `N` search events (ten seller queries, six ids
//! shown each, as the box's searches are) written through the store in the recorder's
//! batches. Run under callgrind twice with different `N`; the difference divided by the
//! difference in events is the instructions one event costs:
//!
//! ```sh
//! cargo build --release --example write_cost -p faq-analytics
//! for n in 20000 40000; do valgrind --tool=callgrind --callgrind-out-file=/tmp/w.$n \
//!   target/release/examples/write_cost $n; done   # "Collected" lines: instructions
//! ```

use faq_analytics::recorder::BATCH;
use faq_analytics::{Event, Store};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("faq-write-cost-{}", std::process::id()));
    let mut store = Store::open(&dir.join("a.sqlite")).expect("a scratch database");
    let queries = [
        "領収書を発行してほしい",
        "注文をキャンセルしたい",
        "商品が届かない",
        "返金はいつ",
        "同梱できますか",
        "配送先を変更したい",
        "保留中の注文とは",
        "天気はどう？",
        "出品したい",
        "コンビニ決済",
    ];
    let shown: Vec<String> = (0..6).map(|i| format!("order-management-{:08x}", 0x36fb_d7d4u32.wrapping_mul(i + 1))).collect();
    let started = std::time::Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        batch.push(Event::Search {
            at_ms: 1_764_000_000_000 + i as i64,
            query: queries[i % queries.len()].to_string(),
            answered: i % 3 != 0,
            shown: shown.clone(),
            latency_us: 150,
        });
        if batch.len() == BATCH {
            store.write(&batch).expect("written");
            batch.clear();
        }
    }
    store.write(&batch).expect("written");
    let took = started.elapsed();
    eprintln!("{n} events in {:.3} s: {:.2} µs an event", took.as_secs_f64(), took.as_secs_f64() * 1e6 / n as f64);
    let _ = std::fs::remove_dir_all(&dir);
}
