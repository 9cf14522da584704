//! Term-at-a-time BM25 over a [`Plan`]: the scores of tantivy's `BooleanQuery` of boosted
//! `TermQuery`s (same formula, same statistics, checked by tests against it) without
//! building a weight, a scorer and a 256-entry norm table for every clause of every query.
//!
//! Each clause's term is looked up once per segment; its document frequency both prunes
//! the clause (absent terms, and character-path terms too common to say anything) and
//! gives its idf. Postings are read block by block and added into a per-thread score
//! array that is reused between queries, so a search allocates only for its candidates.
//! A large segment (from [`PARALLEL_MIN_DOCS`] documents) is ranked in two halves of its
//! document ids on two threads (rayon), each entering the postings at its half by their
//! skip lists, and the two top-k lists merged. Phrase clauses (off by default) go through
//! tantivy's own scorer.

pub mod kept;
pub mod postings_cache;
pub mod term_cache;

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::InvertedIndexReader;
use tantivy::index::SegmentId;
use tantivy::postings::Postings;
use tantivy::query::{EnableScoring, Query};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use crate::plan::{PathKind, Plan, Weights};

/// The BM25 parameters of one field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bm25 {
    /// Term-frequency saturation.
    pub k1: Score,
    /// Length normalisation: 0 ignores the field's length, 1 divides by it fully.
    pub b: Score,
}

impl Default for Bm25 {
    /// tantivy's (and Lucene's) defaults.
    fn default() -> Self {
        Bm25 { k1: 1.2, b: 0.75 }
    }
}

/// Segments with at least this many documents are ranked in two halves on two threads
/// (measured at 100k and 1M entries, BENCHMARKS.md). Smaller ones stay on one thread: at
/// 10k entries a whole query takes ~0.2 ms, so a hand-off between threads would be a large
/// part of what it could save; not measured there.
pub const PARALLEL_MIN_DOCS: DocId = 32_768;

/// A character-path term is never dropped as too common while it is in at most this many
/// entries: in a FAQ of a dozen entries, 5 % is less than one entry.
pub const MIN_CHARACTER_DF_CUT: u64 = 3;

/// Per-field length normalisation, computed once per opened index.
#[derive(Clone, Debug)]
pub struct Ranker {
    total_docs: u64,
    /// By field id, for each scored field: `k1 + 1` and, per fieldnorm id,
    /// `k1 * (1 - b + b * fieldnorm / average)`.
    norms: Vec<Option<FieldModel>>,
    /// What is opened and computed once for each segment it was built on.
    segments: Arc<Vec<(SegmentId, KeptSegment)>>,
    /// Segments of at least this many documents are ranked in two halves on two threads.
    split_min_docs: DocId,
    /// Term-dictionary answers already looked up ([`crate::rank::term_cache`]).
    terms: Arc<crate::rank::term_cache::TermCache>,
    /// Short postings lists already decoded ([`crate::rank::postings_cache`]); `None`: every
    /// list is read from the index (tests compare both ways).
    postings: Option<Arc<crate::rank::postings_cache::PostingsCache>>,
}

/// One segment's per-document norms, by field id (`None` for fields not scored).
type SegmentNorms = Vec<Option<Box<[Score]>>>;

/// What a ranker keeps of a segment it was built on.
#[derive(Debug)]
struct KeptSegment {
    /// The readers of the scored fields (opening them is a lock, two hash lookups and a
    /// file slice per field: once, not at every search).
    readers: Arc<FieldReaders>,
    /// The same norm per document: one load per posting instead of a fieldnorm lookup
    /// and a table lookup (4 bytes per entry and scored field).
    norms: SegmentNorms,
}

#[derive(Clone, Debug)]
struct FieldModel {
    k1_plus_1: Score,
    norms: Box<[Score; 256]>,
}

/// The ranked page and the number of entries that matched at all.
pub struct Ranked {
    pub total_hits: usize,
    pub top: Vec<(Score, DocAddress)>,
    /// For each of `top`: what of the query the entry contains ([`Matched`]).
    pub matched: Vec<Matched>,
    /// The query's words as the index sees them.
    pub words: QueryWords,
}

