//! The one error type of the API: every failure is `{"error": {"code", "message"}}` with a
//! status code; anything a client can send maps to a 4xx.

use axum::Json;
use axum::http::StatusCode;
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

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code: "internal", message: message.into() }
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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = Body { error: Detail { code: self.code, message: &self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<faq_query::QueryError> for ApiError {
    fn from(error: faq_query::QueryError) -> Self {
        let code = match error {
            faq_query::QueryError::Empty => "empty_query",
            faq_query::QueryError::TooLong { .. } => "query_too_long",
        };
        ApiError::bad_request(code, error.to_string())
    }
}

impl From<faq_query::SearchError> for ApiError {
    fn from(error: faq_query::SearchError) -> Self {
        match error {
            faq_query::SearchError::Query(query) => query.into(),
            other => ApiError::internal(other.to_string()),
        }
    }
}
