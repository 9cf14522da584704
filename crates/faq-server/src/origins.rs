//! The portal origins allowed to call the API from a browser (CORS) and to frame the page
//! and the widget: parsed once at start, so a value the browser could never send (no
//! scheme, a path, a typo) is refused with a clear error instead of silently never
//! matching.

use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Who may call the API across origins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Origins {
    /// The page's own origin only (the default).
    #[default]
    SameOnly,
    /// These origins, as browsers send them (`https://portal.example.com`, `http://localhost:3000`).
    List(Vec<String>),
    /// `*`: any page may call the API and frame the page. Deliberate: the API is read-only,
    /// public and takes no credentials (no cookies are read or allowed), so this is the
    /// setting for a public FAQ meant to be embedded anywhere.
    Any,
}

/// A setting of the service that cannot be used; each says what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("`*` (any origin) cannot be combined with other origins: give `*` alone, or list the origins, e.g. https://portal.example.com")]
    AnyWithOthers,
    #[error(
        "--allow-origin {value:?}: {why}; give the portal's origin as the browser sends it, e.g. https://portal.example.com or http://localhost:3000"
    )]
    Origin { value: String, why: String },
    #[error("the contact URL must be an http(s):// or mailto: address, got {0:?}")]
    ContactUrl(String),
    #[error("the contact label is longer than 100 characters")]
    ContactLabel,
}

impl Origins {
    /// Parses `--allow-origin` values: each `scheme://host[:port]` (http or https, no path,
    /// query or user), or a single `*`. Blank values are ignored.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Origins, ConfigError> {
        let values: Vec<&str> = values.iter().map(|v| v.as_ref().trim()).filter(|v| !v.is_empty()).collect();
        if values.contains(&"*") {
            if values.len() > 1 {
                return Err(ConfigError::AnyWithOthers);
            }
            return Ok(Origins::Any);
        }
        if values.is_empty() {
            return Ok(Origins::SameOnly);
        }
        let mut origins = Vec::new();
        for value in values {
            let origin = parse_origin(value)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Origins::List(origins))
    }

    /// The CSP `frame-ancestors` source list: this origin and the allowed ones.
    pub fn frame_ancestors(&self) -> String {
        match self {
            Origins::SameOnly => "'self'".to_string(),
            Origins::List(list) => std::iter::once("'self'").chain(list.iter().map(String::as_str)).collect::<Vec<_>>().join(" "),
            Origins::Any => "*".to_string(),
        }
    }

    /// CORS for the API: closed (no `Access-Control-Allow-Origin`) unless origins are
    /// allowed; GET, and POST for `/api/events`; never credentials.
    pub fn cors_layer(&self) -> CorsLayer {
        let allow = match self {
            Origins::SameOnly => AllowOrigin::list(Vec::<HeaderValue>::new()),
            Origins::List(list) => AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok())),
            Origins::Any => AllowOrigin::any(),
        };
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::ACCEPT, header::CONTENT_TYPE])
            .expose_headers([header::ETAG, header::RETRY_AFTER])
            .max_age(Duration::from_secs(600))
    }
}

/// One origin in the form a browser's `Origin` header has: lower-case scheme and host,
/// default port left out.
fn parse_origin(value: &str) -> Result<String, ConfigError> {
    let refuse = |why: &str| Err(ConfigError::Origin { value: value.to_string(), why: why.to_string() });
    if !value.contains("://") {
        return refuse("it has no scheme");
    }
    let url = match url::Url::parse(value) {
        Ok(url) => url,
        Err(e) => return refuse(&format!("it is not a URL ({e})")),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refuse("the scheme must be http or https");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return refuse("it has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("an origin has no user name or password");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return refuse("an origin has no path, query or fragment");
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        let parsed = Origins::parse(&["HTTPS://Portal.Example.com:443/", " http://localhost:3000 ", ""]).unwrap();
        assert_eq!(parsed, Origins::List(vec!["https://portal.example.com".into(), "http://localhost:3000".into()]));
        assert_eq!(Origins::parse::<&str>(&[]).unwrap(), Origins::SameOnly);
        assert_eq!(Origins::parse(&["*"]).unwrap(), Origins::Any);
        assert_eq!(Origins::parse(&["https://a.example", "https://a.example"]).unwrap().frame_ancestors(), "'self' https://a.example");
    }

    #[test]
    fn values_a_browser_never_sends_are_refused_with_the_reason() {
        for (value, why) in [
            ("portal.example.com", "no scheme"),
            ("ftp://portal.example.com", "http or https"),
            ("https://portal.example.com/faq", "no path"),
            ("https://user@portal.example.com", "no user"),
            ("https://", "not a URL"),
            ("https://portal.example.com?x=1", "no path, query"),
        ] {
            let error = Origins::parse(&[value]).unwrap_err().to_string();
            assert!(error.contains(why) && error.contains("e.g. https://"), "{value}: {error}");
        }
        assert!(Origins::parse(&["*", "https://a.example"]).unwrap_err().to_string().contains("cannot be combined"));
    }
}
