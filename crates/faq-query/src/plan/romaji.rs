//! Input as sellers type it, before analysis: romaji read as kana, and an unfinished IME
//! tail taken as the start of the next kana.
//!
//! * A word in Latin letters that reads as Japanese — Hepburn, kunrei or wāpuro (shi/si,
//!   tsu/tu, chi/ti, fu/hu, ji/zi; ou, oo and ō for a long o; n, nn and n' for ん; doubled
//!   consonants for っ) — becomes hiragana, so it is searched like kana (its reading
//!   matches 返金 for `henkin`). Left alone: words the index knows as they are (`amazon` in a
//!   corpus that writes Amazon), capitals (`FBA`, `Henkin`-style proper names in capitals are
//!   kept only when all capitals), anything with a digit or symbol (order numbers, SKUs,
//!   URLs, e-mail addresses), and words that do not parse as romaji (`email`, `order`).
//! * After kana, a trailing Latin fragment that is the start of a syllable (`へんp`,
//!   `りょうしゅうs`: a key pressed before the IME converted it) is dropped from the text and
//!   returned as the kana it may start ([`Prepared::tail`]); the searcher matches them as a
//!   prefix on the reading path.

/// The query text to analyse, and the kana an unfinished IME tail may start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    pub text: String,
    /// The first kana of every syllable the trailing Latin fragment can begin (`p` →
    /// ぱぴぷぺぽ); empty without such a fragment.
    pub tail: Vec<char>,
}

/// Romaji words to kana, and the IME tail split off. `known(word)` says whether the index
/// has the (lower-cased) Latin word itself, which is then left alone.
pub fn prepare(query: &str, known: impl Fn(&str) -> bool) -> Prepared {
    if !query.chars().any(is_latin_letter) {
        return Prepared { text: query.to_string(), tail: Vec::new() };
    }
    let mut text = String::with_capacity(query.len() + 16);
    let mut tail = Vec::new();
    // Whether the last word written was romaji made kana: the space after it goes if the
    // next word is too (an IME writes しょうひんがとどかない, not しょうひん が とどかない).
    let mut last_converted = false;
    let mut pending_space = String::new();
    let sentence = is_romaji_sentence(query, &known);
    let chars: Vec<(usize, char)> = query.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if !is_latin_letter(c) {
            if c == ' ' && last_converted {
                pending_space.push(c);
            } else {
                text.push_str(&std::mem::take(&mut pending_space));
                text.push(c);
                last_converted = false;
            }
            i += 1;
            continue;
        }
        // A run of letters (with ' and - inside: kin'you, me-ru).
        let mut j = i;
        while j < chars.len() && (is_latin_letter(chars[j].1) || (j > i && matches!(chars[j].1, '\'' | '-' | 'ー'))) {
            j += 1;
        }
        let end = chars.get(j).map_or(query.len(), |(at, _)| *at);
        let word = &query[start..end];
        // Glued to a digit, a dot, @, / or _ on either side: an identifier, a URL, an address.
        let before = i.checked_sub(1).map(|k| chars[k].1);
        let after = chars.get(j).map(|(_, c)| *c);
        let glued = |c: Option<char>| {
            c.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '/' | '_' | ':' | '#' | '=' | '&' | '?' | '%'))
        };
        let identifier = glued(before) || glued(after);
        let after_kana = before.is_some_and(is_kana);
        let lower = word.to_lowercase();
        if !identifier && after_kana {
            // Letters glued to kana are keys the IME had not converted yet: whole syllables
            // become kana, and at the end of the query an unfinished one is the tail.
            if j == chars.len()
                && let Some((head, starts)) = split_tail(&lower)
            {
                text.push_str(&head);
                tail = starts;
                break;
            }
            if let Some(kana) = to_hiragana(&lower) {
                text.push_str(&kana);
                i = j;
                continue;
            }
        }
        let kana = if identifier {
            None
        } else if sentence && word.chars().count() <= 2 {
            // Particles between romaji words: Hepburn writes は as wa and へ as e.
            particle(&lower).map(str::to_string).or_else(|| to_hiragana(&lower))
        } else {
            convertible(word, &known)
        };
        match kana {
            Some(kana) => {
                if !last_converted {
                    text.push_str(&pending_space);
                }
                pending_space.clear();
                text.push_str(&kana);
                last_converted = true;
            }
            None => {
                text.push_str(&std::mem::take(&mut pending_space));
                text.push_str(word);
                last_converted = false;
            }
        }
        i = j;
    }
    text.push_str(&pending_space);
    Prepared { text, tail }
}

