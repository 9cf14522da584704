//! A corpus: every FAQ file under a path (a `.md`/`.markdown` or `.jsonl` file, or a folder
//! read recursively in name order, skipping hidden files and `README.md`), checked as a
//! whole (ids unique across files).
//!
//! Nothing in a corpus folder can block or exhaust a build: only regular files are read
//! (a FIFO, socket or device named `*.md` is skipped with a warning, never opened), each at
//! most [`Limits::file_bytes`] and all together at most [`Limits::corpus_bytes`] (an error
//! naming the file), folders at most [`MAX_DEPTH`] deep (a symlink loop ends there). Help
//! links are kept only when a browser cannot run them ([`faq_core::entry::is_safe_url`]);
//! others are dropped with a warning naming file:line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use faq_core::FaqEntry;

use crate::error::CorpusError;
use crate::{jsonl, markdown};

/// The entries of a corpus, the files they came from, and what was skipped or dropped on
/// the way (each naming file:line), for the editor to see.
#[derive(Debug)]
pub struct Corpus {
    pub entries: Vec<FaqEntry>,
    pub files: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// How much a corpus may make a build read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read (`FAQ_MAX_FILE_MB`, default 64 MiB).
    pub file_bytes: u64,
    /// Largest corpus read, all files together (`FAQ_MAX_CORPUS_MB`, default 1 GiB).
    pub corpus_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { file_bytes: 64 << 20, corpus_bytes: 1 << 30 }
    }
}

impl Limits {
    /// The defaults, overridden by `FAQ_MAX_FILE_MB` and `FAQ_MAX_CORPUS_MB` (whole MiB).
    pub fn from_env() -> Result<Limits, CorpusError> {
        let mut limits = Limits::default();
        for (name, slot) in [("FAQ_MAX_FILE_MB", &mut limits.file_bytes), ("FAQ_MAX_CORPUS_MB", &mut limits.corpus_bytes)] {
            if let Ok(value) = std::env::var(name) {
                let mib: u64 = value.trim().parse().ok().filter(|&m| m > 0 && m <= 1 << 20).ok_or_else(|| {
                    CorpusError::at(name, 0, format!("{name} must be a whole number of MiB from 1 to 1048576, got {value:?}"))
                })?;
                *slot = mib << 20;
            }
        }
        Ok(limits)
    }
}

/// The folder ids and sources are relative to: the corpus itself, or a file's folder.
fn root_of(path: &Path) -> &Path {
    if path.is_dir() { path } else { path.parent().unwrap_or(Path::new("")) }
}

/// Deepest folder nesting read below the corpus root.
pub const MAX_DEPTH: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Markdown,
    Jsonl,
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "md" | "markdown" => Some(Format::Markdown),
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        _ => None,
    }
}

/// The FAQ files of a corpus path, in a stable order.
pub fn files(path: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    files_and_warnings(path).map(|(files, _)| files)
}

/// [`files`], and what was skipped (not a regular file, too deep).
fn files_and_warnings(path: &Path) -> Result<(Vec<PathBuf>, Vec<String>), CorpusError> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| CorpusError::at(&display, 0, format!("cannot read the corpus: {e}")))?;
    if !meta.is_dir() {
        if format_of(path).is_none() {
            return Err(CorpusError::at(&display, 0, "unsupported corpus file: expected .md, .markdown or .jsonl"));
        }
        if !meta.is_file() {
            return Err(CorpusError::at(&display, 0, "not a regular file (a FIFO, socket or device is never read)"));
        }
        return Ok((vec![path.to_path_buf()], Vec::new()));
    }
    let (mut found, mut warnings) = (Vec::new(), Vec::new());
    collect(path, 0, &mut found, &mut warnings)?;
    if found.is_empty() {
        return Err(CorpusError::at(&display, 0, "no .md or .jsonl files in the corpus folder"));
    }
    Ok((found, warnings))
}

