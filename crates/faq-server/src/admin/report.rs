//! The owner's report, computed once for everyone and kept for a while.
//!
//! A report reads every event of its period: at millions of distinct queries that takes
//! seconds. So it is computed on a thread of its own, one at a time per period, and kept
//! [`FRESH_FOR`]; a request waits at most [`WAIT`] for it, then gets the last report of that
//! period (saying how old it is) or a page that asks again shortly. Requests that come and go
//! never start more than one computation, and none runs on an async worker (the PostgreSQL
//! client runs its own runtime).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use faq_analytics::Report;
use faq_query::proposals::Proposal;

use crate::state::AppState;

/// How long a computed report is served without computing it again.
pub const FRESH_FOR: Duration = Duration::from_secs(30);
/// Longest a request waits for a report being computed.
pub const WAIT: Duration = Duration::from_millis(1500);

/// A computed report and its suggestions, or why it failed (for the log).
pub(crate) type Computed = Arc<Result<(Report, Vec<Proposal>), String>>;

#[derive(Default)]
struct Slot {
    computing: bool,
    done: Option<(Instant, Computed)>,
    notify: Arc<tokio::sync::Notify>,
}

/// What a request gets.
pub(crate) enum Outcome {
    /// The report, and how long ago it was computed.
    Ready(Computed, Duration),
    /// Not ready within [`WAIT`], and no earlier one.
    Computing,
}

#[derive(Default)]
pub(crate) struct Reports {
    slots: Mutex<HashMap<String, Slot>>,
}

impl Reports {
    /// The report of `since` (its text, e.g. `30d`; `since_ms` its start now).
    pub(crate) async fn get(self: &Arc<Self>, state: &AppState, since: &str, since_ms: i64) -> Outcome {
        let notify = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let slot = slots.entry(since.to_string()).or_default();
            if let Some((at, computed)) = &slot.done
                && at.elapsed() < FRESH_FOR
            {
                return Outcome::Ready(computed.clone(), at.elapsed());
            }
            if !slot.computing {
                slot.computing = true;
                self.start(state, since.to_string(), since_ms);
            }
            slot.notify.clone()
        };
        let _ = tokio::time::timeout(WAIT, notify.notified()).await;
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        match slots.get(since).and_then(|s| s.done.as_ref()) {
            Some((at, computed)) => Outcome::Ready(computed.clone(), at.elapsed()),
            None => Outcome::Computing,
        }
    }

    fn start(self: &Arc<Self>, state: &AppState, since: String, since_ms: i64) {
        let reports = self.clone();
        let location = state.analytics_location.clone();
        let engine = state.engine();
        let spawned = std::thread::Builder::new().name("faq-admin-report".into()).spawn(move || {
            let result = compute(location.as_deref(), &engine, since_ms);
            let mut slots = reports.slots.lock().unwrap_or_else(|e| e.into_inner());
            let slot = slots.entry(since).or_default();
            slot.computing = false;
            slot.done = Some((Instant::now(), Arc::new(result)));
            slot.notify.notify_waiters();
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "starting the owner's report");
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = slots.values_mut().find(|s| s.computing) {
                slot.computing = false;
            }
        }
    }
}

fn compute(
    location: Option<&faq_analytics::Location>,
    engine: &crate::state::Engine,
    since_ms: i64,
) -> Result<(Report, Vec<Proposal>), String> {
    let location = location.ok_or("analytics are off")?;
    let mut store = faq_analytics::Store::open_at(location).map_err(|e| e.to_string())?;
    let analyzer = engine.searcher.analyzer();
    let terms_of = |q: &str| faq_query::proposals::topic(analyzer, q, &faq_analytics::mask::PLACEHOLDERS);
    let report = Report::compute(&mut store, since_ms, &terms_of).map_err(|e| e.to_string())?;
    let groups = report.unanswered.iter().map(|g| (g.query.as_str(), g.count));
    let proposals = faq_query::proposals::propose(&engine.searcher, groups, faq_query::proposals::MIN_COUNT).map_err(|e| e.to_string())?;
    Ok((report, proposals))
}
