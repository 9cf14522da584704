//! The tantivy schema of a FAQ index and the mapping between [`FaqEntry`] and documents.
//!
//! `question` and `answer` are indexed with [`TOKENIZER_NAME`], lindera-tantivy's tokenizer
//! (positions kept for phrase and proximity scoring); the build hands tantivy the tokens
//! of the analyzer's one segmentation, which are that tokenizer's tokens (a test pins
//! them equal), instead of segmenting each text a second time. `question_text` and
//! `answer_text` store the texts for display; `*_bigram` and `*_reading` index the
//! character paths of [`crate::Analysis`]; `*_spans` store the analysed tokens of
//! each for highlighting ([`crate::spans`]); `id` is an exact-match key for `faq show`.

use std::collections::BTreeMap;

use tantivy::schema::{FAST, Field, IndexRecordOption, OwnedValue, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, TantivyDocument};

use crate::analyzer::{Analyzer, TOKENIZER_NAME};
use crate::entry::{FaqEntry, Link, SourceLocation};
use crate::error::{CoreError, Result};
use crate::terms::{TERMS_TOKENIZER_NAME, TermsTokenizer};

/// A document as the build hands it to tantivy: one value per field.
pub type IndexDocument = BTreeMap<Field, OwnedValue>;

/// The semantic word keys of an entry's question and answer.
pub type EntryWords = (Vec<u32>, Vec<u32>);

/// Field handles of the FAQ schema.
#[derive(Clone, Copy, Debug)]
pub struct FaqFields {
    pub id: Field,
    pub question: Field,
    pub answer: Field,
    pub question_text: Field,
    pub answer_text: Field,
    pub question_bigram: Field,
    pub answer_bigram: Field,
    pub question_reading: Field,
    pub answer_reading: Field,
    pub question_spans: Field,
    pub answer_spans: Field,
    pub links: Field,
    pub category: Field,
    pub source_file: Field,
    pub source_line: Field,
    /// The entry's position in the corpus: its row in the entry vectors (fast field).
    pub ordinal: Field,
}

/// How an index is created: the schema and its settings, the same on disk and in RAM.
pub fn index_builder() -> tantivy::IndexBuilder {
    // Small document-store blocks: a hit decompresses the block holding its entry, so with
    // tantivy's 16 KiB blocks a cold search decompressed three or four entries per hit.
    let settings = tantivy::IndexSettings { docstore_blocksize: DOCSTORE_BLOCKSIZE, ..Default::default() };
    tantivy::Index::builder().schema(build_schema()).settings(settings)
}

/// Bytes of stored documents per compressed block: an entry of FAQ text with its spans
/// (a few KiB) is about one block.
pub const DOCSTORE_BLOCKSIZE: usize = 4096;

/// Builds the schema; the field handles are read back with [`FaqFields::from_schema`].
pub fn build_schema() -> Schema {
    let mut builder = Schema::builder();
    let analysed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(TOKENIZER_NAME).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Character paths: terms computed by the analyzer, joined into one string per field
    // and split again by the terms tokenizer (see crate::terms).
    let characters = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(TERMS_TOKENIZER_NAME).set_index_option(IndexRecordOption::WithFreqs),
    );
    builder.add_text_field("id", STRING | STORED);
    builder.add_text_field("question", analysed.clone());
    builder.add_text_field("answer", analysed);
    builder.add_text_field("question_text", STORED);
    builder.add_text_field("answer_text", STORED);
    builder.add_text_field("question_bigram", characters.clone());
    builder.add_text_field("answer_bigram", characters.clone());
    builder.add_text_field("question_reading", characters.clone());
    builder.add_text_field("answer_reading", characters);
    // Text, not bytes: tantivy reads a stored text whole and stored bytes one at a time
    // (the spans are most of a stored entry); [`crate::spans`] encodes them as UTF-8.
    builder.add_text_field("question_spans", STORED);
    builder.add_text_field("answer_spans", STORED);
    builder.add_text_field("links", STORED);
    builder.add_text_field("category", STORED);
    builder.add_text_field("source_file", STORED);
    builder.add_u64_field("source_line", STORED);
    builder.add_u64_field("ordinal", FAST);
    builder.build()
}

/// An index schema without one of the fields this version needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{0}` is missing")]
pub struct MissingField(pub String);

impl FaqFields {
    /// Reads the field handles of an index's schema, failing clearly if one is missing.
    pub fn from_schema(schema: &Schema) -> std::result::Result<Self, MissingField> {
        let get = |name: &str| schema.get_field(name).map_err(|_| MissingField(name.to_string()));
        Ok(FaqFields {
            id: get("id")?,
            question: get("question")?,
            answer: get("answer")?,
            question_text: get("question_text")?,
            answer_text: get("answer_text")?,
            question_bigram: get("question_bigram")?,
            answer_bigram: get("answer_bigram")?,
            question_reading: get("question_reading")?,
            answer_reading: get("answer_reading")?,
            question_spans: get("question_spans")?,
            answer_spans: get("answer_spans")?,
            links: get("links")?,
            category: get("category")?,
            source_file: get("source_file")?,
            source_line: get("source_line")?,
            ordinal: get("ordinal")?,
        })
    }

