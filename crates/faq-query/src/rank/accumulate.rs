//! Scoring postings into per-document accumulators (one part of a segment per thread),
//! and keeping the best candidates.

use super::*;

/// The documents `range` of one segment, ranked by one thread.
pub(super) struct Part<'a> {
    pub(super) segment: &'a SegmentReader,
    pub(super) readers: &'a FieldReaders,
    pub(super) ordinal: usize,
    pub(super) range: Range<DocId>,
}

/// Opens the term dictionary, postings and field norms of each field `norms` scores.
pub(super) fn open_field_readers(norms: &[Option<FieldModel>], segment: &SegmentReader) -> tantivy::Result<FieldReaders> {
    let mut by_id = Vec::with_capacity(norms.len());
    for (id, model) in norms.iter().enumerate() {
        by_id.push(match model {
            Some(_) => {
                let field = Field::from_field_id(id as u32);
                Some((segment.inverted_index(field)?, segment.get_fieldnorms_reader(field)?))
            }
            None => None,
        });
    }
    Ok(FieldReaders { by_id })
}

/// One segment's readers of the scored fields, by field id.
pub(super) struct FieldReaders {
    pub(super) by_id: Vec<Option<(Arc<InvertedIndexReader>, FieldNormReader)>>,
}

impl std::fmt::Debug for FieldReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<usize> = self.by_id.iter().enumerate().filter(|(_, r)| r.is_some()).map(|(id, _)| id).collect();
        f.debug_struct("FieldReaders").field("fields", &fields).finish()
    }
}

impl FieldReaders {
    pub(super) fn get(&self, field: Field) -> Option<&(Arc<InvertedIndexReader>, FieldNormReader)> {
        self.by_id.get(field.field_id() as usize).and_then(Option::as_ref)
    }
}

/// A plan term that occurs in the index: its weight (boost × idf × (k1 + 1)) and where its
/// postings are in each segment.
pub(super) struct ScoredTerm {
    pub(super) field: Field,
    pub(super) weight: Score,
    pub(super) infos: crate::rank::term_cache::Infos,
    /// The bits it sets in [`Matched`].
    pub(super) mask: Matched,
}

/// Scores of one segment's documents, the query words each contains, and which documents
/// have a score.
pub(super) struct Accumulator<'a> {
    pub(super) scores: &'a mut [Score],
    pub(super) masks: &'a mut [Matched],
    pub(super) touched: &'a mut Vec<DocId>,
    /// Candidates will be found by scanning the whole array: `touched` is not kept.
    pub(super) dense: bool,
}

impl Accumulator<'_> {
    /// Adds `score` to `doc` and records the query words (`mask`) it contains.
    #[inline]
    pub(super) fn add(&mut self, doc: DocId, score: Score, mask: Matched) {
        let slot = &mut self.scores[doc as usize];
        if !self.dense && *slot == 0.0 {
            self.touched.push(doc);
        }
        *slot += score;
        self.masks[doc as usize] |= mask;
    }
}

/// Adds one run of `term`'s postings (document ids and term frequencies) into
/// `accumulator`: by the per-document norms when the ranker has them, else by the field
/// norm table.
#[inline]
pub(super) fn add_postings(
    accumulator: &mut Accumulator<'_>,
    term: &ScoredTerm,
    doc_norms: Option<&[Score]>,
    norms: &[Score; 256],
    fieldnorm: &FieldNormReader,
    docs: &[DocId],
    freqs: &[u32],
) {
    let mask = term.mask;
    match doc_norms {
        Some(doc_norms) if accumulator.dense => {
            // The hot loop of large corpora: three array accesses per posting.
            let (scores, masks) = (&mut *accumulator.scores, &mut *accumulator.masks);
            for (&doc, &tf) in docs.iter().zip(freqs) {
                let (doc, tf) = (doc as usize, tf as Score);
                scores[doc] += term.weight * tf / (tf + doc_norms[doc]);
                masks[doc] |= mask;
            }
        }
        Some(doc_norms) => {
            for (&doc, &tf) in docs.iter().zip(freqs) {
                let tf = tf as Score;
                accumulator.add(doc, term.weight * tf / (tf + doc_norms[doc as usize]), mask);
            }
        }
        None => {
            for (&doc, &tf) in docs.iter().zip(freqs) {
                let tf = tf as Score;
                let norm = norms[fieldnorm.fieldnorm_id(doc) as usize];
                accumulator.add(doc, term.weight * tf / (tf + norm), mask);
            }
        }
    }
}

