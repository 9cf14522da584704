//! Where events are kept: an embedded SQLite file (the default, [`sqlite`]) or, for a fleet
//! of replicas behind a load balancer, one PostgreSQL database they all write to
//! ([`postgres`]). Both have the same three tables; events are written in batches inside one
//! transaction (PostgreSQL: one binary `COPY` per table), and the report's aggregations are
//! the same SQL on both. Opening checks the tables' columns, so a file made by something
//! else is refused rather than written into.

mod postgres;
mod sqlite;

use std::collections::HashMap;
use std::path::Path;

pub use postgres::{PgError, READ_TIMEOUT, WRITE_TIMEOUT};
pub use sqlite::BUSY_TIMEOUT;

use crate::event::Event;
use crate::location::Location;

/// Errors of the analytics store; each names the database (never with a password).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("analytics database {name}: {source}")]
    Sqlite { name: String, source: rusqlite::Error },
    #[error("analytics database {name}: {source}")]
    Postgres { name: String, source: PgError },
    #[error(transparent)]
    Location(#[from] crate::location::LocationError),
}

/// An open analytics database.
pub struct Store {
    backend: Backend,
    name: String,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    /// Boxed: a PostgreSQL client and its runtime are far larger than a SQLite connection.
    Postgres(Box<postgres::Pg>),
}

/// The three tables, with each database's types for a time (`{TIME}`: milliseconds since the
/// epoch) and a flag (`{FLAG}`).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS searches (at_ms {TIME} NOT NULL, query TEXT NOT NULL, answered {FLAG} NOT NULL,
                                     shown TEXT NOT NULL, latency_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS searches_at ON searches (at_ms);
