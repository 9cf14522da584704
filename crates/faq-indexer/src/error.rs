//! Corpus and build errors; each corpus error names the file and the line.

use std::fmt;

/// A problem in the corpus, located at `file:line` (`line` 0: the file as a whole, shown
/// as `file: message`).
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
        match self.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            line => write!(f, "{}:{}: {}", self.file, line, self.message),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_line_when_there_is_one() {
        assert_eq!(CorpusError::at("corpus/a.md", 12, "no answer").to_string(), "corpus/a.md:12: no answer");
        assert_eq!(CorpusError::at("corpus/a.txt", 0, "unsupported").to_string(), "corpus/a.txt: unsupported");
    }
}
