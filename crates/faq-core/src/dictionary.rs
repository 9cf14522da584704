//! The IPADIC dictionary, offline and self-contained: the IPADIC source (mecab-ipadic
//! 2.7.0-20070801, EUC-JP CSVs and .def files) ships inside the binary as a zstd-compressed
//! tar (`data/`, 7.5 MB; licence in THIRD_PARTY.md). On first use it is checked against its
//! SHA-256, unpacked and compiled by lindera into a per-user cache, then memory-mapped on
//! every start. No system package is needed.
//!
//! Why a cache and not a dictionary compiled by a build script: loading the compiled
//! dictionary memory-mapped costs ~17 ms and touches only the pages a query needs, while
//! an embedded compiled dictionary must be deserialised into memory on every start (the
//! 60-300 ms "read into memory" path) and makes every rebuild of the binary recompile or
//! re-link 56 MB. The README records the measurement.
//!
//! * source: the embedded archive, or `$FAQ_IPADIC_DIR` (a folder of IPADIC CSVs) when set
//! * cache:  `$FAQ_DICT_CACHE`, default `$XDG_CACHE_HOME/faq-search` or `~/.cache/faq-search`

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lindera::dictionary::{Dictionary, load_fs_dictionary_with_options};
use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;
use lindera_dictionary::dictionary::schema::Schema;
use sha2::{Digest, Sha256};

use crate::error::{CoreError, Result};

/// Environment variable naming an IPADIC source folder to use instead of the embedded one.
pub const SOURCE_ENV: &str = "FAQ_IPADIC_DIR";
/// Environment variable naming the folder that caches compiled dictionaries.
pub const CACHE_ENV: &str = "FAQ_DICT_CACHE";

/// The IPADIC source shipped with the engine: `tar` of mecab-ipadic 2.7.0-20070801's
/// `*.csv`, `char.def`, `matrix.def` and `unk.def` (byte for byte as in Debian's
/// `mecab-ipadic` 2.7.0-20070801+main-3), compressed with `zstd -19 --long=27`.
/// `scripts/ipadic_archive.sh` regenerates it.
pub static EMBEDDED_ARCHIVE: &[u8] = include_bytes!("../data/mecab-ipadic-2.7.0-20070801.tar.zst");
/// SHA-256 of [`EMBEDDED_ARCHIVE`], verified before it is unpacked.
pub const EMBEDDED_SHA256: &str = "9c92f442065577a704dd03542a63703405b4aaed541baf7e7dd9f52f5b27cfd9";
/// Version of the embedded source, part of the cache folder's name.
pub const EMBEDDED_VERSION: &str = "2.7.0-20070801";
/// Rough time of a first-use compile on a 2-core VM (measured; README), announced to users.
pub const COMPILE_ESTIMATE: Duration = Duration::from_secs(5);
/// Files lindera's builder reads besides the `*.csv` lexicon.
const REQUIRED_FILES: [&str; 3] = ["matrix.def", "char.def", "unk.def"];
/// The unpacked source is about 52 MB; anything far larger is not this archive.
const MAX_UNPACKED_BYTES: u64 = 128 << 20;

/// Where the dictionary source comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The archive built into the binary.
    Embedded,
    /// A folder of IPADIC source files (`$FAQ_IPADIC_DIR`).
    Folder(PathBuf),
}

impl Source {
    /// The source this process uses: `$FAQ_IPADIC_DIR` when set, else the embedded archive.
    pub fn from_env() -> Source {
        match std::env::var_os(SOURCE_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => Source::Folder(PathBuf::from(dir)),
            None => Source::Embedded,
        }
    }

