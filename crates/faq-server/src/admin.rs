//! The owner's page at `/admin`: the report of what sellers asked (with plots drawn by the
//! server, [`crate::plot`]) and the suggestions to act on ([`faq_query::proposals`]).
//!
//! Off unless the operator sets a token (`--admin-token` or `FAQ_ADMIN_TOKEN`): the routes
//! do not exist without one. A request is let in with `Authorization: Bearer <token>`, or
//! with the cookie that the login form sets (HttpOnly, SameSite=Strict, path `/admin`).
//! Tokens are compared in constant time; a wrong one waits a second before its answer.
//! The report is computed on a thread of its own (the PostgreSQL client runs its own
//! runtime and may not block an async worker).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use faq_analytics::Report;
use faq_query::proposals::Proposal;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// The operator's secret for `/admin`.
#[derive(Clone)]
pub struct AdminToken(Arc<str>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

/// Shortest token accepted.
pub const MIN_TOKEN: usize = 16;
const COOKIE: &str = "faq_admin";

impl AdminToken {
    /// A token of at least [`MIN_TOKEN`] characters, letters, digits and `-._~+/=` only (it
    /// travels in a header and a cookie).
    pub fn new(token: &str) -> Result<AdminToken, String> {
        let fit = token.len() >= MIN_TOKEN && token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
        if !fit {
            return Err(format!(
                "the admin token must be at least {MIN_TOKEN} characters of letters, digits and -._~+/= (e.g. `openssl rand -hex 24`)"
            ));
        }
        Ok(AdminToken(token.into()))
    }

    /// Constant-time comparison (the length is not secret).
    fn matches(&self, candidate: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes()))
    }

    /// Whether the request carries the token, as a bearer token or in the login cookie.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.strip_prefix("Bearer ").map(str::trim));
        let cookies = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().strip_prefix(COOKIE).and_then(|rest| rest.strip_prefix('=')));
        let mut admitted = false;
        // Every candidate is compared, so the time does not say which one matched.
        for candidate in bearer.chain(cookies) {
            admitted |= self.matches(candidate);
        }
        admitted
    }
}

#[derive(Clone)]
struct Admin {
    state: AppState,
    token: AdminToken,
}

/// The `/admin` routes.
pub fn routes(state: AppState, token: AdminToken) -> Router {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/report.json", get(report_json))
        .route("/admin/login", post(login))
        .route("/admin/logout", post(logout))
        .with_state(Admin { state, token })
}

#[derive(serde::Deserialize)]
struct Period {
    since: Option<String>,
}

const DEFAULT_SINCE: &str = "30d";

fn html_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    html_headers(&mut response);
    response
}

async fn page(State(admin): State<Admin>, headers: HeaderMap, Query(period): Query<Period>) -> Response {
    if !admin.token.admits(&headers) {
        let mut response = html(StatusCode::UNAUTHORIZED, login_page(None));
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"faq admin\""));
        return response;
    }
    let since = period.since.unwrap_or_else(|| DEFAULT_SINCE.to_string());
    match compute(&admin.state, &since).await {
        Ok((report, proposals)) => html(StatusCode::OK, report_page(&admin.state, &report, &proposals, &since)),
        Err(error) => error.into_response(),
    }
}

async fn report_json(State(admin): State<Admin>, headers: HeaderMap, Query(period): Query<Period>) -> Result<Response, ApiError> {
    if !admin.token.admits(&headers) {
        return Err(ApiError { status: StatusCode::UNAUTHORIZED, code: "unauthorized", message: "the admin token is missing or wrong".into() });
    }
    let since = period.since.unwrap_or_else(|| DEFAULT_SINCE.to_string());
    let (report, proposals) = compute(&admin.state, &since).await?;
    let mut response = axum::Json(serde_json::json!({ "report": report, "suggestions": proposals })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn login(State(admin): State<Admin>, body: axum::body::Bytes) -> Response {
    let token = form_urlencoded::parse(&body).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).unwrap_or_default();
    if !admin.token.matches(token.trim()) {
        // A wrong guess costs a second.
        tokio::time::sleep(Duration::from_secs(1)).await;
        return html(StatusCode::UNAUTHORIZED, login_page(Some("トークンが違います。")));
    }
    let cookie = format!("{COOKIE}={}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=43200", token.trim());
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/admin")]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn logout() -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/admin")]).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("faq_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0"));
    response
}

