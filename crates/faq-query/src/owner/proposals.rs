//! Suggestions for the FAQ's owner, from what sellers asked and the FAQ did not answer.
//!
//! Unanswered questions are grouped by what they ask ([`topic`]: their content words). For
//! each frequent group, the words of its example question that no entry uses are paired with
//! the FAQ's own words they most likely mean, by three kinds of evidence: the word vectors
//! of the semantic path (インボイス ~ 領収書), the same reading (かんきん ~ 換金) and shared
//! characters (配送料 ~ 送料). Each pair is a `synonyms.txt` line, and it is **tried before it
//! is offered**: the example question is searched again with the line added, and only a line
//! under which the FAQ answers it is proposed, with the entry it would then answer. A group
//! no line rescues is a topic no FAQ covers: an entry to write, not a synonym to add.
//!
//! Accepting a proposal is appending its line to `corpus/synonyms.txt`: synonyms are read
//! when a searcher opens, so `faq search` and a reloaded `faq serve` use it without
//! reindexing.

use std::collections::HashMap;

use faq_core::Analyzer;
use serde::Serialize;

use crate::plan::is_boilerplate;
use crate::plan::synonyms::Synonyms;
use crate::searcher::{FaqSearcher, Page, SearchError};

/// What an unanswered question asks: its content words (masks such as `<order>` and
/// boilerplate such as 方法 and 教えて left out), sorted and joined by spaces. Questions
/// with the same topic are one group in the owner's report.
pub fn topic(analyzer: &Analyzer, query: &str, masks: &[&str]) -> String {
    let mut unmasked = query.to_string();
    for mask in masks {
        unmasked = unmasked.replace(mask, " ");
    }
    let mut terms: Vec<String> = analyzer.terms(&unmasked).into_iter().filter(|t| !is_boilerplate(t)).collect();
    terms.sort();
    terms.dedup();
    terms.join(" ")
}

/// Unanswered groups asked fewer times than this get no suggestion (`faq report --suggest`'s
/// default and the owner's page).
pub const MIN_COUNT: u64 = 2;

/// One suggestion for the owner.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Proposal {
    /// A line for `synonyms.txt`, tried: with it, `example` is answered by `answers`.
    Synonym {
        /// The line to append.
        line: String,
        /// The sellers' word, and the FAQ's word it stands for.
        asked: String,
        faq_term: String,
        /// Why they were paired: `meaning` (word vectors), `reading` or `characters`.
        evidence: &'static str,
        /// How strong that evidence is, in [0, 1].
        strength: f32,
        example: String,
        count: u64,
        /// The entry that then answers `example`, and its question.
        answers: String,
        question: String,
    },
    /// Questions no entry answers and no synonym rescues: a topic to write an entry for.
    Uncovered { topic: String, example: String, count: u64 },
}

/// How many pairs are tried for one group, at most.
const TRIED: usize = 8;
/// A FAQ word paired by meaning is among the asked word's this many nearest rows (of the
/// table's ~18,000).
const NEAREST_ROWS: usize = 200;
/// Weakest evidence worth a try.
const MIN_STRENGTH: f32 = 0.4;
/// A FAQ word paired by meaning must say this much in general Japanese
/// ([`faq_core::semantic::WordVectors::generic_weight`]).
const MIN_SPECIFICITY: f32 = 0.5;

/// The FAQ's vocabulary: every term of a question or answer (URLs left out), with its
/// reading and in how many entries it appears.
struct Vocabulary {
    terms: HashMap<String, (String, usize)>,
}

impl Vocabulary {
    fn of(searcher: &FaqSearcher) -> Result<Vocabulary, SearchError> {
        let analyzer = searcher.analyzer();
        let mut terms: HashMap<String, (String, usize)> = HashMap::new();
        for entry in searcher.entries()? {
            let answer = faq_core::entry::blank_urls(&entry.answer);
            let mut seen: Vec<String> = Vec::new();
            for token in analyzer.tokens(&entry.question).into_iter().chain(analyzer.tokens(&answer)) {
                if !seen.contains(&token.term) {
                    seen.push(token.term.clone());
                    terms.entry(token.term).or_insert_with(|| (token.reading, 0)).1 += 1;
                }
            }
        }
        Ok(Vocabulary { terms })
    }

    fn contains(&self, term: &str) -> bool {
        self.terms.contains_key(term)
    }

    /// Whether the FAQ has `term` or, through the synonyms or the thesaurus, a word for it.
    fn knows(&self, term: &str, synonyms: &Synonyms) -> bool {
        let asked = [term.to_string()];
        self.contains(term)
            || synonyms
                .expand(&asked)
                .iter()
                .chain(&crate::plan::synonyms::thesaurus().expand(&asked))
                .any(|(_, added, _)| self.contains(added))
    }

