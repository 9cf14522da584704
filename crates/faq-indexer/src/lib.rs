//! The indexer: reads FAQ corpora (Markdown pages and JSONL imports) into
//! [`faq_core::FaqEntry`] values and builds the tantivy index from them atomically, and
//! keeps an index fresh for its corpus ([`ensure_fresh`]).

pub mod build;
pub mod corpus;
pub mod error;
pub mod fresh;
pub mod jsonl;
pub mod markdown;

pub use build::{BuildReport, Progress, build_from_corpus, build_from_corpus_with_progress, index_in_ram, is_stale};
pub use corpus::Corpus;
pub use error::{BuildError, CorpusError};
pub use fresh::{Event, FreshError, Rebuild, ensure_fresh};
