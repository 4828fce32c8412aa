//! The feeds as jobs (the site's, each area's and each tag's, current
//! and archived, in both formats): which releases, their fingerprint, and
//! each release's entry.

use anyhow::Result;

use super::feed::{Document, Entry};
use super::plan::{Mode, Produced};
use super::release_page::{corrections, notes};
use super::route::{FeedFormat, FeedScope, Period};
use super::{atom, body, commentary, feed, fingerprint, Artifact, Renderer, Route};
use crate::model::Release;

/// Whose releases a feed carries, by index into the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Of {
    Site,
    Area(usize),
    Tag(usize),
}

impl<'a> Renderer<'a> {
    /// Every feed file: each scope's current document in both formats,
    /// and its archived periods. Atom and the archives need absolute URLs
    /// (ids, and the links that chain the archives), so without a base
    /// URL only the current JSON Feeds are written.
    pub(super) fn feed_jobs(&self) -> Vec<super::Job> {
        use super::Job;
        let complete = self.location.base_url.is_some();
        let formats: &[FeedFormat] = match complete {
            true => &[FeedFormat::Json, FeedFormat::Atom],
            false => &[FeedFormat::Json],
        };
        let mut jobs = Vec::new();
        for of in self.scopes() {
            jobs.extend(formats.iter().map(|&f| Job::Feed(of, f)));
            if complete {
                for period in self.periods(of) {
                    jobs.extend(formats.iter().map(|&f| Job::FeedArchive(of, period, f)));
                }
            }
        }
        jobs
    }

