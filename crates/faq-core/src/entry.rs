//! The FAQ entry: what the corpus parsers produce, the index stores and search returns.

use serde::{Deserialize, Serialize};

/// One question with its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    /// Stable identifier (see the README for how Markdown ids are derived).
    pub id: String,
    pub question: String,
    /// Answer as plain text: paragraphs separated by a blank line, one list item per line.
    pub answer: String,
    /// Help links found in the answer, in order.
    #[serde(default)]
    pub links: Vec<Link>,
    /// The section heading the entry sits under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Where the entry was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
}

/// A help link and the text that introduces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub url: String,
    pub label: String,
}

/// File and 1-based line of the start of an entry's question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}
