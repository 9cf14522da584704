//! The search responses written as JSON by hand, for the two places that write one per
//! request: the HTTP API and `faq search --json`/`--batch`. The `Serialize` derives in
//! [`crate::present::response`] stay the definition of the contract: a test checks that both give
//! the same bytes. What differs is the cost: strings are escaped a run of eight bytes at a
//! time (serde_json looks every byte up in a table; Japanese text, three bytes a character,
//! rarely needs an escape at all), and an entry's question and answer are copied from the
//! JSON its stored entry keeps. Numbers, links, explanations, signals and suggestions, a
//! small part of a response, are written by serde_json itself.

use serde::Serialize;

use crate::present::response::{CompactHit, CompactResponse, Highlights, Hit, SearchResponse};
use crate::present::suggest::Suggestions;
use crate::present::text::write_str;

/// A value serde_json writes itself (numbers, small nested parts). Writing into a `Vec`
/// fails only for values a response never holds (a map with non-string keys).
fn write_serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value).expect("a response part serialises");
}

/// `,"key":` before a field that follows another.
fn write_key(out: &mut Vec<u8>, key: &str) {
    out.push(b',');
    write_str(out, key);
    out.push(b':');
}

fn write_highlights(out: &mut Vec<u8>, highlights: &Highlights) {
    out.extend_from_slice(b"{\"question\":");
    write_str(out, &highlights.question);
    out.extend_from_slice(b",\"answer\":");
    write_str(out, &highlights.answer);
    out.push(b'}');
}

/// The fields every response opens with.
fn write_head(out: &mut Vec<u8>, query: &str, total_hits: usize, answered: bool, took_ms: f64) {
    out.extend_from_slice(b"{\"query\":");
    write_str(out, query);
    out.extend_from_slice(b",\"total_hits\":");
    write_serde(out, &total_hits);
    out.extend_from_slice(if answered { b",\"answered\":true,\"took_ms\":" } else { b",\"answered\":false,\"took_ms\":" });
    write_serde(out, &took_ms);
}

fn write_hits<T>(out: &mut Vec<u8>, hits: &[T], write: impl Fn(&mut Vec<u8>, &T)) {
    out.extend_from_slice(b",\"hits\":[");
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, hit);
    }
    out.push(b']');
}

fn write_suggestions(out: &mut Vec<u8>, suggestions: Option<&Suggestions>) {
    if let Some(suggestions) = suggestions {
        out.extend_from_slice(b",\"suggestions\":");
        write_serde(out, suggestions);
    }
}

impl Hit {
    /// This hit as [`Hit::serialize`] writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_str(out, &self.id);
        match self.stored_json() {
            Some(json) => {
                out.extend_from_slice(b",\"question\":");
                out.extend_from_slice(json.question.as_bytes());
                out.extend_from_slice(b",\"answer\":");
                out.extend_from_slice(json.answer.as_bytes());
            }
            None => {
                out.extend_from_slice(b",\"question\":");
                write_str(out, &self.question);
                out.extend_from_slice(b",\"answer\":");
                write_str(out, &self.answer);
            }
        }
        write_numbers(out, self.score, self.confidence, self.coverage);
        write_key(out, "highlights");
        write_highlights(out, &self.highlights);
        write_key(out, "links");
        write_serde(out, &self.links);
        if let Some(explain) = &self.explain {
            write_key(out, "explain");
            write_serde(out, explain);
        }
        if let Some(signals) = &self.signals {
            write_key(out, "signals");
            write_serde(out, signals);
        }
        out.push(b'}');
    }
}

fn write_numbers(out: &mut Vec<u8>, score: f32, confidence: f32, coverage: f32) {
    out.extend_from_slice(b",\"score\":");
    write_serde(out, &score);
    out.extend_from_slice(b",\"confidence\":");
    write_serde(out, &confidence);
    out.extend_from_slice(b",\"coverage\":");
    write_serde(out, &coverage);
}

