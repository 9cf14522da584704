//! The search page and its static files, embedded in the binary (no build tools), served
//! with a Content-Security-Policy that allows only this origin's scripts, styles and API
//! calls, and framing by this origin plus the portal origins allowed by configuration.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::Config;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");
const OPENAPI_JSON: &str = include_str!("../assets/openapi.json");

/// The policy for the page: `frame-ancestors` lists this origin and `allowed_origins`.
pub fn content_security_policy(allowed_origins: &[String]) -> String {
    let mut ancestors = String::from("'self'");
    for origin in allowed_origins {
        ancestors.push(' ');
        ancestors.push_str(origin);
    }
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
    let csp = HeaderValue::from_str(&content_security_policy(&config.allowed_origins))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
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

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=300")], body).into_response()
}

pub async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

pub async fn openapi() -> Response {
    asset("application/json", OPENAPI_JSON)
}
