//! Completions for a search box, kana-aware: the nouns of the FAQ questions (compounds
//! kept whole, 領収書発行), matched by prefix on their folded surface or their folded
//! reading, so りょうしゅ, リョウシュ and 領収 all complete to 領収書….

use std::collections::HashMap;

use faq_core::normalize::fold;
use faq_core::{Analyzer, FaqEntry};
use serde::{Deserialize, Serialize};

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The word as it appears in the FAQ.
    pub text: String,
    /// Its reading in hiragana.
    pub reading: String,
    /// In how many questions it appears.
    pub questions: usize,
}

/// The completion vocabulary of an index.
#[derive(Clone, Debug, Default)]
pub struct Suggester {
    /// (folded surface, folded reading, suggestion), most frequent first.
    words: Vec<(String, String, Suggestion)>,
}

impl Suggester {
    /// Collects the nouns of every question.
    pub fn build(entries: &[FaqEntry], analyzer: &Analyzer) -> Self {
        let mut counts: HashMap<String, (String, usize)> = HashMap::new();
        for entry in entries {
            let mut seen = Vec::new();
            for noun in analyzer.nouns(&entry.question) {
                if noun.surface.chars().count() < 2 || seen.contains(&noun.surface) {
                    continue;
                }
                seen.push(noun.surface.clone());
                let slot = counts.entry(noun.surface).or_insert((noun.reading, 0));
                slot.1 += 1;
            }
        }
        let mut words: Vec<(String, String, Suggestion)> = counts
            .into_iter()
            .map(|(text, (reading, questions))| (fold(&text), reading.clone(), Suggestion { text, reading, questions }))
            .collect();
        words.sort_by(|a, b| b.2.questions.cmp(&a.2.questions).then_with(|| a.2.text.cmp(&b.2.text)));
        Suggester { words }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Up to `limit` completions of `prefix` (NFKC and kana folded), most frequent first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let key = fold(&nfkc(prefix.trim()));
        if key.is_empty() {
            return Vec::new();
        }
        self.words
            .iter()
            .filter(|(surface, reading, _)| surface.starts_with(&key) || reading.starts_with(&key))
            .take(limit)
            .map(|(_, _, suggestion)| suggestion.clone())
            .collect()
    }
}

fn nfkc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(question: &str) -> FaqEntry {
        FaqEntry { id: "x".into(), question: question.into(), answer: "a".into(), links: vec![], category: None, source: None }
    }

    #[test]
    fn completes_by_surface_and_by_reading_most_frequent_first() {
        let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
        let entries = [entry("領収書の発行について"), entry("領収書は必要ですか"), entry("領域の設定")];
        let suggester = Suggester::build(&entries, &analyzer);
        let texts = |q: &str| suggester.suggest(q, 5).into_iter().map(|s| s.text).collect::<Vec<_>>();
        assert_eq!(texts("りょうしゅ"), ["領収書"]);
        assert_eq!(texts("ﾘｮｳｼｭ"), ["領収書"]);
        assert_eq!(texts("領"), ["領収書", "領域"]);
        assert!(texts("").is_empty());
        assert!(texts("zz").is_empty());
    }
}
