//! Query-time synonyms from a plain text file (`corpus/synonyms.txt`): one group per line,
//! members separated by commas, `#` starts a comment. Members are analysed like queries, so
//! `受け取り拒否` and `受取拒否` are the same member. When a query contains every term of a
//! member, the terms of the other members of its group are searched too (with a lower
//! weight). Read when a searcher opens, so editing the file needs no reindexing.

use std::path::Path;

use faq_core::Analyzer;

/// Synonym groups, each member as its analysed terms.
#[derive(Clone, Debug, Default)]
pub struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
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
                .map(|m| analyzer.terms(m))
                .filter(|terms| !terms.is_empty())
                .collect();
            if members.len() < 2 {
                return Err(format!("{source}:{}: a synonym group needs at least two members with content words", n + 1));
            }
            groups.push(members);
        }
        Ok(Synonyms { groups })
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
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// `(query word, added term, share)` triples for the query terms `terms`. The words a
    /// member adds share the synonym weight (`share` = 1 / their number: 一緒に送る for 同梱
    /// adds 一緒 and 送る at half weight each); a member that holds the whole typed member
    /// is skipped, as it only adds a modifier (for メール, Eメール would add a stray `e`).
    /// Terms already in the query are not added again.
    pub fn expand(&self, terms: &[String]) -> Vec<(String, String, f32)> {
        let mut added: Vec<(String, String, f32)> = Vec::new();
        for group in &self.groups {
            let Some(matched) = group.iter().find(|member| member.iter().all(|t| terms.contains(t))) else {
                continue;
            };
            let from = matched.join("");
            for member in group.iter().filter(|m| *m != matched) {
                if matched.iter().all(|t| member.contains(t)) {
                    continue;
                }
                let new: Vec<&String> = member.iter().filter(|t| !terms.contains(t)).collect();
                let share = 1.0 / new.len().max(1) as f32;
                for term in new {
                    if !added.iter().any(|(_, t, _)| t == term) {
                        added.push((from.clone(), term.clone(), share));
                    }
                }
            }
        }
        added
    }
}

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
