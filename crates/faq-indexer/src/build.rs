//! Builds an index generation from a corpus and publishes it atomically
//! (see [`faq_core::layout`]): a failed or interrupted build leaves the last good index live.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use faq_core::layout::{Manifest, Staging};
use faq_core::schema::{EntryWords, IndexDocument, index_builder, prepare};
use faq_core::semantic::EntryVectors;
use faq_core::{Analyzer, FaqEntry};
use tantivy::Index;

use crate::corpus;
use crate::error::BuildError;

/// Memory the tantivy writer may use before flushing a segment.
const WRITER_MEMORY: usize = 200_000_000;

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub generation: PathBuf,
    pub entries: usize,
    pub files: usize,
    pub elapsed: Duration,
    /// What the corpus reader skipped or dropped, each naming file:line ([`crate::corpus::Corpus::warnings`]).
    pub warnings: Vec<String>,
}

/// Where a build is, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The corpus is read: this many entries will be indexed.
    Loaded { entries: usize },
    /// This many entries were analysed and handed to the index writer.
    Indexed { done: usize },
    /// Everything is added; tantivy is writing and merging the segments.
    Committing,
}

/// Reads the corpus at `corpus_path` and publishes a new index generation under `root`.
pub fn build_from_corpus(corpus_path: &Path, root: &Path, analyzer: &Analyzer) -> Result<BuildReport, BuildError> {
    build_from_corpus_with_progress(corpus_path, root, analyzer, &|_| {})
}

/// [`build_from_corpus`], reporting its progress.
pub fn build_from_corpus_with_progress(
    corpus_path: &Path,
    root: &Path,
    analyzer: &Analyzer,
    progress: &dyn Fn(Progress),
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let fingerprint = corpus::fingerprint(corpus_path)?;
    let corpus = corpus::load(corpus_path)?;
    progress(Progress::Loaded { entries: corpus.entries.len() });
    let manifest = Manifest::new(corpus_path.display().to_string(), fingerprint, corpus.entries.len());
    let staging = Staging::create(root)?;
    write_entries_with_progress(&index_builder().create_in_dir(staging.path())?, &corpus.entries, analyzer, progress)?;
    let generation = staging.publish(&manifest)?;
    Ok(BuildReport {
        generation,
        entries: corpus.entries.len(),
        files: corpus.files.len(),
        elapsed: started.elapsed(),
        warnings: corpus.warnings,
    })
}

/// Adds `entries` to a new, empty index and commits.
fn write_entries(index: &Index, entries: &[FaqEntry], analyzer: &Analyzer) -> Result<(), BuildError> {
    write_entries_with_progress(index, entries, analyzer, &|_| {})
}

/// An index in RAM holding `entries` (tests and benchmarks).
pub fn index_in_ram(entries: &[FaqEntry], analyzer: &Analyzer) -> Result<Index, BuildError> {
    let index = index_builder().create_in_ram()?;
    write_entries(&index, entries, analyzer)?;
    Ok(index)
}

/// Entries analysed per batch. Batches are analysed in parallel and their documents handed
/// to tantivy in corpus order (document ids, and so ties, stay deterministic).
const BATCH: usize = 256;

/// Adds `entries` to a new, empty index and commits, reporting progress.
fn write_entries_with_progress(
    index: &Index,
    entries: &[FaqEntry],
    analyzer: &Analyzer,
    progress: &dyn Fn(Progress),
) -> Result<(), BuildError> {
    let fields = prepare(index, analyzer)?;
    // One tantivy indexing thread: analysis, done by the workers below, is most of the
    // work; one thread keeps up with them, documents keep corpus order (ties rank in corpus
    // order), and a corpus that fits the memory budget becomes one segment with no merge.
    let mut writer: tantivy::IndexWriter<IndexDocument> = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    // No background merges: the segments are merged once, below. A background merge still
    // running at commit would take segments from under that final merge (tantivy then
    // fails it: "the segments that were merged could not be found"), seen at 1M entries.
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let batches: Vec<&[FaqEntry]> = entries.chunks(BATCH).collect();
    // Long-lived workers analyse whole batches, each taking the next batch nobody has taken
    // (so a worker that drew long texts does not leave the other idle at the end); this
    // thread hands them to tantivy in corpus order.
    let next_batch = AtomicUsize::new(0);
    let mut entry_words: Vec<EntryWords> = Vec::with_capacity(entries.len());
    std::thread::scope(|scope| -> Result<(), BuildError> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, Vec<(IndexDocument, EntryWords)>)>(workers * 2);
        for _ in 0..workers {
            let sender = sender.clone();
            let (batches, fields, next_batch) = (&batches, &fields, &next_batch);
            scope.spawn(move || {
                loop {
                    let index = next_batch.fetch_add(1, Ordering::Relaxed);
                    if index >= batches.len() {
                        return;
                    }
                    let first = index * BATCH;
                    let documents =
                        batches[index].iter().enumerate().map(|(i, entry)| fields.document(entry, first + i, analyzer)).collect();
                    if sender.send((index, documents)).is_err() {
                        return; // the writer stopped on an error
                    }
                }
            });
        }
        drop(sender);
        let mut waiting = std::collections::BTreeMap::new();
        let (mut next, mut done) = (0, 0);
        for (index, documents) in receiver {
            waiting.insert(index, documents);
            while let Some(documents) = waiting.remove(&next) {
                for (document, words) in documents {
                    writer.add_document(document)?;
                    entry_words.push(words);
                }
                done += batches[next].len();
                next += 1;
                progress(Progress::Indexed { done });
            }
        }
        Ok(())
    })?;
    progress(Progress::Committing);
    writer.commit()?;
    // A segment is written whenever the memory budget fills; a query pays per segment for
    // every term, so the immutable FAQ index is merged into one.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    // The semantic path's entry vectors, by corpus ordinal (the `ordinal` fast field maps
    // documents to them), in the index directory so that they travel with the generation.
    let vectors = EntryVectors::build(&entry_words);
    vectors.write(index.directory()).map_err(|e| BuildError::Core(faq_core::CoreError::io("writing the entry vectors", e)))?;
    Ok(())
}

/// Whether the index under `root` is missing, incompatible, or built from another state of
/// the corpus at `corpus_path`.
pub fn is_stale(root: &Path, corpus_path: &Path) -> Result<bool, BuildError> {
    let Some(generation) = faq_core::layout::current_generation(root) else { return Ok(true) };
    let Ok(manifest) = faq_core::layout::read_manifest(&generation) else { return Ok(true) };
    Ok(!manifest.is_compatible() || manifest.corpus_fingerprint != corpus::fingerprint(corpus_path)?)
}
