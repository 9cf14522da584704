//! Whether the FAQ answers the question: each hit's confidence (the estimated probability
//! that it answers the query) and the decision `answered` made on the top hit.
//!
//! Raw BM25 does not compare across queries (a one-word hit on 商品 outscores the right
//! answer to another question), so the confidence is built from signals that do: the
//! idf-weighted share of the query's words the hit contains and that the index knows at
//! all, the lexical score against what a perfect match would score, the similarity of the
//! semantic path (raw cosine and z-score over all entries), the margin to the next hit and
//! the score relative to the best. A logistic model over them ([`Model`]), fitted on dev
//! data only by `scripts/calibrate.py` and committed as `data/confidence.json`, turns them
//! into a probability; `answered` is the top hit's confidence at or above the model's
//! operating point, chosen on dev (RELEVANCE.md shows the curve and the reliability diagram).
//!
//! The feature definitions live here alone: `faq eval --signals` writes these very vectors
//! for the training script, so the trainer and the engine cannot drift apart.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::rank::{self, Matched, QueryWords};

/// The names of [`Signals::features`], in order; the model file must list the same.
pub const FEATURES: [&str; 16] = [
    "evidence",
    "question_evidence",
    "coverage",
    "question_coverage",
    "general_coverage",
    "general_question_coverage",
    "reading_coverage",
    "known",
    "lexical_ratio",
    "similarity",
    "z",
    "meaning_share",
    "margin",
    "relative",
    "log_rank",
    "log_words",
];

/// The measurements of one hit that its confidence is computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// Weighted (idf) share of the query's words the hit contains, directly or by synonym.
    pub coverage: f32,
    /// The same, found in the hit's question (the first 32 words).
    pub question_coverage: f32,
    /// The share of the query's words the hit contains weighted by what each says in
    /// general Japanese ([`QueryWords::general`]), anywhere and in the question.
    pub general_coverage: f32,
    pub general_question_coverage: f32,
    /// Weighted (idf) share of the query's reading bigrams (kana) the hit contains: what
    /// says how close a kana-only or misspelt query comes, when it has no word to match.
    pub reading_coverage: f32,
    /// Weighted share of the query's words found anywhere in the index.
    pub known: f32,
    /// The hit's lexical score over what a perfect match would score (can pass 1: the
    /// character paths and synonyms add to it).
    pub lexical_ratio: f32,
    /// Cosine similarity of the query's and the entry's vectors (0 without a query vector).
    pub similarity: f32,
    /// The similarity z-scored over all entries (0 without a query vector).
    pub z: f32,
    /// Share of the query's content words that carried a vector (0 without one).
    pub meaning_share: f32,
    /// (score − next hit's score) / score, in [0, 1]; 1 for the last hit.
    pub margin: f32,
    /// score / best score, in [0, 1].
    pub relative: f32,
    /// Rank in the whole ranking, from 0.
    pub rank: u32,
    /// Number of the query's words (base forms, boilerplate included).
    pub words: u32,
}

impl Signals {
    /// The model's inputs, named by [`FEATURES`].
    pub fn features(&self) -> [f32; FEATURES.len()] {
        [
            evidence(self.general_coverage, self.reading_coverage),
            evidence(self.general_question_coverage, self.reading_coverage),
            self.coverage,
            self.question_coverage,
            self.general_coverage,
            self.general_question_coverage,
            self.reading_coverage,
            self.known,
            self.lexical_ratio.clamp(0.0, 2.0),
            self.similarity,
            self.z.clamp(-5.0, 10.0),
            self.meaning_share,
            self.margin.clamp(0.0, 1.0),
            self.relative.clamp(0.0, 1.0),
            (1.0 + self.rank as f32).ln(),
            (1.0 + self.words as f32).ln(),
        ]
    }
}

/// A logistic model over [`Signals::features`] and its operating point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The feature names, in the order of `weights` (checked against [`FEATURES`]).
    pub features: Vec<String>,
    pub weights: Vec<f32>,
    pub bias: f32,
    /// `answered` when the top hit's confidence is at least this.
    pub threshold: f32,
    /// Where the model came from (data, date, command); not used by the engine.
    #[serde(default)]
    pub provenance: serde_json::Value,
}

