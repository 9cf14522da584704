//! JSON Lines FAQ imports: one `{"id", "question", "answer"}` object per line, with optional
//! `links` (`[{"url", "label"}]`) and `category`. Other fields are ignored. Ids may be
//! strings or integers. Blank lines are skipped.

use serde::Deserialize;

use faq_core::{FaqEntry, Link, SourceLocation};

use crate::error::CorpusError;
use crate::markdown::validate_id;

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonId {
    Text(String),
    Number(u64),
}

#[derive(Deserialize)]
struct JsonEntry {
    id: JsonId,
    question: String,
    answer: String,
    #[serde(default)]
    links: Vec<Link>,
    #[serde(default)]
    category: Option<String>,
}

/// Parses a JSONL file; `file` names it in entries and errors.
pub fn parse(text: &str, file: &str) -> Result<Vec<FaqEntry>, CorpusError> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let raw: JsonEntry = serde_json::from_str(line)
            .map_err(|e| CorpusError::at(file, line_no, format!("expected {{\"id\", \"question\", \"answer\"}}: {e}")))?;
        let id = match raw.id {
            JsonId::Text(id) => id,
            JsonId::Number(n) => n.to_string(),
        };
        validate_id(&id).map_err(|invalid| CorpusError::at(file, line_no, invalid.to_string()))?;
        if raw.question.trim().is_empty() {
            return Err(CorpusError::at(file, line_no, format!("entry {id:?} has an empty question")));
        }
        if raw.answer.trim().is_empty() {
            return Err(CorpusError::at(file, line_no, format!("entry {id:?} has an empty answer")));
        }
        entries.push(FaqEntry {
            id,
            question: raw.question.trim().to_string(),
            answer: raw.answer.trim().to_string(),
            links: raw.links,
            category: raw.category,
            source: Some(SourceLocation { file: file.to_string(), line: line_no }),
        });
    }
    if entries.is_empty() {
        return Err(CorpusError::at(file, 1, "no entries found"));
    }
    Ok(entries)
}
