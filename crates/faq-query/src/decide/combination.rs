//! The learned combination: after fusion, the candidates are reranked by how much of the
//! query each one has, a small model fitted on the dev splits.
//!
//! The fused score (lexical + semantic path) compares hits of one query; what it misses is
//! how much of the question a hit covers (the IDF-weighted share of the query's words it
//! contains, [`Measure`]). The model multiplies each candidate's fused score by
//! `1 + Σ wᵢ xᵢ` over a few of those measures, so the order of hits that cover the query
//! alike is the fusion's and the score stays positive and explainable (the boost is its own
//! `coverage` part). Which measures and their weights are data (`data/combination.json`),
//! chosen by `scripts/combine.py` by cross-validated nDCG@10 on localgovFAQ dev and the
//! seed dev set only (RELEVANCE.md shows the candidates it compared); the engine refuses a
//! model naming a measure it does not compute.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::decide::confidence::Measure;
use crate::rank::{Matched, QueryWords};

/// The model as shipped.
pub const SHIPPED_MODEL: &str = include_str!("../../data/combination.json");

/// Least factor a candidate's score is multiplied by (the weights may be negative).
const LEAST_FACTOR: f32 = 0.05;

/// A linear boost over [`Measure`]s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Combination {
    /// Names of [`Measure`]s, in the order of `weights`.
    pub features: Vec<String>,
    pub weights: Vec<f32>,
    /// `features` resolved, with their weights.
    #[serde(skip)]
    measures: Vec<(Measure, f32)>,
    /// How it was chosen (data, cross-validated scores, command); not used by the engine.
    #[serde(default)]
    pub provenance: serde_json::Value,
}

impl Combination {
    /// Reads a model file, refusing one that names a measure the engine does not compute.
    pub fn from_json(text: &str) -> Result<Combination, super::ModelError> {
        let invalid = |message: String| super::ModelError::Invalid { model: "combination", message };
        let mut model: Combination =
            serde_json::from_str(text).map_err(|source| super::ModelError::Json { model: "combination", source })?;
        if model.features.len() != model.weights.len() || model.weights.iter().any(|w| !w.is_finite()) {
            return Err(invalid("one finite weight per feature".to_string()));
        }
        for (name, &weight) in model.features.iter().zip(&model.weights) {
            let measure = Measure::from_name(name)
                .ok_or_else(|| invalid(format!("feature {name:?} is not one the engine computes per candidate")))?;
            model.measures.push((measure, weight));
        }
        Ok(model)
    }

    /// The shipped model (parsed once).
    pub fn shipped() -> &'static Combination {
        static MODEL: OnceLock<Combination> = OnceLock::new();
        MODEL.get_or_init(|| Combination::from_json(SHIPPED_MODEL).expect("the shipped combination model is valid (tested)"))
    }

    /// What the fused score of a candidate that matched `matched` of the query's `words` is
    /// multiplied by, the model's weights scaled by `strength` (`Weights::combination`; 0
    /// leaves every score as fused).
    pub fn factor(&self, matched: Matched, words: &QueryWords, strength: f32) -> f32 {
        let boost: f32 = self.measures.iter().map(|&(measure, w)| w * measure.of(matched, words)).sum();
        (1.0 + strength * boost).max(LEAST_FACTOR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_reads() {
        let model = Combination::shipped();
        assert!(!model.features.is_empty());
    }

    #[test]
    fn a_model_naming_a_measure_the_engine_lacks_is_refused() {
        let text = r#"{"features": ["rank"], "weights": [1.0]}"#;
        assert!(Combination::from_json(text).unwrap_err().to_string().contains("\"rank\""));
        let text = r#"{"features": ["coverage"], "weights": []}"#;
        assert!(Combination::from_json(text).is_err());
    }

    #[test]
    fn covering_more_of_the_query_multiplies_the_score_more() {
        let model = Combination::from_json(r#"{"features": ["coverage"], "weights": [0.5]}"#).unwrap();
        // Two words of equal weight: the first, then both.
        let words = QueryWords { weight: vec![1.0, 1.0], ..QueryWords::default() };
        assert_eq!(model.factor(0b01, &words, 1.0), 1.25);
        assert_eq!(model.factor(0b11, &words, 1.0), 1.5);
        assert_eq!(model.factor(0b11, &words, 0.0), 1.0, "strength 0 turns it off");
        let negative = Combination::from_json(r#"{"features": ["coverage"], "weights": [-40.0]}"#).unwrap();
        assert_eq!(negative.factor(0b11, &words, 1.0), LEAST_FACTOR, "the score never turns negative");
    }

    #[test]
    fn evidence_is_the_better_of_words_and_readings() {
        let model = Combination::from_json(r#"{"features": ["evidence"], "weights": [1.0]}"#).unwrap();
        // No word matched, but both reading bigrams.
        let words = QueryWords { weight: vec![1.0], general: vec![1.0], reading: vec![1.0, 1.0], ..QueryWords::default() };
        let readings = 0b11 << (crate::rank::WORD_BITS + crate::rank::QUESTION_BITS);
        assert_eq!(model.factor(readings, &words, 1.0), 2.0);
        assert_eq!(model.factor(0b1, &words, 1.0), 2.0);
        assert_eq!(model.factor(0, &words, 1.0), 1.0);
    }
}
