//! The semantic path on the query side: the query's vector (see [`faq_core::semantic`] for
//! the one definition of how a text becomes a vector) compared with every entry's, fused
//! with the lexical ranking.
//!
//! Fusion (tuned on the dev splits, RELEVANCE.md): the candidates are the lexical top
//! `semantic_depth` and, on indexes small enough to scan, the `semantic_candidates` entries
//! most similar to the query (at least `semantic_floor`); each gets
//! `lexical + best lexical × w × (z − min z)`, where z is its similarity z-scored over all
//! entries (over the candidates when the index is too large to scan; `semantic_global`) and
//! w is `semantic` × the share of the query's content words that carried a vector. An entry
//! that matched no word joins only when it is closer than the average entry. Subtracting the
//! smallest z keeps every share of the score non-negative without changing the order (the
//! same as `lexical / best + w × z`), so `explain` shares still add up to the score.
//!
//! The guard against kana fragments: words written in hiragana alone are left out of the
//! query vector (an all-hiragana query is often mis-segmented), and they count against the
//! share, so such a query leans on the lexical paths.

use faq_core::schema::FaqFields;
use faq_core::semantic::{self, ENTRY_VECTORS_FILE, EntryVectors, QueryVector};
use faq_core::{AnalyzedToken, CoreError};
use tantivy::{DocAddress, Index, Score, Searcher};

use crate::plan::Weights;
use crate::rank::Matched;

/// Indexes up to this many entries get similarity candidates by a full scan of the entry
/// vectors; larger ones rerank the lexical candidates only. The scan costs ~40 ns an entry
/// here (localgovFAQ: +~0.45 M instructions, BENCHMARKS.md), so 20,000 entries keep it under
/// a millisecond.
pub const FULL_SCAN_ENTRIES: usize = 20_000;

/// The entry vectors of an open index and the mapping between documents and entries.
pub struct SemanticIndex {
    vectors: EntryVectors,
    /// Per segment, per document: the entry's ordinal.
    ordinals: Vec<Vec<u32>>,
    /// Per ordinal: the document (alive documents only).
    addresses: Vec<Option<DocAddress>>,
    /// Whether every ordinal has a live document (no deletes: every index this tool builds).
    all_live: bool,
}

/// The query's side of the semantic path.
#[derive(Clone, Debug)]
pub struct QueryMeaning {
    pub vector: QueryVector,
    /// Share of the query's content words that carried a vector (after the kana guard).
    pub share: f32,
    /// The words that carried it, for `explain`.
    pub words: Vec<String>,
}