fn collect(dir: &Path, depth: usize, found: &mut Vec<PathBuf>, warnings: &mut Vec<String>) -> Result<(), CorpusError> {
    let display = dir.display().to_string();
    let read = std::fs::read_dir(dir).map_err(|e| CorpusError::at(&display, 0, format!("cannot list: {e}")))?;
    let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.eq_ignore_ascii_case("readme.md") {
            continue;
        }
        // `metadata` follows a symlink and never opens the file (a FIFO is not waited on).
        let Ok(meta) = std::fs::metadata(&path) else {
            warnings.push(format!("{}: skipped: cannot be read (a broken link?)", path.display()));
            continue;
        };
        if meta.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                warnings.push(format!("{}: skipped: folders nested deeper than {MAX_DEPTH} (a symlink loop?)", path.display()));
            } else {
                collect(&path, depth + 1, found, warnings)?;
            }
        } else if format_of(&path).is_some() {
            if meta.is_file() {
                found.push(path);
            } else {
                warnings.push(format!("{}: skipped: not a regular file (a FIFO, socket or device is never read)", path.display()));
            }
        }
    }
    Ok(())
}

/// Reads and checks a whole corpus, within the limits of the environment ([`Limits::from_env`]).
pub fn load(path: &Path) -> Result<Corpus, CorpusError> {
    load_with(path, Limits::from_env()?)
}

/// [`load`] within `limits`.
pub fn load_with(path: &Path, limits: Limits) -> Result<Corpus, CorpusError> {
    let (files, mut warnings) = files_and_warnings(path)?;
    let root = root_of(path);
    let mut entries = Vec::new();
    let mut total = 0u64;
    for file in &files {
        let bytes = read_bounded(file, limits.file_bytes)?;
        total += bytes.len() as u64;
        if total > limits.corpus_bytes {
            return Err(CorpusError::at(
                &file.display().to_string(),
                0,
                format!("the corpus is larger than {} MiB in all (FAQ_MAX_CORPUS_MB raises the limit)", limits.corpus_bytes >> 20),
            ));
        }
        let (parsed, file_warnings) = parse_file(file, root, &bytes)?;
        entries.extend(parsed);
        warnings.extend(file_warnings);
    }
    check_unique_ids(&entries)?;
    for entry in &mut entries {
        // Where an entry came from, relative to the corpus root: no server path leaks into
        // the API, and the same corpus reads the same from anywhere.
        if let Some(source) = &mut entry.source
            && let Ok(relative) = Path::new(&source.file).strip_prefix(root)
        {
            source.file = relative.display().to_string();
        }
        let at = entry.source.as_ref().map(|s| s.to_string()).unwrap_or_else(|| entry.id.clone());
        entry.links.retain(|link| {
            let safe = faq_core::entry::is_safe_url(&link.url);
            if !safe {
                warnings.push(format!("{at}: link dropped: {:?} is not an http(s), mailto or relative address", link.url));
            }
            safe
        });
    }
    Ok(Corpus { entries, files, warnings })
}

