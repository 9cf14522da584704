//! Markdown FAQ pages → entries.
//!
//! A question is any of:
//! * a paragraph that is bold throughout (`**…？**`); consecutive bold paragraphs with no
//!   answer between them are one question written over several lines;
//! * a heading of level 3 or deeper (`### …`), with or without bold (`### **…**`).
//!
//! Everything up to the next question or heading of level 1–2 is its answer: paragraphs
//! (kept, separated by a blank line) and list items (one per line). Headings of level
//! 1–2 are section titles and become the entries' `category`.
//!
//! Nothing is dropped without a word: a heading of level 1–2 that ends in a question mark
//! (`## 送料はかかりますか？`) is read as a question, with a warning; a paragraph that opens
//! a `**` it never closes (`**返品はできますか？`) is read as a bold question, with a warning;
//! inline HTML tags (`<b>`, `<br>`) are dropped and their text kept, so a bold question
//! holding them stays a question; text before the first question belongs to no entry and
//! is reported. Warnings name file:line ([`parse_with_warnings`]).
//!
//! Nothing is dropped without a word: a heading of level 1–2 that ends in a question mark
//! (`## 送料はかかりますか？`) is read as a question, with a warning; a paragraph that opens
//! a `**` it never closes (`**返品はできますか？`) is read as a bold question, with a warning;
//! inline HTML tags (`<b>`, `<br>`) are dropped and their text kept, so a bold question
//! holding them stays a question; text before the first question belongs to no entry and
//! is reported. Warnings name file:line ([`parse_with_warnings`]).
//!
//! Repairs: a paragraph ending in a kana or kanji character (no closing punctuation),
//! followed by a paragraph starting with one, is a word broken by a stray blank line and
//! is joined back without a separator (`確` + `定する` → `確定する`).
//!
//! Links: each link in an answer becomes `{url, label}`; the label is the text before it
//! in the same paragraph (`返金のヘルプページ：<url>`), or, for a link standing alone, the
//! paragraph before it; trailing colons are trimmed.
//!
//! Ids: `<!-- id: my-id -->` on the line before a question pins its id. Otherwise the id is
//! `<file-slug>-<first 8 hex digits of SHA-1 of the question text>`: it depends only on
//! the file name and the question itself, never on the entry's position.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use faq_core::{FaqEntry, Link, SourceLocation};

use crate::error::CorpusError;

/// Parses one Markdown file. `file` names it in entries and errors; `slug` prefixes ids.
/// The warnings are left out: the corpus reader uses [`parse_with_warnings`].
pub fn parse(text: &str, file: &str, slug: &str) -> Result<Vec<FaqEntry>, CorpusError> {
    parse_with_warnings(text, file, slug).map(|(entries, _)| entries)
}

/// [`parse`], and what was read in a way the editor may not have meant, each naming file:line.
pub fn parse_with_warnings(text: &str, file: &str, slug: &str) -> Result<(Vec<FaqEntry>, Vec<String>), CorpusError> {
    let blocks = blocks(text);
    let mut builder = EntryBuilder { file, slug, entries: Vec::new(), category: None, draft: None, pinned_id: None, warnings: Vec::new() };
    for block in blocks {
        builder.push(block)?;
    }
    builder.finish_draft()?;
    if builder.entries.is_empty() {
        return Err(CorpusError::at(file, 1, "no questions found (a question is a bold paragraph `**…**` or a `###` heading)"));
    }
    Ok((builder.entries, builder.warnings))
}

#[derive(Debug, Clone, PartialEq)]
enum BlockKind {
    Heading(u8),
    Paragraph,
    ListItem,
    /// `<!-- id: … -->`
    PinnedId(String),
}

#[derive(Debug, Clone)]
struct Block {
    kind: BlockKind,
    text: String,
    /// Every visible character of the block is inside `**…**`.
    all_bold: bool,
    /// (url, byte offset in `text` where the link starts, link text if not the url itself)
    links: Vec<(String, usize, Option<String>)>,
    line: usize,
    /// An item of an unordered list (rendered with a `・` bullet).
    bullet: bool,
}

