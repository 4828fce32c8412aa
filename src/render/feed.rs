//! JSON Feed 1.1, built with serde_json: a template would not escape JSON
//! (Tera's autoescape is for HTML, getzola/zola#311).

use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::route::{FeedFormat, FeedScope, Period};
use super::{Location, Route};
use crate::config::SiteConfig;
use crate::model::Release;

pub(super) const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// How much of a release's text (and of its commentary) a feed item
/// carries, in bytes of source text. Real releases run to a few KB and
/// are carried whole; a scraped page of megabytes is cut, with a link to
/// the page, so no feed grows past about `feed_size` times twice this.
pub const ITEM_TEXT_LIMIT: usize = 16 * 1024;

/// Appends `render(text)` to `html`, or, for a text over
/// [`ITEM_TEXT_LIMIT`], the rendering of its first paragraphs and a link to
/// the whole on `page`. The text is cut before it is rendered, so the cut
/// never falls inside a tag or an entity.
pub fn push_capped(
    html: &mut String,
    text: &str,
    page: &str,
    link_text: &str,
    render: impl FnOnce(&str) -> String,
) {
    let Some(head) = cut(text, ITEM_TEXT_LIMIT) else {
        html.push_str(&render(text));
        return;
    };
    html.push_str(&render(head));
    html.push_str(&link_to(page, link_text));
}

fn link_to(page: &str, link_text: &str) -> String {
    format!(
        "<p><a href=\"{}\">{link_text}</a></p>\n",
        html_escape::encode_double_quoted_attribute(page)
    )
}

/// The most HTML one feed item carries, so that no feed passes about
/// `feed_size` times this. The text caps keep real items well under it;
/// what can pass it is text that grows when escaped (a `&` is five bytes
/// of HTML) or a sidecar's many corrections and notes.
pub const ITEM_HTML_LIMIT: usize = 64 * 1024;

/// `html` when it is within [`ITEM_HTML_LIMIT`], else just the start of the
/// release `text` (rendered by `render`) and a link to the whole on `page`:
/// shorter starts are tried until one fits, which the first almost always
/// does, since escaping at most multiplies text by about seven.
pub fn fit_item(html: String, text: &str, page: &str, render: impl Fn(&str) -> String) -> String {
    if html.len() <= ITEM_HTML_LIMIT {
        return html;
    }
    let link = link_to(page, "Read the full release");
    let mut limit = ITEM_HTML_LIMIT / 8;
    loop {
        let head = cut(text, limit).unwrap_or(text);
        let short = render(head) + &link;
        if short.len() <= ITEM_HTML_LIMIT || limit == 0 {
            return short;
        }
        limit /= 2;
    }
}

/// The start of `text` to keep when it is over `limit` bytes: whole
/// paragraphs when the first ones fill at least a quarter of the limit,
/// else whole words, else whole characters.
fn cut(text: &str, limit: usize) -> Option<&str> {
    if text.len() <= limit {
        return None;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let at = head
        .rfind("\n\n")
        .filter(|&i| i >= limit / 4)
        .or_else(|| head.rfind(char::is_whitespace).filter(|&i| i >= limit / 4))
        .unwrap_or(end);
    Some(head[..at].trim_end())
}

/// One feed document, as both formats write it: the current document
/// (`period` is `None`) or an archived one.
pub struct Document<'a> {
    pub config: &'a SiteConfig,
    pub location: &'a Location,
    pub scope: FeedScope<'a>,
    pub period: Option<Period>,
    pub title: &'a str,
    /// The page the feed is the feed of.
    pub home: Route<'a>,
    /// The next older archived period, and (for an archive) the next newer.
    pub older: Option<Period>,
    pub newer: Option<Period>,
    pub entries: Vec<Entry<'a>>,
}

impl Document<'_> {
    /// This document's own route in `format`.
    pub fn route(&self, format: FeedFormat) -> Route<'_> {
        match self.period {
            None => Route::Feed(self.scope, format),
            Some(period) => Route::FeedArchive(self.scope, period, format),
        }
    }
}

/// One release as a feed item: its HTML (release text with corrections
/// before and commentary after) and its tags (area first) are prepared by
/// the renderer, which knows the archive.
pub struct Entry<'a> {
    pub release: &'a Release,
    /// The item's full HTML; `None` in archived documents, which carry
    /// the teaser and a link but not the source's: they exist so that
    /// every release can be reached, and whole texts in them would
    /// multiply the site's size.
    pub content_html: Option<Arc<str>>,
    pub tags: Vec<String>,
    /// The area (force) that issued the release.
    pub author: &'a str,
    /// The latest correction's date, else the release's.
    pub updated: DateTime<FixedOffset>,
}

