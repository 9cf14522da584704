//! Query-time synonyms from a plain text file (`corpus/synonyms.txt`): one group per line,
//! members separated by commas, `#` starts a comment. Members are analysed like queries, so
//! `受け取り拒否` and `受取拒否` are the same member. When a query contains every term of a
//! member, the terms of the other members of its group are searched too (with a lower
//! weight). Read when a searcher opens, so editing the file needs no reindexing.
//!
//! The same structure holds the general thesaurus ([`thesaurus`]): synonym groups of
//! everyday Japanese from SudachiDict (`data/thesaurus.src.txt`, made by
//! `scripts/thesaurus.py`), compiled ahead of time into analysed terms
//! (`data/thesaurus.txt`), which `build.rs` turns into static tables: no process analyses
//! or parses ten thousand words at start. A test keeps the compiled file equal to what the
//! current analyzer makes of the source.

use std::collections::HashMap;
use std::path::Path;

use faq_core::Analyzer;

/// Synonym groups, each member as its analysed terms.
#[derive(Clone, Debug)]
pub enum Synonyms {
    /// Read from a file at run time.
    Parsed {
        groups: Vec<Vec<Vec<String>>>,
        /// The groups each term is a member's first term of, so a query looks up only the
        /// groups its own terms can match (a file of many groups costs nothing per query).
        by_first_term: HashMap<String, Vec<usize>>,
    },
    /// The thesaurus built into the binary (static tables, see `build.rs`).
    Builtin,
}

impl Default for Synonyms {
    fn default() -> Self {
        Synonyms::Parsed { groups: Vec::new(), by_first_term: HashMap::new() }
    }
}

/// The compiled thesaurus as static tables: `GROUPS` and `BY_FIRST_TERM` (sorted).
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/thesaurus.rs"));
}

impl Synonyms {
    /// Parses the synonym file text; `source` names it in errors.
    pub fn parse(text: &str, source: &str, analyzer: &Analyzer) -> Result<Self, String> {
        let mut groups = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let members: Vec<Vec<String>> = line
                .split([',', '、'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(|m| member_terms(analyzer, m))
                .filter(|terms| !terms.is_empty())
                .collect();
            if members.len() < 2 {
                return Err(format!("{source}:{}: a synonym group needs at least two members with content words", n + 1));
            }
            groups.push(members);
        }
        Ok(Self::from_groups(groups))
    }

    fn from_groups(groups: Vec<Vec<Vec<String>>>) -> Self {
        let mut by_first_term: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, group) in groups.iter().enumerate() {
            for member in group {
                let entry = by_first_term.entry(member[0].clone()).or_default();
                if entry.last() != Some(&index) {
                    entry.push(index);
                }
            }
        }
        Synonyms::Parsed { groups, by_first_term }
    }

    /// The groups a query with these terms can match, members as term slices.
    fn candidates<'s>(&'s self, terms: &[String]) -> Vec<Vec<Vec<&'s str>>> {
        let mut numbers: Vec<usize> = match self {
            Synonyms::Parsed { by_first_term, .. } => terms.iter().filter_map(|t| by_first_term.get(t)).flatten().copied().collect(),
            Synonyms::Builtin => terms
                .iter()
                .filter_map(|t| builtin::BY_FIRST_TERM.binary_search_by(|(first, _)| (*first).cmp(t.as_str())).ok())
                .flat_map(|at| builtin::BY_FIRST_TERM[at].1.iter().map(|&n| n as usize))
                .collect(),
        };
        numbers.sort_unstable();
        numbers.dedup();
        numbers
            .into_iter()
            .map(|n| match self {
                Synonyms::Parsed { groups, .. } => groups[n].iter().map(|member| member.iter().map(String::as_str).collect()).collect(),
                Synonyms::Builtin => builtin::GROUPS[n].iter().map(|member| member.to_vec()).collect(),
            })
            .collect()
    }

    /// Analyses a synonym source (one group per line, `#` comments) into the compiled form
    /// that `build.rs` turns into the static tables of [`thesaurus`]: one group per line, members separated by
    /// `, `, the terms of a member joined by `+`. Members that analyse alike are merged,
    /// and groups left with one member, or alike to an earlier group, dropped. The header says