    /// Name of the compiled folder inside the cache: it changes with the source (the
    /// embedded version, or the folder's path) and with the lindera version, so that neither
    /// a dependency upgrade nor a different `FAQ_IPADIC_DIR` ever reads a stale compile.
    pub fn compiled_name(&self) -> String {
        let lindera = lindera::get_version();
        match self {
            Source::Embedded => format!("ipadic-{EMBEDDED_VERSION}-{}-lindera-{lindera}", &EMBEDDED_SHA256[..8]),
            Source::Folder(dir) => {
                let absolute = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
                let digest = format!("{:x}", Sha256::digest(absolute.to_string_lossy().as_bytes()));
                format!("ipadic-dir-{}-lindera-{lindera}", &digest[..8])
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Source::Embedded => format!("the built-in IPADIC {EMBEDDED_VERSION} source"),
            Source::Folder(dir) => format!("the IPADIC source at {} ({SOURCE_ENV})", dir.display()),
        }
    }
}

/// What a first-use compile is doing, for a caller that tells the user (the library itself
/// prints nothing).
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// A compile starts: what from, where to, and roughly how long it takes.
    Compiling { source: &'a str, target: &'a Path, estimate: Duration },
    /// A step of the compile.
    Step(&'static str),
    /// The compile finished.
    Compiled { target: &'a Path, elapsed: Duration },
}

/// The cache folder this process uses for compiled dictionaries.
pub fn cache_dir() -> PathBuf {
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = env(CACHE_ENV) {
        return dir;
    }
    if let Some(dir) = env("XDG_CACHE_HOME") {
        return dir.join("faq-search");
    }
    if let Some(home) = env("HOME") {
        return home.join(".cache").join("faq-search");
    }
    std::env::temp_dir().join("faq-search")
}

/// IPADIC metadata for lindera's builder: EUC-JP CSVs with the 13-field IPADIC schema.
pub fn ipadic_metadata() -> Metadata {
    Metadata::new(
        "ipadic".to_string(),
        "EUC-JP".to_string(),
        -10000,
        1288,
        1288,
        "*".to_string(),
        false,
        false,
        false,
        Schema::default(),
        Schema::new(vec!["surface".into(), "reading".into(), "pronunciation".into()]),
    )
}

/// Loads the dictionary, compiling it into the cache first if it is not there yet.
pub fn load() -> Result<Dictionary> {
    load_with(&mut |_| {})
}

/// [`load`], telling `observer` what a first-use compile is doing.
pub fn load_with(observer: &mut dyn FnMut(Event<'_>)) -> Result<Dictionary> {
    let compiled = ensure_compiled(&Source::from_env(), &cache_dir(), observer)?;
    load_compiled(&compiled)
}

/// Memory-maps a compiled dictionary folder.
///
/// The parts are loaded as lindera's own loader does, but for the character definition:
/// lindera's `CharacterDefinition::load` rebuilds a 65,536-entry category table by a binary
/// search per code point at every start (6.4M instructions, half of a cold `faq search`);
/// read straight from its archive, the definition has no such table and lindera answers a
/// character's categories by that binary search over ~100 boundaries when asked (a few
/// dozen instructions per character of a query, ~1K per query: BENCHMARKS.md).
pub fn load_compiled(path: &Path) -> Result<Dictionary> {
    use std::sync::Arc;

    use lindera_dictionary::dictionary::character_definition::CharacterDefinition;
    use lindera_dictionary::loader::{
        connection_cost_matrix::ConnectionCostMatrixLoader, metadata::MetadataLoader, prefix_dictionary::PrefixDictionaryLoader,
        unknown_dictionary::UnknownDictionaryLoader,
    };
    let fail = |message: String| CoreError::DictionaryLoad { path: path.to_path_buf(), message };
    if !path.is_dir() {
        return load_fs_dictionary_with_options(path, true).map_err(|e| fail(e.to_string()));
    }
    let metadata = MetadataLoader::load(path).map_err(|e| fail(e.to_string()))?;
    metadata.validate_format_version().map_err(|e| fail(e.to_string()))?;
    let bytes = std::fs::read(path.join("char_def.bin")).map_err(|e| fail(format!("char_def.bin: {e}")))?;
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&bytes);
    let character_definition =
        rkyv::from_bytes::<CharacterDefinition, rkyv::rancor::Error>(&aligned).map_err(|e| fail(format!("char_def.bin: {e}")))?;
    let connection_cost_matrix = ConnectionCostMatrixLoader::load_mmap(path).map_err(|e| fail(e.to_string()))?;
    let prefix_dictionary = PrefixDictionaryLoader::load_mmap(path).map_err(|e| fail(e.to_string()))?;
    let unknown_dictionary = UnknownDictionaryLoader::load(path).map_err(|e| fail(e.to_string()))?;
    Ok(Dictionary {
        prefix_dictionary: Arc::new(prefix_dictionary),
        connection_cost_matrix: Arc::new(connection_cost_matrix),
        character_definition: Arc::new(character_definition),
        unknown_dictionary: Arc::new(unknown_dictionary),
        metadata: Arc::new(metadata),
    })
}

/// Returns the compiled dictionary folder under `cache`, compiling `source` into it when
/// missing. The build goes to a private temporary folder that is renamed into place, so
/// interrupted builds never leave a half-written dictionary; a lock file makes concurrent
/// first runs (several processes, or threads of one) wait for one compile instead of each
/// doing their own.
pub fn ensure_compiled(source: &Source, cache: &Path, observer: &mut dyn FnMut(Event<'_>)) -> Result<PathBuf> {
    let target = cache.join(source.compiled_name());
    let done = |target: &Path| target.join("metadata.json").is_file();
    if done(&target) {
        return Ok(target);
    }
    if let Source::Folder(dir) = source
        && !dir.join("matrix.def").is_file()
    {
        return Err(CoreError::DictionarySourceMissing { path: dir.clone(), env: SOURCE_ENV });
    }
    std::fs::create_dir_all(cache).map_err(|e| CoreError::io(format!("creating dictionary cache {}", cache.display()), e))?;
    let lock_path = cache.join(format!("{}.lock", source.compiled_name()));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| CoreError::io(format!("opening {}", lock_path.display()), e))?;
    lock.lock().map_err(|e| CoreError::io(format!("locking {}", lock_path.display()), e))?;
    if done(&target) {
        // Another process compiled it while this one waited.
        return Ok(target);
    }
    let described = source.describe();
    observer(Event::Compiling { source: &described, target: &target, estimate: COMPILE_ESTIMATE });
    let started = Instant::now();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let staging = cache.join(format!(".build-{}-{}", std::process::id(), nanos));
    // The embedded source is unpacked beside the staging folder and removed after the compile.
    let unpacked = staging.with_extension("src");
    let result = compile_into(source, &unpacked, &staging, &target, observer);
    let _ = std::fs::remove_dir_all(&unpacked);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // metadata.json is the marker checked above: it appears with the rename.
    if let Err(e) = std::fs::rename(&staging, &target) {
        let _ = std::fs::remove_dir_all(&staging);
        if !done(&target) {
            return Err(CoreError::DictionaryBuild { source_dir: described.into(), target, message: format!("renaming into place: {e}") });
        }
    }
    observer(Event::Compiled { target: &target, elapsed: started.elapsed() });
    Ok(target)
}

fn compile_into(source: &Source, unpacked: &Path, staging: &Path, target: &Path, observer: &mut dyn FnMut(Event<'_>)) -> Result<()> {
    let build_error =
        |source_dir: PathBuf, message: String| CoreError::DictionaryBuild { source_dir, target: target.to_path_buf(), message };
    let source_dir = match source {
        Source::Folder(dir) => dir.clone(),
        Source::Embedded => {
            observer(Event::Step("checking the built-in dictionary source (SHA-256)"));
            verify_archive(EMBEDDED_ARCHIVE, EMBEDDED_SHA256)?;
            observer(Event::Step("unpacking the dictionary source (52 MB)"));
            unpack_archive(EMBEDDED_ARCHIVE, unpacked).map_err(|message| build_error(unpacked.to_path_buf(), message))?;
            unpacked.to_path_buf()
        }
    };
    observer(Event::Step("compiling the dictionary (lexicon, connection costs, character classes)"));
    DictionaryBuilder::new(ipadic_metadata())
        .build_dictionary(&source_dir, staging)
        .map_err(|e| build_error(source_dir.clone(), e.to_string()))
}

/// Checks `archive` against its expected SHA-256 (hex).
pub fn verify_archive(archive: &[u8], expected: &str) -> Result<()> {
    let actual = format!("{:x}", Sha256::digest(archive));
    if actual == expected { Ok(()) } else { Err(CoreError::DictionaryCorrupt { expected: expected.to_string(), actual }) }
}

/// Unpacks a zstd-compressed tar of IPADIC source files into `dir`: plain files only, no
/// paths outside `dir`, at most [`MAX_UNPACKED_BYTES`] in all, and the files lindera needs
/// must be there.
pub(crate) fn unpack_archive(archive: &[u8], dir: &Path) -> std::result::Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let decoder = ruzstd::decoding::StreamingDecoder::new(archive).map_err(|e| format!("not a zstd archive: {e}"))?;
    let mut tar = tar::Archive::new(decoder.take(MAX_UNPACKED_BYTES + 1));
    let mut total = 0u64;
    for entry in tar.entries().map_err(|e| format!("reading the archive: {e}"))? {
        let mut entry = entry.map_err(|e| format!("reading the archive: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(|e| format!("bad file name in the archive: {e}"))?.into_owned();
        let name = match (path.file_name(), path.parent()) {
            (Some(name), Some(parent)) if parent.as_os_str().is_empty() => name.to_owned(),
            _ => return Err(format!("unexpected path in the archive: {}", path.display())),
        };
        total += entry.size();
        if total > MAX_UNPACKED_BYTES {
            return Err(format!("the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes"));
        }
        let out = dir.join(&name);
        let mut file = File::create(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
        std::io::copy(&mut entry, &mut file).map_err(|e| format!("writing {}: {e}", out.display()))?;
    }
    let missing: Vec<&str> = REQUIRED_FILES.into_iter().filter(|f| !dir.join(f).is_file()).collect();
    if !missing.is_empty() {
        return Err(format!("the archive lacks {}", missing.join(", ")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_source_folder_names_the_folder_and_the_variable() {
        let cache = tempfile::tempdir().unwrap();
        let source = Source::Folder(PathBuf::from("/nonexistent/ipadic"));
        let err = ensure_compiled(&source, cache.path(), &mut |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(SOURCE_ENV), "{msg}");
        assert!(msg.contains("/nonexistent/ipadic"), "{msg}");
        assert!(!msg.contains("apt-get"), "no system package is needed: {msg}");
    }

    #[test]
    fn embedded_archive_matches_its_checksum_and_holds_the_source() {
        verify_archive(EMBEDDED_ARCHIVE, EMBEDDED_SHA256).unwrap();
        let dir = tempfile::tempdir().unwrap();
        unpack_archive(EMBEDDED_ARCHIVE, dir.path()).unwrap();
        let csvs =
            std::fs::read_dir(dir.path()).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "csv")).count();
        assert_eq!(csvs, 26, "mecab-ipadic 2.7.0 has 26 lexicon CSVs");
        // 領収 as an IPADIC noun entry, in EUC-JP (0xCE 0xCE 0xBC 0xFD).
        let noun = std::fs::read(dir.path().join("Noun.verbal.csv")).unwrap();
        assert!(noun.windows(4).any(|w| w == [0xCE, 0xCE, 0xBC, 0xFD]));
    }

    #[test]
    fn a_damaged_archive_is_refused_before_unpacking() {
        let mut damaged = EMBEDDED_ARCHIVE.to_vec();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x40;
        let err = verify_archive(&damaged, EMBEDDED_SHA256).unwrap_err().to_string();
        assert!(err.contains("SHA-256"), "{err}");
        // Unpacking damaged data fails with a message, never a panic.
        let dir = tempfile::tempdir().unwrap();
        assert!(unpack_archive(&damaged, dir.path()).is_err());
        assert!(unpack_archive(b"not zstd at all", dir.path()).is_err());
    }

    #[test]
    fn cache_names_differ_by_source() {
        let embedded = Source::Embedded.compiled_name();
        let folder = Source::Folder(PathBuf::from("/somewhere/ipadic")).compiled_name();
        assert_ne!(embedded, folder);
        assert!(embedded.contains(EMBEDDED_VERSION));
        assert!(embedded.contains(lindera::get_version()));
    }
}
