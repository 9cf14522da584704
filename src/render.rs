//! Human-readable output for a terminal: matched words in colour on a TTY, control
//! characters from the corpus or the query never reach the terminal.

use std::fmt::Write as _;

use faq_core::FaqEntry;
use faq_query::SearchResponse;
pub use faq_query::highlight::terminal_safe;

/// Ranked hits, one block per hit.
pub fn search(response: &SearchResponse, offset: usize, colour: bool) -> String {
    let (dim, bold, reset) = if colour { ("\x1b[2m", "\x1b[1m", "\x1b[0m") } else { ("", "", "") };
    let mut out = String::new();
    for (i, hit) in response.hits.iter().enumerate() {
        let _ = writeln!(
            out,
            "{bold}{:>2}.{reset} {}  {dim}[{}  score {:.2}  confidence {:.2}]{reset}",
            offset + i + 1,
            hit.marks.question.ansi(&hit.question, colour),
            terminal_safe(&hit.id),
            hit.score,
            hit.confidence
        );
        for line in hit.marks.answer.ansi(&hit.answer, colour).lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(out, "    {line}");
        }
        for link in &hit.links {
            let _ = writeln!(out, "    {dim}→ {}: {}{reset}", terminal_safe(&link.label), terminal_safe(&link.url));
        }
        for part in hit.explain.iter().flatten() {
            let via = part.via.as_deref().map(|v| format!(" (for {})", terminal_safe(v))).unwrap_or_default();
            let field = format!("{:?}", part.field).to_lowercase();
            let _ = writeln!(
                out,
                "    {dim}{:>7.3}  {:<9} {:<8} {}{via}{reset}",
                part.score,
                part.path.to_string(),
                field,
                terminal_safe(&part.term)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{dim}{} of {} matching entries, {:.2} ms{reset}", response.hits.len(), response.total_hits, response.took_ms);
    out
}

/// The one line that says the FAQ does not answer the question.
pub const UNANSWERED: &str = "この質問に答えるFAQは見つかりませんでした。";

/// The heading over the weak hits of a question the FAQ does not answer.
pub const RELATED_HEADING: &str = "関連するかもしれない質問";

/// At most this many weak hits are shown when the FAQ does not answer.
pub const RELATED_SHOWN: usize = 3;

/// A question the FAQ does not answer: one line saying so, then at most
/// [`RELATED_SHOWN`] weak hits (question, id, confidence) under [`RELATED_HEADING`].
pub fn unanswered(response: &SearchResponse, colour: bool) -> String {
    let (dim, bold, reset) = if colour { ("\x1b[2m", "\x1b[1m", "\x1b[0m") } else { ("", "", "") };
    let mut out = String::new();
    let _ = writeln!(out, "{bold}{UNANSWERED}{reset}");
    let _ = writeln!(out, "\n{RELATED_HEADING}:");
    for hit in response.hits.iter().take(RELATED_SHOWN) {
        let _ = writeln!(
            out,
            "  ・{}  {dim}[{}  confidence {:.2}]{reset}",
            hit.marks.question.ansi(&hit.question, colour),
            terminal_safe(&hit.id),
            hit.confidence
        );
    }
    let _ = writeln!(
        out,
        "\n{dim}`faq show ID` shows an entry in full; no entry passed the confidence needed to answer ({} matched){reset}",
        response.total_hits
    );
    out
}

/// One entry in full.
pub fn entry(entry: &FaqEntry) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Q: {}", terminal_safe(&entry.question));
    let _ = writeln!(out, "id: {}", terminal_safe(&entry.id));
    if let Some(source) = &entry.source {
        let _ = writeln!(out, "source: {}", terminal_safe(&source.to_string()));
    }
    let _ = writeln!(out, "\n{}", terminal_safe(&entry.answer));
    if !entry.links.is_empty() {
        out.push('\n');
        for link in &entry.links {
            let _ = writeln!(out, "→ {}: {}", terminal_safe(&link.label), terminal_safe(&link.url));
        }
    }
    out
}

/// `faq report` for a person: the numbers, the lists, and with `--suggest` the proposals.
pub fn owner_report(
    out: &mut impl std::io::Write,
    report: &faq_analytics::Report,
    since: &str,
    proposals: Option<&[faq_query::proposals::Proposal]>,
) -> std::io::Result<()> {
    use faq_query::proposals::Proposal;
    // What sellers typed, one line each as it reads: a newline in a query adds no row.
    let safe = faq_query::highlight::one_line;
    writeln!(out, "{} searches since {since}, {:.1} % answered", report.searches, report.answered_rate * 100.0)?;
    writeln!(out, "\nMost asked:")?;
    for row in &report.top_queries {
        writeln!(out, "  {:>6}  {}", row.count, safe(&row.query))?;
    }
    writeln!(out, "\nNot answered (grouped by what they ask):")?;
    for row in &report.unanswered {
        writeln!(out, "  {:>6}  {}  [{}]", row.count, safe(&row.query), safe(row.terms.as_deref().unwrap_or("")))?;
    }
    writeln!(out, "\nEntries (shown, opened, open rate, helpful, not helpful):")?;
    for entry in &report.entries {
        writeln!(
            out,
            "  {:>6} {:>6} {:>5.0}% {:>4} {:>4}  {}",
            entry.shown,
            entry.opened,
            entry.open_rate * 100.0,
            entry.helpful,
            entry.not_helpful,
            safe(&entry.id)
        )?;
    }
    if !report.never_opened.is_empty() {
        writeln!(out, "\nShown but never opened:")?;
        for id in &report.never_opened {
            writeln!(out, "  {}", safe(id))?;
        }
    }
    let Some(proposals) = proposals else { return Ok(()) };
    writeln!(out, "\nSuggested synonyms (each tried; accept one by appending its line to corpus/synonyms.txt):")?;
    let synonyms: Vec<&Proposal> = proposals.iter().filter(|p| matches!(p, Proposal::Synonym { .. })).collect();
    if synonyms.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for proposal in synonyms {
        if let Proposal::Synonym { line, evidence, strength, example, count, answers, question, .. } = proposal {
            writeln!(out, "  {}", safe(line))?;
            writeln!(out, "      {count}× 「{}」 → {} 「{}」 ({evidence} {strength:.2})", safe(example), safe(answers), safe(question))?;
        }
    }
    writeln!(out, "\nNo FAQ covers this (write an entry):")?;
    let uncovered: Vec<&Proposal> = proposals.iter().filter(|p| matches!(p, Proposal::Uncovered { .. })).collect();
    if uncovered.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for proposal in uncovered {
        if let Proposal::Uncovered { topic, example, count } = proposal {
            writeln!(out, "  {:>6}  {}  [{}]", count, safe(example), safe(topic))?;
        }
    }
    Ok(())
}