/// A timestamp as both formats write it: RFC 3339 with its offset.
pub fn timestamp(moment: &DateTime<FixedOffset>) -> String {
    moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A JSON Feed document, with the items of its kind: a release's or a
/// correction's.
#[derive(Serialize)]
pub(super) struct Feed<'a, I> {
    pub version: &'static str,
    pub title: &'a str,
    /// Absolute URLs only: without a base URL they are left out (JSON
    /// Feed makes them optional) rather than written root-relative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_page_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_url: Option<String>,
    /// The next older archived document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_url: Option<String>,
    pub description: &'a str,
    pub language: &'a str,
    pub items: Vec<I>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    date_published: String,
    /// Only when a correction changed the release after it was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    tags: &'a [String],
}

pub fn json_feed(doc: &Document) -> Result<Vec<u8>> {
    let location = doc.location;
    let older = doc
        .older
        .map(|p| Route::FeedArchive(doc.scope, p, FeedFormat::Json));
    let feed = Feed {
        version: VERSION,
        title: doc.title,
        home_page_url: absolute(location, doc.home),
        // The document's own address, archived or current, as JSON Feed
        // readers and validators take it; `next_url` chains the documents.
        feed_url: absolute(location, doc.route(FeedFormat::Json)),
        next_url: older.and_then(|route| absolute(location, route)),
        description: &doc.config.description,
        language: &doc.config.language,
        items: doc.entries.iter().map(|e| item(location, e)).collect(),
    };
    // Compact: feeds and their archives hold an item for every release
    // in each of its scopes, so indentation would be a fair part of the
    // site's size.
    let mut bytes = serde_json::to_vec(&feed)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn item<'a>(location: &Location, entry: &'a Entry) -> Item<'a> {
    let r = entry.release;
    // The permalink is the item's id either way: unique and stable,
    // which is all JSON Feed asks of an id.
    let page = Route::Release(r.id.as_str());
    // JSON Feed needs content: an archived item's is its teaser.
    let (content_text, summary) = match &entry.content_html {
        Some(_) => (None, Some(r.teaser())),
        None => (Some(r.teaser()), None),
    };
    Item {
        id: location.url(page),
        url: absolute(location, page),
        // The force's page: in the current document only, like the text.
        external_url: r
            .source_url
            .as_deref()
            .filter(|_| entry.content_html.is_some()),
        title: &r.title,
        content_html: entry.content_html.as_deref(),
        content_text,
        summary,
        date_published: timestamp(&r.published),
        date_modified: (entry.updated != r.published).then(|| timestamp(&entry.updated)),
        tags: &entry.tags,
    }
}

/// A route's public URL when the site has a base URL, else nothing.
fn absolute(location: &Location, route: Route) -> Option<String> {
    location.base_url.as_ref().map(|_| location.url(route))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_carried_whole() {
        let mut html = String::new();
        push_capped(&mut html, "short", "https://x/", "more", |t| {
            format!("<p>{t}</p>")
        });
        assert_eq!(html, "<p>short</p>");
    }

    #[test]
    fn a_long_text_is_cut_at_a_paragraph_and_links_to_the_page() {
        let paragraph = "word ".repeat(400);
        let text = [paragraph.as_str(); 20].join("\n\n");
        let mut html = String::new();
        push_capped(&mut html, &text, "https://x/r/1/", "Read on", |t| {
            assert!(
                t.len() <= ITEM_TEXT_LIMIT && t.ends_with("word"),
                "{}",
                t.len()
            );
            assert_eq!(
                t.len() % (paragraph.len() + 2),
                paragraph.len() - 1,
                "whole paragraphs"
            );
            t.to_string()
        });
        assert!(html.ends_with("<p><a href=\"https://x/r/1/\">Read on</a></p>\n"));
    }

    #[test]
    fn an_item_over_the_html_limit_keeps_only_the_start_of_the_text() {
        let small = "<p>fits</p>\n".to_string();
        assert_eq!(
            fit_item(small.clone(), "fits", "https://x/", |_| unreachable!()),
            small
        );
        let text = "\"".repeat(ITEM_TEXT_LIMIT);
        let escape = |t: &str| format!("<p>{}</p>\n", t.replace('"', "&quot;"));
        let html = fit_item(escape(&text), &text, "https://x/r/1/", escape);
        assert!(html.len() <= ITEM_HTML_LIMIT, "{}", html.len());
        assert!(html.starts_with("<p>&quot;&quot;"));
        assert!(html.ends_with("<p><a href=\"https://x/r/1/\">Read the full release</a></p>\n"));
        let explosive = |t: &str| "x".repeat(t.len() * 100);
        let html = fit_item(explosive(&text), &text, "https://x/", explosive);
        assert!(html.len() <= ITEM_HTML_LIMIT, "{}", html.len());
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let text = "é".repeat(ITEM_TEXT_LIMIT);
        let head = cut(&text, ITEM_TEXT_LIMIT).unwrap();
        assert!(head.len() <= ITEM_TEXT_LIMIT && head.chars().all(|c| c == 'é'));
    }
}
