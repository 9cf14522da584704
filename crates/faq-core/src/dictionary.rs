//! The IPADIC dictionary, offline: compiled once from Debian's `mecab-ipadic` source CSVs
//! (EUC-JP) into a per-user cache, then memory-mapped on every start.
//!
//! Why a cache and not a dictionary embedded by a build script: loading the compiled
//! dictionary memory-mapped costs ~17 ms and touches only the pages a query needs, while
//! an embedded dictionary must be deserialised into memory on every start (the 60-300 ms
//! "read into memory" path) and makes every rebuild of the binary recompile or re-link
//! 56 MB. The README records the measurement.
//!
//! * source: `$FAQ_IPADIC_DIR`, default `/usr/share/mecab/dic/ipadic`
//! * cache:  `$FAQ_DICT_CACHE`, default `$XDG_CACHE_HOME/faq-search` or `~/.cache/faq-search`

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use lindera::dictionary::{Dictionary, load_fs_dictionary_with_options};
use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;
use lindera_dictionary::dictionary::schema::Schema;

use crate::error::{CoreError, Result};

/// Environment variable naming the IPADIC source folder.
pub const SOURCE_ENV: &str = "FAQ_IPADIC_DIR";
/// Environment variable naming the folder that caches compiled dictionaries.
pub const CACHE_ENV: &str = "FAQ_DICT_CACHE";
/// Where Debian's `mecab-ipadic` package puts the IPADIC source.
pub const DEFAULT_SOURCE: &str = "/usr/share/mecab/dic/ipadic";

/// Name of the compiled dictionary folder inside the cache. It changes with the lindera
/// version so that a dependency upgrade never reads a stale layout.
fn compiled_name() -> String {
    format!("ipadic-lindera-{}", lindera::get_version())
}

/// The IPADIC source folder this process uses.
pub fn source_dir() -> PathBuf {
    std::env::var_os(SOURCE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOURCE))
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
    let compiled = ensure_compiled(&source_dir(), &cache_dir())?;
    load_compiled(&compiled)
}

/// Memory-maps a compiled dictionary folder.
pub fn load_compiled(path: &Path) -> Result<Dictionary> {
    load_fs_dictionary_with_options(path, true).map_err(|e| CoreError::DictionaryLoad {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Returns the compiled dictionary folder under `cache`, compiling `source` into it when
/// missing. The build goes to a private temporary folder that is renamed into place, so
/// concurrent first runs and interrupted builds never leave a half-written dictionary.
pub fn ensure_compiled(source: &Path, cache: &Path) -> Result<PathBuf> {
    let target = cache.join(compiled_name());
    if target.join("metadata.json").is_file() {
        return Ok(target);
    }
    if !source.join("matrix.def").is_file() {
        return Err(CoreError::DictionarySourceMissing { path: source.to_path_buf(), env: SOURCE_ENV });
    }
    std::fs::create_dir_all(cache)
        .map_err(|e| CoreError::io(format!("creating dictionary cache {}", cache.display()), e))?;
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let staging = cache.join(format!(".build-{}-{}", std::process::id(), nanos));
    let build_error = |message: String| CoreError::DictionaryBuild {
        source_dir: source.to_path_buf(),
        target: target.clone(),
        message,
    };
    let built = DictionaryBuilder::new(ipadic_metadata())
        .build_dictionary(source, &staging)
        .map_err(|e| build_error(e.to_string()));
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // metadata.json is the marker checked above: it must appear last, with the rename.
    match std::fs::rename(&staging, &target) {
        Ok(()) => Ok(target),
        Err(_) if target.join("metadata.json").is_file() => {
            // Another process finished first; use its copy.
            let _ = std::fs::remove_dir_all(&staging);
            Ok(target)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(build_error(format!("renaming into place: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_source_names_the_package_and_the_variable() {
        let cache = tempfile::tempdir().unwrap();
        let err = ensure_compiled(Path::new("/nonexistent/ipadic"), cache.path()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("mecab-ipadic"), "{msg}");
        assert!(msg.contains(SOURCE_ENV), "{msg}");
        assert!(msg.contains("/nonexistent/ipadic"), "{msg}");
    }
}
