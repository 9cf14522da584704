//! `faq export`: the parsed corpus as JSONL, one entry a line.

use std::io::{self, BufWriter, Write};

use anyhow::Result;

use super::Outcome;
use crate::cli::ExportArgs;

pub fn run(args: &ExportArgs) -> Result<Outcome> {
    let corpus = faq_indexer::corpus::load(&args.corpus)?;
    for warning in &corpus.warnings {
        crate::errors::note(format_args!("warning: {warning}"));
    }
    let mut stdout = BufWriter::new(io::stdout().lock());
    for entry in &corpus.entries {
        serde_json::to_writer(&mut stdout, entry)?;
        writeln!(stdout)?;
    }
    stdout.flush()?;
    Ok(Outcome::from_found(!corpus.entries.is_empty()))
}
