//! The SQLite file: one table per kind of event, written in batches inside one
//! transaction, read by the report. WAL mode, so `faq report` can read while `faq serve`
//! writes.

use std::path::Path;

use rusqlite::{Connection, params};

use crate::event::Event;

/// Errors of the analytics store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("analytics database {path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
}

/// An open analytics database.
pub struct Store {
    connection: Connection,
    path: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS searches (at_ms INTEGER NOT NULL, query TEXT NOT NULL, answered INTEGER NOT NULL,
                                     shown TEXT NOT NULL, latency_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS searches_at ON searches (at_ms);
CREATE TABLE IF NOT EXISTS opens (at_ms INTEGER NOT NULL, entry TEXT NOT NULL, rank INTEGER NOT NULL, query TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS opens_at ON opens (at_ms);
CREATE TABLE IF NOT EXISTS feedback (at_ms INTEGER NOT NULL, entry TEXT NOT NULL, helpful INTEGER NOT NULL, query TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at_ms);
";

impl Store {
    /// Opens (creating it and its folder if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let fail = |source| StoreError::Sqlite { path: name.clone(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        let connection = Connection::open(path).map_err(fail)?;
        connection.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
        connection.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
        connection.pragma_update(None, "synchronous", "NORMAL").map_err(fail)?;
        connection.execute_batch(SCHEMA).map_err(fail)?;
        Ok(Store { connection, path: name })
    }

    fn fail(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Writes `events` in one transaction.
    pub fn write(&mut self, events: &[Event]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let fail = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.connection.transaction().map_err(fail)?;
        {
            let mut search = tx.prepare_cached("INSERT INTO searches VALUES (?1, ?2, ?3, ?4, ?5)").map_err(fail)?;
            let mut open = tx.prepare_cached("INSERT INTO opens VALUES (?1, ?2, ?3, ?4)").map_err(fail)?;
            let mut feedback = tx.prepare_cached("INSERT INTO feedback VALUES (?1, ?2, ?3, ?4)").map_err(fail)?;
            for event in events {
                match event {
                    Event::Search { at_ms, query, answered, shown, latency_us } => {
                        let shown = serde_json::to_string(shown).unwrap_or_else(|_| "[]".into());
                        search.execute(params![at_ms, query, answered, shown, latency_us]).map_err(fail)?;
                    }
                    Event::Open { at_ms, id, rank, query } => {
                        open.execute(params![at_ms, id, rank, query]).map_err(fail)?;
                    }
                    Event::Feedback { at_ms, id, helpful, query } => {
                        feedback.execute(params![at_ms, id, helpful, query]).map_err(fail)?;
                    }
                }
            }
        }
        tx.commit().map_err(fail)
    }

    /// Deletes events older than `before_ms`; how many.
    pub fn purge(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for table in ["searches", "opens", "feedback"] {
            removed += self.connection.execute(&format!("DELETE FROM {table} WHERE at_ms < ?1"), [before_ms]).map_err(self.fail())?;
        }
        Ok(removed)
    }

    /// Searches since `since_ms`: (query, answered, shown ids).
    pub fn searches(&self, since_ms: i64) -> Result<Vec<(String, bool, Vec<String>)>, StoreError> {
        let mut statement =
            self.connection.prepare("SELECT query, answered, shown FROM searches WHERE at_ms >= ?1").map_err(self.fail())?;
        let rows = statement
            .query_map([since_ms], |row| {
                let shown: String = row.get(2)?;
                Ok((row.get(0)?, row.get(1)?, serde_json::from_str(&shown).unwrap_or_default()))
            })
            .map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }

    /// Entries opened since `since_ms`, with how often.
    pub fn opens(&self, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError> {
        self.counts("SELECT entry, COUNT(*) FROM opens WHERE at_ms >= ?1 GROUP BY entry", since_ms)
    }

    /// Feedback since `since_ms`: (entry, helpful, count).
    pub fn feedback(&self, since_ms: i64) -> Result<Vec<(String, bool, u64)>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT entry, helpful, COUNT(*) FROM feedback WHERE at_ms >= ?1 GROUP BY entry, helpful")
            .map_err(self.fail())?;
        let rows = statement.query_map([since_ms], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }

    fn counts(&self, sql: &str, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError> {
        let mut statement = self.connection.prepare(sql).map_err(self.fail())?;
        let rows = statement.query_map([since_ms], |row| Ok((row.get(0)?, row.get(1)?))).map_err(self.fail())?;
        rows.collect::<Result<_, _>>().map_err(self.fail())
    }
}
