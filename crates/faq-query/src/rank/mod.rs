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

mod accumulate;
mod matched;
#[cfg(test)]
mod tests;

use accumulate::*;
pub use matched::*;

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

pub use crate::plan::Bm25;
use crate::plan::{PathKind, Plan, Weights};

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
