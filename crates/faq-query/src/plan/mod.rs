//! The query plan: which terms are searched in which field through which analysis path,
//! and with what weight. Ranking sums BM25 over all clauses; `--explain` reports each
//! clause's share. Weights were tuned on development splits only (RELEVANCE.md).

pub mod romaji;
pub mod synonyms;
pub mod thesaurus_format;

use std::fmt;

use faq_core::Analysis;
use faq_core::schema::FaqFields;
use serde::{Deserialize, Serialize};
use tantivy::Score;
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::plan::synonyms::Synonyms;

/// How a term reached the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathKind {
    /// A content word in base form.
    Morph,
    /// A character bigram of the surface.
    Bigram,
    /// A character bigram of the kana reading.
    Reading,
    /// A content word added from the synonym file.
    Synonym,
    /// A content word added from the general thesaurus (SudachiDict's synonym groups).
    Thesaurus,
    /// Two consecutive content words of the query, near each other in the text.
    Phrase,
    /// The meaning of the query's words (static word vectors), close to the entry's.
    Semantic,
    /// The learned combination's boost for how much of the query the entry covers.
    Coverage,
    /// In an explanation cut to its largest parts: the other clauses, summed.
    Rest,
}

impl fmt::Display for PathKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathKind::Morph => "base form",
            PathKind::Bigram => "bigram",
            PathKind::Reading => "reading",
            PathKind::Synonym => "synonym",
            PathKind::Thesaurus => "thesaurus",
            PathKind::Phrase => "phrase",
            PathKind::Semantic => "meaning",
            PathKind::Coverage => "coverage",
            PathKind::Rest => "the rest",
        })
    }
}

/// Which stored text a clause searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Question,
    Answer,
    /// Question and answer together (the semantic path compares the whole entry).
    Entry,
}

/// Weights of the fused ranking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub morph_question: Score,
    pub morph_answer: Score,
    pub bigram_question: Score,
    pub bigram_answer: Score,
    pub reading_question: Score,
    pub reading_answer: Score,
    /// Multiplier of the reading path's weights for a query typed in kana (hiragana, with
    /// no kanji; romaji read as kana counts): lindera segments such text unreliably
    /// (どうこん → どう + こむ), so its readings say more than its words.
    pub kana_reading: Score,
    /// Multiplier of a synonym's weight relative to the word the user typed.
    pub synonym: Score,
    /// The same for the general thesaurus (words the synonym file does not already add).
    pub thesaurus: Score,
    /// Multiplier of question boilerplate (教えて, お世話, …) relative to content words.
    pub boilerplate: Score,
    /// Weight of a pair of consecutive query words found near each other (question field;
    /// the answer field gets half). Off by default: it lowered dev nDCG@10 at every weight
    /// tried (RELEVANCE.md).
    pub phrase: Score,
    /// Character-path terms (bigrams, readings) and thesaurus words found in more than this
    /// share of the entries (and in more than three) are dropped: they say almost nothing
    /// (ょう, して) and cost time. 0.05 and 0.2 rank alike on the dev splits; 0.05 halves the ranking
    /// time at 100k entries (RELEVANCE.md, BENCHMARKS.md).
    pub max_character_df: Score,
    /// [`Weights::max_character_df`] for a query typed in kana (1: no cut): its reading
    /// bigrams are all it has, and the common ones (ゅう, しょ) are most of its words.
    /// Seed dev IME-tail Recall@1 0.857 → 1.0 against the default cut.
    pub kana_max_character_df: Score,
    /// Exponent of the coordination factor `((matched + 1) / (words + 1))^c`, where `words`
    /// counts the query's words found in the index and `matched` those found in the entry
    /// (directly or through a synonym). 0 turns it off.
    pub coordination: Score,
    /// BM25 of the question fields (question, question_bigram, question_reading).
    pub bm25_question: Bm25,
    /// BM25 of the answer fields.
    pub bm25_answer: Bm25,
    /// Weight of the semantic path: fused score = lexical / best lexical + `semantic` ×
    /// z-scored similarity over the candidates (scaled by the share of the query's content
    /// words that carried a vector). 0 turns it off.
    pub semantic: Score,
    /// Lexical candidates the semantic path reranks.
    pub semantic_depth: Score,
    /// Entries added by similarity alone (full scan of the entry vectors).
    pub semantic_candidates: Score,
    /// Least similarity for an entry added by similarity alone.
    pub semantic_floor: Score,
    /// 1: z-score similarities over all entries (when the index is small enough to scan
    /// them), 0: over the candidates.
    pub semantic_global: Score,
    /// Strength of the learned combination ([`crate::decide::combination`]): its weights are scaled
    /// by this; 0 leaves the fused order (what `scripts/combine.py` trains on), 1 as fitted.
    pub combination: Score,
}

