//! The events recorded: what was searched and shown, what was opened, what helped.

use serde::{Deserialize, Serialize};

/// One thing a seller did. Times are milliseconds since the Unix epoch; queries are masked
/// ([`crate::mask`]) before they get here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A search: the query, whether the FAQ answered it, the ids shown, the time it took.
    Search { at_ms: i64, query: String, answered: bool, shown: Vec<String>, latency_us: u32 },
    /// An answer opened from a list (rank from 1), and the query it was opened for.
    Open { at_ms: i64, id: String, rank: u32, query: String },
    /// The answer to 「この回答で解決しましたか？」.
    Feedback { at_ms: i64, id: String, helpful: bool, query: String },
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
