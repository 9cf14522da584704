//! The Markdown reader on the shapes owners write: headings, bold questions, labels,
//! lists and tables in answers, pinned ids, and what is warned about.

use super::*;

const SEED: &str = include_str!("../../../../corpus/order-management.md");

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
