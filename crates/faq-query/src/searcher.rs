//! Ranking FAQ entries for a free-text question: the benchmarked core.
//!
//! The query text is never parsed as query syntax: it goes through the same analyzer as
//! the documents, and each distinct term of each analysis path becomes a weighted `SHOULD`
//! clause on the question and answer fields ([`Plan`]), scored with BM25 and summed.
//! Quotes, colons, brackets, `AND`, `*` are just text.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use faq_core::schema::FaqFields;
use faq_core::{Analyzer, CoreError, FaqEntry};
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Score, Searcher, Term};

use crate::budget::Budget;
use crate::decide::confidence::{self, Scored};
use crate::plan::synonyms::Synonyms;
use crate::plan::{PathKind, Plan, Target, Weights};
use crate::present::highlight::{self, SNIPPET_CHARS};
use crate::present::response::{Contribution, Highlights, Hit, HitMarks, SearchResponse};
use crate::present::stored::{StoredEntries, StoredEntry};
use crate::rank::{Ranked, Ranker};
use crate::semantic::{Fused, SemanticIndex};

/// Longest query accepted, in characters (a long pasted mail fits; a document does not).
pub const MAX_QUERY_CHARS: usize = 1000;
/// Most hits returned by one request.
pub const MAX_LIMIT: usize = 100;
/// Most hits explained by one request: explaining costs a postings lookup per clause and
/// hit, so `explain` clamps the page to this many.
pub const MAX_EXPLAIN_HITS: usize = 20;
/// Most clauses listed in one hit's explanation (the largest shares; the rest add up to
/// what is left of the score).
pub const MAX_EXPLAIN_PARTS: usize = 40;
/// Deepest page end (offset + limit) that the semantic path reranks.
const MAX_FUSED: usize = 1_200;

/// A query the engine refuses, with a message for the user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("the query is empty")]
    Empty,
    #[error("the query is too long: {chars} characters, the limit is {MAX_QUERY_CHARS}")]
    TooLong { chars: usize },
}

impl QueryError {
    /// The machine-readable code of the JSON error object (API, `--json`, `--batch`).
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::Empty => "empty_query",
            QueryError::TooLong { .. } => "query_too_long",
        }
    }
}

/// Errors while searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("the index could not be read ({0}); it may be damaged: rebuild it with `faq index`")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The search's [`Budget`] ran out (its deadline passed, or its request went away).
    #[error("the search took too long and was stopped")]
    OutOfTime,
}

impl SearchError {
    /// The machine-readable code of the JSON error object.
    pub fn code(&self) -> &'static str {
        match self {
            SearchError::Query(query) => query.code(),
            SearchError::Core(core) => core.code(),
            SearchError::Tantivy(_) => "index_damaged",
            SearchError::OutOfTime => "timeout",
        }
    }
}

/// Which page of results to return, and whether to explain each score.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
    pub explain: bool,
}

impl Default for Page {
    fn default() -> Self {
        Page { limit: 10, offset: 0, explain: false }
    }
}

impl Page {
    pub fn first(limit: usize) -> Self {
        Page { limit, ..Page::default() }
    }
}

/// An open index ready to answer queries; cheap to share between threads.
pub struct FaqSearcher {
    reader: IndexReader,
    fields: FaqFields,
    analyzer: Analyzer,
    entries: usize,
    weights: Weights,
    synonyms: Synonyms,
    ranker: Ranker,
    stored: StoredEntries,
    /// The semantic path, when the index has entry vectors.
    semantic: Option<SemanticIndex>,
}