/// What of the query an entry contains, as bits (one word per document, as cheap to
/// accumulate as a plain word mask): the low [`WORD_BITS`] are the query's words by
/// [`crate::plan::Clause::group`] (anywhere, directly or through a synonym), the next
/// [`QUESTION_BITS`] the first of those words found in the question, the top
/// [`READING_BITS`] the query's first distinct reading bigrams ([`QueryWords::reading`]).
/// A query of more words than that counts its first 32 (coordination included).
pub type Matched = u64;

/// Query words tracked, by group.
pub const WORD_BITS: u32 = 32;
/// Query words (the first ones) tracked in the question.
pub const QUESTION_BITS: u32 = 16;
/// Reading bigrams (the first distinct ones) tracked.
pub const READING_BITS: u32 = 16;

/// The bits of [`Matched`] for the words anywhere.
pub fn words_anywhere(matched: Matched) -> u64 {
    matched & ((1 << WORD_BITS) - 1)
}

/// The bits of [`Matched`] for the words in the question.
pub fn words_in_question(matched: Matched) -> u64 {
    (matched >> WORD_BITS) & ((1 << QUESTION_BITS) - 1)
}

/// The bits of [`Matched`] for the reading bigrams.
pub fn readings(matched: Matched) -> u64 {
    matched >> (WORD_BITS + QUESTION_BITS)
}

/// What each query word (by group) and reading bigram weighs and whether the index has it:
/// the yardstick the confidence of a hit is measured against ([`crate::decide::confidence`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryWords {
    /// By group: the larger base-form clause weight of the word (boost × idf), a word in
    /// no entry weighing as much as the rarest can.
    pub weight: Vec<Score>,
    /// The query's reading bigrams, by their bit: idf (the larger of question and answer;
    /// a bigram in no entry the rarest), 0 for those dropped as too common to say anything.
    pub reading: Vec<Score>,
    /// By group: what the word says in general Japanese ([`faq_core::semantic::WordVectors::generic_weight`],
    /// 1 for a word without a vector), boilerplate discounted as in ranking; filled in by
    /// the searcher. Unlike the idf it does not depend on the FAQ's size, and a word the
    /// FAQ lacks weighs what it says, not the most.
    pub general: Vec<Score>,
    /// Groups found in the index (directly or through a synonym).
    pub known: u64,
    /// What a perfect match would score on the base-form clauses: the sum of their
    /// weights (boost × idf × (k1 + 1), the BM25 bound as term frequency grows).
    pub ideal: Score,
}

impl QueryWords {
    /// The weighted share of the query's words among `mask`.
    pub fn share(&self, mask: u64) -> Score {
        weighted_share(&self.weight, mask)
    }

    /// The share of the query's words among `mask`, weighted by [`QueryWords::general`].
    pub fn general_share(&self, mask: u64) -> Score {
        weighted_share(&self.general, mask)
    }

    /// The weighted share of the query's reading bigrams among `mask`.
    pub fn reading_share(&self, mask: u64) -> Score {
        weighted_share(&self.reading, mask)
    }
}

fn weighted_share(weights: &[Score], mask: u64) -> Score {
    let total: Score = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    // The set bits only, lowest first (the order of a sum over all weights).
    let mut bits = if weights.len() >= 64 { mask } else { mask & ((1u64 << weights.len()) - 1) };
    let mut part: Score = 0.0;
    while bits != 0 {
        part += weights[bits.trailing_zeros() as usize];
        bits &= bits - 1;
    }
    part / total
}

thread_local! {
    /// Score accumulator reused across queries on this thread, zero between uses. The flag
    /// is set while it is in use: if a ranking ever unwound half-way, the next one on this
    /// thread zeroes the whole array first.
    static SCORES: RefCell<(Vec<Score>, Vec<Matched>, bool)> = const { RefCell::new((Vec::new(), Vec::new(), false)) };
}

