//! What the two per-index caches of the ranker share ([`crate::rank::term_cache`],
//! [`crate::rank::postings_cache`]): maps by slot (a field, a segment) behind read-write locks, a
//! running total of what they hold against a limit, and the segments of the index they were
//! made for (the index is immutable once opened, so nothing kept goes stale; a searcher over
//! other segments is not served from them).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustc_hash::FxBuildHasher;
use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader};

/// Maps by slot for the segments of one opened index, holding at most `limit` in all (each
/// value counted by the weight it was inserted with).
pub struct Kept<K, V> {
    segments: Vec<SegmentId>,
    maps: Vec<RwLock<HashMap<K, V, FxBuildHasher>>>,
    total: AtomicUsize,
    limit: usize,
}

impl<K: Hash + Eq, V: Clone> Kept<K, V> {
    /// Empty maps, `slots` of them, for the segments of `searcher`.
    pub fn new(searcher: &Searcher, slots: usize, limit: usize) -> Self {
        Kept {
            segments: searcher.segment_readers().iter().map(SegmentReader::segment_id).collect(),
            maps: (0..slots).map(|_| RwLock::default()).collect(),
            total: AtomicUsize::new(0),
            limit,
        }
    }

    /// Whether `segments` are the ones these maps were made for.
    #[inline]
    pub fn made_for(&self, segments: &[SegmentReader]) -> bool {
        segments.len() == self.segments.len() && segments.iter().zip(&self.segments).all(|(s, id)| s.segment_id() == *id)
    }

    /// Whether `segment` is the `ordinal`-th of the segments these maps were made for.
    #[inline]
    pub fn made_for_segment(&self, ordinal: usize, segment: &SegmentReader) -> bool {
        self.segments.get(ordinal) == Some(&segment.segment_id())
    }

    /// The value kept for `key` in `slot`.
    #[inline]
    pub fn get<Q: Hash + Eq + ?Sized>(&self, slot: usize, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.maps.get(slot)?.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    /// Whether a value of `weight` still fits.
    #[inline]
    pub fn has_room(&self, weight: usize) -> bool {
        self.total.load(Ordering::Relaxed) + weight <= self.limit
    }

    /// Keeps `value` for `key` in `slot` (a slot that does not exist keeps nothing).
    #[inline]
    pub fn insert(&self, slot: usize, key: K, value: V, weight: usize) {
        if let Some(map) = self.maps.get(slot)
            && map.write().unwrap_or_else(|e| e.into_inner()).insert(key, value).is_none()
        {
            self.total.fetch_add(weight, Ordering::Relaxed);
        }
    }

    /// The weight of everything kept now.
    #[inline]
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
}
