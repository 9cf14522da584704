//! The semantic path's one definition of how a text becomes a vector, used by the indexer
//! (entry vectors, stored with the index generation) and by the query side alike.
//!
//! * [`WordVectors`]: a static table of chiVe word vectors (Works Applications, via the
//!   GiNZA wheel `ja_ginza` 5.3.0; THIRD_PARTY.md) keyed by this analyzer's own base-form
//!   terms, int8 rows with a per-row scale, built into the binary and read in place (no
//!   parsing at start). `scripts/vectors.py` regenerates it.
//! * [`words`]: which analysed tokens carry meaning (content words with a vector);
//!   [`embed`]: the IDF-weighted mean of their vectors.
//! * [`EntryVectors`]: every entry's vector, ½ (question + answer) of the unit vectors with
//!   the corpus' first principal component removed, and the document frequencies the IDF
//!   weights come from. Similarity of a query to an entry is then one dot product:
//!   ½ cos(q, question) + ½ cos(q, answer).

use std::sync::OnceLock;

use tantivy::directory::{Directory, OwnedBytes, TerminatingWrite as _};

mod entries;
mod kernels;
#[cfg(test)]
mod tests;

pub use entries::{EntryVectors, QueryVector, VectorsError};
pub use kernels::{Kernel, dot_i8};

use crate::analyzer::AnalyzedToken;
use crate::normalize::is_hiragana;

/// The table as built by `scripts/vectors.py`.
static TABLE_BYTES: &[u8] = include_bytes!("../../data/vectors.bin");
const TABLE_MAGIC: &[u8; 8] = b"FAQVEC02";

/// Bumped whenever [`words`], [`embed`] or the table change what vectors an entry gets, or
/// the entry-vector file changes shape (4: components stored padded, read in place): an
/// index built with another version is rebuilt (it is part of the layout's version).
pub const SEMANTIC_VERSION: u32 = 4;

/// Name of the entry-vector file inside a tantivy index directory (a leading dot: tantivy
/// leaves it alone).
pub const ENTRY_VECTORS_FILE: &str = ".faq-entry-vectors";
const ENTRY_MAGIC: &[u8; 8] = b"FAQENT02";

/// The word-vector table, read in place from the binary.
pub struct WordVectors {
    bytes: &'static [u8],
    dim: usize,
    keys: usize,
    rows: usize,
    offsets_at: usize,
    rows_at: usize,
    scales_at: usize,
    data_at: usize,
    blob_at: usize,
    sources: usize,
    sources_at: usize,
    source_blob_at: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_bits(u32_at(bytes, at))
}

impl WordVectors {
    /// Checks the header and the section sizes of a table; `None` when it is not one.
    pub fn parse(bytes: &'static [u8]) -> Option<WordVectors> {
        if bytes.len() < 28 || &bytes[..8] != TABLE_MAGIC {
            return None;
        }
        let (dim, keys, rows, blob, sources) = (
            u32_at(bytes, 8) as usize,
            u32_at(bytes, 12) as usize,
            u32_at(bytes, 16) as usize,
            u32_at(bytes, 20) as usize,
            u32_at(bytes, 24) as usize,
        );
        let offsets_at = 28;
        let rows_at = offsets_at + 4 * (keys + 1);
        let scales_at = rows_at + 2 * keys;
        let data_at = scales_at + 4 * rows;
        let blob_at = data_at + rows * dim;
        let sources_at = blob_at + blob;
        let source_blob_at = sources_at + 12 * sources;
        (source_blob_at <= bytes.len() && dim > 0).then_some(WordVectors {
            bytes,
            dim,
            keys,
            rows,
            offsets_at,
            rows_at,
            scales_at,
            data_at,
            blob_at,
            sources,
            sources_at,
            source_blob_at,
        })
    }

    /// Keys that the analyzer does not give back for themselves (問合, the term of
    /// 問い合わせ), each with the word it came from.
    pub fn sources(&self) -> impl Iterator<Item = (u32, &'static str)> + '_ {
        (0..self.sources).map(move |i| {
            let at = self.sources_at + 12 * i;
            let (key, start, end) = (u32_at(self.bytes, at), u32_at(self.bytes, at + 4), u32_at(self.bytes, at + 8));
            let text = &self.bytes[self.source_blob_at + start as usize..self.source_blob_at + end as usize];
            (key, std::str::from_utf8(text).unwrap_or(""))
        })
    }

    /// Dimensions of a vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of terms that have a vector.
    pub fn len(&self) -> usize {
        self.keys
    }

    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// Number of distinct rows (rare words share a frequent word's row).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The term of key `index` (keys are sorted by their UTF-8 bytes).
    pub fn term(&self, index: usize) -> &'static str {
        std::str::from_utf8(self.term_bytes(index)).unwrap_or("")
    }