impl Ranker {
    /// Reads the collection statistics of `fields` (the index is immutable once opened).
    pub fn new(searcher: &Searcher, fields: &[(Field, Bm25)]) -> tantivy::Result<Ranker> {
        let total_docs: u64 = searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum();
        let mut norms = Vec::new();
        for &(field, Bm25 { k1, b }) in fields {
            let mut tokens = 0u64;
            for segment in searcher.segment_readers() {
                tokens += segment.inverted_index(field)?.total_num_tokens();
            }
            let average = tokens as Score / total_docs.max(1) as Score;
            let mut table = Box::new([0.0; 256]);
            for (id, slot) in table.iter_mut().enumerate() {
                let norm = FieldNormReader::id_to_fieldnorm(id as u8) as Score;
                *slot = k1 * (1.0 - b + b * norm / average);
            }
            let id = field.field_id() as usize;
            if norms.len() <= id {
                norms.resize(id + 1, None);
            }
            norms[id] = Some(FieldModel { k1_plus_1: k1 + 1.0, norms: table });
        }
        let mut segments = Vec::new();
        for segment in searcher.segment_readers() {
            let readers = open_field_readers(&norms, segment)?;
            let by_field = norms
                .iter()
                .zip(&readers.by_id)
                .map(|(model, opened)| match (model, opened) {
                    (Some(model), Some((_, fieldnorms))) => {
                        Some((0..segment.max_doc()).map(|doc| model.norms[fieldnorms.fieldnorm_id(doc) as usize]).collect())
                    }
                    _ => None,
                })
                .collect();
            segments.push((segment.segment_id(), KeptSegment { readers: Arc::new(readers), norms: by_field }));
        }
        let terms = Arc::new(crate::rank::term_cache::TermCache::new(searcher, norms.len()));
        let postings = Some(Arc::new(crate::rank::postings_cache::PostingsCache::new(searcher)));
        Ok(Ranker { total_docs, norms, segments: Arc::new(segments), split_min_docs: PARALLEL_MIN_DOCS, terms, postings })
    }

    /// Reads every postings list from the index, keeping none decoded (tests compare).
    pub fn without_postings_cache(mut self) -> Self {
        self.postings = None;
        self
    }

    /// Ranks segments of at least `docs` documents in two halves on two threads (default
    /// [`PARALLEL_MIN_DOCS`]); the pages are the same either way. Tests set 1 to split
    /// every segment.
    pub fn with_split_threshold(mut self, docs: DocId) -> Self {
        self.split_min_docs = docs.max(1);
        self
    }

    /// The per-document norms of `field` in `segment`, if this ranker was built on it.
    fn doc_norms(&self, segment: &SegmentReader, field: Field) -> Option<&[Score]> {
        let norms = self.kept(segment)?.norms.get(field.field_id() as usize)?.as_deref()?;
        (norms.len() == segment.max_doc() as usize).then_some(norms)
    }

