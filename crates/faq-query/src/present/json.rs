//! The search responses written as JSON by hand, for the two places that write one per
//! request: the HTTP API and `faq search --json`/`--batch`. The `Serialize` derives in
//! [`crate::present::response`] stay the definition of the contract: a test checks that both give
//! the same bytes. What differs is the cost: strings are escaped a run of eight bytes at a
//! time (serde_json looks every byte up in a table; Japanese text, three bytes a character,
//! rarely needs an escape at all), and an entry's question and answer are copied from the
//! JSON its stored entry keeps. Numbers, links, explanations, signals and suggestions, a
//! small part of a response, are written by serde_json itself.

use serde::Serialize;

use crate::present::response::{CompactHit, CompactResponse, Highlights, Hit, SearchResponse};
use crate::present::suggest::Suggestions;

/// `text` as a JSON string literal, quotes included, escaped exactly as serde_json escapes
/// it: `"` and `\`, the short forms `\b \f \n \r \t`, other control characters as `\u00xx`.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut clean = 0; // start of the run not yet copied
    let mut at = 0;
    // Straight to each byte that needs an escape, a block of bytes a step.
    while let Some(found) = next_escape(bytes, at) {
        at = found;
        let byte = bytes[at];
        out.extend_from_slice(&bytes[clean..at]);
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]]);
            }
        }
        at += 1;
        clean = at;
    }
    out.extend_from_slice(&bytes[clean..]);
    out.push(b'"');
}

/// Whether a byte needs an escape in a JSON string.
#[inline]
fn escaped(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The first byte at or after `from` that needs an escape: sixteen bytes a step (SSE2, part
/// of every x86-64 processor), eight elsewhere ([`needs_escape`]), then one by one.
#[inline]
fn next_escape(bytes: &[u8], mut from: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = bytes.get(from..from + 16) {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
        // SAFETY: SSE2 is enabled on every x86-64 target; the load reads the sixteen bytes
        // of `block`, unaligned.
        let mask = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) as u32
        };
        if mask != 0 {
            return Some(from + mask.trailing_zeros() as usize);
        }
        from += 16;
    }
    while let Some(chunk) = bytes.get(from..from + 8) {
        if needs_escape(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))) {
            break;
        }
        from += 8;
    }
    bytes.get(from..)?.iter().position(|&b| escaped(b)).map(|i| from + i)
}

/// Whether any of the eight bytes of `word` is below 0x20, `"` or `\`. Exact: the
/// classic "has a zero byte" test, whose false positives are only in bytes above a true one.
#[inline]
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (below_space | (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGH != 0
}

/// A value serde_json writes itself (numbers, small nested parts). Writing into a `Vec`
/// fails only for values a response never holds (a map with non-string keys).
fn write_serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value).expect("a response part serialises");
}

/// `,"key":` before a field that follows another.
fn write_key(out: &mut Vec<u8>, key: &str) {
    out.push(b',');
    write_str(out, key);
    out.push(b':');
}

fn write_highlights(out: &mut Vec<u8>, highlights: &Highlights) {
    out.extend_from_slice(b"{\"question\":");
    write_str(out, &highlights.question);
    out.extend_from_slice(b",\"answer\":");
    write_str(out, &highlights.answer);
    out.push(b'}');
}

/// The fields every response opens with.
fn write_head(out: &mut Vec<u8>, query: &str, total_hits: usize, answered: bool, took_ms: f64) {
    out.extend_from_slice(b"{\"query\":");
    write_str(out, query);
    out.extend_from_slice(b",\"total_hits\":");
    write_serde(out, &total_hits);
    out.extend_from_slice(if answered { b",\"answered\":true,\"took_ms\":" } else { b",\"answered\":false,\"took_ms\":" });
    write_serde(out, &took_ms);
}

