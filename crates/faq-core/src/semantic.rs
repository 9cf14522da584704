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

use crate::analyzer::AnalyzedToken;
use crate::normalize::is_hiragana;

/// The table as built by `scripts/vectors.py`.
static TABLE_BYTES: &[u8] = include_bytes!("../data/vectors.bin");
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
        // SAFETY: i8 and u8 have the same size, alignment and validity.
        unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<i8>(), bytes.len()) }
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

/// Every entry's vector, by corpus ordinal, and the document frequencies of the words.
///
/// One representation, the file itself ([`EntryVectors::to_bytes`]): read from an index it
/// is the memory-mapped file, so opening copies only the axis and the scales; the document
/// frequencies are searched and the components scanned where they lie.
#[derive(Clone)]
pub struct EntryVectors {
    pub dim: usize,
    /// The corpus' first principal component (unit length), removed from every vector.
    pub axis: Vec<f32>,
    /// Per entry: the scale of its int8 components; ½ (question + answer) unit vectors.
    pub scales: Vec<f32>,
    /// Number of `(key, df)` pairs, sorted by key, at `df_at`: in how many entries each
    /// word occurs.
    dfs: usize,
    df_at: usize,
    /// The components at `vectors_at` (a multiple of 64), each vector zero-padded to
    /// [`stride`]`(dim)` so that a dot product runs in whole 32-component steps.
    vectors_at: usize,
    bytes: OwnedBytes,
    /// The sum of each vector's components, for [`Kernel::Vnni`]: computed at the first full
    /// scan (an index too large to scan never needs them).
    sums: OnceLock<Vec<i32>>,
}

impl PartialEq for EntryVectors {
    fn eq(&self, other: &EntryVectors) -> bool {
        self.bytes.as_slice() == other.bytes.as_slice()
    }
}

impl std::fmt::Debug for EntryVectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryVectors").field("dim", &self.dim).field("entries", &self.len()).field("words", &self.dfs).finish()
    }
}

/// Components of a padded vector: `dim` rounded up to a multiple of 32.
pub fn stride(dim: usize) -> usize {
    dim.div_ceil(32) * 32
}

/// Where the components start in an entry-vector file: after the header, the axis, the
/// document frequencies and the scales, rounded up to a multiple of 64.
fn vectors_offset(dim: usize, dfs: usize, n: usize) -> Option<usize> {
    let end = 24usize.checked_add(dim.checked_mul(4)?)?.checked_add(dfs.checked_mul(8)?)?.checked_add(n.checked_mul(4)?)?;
    end.checked_next_multiple_of(64)
}

