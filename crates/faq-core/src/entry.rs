//! The FAQ entry: what the corpus parsers produce, the index stores and search returns.

use serde::{Deserialize, Serialize};

/// One question with its answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FaqEntry {
    /// Stable identifier (see the README for how Markdown ids are derived).
    pub id: String,
    pub question: String,
    /// Answer as plain text: paragraphs separated by a blank line, one list item per line.
    pub answer: String,
    /// Help links found in the answer, in order.
    #[serde(default)]
    pub links: Vec<Link>,
    /// The section heading the entry sits under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Where the entry was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
}

/// A help link and the text that introduces it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    pub url: String,
    pub label: String,
}

/// Whether a link may be shown to a browser: `http`, `https` and `mailto` addresses and
/// relative ones (`/help`, `faq.html#x`). Anything with another scheme (`javascript:`,
/// `data:`, `vbscript:`, `file:`), however it is spelt — any case, with whitespace or
/// control characters inside, or with a character reference (`&#106;avascript:`) that a
/// page would decode — is not.
pub fn is_safe_url(url: &str) -> bool {
    // What a browser would see: leading spaces and control characters ignored, tabs and
    // newlines removed anywhere (the URL standard's parser does both).
    let seen: String = url.trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if seen.is_empty() || seen.chars().any(|c| c.is_control()) {
        return false;
    }
    // A character reference could spell a scheme once an HTML page decodes it.
    let before_path = seen.split(['/', '?', '#']).next().unwrap_or("");
    if before_path.contains('&') {
        return false;
    }
    match before_path.split_once(':') {
        None => true, // relative
        Some((scheme, _)) => matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "mailto"),
    }
}

/// `text` with its http(s) URLs blanked out, byte for byte (so offsets into it are offsets
/// into `text`): a URL's characters are not words of the entry (`homepage.html` must not
/// match ほ), while the label before it (領収書について：) stays. Indexing and the
/// completion vocabulary both read entries through it.
pub fn blank_urls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("http://") && !text.contains("https://") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = [rest.find("http://"), rest.find("https://")].into_iter().flatten().min() {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(|c: char| !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"')).unwrap_or(tail.len());
        out.extend(std::iter::repeat_n(' ', end));
        rest = &tail[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// File and 1-based line of the start of an entry's question.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::is_safe_url;

    #[test]
    fn only_web_mail_and_relative_links_are_safe() {
        for safe in [
            "https://sellercentral.amazon.co.jp/gp/help/200387940",
            "http://www.amazon.co.jp/contact-us/",
            "HTTPS://X.JP/",
            "mailto:help@example.com",
            "/help/receipts",
            "faq.html#x",
            "?q=1",
            "#top",
        ] {
            assert!(is_safe_url(safe), "{safe}");
        }
        for unsafe_url in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "jav\nascript:x",
            "&#106;avascript:alert(1)",
            "&#x6A;avascript:x",
            "data:text/html,<script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "\u{1}javascript:x",
            "",
        ] {
            assert!(!is_safe_url(unsafe_url), "{unsafe_url:?}");
        }
    }
}
