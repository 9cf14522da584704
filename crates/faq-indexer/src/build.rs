//! Builds an index generation from a corpus and publishes it atomically
//! (see [`faq_core::layout`]): a failed or interrupted build leaves the last good index live.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faq_core::layout::{Manifest, Staging};
use faq_core::schema::{build_schema, prepare};
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
}

/// Reads the corpus at `corpus_path` and publishes a new index generation under `root`.
pub fn build_from_corpus(corpus_path: &Path, root: &Path, analyzer: &Analyzer) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let fingerprint = corpus::fingerprint(corpus_path)?;
    let corpus = corpus::load(corpus_path)?;
    let manifest = Manifest::new(corpus_path.display().to_string(), fingerprint, corpus.entries.len());
    let generation = build_entries(&corpus.entries, root, analyzer, &manifest)?;
    Ok(BuildReport { generation, entries: corpus.entries.len(), files: corpus.files.len(), elapsed: started.elapsed() })
}

/// Indexes `entries` into a new generation under `root` and makes it live.
pub fn build_entries(
    entries: &[FaqEntry],
    root: &Path,
    analyzer: &Analyzer,
    manifest: &Manifest,
) -> Result<PathBuf, BuildError> {
    let staging = Staging::create(root)?;
    write_entries(&Index::create_in_dir(staging.path(), build_schema())?, entries, analyzer)?;
    Ok(staging.publish(manifest)?)
}

/// An index in RAM holding `entries` (tests and benchmarks).
pub fn index_in_ram(entries: &[FaqEntry], analyzer: &Analyzer) -> Result<Index, BuildError> {
    let index = Index::create_in_ram(build_schema());
    write_entries(&index, entries, analyzer)?;
    Ok(index)
}

/// Adds `entries` to a new, empty index and commits.
fn write_entries(index: &Index, entries: &[FaqEntry], analyzer: &Analyzer) -> Result<(), BuildError> {
    let fields = prepare(index, analyzer)?;
    let mut writer: tantivy::IndexWriter = index.writer(WRITER_MEMORY)?;
    for entry in entries {
        writer.add_document(fields.document(entry, analyzer))?;
    }
    writer.commit()?;
    // Each indexing thread writes its own segment; a query pays per segment for every
    // term, so the immutable FAQ index is merged into one.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(())
}

/// Whether the index under `root` is missing, incompatible, or built from another state of
/// the corpus at `corpus_path`.
pub fn is_stale(root: &Path, corpus_path: &Path) -> Result<bool, BuildError> {
    let Some(generation) = faq_core::layout::current_generation(root) else { return Ok(true) };
    let Ok(manifest) = faq_core::layout::read_manifest(&generation) else { return Ok(true) };
    Ok(!manifest.is_compatible() || manifest.corpus_fingerprint != corpus::fingerprint(corpus_path)?)
}