impl Default for Weights {
    fn default() -> Self {
        // Grid search on the localgovFAQ dev split and the seed dev set (RELEVANCE.md);
        // BM25 k1 and b per field were searched too and tantivy's defaults kept.
        Weights {
            morph_question: 1.25,
            morph_answer: 1.0,
            bigram_question: 0.25,
            bigram_answer: 0.2,
            reading_question: 0.1,
            reading_answer: 0.05,
            // Seed dev (hiragana, romaji, IME-tail classes): 1 → 2 lifts hiragana Recall@1
            // 0.91 → 1.0 and romaji 0.94 → 1.0; 2 to 16 rank alike; 4 is in the middle.
            kana_reading: 4.0,
            synonym: 0.8,
            thesaurus: 0.8,
            boilerplate: 0.3,
            phrase: 0.0,
            max_character_df: 0.05,
            kana_max_character_df: 1.0,
            coordination: 0.5,
            bm25_question: Bm25::default(),
            bm25_answer: Bm25::default(),
            semantic: 0.3,
            semantic_depth: 100.0,
            semantic_candidates: 20.0,
            semantic_floor: 0.0,
            semantic_global: 1.0,
            combination: 1.0,
        }
    }
}

/// The BM25 parameters of one field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bm25 {
    /// Term-frequency saturation.
    pub k1: Score,
    /// Length normalisation: 0 ignores the field's length, 1 divides by it fully.
    pub b: Score,
}

impl Default for Bm25 {
    /// tantivy's (and Lucene's) defaults.
    fn default() -> Self {
        Bm25 { k1: 1.2, b: 0.75 }
    }
}

/// A `FAQ_WEIGHTS` override that cannot be applied: what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WeightsError(pub String);

impl Weights {
    /// Plain BM25 of the first version: base forms only, question ×2, no synonyms.
    pub fn plain() -> Self {
        Weights {
            morph_question: 2.0,
            morph_answer: 1.0,
            bigram_question: 0.0,
            bigram_answer: 0.0,
            reading_question: 0.0,
            reading_answer: 0.0,
            kana_reading: 1.0,
            synonym: 0.0,
            thesaurus: 0.0,
            boilerplate: 1.0,
            phrase: 0.0,
            max_character_df: 1.0,
            coordination: 0.0,
            bm25_question: Bm25::default(),
            bm25_answer: Bm25::default(),
            semantic: 0.0,
            combination: 0.0,
            ..Weights::default()
        }
    }

    /// The BM25 parameters of each scored field.
    pub fn bm25_fields(&self, fields: &FaqFields) -> [(Field, Bm25); 6] {
        let (q, a) = (self.bm25_question, self.bm25_answer);
        [
            (fields.question, q),
            (fields.question_bigram, q),
            (fields.question_reading, q),
            (fields.answer, a),
            (fields.answer_bigram, a),
            (fields.answer_reading, a),
        ]
    }

    /// Applies `name=value,name=value` overrides (a tuning aid: `FAQ_WEIGHTS`).
    pub fn with_overrides(mut self, spec: &str) -> Result<Self, WeightsError> {
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').ok_or_else(|| WeightsError(format!("expected name=value, got {pair:?}")))?;
            let value: Score = value.trim().parse().map_err(|_| WeightsError(format!("{name}: {value:?} is not a number")))?;
            if !value.is_finite() || value < 0.0 {
                return Err(WeightsError(format!("{name}: weights are finite and >= 0")));
            }
            let slot = match name.trim() {
                "morph_question" => &mut self.morph_question,
                "morph_answer" => &mut self.morph_answer,
                "bigram_question" => &mut self.bigram_question,
                "bigram_answer" => &mut self.bigram_answer,
                "reading_question" => &mut self.reading_question,
                "reading_answer" => &mut self.reading_answer,
                "kana_reading" => &mut self.kana_reading,
                "synonym" => &mut self.synonym,
                "thesaurus" => &mut self.thesaurus,
                "boilerplate" => &mut self.boilerplate,
                "phrase" => &mut self.phrase,
                "max_character_df" => &mut self.max_character_df,
                "kana_max_character_df" => &mut self.kana_max_character_df,
                "coordination" => &mut self.coordination,
                "k1_question" => &mut self.bm25_question.k1,
                "b_question" => &mut self.bm25_question.b,
                "k1_answer" => &mut self.bm25_answer.k1,
                "b_answer" => &mut self.bm25_answer.b,
                "semantic" => &mut self.semantic,
                "semantic_depth" => &mut self.semantic_depth,
                "semantic_candidates" => &mut self.semantic_candidates,
                "semantic_floor" => &mut self.semantic_floor,
                "semantic_global" => &mut self.semantic_global,
                "combination" => &mut self.combination,
                other => return Err(WeightsError(format!("unknown weight {other:?}"))),
            };
            *slot = value;
        }
        Ok(self)
    }
}

