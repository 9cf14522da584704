//! The on-disk layout of an index folder, and how a new build replaces the old one atomically.
//!
//! ```text
//! index/default/
//!   current -> gen-1732741234567890   symlink: the generation searches open
//!   gen-1732741234567890/             a complete tantivy index + faq-manifest.json
//!   .staging-<pid>-<nanos>/           a build in progress (removed when its process is gone)
//! ```
//!
//! A build writes a fresh generation, commits and syncs it, then renames a new symlink over
//! `current` (atomic on POSIX). An interrupted build leaves `current` untouched; a server
//! holding the previous generation keeps reading it (the previous one is kept, older ones
//! are removed).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::Index;

use crate::analyzer::{ANALYZER_VERSION, Analyzer};
use crate::error::{CoreError, Result};
use crate::schema::{FaqFields, prepare};

/// Name of the symlink to the live generation.
pub const CURRENT: &str = "current";
/// Name of the manifest inside a generation.
pub const MANIFEST: &str = "faq-manifest.json";
/// Bumped when the schema or layout changes. 3: the `ordinal` fast field and the entry
/// vectors of the semantic path ([`crate::semantic::SEMANTIC_VERSION`] is part of it).
/// 4: URLs are no longer words of the entry ([`crate::entry::blank_urls`]). 5: stored spans
/// carry readings ([`crate::spans`]). 6: spans stored as text in 6-bit digits; entry
/// vectors stored padded and read in place.
pub const LAYOUT_VERSION: u32 = 6 + 100 * (crate::semantic::SEMANTIC_VERSION - 1);

/// What a generation was built from; lets `faq search` tell whether it is out of date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub layout_version: u32,
    pub analyzer_version: u32,
    /// The corpus path as given to the build.
    pub corpus: String,
    /// See `faq_indexer::corpus::fingerprint`.
    pub corpus_fingerprint: String,
    pub entries: usize,
    pub built_at_unix: u64,
}

impl Manifest {
    pub fn new(corpus: String, corpus_fingerprint: String, entries: usize) -> Self {
        Manifest {
            layout_version: LAYOUT_VERSION,
            analyzer_version: ANALYZER_VERSION,
            corpus,
            corpus_fingerprint,
            entries,
            built_at_unix: SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        }
    }

    /// Whether an index with this manifest can answer queries analysed by this binary.
    pub fn is_compatible(&self) -> bool {
        self.layout_version == LAYOUT_VERSION && self.analyzer_version == ANALYZER_VERSION
    }
}

/// The live generation folder of an index root, if there is one.
pub fn current_generation(root: &Path) -> Option<PathBuf> {
    let link = root.join(CURRENT);
    let target = fs::read_link(&link).ok()?;
    let generation = root.join(target);
    generation.is_dir().then_some(generation)
}

