//! What of the query an entry contains, as bits ([`Matched`]), and the query's words as
//! the index sees them ([`QueryWords`]): the yardstick of coverage.

use super::*;

/// What of the query an entry contains, as bits (one word per document, as cheap to
/// accumulate as a plain word mask): the low [`WORD_BITS`] are the query's words by
/// [`crate::plan::Clause::group`] (anywhere, directly or through a synonym), the next
/// [`QUESTION_BITS`] the first of those words found in the question, the top
/// [`READING_BITS`] the query's first distinct reading bigrams ([`QueryWords::reading`]).
/// A query of more words than that counts its first 32 (coordination included).
pub type Matched = u64;

/// Query words tracked, by group.
pub const WORD_BITS: u32 = 32;
/// Query words (the first ones) tracked in the question.
pub const QUESTION_BITS: u32 = 16;
/// Reading bigrams (the first distinct ones) tracked.
pub const READING_BITS: u32 = 16;

/// The bits of [`Matched`] for the words anywhere.
pub fn words_anywhere(matched: Matched) -> u64 {
    matched & ((1 << WORD_BITS) - 1)
}

/// The bits of [`Matched`] for the words in the question.
pub fn words_in_question(matched: Matched) -> u64 {
    (matched >> WORD_BITS) & ((1 << QUESTION_BITS) - 1)
}

/// The bits of [`Matched`] for the reading bigrams.
pub fn readings(matched: Matched) -> u64 {
    matched >> (WORD_BITS + QUESTION_BITS)
}

/// What each query word (by group) and reading bigram weighs and whether the index has it:
/// the yardstick the confidence of a hit is measured against ([`crate::decide::confidence`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryWords {
    /// By group: the larger base-form clause weight of the word (boost × idf), a word in
    /// no entry weighing as much as the rarest can.
    pub weight: Vec<Score>,
    /// The query's reading bigrams, by their bit: idf (the larger of question and answer;
    /// a bigram in no entry the rarest), 0 for those dropped as too common to say anything.
    pub reading: Vec<Score>,
    /// By group: what the word says in general Japanese ([`faq_core::semantic::WordVectors::generic_weight`],
    /// 1 for a word without a vector), boilerplate discounted as in ranking; filled in by
    /// the searcher. Unlike the idf it does not depend on the FAQ's size, and a word the
    /// FAQ lacks weighs what it says, not the most.
    pub general: Vec<Score>,
    /// Groups found in the index (directly or through a synonym).
    pub known: u64,
    /// What a perfect match would score on the base-form clauses: the sum of their
    /// weights (boost × idf × (k1 + 1), the BM25 bound as term frequency grows).
    pub ideal: Score,
}

impl QueryWords {
    /// The weighted share of the query's words among `mask`.
    pub fn share(&self, mask: u64) -> Score {
        weighted_share(&self.weight, mask)
    }

    /// The share of the query's words among `mask`, weighted by [`QueryWords::general`].
    pub fn general_share(&self, mask: u64) -> Score {
        weighted_share(&self.general, mask)
    }

    /// The weighted share of the query's reading bigrams among `mask`.
    pub fn reading_share(&self, mask: u64) -> Score {
        weighted_share(&self.reading, mask)
    }
}

pub(super) fn weighted_share(weights: &[Score], mask: u64) -> Score {
    let total: Score = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    // The set bits only, lowest first (the order of a sum over all weights).
    let mut bits = if weights.len() >= 64 { mask } else { mask & ((1u64 << weights.len()) - 1) };
    let mut part: Score = 0.0;
    while bits != 0 {
        part += weights[bits.trailing_zeros() as usize];
        bits &= bits - 1;
    }
    part / total
}