CREATE TABLE IF NOT EXISTS opens (at_ms {TIME} NOT NULL, entry TEXT NOT NULL, rank INTEGER NOT NULL, query TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS opens_at ON opens (at_ms);
CREATE TABLE IF NOT EXISTS feedback (at_ms {TIME} NOT NULL, entry TEXT NOT NULL, helpful {FLAG} NOT NULL, query TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at_ms);
";

fn schema(time: &str, flag: &str) -> String {
    SCHEMA.replace("{TIME}", time).replace("{FLAG}", flag)
}

use crate::period::DAY_MS;

/// The searches of a period, counted three ways.
#[derive(Debug, Default)]
pub struct SearchAggregates {
    /// (query, answered, how often).
    pub wordings: Vec<(String, bool, u64)>,
    /// (ids shown, how often that list was shown).
    pub shown: Vec<(Vec<String>, u64)>,
    /// (day since the epoch, searches, answered), oldest first.
    pub days: Vec<(i64, u64, u64)>,
}

impl Store {
    /// Opens `location` (see [`Location::parse`]).
    pub fn open_location(location: &str) -> Result<Store, StoreError> {
        Store::open_at(&Location::parse(location)?)
    }

    /// Opens a parsed location.
    pub fn open_at(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open(path),
            Location::Postgres { config, name } => {
                let pg = postgres::Pg::open(config, &schema("BIGINT", "BOOLEAN"))
                    .map_err(|source| StoreError::Postgres { name: name.clone(), source })?;
                Ok(Store { backend: Backend::Postgres(Box::new(pg)), name: name.clone() })
            }
        }
    }

    /// Opens (creating it and its folder if needed) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let db = sqlite::Sqlite::open(path, &schema("INTEGER", "INTEGER"))
            .map_err(|source| StoreError::Sqlite { name: name.clone(), source })?;
        Ok(Store { backend: Backend::Sqlite(db), name })
    }

    /// The database's name as it may be printed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes `events` in one transaction.
    pub fn write(&mut self, events: &[Event]) -> Result<(), StoreError> {
        match &mut self.backend {
            Backend::Sqlite(db) => db.write(events).map_err(|source| StoreError::Sqlite { name: self.name.clone(), source }),
            Backend::Postgres(pg) => pg.write(events).map_err(|source| StoreError::Postgres { name: self.name.clone(), source }),
        }
    }

    /// Whether the store's file was deleted or replaced since it was opened (never for
    /// PostgreSQL).
    pub fn replaced(&self) -> bool {
        matches!(&self.backend, Backend::Sqlite(db) if db.replaced())
    }

    /// Bytes the events take in the database.
    pub fn used_bytes(&mut self) -> Result<u64, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(db) => db.used_bytes().map_err(|source| StoreError::Sqlite { name: self.name.clone(), source }),
            Backend::Postgres(_) => {
                let sql = "SELECT (pg_total_relation_size('searches') + pg_total_relation_size('opens') + pg_total_relation_size('feedback'))::BIGINT, $1::BIGINT";
                Ok(self.rows(sql, 0, |r| r.int(0))?.first().copied().unwrap_or(0).max(0) as u64)
            }
        }
    }

    /// Events (of every kind) recorded since `since_ms`.
    pub fn count_since(&mut self, since_ms: i64) -> Result<u64, StoreError> {
        let sql = "SELECT (SELECT COUNT(*) FROM searches WHERE at_ms >= $1) + (SELECT COUNT(*) FROM opens WHERE at_ms >= $1) \
                   + (SELECT COUNT(*) FROM feedback WHERE at_ms >= $1)";
        Ok(self.rows(sql, since_ms, |r| r.count(0))?.first().copied().unwrap_or(0))
    }

    /// The start (midnight UTC) of the oldest day that has events, if any.
    pub fn oldest_day_ms(&mut self) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT MIN(m) FROM (SELECT MIN(at_ms) AS m FROM searches UNION ALL SELECT MIN(at_ms) FROM opens \
                   UNION ALL SELECT MIN(at_ms) FROM feedback) AS t WHERE m >= $1";
        let oldest = self.rows(sql, i64::MIN, |r| r.maybe_int(0))?.first().copied().flatten();
        Ok(oldest.map(|ms| ms.div_euclid(DAY_MS) * DAY_MS))
    }

    /// Deletes events older than `before_ms`; how many.
    pub fn purge(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for table in ["searches", "opens", "feedback"] {
            let sql = format!("DELETE FROM {table} WHERE at_ms < $1");
            removed += match &mut self.backend {
                Backend::Sqlite(db) => {
                    db.connection.execute(&sql, [before_ms]).map_err(|source| StoreError::Sqlite { name: self.name.clone(), source })?
                }
                Backend::Postgres(pg) => {
                    pg.run(WRITE_TIMEOUT, pg.client.execute(&sql, &[&before_ms]))
                        .map_err(|source| StoreError::Postgres { name: self.name.clone(), source })? as usize
                }
            };
        }
        Ok(removed)
    }

    /// Everything the report needs of the searches since `since_ms`, in one pass where the
    /// database allows it: SQLite groups slowly (a million searches: ~7 s through three
    /// `GROUP BY`s walking the time index), so its rows are read once, in table order unless
    /// the period is a small part of the table, and counted here; PostgreSQL's hash
    /// aggregation is fast and keeps the rows on the server.
    pub fn search_aggregates(&mut self, since_ms: i64) -> Result<SearchAggregates, StoreError> {
        let Backend::Sqlite(db) = &mut self.backend else {
            return Ok(SearchAggregates {
                wordings: self.query_counts(since_ms)?,
                shown: self.shown_counts(since_ms)?,
                days: self.daily(since_ms)?,
            });
        };
        let connection = &mut db.connection;
        let fail = |source| StoreError::Sqlite { name: self.name.clone(), source };
        let (within, all): (i64, i64) = connection
            .query_row(
                "SELECT (SELECT COUNT(*) FROM searches WHERE at_ms >= ?1), (SELECT COALESCE(MAX(rowid), 0) FROM searches)",
                [since_ms],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(fail)?;
        let scan = if within * 4 >= all { "NOT INDEXED" } else { "INDEXED BY searches_at" };
        let sql = format!("SELECT query, answered, shown, at_ms FROM searches {scan} WHERE at_ms >= ?1");
        let mut statement = connection.prepare(&sql).map_err(fail)?;
        let mut rows = statement.query([since_ms]).map_err(fail)?;
        // Keyed by text and looked up by reference: a wording or list is copied once, when
        // first seen. Per wording: (answered, unanswered).
        let mut wordings: HashMap<String, (u64, u64)> = HashMap::new();
        let mut shown: HashMap<String, u64> = HashMap::new();
        let mut days: HashMap<i64, (u64, u64)> = HashMap::new();
        let text = |row: &rusqlite::Row<'_>, i: usize| -> Result<String, StoreError> {
            row.get_ref(i).map_err(fail)?.as_str().map(str::to_owned).map_err(|e| fail(e.into()))
        };
        while let Some(row) = rows.next().map_err(fail)? {
            let answered: bool = row.get(1).map_err(fail)?;
            let query = row.get_ref(0).map_err(fail)?.as_str().map_err(|e| fail(e.into()))?;
            let counts = match wordings.get_mut(query) {
                Some(counts) => counts,
                None => wordings.entry(text(row, 0)?).or_default(),
            };
            if answered {
                counts.0 += 1
            } else {
                counts.1 += 1
            }
            let list = row.get_ref(2).map_err(fail)?.as_str().map_err(|e| fail(e.into()))?;
            match shown.get_mut(list) {
                Some(count) => *count += 1,
                None => {
                    shown.insert(text(row, 2)?, 1);
                }
            }
            let at_ms: i64 = row.get(3).map_err(fail)?;
            let day = days.entry(at_ms.div_euclid(DAY_MS)).or_default();
            day.0 += 1;
            day.1 += u64::from(answered);
        }
        let mut days: Vec<(i64, u64, u64)> = days.into_iter().map(|(d, (n, a))| (d, n, a)).collect();
        days.sort_unstable();
        Ok(SearchAggregates {
            wordings: wordings
                .into_iter()
                .flat_map(|(q, (yes, no))| [(q.clone(), true, yes), (q, false, no)])
                .filter(|(_, _, n)| *n > 0)
                .collect(),
            shown: shown.into_iter().map(|(list, n)| (serde_json::from_str(&list).unwrap_or_default(), n)).collect(),
            days,
        })
    }

    /// Searches since `since_ms` by wording: (query, answered, how often).
    pub fn query_counts(&mut self, since_ms: i64) -> Result<Vec<(String, bool, u64)>, StoreError> {
        self.rows("SELECT query, answered, COUNT(*) FROM searches WHERE at_ms >= $1 GROUP BY query, answered", since_ms, |r| {
            Ok((r.text(0)?, r.flag(1)?, r.count(2)?))
        })
    }

    /// The lists of ids shown since `since_ms` (JSON arrays), with how often each was shown.
    pub fn shown_counts(&mut self, since_ms: i64) -> Result<Vec<(Vec<String>, u64)>, StoreError> {
        self.rows("SELECT shown, COUNT(*) FROM searches WHERE at_ms >= $1 GROUP BY shown", since_ms, |r| {
            Ok((serde_json::from_str(&r.text(0)?).unwrap_or_default(), r.count(1)?))
        })
    }

    /// Searches per day since `since_ms`: (day since the epoch, searches, answered).
    pub fn daily(&mut self, since_ms: i64) -> Result<Vec<(i64, u64, u64)>, StoreError> {
        let sql = format!(
            "SELECT at_ms / {DAY_MS}, COUNT(*), SUM(CASE WHEN answered THEN 1 ELSE 0 END) FROM searches \
             WHERE at_ms >= $1 GROUP BY at_ms / {DAY_MS} ORDER BY 1"
        );
        self.rows(&sql, since_ms, |r| Ok((r.int(0)?, r.count(1)?, r.count(2)?)))
    }

    /// Entries opened since `since_ms`, with how often.
    pub fn opens(&mut self, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError> {
        self.rows("SELECT entry, COUNT(*) FROM opens WHERE at_ms >= $1 GROUP BY entry", since_ms, |r| Ok((r.text(0)?, r.count(1)?)))
    }

    /// Feedback since `since_ms`: (entry, helpful, count).
    pub fn feedback(&mut self, since_ms: i64) -> Result<Vec<(String, bool, u64)>, StoreError> {
        self.rows("SELECT entry, helpful, COUNT(*) FROM feedback WHERE at_ms >= $1 GROUP BY entry, helpful", since_ms, |r| {
            Ok((r.text(0)?, r.flag(1)?, r.count(2)?))
        })
    }

    /// Runs `sql` (one parameter, `$1` = `since_ms`) and maps each row.
    fn rows<T>(&mut self, sql: &str, since_ms: i64, map: impl Fn(&dyn Row) -> Result<T, RowError>) -> Result<Vec<T>, StoreError> {
        let name = self.name.clone();
        match &mut self.backend {
            Backend::Sqlite(db) => {
                let fail = |source| StoreError::Sqlite { name: name.clone(), source };
                let mut statement = db.connection.prepare_cached(sql).map_err(fail)?;
                let mut rows = statement.query([since_ms]).map_err(fail)?;
                let mut out = Vec::new();
                while let Some(row) = rows.next().map_err(fail)? {
                    out.push(map(row).map_err(|e| match e {
                        RowError::Sqlite(source) => fail(source),
                        RowError::Postgres(_) => unreachable!("a SQLite row"),
                    })?);
                }
                Ok(out)
            }
            Backend::Postgres(pg) => {
                let fail = |source| StoreError::Postgres { name: name.clone(), source };
                let rows = pg.run(READ_TIMEOUT, pg.client.query(sql, &[&since_ms])).map_err(fail)?;
                rows.iter()
                    .map(|row| {
                        map(row).map_err(|e| match e {
                            RowError::Postgres(source) => fail(source.into()),
                            RowError::Sqlite(_) => unreachable!("a PostgreSQL row"),
                        })
                    })
                    .collect()
            }
        }
    }
}