/// Words that frame a question rather than say what it is about: they count for little.
/// General Japanese, not tied to any corpus or evaluation query.
const BOILERPLATE: &[&str] = &[
    "お世話",
    "世話",
    "教える",
    "知る",
    "思う",
    "願う",
    "お願い",
    "いただく",
    "くださる",
    "下さる",
    "件",
    "質問",
    "どう",
    "いい",
    "よい",
    "良い",
    "宜しい",
    "よろしい",
    "ありがとう",
    "いつも",
    "恐れ入る",
    "失礼",
    "伺う",
];

/// Whether `term` frames a question rather than says what it is about ([`BOILERPLATE`]).
pub fn is_boilerplate(term: &str) -> bool {
    BOILERPLATE.contains(&term)
}

/// Most distinct bigrams, and most distinct reading bigrams, one query searches (a
/// 1,000-character question has ~900 of each; a long mail in the dev sets under 300).
pub const MAX_CHARACTER_TERMS: usize = 300;

/// How far apart (in token positions, particles included) two words of a phrase may be.
pub const PHRASE_SLOP: u32 = 2;

/// One weighted term clause. Its words are the plan's ([`Plan::term`]): each distinct
/// string is kept once, and a clause names it by index, so the two clauses of a term
/// (question and answer) allocate nothing of their own.
#[derive(Clone, Debug)]
pub struct Clause {
    pub path: PathKind,
    pub target: Target,
    pub field: Field,
    pub term: TermId,
    /// For synonyms: the query word it stands in for.
    pub via: Option<TermId>,
    /// For phrases: the word that must follow `term` (within [`PHRASE_SLOP`] positions).
    pub next: Option<TermId>,
    pub boost: Score,
    /// For base forms and synonyms: which query word (by first occurrence, up to 64) the
    /// clause stands for, so ranking can count how many of the query's words an entry has.
    pub group: Option<u8>,
}

/// A string of a plan, by its place in [`Plan::terms`].
pub type TermId = u32;

/// All clauses of a query, and the strings they name.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub clauses: Vec<Clause>,
    /// The query's distinct words first, then every other string a clause names.
    terms: Vec<String>,
}

