//! The search page and its static files, embedded in the binary (no build tools), served
//! with a Content-Security-Policy that allows only this origin's scripts, styles and API
//! calls, and framing by this origin plus the portal origins allowed by configuration.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::Config;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const WIDGET_JS: &str = include_str!("../assets/widget.js");
const WIDGET_CSS: &str = include_str!("../assets/widget.css");
const PAGE_CSS: &str = include_str!("../assets/page.css");
const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");
const FAVICON_ICO: &[u8] = include_bytes!("../assets/favicon.ico");
const OPENAPI_JSON: &str = include_str!("../assets/openapi.json");

/// The policy for the page: `frame-ancestors` lists this origin and the allowed ones.
pub fn content_security_policy(origins: &crate::Origins) -> String {
    let ancestors = origins.frame_ancestors();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )
}

/// What the page needs to know of the operator's settings.
#[derive(serde::Serialize)]
pub struct PageConfig {
    /// The way out shown when the FAQ does not answer: `{"url", "label"}`, or null.
    pub contact: Option<ContactLink>,
}

#[derive(serde::Serialize)]
pub struct ContactLink {
    pub url: String,
    pub label: String,
}

/// `GET /api/config`: the page's settings (the contact link for unanswered questions).
pub async fn page_config(State(config): State<std::sync::Arc<Config>>) -> axum::Json<PageConfig> {
    let contact = config.contact.as_ref().map(|c| ContactLink { url: c.url.clone(), label: c.label.clone() });
    axum::Json(PageConfig { contact })
}

pub async fn index(State(config): State<std::sync::Arc<Config>>) -> Response {
    let csp =
        HeaderValue::from_str(&content_security_policy(&config.origins)).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        INDEX_HTML,
    )
        .into_response()
}

/// A static file of this build: cached for a while, then revalidated by its `ETag` (a
/// hash of its bytes), so a new build's widget reaches portals within minutes. Cross-origin
/// portals load the widget's script and stylesheet, so the policy allows it.
fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    let tag = crate::cache::etag_of(body);
    let [etag, cache] = crate::cache::validators(&tag, crate::cache::ASSET_CACHE);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            etag,
            cache,
            (header::HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("cross-origin")),
        ],
        body,
    )
        .into_response()
}

pub async fn widget_js() -> Response {
    asset("text/javascript; charset=utf-8", WIDGET_JS.as_bytes())
}

pub async fn widget_css() -> Response {
    asset("text/css; charset=utf-8", WIDGET_CSS.as_bytes())
}

pub async fn page_css() -> Response {
    asset("text/css; charset=utf-8", PAGE_CSS.as_bytes())
}

pub async fn favicon_svg() -> Response {
    asset("image/svg+xml", FAVICON_SVG.as_bytes())
}

pub async fn favicon_ico() -> Response {
    asset("image/x-icon", FAVICON_ICO)
}

pub async fn openapi() -> Response {
    asset("application/json", OPENAPI_JSON.as_bytes())
}
