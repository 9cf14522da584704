//! The FAQ owner's user dictionary: words IPADIC splits or reads wrongly for this domain
//! (同梱 is read 同 + 梱 "こり", so どうこん never finds it), in a plain file next to the
//! corpus, `corpus/user_dictionary.csv`, applied by the one analyzer at index and at query
//! time. A change to it changes the corpus fingerprint, so the index is rebuilt.
//!
//! Format (lindera's simple user dictionary), one word per line, `#` starts a comment:
//!
//! ```text
//! # surface,part of speech,reading (katakana or hiragana)
//! 同梱,サ変名詞,ドウコン
//! 出荷通知,名詞,シュッカツウチ
//! ```
//!
//! Parts of speech: 名詞, サ変名詞 (a noun that takes する), 固有名詞, 組織名, 副詞, 連体詞,
//! 接続詞, 感動詞 (words that do not conjugate). A user word always wins over IPADIC's
//! segmentation where it occurs.

use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};

/// Name of the user dictionary in the corpus folder.
pub const FILE_NAME: &str = "user_dictionary.csv";

/// Largest user dictionary read (a hand-kept list of words, not a dictionary dump).
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Parts of speech a user word may have (words that do not conjugate), with the IPADIC
/// part of speech and context id they are given.
const PARTS_OF_SPEECH: &[(&str, &str, u16)] = &[
    ("名詞", "名詞,一般,*,*", 1285),
    ("サ変名詞", "名詞,サ変接続,*,*", 1283),
    ("固有名詞", "名詞,固有名詞,一般,*", 1288),
    ("組織名", "名詞,固有名詞,組織,*", 1292),
    ("副詞", "副詞,一般,*,*", 1281),
    ("連体詞", "連体詞,*,*,*", 1315),
    ("接続詞", "接続詞,*,*,*", 555),
    ("感動詞", "感動詞,*,*,*", 3),
];

/// Cost of a user word: far below IPADIC's (a few thousand), so the owner's word wins.
const WORD_COST: i32 = -10000;

/// The words of a user dictionary, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserWords {
    /// Where they were read from.
    pub path: PathBuf,
    /// (surface, part of speech, reading in katakana), in file order.
    pub words: Vec<(String, String, String)>,
}

/// The user dictionary of a corpus (a folder, or the folder of a corpus file), if it has one.
pub fn path_for_corpus(corpus: &Path) -> PathBuf {
    let folder = if corpus.is_dir() { corpus } else { corpus.parent().unwrap_or(Path::new("")) };
    folder.join(FILE_NAME)
}

/// Reads and checks a user dictionary; `None` when the file does not exist. An error names
/// the file and line.
pub fn read(path: &Path) -> Result<Option<UserWords>> {
    let bad = |line: usize, message: String| CoreError::UserDictionary { path: path.to_path_buf(), line, message };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(0, format!("cannot read: {e}"))),
    };
    if !meta.is_file() {
        return Err(bad(0, "not a regular file".into()));
    }
    if meta.len() > MAX_BYTES {
        return Err(bad(0, format!("{} bytes; a user dictionary may have at most {MAX_BYTES}", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| bad(0, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| bad(0, format!("not UTF-8 ({e})")))?;
    let mut words = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [surface, pos, reading] = fields.as_slice() else {
            return Err(bad(n + 1, format!("expected surface,part of speech,reading (3 fields), got {}: {line:?}", fields.len())));
        };
        if surface.is_empty() || surface.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
            return Err(bad(n + 1, format!("the surface {surface:?} is empty or holds spaces, quotes or control characters")));
        }
        if !PARTS_OF_SPEECH.iter().any(|(name, _, _)| name == pos) {
            let names: Vec<&str> = PARTS_OF_SPEECH.iter().map(|(name, _, _)| *name).collect();
            return Err(bad(n + 1, format!("unknown part of speech {pos:?}; one of {}", names.join(", "))));
        }
        let katakana: String = reading.chars().map(to_katakana).collect();
        if katakana.is_empty() || !katakana.chars().all(|c| crate::normalize::is_katakana(c) || c == 'ー') {
            return Err(bad(n + 1, format!("the reading {reading:?} must be kana")));
        }
        let surface = unicode_normalization::UnicodeNormalization::nfkc(*surface).collect::<String>();
        words.push((surface, pos.to_string(), katakana));
    }
    Ok(Some(UserWords { path: path.to_path_buf(), words }))
}

fn to_katakana(c: char) -> char {
    if ('\u{3041}'..='\u{3096}').contains(&c) { char::from_u32(c as u32 + 0x60).unwrap_or(c) } else { c }
}

impl UserWords {
    /// The words as lindera's detailed user-dictionary CSV (IPADIC's 13 fields: surface,
    /// context ids, cost, part of speech, conjugation, base form, reading, pronunciation).
    pub(crate) fn to_csv(&self) -> String {
        let mut csv = String::new();
        for (surface, pos, reading) in &self.words {
            let (_, ipadic, id) = PARTS_OF_SPEECH.iter().find(|(name, _, _)| name == pos).copied().unwrap_or(PARTS_OF_SPEECH[0]);
            csv.push_str(&format!("{surface},{id},{id},{WORD_COST},{ipadic},*,*,{surface},{reading},{reading}\n"));
        }
        csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_words_comments_and_hiragana_readings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "# 読みの誤り\n同梱,名詞,ドウコン\n\n出荷通知, 名詞, しゅっかつうち # 複合語\n").unwrap();
        let words = read(&path).unwrap().unwrap();
        assert_eq!(
            words.words,
            [("同梱".into(), "名詞".into(), "ドウコン".into()), ("出荷通知".into(), "名詞".into(), "シュッカツウチ".into())]
        );
        assert_eq!(read(&dir.path().join("missing.csv")).unwrap(), None);
    }

    #[test]
    fn a_bad_line_is_named_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        for (text, needle) in [
            ("同梱,名詞\n", "3 fields"),
            ("同梱,名刺,ドウコン\n", "unknown part of speech"),
            ("走る,動詞,ハシル\n", "unknown part of speech"),
            ("同梱,名詞,dokon\n", "must be kana"),
            ("同 梱,名詞,ドウコン\n", "spaces"),
        ] {
            std::fs::write(&path, format!("# ok\n{text}")).unwrap();
            let error = read(&path).unwrap_err().to_string();
            assert!(error.contains(&format!("{}:2", path.display())) && error.contains(needle), "{error}");
        }
    }
}
