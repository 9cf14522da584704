//! Highlighting from the token spans stored at index time: which byte ranges of a stored
//! text matched the query, the best snippet window of a long text, and rendering as
//! escaped HTML with `<mark>` or as ANSI colour for a terminal.

pub use super::text::{escape_html_into, one_line, terminal_safe, terminal_safe_into, unsafe_for_terminal};

use std::ops::Range;

use faq_core::spans;
use rustc_hash::FxHashSet;

/// Characters of answer text shown in a snippet.
pub const SNIPPET_CHARS: usize = 120;
/// Characters of context kept before the first match of a snippet.
const SNIPPET_LEAD_CHARS: usize = 20;

/// A text's matched ranges and the part of it to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marked {
    /// Byte range of the text to show.
    pub window: Range<usize>,
    /// Matched byte ranges, sorted, disjoint, inside `window`, on char boundaries.
    pub marks: Vec<Range<usize>>,
}

/// A stored token as highlighting compares it: its byte range in the text, checked once
/// (in bounds, on character boundaries), and a 64-bit key of its term ([`term_key`]).
/// Computed when an entry is first decoded ([`crate::present::stored::StoredEntry`]), so a search
/// compares integers instead of decoding and hashing every stored token of every hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyedSpan {
    pub start: u32,
    pub end: u32,
    pub key: u64,
}

/// The key of a term: a 64-bit hash of its bytes. Two different terms share a key with a
/// chance of about one in 2^64 per pair; the worst that could do is mark one word too many.
pub fn term_key(term: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(term);
    hasher.write_usize(term.len());
    hasher.finish()
}

/// The spans of a stored text ([`faq_core::spans`]) with their terms' keys; spans outside
/// `text` or off its character boundaries (not from this analyzer) are left out.
pub fn keyed_spans(text: &str, stored_spans: &[u8]) -> Vec<KeyedSpan> {
    spans::decode_raw(stored_spans)
        .filter(|&(start, end, _, _)| valid_span(text, start..end))
        .map(|(start, end, term, _)| KeyedSpan { start: start as u32, end: end as u32, key: term_key(term) })
        .collect()
}

/// A stored word that a kana query may mark by its reading: written with a kanji or in
/// katakana (so that する or の are never marked by reading), with a reading of two
/// characters or more. `span` is its place among the entry's [`KeyedSpan`]s, `reading` the
/// byte range of its reading in the stored spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadingSpan {
    pub span: u32,
    pub reading: (u32, u32),
}

/// The [`ReadingSpan`]s of a stored text, in order (the keyed spans' order: the same
/// spans are left out).
pub fn reading_spans(text: &str, stored_spans: &[u8]) -> Vec<ReadingSpan> {
    use faq_core::normalize::{is_kanji, is_katakana};
    let base = stored_spans.as_ptr() as usize;
    spans::decode_raw(stored_spans)
        .filter(|&(start, end, _, _)| valid_span(text, start..end))
        .enumerate()
        .filter(|&(_, (start, end, _, reading))| {
            reading.iter().filter(|&&b| starts_char(b)).nth(1).is_some() && text[start..end].chars().any(|c| is_kanji(c) || is_katakana(c))
        })
        .map(|(i, (_, _, _, reading))| {
            let at = reading.as_ptr() as usize - base;
            ReadingSpan { span: i as u32, reading: (at as u32, (at + reading.len()) as u32) }
        })
        .collect()
}

/// Whether a byte of UTF-8 starts a character (is not a continuation byte, 0b10xx_xxxx).
#[inline]
fn starts_char(byte: u8) -> bool {
    (byte as i8) >= -0x40
}

fn valid_span(text: &str, span: Range<usize>) -> bool {
    span.start < span.end && span.end <= text.len() && text.is_char_boundary(span.start) && text.is_char_boundary(span.end)
}