pub(crate) fn shown_json(shown: &[String]) -> String {
    serde_json::to_string(shown).unwrap_or_else(|_| "[]".into())
}

/// A column error of either backend.
enum RowError {
    Sqlite(rusqlite::Error),
    Postgres(tokio_postgres::Error),
}

/// The columns the report reads, from a row of either backend.
trait Row {
    fn text(&self, i: usize) -> Result<String, RowError>;
    fn int(&self, i: usize) -> Result<i64, RowError>;
    fn flag(&self, i: usize) -> Result<bool, RowError>;
    fn maybe_int(&self, i: usize) -> Result<Option<i64>, RowError>;
    fn count(&self, i: usize) -> Result<u64, RowError> {
        Ok(self.int(i)?.max(0) as u64)
    }
}

impl Row for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<String, RowError> {
        self.get(i).map_err(RowError::Sqlite)
    }
    fn int(&self, i: usize) -> Result<i64, RowError> {
        self.get(i).map_err(RowError::Sqlite)
    }
    fn maybe_int(&self, i: usize) -> Result<Option<i64>, RowError> {
        self.get(i).map_err(RowError::Sqlite)
    }
    fn flag(&self, i: usize) -> Result<bool, RowError> {
        self.get(i).map_err(RowError::Sqlite)
    }
}

