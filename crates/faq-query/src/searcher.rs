//! Ranking FAQ entries for a free-text question: the benchmarked core.
//!
//! The query text is never parsed as query syntax: it goes through the same analyzer as
//! the documents, and each distinct term becomes a `SHOULD` clause on the question field
//! (boosted) and on the answer field, scored with BM25. Quotes, colons, brackets, `AND`,
//! `*` are just text.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use faq_core::schema::FaqFields;
use faq_core::{Analyzer, CoreError, FaqEntry};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Score, TantivyDocument, Term};

use crate::highlight::{self, SNIPPET_CHARS};
use crate::response::{Highlights, Hit, HitMarks, SearchResponse};

/// Longest query accepted, in characters (a long pasted mail fits; a document does not).
pub const MAX_QUERY_CHARS: usize = 1000;
/// Most hits returned by one request.
pub const MAX_LIMIT: usize = 100;
/// Weight of a match in the question relative to one in the answer.
pub const QUESTION_BOOST: Score = 2.0;

/// A query the engine refuses, with a message for the user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("the query is empty")]
    Empty,
    #[error("the query is too long: {chars} characters, the limit is {MAX_QUERY_CHARS}")]
    TooLong { chars: usize },
}

/// Errors while searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// Which page of results to return.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

impl Default for Page {
    fn default() -> Self {
        Page { limit: 10, offset: 0 }
    }
}

/// An open index ready to answer queries; cheap to share between threads.
pub struct FaqSearcher {
    reader: IndexReader,
    fields: FaqFields,
    analyzer: Analyzer,
    entries: usize,
}

impl FaqSearcher {
    /// Opens the live generation of the index under `root`.
    pub fn open(root: &Path, analyzer: Analyzer) -> Result<Self, SearchError> {
        let (index, fields, manifest) = faq_core::layout::open(root, &analyzer)?;
        let mut searcher = Self::from_index(index, fields, analyzer)?;
        searcher.entries = manifest.entries;
        Ok(searcher)
    }

    /// Wraps an already prepared index (see [`faq_core::schema::prepare`]), e.g. in RAM.
    pub fn from_index(index: Index, fields: FaqFields, analyzer: Analyzer) -> Result<Self, SearchError> {
        // The index is immutable once published: a new build is a new generation.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let entries = reader.searcher().num_docs() as usize;
        Ok(FaqSearcher { reader, fields, analyzer, entries })
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Number of entries in the index.
    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Checks a raw query before any work is done.
    pub fn validate(query: &str) -> Result<(), QueryError> {
        if query.trim().is_empty() {
            return Err(QueryError::Empty);
        }
        let chars = query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong { chars });
        }
        Ok(())
    }

    /// Ranks entries for `query`. `page.limit` is clamped to [`MAX_LIMIT`].
    pub fn search(&self, query: &str, page: Page) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        Self::validate(query)?;
        let terms = self.analyzer.terms(query);
        let limit = page.limit.clamp(1, MAX_LIMIT);
        let (total_hits, ranked) = if terms.is_empty() {
            (0, Vec::new())
        } else {
            let searcher = self.reader.searcher();
            let collector = (TopDocs::with_limit(limit).and_offset(page.offset).order_by_score(), Count);
            let (top, count) = searcher.search(&self.build_query(&terms), &collector)?;
            (count, top)
        };
        let hits = self.hits(&ranked, &terms)?;
        Ok(SearchResponse {
            query: query.to_string(),
            total_hits,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            hits,
        })
    }

    /// The BM25 query for analysed terms.
    pub fn build_query(&self, terms: &[String]) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 2);
        for term in terms {
            let question = self.term_query(self.fields.question, term);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(question, QUESTION_BOOST))));
            clauses.push((Occur::Should, self.term_query(self.fields.answer, term)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn term_query(&self, field: Field, term: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs))
    }

    fn hits(&self, ranked: &[(Score, DocAddress)], terms: &[String]) -> Result<Vec<Hit>, SearchError> {
        let searcher = self.reader.searcher();
        let wanted: HashSet<&str> = terms.iter().map(String::as_str).collect();
        let mut hits = Vec::with_capacity(ranked.len());
        for &(score, address) in ranked {
            let doc: TantivyDocument = searcher.doc(address)?;
            let entry = self.fields.entry(&doc);
            let question_spans = self.fields.spans(&doc, self.fields.question_spans);
            let answer_spans = self.fields.spans(&doc, self.fields.answer_spans);
            let question = highlight::whole(
                &entry.question,
                highlight::matched_ranges(&entry.question, question_spans, &wanted),
            );
            let answer = highlight::snippet(
                &entry.answer,
                highlight::matched_ranges(&entry.answer, answer_spans, &wanted),
                SNIPPET_CHARS,
            );
            hits.push(Hit {
                highlights: Highlights { question: question.html(&entry.question), answer: answer.html(&entry.answer) },
                marks: HitMarks { question, answer },
                id: entry.id,
                question: entry.question,
                answer: entry.answer,
                score,
                links: entry.links,
            });
        }
        Ok(hits)
    }

    /// The entry with this id, if any.
    pub fn get(&self, id: &str) -> Result<Option<FaqEntry>, SearchError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some(&(_, address)) => Ok(Some(self.fields.entry(&searcher.doc(address)?))),
            None => Ok(None),
        }
    }
}
