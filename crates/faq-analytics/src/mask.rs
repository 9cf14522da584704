//! Personal data out of recorded queries: e-mail addresses, phone numbers and order numbers
//! (123-4567890-1234567) become `<email>`, `<phone>`, `<order>`; any other run of seven or
//! more digits becomes `<number>`. Full-width forms (０９０－…, ＠) are caught too. What is
//! left is the question as typed.

/// What masked data is replaced with.
pub const PLACEHOLDERS: [&str; 4] = ["<email>", "<phone>", "<order>", "<number>"];

/// `query` with personal data replaced.
pub fn mask(query: &str) -> String {
    let chars: Vec<char> = query.chars().collect();
    let folded: Vec<char> = chars.iter().map(|&c| fold_width(c)).collect();
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = email_at(&folded, i) {
            out.push_str("<email>");
            i = end;
            continue;
        }
        if folded[i].is_ascii_digit() && (i == 0 || !is_word_ascii(folded[i - 1])) {
            let end = digit_run(&folded, i);
            let run: String = folded[i..end].iter().collect();
            let digits = run.chars().filter(char::is_ascii_digit).count();
            let groups: Vec<usize> = run.split(['-', ' ']).map(str::len).collect();
            let label = if groups == [3, 7, 7] {
                Some("<order>")
            } else if run.starts_with('0') && (10..=11).contains(&digits) {
                Some("<phone>")
            } else if digits >= 7 {
                Some("<number>")
            } else {
                None
            };
            if let Some(label) = label {
                out.push_str(label);
                i = end;
                continue;
            }
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Full-width ASCII to ASCII (０ → 0, ＠ → @, － → -), other characters unchanged.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        'ー' | '‐' | '−' | '–' | '—' => '-',
        '\u{3000}' => ' ',
        c => c,
    }
}

fn is_word_ascii(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The end of a run of digits with single hyphens or spaces between groups.
fn digit_run(chars: &[char], start: usize) -> usize {
    let mut end = start;
    let mut i = start;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            i += 1;
            end = i;
        } else if matches!(chars[i], '-' | ' ' | '(' | ')') && chars.get(i + 1).is_some_and(char::is_ascii_digit) && i > start {
            i += 1;
        } else {
            break;
        }
    }
    end
}

/// An e-mail address starting at `i`: the end of it.
fn email_at(chars: &[char], i: usize) -> Option<usize> {
    let local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    if !local(chars[i]) || (i > 0 && local(chars[i - 1])) {
        return None;
    }
    let mut at = i;
    while at < chars.len() && local(chars[at]) {
        at += 1;
    }
    if at == i || chars.get(at) != Some(&'@') {
        return None;
    }
    let domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    let mut end = at + 1;
    while end < chars.len() && domain(chars[end]) {
        end += 1;
    }
    let host: String = chars[at + 1..end].iter().collect();
    let host = host.trim_end_matches('.');
    (host.contains('.') && !host.starts_with('.')).then_some(at + 1 + host.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_masked_and_the_question_kept() {
        assert_eq!(mask("注文番号123-4567890-1234567が届かない"), "注文番号<order>が届かない");
        assert_eq!(mask("taro.yamada+shop@example.co.jp に返信した"), "<email> に返信した");
        assert_eq!(mask("電話は090-1234-5678です"), "電話は<phone>です");
        assert_eq!(mask("０９０－１２３４－５６７８"), "<phone>");
        assert_eq!(mask("03 1234 5678へ"), "<phone>へ");
        assert_eq!(mask("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"), "<email>");
        assert_eq!(mask("口座12345678"), "口座<number>");
        // Short numbers and ordinary text stay.
        assert_eq!(mask("3日以内に2個返品"), "3日以内に2個返品");
        assert_eq!(mask("送料500円"), "送料500円");
        assert_eq!(mask("FBA在庫"), "FBA在庫");
        assert_eq!(mask("a@b"), "a@b");
    }
}
