//! JSON handlers: search, one entry, completions, health, metrics. Parameters are parsed
//! here (not by an extractor) so that every malformed one gets the API's JSON error.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use faq_query::{CompactResponse, FaqSearcher, MAX_LIMIT, Page, Suggestion};
use serde::Serialize;

use crate::error::ApiError;
use crate::intake::{Kind, Peer};
use crate::state::AppState;

/// Largest `offset` accepted: paging deeper than this is not a person using the box.
pub const MAX_OFFSET: usize = 1000;
/// Longest query searched on the async worker itself; longer ones (pasted mails, up to
/// 1,000 characters and ~1 ms) and `explain` go to the blocking pool. Measured: the
/// ranking path of a 48-character query takes 40–100 µs (BENCHMARKS.md).
pub const INLINE_QUERY_CHARS: usize = 48;
/// Longest a costly search (long query or `explain`) may run before it is stopped (a
/// 1,000-character query with `explain` takes ~30 ms on localgovFAQ; BENCHMARKS.md).
pub const HEAVY_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);
/// Default and largest number of completions.
pub const DEFAULT_SUGGESTIONS: usize = 8;
pub const MAX_SUGGESTIONS: usize = 20;

/// Query-string parameters, decoded (invalid UTF-8 becomes U+FFFD, never an error).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Self {
        let raw = raw.unwrap_or_default();
        Params(form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The query text `q`: required, non-blank, at most [`faq_query::MAX_QUERY_CHARS`] characters.
    fn query(&self) -> Result<&str, ApiError> {
        let q = self.get("q").ok_or_else(|| ApiError::bad_request("missing_query", "the parameter `q` is required"))?;
        FaqSearcher::validate(q)?;
        Ok(q)
    }

    /// A whole number within `min..=max` (`None` when absent). Above `max` is clamped when
    /// `clamp`, refused otherwise.
    fn number(&self, name: &str, min: usize, max: usize, clamp: bool) -> Result<Option<usize>, ApiError> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        let invalid =
            || ApiError::bad_request("invalid_parameter", format!("`{name}` must be a whole number from {min} to {max}, got {raw:?}"));
        let value: u64 = raw.trim().parse().map_err(|_| invalid())?;
        let value = usize::try_from(value).unwrap_or(usize::MAX);
        match value {
            v if v < min => Err(invalid()),
            v if v > max && clamp => Ok(Some(max)),
            v if v > max => Err(invalid()),
            v => Ok(Some(v)),
        }
    }

    /// [`Params::flag`] with a default when absent.
    fn flag_or(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        if self.get(name).is_none() { Ok(default) } else { self.flag(name) }
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("false" | "0") => Ok(false),
            Some("" | "true" | "1") => Ok(true),
            Some(other) => Err(ApiError::bad_request("invalid_parameter", format!("`{name}` must be true or false, got {other:?}"))),
        }
    }
}

/// What `/api/search` returns of each hit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// Everything, answer text and links included: the CLI's JSON contract (the default).
    Full,
    /// What a search box shows: no answer text, no links ([`CompactResponse`]).
    Compact,
}

impl Params {
    fn view(&self) -> Result<View, ApiError> {
        match self.get("view") {
            None | Some("full") => Ok(View::Full),
            Some("compact") => Ok(View::Compact),
            Some(other) => Err(ApiError::bad_request("invalid_parameter", format!("`view` must be full or compact, got {other:?}"))),
        }
    }
}

