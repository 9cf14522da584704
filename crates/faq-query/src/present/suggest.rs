//! Completions for a search box, kana-aware: the nouns of the FAQ (compounds kept whole,
//! 領収書発行), from the questions first and then the answers (返金, 同梱), matched by
//! prefix on their folded surface or their folded reading, so りょうしゅ, リョウシュ and 領収
//! all complete to 領収書…. Two uses:
//!
//! * [`Suggester::complete`]: what the seller is typing, completed. The whole query, or
//!   else its tail (送料をりょ → 領収書), so a sentence being typed still gets completions.
//! * [`Suggester::related`]: for a query nothing answers, the FAQ's words that share the
//!   most characters or kana with the whole query (not only its first character).

use std::collections::HashMap;

use faq_core::normalize::fold;
use faq_core::{Analyzer, FaqEntry};
use serde::{Deserialize, Serialize};

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The word as it appears in the FAQ.
    pub text: String,
    /// Its reading in hiragana, long vowels kept (メール → めーる).
    pub reading: String,
    /// In how many questions it appears.
    pub questions: usize,
    /// In how many entries it appears, question or answer.
    pub entries: usize,
}

/// What a list of suggestions is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// Completions of the query's last characters ([`Suggestions::completes`]).
    Completion,
    /// Words of the FAQ close to a query that has no completion.
    Related,
}

/// Suggestions for a query, as the search box shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestions {
    pub kind: SuggestionKind,
    /// With [`SuggestionKind::Completion`]: the end of the query that the suggestions
    /// complete (the whole query, or its tail); a box replaces it with the chosen word.
    /// Empty for related words, which replace the whole query.
    pub completes: String,
    pub suggestions: Vec<Suggestion>,
}

/// Longest query tail tried for a completion, in characters.
const MAX_TAIL: usize = 12;

/// The completion vocabulary of an index.
#[derive(Clone, Debug, Default)]
pub struct Suggester {
    /// Every word, best first (most questions, then most entries).
    words: Vec<Suggestion>,
    /// (folded surface, word) and (folded reading, word), sorted: a prefix is a range.
    by_surface: Vec<(String, u32)>,
    by_reading: Vec<(String, u32)>,
    /// Character bigram of a folded surface or reading → the words that have it.
    bigrams: HashMap<[char; 2], Vec<u32>>,
}

