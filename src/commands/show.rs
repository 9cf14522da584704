//! `faq show`: one entry in full, or the ids it could be short for.

use std::io::{self, Write};

use anyhow::Result;
use faq_query::FaqSearcher;

use super::Outcome;
use crate::cli::ShowArgs;
use crate::errors::report;
use crate::{locate, render};

pub fn run(args: &ShowArgs) -> Result<Outcome> {
    let searcher = locate::open_searcher(&args.location)?;
    let Some(entry) = searcher.get(&args.id)? else {
        let mut message = format!("no entry with id {:?}", args.id);
        match similar_ids(&searcher, &args.id)?.as_slice() {
            [] => message.push_str(" (ids are printed by `faq search`)"),
            [one] => message.push_str(&format!("; did you mean {one}?")),
            several => message.push_str(&format!("; it matches several: {}", several.join(", "))),
        }
        if args.json {
            report("not_found", &message, true);
        } else {
            crate::errors::note(&message);
        }
        return Ok(Outcome::NothingFound);
    };
    let mut stdout = io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut stdout, &entry)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(render::entry(&entry).as_bytes())?;
    }
    Ok(Outcome::Found)
}

/// Ids that `partial` could be short for: a suffix after a `-` (the hash without the file
/// prefix), or a prefix. At most five, sorted.
fn similar_ids(searcher: &FaqSearcher, partial: &str) -> Result<Vec<String>> {
    let partial = partial.trim();
    if partial.is_empty() {
        return Ok(Vec::new());
    }
    let suffix = format!("-{partial}");
    let mut ids: Vec<String> = searcher
        .entries()?
        .into_iter()
        .map(|e| e.id)
        .filter(|id| id.ends_with(&suffix) || (id.starts_with(partial) && id.len() > partial.len()))
        .collect();
    ids.sort();
    ids.truncate(5);
    Ok(ids)
}
