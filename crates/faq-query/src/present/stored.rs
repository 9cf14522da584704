//! The stored side of hits: each entry's text, links and token spans, decoded from tantivy's
//! document store the first time it is shown and kept (the index is immutable once opened),
//! so a repeated hit costs no decompression or UTF-8 validation. Indexes above
//! [`MAX_CACHED_ENTRIES`] are not cached: every hit is decoded, memory stays flat.

use std::sync::{Arc, OnceLock};

use faq_core::FaqEntry;
use faq_core::schema::FaqFields;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::present::highlight::{KeyedSpan, ReadingSpan, keyed_spans, reading_spans};

/// Largest index whose decoded entries are kept in memory (about 1 KB each for FAQ text).
pub const MAX_CACHED_ENTRIES: usize = 200_000;

/// An entry as shown in a hit, with the spans highlighting needs: as stored (with each
/// token's reading, for kana queries) and keyed (checked ranges and term keys, for the rest).
#[derive(Debug)]
pub struct StoredEntry {
    pub entry: FaqEntry,
    pub question_spans: Vec<u8>,
    pub answer_spans: Vec<u8>,
    pub question_keys: Vec<KeyedSpan>,
    pub answer_keys: Vec<KeyedSpan>,
    /// The question and answer as JSON strings, escaped the first time a hit of this entry
    /// is written as JSON ([`crate::present::json`]) and kept with the entry.
    json: OnceLock<EntryJson>,
    /// The words a kana query may mark by reading, found the first time one highlights
    /// this entry.
    readings: OnceLock<EntryReadings>,
}

/// An entry's [`ReadingSpan`]s, question and answer.
#[derive(Debug)]
pub struct EntryReadings {
    pub question: Vec<ReadingSpan>,
    pub answer: Vec<ReadingSpan>,
}

/// An entry's question and answer as JSON string literals (quotes and escapes included).
#[derive(Debug)]
pub struct EntryJson {
    pub question: Box<serde_json::value::RawValue>,
    pub answer: Box<serde_json::value::RawValue>,
}

impl StoredEntry {
    pub fn new(entry: FaqEntry, question_spans: Vec<u8>, answer_spans: Vec<u8>) -> StoredEntry {
        let question_keys = keyed_spans(&entry.question, &question_spans);
        let answer_keys = keyed_spans(&entry.answer, &answer_spans);
        StoredEntry { entry, question_spans, answer_spans, question_keys, answer_keys, json: OnceLock::new(), readings: OnceLock::new() }
    }

    /// [`EntryReadings`] of this entry, found now or earlier.
    pub fn readings(&self) -> &EntryReadings {
        self.readings.get_or_init(|| EntryReadings {
            question: reading_spans(&self.entry.question, &self.question_spans),
            answer: reading_spans(&self.entry.answer, &self.answer_spans),
        })
    }

    /// [`EntryJson`] of this entry, escaped now or earlier.
    pub fn json(&self) -> &EntryJson {
        self.json.get_or_init(|| {
            // A string serialises, and its serialisation is valid JSON.
            let literal = |text: &str| {
                serde_json::value::RawValue::from_string(serde_json::to_string(text).expect("a string serialises"))
                    .expect("a JSON string literal")
            };
            EntryJson { question: literal(&self.entry.question), answer: literal(&self.entry.answer) }
        })
    }
}

/// Decoded entries by document address, filled on first use.
pub struct StoredEntries {
    /// First slot of each segment.
    bases: Vec<usize>,
    slots: Vec<OnceLock<Arc<StoredEntry>>>,
}

impl StoredEntries {
    pub fn new(searcher: &Searcher) -> StoredEntries {
        let mut bases = Vec::new();
        let mut total = 0usize;
        for segment in searcher.segment_readers() {
            bases.push(total);
            total += segment.max_doc() as usize;
        }
        let cached = if total <= MAX_CACHED_ENTRIES { total } else { 0 };
        StoredEntries { bases, slots: (0..cached).map(|_| OnceLock::new()).collect() }
    }

    /// The entry at `address`, decoded now or earlier.
    pub fn get(&self, searcher: &Searcher, fields: &FaqFields, address: DocAddress) -> tantivy::Result<Arc<StoredEntry>> {
        let slot = self.bases.get(address.segment_ord as usize).and_then(|base| self.slots.get(base + address.doc_id as usize));
        if let Some(found) = slot.and_then(OnceLock::get) {
            return Ok(found.clone());
        }
        let doc: TantivyDocument = searcher.doc(address)?;
        let decoded = Arc::new(StoredEntry::new(
            fields.entry(&doc),
            fields.spans(&doc, fields.question_spans).to_vec(),
            fields.spans(&doc, fields.answer_spans).to_vec(),
        ));
        Ok(match slot {
            Some(slot) => slot.get_or_init(|| decoded).clone(),
            None => decoded,
        })
    }
}
