//! Prometheus metrics: requests by route and status, latency histogram, zero-hit and
//! unanswered searches,
//! index size and reloads; exposed as text at `/metrics`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

use crate::state::AppState;

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub zero_hits: IntCounter,
    pub unanswered: IntCounter,
    pub entries: IntGauge,
    pub reloads: IntCounterVec,
    /// Log lines dropped because stderr was not read fast enough (logging never blocks).
    pub log_lines_dropped: IntGauge,
    /// The analytics recorder's counters, read when `/metrics` is rendered.
    pub analytics_recorded: IntGauge,
    pub analytics_dropped: IntGauge,
    pub analytics_write_errors: IntGauge,
    pub analytics_lost: IntGauge,
    /// By reason: `rate` (a client over its bucket), `limits` (the day's cap or the size budget).
    pub analytics_refused: prometheus::IntGaugeVec,
    pub analytics_up: IntGauge,
    pub analytics_open_failures: IntGauge,
    pub analytics_store_bytes: IntGauge,
    pub analytics_days_dropped: IntGauge,
    pub analytics_queued: IntGauge,
    pub analytics_reopened: IntGauge,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(Opts::new("faq_http_requests_total", "HTTP requests by route and status"), &["route", "status"])
            .expect("static metric definition");
        let buckets = vec![0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];
        let latency = HistogramVec::new(
            HistogramOpts::new("faq_http_request_duration_seconds", "HTTP request latency by route").buckets(buckets),
            &["route"],
        )
        .expect("static metric definition");
        let zero_hits = IntCounter::new("faq_search_zero_hits_total", "searches that found nothing").expect("static metric definition");
        let unanswered = IntCounter::new(
            "faq_search_unanswered_total",
            "searches the FAQ did not answer (no hit confident enough; zero-hit searches included)",
        )
        .expect("static metric definition");
        let entries = IntGauge::new("faq_index_entries", "entries in the live index").expect("static metric definition");
        let log_lines_dropped = IntGauge::new("faq_log_lines_dropped_total", "log lines dropped because stderr was not read fast enough")
            .expect("static metric definition");
        let reloads =
            IntCounterVec::new(Opts::new("faq_reloads_total", "index reloads by result"), &["result"]).expect("static metric definition");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("static metric definition");
        let analytics_recorded = gauge("faq_analytics_events_recorded_total", "analytics events written to the analytics database");
        let analytics_dropped =
            gauge("faq_analytics_events_dropped_total", "analytics events dropped because the queue was full (searches never wait)");
        let analytics_write_errors =
            gauge("faq_analytics_write_errors_total", "failed writes of a batch of analytics events, and failed purges");
        let analytics_lost =
            gauge("faq_analytics_events_lost_total", "analytics events queued but never written (a failed write, or queued at shutdown)");
        let analytics_refused = prometheus::IntGaugeVec::new(
            Opts::new(
                "faq_analytics_events_refused_total",
                "analytics events refused, by reason: rate (a client over its bucket), limits (the day's cap or the size budget)",
            ),
            &["reason"],
        )
        .expect("static metric definition");
        let analytics_up = gauge("faq_analytics_up", "1 while the analytics store is open and writing; 0 when off, starting or failed");
        let analytics_open_failures =
            gauge("faq_analytics_open_failures_total", "failed attempts to open the analytics store (retried in the background)");
        let analytics_store_bytes = gauge("faq_analytics_store_bytes", "bytes the analytics store's events take, when last checked");
        let analytics_days_dropped =
            gauge("faq_analytics_days_dropped_total", "days of analytics deleted to keep the store within its size budget");
        let analytics_queued = gauge("faq_analytics_events_queued", "analytics events waiting to be written");
        let analytics_reopened = gauge(
            "faq_analytics_reopened_total",
            "times the analytics store was opened afresh (after a failure, or its file deleted or replaced)",
        );
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(zero_hits.clone()),
            Box::new(unanswered.clone()),
            Box::new(entries.clone()),
            Box::new(reloads.clone()),
            Box::new(log_lines_dropped.clone()),
            Box::new(analytics_recorded.clone()),
            Box::new(analytics_dropped.clone()),
            Box::new(analytics_write_errors.clone()),
            Box::new(analytics_lost.clone()),
            Box::new(analytics_refused.clone()),
            Box::new(analytics_up.clone()),
            Box::new(analytics_open_failures.clone()),
            Box::new(analytics_store_bytes.clone()),
            Box::new(analytics_days_dropped.clone()),
            Box::new(analytics_queued.clone()),
            Box::new(analytics_reopened.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Metrics {
            registry,
            requests,
            latency,
            zero_hits,
            unanswered,
            entries,
            reloads,
            log_lines_dropped,
            analytics_recorded,
            analytics_dropped,
            analytics_write_errors,
            analytics_lost,
            analytics_refused,
            analytics_up,
            analytics_open_failures,
            analytics_store_bytes,
            analytics_days_dropped,
            analytics_queued,
            analytics_reopened,
        }
    }

    /// Copies the recorder's and the buckets' counters into the analytics gauges.
    pub fn observe_analytics(&self, recorder: Option<&faq_analytics::Recorder>, refused: &crate::state::Refused) {
        use std::sync::atomic::Ordering::Relaxed;
        let rate = refused.events.load(Relaxed) + refused.searches.load(Relaxed);
        self.analytics_refused.with_label_values(&["rate"]).set(rate as i64);
        let Some(recorder) = recorder else {
            self.analytics_up.set(0);
            return;
        };
        let counters = &recorder.counters;
        self.analytics_recorded.set(counters.recorded.load(Relaxed) as i64);
        self.analytics_dropped.set(counters.dropped.load(Relaxed) as i64);
        self.analytics_write_errors.set(counters.write_errors.load(Relaxed) as i64);
        self.analytics_lost.set(counters.lost.load(Relaxed) as i64);
        self.analytics_refused.with_label_values(&["limits"]).set(counters.refused.load(Relaxed) as i64);
        self.analytics_up.set(i64::from(recorder.status() == faq_analytics::recorder::Status::Ok));
        self.analytics_open_failures.set(counters.open_failures.load(Relaxed) as i64);
        self.analytics_store_bytes.set(counters.store_bytes.load(Relaxed) as i64);
        self.analytics_days_dropped.set(counters.days_dropped.load(Relaxed) as i64);
        self.analytics_queued.set(counters.queued.load(Relaxed) as i64);
        self.analytics_reopened.set(counters.reopened.load(Relaxed) as i64);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding registered metrics into memory cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware recording every request.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.latency.with_label_values(&[&route]).observe(started.elapsed().as_secs_f64());
    state.metrics.requests.with_label_values(&[&route, response.status().as_str()]).inc();
    response
}
