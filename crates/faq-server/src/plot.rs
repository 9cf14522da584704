//! Plots for the owner's page, drawn as inline SVG by the server (no script, no build
//! tools): searches per day with the answered share, and the most asked unanswered groups.

use faq_analytics::period::{DAY_MS, date};
use faq_analytics::report::{Counted, Day};

use crate::admin::escape;

const WIDTH: f64 = 640.0;

/// Bars of searches per day from `from_ms` to `to_ms` (days without searches drawn empty),
/// the answered part darker, and the answered share as a line on a 0–100 % scale.
pub fn daily(days: &[Day], from_ms: i64, to_ms: i64) -> String {
    let (first, last) = (from_ms.div_euclid(DAY_MS), to_ms.div_euclid(DAY_MS));
    let span = (last - first + 1).clamp(1, 400);
    let first = last - span + 1;
    let mut counts = vec![(0u64, 0u64); span as usize];
    for day in days {
        let i = day.day_ms.div_euclid(DAY_MS) - first;
        if (0..span).contains(&i) {
            counts[i as usize] = (day.searches, day.answered);
        }
    }
    let max = counts.iter().map(|c| c.0).max().unwrap_or(0).max(1);
    let (left, top, height) = (44.0, 12.0, 150.0);
    let plot_width = WIDTH - left - 44.0;
    let step = plot_width / span as f64;
    let y = |value: f64| top + height - value * height;
    let mut svg = format!(
        "<svg class=\"plot\" viewBox=\"0 0 {WIDTH} 200\" role=\"img\" aria-labelledby=\"daily-title\">\
         <title id=\"daily-title\">1日あたりの検索数と回答できた割合（{} 〜 {}）</title>",
        date(first * DAY_MS),
        date(last * DAY_MS)
    );
    svg += &format!("<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>", y(0.0), left + plot_width, y(0.0));
    let mut line = String::new();
    for (i, &(searches, answered)) in counts.iter().enumerate() {
        let x = left + i as f64 * step;
        let w = (step * 0.8).max(1.0);
        let all = searches as f64 / max as f64;
        let part = answered as f64 / max as f64;
        let day = date((first + i as i64) * DAY_MS);
        svg += &format!(
            "<g><title>{day}: {searches} 件、回答 {answered} 件</title>\
             <rect class=\"all\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>\
             <rect class=\"answered\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/></g>",
            y(all),
            all * height,
            y(part),
            part * height
        );
        if searches > 0 {
            let rate = answered as f64 / searches as f64;
            line += &format!("{}{:.1},{:.1}", if line.is_empty() { "" } else { " " }, x + w / 2.0, y(rate));
            // A dot per day, so that a single day shows its rate too.
            svg += &format!("<circle class=\"rate-dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"/>", x + w / 2.0, y(rate));
        }
    }
    if !line.is_empty() {
        svg += &format!("<polyline class=\"rate\" points=\"{line}\"/>");
    }
    svg += &format!(
        "<text x=\"{}\" y=\"{}\" class=\"label end\">{max}</text><text x=\"{}\" y=\"{}\" class=\"label end\">0</text>\
         <text x=\"{}\" y=\"{}\" class=\"label\">100%</text><text x=\"{}\" y=\"{}\" class=\"label\">0%</text>\
         <text x=\"{left}\" y=\"195\" class=\"label\">{}</text><text x=\"{}\" y=\"195\" class=\"label end\">{}</text></svg>",
        left - 6.0,
        y(1.0) + 4.0,
        left - 6.0,
        y(0.0),
        left + plot_width + 6.0,
        y(1.0) + 4.0,
        left + plot_width + 6.0,
        y(0.0),
        date(first * DAY_MS),
        left + plot_width,
        date(last * DAY_MS)
    );
    svg
}

/// Horizontal bars of the most asked unanswered groups, labelled by their example query.
pub fn groups(rows: &[Counted], limit: usize) -> String {
    let rows = &rows[..rows.len().min(limit)];
    let max = rows.iter().map(|r| r.count).max().unwrap_or(0).max(1);
    let (label_width, bar_height) = (260.0, 22.0);
    let height = 8.0 + rows.len() as f64 * (bar_height + 6.0);
    let mut svg = format!(
        "<svg class=\"plot\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"groups-title\">\
         <title id=\"groups-title\">回答できなかった質問（多い順）</title>"
    );
    for (i, row) in rows.iter().enumerate() {
        let top = 4.0 + i as f64 * (bar_height + 6.0);
        let w = (WIDTH - label_width - 60.0) * row.count as f64 / max as f64;
        // What sellers typed, on one line as it reads.
        let query = faq_query::highlight::one_line(&row.query);
        let label: String = query.chars().take(22).collect();
        let cut = if query.chars().count() > 22 { "…" } else { "" };
        svg += &format!(
            "<g><title>{}: {} 件</title><text x=\"{}\" y=\"{:.1}\" class=\"label end\">{}{cut}</text>\
             <rect class=\"unanswered\" x=\"{label_width}\" y=\"{top:.1}\" width=\"{w:.1}\" height=\"{bar_height}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"label\">{}</text></g>",
            escape(&query),
            row.count,
            label_width - 8.0,
            top + 15.0,
            escape(&label),
            label_width + w + 6.0,
            top + 15.0,
            row.count
        );
    }
    svg + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_without_searches_is_an_empty_bar_and_text_is_escaped() {
        let day = |d: i64, searches, answered| Day { day_ms: d * DAY_MS, searches, answered };
        let svg = daily(&[day(10, 4, 3), day(12, 2, 0)], 10 * DAY_MS, 12 * DAY_MS + 5);
        assert_eq!(svg.matches("class=\"all\"").count(), 3, "{svg}");
        assert!(svg.contains("1970-01-11: 4 件、回答 3 件"), "{svg}");
        assert!(svg.contains("1970-01-12: 0 件"), "{svg}");
        let groups = groups(&[Counted { query: "<script>".into(), count: 3, terms: None }], 10);
        assert!(groups.contains("&lt;script&gt;") && !groups.contains("<script>"), "{groups}");
    }
}