impl SearchResponse {
    /// This response as its `Serialize` derive writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json_with(&mut out, None);
        out
    }

    /// This response appended to `out`, with the search box's suggestions after its hits
    /// when there are some.
    pub fn write_json_with(&self, out: &mut Vec<u8>, suggestions: Option<&Suggestions>) {
        out.reserve(256 + self.hits.iter().map(|h| 2 * (h.question.len() + h.answer.len()) + 256).sum::<usize>());
        write_head(out, &self.query, self.total_hits, self.answered, self.took_ms);
        write_hits(out, &self.hits, |out, hit| hit.write_json(out));
        write_suggestions(out, suggestions);
        out.push(b'}');
    }
}

impl CompactHit {
    /// This hit as its `Serialize` derive writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_str(out, &self.id);
        out.extend_from_slice(b",\"question\":");
        match self.stored_question() {
            Some(json) => out.extend_from_slice(json.as_bytes()),
            None => write_str(out, &self.question),
        }
        write_numbers(out, self.score, self.confidence, self.coverage);
        out.extend_from_slice(b",\"highlights\":");
        write_highlights(out, &self.highlights);
        out.push(b'}');
    }
}

impl CompactResponse {
    /// This response as its `Serialize` derive writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(256 + self.hits.iter().map(|h| 3 * h.question.len() + 2 * h.highlights.answer.len() + 192).sum::<usize>());
        write_head(&mut out, &self.query, self.total_hits, self.answered, self.took_ms);
        write_hits(&mut out, &self.hits, |out, hit| hit.write_json(out));
        write_suggestions(&mut out, self.suggestions.as_ref());
        out.push(b'}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(question: &str, answer: &str, stored: Option<std::sync::Arc<crate::present::stored::StoredEntry>>) -> Hit {
        Hit {
            id: "a\"".into(),
            question: question.into(),
            answer: answer.into(),
            score: 1.5,
            confidence: 0.25,
            coverage: f32::NAN,
            highlights: Highlights { question: "<mark>q</mark>\n".into(), answer: "a".into() },
            links: vec![faq_core::Link { url: "https://example.com/".into(), label: "例".into() }],
            explain: None,
            signals: None,
            marks: Default::default(),
            stored,
        }
    }

    #[test]
    fn pre_escaped_text_is_written_as_serde_would_and_only_while_it_still_matches() {
        let (question, answer) = ("「領収書」は？\t\"引用\" \\ \u{1}", "改行\n<b>&</b> 😀");
        let entry = faq_core::FaqEntry {
            id: "a".into(),
            question: question.into(),
            answer: answer.into(),
            links: vec![],
            category: None,
            source: None,
        };
        let stored = std::sync::Arc::new(crate::present::stored::StoredEntry::new(entry, vec![], vec![]));
        let response = |hit: Hit| SearchResponse { query: "q".into(), total_hits: 1, answered: true, took_ms: 0.5, hits: vec![hit] };
        let plain = serde_json::to_string(&response(hit(question, answer, None))).unwrap();
        let kept = response(hit(question, answer, Some(stored.clone())));
        assert!(kept.hits[0].stored_json().is_some());
        assert_eq!(String::from_utf8(kept.to_json()).unwrap(), plain);
        let compact = CompactResponse::from(kept);
        assert!(compact.hits[0].stored_question().is_some());
        assert_eq!(String::from_utf8(compact.to_json()).unwrap(), serde_json::to_string(&compact).unwrap());
        // A hit whose text was changed after the search is written from its own fields.
        let edited = response(hit("別の質問", answer, Some(stored)));
        assert!(edited.hits[0].stored_json().is_none());
        assert_eq!(String::from_utf8(edited.to_json()).unwrap(), serde_json::to_string(&edited).unwrap());
        assert_eq!(String::from_utf8(edited.to_json()).unwrap(), serde_json::to_string(&response(hit("別の質問", answer, None))).unwrap());
    }
}