/// The model as shipped.
pub const SHIPPED_MODEL: &str = include_str!("../../data/confidence.json");

impl Model {
    /// Reads a model file, refusing one whose features are not this engine's.
    pub fn from_json(text: &str) -> Result<Model, super::ModelError> {
        let invalid = |message: String| super::ModelError::Invalid { model: "confidence", message };
        let model: Model = serde_json::from_str(text).map_err(|source| super::ModelError::Json { model: "confidence", source })?;
        if model.features != FEATURES || model.weights.len() != FEATURES.len() {
            return Err(invalid(format!("features {:?}, the engine computes {FEATURES:?}", model.features)));
        }
        if !(0.0..=1.0).contains(&model.threshold) || !model.bias.is_finite() || model.weights.iter().any(|w| !w.is_finite()) {
            return Err(invalid("weights must be finite and the threshold in [0, 1]".to_string()));
        }
        Ok(model)
    }

    /// The shipped model (parsed once).
    pub fn shipped() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::from_json(SHIPPED_MODEL).expect("the shipped confidence model is valid (tested)"))
    }

    /// The probability that the hit with these signals answers the query.
    pub fn confidence(&self, signals: &Signals) -> f32 {
        let logit = self.bias + self.weights.iter().zip(signals.features()).map(|(w, x)| w * x).sum::<f32>();
        1.0 / (1.0 + (-logit).exp())
    }

    /// Whether a top hit of this confidence answers the query.
    pub fn answers(&self, confidence: f32) -> bool {
        confidence >= self.threshold
    }
}

/// What a hit has of the query by the better of its two ways of showing it: words, or (a
/// kana-only or misspelt query) reading bigrams.
fn evidence(general: f32, reading: f32) -> f32 {
    general.max(reading)
}

/// What a hit has of the query, whatever its place in the ranking: the part of [`Signals`]
/// that the learned combination ([`crate::decide::combination`]) also reranks by, one measure at a
/// time (it needs one or two of them for each of ~120 candidates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Evidence,
    QuestionEvidence,
    Coverage,
    QuestionCoverage,
    GeneralCoverage,
    GeneralQuestionCoverage,
    ReadingCoverage,
}

impl Measure {
    /// The measure named as in [`FEATURES`]; `None` for a name that is not a coverage
    /// measure (one that depends on the place in the ranking, or none at all).
    pub fn from_name(name: &str) -> Option<Measure> {
        Some(match name {
            "evidence" => Measure::Evidence,
            "question_evidence" => Measure::QuestionEvidence,
            "coverage" => Measure::Coverage,
            "question_coverage" => Measure::QuestionCoverage,
            "general_coverage" => Measure::GeneralCoverage,
            "general_question_coverage" => Measure::GeneralQuestionCoverage,
            "reading_coverage" => Measure::ReadingCoverage,
            _ => return None,
        })
    }

    /// Its value for a hit that matched `matched` of the query's `words`.
    pub fn of(self, matched: Matched, words: &QueryWords) -> f32 {
        let (anywhere, question) = (rank::words_anywhere(matched), rank::words_in_question(matched));
        match self {
            Measure::Evidence => evidence(words.general_share(anywhere), words.reading_share(rank::readings(matched))),
            Measure::QuestionEvidence => evidence(words.general_share(question), words.reading_share(rank::readings(matched))),
            Measure::Coverage => words.share(anywhere),
            Measure::QuestionCoverage => words.share(question),
            Measure::GeneralCoverage => words.general_share(anywhere),
            Measure::GeneralQuestionCoverage => words.general_share(question),
            Measure::ReadingCoverage => words.reading_share(rank::readings(matched)),
        }
    }
}

/// One candidate of a ranking as the confidence sees it.
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    /// The final (fused) score.
    pub score: f32,
    /// Its lexical part.
    pub lexical: f32,
    /// What of the query it contains ([`crate::rank::Ranked::matched`]).
    pub matched: Matched,
    /// Cosine and z-score of the semantic path, when the query has a vector.
    pub similarity: Option<(f32, f32)>,
}

