//! Offline evaluation against graded judgments, with the same definitions as
//! `shared/peers/eval.py` (trec_eval conventions) so numbers compare across engines:
//!
//! * evaluated queries: those in the queries file with at least one judgment of grade > 0;
//! * nDCG@10: linear gain (= grade), log2(rank + 1) discount, ideal ranking from the qrels;
//! * Recall@k: relevant found in the top k / relevant judged; MRR@10: 1 / rank of the first
//!   relevant hit in the top 10; zero-hit: queries (of the whole file) with no result.
//!
//! * the answered decision ([`answering`]): the share of queries answered, the top-1
//!   precision of the answered ones against that of all; on a set the FAQ does not answer
//!   (no judgments) the answered share is the false-answer rate.
//!
//! Queries: `id<TAB>text[<TAB>class]`; the optional class groups the metrics per class.
//! Qrels: `id<TAB>doc<TAB>grade` (whitespace-separated TREC lines `id 0 doc grade` too).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

/// One evaluation query.
#[derive(Clone, Debug)]
pub struct EvalQuery {
    pub id: String,
    pub text: String,
    pub class: Option<String>,
}

/// Graded judgments: query id → doc id → grade.
pub type Qrels = HashMap<String, HashMap<String, i32>>;

/// Mean metrics over a set of queries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub recall_at_10: f64,
    pub mrr_at_10: f64,
    pub recall_at_1: f64,
    pub zero_hit: usize,
}

/// Metrics overall and per query class.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub overall: Metrics,
    pub by_class: BTreeMap<String, Metrics>,
}

/// An evaluation file that cannot be used: it names the file, and the line at fault.
#[derive(Debug, thiserror::Error)]
pub enum EvalFileError {
    #[error("{file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}:{line}: {message}")]
    Line { file: String, line: usize, message: String },
}

fn read(path: &Path) -> Result<String, EvalFileError> {
    std::fs::read_to_string(path).map_err(|source| EvalFileError::Read { file: path.display().to_string(), source })
}

fn at(path: &Path, n: usize, message: impl Into<String>) -> EvalFileError {
    EvalFileError::Line { file: path.display().to_string(), line: n + 1, message: message.into() }
}

/// Reads a queries file.
pub fn read_queries(path: &Path) -> Result<Vec<EvalQuery>, EvalFileError> {
    let text = read(path)?;
    let mut queries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(id), Some(query)) = (parts.next(), parts.next()) else {
            return Err(at(path, n, "expected `id<TAB>query[<TAB>class]`"));
        };
        let class = parts.next().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        queries.push(EvalQuery { id: id.trim().to_string(), text: query.to_string(), class });
    }
    Ok(queries)
}

/// Reads a qrels file.
pub fn read_qrels(path: &Path) -> Result<Qrels, EvalFileError> {
    let text = read(path)?;
    let mut qrels: Qrels = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = if line.contains('\t') { line.split('\t').collect() } else { line.split_whitespace().collect() };
        let (query, doc, grade) = match parts.as_slice() {
            [q, d, g] => (q, d, g),
            [q, _, d, g] => (q, d, g),
            _ => return Err(at(path, n, "expected `query<TAB>doc<TAB>grade`")),
        };
        let grade: f64 = grade.trim().parse().map_err(|_| at(path, n, format!("grade {grade:?} is not a number")))?;
        let slot = qrels.entry(query.trim().to_string()).or_default().entry(doc.trim().to_string()).or_insert(grade as i32);
        *slot = (*slot).max(grade as i32);
    }
    Ok(qrels)
}

fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains.enumerate().map(|(i, g)| g / ((i + 2) as f64).log2()).sum()
}

/// Per-query scores: (nDCG@10, Recall@10, MRR@10, Recall@1), or `None` if unjudged.
pub fn score_query(ranking: &[String], judged: Option<&HashMap<String, i32>>) -> Option<[f64; 4]> {
    let judged = judged?;
    let relevant: HashSet<&str> = judged.iter().filter(|(_, g)| **g > 0).map(|(d, _)| d.as_str()).collect();
    if relevant.is_empty() {
        return None;
    }
    let mut seen = HashSet::new();
    let ranking: Vec<&str> = ranking.iter().map(String::as_str).filter(|d| seen.insert(*d)).collect();
    let top = |k: usize| &ranking[..ranking.len().min(k)];
    let found = |k: usize| top(k).iter().filter(|d| relevant.contains(**d)).count() as f64;
    let mrr = top(10).iter().position(|d| relevant.contains(*d)).map(|i| 1.0 / (i + 1) as f64).unwrap_or(0.0);
    let mut ideal: Vec<f64> = judged.values().filter(|g| **g > 0).map(|g| *g as f64).collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let ideal = dcg(ideal.into_iter().take(10));
    let gains = top(10).iter().map(|d| judged.get(*d).copied().unwrap_or(0).max(0) as f64);
    let n = relevant.len() as f64;
    Some([dcg(gains) / ideal, found(10) / n, mrr, found(1) / n])
}

