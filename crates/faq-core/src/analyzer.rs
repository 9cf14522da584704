//! The Japanese analyzer, defined once and used for documents and queries alike.
//!
//! One segmentation (NFKC → lindera IPADIC) feeds three paths that ranking fuses:
//! * morphological: content words only ([`ContentWordFilter`]) → base forms (発送し →
//!   発送する) → lowercase → spelling variants ([`SpellingFilter`]: okurigana, trailing ー);
//! * character bigrams of the folded surface ([`crate::normalize::fold`]);
//! * character bigrams of the folded kana reading.
//!
//! The morphological chain is built from [`character_filters`] and [`token_filters`] in two
//! shapes: the lindera-tantivy tokenizer registered on every index as the analyzer of the
//! `question` and `answer` fields, and [`Analyzer::analyze`] here, which documents (at build
//! time, handing tantivy its tokens so each text is segmented once) and queries,
//! highlighting and `faq tokenize` all go through. A test pins the two to the same terms,
//! offsets and positions. Nothing is defined twice, so indexing and querying cannot drift
//! apart.

pub use crate::nfkc::character_filters;

use std::cell::RefCell;
use std::sync::Arc;

use lindera::dictionary::Dictionary;
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::token::Token;
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_analysis::token_filter::japanese_base_form::JapaneseBaseFormTokenFilter;
use lindera_analysis::token_filter::lowercase::LowercaseTokenFilter;
use lindera_analysis::tokenizer::Tokenizer as LinderaAnalysis;
use lindera_dictionary::viterbi::Lattice;
use lindera_tantivy::tokenizer::LinderaTokenizer;
use tantivy::tokenizer::TextAnalyzer;

use crate::error::{CoreError, Result};
use crate::normalize::{SpellingFilter, fold_char, fold_into, is_hiragana};
use crate::pos_filter::{ContentWordFilter, has_word_character};
use crate::terms::Terms;

/// Texts up to this length (bytes) are segmented in a lattice kept per thread (about
/// 0.5 KB of lattice per byte stays allocated, so at most ~8 MB per thread).
const KEPT_LATTICE_BYTES: usize = 16 * 1024;

/// Name under which the analyzer is registered on every index.
pub const TOKENIZER_NAME: &str = "faq_ja";

/// Bumped whenever the chain changes what terms it produces: an index built with another
/// version is rebuilt instead of silently mismatching its queries.
pub const ANALYZER_VERSION: u32 = 7;

/// Token filters of the morphological path, in order.
pub fn token_filters() -> Vec<BoxTokenFilter> {
    vec![ContentWordFilter.into(), JapaneseBaseFormTokenFilter::new().into(), LowercaseTokenFilter::new().into(), SpellingFilter.into()]
}

/// One analysed token: the indexed term, where it sits in the original text, and its
/// part of speech (IPADIC levels joined with `,`, trailing `*` dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub term: String,
    /// Byte range in the text given to [`Analyzer::tokens`] (before normalisation).
    pub start: usize,
    pub end: usize,
    /// Position in the segmentation (stop words leave gaps), as lindera-tantivy indexes it.
    pub position: usize,
    pub pos: String,
    /// The reading of the token as written, folded ([`crate::normalize::fold`]): kept in
    /// the stored spans so a kana query can mark the kanji it matched by reading.
    pub reading: String,
}

/// A noun (or compound noun) of a text and its kana reading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Noun {
    /// As written, after NFKC.
    pub surface: String,
    /// Hiragana, long vowel marks dropped ([`crate::normalize::fold`]): for matching.
    pub reading: String,
    /// Hiragana as read, long vowel marks kept (メール → めーる): for display.
    pub kana: String,
}

impl Noun {
    /// Appends a token and its reading (its surface when the dictionary has none).
    fn push(&mut self, surface: &str, reading: Option<&str>) {
        let reading = reading.unwrap_or(surface);
        self.surface.push_str(surface);
        fold_into(&mut self.reading, reading);
        self.kana.extend(reading.chars().map(crate::normalize::fold_kana));
    }
}