    /// Ranks the entries for `plan`, returning `offset..offset + limit` of the ranking
    /// (score descending, index order among equal scores).
    ///
    /// Clauses that cannot contribute are removed from `plan` first: terms in no entry, and
    /// bigram, reading and thesaurus terms found in more than `weights.max_character_df` of the entries
    /// (and in more than [`MIN_CHARACTER_DF_CUT`] entries, so a small FAQ keeps them).
    /// With `weights.coordination`, an entry's sum is scaled by the share of the query's
    /// words it contains.
    pub fn rank(&self, searcher: &Searcher, plan: &mut Plan, weights: &Weights, limit: usize, offset: usize) -> tantivy::Result<Ranked> {
        let segments = searcher.segment_readers();
        let max_df = ((self.total_docs as f64 * weights.max_character_df.min(1.0) as f64) as u64).max(MIN_CHARACTER_DF_CUT);

        // The readers of the scored fields, per segment.
        let readers: Vec<Arc<FieldReaders>> = segments.iter().map(|segment| self.field_readers(segment)).collect::<tantivy::Result<_>>()?;

        // Pass 1: look each term up once per segment; prune; weight by idf.
        let mut scored = Vec::with_capacity(plan.clauses.len());
        let mut words = 0u64; // the query words found in the index
        let mut query_words = QueryWords::default();
        let (mut last_reading, mut reading_bit): (Option<crate::plan::TermId>, usize) = (None, 0);
        let mut keep = vec![true; plan.clauses.len()];
        for (index, clause) in plan.clauses.iter().enumerate() {
            if clause.next.is_some() {
                continue; // phrase: tantivy's scorer, below
            }
            let term = plan.term(clause.term);
            let infos = self.terms.infos(segments, clause.field, term, |segment| match readers[segment].get(clause.field) {
                Some((inverted, _)) => inverted.terms().get(term.as_bytes()).map_err(Into::into),
                None => Ok(None),
            })?;
            let df: u64 = infos.iter().flatten().map(|i| u64::from(i.doc_freq)).sum();
            let clause_idf = idf(df, self.total_docs);
            if let (PathKind::Morph, Some(group)) = (clause.path, clause.group.filter(|&g| u32::from(g) < WORD_BITS)) {
                let group = group as usize;
                if query_words.weight.len() <= group {
                    query_words.weight.resize(group + 1, 0.0);
                }
                query_words.weight[group] = query_words.weight[group].max(clause.boost * clause_idf);
            }
            // The bit this clause sets besides its word's: its word in the question, or its
            // reading bigram.
            let mut aux: Matched = 0;
            match (clause.path, clause.target, clause.group) {
                (PathKind::Morph | PathKind::Synonym | PathKind::Thesaurus, crate::plan::Target::Question, Some(g))
                    if u32::from(g) < QUESTION_BITS =>
                {
                    aux = 1 << (WORD_BITS + u32::from(g));
                }
                (PathKind::Reading, _, _) => {
                    // The plan lists each distinct reading bigram's clauses one after another.
                    if last_reading != Some(clause.term) {
                        last_reading = Some(clause.term);
                        reading_bit += 1;
                    }
                    let bit = reading_bit - 1;
                    if bit < READING_BITS as usize {
                        if query_words.reading.len() <= bit {
                            query_words.reading.push(0.0);
                        }
                        if df <= max_df {
                            query_words.reading[bit] = query_words.reading[bit].max(clause_idf);
                        }
                        aux = 1 << (WORD_BITS + QUESTION_BITS + bit as u32);
                    }
                }
                _ => {}
            }
            // Character terms and thesaurus words say little when common, and cost the most.
            let cut_when_common = matches!(clause.path, PathKind::Bigram | PathKind::Reading | PathKind::Thesaurus);
            // A clause weighted 0 (a path switched off) adds nothing and must not mark entries.
            if df == 0 || (cut_when_common && df > max_df) || clause.boost <= 0.0 {
                keep[index] = false;
                continue;
            }
            let Some(Some(model)) = self.norms.get(clause.field.field_id() as usize) else {
                keep[index] = false;
                continue;
            };
            let weight = clause.boost * clause_idf * model.k1_plus_1;
            words |= word_bit(clause.group);
            if clause.path == PathKind::Morph {
                query_words.ideal += weight;
            }
            let mask = word_bit(clause.group) | aux;
            scored.push(ScoredTerm { field: clause.field, weight, infos, mask });
        }

        // Pass 2: accumulate per segment, collect the candidates. A large segment is split in
        // two halves ranked on two threads (each with its own score array), and the two
        // top-k lists merged: the same page, in the same order, as one pass.
        let wanted = offset.saturating_add(limit);
        // The factor for each number of matched words, computed once.
        let coordination: Option<Vec<Score>> = (weights.coordination > 0.0 && words != 0).then(|| {
            let total = words.count_ones() as Score + 1.0;
            (0..=64).map(|matched| ((matched as Score + 1.0) / total).powf(weights.coordination)).collect()
        });
        let phrases = plan.clauses.iter().any(|clause| clause.next.is_some());
        let mut best = Best::new(wanted);
        let mut total_hits = 0usize;
        for (ordinal, segment) in segments.iter().enumerate() {
            let max_doc = segment.max_doc();
            let plan = &*plan;
            let rank_range = |range: Range<DocId>| {
                let part = Part { segment, readers: &readers[ordinal], ordinal, range };
                self.rank_part(searcher, &part, &scored, plan, coordination.as_deref(), wanted)
            };
            let (part_best, hits) = if max_doc >= self.split_min_docs && max_doc > 1 && !phrases {
                let middle = max_doc / 2;
                let (first, second) = rayon::join(|| rank_range(0..middle), || rank_range(middle..max_doc));
                let ((first, first_hits), (second, second_hits)) = (first?, second?);
                (first.merge(second), first_hits + second_hits)
            } else {
                rank_range(0..max_doc)?
            };
            best = best.merge(part_best);
            total_hits += hits;
        }

        let mut index = 0;
        plan.clauses.retain(|_| {
            index += 1;
            keep[index - 1]
        });

        query_words.known = words;
        let (top, matched) = best.into_sorted().into_iter().skip(offset).map(|(score, address, mask)| ((score, address), mask)).unzip();
        Ok(Ranked { total_hits, top, matched, words: query_words })
    }

