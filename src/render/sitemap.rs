//! Sitemaps (sitemaps.org 0.9) and `robots.txt`, which names the sitemap
//! index. Sitemaps hold absolute URLs only, so they are written only when
//! the site has a base URL.

use anyhow::Result;
use chrono::{DateTime, FixedOffset};

use super::feed::timestamp;
use super::plan::{Job, Mode, Produced};
use super::route::{SitemapGroup, SitemapPart};
use super::xml::push_escaped;
use super::{fingerprint, Artifact, Renderer, Route};

/// The most URLs one sitemap may list (the protocol's limit).
pub const LIMIT: usize = 50_000;

const XMLNS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// A page and when it last changed, if it lists any release.
type Entry<'a> = (Route<'a>, Option<DateTime<FixedOffset>>);

impl<'a> Renderer<'a> {
    /// The index, its sitemaps and `robots.txt` (unless the theme has
    /// its own); none without a base URL.
    pub(super) fn sitemap_jobs(&self) -> Vec<Job> {
        if self.location.base_url.is_none() {
            return Vec::new();
        }
        let mut jobs = vec![Job::Sitemap];
        let robots = super::theme_extras::ROBOTS;
        if !self.theme.roots.iter().any(|(path, _)| path == robots) {
            jobs.push(Job::Robots);
        }
        jobs.extend(self.sitemap_parts().into_iter().map(Job::SitemapPart));
        jobs
    }

    /// Every sitemap file: the listing pages, then release pages by year,
    /// each group cut into chunks of at most [`LIMIT`] URLs.
    fn sitemap_parts(&self) -> Vec<SitemapPart> {
        let mut groups = vec![(SitemapGroup::Pages, self.page_entries().len())];
        for (&year, months) in self.calendar.iter().rev() {
            let count = months.values().flat_map(|d| d.values()).map(Vec::len).sum();
            groups.push((SitemapGroup::Releases(year), count));
        }
        let mut parts = Vec::new();
        for (group, count) in groups {
            parts.extend((0..chunk_count(count)).map(|chunk| SitemapPart { group, chunk }));
        }
        parts
    }

