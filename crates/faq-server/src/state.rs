//! What handlers share: the live engine (searcher + completions), swapped atomically on
//! reload so requests in flight finish on the engine they started with.

use std::sync::Arc;

use arc_swap::ArcSwap;
use faq_query::{FaqSearcher, Suggester};

use crate::intake::{Intake, Kind, Peer, Rates};
use crate::metrics::Metrics;

/// An opened index and its completion vocabulary.
pub struct Engine {
    pub searcher: FaqSearcher,
    pub suggester: Suggester,
    /// Every entry's id: an event names one of these or is refused.
    ids: std::collections::HashSet<Box<str>>,
    /// The `ETag` of what depends only on the index's content (entries, completions): a
    /// hash of every entry and of this build ([`crate::cache`]).
    pub tag: axum::http::HeaderValue,
}

impl Engine {
    /// Wraps a searcher, building its completions from the indexed questions.
    pub fn new(searcher: FaqSearcher) -> Result<Self, faq_query::SearchError> {
        let entries = searcher.entries()?;
        let suggester = Suggester::build(&entries, searcher.analyzer());
        let tag = crate::cache::etag_of(&entries);
        let ids = entries.iter().map(|e| e.id.as_str().into()).collect();
        Ok(Engine { searcher, suggester, tag, ids })
    }

    /// Whether the index has an entry with this id.
    pub fn has(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// Opens (and if needed rebuilds) the engine; called at start and on every reload.
pub type Loader = Arc<dyn Fn() -> Result<FaqSearcher, BoxError> + Send + Sync>;

/// What a loader may fail with (the binary's carries the corpus file and line in its chain).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why the engine could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The loader failed (its causes follow as the error's sources).
    #[error(transparent)]
    Loader(BoxError),
    /// The opened index could not give its entries.
    #[error(transparent)]
    Index(#[from] faq_query::SearchError),
}

/// `error` and its causes, `: `-separated (as anyhow's `{:#}`): the message a failed reload
/// shows, with the corpus file and line.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let text = next.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = next.source();
    }
    out
}

/// Shared state of the service.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<ArcSwap<Engine>>,
    loader: Loader,
    reloading: Arc<tokio::sync::Mutex<()>>,
    pub metrics: Arc<Metrics>,
    /// The last reload's error while the previous index serves; cleared by a good reload.
    last_error: Arc<std::sync::Mutex<Option<ReloadError>>>,
    /// [`crate::error::PANICS`] when the live engine was loaded.
    panics_at_load: Arc<std::sync::atomic::AtomicU64>,
    /// The costly-search lane: long queries and `explain` run on the blocking pool, at most
    /// this many at once; past it they get an immediate 503 with `Retry-After` instead of a
    /// queue, so short (typeahead) queries, answered on the async workers, keep flowing.
    pub heavy: Arc<tokio::sync::Semaphore>,
    /// Where searches, opened answers and feedback are recorded (`--analytics`); none with
    /// `--no-analytics`.
    pub analytics: Option<Arc<faq_analytics::Recorder>>,
    /// Where the recorder writes (a file or a PostgreSQL database): the owner's page reads it.
    pub analytics_location: Option<Arc<faq_analytics::Location>>,
    /// Per-client buckets for what is recorded.
    pub intake: Arc<Intake>,
    /// Events and logged searches refused by the per-client buckets.
    pub refused: Arc<Refused>,
}

/// What the per-client buckets turned away, for `/metrics`.
#[derive(Debug, Default)]
pub struct Refused {
    pub events: std::sync::atomic::AtomicU64,
    pub searches: std::sync::atomic::AtomicU64,
}

/// Costly searches run at once: two per core.
pub fn heavy_lane_size() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A failed reload, as `/healthz` reports it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReloadError {
    /// What failed, naming the corpus file and line when the corpus was at fault.
    pub message: String,
    /// When, as seconds since the Unix epoch.
    pub at_unix: u64,
}

impl AppState {
    /// Loads the engine a first time.
    pub fn load(loader: Loader) -> Result<Self, LoadError> {
        let engine = Engine::new(loader().map_err(LoadError::Loader)?)?;
        let metrics = Arc::new(Metrics::new());
        metrics.entries.set(engine.searcher.len() as i64);
        Ok(AppState {
            engine: Arc::new(ArcSwap::from_pointee(engine)),
            loader,
            reloading: Arc::default(),
            metrics,
            last_error: Arc::default(),
            panics_at_load: Arc::new(std::sync::atomic::AtomicU64::new(crate::error::PANICS.load(std::sync::atomic::Ordering::Relaxed))),
            heavy: Arc::new(tokio::sync::Semaphore::new(heavy_lane_size())),
            analytics: None,
            analytics_location: None,
            intake: Arc::new(Intake::new(Rates::default())),
            refused: Arc::default(),
        })
    }

