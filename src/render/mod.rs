//! Stage 4, render: the archive and a theme become artifacts (an output
//! path and its bytes). Pure: no I/O, so every page can be tested in memory.
//!
//! Rendering is split into a plan of cheap [`Job`]s and [`Renderer::render`]
//! of one job, so the write stage can render and write in parallel without
//! holding the whole site in memory at archive scale.

pub mod body;
pub mod commentary;
mod date_pages;
mod feed;
mod feed_job;
mod highlight;
mod meta;
mod pages;
mod plan;
mod release_page;
mod route;
mod search;
pub mod theme;
mod views;

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::Result;
use chrono::Datelike;
use rayon::prelude::*;
use serde::Serialize;
use std::hash::Hash;

use crate::model::{Archive, Release};
pub use plan::Job;
use plan::{Mode, Produced};
pub use route::{Location, Route};
pub use theme::Theme;
use views::*;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative path with `/` separators, made only from slugs, ids and numbers.
    pub path: String,
    pub bytes: Vec<u8>,
    /// The page's input fingerprint (see [`Renderer::fingerprint`]); `None`
    /// for feeds and static files.
    pub fingerprint: Option<u64>,
}

/// Where the renderer gets release bodies. The model keeps a body only
/// while it needs it (for passage notes); the build hands the renderer a
/// source that reads each body again from its file when its page is
/// rendered, so memory stays flat however large the archive.
pub trait Bodies: Sync {
    fn body<'r>(&self, release: &'r Release) -> Result<Cow<'r, str>>;
}

/// Compact per-release data shared by every page that lists releases.
pub struct Renderer<'a> {
    archive: &'a Archive,
    bodies: &'a dyn Bodies,
    theme: &'a Theme,
    location: Location,
    items: Vec<ReleaseItem<'a>>,
    /// Per area: year -> month -> release indices, newest first.
    area_months: Vec<Buckets>,
    /// Per tag: year -> release indices, newest first.
    tag_years: Vec<BTreeMap<i32, Vec<usize>>>,
    /// Ids of the releases in the site, for cross-references.
    ids: rustc_hash::FxHashSet<&'a str>,
    calendar: Calendar,
    /// The search index's files, when the site has search.
    search: Option<&'a [(String, Vec<u8>)]>,
}

/// year -> month -> release indices, newest first.
type Buckets = BTreeMap<i32, BTreeMap<u32, Vec<usize>>>;

/// year -> month -> day -> release indices.
type Calendar = BTreeMap<i32, BTreeMap<u32, BTreeMap<u32, Vec<usize>>>>;

