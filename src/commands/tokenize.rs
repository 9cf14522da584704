//! `faq tokenize`: how a text is analysed, one token a line.

use std::io::{self, Write};

use anyhow::Result;

use super::Outcome;
use crate::cli::TokenizeArgs;
use crate::locate;

pub fn run(args: &TokenizeArgs) -> Result<Outcome> {
    let text = args.text.join(" ");
    // With the default corpus's user dictionary, as `faq search` analyses.
    let resolved = locate::resolve(&crate::cli::Location { corpus: None, index: None, synonyms: None });
    let analysis = locate::corpus_analyzer(resolved.corpus.as_deref())?.analyze(&text);
    let rendered = faq_core::analyzer::render_analysis(&text, &analysis);
    io::stdout().lock().write_all(crate::render::terminal_safe(&rendered).as_bytes())?;
    Ok(Outcome::from_found(!analysis.tokens.is_empty() || !analysis.bigrams.is_empty()))
}
