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
                validate_id(&id).map_err(|msg| CorpusError::at(self.file, draft.line, msg))?;
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
pub fn validate_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(format!("invalid id {id:?}: use 1-128 ASCII letters, digits, `-`, `_` or `.`, not starting with `.`")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../../corpus/order-management.md");

    fn seed() -> Vec<FaqEntry> {
        parse(SEED, "corpus/order-management.md", "order-management").expect("the seed parses")
    }

    fn by_question<'a>(entries: &'a [FaqEntry], start: &str) -> &'a FaqEntry {
        entries.iter().find(|e| e.question.starts_with(start)).unwrap_or_else(|| panic!("no question starting with {start}"))
    }

    #[test]
    fn the_seed_has_thirteen_entries_in_one_section() {
        let entries = seed();
        assert_eq!(entries.len(), 13);
        assert!(entries.iter().all(|e| e.category.as_deref() == Some("注文管理のよくある質問")));
        assert!(entries.iter().all(|e| !e.answer.is_empty() && !e.question.contains("**")));
    }

    #[test]
    fn bold_question_over_two_bold_lines_is_one_question() {
        let entries = seed();
        let first = &entries[0];
        assert_eq!(
            first.question,
            "注文を確定し、商品を発送しましたが、購入者より商品が到着していないと連絡がありました。どのように対応したらよいですか？"
        );
        assert_eq!(first.source.as_ref().map(|s| s.line), Some(5));
        assert!(first.answer.starts_with("以下の確認をおこなってください。"));
    }

    #[test]
    fn single_bold_paragraph_question() {
        let entries = seed();
        let entry = by_question(&entries, "購入者から領収書発行について依頼がありました。");
        assert_eq!(entry.question, "購入者から領収書発行について依頼がありました。領収書は出品者側で発行するものなのでしょうか？");
    }

    #[test]
    fn heading_question_and_bold_heading_question() {
        let entries = seed();
        assert_eq!(by_question(&entries, "保留中の注文").question, "保留中の注文とはなんですか？");
        let bold_heading = by_question(&entries, "購入者への連絡方法は？");
        assert_eq!(bold_heading.question, "購入者への連絡方法は？ 購入者からのお問い合わせに返答する方法は？");
        assert!(bold_heading.answer.starts_with("出品者が購入者に連絡する場合は"));
    }

    #[test]
    fn word_broken_by_a_stray_blank_line_is_joined() {
        let entries = seed();
        let entry = by_question(&entries, "購入者から注文についてお問い合わせがありましたが");
        assert!(entry.answer.contains("保留中の注文については、注文が確定するまで商品を出荷せず"), "{}", entry.answer);
        assert!(!entry.answer.contains("確\n"));
        // …but a paragraph ending in punctuation stays a paragraph of its own.
        assert!(entry.answer.contains("依頼してください。\n\nAmazon.co.jp カスタマーサービス :"), "{}", entry.answer);
    }

    #[test]
    fn lists_keep_one_item_per_line() {
        let entries = seed();
        assert!(entries[0].answer.contains("\n\n1. 配送会社に確認\n2. 購入者へ再度確認（本人が不在"), "{}", entries[0].answer);
        let bullets = by_question(&entries, "購入者に Eメールで連絡をしたところ");
        assert!(
            bullets.answer.contains("\n\n・購入者が登録している Eメールアドレスに誤りがある\n・購入者の Eメールクライアント"),
            "{}",
            bullets.answer
        );
    }

    #[test]
    fn links_carry_the_label_before_them() {
        let entries = seed();
        let receipts = by_question(&entries, "購入者から領収書発行");
        assert_eq!(
            receipts.links,
            [Link { url: "https://sellercentral.amazon.co.jp/gp/help/200387940".into(), label: "領収書について".into() }]
        );
        let returned = by_question(&entries, "注文を確定し、商品を発送しましたが、購入者不在");
        let labels: Vec<&str> = returned.links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["返金のヘルプページ", "返金に関する「よくある質問」"]);
        // A link alone in its paragraph takes the paragraph before it.
        let pending = by_question(&entries, "購入者から注文についてお問い合わせ");
        assert_eq!(pending.links[0].label, "Amazon.co.jp カスタマーサービス");
        assert_eq!(pending.links[0].url, "http://www.amazon.co.jp/contact-us/");
        let total: usize = entries.iter().map(|e| e.links.len()).sum();
        assert_eq!(total, SEED.matches("<http").count());
    }

    #[test]
    fn ids_do_not_move_when_an_entry_is_added_above() {
        let before = seed();
        let with_new_first = SEED.replacen(
            "**注文を確定し、商品を発送しましたが",
            "### 新しい質問ですか？\n\n新しい回答です。\n\n**注文を確定し、商品を発送しましたが",
            1,
        );
        let after = parse(&with_new_first, "x.md", "order-management").unwrap();
        assert_eq!(after.len(), before.len() + 1);
        for entry in &before {
            assert!(after.iter().any(|e| e.id == entry.id && e.question == entry.question), "{} moved", entry.id);
        }
        let ids: std::collections::HashSet<_> = before.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), before.len());
    }

    #[test]
    fn pinned_ids_override_derived_ones() {
        let text = "<!-- id: receipts -->\n### 領収書は？\n\n発行してください。\n";
        let entries = parse(text, "f.md", "f").unwrap();
        assert_eq!(entries[0].id, "receipts");
        let bad = parse("<!-- id: ../etc -->\n### 領収書は？\n\n発行してください。\n", "f.md", "f").unwrap_err();
        assert!(bad.message.contains("invalid id"), "{bad}");
    }

    #[test]
    fn a_question_without_an_answer_names_file_and_line() {
        let text = "### 一つ目？\n\n答え。\n\n### 二つ目？\n\n### 三つ目？\n\n答え。\n";
        let err = parse(text, "corpus/x.md", "x").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("corpus/x.md", 5));
        assert!(err.to_string().starts_with("corpus/x.md:5: "), "{err}");
    }

    #[test]
    fn a_file_without_questions_is_an_error() {
        let err = parse("ただの文章です。\n", "notes.md", "notes").unwrap_err();
        assert!(err.message.contains("no questions"), "{err}");
        assert!(parse("", "empty.md", "empty").is_err());
    }

    #[test]
    fn crlf_and_soft_breaks() {
        let text = "**返品は\r\nできますか？**\r\n\r\n返品は受け付けて\r\nいます。\r\nSee the\r\nterms.\r\n";
        let entries = parse(text, "f.md", "f").unwrap();
        assert_eq!(entries[0].question, "返品はできますか？");
        assert_eq!(entries[0].answer, "返品は受け付けています。See the terms.");
    }
}