fn write_hits<T>(out: &mut Vec<u8>, hits: &[T], write: impl Fn(&mut Vec<u8>, &T)) {
    out.extend_from_slice(b",\"hits\":[");
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, hit);
    }
    out.push(b']');
}

fn write_suggestions(out: &mut Vec<u8>, suggestions: Option<&Suggestions>) {
    if let Some(suggestions) = suggestions {
        out.extend_from_slice(b",\"suggestions\":");
        write_serde(out, suggestions);
    }
}

impl Hit {
    /// This hit as [`Hit::serialize`] writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_str(out, &self.id);
        match self.stored_json() {
            Some(json) => {
                out.extend_from_slice(b",\"question\":");
                out.extend_from_slice(json.question.as_bytes());
                out.extend_from_slice(b",\"answer\":");
                out.extend_from_slice(json.answer.as_bytes());
            }
            None => {
                out.extend_from_slice(b",\"question\":");
                write_str(out, &self.question);
                out.extend_from_slice(b",\"answer\":");
                write_str(out, &self.answer);
            }
        }
        write_numbers(out, self.score, self.confidence, self.coverage);
        write_key(out, "highlights");
        write_highlights(out, &self.highlights);
        write_key(out, "links");
        write_serde(out, &self.links);
        if let Some(explain) = &self.explain {
            write_key(out, "explain");
            write_serde(out, explain);
        }
        if let Some(signals) = &self.signals {
            write_key(out, "signals");
            write_serde(out, signals);
        }
        out.push(b'}');
    }
}

fn write_numbers(out: &mut Vec<u8>, score: f32, confidence: f32, coverage: f32) {
    out.extend_from_slice(b",\"score\":");
    write_serde(out, &score);
    out.extend_from_slice(b",\"confidence\":");
    write_serde(out, &confidence);
    out.extend_from_slice(b",\"coverage\":");
    write_serde(out, &coverage);
}

impl SearchResponse {
    /// This response as its `Serialize` derive writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json_with(&mut out, None);
        out
    }

    /// This response appended to `out`, with the search box's suggestions after its hits
    /// when there are some.
    pub fn write_json_with(&self, out: &mut Vec<u8>, suggestions: Option<&Suggestions>) {
        out.reserve(256 + self.hits.iter().map(|h| 2 * (h.question.len() + h.answer.len()) + 256).sum::<usize>());
        write_head(out, &self.query, self.total_hits, self.answered, self.took_ms);
        write_hits(out, &self.hits, |out, hit| hit.write_json(out));
        write_suggestions(out, suggestions);
        out.push(b'}');
    }
}

impl CompactHit {
    /// This hit as its `Serialize` derive writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_str(out, &self.id);
        out.extend_from_slice(b",\"question\":");
        match self.stored_question() {
            Some(json) => out.extend_from_slice(json.as_bytes()),
            None => write_str(out, &self.question),
        }
        write_numbers(out, self.score, self.confidence, self.coverage);
        out.extend_from_slice(b",\"highlights\":");
        write_highlights(out, &self.highlights);
        out.push(b'}');
    }
}

