//! Token spans stored beside each text field, so highlighting never re-runs the analyzer
//! on stored text: for every analysed token, its byte range in the stored text, its term,
//! and its folded reading (a kana query marks 領収書 by its reading りょうしゅうしょ).
//!
//! Encoding (little endian, repeated): `start: u32, end: u32, term_len: u16, term bytes,
//! reading_len: u8, reading bytes`.

use crate::analyzer::AnalyzedToken;

/// A token of a stored text: byte range and indexed term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span<'a> {
    pub start: usize,
    pub end: usize,
    pub term: &'a str,
    pub reading: &'a str,
}

/// Encodes analysed tokens for storage.
pub fn encode(tokens: &[AnalyzedToken]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tokens.len() * 16);
    for token in tokens {
        let (Ok(start), Ok(end), Ok(len)) =
            (u32::try_from(token.start), u32::try_from(token.end), u16::try_from(token.term.len()))
        else {
            continue; // beyond 4 GiB or a 64 KiB term: not highlighted, still searchable
        };
        // A reading past 255 bytes (85 kana) is not kept: no query reading marks it.
        let reading = if token.reading.len() <= u8::MAX as usize { token.reading.as_bytes() } else { &[] };
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&end.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(token.term.as_bytes());
        out.push(reading.len() as u8);
        out.extend_from_slice(reading);
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
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let (header, tail) = rest.split_at_checked(10)?;
        let start = u32::from_le_bytes(header[0..4].try_into().ok()?) as usize;
        let end = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        let len = u16::from_le_bytes(header[8..10].try_into().ok()?) as usize;
        let (term, tail) = tail.split_at_checked(len)?;
        let (&reading_len, tail) = tail.split_first()?;
        let (reading, tail) = tail.split_at_checked(reading_len as usize)?;
        rest = tail;
        Some((start, end, term, reading))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let tokens = vec![
            AnalyzedToken { term: "領収書".into(), start: 3, end: 12, position: 0, pos: String::new(), reading: "りょうしゅうしょ".into() },
            AnalyzedToken { term: "amazon".into(), start: 20, end: 26, position: 0, pos: String::new(), reading: String::new() },
        ];
        let bytes = encode(&tokens);
        let spans: Vec<_> = decode(&bytes).collect();
        assert_eq!(
            spans,
            [Span { start: 3, end: 12, term: "領収書", reading: "りょうしゅうしょ" }, Span { start: 20, end: 26, term: "amazon", reading: "" }]
        );
        assert_eq!(decode(&bytes[..bytes.len() - 1]).count(), 1, "truncated record is dropped");
    }
}
