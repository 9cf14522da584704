//! Drops the tokens that carry no content for FAQ search: particles, auxiliaries,
//! symbols, fillers and the grammatical words IPADIC marks as dependent (非自立),
//! plus a short list of light verbs (する, ある, いる, なる), and tokens made of
//! punctuation alone.
//!
//! lindera's own `japanese_stop_tags` filter needs every full four-level tag spelled out;
//! this filter matches on the first one or two levels, which is how the rules are meant.

use lindera::LinderaResult;
use lindera::token::Token;
use lindera_analysis::token_filter::TokenFilter;

/// Major parts of speech (IPADIC level 1) that never carry content.
const STOP_MAJOR: &[&str] = &["助詞", "助動詞", "記号", "フィラー", "感動詞", "接続詞", "連体詞", "その他", "非言語音"];

/// (level 1, level 2) pairs that never carry content.
const STOP_MAJOR_MINOR: &[(&str, &str)] =
    &[("名詞", "非自立"), ("名詞", "代名詞"), ("動詞", "非自立"), ("動詞", "接尾"), ("形容詞", "非自立"), ("形容詞", "接尾")];

/// Light verbs by base form: they turn nouns into verbs (発送する) and say nothing alone.
const STOP_VERB_BASE_FORMS: &[&str] = &["する", "ある", "いる", "なる", "おる", "ござる"];

/// Is a token with these IPADIC details (POS levels first, base form at index 6) a stop word?
pub fn is_stop(details: &[&str]) -> bool {
    let major = details.first().copied().unwrap_or("");
    let minor = details.get(1).copied().unwrap_or("");
    if STOP_MAJOR.contains(&major) {
        return true;
    }
    if STOP_MAJOR_MINOR.iter().any(|(a, b)| *a == major && *b == minor) {
        return true;
    }
    if major == "名詞" && minor == "数" {
        return details.get(6).is_some_and(|base| base.chars().all(|c| KANJI_NUMERALS.contains(c)));
    }
    major == "動詞" && details.get(6).is_some_and(|base| STOP_VERB_BASE_FORMS.contains(base))
}

/// Kanji numerals: IPADIC cuts them off words (一週間 → 一 / 週間, 一杯 → 一 / 杯), where
/// alone they match every 一部, 一度, 一括. Numbers in digits are kept (３歳, 10万円).
const KANJI_NUMERALS: &str = "〇一二三四五六七八九十百千万億兆";

/// Whether a surface holds a letter, digit, kana or kanji: tokens of punctuation alone
/// (`?`, `・`, `→`) carry nothing, whatever part of speech IPADIC guesses for them.
pub fn has_word_character(surface: &str) -> bool {
    surface.chars().any(|c| {
        // Kana and common kanji first: the general lookup is slow for non-ASCII.
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}') || c.is_alphanumeric()
    })
}

/// The lindera token filter: drops [`is_stop`] words and tokens without word characters.
#[derive(Clone, Debug, Default)]
pub struct ContentWordFilter;

impl TokenFilter for ContentWordFilter {
    fn name(&self) -> &'static str {
        "faq_content_words"
    }

    fn apply(&self, tokens: &mut Vec<Token<'_>>) -> LinderaResult<()> {
        tokens.retain_mut(|token| {
            if !has_word_character(&token.surface) {
                return false;
            }
            // The levels and the base form, without collecting them into a vector.
            let mut details = [""; 7];
            let mut count = 0;
            for (slot, detail) in details.iter_mut().zip(token.details_iter()) {
                *slot = detail;
                count += 1;
            }
            !is_stop(&details[..count])
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_stop;

    #[test]
    fn particles_symbols_and_light_verbs_are_stop_words() {
        assert!(is_stop(&["助詞", "格助詞", "一般", "*", "*", "*", "を"]));
        assert!(is_stop(&["記号", "句点", "*", "*", "*", "*", "。"]));
        assert!(is_stop(&["動詞", "自立", "*", "*", "サ変・スル", "連用形", "する"]));
        assert!(is_stop(&["名詞", "非自立", "一般", "*", "*", "*", "こと"]));
        // A kanji numeral cut off a word (一 of 一週間) is dropped; digits are kept.
        assert!(is_stop(&["名詞", "数", "*", "*", "*", "*", "一"]));
        assert!(!is_stop(&["名詞", "数", "*", "*", "*", "*", "10"]));
    }

    #[test]
    fn content_words_are_kept() {
        assert!(!is_stop(&["名詞", "一般", "*", "*", "*", "*", "領収書"]));
        assert!(!is_stop(&["名詞", "サ変接続", "*", "*", "*", "*", "発送"]));
        assert!(!is_stop(&["動詞", "自立", "*", "*", "一段", "基本形", "届ける"]));
        assert!(!is_stop(&["UNK"]));
    }
}