/// A set of 64-bit keys with a fast non-cryptographic hash (SipHash was a tenth of a
/// search's time; the keys come from the query itself, so flooding is not a concern), and a
/// 256-bit filter in front of it that turns most stored tokens away with one load (a query
/// has a few dozen keys; an answer a few hundred tokens). The filter takes a key's low
/// byte, so keys must be mixed in it ([`term_key`] is a hash; [`Readings`] mixes its own).
#[derive(Clone, Debug, Default)]
struct KeySet {
    set: FxHashSet<u64>,
    filter: [u64; 4],
}

impl KeySet {
    #[inline]
    fn filter_bit(key: u64) -> usize {
        (key & 255) as usize
    }

    fn insert(&mut self, key: u64) {
        let bit = Self::filter_bit(key);
        self.filter[bit / 64] |= 1 << (bit % 64);
        self.set.insert(key);
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        let bit = Self::filter_bit(key);
        self.filter[bit / 64] & (1 << (bit % 64)) != 0 && self.set.contains(&key)
    }

    fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// The terms a highlight marks, by key ([`term_key`]).
#[derive(Clone, Debug, Default)]
pub struct Terms(KeySet);

impl<'a> FromIterator<&'a str> for Terms {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut terms = KeySet::default();
        for term in iter {
            terms.insert(term_key(term.as_bytes()));
        }
        Terms(terms)
    }
}

impl Terms {
    pub fn contains(&self, term: &[u8]) -> bool {
        self.contains_key(term_key(term))
    }

    #[inline]
    pub fn contains_key(&self, key: u64) -> bool {
        self.0.contains(key)
    }
}

/// The reading bigrams of a kana query: a stored word whose reading they mostly cover
/// (領収書 for りょうしゅうしょ, or for りょうしゅうs) is marked too. Each bigram is kept as
/// its UTF-8 bytes packed into a `u64` ([`bigram_key`]), so a stored reading is compared
/// where it lies in the stored bytes, without decoding it into characters.
#[derive(Clone, Debug, Default)]
pub struct Readings(KeySet);

/// Share of a stored word's reading bigrams a kana query must have to mark it.
const READING_SHARE: f32 = 0.6;

/// Two characters' UTF-8 bytes (at most eight) as one integer, little-endian, zero-padded.
/// UTF-8 is prefix-free, so two bigrams without a NUL character never share a key.
#[inline]
fn bigram_key(bytes: &[u8]) -> u64 {
    let mut buffer = [0u8; 8];
    buffer[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(buffer)
}

impl<'a> FromIterator<&'a str> for Readings {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut readings = KeySet::default();
        for bigram in iter {
            let mut chars = bigram.chars();
            let (Some(a), Some(b), None) = (chars.next(), chars.next(), chars.next()) else { continue };
            if a == '\0' || b == '\0' {
                continue;
            }
            readings.insert(mixed(bigram_key(bigram.as_bytes())));
        }
        Readings(readings)
    }
}

impl Readings {
    /// Whether the query's bigrams cover most of a stored word's `reading` (its bytes in
    /// the stored spans, a word [`reading_spans`] keeps). A window that is not two whole
    /// characters matches no key, so bytes that are not UTF-8 mark nothing.
    fn covers(&self, reading: &[u8]) -> bool {
        if self.0.is_empty() {
            return false;
        }
        // Kana (every reading the dictionary gives): three bytes a character, so each bigram
        // is the six bytes at a multiple of three.
        if reading.len().is_multiple_of(3) && reading.iter().step_by(3).all(|&b| b & 0xF0 == 0xE0) {
            let chars = reading.len() / 3;
            let covered = (0..chars.saturating_sub(1)).filter(|i| self.contains(bigram_key(&reading[3 * i..3 * i + 6]))).count();
            return chars >= 2 && covered as f32 >= READING_SHARE * (chars - 1) as f32;
        }
        // Byte offsets where each character starts (not a continuation byte).
        let starts = reading.iter().enumerate().filter(|&(_, &b)| starts_char(b)).map(|(i, _)| i);
        let (mut chars, mut covered) = (0usize, 0usize);
        let (mut before, mut last) = (0usize, 0usize);
        for start in starts.chain(std::iter::once(reading.len())) {
            // The bigram ending at `start`: the two characters from `before`.
            if chars >= 2 && start - before <= 8 && self.contains(bigram_key(&reading[before..start])) {
                covered += 1;
            }
            (before, last) = (last, start);
            chars += 1;
        }
        // `chars` counted the end as well.
        let chars = chars.saturating_sub(1);
        chars >= 2 && covered as f32 >= READING_SHARE * (chars - 1) as f32
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        self.0.contains(mixed(key))
    }
}

