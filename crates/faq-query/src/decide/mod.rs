//! Whether the FAQ answers the question: the learned rerank of the candidates by how much
//! of the query each has ([`combination`]), and each hit's confidence and the decision on
//! the top hit ([`confidence`]).

pub mod combination;
pub mod confidence;
