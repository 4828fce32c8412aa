//! Maintainers' markdown (commentary, notes, corrections) to safe HTML.
//!
//! pulldown-cmark renders it; fenced code is highlighted by syntect with CSS
//! classes (never inline styles, which the theme's Content-Security-Policy
//! forbids); `release:<id>` links become links to that release; headings get
//! ids and are shifted below the page's own headings; and the result is
//! sanitised by ammonia with an allowlist, because raw HTML in markdown
//! must not bring scripts, event handlers or `javascript:` URLs into pages.
//!
//! Allowed HTML (documented in docs/sidecars.md): ammonia's default tags
//! (paragraphs, emphasis, lists, tables, links, images, blockquotes, code,
//! headings, `del`, `sup`, `sub`, ...), plus `class` on `span`, `code`,
//! `pre`, `div` and `sup`, and `id` on headings, `div` and `sup`. Links may
//! use http, https, mailto and relative URLs only.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use super::body::escape;
use super::Route;
use crate::model::annotate::{markdown_options, RELEASE_SCHEME};
use crate::model::Slug;

pub(super) const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Renders markdown. `root` leads from the page to the site root (or is the
/// absolute base URL, for feeds); `id_prefix` keeps ids of several
/// renderings on one page apart. `built` tells whether a release id is in
/// the site: a cross-reference to a release left out by `--skip-invalid`
/// keeps its text but loses its link, so no link is ever broken.
pub fn to_html(
    markdown: &str,
    root: &str,
    id_prefix: &str,
    built: &dyn Fn(&str) -> bool,
) -> String {
    let mut events = Vec::new();
    // For each open link: whether its start was emitted.
    let mut links = Vec::new();
    let top = top_heading(markdown);
    let mut parser = Parser::new_ext(markdown, markdown_options());
    while let Some(event) = parser.next() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let mut code = String::new();
                for inner in parser.by_ref() {
                    match inner {
                        Event::Text(t) => code.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                let lang = match &kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                events.push(Event::Html(highlight(&code, &lang).into()));
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let mut inner = Vec::new();
                let mut text = String::new();
                for e in parser.by_ref() {
                    match e {
                        Event::End(TagEnd::Heading(_)) => break,
                        Event::Text(ref t) | Event::Code(ref t) => {
                            text.push_str(t);
                            inner.push(e);
                        }
                        other => inner.push(other),
                    }
                }
                let n = demote(level, top);
                let id = format!("{id_prefix}{}", Slug::from_text(&text));
                events.push(Event::Html(format!("<h{n} id=\"{}\">", escape(&id)).into()));
                events.extend(inner);
                events.push(Event::Html(format!("</h{n}>\n").into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = match dest_url.strip_prefix(RELEASE_SCHEME) {
                    Some(release) if !built(release) => None,
                    Some(release) => Some(CowStr::from(format!(
                        "{root}{}",
                        Route::Release(release).url()
                    ))),
                    None => Some(dest_url),
                };
                links.push(dest.is_some());
                if let Some(dest_url) = dest {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop().unwrap_or(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::FootnoteReference(label) => {
                let slug = Slug::from_text(&label);
                events.push(Event::Html(
                    format!(
                        "<sup class=\"footnote-ref\" id=\"{id_prefix}fnref-{slug}\"><a href=\"#{id_prefix}fn-{slug}\">{}</a></sup>",
                        escape(&label)
                    )
                    .into(),
                ));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let slug = Slug::from_text(&label);
                events.push(Event::Html(
                    format!(
                        "<div class=\"footnote\" id=\"{id_prefix}fn-{slug}\"><sup class=\"footnote-label\">{}</sup>",
                        escape(&label)
                    )
                    .into(),
                ));
            }
            Event::End(TagEnd::FootnoteDefinition) => events.push(Event::Html("</div>\n".into())),
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let html = sanitise(&html);
    // The markdown was cleaned as it was read, but character references
    // (`&#7;`, `&#x85;`) decode to controls here: they get the same
    // replacement character as raw ones.
    match crate::load::replace_unsafe(&html) {
        Some((clean, _)) => clean,
        None => html,
    }
}

/// Page headings are h1 (title) and h2 (sections): the commentary's top
/// heading level becomes h3, and the rest keep their steps below it.
fn demote(level: HeadingLevel, top: usize) -> usize {
    (level as usize + 3).saturating_sub(top).clamp(3, 6)
}

/// The highest (smallest) heading level the markdown uses.
fn top_heading(markdown: &str) -> usize {
    Parser::new_ext(markdown, markdown_options())
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(1)
}

fn highlight(code: &str, lang: &str) -> String {
    let set = syntaxes();
    let syntax = set
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| set.find_syntax_plain_text());
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        // A line the grammar cannot handle is shown plain rather than failing the build.
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return format!("<pre class=\"code\"><code>{}</code></pre>\n", escape(code));
        }
    }
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", Slug::from_text(lang))
    };
    format!(
        "<pre class=\"code\"><code{class}>{}</code></pre>\n",
        generator.finalize()
    )
}

fn sanitise(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .add_tag_attributes("span", ["class"])
                .add_tag_attributes("code", ["class"])
                .add_tag_attributes("pre", ["class"])
                .add_tag_attributes("div", ["class", "id"])
                .add_tag_attributes("sup", ["class", "id"])
                .url_schemes(HashSet::from(["http", "https", "mailto"]))
                .link_rel(Some("nofollow noopener"));
            for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
                builder.add_tag_attributes(h, ["id"]);
            }
            builder
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_features_render() {
        let html = to_html(
            "# Title\n\n*em* ~~gone~~ \"quoted\"\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            "../../",
            "c-",
            &|_| true,
        );
        assert!(html.contains("<h3 id=\"c-title\">Title</h3>"), "{html}");
        let nested = to_html("## Top\n\n### Below\n", "", "c-", &|_| true);
        assert!(
            nested.contains("<h3 id=\"c-top\">") && nested.contains("<h4 id=\"c-below\">"),
            "{nested}"
        );
        assert!(html.contains("<em>em</em>") && html.contains("<del>gone</del>"));
        assert!(html.contains("“quoted”"));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn release_links_point_at_the_release_page() {
        let html = to_html(
            "[the Derbyshire release](release:002_x)",
            "../../",
            "c-",
            &|_| true,
        );
        assert!(html.contains("<a href=\"../../releases/002_x/\""), "{html}");
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let html = to_html("```json\n{\"a\": 1}\n```\n", "", "c-", &|_| true);
        assert!(
            html.contains("<pre class=\"code\"><code class=\"language-json\">"),
            "{html}"
        );
        assert!(html.contains("<span class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
    }

    #[test]
    fn raw_html_is_sanitised() {
        let html = to_html(
            "<script>alert(1)</script>\n\n<p onclick=\"x()\">hi</p>\n\n[x](javascript:alert(1)) <a href=\"javascript:alert(2)\">y</a> <img src=x onerror=alert(3)>",
            "",
            "c-",
            &|_| true,
        );

        for bad in ["<script", "onclick", "javascript:", "onerror"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("hi"));
    }

    #[test]
    fn footnotes_link_both_ways() {
        let html = to_html("Claim.[^1]\n\n[^1]: Source.\n", "", "c-", &|_| true);
        assert!(
            html.contains("href=\"#c-fn-1\"") && html.contains("id=\"c-fn-1\""),
            "{html}"
        );
    }
}
