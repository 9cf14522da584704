//! Where the analytics go, parsed once: a SQLite file, or a PostgreSQL database named by a
//! URL (`postgres://user:pass@host/db?…`) or by a libpq key=value string
//! (`host=db user=faq password=… dbname=faq`). What may be printed of it ([`Location::name`])
//! is made from the parsed parts and never holds the password, whatever form was given;
//! a string that is neither a path nor a connection string is refused, never taken for a file.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Time allowed to open a TCP connection to PostgreSQL, and for its start-up exchange.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed analytics location.
#[derive(Clone)]
pub enum Location {
    Sqlite(PathBuf),
    /// Boxed: a connection configuration is far larger than a path.
    Postgres {
        config: Box<tokio_postgres::Config>,
        name: String,
    },
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// Why a location was refused. Never quotes the text given (it may hold a password).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error("the analytics location is empty")]
    Empty,
    #[error(
        "the analytics location is not a valid PostgreSQL connection string ({0}); in a URL, characters such as / : @ in the password must be percent-encoded"
    )]
    Postgres(String),
}

/// libpq's connection keywords: a string starting with one of them and `=` is a key=value
/// connection string.
const KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "connect_timeout",
    "options",
    "application_name",
    "sslmode",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "target_session_attrs",
    "keepalives",
    "keepalives_idle",
    "channel_binding",
    "load_balance_hosts",
];

impl Location {
    /// Parses `text`: a `postgres://` or `postgresql://` URL, a key=value connection string,
    /// or else a SQLite file path.
    pub fn parse(text: &str) -> Result<Location, LocationError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(LocationError::Empty);
        }
        let lower = trimmed.to_ascii_lowercase();
        let url = lower.starts_with("postgres://") || lower.starts_with("postgresql://");
        let key_value = trimmed.split_once('=').is_some_and(|(key, _)| KEYWORDS.contains(&key.trim()));
        if !url && !key_value {
            return Ok(Location::Sqlite(PathBuf::from(text)));
        }
        let mut config = tokio_postgres::Config::from_str(trimmed).map_err(|e| LocationError::Postgres(redacted_reason(&e.to_string())))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        let name = postgres_name(&config);
        Ok(Location::Postgres { config: Box::new(config), name })
    }

    /// A SQLite file.
    pub fn file(path: &Path) -> Location {
        Location::Sqlite(path.to_path_buf())
    }

    /// What may be printed: the path, or `postgres://user@host:port/dbname` (never a
    /// password).
    pub fn name(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres { name, .. } => name.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres { .. })
    }
}

/// `postgres://user@host:port/dbname` from the parsed parts.
fn postgres_name(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or_else(|| config.get_ports().first()) {
                Some(port) if *port != 5432 => format!("{host}:{port}"),
                _ => host,
            }
        })
        .collect();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{}/{db}", hosts.join(","))
}

/// A parser's complaint with anything after `=` or `:` cut (it could quote a value).
fn redacted_reason(reason: &str) -> String {
    reason.split(['=', ':', '"', '\'']).next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_understood_and_printed_without_its_password() {
        for (text, name) in [
            ("postgres://faq:hunter2@db:5432/faq", "postgres://faq@db/faq"),
            ("postgres://faq:hunter2@db:6543/faq", "postgres://faq@db:6543/faq"),
            ("postgresql://faq@db/faq?password=hunter2", "postgres://faq@db/faq"),
            ("postgres://faq:hun%2Fter2@db/faq", "postgres://faq@db/faq"),
            ("postgres://faq:hun/ter2@db/faq", "postgres://faq@db/faq"),
            ("host=db user=faq password=hunter2 dbname=faq", "postgres://faq@db/faq"),
            ("host=db port=6432 password='hunter2 x' dbname=faq", "postgres://db:6432/faq"),
        ] {
            let location = Location::parse(text).unwrap();
            assert!(location.is_postgres(), "{text}");
            assert_eq!(location.name(), name, "{text}");
            assert!(!format!("{location:?}").contains("hunter2"));
        }
    }

    #[test]
    fn a_malformed_connection_string_is_refused_without_quoting_it() {
        for text in ["host=db password='hunter2", "postgres://faq:hunter2@db:notaport/faq"] {
            let error = Location::parse(text).err().unwrap_or_else(|| panic!("{text} parsed as {:?}", Location::parse(text)));
            let message = error.to_string();
            assert!(!message.contains("hunter2") && !message.contains("hun"), "{message}");
        }
    }

    #[test]
    fn paths_stay_paths() {
        for text in ["index/default.analytics.sqlite", "/var/lib/faq/a.sqlite", "a=b.sqlite", "./host"] {
            assert!(matches!(Location::parse(text), Ok(Location::Sqlite(_))), "{text}");
        }
        assert!(matches!(Location::parse("  "), Err(LocationError::Empty)));
    }
}
