//! The PostgreSQL backend, for a fleet of replicas writing to one database.
//!
//! Through tokio-postgres on a runtime of the store's own (one thread: the caller's), so
//! that every exchange has a deadline: connecting ([`crate::location::CONNECT_TIMEOUT`], the
//! TCP connection and the start-up exchange), each write ([`WRITE_TIMEOUT`]) and each read
//! of the report ([`READ_TIMEOUT`]). A server that accepts connections and never answers
//! costs the writer thread that much, never the search service. The server is also asked
//! to stop statements after the same time (`statement_timeout`).

use std::future::Future;
use std::time::Duration;

use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::event::Event;
use crate::location::CONNECT_TIMEOUT;

/// Longest a batch of events may take to write.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest one of the report's reads may take.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A failure of the PostgreSQL backend.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("{0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    #[error("starting the client: {0}")]
    Runtime(std::io::Error),
}

pub(crate) struct Pg {
    runtime: tokio::runtime::Runtime,
    pub(crate) client: tokio_postgres::Client,
    config: tokio_postgres::Config,
}

impl Pg {
    /// Connects and creates the tables if needed.
    pub(crate) fn open(config: &tokio_postgres::Config, schema: &str) -> Result<Pg, PgError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(PgError::Runtime)?;
        let client = connect(&runtime, config)?;
        let pg = Pg { runtime, client, config: config.clone() };
        pg.run(WRITE_TIMEOUT, pg.client.batch_execute(schema))?;
        Ok(pg)
    }

    /// Runs `work` on the store's runtime, for at most `limit`.
    pub(crate) fn run<T>(&self, limit: Duration, work: impl Future<Output = Result<T, tokio_postgres::Error>>) -> Result<T, PgError> {
        match self.runtime.block_on(async { tokio::time::timeout(limit, work).await }) {
            Ok(result) => result.map_err(PgError::from),
            Err(_) => Err(PgError::TimedOut(limit)),
        }
    }

    /// Writes `events` in one transaction, one binary `COPY` per table; a closed connection
    /// (the database restarted) is opened again first.
    pub(crate) fn write(&mut self, events: &[Event]) -> Result<(), PgError> {
        if self.client.is_closed() {
            self.client = connect(&self.runtime, &self.config)?;
        }
        let Pg { runtime, client, .. } = self;
        match runtime.block_on(async { tokio::time::timeout(WRITE_TIMEOUT, write(client, events)).await }) {
            Ok(result) => result.map_err(PgError::from),
            Err(_) => Err(PgError::TimedOut(WRITE_TIMEOUT)),
        }
    }
}

fn connect(runtime: &tokio::runtime::Runtime, config: &tokio_postgres::Config) -> Result<tokio_postgres::Client, PgError> {
    let limit = config.get_connect_timeout().copied().unwrap_or(CONNECT_TIMEOUT);
    let (client, connection) = match runtime.block_on(async { tokio::time::timeout(limit, config.connect(tokio_postgres::NoTls)).await }) {
        Ok(connected) => connected?,
        Err(_) => return Err(PgError::TimedOut(limit)),
    };
    runtime.spawn(connection);
    let set = format!("SET statement_timeout = {}", READ_TIMEOUT.as_millis());
    match runtime.block_on(async { tokio::time::timeout(WRITE_TIMEOUT, client.batch_execute(&set)).await }) {
        Ok(done) => done?,
        Err(_) => return Err(PgError::TimedOut(WRITE_TIMEOUT)),
    }
    Ok(client)
}

async fn copy<'a>(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
    types: &[Type],
    rows: impl Iterator<Item = Vec<Box<dyn ToSql + Sync + Send + 'a>>>,
) -> Result<(), tokio_postgres::Error> {
    let mut rows = rows.peekable();
    if rows.peek().is_none() {
        return Ok(());
    }
    let sink = tx.copy_in(&format!("COPY {table} FROM STDIN BINARY")).await?;
    let writer = std::pin::pin!(BinaryCopyInWriter::new(sink, types));
    let mut writer = writer;
    for row in rows {
        let values: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| &**v as &(dyn ToSql + Sync)).collect();
        writer.as_mut().write(&values).await?;
    }
    writer.as_mut().finish().await?;
    Ok(())
}

async fn write(client: &mut tokio_postgres::Client, events: &[Event]) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let searches = events.iter().filter_map(|e| match e {
        Event::Search { at_ms, query, answered, shown, latency_us } => Some(vec![
            Box::new(*at_ms) as Box<dyn ToSql + Sync + Send>,
            Box::new(query.as_str()),
            Box::new(*answered),
            Box::new(super::shown_json(shown)),
            Box::new(i32::try_from(*latency_us).unwrap_or(i32::MAX)),
        ]),
        _ => None,
    });
    copy(&tx, "searches", &[Type::INT8, Type::TEXT, Type::BOOL, Type::TEXT, Type::INT4], searches).await?;
    let opens = events.iter().filter_map(|e| match e {
        Event::Open { at_ms, id, rank, query } => Some(vec![
            Box::new(*at_ms) as Box<dyn ToSql + Sync + Send>,
            Box::new(id.as_str()),
            Box::new(i32::try_from(*rank).unwrap_or(i32::MAX)),
            Box::new(query.as_str()),
        ]),
        _ => None,
    });
    copy(&tx, "opens", &[Type::INT8, Type::TEXT, Type::INT4, Type::TEXT], opens).await?;
    let feedback = events.iter().filter_map(|e| match e {
        Event::Feedback { at_ms, id, helpful, query } => Some(vec![
            Box::new(*at_ms) as Box<dyn ToSql + Sync + Send>,
            Box::new(id.as_str()),
            Box::new(*helpful),
            Box::new(query.as_str()),
        ]),
        _ => None,
    });
    copy(&tx, "feedback", &[Type::INT8, Type::TEXT, Type::BOOL, Type::TEXT], feedback).await?;
    tx.commit().await
}