impl CompactResponse {
    /// This response as its `Serialize` derive writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(256 + self.hits.iter().map(|h| 3 * h.question.len() + 2 * h.highlights.answer.len() + 192).sum::<usize>());
        write_head(&mut out, &self.query, self.total_hits, self.answered, self.took_ms);
        write_hits(&mut out, &self.hits, |out, hit| hit.write_json(out));
        write_suggestions(&mut out, self.suggestions.as_ref());
        out.push(b'}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_ascii = String::new();
        for byte in 0u8..0x80 {
            every_ascii.push(char::from(byte));
        }
        for text in [
            "",
            "領収書",
            "\"",
            "\\",
            "a\"b\\c",
            "改行\nタブ\t復帰\r\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "12345678\"",
            "1234567\"8",
            "\"12345678",
            "<mark>領収書</mark>の&quot;発行&quot; 😀",
            every_ascii.as_str(),
        ] {
            assert_eq!(escaped(text), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in "(\\PC|[\\x00-\\x1f\"\\\\]|あ|\u{7f}){0,40}") {
            prop_assert_eq!(escaped(&text), serde_json::to_string(&text).unwrap());
        }
    }

    proptest! {
        #[test]
        fn the_eight_byte_test_agrees_with_looking_at_each_byte(word: u64) {
            let naive = word.to_le_bytes().iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            prop_assert_eq!(needs_escape(word), naive);
        }
    }

    fn hit(question: &str, answer: &str, stored: Option<std::sync::Arc<crate::present::stored::StoredEntry>>) -> Hit {
        Hit {
            id: "a\"".into(),
            question: question.into(),
            answer: answer.into(),
            score: 1.5,
            confidence: 0.25,
            coverage: f32::NAN,
            highlights: Highlights { question: "<mark>q</mark>\n".into(), answer: "a".into() },
            links: vec![faq_core::Link { url: "https://example.com/".into(), label: "例".into() }],
            explain: None,
            signals: None,
            marks: Default::default(),
            stored,
        }
    }

    #[test]
    fn pre_escaped_text_is_written_as_serde_would_and_only_while_it_still_matches() {
        let (question, answer) = ("「領収書」は？\t\"引用\" \\ \u{1}", "改行\n<b>&</b> 😀");
        let entry = faq_core::FaqEntry {
            id: "a".into(),
            question: question.into(),
            answer: answer.into(),
            links: vec![],
            category: None,
            source: None,
        };
        let stored = std::sync::Arc::new(crate::present::stored::StoredEntry::new(entry, vec![], vec![]));
        let response = |hit: Hit| SearchResponse { query: "q".into(), total_hits: 1, answered: true, took_ms: 0.5, hits: vec![hit] };
        let plain = serde_json::to_string(&response(hit(question, answer, None))).unwrap();
        let kept = response(hit(question, answer, Some(stored.clone())));
        assert!(kept.hits[0].stored_json().is_some());
        assert_eq!(String::from_utf8(kept.to_json()).unwrap(), plain);
        let compact = CompactResponse::from(kept);
        assert!(compact.hits[0].stored_question().is_some());
        assert_eq!(String::from_utf8(compact.to_json()).unwrap(), serde_json::to_string(&compact).unwrap());
        // A hit whose text was changed after the search is written from its own fields.
        let edited = response(hit("別の質問", answer, Some(stored)));
        assert!(edited.hits[0].stored_json().is_none());
        assert_eq!(String::from_utf8(edited.to_json()).unwrap(), serde_json::to_string(&edited).unwrap());
        assert_eq!(String::from_utf8(edited.to_json()).unwrap(), serde_json::to_string(&response(hit("別の質問", answer, None))).unwrap());
    }

    proptest! {
        #[test]
        fn the_next_escape_is_the_first_byte_that_needs_one(bytes in proptest::collection::vec(prop_oneof![Just(b'a'), Just(0xe3u8), Just(b'"'), Just(b'\\'), Just(b'\n'), Just(0x1fu8), Just(0x20u8), Just(0x7fu8)], 0..70), from in 0usize..70) {
            let plain = bytes.iter().enumerate().skip(from).find(|&(_, &b)| super::escaped(b)).map(|(i, _)| i);
            prop_assert_eq!(next_escape(&bytes, from), plain);
        }
    }

    #[test]
    fn the_eight_byte_test_is_exact() {
        // Each byte value at each of the eight places, among bytes that need nothing.
        for place in 0..8 {
            for byte in 0u8..=255 {
                let mut bytes = [b'a'; 8];
                bytes[place] = byte;
                let expected = byte < 0x20 || byte == b'"' || byte == b'\\';
                assert_eq!(needs_escape(u64::from_le_bytes(bytes)), expected, "byte {byte:#x} at {place}");
            }
        }
    }
}
