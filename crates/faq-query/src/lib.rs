//! The query side: ranks FAQ entries for a free-text Japanese question (analysis with the
//! shared analyzer, BM25 over question and answer, highlights from stored spans), the JSON
//! contract of a search, and offline evaluation against graded judgments.

pub mod budget;
pub mod combination;
pub mod confidence;
pub mod eval;
pub mod highlight;
pub mod json;
pub mod kept;
pub mod plan;
pub mod postings_cache;
pub mod proposals;
pub mod ranker;
pub mod response;
pub mod romaji;
pub mod searcher;
pub mod semantic;
pub mod stored;
pub mod suggest;
pub mod synonyms;
pub mod term_cache;
pub mod thesaurus_format;

pub use budget::{Budget, CancelOnDrop};
pub use plan::{PathKind, Plan, Target, Weights};
pub use response::{CompactHit, CompactResponse, Contribution, Highlights, Hit, SearchResponse};
pub use searcher::{FaqSearcher, MAX_EXPLAIN_HITS, MAX_EXPLAIN_PARTS, MAX_LIMIT, MAX_QUERY_CHARS, Page, QueryError, SearchError};
pub use suggest::{Suggester, Suggestion, SuggestionKind, Suggestions};
pub use synonyms::{Synonyms, SynonymsError};