    /// Accumulates the documents of `part.range` in this thread's score array and returns
    /// their best `wanted` and how many matched.
    fn rank_part(
        &self,
        searcher: &Searcher,
        part: &Part<'_>,
        scored: &[ScoredTerm],
        plan: &Plan,
        coordination: Option<&[Score]>,
        wanted: usize,
    ) -> tantivy::Result<(Best, usize)> {
        let mut best = Best::new(wanted);
        let mut total_hits = 0usize;
        let (ordinal, segment) = (part.ordinal, part.segment);
        SCORES.with(|cell| -> tantivy::Result<()> {
            let mut guard = cell.borrow_mut();
            let (scores, masks, in_use) = &mut *guard;
            if *in_use {
                scores.fill(0.0);
                masks.fill(0);
                *in_use = false;
            }
            let max_doc = segment.max_doc() as usize;
            if scores.len() < max_doc {
                scores.resize(max_doc, 0.0);
                masks.resize(max_doc, 0);
            }
            *in_use = true;
            let mut touched: Vec<DocId> = Vec::new();
            let (start, end) = (part.range.start as usize, part.range.end as usize);
            let mut accumulator =
                Accumulator { scores: &mut scores[..max_doc], masks: &mut masks[..max_doc], touched: &mut touched, dense: false };
            let outcome = self.accumulate(searcher, part, scored, plan, &mut accumulator);
            // Always leave the shared array zeroed, even when a read failed.
            let alive = segment.alive_bitset();
            let factor = |mask: Matched| coordination.map_or(1.0, |factors| factors[words_anywhere(mask).count_ones() as usize]);
            if accumulator.dense || accumulator.touched.len() * 16 > end - start {
                // Many matches: one sequential pass, without branching on the (unpredictable)
                // zero test; the arrays are zeroed by plain stores. Documents come in index
                // order, so one that only ties the weakest kept ranks after it and is turned
                // away by the score alone.
                // The coordination factor is at most 1 (an entry matches no more of the
                // query's words than the query has), so a raw score at or below the floor
                // cannot pass it, nor can an entry with no score (before the first cut the
                // floor is -inf): the factor is only looked up for the few that may.
                let mut floor = best.floor();
                let slots = accumulator.scores[start..end].iter_mut().zip(accumulator.masks[start..end].iter_mut());
                for (doc, (score, mask)) in (start..end).zip(slots) {
                    let raw = std::mem::replace(score, 0.0);
                    let words = std::mem::replace(mask, 0);
                    let live = alive.is_none_or(|bits| bits.is_alive(doc as DocId));
                    total_hits += usize::from(raw != 0.0 && live);
                    if (raw > floor || raw < 0.0) && raw != 0.0 && live {
                        let score = raw * factor(words);
                        if score > floor && score != 0.0 {
                            best.offer(score, DocAddress::new(ordinal as u32, doc as DocId), words);
                            floor = best.floor();
                        }
                    }
                }
            } else {
                for &doc in accumulator.touched.iter() {
                    let score = std::mem::replace(&mut accumulator.scores[doc as usize], 0.0);
                    let words = std::mem::replace(&mut accumulator.masks[doc as usize], 0);
                    let score = score * factor(words);
                    if alive.is_none_or(|bits| bits.is_alive(doc)) {
                        total_hits += 1;
                        best.offer(score, DocAddress::new(ordinal as u32, doc), words);
                    }
                }
            }
            *in_use = false;
            outcome
        })?;
        Ok((best, total_hits))
    }

