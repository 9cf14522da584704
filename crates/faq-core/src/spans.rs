//! Token spans stored beside each text field, so highlighting never re-runs the analyzer
//! on stored text: for every analysed token, its byte range in the stored text, its term,
//! and its folded reading (a kana query marks 領収書 by its reading りょうしゅうしょ).
//!
//! Encoding, per token: `start` as the signed distance from the previous token's start
//! (zigzag: tokens may overlap or step back), the length
//! `end - start`, the term's byte length, the term, the reading's byte length, the reading.
//! Numbers are written in 6-bit digits, least significant first, one byte each with bit 6
//! set when another digit follows: every byte of the encoding is ASCII or part of the
//! term's or reading's UTF-8, so the spans are stored as text (tantivy reads stored text
//! whole; stored bytes it reads one byte at a time) and take a third of the room of fixed
//! 32-bit offsets.

use crate::analyzer::AnalyzedToken;

/// A token of a stored text: byte range and indexed term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span<'a> {
    pub start: usize,
    pub end: usize,
    pub term: &'a str,
    pub reading: &'a str,
}

fn put(out: &mut String, mut value: usize) {
    loop {
        let digit = (value & 0x3F) as u8;
        value >>= 6;
        if value == 0 {
            out.push(digit as char);
            return;
        }
        out.push((digit | 0x40) as char);
    }
}

fn take(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let mut value = 0usize;
    for shift in (0..usize::BITS).step_by(6) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        if byte >= 0x80 {
            return None;
        }
        value |= ((byte & 0x3F) as usize).checked_shl(shift)?;
        if byte & 0x40 == 0 {
            return Some(value);
        }
    }
    None
}

/// Encodes analysed tokens for storage (in text order, as the analyzer gives them).
pub fn encode(tokens: &[AnalyzedToken]) -> String {
    let mut out = String::with_capacity(tokens.len() * 12);
    let mut previous = 0;
    for token in tokens {
        if token.end < token.start {
            continue; // not a range: not highlighted, still searchable
        }
        // A reading past 255 bytes (85 kana) is not kept: no query reading marks it.
        let reading = if token.reading.len() <= u8::MAX as usize { token.reading.as_str() } else { "" };
        let step = token.start as i64 - previous as i64;
        put(&mut out, ((step << 1) ^ (step >> 63)) as usize);
        put(&mut out, token.end - token.start);
        put(&mut out, token.term.len());
        out.push_str(&token.term);
        put(&mut out, reading.len());
        out.push_str(reading);
        previous = token.start;
    }
    out
}

/// Decodes stored spans; stops quietly at the first malformed record.
pub fn decode(bytes: &[u8]) -> impl Iterator<Item = Span<'_>> {
    decode_raw(bytes).map_while(|(start, end, term, reading)| {
        Some(Span { start, end, term: std::str::from_utf8(term).ok()?, reading: std::str::from_utf8(reading).ok()? })
    })
}

/// [`decode`] without checking that terms are UTF-8: `(start, end, term bytes, reading
/// bytes)`, for callers that only compare them with known strings.
pub fn decode_raw(bytes: &[u8]) -> impl Iterator<Item = (usize, usize, &[u8], &[u8])> {
    let (mut at, mut previous) = (0, 0usize);
    std::iter::from_fn(move || {
        let step = take(bytes, &mut at)? as u64;
        let step = (step >> 1) as i64 ^ -((step & 1) as i64);
        let start = usize::try_from(previous as i64 + step).ok()?;
        let end = start.checked_add(take(bytes, &mut at)?)?;
        let len = take(bytes, &mut at)?;
        let term = bytes.get(at..at.checked_add(len)?)?;
        at += len;
        let len = take(bytes, &mut at)?;
        let reading = bytes.get(at..at.checked_add(len)?)?;
        at += len;
        previous = start;
        Some((start, end, term, reading))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let tokens = vec![
            AnalyzedToken {
                term: "領収書".into(), start: 3, end: 12, position: 0, pos: String::new(), reading: "りょうしゅうしょ".into()
            },
            AnalyzedToken { term: "amazon".into(), start: 20, end: 26, position: 0, pos: String::new(), reading: String::new() },
        ];
        let encoded = encode(&tokens);
        let bytes = encoded.as_bytes();
        let spans: Vec<_> = decode(bytes).collect();
        assert_eq!(
            spans,
            [
                Span { start: 3, end: 12, term: "領収書", reading: "りょうしゅうしょ" },
                Span { start: 20, end: 26, term: "amazon", reading: "" }
            ]
        );
        assert_eq!(decode(&bytes[..bytes.len() - 1]).count(), 1, "truncated record is dropped");
        assert_eq!(bytes.len(), 9 + 24 + 6 + 8, "numbers below 64 take a byte each");
        let back = vec![tokens[1].clone(), tokens[0].clone()];
        let spans: Vec<_> = decode(encode(&back).as_bytes()).map(|s| (s.start, s.end)).collect();
        assert_eq!(spans, [(20, 26), (3, 12)], "a token may start before the previous one");
    }

    #[test]
    fn numbers_of_every_size_round_trip() {
        for value in [0, 1, 63, 64, 4095, 4096, 1 << 20, u32::MAX as usize, usize::MAX] {
            let mut out = String::new();
            put(&mut out, value);
            assert!(out.is_ascii(), "{value}");
            let mut at = 0;
            assert_eq!(take(out.as_bytes(), &mut at), Some(value));
            assert_eq!(at, out.len());
        }
        // Damage is an end, never a panic or a wrong huge slice.
        assert_eq!(decode_raw(&[0x7F; 40]).count(), 0, "a number longer than 64 bits");
        assert_eq!(decode_raw(b"\x00\x03\x40\x40\x40\x01").count(), 0, "a term past the end");
    }
}
