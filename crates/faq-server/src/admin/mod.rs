//! The owner's page at `/admin`: the report of what sellers asked ([`page`], with plots drawn
//! by the server) and the suggestions to act on ([`faq_query::proposals`]).
//!
//! Off unless the operator sets a token (`--admin-token` or `FAQ_ADMIN_TOKEN`): the routes
//! do not exist without one. A request is let in with `Authorization: Bearer <token>`, or
//! with the session cookie that the login form sets ([`auth`]: a random id, HttpOnly,
//! SameSite=Strict, path `/admin`, `Secure` behind TLS). The report is computed once for
//! everyone and kept a while ([`report`]).

mod auth;
mod page;
mod report;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use auth::{AdminToken, MIN_TOKEN, WeakToken};
pub use page::escape;

use crate::error::ApiError;
use crate::state::AppState;
use auth::{COOKIE, Check, Gate, Presented};
use report::{Outcome, Reports};

#[derive(Clone)]
struct Admin {
    state: AppState,
    gate: Arc<Gate>,
    reports: Arc<Reports>,
}

/// The `/admin` routes.
pub fn routes(state: AppState, token: AdminToken) -> Router {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/report.json", get(report_json))
        .route("/admin/login", post(login))
        .route("/admin/logout", post(logout))
        .with_state(Admin { state, gate: Arc::new(Gate::new(token)), reports: Arc::default() })
}

#[derive(serde::Deserialize)]
struct Period {
    since: Option<String>,
}

const DEFAULT_SINCE: &str = "30d";

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// Who is asking: a session (with its CSRF token), a bearer token, or nobody.
enum Access {
    Session(String),
    Bearer,
    /// Not admitted: (status, message for the page).
    Denied(StatusCode, &'static str),
}

async fn access(gate: &Gate, headers: &HeaderMap) -> Access {
    match auth::presented(headers) {
        Presented::Nothing => Access::Denied(StatusCode::UNAUTHORIZED, ""),
        // A session id is 256 random bits: looking one up is no guess at the token.
        Presented::Session(id) => {
            gate.session(&id).map_or(Access::Denied(StatusCode::UNAUTHORIZED, "ログインし直してください。"), Access::Session)
        }
        Presented::Bearer(token) => match gate.check_token(&token) {
            Check::Admitted => Access::Bearer,
            Check::Wrong => {
                tokio::time::sleep(auth::WRONG_TOKEN_DELAY).await;
                Access::Denied(StatusCode::UNAUTHORIZED, "トークンが違います。")
            }
            Check::TooMany => Access::Denied(StatusCode::TOO_MANY_REQUESTS, "試行が多すぎます。しばらくしてからやり直してください。"),
        },
    }
}

fn since_of(period: Period) -> Result<(String, i64), ApiError> {
    let since = period.since.unwrap_or_else(|| DEFAULT_SINCE.to_string());
    let since_ms = faq_analytics::period::since_ms(&since, faq_analytics::event::now_ms())
        .map_err(|error| ApiError::bad_request("invalid_argument", format!("since {error}")))?;
    Ok((since, since_ms))
}

/// The report of `since`, or why not (its detail goes to the log, not to the page).
async fn report_of(admin: &Admin, since: &str, since_ms: i64) -> Result<Outcome, ApiError> {
    if admin.state.analytics_location.is_none() {
        return Err(ApiError::not_found("analytics are off (--no-analytics): there is nothing to report"));
    }
    let outcome = admin.reports.get(&admin.state, since, since_ms).await;
    if let Outcome::Ready(computed, _) = &outcome
        && let Err(detail) = computed.as_ref()
    {
        tracing::warn!(%detail, "the owner's report failed");
        return Err(ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "analytics_unavailable",
            message: "the analytics store cannot be read just now; `/healthz` says why".into(),
        });
    }
    Ok(outcome)
}

async fn page(State(admin): State<Admin>, headers: HeaderMap, Query(period): Query<Period>) -> Response {
    let csrf = match access(&admin.gate, &headers).await {
        Access::Session(csrf) => Some(csrf),
        Access::Bearer => None,
        Access::Denied(status, message) => {
            let mut response = html(status, page::login_page((!message.is_empty()).then_some(message)));
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"faq admin\""));
            }
            return response;
        }
    };
    let (since, since_ms) = match since_of(period) {
        Ok(since) => since,
        Err(error) => return error.into_response(),
    };
    match report_of(&admin, &since, since_ms).await {
        Ok(Outcome::Ready(computed, ago)) => match computed.as_ref() {
            Ok((report, proposals)) => {
                html(StatusCode::OK, page::report_page(&admin.state, report, proposals, &since, csrf.as_deref(), Some(ago)))
            }
            Err(_) => ApiError::internal("unreachable: a failed report is an error above").into_response(),
        },
        Ok(Outcome::Computing) => html(StatusCode::ACCEPTED, page::computing_page()),
        Err(error) => error.into_response(),
    }
}

async fn report_json(State(admin): State<Admin>, headers: HeaderMap, Query(period): Query<Period>) -> Result<Response, ApiError> {
    if let Access::Denied(status, _) = access(&admin.gate, &headers).await {
        let (code, message) = match status {
            StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "too many attempts; retry in a few seconds"),
            _ => ("unauthorized", "the admin token is missing or wrong"),
        };
        return Err(ApiError { status, code, message: message.into() });
    }
    let (since, since_ms) = since_of(period)?;
    let mut response = match report_of(&admin, &since, since_ms).await? {
        Outcome::Ready(computed, ago) => match computed.as_ref() {
            Ok((report, proposals)) => {
                axum::Json(serde_json::json!({ "report": report, "suggestions": proposals, "computed_secs_ago": ago.as_secs() }))
                    .into_response()
            }
            Err(_) => return Err(ApiError::internal("unreachable: a failed report is an error above")),
        },
        Outcome::Computing => {
            let mut response = (StatusCode::ACCEPTED, axum::Json(serde_json::json!({ "computing": true }))).into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            response
        }
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn form_field(body: &[u8], name: &str) -> String {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

async fn login(State(admin): State<Admin>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    match admin.gate.check_token(&form_field(&body, "token")) {
        Check::TooMany => {
            return html(StatusCode::TOO_MANY_REQUESTS, page::login_page(Some("試行が多すぎます。しばらくしてからやり直してください。")));
        }
        Check::Wrong => {
            tokio::time::sleep(auth::WRONG_TOKEN_DELAY).await;
            return html(StatusCode::UNAUTHORIZED, page::login_page(Some("トークンが違います。")));
        }
        Check::Admitted => {}
    }
    let (id, _) = admin.gate.open_session();
    let secure = if auth::over_tls(&headers) { "; Secure" } else { "" };
    let max_age = auth::SESSION_LIFE.as_secs();
    let cookie = format!("{COOKIE}={id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/admin")]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /admin/logout` with the session's CSRF token (`csrf`): ends the session.
async fn logout(State(admin): State<Admin>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let Presented::Session(id) = auth::presented(&headers) else {
        return html(StatusCode::FORBIDDEN, page::login_page(Some("ログインしていません。")));
    };
    if !admin.gate.close_session(&id, &form_field(&body, "csrf")) {
        return html(StatusCode::FORBIDDEN, page::login_page(Some("ログアウトできませんでした（ページを開き直してください）。")));
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/admin")]).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("faq_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0"));
    response
}
