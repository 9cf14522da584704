//! Whether the FAQ answers the question: the learned rerank of the candidates by how much
//! of the query each has ([`combination`]), and each hit's confidence and the decision on
//! the top hit ([`confidence`]).

pub mod combination;
pub mod confidence;

/// A decision model file that cannot be used (`data/*.json`, or a refit one).
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{model} model: {source}")]
    Json { model: &'static str, source: serde_json::Error },
    #[error("{model} model: {message}")]
    Invalid { model: &'static str, message: String },
}
