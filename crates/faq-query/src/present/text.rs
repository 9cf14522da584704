//! Text made safe for where it is shown: HTML (escaped), a terminal (no control or bidi
//! characters), and one line as it reads (what sellers typed, in the owner's report).

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
    use super::*;

    #[test]
    fn terminal_text_loses_escapes_and_bidi_controls() {
        let hostile = "a\x1b[2Jb\x1b]0;title\x07c\u{202E}d\u{2066}e\u{200F}f\r\ng\th";
        assert_eq!(terminal_safe(hostile), "a[2Jb]0;titlecdef\ng\th");
        assert_eq!(terminal_safe("領収書（ｶﾅ）"), "領収書（ｶﾅ）");
        assert_eq!(one_line("返品\n 12 偽の行\t\x1b[2J\u{202E}x"), "返品\\n 12 偽の行\\t\\u{1b}[2Jx");
    }
}