/// which analyzer made it.
    pub fn compile(source: &str, analyzer: &Analyzer) -> String {
        let mut out = String::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for line in source.lines().take_while(|l| l.starts_with('#')) {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!("# Compiled: members as analysed terms (analyzer version {}).\n", faq_core::analyzer::ANALYZER_VERSION));
        for line in source.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()) {
            let mut members: Vec<String> = Vec::new();
            for word in line.split(',').map(str::trim) {
                let terms = member_terms(analyzer, word);
                if terms.is_empty() || terms.iter().any(|t| t.contains(['+', ',', '#']) || t.trim() != t) {
                    continue;
                }
                let member = terms.join("+");
                if !members.contains(&member) {
                    members.push(member);
                }
            }
            let group = members.join(", ");
            if members.len() >= 2 && seen.insert(group.clone()) {
                out.push_str(&group);
                out.push('\n');
            }
        }
        out
    }

    /// Reads a synonym file; a missing file is an empty set.
    pub fn load(path: &Path, analyzer: &Analyzer) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string(), analyzer),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Synonyms::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Synonyms::Parsed { groups, .. } => groups.len(),
            Synonyms::Builtin => builtin::GROUPS.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The query terms that belong to a member of some group matched by `terms` (領収 and 書
    /// of 領収書 when the query says 領収書).
    pub fn matched_terms(&self, terms: &[String]) -> Vec<String> {
        let mut matched: Vec<String> = Vec::new();
        for group in self.candidates(terms) {
            for member in group.iter().filter(|member| member.iter().all(|t| contains(terms, t))) {
                for term in member {
                    if !matched.iter().any(|m| m == term) {
                        matched.push(term.to_string());
                    }
                }
            }
        }
        matched
    }

    /// `(query word, added term, share)` triples for the query terms `terms`. The words a
    /// member adds share the synonym weight (`share` = 1 / their number: 一緒に送る for 同梱
    /// adds 一緒 and 送る at half weight each); a member that holds the whole typed member
    /// is skipped, as it only adds a modifier (for メール, Eメール would add a stray `e`).
    /// Terms already in the query are not added again.
    pub fn expand(&self, terms: &[String]) -> Vec<(String, String, f32)> {
        let mut added: Vec<(String, String, f32)> = Vec::new();
        for group in self.candidates(terms) {
            let Some(matched) = group.iter().find(|member| member.iter().all(|t| contains(terms, t))) else {
                continue;
            };
            let from = matched.concat();
            for member in group.iter().filter(|m| *m != matched) {
                if matched.iter().all(|t| member.contains(t)) {
                    continue;
                }
                let new: Vec<&str> = member.iter().copied().filter(|t| !contains(terms, t)).collect();
                let share = 1.0 / new.len().max(1) as f32;
                for term in new {
                    if !added.iter().any(|(_, t, _)| t == term) {
                        added.push((from.clone(), term.to_string(), share));
                    }
                }
            }
        }
        added
    }
}

fn contains(terms: &[String], term: &str) -> bool {
    terms.iter().any(|t| t == term)
}

/// The terms of a synonym member, without lone letters or digits: the `e` of `e-mail`
/// (analysed as `e` + `mail`) would match every Eメール and Eチケット.
fn member_terms(analyzer: &Analyzer, member: &str) -> Vec<String> {
    let mut terms = analyzer.terms(member);
    terms.retain(|t| !(t.len() == 1 && t.bytes().all(|b| b.is_ascii_alphanumeric())));
    terms
}

/// The general thesaurus compiled into the binary (`data/thesaurus.txt` as static tables).
pub fn thesaurus() -> &'static Synonyms {
    &Synonyms::Builtin
}

/// The compiled thesaurus as shipped.
pub const COMPILED_THESAURUS: &str = include_str!("../data/thesaurus.txt");

/// Its source, as generated from SudachiDict by `scripts/thesaurus.py`.
pub const THESAURUS_SOURCE: &str = include_str!("../data/thesaurus.src.txt");

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::load().expect("IPADIC (apt-get install mecab-ipadic)")
    }

    #[test]
    fn groups_expand_both_ways_and_members_are_analysed() {
        let analyzer = analyzer();
        let synonyms = Synonyms::parse("# comment\n届く, 到着\n\n受け取り拒否、受取辞退 # trailing\n", "s.txt", &analyzer).unwrap();
        assert_eq!(synonyms.len(), 2);
        let expand = |q: &str| synonyms.expand(&analyzer.terms(q));
        assert_eq!(expand("届かない"), [("届く".to_string(), "到着".to_string(), 1.0)]);
        assert_eq!(expand("到着していない"), [("到着".to_string(), "届く".to_string(), 1.0)]);
        // 受け取り and 受取 are the same after analysis; a member matches only as a whole.
        let added: Vec<String> = expand("受取拒否された").into_iter().map(|(_, t, _)| t).collect();
        assert_eq!(added, ["辞退"]);
        assert!(expand("拒否").is_empty());
    }

    #[test]
    fn members_of_several_words_share_the_weight_and_never_add_a_stray_word() {
        let analyzer = analyzer();
        let synonyms = Synonyms::parse("メール, Eメール, 電子メール, email\n同梱, 一緒に送る\n", "s.txt", &analyzer).unwrap();
        let expand = |q: &str| synonyms.expand(&analyzer.terms(q));
        // Eメール and 電子メール hold メール itself: they would add only e and 電子.
        assert_eq!(expand("メールが届かない"), [("メール".to_string(), "email".to_string(), 1.0)]);
        let added = expand("同梱したい");
        assert_eq!(added.iter().map(|(_, t, s)| (t.as_str(), *s)).collect::<Vec<_>>(), [("一緒", 0.5), ("送る", 0.5)]);
    }

    #[test]
    fn a_group_of_one_is_an_error_naming_the_line() {
        let err = Synonyms::parse("届く, 到着\nキャンセル\n", "syn.txt", &analyzer()).unwrap_err();
        assert!(err.starts_with("syn.txt:2:"), "{err}");
        let missing = Synonyms::load(Path::new("/nonexistent/synonyms.txt"), &analyzer()).unwrap();
        assert!(missing.is_empty());
    }
}