    /// Each clause's contribution to the score of the entry at `address` (in plan order, 0
    /// for clauses that do not match it), computed exactly as [`Ranker::rank`] does, and
    /// already multiplied by the entry's coordination factor so that they sum to its score.
    pub fn explain(&self, searcher: &Searcher, plan: &Plan, weights: &Weights, address: DocAddress) -> tantivy::Result<Vec<Score>> {
        let segment = searcher.segment_reader(address.segment_ord);
        let readers = self.field_readers(segment)?;
        let doc = address.doc_id;
        let mut shares = Vec::with_capacity(plan.clauses.len());
        let (mut words, mut matched) = (0u64, 0u64);
        for clause in &plan.clauses {
            if clause.next.is_some() {
                let query = plan.clause_query(clause);
                shares.push(query.explain(searcher, address).map_or(0.0, |e| e.value()));
                continue;
            }
            let (Some((inverted, fieldnorm)), Some(Some(model))) =
                (readers.get(clause.field), self.norms.get(clause.field.field_id() as usize))
            else {
                shares.push(0.0);
                continue;
            };
            let mut df = 0u64;
            for other in searcher.segment_readers() {
                let info = other.inverted_index(clause.field)?.terms().get(plan.term(clause.term).as_bytes())?;
                df += info.map_or(0, |i| u64::from(i.doc_freq));
            }
            words |= word_bit(clause.group.filter(|_| df > 0));
            let mut share = 0.0;
            if let Some(info) = inverted.terms().get(plan.term(clause.term).as_bytes())? {
                let mut postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                if postings.doc() <= doc && postings.seek(doc) == doc {
                    let tf = postings.term_freq() as Score;
                    let norm = model.norms[fieldnorm.fieldnorm_id(doc) as usize];
                    share = clause.boost * idf(df, self.total_docs) * model.k1_plus_1 * tf / (tf + norm);
                    matched |= word_bit(clause.group);
                }
            }
            shares.push(share);
        }
        if weights.coordination > 0.0 && words != 0 {
            let factor = ((matched.count_ones() as Score + 1.0) / (words.count_ones() as Score + 1.0)).powf(weights.coordination);
            shares.iter_mut().for_each(|share| *share *= factor);
        }
        Ok(shares)
    }

    /// The term dictionary, postings and field norms of each scored field of a segment:
    /// those opened with the ranker, or opened now for a segment it was not built on.
    fn field_readers(&self, segment: &SegmentReader) -> tantivy::Result<Arc<FieldReaders>> {
        match self.kept(segment) {
            Some(kept) => Ok(kept.readers.clone()),
            None => Ok(Arc::new(open_field_readers(&self.norms, segment)?)),
        }
    }

    /// What this ranker keeps of `segment`, if it was built on it.
    fn kept(&self, segment: &SegmentReader) -> Option<&KeptSegment> {
        self.segments.iter().find(|(id, _)| *id == segment.segment_id()).map(|(_, kept)| kept)
    }

    /// Adds every scored term's (and phrase's) BM25 into `accumulator` for one segment.
    /// Only documents in `part.range` are scored; postings are entered at its start.
    fn accumulate(
        &self,
        searcher: &Searcher,
        part: &Part<'_>,
        scored: &[ScoredTerm],
        plan: &Plan,
        accumulator: &mut Accumulator<'_>,
    ) -> tantivy::Result<()> {
        let (segment, readers, ordinal, range) = (part.segment, part.readers, part.ordinal, &part.range);
        let whole = range.start == 0 && range.end >= segment.max_doc();
        // When the postings cover a good part of the range, the candidates are collected
        // by one pass over the whole range anyway: do not track them one by one (postings
        // are assumed spread evenly over the segment).
        let postings: u64 = scored.iter().filter_map(|t| t.infos[ordinal].as_ref()).map(|i| u64::from(i.doc_freq)).sum();
        accumulator.dense = postings * 4 > u64::from(segment.max_doc());
        for term in scored {
            let (Some(info), Some((inverted, fieldnorm)), Some(Some(FieldModel { norms, .. }))) =
                (&term.infos[ordinal], readers.get(term.field), self.norms.get(term.field.field_id() as usize))
            else {
                continue;
            };
            let doc_norms = self.doc_norms(segment, term.field);
            let add = |accumulator: &mut Accumulator<'_>, docs: &[DocId], freqs: &[u32]| {
                add_postings(accumulator, term, doc_norms, norms, fieldnorm, docs, freqs)
            };
            let kept = match &self.postings {
                Some(cache) => cache.get(ordinal, segment, term.field, inverted, info)?,
                None => None,
            };
            if let Some(list) = kept {
                let (docs, freqs) = (&list.docs[..], &list.freqs[..]);
                let (from, until) = if whole {
                    (0, docs.len())
                } else {
                    (docs.partition_point(|&doc| doc < range.start), docs.partition_point(|&doc| doc < range.end))
                };
                add(accumulator, &docs[from..until], &freqs[from..until]);
                continue;
            }
            let mut postings = inverted.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
            // Where the range starts in the current block (0 after the first block).
            let mut from = if range.start > 0 { postings.seek(range.start) } else { 0 };
            loop {
                let block = postings.docs();
                if block.is_empty() || from >= block.len() {
                    break;
                }
                // The documents of this block inside the range; the block that reaches the
                // range's end is the last one read.
                let until = if whole { block.len() } else { block.partition_point(|&doc| doc < range.end) };
                let last = until < block.len();
                let docs = &block[from..until];
                let freqs = &postings.freqs()[from..until];
                from = 0;
                add(accumulator, docs, freqs);
                if last {
                    break;
                }
                postings.advance();
            }
        }
        for clause in plan.clauses.iter().filter(|c| c.next.is_some()) {
            let weight = plan.clause_query(clause).weight(EnableScoring::enabled_from_searcher(searcher))?;
            let mut scorer = weight.scorer(segment, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if range.contains(&doc) {
                    accumulator.add(doc, scorer.score(), 0);
                }
                doc = scorer.advance();
            }
        }
        Ok(())
    }
}