/// Whether the query holds a romaji word of three letters or more that becomes kana: then
/// its one- and two-letter words are particles (no, ga, wa, e), not English.
fn is_romaji_sentence(query: &str, known: &impl Fn(&str) -> bool) -> bool {
    query
        .split(|c: char| !is_latin_letter(c) && c != '\'' && c != '-')
        .any(|word| word.chars().count() >= 3 && convertible(word, known).is_some())
}

/// The particles Hepburn spells by sound.
fn particle(word: &str) -> Option<&'static str> {
    match word {
        "wa" => Some("は"),
        "e" => Some("へ"),
        "wo" | "o" => Some("を"),
        _ => None,
    }
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, 'ā' | 'ī' | 'ū' | 'ē' | 'ō' | 'â' | 'î' | 'û' | 'ê' | 'ô' | 'Ā' | 'Ī' | 'Ū' | 'Ē' | 'Ō')
}

fn is_kana(c: char) -> bool {
    faq_core::normalize::is_hiragana(c) || faq_core::normalize::is_katakana(c) || c == 'ー'
}

/// The word as hiragana when it reads as Japanese and the index does not know it as is.
fn convertible(word: &str, known: &impl Fn(&str) -> bool) -> Option<String> {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    // FBA, SKU, ASIN: acronyms (all capitals, up to four letters; KONBINI is romaji typed
    // with caps lock). A capital inside a word (iPhone, eBay): a name.
    let all_upper = word.chars().all(|c| !c.is_alphabetic() || c.is_uppercase());
    let inner_capital = word.chars().skip(1).any(char::is_uppercase);
    if letters < 3 || (all_upper && letters <= 4) || (inner_capital && !all_upper) {
        return None;
    }
    let lower = word.to_lowercase();
    if known(&lower) {
        return None;
    }
    let kana = to_hiragana(&lower)?;
    (kana.chars().count() >= 2).then_some(kana)
}

