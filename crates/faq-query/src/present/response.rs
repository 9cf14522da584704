//! The JSON contract of a search, shared by `faq search --json` and the HTTP API:
//!
//! ```json
//! {"query": "…", "total_hits": 3, "answered": true, "took_ms": 0.084,
//!  "hits": [{"id": "…", "question": "…", "answer": "…", "score": 7.31, "confidence": 0.93,
//!            "highlights": {"question": "…<mark>…</mark>…", "answer": "…"},
//!            "links": [{"url": "…", "label": "…"}]}]}
//! ```

use serde::{Deserialize, Serialize};

use faq_core::Link;

use crate::decide::confidence::Signals;
use crate::plan::{PathKind, Target};
use crate::present::highlight::Marked;
use crate::present::suggest::Suggestions;

/// A ranked answer to one query.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as received.
    pub query: String,
    /// How many entries matched at all (not only the ones returned).
    pub total_hits: usize,
    /// Whether the FAQ answers the query: the top hit's confidence is at the operating
    /// point or above ([`crate::decide::confidence`]). When false the hits are kept, as related
    /// questions that may help, and say so by their confidence.
    pub answered: bool,
    /// Time spent analysing, searching and highlighting, in milliseconds.
    pub took_ms: f64,
    pub hits: Vec<Hit>,
}

/// One ranked entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub score: f32,
    /// The estimated probability, in [0, 1], that this entry answers the query (calibrated
    /// on dev data; RELEVANCE.md).
    pub confidence: f32,
    /// Weighted (idf) share of the query's words this entry contains, in its question or
    /// answer, in [0, 1]: 1 when every word is found. A box shows an unanswered query whose
    /// top hit has them all (a keyword such as キャンセル, in many entries) as a list to
    /// narrow down, not as "no answer".
    pub coverage: f32,
    pub highlights: Highlights,
    pub links: Vec<Link>,
    /// With `--explain` / `explain=true` only: each matching clause's share of `score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<Contribution>>,
    /// With `--explain` / `explain=true` only: what the confidence was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<Signals>,
    /// Match ranges for renderers other than HTML (the terminal); not part of the JSON.
    #[serde(skip)]
    pub marks: HitMarks,
    /// The stored entry this hit shows, whose JSON-escaped question and answer
    /// [`crate::present::json`] copies while they still equal `question` and `answer`; not part of
    /// the JSON.
    #[serde(skip)]
    pub stored: Option<std::sync::Arc<crate::present::stored::StoredEntry>>,
}

impl Hit {
    /// The stored entry's pre-escaped question and answer, while they still equal this
    /// hit's own.
    pub(crate) fn stored_json(&self) -> Option<&crate::present::stored::EntryJson> {
        self.stored.as_ref().filter(|s| s.entry.question == self.question && s.entry.answer == self.answer).map(|s| s.json())
    }
}

/// Escaped HTML with `<mark>` around matched terms: the whole question, and a snippet of
/// the answer (at most 120 characters, `…` where cut).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Highlights {
    pub question: String,
    pub answer: String,
}

/// A matching clause: which term matched which field through which analysis path, and
/// the part of the score it contributed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Contribution {
    pub path: PathKind,
    pub field: Target,
    pub term: String,
    /// For a synonym: the query word it was added for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub score: f32,
}

#[derive(Clone, Debug, Default)]
pub struct HitMarks {
    pub question: Marked,
    pub answer: Marked,
}

/// The compact view of a search (`view=compact`), for a search box: what it shows of each
/// hit (no answer text, no links: the box fetches the entry when it is opened), and the
/// box's suggestions when asked for, so a keystroke costs one request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompactResponse {
    pub query: String,
    pub total_hits: usize,
    pub answered: bool,
    pub took_ms: f64,
    pub hits: Vec<CompactHit>,
    /// With `suggest=N`: completions of what is being typed, or words of the FAQ close to
    /// a query it does not answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Suggestions>,
}

/// One hit of the compact view.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompactHit {
    pub id: String,
    pub question: String,
    pub score: f32,
    pub confidence: f32,
    pub coverage: f32,
    pub highlights: Highlights,
    /// The stored entry this hit shows, for its pre-escaped question; not part of the JSON.
    #[serde(skip)]
    pub stored: Option<std::sync::Arc<crate::present::stored::StoredEntry>>,
}

impl CompactHit {
    /// The stored entry's pre-escaped question, while it still equals this hit's own.
    pub(crate) fn stored_question(&self) -> Option<&serde_json::value::RawValue> {
        self.stored.as_ref().filter(|s| s.entry.question == self.question).map(|s| &*s.json().question)
    }
}

impl From<SearchResponse> for CompactResponse {
    fn from(response: SearchResponse) -> Self {
        let hits = response
            .hits
            .into_iter()
            .map(|hit| CompactHit {
                id: hit.id,
                question: hit.question,
                score: hit.score,
                confidence: hit.confidence,
                coverage: hit.coverage,
                highlights: hit.highlights,
                stored: hit.stored,
            })
            .collect();
        CompactResponse {
            query: response.query,
            total_hits: response.total_hits,
            answered: response.answered,
            took_ms: response.took_ms,
            hits,
            suggestions: None,
        }
    }
}
