//! Term-dictionary answers kept for the life of an opened index: a term's postings info in
//! each segment, looked up in tantivy's dictionary (an FST walk and a block decode, ~2,400
//! instructions a term on localgovFAQ) the first time a query needs it, and found in a hash
//! map (~100) every time after. The index is immutable once opened, so an answer never goes
//! stale; a searcher over other segments is not served from it. At most [`MAX_TERMS`] terms
//! are kept (typed queries are unbounded); past that, lookups go to the dictionary.

use std::sync::Arc;

use tantivy::postings::TermInfo;
use tantivy::schema::Field;
use tantivy::{Searcher, SegmentReader};

use crate::rank::kept::Kept;

/// Terms kept, at most (about 100 bytes each).
pub const MAX_TERMS: usize = 200_000;

/// A term's postings info in each segment, in segment order (`None`: not in that segment).
pub type Infos = Arc<[Option<TermInfo>]>;

/// The cache of one opened index: by field id, each term's infos.
pub struct TermCache(Kept<Box<str>, Infos>);

impl std::fmt::Debug for TermCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermCache").field("terms", &self.len()).finish()
    }
}

impl TermCache {
    /// An empty cache for the segments of `searcher` and fields with ids below `fields`.
    pub fn new(searcher: &Searcher, fields: usize) -> TermCache {
        TermCache(Kept::new(searcher, fields, MAX_TERMS))
    }

    /// `term`'s infos in `field` for `segments`, from the cache or from `lookup` (called per
    /// segment, in order).
    pub fn infos(
        &self,
        segments: &[SegmentReader],
        field: Field,
        term: &str,
        mut lookup: impl FnMut(usize) -> tantivy::Result<Option<TermInfo>>,
    ) -> tantivy::Result<Infos> {
        let served = self.0.made_for(segments);
        let slot = field.field_id() as usize;
        if let Some(found) = self.0.get(slot, term).filter(|_| served) {
            return Ok(found);
        }
        let infos: Infos = (0..segments.len()).map(&mut lookup).collect::<tantivy::Result<Vec<_>>>()?.into();
        if served && self.0.has_room(1) {
            self.0.insert(slot, term.into(), infos.clone(), 1);
        }
        Ok(infos)
    }

    /// Terms kept now.
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
    use tantivy::schema::{STRING, Schema};
    use tantivy::{Index, TantivyDocument};

    #[test]
    fn a_term_is_looked_up_once_and_answers_as_the_dictionary_does() {
        let mut schema = Schema::builder();
        let word = schema.add_text_field("word", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for text in ["領収書", "返金", "領収書"] {
            let mut doc = TantivyDocument::default();
            doc.add_text(word, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segments = searcher.segment_readers();
        let cache = TermCache::new(&searcher, 1);
        let mut lookups = 0;
        let lookup = |term: &str| {
            let term = term.to_string();
            move |segment: usize| -> tantivy::Result<Option<TermInfo>> {
                Ok(segments[segment].inverted_index(word)?.terms().get(term.as_bytes())?)
            }
        };
        let first = cache
            .infos(segments, word, "領収書", |s| {
                lookups += 1;
                lookup("領収書")(s)
            })
            .unwrap();
        assert_eq!(first[0].as_ref().map(|i| i.doc_freq), Some(2));
        let again = cache
            .infos(segments, word, "領収書", |s| {
                lookups += 1;
                lookup("領収書")(s)
            })
            .unwrap();
        assert_eq!(again, first);
        assert_eq!(lookups, segments.len(), "the second time comes from the cache");
        let missing = cache.infos(segments, word, "天気", lookup("天気")).unwrap();
        assert!(missing.iter().all(Option::is_none), "a term in no entry is remembered as such");
        assert_eq!(cache.len(), 2);
    }
}