/// A text analysed along the three paths that ranking fuses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Morphological path: content words in base form (precision).
    pub tokens: Vec<AnalyzedToken>,
    /// Character path: bigrams of the folded surface text (compounds, unknown words,
    /// segmentation mismatches). Bigrams of two hiragana are left out: they are
    /// particles and endings.
    pub bigrams: Terms,
    /// Reading path: bigrams of the folded kana reading (りょうしゅうしょ finds 領収書).
    pub readings: Terms,
}

impl Analysis {
    /// Distinct morphological terms in first-seen order.
    pub fn terms(&self) -> Vec<String> {
        distinct(self.tokens.iter().map(|t| t.term.as_str()))
    }
}

/// `terms` without repeats, in first-seen order.
pub fn distinct_terms(terms: &Terms) -> Vec<String> {
    distinct(terms.iter())
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.iter().any(|t| t == item) {
            out.push(item.to_string());
        }
    }
    out
}

/// The analyzer: cheap to clone (the dictionary is shared and memory-mapped).
#[derive(Clone)]
pub struct Analyzer {
    segmenter: Segmenter,
    /// Character filters and segmentation; the token filters are applied separately so that
    /// one segmentation serves all three paths.
    segmentation: Arc<LinderaAnalysis>,
    filters: Arc<Vec<BoxTokenFilter>>,
}

impl Analyzer {
    /// Loads the IPADIC dictionary (compiling it on first use) and builds the chain.
    pub fn load() -> Result<Self> {
        Ok(Self::new(crate::dictionary::load()?))
    }

    /// [`Analyzer::load`], telling `observer` what a first-use dictionary compile is doing.
    pub fn load_with(observer: &mut dyn FnMut(crate::dictionary::Event<'_>)) -> Result<Self> {
        Ok(Self::new(crate::dictionary::load_with(observer)?))
    }

    pub fn new(dictionary: Dictionary) -> Self {
        Self::with_segmenter(Segmenter::new(Mode::Normal, dictionary, None))
    }

    /// This analyzer with the corpus owner's words ([`crate::userdict`]) added to IPADIC,
    /// for every path (the user words' readings feed the reading path). Cheap: the system
    /// dictionary is shared.
    pub fn with_user_words(&self, words: &crate::userdict::UserWords) -> Result<Self> {
        let bad = |message: String| CoreError::UserDictionary { path: words.path.clone(), line: 0, message };
        let dictionary = self.segmenter.dictionary.clone();
        // lindera builds a user dictionary from a file: the checked words, rewritten.
        // One file per call: analyzers built at once (threads, tests) never share one.
        static STAGED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = STAGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let staged = std::env::temp_dir().join(format!("faq-userdict-{}-{n}-{:x}.csv", std::process::id(), hash_of(&words.to_csv())));
        std::fs::write(&staged, words.to_csv()).map_err(|e| bad(format!("cannot stage it: {e}")))?;
        let built = lindera::dictionary::load_user_dictionary_from_csv(&dictionary.metadata, &staged);
        let _ = std::fs::remove_file(&staged);
        let user = built.map_err(|e| bad(e.to_string()))?;
        Ok(Self::with_segmenter(Segmenter::new(Mode::Normal, dictionary, Some(user))))
    }

    /// This analyzer with the user dictionary of `corpus` (a folder or a corpus file) when
    /// it has one ([`crate::userdict::path_for_corpus`]).
    pub fn for_corpus(&self, corpus: &std::path::Path) -> Result<Self> {
        match crate::userdict::read(&crate::userdict::path_for_corpus(corpus))? {
            Some(words) => self.with_user_words(&words),
            None => Ok(self.clone()),
        }
    }

    fn with_segmenter(segmenter: Segmenter) -> Self {
        let mut segmentation = LinderaAnalysis::new(segmenter.clone());
        for filter in character_filters() {
            segmentation.append_character_filter(filter);
        }
        Analyzer { segmenter, segmentation: Arc::new(segmentation), filters: Arc::new(token_filters()) }
    }

    /// The tantivy analyzer of the morphological fields: lindera-tantivy with the same
    /// character and token filters.
    pub fn tantivy_analyzer(&self) -> TextAnalyzer {
        let mut tokenizer = LinderaTokenizer::from_segmenter(self.segmenter.clone());
        for filter in character_filters() {
            tokenizer.append_character_filter(filter);
        }
        for filter in token_filters() {
            tokenizer.append_token_filter(filter);
        }
        TextAnalyzer::from(tokenizer)
    }

    /// Segments `text` (lindera only fails on internal inconsistencies; a text it cannot
    /// analyse yields no tokens rather than an error the caller could do nothing about).
    ///
    /// The lattice is kept per thread: lindera's `tokenize` builds a new one per call, which
    /// allocates a vector of room for 16 edges (~0.5 KB) per byte of the text, the largest
    /// single cost of an index build after segmentation itself. Texts longer than
    /// [`KEPT_LATTICE_BYTES`] get a lattice of their own, so a pasted novel does not leave
    /// its lattice behind.
    fn segment<'a>(&'a self, text: &'a str) -> Vec<Token<'a>> {
        thread_local! {
            static LATTICE: RefCell<Lattice> = RefCell::new(Lattice::default());
        }
        let tokens = if text.len() <= KEPT_LATTICE_BYTES {
            LATTICE.with(|lattice| match lattice.try_borrow_mut() {
                Ok(mut lattice) => self.segmentation.tokenize_with_lattice(text, &mut lattice),
                Err(_) => self.segmentation.tokenize(text),
            })
        } else {
            self.segmentation.tokenize(text)
        };
        let mut tokens = tokens.unwrap_or_default();
        read_details(&mut tokens);
        tokens
    }

    /// Applies the morphological token filters.
    fn morphological(&self, tokens: &mut Vec<Token<'_>>) -> Vec<AnalyzedToken> {
        for filter in self.filters.iter() {
            if filter.apply(tokens).is_err() {
                tokens.clear();
            }
        }
        tokens
            .iter_mut()
            .filter(|token| !token.surface.is_empty())
            .map(|token| {
                let mut pos = String::new();
                for level in token.details_iter().take(4).take_while(|d| *d != "*") {
                    if !pos.is_empty() {
                        pos.push(',');
                    }
                    pos.push_str(level);
                }
                let mut reading = String::new();
                match token.get_detail(7) {
                    Some(r) if r != "*" && !r.is_empty() => fold_into(&mut reading, r),
                    _ => {}
                }
                AnalyzedToken {
                    term: token.surface.to_string(),
                    start: token.byte_start,
                    end: token.byte_end,
                    position: token.position,
                    pos,
                    reading,
                }
            })
            .collect()
    }

    /// All three paths of `text`, from one segmentation.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut tokens = self.segment(text);
        let (bigrams, readings) = character_paths(&mut tokens);
        Analysis { tokens: self.morphological(&mut tokens), bigrams, readings }
    }

