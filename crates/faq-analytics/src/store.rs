//! Where events are kept: an embedded SQLite file (the default; WAL mode, so `faq report`
//! reads while `faq serve` writes) or, for a fleet of replicas behind a load balancer, one
//! PostgreSQL database they all write to (a `postgres://` URL). Both have the same three
//! tables; events are written in batches inside one transaction (PostgreSQL: one binary
//! `COPY` per table), and the report's aggregations are the same SQL on both.

use std::collections::HashMap;
use std::path::Path;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use rusqlite::Connection;

use crate::event::Event;

/// Errors of the analytics store; each names the database (a URL without its password).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("analytics database {name}: {source}")]
    Sqlite { name: String, source: rusqlite::Error },
    #[error("analytics database {name}: {source}")]
    Postgres { name: String, source: postgres::Error },
}

/// An open analytics database.
pub struct Store {
    backend: Backend,
    name: String,
}

enum Backend {
    Sqlite(Connection),
    /// Boxed: a PostgreSQL client is far larger than a SQLite connection.
    Postgres { client: Box<postgres::Client>, url: String },
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

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_postgres(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// `location` as it may be printed: a URL's password replaced by `***`.
pub fn display_name(location: &str) -> String {
    if !is_postgres(location) {
        return location.to_string();
    }
    let (scheme, rest) = location.split_once("://").unwrap_or(("", location));
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    match authority.rsplit_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}/{tail}")
        }
        _ => location.to_string(),
    }
}

impl Store {
    /// Opens `location`: a `postgres://` URL, or a SQLite file (created with its folder).
    pub fn open_location(location: &str) -> Result<Store, StoreError> {
        if is_postgres(location) { Store::open_postgres(location) } else { Store::open(Path::new(location)) }
    }

