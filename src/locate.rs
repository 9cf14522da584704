//! Where the corpus and the index are, and keeping the default index up to date: a search
//! on a fresh checkout builds the index from `corpus/` first, saying so on stderr.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use faq_core::Analyzer;
use faq_query::{FaqSearcher, Synonyms, Weights};

use crate::cli::Location;
use crate::errors::CliError;

/// Default corpus folder, relative to the working directory.
pub const DEFAULT_CORPUS: &str = "corpus";
/// Synonym file looked for in the corpus folder.
pub const SYNONYMS_FILE: &str = "synonyms.txt";
/// Folder holding one index per corpus.
pub const INDEX_HOME: &str = "index";

/// A resolved corpus/index pair.
#[derive(Debug)]
pub struct Resolved {
    pub corpus: Option<PathBuf>,
    pub index: PathBuf,
    /// Rebuild the index when it is missing or older than the corpus.
    pub keep_fresh: bool,
}

/// Resolves `--corpus`/`--index`. The default index of `./corpus` is `./index/default`;
/// another corpus gets `./index/<name>-<hash of its path>` so indexes never overwrite each
/// other. An index is kept fresh automatically unless it was named explicitly without a
/// corpus.
pub fn resolve(location: &Location) -> Resolved {
    let corpus = location.corpus.clone().or_else(|| {
        let default = PathBuf::from(DEFAULT_CORPUS);
        default.exists().then_some(default)
    });
    let keep_fresh = location.index.is_none() || location.corpus.is_some();
    let index = match (&location.index, &location.corpus) {
        (Some(index), _) => index.clone(),
        (None, None) => Path::new(INDEX_HOME).join("default"),
        (None, Some(corpus)) => Path::new(INDEX_HOME).join(index_name(corpus)),
    };
    Resolved { corpus, index, keep_fresh }
}

fn index_name(corpus: &Path) -> String {
    if corpus == Path::new(DEFAULT_CORPUS) {
        return "default".to_string();
    }
    let absolute = std::fs::canonicalize(corpus).unwrap_or_else(|_| corpus.to_path_buf());
    let stem: String = corpus
        .file_stem()
        .map(|s| s.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
        .unwrap_or_default();
    let digest = sha1_smol::Sha1::from(absolute.to_string_lossy().as_bytes()).digest().to_string();
    format!("{}-{}", if stem.is_empty() { "corpus" } else { &stem }, &digest[..8])
}

/// The corpus of `resolved`, or an error saying where it was looked for and how to point
/// at one.
pub fn require_corpus(resolved: &Resolved) -> Result<&Path> {
    match &resolved.corpus {
        Some(corpus) if corpus.exists() => Ok(corpus),
        Some(corpus) => Err(CliError::new(
            "corpus_missing",
            format!(
                "the corpus {} does not exist (given by --corpus or FAQ_CORPUS): point it at a .md or .jsonl file or a folder of them",
                corpus.display()
            ),
        )
        .into()),
        None => {
            let here = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| ".".into());
            Err(CliError::new(
                "corpus_missing",
                format!(
                    "no FAQ corpus: looked for ./{DEFAULT_CORPUS} in {here} and found none, and neither --corpus nor FAQ_CORPUS is set; \
                     run from the folder that holds {DEFAULT_CORPUS}/, or point --corpus PATH (or FAQ_CORPUS) at a .md or .jsonl file or a folder of them"
                ),
            )
            .into())
        }
    }
}

/// Builds the index of `resolved` from its corpus, reporting on stderr.
pub fn build(resolved: &Resolved, analyzer: &Analyzer) -> Result<()> {
    let corpus = require_corpus(resolved)?;
    let bar = BuildBar::new();
    let report = faq_indexer::build_from_corpus_with_progress(corpus, &resolved.index, analyzer, &|p| bar.update(p));
    bar.finish();
    let report = report
        .with_context(|| format!("building the index at {} failed (the previous index, if any, is unchanged)", resolved.index.display()))?;
    note_built(&report, corpus, &resolved.index);
    Ok(())
}

/// What a build says on stderr once done: its warnings, and what it indexed.
fn note_built(report: &faq_indexer::BuildReport, corpus: &Path, index: &Path) {
    for warning in &report.warnings {
        crate::errors::note(format_args!("warning: {warning}"));
    }
    crate::errors::note(format_args!(
        "indexed {} entries from {} file(s) of {} into {} in {:.0} ms",
        report.entries,
        report.files,
        corpus.display(),
        index.display(),
        report.elapsed.as_secs_f64() * 1e3
    ));
}

/// A progress bar on stderr for long builds, drawn only when stderr is a terminal.
struct BuildBar(Option<indicatif::ProgressBar>);

impl BuildBar {
    fn new() -> Self {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return BuildBar(None);
        }
        let bar = indicatif::ProgressBar::new_spinner().with_message("reading the corpus");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        BuildBar(Some(bar))
    }

    fn update(&self, progress: faq_indexer::Progress) {
        let Some(bar) = &self.0 else { return };
        match progress {
            faq_indexer::Progress::Loaded { entries } => {
                bar.set_length(entries as u64);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} {wide_bar} {human_pos}/{human_len} entries, {elapsed} elapsed, ETA {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message("indexing");
            }
            faq_indexer::Progress::Indexed { done } => bar.set_position(done as u64),
            faq_indexer::Progress::Committing => bar.set_message("writing and merging segments"),
        }
    }

    fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Loads the analyzer. The first run on a machine compiles the dictionary (a few seconds):