    /// The morphological path only, with offsets into `text` and parts of speech.
    pub fn tokens(&self, text: &str) -> Vec<AnalyzedToken> {
        let mut tokens = self.segment(text);
        self.morphological(&mut tokens)
    }

    /// The nouns of `text`, consecutive nouns joined into one compound (領収 + 書 →
    /// 領収書), each with its folded kana reading: the vocabulary for completions.
    pub fn nouns(&self, text: &str) -> Vec<Noun> {
        let mut nouns = Vec::new();
        let mut current = Noun::default();
        let mut last_end = None;
        for mut token in self.segment(text) {
            let wordy = has_word_character(&token.surface);
            let details = token.details();
            let is_noun = details.first() == Some(&"名詞")
                && !matches!(details.get(1).copied(), Some("非自立" | "代名詞" | "数" | "接尾" | "副詞可能"))
                && wordy;
            let suffix = details.first() == Some(&"名詞") && details.get(1) == Some(&"接尾");
            let reading = details.get(7).filter(|r| **r != "*").map(|r| r.to_string());
            let adjacent = last_end == Some(token.byte_start);
            last_end = Some(token.byte_end);
            if (is_noun || (suffix && !current.surface.is_empty())) && (adjacent || current.surface.is_empty()) {
                current.push(&token.surface, reading.as_deref());
                continue;
            }
            if !current.surface.is_empty() {
                nouns.push(std::mem::take(&mut current));
            }
            if is_noun {
                current.push(&token.surface, reading.as_deref());
            }
        }
        if !current.surface.is_empty() {
            nouns.push(current);
        }
        nouns
    }

