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
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::event::{Event, now_ms};
use crate::location::Location;
use crate::period::DAY_MS;
use crate::store::Store;

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
const SIZE_CHECK: Duration = Duration::from_secs(30);
/// How long a lost batch keeps the status `Failed` although later writes succeed.
pub const LOSS_SHOWN_FOR: Duration = Duration::from_secs(60);
/// Least time between two log lines about the same kind of trouble.
const LOG_EVERY: Duration = Duration::from_secs(60);

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

/// The writer thread's state.
struct Writer {
    location: Location,
    limits: Limits,
    receiver: Receiver<Event>,
    counters: Arc<Counters>,
    status: Arc<Mutex<Status>>,
    stop: Arc<AtomicBool>,
    closing: Arc<AtomicBool>,
    store: Option<Store>,
    /// The last failed write: while it is recent, a later good write still reports it.
    last_loss: Option<(Instant, String)>,
    /// (day since the epoch, events written that day).
    today: (i64, u64),
    last_log: Option<Instant>,
}

impl Writer {
    fn run(mut self) {
        let mut last_purge: Option<Instant> = None;
        let mut last_size: Option<Instant> = None;
        let mut retry = Duration::from_millis(250);
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            self.reopen_if_replaced();
            if self.store.is_none() {
                if !self.open() {
                    // Events wait in the queue meanwhile; a stop is noticed within 100 ms.
                    if self.closing.load(Ordering::Relaxed) || !self.pause(retry) {
                        return self.lose_queue(&mut batch);
                    }
                    retry = (retry * 2).min(MAX_RETRY);
                    continue;
                }
                retry = Duration::from_millis(250);
            }
            if last_purge.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
                self.purge();
                last_purge = Some(Instant::now());
            }
            if last_size.is_none_or(|t| t.elapsed() >= SIZE_CHECK) {
                self.keep_within_budget();
                last_size = Some(Instant::now());
            }
            if batch.is_empty() {
                if self.closing.load(Ordering::Relaxed) && self.counters.queued.load(Ordering::Relaxed) == 0 {
                    return;
                }
                match self.receiver.recv_timeout(Duration::from_millis(200)) {
                    Ok(event) => batch.push(event),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                self.counters.queued.fetch_sub(1, Ordering::Relaxed);
                // Let the queue fill before writing: under load a transaction then holds
                // thousands of events instead of one or two (a commit costs far more than a
                // row), and while the writer sleeps a search's send wakes no thread.
                if !self.closing.load(Ordering::Relaxed) {
                    std::thread::sleep(LINGER);
                }
            }
            self.fill(&mut batch);
            self.write(&mut batch);
        }
    }

    /// Takes what is queued into `batch`, up to [`BATCH`].
    fn fill(&self, batch: &mut Vec<Event>) {
        while batch.len() < BATCH {
            match self.receiver.try_recv() {
                Ok(event) => {
                    self.counters.queued.fetch_sub(1, Ordering::Relaxed);
                    batch.push(event);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            }
        }
    }

    /// A SQLite file deleted or replaced under the server is closed, to be created again.
    fn reopen_if_replaced(&mut self) {
        if self.store.as_ref().is_some_and(Store::replaced) {
            self.note_trouble("analytics: the file was deleted or replaced; creating it again");
            self.store = None;
            self.counters.reopened.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes `batch` within the day's cap, then empties it (a failed batch is lost).
    fn write(&mut self, batch: &mut Vec<Event>) {
        if batch.is_empty() {
            return;
        }
        self.reopen_if_replaced();
        if self.store.is_none() && !self.open() {
            // Kept for the next turn of the loop, which retries with a pause.
            return;
        }
        let day = now_ms().div_euclid(DAY_MS);
        if self.today.0 != day {
            let Some(store) = self.store.as_mut() else { return };
            self.today = (day, store.count_since(day * DAY_MS).unwrap_or(0));
        }
        let over_budget = self.counters.store_bytes.load(Ordering::Relaxed) > self.limits.max_bytes;
        let room = if over_budget { 0 } else { self.limits.max_events_per_day.saturating_sub(self.today.1) as usize };
        if batch.len() > room {
            let refused = batch.len() - room;
            batch.truncate(room);
            self.counters.refused.fetch_add(refused as u64, Ordering::Relaxed);
            self.note_trouble(&format!(
                "analytics: {refused} event(s) refused: {}",
                if over_budget { "the store is over its size budget" } else { "the day's cap is reached" }
            ));
        }
        if batch.is_empty() {
            return;
        }
        let Some(store) = self.store.as_mut() else { return };
        match store.write(batch) {
            Ok(()) => {
                self.counters.recorded.fetch_add(batch.len() as u64, Ordering::Relaxed);
                self.today.1 += batch.len() as u64;
                self.set_status(self.written_status());
            }
            Err(error) => {
                self.counters.write_errors.fetch_add(1, Ordering::Relaxed);
                self.counters.lost.fetch_add(batch.len() as u64, Ordering::Relaxed);
                let message = error.to_string();
                self.note_trouble(&format!("analytics: {} event(s) lost: {message}", batch.len()));
                self.last_loss = Some((Instant::now(), message.clone()));
                self.set_status(Status::Failed(message));
                self.store = None;
                self.counters.reopened.fetch_add(1, Ordering::Relaxed);
            }
        }
        batch.clear();
    }

    /// Tries to open the store; whether it is open.
    fn open(&mut self) -> bool {
        match Store::open_at(&self.location) {
            Ok(store) => {
                if self.status() != Status::Ok {
                    tracing::info!(store = store.name(), "analytics: recording");
                }
                self.store = Some(store);
                self.today = (-1, 0);
                self.set_status(self.written_status());
                true
            }
            Err(error) => {
                self.counters.open_failures.fetch_add(1, Ordering::Relaxed);
                let message = error.to_string();
                self.note_trouble(&format!("analytics off until the store can be opened (retrying): {message}"));
                self.set_status(Status::Failed(message));
                false
            }
        }
    }

    fn purge(&mut self) {
        let Some(store) = self.store.as_mut() else { return };
        let before = now_ms() - i64::from(self.limits.retention_days) * DAY_MS;
        if let Err(error) = store.purge(before) {
            self.counters.write_errors.fetch_add(1, Ordering::Relaxed);
            self.note_trouble(&format!("analytics: purging past the retention failed: {error}"));
        }
    }

    /// Deletes the oldest days (never today) while the store is over its size budget.
    fn keep_within_budget(&mut self) {
        let Some(store) = self.store.as_mut() else { return };
        let today = now_ms().div_euclid(DAY_MS) * DAY_MS;
        let mut dropped = 0;
        loop {
            let Ok(used) = store.used_bytes() else { return };
            self.counters.store_bytes.store(used, Ordering::Relaxed);
            if used <= self.limits.max_bytes {
                break;
            }
            match store.oldest_day_ms() {
                Ok(Some(oldest)) if oldest < today => {
                    if store.purge(oldest + DAY_MS).is_err() {
                        break;
                    }
                    dropped += 1;
                }
                _ => break,
            }
        }
        if dropped > 0 {
            self.counters.days_dropped.fetch_add(dropped, Ordering::Relaxed);
            tracing::warn!(
                days = dropped,
                max_bytes = self.limits.max_bytes,
                "analytics: the oldest days were deleted to stay within the size budget"
            );
        }
    }

    /// Sleeps `pause` in small steps; false when asked to stop or when the recorder is gone
    /// and nothing is left to write.
    fn pause(&self, pause: Duration) -> bool {
        let until = Instant::now() + pause;
        while Instant::now() < until {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    }

    /// At a stop with the store down: what is still queued is lost, and counted.
    fn lose_queue(&self, batch: &mut Vec<Event>) {
        let left = self.counters.queued.swap(0, Ordering::Relaxed) + batch.len() as u64;
        batch.clear();
        self.counters.lost.fetch_add(left, Ordering::Relaxed);
    }

    /// After a good write: `Ok`, unless events were lost in the last [`LOSS_SHOWN_FOR`] (a
    /// nearly full disk fails some writes and not others).
    fn written_status(&self) -> Status {
        match &self.last_loss {
            Some((at, why)) if at.elapsed() < LOSS_SHOWN_FOR => Status::Failed(why.clone()),
            _ => Status::Ok,
        }
    }

    fn status(&self) -> Status {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_status(&self, status: Status) {
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }

    /// Logs `message` unless trouble was logged less than [`LOG_EVERY`] ago.
    fn note_trouble(&mut self, message: &str) {
        if self.last_log.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
            tracing::warn!("{message}");
            self.last_log = Some(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(i: usize) -> Event {
        Event::Search {
            at_ms: now_ms(),
            query: format!("q{i}"),
            answered: i.is_multiple_of(2),
            shown: vec![format!("e{i}")],
            latency_us: 100,
        }
    }

    fn searches(store: &mut Store) -> u64 {
        store.query_counts(0).unwrap().iter().map(|(_, _, n)| n).sum()
    }

    fn file(path: &std::path::Path) -> Location {
        Location::file(path)
    }

    #[test]
    fn everything_queued_is_written_by_the_time_the_recorder_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let recorder = Recorder::start(file(&path), Limits::default());
        for i in 0..10_000 {
            recorder.record(search(i));
        }
        let counters = recorder.counters.clone();
        drop(recorder);
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 0);
        assert_eq!(counters.recorded.load(Ordering::Relaxed), 10_000);
        assert_eq!(searches(&mut Store::open(&path).unwrap()), 10_000);
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        // A second connection holds the write lock: the writer is stuck on its first batch.
        drop(Store::open(&path).unwrap());
        let blocker = rusqlite::Connection::open(&path).unwrap();
        blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let recorder = Recorder::with_queue(file(&path), Limits::default(), 8);
        let started = Instant::now();
        for i in 0..1_000 {
            recorder.record(search(i));
        }
        assert!(started.elapsed() < Duration::from_secs(1), "recording never waits on the disk");
        assert!(recorder.counters.dropped.load(Ordering::Relaxed) >= 900);
        blocker.execute_batch("ROLLBACK").unwrap();
    }

    #[test]
    fn a_store_that_cannot_be_opened_fails_openly_then_recovers_without_losing_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        std::fs::write(&path, vec![0x5a; 4096]).unwrap();
        let started = Instant::now();
        let recorder = Recorder::start(file(&path), Limits::default());
        assert!(started.elapsed() < Duration::from_millis(100), "starting never waits for the store");
        for i in 0..10 {
            recorder.record(search(i));
        }
        assert!(wait(|| matches!(recorder.status(), Status::Failed(_))), "{:?}", recorder.status());
        assert_eq!(recorder.counters.recorded.load(Ordering::Relaxed), 0);
        std::fs::remove_file(&path).unwrap();
        assert!(wait(|| recorder.counters.recorded.load(Ordering::Relaxed) == 10), "the queued events are written once it can");
        assert_eq!(recorder.status(), Status::Ok);
    }

    #[test]
    fn a_deleted_file_is_created_again_and_what_is_written_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let recorder = Recorder::start(file(&path), Limits::default());
        recorder.record(search(1));
        assert!(wait(|| recorder.counters.recorded.load(Ordering::Relaxed) == 1));
        std::fs::remove_file(&path).unwrap();
        recorder.record(search(2));
        assert!(wait(|| recorder.counters.recorded.load(Ordering::Relaxed) == 2));
        assert!(recorder.counters.reopened.load(Ordering::Relaxed) >= 1);
        drop(recorder);
        assert_eq!(searches(&mut Store::open(&path).unwrap()), 1, "the event after the deletion is in the new file");
    }

    #[test]
    fn the_days_cap_refuses_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let recorder = Recorder::start(file(&path), Limits { max_events_per_day: 5, ..Limits::default() });
        for i in 0..20 {
            recorder.record(search(i));
        }
        let counters = recorder.counters.clone();
        drop(recorder);
        assert_eq!(counters.recorded.load(Ordering::Relaxed), 5);
        assert_eq!(counters.refused.load(Ordering::Relaxed), 15);
        assert_eq!(searches(&mut Store::open(&path).unwrap()), 5);
    }

    #[test]
    fn over_the_size_budget_the_oldest_days_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let mut store = Store::open(&path).unwrap();
        let old = |days: i64, i: usize| Event::Search {
            at_ms: now_ms() - days * DAY_MS,
            query: format!("{i} {}", "x".repeat(200)),
            answered: true,
            shown: vec![],
            latency_us: 1,
        };
        let events: Vec<Event> = (0..2_000).map(|i| old(3, i)).chain((0..2_000).map(|i| old(2, i))).collect();
        store.write(&events).unwrap();
        let used = store.used_bytes().unwrap();
        drop(store);
        let recorder = Recorder::start(file(&path), Limits { max_bytes: used * 2 / 3, ..Limits::default() });
        assert!(wait(|| recorder.counters.days_dropped.load(Ordering::Relaxed) == 1));
        drop(recorder);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(searches(&mut store), 2_000, "only the oldest day went");
    }

    #[test]
    fn events_past_the_retention_are_purged() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.sqlite")).unwrap();
        let old = Event::Search { at_ms: now_ms() - 200 * 86_400_000, query: "old".into(), answered: true, shown: vec![], latency_us: 1 };
        store.write(&[old, search(1)]).unwrap();
        assert_eq!(store.purge(now_ms() - 180 * 86_400_000).unwrap(), 1);
        assert_eq!(searches(&mut store), 1);
    }

    fn wait(mut done: impl FnMut() -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}
