//! `faq index`: build (or rebuild) the index from the corpus.

use anyhow::Result;

use super::Outcome;
use crate::locate;

pub fn run(location: &crate::cli::Location) -> Result<Outcome> {
    let resolved = locate::resolve(location);
    locate::require_corpus(&resolved)?;
    locate::build(&resolved, &locate::corpus_analyzer(resolved.corpus.as_deref())?)?;
    Ok(Outcome::Found)
}