    /// The distinct morphological terms of `text`, in first-seen order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        distinct(self.tokens(text).iter().map(|t| t.term.as_str()))
    }
}

/// Reads the details (part of speech, base form, reading, …) of every system-dictionary
/// token in one piece: the same fields lindera's `Token::details` gives, padded the same
/// way, but one UTF-8 check and one vector per token (lindera checks each field and
/// builds two vectors; the details are read for every token of every text). Tokens it
/// cannot read here (unknown and user words, anything out of range) are left to lindera.
fn read_details(tokens: &mut [Token<'_>]) {
    use std::borrow::Cow;
    let Some(first) = tokens.first() else { return };
    let dictionary = first.dictionary;
    let fields = dictionary.metadata.dictionary_schema.get_custom_fields().len();
    let (index, words) = (&dictionary.prefix_dictionary.words_idx_data[..], &dictionary.prefix_dictionary.words_data[..]);
    for token in tokens.iter_mut() {
        if token.details.is_some() || !token.word_id.is_system() || !std::ptr::eq(token.dictionary, dictionary) {
            continue;
        }
        let at = 4 * token.word_id.id() as usize;
        let Some(start) = index.get(at..at + 4).map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")) as usize) else { continue };
        let Some(length) = words.get(start..start + 4).map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")) as usize) else {
            continue;
        };
        let Some(Ok(joined)) = words.get(start + 4..start + 4 + length).map(std::str::from_utf8) else { continue };
        let mut details: Vec<Cow<'_, str>> = Vec::with_capacity(fields.max(9));
        let mut from = 0;
        for (i, _) in joined.bytes().enumerate().filter(|&(_, b)| b == 0) {
            details.push(Cow::Borrowed(&joined[from..i]));
            from = i + 1;
        }
        details.push(Cow::Borrowed(&joined[from..]));
        if details.len() < fields {
            details.resize(fields, Cow::Borrowed("*"));
        }
        token.details = Some(details);
    }
}

