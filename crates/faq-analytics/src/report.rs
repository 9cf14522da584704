//! The owner's report: how many searches, how many the FAQ answered, what sellers ask most,
//! what it does not answer (grouped by what the questions ask: the same analysis terms), and
//! per entry how often it was shown, opened and found helpful.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError};

/// A query and how often it was asked; for a group, one example query of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub query: String,
    pub count: u64,
    /// For an unanswered group: the analysis terms its queries share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
}

/// One entry's numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryNumbers {
    pub id: String,
    pub shown: u64,
    pub opened: u64,
    pub helpful: u64,
    pub not_helpful: u64,
    /// `opened` / `shown` (0 when never shown).
    pub open_rate: f64,
}

/// `faq report --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Since when, in milliseconds since the Unix epoch.
    pub since_ms: i64,
    pub searches: u64,
    /// Share of searches the FAQ answered (0 without searches).
    pub answered_rate: f64,
    pub top_queries: Vec<Counted>,
    /// Unanswered searches grouped by their terms, most frequent first.
    pub unanswered: Vec<Counted>,
    /// Every entry shown, opened or rated, most shown first.
    pub entries: Vec<EntryNumbers>,
    /// Entries shown in results but never opened, most shown first: their questions may not
    /// say what their answers answer.
    pub never_opened: Vec<String>,
    /// Searches and answered searches per day (UTC), oldest first.
    pub days: Vec<Day>,
}

/// One day's searches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    /// Midnight UTC starting the day, in milliseconds since the Unix epoch.
    pub day_ms: i64,
    pub searches: u64,
    pub answered: u64,
}

/// Rows of each list in a report.
pub const TOP: usize = 20;
/// Distinct unanswered wordings analysed into groups, at most (the most asked first).
pub const MAX_GROUPED: usize = 20_000;

