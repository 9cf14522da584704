//! Recording off the request path: a search hands its event to a bounded queue and goes on;
//! a background thread writes what is queued in batches (one transaction each; it lets
//! events gather for [`LINGER`] first, so a batch is large under load), and purges
//! events past the retention once an hour. When the queue is full (a disk slower than the
//! traffic), the event is dropped and counted, never waited for.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::event::{Event, now_ms};
use crate::store::Store;

/// Events waiting to be written, at most.
pub const QUEUE: usize = 65_536;
/// Events written in one transaction, at most.
pub const BATCH: usize = 4_096;
/// How long the writer lets events gather after the first one arrives.
pub const LINGER: Duration = Duration::from_millis(200);
/// Default retention: events older than this are deleted.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// What the recorder has done, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    pub recorded: AtomicU64,
    pub dropped: AtomicU64,
    pub write_errors: AtomicU64,
}

/// The handle searches record through. Dropping it flushes the queue and stops the writer.
pub struct Recorder {
    sender: Option<SyncSender<Event>>,
    writer: Option<JoinHandle<()>>,
    pub counters: Arc<Counters>,
}

impl Recorder {
    /// Starts the writer over `store`, keeping `retention_days` of events.
    pub fn start(store: Store, retention_days: u32) -> Recorder {
        Recorder::with_queue(store, retention_days, QUEUE)
    }

    /// [`Recorder::start`] with a queue of `capacity` events.
    pub fn with_queue(store: Store, retention_days: u32, capacity: usize) -> Recorder {
        let (sender, receiver) = sync_channel(capacity.max(1));
        let counters = Arc::new(Counters::default());
        let written = counters.clone();
        let writer = std::thread::Builder::new()
            .name("faq-analytics".into())
            .spawn(move || write_loop(store, receiver, retention_days, &written))
            .ok();
        Recorder { sender: Some(sender), writer, counters }
    }

    /// Queues `event` for writing; drops (and counts) it when the queue is full.
    pub fn record(&self, event: Event) {
        let Some(sender) = &self.sender else { return };
        match sender.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn write_loop(mut store: Store, receiver: Receiver<Event>, retention_days: u32, counters: &Counters) {
    let retention_ms = i64::from(retention_days) * 86_400_000;
    let mut last_purge = Instant::now() - Duration::from_secs(3600);
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        if last_purge.elapsed() >= Duration::from_secs(3600) {
            if store.purge(now_ms() - retention_ms).is_err() {
                counters.write_errors.fetch_add(1, Ordering::Relaxed);
            }
            last_purge = Instant::now();
        }
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(event) => batch.push(event),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Let the queue fill before writing: under load a transaction then holds thousands
        // of events instead of the one or two that arrived since the last wake-up (a commit
        // costs far more than a row), and while the writer sleeps a search's send wakes no
        // thread.
        std::thread::sleep(LINGER);
        let mut open = true;
        while open {
            while batch.len() < BATCH {
                match receiver.try_recv() {
                    Ok(event) => batch.push(event),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            if batch.is_empty() {
                break;
            }
            match store.write(&batch) {
                Ok(()) => {
                    counters.recorded.fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
                Err(_) => {
                    counters.write_errors.fetch_add(1, Ordering::Relaxed);
                    counters.dropped.fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
            }
            let full = batch.len() == BATCH;
            batch.clear();
            if !full {
                break;
            }
        }
        if !open {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(i: usize) -> Event {
        Event::Search { at_ms: now_ms(), query: format!("q{i}"), answered: i.is_multiple_of(2), shown: vec![format!("e{i}")], latency_us: 100 }
    }

    fn searches(store: &mut Store) -> u64 {
        store.query_counts(0).unwrap().iter().map(|(_, _, n)| n).sum()
    }

    #[test]
    fn everything_queued_is_written_by_the_time_the_recorder_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let recorder = Recorder::start(Store::open(&path).unwrap(), 180);
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
        let blocker = rusqlite::Connection::open(&path).unwrap();
        drop(Store::open(&path).unwrap());
        blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let recorder = Recorder::with_queue(Store::open(&path).unwrap_or_else(|_| panic!("open")), 180, 8);
        let started = Instant::now();
        for i in 0..1_000 {
            recorder.record(search(i));
        }
        assert!(started.elapsed() < Duration::from_secs(1), "recording never waits on the disk");
        assert!(recorder.counters.dropped.load(Ordering::Relaxed) >= 900);
        blocker.execute_batch("ROLLBACK").unwrap();
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
}
