//! The owner's page as HTML: the report with its plots ([`crate::plot`]), the login form, and
//! the page shown while a report is computed. No script; what sellers typed is shown on one
//! line as it reads, escaped.

use std::time::Duration;

use faq_analytics::Report;
use faq_query::proposals::Proposal;

use crate::state::AppState;

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    faq_query::highlight::escape_html_into(&mut out, text);
    out
}

/// What sellers typed, on one line as it reads ([`faq_query::highlight::one_line`]), escaped.
fn text(typed: &str) -> String {
    escape(&faq_query::highlight::one_line(typed))
}

/// The page shown while the report is being computed: it asks again in two seconds.
pub(crate) fn computing_page() -> String {
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"2\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>FAQ 利用状況</title><style>{STYLE}</style></head>\
         <body><h1>FAQ 利用状況</h1><p role=\"status\">集計しています。数秒後に表示します。</p></body></html>"
    )
}

const STYLE: &str = "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;margin:0 auto;max-width:960px;padding:16px;color:#1f2328;line-height:1.5}\
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #d0d7de}\
nav a,button{display:inline-block;min-height:44px;line-height:44px;padding:0 12px;margin-right:4px}\
nav a.current{font-weight:bold;text-decoration:none}\
.numbers{display:flex;gap:24px;flex-wrap:wrap}.numbers div{font-size:1.6rem}.numbers small{display:block;font-size:.8rem;color:#57606a}\
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #eaeef2;padding:6px;text-align:left;vertical-align:top}\
td.n{text-align:right;white-space:nowrap}code{background:#f6f8fa;padding:2px 6px;border-radius:4px;white-space:nowrap}\
.plot{width:100%;height:auto}.plot .all{fill:#d0d7de}.plot .answered{fill:#0969da}.plot .rate{fill:none;stroke:#bf8700;stroke-width:2}.plot .rate-dot{fill:#bf8700}\
.plot .unanswered{fill:#cf222e}.plot .axis{stroke:#8c959f}.plot .label{font-size:11px;fill:#57606a}.plot .end{text-anchor:end}\
.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}\
form.inline{display:inline}.muted{color:#57606a}";