/// it is announced on stderr with what it does and how long it takes, with a spinner on a
/// terminal, as the index build is.
pub fn load_analyzer() -> Result<Analyzer> {
    use faq_core::dictionary::Event;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut spinner: Option<indicatif::ProgressBar> = None;
    let analyzer = Analyzer::load_with(&mut |event| match event {
        Event::Compiling { source, target, estimate } => {
            crate::errors::note(format_args!(
                "first run: compiling {source} into {} (once per machine, about {} s)",
                target.display(),
                estimate.as_secs()
            ));
            if terminal {
                let bar = indicatif::ProgressBar::new_spinner()
                    .with_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    )
                    .with_message("starting");
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                spinner = Some(bar);
            }
        }
        Event::Step(step) => match &spinner {
            Some(bar) => bar.set_message(step),
            None => crate::errors::note(format_args!("  {step}")),
        },
        Event::Compiled { elapsed, .. } => {
            if let Some(bar) = spinner.take() {
                bar.finish_and_clear();
            }
            crate::errors::note(format_args!("compiled the dictionary in {:.1} s", elapsed.as_secs_f64()));
        }
    });
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    Ok(analyzer?)
}

/// The analytics database of `faq serve` and `faq report`: `given` (`--analytics`, a file,
/// a postgres:// URL or a key=value connection string), else `<index folder>.analytics.sqlite`
/// beside the index (`index/default.analytics.sqlite` for `./corpus`).
pub fn analytics_location(given: Option<&str>, resolved: &Resolved) -> Result<faq_analytics::Location> {
    if let Some(given) = given {
        return faq_analytics::Location::parse(given).map_err(|e| crate::errors::CliError::new("invalid_argument", e.to_string()).into());
    }
    let mut name = resolved.index.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "index".into());
    name.push(".analytics.sqlite");
    Ok(faq_analytics::Location::file(&resolved.index.with_file_name(name)))
}

/// The analyzer for a corpus: IPADIC with the corpus's user dictionary, if it has one.
pub fn corpus_analyzer(corpus: Option<&Path>) -> Result<Analyzer> {
    let analyzer = load_analyzer()?;
    Ok(match corpus {
        Some(corpus) => analyzer.for_corpus(corpus)?,
        None => analyzer,
    })
}

/// Opens the searcher; an index kept fresh is built first when it is missing or stale, and
/// rebuilt when it cannot be opened ([`faq_indexer::ensure_fresh`]), saying so on stderr.
pub fn open_searcher(location: &Location) -> Result<FaqSearcher> {
    let resolved = resolve(location);
    // Without a corpus only an existing index can answer; say where the corpus was looked
    // for rather than that an index is missing.
    let index_exists = faq_core::layout::current_generation(&resolved.index).is_some();
    if resolved.keep_fresh && (resolved.corpus.is_some() || !index_exists) {
        require_corpus(&resolved)?;
    }
    let analyzer = corpus_analyzer(resolved.corpus.as_deref())?;
    let synonyms_path = location.synonyms.clone().or_else(|| {
        let corpus = resolved.corpus.as_ref()?;
        let folder = if corpus.is_dir() { corpus.as_path() } else { corpus.parent()? };
        Some(folder.join(SYNONYMS_FILE))
    });
    let synonyms = match &synonyms_path {
        Some(path) => Synonyms::load(path, &analyzer)?,
        None => Synonyms::default(),
    };
    let weights = match std::env::var("FAQ_WEIGHTS") {
        Ok(spec) => Weights::default().with_overrides(&spec).context("FAQ_WEIGHTS")?,
        Err(_) => Weights::default(),
    };
    let open = || FaqSearcher::open(&resolved.index, analyzer.clone());
    let searcher = match &resolved.corpus {
        Some(corpus) if resolved.keep_fresh => {
            let bar: std::cell::RefCell<Option<BuildBar>> = std::cell::RefCell::default();
            let events = |event: faq_indexer::Event<'_>| match event {
                faq_indexer::Event::Building(why) => {
                    let index = resolved.index.display();
                    match why {
                        faq_indexer::Rebuild::Missing => crate::errors::note(format_args!(
                            "the index at {index} does not exist yet; building it from {}",
                            corpus.display()
                        )),
                        faq_indexer::Rebuild::Stale => crate::errors::note(format_args!(
                            "the index at {index} is older than the corpus; building it from {}",
                            corpus.display()
                        )),
                        faq_indexer::Rebuild::Damaged(error) => crate::errors::note(format_args!(
                            "the index at {index} cannot be used ({error}); rebuilding it from the corpus"
                        )),
                    }
                    *bar.borrow_mut() = Some(BuildBar::new());
                }
                faq_indexer::Event::Progress(progress) => {
                    if let Some(bar) = bar.borrow().as_ref() {
                        bar.update(progress);
                    }
                }
                faq_indexer::Event::Built(report) => {
                    if let Some(bar) = bar.borrow_mut().take() {
                        bar.finish();
                    }
                    note_built(report, corpus, &resolved.index);
                }
            };
            let opened = faq_indexer::ensure_fresh(corpus, &resolved.index, &analyzer, &events, open);
            // A failed build leaves its bar drawn otherwise.
            if let Some(bar) = bar.borrow_mut().take() {
                bar.finish();
            }
            opened?
        }
        _ => open().with_context(|| format!("opening the index at {}", resolved.index.display()))?,
    };
    Ok(searcher.with_synonyms(synonyms).with_weights(weights)?)
}
