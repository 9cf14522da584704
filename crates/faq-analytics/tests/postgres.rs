//! The fleet path against a real PostgreSQL server: two replicas' recorders write to one
//! database, and its report is the same as the SQLite report of the same events.
//!
//! `FAQ_TEST_POSTGRES` names a server (`.ci/start-postgres` starts one and prints it); without
//! it the test says so and passes, except under CI, where the server is part of the run.

use faq_analytics::event::now_ms;
use std::time::{Duration, Instant};

use faq_analytics::recorder::{Limits, Status};
use faq_analytics::{Event, Location, Recorder, Report, Store};

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
    let replicas: Vec<Recorder> = (0..2).map(|_| Recorder::start(Location::parse(&url).unwrap(), Limits::default())).collect();
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
        assert_eq!(c.lost.load(std::sync::atomic::Ordering::Relaxed), 0);
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
    for url in ["postgres://faq:hunter2@127.0.0.1:1/faq", "host=127.0.0.1 port=1 user=faq password=hunter2 dbname=faq"] {
        let error = Store::open_location(url).err().expect("nothing listens on port 1");
        let text = error.to_string();
        assert!(text.contains("postgres://faq@127.0.0.1:1/faq"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

/// A server that accepts connections and never says a word.
fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, format!("host=127.0.0.1 port={port} user=faq password=hunter2 dbname=faq connect_timeout=1"))
}

#[test]
fn a_server_that_never_answers_costs_a_bounded_time_and_never_the_caller() {
    let (_listener, url) = silent_server();
    let started = Instant::now();
    let error = Store::open_location(&url).err().expect("no answer");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert!(!error.to_string().contains("hunter2"), "{error}");

    let started = Instant::now();
    let recorder = Recorder::start(Location::parse(&url).unwrap(), Limits::default());
    recorder.record(events(0).remove(0));
    assert!(started.elapsed() < Duration::from_millis(200), "starting and recording never wait");
    let until = Instant::now() + Duration::from_secs(10);
    while !matches!(recorder.status(), Status::Failed(_)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(matches!(recorder.status(), Status::Failed(ref why) if !why.contains("hunter2")), "{}", recorder.status());
    let stopping = Instant::now();
    drop(recorder);
    assert!(stopping.elapsed() < Duration::from_secs(5), "stopping waits a bounded time: {:?}", stopping.elapsed());
}

#[test]
fn a_replica_writes_through_a_key_value_connection_string() {
    let Some(url) = fresh_database("keyvalue") else { return };
    let config: tokio_postgres_config::Parts = tokio_postgres_config::parts(&url);
    let text = format!("host={} port={} user={} dbname={}", config.host, config.port, config.user, config.dbname);
    let recorder = Recorder::start(Location::parse(&text).unwrap(), Limits::default());
    for event in events(0) {
        recorder.record(event);
    }
    let counters = recorder.counters.clone();
    drop(recorder);
    assert_eq!(counters.recorded.load(std::sync::atomic::Ordering::Relaxed), 4);
    assert_eq!(Report::compute(&mut Store::open_location(&text).unwrap(), 0, &terms).unwrap().searches, 2);
}

/// The parts of the test server's URL (`postgres://user@host:port/db`).
mod tokio_postgres_config {
    pub struct Parts {
        pub host: String,
        pub port: String,
        pub user: String,
        pub dbname: String,
    }

    pub fn parts(url: &str) -> Parts {
        let rest = url.split_once("://").unwrap().1;
        let (authority, dbname) = rest.split_once('/').unwrap();
        let (user, host_port) = authority.split_once('@').unwrap();
        let (host, port) = host_port.split_once(':').unwrap();
        Parts { host: host.into(), port: port.into(), user: user.into(), dbname: dbname.into() }
    }
}
