//! A release body is plain text, not markdown: scraped releases are full of
//! `*`, `_` and `#` that mean nothing, and markdown would turn them into
//! emphasis and headings the force never wrote. So the text is escaped and
//! given only the structure that plain text has: paragraphs at blank lines
//! (runs of blank lines count as one), lists from lines starting `*` or `-`,
//! and links from bare URLs.

use std::fmt::Write as _;
use std::ops::Range;

use crate::plain::{blocks, offset_in, Block};

/// Renders a plain-text body to HTML.
pub fn to_html(body: &str) -> String {
    to_html_marked(body, &[])
}

/// Renders a body with passages highlighted: mark `k` (0-based) covers the
/// byte range `marks[k]` of `body` and becomes `<mark id="passage-{k+1}">`,
/// followed by a link to note `k+1`. A passage that spans lines is marked
/// piece by piece (HTML cannot nest a mark across paragraphs); only the
/// first piece carries the id.
pub fn to_html_marked(body: &str, marks: &[Range<usize>]) -> String {
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    let mut marker = Marker {
        marks,
        opened: vec![false; marks.len()],
    };
    for block in blocks(body) {
        match block {
            Block::Paragraph(lines) => {
                html.push_str("<p>");
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        html.push_str("<br>\n");
                    }
                    marker.line(line, offset_in(body, line), &mut html);
                }
                html.push_str("</p>\n");
            }
            Block::List(items) => {
                html.push_str("<ul>\n");
                for item in items {
                    html.push_str("<li>");
                    marker.line(item, offset_in(body, item), &mut html);
                    html.push_str("</li>\n");
                }
                html.push_str("</ul>\n");
            }
        }
    }
    html
}

struct Marker<'m> {
    marks: &'m [Range<usize>],
    opened: Vec<bool>,
}

impl Marker<'_> {
    /// Renders one line (at byte `offset` of the body) with its marks.
    fn line(&mut self, text: &str, offset: usize, out: &mut String) {
        let end = offset + text.len();
        let mut pos = offset;
        for (k, mark) in self.marks.iter().enumerate() {
            let (start, stop) = (mark.start.max(pos), mark.end.min(end));
            if start >= stop
                || !text.is_char_boundary(start - offset)
                || !text.is_char_boundary(stop - offset)
            {
                continue;
            }
            inline(&text[pos - offset..start - offset], out);
            if self.opened[k] {
                out.push_str("<mark class=\"passage\">");
            } else {
                let _ = write!(out, "<mark class=\"passage\" id=\"passage-{}\">", k + 1);
                self.opened[k] = true;
            }
            inline(&text[start - offset..stop - offset], out);
            out.push_str("</mark>");
            if stop == mark.end {
                let n = k + 1;
                let _ = write!(out, "<sup class=\"note-ref\"><a href=\"#note-{n}\" aria-label=\"Note {n}\">[{n}]</a></sup>");
            }
            pos = stop;
        }
        inline(&text[pos - offset..], out);
    }
}

/// The item text of a list line (`* item`, `- item`), or `None`.
/// Escapes a line and links its bare http(s) URLs.
fn inline(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        escape_text_into(&rest[..start], out);
        let url = url_at(&rest[start..]);
        out.push_str("<a href=\"");
        escape_into(url, out);
        out.push_str("\" rel=\"nofollow\">");
        escape_text_into(url, out);
        out.push_str("</a>");
        rest = &rest[start + url.len()..];
    }
    escape_text_into(rest, out);
}

/// Where the first bare `http://` or `https://` URL starts (any case, not
/// inside a word). Found from each `://`, which prose rarely has, rather
/// than from each `h`, which it has in every other word.
fn find_url(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, b"://").find_map(|sep| {
        if sep + 3 >= bytes.len() {
            return None;
        }
        let start = [&b"https"[..], b"http"].into_iter().find_map(|scheme| {
            let start = sep.checked_sub(scheme.len())?;
            bytes[start..sep]
                .eq_ignore_ascii_case(scheme)
                .then_some(start)
        })?;
        // `start` is an ASCII letter's index, so a char boundary.
        let in_word = text[..start].ends_with(|c: char| c.is_alphanumeric());
        (!in_word).then_some(start)
    })
}

