//! Who may see `/admin`: the operator's token, and the sessions it opens.
//!
//! - The token must be strong ([`AdminToken::new`]): 16 characters or more, no runs such as
//!   `aaaaaa` or `123456`, and at least 64 bits by its letters' spread. `openssl rand -hex 24`
//!   makes one.
//! - Wrong tokens (bearer header or login form) are counted for all clients together: after
//!   [`GUESSES_PER_SECOND`] in the last second, every token check is refused (429) without
//!   being made until the second has passed, right tokens too (else a guess that came
//!   through would stand out). Every wrong token waits [`WRONG_TOKEN_DELAY`] before its
//!   answer. Open sessions are not affected.
//! - The login form opens a session: the cookie holds a random id (256 bits), never the token;
//!   `Secure` when the request came over TLS (`X-Forwarded-Proto: https` from the proxy in
//!   front). Sessions live [`SESSION_LIFE`], at most [`MAX_SESSIONS`] at once, and end at
//!   logout, which is a POST carrying the session's CSRF token.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq;

/// Wrong tokens allowed per second, all clients together.
pub const GUESSES_PER_SECOND: u32 = 2;
/// How long the answer to a wrong token waits.
pub const WRONG_TOKEN_DELAY: Duration = Duration::from_secs(1);
/// How long a session lasts.
pub const SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);
/// Sessions open at once; a new one past this ends the oldest.
pub const MAX_SESSIONS: usize = 64;
/// Shortest token accepted.
pub const MIN_TOKEN: usize = 16;
/// Least strength accepted, in bits.
pub const MIN_BITS: f64 = 64.0;
/// Characters in a row that make a run (`aaaaaa`, `123456`, `fedcba`): one in ~8,000
/// tokens from `openssl rand -hex 24` has one.
const RUN: usize = 6;
/// The cookie's name.
pub const COOKIE: &str = "faq_admin";

/// The operator's secret for `/admin`.
#[derive(Clone)]
pub struct AdminToken(Arc<str>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

/// Why a token was refused at start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WeakToken {
    #[error(
        "the admin token must be at least {MIN_TOKEN} characters of letters, digits and -._~+/= (make one with `openssl rand -hex 24`)"
    )]
    Form,
    #[error("the admin token is too easy to guess ({0}); make one with `openssl rand -hex 24`")]
    Guessable(&'static str),
}

impl AdminToken {
    /// A token of at least [`MIN_TOKEN`] characters, letters, digits and `-._~+/=` only (it
    /// travels in a header), with no runs and at least [`MIN_BITS`] of spread.
    pub fn new(token: &str) -> Result<AdminToken, WeakToken> {
        let fit = token.len() >= MIN_TOKEN && token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
        if !fit {
            return Err(WeakToken::Form);
        }
        let bytes = token.as_bytes();
        let run = bytes.windows(RUN).any(|w| {
            let steps: Vec<i16> = w.windows(2).map(|p| i16::from(p[1]) - i16::from(p[0])).collect();
            steps.iter().all(|&s| s == steps[0]) && steps[0].abs() <= 1
        });
        if run {
            return Err(WeakToken::Guessable("it has a run such as aaaaaa or 123456"));
        }
        if strength_bits(bytes) < MIN_BITS {
            return Err(WeakToken::Guessable("too few different characters"));
        }
        Ok(AdminToken(token.into()))
    }

    /// Constant-time comparison (the length is not secret).
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes()))
    }
}

/// The token's length times the Shannon entropy of its characters' spread, in bits.
fn strength_bits(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    let per_char: f64 = counts.iter().filter(|&&c| c > 0).map(|&c| -(f64::from(c) / n) * (f64::from(c) / n).log2()).sum();
    per_char * n
}

/// What a request presented.
pub(crate) enum Presented {
    Nothing,
    /// A bearer token, to be checked against the operator's.
    Bearer(String),
    /// A session cookie.
    Session(String),
}

pub(crate) fn presented(headers: &HeaderMap) -> Presented {
    let bearer = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("Bearer ").map(|t| t.trim().to_string()));
    if let Some(token) = bearer {
        return Presented::Bearer(token);
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE).and_then(|rest| rest.strip_prefix('=')).map(str::to_string));
    cookie.filter(|c| !c.is_empty()).map_or(Presented::Nothing, Presented::Session)
}

/// Whether the request came over TLS, as the proxy in front says.
pub(crate) fn over_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

struct Session {
    expires: Instant,
    csrf: String,
    opened: Instant,
}

/// The guard of `/admin`: the token, the open sessions and the bucket of guesses.
pub(crate) struct Gate {
    pub(crate) token: AdminToken,
    sessions: Mutex<HashMap<String, Session>>,
    /// When the wrong tokens of the last second came.
    wrong: Mutex<VecDeque<Instant>>,
}