/// The report since `since` and the suggestions for its unanswered groups.
async fn compute(state: &AppState, since: &str) -> Result<(Report, Vec<Proposal>), ApiError> {
    let Some(location) = state.analytics_location.clone() else {
        return Err(ApiError::not_found("analytics are off (--no-analytics): there is nothing to report"));
    };
    let since_ms = faq_analytics::period::since_ms(since, faq_analytics::event::now_ms())
        .map_err(|message| ApiError::bad_request("invalid_argument", message.replacen("--since", "since", 1)))?;
    let engine = state.engine();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("faq-admin-report".into())
        .spawn(move || {
            let result = (|| -> Result<_, String> {
                let mut store = faq_analytics::Store::open_location(&location).map_err(|e| e.to_string())?;
                let analyzer = engine.searcher.analyzer();
                let terms_of = |q: &str| faq_query::proposals::topic(analyzer, q, &faq_analytics::mask::PLACEHOLDERS);
                let report = Report::compute(&mut store, since_ms, &terms_of).map_err(|e| e.to_string())?;
                let groups = report.unanswered.iter().map(|g| (g.query.as_str(), g.count));
                let proposals = faq_query::proposals::propose(&engine.searcher, groups, faq_query::proposals::MIN_COUNT)
                    .map_err(|e| e.to_string())?;
                Ok((report, proposals))
            })();
            let _ = sender.send(result);
        })
        .map_err(|e| ApiError::internal(format!("starting the report: {e}")))?;
    match receiver.await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(message)) => {
            Err(ApiError { status: StatusCode::SERVICE_UNAVAILABLE, code: "analytics_unavailable", message })
        }
        Err(_) => Err(ApiError::internal("the report stopped before it finished")),
    }
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    faq_query::highlight::escape_html_into(&mut out, text);
    out
}

const STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;margin:0 auto;max-width:960px;padding:16px;color:#1f2328;line-height:1.5}\
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #d0d7de}\
nav a,button{display:inline-block;min-height:44px;line-height:44px;padding:0 12px;margin-right:4px}\
nav a.current{font-weight:bold;text-decoration:none}\
.numbers{display:flex;gap:24px;flex-wrap:wrap}.numbers div{font-size:1.6rem}.numbers small{display:block;font-size:.8rem;color:#57606a}\
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #eaeef2;padding:6px;text-align:left;vertical-align:top}\
td.n{text-align:right;white-space:nowrap}code{background:#f6f8fa;padding:2px 6px;border-radius:4px;white-space:nowrap}\
.plot{width:100%;height:auto}.plot .all{fill:#d0d7de}.plot .answered{fill:#0969da}.plot .rate{fill:none;stroke:#bf8700;stroke-width:2}.plot .rate-dot{fill:#bf8700}\
.plot .unanswered{fill:#cf222e}.plot .axis{stroke:#8c959f}.plot .label{font-size:11px;fill:#57606a}.plot .end{text-anchor:end}\
.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}\
form.inline{display:inline}.muted{color:#57606a}";

fn login_page(message: Option<&str>) -> String {
    let message = message.map(|m| format!("<p role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>FAQ 管理 ログイン</title><style>{STYLE}</style></head><body><h1>FAQ 管理</h1>{message}\
         <form method=\"post\" action=\"/admin/login\"><label>管理トークン <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required \
         style=\"min-height:44px;width:20em;max-width:100%\"></label> <button type=\"submit\">ログイン</button></form></body></html>"
    )
}

fn report_page(state: &AppState, report: &Report, proposals: &[Proposal], since: &str) -> String {
    let engine = state.engine();
    let question = |id: &str| engine.searcher.get(id).ok().flatten().map(|e| e.question).unwrap_or_default();
    let now = faq_analytics::event::now_ms();
    let mut out = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>FAQ 利用状況</title><style>{STYLE}</style></head><body><h1>FAQ 利用状況</h1><nav>"
    );
    for (value, label) in [("7d", "7日間"), ("30d", "30日間"), ("90d", "90日間")] {
        let current = if value == since { " class=\"current\" aria-current=\"page\"" } else { "" };
        out += &format!("<a href=\"/admin?since={value}\"{current}>{label}</a>");
    }
    out += "<form class=\"inline\" method=\"post\" action=\"/admin/logout\"><button type=\"submit\">ログアウト</button></form></nav>";
    let unanswered: u64 = (report.searches as f64 * (1.0 - report.answered_rate)).round() as u64;
    out += &format!(
        "<section class=\"numbers\"><div>{}<small>検索</small></div><div>{:.1}%<small>回答できた割合</small></div>\
         <div>{unanswered}<small>回答できなかった検索</small></div></section>",
        report.searches,
        report.answered_rate * 100.0
    );
    out += "<h2>1日あたりの検索</h2><p class=\"legend\"><span><i style=\"background:#d0d7de\"></i>検索</span>\
            <span><i style=\"background:#0969da\"></i>回答できた検索</span><span><i style=\"background:#bf8700\"></i>回答できた割合</span></p>";
    out += &crate::plot::daily(&report.days, report.since_ms.max(now - 400 * faq_analytics::period::DAY_MS), now);

    out += "<h2>回答できなかった質問（同じことを聞く質問をまとめて）</h2>";
    if report.unanswered.is_empty() {
        out += "<p class=\"muted\">ありません。</p>";
    } else {
        out += &crate::plot::groups(&report.unanswered, 10);
        out += "<table><thead><tr><th>件数</th><th>質問の例</th><th>語</th></tr></thead><tbody>";
        for row in &report.unanswered {
            out += &format!(
                "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
                row.count,
                escape(&row.query),
                escape(row.terms.as_deref().unwrap_or(""))
            );
        }
        out += "</tbody></table>";
    }

    out += "<h2>改善の提案</h2><p class=\"muted\">同義語の行は <code>corpus/synonyms.txt</code> に追記すると、再インデックスなしで反映されます\
            （サーバーは再読み込み時）。どの行も、その質問に回答できるようになることを確かめてあります。</p>";
    let synonyms: Vec<&Proposal> = proposals.iter().filter(|p| matches!(p, Proposal::Synonym { .. })).collect();
    if synonyms.is_empty() {
        out += "<p class=\"muted\">同義語の提案はありません。</p>";
    } else {
        out += "<table><thead><tr><th>追記する行</th><th>件数</th><th>質問の例 → 回答される項目</th><th>根拠</th></tr></thead><tbody>";
        for proposal in synonyms {
            if let Proposal::Synonym { line, evidence, strength, example, count, answers, question, .. } = proposal {
                let evidence = match *evidence {
                    "meaning" => "意味が近い",
                    "reading" => "読みが同じ",
                    _ => "文字が共通",
                };
                out += &format!(
                    "<tr><td><code>{}</code></td><td class=\"n\">{count}</td><td>{} → {}<br><span class=\"muted\">{}</span></td><td>{evidence} {strength:.2}</td></tr>",
                    escape(line),
                    escape(example),
                    escape(answers),
                    escape(question)
                );
            }
        }
        out += "</tbody></table>";
    }
    let uncovered: Vec<&Proposal> = proposals.iter().filter(|p| matches!(p, Proposal::Uncovered { .. })).collect();
    if !uncovered.is_empty() {
        out += "<h3>FAQ にない話題（項目の追加を検討）</h3><table><thead><tr><th>件数</th><th>質問の例</th><th>語</th></tr></thead><tbody>";
        for proposal in uncovered {
            if let Proposal::Uncovered { topic, example, count } = proposal {
                out += &format!(
                    "<tr><td class=\"n\">{count}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
                    escape(example),
                    escape(topic)
                );
            }
        }
        out += "</tbody></table>";
    }

    out += "<h2>よく検索された質問</h2><table><thead><tr><th>件数</th><th>質問</th></tr></thead><tbody>";
    for row in &report.top_queries {
        out += &format!("<tr><td class=\"n\">{}</td><td>{}</td></tr>", row.count, escape(&row.query));
    }
    out += "</tbody></table>";

    out += "<h2>項目ごとの反応</h2><table><thead><tr><th>項目</th><th>表示</th><th>開いた</th><th>開いた率</th><th>解決した</th><th>解決しなかった</th></tr></thead><tbody>";
    for entry in report.entries.iter().take(100) {
        let rate = if entry.shown == 0 { "—".to_string() } else { format!("{:.0}%", 100.0 * entry.opened as f64 / entry.shown as f64) };
        let never = if entry.shown > 0 && entry.opened == 0 { " <span class=\"muted\">（一度も開かれていない）</span>" } else { "" };
        out += &format!(
            "<tr><td>{}{never}<br><span class=\"muted\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{rate}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&question(&entry.id)),
            escape(&entry.id),
            entry.shown,
            entry.opened,
            entry.helpful,
            entry.not_helpful
        );
    }
    out + "</tbody></table></body></html>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_from_both_places_and_short_ones_refused() {
        assert!(AdminToken::new("short").is_err());
        assert!(AdminToken::new("has space in it 12345").is_err());
        let token = AdminToken::new("0123456789abcdef-xyz").unwrap();
        let mut headers = HeaderMap::new();
        assert!(!token.admits(&headers));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdef-xyz"));
        assert!(token.admits(&headers));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdef-xy"));
        assert!(!token.admits(&headers));
        headers.insert(header::COOKIE, HeaderValue::from_static("a=b; faq_admin=0123456789abcdef-xyz"));
        assert!(token.admits(&headers), "the cookie admits even beside a wrong bearer");
        assert_eq!(format!("{token:?}"), "AdminToken(***)");
    }
}