impl Report {
    /// The report of events since `since_ms`. `terms_of` gives a query's analysis terms
    /// (sorted, joined): unanswered queries with the same terms are one group. The store
    /// aggregates (by wording, by list shown, by day), so `terms_of` runs once per distinct
    /// unanswered wording, not once per search.
    pub fn compute(store: &mut Store, since_ms: i64, terms_of: &dyn Fn(&str) -> String) -> Result<Report, StoreError> {
        let aggregates = store.search_aggregates(since_ms)?;
        let wordings = &aggregates.wordings;
        let mut total = 0;
        let mut answered = 0;
        let mut queries: HashMap<&str, u64> = HashMap::new();
        let mut groups: HashMap<String, (HashMap<&str, u64>, u64)> = HashMap::new();
        // Grouping analyses each unanswered wording: only the most asked ones are grouped, so
        // that a store of millions of distinct one-off queries is read in seconds (the groups
        // the report lists are the most asked; a wording asked once rarely changes them).
        let mut by_count: Vec<u64> = wordings.iter().filter(|(_, a, _)| !a).map(|(_, _, n)| *n).collect();
        let floor = if by_count.len() > MAX_GROUPED {
            let (_, nth, _) = by_count.select_nth_unstable_by(MAX_GROUPED, |a, b| b.cmp(a));
            *nth + 1
        } else {
            0
        };
        for (query, was_answered, count) in wordings {
            total += count;
            *queries.entry(query.as_str()).or_default() += count;
            if *was_answered {
                answered += count;
            } else if *count >= floor {
                let key = terms_of(query);
                let key = if key.is_empty() { query.trim().to_string() } else { key };
                let group = groups.entry(key).or_default();
                *group.0.entry(query.as_str()).or_default() += count;
                group.1 += count;
            }
        }
        let mut entries: HashMap<String, EntryNumbers> = HashMap::new();
        fn numbers(entries: &mut HashMap<String, EntryNumbers>, id: String) -> &mut EntryNumbers {
            entries.entry(id.clone()).or_insert_with(|| EntryNumbers { id, ..Default::default() })
        }
        for (shown, count) in &aggregates.shown {
            for id in shown {
                numbers(&mut entries, id.clone()).shown += count;
            }
        }
        for (id, count) in store.opens(since_ms)? {
            numbers(&mut entries, id).opened += count;
        }
        for (id, helpful, count) in store.feedback(since_ms)? {
            if helpful {
                numbers(&mut entries, id).helpful += count;
            } else {
                numbers(&mut entries, id).not_helpful += count;
            }
        }
        let days =
            aggregates.days.iter().copied().map(|(day, searches, answered)| Day { day_ms: day * 86_400_000, searches, answered }).collect();
        let mut top_queries: Vec<Counted> =
            queries.into_iter().map(|(query, count)| Counted { query: query.to_string(), count, terms: None }).collect();
        top_queries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
        top_queries.truncate(TOP);
        let mut unanswered: Vec<Counted> = groups
            .into_iter()
            .map(|(terms, (examples, count))| {
                // The group's most asked wording is its example.
                let example =
                    examples.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0))).map(|(q, _)| q).unwrap_or_default();
                Counted { query: example.to_string(), count, terms: Some(terms) }
            })
            .collect();
        unanswered.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
        unanswered.truncate(TOP);
        let mut entries: Vec<EntryNumbers> = entries.into_values().collect();
        for entry in &mut entries {
            entry.open_rate = if entry.shown == 0 { 0.0 } else { entry.opened as f64 / entry.shown as f64 };
        }
        entries.sort_by(|a, b| b.shown.cmp(&a.shown).then_with(|| a.id.cmp(&b.id)));
        let never_opened = entries.iter().filter(|e| e.shown > 0 && e.opened == 0).map(|e| e.id.clone()).collect();
        Ok(Report {
            since_ms,
            searches: total,
            answered_rate: if total == 0 { 0.0 } else { answered as f64 / total as f64 },
            top_queries,
            unanswered,
            entries,
            never_opened,
            days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    #[test]
    fn the_numbers_of_a_known_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.sqlite")).unwrap();
        let search = |q: &str, answered: bool, shown: &[&str]| Event::Search {
            at_ms: 10,
            query: q.into(),
            answered,
            shown: shown.iter().map(|s| s.to_string()).collect(),
            latency_us: 50,
        };
        store
            .write(&[
                search("領収書", true, &["a", "b"]),
                search("領収書", true, &["a"]),
                search("天気は", false, &["b"]),
                search("天気は？", false, &[]),
                search("出品したい", false, &["c"]),
                Event::Open { at_ms: 11, id: "a".into(), rank: 1, query: "領収書".into() },
                Event::Feedback { at_ms: 12, id: "a".into(), helpful: true, query: "領収書".into() },
                Event::Feedback { at_ms: 12, id: "b".into(), helpful: false, query: "天気は".into() },
                search("古い", true, &["a"]),
            ])
            .unwrap();
        let terms = |q: &str| q.trim_end_matches(['？', 'は']).to_string();
        let report = Report::compute(&mut store, 10, &terms).unwrap();
        assert_eq!(report.searches, 6);
        assert!((report.answered_rate - 0.5).abs() < 1e-9);
        assert_eq!(report.top_queries[0], Counted { query: "領収書".into(), count: 2, terms: None });
        assert_eq!(report.unanswered[0].count, 2, "天気は and 天気は？ are one group");
        assert_eq!(report.unanswered[0].terms.as_deref(), Some("天気"));
        assert_eq!(report.unanswered.len(), 2);
        let a = report.entries.iter().find(|e| e.id == "a").unwrap();
        assert_eq!((a.shown, a.opened, a.helpful, a.not_helpful), (3, 1, 1, 0));
        let b = report.entries.iter().find(|e| e.id == "b").unwrap();
        assert_eq!((b.shown, b.opened, b.helpful, b.not_helpful), (2, 0, 0, 1));
        assert_eq!(report.never_opened, vec!["b".to_string(), "c".to_string()], "shown, never opened");
        assert!((a.open_rate - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(report.days, vec![Day { day_ms: 0, searches: 6, answered: 3 }]);
        assert_eq!(Report::compute(&mut store, 100, &terms).unwrap().searches, 0);
    }
}