    /// [`WordVectors::term`] as stored: what lookups compare (no UTF-8 check per probe).
    fn term_bytes(&self, index: usize) -> &'static [u8] {
        let start = self.blob_at + u32_at(self.bytes, self.offsets_at + 4 * index) as usize;
        let end = self.blob_at + u32_at(self.bytes, self.offsets_at + 4 * (index + 1)) as usize;
        &self.bytes[start..end]
    }

    /// The key index of `term`, if it has a vector.
    pub fn key(&self, term: &str) -> Option<u32> {
        let (mut low, mut high) = (0, self.keys);
        while low < high {
            let middle = (low + high) / 2;
            match self.term_bytes(middle).cmp(term.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle as u32),
            }
        }
        None
    }

    /// The row of key `key`.
    pub fn row_of(&self, key: u32) -> usize {
        let at = self.rows_at + 2 * key as usize;
        u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]]) as usize
    }

    /// How much a word says in general Japanese: a / (a + p), with p its probability
    /// estimated by Zipf's law from its row's frequency rank (rows are kept in chiVe's
    /// frequency order), so that 言う, 思う, ある weigh little in any corpus, however few
    /// entries that corpus has to estimate an IDF from.
    pub fn generic_weight(&self, key: u32) -> f32 {
        let rank = self.row_of(key) as f32 + 1.0;
        let harmonic = (self.rows as f32).ln() + 0.5772;
        let p = 1.0 / (rank * harmonic);
        SIF_A / (SIF_A + p)
    }

    /// The int8 components of row `row`.
    pub fn row(&self, row: usize) -> &'static [i8] {
        let bytes: &'static [u8] = &self.bytes[self.data_at + row * self.dim..self.data_at + (row + 1) * self.dim];
        bytemuck::cast_slice(bytes)
    }

    /// Cosine similarity of the vectors of two keys (1 for words sharing a row).
    pub fn cosine(&self, a: u32, b: u32) -> f32 {
        let (x, y) = (self.row(self.row_of(a)), self.row(self.row_of(b)));
        let (xy, xx, yy) = (dot_i8(x, y) as f32, dot_i8(x, x) as f32, dot_i8(y, y) as f32);
        if xx == 0.0 || yy == 0.0 { 0.0 } else { xy / (xx.sqrt() * yy.sqrt()) }
    }

    /// The similarities of key `key`'s vector to every row, in row order: how near two words
    /// are *for these vectors* (a rank among all words), which a raw cosine does not say.
    pub fn similarities(&self, key: u32) -> Vec<f32> {
        let x = self.row(self.row_of(key));
        let xx = (dot_i8(x, x) as f32).sqrt().max(1.0);
        (0..self.rows)
            .map(|r| {
                let y = self.row(r);
                dot_i8(x, y) as f32 / (xx * (dot_i8(y, y) as f32).sqrt().max(1.0))
            })
            .collect()
    }

    /// Adds `weight` × the vector of key `key` to `into`.
    pub fn add_to(&self, key: u32, weight: f32, into: &mut [f32]) {
        let row = self.row_of(key);
        let scale = f32_at(self.bytes, self.scales_at + 4 * row) * weight;
        let data = &self.bytes[self.data_at + row * self.dim..self.data_at + (row + 1) * self.dim];
        for (out, &q) in into.iter_mut().zip(data) {
            *out += scale * (q as i8) as f32;
        }
    }
}

/// The table built into the binary.
pub fn table() -> &'static WordVectors {
    static TABLE: OnceLock<WordVectors> = OnceLock::new();
    TABLE.get_or_init(|| WordVectors::parse(TABLE_BYTES).expect("the built-in word-vector table is well formed (a test checks it)"))
}

/// A content word of a text that has a vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word {
    pub key: u32,
    /// Index of the token in the analysis it came from.
    pub token: usize,
}

/// What carries meaning in a text: its content words that have a vector, and how many
/// content words it had in all (for the share covered).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Words {
    pub words: Vec<Word>,
    pub content_words: usize,
}

/// The words of analysed tokens that carry a vector. With `drop_kana_fragments` (queries),
/// words written in hiragana alone are left out: an all-hiragana query is often mis-segmented
/// (りょうしゅうしょ → りょう / しゅう / しょ) and such fragments pull unrelated vectors.
pub fn words(tokens: &[AnalyzedToken], drop_kana_fragments: bool) -> Words {
    let mut out = Words { words: Vec::new(), content_words: tokens.len() };
    for (index, token) in tokens.iter().enumerate() {
        if drop_kana_fragments && token.term.chars().all(is_hiragana) {
            continue;
        }
        if let Some(key) = key_of(&token.term) {
            out.words.push(Word { key, token: index });
        }
    }
    out
}

/// Terms whose table lookups each thread remembers, at most (about 50 bytes each).
const REMEMBERED_KEYS: usize = 8_192;

thread_local! {
    static KEYS: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Option<u32>>> = Default::default();
}

