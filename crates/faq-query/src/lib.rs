//! The query side: ranks FAQ entries for a free-text Japanese question, shelved by pipeline
//! stage, in the order a search runs through them ([`searcher`] is the sequence):
//!
//! - [`plan`]: the query as typed (romaji, IME tails) into terms, paths, synonyms;
//! - [`rank`]: BM25 over question and answer (term-at-a-time), with its per-index caches;
//! - [`semantic`]: the static word-vector path, fused with the lexical ranking;
//! - [`decide`]: the learned rerank, each hit's confidence, the answered decision;
//! - [`present`]: the response and its JSON, stored text, highlights, completions;
//! - [`owner`]: evaluation against judgments, and suggestions from what sellers asked.

pub mod budget;
pub mod decide;
pub mod owner;
pub mod plan;
pub mod present;
pub mod rank;
pub mod searcher;
pub mod semantic;

// The paths the other crates use.
pub use decide::{combination, confidence};
pub use owner::{eval, proposals};
pub use plan::{romaji, synonyms};
pub use present::{highlight, json, response, suggest};
pub use rank as ranker;

pub use budget::{Budget, CancelOnDrop};
pub use plan::{PathKind, Plan, Target, Weights, WeightsError};
pub use response::{CompactHit, CompactResponse, Contribution, Highlights, Hit, SearchResponse};
pub use searcher::{Damage, FaqSearcher, MAX_EXPLAIN_HITS, MAX_EXPLAIN_PARTS, MAX_LIMIT, MAX_QUERY_CHARS, Page, QueryError, SearchError};
pub use suggest::{Suggester, Suggestion, SuggestionKind, Suggestions};
pub use synonyms::{Synonyms, SynonymsError};
