//! A release body is plain text, not markdown: scraped releases are full of
//! `*`, `_` and `#` that mean nothing, and markdown would turn them into
//! emphasis and headings the force never wrote. So the text is escaped and
//! given only the structure that plain text has: paragraphs at blank lines
//! (runs of blank lines count as one), lists from lines starting `*` or `-`,
//! and links from bare URLs.

use std::fmt::Write as _;

/// One block of the body.
#[derive(Debug, PartialEq, Eq)]
enum Block<'a> {
    /// Lines of one paragraph; kept apart by `<br>` as the release had them.
    Paragraph(Vec<&'a str>),
    List(Vec<&'a str>),
}

/// Renders a plain-text body to HTML.
pub fn to_html(body: &str) -> String {
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    for block in blocks(body) {
        match block {
            Block::Paragraph(lines) => {
                html.push_str("<p>");
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        html.push_str("<br>\n");
                    }
                    inline(line, &mut html);
                }
                html.push_str("</p>\n");
            }
            Block::List(items) => {
                html.push_str("<ul>\n");
                for item in items {
                    html.push_str("<li>");
                    inline(item, &mut html);
                    html.push_str("</li>\n");
                }
                html.push_str("</ul>\n");
            }
        }
    }
    html
}

/// The item text of a list line (`* item`, `- item`), or `None`.
fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t.strip_prefix('*').or_else(|| t.strip_prefix('-'))?;
    (rest.starts_with([' ', '\t']) && !rest.trim().is_empty()).then(|| rest.trim())
}

fn blocks(body: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block> = Vec::new();
    let mut after_blank = true;
    for line in body.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            after_blank = true;
            continue;
        }
        match (list_item(line), out.last_mut()) {
            // List items continue a list even across blank lines.
            (Some(item), Some(Block::List(items))) => items.push(item),
            (Some(item), _) => out.push(Block::List(vec![item])),
            (None, Some(Block::Paragraph(lines))) if !after_blank => lines.push(line.trim_start()),
            (None, _) => out.push(Block::Paragraph(vec![line.trim_start()])),
        }
        after_blank = false;
    }
    out
}

/// Escapes a line and links its bare http(s) URLs.
fn inline(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        escape_into(&rest[..start], out);
        let url = url_at(&rest[start..]);
        out.push_str("<a href=\"");
        escape_into(url, out);
        out.push_str("\" rel=\"nofollow\">");
        escape_into(url, out);
        out.push_str("</a>");
        rest = &rest[start + url.len()..];
    }
    escape_into(rest, out);
}

fn find_url(text: &str) -> Option<usize> {
    let lower_start = |i: usize| {
        let t = &text.as_bytes()[i..];
        let starts = |p: &[u8]| t.len() > p.len() && t[..p.len()].eq_ignore_ascii_case(p);
        starts(b"https://") || starts(b"http://")
    };
    text.match_indices(['h', 'H']).map(|(i, _)| i).find(|&i| {
        lower_start(i) && (i == 0 || !text[..i].ends_with(|c: char| c.is_alphanumeric()))
    })
}

/// The URL at the start of `text`: up to whitespace, without the sentence
/// punctuation that usually follows a URL in prose, and without an unmatched `)`.
fn url_at(text: &str) -> &str {
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(text.len());
    let mut url = &text[..end];
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '’', '”', ']']);
        let trimmed = if trimmed.ends_with(')')
            && trimmed.matches('(').count() < trimmed.matches(')').count()
        {
            &trimmed[..trimmed.len() - 1]
        } else {
            trimmed
        };
        if trimmed.len() == url.len() {
            return url;
        }
        url = trimmed;
    }
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape_into(text: &str, out: &mut String) {
    let mut last = 0;
    for (i, c) in text.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// `escape` in the signature Tera's `set_escape_fn` wants.
pub fn escape_into_fn(text: &str) -> String {
    escape(text)
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// First paragraph as plain text, cut at a word near `max` characters: the
/// feed summary and the listing teaser.
pub fn summary(body: &str, max: usize) -> String {
    let first = blocks(body).into_iter().next();
    let text = match first {
        Some(Block::Paragraph(lines)) | Some(Block::List(lines)) => lines.join(" "),
        None => String::new(),
    };
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(head, _)| head)
        .trim_end_matches([',', ';', ':', '.']);
    let mut s = String::with_capacity(cut.len() + 3);
    let _ = write!(s, "{cut}…");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_on_blank_line_runs() {
        assert_eq!(to_html("One.\n\n\n\nTwo.\n"), "<p>One.</p>\n<p>Two.</p>\n");
    }

    #[test]
    fn lines_in_a_paragraph_keep_their_breaks() {
        assert_eq!(to_html("a\nb"), "<p>a<br>\nb</p>\n");
    }

    #[test]
    fn star_and_dash_lines_are_lists() {
        let html =
            to_html("Officers seized:\n * £5,000 in cash\n - 3kg of cocaine\n\n * a car\n\nAfter.");
        assert_eq!(
            html,
            "<p>Officers seized:</p>\n<ul>\n<li>£5,000 in cash</li>\n<li>3kg of cocaine</li>\n<li>a car</li>\n</ul>\n<p>After.</p>\n"
        );
        assert_eq!(to_html("-5 degrees"), "<p>-5 degrees</p>\n");
    }

    #[test]
    fn markup_is_escaped_not_interpreted() {
        assert_eq!(
            to_html("<script>alert('x')</script> & *not emphasis* # no heading"),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; *not emphasis* # no heading</p>\n"
        );
    }

    #[test]
    fn bare_urls_become_links_without_trailing_punctuation() {
        assert_eq!(
            to_html("See https://example.org/a?b=1&c=2. Or (http://x.uk/p)."),
            "<p>See <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow\">https://example.org/a?b=1&amp;c=2</a>. Or (<a href=\"http://x.uk/p\" rel=\"nofollow\">http://x.uk/p</a>).</p>\n"
        );
        assert_eq!(
            to_html("javascript:alert(1)"),
            "<p>javascript:alert(1)</p>\n"
        );
        assert_eq!(to_html("xhttps://a.b"), "<p>xhttps://a.b</p>\n");
    }

    #[test]
    fn crlf_bom_and_trailing_spaces_change_nothing() {
        assert_eq!(to_html("One.   \n\nTwo.\t"), to_html("One.\n\nTwo."));
    }

    #[test]
    fn summary_cuts_at_a_word() {
        assert_eq!(summary("Short one.\n\nTwo.", 50), "Short one.");
        assert_eq!(summary("one two three four", 10), "one two…");
    }
}