impl EntryVectors {
    /// Computes the vectors of entries given the word keys of each one's question and
    /// answer ([`keys`]). Memory stays bounded at any corpus size: the principal axis is
    /// computed from at most [`AXIS_SAMPLE`] entries spread over the corpus (all of them up
    /// to that size), then each entry's vector is computed and quantised in turn.
    pub fn build(entries: &[(Vec<u32>, Vec<u32>)]) -> EntryVectors {
        let table = table();
        let dim = table.dim();
        let mut df: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
        let mut seen = Vec::new();
        for (question, answer) in entries {
            seen.clear();
            seen.extend(question.iter().chain(answer));
            seen.sort_unstable();
            seen.dedup();
            for &key in &seen {
                *df.entry(key).or_default() += 1;
            }
        }
        let mut df: Vec<(u32, u32)> = df.into_iter().collect();
        df.sort_unstable();
        let n = entries.len();
        let weight = |key: u32| idf(df.binary_search_by_key(&key, |&(k, _)| k).map_or(0, |i| df[i].1), n);
        let step = n.div_ceil(AXIS_SAMPLE).max(1);
        let sample: Vec<Vec<f32>> = entries
            .iter()
            .step_by(step)
            .flat_map(|(q, a)| [embed_keys(q.iter().copied(), weight), embed_keys(a.iter().copied(), weight)])
            .collect();
        let axis = first_principal_axis(sample.iter(), dim);
        // Up to AXIS_SAMPLE entries the sample is every entry's question and answer, in
        // order: those vectors are used again rather than computed twice.
        let mut reused = if step == 1 { sample } else { Vec::new() }.into_iter();
        let mut scales = Vec::with_capacity(n);
        let mut data = Vec::with_capacity(n * stride(dim));
        for (q, a) in entries {
            let (mut question, mut answer) = match (reused.next(), reused.next()) {
                (Some(question), Some(answer)) => (question, answer),
                _ => (embed_keys(q.iter().copied(), weight), embed_keys(a.iter().copied(), weight)),
            };
            remove_and_normalise(&mut question, &axis);
            remove_and_normalise(&mut answer, &axis);
            let mean: Vec<f32> = question.iter().zip(&answer).map(|(q, a)| 0.5 * (q + a)).collect();
            let (scale, quantised) = quantise(&mean);
            scales.push(scale);
            data.extend(quantised.iter().map(|&v| v as u8));
            data.resize(data.len() + stride(dim) - dim, 0);
        }
        let mut out = Vec::with_capacity(vectors_offset(dim, df.len(), n).unwrap_or(0) + data.len());
        out.extend_from_slice(ENTRY_MAGIC);
        for value in [SEMANTIC_VERSION, dim as u32, n as u32, df.len() as u32] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        axis.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        for &(key, df) in &df {
            out.extend_from_slice(&key.to_le_bytes());
            out.extend_from_slice(&df.to_le_bytes());
        }
        scales.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        out.resize(out.len().next_multiple_of(64), 0);
        out.extend_from_slice(&data);
        EntryVectors::from_bytes(OwnedBytes::new(out)).expect("the file just written reads back")
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// In how many entries `key` occurs.
    pub fn df(&self, key: u32) -> u32 {
        let (mut low, mut high) = (0, self.dfs);
        while low < high {
            let middle = low + (high - low) / 2;
            let at = self.df_at + 8 * middle;
            match u32_at(&self.bytes, at).cmp(&key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return u32_at(&self.bytes, at + 4),
            }
        }
        0
    }

    /// Every entry's components, `stride(dim)` each.
    fn padded(&self) -> &[i8] {
        let data = &self.bytes[self.vectors_at..];
        // SAFETY: i8 and u8 have the same size, alignment and validity.
        unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<i8>(), data.len()) }
    }

    /// The unit query vector of `words` (IDF from this corpus, the axis removed); `None`
    /// when no word has a vector.
    pub fn query_vector(&self, words: &[Word]) -> Option<QueryVector> {
        if words.is_empty() {
            return None;
        }
        let n = self.len();
        let mut vector = embed(words, |key| idf(self.df(key), n));
        remove_and_normalise(&mut vector, &self.axis);
        let (scale, mut data) = quantise(&vector);
        data.resize(stride(self.dim), 0);
        vector.iter().any(|v| *v != 0.0).then_some(QueryVector { scale, data })
    }

    /// Similarity of the query to entry `ordinal`: ½ cos(question) + ½ cos(answer). An
    /// integer dot product of int8 components (it vectorises; a float sum does not).
    pub fn similarity(&self, query: &QueryVector, ordinal: usize) -> f32 {
        let stride = stride(self.dim);
        let data = &self.padded()[ordinal * stride..(ordinal + 1) * stride];
        dot_i8(&query.data, data) as f32 * query.scale * self.scales[ordinal]
    }

    /// [`EntryVectors::similarity`] of every entry, in ordinal order, into `out` (cleared
    /// first): one pass with the query's part of the work done once, on the best kernel
    /// this processor has ([`Kernel::best`]).
    pub fn similarities_into(&self, query: &QueryVector, out: &mut Vec<f32>) {
        self.similarities_with(Kernel::best(), query, out);
    }

    /// [`EntryVectors::similarities_into`] on a given kernel (each gives exactly the same
    /// numbers: integer dot products); a kernel the processor lacks falls back to the
    /// portable loop.
    pub fn similarities_with(&self, kernel: Kernel, query: &QueryVector, out: &mut Vec<f32>) {
        out.clear();
        let stride = stride(self.dim);
        if query.data.len() != stride {
            out.extend((0..self.len()).map(|ordinal| self.similarity(query, ordinal)));
            return;
        }
        #[cfg(target_arch = "x86_64")]
        match kernel {
            Kernel::Vnni if stride.is_multiple_of(64) && Kernel::best() == Kernel::Vnni => {
                out.resize(self.len(), 0.0);
                let sums =
                    self.sums.get_or_init(|| self.padded().chunks_exact(stride).map(|v| v.iter().map(|&c| i32::from(c)).sum()).collect());
                // SAFETY: the processor supports AVX-512 F, BW and VNNI (Kernel::best);
                // every vector of `padded` and the query have `stride` components, a
                // multiple of 64; `sums` has one per vector.
                unsafe {
                    if stride == 320 {
                        scan_vnni::<5>(&query.data, self.padded(), stride, sums, query.scale, &self.scales, out)
                    } else {
                        scan_vnni::<0>(&query.data, self.padded(), stride, sums, query.scale, &self.scales, out)
                    }
                };
                return;
            }
            Kernel::Vnni | Kernel::Avx2 if std::arch::is_x86_feature_detected!("avx2") => {
                out.resize(self.len(), 0.0);
                // SAFETY: the processor supports AVX2, checked just above; every vector of
                // `padded` and the query have `stride` components, a multiple of 32.
                unsafe {
                    if stride == 320 {
                        scan_avx2::<10>(&query.data, self.padded(), stride, query.scale, &self.scales, out)
                    } else {
                        scan_avx2::<0>(&query.data, self.padded(), stride, query.scale, &self.scales, out)
                    }
                };
                return;
            }
            _ => {}
        }
        for (ordinal, vector) in self.padded().chunks_exact(stride).enumerate() {
            out.push(dot_i8_lanes(&query.data, vector) as f32 * query.scale * self.scales[ordinal]);
        }
    }

    /// The file stored in the index directory.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Writes [`ENTRY_VECTORS_FILE`] into an index directory, ended by tantivy's footer like
    /// the index's own files, so that [`EntryVectors::open`] maps it through the same
    /// directory.
    pub fn write(&self, directory: &dyn Directory) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = directory.open_write(std::path::Path::new(ENTRY_VECTORS_FILE)).map_err(std::io::Error::other)?;
        file.write_all(self.to_bytes())?;
        file.terminate()
    }

    /// Reads [`ENTRY_VECTORS_FILE`] of an index directory in place (memory-mapped on disk);
    /// `Ok(None)` when there is none (an index built in RAM by hand).
    pub fn open(directory: &dyn Directory) -> Result<Option<EntryVectors>, String> {
        let file = match directory.open_read(std::path::Path::new(ENTRY_VECTORS_FILE)) {
            Ok(file) => file,
            Err(tantivy::directory::error::OpenReadError::FileDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        EntryVectors::from_bytes(file.read_bytes().map_err(|e| e.to_string())?).map(Some)
    }

    /// Reads [`EntryVectors::to_bytes`] in place; an error says what is wrong.
    pub fn from_bytes(bytes: OwnedBytes) -> Result<EntryVectors, String> {
        if bytes.len() < 24 || &bytes[..8] != ENTRY_MAGIC {
            return Err("not an entry-vector file".into());
        }
        let (version, dim, n, dfs) =
            (u32_at(&bytes, 8), u32_at(&bytes, 12) as usize, u32_at(&bytes, 16) as usize, u32_at(&bytes, 20) as usize);
        if version != SEMANTIC_VERSION || dim != table().dim() {
            return Err(format!(
                "entry vectors of version {version} / {dim} dimensions, this binary needs {SEMANTIC_VERSION} / {}",
                table().dim()
            ));
        }
        let vectors_at = vectors_offset(dim, dfs, n);
        let expected = vectors_at.and_then(|at| at.checked_add(n.checked_mul(stride(dim))?));
        if expected != Some(bytes.len()) {
            return Err(format!("entry-vector file of {} bytes, expected {expected:?}", bytes.len()));
        }
        let (df_at, scales_at) = (24 + 4 * dim, 24 + 4 * dim + 8 * dfs);
        let axis = (0..dim).map(|i| f32_at(&bytes, 24 + 4 * i)).collect();
        let scales = (0..n).map(|i| f32_at(&bytes, scales_at + 4 * i)).collect();
        Ok(EntryVectors { dim, axis, scales, dfs, df_at, vectors_at: vectors_at.unwrap_or(0), bytes, sums: OnceLock::new() })
    }
}

/// A unit query vector in int8 components (zero-padded to [`stride`]`(dim)`) with their scale.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryVector {
    pub scale: f32,
    pub data: Vec<i8>,
}