/// A bigram key with every byte mixed into its low byte, which [`KeySet`]'s filter takes
/// (a bigram's own low byte is 0xE3 for every kana pair): a multiplication by an odd
/// constant and a rotation, both one-to-one, so distinct bigrams keep distinct keys.
#[inline]
fn mixed(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(8)
}

/// Ranges of `text` whose stored token's term is one of `terms`, adjacent ones merged.
pub fn matched_ranges(spans: &[KeyedSpan], terms: &Terms) -> Vec<Range<usize>> {
    let mut marks: Vec<Range<usize>> = Vec::new();
    for span in spans {
        if terms.contains_key(span.key) {
            add_mark(&mut marks, span.start as usize..span.end as usize);
        }
    }
    marks
}

/// [`matched_ranges`] for a kana query: also the stored words whose reading the query's
/// bigrams cover ([`reading_spans`]: their readings compared where they lie in the stored
/// bytes).
pub fn matched_ranges_by_reading(
    spans: &[KeyedSpan],
    stored_spans: &[u8],
    by_reading: &[ReadingSpan],
    terms: &Terms,
    readings: &Readings,
) -> Vec<Range<usize>> {
    let mut marks: Vec<Range<usize>> = Vec::new();
    let mut next = by_reading.iter().peekable();
    for (i, span) in spans.iter().enumerate() {
        let mut matched = terms.contains_key(span.key);
        if let Some(word) = next.next_if(|word| word.span as usize == i) {
            matched = matched || stored_spans.get(word.reading.0 as usize..word.reading.1 as usize).is_some_and(|r| readings.covers(r));
        }
        if matched {
            add_mark(&mut marks, span.start as usize..span.end as usize);
        }
    }
    marks
}

/// Adds a matched span to the marks, merged with the last one when they touch; a span
/// before the last one (not from this analyzer) is ignored.
#[inline]
fn add_mark(marks: &mut Vec<Range<usize>>, span: Range<usize>) {
    if let Some(last) = marks.last_mut() {
        if span.start < last.start {
            return;
        }
        if span.start <= last.end {
            last.end = last.end.max(span.end);
            return;
        }
    }
    marks.push(span);
}

/// The whole text with its marks.
pub fn whole(text: &str, marks: Vec<Range<usize>>) -> Marked {
    Marked { window: 0..text.len(), marks }
}

/// A window of at most `max_chars` characters holding as many marks as possible, starting a
/// little before the first of them (the start of the text when nothing matched).
/// One pass over the text up to the last mark, then two pointers over the marks.
pub fn snippet(text: &str, marks: Vec<Range<usize>>, max_chars: usize) -> Marked {
    // At most `max_chars` characters: whole (a text of that many bytes or fewer surely is).
    if text.len() <= max_chars || (text.len() <= 4 * max_chars && text.chars().count() <= max_chars) {
        return whole(text, marks);
    }
    // Character positions of each mark.
    let mut positions = Vec::with_capacity(marks.len());
    let (mut chars, mut byte) = (0usize, 0usize);
    for mark in &marks {
        chars += text[byte..mark.start].chars().count();
        let start = chars;
        chars += text[mark.clone()].chars().count();
        byte = mark.end;
        positions.push((start, chars));
    }
    // Best window [first mark - lead, + max_chars) by the number of marks fully inside.
    let (mut best, mut best_count) = (None, 0usize);
    let (mut lo, mut hi) = (0usize, 0usize);
    for (i, &(start, _)) in positions.iter().enumerate() {
        let from = start.saturating_sub(SNIPPET_LEAD_CHARS);
        let to = from + max_chars;
        while positions[lo].0 < from {
            lo += 1;
        }
        hi = hi.max(i);
        while hi < positions.len() && positions[hi].1 <= to {
            hi += 1;
        }
        if hi - lo > best_count {
            (best, best_count) = (Some(i), hi - lo);
        }
    }
    let start = best.map(|i| back_chars(text, marks[i].start, SNIPPET_LEAD_CHARS)).unwrap_or(0);
    let window = start..advance_chars(text, start, max_chars);
    let marks = marks.into_iter().filter(|m| m.start >= window.start && m.end <= window.end).collect();
    Marked { window, marks }
}

