//! `faq report`: what sellers asked, for the FAQ's owner.

use std::io::{self, Write};

use anyhow::Result;

use super::Outcome;
use crate::locate;

/// `faq report`: what sellers asked since `--since`, and with `--suggest` what to change.
pub fn run(args: &crate::cli::ReportArgs) -> Result<Outcome> {
    let resolved = locate::resolve(&args.location);
    let location = locate::analytics_location(args.analytics.as_deref(), &resolved)?;
    if let faq_analytics::Location::Sqlite(path) = &location
        && !path.exists()
    {
        return Err(crate::errors::CliError::new(
            "invalid_argument",
            format!("no analytics at {}: `faq serve` records them there (or point --analytics at its file or URL)", location.name()),
        )
        .into());
    }
    let since_ms = since_ms(&args.since)?;
    let mut store = faq_analytics::Store::open_at(&location)?;
    // Unanswered questions that ask the same thing have the same content words.
    let analyzer = locate::corpus_analyzer(resolved.corpus.as_deref())?;
    let terms_of = |query: &str| faq_query::proposals::topic(&analyzer, query, &faq_analytics::mask::PLACEHOLDERS);
    let report = faq_analytics::Report::compute(&mut store, since_ms, &terms_of)?;
    let proposals = if args.suggest {
        let searcher = locate::open_searcher(&args.location)?;
        let groups = report.unanswered.iter().map(|g| (g.query.as_str(), g.count));
        Some(faq_query::proposals::propose(&searcher, groups, args.min_count)?)
    } else {
        None
    };
    let mut out = io::stdout().lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct WithProposals<'a> {
            #[serde(flatten)]
            report: &'a faq_analytics::Report,
            #[serde(skip_serializing_if = "Option::is_none")]
            suggestions: Option<&'a [faq_query::proposals::Proposal]>,
        }
        serde_json::to_writer(&mut out, &WithProposals { report: &report, suggestions: proposals.as_deref() })?;
        writeln!(out)?;
    } else {
        crate::render::owner_report(&mut out, &report, &args.since, proposals.as_deref())?;
    }
    Ok(Outcome::from_found(report.searches > 0))
}

/// `--since` as a time: see [`faq_analytics::period::since_ms`].
fn since_ms(since: &str) -> Result<i64> {
    faq_analytics::period::since_ms(since, faq_analytics::event::now_ms())
        .map_err(|error| crate::errors::CliError::new("invalid_argument", format!("--since {error}")).into())
}