/// Dot product of two int8 vectors, in lanes of 16 that the compiler turns into SIMD (AVX2
/// when the processor has it: detected at run time, the portable build being SSE2 only).
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        return unsafe { dot_i8_avx2(a, b) };
    }
    dot_i8_lanes(a, b)
}

/// 32 components at a time: |a| as unsigned bytes times b with a's sign (`vpsignb`),
/// multiplied and summed in pairs to i16 (`vpmaddubsw`: |a|, |b| ≤ 127, so a pair stays
/// under 2 × 127² < 32,767 and never saturates) and in pairs again to i32 (`vpmaddwd` by
/// ones); then 16 at a time sign-extended (`vpmaddwd`), then one by one. Components are
/// quantised to [-127, 127] ([`quantise`]): -128, whose |·| does not fit, never occurs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_loadu_si128, _mm256_abs_epi8, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_loadu_si256, _mm256_madd_epi16,
        _mm256_maddubs_epi16, _mm256_set1_epi16, _mm256_setzero_si256, _mm256_sign_epi8, _mm256_storeu_si256,
    };
    let n = a.len().min(b.len());
    let mut sum = _mm256_setzero_si256();
    let ones = _mm256_set1_epi16(1);
    let mut i = 0;
    while i + 32 <= n {
        // SAFETY: i + 32 <= n, so both 32-byte loads stay inside the slices; unaligned
        // loads are allowed.
        let (x, y) =
            unsafe { (_mm256_loadu_si256(a.as_ptr().add(i) as *const __m256i), _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i)) };
        let pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, ones));
        i += 32;
    }
    while i + 16 <= n {
        // SAFETY: i + 16 <= n, as above.
        let (x, y) = unsafe {
            (
                _mm256_cvtepi8_epi16(_mm_loadu_si128(a.as_ptr().add(i) as *const __m128i)),
                _mm256_cvtepi8_epi16(_mm_loadu_si128(b.as_ptr().add(i) as *const __m128i)),
            )
        };
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(x, y));
        i += 16;
    }
    let mut lanes = [0i32; 8];
    // SAFETY: `lanes` is 32 bytes, the size of the store.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, sum) };
    lanes.iter().sum::<i32>() + a[i..n].iter().zip(&b[i..n]).map(|(&x, &y)| x as i32 * y as i32).sum::<i32>()
}