    /// Opens (creating it and its folder if needed) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let fail = |source| StoreError::Sqlite { name: name.clone(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        let connection = Connection::open(path).map_err(fail)?;
        connection.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
        connection.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
        connection.pragma_update(None, "synchronous", "NORMAL").map_err(fail)?;
        connection.execute_batch(&schema("INTEGER", "INTEGER")).map_err(fail)?;
        Ok(Store { backend: Backend::Sqlite(connection), name })
    }

    /// Connects to the PostgreSQL database at `url` and creates the tables if needed.
    /// Not from inside an async runtime: the client runs its own.
    pub fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let name = display_name(url);
        let mut client = connect(url).map_err(|source| StoreError::Postgres { name: name.clone(), source })?;
        client.batch_execute(&schema("BIGINT", "BOOLEAN")).map_err(|source| StoreError::Postgres { name: name.clone(), source })?;
        Ok(Store { backend: Backend::Postgres { client: Box::new(client), url: url.to_string() }, name })
    }

    /// The database's name as it may be printed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes `events` in one transaction.
    pub fn write(&mut self, events: &[Event]) -> Result<(), StoreError> {
        let name = self.name.clone();
        match &mut self.backend {
            Backend::Sqlite(connection) => write_sqlite(connection, events).map_err(|source| StoreError::Sqlite { name, source }),
            Backend::Postgres { client, url } => {
                // A replica outlives a database restart: a closed connection is reopened.
                if client.is_closed() {
                    **client = connect(url).map_err(|source| StoreError::Postgres { name: name.clone(), source })?;
                }
                write_postgres(client, events).map_err(|source| StoreError::Postgres { name, source })
            }
        }
    }

    /// Deletes events older than `before_ms`; how many.
    pub fn purge(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for table in ["searches", "opens", "feedback"] {
            let sql = format!("DELETE FROM {table} WHERE at_ms < $1");
            removed += match &mut self.backend {
                Backend::Sqlite(c) => c.execute(&sql, [before_ms]).map_err(|source| StoreError::Sqlite { name: self.name.clone(), source })?,
                Backend::Postgres { client, .. } => {
                    client.execute(&sql, &[&before_ms]).map_err(|source| StoreError::Postgres { name: self.name.clone(), source })? as usize
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
        let Backend::Sqlite(connection) = &mut self.backend else {
            return Ok(SearchAggregates {
                wordings: self.query_counts(since_ms)?,
                shown: self.shown_counts(since_ms)?,
                days: self.daily(since_ms)?,
            });
        };
        let fail = |source| StoreError::Sqlite { name: self.name.clone(), source };
        let (within, all): (i64, i64) = connection
            .query_row("SELECT (SELECT COUNT(*) FROM searches WHERE at_ms >= ?1), (SELECT COALESCE(MAX(rowid), 0) FROM searches)", [since_ms], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
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
            if answered { counts.0 += 1 } else { counts.1 += 1 }
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
        self.rows(
            "SELECT query, answered, COUNT(*) FROM searches WHERE at_ms >= $1 GROUP BY query, answered",
            since_ms,
            |r| Ok((r.text(0)?, r.flag(1)?, r.count(2)?)),
        )
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
            Backend::Sqlite(connection) => {
                let fail = |source| StoreError::Sqlite { name: name.clone(), source };
                let mut statement = connection.prepare_cached(sql).map_err(fail)?;
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
            Backend::Postgres { client, .. } => {
                let fail = |source| StoreError::Postgres { name: name.clone(), source };
                let rows = client.query(sql, &[&since_ms]).map_err(fail)?;
                rows.iter()
                    .map(|row| {
                        map(row).map_err(|e| match e {
                            RowError::Postgres(source) => fail(source),
                            RowError::Sqlite(_) => unreachable!("a PostgreSQL row"),
                        })
                    })
                    .collect()
            }
        }
    }
}

fn connect(url: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(url, postgres::NoTls)
}

fn write_sqlite(connection: &mut Connection, events: &[Event]) -> Result<(), rusqlite::Error> {
    let tx = connection.transaction()?;
    {
        let mut search = tx.prepare_cached("INSERT INTO searches VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut open = tx.prepare_cached("INSERT INTO opens VALUES (?1, ?2, ?3, ?4)")?;
        let mut feedback = tx.prepare_cached("INSERT INTO feedback VALUES (?1, ?2, ?3, ?4)")?;
        for event in events {
            match event {
                Event::Search { at_ms, query, answered, shown, latency_us } => {
                    search.execute(rusqlite::params![at_ms, query, answered, shown_json(shown), latency_us])?;
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

/// One binary `COPY` per table, in one transaction: a batch is a few round trips.
fn write_postgres(client: &mut postgres::Client, events: &[Event]) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    let searches: Vec<_> = events.iter().filter(|e| matches!(e, Event::Search { .. })).collect();
    if !searches.is_empty() {
        let types = [Type::INT8, Type::TEXT, Type::BOOL, Type::TEXT, Type::INT4];
        let mut writer = BinaryCopyInWriter::new(tx.copy_in("COPY searches FROM STDIN BINARY")?, &types);
        for event in searches {
            if let Event::Search { at_ms, query, answered, shown, latency_us } = event {
                let latency = i32::try_from(*latency_us).unwrap_or(i32::MAX);
                let row: [&(dyn ToSql + Sync); 5] = [at_ms, query, answered, &shown_json(shown), &latency];
                writer.write(&row)?;
            }
        }
        writer.finish()?;
    }
    let opens: Vec<_> = events.iter().filter(|e| matches!(e, Event::Open { .. })).collect();
    if !opens.is_empty() {
        let mut writer =
            BinaryCopyInWriter::new(tx.copy_in("COPY opens FROM STDIN BINARY")?, &[Type::INT8, Type::TEXT, Type::INT4, Type::TEXT]);
        for event in opens {
            if let Event::Open { at_ms, id, rank, query } = event {
                let rank = i32::try_from(*rank).unwrap_or(i32::MAX);
                writer.write(&[at_ms, id, &rank, query])?;
            }
        }
        writer.finish()?;
    }
    let feedback: Vec<_> = events.iter().filter(|e| matches!(e, Event::Feedback { .. })).collect();
    if !feedback.is_empty() {
        let mut writer =
            BinaryCopyInWriter::new(tx.copy_in("COPY feedback FROM STDIN BINARY")?, &[Type::INT8, Type::TEXT, Type::BOOL, Type::TEXT]);
        for event in feedback {
            if let Event::Feedback { at_ms, id, helpful, query } = event {
                writer.write(&[at_ms, id, helpful, query])?;
            }
        }
        writer.finish()?;
    }
    tx.commit()
}

fn shown_json(shown: &[String]) -> String {
    serde_json::to_string(shown).unwrap_or_else(|_| "[]".into())
}

/// A column error of either backend.
enum RowError {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
}

/// The columns the report reads, from a row of either backend.
trait Row {
    fn text(&self, i: usize) -> Result<String, RowError>;
    fn int(&self, i: usize) -> Result<i64, RowError>;
    fn flag(&self, i: usize) -> Result<bool, RowError>;
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
    fn flag(&self, i: usize) -> Result<bool, RowError> {
        self.get(i).map_err(RowError::Sqlite)
    }
}

impl Row for postgres::Row {
    fn text(&self, i: usize) -> Result<String, RowError> {
        self.try_get(i).map_err(RowError::Postgres)
    }
    fn int(&self, i: usize) -> Result<i64, RowError> {
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
    fn a_password_is_never_printed() {
        assert_eq!(display_name("postgres://faq:secret@db:5432/faq"), "postgres://faq:***@db:5432/faq");
        assert_eq!(display_name("postgres://faq@db/faq"), "postgres://faq@db/faq");
        assert_eq!(display_name("/var/lib/faq/a.sqlite"), "/var/lib/faq/a.sqlite");
    }
}