/// The signals of the hit at `rank` of `ranking` (best first, the whole ranked list or at
/// least up to `rank + 1`), for a query with these words and meaning share.
pub fn signals(ranking: &[Scored], rank: usize, words: &QueryWords, meaning_share: f32) -> Signals {
    let hit = ranking[rank];
    let best = ranking.first().map_or(0.0, |b| b.score);
    let next = ranking.get(rank + 1).map_or(0.0, |n| n.score.max(0.0));
    let (similarity, z) = hit.similarity.unwrap_or((0.0, 0.0));
    let ratio = |a: f32, b: f32| if b > 0.0 { a / b } else { 0.0 };
    let measure = |m: Measure| m.of(hit.matched, words);
    Signals {
        coverage: measure(Measure::Coverage),
        question_coverage: measure(Measure::QuestionCoverage),
        general_coverage: measure(Measure::GeneralCoverage),
        general_question_coverage: measure(Measure::GeneralQuestionCoverage),
        reading_coverage: measure(Measure::ReadingCoverage),
        known: words.share(words.known),
        lexical_ratio: ratio(hit.lexical, words.ideal),
        similarity,
        z,
        meaning_share: if hit.similarity.is_some() { meaning_share } else { 0.0 },
        margin: ratio(hit.score - next, hit.score),
        relative: ratio(hit.score, best),
        rank: rank as u32,
        words: words.weight.iter().filter(|w| **w > 0.0).count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::QueryWords;

    #[test]
    fn the_shipped_model_reads_and_names_this_engines_features() {
        let model = Model::shipped();
        assert_eq!(model.features, FEATURES);
        assert!((0.0..=1.0).contains(&model.threshold));
    }

    #[test]
    fn a_model_for_other_features_is_refused() {
        let mut model = Model::shipped().clone();
        model.features.swap(0, 1);
        let text = serde_json::to_string(&model).unwrap();
        assert!(Model::from_json(&text).unwrap_err().to_string().contains("features"));
    }

    #[test]
    fn signals_measure_against_the_query_not_the_raw_score() {
        // Three words weighing 1, 2 and 1; the hit has the first two, the index knows all.
        let words = QueryWords { weight: vec![1.0, 2.0, 1.0], reading: vec![1.0, 3.0], general: vec![], known: 0b111, ideal: 8.0 };
        let ranking = [
            Scored { score: 6.0, lexical: 4.0, matched: 0b011 | 1 << 33 | 1 << 49, similarity: Some((0.5, 2.0)) },
            Scored { score: 3.0, lexical: 3.0, matched: 0b100, similarity: Some((0.1, 0.0)) },
        ];
        let top = signals(&ranking, 0, &words, 0.75);
        assert_eq!((top.coverage, top.known, top.lexical_ratio), (0.75, 1.0, 0.5));
        // Of the two words it has, only the second (weight 2) is in its question; it has
        // the second reading bigram (weight 3 of 4).
        assert_eq!((top.question_coverage, top.reading_coverage), (0.5, 0.75));
        assert_eq!((top.similarity, top.z, top.meaning_share), (0.5, 2.0, 0.75));
        assert_eq!((top.margin, top.relative, top.rank, top.words), (0.5, 1.0, 0, 3));
        let second = signals(&ranking, 1, &words, 0.75);
        assert_eq!((second.coverage, second.margin, second.relative, second.rank), (0.25, 1.0, 0.5, 1));
    }

    #[test]
    fn a_query_with_words_the_index_lacks_is_less_known() {
        let words = QueryWords { weight: vec![3.0, 1.0], reading: vec![], general: vec![], known: 0b10, ideal: 1.0 };
        let ranking = [Scored { score: 1.0, lexical: 1.0, matched: 0b10, similarity: None }];
        let top = signals(&ranking, 0, &words, 0.0);
        assert_eq!((top.coverage, top.known, top.similarity, top.meaning_share), (0.25, 0.25, 0.0, 0.0));
        let model = Model::shipped();
        // Having all of the query, in every sense the signals measure, must count for more.
        let whole = Signals {
            coverage: 1.0,
            question_coverage: 1.0,
            general_coverage: 1.0,
            general_question_coverage: 1.0,
            reading_coverage: 1.0,
            known: 1.0,
            ..top
        };
        assert!(model.confidence(&whole) > model.confidence(&top), "covering the query must raise the confidence");
    }
}