impl SemanticIndex {
    /// Reads the entry vectors stored with `index`; `None` when the index has none (an
    /// index built in RAM by hand). A file that does not fit is damage.
    pub fn open(index: &Index, searcher: &Searcher, fields: &FaqFields) -> Result<Option<SemanticIndex>, CoreError> {
        let path = std::path::Path::new(ENTRY_VECTORS_FILE);
        let damaged = |message: String| CoreError::IndexDamaged { path: path.to_path_buf(), message };
        let Some(vectors) = EntryVectors::open(index.directory()).map_err(|e| damaged(e.to_string()))? else { return Ok(None) };
        let name = searcher.schema().get_field_name(fields.ordinal).to_string();
        let mut ordinals = Vec::with_capacity(searcher.segment_readers().len());
        let mut addresses = vec![None; vectors.len()];
        for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
            let column = segment.fast_fields().u64(&name).map_err(|e| damaged(e.to_string()))?;
            let mut of_segment = Vec::with_capacity(segment.max_doc() as usize);
            for doc in 0..segment.max_doc() {
                let ordinal = column.first(doc).unwrap_or(u64::MAX);
                if ordinal >= vectors.len() as u64 {
                    return Err(damaged(format!("document {doc} has no entry vector")));
                }
                of_segment.push(ordinal as u32);
            }
            for doc in segment.doc_ids_alive() {
                addresses[of_segment[doc as usize] as usize] = Some(DocAddress::new(segment_ord as u32, doc));
            }
            ordinals.push(of_segment);
        }
        let all_live = addresses.iter().all(Option::is_some);
        Ok(Some(SemanticIndex { vectors, ordinals, addresses, all_live }))
    }

    /// The query's vector, or `None` when none of its content words carries one.
    pub fn meaning(&self, tokens: &[AnalyzedToken]) -> Option<QueryMeaning> {
        self.meaning_of(tokens, &semantic::words(tokens, false))
    }

    /// [`SemanticIndex::meaning`] from the tokens' words already looked up
    /// ([`semantic::words`]`(tokens, false)`).
    pub fn meaning_of(&self, tokens: &[AnalyzedToken], all: &semantic::Words) -> Option<QueryMeaning> {
        let words = semantic::drop_kana_fragments(all, tokens);
        if words.words.is_empty() || words.content_words == 0 {
            return None;
        }
        let vector = self.vectors.query_vector(&words.words)?;
        let mut carried: Vec<String> = Vec::new();
        for word in &words.words {
            let term = &tokens[word.token].term;
            if !carried.contains(term) {
                carried.push(term.clone());
            }
        }
        let share = words.words.len() as f32 / words.content_words as f32;
        Some(QueryMeaning { vector, share, words: carried })
    }

    fn ordinal(&self, address: DocAddress) -> usize {
        self.ordinals[address.segment_ord as usize][address.doc_id as usize] as usize
    }

    /// Similarity of the query to the entry of document `address`.
    pub fn similarity(&self, meaning: &QueryMeaning, address: DocAddress) -> f32 {
        self.vectors.similarity(&meaning.vector, self.ordinal(address))
    }

    /// A full scan: the similarity of every entry (by ordinal; dead documents NaN), the
    /// `count` most similar with at least `floor`, and mean, deviation and least value over
    /// all entries.
    fn scan(&self, meaning: &QueryMeaning, count: usize, floor: f32) -> (Vec<f32>, Vec<(f32, DocAddress)>, Spread) {
        let mut all = Vec::with_capacity(self.addresses.len());
        self.vectors.similarities_into(&meaning.vector, &mut all);
        all.resize(self.addresses.len(), f32::NAN);
        let (mut n, mut lowest) = (0usize, f32::INFINITY);
        let (sum, squares): (f64, f64);
        if self.all_live {
            // The common case, in tight loops: the spread (the same sums, in the same lanes,
            // as below: [`Moments`]), then the few entries that may be among the best.
            let mut moments = Moments::default();
            let chunks = all.chunks_exact(4);
            let rest = chunks.remainder();
            for chunk in chunks {
                moments.add_four(chunk);
            }
            for &similarity in rest {
                moments.add(similarity);
            }
            (sum, squares) = moments.totals();
            n = all.len();
            // The least in eight lanes (vector minimum; the similarities are finite).
            let mut lanes = [f32::INFINITY; 8];
            let chunks = all.chunks_exact(8);
            for &similarity in chunks.remainder() {
                lanes[0] = if similarity < lanes[0] { similarity } else { lanes[0] };
            }
            for chunk in chunks {
                for (lane, &similarity) in lanes.iter_mut().zip(chunk) {
                    *lane = if similarity < *lane { similarity } else { *lane };
                }
            }
            lowest = lanes.iter().fold(f32::INFINITY, |least, &lane| if lane < least { lane } else { least });
        } else {
            let mut moments = Moments::default();
            for (similarity, address) in all.iter_mut().zip(&self.addresses) {
                if address.is_none() {
                    *similarity = f32::NAN;
                    continue;
                }
                lowest = lowest.min(*similarity);
                moments.add(*similarity);
                n += 1;
            }
            (sum, squares) = moments.totals();
        }
        let mut best: Vec<(f32, DocAddress)> = Vec::with_capacity(count + 1);
        if count > 0 {
            let mut bar = floor;
            for (ordinal, &similarity) in all.iter().enumerate() {
                // NaN (a dead document) is below every bar.
                if similarity.partial_cmp(&bar).is_none_or(std::cmp::Ordering::is_lt) {
                    continue;
                }
                let Some(address) = self.addresses[ordinal] else { continue };
                if best.len() == count && similarity <= best[count - 1].0 {
                    continue;
                }
                let at = best.partition_point(|&(s, _)| s >= similarity);
                best.insert(at, (similarity, address));
                best.truncate(count);
                if best.len() == count {
                    bar = best[count - 1].0;
                }
            }
        }
        let mean = sum / n.max(1) as f64;
        let deviation = (squares / n.max(1) as f64 - mean * mean).max(0.0).sqrt();
        (all, best, Spread { mean: mean as f32, deviation: deviation as f32, lowest })
    }

    /// Fuses the lexical candidates (best first; `matched`: the query words each contains)
    /// with the semantic path. Returns every candidate with its fused score and the
    /// semantic share of it, in no particular order ([`Fused::order`] ranks them: the
    /// caller selects the few it needs rather than sorting them all).
    pub fn fuse(&self, lexical: &[(Score, DocAddress)], matched: &[Matched], meaning: &QueryMeaning, weights: &Weights) -> Vec<Fused> {
        let scanned = (self.vectors.len() <= FULL_SCAN_ENTRIES)
            .then(|| self.scan(meaning, weights.semantic_candidates as usize, weights.semantic_floor));
        let similarity_of = |address: DocAddress| match &scanned {
            Some((all, _, _)) => all[self.ordinal(address)],
            None => self.similarity(meaning, address),
        };
        let mut candidates: Vec<Fused> = lexical
            .iter()
            .zip(matched.iter().copied().chain(std::iter::repeat(0)))
            .map(|(&(score, address), matched)| Fused {
                score,
                lexical: score,
                semantic: 0.0,
                similarity: similarity_of(address),
                z: 0.0,
                matched,
                address,
            })
            .collect();
        let mut over_all = None;
        if let Some((_, nearest, spread)) = scanned {
            over_all = Some(spread);
            // An entry that matched no word is added only when it is closer to the query
            // than the average entry.
            for (similarity, address) in nearest.into_iter().filter(|&(similarity, _)| similarity > spread.mean) {
                if !candidates.iter().any(|c| c.address == address) {
                    candidates.push(Fused { score: 0.0, lexical: 0.0, semantic: 0.0, similarity, z: 0.0, matched: 0, address });
                }
            }
        }
        if candidates.is_empty() {
            return candidates;
        }
        let n = candidates.len() as f32;
        // z-scores over all entries when they were scanned, else over the candidates; the
        // shift is the lowest similarity of the same set, so every candidate above it gets a
        // positive share.
        let Spread { mean, deviation, lowest } = over_all.filter(|_| weights.semantic_global > 0.0).unwrap_or_else(|| {
            let mean = candidates.iter().map(|c| c.similarity).sum::<f32>() / n;
            let deviation = (candidates.iter().map(|c| (c.similarity - mean).powi(2)).sum::<f32>() / n).sqrt();
            let lowest = candidates.iter().map(|c| c.similarity).fold(f32::INFINITY, f32::min);
            Spread { mean, deviation, lowest }
        });
        let spread = deviation.max(1e-6);
        let best_lexical = lexical.first().map_or(0.0, |&(s, _)| s);
        let scale = if best_lexical > 0.0 { best_lexical } else { 1.0 } * weights.semantic * meaning.share;
        for candidate in &mut candidates {
            candidate.semantic = scale * (candidate.similarity - lowest) / spread;
            candidate.z = (candidate.similarity - mean) / spread;
            candidate.score = candidate.lexical + candidate.semantic;
        }
        candidates.retain(|c| c.score > 0.0);
        candidates
    }
}

