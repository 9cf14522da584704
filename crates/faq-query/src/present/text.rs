//! Text made safe for where it is shown: a JSON string literal (escaped as serde_json
//! escapes it, sixteen bytes a step), HTML (escaped), a terminal (no control or bidi
//! characters), and one line as it reads (what sellers typed, in the owner's report).

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

/// Appends `text` with `& < > " '` escaped: the runs between them are copied whole (the five
/// are ASCII, so a byte scan never splits a character).
pub fn escape_html_into(out: &mut String, text: &str) {
    out.reserve(text.len());
    // Most FAQ text has none of the five: one pass without an early exit (the compiler
    // turns it into vector compares) tells, and such a text is copied whole.
    let special = |byte: u8| matches!(byte, b'&' | b'<' | b'>' | b'"' | b'\'');
    if !text.bytes().fold(false, |found, byte| found | special(byte)) {
        out.push_str(text);
        return;
    }
    let mut copied = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        out.push_str(entity);
        copied = at + 1;
    }
    out.push_str(&text[copied..]);
}

/// Appends `text` without control characters (escape sequences in the corpus or a query
/// must not drive the terminal); newlines and tabs are kept.
pub fn terminal_safe_into(out: &mut String, text: &str) {
    out.extend(text.chars().filter(|&c| !unsafe_for_terminal(c)));
}

/// Whether `c` must not reach a terminal: control characters other than newline and tab
/// (ESC starts colour, cursor and window-title sequences; BEL, BS, CR rewrite a line) and the
/// bidirectional-text controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
/// make a line read differently from the text it holds.
pub fn unsafe_for_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` on one line that reads as it is: newlines, tabs and other control characters
/// shown as escapes (`\n`, `\u{1b}`), bidirectional-text controls dropped. For what a
/// seller typed, in the owner's report and page.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c if unsafe_for_terminal(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` made safe for a terminal.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    terminal_safe_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn json(text: &str) -> String {
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
            assert_eq!(json(text), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in "(\\PC|[\\x00-\\x1f\"\\\\]|あ|\u{7f}){0,40}") {
            prop_assert_eq!(json(&text), serde_json::to_string(&text).unwrap());
        }
    }

    proptest! {
        #[test]
        fn the_eight_byte_test_agrees_with_looking_at_each_byte(word: u64) {
            let naive = word.to_le_bytes().iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            prop_assert_eq!(needs_escape(word), naive);
        }
    }

    proptest! {
        #[test]
        fn the_next_escape_is_the_first_byte_that_needs_one(bytes in proptest::collection::vec(prop_oneof![Just(b'a'), Just(0xe3u8), Just(b'"'), Just(b'\\'), Just(b'\n'), Just(0x1fu8), Just(0x20u8), Just(0x7fu8)], 0..70), from in 0usize..70) {
            let plain = bytes.iter().enumerate().skip(from).find(|&(_, &b)| escaped(b)).map(|(i, _)| i);
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

    #[test]
    fn terminal_text_loses_escapes_and_bidi_controls() {
        let hostile = "a\x1b[2Jb\x1b]0;title\x07c\u{202E}d\u{2066}e\u{200F}f\r\ng\th";
        assert_eq!(terminal_safe(hostile), "a[2Jb]0;titlecdef\ng\th");
        assert_eq!(terminal_safe("領収書（ｶﾅ）"), "領収書（ｶﾅ）");
        assert_eq!(one_line("返品\n 12 偽の行\t\x1b[2J\u{202E}x"), "返品\\n 12 偽の行\\t\\u{1b}[2Jx");
    }
}