/// Flattens the Markdown into the blocks an FAQ page is made of.
fn blocks(text: &str) -> Vec<Block> {
    let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset).max(1);

    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    let mut strong_depth = 0usize;
    let mut has_plain_text = false;
    let mut list_counters: Vec<Option<u64>> = Vec::new();
    let mut link_stack: Vec<(String, usize, usize)> = Vec::new(); // (url, start in text, link text start)

    let start_block =
        |kind: BlockKind, line: usize| Block { kind, text: String::new(), all_bold: true, links: Vec::new(), line, bullet: false };
    let flush = |current: &mut Option<Block>, has_plain: &mut bool, out: &mut Vec<Block>| {
        if let Some(mut block) = current.take() {
            block.text = block.text.trim().to_string();
            if block.bullet && !block.text.starts_with('・') {
                block.text.insert(0, '・');
            }
            block.all_bold &= !*has_plain && !block.text.is_empty();
            if !block.text.is_empty() {
                out.push(block);
            }
        }
        *has_plain = false;
    };

    for (event, range) in Parser::new_ext(text, Options::empty()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut current, &mut has_plain_text, &mut out);
                current = Some(start_block(BlockKind::Heading(heading_level(level)), line_of(range.start)));
            }
            Event::Start(Tag::Paragraph) => {
                // Inside a list item, paragraphs are the item's own text.
                if current.as_ref().is_none_or(|b| b.kind != BlockKind::ListItem) {
                    flush(&mut current, &mut has_plain_text, &mut out);
                    current = Some(start_block(BlockKind::Paragraph, line_of(range.start)));
                } else if let Some(block) = current.as_mut().filter(|b| !b.text.is_empty()) {
                    block.text.push('\n');
                }
            }
            Event::Start(Tag::List(first)) => {
                flush(&mut current, &mut has_plain_text, &mut out);
                list_counters.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut current, &mut has_plain_text, &mut out);
                list_counters.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut current, &mut has_plain_text, &mut out);
                let mut block = start_block(BlockKind::ListItem, line_of(range.start));
                if let Some(Some(n)) = list_counters.last_mut() {
                    block.text = format!("{n}. ");
                    *n += 1;
                    has_plain_text = true;
                } else {
                    block.bullet = true;
                }
                current = Some(block);
            }
            Event::End(TagEnd::Item) => flush(&mut current, &mut has_plain_text, &mut out),
            // A paragraph inside a list item ends with the item, not on its own.
            Event::End(TagEnd::Heading(_) | TagEnd::Paragraph) if current.as_ref().is_some_and(|b| b.kind != BlockKind::ListItem) => {
                flush(&mut current, &mut has_plain_text, &mut out)
            }
            Event::Start(Tag::Strong) => strong_depth += 1,
            Event::End(TagEnd::Strong) => strong_depth = strong_depth.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let block = current.get_or_insert_with(|| start_block(BlockKind::Paragraph, line_of(range.start)));
                link_stack.push((dest_url.to_string(), block.text.len(), block.text.len()));
            }
            Event::End(TagEnd::Link) => {
                if let (Some((url, start, text_start)), Some(block)) = (link_stack.pop(), current.as_mut()) {
                    let link_text = block.text[text_start..].trim().to_string();
                    let own_text = (link_text != url && !link_text.is_empty()).then_some(link_text);
                    block.links.push((url, start, own_text));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                let block = current.get_or_insert_with(|| start_block(BlockKind::Paragraph, line_of(range.start)));
                if strong_depth == 0 && !t.trim().is_empty() {
                    has_plain_text = true;
                }
                block.text.push_str(&t);
            }
            Event::SoftBreak => {
                if let Some(block) = current.as_mut() {
                    // A line break inside a Japanese sentence is not a space.
                    let next = text[range.end..].chars().next();
                    if needs_space(block.text.chars().last(), next) {
                        block.text.push(' ');
                    }
                }
            }
            Event::HardBreak => {
                if let Some(block) = current.as_mut() {
                    block.text.push('\n');
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                if let Some(id) = pinned_id(&html) {
                    flush(&mut current, &mut has_plain_text, &mut out);
                    out.push(Block {
                        kind: BlockKind::PinnedId(id),
                        text: String::new(),
                        all_bold: false,
                        links: Vec::new(),
                        line: line_of(range.start),
                        bullet: false,
                    });
                } else if is_one_tag(&html) {
                    // An inline tag (`<b>`, `</span>`, `<br>`): its text comes as text events;
                    // the tag itself is markup, neither text nor a reason to stop being bold.
                } else if let Some(block) = current.as_mut() {
                    block.text.push_str(&html);
                    has_plain_text = true;
                }
            }
            Event::Rule => flush(&mut current, &mut has_plain_text, &mut out),
            _ => {}
        }
    }
    flush(&mut current, &mut has_plain_text, &mut out);
    out
}

