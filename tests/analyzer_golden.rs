//! Golden tests of the analyzer: tests/golden/analyzer.txt holds inputs (`>>> text`) each
//! followed by the expected analysis as `faq tokenize` prints it: the morphological tokens
//! one per line (term, surface, part of speech), then the bigram and reading paths. `UPDATE_GOLDEN=1 cargo test --test all analyzer_golden::`
//! rewrites the file from the current analyzer; review the diff before committing it.

use crate::common;

use faq_core::analyzer::render_analysis;

const GOLDEN: &str = "tests/golden/analyzer.txt";

fn render_case(input: &str) -> String {
    format!(">>> {input}\n{}", render_analysis(input, &common::analyzer().analyze(input)))
}

#[test]
fn analyzer_matches_golden_file() {
    let path = common::repo().join(GOLDEN);
    let golden = std::fs::read_to_string(&path).unwrap();
    let mut expected_cases = Vec::new();
    let mut header = String::new();
    for block in golden.split("\n>>> ").enumerate() {
        match block {
            (0, first) if !first.starts_with(">>> ") => header = format!("{first}\n"),
            (0, first) => expected_cases.push(first.trim_start_matches(">>> ").to_string()),
            (_, case) => expected_cases.push(case.to_string()),
        }
    }
    let mut actual = header.clone();
    let mut mismatches = Vec::new();
    for case in &expected_cases {
        let input = case.lines().next().unwrap_or("");
        let rendered = render_case(input);
        let expected = format!(">>> {}\n", case.trim_end_matches('\n'));
        if rendered.trim_end() != expected.trim_end() {
            mismatches.push(format!("--- expected\n{expected}+++ actual\n{rendered}"));
        }
        actual.push_str(&rendered);
        actual.push('\n');
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual.trim_end().to_string() + "\n").unwrap();
        return;
    }
    assert!(expected_cases.len() >= 10, "golden file has only {} cases", expected_cases.len());
    assert!(mismatches.is_empty(), "{} case(s) differ:\n{}", mismatches.len(), mismatches.join("\n"));
}
