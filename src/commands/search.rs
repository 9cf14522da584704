//! `faq search`: one question (text, or the JSON contract with `--json`), or a batch of
//! them, one JSON line each.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

use anyhow::{Context, Result};
use faq_query::{FaqSearcher, Page, SearchError};
use serde::Serialize;

use super::Outcome;
use crate::cli::SearchArgs;
use crate::errors::ErrorBody;
use crate::{locate, render};

pub fn run(args: &SearchArgs) -> Result<Outcome> {
    let query = args.query.join(" ");
    // Refuse a bad query before paying for the dictionary and the index.
    FaqSearcher::validate(&query)?;
    let searcher = locate::open_searcher(&args.location)?;
    let page = Page { limit: args.limit as usize, offset: args.offset, explain: args.explain };
    let response = searcher.search(&query, page)?;
    let mut stdout = io::stdout().lock();
    let colour = args.colour.color.enabled();
    if args.json {
        stdout.write_all(&response.to_json())?;
        writeln!(stdout)?;
    } else if response.hits.is_empty() && response.total_hits > 0 {
        crate::errors::note(format_args!(
            "the page is past the end: {} entries match, and --offset {} skips them all (try --offset 0)",
            response.total_hits, args.offset
        ));
    } else if response.hits.is_empty() {
        crate::errors::note(format_args!("no FAQ entry matches {query:?}"));
    } else if !response.answered && !args.explain {
        stdout.write_all(render::unanswered(&response, colour).as_bytes())?;
    } else if !response.answered {
        // Explaining: every weak hit with its breakdown, under the same one-line verdict.
        stdout.write_all(format!("{}\n\n", render::UNANSWERED).as_bytes())?;
        stdout.write_all(render::search(&response, args.offset, colour).as_bytes())?;
    } else {
        stdout.write_all(render::search(&response, args.offset, colour).as_bytes())?;
    }
    stdout.flush()?;
    Ok(Outcome::from_found(response.answered && !response.hits.is_empty()))
}

/// The JSON line written for a query that could not be run, so that output lines stay
/// aligned with input lines.
#[derive(Serialize)]
struct BatchError<'a> {
    query: &'a str,
    error: ErrorBody<'a>,
}

/// Bytes of output a batch gathers before writing them.
const BATCH_BUFFER: usize = 64 * 1024;

pub fn batch(args: &SearchArgs) -> Result<Outcome> {
    let path = args.batch.as_deref().unwrap_or(std::path::Path::new("-"));
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
    };
    let searcher = locate::open_searcher(&args.location)?;
    let page = Page { limit: args.limit as usize, offset: args.offset, explain: args.explain };
    // Lines are written into one buffer, responses straight into it (no second copy
    // through a `BufWriter`), and the buffer to the descriptor once it holds 64 KiB.
    let mut stdout = block_stdout()?;
    let mut out: Vec<u8> = Vec::with_capacity(BATCH_BUFFER + 64 * 1024);
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    let mut any_answered = false;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let raw = line.strip_suffix(b"\n").unwrap_or(&line);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Ok(query) = std::str::from_utf8(raw) else {
            let lossy = String::from_utf8_lossy(raw);
            let error = ErrorBody { code: "invalid_utf8", message: "the line is not valid UTF-8" };
            serde_json::to_writer(&mut out, &BatchError { query: &lossy, error })?;
            writeln!(out)?;
            continue;
        };
        match searcher.search(query, page) {
            Ok(response) => {
                any_answered |= response.answered && !response.hits.is_empty();
                response.write_json_with(&mut out, None);
            }
            Err(SearchError::Query(error)) => {
                let message = error.to_string();
                let body = ErrorBody { code: error.code(), message: &message };
                serde_json::to_writer(&mut out, &BatchError { query, error: body })?;
            }
            Err(other) => return Err(other.into()),
        }
        out.push(b'\n');
        if out.len() >= BATCH_BUFFER {
            stdout.write_all(&out)?;
            out.clear();
        }
    }
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(Outcome::from_found(any_answered))
}

/// Standard output for writing in blocks: Rust's `Stdout` is line-buffered and scans every
/// chunk written to it for its last newline (~20K instructions for a 20 KB search response,
/// callgrind); a batch writes whole buffers, so it writes to the descriptor itself.
fn block_stdout() -> io::Result<Box<dyn Write>> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        io::stdout().flush()?;
        Ok(Box::new(File::from(io::stdout().as_fd().try_clone_to_owned()?)))
    }
    #[cfg(not(unix))]
    {
        Ok(Box::new(io::stdout()))
    }
}
