//! The analyzer's character filter: NFKC with the offsets of every change, as lindera's own
//! filter computes them (a test and a property test check both against it), in one pass
//! that copies the runs NFKC leaves alone.

use lindera::LinderaResult;
use lindera_analysis::character_filter::{BoxCharacterFilter, CharacterFilter, OffsetMapping, Transformation};
use unicode_normalization::{IsNormalized, is_nfkc_quick};

/// Character filters of the chain, in order.
pub fn character_filters() -> Vec<BoxCharacterFilter> {
    vec![NfkcFilter.into()]
}

/// NFKC with the offset mapping of lindera's `UnicodeNormalizeCharacterFilter` (each
/// grapheme cluster normalised on its own; a change of length recorded), but fast on
/// Japanese text: a character that NFKC leaves alone and that cannot combine with its
/// neighbours (ASCII, hiragana, full-width katakana, common kanji, 、。) is copied without
/// grapheme segmentation, which otherwise dominates the filter. Text already in NFKC is
/// returned untouched.
#[derive(Clone)]
struct NfkcFilter;

impl CharacterFilter for NfkcFilter {
    fn name(&self) -> &str {
        "faq_nfkc"
    }

    fn apply(&self, text: &mut String) -> LinderaResult<OffsetMapping> {
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            return Ok(OffsetMapping::new());
        }
        let (normalized, mapping) = nfkc_with_offsets(text);
        *text = normalized;
        Ok(mapping)
    }
}

/// Whether NFKC leaves `c` unchanged whatever surrounds it and `c` never joins a grapheme
/// cluster with its neighbour (so it is a cluster of its own). Combining marks (U+3099
/// dakuten, U+FF9E half-width dakuten), compatibility characters and everything not listed
/// take the general path.
fn is_stable_alone(c: char) -> bool {
    matches!(c,
        ' '..='~'
        // CJK punctuation 、。〃〄々〆〇 brackets 〒〓〜〝〞〟 〠–〩 〰–〵 〷 〻–〿 (not the
        // ideographic space, the combining tone marks U+302A–302F or U+3036, U+3038–303A)
        | '\u{3001}'..='\u{3029}' | '\u{3030}'..='\u{3035}' | '\u{3037}' | '\u{303B}'..='\u{303F}'
        | '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' // hiragana, ゝゞ
        | '\u{30A1}'..='\u{30FC}' | '\u{30FD}' | '\u{30FE}' // katakana, ・ー, ヽヾ
        | '\u{203B}' | '\u{2190}'..='\u{2193}' // ※ ←↑→↓
        | '\u{25A0}' | '\u{25A1}' | '\u{25B2}' | '\u{25B3}' | '\u{25C6}' | '\u{25C7}' | '\u{25CB}' | '\u{25CE}' | '\u{25CF}' // ■□▲△◆◇○◎●
        | '\u{2605}' | '\u{2606}' // ★☆
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}') // CJK ideographs and extension A
}

/// The ASCII character NFKC makes of a full-width one (U+FF01–FF5E: ！ to ～), if `c` is one.
fn full_width_ascii(c: char) -> Option<char> {
    ('\u{FF01}'..='\u{FF5E}').contains(&c).then(|| char::from_u32(c as u32 - 0xFEE0)).flatten()
}

/// NFKC of `text`, grapheme cluster by cluster, with the byte offsets of every change of
/// length (the contract of lindera's filter, which tokens' offsets are mapped back with).
fn nfkc_with_offsets(text: &str) -> (String, OffsetMapping) {
    use unicode_normalization::UnicodeNormalization;
    use unicode_segmentation::UnicodeSegmentation;

    let mut out = String::with_capacity(text.len());
    let mut mapping = OffsetMapping::new();
    let mut start = 0;
    while start < text.len() {
        let rest = &text[start..];
        let mut chars = rest.chars();
        let first = chars.next().unwrap_or(' ');
        // A stable character followed by another stable one (or by nothing) is its own
        // cluster and unchanged.
        let next = chars.next();
        let settled = |c: char| is_stable_alone(c) || full_width_ascii(c).is_some();
        if is_stable_alone(first) && next.is_none_or(settled) {
            out.push(first);
            start += first.len_utf8();
            continue;
        }
        // A full-width letter, digit or sign not followed by a combining mark: its own
        // cluster, which NFKC makes ASCII (a change of length: one transformation).
        if let Some(ascii) = full_width_ascii(first).filter(|_| next.is_none_or(settled)) {
            let filtered_start = out.len();
            out.push(ascii);
            mapping.add_transformation(Transformation::new(start, start + first.len_utf8(), filtered_start, out.len()));
            start += first.len_utf8();
            continue;
        }
        let cluster = rest.graphemes(true).next().unwrap_or(rest);
        if is_nfkc_quick(cluster.chars()) == IsNormalized::Yes {
            out.push_str(cluster);
        } else {
            let filtered_start = out.len();
            out.extend(cluster.nfkc());
            if out.len() - filtered_start != cluster.len() {
                mapping.add_transformation(Transformation::new(start, start + cluster.len(), filtered_start, out.len()));
            }
        }
        start += cluster.len();
    }
    (out, mapping)
}

#[cfg(test)]
mod tests {
    use lindera_analysis::character_filter::unicode_normalize::{UnicodeNormalizeCharacterFilter, UnicodeNormalizeKind};

    use super::*;

    #[test]
    fn fast_nfkc_matches_linderas_filter_text_and_offsets() {
        let lindera = UnicodeNormalizeCharacterFilter::new(UnicodeNormalizeKind::NFKC);
        let samples = [
            "ｺﾝﾋﾞﾆ決済の領収書は発行できますか？（１０月分）",
            "カ\u{3099}キ\u{309A}と ﾊﾟﾝ\r\nＡＢＣ①㍻ｰ〜",
            "e\u{301}\u{302}x 👍🏽 👨‍👩‍👧 ㈱ ﬁ",
            "。、ー゛゜ｧ\u{3099}",
            "「ＡＢＣ」※〒１２３ｅ\u{301}ｆ\u{302}〜→㐀ゝ々〻\u{302A}〇ｶ\u{3099}\u{3000}ＰＤＦ。",
            "",
        ];
        for sample in samples {
            let mut expected = sample.to_string();
            let expected_mapping = lindera.apply(&mut expected).unwrap();
            let (actual, mapping) = nfkc_with_offsets(sample);
            assert_eq!(actual, expected, "{sample:?}");
            assert_eq!(mapping.transformations, expected_mapping.transformations, "{sample:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_nfkc_matches_linderas_filter_on_any_text(text in "(\\PC|[ｦ-ﾟ\u{3099}\u{309A}\u{301}\u{302A}\r\nＡ-ｚ０-９！-／「」※〜〻ゝ]){0,24}") {
            let mut expected = text.clone();
            let expected_mapping = UnicodeNormalizeCharacterFilter::new(UnicodeNormalizeKind::NFKC).apply(&mut expected).unwrap();
            let (actual, mapping) = nfkc_with_offsets(&text);
            proptest::prop_assert_eq!(actual, expected);
            proptest::prop_assert_eq!(mapping.transformations, expected_mapping.transformations);
        }
    }
}