/// Sums of similarities and of their squares, in f64, in four lanes (vector adds) folded
/// in a fixed order: the `n`-th value added goes to lane `n % 4`, so the scan's fast path
/// (every entry, four at a time) and its general path (live entries one by one) add the
/// same values in the same order when every entry is live.
#[derive(Default)]
struct Moments {
    sums: [f64; 4],
    squares: [f64; 4],
    n: usize,
}

impl Moments {
    #[inline]
    fn add(&mut self, value: f32) {
        let (lane, value) = (self.n % 4, value as f64);
        self.sums[lane] += value;
        self.squares[lane] += value * value;
        self.n += 1;
    }

    /// Four values at once; only when `n` is a multiple of four (lanes 0 to 3 in order).
    #[inline]
    fn add_four(&mut self, values: &[f32]) {
        debug_assert!(self.n.is_multiple_of(4) && values.len() == 4);
        for ((sum, square), &value) in self.sums.iter_mut().zip(self.squares.iter_mut()).zip(values) {
            let value = value as f64;
            *sum += value;
            *square += value * value;
        }
        self.n += 4;
    }

    fn totals(&self) -> (f64, f64) {
        (
            (self.sums[0] + self.sums[1]) + (self.sums[2] + self.sums[3]),
            (self.squares[0] + self.squares[1]) + (self.squares[2] + self.squares[3]),
        )
    }
}