/// The bytes of a regular file of at most `limit` bytes; a larger one is an error naming it.
fn read_bounded(file: &Path, limit: u64) -> Result<Vec<u8>, CorpusError> {
    use std::io::Read as _;
    let display = file.display().to_string();
    let meta = std::fs::metadata(file).map_err(|e| CorpusError::at(&display, 0, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(CorpusError::at(&display, 0, "not a regular file (a FIFO, socket or device is never read)"));
    }
    let too_large = || CorpusError::at(&display, 0, format!("larger than {} MiB (FAQ_MAX_FILE_MB raises the limit)", limit >> 20));
    if meta.len() > limit {
        return Err(too_large());
    }
    let handle = std::fs::File::open(file).map_err(|e| CorpusError::at(&display, 0, format!("cannot read: {e}")))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the check and the read: never read past the limit.
    handle.take(limit + 1).read_to_end(&mut bytes).map_err(|e| CorpusError::at(&display, 0, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Parses one file; `root` is the corpus folder its id slug is taken relative to.
pub fn load_file(file: &Path, root: &Path) -> Result<Vec<FaqEntry>, CorpusError> {
    let bytes = read_bounded(file, Limits::from_env()?.file_bytes)?;
    parse_file(file, root, &bytes).map(|(entries, _)| entries)
}

fn parse_file(file: &Path, root: &Path, bytes: &[u8]) -> Result<(Vec<FaqEntry>, Vec<String>), CorpusError> {
    let display = file.display().to_string();
    let text = decode_utf8(bytes, &display)?;
    match format_of(file) {
        Some(Format::Jsonl) => jsonl::parse(text, &display).map(|entries| (entries, Vec::new())),
        _ => markdown::parse_with_warnings(text, &display, &slug(file, root)),
    }
}

/// UTF-8 with an optional BOM; anything else is an error pointing at the first bad line.
fn decode_utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, CorpusError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        CorpusError::at(file, line, "not valid UTF-8 (Shift_JIS or EUC-JP? convert it first, e.g. `iconv -f SHIFT_JIS -t UTF-8`)")
    })
}

/// Id prefix for a file: its path below the corpus root without extension, as ASCII.
fn slug(file: &Path, root: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let mut slug = String::new();
    for c in relative.to_string_lossy().chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '-' };
        if !(c == '-' && (slug.is_empty() || slug.ends_with('-'))) {
            slug.push(c);
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() { "faq".to_string() } else { slug }
}

fn check_unique_ids(entries: &[FaqEntry]) -> Result<(), CorpusError> {
    let mut seen: HashMap<&str, &FaqEntry> = HashMap::with_capacity(entries.len());
    for entry in entries {
        if let Some(first) = seen.insert(&entry.id, entry) {
            let (file, line) = entry.source.as_ref().map(|s| (s.file.as_str(), s.line)).unwrap_or(("", 0));
            let first_at = first.source.as_ref().map(|s| s.to_string()).unwrap_or_default();
            return Err(CorpusError::at(
                file,
                line,
                format!(
                    "duplicate id {:?} (first used at {first_at}); two entries with the same question need pinned ids (`<!-- id: … -->`)",
                    entry.id
                ),
            ));
        }
    }
    Ok(())
}

/// A cheap fingerprint of the corpus files (names, sizes, modification times): an index
/// whose manifest carries another fingerprint is out of date.
///
/// Names are taken relative to the corpus root, so the same corpus spelt as a relative or an
/// absolute path has one fingerprint. On Unix the inode change time is included too: it
/// cannot be set back by a program, so an edit that keeps size and modification time
/// (`cp -p`, `rsync -a`) still changes the fingerprint.
pub fn fingerprint(path: &Path) -> Result<String, CorpusError> {
    let mut hasher = sha1_smol::Sha1::new();
    let root = root_of(path);
    for file in fingerprinted_files(path)? {
        let meta = std::fs::metadata(&file).map_err(|e| CorpusError::at(&file.display().to_string(), 0, format!("cannot read: {e}")))?;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            (meta.ctime(), meta.ctime_nsec(), meta.ino())
        };
        #[cfg(not(unix))]
        let changed = (0i64, 0i64, 0u64);
        let name = file.strip_prefix(root).unwrap_or(&file);
        hasher.update(format!("{}\0{}\0{}\0{:?}\n", name.display(), meta.len(), mtime, changed).as_bytes());
    }
    Ok(hasher.digest().to_string())
}

/// What the index is built from: the corpus files and, when there is one, the user
/// dictionary ([`faq_core::userdict`]): editing it rebuilds the index.
fn fingerprinted_files(path: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut files = files(path)?;
    let user = faq_core::userdict::path_for_corpus(path);
    if std::fs::metadata(&user).is_ok_and(|m| m.is_file()) {
        files.push(user);
    }
    Ok(files)
}

