//! Corpus and build errors; each corpus error names the file and the line.

use std::fmt;

/// A problem in the corpus, located at `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl CorpusError {
    pub fn at(file: &str, line: usize, message: impl Into<String>) -> Self {
        CorpusError { file: file.to_string(), line, message: message.into() }
    }
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for CorpusError {}

/// Why an index could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Core(#[from] faq_core::CoreError),
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}
