//! Carries already-analysed terms (the character paths of [`crate::Analysis`]) to tantivy
//! as one plain string, split again by [`TermsTokenizer`].
//!
//! Why not tantivy's `PreTokenizedString`: its documents serialise pre-tokenized values as
//! JSON inside the document and parse them back while indexing, which cost about a tenth
//! of an index build. A joined string costs one copy, and [`Terms`] is built joined from
//! the start, so a term never has an allocation of its own.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`TermsTokenizer`] is registered on every index.
pub const TERMS_TOKENIZER_NAME: &str = "faq_terms";

/// Separates terms in a joined string (ASCII unit separator).
const SEPARATOR: char = '\u{1f}';

/// A list of short terms stored as one string, separated by [`SEPARATOR`]: what
/// [`TermsTokenizer`] splits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Terms {
    joined: String,
}

impl Terms {
    /// Appends a term. An empty term, or one that contains the separator (only possible
    /// for control characters in the source text), is left out: it could not be split
    /// back, and no query term would match it anyway.
    pub fn push(&mut self, term: &str) {
        if !term.is_empty() && !term.contains(SEPARATOR) {
            self.start_term();
            self.joined.push_str(term);
        }
    }

    /// Appends the term of the characters `chars` (not the separator), without a string
    /// of its own.
    pub fn push_chars(&mut self, chars: &[char]) {
        if !chars.is_empty() && !chars.contains(&SEPARATOR) {
            self.start_term();
            self.joined.extend(chars);
        }
    }

    fn start_term(&mut self) {
        if !self.joined.is_empty() {
            self.joined.push(SEPARATOR);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.joined.is_empty()
    }

    /// The terms in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.joined.split(SEPARATOR).filter(|t| !t.is_empty())
    }

    /// The joined string, as [`TermsTokenizer`] reads it.
    pub fn as_joined(&self) -> &str {
        &self.joined
    }

    pub fn into_joined(self) -> String {
        self.joined
    }
}

impl<S: AsRef<str>> FromIterator<S> for Terms {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut terms = Terms::default();
        for term in iter {
            terms.push(term.as_ref());
        }
        terms
    }
}

/// Splits a string made by [`Terms`] back into its terms, positions in order.
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
        let terms: Terms = ["領収", "収書", "x", "領収"].into_iter().collect();
        assert_eq!(terms.iter().collect::<Vec<_>>(), ["領収", "収書", "x", "領収"]);
        assert_eq!(
            split(terms.as_joined()),
            [("領収".to_string(), 0), ("収書".to_string(), 1), ("x".to_string(), 2), ("領収".to_string(), 3)]
        );
    }

    #[test]
    fn empty_and_unsplittable_terms_are_left_out() {
        let mut terms: Terms = ["", "a\u{1f}b", "ok"].into_iter().collect();
        terms.push_chars(&['\u{1f}', 'c']);
        terms.push_chars(&[]);
        terms.push_chars(&['受', '取']);
        assert_eq!(terms.as_joined(), "ok\u{1f}受取");
        assert_eq!(split(""), []);
        assert_eq!(split("\u{1f}\u{1f}a"), [("a".to_string(), 0)]);
    }
}