/// A fingerprint of the corpus files' contents (names relative to the root, and bytes, each
/// file read within [`Limits`]): equal exactly when what would be indexed is the same, however
/// the files were copied. For watching; a build uses the cheaper [`fingerprint`].
pub fn content_fingerprint(path: &Path) -> Result<String, CorpusError> {
    let limits = Limits::from_env()?;
    let mut hasher = sha1_smol::Sha1::new();
    let root = root_of(path);
    let mut total = 0u64;
    for file in fingerprinted_files(path)? {
        let bytes = read_bounded(&file, limits.file_bytes)?;
        total += bytes.len() as u64;
        if total > limits.corpus_bytes {
            break;
        }
        let name = file.strip_prefix(root).unwrap_or(&file).display().to_string();
        hasher.update(format!("{}\0{}\0", name, bytes.len()).as_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.digest().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    const ENTRY: &str = "### 返品はできますか？\n\n受け付けています。\n";

    #[test]
    fn folder_reads_markdown_and_jsonl_and_skips_readme() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", ENTRY.as_bytes());
        write(dir.path(), "b.jsonl", br#"{"id":"7","question":"Q?","answer":"A.","source_url":"ignored"}"#);
        write(dir.path(), "README.md", b"# about this folder\n");
        write(dir.path(), "notes.txt", b"not a corpus file");
        let corpus = load(dir.path()).unwrap();
        let ids: Vec<&str> = corpus.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids[0].starts_with("a-"), "{ids:?}");
        assert_eq!(ids[1], "7");
    }

    #[test]
    fn bom_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "bom.md", &[b"\xEF\xBB\xBF".as_slice(), ENTRY.as_bytes()].concat());
        assert_eq!(load(&path).unwrap().entries[0].question, "返品はできますか？");
    }

    #[test]
    fn shift_jis_is_a_clear_error_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        // "### 返品" in Shift_JIS on line 3.
        let path = write(dir.path(), "sjis.md", b"# FAQ\n\n### \x95\xd4\x95\x69\n");
        let err = load(&path).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.file.ends_with("sjis.md") && err.message.contains("UTF-8"), "{err}");
    }

    #[test]
    fn duplicate_ids_across_files_are_rejected_naming_both_places() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.jsonl", b"{\"id\":\"x1\",\"question\":\"Q1\",\"answer\":\"A1\"}\n");
        write(dir.path(), "b.jsonl", b"\n{\"id\":\"x1\",\"question\":\"Q2\",\"answer\":\"A2\"}\n");
        let err = load(dir.path()).unwrap_err();
        assert!(err.file.ends_with("b.jsonl") && err.line == 2, "{err}");
        assert!(err.message.contains("duplicate id \"x1\"") && err.message.contains("a.jsonl:1"), "{err}");
    }

    #[test]
    fn malformed_jsonl_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "x.jsonl", b"{\"id\":\"1\",\"question\":\"Q\",\"answer\":\"A\"}\n{\"id\":\"2\",\"question\":\"Q\"}\n");
        let err = load(&path).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("answer"), "{err}");
        let path = write(dir.path(), "y.jsonl", b"{\"id\":\"1\",\"question\":\"Q\",\"answer\":\"\"}\n");
        assert!(load(&path).unwrap_err().message.contains("empty answer"));
    }

    #[test]
    fn unsupported_or_missing_paths_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let txt = write(dir.path(), "faq.txt", ENTRY.as_bytes());
        assert!(load(&txt).unwrap_err().message.contains("unsupported"));
        assert!(load(&dir.path().join("nope")).is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(load(empty.path()).unwrap_err().message.contains("no .md or .jsonl"));
    }

    #[test]
    fn fingerprints_follow_the_user_dictionary() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.md", ENTRY.as_bytes());
        let (stat, content) = (fingerprint(dir.path()).unwrap(), content_fingerprint(dir.path()).unwrap());
        write(dir.path(), faq_core::userdict::FILE_NAME, "同梱,サ変名詞,ドウコン\n".as_bytes());
        assert_ne!(stat, fingerprint(dir.path()).unwrap(), "adding it rebuilds the index");
        assert_ne!(content, content_fingerprint(dir.path()).unwrap(), "--watch sees it");
    }

    #[test]
    fn fingerprint_changes_when_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "a.md", ENTRY.as_bytes());
        let before = fingerprint(dir.path()).unwrap();
        std::fs::write(&path, format!("{ENTRY}\n### 二つ目？\n\nはい。\n")).unwrap();
        assert_ne!(before, fingerprint(dir.path()).unwrap());
    }
}
