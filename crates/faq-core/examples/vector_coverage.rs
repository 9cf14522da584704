//! Coverage of the word-vector table: the share of content words (tokens of the
//! morphological path) that have a vector, over texts given one per line (a TSV's second
//! column when the line has tabs), with and without the query side's kana guard.
//!
//!     cargo run --release -p faq-core --example vector_coverage -- ../shared/datasets/localgovfaq/queries.tsv

fn main() {
    let analyzer = faq_core::Analyzer::load().expect("IPADIC dictionary (built in)");
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("reading the texts");
        let (mut words, mut covered, mut guarded, mut none) = (0usize, 0usize, 0usize, 0usize);
        let mut missing: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut lines = 0;
        for line in text.lines() {
            let line = line.split('\t').nth(1).unwrap_or(line);
            let tokens = analyzer.analyze(line).tokens;
            lines += 1;
            words += tokens.len();
            let all = faq_core::semantic::words(&tokens, false);
            let kept = faq_core::semantic::words(&tokens, true);
            covered += all.words.len();
            guarded += kept.words.len();
            none += kept.words.is_empty() as usize;
            for token in &tokens {
                if faq_core::semantic::table().key(&token.term).is_none() {
                    *missing.entry(token.term.clone()).or_default() += 1;
                }
            }
        }
        let share = |n: usize| 100.0 * n as f64 / words.max(1) as f64;
        let mut top: Vec<(String, usize)> = missing.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<String> = top.iter().take(15).map(|(t, n)| format!("{t}×{n}")).collect();
        println!(
            "{path}: {lines} texts, {words} content words: {:.1} % have a vector, {:.1} % after the kana guard; {none} texts without any; most frequent without: {}",
            share(covered),
            share(guarded),
            top.join(" ")
        );
    }
}