/// Mean, standard deviation and least value of the similarities of a set of entries.
#[derive(Clone, Copy, Debug)]
struct Spread {
    mean: f32,
    deviation: f32,
    lowest: f32,
}

/// The order of a ranking of `(score, lexical score, document)`: best score first, then best
/// lexical score, then the document (a total order, so any selection by it is deterministic).
pub fn best_first(a: (Score, Score, DocAddress), b: (Score, Score, DocAddress)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2))
}

impl Fused {
    /// [`best_first`] by fused score.
    pub fn order(a: &Fused, b: &Fused) -> std::cmp::Ordering {
        best_first((a.score, a.lexical, a.address), (b.score, b.lexical, b.address))
    }
}

/// A candidate after fusion.
#[derive(Clone, Copy, Debug)]
pub struct Fused {
    pub score: Score,
    pub lexical: Score,
    /// The semantic path's share of `score`.
    pub semantic: Score,
    pub similarity: f32,
    /// `similarity` z-scored (over all entries when they were scanned, else the candidates).
    pub z: f32,
    /// What of the query the entry contains (as [`crate::rank::Ranked::matched`]).
    pub matched: Matched,
    pub address: DocAddress,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan's fast path (every document live) and its general path agree, and the
    /// general path leaves dead documents out of the spread and the best, as a plain
    /// reference computation does.
    #[test]
    fn the_scan_agrees_with_a_plain_computation_with_and_without_dead_documents() {
        let analyzer = faq_core::Analyzer::load().expect("IPADIC dictionary (built in)");
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
        let corpus = faq_indexer::corpus::load(&seed).unwrap();
        let index = faq_indexer::index_in_ram(&corpus.entries, &analyzer).unwrap();
        let fields = FaqFields::from_schema(&index.schema()).unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut semantic = SemanticIndex::open(&index, &searcher, &fields).unwrap().expect("entry vectors");
        assert!(semantic.all_live);
        let meaning = semantic.meaning(&analyzer.analyze("荷物が届かないので返金してほしい").tokens).expect("a vector");
        let reference = |semantic: &SemanticIndex, count: usize, floor: f32| {
            let mut all = Vec::new();
            semantic.vectors.similarities_into(&meaning.vector, &mut all);
            let live: Vec<(f32, DocAddress)> = all.iter().zip(&semantic.addresses).filter_map(|(&s, a)| a.map(|a| (s, a))).collect();
            let n = live.len() as f64;
            let mean = live.iter().map(|&(s, _)| s as f64).sum::<f64>() / n;
            let lowest = live.iter().map(|&(s, _)| s).fold(f32::INFINITY, f32::min);
            let mut best: Vec<(f32, DocAddress)> = live.into_iter().filter(|&(s, _)| s >= floor).collect();
            best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            best.truncate(count);
            (best, mean as f32, lowest)
        };
        for (count, floor) in [(5, -1.0), (3, 0.2), (0, -1.0), (100, -1.0)] {
            let (all, best, spread) = semantic.scan(&meaning, count, floor);
            let (expected, mean, lowest) = reference(&semantic, count, floor);
            assert_eq!(best, expected, "{count} {floor}");
            assert!((spread.mean - mean).abs() < 1e-6 && spread.lowest == lowest);
            semantic.all_live = false;
            let (general_all, general_best, general_spread) = semantic.scan(&meaning, count, floor);
            semantic.all_live = true;
            assert_eq!((general_all, general_best), (all, best), "the general path gives the same");
            assert_eq!(
                (general_spread.mean, general_spread.deviation, general_spread.lowest),
                (spread.mean, spread.deviation, spread.lowest)
            );
        }
        // The best entry and one other dead: neither is counted nor offered.
        let (_, best, _) = semantic.scan(&meaning, 5, -1.0);
        let dead = [semantic.ordinal(best[0].1), semantic.ordinal(best[3].1)];
        for &ordinal in &dead {
            semantic.addresses[ordinal] = None;
        }
        semantic.all_live = false;
        let (all, best, spread) = semantic.scan(&meaning, 5, -1.0);
        let (expected, mean, lowest) = reference(&semantic, 5, -1.0);
        assert_eq!(best, expected);
        assert!(dead.iter().all(|&ordinal| all[ordinal].is_nan()), "dead documents have no similarity");
        assert!((spread.mean - mean).abs() < 1e-6 && spread.lowest == lowest);
    }
}
