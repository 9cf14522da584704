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
    /// Appends the term made of `chars`, without a string of its own. An empty term, or one
    /// holding the separator (only possible for control characters in the source text), is
    /// left out: it could not be split back, and no query term would match it anyway.
    pub fn push(&mut self, chars: &[char]) {
        if !chars.is_empty() && !chars.contains(&SEPARATOR) {
            if !self.joined.is_empty() {
                self.joined.push(SEPARATOR);
            }
            self.joined.extend(chars);
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
    pub fn into_joined(self) -> String {
        self.joined
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

    fn terms(words: &[&str]) -> Terms {
        let mut terms = Terms::default();
        for word in words {
            terms.push(&word.chars().collect::<Vec<_>>());
        }
        terms
    }

    #[test]
    fn joined_terms_split_back_in_order_with_positions() {
        let terms = terms(&["領収", "収書", "x", "領収"]);
        assert_eq!(terms.iter().collect::<Vec<_>>(), ["領収", "収書", "x", "領収"]);
        assert_eq!(
            split(&terms.into_joined()),
            [("領収".to_string(), 0), ("収書".to_string(), 1), ("x".to_string(), 2), ("領収".to_string(), 3)]
        );
    }

    #[test]
    fn empty_and_unsplittable_terms_are_left_out() {
        let mut terms = terms(&["", "a\u{1f}b", "ok"]);
        terms.push(&['\u{1f}', 'c']);
        terms.push(&[]);
        terms.push(&['受', '取']);
        assert_eq!(terms.into_joined(), "ok\u{1f}受取");
        assert_eq!(split(""), []);
        assert_eq!(split("\u{1f}\u{1f}a"), [("a".to_string(), 0)]);
    }
}