/// Reads the manifest of a generation.
pub fn read_manifest(generation: &Path) -> Result<Manifest> {
    let path = generation.join(MANIFEST);
    let damaged = |message: String| CoreError::IndexDamaged { path: generation.to_path_buf(), message };
    let text = fs::read_to_string(&path).map_err(|e| damaged(format!("reading {MANIFEST}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| damaged(format!("parsing {MANIFEST}: {e}")))
}

/// Opens the live generation of an index root: the one way every reader opens an index.
pub fn open(root: &Path, analyzer: &Analyzer) -> Result<(Index, FaqFields, Manifest)> {
    let generation = current_generation(root).ok_or_else(|| CoreError::IndexMissing { path: root.to_path_buf() })?;
    let damaged = |message: String| CoreError::IndexDamaged { path: generation.clone(), message };
    let manifest = read_manifest(&generation)?;
    if !manifest.is_compatible() {
        return Err(damaged(format!(
            "built with layout {} / analyzer {}, this binary needs {LAYOUT_VERSION} / {ANALYZER_VERSION}",
            manifest.layout_version, manifest.analyzer_version
        )));
    }
    let index = Index::open_in_dir(&generation).map_err(|e| damaged(e.to_string()))?;
    let (bytes, stamp) = verification_stamp(&generation);
    if bytes <= verify_checksums_up_to() {
        // Verified once per generation: the stamp names every file with its size and times,
        // so a file changed since (damage, an edit) is verified again.
        let verified = stamp.is_some() && fs::read_to_string(generation.join(VERIFIED)).ok() == stamp;
        if !verified {
            let bad = damaged_files(&index).map_err(|e| damaged(e.to_string()))?;
            if !bad.is_empty() {
                let mut names: Vec<String> = bad.iter().map(|p| p.display().to_string()).collect();
                names.sort();
                return Err(damaged(format!("checksum mismatch in {}", names.join(", "))));
            }
            // Best effort: a read-only index is verified at every open, as before.
            if let Some(stamp) = stamp {
                let staged = generation.join(format!("{VERIFIED}.{}-{}", std::process::id(), unix_nanos()));
                if fs::write(&staged, stamp).is_ok() && fs::rename(&staged, generation.join(VERIFIED)).is_err() {
                    let _ = fs::remove_file(&staged);
                }
            }
        }
    }
    let fields = prepare(&index, analyzer).map_err(|e| damaged(e.to_string()))?;
    Ok((index, fields, manifest))
}

/// The files of an index whose checksums do not match: the segments' (tantivy's check) and
/// the entry vectors, which end with the same footer.
pub fn damaged_files(index: &Index) -> tantivy::Result<std::collections::HashSet<PathBuf>> {
    let mut bad = index.validate_checksum()?;
    let vectors = Path::new(crate::semantic::ENTRY_VECTORS_FILE);
    if tantivy::directory::Directory::exists(index.directory(), vectors)? && !index.directory().validate_checksum(vectors)? {
        bad.insert(vectors.to_path_buf());
    }
    Ok(bad)
}

/// Generations up to this size have every file's checksum verified when opened (a few
/// milliseconds: the FAQ sizes this tool is for). Larger ones are opened unverified;
/// damage then surfaces as an error when a damaged part is read.
pub const VERIFY_CHECKSUMS_UP_TO: u64 = 64 << 20;

/// [`VERIFY_CHECKSUMS_UP_TO`], or `FAQ_VERIFY_INDEX_MB` MiB when set (0: never at open;
/// the server then verifies in the background after opening, as it does for large ones).
pub fn verify_checksums_up_to() -> u64 {
    std::env::var("FAQ_VERIFY_INDEX_MB").ok().and_then(|v| v.trim().parse::<u64>().ok()).map_or(VERIFY_CHECKSUMS_UP_TO, |mib| mib << 20)
}

/// The file in a generation folder that says its checksums were verified, and of what: one
/// line per file (name, size, modification and change times in nanoseconds). A leading dot:
/// tantivy leaves it alone.
pub const VERIFIED: &str = ".faq-verified";

/// The bytes of the generation's files, and what [`VERIFIED`] holds when they are as they
/// were when verified (`None` when the folder cannot be listed): one listing for both.
fn verification_stamp(generation: &Path) -> (u64, Option<String>) {
    use std::os::unix::fs::MetadataExt;
    let (mut bytes, mut lines, mut complete) = (0u64, Vec::new(), true);
    let Ok(entries) = fs::read_dir(generation) else { return (0, None) };
    for entry in entries {
        let Ok(entry) = entry else {
            complete = false;
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            complete = false;
            continue;
        };
        if meta.is_file() {
            bytes += meta.len();
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(VERIFIED) {
            continue;
        }
        if meta.is_file() {
            lines.push(format!(
                "{name}\t{}\t{}.{:09}\t{}.{:09}",
                meta.len(),
                meta.mtime(),
                meta.mtime_nsec(),
                meta.ctime(),
                meta.ctime_nsec()
            ));
        }
    }
    lines.sort();
    (bytes, complete.then(|| lines.join("\n") + "\n"))
}

/// A generation being built; dropped without [`Staging::publish`], it is deleted.
pub struct Staging {
    root: PathBuf,
    dir: PathBuf,
    published: bool,
}

impl Staging {
    /// Creates an empty staging folder under `root` (creating `root` if needed) and
    /// removes staging folders left behind by processes that no longer exist.
    pub fn create(root: &Path) -> Result<Staging> {
        fs::create_dir_all(root).map_err(|e| CoreError::io(format!("creating index folder {}", root.display()), e))?;
        remove_abandoned_staging(root);
        let dir = root.join(format!(".staging-{}-{}", std::process::id(), unix_nanos()));
        fs::create_dir(&dir).map_err(|e| CoreError::io(format!("creating {}", dir.display()), e))?;
        Ok(Staging { root: root.to_path_buf(), dir, published: false })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes the manifest, syncs the generation, and makes it the live one.
    pub fn publish(mut self, manifest: &Manifest) -> Result<PathBuf> {
        let io = |what: &str, e| CoreError::io(format!("{what} in {}", self.root.display()), e);
        let json = serde_json::to_vec_pretty(manifest).unwrap_or_default();
        write_synced(&self.dir.join(MANIFEST), &json).map_err(|e| io("writing the manifest", e))?;
        sync_dir(&self.dir).map_err(|e| io("syncing the new generation", e))?;

        let name = format!("gen-{}", unix_nanos());
        let generation = self.root.join(&name);
        fs::rename(&self.dir, &generation).map_err(|e| io("naming the new generation", e))?;
        self.published = true;

        let link_tmp = self.root.join(format!(".{CURRENT}-{}", std::process::id()));
        let _ = fs::remove_file(&link_tmp);
        std::os::unix::fs::symlink(&name, &link_tmp).map_err(|e| io("linking the new generation", e))?;
        fs::rename(&link_tmp, self.root.join(CURRENT)).map_err(|e| io("switching to the new generation", e))?;
        sync_dir(&self.root).map_err(|e| io("syncing the index folder", e))?;
        remove_old_generations(&self.root, &name);
        Ok(generation)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn unix_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Keeps the live generation and the one before it (a running server may still read it).
fn remove_old_generations(root: &Path, live: &str) {
    let Ok(entries) = fs::read_dir(root) else { return };
    let mut generations: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("gen-") && n != live)
        .collect();
    // gen-<nanos> names sort by age when compared as numbers.
    generations.sort_by_key(|n| n.trim_start_matches("gen-").parse::<u128>().unwrap_or(0));
    generations.pop();
    for old in generations {
        let _ = fs::remove_dir_all(root.join(old));
    }
}

/// Removes `.staging-<pid>-*` folders whose process is gone (a killed build).
fn remove_abandoned_staging(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    for entry in entries.filter_map(|e| e.ok()) {
        let Ok(name) = entry.file_name().into_string() else { continue };
        let Some(rest) = name.strip_prefix(".staging-") else { continue };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod verification_tests {
    use super::*;

    #[test]
    fn the_stamp_lists_every_file_but_itself_and_changes_with_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.idx"), b"postings").unwrap();
        std::fs::write(dir.path().join(VERIFIED), "old").unwrap();
        let (bytes, before) = verification_stamp(dir.path());
        let before = before.unwrap();
        assert_eq!(bytes, 8 + 3, "the size of every file, the stamp's own included");
        assert!(before.starts_with("a.idx\t8\t"), "{before}");
        assert!(!before.contains(VERIFIED));
        std::thread::sleep(std::time::Duration::from_millis(10));
        // The same size, other bytes: the times change, so the stamp does.
        std::fs::write(dir.path().join("a.idx"), b"POSTINGS").unwrap();
        assert_ne!(verification_stamp(dir.path()).1.unwrap(), before);
    }
}