/// Whether a piece of HTML is one tag (`<b>`, `</b>`, `<br/>`, `<span class="x">`).
fn is_one_tag(html: &str) -> bool {
    let trimmed = html.trim();
    trimmed.starts_with('<')
        && trimmed.ends_with('>')
        && !trimmed.starts_with("<!--")
        && trimmed[1..trimmed.len() - 1].chars().all(|c| c != '<' && c != '>')
        && trimmed[1..].trim_start_matches('/').chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Whether a heading's text ends like a question (？ or ?, before closing brackets or `**`).
fn ends_like_a_question(text: &str) -> bool {
    text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '」' | '）' | ')')).ends_with(['？', '?'])
}

/// `<!-- id: some-id -->` → `some-id`.
fn pinned_id(html: &str) -> Option<String> {
    let inner = html.trim().strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    let id = inner.strip_prefix("id:")?.trim();
    Some(id.to_string())
}

/// Whether joining two pieces of text across a line break needs a space (Latin words do,
/// Japanese does not).
fn needs_space(before: Option<char>, after: Option<char>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => !is_wide(b) && !is_wide(a),
        _ => false,
    }
}

/// Hiragana, katakana (full and half width) and CJK ideographs, including 々 and ー.
pub(crate) fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF66}'..='\u{FF9F}')
}

/// Japanese characters and full-width punctuation: text that is written without spaces.
fn is_wide(c: char) -> bool {
    is_japanese(c) || matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

/// Kana or kanji that can end or start a word (not punctuation such as 。、「」).
fn is_word_char(c: char) -> bool {
    is_japanese(c) && c != '\u{30FB}' // ・ is a separator
}

#[derive(Debug)]
enum QuestionStyle {
    Bold,
    Heading,
}

#[derive(Debug)]
struct Draft {
    question: String,
    line: usize,
    style: QuestionStyle,
    pinned_id: Option<String>,
    /// Answer pieces: (kind, text)
    answer: Vec<(BlockKind, String)>,
    links: Vec<Link>,
}

struct EntryBuilder<'a> {
    file: &'a str,
    slug: &'a str,
    entries: Vec<FaqEntry>,
    category: Option<String>,
    draft: Option<Draft>,
    pinned_id: Option<(String, usize)>,
    warnings: Vec<String>,
}