/// The kernels of the full scan, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// AVX-512 VNNI: `vpdpbusd`, 64 components a step.
    Vnni,
    /// AVX2: `vpmaddubsw` / `vpmaddwd`, 32 components a step.
    Avx2,
    /// Plain Rust (16 lanes the compiler vectorises).
    Portable,
}

impl Kernel {
    /// The best kernel this processor runs (detected once).
    pub fn best() -> Kernel {
        static BEST: OnceLock<Kernel> = OnceLock::new();
        *BEST.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vnni")
                {
                    return Kernel::Vnni;
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    return Kernel::Avx2;
                }
            }
            Kernel::Portable
        })
    }
}

/// [`scan_avx2`] on AVX-512 VNNI: 64 components a step in one `vpdpbusd` (unsigned × signed
/// bytes, summed by fours into 32-bit lanes: exact). The query is made unsigned by adding
/// 128 to each component, so q·v = (q + 128)·v − 128 Σv, with `sums` (Σv of each vector)
/// computed once per opened index. `STEPS` = stride / 64 when known at compile time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn scan_vnni<const STEPS: usize>(
    query: &[i8],
    vectors: &[i8],
    stride: usize,
    sums: &[i32],
    scale: f32,
    scales: &[f32],
    out: &mut [f32],
) {
    use std::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_reduce_add_epi32, _mm512_set1_epi8, _mm512_setzero_si512, _mm512_xor_si512,
    };
    let steps = if STEPS > 0 { STEPS } else { stride / 64 };
    debug_assert!(stride == 64 * steps && query.len() == stride && sums.len() * stride == vectors.len());
    // SAFETY (every load below): offset 64 * step + 64 <= stride, the length of the query
    // and of each vector; unaligned loads are allowed.
    let load = |bytes: &[i8], step: usize| unsafe { _mm512_loadu_si512(bytes.as_ptr().add(64 * step) as *const __m512i) };
    let flip = _mm512_set1_epi8(i8::MIN);
    for ((vector, (&sum, own)), slot) in vectors.chunks_exact(stride).zip(sums.iter().zip(scales)).zip(out.iter_mut()) {
        let mut lanes = _mm512_setzero_si512();
        for step in 0..steps {
            // q + 128 as unsigned bytes: the sign bit flipped.
            lanes = _mm512_dpbusd_epi32(lanes, _mm512_xor_si512(load(query, step), flip), load(vector, step));
        }
        let dot = _mm512_reduce_add_epi32(lanes) - 128 * sum;
        *slot = dot as f32 * scale * own;
    }
}

