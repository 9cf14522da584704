//! Carries already-analysed terms (the character paths of [`crate::Analysis`]) to tantivy
//! as one plain string, split again by [`TermsTokenizer`].
//!
//! Why not tantivy's `PreTokenizedString`: its documents serialise pre-tokenized values as
//! JSON inside the document and parse them back while indexing, which cost about a tenth
//! of an index build. A joined string costs one copy.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`TermsTokenizer`] is registered on every index.
pub const TERMS_TOKENIZER_NAME: &str = "faq_terms";

/// Separates terms in a joined string (ASCII unit separator).
const SEPARATOR: char = '\u{1f}';

/// Joins `terms` for [`TermsTokenizer`]. A term that contains the separator (only
/// possible for control characters in the source text) is left out: it could not be split
/// back, and no query term would match it anyway.
pub fn join_terms(terms: &[String]) -> String {
    let mut joined = String::with_capacity(terms.iter().map(|t| t.len() + 1).sum());
    for term in terms.iter().filter(|t| !t.is_empty() && !t.contains(SEPARATOR)) {
        if !joined.is_empty() {
            joined.push(SEPARATOR);
        }
        joined.push_str(term);
    }
    joined
}

/// Splits a string made by [`join_terms`] back into its terms, positions in order.
#[derive(Clone, Default)]
pub struct TermsTokenizer {
    token: Token,
}

pub struct TermsTokenStream<'a> {
    text: &'a str,
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for TermsTokenizer {
    type TokenStream<'a> = TermsTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermsTokenStream<'a> {
        self.token.reset();
        TermsTokenStream { text, next: 0, token: &mut self.token }
    }
}

impl TokenStream for TermsTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while self.next < self.text.len() {
            let start = self.next;
            let end = self.text[start..].find(SEPARATOR).map_or(self.text.len(), |i| start + i);
            self.next = end + SEPARATOR.len_utf8();
            if end > start {
                self.token.text.clear();
                self.token.text.push_str(&self.text[start..end]);
                self.token.offset_from = start;
                self.token.offset_to = end;
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = TermsTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn joined_terms_split_back_in_order_with_positions() {
        let terms: Vec<String> = ["領収", "収書", "x", "領収"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            split(&join_terms(&terms)),
            [("領収".to_string(), 0), ("収書".to_string(), 1), ("x".to_string(), 2), ("領収".to_string(), 3)]
        );
    }

    #[test]
    fn empty_and_unsplittable_terms_are_left_out() {
        let terms: Vec<String> = ["", "a\u{1f}b", "ok"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_terms(&terms), "ok");
        assert_eq!(split(""), []);
        assert_eq!(split("\u{1f}\u{1f}a"), [("a".to_string(), 0)]);
    }
}