    /// Every page but the release pages, each dated by the newest change
    /// among the releases it lists.
    fn page_entries(&self) -> Vec<Entry<'a>> {
        let archive = self.archive;
        let all = self.updated.iter().max().copied();
        let mut entries = vec![
            (Route::Home, all),
            (Route::Areas, all),
            (Route::Dates, all),
            (Route::Tags, all),
        ];
        if self.search.is_some() {
            entries.push((Route::Search, None));
        }
        entries.extend(self.theme.pages.iter().map(|p| (Route::Page(p), None)));
        let corrected = (0..archive.releases.len())
            .filter(|&i| archive.releases[i].latest_correction().is_some())
            .collect::<Vec<_>>();
        entries.push((Route::Corrections, self.newest_update(&corrected)));
        for (a, area) in archive.areas.iter().enumerate() {
            entries.push((Route::Area(&area.slug), self.newest_update(&area.releases)));
            for (&year, months) in self.area_months[a].iter().rev() {
                let releases = &self.area_years[a][&year];
                let lastmod = self.newest_update(releases);
                entries.push((Route::AreaYear(&area.slug, year), lastmod));
                for (&month, releases) in months.iter().rev() {
                    let lastmod = self.newest_update(releases);
                    entries.push((Route::AreaMonth(&area.slug, year, month), lastmod));
                }
            }
        }
        for (t, tag) in archive.tags.iter().enumerate() {
            entries.push((Route::Tag(&tag.slug), self.newest_update(&tag.releases)));
            for (&year, releases) in self.tag_years[t].iter().rev() {
                let lastmod = self.newest_update(releases);
                entries.push((Route::TagYear(&tag.slug, year), lastmod));
            }
        }
        for (&year, months) in self.calendar.iter().rev() {
            let mut in_year = None;
            for (&month, days) in months.iter().rev() {
                let mut in_month = None;
                for (&day, releases) in days.iter().rev() {
                    let lastmod = self.newest_update(releases);
                    if let Some(date) = chrono::NaiveDate::from_ymd_opt(year, month, day) {
                        entries.push((Route::Day(date), lastmod));
                    }
                    in_month = in_month.max(lastmod);
                }
                entries.push((Route::Month(year, month), in_month));
                in_year = in_year.max(in_month);
            }
            entries.push((Route::Year(year), in_year));
        }
        entries
    }

    fn newest_update(&self, releases: &[usize]) -> Option<DateTime<FixedOffset>> {
        releases.iter().map(|&i| self.updated[i]).max()
    }

    /// The URLs of one sitemap file.
    fn part_entries(&self, part: SitemapPart) -> Vec<Entry<'a>> {
        let entries = match part.group {
            SitemapGroup::Pages => self.page_entries(),
            SitemapGroup::Releases(year) => (self.calendar.get(&year).into_iter())
                .flat_map(|months| months.values().rev())
                .flat_map(|days| days.values().rev().flatten())
                .map(|&i| {
                    let route = Route::Release(self.archive.releases[i].id.as_str());
                    (route, Some(self.updated[i]))
                })
                .collect(),
        };
        entries[chunk_range(entries.len(), part.chunk)].to_vec()
    }

    pub(super) fn sitemap_part(&self, part: SitemapPart, mode: Mode) -> Result<Produced> {
        let route = Route::SitemapPart(part);
        let entries = self.part_entries(part);
        let path = route.path();
        let fingerprint = fingerprint(&("sitemap", &path, &entries));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let mut xml = String::with_capacity(128 + entries.len() * 128);
        xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"");
        xml.push_str(XMLNS);
        xml.push_str("\">\n");
        for (page, lastmod) in &entries {
            self.push_location(&mut xml, "url", *page, *lastmod);
        }
        xml.push_str("</urlset>\n");
        Ok(Produced::Page(Artifact {
            path,
            bytes: xml.into_bytes(),
            fingerprint: Some(fingerprint),
        }))
    }

    /// The index of every sitemap file, each dated by its newest page.
    pub(super) fn sitemap_index(&self, mode: Mode) -> Result<Produced> {
        let parts: Vec<Entry> = (self.sitemap_parts().into_iter())
            .map(|part| {
                let lastmod = self.part_entries(part).iter().filter_map(|e| e.1).max();
                (Route::SitemapPart(part), lastmod)
            })
            .collect();
        let path = Route::Sitemap.path();
        let fingerprint = fingerprint(&("sitemap index", &parts));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let mut xml = String::new();
        xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"");
        xml.push_str(XMLNS);
        xml.push_str("\">\n");
        for (part, lastmod) in &parts {
            self.push_location(&mut xml, "sitemap", *part, *lastmod);
        }
        xml.push_str("</sitemapindex>\n");
        Ok(Produced::Page(Artifact {
            path,
            bytes: xml.into_bytes(),
            fingerprint: Some(fingerprint),
        }))
    }

    /// `<url>` or `<sitemap>`: the absolute address and its `lastmod`.
    fn push_location(
        &self,
        xml: &mut String,
        element: &str,
        route: Route,
        lastmod: Option<DateTime<FixedOffset>>,
    ) {
        xml.push_str("  <");
        xml.push_str(element);
        xml.push_str("><loc>");
        push_escaped(xml, &self.location.url(route));
        xml.push_str("</loc>");
        if let Some(lastmod) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(&timestamp(&lastmod));
            xml.push_str("</lastmod>");
        }
        xml.push_str("</");
        xml.push_str(element);
        xml.push_str(">\n");
    }

    /// `robots.txt`: everything may be crawled; the sitemap index is named.
    /// Crawlers read it only at a host's root, so under a subpath it is
    /// for the host's own robots.txt to copy from.
    pub(super) fn robots(&self) -> Artifact {
        let sitemap = self.location.url(Route::Sitemap);
        Artifact {
            path: Route::Robots.path(),
            bytes: format!("User-agent: *\nDisallow:\n\nSitemap: {sitemap}\n").into_bytes(),
            fingerprint: None,
        }
    }
}

/// How many sitemaps a group of `count` URLs takes: one at least, so an
/// empty site still has a sitemap of its listing pages.
fn chunk_count(count: usize) -> usize {
    count.div_ceil(LIMIT).max(1)
}

/// The URLs of chunk `chunk` of a group of `len`.
fn chunk_range(len: usize, chunk: usize) -> std::ops::Range<usize> {
    let start = chunk.saturating_mul(LIMIT).min(len);
    start..start.saturating_add(LIMIT).min(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_cut_into_chunks_of_at_most_the_limit() {
        assert_eq!(chunk_count(0), 1);
        assert_eq!(chunk_count(LIMIT), 1);
        assert_eq!(chunk_count(LIMIT + 1), 2);
        assert_eq!(chunk_range(LIMIT + 1, 0), 0..LIMIT);
        assert_eq!(chunk_range(LIMIT + 1, 1), LIMIT..LIMIT + 1);
        assert_eq!(chunk_range(3, 5), 3..3);
        let total: usize = (0..chunk_count(123_456))
            .map(|c| chunk_range(123_456, c).len())
            .inspect(|&n| assert!(n <= LIMIT))
            .sum();
        assert_eq!(total, 123_456);
    }
}
