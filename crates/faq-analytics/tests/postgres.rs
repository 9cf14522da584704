//! The fleet path against a real PostgreSQL server: two replicas' recorders write to one
//! database, and its report is the same as the SQLite report of the same events.
//!
//! `FAQ_TEST_POSTGRES` names a server (`.ci/start-postgres` starts one and prints it); without
//! it the test says so and passes, except under CI, where the server is part of the run.

use faq_analytics::event::now_ms;
use faq_analytics::{Event, Recorder, Report, Store};

/// A fresh database on the test server, or `None` (with a message) when there is none.
fn fresh_database(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("FAQ_TEST_POSTGRES") else {
        assert!(std::env::var_os("CI").is_none(), "CI must start PostgreSQL (.ci/start-postgres) and set FAQ_TEST_POSTGRES");
        eprintln!("skipped: FAQ_TEST_POSTGRES is not set (eval \"$(.ci/start-postgres /tmp/pg)\" starts a server)");
        return None;
    };
    let database = format!("faq_{name}_{}", std::process::id());
    // CREATE DATABASE copies template1, which two creations at once may not share.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = CREATING.lock().unwrap_or_else(|e| e.into_inner());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("the test server answers");
    // Each its own statement: neither runs inside a transaction block.
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    Some(format!("{base}/{database}"))
}

fn events(replica: usize) -> Vec<Event> {
    let at_ms = now_ms();
    let search = |query: &str, answered: bool, shown: &[&str]| Event::Search {
        at_ms,
        query: query.into(),
        answered,
        shown: shown.iter().map(|s| s.to_string()).collect(),
        latency_us: 120,
    };
    vec![
        search("領収書", true, &["receipt", "invoice"]),
        search(if replica == 0 { "天気は" } else { "天気は？" }, false, &["shipping"]),
        Event::Open { at_ms, id: "receipt".into(), rank: 1, query: "領収書".into() },
        Event::Feedback { at_ms, id: "receipt".into(), helpful: replica == 0, query: "領収書".into() },
    ]
}

fn terms(query: &str) -> String {
    query.trim_end_matches(['？', 'は']).to_string()
}

#[test]
fn replicas_report_together_and_as_sqlite_would() {
    let Some(url) = fresh_database("fleet") else { return };
    // Two replicas behind a load balancer: each its own recorder on the same database.
    let replicas: Vec<Recorder> = (0..2).map(|_| Recorder::start(Store::open_location(&url).unwrap(), 180)).collect();
    for (i, replica) in replicas.iter().enumerate() {
        for _ in 0..500 {
            for event in events(i) {
                replica.record(event);
            }
        }
    }
    let counters: Vec<_> = replicas.iter().map(|r| r.counters.clone()).collect();
    drop(replicas);
    for c in &counters {
        assert_eq!(c.dropped.load(std::sync::atomic::Ordering::Relaxed), 0);
        assert_eq!(c.write_errors.load(std::sync::atomic::Ordering::Relaxed), 0);
    }
    let fleet = Report::compute(&mut Store::open_location(&url).unwrap(), 0, &terms).unwrap();
    assert_eq!(fleet.searches, 2_000);
    assert!((fleet.answered_rate - 0.5).abs() < 1e-9);
    assert_eq!(fleet.unanswered.len(), 1, "天気は and 天気は？ from two replicas are one group: {:?}", fleet.unanswered);
    assert_eq!(fleet.unanswered[0].count, 1_000);
    let receipt = fleet.entries.iter().find(|e| e.id == "receipt").unwrap();
    assert_eq!((receipt.shown, receipt.opened, receipt.helpful, receipt.not_helpful), (1_000, 1_000, 500, 500));

    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = Store::open(&dir.path().join("a.sqlite")).unwrap();
    for i in 0..2 {
        for _ in 0..500 {
            sqlite.write(&events(i)).unwrap();
        }
    }
    assert_eq!(Report::compute(&mut sqlite, 0, &terms).unwrap(), fleet, "the same events give the same report on both");
}

#[test]
fn retention_purges_on_postgres_too() {
    let Some(url) = fresh_database("purge") else { return };
    let mut store = Store::open_location(&url).unwrap();
    let old = Event::Search { at_ms: now_ms() - 200 * 86_400_000, query: "old".into(), answered: true, shown: vec![], latency_us: 1 };
    let mut batch = events(0);
    batch.push(old);
    store.write(&batch).unwrap();
    assert_eq!(store.purge(now_ms() - 180 * 86_400_000).unwrap(), 1);
    assert_eq!(Report::compute(&mut store, 0, &terms).unwrap().searches, 2);
}

#[test]
fn a_bad_url_is_a_clear_error_without_the_password() {
    let error = Store::open_location("postgres://faq:hunter2@127.0.0.1:1/faq").err().expect("nothing listens on port 1");
    let text = error.to_string();
    assert!(text.contains("postgres://faq:***@127.0.0.1:1/faq"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