/// What the background check of an index found.
#[derive(Debug, thiserror::Error)]
pub enum Damage {
    #[error("the index could not be verified: {0}")]
    Unverifiable(tantivy::TantivyError),
    #[error("the index is damaged: checksum mismatch in {files}; rebuild it with `faq index`")]
    Checksums { files: String },
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
        let searcher = reader.searcher();
        let entries = searcher.num_docs() as usize;
        let weights = Weights::default();
        let ranker = Ranker::new(&searcher, &weights.bm25_fields(&fields))?;
        let semantic = SemanticIndex::open(&index, &searcher, &fields)?;
        let stored = StoredEntries::new(&searcher);
        Ok(FaqSearcher { reader, fields, analyzer, entries, weights, synonyms: Synonyms::default(), ranker, stored, semantic })
    }

    /// Replaces the ranking weights.
    pub fn with_weights(mut self, weights: Weights) -> Result<Self, SearchError> {
        if weights.bm25_fields(&self.fields) != self.weights.bm25_fields(&self.fields) {
            self.ranker = Ranker::new(&self.reader.searcher(), &weights.bm25_fields(&self.fields))?;
        }
        self.weights = weights;
        Ok(self)
    }

    /// Replaces the synonyms.
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Self {
        self.synonyms = synonyms;
        self
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

    /// Ranks entries for `query`. `page.limit` is clamped to [`MAX_LIMIT`] (to
    /// [`MAX_EXPLAIN_HITS`] with `explain`).
    pub fn search(&self, query: &str, page: Page) -> Result<SearchResponse, SearchError> {
        self.search_within(query, page, &Budget::unlimited())
    }

    /// [`FaqSearcher::search`], stopping with [`SearchError::OutOfTime`] when `budget` runs
    /// out (checked between stages and between explained hits).
    pub fn search_within(&self, query: &str, page: Page, budget: &Budget) -> Result<SearchResponse, SearchError> {
        self.search_using(query, page, budget, &self.synonyms)
    }

    /// [`FaqSearcher::search`] as it would answer with `synonyms` in place of its own: how
    /// the owner's suggestions ([`crate::owner::proposals`]) check a proposed line before offering it.
    pub fn search_with_synonyms(&self, query: &str, page: Page, synonyms: &Synonyms) -> Result<SearchResponse, SearchError> {
        self.search_using(query, page, &Budget::unlimited(), synonyms)
    }

    /// The synonyms in use.
    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    fn search_using(&self, query: &str, page: Page, budget: &Budget, synonyms: &Synonyms) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        Self::validate(query)?;
        let page = if page.explain { Page { limit: page.limit.min(MAX_EXPLAIN_HITS), ..page } } else { page };
        let searcher = self.reader.searcher();
        let (analysis, kana) = self.analyze_input(&searcher, query);
        // A query typed in kana: its readings are its evidence (Weights::kana_reading), and
        // none of them is cut for being common (ゅう, しょ: they are most of 領収書).
        let weights = if kana {
            let k = self.weights.kana_reading;
            Weights {
                reading_question: self.weights.reading_question * k,
                reading_answer: self.weights.reading_answer * k,
                max_character_df: self.weights.kana_max_character_df,
                ..self.weights
            }
        } else {
            self.weights
        };
        let weights = &weights;
        let mut plan = Plan::new(&analysis, &self.fields, weights, synonyms, crate::plan::synonyms::thesaurus());
        let limit = page.limit.clamp(1, MAX_LIMIT);
        // Pages deep past the fused candidates are ranked lexically (a CLI may ask for any
        // offset; the API allows up to 1,000).
        let wanted = page.offset.saturating_add(limit);
        // The word-vector keys of the query's words, looked up once for the semantic path
        // and the confidence.
        let keyed = faq_core::semantic::words(&analysis.tokens, false);
        let meaning = match &self.semantic {
            Some(semantic) if self.weights.semantic > 0.0 && wanted <= MAX_FUSED => {
                semantic.meaning_of(&analysis.tokens, &keyed).map(|m| (semantic, m))
            }
            _ => None,
        };
        // The ranking from the top to one past the page (the confidence of a hit looks at
        // the best score and the next one), after the learned combination has reranked the
        // candidates: the fused ones, or the lexical top `semantic_depth`.
        let reranked = if weights.combination > 0.0 { (weights.semantic_depth as usize).max(wanted.saturating_add(1)) } else { 0 };
        let (total_hits, mut ranking, mut words) = match &meaning {
            Some((semantic, meaning)) => {
                let depth = (self.weights.semantic_depth as usize).max(wanted.saturating_add(1));
                let Ranked { total_hits, top, matched, words } = self.ranker.rank(&searcher, &mut plan, weights, depth, 0)?;
                let mut fused = semantic.fuse(&top, &matched, meaning, &self.weights);
                let total_hits = total_hits + fused.len().saturating_sub(top.len());
                // The best `keep` by fused score, in order unless the combination reranks them.
                let keep = reranked.max(wanted.saturating_add(1));
                if fused.len() > keep {
                    fused.select_nth_unstable_by(keep, Fused::order);
                    fused.truncate(keep);
                }
                if reranked == 0 {
                    fused.sort_unstable_by(Fused::order);
                }
                let ranking: Vec<Ranking> = fused
                    .iter()
                    .map(|f| Ranking {
                        address: f.address,
                        semantic: f.semantic,
                        boost: 0.0,
                        scored: Scored { score: f.score, lexical: f.lexical, matched: f.matched, similarity: Some((f.similarity, f.z)) },
                    })
                    .collect();
                (total_hits, ranking, words)
            }
            None => {
                let depth = reranked.max(wanted.saturating_add(1));
                let Ranked { total_hits, top, matched, words } = self.ranker.rank(&searcher, &mut plan, weights, depth, 0)?;
                let ranking = top
                    .iter()
                    .zip(matched)
                    .map(|(&(score, address), matched)| Ranking {
                        address,
                        semantic: 0.0,
                        boost: 0.0,
                        scored: Scored { score, lexical: score, matched, similarity: None },
                    })
                    .collect();
                (total_hits, ranking, words)
            }
        };
        if budget.exhausted() {
            return Err(SearchError::OutOfTime);
        }
        let share = meaning.as_ref().map_or(0.0, |(_, m)| m.share);
        words.general = general_weights(&analysis, &keyed, &self.weights, words.weight.len());
        if reranked > 0 {
            combine(&mut ranking, &words, weights.combination, wanted.saturating_add(1));
        }
        ranking.truncate(wanted.saturating_add(1));
        let scored: Vec<Scored> = ranking.iter().map(|r| r.scored).collect();
        let model = confidence::Model::shipped();
        let page_of = ranking.iter().enumerate().skip(page.offset).take(limit);
        let ranked: Vec<(Score, DocAddress)> = page_of.clone().map(|(_, r)| (r.scored.score, r.address)).collect();
        let shares: Vec<(Score, Score)> = page_of.clone().map(|(_, r)| (r.semantic, r.boost)).collect();
        let stored: Vec<Arc<StoredEntry>> =
            ranked.iter().map(|&(_, address)| self.stored.get(&searcher, &self.fields, address)).collect::<Result<_, _>>()?;
        let readings: Option<highlight::Readings> = kana.then(|| analysis.readings.iter().collect());
        let mut hits = self.hits(&stored, &ranked, &plan, readings.as_ref());
        let signals_at = |rank: usize| confidence::signals(&scored, rank, &words, share);
        let answered = !scored.is_empty() && model.answers(model.confidence(&signals_at(0)));
        for (hit, (rank, _)) in hits.iter_mut().zip(page_of) {
            let signals = signals_at(rank);
            hit.confidence = model.confidence(&signals);
            // (-0.0 and below read as 0.)
            hit.coverage = if signals.coverage > 0.0 { signals.coverage.min(1.0) } else { 0.0 };
            if page.explain {
                hit.signals = Some(signals);
            }
        }
        if page.explain {
            for ((hit, &(_, address)), &(semantic, boost)) in hits.iter_mut().zip(&ranked).zip(&shares) {
                if budget.exhausted() {
                    return Err(SearchError::OutOfTime);
                }
                let mut parts = explain(&self.ranker, &searcher, &plan, weights, address)?;
                if let Some((_, meaning)) = &meaning
                    && semantic > 0.0
                {
                    parts.push(Contribution {
                        path: PathKind::Semantic,
                        field: Target::Entry,
                        term: meaning.words.join(" "),
                        via: None,
                        score: semantic,
                    });
                }
                if boost != 0.0 {
                    parts.push(Contribution {
                        path: PathKind::Coverage,
                        field: Target::Entry,
                        // The factor the fused score was multiplied by.
                        term: format!("×{:.2} for the share of the query covered", hit.score / (hit.score - boost)),
                        via: None,
                        score: boost,
                    });
                }
                parts.sort_by(|a, b| b.score.total_cmp(&a.score));
                if parts.len() > MAX_EXPLAIN_PARTS {
                    // The largest parts by name, the others as one: the shares still add up.
                    let rest = parts.split_off(MAX_EXPLAIN_PARTS - 1);
                    parts.push(Contribution {
                        path: PathKind::Rest,
                        field: Target::Entry,
                        term: format!("{} more clauses", rest.len()),
                        via: None,
                        score: rest.iter().map(|c| c.score).sum(),
                    });
                }
                hit.explain = Some(parts);
            }
        }
        Ok(SearchResponse {
            query: query.to_string(),
            total_hits,
            answered,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            hits,
        })
    }

    /// The query plan for a query text.
    pub fn plan(&self, query: &str) -> Plan {
        self.plan_of(&self.analyzer.analyze(query))
    }

    /// The query as typed, analysed: romaji words read as kana, an unfinished IME tail as
    /// reading bigrams from the last kana to each kana the tail may start
    /// ([`crate::plan::romaji`]).
    /// Also says whether the text is typed in kana: hiragana and no kanji or Latin letters
    /// ([`Weights::kana_reading`]).
    fn analyze_input(&self, searcher: &tantivy::Searcher, query: &str) -> (faq_core::Analysis, bool) {
        let known = |word: &str| {
            [self.fields.question, self.fields.answer]
                .iter()
                .any(|&field| searcher.doc_freq(&tantivy::Term::from_field_text(field, word)).is_ok_and(|df| df > 0))
        };
        let prepared = crate::plan::romaji::prepare(query, known);
        let mut analysis = self.analyzer.analyze(&prepared.text);
        let last = prepared.text.chars().last().map(faq_core::normalize::fold_kana);
        if let Some(last) = last.filter(|&c| faq_core::normalize::is_hiragana(c)) {
            for &next in &prepared.tail {
                analysis.readings.push(&[last, next]);
            }
        }
        let kana = prepared.text.chars().any(faq_core::normalize::is_hiragana)
            && !prepared.text.chars().any(|c| faq_core::normalize::is_kanji(c) || c.is_ascii_alphabetic());
        (analysis, kana)
    }

    fn plan_of(&self, analysis: &faq_core::Analysis) -> Plan {
        Plan::new(analysis, &self.fields, &self.weights, &self.synonyms, crate::plan::synonyms::thesaurus())
    }

    /// Verifies every file's checksum (opening verifies only indexes up to
    /// [`faq_core::layout::VERIFY_CHECKSUMS_UP_TO`]); a few seconds per GB, for a
    /// background thread. The message names the damaged files and `faq index`.
    pub fn verify_checksums(&self) -> Result<(), Damage> {
        let index = self.reader.searcher().index().clone();
        let bad = faq_core::layout::damaged_files(&index).map_err(Damage::Unverifiable)?;
        if bad.is_empty() {
            return Ok(());
        }
        let mut files: Vec<String> = bad.iter().map(|p| p.display().to_string()).collect();
        files.sort();
        Err(Damage::Checksums { files: files.join(", ") })
    }

    /// Whether the index carries entry vectors (the semantic path).
    pub fn has_semantic_path(&self) -> bool {
        self.semantic.is_some()
    }

    /// The hits with their highlights; with `readings` (a kana query's reading bigrams, all
    /// of them: the plan drops the common ones) also the words it matched by reading.
    fn hits(
        &self,
        stored: &[Arc<StoredEntry>],
        ranked: &[(Score, DocAddress)],
        plan: &Plan,
        readings: Option<&highlight::Readings>,
    ) -> Vec<Hit> {
        let wanted: highlight::Terms = plan.highlight_terms().collect();
        let mut hits = Vec::with_capacity(ranked.len());
        for (stored, &(score, _)) in stored.iter().zip(ranked) {
            let entry = &stored.entry;
            let marks =
                |keyed: &[highlight::KeyedSpan], raw: &[u8], by_reading: fn(&StoredEntry) -> &[highlight::ReadingSpan]| match readings {
                    Some(readings) => highlight::matched_ranges_by_reading(keyed, raw, by_reading(stored), &wanted, readings),
                    None => highlight::matched_ranges(keyed, &wanted),
                };
            let question =
                highlight::whole(&entry.question, marks(&stored.question_keys, &stored.question_spans, |s| &s.readings().question));
            let answer = highlight::snippet(
                &entry.answer,
                marks(&stored.answer_keys, &stored.answer_spans, |s| &s.readings().answer),
                SNIPPET_CHARS,
            );
            hits.push(Hit {
                highlights: Highlights { question: question.html(&entry.question), answer: answer.html(&entry.answer) },
                marks: HitMarks { question, answer },
                id: entry.id.clone(),
                question: entry.question.clone(),
                answer: entry.answer.clone(),
                score,
                confidence: 0.0,
                coverage: 0.0,
                links: entry.links.clone(),
                explain: None,
                signals: None,
                stored: Some(stored.clone()),
            });
        }
        hits
    }

    /// Every entry of the index, in index order.
    pub fn entries(&self) -> Result<Vec<FaqEntry>, SearchError> {
        let searcher = self.reader.searcher();
        let mut entries = Vec::with_capacity(self.entries);
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            for doc in segment.doc_ids_alive() {
                let address = DocAddress::new(ordinal as u32, doc);
                entries.push(self.fields.entry(&searcher.doc(address)?));
            }
        }
        Ok(entries)
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