/// `GET /api/search?q=&limit=&offset=&explain=&view=&suggest=&log=`: the CLI's JSON contract,
/// or with `view=compact` the search box's; `suggest=N` adds the box's suggestions;
/// `log=false` keeps the search out of the owner's analytics (the box's keystrokes: it
/// asks again with `log=true` once the seller stops typing).
pub async fn search(State(state): State<AppState>, peer: Option<Extension<Peer>>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw);
    let query = params.query()?.to_string();
    let view = params.view()?;
    let suggest = params.number("suggest", 0, MAX_SUGGESTIONS, true)?.unwrap_or(0);
    let page = Page {
        limit: params.number("limit", 1, MAX_LIMIT, true)?.unwrap_or(10),
        offset: params.number("offset", 0, MAX_OFFSET, false)?.unwrap_or(0),
        explain: params.flag("explain")?,
    };
    let engine = state.engine();
    let searched = if query.chars().count() <= INLINE_QUERY_CHARS && !page.explain {
        // Short enough to answer in well under 100 µs: handing it to the blocking pool
        // (two thread wake-ups) would cost more than the search.
        engine.searcher.search(&query, page)
    } else {
        // The costly lane: bounded, never queued, stopped when its request goes away or its
        // time is up.
        let permit = state.heavy.clone().try_acquire_owned().map_err(|_| ApiError::overloaded())?;
        let cancel = faq_query::CancelOnDrop::new();
        let budget = faq_query::Budget::new(Some(std::time::Instant::now() + HEAVY_BUDGET), Some(cancel.flag()));
        let engine = engine.clone();
        let query = query.clone();
        let searched = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            engine.searcher.search_within(&query, page, &budget)
        })
        .await
        .map_err(|e| {
            // A panic inside the engine: the service is marked degraded; the detail is logged.
            state.mark_damaged(faq_query::highlight::terminal_safe(&format!("a search failed inside the engine: {e}")));
            ApiError::internal(format!("search task failed: {e}"))
        })?;
        drop(cancel);
        searched
    };
    let response = searched.map_err(|error| {
        if !matches!(error, faq_query::SearchError::Query(_) | faq_query::SearchError::OutOfTime) {
            state.mark_damaged(faq_query::highlight::terminal_safe(&error.to_string()));
        }
        ApiError::from(error)
    })?;
    if response.hits.is_empty() {
        state.metrics.zero_hits.inc();
    }
    if !response.answered {
        state.metrics.unanswered.inc();
    }
    // Over the client's bucket the search is answered all the same, just not recorded.
    if params.flag_or("log", true)? && state.admit(peer.map(|p| p.0), Kind::Search) {
        state.record(|| faq_analytics::Event::Search {
            at_ms: faq_analytics::event::now_ms(),
            query: faq_analytics::mask::mask(&query),
            answered: response.answered,
            shown: response.hits.iter().map(|h| h.id.clone()).collect(),
            latency_us: (response.took_ms * 1000.0) as u32,
        });
    }
    let suggestions =
        (suggest > 0).then(|| engine.suggester.for_search_box(&query, response.answered, engine.searcher.analyzer(), suggest));
    // Through `faq_query::json`'s views: the same bytes as the contract's derives, an
    // entry's text written from its stored, escaped-once literal.
    let body = match view {
        View::Full => {
            let mut body = Vec::new();
            response.write_json_with(&mut body, suggestions.as_ref());
            body
        }
        View::Compact => CompactResponse { suggestions, ..CompactResponse::from(response) }.to_json(),
    };
    let headers = [(header::CACHE_CONTROL, crate::cache::SEARCH_CACHE), (header::CONTENT_TYPE, JSON)];
    Ok((headers, body).into_response())
}

/// The content type axum's `Json` gives.
const JSON: &str = "application/json";

/// `GET /api/faq/{id}`: one entry in full.
pub async fn faq(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    if faq_indexer::markdown::validate_id(&id).is_err() {
        return Err(ApiError::not_found(format!("no FAQ entry with id {id:?}")));
    }
    let engine = state.engine();
    let lookup = id.clone();
    let entry = tokio::task::spawn_blocking(move || engine.searcher.get(&lookup))
        .await
        .map_err(|e| ApiError::internal(format!("lookup task failed: {e}")))??;

    match entry {
        Some(entry) => Ok((crate::cache::validators(&state.engine().tag, crate::cache::API_CACHE), Json(entry)).into_response()),
        None => Err(ApiError::not_found(format!("no FAQ entry with id {id:?}"))),
    }
}

#[derive(Serialize)]
pub struct SuggestResponse {
    pub query: String,
    pub suggestions: Vec<Suggestion>,
}

