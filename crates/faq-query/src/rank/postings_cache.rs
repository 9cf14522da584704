//! Short postings lists decoded once for the life of an opened index. Opening a list in
//! tantivy (its file slice, skip data, the first block's variable-length ints) costs ~1,500
//! instructions on localgovFAQ, more than scoring its few dozen documents; a FAQ's query
//! words come back again and again, so the ranker keeps each short list's document ids and
//! term frequencies as plain arrays and reads them from there the next time. The index is
//! immutable once opened, so a kept list never goes stale; a searcher over other segments
//! is not served from it.
//!
//! Only lists of at most [`MAX_DOC_FREQ`] documents are kept (longer ones are bit-packed
//! blocks that tantivy decodes with SIMD, and would cost the memory), and at most
//! [`MAX_POSTINGS`] postings in all (typed queries are unbounded); past that, lists are
//! read from the index as before.

use std::sync::Arc;

use tantivy::index::InvertedIndexReader;
use tantivy::postings::TermInfo;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Searcher, SegmentReader};

use crate::rank::kept::Kept;

/// Lists longer than this are not kept.
pub const MAX_DOC_FREQ: u32 = 1_024;

/// Postings kept in all, at most (8 bytes each: 32 MiB).
pub const MAX_POSTINGS: usize = 4 << 20;

/// One postings list: document ids in increasing order, and each one's term frequency.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    pub docs: Box<[DocId]>,
    pub freqs: Box<[u32]>,
}

impl Decoded {
    /// Reads the whole list `info` points at, block by block.
    pub fn read(inverted: &InvertedIndexReader, info: &TermInfo) -> tantivy::Result<Decoded> {
        let mut postings = inverted.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        let (mut docs, mut freqs) = (Vec::with_capacity(info.doc_freq as usize), Vec::with_capacity(info.doc_freq as usize));
        loop {
            let block = postings.docs();
            if block.is_empty() {
                break;
            }
            docs.extend_from_slice(block);
            freqs.extend_from_slice(postings.freqs());
            postings.advance();
        }
        Ok(Decoded { docs: docs.into(), freqs: freqs.into() })
    }
}

/// The kept lists of one opened index: by segment, each list by field id and where it starts
/// in the postings file.
pub struct PostingsCache(Kept<(u32, usize), Arc<Decoded>>);

impl std::fmt::Debug for PostingsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostingsCache").field("postings", &self.len()).finish()
    }
}

impl PostingsCache {
    /// An empty cache for the segments of `searcher`.
    pub fn new(searcher: &Searcher) -> PostingsCache {
        PostingsCache(Kept::new(searcher, searcher.segment_readers().len(), MAX_POSTINGS))
    }

    /// The list `info` points at in `field` of `segment` (the `ordinal`-th of the
    /// searcher), kept or read now; `None` when it is not to be kept (too long, the cache
    /// full, or a segment this cache was not made for): the caller reads it from the index.
    pub fn get(
        &self,
        ordinal: usize,
        segment: &SegmentReader,
        field: Field,
        inverted: &InvertedIndexReader,
        info: &TermInfo,
    ) -> tantivy::Result<Option<Arc<Decoded>>> {
        if info.doc_freq > MAX_DOC_FREQ || !self.0.made_for_segment(ordinal, segment) {
            return Ok(None);
        }
        let key = (field.field_id(), info.postings_range.start);
        if let Some(found) = self.0.get(ordinal, &key) {
            return Ok(Some(found));
        }
        if !self.0.has_room(info.doc_freq as usize) {
            return Ok(None);
        }
        let decoded = Arc::new(Decoded::read(inverted, info)?);
        self.0.insert(ordinal, key, decoded.clone(), decoded.docs.len());
        Ok(Some(decoded))
    }

    /// Postings kept now.
    pub fn len(&self) -> usize {
        self.0.total()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::postings::Postings;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{DocSet, Index, TERMINATED, TantivyDocument, Term};

    /// A list streamed document by document through tantivy's own postings.
    fn streamed(inverted: &InvertedIndexReader, info: &TermInfo) -> Decoded {
        let mut postings = inverted.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs).unwrap();
        let (mut docs, mut freqs) = (Vec::new(), Vec::new());
        while postings.doc() != TERMINATED {
            docs.push(postings.doc());
            freqs.push(postings.term_freq());
            postings.advance();
        }
        Decoded { docs: docs.into(), freqs: freqs.into() }
    }

    #[test]
    fn a_kept_list_is_the_list_and_a_long_one_is_not_kept() {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // "rare" in 300 documents (three blocks: two bit-packed, one of variable-length
        // ints), with term frequencies 1 to 3; "common" in every one of 1,100.
        for doc in 0..1_100u32 {
            let mut words = vec!["common"];
            if doc % 3 == 0 && doc < 900 {
                words.extend(std::iter::repeat_n("rare", 1 + (doc as usize / 3) % 3));
            }
            let mut document = TantivyDocument::default();
            document.add_text(text, words.join(" "));
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segment = searcher.segment_reader(0);
        let inverted = segment.inverted_index(text).unwrap();
        let info = |word: &str| inverted.get_term_info(&Term::from_field_text(text, word)).unwrap().unwrap();
        let cache = PostingsCache::new(&searcher);

        let rare = info("rare");
        assert_eq!(rare.doc_freq, 300);
        let first = cache.get(0, segment, text, &inverted, &rare).unwrap().expect("a short list is kept");
        assert_eq!(*first, streamed(&inverted, &rare));
        assert_eq!(first.freqs.iter().filter(|&&f| f == 3).count(), 100);
        let again = cache.get(0, segment, text, &inverted, &rare).unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second time comes from the cache");
        assert_eq!(cache.len(), 300);

        let common = info("common");
        assert!(common.doc_freq > MAX_DOC_FREQ);
        assert!(cache.get(0, segment, text, &inverted, &common).unwrap().is_none(), "a long list is read from the index");
        assert!(cache.get(1, segment, text, &inverted, &rare).unwrap().is_none(), "not a segment of this cache");
        assert_eq!(Decoded::read(&inverted, &common).unwrap(), streamed(&inverted, &common));
    }
}
