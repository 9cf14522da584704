//! HTTP caching: strong validators and `Cache-Control`, so a search box that asks for the
//! same entry, completion or asset twice gets a 304 or nothing at all.
//!
//! * An entry (`/api/faq/{id}`) and completions (`/api/suggest`) are a function of the
//!   index's content: their `ETag` is the engine's tag ([`crate::Engine::tag`], a hash of
//!   every entry and of this build), so it changes exactly when a reload changes them.
//! * Assets are a function of this build: their tag is a hash of their bytes.
//! * A compressed body is another representation: [`conditional`] (outside compression)
//!   gives it its own tag
//!   (`"…-gzip"`), as RFC 9110 §8.8.3 asks of strong validators, and answers
//!   `If-None-Match` with 304.

use std::hash::{Hash, Hasher};

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// `Cache-Control` of entries and completions: a minute, then revalidate (cheap: a 304).
pub const API_CACHE: &str = "public, max-age=60";
/// `Cache-Control` of search responses: a box typing back over a query reuses the answer;
/// short, because a reload may change it and search responses carry no validator.
pub const SEARCH_CACHE: &str = "public, max-age=30";
/// `Cache-Control` of the page's assets.
pub const ASSET_CACHE: &str = "public, max-age=300";

/// A strong entity tag for something hashed.
pub fn etag_of(value: impl Hash) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    value.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish())).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The headers of a cacheable response.
pub fn validators(etag: &HeaderValue, cache_control: &'static str) -> [(header::HeaderName, HeaderValue); 2] {
    [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, HeaderValue::from_static(cache_control))]
}

/// Outside compression: tags a compressed body as its own representation, and turns a
/// 200 whose tag the client already has into a 304 without a body.
pub async fn conditional(request: Request<Body>, next: Next) -> Response {
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    let Some(tag) = response.headers().get(header::ETAG).and_then(|t| t.to_str().ok()).map(str::to_string) else {
        return response;
    };
    let tag = match response.headers().get(header::CONTENT_ENCODING).and_then(|e| e.to_str().ok()) {
        Some(coding) if tag.ends_with('"') => format!("{}-{coding}\"", &tag[..tag.len() - 1]),
        _ => tag,
    };
    let Ok(value) = HeaderValue::from_str(&tag) else { return response };
    response.headers_mut().insert(header::ETAG, value);
    if response.status() == StatusCode::OK && if_none_match.as_ref().is_some_and(|list| matches(list, &tag)) {
        return not_modified(response);
    }
    response
}

/// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored.
fn matches(list: &HeaderValue, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let tag = bare(tag);
    list.to_str().is_ok_and(|list| list.split(',').any(|t| t.trim() == "*" || bare(t) == tag))
}

/// The 304 for `response`: its headers (validators, caching, CORS, request id) without
/// its body.
fn not_modified(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    for name in [header::CONTENT_LENGTH, header::TRANSFER_ENCODING, header::CONTENT_TYPE] {
        parts.headers.remove(name);
    }
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let tag = "\"abc-gzip\"";
        for list in ["\"abc-gzip\"", "W/\"abc-gzip\"", "\"x\", \"abc-gzip\"", "*"] {
            assert!(matches(&HeaderValue::from_static(list), tag), "{list}");
        }
        for list in ["\"abc\"", "\"x\"", ""] {
            assert!(!matches(&HeaderValue::from_static(list), tag), "{list}");
        }
    }

    #[test]
    fn tags_differ_with_content() {
        assert_ne!(etag_of("a"), etag_of("b"));
        assert_eq!(etag_of("a"), etag_of("a"));
    }
}
