//! Shared set-up of the top-level tests: the seed corpus indexed on disk, the real way.

#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use faq_core::Analyzer;
use faq_query::{FaqSearcher, Synonyms};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn seed_corpus() -> PathBuf {
    repo().join("corpus")
}

pub fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::load().expect("IPADIC dictionary (built in)"))
}

/// The seed corpus built into a temporary index folder and opened with its synonyms, as
/// `faq search` opens it, once per test binary.
pub fn seed_searcher() -> &'static FaqSearcher {
    static SEARCHER: OnceLock<(tempfile::TempDir, FaqSearcher)> = OnceLock::new();
    let (_, searcher) = SEARCHER.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // With the corpus's user dictionary, as `faq search` opens it.
        let analyzer = analyzer().for_corpus(&seed_corpus()).unwrap();
        faq_indexer::build_from_corpus(&seed_corpus(), dir.path(), &analyzer).unwrap();
        let synonyms = Synonyms::load(&seed_corpus().join("synonyms.txt"), &analyzer).unwrap();
        let searcher = FaqSearcher::open(dir.path(), analyzer).unwrap().with_synonyms(synonyms);
        (dir, searcher)
    });
    searcher
}

/// Path of the real `faq` binary built for these tests.
pub fn faq_bin() -> &'static str {
    env!("CARGO_BIN_EXE_faq")
}

/// The real `faq` binary as a command run in `dir`, free of the caller's `FAQ_*` and
/// `NO_COLOR` settings (so a developer's environment cannot change what a test sees).
pub fn faq_command(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(faq_bin());
    command.current_dir(dir).env_remove("NO_COLOR");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("FAQ_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs the real `faq` binary in `dir` with `args` (any bytes) and `stdin` (see
/// [`faq_command`]) and returns what it printed.
pub fn run_faq<A: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[A], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = faq_command(dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// `text` percent-encoded for a query string (every byte but ASCII letters and digits).
pub fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A scratch checkout holding the seed FAQ and its synonyms, as a fresh clone has them.
pub fn seed_checkout() -> tempfile::TempDir {
    let checkout = tempfile::tempdir().unwrap();
    std::fs::create_dir(checkout.path().join("corpus")).unwrap();
    for file in ["order-management.md", "synonyms.txt"] {
        std::fs::copy(seed_corpus().join(file), checkout.path().join("corpus").join(file)).unwrap();
    }
    checkout
}

/// A test's tool or data is missing: under CI (`CI=true`) that fails the test, since CI
/// installs every tool and has `../shared` beside the repository; elsewhere the test says
/// so and is skipped. Returns true (skip) when it does not fail.
pub fn missing(what: &str) -> bool {
    assert!(std::env::var_os("CI").is_none(), "CI must provide {what}: the test would otherwise pass by skipping");
    eprintln!("SKIPPED: {what} is missing");
    true
}

/// Polls `condition` every 100 ms until it holds or `limit` has passed (then asks once more).
pub fn wait_for(limit: std::time::Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    condition()
}
