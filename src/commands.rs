//! The subcommands of `faq`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use anyhow::{Context, Result};
use faq_query::eval;
use faq_query::{FaqSearcher, Page, SearchError};
use serde::Serialize;

use crate::cli::{Command, EvalArgs, ExportArgs, RunFormat, SearchArgs, ShowArgs, TokenizeArgs};
use crate::errors::{ErrorBody, report};
use crate::{locate, render};

/// How a successful command ended: decides the exit code. For a search, found means
/// answered: a question the FAQ does not answer exits 1 even when related entries are shown.
pub enum Outcome {
    Found,
    NothingFound,
}

impl Outcome {
    fn from_found(found: bool) -> Self {
        if found { Outcome::Found } else { Outcome::NothingFound }
    }
}

pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Index(location) => {
            let resolved = locate::resolve(&location);
            locate::require_corpus(&resolved)?;
            locate::build(&resolved, &locate::corpus_analyzer(resolved.corpus.as_deref())?)?;
            Ok(Outcome::Found)
        }
        Command::Search(args) if args.batch.is_some() => search_batch(&args),
        Command::Search(args) => search(&args),
        Command::Show(args) => show(&args),
        Command::Tokenize(args) => tokenize(&args),
        Command::Eval(args) => evaluate(&args),
        Command::Export(args) => export(&args),
        Command::Serve(args) => crate::serve::run(args).map(|()| Outcome::Found),
        Command::Report(args) => owner_report(&args),
    }
}

fn export(args: &ExportArgs) -> Result<Outcome> {
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

fn search(args: &SearchArgs) -> Result<Outcome> {
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

fn search_batch(args: &SearchArgs) -> Result<Outcome> {
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

fn show(args: &ShowArgs) -> Result<Outcome> {
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

fn tokenize(args: &TokenizeArgs) -> Result<Outcome> {
    let text = args.text.join(" ");
    // With the default corpus's user dictionary, as `faq search` analyses.
    let resolved = locate::resolve(&crate::cli::Location { corpus: None, index: None, synonyms: None });
    let analysis = locate::corpus_analyzer(resolved.corpus.as_deref())?.analyze(&text);
    let rendered = faq_core::analyzer::render_analysis(&text, &analysis);
    io::stdout().lock().write_all(crate::render::terminal_safe(&rendered).as_bytes())?;
    Ok(Outcome::from_found(!analysis.tokens.is_empty() || !analysis.bigrams.is_empty()))
}

fn evaluate(args: &EvalArgs) -> Result<Outcome> {
    let queries = eval::read_queries(&args.queries).map_err(anyhow::Error::msg)?;
    let qrels = args.qrels.as_deref().map(eval::read_qrels).transpose().map_err(anyhow::Error::msg)?;
    let searcher = locate::open_searcher(&args.location)?;
    let page = Page { limit: args.depth as usize, offset: 0, explain: args.signals.is_some() };
    let mut rankings: HashMap<String, Vec<String>> = HashMap::new();
    let mut answered: HashMap<String, bool> = HashMap::new();
    let create = |p: &std::path::Path| File::create(p).map(BufWriter::new).with_context(|| format!("creating {}", p.display()));
    let mut run = args.run.as_deref().map(create).transpose()?;
    let mut signals = args.signals.as_deref().map(create).transpose()?;
    // Written through `io::Write`, so that a reader that has gone (`faq eval … | head`) is an
    // error main() knows, not a panic.
    let mut stdout = io::stdout().lock();
    if let Some(out) = signals.as_mut() {
        writeln!(out, "query\trank\tid\trelevant\tconfidence\t{}", faq_query::confidence::FEATURES.join("\t"))?;
    }
    for query in &queries {
        let (hits, was_answered) = match searcher.search(&query.text, page) {
            Ok(response) => (response.hits, response.answered),
            Err(SearchError::Query(_)) => (Vec::new(), false),
            Err(other) => return Err(other.into()),
        };
        let judged = qrels.as_ref().and_then(|q| q.get(&query.id));
        let relevant = |id: &String| judged.and_then(|j| j.get(id)).is_some_and(|g| *g > 0);
        if let Some(run) = run.as_mut() {
            for (rank, hit) in hits.iter().enumerate() {
                match args.run_format {
                    RunFormat::Trec => writeln!(run, "{} Q0 {} {} {:.6} faq", query.id, hit.id, rank + 1, hit.score)?,
                    RunFormat::Tsv => writeln!(run, "{}\t{}\t{}\t{:.6}", query.id, rank + 1, hit.id, hit.score)?,
                }
            }
        }
        if let Some(out) = signals.as_mut() {
            for (rank, hit) in hits.iter().enumerate() {
                let features = hit.signals.unwrap_or_default().features().map(|f| f.to_string()).join("\t");
                writeln!(out, "{}\t{rank}\t{}\t{}\t{}\t{features}", query.id, hit.id, u8::from(relevant(&hit.id)), hit.confidence)?;
            }
        }
        let ranking: Vec<String> = hits.into_iter().map(|h| h.id).collect();
        if args.per_query {
            let rank = ranking.iter().position(relevant).map(|i| i + 1).unwrap_or(0);
            let top = ranking.first().map(String::as_str).unwrap_or("-");
            let class = query.class.as_deref().unwrap_or("-");
            writeln!(stdout, "{}\t{class}\t{rank}\t{top}\t{}\t{}", query.id, u8::from(was_answered), query.text)?;
        }
        answered.insert(query.id.clone(), was_answered);
        rankings.insert(query.id.clone(), ranking);
    }
    for out in [run, signals].into_iter().flatten() {
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    if let Some(qrels) = &qrels {
        writeln!(stdout, "{}", eval::evaluate(&queries, &rankings, qrels).table())?;
    }
    write!(stdout, "{}", eval::answering_table(&eval::answering(&queries, &rankings, &answered, qrels.as_ref()), qrels.is_none()))?;
    stdout.flush()?;
    Ok(Outcome::Found)
}

/// `faq report`: what sellers asked since `--since`, and with `--suggest` what to change.
fn owner_report(args: &crate::cli::ReportArgs) -> Result<Outcome> {
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
        .map_err(|message| crate::errors::CliError::new("invalid_argument", message).into())
}
