//! How `faq` reports a failure: one line `error: …` on stderr, or, when the command was asked
//! for JSON (`--json`, `--batch`), the API's `{"error": {"code", "message"}}` object on
//! stderr so that scripts can read it. Exit code 2 either way.

use std::fmt;

use serde::Serialize;

/// The JSON error object, as the HTTP API and `--batch` lines carry it.
#[derive(Serialize)]
pub struct ErrorObject<'a> {
    pub error: ErrorBody<'a>,
}

#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

/// Failures the CLI itself finds (the libraries' errors carry their own codes).
#[derive(Debug)]
pub struct CliError {
    pub code: &'static str,
    pub message: String,
}

impl CliError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CliError { code, message: message.into() }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The code of the first cause in `error`'s chain that has one.
pub fn code(error: &anyhow::Error) -> &'static str {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<faq_query::SearchError>() {
            return e.code();
        }
        if let Some(e) = cause.downcast_ref::<faq_indexer::BuildError>() {
            return match e {
                faq_indexer::BuildError::Corpus(_) => "corpus_invalid",
                faq_indexer::BuildError::Core(core) => core.code(),
                faq_indexer::BuildError::Tantivy(_) => "index_build",
            };
        }
        if let Some(e) = cause.downcast_ref::<faq_query::QueryError>() {
            return e.code();
        }
        if cause.downcast_ref::<faq_query::eval::EvalFileError>().is_some() || cause.downcast_ref::<faq_query::WeightsError>().is_some() {
            return "invalid_argument";
        }
        if let Some(e) = cause.downcast_ref::<faq_query::SynonymsError>() {
            return e.code();
        }
        if let Some(e) = cause.downcast_ref::<faq_core::CoreError>() {
            return e.code();
        }
        if cause.downcast_ref::<faq_indexer::CorpusError>().is_some() {
            return "corpus_invalid";
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return "io";
        }
    }
    "failed"
}

/// True when the command line asks for machine-readable output (`--json` or `--batch`
/// before any `--`), so that even an argument error is reported as JSON.
pub fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--json" || a == "--batch" || a.to_string_lossy().starts_with("--batch="))
}

/// Prints `error` on stderr, as JSON or as one `error:` line.
/// A note on stderr (progress, a rebuild, a warning): corpus text and file names in it
/// lose control and bidi characters first, as everything written to a terminal does.
pub fn note(message: impl std::fmt::Display) {
    eprintln!("{}", crate::render::terminal_safe(&message.to_string()));
}

pub fn report(code: &str, message: &str, json: bool) {
    let message = crate::render::terminal_safe(message);
    if json {
        let object = ErrorObject { error: ErrorBody { code, message: &message } };
        if let Ok(line) = serde_json::to_string(&object) {
            eprintln!("{line}");
            return;
        }
    }
    eprintln!("error: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_first_cause_that_has_one() {
        let query = anyhow::Error::from(faq_query::QueryError::Empty).context("searching");
        assert_eq!(code(&query), "empty_query");
        let cli = anyhow::Error::from(CliError::new("corpus_missing", "no corpus"));
        assert_eq!(code(&cli), "corpus_missing");
        assert_eq!(code(&anyhow::anyhow!("something else")), "failed");
    }

    #[test]
    fn json_is_wanted_only_before_a_double_dash() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(wants_json(&args(&["faq", "search", "--json", "x"])));
        assert!(wants_json(&args(&["faq", "search", "--batch", "-"])));
        assert!(!wants_json(&args(&["faq", "search", "--", "--json"])));
        assert!(!wants_json(&args(&["faq", "search", "x"])));
    }
}
