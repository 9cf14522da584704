//! The recorder against real SQLite files: nothing lost, nothing waited for, failures
//! shown and recovered from, the store's bounds kept.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::*;
use crate::event::now_ms;
use crate::period::DAY_MS;
use crate::store::Store;

fn search(i: usize) -> Event {
    Event::Search { at_ms: now_ms(), query: format!("q{i}"), answered: i.is_multiple_of(2), shown: vec![format!("e{i}")], latency_us: 100 }
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
