//! Spelling-variant normalisation of Japanese, shared by the analysis paths:
//!
//! * kana folding: katakana → hiragana, so コンビニ / こんびに / ｺﾝﾋﾞﾆ (after NFKC) meet;
//! * long vowel marks dropped (コンピューター / コンピュータ, メール / メル);
//! * iteration marks expanded (時々 → 時時, こゝろ → こころ, いすゞ → いすず);
//! * okurigana dropped from words of two or more kanji (受け取り / 受取 → 受取,
//!   問い合わせ / 問合せ → 問合, 申し込み / 申込 → 申込).

use std::borrow::Cow;

use lindera::LinderaResult;
use lindera::token::Token;
use lindera_analysis::token_filter::TokenFilter;

/// Hiragana U+3041–U+3096.
pub fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{3096}').contains(&c)
}

/// Katakana U+30A1–U+30FA (not the middle dot or the long vowel mark).
pub fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FA}').contains(&c)
}

/// CJK ideographs, including the iteration mark 々.
pub fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3005}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The long vowel mark ー and its half-width form (NFKC maps ｰ to ー).
fn is_long_vowel_mark(c: char) -> bool {
    c == '\u{30FC}' || c == '\u{FF70}'
}

/// Katakana to hiragana; other characters unchanged.
pub fn fold_kana(c: char) -> char {
    if ('\u{30A1}'..='\u{30F6}').contains(&c) { char::from_u32(c as u32 - 0x60).unwrap_or(c) } else { c }
}

/// The voiced form of a hiragana (か → が), for ゞ.
fn voiced(c: char) -> char {
    let offset = |from: char| c as u32 - from as u32;
    let voiceable = match c {
        'か'..='ぢ' => offset('か') % 2 == 0,
        'つ' | 'て' | 'と' => true,
        'は'..='ぽ' => offset('は') % 3 == 0,
        _ => false,
    };
    if voiceable { char::from_u32(c as u32 + 1).unwrap_or(c) } else { c }
}

/// Folds one character for character matching, given the previous folded one: kana
/// folded, long vowel marks dropped (`None`), iteration marks expanded, ASCII lowercased.
pub fn fold_char(c: char, previous: Option<char>) -> Option<char> {
    match c {
        c if is_long_vowel_mark(c) => None,
        '々' | 'ゝ' | 'ヽ' => Some(previous.unwrap_or(c)),
        'ゞ' | 'ヾ' => Some(previous.map(voiced).unwrap_or(c)),
        c => Some(fold_kana(c.to_ascii_lowercase())),
    }
}

/// Pushes `text` folded with [`fold_char`] onto `out`.
pub fn fold_into(out: &mut String, text: &str) {
    let mut previous: Option<char> = out.chars().last();
    for c in text.chars() {
        if let Some(folded) = fold_char(c, previous) {
            out.push(folded);
            previous = Some(folded);
        }
    }
}

/// [`fold_into`] a new string.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(&mut out, text);
    out
}

/// Drops hiragana okurigana from a word of two or more kanji: 受け取り → 受取. Words with
/// one kanji keep them (見る and 見つかる must stay apart).
pub fn strip_okurigana(word: &str) -> Cow<'_, str> {
    let kanji = word.chars().filter(|c| is_kanji(*c)).count();
    if kanji < 2 || !word.chars().any(is_hiragana) {
        return Cow::Borrowed(word);
    }
    Cow::Owned(word.chars().filter(|c| !is_hiragana(*c)).collect())
}

/// The lindera token filter applying [`strip_okurigana`] and dropping trailing long vowel
/// marks of katakana words (コンピューター → コンピュータ).
#[derive(Clone, Debug, Default)]
pub struct SpellingFilter;

impl TokenFilter for SpellingFilter {
    fn name(&self) -> &'static str {
        "faq_spelling"
    }

    fn apply(&self, tokens: &mut Vec<Token<'_>>) -> LinderaResult<()> {
        for token in tokens.iter_mut() {
            if let Cow::Owned(stripped) = strip_okurigana(&token.surface) {
                token.surface = Cow::Owned(stripped);
            }
            let surface: &str = &token.surface;
            let trimmed = surface.trim_end_matches(is_long_vowel_mark);
            if trimmed.len() != surface.len()
                && trimmed.chars().count() >= 2
                && trimmed.chars().all(|c| is_katakana(c) || is_long_vowel_mark(c))
            {
                token.surface = Cow::Owned(trimmed.to_string());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("コンビニ"), "こんびに");
        assert_eq!(fold("コンピューター"), fold("コンピュータ"));
        assert_eq!(fold("時々"), "時時");
        assert_eq!(fold("こゝろ"), "こころ");
        assert_eq!(fold("いすゞ"), "いすず");
        assert_eq!(fold("ちゞむ"), "ちぢむ");
        assert_eq!(fold("ほゞ"), "ほぼ");
        assert_eq!(fold("Amazon"), "amazon");
    }

    #[test]
    fn okurigana() {
        assert_eq!(strip_okurigana("受け取り"), "受取");
        assert_eq!(strip_okurigana("受取"), "受取");
        assert_eq!(strip_okurigana("問い合わせ"), strip_okurigana("問合せ"));
        assert_eq!(strip_okurigana("申し込み"), strip_okurigana("申込"));
        assert_eq!(strip_okurigana("受け取る"), "受取");
        assert_eq!(strip_okurigana("見つかる"), "見つかる");
        assert_eq!(strip_okurigana("キャンセル"), "キャンセル");
    }
}