impl Suggester {
    /// Collects the nouns of every question and answer (URLs left out).
    pub fn build(entries: &[FaqEntry], analyzer: &Analyzer) -> Self {
        // folded surface → (surface, kana reading, folded reading, questions, entries)
        let mut counts: HashMap<String, (String, String, String, usize, usize)> = HashMap::new();
        for entry in entries {
            let mut seen: Vec<(String, bool)> = Vec::new();
            let answer = faq_core::entry::blank_urls(&entry.answer);
            let words = analyzer.nouns(&entry.question).into_iter().map(|n| (n, true));
            for (noun, in_question) in words.chain(analyzer.nouns(&answer).into_iter().map(|n| (n, false))) {
                if noun.surface.chars().count() < 2 {
                    continue;
                }
                let key = fold(&noun.surface);
                if let Some(slot) = seen.iter_mut().find(|(k, _)| *k == key) {
                    slot.1 |= in_question;
                    continue;
                }
                counts.entry(key.clone()).or_insert_with(|| (noun.surface, noun.kana, noun.reading, 0, 0));
                seen.push((key, in_question));
            }
            for (key, in_question) in seen {
                if let Some(slot) = counts.get_mut(&key) {
                    slot.3 += usize::from(in_question);
                    slot.4 += 1;
                }
            }
        }
        let mut rows: Vec<(String, String, Suggestion)> = counts
            .into_iter()
            .map(|(key, (text, reading, folded_reading, questions, entries))| {
                (key, folded_reading, Suggestion { text, reading, questions, entries })
            })
            .collect();
        rows.sort_by(|a, b| (b.2.questions, b.2.entries).cmp(&(a.2.questions, a.2.entries)).then_with(|| a.2.text.cmp(&b.2.text)));
        let mut suggester = Suggester::default();
        for (i, (surface, reading, suggestion)) in rows.into_iter().enumerate() {
            let i = i as u32;
            for key in [&surface, &reading] {
                let chars: Vec<char> = key.chars().collect();
                for pair in chars.windows(2) {
                    let list = suggester.bigrams.entry([pair[0], pair[1]]).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            suggester.by_surface.push((surface, i));
            suggester.by_reading.push((reading, i));
            suggester.words.push(suggestion);
        }
        suggester.by_surface.sort_unstable();
        suggester.by_reading.sort_unstable();
        suggester
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Up to `limit` completions of `prefix` (NFKC and kana folded; romaji read as kana,
    /// `ryoushu` and `ryoushuus` → 領収書), best first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let key = fold(&nfkc(prefix.trim()));
        if key.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<u32> = prefixed(&self.by_surface, &key).chain(prefixed(&self.by_reading, &key)).collect();
        if key.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'') {
            for kana in crate::plan::romaji::kana_prefixes(&key) {
                found.extend(prefixed(&self.by_reading, &fold(&kana)));
            }
        }
        found.sort_unstable();
        found.dedup();
        found.into_iter().take(limit).map(|i| self.words[i as usize].clone()).collect()
    }

    /// Completions of what is being typed: of the whole query if it has any, else of its
    /// longest tail (2 to 12 characters, within the last run of text after a space or
    /// punctuation) that has. A word equal to the part it completes is not suggested.
    pub fn complete(&self, query: &str, limit: usize) -> Suggestions {
        let query = nfkc(query.trim());
        let last_run =
            query.rsplit(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() || is_cjk_punctuation(c))).next().unwrap_or("");
        let chars: Vec<(usize, char)> = last_run.char_indices().collect();
        let whole = std::iter::once(query.as_str()).filter(|q| !q.is_empty());
        let start = chars.len().saturating_sub(MAX_TAIL);
        let tails = chars[start..].iter().map(|(at, _)| &last_run[*at..]).filter(|t| t.chars().count() >= 2);
        for tail in whole.chain(tails) {
            let folded = fold(tail);
            let suggestions: Vec<Suggestion> =
                self.suggest(tail, limit + 1).into_iter().filter(|s| fold(&s.text) != folded).take(limit).collect();
            if !suggestions.is_empty() {
                return Suggestions { kind: SuggestionKind::Completion, completes: tail.to_string(), suggestions };
            }
        }
        Suggestions { kind: SuggestionKind::Completion, completes: String::new(), suggestions: Vec::new() }
    }

    /// What a search box shows under a query: completions of what is being typed; when
    /// there are none and the FAQ does not answer the query, related words of the FAQ.
    pub fn for_search_box(&self, query: &str, answered: bool, analyzer: &Analyzer, limit: usize) -> Suggestions {
        let completions = self.complete(query, limit);
        if completions.suggestions.is_empty() && !answered {
            return self.related(query, analyzer, limit);
        }
        completions
    }

    /// Up to `limit` words of the FAQ that share the most character or kana bigrams with
    /// the whole query (at least half of the word's own), best first.
    pub fn related(&self, query: &str, analyzer: &Analyzer, limit: usize) -> Suggestions {
        let query = nfkc(query.trim());
        // Bigrams of the folded text and of its reading (the analyzer's reading path).
        let folded: Vec<char> = fold(&query).chars().collect();
        let mut pairs: Vec<[char; 2]> = folded.windows(2).map(|w| [w[0], w[1]]).collect();
        for bigram in analyzer.analyze(&query).readings.iter() {
            let mut chars = bigram.chars();
            if let (Some(a), Some(b), None) = (chars.next(), chars.next(), chars.next()) {
                pairs.push([a, b]);
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut shared: HashMap<u32, usize> = HashMap::new();
        for pair in &pairs {
            for &word in self.bigrams.get(pair).map(Vec::as_slice).unwrap_or_default() {
                *shared.entry(word).or_default() += 1;
            }
        }
        let mut scored: Vec<(f32, u32)> = shared
            .into_iter()
            .filter_map(|(word, count)| {
                let own = self.words[word as usize].text.chars().count().saturating_sub(1).max(1);
                let share = count as f32 / own as f32;
                (share >= 0.5).then_some((share.min(1.0) * count as f32, word))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let suggestions = scored.into_iter().take(limit).map(|(_, i)| self.words[i as usize].clone()).collect();
        Suggestions { kind: SuggestionKind::Related, completes: String::new(), suggestions }
    }
}

/// The words whose key starts with `prefix`, from a sorted (key, word) list.
fn prefixed<'a>(sorted: &'a [(String, u32)], prefix: &'a str) -> impl Iterator<Item = u32> + 'a {
    let from = sorted.partition_point(|(key, _)| key.as_str() < prefix);
    sorted[from..].iter().take_while(move |(key, _)| key.starts_with(prefix)).map(|(_, i)| *i)
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '、' | '。' | '，' | '．' | '・' | '「' | '」' | '『' | '』' | '（' | '）' | '？' | '！' | '：' | '；' | '\u{3000}')
}

fn nfkc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(question: &str, answer: &str) -> FaqEntry {
        FaqEntry { id: "x".into(), question: question.into(), answer: answer.into(), links: vec![], category: None, source: None }
    }

    fn texts(list: Vec<Suggestion>) -> Vec<String> {
        list.into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn completes_by_surface_and_by_reading_question_words_first() {
        let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
        let entries = [
            entry("領収書の発行について", "メールでお送りします。https://example.com/homepage.html"),
            entry("領収書は必要ですか", "返金は三日以内です。"),
            entry("領域の設定", "返金についてはヘルプへ。"),
        ];
        let suggester = Suggester::build(&entries, &analyzer);
        let suggest = |q: &str| texts(suggester.suggest(q, 5));
        assert_eq!(suggest("りょうしゅ"), ["領収書"]);
        assert_eq!(suggest("ﾘｮｳｼｭ"), ["領収書"]);
        assert_eq!(suggest("領"), ["領収書", "領域"]);
        // From the answers too, after the question words; readings as read.
        assert_eq!(suggest("へん"), ["返金"]);
        // Romaji, finished or not.
        assert_eq!(suggest("ryoushu"), ["領収書"]);
        assert_eq!(suggest("henk"), ["返金"]);
        let mail = suggester.suggest("めー", 1);
        assert_eq!((mail[0].text.as_str(), mail[0].reading.as_str(), mail[0].questions, mail[0].entries), ("メール", "めーる", 0, 1));
        // URLs are not words.
        assert!(suggest("home").is_empty() && suggest("exam").is_empty());
        assert!(suggest("").is_empty());
        assert!(suggest("zz").is_empty());
    }

    #[test]
    fn completes_the_tail_of_a_sentence_being_typed() {
        let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
        let suggester = Suggester::build(&[entry("領収書の発行について", "返金します。")], &analyzer);
        let done = suggester.complete("送料を確認したいのですがりょ", 5);
        assert_eq!((done.kind, done.completes.as_str()), (SuggestionKind::Completion, "りょ"));
        assert_eq!(texts(done.suggestions), ["領収書"]);
        // A finished word is not suggested to itself.
        assert!(suggester.complete("領収書", 5).suggestions.is_empty());
        assert!(suggester.complete("天気", 5).suggestions.is_empty());
    }

    #[test]
    fn related_words_come_from_the_whole_query() {
        let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
        let entries = [entry("領収書の発行について", "出品者が発行します。"), entry("返品の受付", "返品は三十日以内です。")];
        let suggester = Suggester::build(&entries, &analyzer);
        // No word starts with り… of this query, but 領収書 shares its characters.
        let related = suggester.related("りょうしゅうしょを発行してほしい", &analyzer, 5);
        assert_eq!(related.kind, SuggestionKind::Related);
        assert!(texts(related.suggestions.clone()).contains(&"領収書".to_string()), "{related:?}");
        assert!(!texts(related.suggestions).contains(&"返品".to_string()));
    }
}