/// The dot products of `query` with each `stride`-component vector of `vectors`, each
/// times `scale` and the vector's own scale, into `out` (one per vector). `stride` is a
/// multiple of 32 and the query has `stride` components. `STEPS` = stride / 32 when known
/// at compile time (10 for the 300-dimension table, so the inner loop unrolls), else 0.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_avx2<const STEPS: usize>(query: &[i8], vectors: &[i8], stride: usize, scale: f32, scales: &[f32], out: &mut [f32]) {
    use std::arch::x86_64::{
        __m256i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_shuffle_epi32, _mm256_abs_epi8, _mm256_add_epi32, _mm256_castsi256_si128,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_set1_epi16, _mm256_setzero_si256,
        _mm256_sign_epi8,
    };
    let steps = if STEPS > 0 { STEPS } else { stride / 32 };
    debug_assert!(stride == 32 * steps && query.len() == stride);
    // SAFETY (every load below): offset 32 * step + 32 <= stride, the length of the query
    // and of each vector; unaligned loads are allowed.
    let load = |bytes: &[i8], step: usize| unsafe { _mm256_loadu_si256(bytes.as_ptr().add(32 * step) as *const __m256i) };
    let ones = _mm256_set1_epi16(1);
    let dot = |vector: &[i8]| {
        let mut pairs = _mm256_setzero_si256();
        for step in 0..steps {
            let q = load(query, step);
            // |q| × (v with q's sign): i16 pairs, each ≤ 2 × 127² (no saturation).
            let products = _mm256_maddubs_epi16(_mm256_abs_epi8(q), _mm256_sign_epi8(load(vector, step), q));
            pairs = _mm256_add_epi32(pairs, _mm256_madd_epi16(products, ones));
        }
        let half = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256::<1>(pairs));
        let quarter = _mm_add_epi32(half, _mm_shuffle_epi32::<0b01_00_11_10>(half));
        _mm_cvtsi128_si32(_mm_add_epi32(quarter, _mm_shuffle_epi32::<0b10_11_00_01>(quarter)))
    };
    for ((vector, own), slot) in vectors.chunks_exact(stride).zip(scales).zip(out.iter_mut()) {
        *slot = dot(vector) as f32 * scale * own;
    }
}

