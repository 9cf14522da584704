//! Keeping an index fresh for its corpus, for every reader that opens one (`faq search`,
//! `faq serve` and its reloads): the staleness check, the build when the index is missing
//! or older than the corpus, and the rebuild when the index cannot be opened (damaged by a
//! disk error or a hand edit). A build publishes a new generation atomically, so the
//! previous index, if any, is unchanged when it fails.

use std::path::Path;

use faq_core::Analyzer;

use crate::build::{BuildReport, Progress, build_from_corpus_with_progress, is_stale};
use crate::error::BuildError;

/// Why the index is being built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebuild {
    /// There is no index yet.
    Missing,
    /// The index was built from another state of the corpus (or by another version).
    Stale,
    /// The index could not be opened: why.
    Damaged(String),
}

/// What [`ensure_fresh`] tells its caller while it works.
#[derive(Debug)]
pub enum Event<'a> {
    /// A build starts, and why.
    Building(&'a Rebuild),
    /// How far the build is.
    Progress(Progress),
    /// The build finished.
    Built(&'a BuildReport),
}

/// What went wrong: the build, or opening the index (`E`, the opener's error).
#[derive(Debug, thiserror::Error)]
pub enum FreshError<E: std::error::Error + 'static> {
    #[error("building the index at {index} failed (the previous index, if any, is unchanged)")]
    Build { index: String, source: BuildError },
    #[error("opening the index at {index}")]
    Open { index: String, source: E },
}

/// Opens the index at `root` with `open`, building it from `corpus` first when it is missing
/// or stale, and again when `open` fails on it (once). `events` hears of every build.
pub fn ensure_fresh<T, E: std::error::Error + 'static>(
    corpus: &Path,
    root: &Path,
    analyzer: &Analyzer,
    events: &dyn Fn(Event<'_>),
    open: impl Fn() -> Result<T, E>,
) -> Result<T, FreshError<E>> {
    let index = root.display().to_string();
    let build = |why: Rebuild| -> Result<(), FreshError<E>> {
        events(Event::Building(&why));
        let report = build_from_corpus_with_progress(corpus, root, analyzer, &|p| events(Event::Progress(p)))
            .map_err(|source| FreshError::Build { index: index.clone(), source })?;
        events(Event::Built(&report));
        Ok(())
    };
    if is_stale(root, corpus).map_err(|source| FreshError::Build { index: index.clone(), source })? {
        let why = if faq_core::layout::current_generation(root).is_some() { Rebuild::Stale } else { Rebuild::Missing };
        build(why)?;
    }
    match open() {
        Ok(opened) => Ok(opened),
        Err(error) => {
            build(Rebuild::Damaged(error.to_string()))?;
            open().map_err(|source| FreshError::Open { index: index.clone(), source })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::load().expect("IPADIC dictionary (built in)")
    }

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open: {0}")]
    struct OpenError(String);

    #[test]
    fn builds_when_missing_or_stale_rebuilds_when_damaged_and_else_just_opens() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("faq.md");
        std::fs::write(&corpus, "## 領収書は発行できますか？\n\nはい、注文履歴から発行できます。\n").unwrap();
        let root = dir.path().join("index");
        let analyzer = analyzer();
        let heard = RefCell::new(Vec::new());
        let events = |event: Event<'_>| {
            if let Event::Building(why) = event {
                heard.borrow_mut().push(why.clone());
            }
        };
        let opens = RefCell::new(0);
        let open = || -> Result<(), OpenError> {
            *opens.borrow_mut() += 1;
            Ok(())
        };
        ensure_fresh(&corpus, &root, &analyzer, &events, open).unwrap();
        ensure_fresh(&corpus, &root, &analyzer, &events, open).unwrap();
        assert_eq!(*heard.borrow(), [Rebuild::Missing], "built once, then only opened");
        std::fs::write(&corpus, "## 返品できますか？\n\nできます。\n").unwrap();
        ensure_fresh(&corpus, &root, &analyzer, &events, open).unwrap();
        assert_eq!(heard.borrow().last(), Some(&Rebuild::Stale));

        let tries = RefCell::new(0);
        let damaged_once = || -> Result<(), OpenError> {
            *tries.borrow_mut() += 1;
            if *tries.borrow() == 1 { Err(OpenError("checksum mismatch".into())) } else { Ok(()) }
        };
        ensure_fresh(&corpus, &root, &analyzer, &events, damaged_once).unwrap();
        assert_eq!(heard.borrow().last(), Some(&Rebuild::Damaged("cannot open: checksum mismatch".into())));
        let never = || -> Result<(), OpenError> { Err(OpenError("still broken".into())) };
        let error = ensure_fresh(&corpus, &root, &analyzer, &events, never).err().unwrap();
        assert!(matches!(error, FreshError::Open { .. }), "rebuilt once, then the error");
    }

    #[test]
    fn a_broken_corpus_is_a_build_error_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("faq.jsonl");
        std::fs::write(&corpus, "{not json\n").unwrap();
        let error = ensure_fresh(&corpus, &dir.path().join("index"), &analyzer(), &|_| {}, || Ok::<(), OpenError>(())).err().unwrap();
        let source = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
        assert!(source.contains("faq.jsonl:1"), "{error}: {source}");
    }
}