/// The byte offset `n` characters after `from` (a character boundary), or the end. Counts
/// where characters start (bytes that do not continue one) sixteen bytes a step, the steps
/// whose starts stay below `n` without looking at them one by one.
fn advance_chars(text: &str, from: usize, n: usize) -> usize {
    let bytes = &text.as_bytes()[from..];
    let (mut seen, mut at) = (0usize, 0usize);
    while let Some(block) = bytes.get(at..at + 16) {
        let starts = block.iter().filter(|&&b| starts_char(b)).count();
        if seen + starts > n {
            break;
        }
        seen += starts;
        at += 16;
    }
    for (i, &byte) in bytes[at..].iter().enumerate() {
        if starts_char(byte) {
            if seen == n {
                return from + at + i;
            }
            seen += 1;
        }
    }
    text.len()
}

/// Up to `n` characters back from `from`, stopping just after a sentence or clause break
/// (`。`, `、`, `！`, `？`, a line break) so a snippet does not open mid-word.
fn back_chars(text: &str, from: usize, n: usize) -> usize {
    let mut start = from;
    for (i, c) in text[..from].char_indices().rev().take(n) {
        if matches!(c, '。' | '、' | '！' | '？' | '\n' | '.' | '!' | '?') {
            break;
        }
        start = i;
    }
    start
}

impl Marked {
    /// Escaped HTML with `<mark>` around matches and `…` where the window cuts the text.
    pub fn html(&self, text: &str) -> String {
        self.render(text, "<mark>", "</mark>", escape_html_into)
    }

    /// Terminal text: matches in bold cyan when `colour` (red is for errors), control characters removed.
    pub fn ansi(&self, text: &str, colour: bool) -> String {
        let (open, close) = if colour { ("\x1b[1;36m", "\x1b[0m") } else { ("", "") };
        self.render(text, open, close, terminal_safe_into)
    }