fn dot_i8_lanes(a: &[i8], b: &[i8]) -> i32 {
    let (chunks_a, chunks_b) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = chunks_a.remainder().iter().zip(chunks_b.remainder()).map(|(&x, &y)| x as i32 * y as i32).sum();
    let mut lanes = [0i32; 16];
    for (x, y) in chunks_a.zip(chunks_b) {
        for i in 0..16 {
            lanes[i] += x[i] as i32 * y[i] as i32;
        }
    }
    lanes.iter().sum::<i32>() + tail
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_i8_is_round_then_clamp() {
        let plain = |x: f32| x.round().clamp(-127.0, 127.0) as i8;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999997,
            -0.49999997,
            126.5,
            127.49,
            127.5,
            128.0,
            -126.5,
            -127.5,
            -300.0,
            1e9,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MIN_POSITIVE,
            1e-40,
        ];
        // Every f32 from -130 to 130 in steps of 1/1024, and their neighbours.
        for i in -130 * 1024..=130 * 1024 {
            let x = i as f32 / 1024.0;
            values.extend([x, f32::from_bits(x.to_bits().wrapping_add(1)), f32::from_bits(x.to_bits().wrapping_sub(1))]);
        }
        for x in values {
            assert_eq!(round_to_i8(x), plain(x), "{x:?}");
        }
    }

    #[test]
    fn the_table_is_well_formed_and_sorted() {
        let table = table();
        assert!(table.len() > 50_000 && table.rows() > 10_000, "{} keys, {} rows", table.len(), table.rows());
        for i in 1..table.len() {
            assert!(table.term(i - 1).as_bytes() < table.term(i).as_bytes(), "keys sorted and distinct at {i}");
        }
        for i in (0..table.len()).step_by(997) {
            assert_eq!(table.key(table.term(i)), Some(i as u32));
            assert!(table.row_of(i as u32) < table.rows());
        }
        assert_eq!(table.key("この語は表にない"), None);
        // Remembered lookups answer as the table does, the first time and after.
        for _ in 0..2 {
            for i in (0..table.len()).step_by(4_999) {
                assert_eq!(key_of(table.term(i)), Some(i as u32));
            }
            assert_eq!(key_of("この語は表にない"), None);
        }
    }

    #[test]
    fn the_int8_dot_product_is_exact() {
        let a: Vec<i8> = (0..300).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..300).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        let naive: i32 = a.iter().zip(&b).map(|(&x, &y)| x as i32 * y as i32).sum();
        assert_eq!(dot_i8(&a, &b), naive);
        assert_eq!(dot_i8_lanes(&a, &b), naive);
        // Every step of the AVX2 kernel: 32 at a time, 16 at a time, one by one.
        for n in [0, 7, 16, 31, 32, 33, 48, 63, 64, 300] {
            let naive = a[..n].iter().zip(&b[..n]).map(|(&x, &y)| x as i32 * y as i32).sum::<i32>();
            assert_eq!(dot_i8(&a[..n], &b[..n]), naive, "{n} components");
        }
        // The extremes: ±127 everywhere, no saturation.
        let (high, low) = (vec![127i8; 320], vec![-127i8; 320]);
        assert_eq!(dot_i8(&high, &high), 127 * 127 * 320);
        assert_eq!(dot_i8(&high, &low), -127 * 127 * 320);
        assert_eq!(stride(300), 320);
    }

    /// Every kernel of the full scan gives exactly the one-by-one similarities, over enough
    /// entries and words that every component takes both signs and large magnitudes.
    #[test]
    fn every_scan_kernel_gives_the_same_similarities() {
        let table = table();
        let entries: Vec<(Vec<u32>, Vec<u32>)> = (0..97u32)
            .map(|i| {
                (
                    (0..5).map(|j| (i * 131 + j * 7919) % table.len() as u32).collect(),
                    (0..9).map(|j| (i * 17 + j * 104_729) % table.len() as u32).collect(),
                )
            })
            .collect();
        let vectors = EntryVectors::build(&entries);
        eprintln!("best kernel on this processor: {:?}", Kernel::best());
        for words in [&[3u32, 5000, 40_000][..], &[12], &[7, 8, 9, 10, 11, 12, 13]] {
            let words: Vec<Word> = words.iter().map(|&key| Word { key: key % table.len() as u32, token: 0 }).collect();
            let query = vectors.query_vector(&words).unwrap();
            let one_by_one: Vec<f32> = (0..vectors.len()).map(|i| vectors.similarity(&query, i)).collect();
            for kernel in [Kernel::Vnni, Kernel::Avx2, Kernel::Portable] {
                let mut out = Vec::new();
                vectors.similarities_with(kernel, &query, &mut out);
                assert_eq!(out, one_by_one, "{kernel:?}");
            }
        }
    }

    #[test]
    fn entry_vectors_round_trip_and_refuse_damage() {
        let word = |term: &str| Word { key: table().key(term).unwrap_or_else(|| panic!("{term} has a vector")), token: 0 };
        let words = |terms: &[&str]| Words { words: terms.iter().map(|t| word(t)).collect(), content_words: terms.len() };
        let keys = |terms: &[&str]| terms.iter().map(|t| word(t).key).collect::<Vec<u32>>();
        let entries = vec![
            (keys(&["領収", "発行"]), keys(&["購入", "依頼"])),
            (keys(&["ごみ", "捨てる"]), keys(&["分別", "収集"])),
            (keys(&["配送", "遅れる"]), keys(&["荷物", "届く"])),
        ];
        let vectors = EntryVectors::build(&entries);
        assert_eq!(vectors.len(), 3);
        assert_eq!(vectors.df(word("領収").key), 1);
        let bytes = vectors.to_bytes().to_vec();
        assert_eq!(bytes.len() % 64, 0, "the components start and end on 64-byte boundaries");
        assert_eq!(bytes[bytes.len() - 20..], [0; 20], "each vector is zero-padded from 300 to 320 components");
        assert_eq!(EntryVectors::from_bytes(OwnedBytes::new(bytes.clone())).unwrap(), vectors);
        assert!(EntryVectors::from_bytes(OwnedBytes::new(bytes[..bytes.len() - 1].to_vec())).is_err());
        assert!(EntryVectors::from_bytes(OwnedBytes::new(&b"FAQENT02 but nothing else"[..])).is_err());
        let mut older = bytes.clone();
        older[8] = 3;
        assert!(EntryVectors::from_bytes(OwnedBytes::new(older)).unwrap_err().contains("version 3"));
        // Meaning, not spelling: 粗大 and 廃棄 share no character with the second entry's
        // words, yet it is the nearest.
        let query = vectors.query_vector(&words(&["粗大", "廃棄"]).words).unwrap();
        let similarities: Vec<f32> = (0..3).map(|i| vectors.similarity(&query, i)).collect();
        let mut scanned = Vec::new();
        vectors.similarities_into(&query, &mut scanned);
        assert_eq!(scanned, similarities, "the scan and one-by-one agree exactly");
        for kernel in [Kernel::Vnni, Kernel::Avx2, Kernel::Portable] {
            let mut out = Vec::new();
            vectors.similarities_with(kernel, &query, &mut out);
            assert_eq!(out, similarities, "{kernel:?}");
        }
        assert!(similarities[1] > similarities[0] && similarities[1] > similarities[2], "{similarities:?}");
    }
}

#[cfg(test)]
mod analyzer_tests {
    use super::*;

    /// Every key of the table is a term the analyzer produces: analysing it gives it back,
    /// or analysing the word it came from gives it.
    #[test]
    fn every_key_is_a_term_of_the_analyzer() {
        let analyzer = crate::Analyzer::load().expect("IPADIC dictionary (built in)");
        let table = table();
        let sources: std::collections::HashMap<u32, &str> = table.sources().collect();
        assert!(!sources.is_empty() && sources.len() < table.len() / 10, "{} keys with a source", sources.len());
        let wrong: Vec<String> = (0..table.len())
            .filter_map(|i| {
                let term = table.term(i);
                let text = sources.get(&(i as u32)).copied().unwrap_or(term);
                let ok = analyzer.analyze(text).tokens.iter().map(|t| t.term.as_str()).eq([term]);
                (!ok).then(|| format!("{term} (from {text})"))
            })
            .take(10)
            .collect();
        assert!(wrong.is_empty(), "keys the analyzer does not produce: {wrong:?}");
    }
}