impl EntryBuilder<'_> {
    fn push(&mut self, block: Block) -> Result<(), CorpusError> {
        match &block.kind {
            BlockKind::PinnedId(id) => {
                self.finish_draft()?;
                self.pinned_id = Some((id.clone(), block.line));
            }
            BlockKind::Heading(level) if *level <= 2 && ends_like_a_question(&block.text) => {
                self.warnings.push(format!(
                    "{}:{}: the level-{level} heading 「{}」 reads as a question, so it is indexed as one (questions are `###` headings or bold paragraphs; section titles do not end in ？)",
                    self.file,
                    block.line,
                    shorten(&block.text)
                ));
                self.finish_draft()?;
                self.start_question(block, QuestionStyle::Heading);
            }
            BlockKind::Heading(level) if *level <= 2 => {
                self.finish_draft()?;
                self.category = Some(block.text);
            }
            BlockKind::Heading(_) => {
                self.finish_draft()?;
                self.start_question(block, QuestionStyle::Heading);
            }
            BlockKind::Paragraph if block.all_bold => {
                let continues = self.draft.as_mut().filter(|d| d.answer.is_empty() && matches!(d.style, QuestionStyle::Bold));
                if let Some(draft) = continues {
                    let space = needs_space(draft.question.chars().last(), block.text.chars().next());
                    if space {
                        draft.question.push(' ');
                    }
                    draft.question.push_str(&block.text);
                } else {
                    self.finish_draft()?;
                    self.start_question(block, QuestionStyle::Bold);
                }
            }
            BlockKind::Paragraph if block.text.starts_with("**") && !block.text[2..].contains("**") => {
                // `**` opened and never closed: a bold question with a typo, not answer text.
                let mut block = block;
                block.text = block.text.trim_start_matches('*').trim().to_string();
                self.warnings.push(format!(
                    "{}:{}: `**` is opened but not closed; 「{}」 is read as a bold question",
                    self.file,
                    block.line,
                    shorten(&block.text)
                ));
                self.finish_draft()?;
                self.start_question(block, QuestionStyle::Bold);
            }
            BlockKind::Paragraph | BlockKind::ListItem => {
                // Text before the first question (an introduction) belongs to no entry.
                match self.draft.as_mut() {
                    Some(draft) => add_answer_block(draft, block),
                    None => self.warnings.push(format!(
                        "{}:{}: 「{}」 comes before any question and belongs to no entry (not indexed)",
                        self.file,
                        block.line,
                        shorten(&block.text)
                    )),
                }
            }
        }
        Ok(())
    }

    fn start_question(&mut self, block: Block, style: QuestionStyle) {
        let pinned_id = self.pinned_id.take().map(|(id, _)| id);
        self.draft = Some(Draft { question: block.text, line: block.line, style, pinned_id, answer: Vec::new(), links: Vec::new() });
    }

    fn finish_draft(&mut self) -> Result<(), CorpusError> {
        let Some(draft) = self.draft.take() else { return Ok(()) };
        if draft.answer.is_empty() {
            return Err(CorpusError::at(self.file, draft.line, format!("the question 「{}」 has no answer", shorten(&draft.question))));
        }
        let id = match draft.pinned_id {
            Some(id) => {
                validate_id(&id).map_err(|invalid| CorpusError::at(self.file, draft.line, invalid.to_string()))?;
                id
            }
            None => derived_id(self.slug, &draft.question),
        };
        self.entries.push(FaqEntry {
            id,
            question: draft.question,
            answer: render_answer(&draft.answer),
            links: draft.links,
            category: self.category.clone(),
            source: Some(SourceLocation { file: self.file.to_string(), line: draft.line }),
        });
        Ok(())
    }
}

fn add_answer_block(draft: &mut Draft, block: Block) {
    for (url, start, own_text) in &block.links {
        let before = block.text[..*start].trim_end();
        let label = match own_text {
            Some(text) => text.clone(),
            None if !trim_label(before).is_empty() => trim_label(last_line(before)).to_string(),
            None => draft.answer.last().map(|(_, text)| trim_label(last_line(text)).to_string()).unwrap_or_default(),
        };
        draft.links.push(Link { url: url.clone(), label });
    }
    let broken_word = block.kind == BlockKind::Paragraph
        && matches!(draft.answer.last(), Some((BlockKind::Paragraph, prev))
            if prev.chars().last().is_some_and(is_word_char))
        && block.text.chars().next().is_some_and(is_word_char);
    match draft.answer.last_mut() {
        Some((_, prev)) if broken_word => prev.push_str(&block.text),
        _ => draft.answer.push((block.kind, block.text)),
    }
}

fn last_line(text: &str) -> &str {
    text.rsplit('\n').next().unwrap_or(text)
}

fn trim_label(text: &str) -> &str {
    text.trim().trim_end_matches([':', '：', '。', ' ', '\u{3000}']).trim()
}

/// Paragraphs separated by a blank line; list items one per line.
fn render_answer(pieces: &[(BlockKind, String)]) -> String {
    let mut out = String::new();
    let mut previous: Option<&BlockKind> = None;
    for (kind, text) in pieces {
        if let Some(prev) = previous {
            let tight = *prev == BlockKind::ListItem && *kind == BlockKind::ListItem;
            out.push_str(if tight { "\n" } else { "\n\n" });
        }
        out.push_str(text);
        previous = Some(kind);
    }
    out
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(30).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// `<slug>-<8 hex digits of SHA-1(question)>`.
pub fn derived_id(slug: &str, question: &str) -> String {
    let digest = sha1_smol::Sha1::from(question.trim()).digest().to_string();
    format!("{slug}-{}", &digest[..8])
}

/// Ids appear in URLs and file names: ASCII letters, digits, `-`, `_` and `.`, 1–128 long.
pub fn validate_id(id: &str) -> Result<(), InvalidId> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(InvalidId(id.to_string())) }
}

/// An entry id that cannot be used (it names files, URLs and `?id=` permalinks).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid id {0:?}: use 1-128 ASCII letters, digits, `-`, `_` or `.`, not starting with `.`")]
pub struct InvalidId(pub String);

#[cfg(test)]
mod tests;