    pub(super) fn feed_scope(&self, of: Of) -> FeedScope<'a> {
        match of {
            Of::Site => FeedScope::Site,
            Of::Area(a) => FeedScope::Area(&self.archive.areas[a].slug),
            Of::Tag(t) => FeedScope::Tag(&self.archive.tags[t].slug),
        }
    }

    /// The feed's title, as its documents and discovery links show it.
    pub(super) fn feed_title(&self, of: Of) -> String {
        let site = &self.archive.config.title;
        match of {
            Of::Site => site.clone(),
            Of::Area(a) => format!("{site}: {}", self.archive.areas[a].name),
            Of::Tag(t) => format!("{site}: tagged {}", self.archive.tags[t].name),
        }
    }

    fn feed_home(&self, of: Of) -> Route<'a> {
        match of {
            Of::Site => Route::Home,
            Of::Area(a) => Route::Area(&self.archive.areas[a].slug),
            Of::Tag(t) => Route::Tag(&self.archive.tags[t].slug),
        }
    }

    /// The scope's archived periods, newest first: months for the whole
    /// site (a year of it is large), years for an area or a tag. The
    /// rule never looks at counts, so a period's document keeps its
    /// address and, once the period is over, its items.
    pub(super) fn periods(&self, of: Of) -> Vec<Period> {
        match of {
            Of::Site => (self.calendar.iter().rev())
                .flat_map(|(&y, months)| months.keys().rev().map(move |&m| Period::Month(y, m)))
                .collect(),
            Of::Area(a) => self.area_years[a]
                .keys()
                .rev()
                .map(|&y| Period::Year(y))
                .collect(),
            Of::Tag(t) => self.tag_years[t]
                .keys()
                .rev()
                .map(|&y| Period::Year(y))
                .collect(),
        }
    }

    /// The releases of one period of a scope, newest first.
    fn period_releases(&self, of: Of, period: Period) -> Vec<usize> {
        let year = |years: &std::collections::BTreeMap<i32, Vec<usize>>| match period {
            Period::Year(y) => years.get(&y).cloned().unwrap_or_default(),
            Period::Month(..) => Vec::new(),
        };
        match (of, period) {
            (Of::Site, Period::Month(y, m)) => (self.calendar.get(&y))
                .and_then(|months| months.get(&m))
                .map(|days| days.values().rev().flatten().copied().collect())
                .unwrap_or_default(),
            (Of::Site, Period::Year(_)) => Vec::new(),
            (Of::Area(a), _) => year(&self.area_years[a]),
            (Of::Tag(t), _) => year(&self.tag_years[t]),
        }
    }

    /// The newest `feed_size` releases of a scope.
    fn newest(&self, of: Of) -> Vec<usize> {
        let size = self.archive.config.feed_size;
        match of {
            Of::Site => (0..self.archive.releases.len().min(size)).collect(),
            Of::Area(a) => self.archive.areas[a]
                .releases
                .iter()
                .take(size)
                .copied()
                .collect(),
            Of::Tag(t) => self.archive.tags[t]
                .releases
                .iter()
                .take(size)
                .copied()
                .collect(),
        }
    }

    /// How many current documents carry each release in full.
    fn current_uses(&self) -> rustc_hash::FxHashMap<usize, usize> {
        let formats = if self.location.base_url.is_some() {
            2
        } else {
            1
        };
        let mut uses = rustc_hash::FxHashMap::default();
        for of in self.scopes() {
            for i in self.newest(of) {
                *uses.entry(i).or_default() += formats;
            }
        }
        uses
    }

    /// Every feed's scope: the site, each area, each tag.
    fn scopes(&self) -> impl Iterator<Item = Of> {
        std::iter::once(Of::Site)
            .chain((0..self.archive.areas.len()).map(Of::Area))
            .chain((0..self.archive.tags.len()).map(Of::Tag))
    }

    /// One feed document: the current one (`period` `None`) or an archive.
    pub(super) fn feed(
        &self,
        of: Of,
        period: Option<Period>,
        format: FeedFormat,
        mode: Mode,
    ) -> Result<Produced> {
        let (chosen, older, newer) = match period {
            None => (self.newest(of), self.periods(of).first().copied(), None),
            Some(period) => {
                let periods = self.periods(of);
                let at = periods.iter().position(|&p| p == period).unwrap_or(0);
                let newer = at.checked_sub(1).and_then(|n| periods.get(n)).copied();
                (
                    self.period_releases(of, period),
                    periods.get(at + 1).copied(),
                    newer,
                )
            }
        };
        // Without a base URL no archive is written to link to.
        let older = older.filter(|_| self.location.base_url.is_some());
        let title = self.feed_title(of);
        let home = self.feed_home(of);
        let scope = self.feed_scope(of);
        let route = match period {
            None => Route::Feed(scope, format),
            Some(p) => Route::FeedArchive(scope, p, format),
        };
        let path = route.path();
        let inputs: Vec<u64> = chosen.iter().map(|&i| self.release_inputs(i)).collect();
        let fingerprint = fingerprint(&("feed", &path, &title, home.url(), older, newer, inputs));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let entries = (chosen.iter())
            .map(|&i| self.feed_item(i, period.is_none()))
            .collect::<Result<_>>()?;
        let doc = Document {
            config: &self.archive.config,
            location: &self.location,
            scope,
            period,
            title: &title,
            home,
            older,
            newer,
            entries,
        };
        let bytes = match format {
            FeedFormat::Json => feed::json_feed(&doc)?,
            FeedFormat::Atom => atom::atom_feed(&doc),
        };
        Ok(Produced::Page(Artifact {
            path,
            bytes,
            fingerprint: Some(fingerprint),
        }))
    }

    /// A release as a feed item; with its full HTML only in a current
    /// document.
    fn feed_item(&self, i: usize, full: bool) -> Result<Entry<'a>> {
        let release = &self.archive.releases[i];
        let mut tags = vec![self.archive.areas[release.area].name.clone()];
        tags.extend(
            release
                .tags
                .iter()
                .map(|&t| self.archive.tags[t].name.clone()),
        );
        let content_html = match full {
            true => Some(self.feed_memo.html(
                i,
                || self.current_uses(),
                || self.feed_html(release),
            )?),
            false => None,
        };
        Ok(Entry {
            release,
            content_html,
            tags,
            author: &self.archive.areas[release.area].name,
            updated: self.updated[i],
        })
    }

    /// Everything a release contributes to a page beyond its listing item:
    /// the release as modelled (with its body's hash and its sidecar's
    /// markdown), the names of its area and tags, and whether each of its
    /// cross-references leads to a page (a link renders differently once
    /// its target is gone).
    pub(super) fn release_inputs(&self, i: usize) -> u64 {
        self.inputs[i]
    }

    pub(super) fn release_inputs_now(&self, i: usize) -> u64 {
        let release = &self.archive.releases[i];
        let area = &self.archive.areas[release.area].name;
        let tags: Vec<&str> = release
            .tags
            .iter()
            .map(|&t| self.archive.tags[t].name.as_str())
            .collect();
        let links: Vec<bool> = release
            .annotation
            .iter()
            .flat_map(|a| &a.links)
            .map(|l| self.ids.contains(l.value.as_str()))
            .collect();
        fingerprint(&(release.digest, area, tags, links))
    }

    /// A release's feed HTML: corrections, the release text, then the
    /// commentary, set apart so a feed reader shows whose words are whose.
    /// Links in it are absolute (a feed has no page to be relative to).
    fn feed_html(&self, release: &Release) -> Result<String> {
        let root = self.location.url(Route::Home);
        let mut html = String::new();
        for c in corrections(release, &root, &|id| self.ids.contains(id)) {
            html.push_str(&format!(
                "<p><strong>Correction, {}:</strong></p>\n{}",
                c.date_text, c.html
            ));
        }
        let page = self.location.url(Route::Release(release.id.as_str()));
        let text = self.bodies.body(release)?;
        feed::push_capped(
            &mut html,
            &text,
            &page,
            "Read the full release",
            body::to_html,
        );
        if let Some(a) = release.annotation.as_ref().filter(|a| a.is_visible()) {
            html.push_str("<hr>\n<p><strong>Archive commentary</strong> (not part of the original release):</p>\n");
            feed::push_capped(
                &mut html,
                &a.commentary,
                &page,
                "Read the full commentary",
                |md| commentary::to_html(md, &root, "c-", &|id| self.ids.contains(id)),
            );
            for n in notes(release, &root, &|id| self.ids.contains(id)) {
                html.push_str(&format!(
                    "<blockquote><p>{}</p></blockquote>\n{}",
                    body::escape(&n.quote),
                    n.html
                ));
            }
        }
        Ok(feed::fit_item(html, &text, &page, body::to_html))
    }
}
