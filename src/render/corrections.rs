//! The corrections log as data, and as a feed: every correction of the
//! archive, newest first, in JSON Feed 1.1 and Atom 1.0, one item per
//! correction, each linking to the correction on its release's page
//! (`releases/<id>/#correction-<n>`, numbered from 1 in the sidecar's
//! order, as the page numbers them).
//!
//! The feed is one document, with no dated archives: corrections are
//! written by hand, one sidecar entry at a time, so the log grows with the
//! maintainers' work and not with the scraped archive, and an item is a
//! correction's short text, not a release. The log page lists them all on
//! one page for the same reason.

use anyhow::Result;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::feed::{timestamp, Feed, VERSION};
use super::plan::{Mode, Produced};
use super::route::FeedFormat;
use super::xml::{push_element, push_escaped};
use super::{atom, commentary, fingerprint, local_midnight, Artifact, Renderer, Route};
use crate::model::annotate::Correction;

/// One correction in the log.
pub(super) struct Logged<'a> {
    pub date: NaiveDate,
    /// Index of the corrected release in the archive.
    pub release: usize,
    /// Its number among the release's corrections, from 1.
    pub number: usize,
    pub correction: &'a Correction,
}

/// A correction as a feed item.
struct Item<'a> {
    /// The correction's anchor on its release's page.
    url: String,
    title: String,
    area: &'a str,
    date: DateTime<FixedOffset>,
    html: String,
}

impl<'a> Renderer<'a> {
    /// Every correction, newest first; ties keep archive order (newest
    /// release first), then the sidecar's order.
    pub(super) fn logged_corrections(&self) -> Vec<Logged<'a>> {
        let archive = self.archive;
        let mut logged: Vec<Logged<'a>> = Vec::new();
        for (i, release) in archive.releases.iter().enumerate() {
            let corrections = release.annotation.iter().flat_map(|a| &a.corrections);
            logged.extend(corrections.enumerate().map(|(n, c)| Logged {
                date: c.date,
                release: i,
                number: n + 1,
                correction: c,
            }));
        }
        logged.sort_by(|a, b| (b.date, a.release, a.number).cmp(&(a.date, b.release, b.number)));
        logged
    }

    /// The corrections feed's title, as its documents and discovery links
    /// show it.
    pub(super) fn corrections_feed_title(&self) -> String {
        format!("{}: corrections", self.archive.config.title)
    }

    /// The corrections feed in `format`.
    pub(super) fn corrections_feed(&self, format: FeedFormat, mode: Mode) -> Result<Produced> {
        let path = Route::CorrectionsFeed(format).path();
        let logged = self.logged_corrections();
        let title = self.corrections_feed_title();
        // A release's inputs cover its title, its area's name, its
        // corrections and whether their links lead anywhere.
        let inputs: Vec<(u64, usize)> = (logged.iter())
            .map(|l| (self.release_inputs(l.release), l.number))
            .collect();
        let fingerprint = fingerprint(&("corrections feed", &path, &title, inputs));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let items: Vec<Item> = logged.iter().map(|l| self.correction_item(l)).collect();
        let bytes = match format {
            FeedFormat::Json => self.corrections_json(&title, &items)?,
            FeedFormat::Atom => self.corrections_atom(&title, &items),
        };
        Ok(Produced::Page(Artifact {
            path,
            bytes,
            fingerprint: Some(fingerprint),
        }))
    }

    fn correction_item(&self, logged: &Logged) -> Item<'a> {
        let release = &self.archive.releases[logged.release];
        let page = self.location.url(Route::Release(release.id.as_str()));
        // Links in a feed are absolute: it has no page to be relative to.
        let root = self.location.url(Route::Home);
        let built = |id: &str| self.ids.contains(id);
        Item {
            url: format!("{page}#correction-{}", logged.number),
            title: format!("Correction: {}", release.title),
            area: &self.archive.areas[release.area].name,
            date: local_midnight(&self.archive.config, logged.date),
            html: commentary::to_html(&logged.correction.text, &root, "corr-", &built),
        }
    }

    fn corrections_json(&self, title: &str, items: &[Item]) -> Result<Vec<u8>> {
        let config = &self.archive.config;
        // Absolute URLs only: without a base URL they are left out.
        let absolute = |url: String| self.location.base_url.as_ref().map(|_| url);
        let feed = Feed {
            version: VERSION,
            title,
            home_page_url: absolute(self.location.url(Route::Corrections)),
            feed_url: absolute((self.location).url(Route::CorrectionsFeed(FeedFormat::Json))),
            next_url: None,
            description: "Every correction made to the archive, newest first.",
            language: &config.language,
            items: (items.iter())
                .map(|item| JsonItem {
                    id: &item.url,
                    url: absolute(item.url.clone()),
                    title: &item.title,
                    content_html: &item.html,
                    date_published: timestamp(&item.date),
                    date_modified: timestamp(&item.date),
                    tags: [item.area],
                })
                .collect(),
        };
        let mut bytes = serde_json::to_vec(&feed)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Written only with a base URL: Atom ids must be absolute.
    fn corrections_atom(&self, title: &str, items: &[Item]) -> Vec<u8> {
        let config = &self.archive.config;
        let atom = FeedFormat::Atom;
        let mut out = String::with_capacity(1024 + items.len() * 512);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
        push_escaped(&mut out, &config.language);
        out.push_str("\">\n");
        let current = self.location.url(Route::CorrectionsFeed(atom));
        push_element(&mut out, "id", &current);
        push_element(&mut out, "title", title);
        // The newest correction: no wall clock, so the same input gives
        // the same bytes.
        let updated = items.iter().map(|item| item.date).max();
        let updated = updated.unwrap_or_else(|| atom::never_updated(config));
        push_element(&mut out, "updated", &timestamp(&updated));
        out.push_str("<author>\n");
        push_element(&mut out, "name", &config.title);
        out.push_str("</author>\n");
        atom::push_link(&mut out, "self", Some(atom.media_type()), &current);
        let log = self.location.url(Route::Corrections);
        atom::push_link(&mut out, "alternate", Some("text/html"), &log);
        for item in items {
            out.push_str("<entry>\n");
            push_element(&mut out, "id", &item.url);
            push_element(&mut out, "title", &item.title);
            push_element(&mut out, "updated", &timestamp(&item.date));
            push_element(&mut out, "published", &timestamp(&item.date));
            atom::push_link(&mut out, "alternate", Some("text/html"), &item.url);
            out.push_str("<category term=\"");
            push_escaped(&mut out, item.area);
            out.push_str("\"/>\n<content type=\"html\">");
            push_escaped(&mut out, &item.html);
            out.push_str("</content>\n</entry>\n");
        }
        out.push_str("</feed>\n");
        out.into_bytes()
    }
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: &'a str,
    content_html: &'a str,
    date_published: String,
    date_modified: String,
    tags: [&'a str; 1],
}