impl Plan {
    /// The plan of an analysed query: its words, their synonyms (`synonyms`, the domain
    /// file) and thesaurus words (`thesaurus`), its character paths.
    pub fn new(analysis: &Analysis, fields: &FaqFields, weights: &Weights, synonyms: &Synonyms, thesaurus: &Synonyms) -> Plan {
        let terms = analysis.terms();
        let words = terms.len();
        // A pasted document would bring thousands of character terms: the first ones are
        // plenty to rank by, and the work of a query stays bounded.
        let bigrams: Vec<String> = faq_core::analyzer::distinct_terms(&analysis.bigrams).into_iter().take(MAX_CHARACTER_TERMS).collect();
        let readings: Vec<String> = faq_core::analyzer::distinct_terms(&analysis.readings).into_iter().take(MAX_CHARACTER_TERMS).collect();
        let domain = synonyms.expand(&terms);
        // A word the domain file knows keeps the domain's sense: for a seller 送る is 発送
        // (ship), not the thesaurus' 送信 (transmit); the 領収 of 領収書 is not 受取.
        let known = synonyms.matched_terms(&terms);
        let general: Vec<_> = thesaurus
            .expand(&terms)
            .into_iter()
            .filter(|(from, term, _)| !known.contains(from) && !domain.iter().any(|(f, t, _)| t == term || f == from))
            .collect();
        // Each word and character term makes a clause per field: reserved at once.
        let mut plan =
            Plan { clauses: Vec::with_capacity(2 * (words + bigrams.len() + readings.len() + domain.len() + general.len()) + 16), terms };
        plan.terms.reserve(bigrams.len() + readings.len() + 2 * (domain.len() + general.len()));
        let term_weight = |term: &str| if is_boilerplate(term) { weights.boilerplate } else { 1.0 };
        for id in 0..words {
            let w = term_weight(&plan.terms[id]);
            let group = u8::try_from(id).ok().filter(|&g| g < 64);
            plan.pair(
                PathKind::Morph,
                [(fields.question, weights.morph_question * w), (fields.answer, weights.morph_answer * w)],
                id as TermId,
                None,
                group,
            );
        }
        let expansions = domain
            .into_iter()
            .map(|e| (PathKind::Synonym, weights.synonym, e))
            .chain(general.into_iter().map(|e| (PathKind::Thesaurus, weights.thesaurus, e)));
        for (path, weight, (from, term, share)) in expansions {
            let w = weight * term_weight(&from) * share;
            let found = plan.terms[..words].iter().position(|t| *t == from);
            let group = found.filter(|&i| i < 64).map(|i| i as u8);
            let via = match found {
                Some(i) => i as TermId,
                None => plan.add_term(from),
            };
            let term = plan.add_term(term);
            plan.pair(
                path,
                [(fields.question, weights.morph_question * w), (fields.answer, weights.morph_answer * w)],
                term,
                Some(via),
                group,
            );
        }
        if weights.phrase > 0.0 {
            for pair in analysis.tokens.windows(2) {
                let (first, second) = (&pair[0].term, &pair[1].term);
                if first == second || is_boilerplate(first) || is_boilerplate(second) {
                    continue;
                }
                let already = plan.clauses.iter().any(|c| {
                    c.path == PathKind::Phrase && plan.term(c.term) == first && c.next.map(|n| plan.term(n)) == Some(second.as_str())
                });
                if already {
                    continue;
                }
                let (first, second) = (plan.add_term(first.clone()), plan.add_term(second.clone()));
                for (target, field, weight) in
                    [(Target::Question, fields.question, weights.phrase), (Target::Answer, fields.answer, weights.phrase / 2.0)]
                {
                    plan.clauses.push(Clause {
                        path: PathKind::Phrase,
                        target,
                        field,
                        term: first,
                        via: None,
                        next: Some(second),
                        boost: weight,
                        group: None,
                    });
                }
            }
        }
        for bigram in bigrams {
            let id = plan.add_term(bigram);
            plan.pair(
                PathKind::Bigram,
                [(fields.question_bigram, weights.bigram_question), (fields.answer_bigram, weights.bigram_answer)],
                id,
                None,
                None,
            );
        }
        for reading in readings {
            let id = plan.add_term(reading);
            plan.pair(
                PathKind::Reading,
                [(fields.question_reading, weights.reading_question), (fields.answer_reading, weights.reading_answer)],
                id,
                None,
                None,
            );
        }
        plan
    }

    /// The string a clause names (its `term`, `via` or `next`).
    pub fn term(&self, id: TermId) -> &str {
        &self.terms[id as usize]
    }

    /// `term` kept in the plan, its id returned.
    fn add_term(&mut self, term: String) -> TermId {
        self.terms.push(term);
        (self.terms.len() - 1) as TermId
    }

    /// The clauses of one term on the question and the answer fields of a path (those whose
    /// boost is above 0).
    fn pair(&mut self, path: PathKind, fields: [(Field, Score); 2], term: TermId, via: Option<TermId>, group: Option<u8>) {
        for ((field, boost), target) in fields.into_iter().zip([Target::Question, Target::Answer]) {
            if boost > 0.0 {
                self.clauses.push(Clause { path, target, field, term, via, next: None, boost, group });
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The morphological terms (typed or synonyms) that highlighting marks.
    pub fn highlight_terms(&self) -> impl Iterator<Item = &str> {
        self.clauses
            .iter()
            .filter(|c| matches!(c.path, PathKind::Morph | PathKind::Synonym | PathKind::Thesaurus))
            .map(|c| self.term(c.term))
    }

    /// One clause as a tantivy query.
    pub fn clause_query(&self, clause: &Clause) -> Box<dyn Query> {
        let first = Term::from_field_text(clause.field, self.term(clause.term));
        let query: Box<dyn Query> = match clause.next {
            Some(next) => Box::new(PhraseQuery::new_with_offset_and_slop(
                vec![(0, first), (1, Term::from_field_text(clause.field, self.term(next)))],
                PHRASE_SLOP,
            )),
            None => Box::new(TermQuery::new(first, IndexRecordOption::WithFreqs)),
        };
        Box::new(BoostQuery::new(query, clause.boost))
    }

    /// The whole plan as one tantivy query: a disjunction, scores summed. Ranking uses
    /// [`crate::rank::Ranker`], which computes the same scores faster; this is its reference.
    pub fn query(&self) -> BooleanQuery {
        BooleanQuery::new(self.clauses.iter().map(|c| (Occur::Should, self.clause_query(c))).collect())
    }
}