impl Row for tokio_postgres::Row {
    fn text(&self, i: usize) -> Result<String, RowError> {
        self.try_get(i).map_err(RowError::Postgres)
    }
    fn int(&self, i: usize) -> Result<i64, RowError> {
        self.try_get(i).map_err(RowError::Postgres)
    }
    fn maybe_int(&self, i: usize) -> Result<Option<i64>, RowError> {
        self.try_get(i).map_err(RowError::Postgres)
    }
    fn flag(&self, i: usize) -> Result<bool, RowError> {
        self.try_get(i).map_err(RowError::Postgres)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_memory_mapped_and_no_shared_memory_file_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let mut store = Store::open(&path).unwrap();
        store.write(&[Event::Open { at_ms: 1, id: "a".into(), rank: 1, query: "q".into() }]).unwrap();
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["a.sqlite"], "no -wal or -shm beside the file");
    }

    #[test]
    fn a_file_with_other_tables_or_junk_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, vec![0x5a; 10_000]).unwrap();
        assert!(Store::open(&junk).is_err());
        let other = dir.path().join("other.sqlite");
        rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE searches (x TEXT)").unwrap();
        let error = Store::open(&other).err().expect("other columns");
        assert!(error.to_string().contains("at_ms"), "{error}");
        assert!(Store::open(dir.path()).is_err(), "a folder");
    }

    #[test]
    fn a_deleted_file_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let store = Store::open(&path).unwrap();
        assert!(!store.replaced());
        std::fs::remove_file(&path).unwrap();
        assert!(store.replaced());
    }

    #[test]
    fn sizes_counts_and_the_oldest_day() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.sqlite")).unwrap();
        assert_eq!(store.oldest_day_ms().unwrap(), None);
        let open = |at_ms| Event::Open { at_ms, id: "a".into(), rank: 1, query: "q".into() };
        store.write(&[open(3 * DAY_MS + 5), open(5 * DAY_MS), open(5 * DAY_MS + 1)]).unwrap();
        assert_eq!(store.oldest_day_ms().unwrap(), Some(3 * DAY_MS));
        assert_eq!(store.count_since(5 * DAY_MS).unwrap(), 2);
        assert!(store.used_bytes().unwrap() > 0);
    }
}
