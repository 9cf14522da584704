//! `faq eval`: rankings against graded judgments, and the answered decision.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use faq_query::eval;
use faq_query::{Page, SearchError};

use super::Outcome;
use crate::cli::{EvalArgs, RunFormat};
use crate::locate;

pub fn run(args: &EvalArgs) -> Result<Outcome> {
    let queries = eval::read_queries(&args.queries)?;
    let qrels = args.qrels.as_deref().map(eval::read_qrels).transpose()?;
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