fn hash_of(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Bigrams of the surface and of the reading, over runs of adjacent word tokens (a run
/// ends at punctuation or a space).
fn character_paths(tokens: &mut [Token<'_>]) -> (Terms, Terms) {
    let mut bigrams = Terms::default();
    let mut readings = Terms::default();
    let mut surface_run = String::new();
    let mut reading_run = String::new();
    let mut last_end = None;
    for token in tokens.iter_mut() {
        let is_word = has_word_character(&token.surface);
        if !is_word || last_end != Some(token.byte_start) {
            surface_bigrams(&surface_run, &mut bigrams);
            reading_bigrams(&reading_run, &mut readings);
            surface_run.clear();
            reading_run.clear();
        }
        last_end = Some(token.byte_end);
        if !is_word {
            continue;
        }
        // Particles and auxiliaries end a run instead of joining it: their bigrams
        // (者か, しょを, てほ) say nothing and multiply the query's terms.
        if matches!(token.get_detail(0), Some("助詞" | "助動詞")) {
            surface_bigrams(&surface_run, &mut bigrams);
            reading_bigrams(&reading_run, &mut readings);
            surface_run.clear();
            reading_run.clear();
            continue;
        }
        surface_run.push_str(&token.surface);
        match token.get_detail(7) {
            Some(reading) if reading != "*" && !reading.is_empty() => fold_into(&mut reading_run, reading),
            _ => fold_into(&mut reading_run, &token.surface),
        }
    }
    surface_bigrams(&surface_run, &mut bigrams);
    reading_bigrams(&reading_run, &mut readings);
    (bigrams, readings)
}

fn surface_bigrams(run: &str, out: &mut Terms) {
    // (folded character, was hiragana before folding)
    let mut chars: Vec<(char, bool)> = Vec::with_capacity(run.len() / 3 + 1);
    for c in run.chars() {
        if let Some(folded) = fold_char(c, chars.last().map(|(f, _)| *f)) {
            chars.push((folded, is_hiragana(c)));
        }
    }
    match chars.as_slice() {
        [] => {}
        [(c, hiragana)] => {
            if !hiragana {
                out.push(&[*c]);
            }
        }
        _ => {
            for pair in chars.windows(2) {
                if !(pair[0].1 && pair[1].1) {
                    out.push(&[pair[0].0, pair[1].0]);
                }
            }
        }
    }
}

fn reading_bigrams(run: &str, out: &mut Terms) {
    let mut chars = run.chars();
    let Some(mut previous) = chars.next() else { return };
    let mut single = true;
    for c in chars {
        out.push(&[previous, c]);
        previous = c;
        single = false;
    }
    if single {
        out.push(&[previous]);
    }
}

/// The output of `faq tokenize` and the format of the golden tests: one morphological
/// token per line (`term<TAB>surface<TAB>part of speech`), then the character paths.
pub fn render_analysis(text: &str, analysis: &Analysis) -> String {
    let mut out = String::new();
    for token in &analysis.tokens {
        let surface = text.get(token.start..token.end).unwrap_or("");
        out.push_str(&format!("{}\t{}\t{}\n", token.term, surface, token.pos));
    }
    out.push_str(&format!("~bigrams\t{}\n", analysis.bigrams.iter().collect::<Vec<_>>().join(" ")));
    out.push_str(&format!("~readings\t{}\n", analysis.readings.iter().collect::<Vec<_>>().join(" ")));
    out
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenStream;

    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::load().expect("IPADIC dictionary (built in)")
    }

    #[test]
    fn query_side_and_index_side_produce_the_same_terms() {
        let analyzer = analyzer();
        let text = "ｺﾝﾋﾞﾆ決済のＥメールを再送してほしいと連絡がありました。AMAZON";
        let mut tantivy_side = analyzer.tantivy_analyzer();
        let mut stream = tantivy_side.token_stream(text);
        let mut indexed = Vec::new();
        while stream.advance() {
            let t = stream.token();
            indexed.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        let queried: Vec<_> = analyzer.tokens(text).into_iter().map(|t| (t.term, t.start, t.end, t.position)).collect();
        assert_eq!(indexed, queried);
        assert!(queried.iter().any(|(term, ..)| term == "コンビニ"), "{queried:?}");
        assert!(queried.iter().any(|(term, ..)| term == "amazon"), "{queried:?}");
    }

    #[test]
    fn details_read_in_one_piece_are_linderas_own() {
        let analyzer = analyzer();
        let text = "ｺﾝﾋﾞﾆ決済のＥメールを再送してほしいと連絡がありました。AMAZON りょうしゅうしょ 𠮷野家 ﾍﾝﾋﾟﾝ";
        let mut ours = analyzer.segment(text);
        let mut theirs = analyzer.segmentation.tokenize(text).unwrap();
        assert!(theirs.iter().all(|t| t.details.is_none()), "lindera reads details lazily");
        assert_eq!(ours.len(), theirs.len());
        assert!(ours.iter().filter(|t| t.details.is_some()).count() > 10, "system words are read here");
        for (a, b) in ours.iter_mut().zip(theirs.iter_mut()) {
            let surface = b.surface.to_string();
            assert_eq!(a.details(), b.details(), "{surface}");
        }
    }

    #[test]
    fn nouns_join_compounds_and_carry_readings() {
        let nouns = analyzer().nouns("購入者から領収書発行について依頼がありました。ｺﾝﾋﾞﾆ決済");
        let pairs: Vec<(&str, &str)> = nouns.iter().map(|n| (n.surface.as_str(), n.reading.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("購入者", "こうにゅうしゃ"),
                ("領収書発行", "りょうしゅうしょはっこう"),
                ("依頼", "いらい"),
                ("コンビニ決済", "こんびにけっさい")
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let analyzer = analyzer();
        // Half-width katakana are normalised to コンビニ, yet the offsets still cover the
        // original half-width characters (IPADIC splits 領収書 into 領収 + 書).
        let text = "ｺﾝﾋﾞﾆで領収書";
        let tokens = analyzer.tokens(text);
        let surfaces: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(surfaces, ["ｺﾝﾋﾞﾆ", "領収", "書"]);
        assert_eq!(tokens[0].term, "コンビニ");
    }
}
