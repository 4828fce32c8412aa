//! The site as a plan of cheap jobs, and the dispatch of one job to the
//! builder of its file.

use anyhow::Result;
use chrono::NaiveDate;

use super::feed_job::Of;
use super::route::{FeedFormat, Period, SitemapPart};
use super::{highlight, Artifact, Renderer, Route};

/// Whether a page job renders its page or only fingerprints its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Render,
    Fingerprint,
}

/// What a page job produced.
pub(super) enum Produced {
    Page(Artifact),
    Fingerprint { path: String, fingerprint: u64 },
}

/// One file to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Home,
    Release(usize),
    Areas,
    Area(usize),
    AreaYear(usize, i32),
    /// A feed's current document.
    Feed(Of, FeedFormat),
    FeedArchive(Of, Period, FeedFormat),
    Dates,
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
    NotFound,
    Tags,
    Tag(usize),
    TagYear(usize, i32),
    AreaMonth(usize, i32, u32),
    Corrections,
    CorrectionsFeed(FeedFormat),
    /// A year of the archive's index as CSV.
    Data(i32),
    DataReadme,
    Static(usize),
    HighlightCss,
    NoJekyll,
    SearchPage,
    SearchFile(usize),
    Sitemap,
    SitemapPart(SitemapPart),
    Robots,
    /// A file of the theme's `root/` folder.
    Root(usize),
    /// A page of the theme's own.
    Page(usize),
}

impl Renderer<'_> {
    /// Every file of the site, in a fixed order.
    pub fn plan(&self) -> Vec<Job> {
        let mut jobs = vec![
            Job::Home,
            Job::Areas,
            Job::Dates,
            Job::NotFound,
            Job::NoJekyll,
            Job::Tags,
            Job::Corrections,
            Job::HighlightCss,
        ];
        // The larger files first, so none is left to finish alone.
        jobs.extend(self.feed_jobs());
        jobs.extend(self.feed_formats().iter().map(|&f| Job::CorrectionsFeed(f)));
        jobs.push(Job::DataReadme);
        jobs.extend(self.calendar.keys().map(|&y| Job::Data(y)));
        jobs.extend(self.sitemap_jobs());
        for (t, years) in self.tag_years.iter().enumerate() {
            jobs.push(Job::Tag(t));
            jobs.extend(years.keys().map(|&y| Job::TagYear(t, y)));
        }
        jobs.extend((0..self.archive.releases.len()).map(Job::Release));
        for (a, years) in self.area_months.iter().enumerate() {
            jobs.push(Job::Area(a));
            for (&y, months) in years {
                jobs.push(Job::AreaYear(a, y));
                jobs.extend(months.keys().map(|&m| Job::AreaMonth(a, y, m)));
            }
        }
        for (&year, months) in &self.calendar {
            jobs.push(Job::Year(year));
            for (&month, days) in months {
                jobs.push(Job::Month(year, month));
                jobs.extend(
                    days.keys()
                        .filter_map(|&d| NaiveDate::from_ymd_opt(year, month, d))
                        .map(Job::Day),
                );
            }
        }
        // The search client's own files ship only with a search index.
        let shipped =
            |&i: &usize| self.search.is_some() || !self.theme.statics[i].0.starts_with("search.");
        jobs.extend(
            (0..self.theme.statics.len())
                .filter(shipped)
                .map(Job::Static),
        );
        jobs.extend(self.search_jobs());
        jobs.extend((0..self.theme.pages.len()).map(Job::Page));
        jobs.extend((0..self.theme.roots.len()).map(Job::Root));
        jobs
    }

    /// Renders one job. Errors here come from the theme (a template that
    /// uses a missing variable), so they are configuration errors.
    pub fn render(&self, job: Job) -> Result<Artifact> {
        match self.produce(job, Mode::Render)? {
            Produced::Page(artifact) => Ok(artifact),
            Produced::Fingerprint { path, .. } => Err(anyhow::anyhow!(
                "internal error: {path} was fingerprinted, not rendered"
            )),
        }
    }

    /// A page's input fingerprint without rendering it: a hash of its
    /// template's name and everything the template can see (its view), with
    /// a release's text standing in by its hash. Equal fingerprints mean
    /// equal pages, so an incremental build need not render them. `None`
    /// for static files and other small ones, which are always produced.
    pub fn fingerprint(&self, job: Job) -> Option<Result<(String, u64)>> {
        if matches!(
            job,
            Job::Static(_)
                | Job::NoJekyll
                | Job::HighlightCss
                | Job::Robots
                | Job::DataReadme
                | Job::Root(_)
        ) {
            return None;
        }
        Some(
            self.produce(job, Mode::Fingerprint)
                .and_then(|produced| match produced {
                    Produced::Fingerprint { path, fingerprint } => Ok((path, fingerprint)),
                    Produced::Page(a) => Err(anyhow::anyhow!(
                        "internal error: {} was rendered, not fingerprinted",
                        a.path
                    )),
                }),
        )
    }

    pub(super) fn produce(&self, job: Job, mode: Mode) -> Result<Produced> {
        let page = |artifact: Result<Artifact>| artifact.map(Produced::Page);
        match job {
            Job::Home => self.home(mode),
            Job::Release(i) => self.release(i, mode),
            Job::Areas => self.areas(mode),
            Job::Area(a) => self.area(a, mode),
            Job::AreaYear(a, y) => self.area_year(a, y, mode),
            Job::Feed(of, format) => self.feed(of, None, format, mode),
            Job::FeedArchive(of, period, format) => self.feed(of, Some(period), format, mode),
            Job::Dates => self.dates(mode),
            Job::Year(y) => self.year(y, mode),
            Job::Month(y, m) => self.month(y, m, mode),
            Job::Day(d) => self.day(d, mode),
            Job::NotFound => self.not_found(mode),
            Job::Static(i) => {
                let (name, bytes) = &self.theme.statics[i];
                page(Ok(Artifact {
                    path: Route::Static(name).path(),
                    bytes: bytes.clone(),
                    fingerprint: None,
                }))
            }
            Job::NoJekyll => page(Ok(Artifact {
                path: Route::NoJekyll.path(),
                bytes: Vec::new(),
                fingerprint: None,
            })),
            Job::HighlightCss => page(Ok(Artifact {
                path: Route::HighlightCss.path(),
                bytes: highlight::stylesheet().into_bytes(),
                fingerprint: None,
            })),
            Job::Tags => self.tags(mode),
            Job::Tag(t) => self.tag(t, mode),
            Job::TagYear(t, y) => self.tag_year(t, y, mode),
            Job::AreaMonth(a, y, m) => self.area_month(a, y, m, mode),
            Job::Corrections => self.corrections_log(mode),
            Job::CorrectionsFeed(format) => self.corrections_feed(format, mode),
            Job::Data(year) => self.data_year(year, mode),
            Job::DataReadme => page(Ok(self.data_readme())),
            Job::SearchPage | Job::SearchFile(_) => self.search_job(job, mode),
            Job::Sitemap => self.sitemap_index(mode),
            Job::SitemapPart(part) => self.sitemap_part(part, mode),
            Job::Robots => page(Ok(self.robots())),
            Job::Root(i) => {
                let (name, bytes) = &self.theme.roots[i];
                page(Ok(Artifact {
                    path: Route::Root(name).path(),
                    bytes: bytes.clone(),
                    fingerprint: None,
                }))
            }
            Job::Page(i) => self.theme_page(i, mode),
        }
    }
}
