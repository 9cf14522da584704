//! The HTTP service: the JSON API (`/api/search`, `/api/faq/{id}`, `/api/suggest`), the
//! search page at `/`, `/healthz`, `/metrics` and `/api/openapi.json`, with request ids,
//! structured logs, timeouts, a concurrency limit, compression, CORS closed unless origins
//! are allowed, and hot reload of the index (SIGHUP or a watched corpus).

pub mod admin;
pub mod api;
pub mod cache;
pub mod error;
pub mod intake;
pub mod metrics;
pub mod origins;
pub mod page;
pub mod plot;
pub mod reload;
pub mod serve;
pub mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::middleware;
use axum::routing::get;
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use error::ApiError;
pub use origins::{ConfigError, Origins};
pub use state::{AppState, BoxError, Engine, LoadError, Loader};

/// Service settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Origins allowed to call the API from a browser (CORS) and to frame the page.
    pub origins: Origins,
    pub request_timeout: Duration,
    /// Requests handled at once; more wait their turn.
    pub max_concurrency: usize,
    /// Where the page sends a seller whose question the FAQ does not answer; none means
    /// no link.
    pub contact: Option<Contact>,
    /// The owner's page at `/admin`, for requests with this token; none means no `/admin`.
    pub admin_token: Option<admin::AdminToken>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            origins: Origins::SameOnly,
            request_timeout: Duration::from_secs(10),
            max_concurrency: 256,
            contact: None,
            admin_token: None,
        }
    }
}

/// The operator's way out for questions the FAQ does not answer: a link and its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub url: String,
    pub label: String,
}

impl Contact {
    /// The label shown when the operator gives only a URL.
    pub const DEFAULT_LABEL: &str = "お問い合わせ窓口";

    /// A contact link: `http`, `https` or `mailto` only (the page puts it in an `href`).
    pub fn new(url: &str, label: Option<&str>) -> Result<Contact, ConfigError> {
        let url = url.trim();
        let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
        let ok = match scheme.as_deref() {
            Some("http" | "https") => url.contains("://") && url.len() > url.find("://").unwrap_or(0) + 3,
            Some("mailto") => url.len() > "mailto:".len(),
            _ => false,
        };
        if !ok || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ConfigError::ContactUrl(url.to_string()));
        }
        let label = label.map(str::trim).filter(|l| !l.is_empty()).unwrap_or(Contact::DEFAULT_LABEL);
        if label.chars().count() > 100 {
            return Err(ConfigError::ContactLabel);
        }
        Ok(Contact { url: url.to_string(), label: label.to_string() })
    }
}

/// Largest request body accepted (the API is GET but for events and the owner's forms).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `req-<start>-<n>`: unique per process start.
#[derive(Clone)]
struct RequestIds {
    prefix: u64,
    next: Arc<AtomicU64>,
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("req-{:x}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// The whole application; tests drive it in-process, `faq serve` on a socket.
pub fn router(state: AppState, config: Config) -> Router {
    let config = Arc::new(config);
    let api = Router::new()
        .route("/api/search", get(api::search))
        .route("/api/faq/{id}", get(api::faq))
        .route("/api/suggest", get(api::suggest))
        .route("/api/events", axum::routing::post(api::events))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/api/openapi.json", get(page::openapi))
        .route("/assets/widget.js", get(page::widget_js))
        .route("/assets/widget.css", get(page::widget_css))
        .route("/assets/page.css", get(page::page_css))
        .route("/assets/favicon.svg", get(page::favicon_svg))
        .route("/favicon.ico", get(page::favicon_ico))
        .fallback(api::not_found)
        .route_layer(middleware::from_fn_with_state(state.clone(), metrics::record))
        .with_state(state.clone());
    let mut pages = Router::new().route("/", get(page::index)).route("/api/config", get(page::page_config)).with_state(config.clone());
    if let Some(token) = &config.admin_token {
        pages = pages.merge(admin::routes(state.clone(), token.clone()));
    }

    let prefix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let ids = RequestIds { prefix, next: Arc::new(AtomicU64::new(1)) };
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id, method = %request.method(), uri = %logged_uri(request.uri()))
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));

    pages.merge(api).layer(
        ServiceBuilder::new()
            .layer(middleware::map_response(error::json_errors))
            .layer(middleware::from_fn(require_one_host))
            .layer(middleware::from_fn(cache::conditional))
            .layer(middleware::map_request(drop_unfit_request_id))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
            .layer(SetRequestIdLayer::new(REQUEST_ID, ids))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
            .layer(config.origins.cors_layer())
            // gzip at level 1 (zlib-rs): a box's response is ~2 KB instead of ~1.6 KB at the
            // default level, both far inside one round trip, for about a third more searches
            // a second when every keystroke asks for gzip (CHANGELOG.md, 2026-12-04).
            .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
            .layer(ConcurrencyLimitLayer::new(config.max_concurrency))
            .layer(CatchPanicLayer::custom(error::panic_response)),
    )
}

/// An HTTP/1.1 request must name exactly one `Host` (RFC 9112 §3.2): none or two is a 400,
/// not a guess.
async fn require_one_host(request: Request<axum::body::Body>, next: middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let hosts = request.headers().get_all(header::HOST).iter().count();
    if request.version() == axum::http::Version::HTTP_11 && hosts != 1 {
        let message = if hosts == 0 { "the request has no Host header" } else { "the request has more than one Host header" };
        return ApiError::bad_request("invalid_host", message).into_response();
    }
    next.run(request).await
}

/// Longest client `x-request-id` kept (and echoed, and logged).
pub const MAX_REQUEST_ID: usize = 64;

/// A client's request id is kept only when it is short and plain (letters, digits, `-`,
/// `_`, `.`, `:`); otherwise it is removed and the service makes its own, so a 300 KB or
/// control-laden id is never echoed or logged.
async fn drop_unfit_request_id(mut request: Request<axum::body::Body>) -> Request<axum::body::Body> {
    let fit = |value: &HeaderValue| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    };
    let headers = request.headers_mut();
    if headers.get_all(REQUEST_ID).iter().count() > 1 || headers.get(REQUEST_ID).is_some_and(|v| !fit(v)) {
        headers.remove(REQUEST_ID);
    }
    request
}

/// Longest request target written to the log; a longer one is cut with its length noted.
pub const MAX_LOGGED_URI: usize = 256;

/// The request target as logged: the query `q` masked as the analytics store masks it
/// (e-mail addresses, phone, order and member numbers), other parameters as sent.
fn logged_uri(uri: &axum::http::Uri) -> String {
    let text = match uri.query() {
        Some(query) if query.split('&').any(|pair| pair == "q" || pair.starts_with("q=")) => {
            let pairs = form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| if k == "q" { (k, std::borrow::Cow::Owned(faq_analytics::mask::mask(&v))) } else { (k, v) });
            let masked = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            format!("{}?{masked}", uri.path())
        }
        _ => uri.to_string(),
    };
    if text.len() <= MAX_LOGGED_URI {
        return text;
    }
    let mut cut = MAX_LOGGED_URI;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &text[..cut], text.len())
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM).
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
