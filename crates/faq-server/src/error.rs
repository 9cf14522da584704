//! The one error type of the API: every failure is `{"error": {"code", "message"}}` with a
//! status code; anything a client can send maps to a 4xx. A 500 says only `internal` and
//! carries the request id (`{"error": {"code": "internal", "message", "request_id"}}`): what
//! went wrong (a panic's text, a task's error, a path) goes to the log under that id, never
//! to the client.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: message.into() }
    }

    /// A 500. `detail` is logged with the request id, never sent.
    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code: "internal", message: detail.into() }
    }

    /// 429 with `Retry-After: 1`: the client is over its bucket.
    pub fn too_many(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::TOO_MANY_REQUESTS, code: "too_many_requests", message: message.into() }
    }

    /// 503 with `Retry-After: 1`: the costly-search lane is full; come back in a second.
    pub fn overloaded() -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "overloaded",
            message: "too many long or explained searches at once; retry in a second".to_string(),
        }
    }

    /// 503: the search ran out of time (and was stopped).
    pub fn out_of_time() -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "timeout",
            message: "the search took too long and was stopped".to_string(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// What a 500 says.
const INTERNAL_MESSAGE: &str = "the request could not be completed; the operator can find what happened in the log by its request id";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            // Inside the request's span: the log line carries the request id.
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let message = if self.status == StatusCode::INTERNAL_SERVER_ERROR { INTERNAL_MESSAGE } else { &self.message };
        let body = Body { error: Detail { code: self.code, message, request_id: None } };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE || self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}

/// Gives every error response the API's JSON body, including those that layers and the
/// router make without knowing the contract: 405 (wrong method), 413 (body too large),
/// 503 (timeout), 500 (a caught panic). Headers such as `Allow` and the request id stay.
pub async fn json_errors<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(axum::body::Body::new);
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return internal_with_id(response);
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    // JSON errors, and the pages made for people (the owner's login form), are kept.
    if is_json {
        return response;
    }
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = status.canonical_reason().unwrap_or("error").to_ascii_lowercase();
    let (mut parts, _) = response.into_parts();
    let replacement = ApiError { status, code, message }.into_response();
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING] {
        parts.headers.remove(&name);
    }
    let (new_parts, body) = replacement.into_parts();
    parts.headers.extend(new_parts.headers);
    Response::from_parts(parts, body)
}

/// Any 500, whoever made it: the API's body with the request id (already on the response's
/// headers) and nothing else.
fn internal_with_id(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    let id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = Body { error: Detail { code: "internal", message: INTERNAL_MESSAGE, request_id: id.as_deref() } };
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING] {
        parts.headers.remove(&name);
    }
    let (new_parts, body) = (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response().into_parts();
    parts.headers.extend(new_parts.headers);
    Response::from_parts(parts, body)
}

/// `text` with every absolute path cut to its last part (`/srv/faq/corpus/a.md:12` →
/// `a.md:12`): for what public routes show (`/healthz`); the log keeps the whole path.
pub fn hide_paths(text: &str) -> String {
    static PATH: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#"(^|[\s'"(=`])(/[^\s'"`:)]*/)([^\s'"`:/)]*)"#).expect("a valid pattern"));
    PATH.replace_all(text, "$1$3").into_owned()
}

/// The response for a panic caught while handling a request (a bug): a JSON 500, logged.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail =
        panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("unknown panic");
    PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // The detail is for the operator's log, not for the client (it may quote internals).
    tracing::error!(detail = %faq_query::highlight::terminal_safe(detail), "a request failed inside the engine (a damaged index?)");
    ApiError::internal("a panic inside the engine (a damaged index?)").into_response()
}

/// Requests that failed inside the engine since the process started (`/healthz` reports
/// the service degraded when any did since the last good reload).
pub static PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl From<faq_query::QueryError> for ApiError {
    fn from(error: faq_query::QueryError) -> Self {
        ApiError::bad_request(error.code(), error.to_string())
    }
}

impl From<faq_query::SearchError> for ApiError {
    /// A bad query is the client's 400; anything else is the index's fault: a 500 that
    /// says so without quoting internals (the handler logs them and marks the service
    /// degraded).
    fn from(error: faq_query::SearchError) -> Self {
        match error {
            faq_query::SearchError::Query(query) => query.into(),
            faq_query::SearchError::OutOfTime => ApiError::out_of_time(),
            other => ApiError::internal(format!("the index could not be read ({other}); it may be damaged: `faq index` rebuilds it")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_500_says_internal_with_the_request_id_and_nothing_else() {
        let panicked = panic_response(Box::new("assertion failed: 1 <= nbytes at /root/src/x.rs"));
        let joined = ApiError::internal("search task failed: task 7 panicked with message \"index out of bounds\"").into_response();
        let plain = (StatusCode::INTERNAL_SERVER_ERROR, "thread 'main' panicked").into_response();
        for mut response in [panicked, joined, plain] {
            response.headers_mut().insert("x-request-id", axum::http::HeaderValue::from_static("req-1-42"));
            let response = json_errors(response).await;
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(response.headers()["x-request-id"], "req-1-42");
            let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["error"]["code"], "internal");
            assert_eq!(body["error"]["request_id"], "req-1-42");
            let text = body.to_string();
            for internal in ["assertion", "panicked", "nbytes", "/root", "bounds", "task"] {
                assert!(!text.contains(internal), "{text}");
            }
        }
    }

    #[test]
    fn paths_are_cut_to_their_last_part() {
        assert_eq!(hide_paths("/srv/faq/corpus/a.md:12: bad heading"), "a.md:12: bad heading");
        assert_eq!(
            hide_paths("failed: analytics database /var/lib/faq/a.sqlite: disk full"),
            "failed: analytics database a.sqlite: disk full"
        );
        assert_eq!(hide_paths("reading \"/tmp/x/z.md\" (`/a/b`)"), "reading \"z.md\" (`b`)");
        assert_eq!(hide_paths("no path here: 3/4 done"), "no path here: 3/4 done");
    }
}
