//! Errors shared by the dictionary, analyzer and index layout.

use std::path::PathBuf;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(
        "IPADIC dictionary source not found at {path} (set by {env}): point {env} at a folder \
         holding the IPADIC CSV and .def files, or unset it to use the built-in dictionary"
    )]
    DictionarySourceMissing { path: PathBuf, env: &'static str },

    #[error(
        "the built-in dictionary source is damaged (SHA-256 {actual}, expected {expected}): \
         rebuild the binary from a clean checkout"
    )]
    DictionaryCorrupt { expected: String, actual: String },

    #[error("could not compile the IPADIC dictionary from {source_dir} into {target}: {message}")]
    DictionaryBuild { source_dir: PathBuf, target: PathBuf, message: String },

    #[error("could not load the compiled dictionary at {path}: {message} (delete it to rebuild)")]
    DictionaryLoad { path: PathBuf, message: String },

    #[error("no index at {path}: build it with `faq index --corpus PATH --index {path}`")]
    IndexMissing { path: PathBuf },

    #[error("the index at {path} is damaged or from an incompatible version: {message}; rebuild it with `faq index`")]
    IndexDamaged { path: PathBuf, message: String },

    #[error("{}:{line}: {message} (user dictionary: surface,part of speech,reading per line)", path.display())]
    UserDictionary { path: PathBuf, line: usize, message: String },

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },

    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl CoreError {
    /// The machine-readable code of the JSON error object `faq … --json` prints.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::DictionarySourceMissing { .. }
            | CoreError::DictionaryCorrupt { .. }
            | CoreError::DictionaryBuild { .. }
            | CoreError::DictionaryLoad { .. } => "dictionary",
            CoreError::IndexMissing { .. } => "index_missing",
            CoreError::IndexDamaged { .. } | CoreError::Tantivy(_) => "index_damaged",
            CoreError::Io { .. } => "io",
            CoreError::UserDictionary { .. } => "corpus_invalid",
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CoreError::Io { context: context.into(), source }
    }
}
