//! Recording off the request path, so that no fault of the analytics can reach search.
//!
//! A search hands its event to a bounded queue and goes on; a thread of the recorder's own
//! opens the store, writes what is queued in batches (one transaction each, after letting
//! events gather for [`LINGER`]), purges events past the retention once an hour, and keeps
//! the store within its [`Limits`]. Everything that can fail or hang happens on that thread:
//! - opening: a store that cannot be opened (junk, a folder, other columns, locked, a full
//!   disk, a PostgreSQL that does not answer) leaves the recorder [`Status::Failed`] and is
//!   tried again with a growing pause (up to [`MAX_RETRY`]), while events wait in the queue;
//! - writing: a failed batch is lost, counted and logged (at most once a minute), and the
//!   store is opened afresh; a SQLite file deleted or replaced under the server is noticed
//!   before the next batch and created again;
//! - stopping: dropping the recorder gives the thread [`SHUTDOWN_WAIT`] to write what is
//!   queued, then logs how many events it leaves and lets the process go.
//!
//! When the queue is full (a store slower than the traffic, or down), an event is dropped
//! and counted, never waited for. What a crash can lose: the events queued and not yet
//! written, at most [`LINGER`] plus one batch's write of them (RELIABILITY.md).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[cfg(test)]
mod tests;
mod writer;

use crate::event::Event;
use crate::location::Location;
use writer::Writer;

/// Events waiting to be written, at most.
pub const QUEUE: usize = 65_536;
/// Events written in one transaction, at most.
pub const BATCH: usize = 4_096;
/// How long the writer lets events gather after the first one arrives.
pub const LINGER: Duration = Duration::from_millis(200);
/// Default retention: events older than this are deleted.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;
/// Longest pause between two attempts to open the store.
pub const MAX_RETRY: Duration = Duration::from_secs(30);
/// How long stopping waits for the queue to be written.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);
/// How often the store's size is checked against [`Limits::max_bytes`].
pub(crate) const SIZE_CHECK: Duration = Duration::from_secs(30);
/// How long a lost batch keeps the status `Failed` although later writes succeed.
pub const LOSS_SHOWN_FOR: Duration = Duration::from_secs(60);
/// Least time between two log lines about the same kind of trouble.
pub(crate) const LOG_EVERY: Duration = Duration::from_secs(60);

/// What the store may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Events older than this many days are deleted.
    pub retention_days: u32,
    /// Events written per UTC day, at most; past it they are refused until midnight.
    pub max_events_per_day: u64,
    /// Bytes the store may take; past it the oldest days are deleted (today's never are:
    /// with only today left, new events are refused until midnight).
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { retention_days: DEFAULT_RETENTION_DAYS, max_events_per_day: 200_000, max_bytes: 1 << 30 }
    }
}

/// What the recorder has done, for `/metrics`. `recorded` counts only events written.
#[derive(Debug, Default)]
pub struct Counters {
    /// Written to the store (committed).
    pub recorded: AtomicU64,
    /// Dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Queued but not written: a failed write, or still queued when the process stopped.
    pub lost: AtomicU64,
    /// Refused by the store's limits (the day's cap, or the size budget with only today left).
    pub refused: AtomicU64,
    /// Failed writes of a batch, and failed purges.
    pub write_errors: AtomicU64,
    /// Failed attempts to open the store (each is retried).
    pub open_failures: AtomicU64,
    /// Times the store was opened afresh after a failure, or because its file was replaced.
    pub reopened: AtomicU64,
    /// Days deleted to keep the store within its size budget.
    pub days_dropped: AtomicU64,
    /// The store's size when last checked, in bytes.
    pub store_bytes: AtomicU64,
    /// Events queued and not yet taken by the writer.
    pub queued: AtomicU64,
}

/// Whether the recorder can write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The store is being opened for the first time.
    Starting,
    Ok,
    /// The last attempt to open the store failed, or a write failed in the last
    /// [`LOSS_SHOWN_FOR`] (why, without a password); retrying.
    Failed(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Starting => f.write_str("starting"),
            Status::Ok => f.write_str("ok"),
            Status::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// The handle searches record through. [`Recorder::close`] (or dropping it) writes what is
/// queued, for at most [`SHUTDOWN_WAIT`], and stops the writer.
pub struct Recorder {
    sender: SyncSender<Event>,
    /// Closed (or sent on) when the writer ends. In a mutex so the recorder is `Sync`.
    finished: Mutex<Receiver<()>>,
    /// Set by [`Recorder::close`]: the writer writes what is queued and ends.
    closing: Arc<AtomicBool>,
    /// Set when closing took too long: the writer ends at once.
    stop: Arc<AtomicBool>,
    pub counters: Arc<Counters>,
    status: Arc<Mutex<Status>>,
    name: String,
}

impl Recorder {
    /// Starts the writer over `location`; returns at once, whatever state the store is in.
    pub fn start(location: Location, limits: Limits) -> Recorder {
        Recorder::with_queue(location, limits, QUEUE)
    }

    /// [`Recorder::start`] with a queue of `capacity` events.
    pub fn with_queue(location: Location, limits: Limits, capacity: usize) -> Recorder {
        let (sender, receiver) = sync_channel(capacity.max(1));
        let (done, finished) = sync_channel(1);
        let writer = Writer {
            location: location.clone(),
            limits,
            receiver,
            counters: Arc::new(Counters::default()),
            status: Arc::new(Mutex::new(Status::Starting)),
            stop: Arc::new(AtomicBool::new(false)),
            closing: Arc::new(AtomicBool::new(false)),
            store: None,
            last_loss: None,
            today: (-1, 0),
            last_log: None,
        };
        let (counters, status, stop, closing) =
            (writer.counters.clone(), writer.status.clone(), writer.stop.clone(), writer.closing.clone());
        let spawned = std::thread::Builder::new().name("faq-analytics".into()).spawn(move || {
            writer.run();
            let _ = done.send(());
        });
        if let Err(error) = spawned {
            *status.lock().unwrap_or_else(|e| e.into_inner()) = Status::Failed(format!("starting the writer: {error}"));
        }
        Recorder { sender, finished: Mutex::new(finished), closing, stop, counters, status, name: location.name() }
    }

    /// Queues `event` for writing; drops (and counts) it when the queue is full.
    pub fn record(&self, event: Event) {
        if self.closing.load(Ordering::Relaxed) {
            self.counters.lost.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Counted before it is sent: the writer may take it before `try_send` returns.
        self.counters.queued.fetch_add(1, Ordering::Relaxed);
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = self.sender.try_send(event) {
            self.counters.queued.fetch_sub(1, Ordering::Relaxed);
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether the store is open and writing.
    pub fn status(&self) -> Status {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The store's name as it may be printed.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Recorder {
    /// Writes what is queued (for at most [`SHUTDOWN_WAIT`]) and stops the writer; events
    /// recorded after this are lost and counted. A writer stuck on a database that does not
    /// answer is left behind: the process ends without it, saying how many events it drops.
    pub fn close(&self) {
        if self.closing.swap(true, Ordering::Relaxed) {
            return;
        }
        let finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(SHUTDOWN_WAIT) {
            self.stop.store(true, Ordering::Relaxed);
            let left = self.counters.queued.load(Ordering::Relaxed);
            self.counters.lost.fetch_add(left, Ordering::Relaxed);
            tracing::warn!(events = left, store = %self.name, "analytics: stopping without writing the events still queued");
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}