    /// Records to `recorder` (writing to `location`) from now on, each client within `rates`.
    pub fn with_analytics(mut self, recorder: faq_analytics::Recorder, location: faq_analytics::Location, rates: Rates) -> Self {
        self.analytics = Some(Arc::new(recorder));
        self.analytics_location = Some(Arc::new(location));
        self.intake = Arc::new(Intake::new(rates));
        self
    }

    /// Whether `peer` may record one more `kind` now (always, with analytics off); a refusal
    /// is counted.
    pub fn admit(&self, peer: Option<Peer>, kind: Kind) -> bool {
        if self.analytics.is_none() || self.intake.admit(peer, kind) {
            return true;
        }
        let counter = match kind {
            Kind::Event => &self.refused.events,
            Kind::Search => &self.refused.searches,
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        false
    }

    /// Records the event `make` builds when analytics are on (never waits: see
    /// [`faq_analytics::recorder`]); with analytics off nothing is built (masking the query
    /// and copying the ids shown cost ~2.5K instructions a search). The caller has
    /// [`AppState::admit`]ted it.
    pub fn record(&self, make: impl FnOnce() -> faq_analytics::Event) {
        if let Some(recorder) = &self.analytics {
            recorder.record(make());
        }
    }

    /// The analytics as `/healthz` shows them: `off`, `starting`, `ok` or `failed: …`
    /// (without server paths).
    pub fn analytics_status(&self) -> String {
        match &self.analytics {
            None => "off".to_string(),
            Some(recorder) => crate::error::hide_paths(&recorder.status().to_string()),
        }
    }

    /// The error of the last reload, if it failed (the previous index is serving), or of
    /// the live index (a background checksum check found damage, or requests failed inside
    /// the engine since it was loaded).
    pub fn last_reload_error(&self) -> Option<ReloadError> {
        if let Some(error) = self.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Some(error);
        }
        let failed = crate::error::PANICS
            .load(std::sync::atomic::Ordering::Relaxed)
            .saturating_sub(self.panics_at_load.load(std::sync::atomic::Ordering::Relaxed));
        (failed > 0).then(|| ReloadError {
            message: format!(
                "{failed} request(s) failed inside the engine since the index was loaded: it may be damaged; `faq index` rebuilds it"
            ),
            at_unix: now_unix(),
        })
    }

    /// Records that the live index is damaged (found after it was opened).
    pub fn mark_damaged(&self, message: String) {
        let mut last = self.last_error.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_none() {
            // Once: every later failing request would say the same.
            tracing::error!(%message, "the live index is damaged");
            *last = Some(ReloadError { message, at_unix: now_unix() });
        }
    }

    /// Verifies the live index's checksums off the async workers (opening verifies only
    /// indexes up to [`faq_core::layout::VERIFY_CHECKSUMS_UP_TO`]); damage marks the service
    /// degraded.
    pub fn verify_in_background(&self) {
        let state = self.clone();
        let engine = self.engine();
        tokio::task::spawn_blocking(move || {
            if let Err(damage) = engine.searcher.verify_checksums() {
                state.mark_damaged(damage.to_string());
            }
        });
    }

    /// The live engine, held for the duration of one request.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// Rebuilds and swaps the engine off the async workers. On failure the old engine keeps
    /// serving and the error (with the corpus file and line) is logged and returned.
    pub async fn reload(&self) -> Result<usize, String> {
        let _one_at_a_time = self.reloading.lock().await;
        let loader = self.loader.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let searcher = loader().map_err(LoadError::Loader)?;
            Engine::new(searcher).map_err(LoadError::from)
        })
        .await
        .map_err(|e| format!("reload task failed: {e}"))
        .and_then(|loaded| loaded.map_err(|e| chain(&e)));
        match loaded {
            Ok(engine) => {
                let entries = engine.searcher.len();
                self.engine.store(Arc::new(engine));
                self.metrics.entries.set(entries as i64);
                self.metrics.reloads.with_label_values(&["ok"]).inc();
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
                self.panics_at_load
                    .store(crate::error::PANICS.load(std::sync::atomic::Ordering::Relaxed), std::sync::atomic::Ordering::Relaxed);
                self.verify_in_background();
                tracing::info!(entries, "index reloaded");
                Ok(entries)
            }
            Err(error) => {
                // Corpus text and file names in the message: no control or bidi characters
                // reach the log or the health check.
                let error = faq_query::highlight::terminal_safe(&error);
                self.metrics.reloads.with_label_values(&["failed"]).inc();
                let at_unix = now_unix();
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(ReloadError { message: error.clone(), at_unix });
                tracing::error!(%error, "reload failed; the previous index keeps serving");
                Err(error)
            }
        }
    }
}