/// Hiragana of a lower-case romaji word, or `None` when some letters are no syllable.
pub fn to_hiragana(word: &str) -> Option<String> {
    let expanded: String = word
        .chars()
        .flat_map(|c| match c {
            // ā, ī, ē mark the long vowels of loanwords (māketto → まーけっと); ō and ū
            // those of kanji readings (ryōshū → りょうしゅう).
            'ā' | 'â' => "a-".chars().collect::<Vec<_>>(),
            'ī' | 'î' => "i-".chars().collect(),
            'ē' | 'ê' => "e-".chars().collect(),
            'ū' | 'û' => "uu".chars().collect(),
            'ō' | 'ô' => "ou".chars().collect(),
            c => vec![c],
        })
        .collect::<String>()
        // "oo" and "ou" are one long o: ou as in 東京 (とうきょう), the far more common
        // reading in the words of a FAQ.
        .replace("oo", "ou");
    let s = expanded.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        match c {
            b'-' => {
                out.push('ー');
                i += 1;
                continue;
            }
            b'\'' => {
                i += 1;
                continue;
            }
            b'n' => {
                // ん: before a consonant (not y), at the end, as nn before a consonant or at
                // the end, or with an apostrophe.
                match next {
                    None => {
                        out.push('ん');
                        i += 1;
                        continue;
                    }
                    Some(b'\'') => {
                        out.push('ん');
                        i += 2;
                        continue;
                    }
                    Some(b'n') => {
                        let after = s.get(i + 2).copied();
                        out.push('ん');
                        // nna → ん + な; nn + consonant or end → ん.
                        i += if after.is_some_and(|a| is_vowel(a) || a == b'y') { 1 } else { 2 };
                        continue;
                    }
                    Some(n) if !is_vowel(n) && n != b'y' => {
                        out.push('ん');
                        i += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            // っ: a doubled consonant (kk, ss, tt, pp …) or tch.
            c if !is_vowel(c) && next == Some(c) && c != b'n' => {
                out.push('っ');
                i += 1;
                continue;
            }
            b't' if next == Some(b'c') && s.get(i + 2) == Some(&b'h') => {
                out.push('っ');
                i += 1;
                continue;
            }
            _ => {}
        }
        // The longest syllable here: 3 letters (shi, kya, tsu), then 2, then 1.
        let mut matched = false;
        for len in [3, 2, 1] {
            if i + len > s.len() {
                continue;
            }
            let piece = std::str::from_utf8(&s[i..i + len]).ok()?;
            if let Some(kana) = syllable(piece) {
                out.push_str(kana);
                i += len;
                matched = true;
                break;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(out)
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'i' | b'u' | b'e' | b'o')
}

/// The kana prefixes a lower-case romaji prefix may stand for: `ryoushu` → りょうしゅ,
/// `henk` → へんか, へんき, へんく, へんけ, へんこ (for completions).
pub fn kana_prefixes(prefix: &str) -> Vec<String> {
    if let Some((head, starts)) = split_tail(prefix) {
        return starts.into_iter().map(|c| format!("{head}{c}")).collect();
    }
    to_hiragana(prefix).into_iter().collect()
}

/// `word` as whole syllables (in kana) and an unfinished last one (1–2 letters, as the kana
/// it may start): `kap` → (か, ぱぴぷぺぽ).
fn split_tail(word: &str) -> Option<(String, Vec<char>)> {
    for cut in [1, 2] {
        if cut > word.len() || !word.is_char_boundary(word.len() - cut) {
            continue;
        }
        let (head, fragment) = word.split_at(word.len() - cut);
        let Some(starts) = syllable_starts(fragment) else { continue };
        let head = if head.is_empty() { Some(String::new()) } else { to_hiragana(head) };
        if let Some(head) = head {
            return Some((head, starts));
        }
    }
    None
}

/// The first kana of every syllable that begins with `fragment` (`p` → ぱぴぷぺぽ, `sh` →
/// し, `ky` → き); `None` when no syllable does, or the fragment is a whole syllable.
pub fn syllable_starts(fragment: &str) -> Option<Vec<char>> {
    if fragment.is_empty() || fragment.len() > 2 || syllable(fragment).is_some() {
        return None;
    }
    let mut starts = Vec::new();
    for (romaji, kana) in SYLLABLES {
        if romaji.len() > fragment.len()
            && romaji.starts_with(fragment)
            && let Some(first) = kana.chars().next()
            && !starts.contains(&first)
        {
            starts.push(first);
        }
    }
    // A doubled consonant's first letter, and n before a consonant, are kana of their own.
    if fragment == "n" && !starts.contains(&'ん') {
        starts.push('ん');
    }
    (!starts.is_empty()).then_some(starts)
}

fn syllable(piece: &str) -> Option<&'static str> {
    SYLLABLES.iter().find(|(romaji, _)| *romaji == piece).map(|(_, kana)| *kana)
}

/// Romaji syllables (Hepburn, kunrei and wāpuro spellings) and their hiragana.
const SYLLABLES: &[(&str, &str)] = &[
    ("a", "あ"),
    ("i", "い"),
    ("u", "う"),
    ("e", "え"),
    ("o", "お"),
    ("ka", "か"),
    ("ki", "き"),
    ("ku", "く"),
    ("ke", "け"),
    ("ko", "こ"),
    ("kya", "きゃ"),
    ("kyu", "きゅ"),
    ("kyo", "きょ"),
    ("ga", "が"),
    ("gi", "ぎ"),
    ("gu", "ぐ"),
    ("ge", "げ"),
    ("go", "ご"),
    ("gya", "ぎゃ"),
    ("gyu", "ぎゅ"),
    ("gyo", "ぎょ"),
    ("sa", "さ"),
    ("si", "し"),
    ("shi", "し"),
    ("su", "す"),
    ("se", "せ"),
    ("so", "そ"),
    ("sha", "しゃ"),
    ("shu", "しゅ"),
    ("sho", "しょ"),
    ("she", "しぇ"),
    ("sya", "しゃ"),
    ("syu", "しゅ"),
    ("syo", "しょ"),
    ("za", "ざ"),
    ("zi", "じ"),
    ("ji", "じ"),
    ("zu", "ず"),
    ("ze", "ぜ"),
    ("zo", "ぞ"),
    ("ja", "じゃ"),
    ("ju", "じゅ"),
    ("jo", "じょ"),
    ("je", "じぇ"),
    ("zya", "じゃ"),
    ("zyu", "じゅ"),
    ("zyo", "じょ"),
    ("jya", "じゃ"),
    ("jyu", "じゅ"),
    ("jyo", "じょ"),
    ("ta", "た"),
    ("ti", "ち"),
    ("chi", "ち"),
    ("tu", "つ"),
    ("tsu", "つ"),
    ("te", "て"),
    ("to", "と"),
    ("cha", "ちゃ"),
    ("chu", "ちゅ"),
    ("cho", "ちょ"),
    ("che", "ちぇ"),
    ("tya", "ちゃ"),
    ("tyu", "ちゅ"),
    ("tyo", "ちょ"),
    ("cya", "ちゃ"),
    ("cyu", "ちゅ"),
    ("cyo", "ちょ"),
    ("da", "だ"),
    ("di", "ぢ"),
    ("du", "づ"),
    ("de", "で"),
    ("do", "ど"),
    ("dya", "ぢゃ"),
    ("dyu", "ぢゅ"),
    ("dyo", "ぢょ"),
    ("na", "な"),
    ("ni", "に"),
    ("nu", "ぬ"),
    ("ne", "ね"),
    ("no", "の"),
    ("nya", "にゃ"),
    ("nyu", "にゅ"),
    ("nyo", "にょ"),
    ("ha", "は"),
    ("hi", "ひ"),
    ("hu", "ふ"),
    ("fu", "ふ"),
    ("he", "へ"),
    ("ho", "ほ"),
    ("hya", "ひゃ"),
    ("hyu", "ひゅ"),
    ("hyo", "ひょ"),
    ("fa", "ふぁ"),
    ("fi", "ふぃ"),
    ("fe", "ふぇ"),
    ("fo", "ふぉ"),
    ("ba", "ば"),
    ("bi", "び"),
    ("bu", "ぶ"),
    ("be", "べ"),
    ("bo", "ぼ"),
    ("bya", "びゃ"),
    ("byu", "びゅ"),
    ("byo", "びょ"),
    ("pa", "ぱ"),
    ("pi", "ぴ"),
    ("pu", "ぷ"),
    ("pe", "ぺ"),
    ("po", "ぽ"),
    ("pya", "ぴゃ"),
    ("pyu", "ぴゅ"),
    ("pyo", "ぴょ"),
    ("ma", "ま"),
    ("mi", "み"),
    ("mu", "む"),
    ("me", "め"),
    ("mo", "も"),
    ("mya", "みゃ"),
    ("myu", "みゅ"),
    ("myo", "みょ"),
    ("ya", "や"),
    ("yu", "ゆ"),
    ("yo", "よ"),
    ("ra", "ら"),
    ("ri", "り"),
    ("ru", "る"),
    ("re", "れ"),
    ("ro", "ろ"),
    ("rya", "りゃ"),
    ("ryu", "りゅ"),
    ("ryo", "りょ"),
    ("wa", "わ"),
    ("wo", "を"),
    ("wi", "うぃ"),
    ("we", "うぇ"),
    ("vu", "ゔ"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kana(word: &str) -> Option<String> {
        to_hiragana(word)
    }

    #[test]
    fn hepburn_kunrei_and_wapuro_spellings_read_alike() {
        assert_eq!(kana("henkin").as_deref(), Some("へんきん"));
        assert_eq!(kana("kyanseru").as_deref(), Some("きゃんせる"));
        assert_eq!(kana("konbini").as_deref(), Some("こんびに"));
        for spelling in ["ryoushuusho", "ryōshūsho", "ryooshuusho", "ryousyuusyo", "ryôshûsho"] {
            assert_eq!(kana(spelling).as_deref(), Some("りょうしゅうしょ"), "{spelling}");
        }
        for spelling in ["hakkou", "hakkō"] {
            assert_eq!(kana(spelling).as_deref(), Some("はっこう"), "{spelling}");
        }
        assert_eq!(kana("tsuuchi"), kana("tuuti"));
        assert_eq!(kana("doukon").as_deref(), Some("どうこん"));
        assert_eq!(kana("kin'you").as_deref(), Some("きんよう"));
        assert_eq!(kana("konnichiwa").as_deref(), Some("こんにちわ"));
        assert_eq!(kana("konnnichiha").as_deref(), Some("こんにちは"));
        assert_eq!(kana("shinnyou").as_deref(), Some("しんにょう"));
        assert_eq!(kana("matcha").as_deref(), Some("まっちゃ"));
        assert_eq!(kana("me-ru").as_deref(), Some("めーる"));
        assert_eq!(kana("māketto").as_deref(), Some("まーけっと"));
        assert_eq!(kana("email"), None);
        assert_eq!(kana("order"), None);
    }

    #[test]
    fn romaji_words_become_kana_and_identifiers_stay() {
        let none = |_: &str| false;
        assert_eq!(prepare("henkin", none).text, "へんきん");
        assert_eq!(prepare("領収書 hakkou", none).text, "領収書 はっこう");
        assert_eq!(prepare("Henkin shitai", none).text, "へんきんしたい");
        // Words typed with spaces are joined as the IME would; particles read as spoken.
        assert_eq!(prepare("kounyuusha e no renraku houhou", none).text, "こうにゅうしゃへのれんらくほうほう");
        assert_eq!(prepare("shouhin ga todokanai", none).text, "しょうひんがとどかない");
        assert_eq!(prepare("KONBINI", none).text, "こんびに");
        for kept in
            ["FBA", "ASIN", "email", "SKU-123", "123-4567890-1234567", "https://example.com/homepage.html", "a@b.jp", "iPhone", "no"]
        {
            assert_eq!(prepare(kept, none).text, kept, "{kept}");
        }
        // A word the corpus writes in Latin letters is searched as it is.
        let amazon = |w: &str| w == "amazon";
        assert_eq!(prepare("amazon henpin", amazon).text, "amazon へんぴん");
        assert_eq!(prepare("amazon", none).text, "あまぞん");
    }

    #[test]
    fn an_unfinished_ime_tail_is_the_start_of_the_next_kana() {
        let none = |_: &str| false;
        let prepared = prepare("へんp", none);
        assert_eq!(prepared.text, "へん");
        assert_eq!(prepared.tail, ['ぱ', 'ぴ', 'ぷ', 'ぺ', 'ぽ']);
        let prepared = prepare("りょうしゅうs", none);
        assert_eq!(prepared.text, "りょうしゅう");
        assert!(prepared.tail.contains(&'し') && prepared.tail.contains(&'さ'));
        assert_eq!(prepare("きゃんせるsh", none).tail, ['し']);
        assert_eq!(prepare("へんぴんするとs", none).text, "へんぴんすると");
        let glued = prepare("はっkoうs", none);
        assert_eq!((glued.text.as_str(), glued.tail.contains(&'す')), ("はっこう", true));
        // Not a tail: a whole syllable (converted), no kana before, or not at the end.
        assert_eq!(prepare("へんka", none), Prepared { text: "へんか".into(), tail: vec![] });
        assert_eq!(prepare("p", none), Prepared { text: "p".into(), tail: vec![] });
        assert!(prepare("へんp です", none).tail.is_empty());
    }
}