/// A token check's outcome.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Check {
    Admitted,
    Wrong,
    /// Too many wrong tokens in the last second: not checked.
    TooMany,
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // The operating system's generator; without it no session can be opened safely.
    getrandom::fill(&mut buffer).expect("the operating system's random generator");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

impl Gate {
    pub(crate) fn new(token: AdminToken) -> Gate {
        Gate { token, sessions: Mutex::default(), wrong: Mutex::default() }
    }

    /// Checks a token against the operator's, unless too many wrong ones came in the last
    /// second (the lock is held through the comparison, so parallel guesses queue).
    pub(crate) fn check_token(&self, candidate: &str) -> Check {
        let mut wrong = self.wrong.lock().unwrap_or_else(|e| e.into_inner());
        while wrong.front().is_some_and(|t| t.elapsed() >= Duration::from_secs(1)) {
            wrong.pop_front();
        }
        if wrong.len() >= GUESSES_PER_SECOND as usize {
            return Check::TooMany;
        }
        if self.token.matches(candidate) {
            return Check::Admitted;
        }
        wrong.push_back(Instant::now());
        Check::Wrong
    }

    /// Opens a session; returns (id, CSRF token).
    pub(crate) fn open_session(&self) -> (String, String) {
        let id = random_hex(32);
        let csrf = random_hex(16);
        let now = Instant::now();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions.iter().min_by_key(|(_, s)| s.opened).map(|(k, _)| k.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(id.clone(), Session { expires: now + SESSION_LIFE, csrf: csrf.clone(), opened: now });
        (id, csrf)
    }

    /// The CSRF token of a live session.
    pub(crate) fn session(&self, id: &str) -> Option<String> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.get(id).filter(|s| s.expires > Instant::now()).map(|s| s.csrf.clone())
    }

    /// Ends the session `id` if `csrf` is its token; whether it did.
    pub(crate) fn close_session(&self, id: &str, csrf: &str) -> bool {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let matches = sessions.get(id).is_some_and(|s| bool::from(s.csrf.as_bytes().ct_eq(csrf.as_bytes())));
        if matches {
            sessions.remove(id);
        }
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_tokens_are_refused_and_random_ones_taken() {
        for weak in [
            "short",
            "has space in it 12345",
            "aaaaaaaaaaaaaaaa",
            "0123456789abcdefghij",
            "abababababababababab",
            "test-admin-token-0123456789",
            "zzzzzzzzzzzzzzzzzzzzQ",
        ] {
            assert!(AdminToken::new(weak).is_err(), "{weak}");
        }
        for strong in ["9f3c1a7be04d52e8c6a1f0b3d7e29c4a5b8e1f6d02a7c3b9", "Xq7-Lm2_pR9.tZ4~wK8e", "tq8Ro2vKx5Lw1Ny7Pc3M"] {
            assert!(AdminToken::new(strong).is_ok(), "{strong}");
        }
        assert_eq!(format!("{:?}", AdminToken::new("tq8Ro2vKx5Lw1Ny7Pc3M").unwrap()), "AdminToken(***)");
    }

    #[test]
    fn guesses_are_bounded_for_everyone_together() {
        let gate = Gate::new(AdminToken::new("tq8Ro2vKx5Lw1Ny7Pc3M").unwrap());
        for _ in 0..20 {
            assert_eq!(gate.check_token("tq8Ro2vKx5Lw1Ny7Pc3M"), Check::Admitted, "right tokens drain nothing");
        }
        let outcomes: Vec<Check> = (0..20).map(|_| gate.check_token("wrong-wrong-wrong-1")).collect();
        assert_eq!(outcomes.iter().filter(|c| **c == Check::Wrong).count(), GUESSES_PER_SECOND as usize);
        assert_eq!(gate.check_token("tq8Ro2vKx5Lw1Ny7Pc3M"), Check::TooMany, "not even checked");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(gate.check_token("tq8Ro2vKx5Lw1Ny7Pc3M"), Check::Admitted);
    }

    #[test]
    fn sessions_are_random_revocable_and_need_their_csrf_token() {
        let gate = Gate::new(AdminToken::new("tq8Ro2vKx5Lw1Ny7Pc3M").unwrap());
        let (id, csrf) = gate.open_session();
        let (other, _) = gate.open_session();
        assert_ne!(id, other);
        assert_eq!(id.len(), 64);
        assert_eq!(gate.session(&id), Some(csrf.clone()));
        assert!(!gate.close_session(&id, "forged"));
        assert!(gate.close_session(&id, &csrf));
        assert_eq!(gate.session(&id), None, "revoked");
    }
}