/// [`crate::rank::QueryWords::general`] of the query's first `groups` words, from their
/// keys in the word-vector table (`keyed`: [`faq_core::semantic::words`] of the same tokens).
fn general_weights(analysis: &faq_core::Analysis, keyed: &faq_core::semantic::Words, weights: &Weights, groups: usize) -> Vec<Score> {
    let table = faq_core::semantic::table();
    let mut seen: Vec<&str> = Vec::with_capacity(groups);
    let mut general = Vec::with_capacity(groups);
    let mut keys = keyed.words.iter().peekable();
    for (index, token) in analysis.tokens.iter().enumerate() {
        while keys.next_if(|w| w.token < index).is_some() {}
        let key = keys.peek().filter(|w| w.token == index).map(|w| w.key);
        if seen.len() == groups {
            break;
        }
        if seen.contains(&token.term.as_str()) {
            continue;
        }
        seen.push(&token.term);
        let weight = key.map_or(1.0, |key| table.generic_weight(key));
        general.push(if crate::plan::is_boilerplate(&token.term) { weight * weights.boilerplate } else { weight });
    }
    general
}

/// One place of the ranking: the entry, its scores, the semantic path's share and the
/// learned combination's.
struct Ranking {
    address: DocAddress,
    semantic: Score,
    boost: Score,
    scored: Scored,
}