    fn render(&self, text: &str, open: &str, close: &str, write: fn(&mut String, &str)) -> String {
        let mut out = String::with_capacity(self.window.len() + self.marks.len() * 16 + 8);
        if self.window.start > 0 {
            out.push('…');
        }
        let mut at = self.window.start;
        for mark in &self.marks {
            write(&mut out, &text[at..mark.start]);
            out.push_str(open);
            write(&mut out, &text[mark.clone()]);
            out.push_str(close);
            at = mark.end;
        }
        write(&mut out, &text[at..self.window.end]);
        if self.window.end < text.len() {
            out.push('…');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_never_turns_a_query_term_away() {
        let words = ["領収書", "発行", "a", "", "amazon", "りょうしゅうしょ", "注文番号", "ー", "2024"];
        let terms: Terms = words.iter().copied().collect();
        for word in words {
            assert!(terms.contains(word.as_bytes()), "{word}");
        }
        for other in ["領収", "書", "発送", "amazonx", "注文"] {
            assert!(!terms.contains(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn keyed_spans_mark_what_the_stored_spans_mark() {
        use faq_core::analyzer::AnalyzedToken;
        let text = "領収書の発行、領収書発行。amazon";
        let token = |term: &str, start: usize, end: usize| AnalyzedToken {
            term: term.into(),
            start,
            end,
            position: 0,
            pos: String::new(),
            reading: String::new(),
        };
        let at = |word: &str, nth: usize| text.match_indices(word).nth(nth).unwrap().0;
        let tokens = vec![
            token("領収書", at("領収書", 0), at("領収書", 0) + 9),
            token("の", at("の", 0), at("の", 0) + 3),
            token("発行", at("発行", 0), at("発行", 0) + 6),
            token("領収書", at("領収書", 1), at("領収書", 1) + 9),
            token("発行", at("発行", 1), at("発行", 1) + 6),
            token("発行", 1, 4),   // off a character boundary
            token("領収書", 0, 9), // before the last mark: ignored
            token("amazon", at("amazon", 0), text.len()),
            token("発行", text.len(), text.len() + 6), // past the end
        ];
        let stored = faq_core::spans::encode(&tokens);
        let keyed = keyed_spans(text, stored.as_bytes());
        assert_eq!(keyed.len(), 7, "the two invalid spans are left out");
        for words in [&["領収書", "発行"][..], &["発行"], &["amazon", "の"], &["ない"], &[]] {
            let terms: Terms = words.iter().copied().collect();
            let by_key = matched_ranges(&keyed, &terms);
            let by_reading = reading_spans(text, stored.as_bytes());
            assert_eq!(
                by_key,
                matched_ranges_by_reading(&keyed, stored.as_bytes(), &by_reading, &terms, &Readings::default()),
                "{words:?}"
            );
            let marked: Vec<&str> = by_key.iter().map(|r| &text[r.clone()]).collect();
            match words.first() {
                Some(&"領収書") => assert_eq!(marked, ["領収書", "発行", "領収書発行"]),
                Some(&"amazon") => assert_eq!(marked, ["の", "amazon"]),
                _ => {}
            }
        }
    }

    #[test]
    fn escaping_copies_runs_and_replaces_all_five() {
        let escaped = |text: &str| {
            let mut out = String::new();
            escape_html_into(&mut out, text);
            out
        };
        assert_eq!(escaped(""), "");
        assert_eq!(escaped("領収書"), "領収書");
        assert_eq!(escaped("&<>\"'"), "&amp;&lt;&gt;&quot;&#39;");
        assert_eq!(escaped("a<領>b'"), "a&lt;領&gt;b&#39;");
        assert_eq!(escaped("末尾&"), "末尾&amp;");
    }

    #[test]
    fn html_escapes_text_and_marks_matches() {
        let text = "<b>領収書</b> & 発行";
        let start = text.find("領収書").unwrap();
        let marked = whole(text, std::iter::once(start..start + "領収書".len()).collect());
        assert_eq!(marked.html(text), "&lt;b&gt;<mark>領収書</mark>&lt;/b&gt; &amp; 発行");
    }

    #[test]
    fn snippet_centres_on_the_densest_matches_and_shows_cuts() {
        let text = format!("{}領収書の発行{}", "あ".repeat(200), "い".repeat(200));
        let after_break = format!("{}。ここで領収書{}", "あ".repeat(200), "い".repeat(200));
        let start = after_break.find("領収書").unwrap();
        let html = snippet(&after_break, std::iter::once(start..start + "領収書".len()).collect(), 50).html(&after_break);
        assert!(html.starts_with("…ここで<mark>領収書</mark>"), "{html}");
        let start = text.find("領収書").unwrap();
        let marked = snippet(&text, std::iter::once(start..start + "領収書".len()).collect(), 50);
        let html = marked.html(&text);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>領収書</mark>"), "{html}");
        assert_eq!(html.chars().filter(|c| *c == 'あ').count(), SNIPPET_LEAD_CHARS);
    }

    #[test]
    fn snippet_prefers_the_window_with_most_matches() {
        let text = format!("発行{}返金と返金と返金{}", "あ".repeat(100), "い".repeat(100));
        let marks: Vec<_> = text.match_indices("返金").chain(text.match_indices("発行")).map(|(i, m)| i..i + m.len()).collect();
        let mut marks = marks;
        marks.sort_by_key(|m| m.start);
        let html = snippet(&text, marks, 40).html(&text);
        assert_eq!(html.matches("<mark>返金</mark>").count(), 3, "{html}");
        assert!(!html.contains("発行"), "{html}");
    }

    #[test]
    fn a_kana_query_marks_the_words_it_covers_by_reading() {
        let readings: Readings = ["りょ", "ょう", "うし", "しゅ", "ゅう", "しょ"].into_iter().collect();
        assert!(marks(&readings, "領収", "りょうしゅう".as_bytes()));
        assert!(marks(&readings, "リョウシュウ", "りょうしゅう".as_bytes()));
        assert!(!marks(&readings, "発行", "はっこう".as_bytes()), "no bigram of it");
        assert!(!marks(&readings, "用紙", "ようし".as_bytes()), "half of it");
        assert!(!marks(&readings, "しゅう", "しゅう".as_bytes()), "kana words are never marked by reading");
        assert!(!marks(&readings, "書", "".as_bytes()));
        assert!(!readings.covers(b"\xe3\x82\x8a\xe3"), "bytes that are not UTF-8 mark nothing");
    }

    /// Whether a kana query with `readings` marks a text of one stored word, `surface` read
    /// `reading`, through [`reading_spans`] and [`matched_ranges_by_reading`].
    fn marks(readings: &Readings, surface: &str, reading: &[u8]) -> bool {
        let token = faq_core::analyzer::AnalyzedToken {
            term: surface.into(),
            start: 0,
            end: surface.len(),
            position: 0,
            pos: String::new(),
            reading: String::from_utf8(reading.to_vec()).unwrap(),
        };
        let stored = faq_core::spans::encode(&[token]);
        let keyed = keyed_spans(surface, stored.as_bytes());
        let by_reading = reading_spans(surface, stored.as_bytes());
        !matched_ranges_by_reading(&keyed, stored.as_bytes(), &by_reading, &Terms::default(), readings).is_empty()
    }

    #[test]
    fn reading_marks_agree_with_counting_characters() {
        // The plain definition: the share of the reading's character bigrams in the set.
        fn plain(bigrams: &[&str], reading: &str) -> bool {
            let chars: Vec<char> = reading.chars().collect();
            chars.len() >= 2
                && chars.windows(2).filter(|w| bigrams.iter().any(|b| b.chars().eq(w.iter().copied()))).count() as f32
                    >= READING_SHARE * (chars.len() - 1) as f32
        }
        let bigrams = ["りょ", "ょう", "うし", "しゅ", "ゅう", "しょ", "aい", "𠮷の", "のa"];
        let readings: Readings = bigrams.into_iter().collect();
        for reading in
            ["りょう", "りょうしゅうしょ", "しょうしょう", "りょaい", "𠮷のa", "aい", "い", "ゅうゅうゅうはは", "はりょう", "ょうしゅはは"]
        {
            assert_eq!(readings.covers(reading.as_bytes()), plain(&bigrams, reading), "{reading}");
        }
    }

    proptest::proptest! {
        #[test]
        fn advancing_by_characters_agrees_with_char_indices(text in "(a|é|領|😀|\n){0,80}", from in 0usize..80, n in 0usize..90) {
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let plain = text[from..].char_indices().nth(n).map(|(i, _)| from + i).unwrap_or(text.len());
            proptest::prop_assert_eq!(advance_chars(&text, from, n), plain);
        }
    }

    #[test]
    fn ansi_strips_control_characters() {
        let text = "a\x1b[2Jb\nc";
        assert_eq!(whole(text, vec![]).ansi(text, true), "a[2Jb\nc");
    }
}
