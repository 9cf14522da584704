//! Every entry's vector with the generation: computed at index time, written as one file,
//! read in place at query time, and scanned against a query with the best kernel.

use super::kernels::*;
use super::*;

/// An entry-vector file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    #[error("{0}")]
    Open(tantivy::directory::error::OpenReadError),
    #[error("{0}")]
    Read(std::io::Error),
    #[error("{0}")]
    Format(String),
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
        bytemuck::cast_slice(&self.bytes[self.vectors_at..])
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
    pub fn open(directory: &dyn Directory) -> Result<Option<EntryVectors>, VectorsError> {
        let file = match directory.open_read(std::path::Path::new(ENTRY_VECTORS_FILE)) {
            Ok(file) => file,
            Err(tantivy::directory::error::OpenReadError::FileDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(VectorsError::Open(e)),
        };
        EntryVectors::from_bytes(file.read_bytes().map_err(VectorsError::Read)?).map(Some)
    }

    /// Reads [`EntryVectors::to_bytes`] in place; an error says what is wrong.
    pub fn from_bytes(bytes: OwnedBytes) -> Result<EntryVectors, VectorsError> {
        let format = |message: String| Err(VectorsError::Format(message));
        if bytes.len() < 24 || &bytes[..8] != ENTRY_MAGIC {
            return format("not an entry-vector file".into());
        }
        let (version, dim, n, dfs) =
            (u32_at(&bytes, 8), u32_at(&bytes, 12) as usize, u32_at(&bytes, 16) as usize, u32_at(&bytes, 20) as usize);
        if version != SEMANTIC_VERSION || dim != table().dim() {
            return format(format!(
                "entry vectors of version {version} / {dim} dimensions, this binary needs {SEMANTIC_VERSION} / {}",
                table().dim()
            ));
        }
        let vectors_at = vectors_offset(dim, dfs, n);
        let expected = vectors_at.and_then(|at| at.checked_add(n.checked_mul(stride(dim))?));
        if expected != Some(bytes.len()) {
            return format(format!("entry-vector file of {} bytes, expected {expected:?}", bytes.len()));
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
