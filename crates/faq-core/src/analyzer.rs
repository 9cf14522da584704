//! The Japanese analyzer, defined once and used for documents and queries alike.
//!
//! Chain: NFKC (full/half width, compatibility forms) → lindera IPADIC segmentation →
//! content words only ([`ContentWordFilter`]) → base forms (発送し → 発送する) → lowercase.
//!
//! The same chain is installed in two places built from [`character_filters`] and
//! [`token_filters`]: a lindera-tantivy tokenizer registered on the index (documents), and
//! a lindera tokenizer kept here for queries, highlighting and `faq tokenize`. They
//! cannot drift apart because there is no second definition.

use std::sync::Arc;

use lindera::dictionary::Dictionary;
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::LinderaResult;
use lindera_analysis::character_filter::{BoxCharacterFilter, CharacterFilter, OffsetMapping};
use lindera_analysis::character_filter::unicode_normalize::{
    UnicodeNormalizeCharacterFilter, UnicodeNormalizeKind,
};
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_analysis::token_filter::japanese_base_form::JapaneseBaseFormTokenFilter;
use lindera_analysis::token_filter::lowercase::LowercaseTokenFilter;
use lindera_analysis::tokenizer::Tokenizer as LinderaAnalysis;
use lindera_tantivy::tokenizer::LinderaTokenizer;
use tantivy::tokenizer::TextAnalyzer;
use unicode_normalization::{IsNormalized, is_nfkc_quick};

use crate::error::Result;
use crate::pos_filter::ContentWordFilter;

/// Name under which the analyzer is registered on every index.
pub const TOKENIZER_NAME: &str = "faq_ja";

/// Bumped whenever the chain changes what terms it produces: an index built with another
/// version is rebuilt instead of silently mismatching its queries.
pub const ANALYZER_VERSION: u32 = 1;

/// Character filters of the chain, in order.
pub fn character_filters() -> Vec<BoxCharacterFilter> {
    vec![NfkcFilter(UnicodeNormalizeCharacterFilter::new(UnicodeNormalizeKind::NFKC)).into()]
}

/// lindera's NFKC filter, skipped for text that is already NFKC (most Japanese text):
/// lindera walks grapheme clusters even when nothing changes.
#[derive(Clone)]
struct NfkcFilter(UnicodeNormalizeCharacterFilter);

impl CharacterFilter for NfkcFilter {
    fn name(&self) -> &str {
        "faq_nfkc"
    }

    fn apply(&self, text: &mut String) -> LinderaResult<OffsetMapping> {
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            return Ok(OffsetMapping::new());
        }
        self.0.apply(text)
    }
}

/// Token filters of the chain, in order.
pub fn token_filters() -> Vec<BoxTokenFilter> {
    vec![
        ContentWordFilter.into(),
        JapaneseBaseFormTokenFilter::new().into(),
        LowercaseTokenFilter::new().into(),
    ]
}

/// One analysed token: the indexed term, where it sits in the original text, and its
/// part of speech (IPADIC levels joined with `,`, trailing `*` dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub term: String,
    /// Byte range in the text given to [`Analyzer::tokens`] (before normalisation).
    pub start: usize,
    pub end: usize,
    pub pos: String,
}

/// The analyzer: cheap to clone (the dictionary is shared and memory-mapped).
#[derive(Clone)]
pub struct Analyzer {
    segmenter: Segmenter,
    chain: Arc<LinderaAnalysis>,
}

impl Analyzer {
    /// Loads the IPADIC dictionary (compiling it on first use) and builds the chain.
    pub fn load() -> Result<Self> {
        Ok(Self::new(crate::dictionary::load()?))
    }

    pub fn new(dictionary: Dictionary) -> Self {
        let segmenter = Segmenter::new(Mode::Normal, dictionary, None);
        let mut chain = LinderaAnalysis::new(segmenter.clone());
        for filter in character_filters() {
            chain.append_character_filter(filter);
        }
        for filter in token_filters() {
            chain.append_token_filter(filter);
        }
        Analyzer { segmenter, chain: Arc::new(chain) }
    }

    /// The tantivy analyzer for indexed text fields: lindera-tantivy with the same chain.
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

    /// Runs the chain. lindera only fails on internal inconsistencies; a text it cannot
    /// analyse yields no tokens rather than an error the caller could do nothing about.
    fn analyse<'a>(&'a self, text: &'a str) -> Vec<lindera::token::Token<'a>> {
        let mut tokens = self.chain.tokenize(text).unwrap_or_default();
        tokens.retain(|t| !t.surface.is_empty());
        tokens
    }

    /// Analyses `text` into tokens with offsets into `text` and parts of speech.
    pub fn tokens(&self, text: &str) -> Vec<AnalyzedToken> {
        self.analyse(text)
            .iter_mut()
            .map(|token| {
                let details = token.details();
                let levels = details.iter().take(4).take_while(|d| **d != "*").copied();
                let pos = levels.collect::<Vec<_>>().join(",");
                AnalyzedToken {
                    term: token.surface.to_string(),
                    start: token.byte_start,
                    end: token.byte_end,
                    pos,
                }
            })
            .collect()
    }

    /// The distinct terms of `text`, in first-seen order: what a query searches for.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        for token in self.analyse(text) {
            if !terms.iter().any(|t| *t == token.surface) {
                terms.push(token.surface.into_owned());
            }
        }
        terms
    }
}

/// One token per line, `term<TAB>surface<TAB>part of speech`: the output of
/// `faq tokenize` and the format of the golden tests.
pub fn render_tokens(text: &str, tokens: &[AnalyzedToken]) -> String {
    let mut out = String::new();
    for token in tokens {
        let surface = text.get(token.start..token.end).unwrap_or("");
        out.push_str(&format!("{}\t{}\t{}\n", token.term, surface, token.pos));
    }
    out
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenStream;

    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::load().expect("IPADIC dictionary (install mecab-ipadic)")
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
            indexed.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        let queried: Vec<_> =
            analyzer.tokens(text).into_iter().map(|t| (t.term, t.start, t.end)).collect();
        assert_eq!(indexed, queried);
        assert!(queried.iter().any(|(term, _, _)| term == "コンビニ"), "{queried:?}");
        assert!(queried.iter().any(|(term, _, _)| term == "amazon"), "{queried:?}");
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