/// The documents `range` of one segment, ranked by one thread.
struct Part<'a> {
    segment: &'a SegmentReader,
    readers: &'a FieldReaders,
    ordinal: usize,
    range: Range<DocId>,
}

/// Opens the term dictionary, postings and field norms of each field `norms` scores.
fn open_field_readers(norms: &[Option<FieldModel>], segment: &SegmentReader) -> tantivy::Result<FieldReaders> {
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
struct FieldReaders {
    by_id: Vec<Option<(Arc<InvertedIndexReader>, FieldNormReader)>>,
}

impl std::fmt::Debug for FieldReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<usize> = self.by_id.iter().enumerate().filter(|(_, r)| r.is_some()).map(|(id, _)| id).collect();
        f.debug_struct("FieldReaders").field("fields", &fields).finish()
    }
}

impl FieldReaders {
    fn get(&self, field: Field) -> Option<&(Arc<InvertedIndexReader>, FieldNormReader)> {
        self.by_id.get(field.field_id() as usize).and_then(Option::as_ref)
    }
}

/// A plan term that occurs in the index: its weight (boost × idf × (k1 + 1)) and where its
/// postings are in each segment.
struct ScoredTerm {
    field: Field,
    weight: Score,
    infos: crate::rank::term_cache::Infos,
    /// The bits it sets in [`Matched`].
    mask: Matched,
}

/// Scores of one segment's documents, the query words each contains, and which documents
/// have a score.
struct Accumulator<'a> {
    scores: &'a mut [Score],
    masks: &'a mut [Matched],
    touched: &'a mut Vec<DocId>,
    /// Candidates will be found by scanning the whole array: `touched` is not kept.
    dense: bool,
}