    /// The document for the entry at `ordinal` in the corpus, with the spans of its
    /// analysed question and answer, and the words of each that carry a vector (for
    /// [`crate::semantic::EntryVectors`]).
    ///
    /// An [`IndexDocument`], not a `TantivyDocument`: tantivy's compact document stores a
    /// pre-tokenized text as JSON and parses it back when indexing (a tenth of a build).
    pub fn document(&self, entry: &FaqEntry, ordinal: usize, analyzer: &Analyzer) -> (IndexDocument, EntryWords) {
        // URLs are not words of the entry; their labels are (offsets are unchanged).
        let question = analyzer.analyze(&crate::entry::blank_urls(&entry.question));
        let answer = analyzer.analyze(&crate::entry::blank_urls(&entry.answer));
        let words = (crate::semantic::keys(&question.tokens), crate::semantic::keys(&answer.tokens));
        let mut doc = IndexDocument::new();
        doc.insert(self.ordinal, OwnedValue::U64(ordinal as u64));
        let text = |s: &str| OwnedValue::Str(s.to_string());
        doc.insert(self.id, text(&entry.id));
        doc.insert(self.question_text, text(&entry.question));
        doc.insert(self.answer_text, text(&entry.answer));
        doc.insert(self.question, OwnedValue::PreTokStr(morphological_tokens(&question.tokens)));
        doc.insert(self.answer, OwnedValue::PreTokStr(morphological_tokens(&answer.tokens)));
        doc.insert(self.question_spans, OwnedValue::Str(crate::spans::encode(&question.tokens)));
        doc.insert(self.answer_spans, OwnedValue::Str(crate::spans::encode(&answer.tokens)));
        doc.insert(self.question_bigram, OwnedValue::Str(question.bigrams.into_joined()));
        doc.insert(self.answer_bigram, OwnedValue::Str(answer.bigrams.into_joined()));
        doc.insert(self.question_reading, OwnedValue::Str(question.readings.into_joined()));
        doc.insert(self.answer_reading, OwnedValue::Str(answer.readings.into_joined()));
        if !entry.links.is_empty() {
            // Serialising plain strings into JSON cannot fail.
            doc.insert(self.links, OwnedValue::Str(serde_json::to_string(&entry.links).unwrap_or_default()));
        }
        if let Some(category) = &entry.category {
            doc.insert(self.category, text(category));
        }
        if let Some(source) = &entry.source {
            doc.insert(self.source_file, text(&source.file));
            doc.insert(self.source_line, OwnedValue::U64(source.line as u64));
        }
        (doc, words)
    }

    /// The entry stored in a document.
    pub fn entry(&self, doc: &TantivyDocument) -> FaqEntry {
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let links: Vec<Link> =
            doc.get_first(self.links).and_then(|v| v.as_str()).and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default();
        let category = doc.get_first(self.category).and_then(|v| v.as_str()).map(str::to_string);
        let source = doc.get_first(self.source_file).and_then(|v| v.as_str()).map(|file| SourceLocation {
            file: file.to_string(),
            line: doc.get_first(self.source_line).and_then(|v| v.as_u64()).unwrap_or(0) as usize,
        });
        FaqEntry { id: text(self.id), question: text(self.question_text), answer: text(self.answer_text), links, category, source }
    }

    /// The stored spans of a field (`question_spans` or `answer_spans`).
    pub fn spans<'a>(&self, doc: &'a TantivyDocument, field: Field) -> &'a [u8] {
        doc.get_first(field).and_then(|v| v.as_str()).map_or(&[], str::as_bytes)
    }
}

/// The morphological tokens as lindera-tantivy would have produced them (term, offsets,
/// position). The text is left empty: these fields are not stored, and tantivy keeps the
/// value in the document until it is indexed.
fn morphological_tokens(tokens: &[crate::AnalyzedToken]) -> PreTokenizedString {
    let tokens = tokens
        .iter()
        .map(|t| Token { offset_from: t.start, offset_to: t.end, position: t.position, text: t.term.clone(), position_length: 1 })
        .collect();
    PreTokenizedString { text: String::new(), tokens }
}

/// Registers the analyzer on an index and reads its fields: every index is opened this
/// way, by the writer and by the searcher.
pub fn prepare(index: &Index, analyzer: &Analyzer) -> Result<FaqFields> {
    index.tokenizers().register(TOKENIZER_NAME, analyzer.tantivy_analyzer());
    index.tokenizers().register(TERMS_TOKENIZER_NAME, TermsTokenizer::default());
    FaqFields::from_schema(&index.schema())
        .map_err(|missing| CoreError::IndexDamaged { path: std::path::PathBuf::from("(index)"), message: missing.to_string() })
}