/// Evaluates rankings (query id → ranked doc ids) for `queries` against `qrels`.
pub fn evaluate(queries: &[EvalQuery], rankings: &HashMap<String, Vec<String>>, qrels: &Qrels) -> Report {
    #[derive(Default)]
    struct Sum {
        n: usize,
        s: [f64; 4],
        zero: usize,
    }
    let mut overall = Sum::default();
    let mut classes: BTreeMap<String, Sum> = BTreeMap::new();
    for query in queries {
        let ranking = rankings.get(&query.id).map(Vec::as_slice).unwrap_or(&[]);
        let mut sums: Vec<&mut Sum> = vec![&mut overall];
        if let Some(class) = &query.class {
            sums.push(classes.entry(class.clone()).or_default());
        }
        let scored = score_query(ranking, qrels.get(&query.id));
        for sum in sums {
            if ranking.is_empty() {
                sum.zero += 1;
            }
            if let Some(s) = scored {
                sum.n += 1;
                for (total, value) in sum.s.iter_mut().zip(s) {
                    *total += value;
                }
            }
        }
    }
    let metrics = |sum: &Sum| {
        let mean = |i: usize| if sum.n == 0 { 0.0 } else { sum.s[i] / sum.n as f64 };
        Metrics { queries: sum.n, ndcg_at_10: mean(0), recall_at_10: mean(1), mrr_at_10: mean(2), recall_at_1: mean(3), zero_hit: sum.zero }
    };
    Report { overall: metrics(&overall), by_class: classes.iter().map(|(c, s)| (c.clone(), metrics(s))).collect() }
}

impl Report {
    /// A plain table: one row overall, one per class.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<16} {:>7} {:>8} {:>9} {:>7} {:>8} {:>8}",
            "set", "queries", "nDCG@10", "Recall@10", "MRR@10", "Recall@1", "zero-hit"
        );
        let mut row = |name: &str, m: &Metrics| {
            let _ = writeln!(
                out,
                "{:<16} {:>7} {:>8.4} {:>9.4} {:>7.4} {:>8.4} {:>8}",
                name, m.queries, m.ndcg_at_10, m.recall_at_10, m.mrr_at_10, m.recall_at_1, m.zero_hit
            );
        };
        row("all", &self.overall);
        for (class, m) in &self.by_class {
            row(class, m);
        }
        out
    }
}

/// The answered decision over a set of queries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answering {
    pub queries: usize,
    pub answered: usize,
    /// Queries whose top hit is relevant, answered or not.
    pub top_correct: usize,
    /// Answered queries whose top hit is relevant.
    pub answered_correct: usize,
}

impl Answering {
    /// Share of the queries answered (on an out-of-scope set: the false-answer rate).
    pub fn answered_rate(&self) -> f64 {
        ratio(self.answered, self.queries)
    }

    /// Top-1 precision of the answered queries.
    pub fn answered_precision(&self) -> f64 {
        ratio(self.answered_correct, self.answered)
    }