impl Accumulator<'_> {
    /// Adds `score` to `doc` and records the query words (`mask`) it contains.
    #[inline]
    fn add(&mut self, doc: DocId, score: Score, mask: Matched) {
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
fn add_postings(
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
struct Candidate {
    key: u128,
    words: Matched,
}

impl Candidate {
    #[inline]
    fn new(score: Score, address: DocAddress, words: Matched) -> Candidate {
        let bits = score.to_bits();
        // Negative scores (sign set) flip entirely; the rest gain the sign bit: unsigned order
        // is then `total_cmp` order.
        let ordered = if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 };
        let place = (u64::from(!address.segment_ord) << 32) | u64::from(!address.doc_id);
        Candidate { key: (u128::from(ordered) << 64) | u128::from(place), words }
    }

    fn score(&self) -> Score {
        let ordered = (self.key >> 64) as u32;
        Score::from_bits(if ordered >> 31 == 1 { ordered & 0x7fff_ffff } else { !ordered })
    }

    fn address(&self) -> DocAddress {
        DocAddress::new(!((self.key >> 32) as u32), !(self.key as u32))
    }
}

/// The best `capacity` candidates seen so far: a buffer of up to twice as many, cut back to
/// the best `capacity` (`select_nth_unstable`, linear) whenever it fills, which also raises
/// the floor that turns most later candidates away after one comparison. Cheaper than a heap
/// of `capacity` (a sift of seven levels for every candidate that gets in).
struct Best {
    capacity: usize,
    kept: Vec<Candidate>,
    /// The weakest candidate kept at the last cut: nothing at or below it can be in the best
    /// `capacity` any more.
    floor: Option<Candidate>,
}

impl Best {
    fn new(capacity: usize) -> Self {
        Best { capacity, kept: Vec::with_capacity(capacity.min(1024) * 2 + 1), floor: None }
    }

    /// The score a candidate must beat (or tie, with an earlier address) to be kept.
    #[inline]
    fn floor(&self) -> Score {
        match self.floor {
            _ if self.capacity == 0 => Score::INFINITY,
            Some(floor) => floor.score(),
            None => Score::NEG_INFINITY,
        }
    }

    #[inline]
    fn offer(&mut self, score: Score, address: DocAddress, words: Matched) {
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
    fn cut(&mut self) {
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
    fn merge(mut self, other: Best) -> Best {
        for candidate in other.kept {
            self.offer(candidate.score(), candidate.address(), candidate.words);
        }
        self
    }

    /// Best first.
    fn into_sorted(mut self) -> Vec<(Score, DocAddress, Matched)> {
        self.cut();
        self.kept.sort_unstable_by_key(|c| std::cmp::Reverse(c.key));
        self.kept.into_iter().map(|c| (c.score(), c.address(), c.words)).collect()
    }
}

/// The [`Matched`] bit of a query word's group (none past [`WORD_BITS`]).
fn word_bit(group: Option<u8>) -> Matched {
    group.filter(|&g| u32::from(g) < WORD_BITS).map_or(0, |g| 1 << g)
}

/// Inverse document frequency, as tantivy's and Lucene's BM25.
fn idf(doc_freq: u64, doc_count: u64) -> Score {
    let x = ((doc_count.saturating_sub(doc_freq)) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A candidate's key orders as the score's `total_cmp` then the lower address, and gives
    /// both back exactly.
    #[test]
    fn candidate_keys_order_as_score_then_address_and_round_trip() {
        let scores = [Score::NEG_INFINITY, -3.5, -1e-30, -0.0, 0.0, 1e-30, 0.5, 2.0, 7.25, 1e30, Score::INFINITY];
        let addresses = [DocAddress::new(0, 0), DocAddress::new(0, 9), DocAddress::new(1, 0), DocAddress::new(u32::MAX, u32::MAX)];
        let mut all = Vec::new();
        for &score in &scores {
            for &address in &addresses {
                let candidate = Candidate::new(score, address, 0b101);
                assert_eq!(candidate.score().to_bits(), score.to_bits());
                assert_eq!((candidate.address(), candidate.words), (address, 0b101));
                all.push((score, address, candidate.key));
            }
        }
        for &(s1, a1, k1) in &all {
            for &(s2, a2, k2) in &all {
                assert_eq!(k1.cmp(&k2), s1.total_cmp(&s2).then(a2.cmp(&a1)), "{s1} {a1:?} / {s2} {a2:?}");
            }
        }
    }

    /// The best `k` of many candidates (with ties on score), offered in any order and merged
    /// from parts, are the first `k` of all of them sorted.
    #[test]
    fn best_keeps_exactly_the_first_k_of_the_total_order() {
        // Each address once (a document is offered once), scores with many ties.
        let mut seen = std::collections::HashSet::new();
        let candidates: Vec<(Score, DocAddress)> = (0..500u32)
            .map(|i| (((i * 7919) % 37) as Score * 0.5, DocAddress::new(i % 3, (i * 104_729) % 1_000)))
            .filter(|&(_, address)| seen.insert(address))
            .collect();
        // The order spelt out: higher score first (total_cmp), then the lower address.
        let mut sorted = candidates.clone();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for k in [0, 1, 2, 7, 100, 499, 2_000, usize::MAX] {
            let expected: Vec<(Score, DocAddress)> = sorted.iter().take(k).copied().collect();
            let mut whole = Best::new(k);
            let (mut left, mut right) = (Best::new(k), Best::new(k));
            for (i, &(score, address)) in candidates.iter().enumerate() {
                whole.offer(score, address, 0);
                if i % 2 == 0 { left.offer(score, address, 0) } else { right.offer(score, address, 0) }
            }
            let got: Vec<(Score, DocAddress)> = whole.into_sorted().into_iter().map(|(s, a, _)| (s, a)).collect();
            assert_eq!(got, expected, "k = {k}");
            let merged: Vec<(Score, DocAddress)> = left.merge(right).into_sorted().into_iter().map(|(s, a, _)| (s, a)).collect();
            assert_eq!(merged, expected, "k = {k}, merged");
        }
    }
}