/// Reranks the candidates by the learned combination ([`crate::decide::combination`]): each fused
/// score times the model's factor for what of the query the candidate covers; the best
/// `keep` in order, the rest after them in no order.
fn combine(ranking: &mut [Ranking], words: &crate::rank::QueryWords, strength: Score, keep: usize) {
    let model = crate::decide::combination::Combination::shipped();
    for place in ranking.iter_mut() {
        let factor = model.factor(place.scored.matched, words, strength);
        place.boost = place.scored.score * (factor - 1.0);
        place.scored.score += place.boost;
    }
    let order = |a: &Ranking, b: &Ranking| {
        crate::semantic::best_first((a.scored.score, a.scored.lexical, a.address), (b.scored.score, b.scored.lexical, b.address))
    };
    let keep = keep.min(ranking.len());
    if keep < ranking.len() {
        ranking.select_nth_unstable_by(keep, order);
    }
    ranking[..keep].sort_unstable_by(order);
}

/// Each matching clause's share of a hit's score, largest first.
fn explain(
    ranker: &Ranker,
    searcher: &Searcher,
    plan: &Plan,
    weights: &Weights,
    address: DocAddress,
) -> Result<Vec<Contribution>, SearchError> {
    let shares = ranker.explain(searcher, plan, weights, address)?;
    let mut contributions: Vec<Contribution> = plan
        .clauses
        .iter()
        .zip(shares)
        .filter(|(_, score)| *score > 0.0)
        .map(|(clause, score)| Contribution {
            path: clause.path,
            field: clause.target,
            term: match clause.next {
                Some(next) => format!("{} {}", plan.term(clause.term), plan.term(next)),
                None => plan.term(clause.term).to_string(),
            },
            via: clause.via.map(|via| plan.term(via).to_string()),
            score,
        })
        .collect();
    contributions.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(contributions)
}
