//! Step 2 of `scripts/vectors.py`: turns chiVe words into the analyzer's own terms.
//!
//! Reads `word<TAB>row<TAB>priority` lines (the file named first) and IPADIC's words (the
//! second, one a line: a key must be the analyzer's term of one of them), analyses each word, and
//! keeps the words that are one content token of their own. Per term it keeps the candidate
//! with the lowest priority, then the lowest (most frequent) row, and writes
//! `term<TAB>row<TAB>source`: `source` is empty when the analyzer gives the term back for
//! itself, else the word it came from (which analyses to it), so that a test can check that
//! every key of the table is a term the analyzer produces.

use std::collections::HashMap;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, words, vocabulary] = args.as_slice() else { panic!("usage: vector_keys WORDS.tsv IPADIC_WORDS.txt") };
    let text = std::fs::read_to_string(words).expect("reading the word list");
    let analyzer = faq_core::Analyzer::load().expect("IPADIC dictionary (built in)");
    // The analyzer's terms of IPADIC's own words: the vocabulary a key must belong to.
    let allowed: std::collections::HashSet<String> = std::fs::read_to_string(vocabulary)
        .expect("reading the IPADIC words")
        .lines()
        .filter_map(|word| match analyzer.analyze(word).tokens.as_slice() {
            [token] => Some(token.term.clone()),
            _ => None,
        })
        .collect();
    let mut best: HashMap<String, (u8, u32, String)> = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split('\t');
        let (Some(word), Some(row), Some(priority)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let (Ok(row), Ok(priority)) = (row.parse::<u32>(), priority.parse::<u8>()) else { continue };
        let tokens = analyzer.analyze(word).tokens;
        let [token] = tokens.as_slice() else { continue };
        if token.start != 0 || token.end != word.len() || token.term.is_empty() {
            continue;
        }
        let candidate = (priority, row, word.to_string());
        best.entry(token.term.clone())
            .and_modify(|b| {
                if (candidate.0, candidate.1) < (b.0, b.1) {
                    *b = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    // A term that the analyzer does not give back for itself (問合, the term of 問い合わせ,
    // analyses as 問 / 合) keeps the word it came from, so a test can check it.
    let mut keys: Vec<(String, u32, String)> = best
        .into_iter()
        .filter(|(term, _)| allowed.contains(term))
        .map(|(term, (_, row, word))| {
            let itself = analyzer.analyze(&term).tokens.iter().map(|t| t.term.as_str()).eq([term.as_str()]);
            let source = if itself { String::new() } else { word };
            (term, row, source)
        })
        .collect();
    keys.sort();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (term, row, source) in keys {
        writeln!(out, "{term}\t{row}\t{source}").unwrap();
    }
}
