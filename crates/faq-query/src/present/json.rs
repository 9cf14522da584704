//! The search responses as JSON, for the two places that write one per request: the HTTP
//! API and `faq search --json`/`--batch`. One contract: serde writes the responses through
//! borrowed views of them, field for field as the `Serialize` derives in
//! [`crate::present::response`] define them (a test checks the same bytes). The one thing a
//! view does differently is an entry's question and answer: while they still equal the stored
//! entry's, they are written from the JSON literal the stored entry keeps, escaped once per
//! entry ([`crate::present::stored::EntryJson`]), not escaped again for every hit
//! (BENCHMARKS.md: 29K instructions a localgovFAQ response by hand, 78K through these views,
//! 203K through the derives).

use serde::Serialize;
use serde::ser::Serializer;
use serde_json::value::RawValue;

use crate::decide::confidence::Signals;
use crate::present::response::{CompactHit, CompactResponse, Contribution, Highlights, Hit, SearchResponse};
use crate::present::suggest::Suggestions;
use faq_core::Link;

/// An entry's text: the stored entry's escaped literal, or the text itself.
enum Text<'a> {
    Stored(&'a RawValue),
    Own(&'a str),
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Text::Stored(raw) => raw.serialize(serializer),
            Text::Own(text) => serializer.serialize_str(text),
        }
    }
}

#[derive(Serialize)]
struct ResponseView<'a, H> {
    query: &'a str,
    total_hits: usize,
    answered: bool,
    took_ms: f64,
    hits: H,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestions: Option<&'a Suggestions>,
}

#[derive(Serialize)]
struct HitView<'a> {
    id: &'a str,
    question: Text<'a>,
    answer: Text<'a>,
    score: f32,
    confidence: f32,
    coverage: f32,
    highlights: &'a Highlights,
    links: &'a [Link],
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a Vec<Contribution>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<&'a Signals>,
}

#[derive(Serialize)]
struct CompactHitView<'a> {
    id: &'a str,
    question: Text<'a>,
    score: f32,
    confidence: f32,
    coverage: f32,
    highlights: &'a Highlights,
}

/// A list of hits, each written through its view (no list of views is built).
struct Views<'a, T>(&'a [T]);

impl Serialize for Views<'_, Hit> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|hit| {
            let stored = hit.stored_json();
            HitView {
                id: &hit.id,
                question: stored.map_or(Text::Own(&hit.question), |s| Text::Stored(&s.question)),
                answer: stored.map_or(Text::Own(&hit.answer), |s| Text::Stored(&s.answer)),
                score: hit.score,
                confidence: hit.confidence,
                coverage: hit.coverage,
                highlights: &hit.highlights,
                links: &hit.links,
                explain: hit.explain.as_ref(),
                signals: hit.signals.as_ref(),
            }
        }))
    }
}

impl Serialize for Views<'_, CompactHit> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|hit| CompactHitView {
            id: &hit.id,
            question: hit.stored_question().map_or(Text::Own(&hit.question), Text::Stored),
            score: hit.score,
            confidence: hit.confidence,
            coverage: hit.coverage,
            highlights: &hit.highlights,
        }))
    }
}

/// Writing into a `Vec` fails only for values a response never holds (a map with
/// non-string keys).
fn write<T: Serialize>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("a response serialises");
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
        write(
            out,
            &ResponseView {
                query: &self.query,
                total_hits: self.total_hits,
                answered: self.answered,
                took_ms: self.took_ms,
                hits: Views(&self.hits),
                suggestions,
            },
        );
    }
}

impl CompactResponse {
    /// This response as its `Serialize` derive writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(256 + self.hits.iter().map(|h| 3 * h.question.len() + 2 * h.highlights.answer.len() + 192).sum::<usize>());
        write(
            &mut out,
            &ResponseView {
                query: &self.query,
                total_hits: self.total_hits,
                answered: self.answered,
                took_ms: self.took_ms,
                hits: Views(&self.hits),
                suggestions: self.suggestions.as_ref(),
            },
        );
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
