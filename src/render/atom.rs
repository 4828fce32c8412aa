//! Atom 1.0 (RFC 4287) beside every JSON Feed, with the same items, and
//! RFC 5005 archive links so a reader can page back to the oldest item.
//! Written only with a base URL: Atom ids must be absolute IRIs.

use chrono::{DateTime, FixedOffset};

use super::feed::{timestamp, Document, Entry};
use super::route::FeedFormat;
use super::xml::{push_element, push_escaped};
use super::{local_midnight, Route};
use crate::config::SiteConfig;

const ATOM: FeedFormat = FeedFormat::Atom;

/// The document as Atom XML.
pub fn atom_feed(doc: &Document) -> Vec<u8> {
    let mut out = String::with_capacity(1024 + doc.entries.len() * 2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:fh=\"http://purl.org/syndication/history/1.0\" xml:lang=\"");
    push_escaped(&mut out, &doc.config.language);
    out.push_str("\">\n");
    // Every document of a feed, current or archived, is the one feed:
    // they share its id, the current document's address.
    let current = doc.location.url(Route::Feed(doc.scope, ATOM));
    push_element(&mut out, "id", &current);
    push_element(&mut out, "title", doc.title);
    push_element(&mut out, "subtitle", &doc.config.description);
    // The newest change among its entries: no wall clock, so a rebuild
    // of the same input gives the same bytes.
    let updated = doc.entries.iter().map(|e| e.updated).max();
    let updated = updated.unwrap_or_else(|| never_updated(doc.config));
    push_element(&mut out, "updated", &timestamp(&updated));
    out.push_str("<author>\n");
    push_element(&mut out, "name", &doc.config.title);
    out.push_str("</author>\n");
    push_links(&mut out, doc, &current);
    for entry in &doc.entries {
        push_entry(&mut out, doc, entry);
    }
    out.push_str("</feed>\n");
    out.into_bytes()
}

/// `self`, the page it is the feed of, and the RFC 5005 archive links.
fn push_links(out: &mut String, doc: &Document, current: &str) {
    let url = |route| doc.location.url(route);
    push_link(out, "self", Some(ATOM.media_type()), &url(doc.route(ATOM)));
    push_link(out, "alternate", Some("text/html"), &url(doc.home));
    if doc.period.is_some() {
        push_link(out, "current", Some(ATOM.media_type()), current);
        out.push_str("<fh:archive/>\n");
    }
    if let Some(older) = doc.older {
        let older = url(Route::FeedArchive(doc.scope, older, ATOM));
        push_link(out, "prev-archive", Some(ATOM.media_type()), &older);
    }
    if let Some(newer) = doc.newer {
        let newer = url(Route::FeedArchive(doc.scope, newer, ATOM));
        push_link(out, "next-archive", Some(ATOM.media_type()), &newer);
    }
}

/// The `updated` of a feed with no entries, which RFC 4287 still
/// requires: the Unix epoch's local midnight in the site's zone, so its
/// offset is the zone's at that instant, as a checker expects.
pub(super) fn never_updated(config: &SiteConfig) -> DateTime<FixedOffset> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    local_midnight(config, epoch)
}

pub(super) fn push_link(out: &mut String, rel: &str, media_type: Option<&str>, href: &str) {
    out.push_str("<link rel=\"");
    out.push_str(rel);
    if let Some(media_type) = media_type {
        out.push_str("\" type=\"");
        out.push_str(media_type);
    }
    out.push_str("\" href=\"");
    push_escaped(out, href);
    out.push_str("\"/>\n");
}

fn push_entry(out: &mut String, doc: &Document, entry: &Entry) {
    let release = entry.release;
    let permalink = doc.location.url(Route::Release(release.id.as_str()));
    out.push_str("<entry>\n");
    push_element(out, "id", &permalink);
    push_element(out, "title", &release.title);
    push_element(out, "updated", &timestamp(&entry.updated));
    push_element(out, "published", &timestamp(&release.published));
    out.push_str("<author>\n");
    push_element(out, "name", entry.author);
    out.push_str("</author>\n");
    push_link(out, "alternate", Some("text/html"), &permalink);
    if let Some(source) = release
        .source_url
        .as_ref()
        .filter(|_| entry.content_html.is_some())
    {
        // The force's own page, where the text came from: in the current
        // document only, like the text; the release page links it too.
        push_link(out, "via", None, source);
    }
    for tag in &entry.tags {
        out.push_str("<category term=\"");
        push_escaped(out, tag);
        out.push_str("\"/>\n");
    }
    push_element(out, "summary", release.teaser());
    if let Some(html) = &entry.content_html {
        out.push_str("<content type=\"html\">");
        push_escaped(out, html);
        out.push_str("</content>\n");
    }
    out.push_str("</entry>\n");
}