/// [`WordVectors::key`] in the built-in table, remembered per thread: a build looks the same
/// words up in entry after entry, a server in query after query, and a hash probe costs a
/// tenth of the table's binary search of string comparisons.
fn key_of(term: &str) -> Option<u32> {
    KEYS.with(|keys| {
        if let Some(&key) = keys.borrow().get(term) {
            return key;
        }
        let key = table().key(term);
        let mut keys = keys.borrow_mut();
        if keys.len() < REMEMBERED_KEYS {
            keys.insert(term.into(), key);
        }
        key
    })
}

/// The words of [`words`]`(tokens, true)` taken from `words(tokens, false)` without looking
/// the terms up again.
pub fn drop_kana_fragments(all: &Words, tokens: &[AnalyzedToken]) -> Words {
    Words {
        words: all.words.iter().copied().filter(|w| !tokens[w.token].term.chars().all(is_hiragana)).collect(),
        content_words: all.content_words,
    }
}

/// BM25's IDF of a word found in `df` of `entries` entries.
pub fn idf(df: u32, entries: usize) -> f32 {
    let (df, n) = (df as f32, entries as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Entries whose vectors the principal axis is computed from, at most.
pub const AXIS_SAMPLE: usize = 20_000;

/// The keys of the words of analysed tokens that carry a vector, as the index side keeps
/// them ([`words`] without the query side's kana guard).
pub fn keys(tokens: &[AnalyzedToken]) -> Vec<u32> {
    words(tokens, false).words.into_iter().map(|w| w.key).collect()
}

/// [`embed`] of bare keys.
fn embed_keys(keys: impl IntoIterator<Item = u32>, weight: impl Fn(u32) -> f32) -> Vec<f32> {
    let table = table();
    let mut vector = vec![0.0; table.dim()];
    for key in keys {
        table.add_to(key, weight(key) * table.generic_weight(key), &mut vector);
    }
    vector
}

/// The weighted mean of the words' vectors (unnormalised; zero when there is none): each
/// word counts `weight(key)` (the corpus' IDF) × its general-language weight
/// [`WordVectors::generic_weight`].
pub fn embed(words: &[Word], weight: impl Fn(u32) -> f32) -> Vec<f32> {
    embed_keys(words.iter().map(|w| w.key), weight)
}

/// SIF's smoothing constant (Arora et al. 2017): a word of general-language probability p
/// weighs a / (a + p). Chosen on the dev splits over 1e-3, 3e-3 and 1e-2 (RELEVANCE.md).
const SIF_A: f32 = 3e-4;

/// `vector` without its component along the unit vector `axis`, scaled to unit length
/// (left as it is when it is zero).
pub fn remove_and_normalise(vector: &mut [f32], axis: &[f32]) {
    let along: f32 = vector.iter().zip(axis).map(|(a, b)| a * b).sum();
    for (v, a) in vector.iter_mut().zip(axis) {
        *v -= along * a;
    }
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 1e-12 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
}

/// Components of a padded vector: `dim` rounded up to a multiple of 32.
pub fn stride(dim: usize) -> usize {
    dim.div_ceil(32) * 32
}

/// int8 components of `vector` and their scale (largest magnitude → 127).
fn quantise(vector: &[f32]) -> (f32, Vec<i8>) {
    let peak = vector.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let scale = if peak > 0.0 { peak / 127.0 } else { 1.0 };
    (scale, vector.iter().map(|v| round_to_i8(v / scale)).collect())
}

/// `x.round().clamp(-127.0, 127.0) as i8` without the call to `roundf` the baseline x86-64
/// target makes for `round` (no SSE4.1): the integer part by conversion, and the fraction,
/// exact for numbers this small, decides. Half-way cases round away from zero, as `round`.
#[inline]
fn round_to_i8(x: f32) -> i8 {
    let x = x.clamp(-127.0, 127.0);
    let whole = x as i32; // toward zero
    let fraction = x - whole as f32; // exact: |x| < 2^23
    let rounded = whole + i32::from(fraction >= 0.5) - i32::from(fraction <= -0.5);
    rounded as i8
}

/// The first right singular vector of the rows (power iteration on XᵀX, without forming it).
fn first_principal_axis<'a>(rows: impl Iterator<Item = &'a Vec<f32>> + Clone, dim: usize) -> Vec<f32> {
    let mut axis = vec![1.0 / (dim as f32).sqrt(); dim];
    for _ in 0..30 {
        let mut next = vec![0.0f32; dim];
        for row in rows.clone() {
            let along: f32 = row.iter().zip(&axis).map(|(a, b)| a * b).sum();
            next.iter_mut().zip(row).for_each(|(n, r)| *n += along * r);
        }
        let norm = next.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm < 1e-12 {
            return vec![0.0; dim];
        }
        next.iter_mut().for_each(|v| *v /= norm);
        axis = next;
    }
    axis
}
