//! Personal data out of recorded queries and logged requests: e-mail addresses (also
//! written out, `taro at example dot com`), phone numbers and order numbers
//! (123-4567890-1234567) become `<email>`, `<phone>`, `<order>`; any other run of seven or
//! more digits becomes `<number>`, wherever it starts (`TEL090…`, `card4111…`); member and
//! customer ids (`会員ID: AB12345`, or a code of letters and five or more digits) become
//! `<id>`. Full-width forms (０９０－…, ＠) and kanji numerals (〇九〇…) are caught too. What
//! is left is the question as typed.

use std::sync::LazyLock;

use regex::Regex;

/// What masked data is replaced with.
pub const PLACEHOLDERS: [&str; 5] = ["<email>", "<phone>", "<order>", "<number>", "<id>"];

/// Letters, digits and the address characters, in both widths.
const WORD: &str = "[A-Za-z0-9Ａ-Ｚａ-ｚ０-９._%+\\-]";

/// An address written out to dodge filters: `taro at example dot com`, `taro(at)example.com`.
static SPELLED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let at = "(?:@|＠|\\(at\\)|\\[at\\]|（at）|\\bat\\b|アット(?:マーク)?)";
    let dot = "(?:\\.|．|\\(dot\\)|\\[dot\\]|（dot）|\\bdot\\b|ドット)";
    Regex::new(&format!("(?i){WORD}+\\s*{at}\\s*{WORD}+(?:\\s*{dot}\\s*{WORD}+)+")).expect("a valid pattern")
});

/// A member or customer id after the word that names it.
static NAMED_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("(?i)(会員ID|会員番号|会員No\\.?|お客様番号|お客様ID|顧客番号|顧客ID|ユーザーID|ユーザID|アカウントID|ログインID|店舗ID|ストアID|セラーID|\\bID\\b)(\\s*[:：はがを]?\\s*)([A-Za-z0-9Ａ-Ｚａ-ｚ０-９_\\-]{4,})")
        .expect("a valid pattern")
});

/// A code of eight or more letters and digits (ASCII or full-width).
static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new("[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]{8,}").expect("a valid pattern"));

/// `query` with personal data replaced.
pub fn mask(query: &str) -> String {
    // Control and bidirectional-text characters become spaces: a recorded query is one line
    // that reads as it is.
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    let cleaned: std::borrow::Cow<'_, str> = if query.chars().any(unsafe_char) {
        query.chars().map(|c| if unsafe_char(c) { ' ' } else { c }).collect::<String>().into()
    } else {
        query.into()
    };
    // Every kind of personal data holds a letter or digit (ASCII or full-width) or a kanji
    // numeral: a query of kana and other kanji only, most of what sellers type, is kept as
    // it is without the scans below (the access log masks every request).
    if !cleaned.chars().any(|c| fold_width(c).is_ascii_alphanumeric()) {
        return cleaned.into_owned();
    }
    let digits_masked = mask_runs(&cleaned);
    let spelled = SPELLED_EMAIL.replace_all(&digits_masked, "<email>");
    let named = NAMED_ID.replace_all(&spelled, |c: &regex::Captures<'_>| {
        // An id has a digit: `ID password` is a word, not an id.
        if c[3].chars().any(|ch| fold_width(ch).is_ascii_digit()) { format!("{}{}<id>", &c[1], &c[2]) } else { c[0].to_string() }
    });
    CODE.replace_all(&named, |c: &regex::Captures<'_>| {
        let code = &c[0];
        let digits = code.chars().filter(|ch| fold_width(*ch).is_ascii_digit()).count();
        let letters = code.chars().count() - digits;
        if digits >= 5 && letters > 0 { "<id>".to_string() } else { code.to_string() }
    })
    .into_owned()
}

/// E-mail addresses and runs of digits.
fn mask_runs(query: &str) -> String {
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
        if folded[i].is_ascii_digit() {
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
        '〇' | '零' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        c => c,
    }
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
        assert_eq!(mask("一つ目と二つ目"), "一つ目と二つ目");
        assert_eq!(mask("SKU123の在庫"), "SKU123の在庫");
    }

    #[test]
    fn text_without_letters_or_digits_is_kept_as_it_is() {
        for text in ["領収書を発行したい", "荷物が届かないってお客さんから言われた", "りょうしゅうしょ", "？？？", ""]
        {
            assert_eq!(mask(text), text);
        }
        assert_eq!(mask("〇九〇一二三四五六七八"), "<phone>", "kanji numerals fold to digits");
    }

    #[test]
    fn what_slipped_through_before_is_masked() {
        assert_eq!(mask("TEL09012345678に電話"), "TEL<phone>に電話");
        assert_eq!(mask("card4111111111111111で払った"), "card<number>で払った");
        assert_eq!(mask("〇九〇一二三四五六七八に連絡"), "<phone>に連絡");
        assert_eq!(mask("電話は〇九〇ー一二三四ー五六七八"), "電話は<phone>");
        assert_eq!(mask("taro at example dot com に送った"), "<email> に送った");
        assert_eq!(mask("taro(at)example.co.jp"), "<email>");
        assert_eq!(mask("会員ID: AB12cd"), "会員ID: <id>");
        assert_eq!(mask("会員番号は12345です"), "会員番号は<id>です");
        assert_eq!(mask("ID A1B2C3D4E5F6 が使えない"), "ID <id> が使えない");
        assert_eq!(mask("注文XK293847の件"), "注文<id>の件");
        assert_eq!(mask("ID password を忘れた"), "ID password を忘れた");
        assert_eq!(mask("返品\n## 偽の行\u{202E}"), "返品 ## 偽の行 ", "one line, read as it is");
        // Words and ordinary text stay.
        assert_eq!(mask("返品 at 店舗"), "返品 at 店舗");
        assert_eq!(mask("Amazonのアカウント"), "Amazonのアカウント");
    }
}