    /// The FAQ terms `asked` most likely means, strongest evidence first.
    fn candidates(&self, asked: &str, reading: &str) -> Vec<(String, &'static str, f32)> {
        let table = faq_core::semantic::table();
        let asked_key = table.key(asked);
        // Cosines of this table run high (来る ~ その後 0.51): a FAQ word counts as meant only
        // when it is among the asked word's nearest rows.
        let near = asked_key.map(|key| {
            let mut all = table.similarities(key);
            all.sort_unstable_by(|a, b| b.total_cmp(a));
            all.get(NEAREST_ROWS).copied().unwrap_or(f32::NEG_INFINITY)
        });
        let asked_bigrams = bigrams(asked);
        let mut out: Vec<(String, &'static str, f32)> = Vec::new();
        for (term, (term_reading, _)) in &self.terms {
            if !worth_pairing(term) {
                continue;
            }
            let mut best: Option<(&'static str, f32)> = None;
            let mut consider = |evidence: &'static str, strength: f32| {
                if strength >= MIN_STRENGTH && best.is_none_or(|(_, s)| strength > s) {
                    best = Some((evidence, strength));
                }
            };
            if !reading.is_empty() && reading == term_reading {
                consider("reading", 1.0);
            }
            // Words common in all Japanese (場合, その後, いったん) are near everything.
            if let (Some(a), Some(b)) = (asked_key, table.key(term)) {
                let cosine = table.cosine(a, b);
                if table.generic_weight(b) >= MIN_SPECIFICITY && near.is_some_and(|near| cosine > near) {
                    consider("meaning", cosine);
                }
            }
            consider("characters", dice(&asked_bigrams, &bigrams(term)));
            if let Some((evidence, strength)) = best {
                out.push((term.clone(), evidence, strength));
            }
        }
        out.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        out.truncate(TRIED);
        out
    }
}

/// Words worth a synonym line: two characters or more, not a number, not boilerplate, not a
/// bare kana fragment.
fn worth_pairing(term: &str) -> bool {
    let chars = term.chars().count();
    chars >= 2
        && !term.chars().all(|c| c.is_ascii_digit())
        && !is_boilerplate(term)
        && (chars > 2 || !term.chars().all(|c| ('\u{3041}'..='\u{309f}').contains(&c)))
}

fn bigrams(term: &str) -> Vec<[char; 2]> {
    let chars: Vec<char> = term.chars().collect();
    let mut out: Vec<[char; 2]> = chars.windows(2).map(|w| [w[0], w[1]]).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Dice's coefficient of two sets of bigrams.
fn dice(a: &[[char; 2]], b: &[[char; 2]]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    2.0 * shared as f32 / (a.len() + b.len()) as f32
}

/// Proposals for the unanswered groups (`(example wording, times asked)`, as the report lists
/// them) asked at least `min_count` times, in the groups' order. The FAQ's vocabulary is read
/// only when some group qualifies.
pub fn propose<'a>(
    searcher: &FaqSearcher,
    groups: impl IntoIterator<Item = (&'a str, u64)>,
    min_count: u64,
) -> Result<Vec<Proposal>, SearchError> {
    let groups: Vec<(&str, u64)> = groups.into_iter().filter(|&(_, count)| count >= min_count).collect();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let vocabulary = Vocabulary::of(searcher)?;
    let analyzer = searcher.analyzer();
    let mut out = Vec::new();
    for (example, count) in groups {
        // Every unknown word's candidates are tried; the strongest pair that answers wins.
        let mut tried: Vec<String> = Vec::new();
        let mut found: Option<Proposal> = None;
        let mut best = 0.0f32;
        for token in analyzer.tokens(example) {
            let asked = token.term;
            if vocabulary.knows(&asked, searcher.synonyms()) || !worth_pairing(&asked) || tried.contains(&asked) {
                continue;
            }
            tried.push(asked.clone());
            for (faq_term, evidence, strength) in vocabulary.candidates(&asked, &token.reading) {
                if strength <= best {
                    break;
                }
                let line = format!("{asked}, {faq_term}");
                if let Some((answers, question)) = answered_with(searcher, example, &line) {
                    best = strength;
                    found = Some(Proposal::Synonym {
                        line,
                        asked: asked.clone(),
                        faq_term,
                        evidence,
                        strength: (strength * 100.0).round() / 100.0,
                        example: example.to_string(),
                        count,
                        answers,
                        question,
                    });
                    break;
                }
            }
        }
        out.push(found.unwrap_or_else(|| Proposal::Uncovered {
            topic: topic(analyzer, example, &[]),
            example: example.to_string(),
            count,
        }));
    }
    Ok(out)
}

/// The top hit's id and question when `query` is answered with `line` added to the synonyms.
fn answered_with(searcher: &FaqSearcher, query: &str, line: &str) -> Option<(String, String)> {
    let synonyms = searcher.synonyms().with_line(line, searcher.analyzer()).ok()?;
    let response = searcher.search_with_synonyms(query, Page::first(3), &synonyms).ok()?;
    let top = response.hits.first()?;
    response.answered.then(|| (top.id.clone(), top.question.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_characters() {
        assert!((dice(&bigrams("配送料"), &bigrams("送料")) - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(dice(&bigrams("天気"), &bigrams("送料")), 0.0);
    }

    #[test]
    fn fragments_and_numbers_are_not_paired() {
        assert!(worth_pairing("領収書"));
        assert!(!worth_pairing("の"));
        assert!(!worth_pairing("ほり"));
        assert!(!worth_pairing("2024"));
    }
}