/// The URL at the start of `text`: up to whitespace, without the sentence
/// punctuation that usually follows a URL in prose, and without an unmatched `)`.
fn url_at(text: &str) -> &str {
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(text.len());
    let mut url = &text[..end];
    // Bracket counts are taken once: stripping sentence punctuation does not
    // change them, so the loop stays linear however many `)` follow a URL.
    let opening = url.matches('(').count();
    let mut closing = url.matches(')').count();
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '’', '”', ']']);
        let trimmed = if trimmed.ends_with(')') && opening < closing {
            closing -= 1;
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
    escape_bytes_into(text, out, |byte| match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    });
}

/// Escapes text for HTML element content only: quotes stay as they are,
/// which matters in press releases, full of quoted speech.
pub fn escape_text_into(text: &str, out: &mut String) {
    escape_bytes_into(text, out, |byte| match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        _ => None,
    });
}

fn escape_bytes_into(text: &str, out: &mut String, escape: impl Fn(u8) -> Option<&'static str>) {
    // Byte by byte: every character escaped is ASCII, so each cut falls on
    // a char boundary, and no UTF-8 need be decoded.
    let mut last = 0;
    for (i, byte) in text.bytes().enumerate() {
        let Some(rep) = escape(byte) else { continue };
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first URL start, by the rule's plain reading: each `h`, tried.
    fn find_url_by_each_h(text: &str) -> Option<usize> {
        text.char_indices().map(|(i, _)| i).find(|&i| {
            let t = &text.as_bytes()[i..];
            let starts = |p: &[u8]| t.len() > p.len() && t[..p.len()].eq_ignore_ascii_case(p);
            (starts(b"https://") || starts(b"http://"))
                && !text[..i].ends_with(|c: char| c.is_alphanumeric())
        })
    }

    proptest! {
        #[test]
        fn urls_are_found_where_the_plain_rule_finds_them(
            text in "([hHtTpPsS:/ x.é1]|https?://|HTTP://){0,12}"
        ) {
            prop_assert_eq!(find_url(&text), find_url_by_each_h(&text));
        }

        #[test]
        fn escaping_by_byte_matches_escaping_by_char(text in "[<>&\"'a é€\n]{0,40}") {
            let by_char: String = text.chars().map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            }).collect();
            prop_assert_eq!(escape(&text), by_char);
        }
    }

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
            "<p>&lt;script&gt;alert('x')&lt;/script&gt; &amp; *not emphasis* # no heading</p>\n"
        );
    }

    #[test]
    fn quotes_in_text_stay_as_written_but_not_in_link_addresses() {
        assert_eq!(
            to_html("He said: \"Call 101.\" See https://x.uk/it's"),
            "<p>He said: \"Call 101.\" See <a href=\"https://x.uk/it&#39;s\" rel=\"nofollow\">https://x.uk/it's</a></p>\n"
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
    fn marks_highlight_passages_and_link_to_notes() {
        let body = "Seized £52kg of drugs.\n\nMore text here.";
        let start = body.find("£52kg").unwrap();
        let marks = [Range {
            start,
            end: start + "£52kg".len(),
        }];
        let html = to_html_marked(body, &marks);
        assert_eq!(
            html,
            "<p>Seized <mark class=\"passage\" id=\"passage-1\">£52kg</mark><sup class=\"note-ref\"><a href=\"#note-1\" aria-label=\"Note 1\">[1]</a></sup> of drugs.</p>\n<p>More text here.</p>\n"
        );
    }

    #[test]
    fn a_mark_across_paragraphs_is_marked_piece_by_piece() {
        let body = "One two.\n\nThree four.";
        let marks = [Range {
            start: 4,
            end: body.find(" four").unwrap(),
        }];
        let html = to_html_marked(body, &marks);
        assert_eq!(html.matches("<mark").count(), 2);
        assert_eq!(html.matches("id=\"passage-1\"").count(), 1);
        assert!(html.contains("<mark class=\"passage\">Three</mark><sup"));
    }

    #[test]
    fn crlf_bom_and_trailing_spaces_change_nothing() {
        assert_eq!(to_html("One.   \n\nTwo.\t"), to_html("One.\n\nTwo."));
    }
}