impl<'a> Renderer<'a> {
    pub fn new(
        archive: &'a Archive,
        theme: &'a Theme,
        location: Location,
        bodies: &'a dyn Bodies,
    ) -> Renderer<'a> {
        // The indexes are built beside the items: one thread each, while
        // the items take the rest.
        let (items, (ids, (area_months, calendar))) = rayon::join(
            || {
                (archive.releases.par_iter())
                    .map(|r| ReleaseItem::new(r, archive))
                    .collect()
            },
            || {
                rayon::join(
                    || archive.releases.iter().map(|r| r.id.as_str()).collect(),
                    || (Self::area_months(archive), Self::calendar(archive)),
                )
            },
        );
        Renderer {
            archive,
            bodies,
            theme,
            location,
            items,
            area_months,
            tag_years: (archive.tags.iter())
                .map(|t| by_year(archive, &t.releases))
                .collect(),
            ids,
            calendar,
            search: None,
        }
    }

    /// Per area: year -> month -> release indices, newest first.
    fn area_months(archive: &Archive) -> Vec<Buckets> {
        archive
            .areas
            .iter()
            .map(|area| {
                let mut buckets = Buckets::new();
                for &i in &area.releases {
                    let published = archive.releases[i].published;
                    (buckets.entry(published.year()).or_default())
                        .entry(published.month())
                        .or_default()
                        .push(i);
                }
                buckets
            })
            .collect()
    }

    /// year -> month -> day -> release indices.
    fn calendar(archive: &Archive) -> Calendar {
        let mut calendar = Calendar::new();
        for (day, releases) in &archive.days {
            calendar
                .entry(day.year())
                .or_default()
                .entry(day.month())
                .or_default()
                .insert(day.day(), releases.clone());
        }
        calendar
    }

    fn page<T: Serialize + Hash>(
        &self,
        template: &str,
        route: Route,
        view: &T,
        mode: Mode,
    ) -> Result<Produced> {
        let path = route.path();
        let fingerprint = fingerprint(&(template, view));
        match mode {
            Mode::Fingerprint => Ok(Produced::Fingerprint { path, fingerprint }),
            Mode::Render => self
                .render_page(template, path, view, fingerprint)
                .map(Produced::Page),
        }
    }

    fn render_page<T: Serialize>(
        &self,
        template: &str,
        path: String,
        view: &T,
        fingerprint: u64,
    ) -> Result<Artifact> {
        let context = tera::Context::from_serialize(view)
            .map_err(|e| anyhow::anyhow!("{path}: {}", theme::tera_error_chain(&e)))?;
        let html = self.theme.tera.render(template, &context).map_err(|e| {
            anyhow::anyhow!(
                "rendering {path} with {template}: {}",
                theme::tera_error_chain(&e)
            )
        })?;
        Ok(Artifact {
            path,
            bytes: html.into_bytes(),
            fingerprint: Some(fingerprint),
        })
    }

    /// Site-wide values for a page: links are relative to it, so the
    /// site works at any subpath. `title` is the page's own title, for
    /// its sharing metadata.
    fn site(&self, route: Route, title: &str) -> SiteView<'_> {
        let config = &self.archive.config;
        let meta = meta::Meta::page(title, &config.description, route, &self.location);
        self.site_with(route, MetaView::Page(meta))
    }

    fn site_with(&self, route: Route, meta: MetaView<'a>) -> SiteView<'_> {
        SiteView::new(&self.archive.config, route.root(), &self.location, meta)
    }

    fn latest(&self, indices: &[usize]) -> Vec<&ReleaseItem<'a>> {
        indices
            .iter()
            .take(self.archive.config.latest_count)
            .map(|&i| &self.items[i])
            .collect()
    }

    fn list(&self, indices: &[usize]) -> Vec<&ReleaseItem<'a>> {
        indices.iter().map(|&i| &self.items[i]).collect()
    }

    fn area_counts(&self) -> Vec<Count> {
        self.archive
            .areas
            .iter()
            .map(|a| Count {
                label: a.name.clone(),
                url: Route::Area(&a.slug).url(),
                count: a.releases.len(),
            })
            .collect()
    }

    fn year_counts(&self) -> Vec<Count> {
        self.calendar
            .iter()
            .rev()
            .map(|(y, months)| Count {
                label: y.to_string(),
                url: Route::Year(*y).url(),
                count: months.values().flat_map(|d| d.values()).map(Vec::len).sum(),
            })
            .collect()
    }
}

use crate::hash::fingerprint;

/// A date as readers write it: "2 July 2020".
pub fn long_date(date: impl chrono::Datelike) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_name(date.month()),
        date.year()
    )
}

pub fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or("?")
}

/// Releases by the year of their date, each year's newest first.
fn by_year(archive: &Archive, indices: &[usize]) -> BTreeMap<i32, Vec<usize>> {
    let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for &i in indices {
        let year = archive.releases[i].published.year();
        years.entry(year).or_default().push(i);
    }
    years
}

/// Releases of one year, newest first, under month headings.
fn group_by_month<'b, 'a>(items: Vec<&'b ReleaseItem<'a>>) -> Vec<Group<'b, 'a>> {
    group_by(items, |item| {
        format!("{} {}", month_name(item.month), item.year)
    })
}

/// Consecutive releases with the same label, under that label as a heading.
fn group_by<'b, 'a>(
    items: Vec<&'b ReleaseItem<'a>>,
    label_of: impl Fn(&ReleaseItem) -> String,
) -> Vec<Group<'b, 'a>> {
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        let label = label_of(item);
        match groups.last_mut() {
            Some(g) if g.label == label => g.releases.push(item),
            _ => groups.push(Group {
                label,
                releases: vec![item],
            }),
        }
    }
    groups
}
