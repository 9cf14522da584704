//! What the indexer and the query side share, defined exactly once: the offline IPADIC
//! dictionary, the Japanese analyzer (the same chain tokenizes documents and queries),
//! the tantivy schema, the on-disk index layout, the FAQ entry type, and how a text
//! becomes a vector for the semantic path.

pub mod analyzer;
pub mod dictionary;
pub mod entry;
pub mod error;
pub mod layout;
pub mod nfkc;
pub mod normalize;
pub mod pos_filter;
pub mod schema;
pub mod semantic;
pub mod spans;
pub mod terms;
pub mod userdict;

pub use analyzer::{Analysis, AnalyzedToken, Analyzer, Noun};
pub use entry::{FaqEntry, Link, SourceLocation};
pub use error::{CoreError, Result};