pub(crate) fn login_page(message: Option<&str>) -> String {
    let message = message.map(|m| format!("<p role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>FAQ 管理 ログイン</title><style>{STYLE}</style></head><body><h1>FAQ 管理</h1>{message}\
         <form method=\"post\" action=\"/admin/login\"><label>管理トークン <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required \
         style=\"min-height:44px;width:20em;max-width:100%\"></label> <button type=\"submit\">ログイン</button></form></body></html>"
    )
}

pub(crate) fn report_page(
    state: &AppState,
    report: &Report,
    proposals: &[Proposal],
    since: &str,
    csrf: Option<&str>,
    computed_ago: Option<Duration>,
) -> String {
    let engine = state.engine();
    let question = |id: &str| engine.searcher.get(id).ok().flatten().map(|e| e.question).unwrap_or_default();
    let now = faq_analytics::event::now_ms();
    let mut out = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>FAQ 利用状況</title><style>{STYLE}</style></head><body><h1>FAQ 利用状況</h1><nav>"
    );
    for (value, label) in [("7d", "7日間"), ("30d", "30日間"), ("90d", "90日間")] {
        let current = if value == since { " class=\"current\" aria-current=\"page\"" } else { "" };
        out += &format!("<a href=\"/admin?since={value}\"{current}>{label}</a>");
    }
    if let Some(csrf) = csrf {
        out += &format!(
            "<form class=\"inline\" method=\"post\" action=\"/admin/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">ログアウト</button></form>",
            escape(csrf)
        );
    }
    out += "</nav>";
    if let Some(ago) = computed_ago.filter(|a| a.as_secs() >= 5) {
        out += &format!("<p class=\"muted\">{} 秒前の集計です（更新中）。</p>", ago.as_secs());
    }
    let unanswered: u64 = (report.searches as f64 * (1.0 - report.answered_rate)).round() as u64;
    out += &format!(
        "<section class=\"numbers\"><div>{}<small>検索</small></div><div>{:.1}%<small>回答できた割合</small></div>\
         <div>{unanswered}<small>回答できなかった検索</small></div></section>",
        report.searches,
        report.answered_rate * 100.0
    );
    out += "<h2>1日あたりの検索</h2><p class=\"legend\"><span><i style=\"background:#d0d7de\"></i>検索</span>\
            <span><i style=\"background:#0969da\"></i>回答できた検索</span><span><i style=\"background:#bf8700\"></i>回答できた割合</span></p>";
    out += &crate::plot::daily(&report.days, report.since_ms.max(now - 400 * faq_analytics::period::DAY_MS), now);

    out += "<h2>回答できなかった質問（同じことを聞く質問をまとめて）</h2>";
    if report.unanswered.is_empty() {
        out += "<p class=\"muted\">ありません。</p>";
    } else {
        out += &crate::plot::groups(&report.unanswered, 10);
        out += "<table><thead><tr><th>件数</th><th>質問の例</th><th>語</th></tr></thead><tbody>";
        for row in &report.unanswered {
            out += &format!(
                "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
                row.count,
                text(&row.query),
                text(row.terms.as_deref().unwrap_or(""))
            );
        }
        out += "</tbody></table>";
    }

    out += "<h2>改善の提案</h2><p class=\"muted\">同義語の行は <code>corpus/synonyms.txt</code> に追記すると、再インデックスなしで反映されます\
            （サーバーは再読み込み時）。どの行も、その質問に回答できるようになることを確かめてあります。</p>";
    let synonyms: Vec<&Proposal> = proposals.iter().filter(|p| matches!(p, Proposal::Synonym { .. })).collect();
    if synonyms.is_empty() {
        out += "<p class=\"muted\">同義語の提案はありません。</p>";
    } else {
        out += "<table><thead><tr><th>追記する行</th><th>件数</th><th>質問の例 → 回答される項目</th><th>根拠</th></tr></thead><tbody>";
        for proposal in synonyms {
            if let Proposal::Synonym { line, evidence, strength, example, count, answers, question, .. } = proposal {
                let evidence = match *evidence {
                    "meaning" => "意味が近い",
                    "reading" => "読みが同じ",
                    _ => "文字が共通",
                };
                out += &format!(
                    "<tr><td><code>{}</code></td><td class=\"n\">{count}</td><td>{} → {}<br><span class=\"muted\">{}</span></td><td>{evidence} {strength:.2}</td></tr>",
                    escape(line),
                    text(example),
                    text(answers),
                    text(question)
                );
            }
        }
        out += "</tbody></table>";
    }
    let uncovered: Vec<&Proposal> = proposals.iter().filter(|p| matches!(p, Proposal::Uncovered { .. })).collect();
    if !uncovered.is_empty() {
        out += "<h3>FAQ にない話題（項目の追加を検討）</h3><table><thead><tr><th>件数</th><th>質問の例</th><th>語</th></tr></thead><tbody>";
        for proposal in uncovered {
            if let Proposal::Uncovered { topic, example, count } = proposal {
                out += &format!("<tr><td class=\"n\">{count}</td><td>{}</td><td class=\"muted\">{}</td></tr>", text(example), text(topic));
            }
        }
        out += "</tbody></table>";
    }

    out += "<h2>よく検索された質問</h2><table><thead><tr><th>件数</th><th>質問</th></tr></thead><tbody>";
    for row in &report.top_queries {
        out += &format!("<tr><td class=\"n\">{}</td><td>{}</td></tr>", row.count, text(&row.query));
    }
    out += "</tbody></table>";

    out += "<h2>項目ごとの反応</h2><table><thead><tr><th>項目</th><th>表示</th><th>開いた</th><th>開いた率</th><th>解決した</th><th>解決しなかった</th></tr></thead><tbody>";
    for entry in report.entries.iter().take(100) {
        let rate = if entry.shown == 0 { "—".to_string() } else { format!("{:.0}%", 100.0 * entry.opened as f64 / entry.shown as f64) };
        let never =
            if entry.shown > 0 && entry.opened == 0 { " <span class=\"muted\">（一度も開かれていない）</span>" } else { "" };
        out += &format!(
            "<tr><td>{}{never}<br><span class=\"muted\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{rate}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            text(&question(&entry.id)),
            text(&entry.id),
            entry.shown,
            entry.opened,
            entry.helpful,
            entry.not_helpful
        );
    }
    out + "</tbody></table></body></html>"
}
