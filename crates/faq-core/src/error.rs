//! Errors shared by the dictionary, analyzer and index layout.

use std::path::PathBuf;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(
        "IPADIC dictionary source not found at {path}: install the Debian package `mecab-ipadic` \
         (apt-get install mecab-ipadic) or point {env} at a folder holding the IPADIC CSV files"
    )]
    DictionarySourceMissing { path: PathBuf, env: &'static str },

    #[error("could not compile the IPADIC dictionary from {source_dir} into {target}: {message}")]
    DictionaryBuild { source_dir: PathBuf, target: PathBuf, message: String },

    #[error("could not load the compiled dictionary at {path}: {message} (delete it to rebuild)")]
    DictionaryLoad { path: PathBuf, message: String },

    #[error("no index at {path}: run `faq index` first (or `faq search` with the default corpus)")]
    IndexMissing { path: PathBuf },

    #[error("the index at {path} is damaged or from an incompatible version: {message}; rebuild it with `faq index`")]
    IndexDamaged { path: PathBuf, message: String },

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },

    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl CoreError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CoreError::Io { context: context.into(), source }
    }
}