    /// Top-1 precision of all queries (answering every one).
    pub fn precision(&self) -> f64 {
        ratio(self.top_correct, self.queries)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The answered decision overall (`"all"`) and per class. With judgments, the queries
/// counted are those with a relevant entry (as [`evaluate`]); without (`None`: an
/// out-of-scope set), every query, none of which has a right answer.
pub fn answering(
    queries: &[EvalQuery],
    rankings: &HashMap<String, Vec<String>>,
    answered: &HashMap<String, bool>,
    qrels: Option<&Qrels>,
) -> BTreeMap<String, Answering> {
    let mut out: BTreeMap<String, Answering> = BTreeMap::new();
    for query in queries {
        let relevant: HashSet<&str> = match qrels {
            Some(qrels) => match qrels.get(&query.id) {
                Some(judged) => judged.iter().filter(|(_, g)| **g > 0).map(|(d, _)| d.as_str()).collect(),
                None => continue,
            },
            None => HashSet::new(),
        };
        if qrels.is_some() && relevant.is_empty() {
            continue;
        }
        let top_correct = rankings.get(&query.id).and_then(|r| r.first()).is_some_and(|top| relevant.contains(top.as_str()));
        let was_answered = answered.get(&query.id).copied().unwrap_or(false);
        let count = |slot: &mut Answering| {
            slot.queries += 1;
            slot.answered += usize::from(was_answered);
            slot.top_correct += usize::from(top_correct);
            slot.answered_correct += usize::from(was_answered && top_correct);
        };
        count(out.entry("all".to_string()).or_default());
        if let Some(class) = &query.class {
            count(out.entry(class.clone()).or_default());
        }
    }
    out
}

/// A plain table of [`answering`]: in scope, answered share and top-1 precision of the
/// answered against all; out of scope, the false-answer rate.
pub fn answering_table(rows: &BTreeMap<String, Answering>, out_of_scope: bool) -> String {
    let mut out = String::new();
    let mut ordered: Vec<(&String, &Answering)> = rows.iter().filter(|(c, _)| *c == "all").collect();
    ordered.extend(rows.iter().filter(|(c, _)| *c != "all"));
    if out_of_scope {
        let _ = writeln!(out, "{:<16} {:>7} {:>8} {:>17}", "out of scope", "queries", "answered", "false-answer rate");
        for (class, a) in ordered {
            let _ = writeln!(out, "{:<16} {:>7} {:>8} {:>17.4}", class, a.queries, a.answered, a.answered_rate());
        }
    } else {
        let _ =
            writeln!(out, "{:<16} {:>7} {:>8} {:>8} {:>12} {:>8}", "answering", "queries", "answered", "rate", "P@1 answered", "P@1 all");
        for (class, a) in ordered {
            let _ = writeln!(
                out,
                "{:<16} {:>7} {:>8} {:>8.4} {:>12.4} {:>8.4}",
                class,
                a.queries,
                a.answered,
                a.answered_rate(),
                a.answered_precision(),
                a.precision()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, i32)]) -> HashMap<String, i32> {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    fn ranking(docs: &[&str]) -> Vec<String> {
        docs.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn perfect_and_empty_rankings() {
        let j = judged(&[("a", 2), ("b", 1)]);
        assert_eq!(score_query(&ranking(&["a", "b"]), Some(&j)), Some([1.0, 1.0, 1.0, 0.5]));
        assert_eq!(score_query(&[], Some(&j)), Some([0.0, 0.0, 0.0, 0.0]));
        assert_eq!(score_query(&ranking(&["a"]), None), None);
    }

    #[test]
    fn matches_trec_eval_conventions() {
        // Relevant doc at rank 2 of grade 2, ideal has it at rank 1: nDCG = (2/log2 3) / 2.
        let j = judged(&[("a", 2)]);
        let [ndcg, recall10, mrr, recall1] = score_query(&ranking(&["x", "a"]), Some(&j)).unwrap();
        assert!((ndcg - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!((recall10, mrr, recall1), (1.0, 0.5, 0.0));
    }

    #[test]
    fn zero_hits_count_over_all_queries_and_classes_are_split() {
        let queries = vec![
            EvalQuery { id: "1".into(), text: "x".into(), class: Some("kana".into()) },
            EvalQuery { id: "2".into(), text: "y".into(), class: Some("typo".into()) },
        ];
        let mut qrels = Qrels::new();
        qrels.insert("1".into(), judged(&[("a", 1)]));
        qrels.insert("2".into(), judged(&[("b", 1)]));
        let rankings = HashMap::from([("1".to_string(), ranking(&["a"]))]);
        let report = evaluate(&queries, &rankings, &qrels);
        assert_eq!(report.overall.queries, 2);
        assert_eq!(report.overall.zero_hit, 1);
        assert_eq!(report.overall.mrr_at_10, 0.5);
        assert_eq!(report.by_class["kana"].recall_at_1, 1.0);
        assert_eq!(report.by_class["typo"].recall_at_1, 0.0);
    }

    #[test]
    fn answering_counts_precision_of_the_answered_and_false_answers_out_of_scope() {
        let queries: Vec<EvalQuery> =
            ["1", "2", "3", "4"].iter().map(|id| EvalQuery { id: id.to_string(), text: "x".into(), class: None }).collect();
        let mut qrels = Qrels::new();
        for id in ["1", "2", "3"] {
            qrels.insert(id.into(), judged(&[("a", 1)]));
        }
        let rankings = HashMap::from([
            ("1".to_string(), ranking(&["a"])),
            ("2".to_string(), ranking(&["b", "a"])),
            ("3".to_string(), ranking(&["a"])),
            ("4".to_string(), ranking(&["a"])),
        ]);
        let answered = HashMap::from([("1".to_string(), true), ("2".to_string(), true), ("3".to_string(), false), ("4".to_string(), true)]);
        let judged_rows = answering(&queries, &rankings, &answered, Some(&qrels));
        // Query 4 has no judgments: not counted in scope.
        assert_eq!(judged_rows["all"], Answering { queries: 3, answered: 2, top_correct: 2, answered_correct: 1 });
        assert_eq!((judged_rows["all"].answered_precision(), judged_rows["all"].precision()), (0.5, 2.0 / 3.0));
        let oos = answering(&queries, &rankings, &answered, None);
        assert_eq!(oos["all"], Answering { queries: 4, answered: 3, top_correct: 0, answered_correct: 0 });
        assert_eq!(oos["all"].answered_rate(), 0.75);
    }
}