/// A ranked candidate: higher score first, then lower document address (index order),
/// as one 128-bit key so that selecting and sorting compare integers: the score's bits in
/// `f32::total_cmp` order, then the complemented segment and document. The query words it
/// contains (`words`) do not take part in the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Candidate {
    pub(super) key: u128,
    pub(super) words: Matched,
}

impl Candidate {
    #[inline]
    pub(super) fn new(score: Score, address: DocAddress, words: Matched) -> Candidate {
        let bits = score.to_bits();
        // Negative scores (sign set) flip entirely; the rest gain the sign bit: unsigned order
        // is then `total_cmp` order.
        let ordered = if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 };
        let place = (u64::from(!address.segment_ord) << 32) | u64::from(!address.doc_id);
        Candidate { key: (u128::from(ordered) << 64) | u128::from(place), words }
    }

    pub(super) fn score(&self) -> Score {
        let ordered = (self.key >> 64) as u32;
        Score::from_bits(if ordered >> 31 == 1 { ordered & 0x7fff_ffff } else { !ordered })
    }

    pub(super) fn address(&self) -> DocAddress {
        DocAddress::new(!((self.key >> 32) as u32), !(self.key as u32))
    }
}

/// The best `capacity` candidates seen so far: a buffer of up to twice as many, cut back to
/// the best `capacity` (`select_nth_unstable`, linear) whenever it fills, which also raises
/// the floor that turns most later candidates away after one comparison. Cheaper than a heap
/// of `capacity` (a sift of seven levels for every candidate that gets in).
pub(super) struct Best {
    pub(super) capacity: usize,
    pub(super) kept: Vec<Candidate>,
    /// The weakest candidate kept at the last cut: nothing at or below it can be in the best
    /// `capacity` any more.
    pub(super) floor: Option<Candidate>,
}

impl Best {
    pub(super) fn new(capacity: usize) -> Self {
        Best { capacity, kept: Vec::with_capacity(capacity.min(1024) * 2 + 1), floor: None }
    }

    /// The score a candidate must beat (or tie, with an earlier address) to be kept.
    #[inline]
    pub(super) fn floor(&self) -> Score {
        match self.floor {
            _ if self.capacity == 0 => Score::INFINITY,
            Some(floor) => floor.score(),
            None => Score::NEG_INFINITY,
        }
    }

    #[inline]
    pub(super) fn offer(&mut self, score: Score, address: DocAddress, words: Matched) {
        let candidate = Candidate::new(score, address, words);
        if self.capacity == 0 || self.floor.is_some_and(|floor| candidate.key <= floor.key) {
            return;
        }
        self.kept.push(candidate);
        // Saturating: a page past the end asks for up to usize::MAX (`--offset` of any size).
        if self.kept.len() >= self.capacity.saturating_mul(2) {
            self.cut();
        }
    }

    /// Keeps the best `capacity` (best first is not needed here: only which ones).
    pub(super) fn cut(&mut self) {
        if self.kept.len() <= self.capacity {
            return;
        }
        let at = self.capacity - 1;
        self.kept.select_nth_unstable_by(at, |a, b| b.key.cmp(&a.key));
        self.kept.truncate(self.capacity);
        self.floor = Some(self.kept[at]);
    }

    /// The best `capacity` of both (the same whatever order candidates came in: the
    /// order of candidates is total).
    pub(super) fn merge(mut self, other: Best) -> Best {
        for candidate in other.kept {
            self.offer(candidate.score(), candidate.address(), candidate.words);
        }
        self
    }

    /// Best first.
    pub(super) fn into_sorted(mut self) -> Vec<(Score, DocAddress, Matched)> {
        self.cut();
        self.kept.sort_unstable_by_key(|c| std::cmp::Reverse(c.key));
        self.kept.into_iter().map(|c| (c.score(), c.address(), c.words)).collect()
    }
}

/// The [`Matched`] bit of a query word's group (none past [`WORD_BITS`]).
pub(super) fn word_bit(group: Option<u8>) -> Matched {
    group.filter(|&g| u32::from(g) < WORD_BITS).map_or(0, |g| 1 << g)
}

/// Inverse document frequency, as tantivy's and Lucene's BM25.
pub(super) fn idf(doc_freq: u64, doc_count: u64) -> Score {
    let x = ((doc_count.saturating_sub(doc_freq)) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}
