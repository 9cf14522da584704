//! The recorder's thread: it opens the store (and opens it again after a failure or when
//! its file was replaced), writes batches within the day's cap, purges past the retention,
//! keeps the store within its size budget, and ends when the recorder closes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{BATCH, Counters, LINGER, LOG_EVERY, LOSS_SHOWN_FOR, Limits, MAX_RETRY, SIZE_CHECK, Status};
use crate::event::{Event, now_ms};
use crate::location::Location;
use crate::period::DAY_MS;
use crate::store::Store;

/// The writer thread's state.
pub(super) struct Writer {
    pub(super) location: Location,
    pub(super) limits: Limits,
    pub(super) receiver: Receiver<Event>,
    pub(super) counters: Arc<Counters>,
    pub(super) status: Arc<Mutex<Status>>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) closing: Arc<AtomicBool>,
    pub(super) store: Option<Store>,
    /// The last failed write: while it is recent, a later good write still reports it.
    pub(super) last_loss: Option<(Instant, String)>,
    /// (day since the epoch, events written that day).
    pub(super) today: (i64, u64),
    pub(super) last_log: Option<Instant>,
}

impl Writer {
    pub(super) fn run(mut self) {
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
