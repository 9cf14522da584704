//! A build publishes atomically: a failed build leaves the last good index live, and
//! leftovers of a killed build are cleaned up by the next one.

use std::path::Path;

use faq_core::{Analyzer, layout};
use faq_indexer::{BuildError, build_from_corpus, is_stale};

const GOOD: &str = "### 返品はできますか？\n\n受け付けています。\n";
const BAD: &str = "### 返品はできますか？\n\n### 答えのない質問？\n";

fn live_entries(root: &Path, analyzer: &Analyzer) -> usize {
    let (_, _, manifest) = layout::open(root, analyzer).expect("the live index opens");
    manifest.entries
}

#[test]
fn failed_build_keeps_the_last_good_index_and_cleans_abandoned_staging() {
    let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
    let corpus = tempfile::tempdir().unwrap();
    let index = tempfile::tempdir().unwrap();
    let file = corpus.path().join("faq.md");

    std::fs::write(&file, GOOD).unwrap();
    assert!(is_stale(index.path(), corpus.path()).unwrap(), "no index yet");
    let first = build_from_corpus(corpus.path(), index.path(), &analyzer).unwrap();
    assert_eq!(first.entries, 1);
    assert!(!is_stale(index.path(), corpus.path()).unwrap());

    std::fs::write(&file, BAD).unwrap();
    assert!(is_stale(index.path(), corpus.path()).unwrap(), "the corpus changed");
    let err = build_from_corpus(corpus.path(), index.path(), &analyzer).unwrap_err();
    assert!(matches!(err, BuildError::Corpus(ref e) if e.line == 1), "{err}");
    assert_eq!(layout::current_generation(index.path()).as_deref(), Some(first.generation.as_path()));
    assert_eq!(live_entries(index.path(), &analyzer), 1);

    // A build killed midway leaves a staging folder owned by a dead process.
    let abandoned = index.path().join(".staging-999999999-1");
    std::fs::create_dir(&abandoned).unwrap();
    std::fs::write(&file, format!("{GOOD}\n### 送料は？\n\n無料です。\n")).unwrap();
    let second = build_from_corpus(corpus.path(), index.path(), &analyzer).unwrap();
    assert!(!abandoned.exists(), "abandoned staging removed");
    assert_eq!(live_entries(index.path(), &analyzer), 2);
    assert_ne!(second.generation, first.generation);
    // The previous generation is kept for readers that still hold it.
    assert!(first.generation.exists());
}
