//! The SQLite backend: one file, written by one process at a time.
//!
//! The journal is SQLite's rollback journal, not WAL: WAL memory-maps a `-shm` file, and a
//! shared-memory file that another process truncates makes the next access raise SIGBUS,
//! which would kill the search service that hosts the writer. Nothing here is
//! memory-mapped (`mmap_size = 0`). Readers (`faq report`, `/admin`) take a shared lock for
//! as long as they read; the writer waits for them (the busy timeout) while searches go on.
//! The file's identity (device and inode) is kept, so a file deleted or replaced under a
//! running server is noticed and opened afresh.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::event::Event;

/// How long a write waits for a reader's lock before it fails.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct Sqlite {
    pub(crate) connection: Connection,
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

/// The columns each table must have (a file made by something else is refused at open).
const COLUMNS: [&str; 3] = [
    "SELECT at_ms, query, answered, shown, latency_us FROM searches LIMIT 0",
    "SELECT at_ms, entry, rank, query FROM opens LIMIT 0",
    "SELECT at_ms, entry, helpful, query FROM feedback LIMIT 0",
];

fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|_| (0, 0))
    }
}

impl Sqlite {
    /// Opens (creating it and its folder if needed) the database at `path`.
    pub(crate) fn open(path: &Path, schema: &str) -> Result<Sqlite, rusqlite::Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        let connection = Connection::open(path)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.pragma_update(None, "mmap_size", 0)?;
        let mode: String = connection.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            // Still WAL: another process has it open in WAL mode.
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some(format!("the file is in {mode} mode and held by another process")),
            ));
        }
        connection.execute_batch(schema)?;
        for sql in COLUMNS {
            connection.prepare(sql)?;
        }
        Ok(Sqlite { connection, identity: identity(path), path: path.to_path_buf() })
    }

    /// Whether the file was deleted or replaced since it was opened.
    pub(crate) fn replaced(&self) -> bool {
        identity(&self.path) != self.identity
    }

    /// Bytes the rows take (pages in use; freed pages are reused before the file grows).
    pub(crate) fn used_bytes(&self) -> Result<u64, rusqlite::Error> {
        let pragma = |name: &str| self.connection.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
        let used = (pragma("page_count")? - pragma("freelist_count")?).max(0) * pragma("page_size")?;
        Ok(used as u64)
    }

    pub(crate) fn write(&mut self, events: &[Event]) -> Result<(), rusqlite::Error> {
        let tx = self.connection.transaction()?;
        {
            let mut search = tx.prepare_cached("INSERT INTO searches VALUES (?1, ?2, ?3, ?4, ?5)")?;
            let mut open = tx.prepare_cached("INSERT INTO opens VALUES (?1, ?2, ?3, ?4)")?;
            let mut feedback = tx.prepare_cached("INSERT INTO feedback VALUES (?1, ?2, ?3, ?4)")?;
            for event in events {
                match event {
                    Event::Search { at_ms, query, answered, shown, latency_us } => {
                        search.execute(rusqlite::params![at_ms, query, answered, super::shown_json(shown), latency_us])?;
                    }
                    Event::Open { at_ms, id, rank, query } => {
                        open.execute(rusqlite::params![at_ms, id, rank, query])?;
                    }
                    Event::Feedback { at_ms, id, helpful, query } => {
                        feedback.execute(rusqlite::params![at_ms, id, helpful, query])?;
                    }
                }
            }
        }
        tx.commit()
    }
}
