//! Step 2 of `scripts/vectors.py`: turns chiVe words into the analyzer's own terms.
//!
//! Reads `word<TAB>row<TAB>priority` lines (the file named first) and IPADIC's words (the
//! second, one a line: a key must be the analyzer's term of one of them), analyses each word, and
//! keeps the words that are one content token of their own. Per term it keeps the candidate
//! with the lowest priority, then the lowest (most frequent) row, and writes `term<TAB>row`
//! for the terms the analyzer gives back for themselves, so every key of the table is a term
//! the index can hold.

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
    let mut best: HashMap<String, (u8, u32)> = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split('\t');
        let (Some(word), Some(row), Some(priority)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let (Ok(row), Ok(priority)) = (row.parse::<u32>(), priority.parse::<u8>()) else { continue };
        let tokens = analyzer.analyze(word).tokens;
        let [token] = tokens.as_slice() else { continue };
        if token.start != 0 || token.end != word.len() || token.term.is_empty() {
            continue;
        }
        let candidate = (priority, row);
        best.entry(token.term.clone()).and_modify(|b| *b = (*b).min(candidate)).or_insert(candidate);
    }
    let mut keys: Vec<(String, u32)> = best
        .into_iter()
        .filter(|(term, _)| allowed.contains(term))
        .filter(|(term, _)| analyzer.analyze(term).tokens.iter().map(|t| t.term.as_str()).eq([term.as_str()]))
        .map(|(term, (_, row))| (term, row))
        .collect();
    keys.sort();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (term, row) in keys {
        writeln!(out, "{term}\t{row}").unwrap();
    }
}