/// `GET /api/suggest?q=&limit=`: completions of what is typed so far.
pub async fn suggest(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw);
    let query = params.query()?.to_string();
    let limit = params.number("limit", 1, MAX_SUGGESTIONS, true)?.unwrap_or(DEFAULT_SUGGESTIONS);
    let engine = state.engine();
    let suggestions = engine.suggester.suggest(&query, limit);
    Ok((crate::cache::validators(&engine.tag, crate::cache::API_CACHE), Json(SuggestResponse { query, suggestions })).into_response())
}

#[derive(Serialize)]
pub struct Health {
    /// `ok`, or `degraded` while the previous index serves after a failed reload.
    pub status: &'static str,
    pub entries: usize,
    /// With `degraded`: what the last reload failed on (file:line, no server path) and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reload_error: Option<crate::state::ReloadError>,
    /// The owner's analytics: `off`, `starting`, `ok`, or `failed: …` (search does not
    /// depend on them: it answers either way).
    pub analytics: String,
}

/// `GET /healthz`: 200 either way (a degraded service still answers from the last good
/// index); the body says which.
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let last_reload_error =
        state.last_reload_error().map(|e| crate::state::ReloadError { message: crate::error::hide_paths(&e.message), ..e });
    let status = if last_reload_error.is_some() { "degraded" } else { "ok" };
    Json(Health { status, entries: state.engine().searcher.len(), last_reload_error, analytics: state.analytics_status() })
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.metrics.observe_analytics(state.analytics.as_deref(), &state.refused);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

/// Longest entry id and query an event may carry.
const MAX_EVENT_ID: usize = 128;

/// `POST /api/events` body: an answer opened, or the answer to 「この回答で解決しましたか？」.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientEvent {
    Open { id: String, rank: u32, query: String },
    Feedback { id: String, helpful: bool, query: String },
}

/// `POST /api/events`: records what the page or widget reports (204). Refused: a body that
/// is not `application/json` (415: a cross-site form or `text/plain` post cannot send one
/// without CORS allowing it), anything malformed or naming an id the index does not have
/// (400), a client over its bucket (429). Nothing about the client is kept.
pub async fn events(
    State(state): State<AppState>,
    peer: Option<Extension<Peer>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError {
            status: axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: "an event is sent as `Content-Type: application/json`".into(),
        });
    }
    // The bucket first: a flood is turned away before its body is read.
    if !state.admit(peer.map(|p| p.0), Kind::Event) {
        return Err(ApiError::too_many("too many events from this client; retry in a second"));
    }
    let invalid = |why: String| ApiError::bad_request("invalid_event", why);
    let event: ClientEvent = serde_json::from_slice(&body).map_err(|e| invalid(format!("not an event: {e}")))?;
    let check = |id: &str, query: &str| {
        if id.is_empty() || id.len() > MAX_EVENT_ID || faq_indexer::markdown::validate_id(id).is_err() {
            return Err(invalid(format!("`id` must be an entry id, got {:?}", id.chars().take(40).collect::<String>())));
        }
        if query.chars().count() > faq_query::MAX_QUERY_CHARS {
            return Err(invalid("`query` is longer than 1000 characters".into()));
        }
        Ok(())
    };
    let (ClientEvent::Open { id, query, .. } | ClientEvent::Feedback { id, query, .. }) = &event;
    check(id, query)?;
    if !state.engine().has(id) {
        return Err(invalid(format!("no FAQ entry with id {:?}", id.chars().take(40).collect::<String>())));
    }
    state.record(|| {
        let at_ms = faq_analytics::event::now_ms();
        match event {
            ClientEvent::Open { id, rank, query } => {
                faq_analytics::Event::Open { at_ms, id, rank, query: faq_analytics::mask::mask(&query) }
            }
            ClientEvent::Feedback { id, helpful, query } => {
                faq_analytics::Event::Feedback { at_ms, id, helpful, query: faq_analytics::mask::mask(&query) }
            }
        }
    });
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
