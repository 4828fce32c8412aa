//! Stage 4, render: the archive and a theme become artifacts (an output
//! path and its bytes). Pure: no I/O, so every page can be tested in memory.
//!
//! Rendering is split into a plan of cheap [`Job`]s and [`Renderer::render`]
//! of one job, so the write stage can render and write in parallel without
//! holding the whole site in memory at archive scale.

mod atom;
pub mod body;
pub mod commentary;
mod corrections;
mod date_pages;
mod feed;
mod feed_job;
mod feed_memo;
mod highlight;
mod meta;
mod open_data;
mod pages;
mod plan;
mod release_page;
mod route;
mod search;
pub use search::SearchFiles;
mod sitemap;
pub mod theme;
pub mod theme_extras;
mod views;
mod xml;

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{DateTime, Datelike, FixedOffset};
use rayon::prelude::*;
use serde::Serialize;
use std::hash::Hash;

use crate::model::dates::ReleaseDate;
use crate::model::{Archive, Release};
pub use plan::Job;
use plan::{Mode, Produced};
pub use route::{
    is_reserved, FeedFormat, FeedScope, Location, Period, Route, SitemapGroup, SitemapPart,
};
pub use sitemap::LIMIT as SITEMAP_LIMIT;
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
    /// Per area: year -> release indices, newest first (feeds and sitemaps).
    area_years: Vec<BTreeMap<i32, Vec<usize>>>,
    /// Per tag: year -> release indices, newest first.
    tag_years: Vec<BTreeMap<i32, Vec<usize>>>,
    /// Per release: its latest correction's date (local midnight), else
    /// its own moment. What feeds and sitemaps date it by.
    updated: Vec<DateTime<FixedOffset>>,
    /// Ids of the releases in the site, for cross-references.
    ids: rustc_hash::FxHashSet<&'a str>,
    calendar: Calendar,
    /// The search index's files, when the site has search.
    search: Option<&'a dyn SearchFiles>,
    feed_memo: feed_memo::FeedMemo,
    /// Per release: [`Renderer::release_inputs`].
    inputs: Vec<u64>,
    feed_links: FeedLinks,
}

/// Each feed scope's discovery links, made once per build.
#[derive(Default)]
struct FeedLinks {
    site: Vec<FeedLink>,
    areas: Vec<Vec<FeedLink>>,
    tags: Vec<Vec<FeedLink>>,
    corrections: Vec<FeedLink>,
}

impl FeedLinks {
    fn of(&self, of: feed_job::Of) -> &[FeedLink] {
        match of {
            feed_job::Of::Site => &self.site,
            feed_job::Of::Area(a) => &self.areas[a],
            feed_job::Of::Tag(t) => &self.tags[t],
        }
    }
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
        let ((items, updated), (ids, (area_months, calendar))) = rayon::join(
            || {
                rayon::join(
                    || {
                        (archive.releases.par_iter())
                            .map(|r| ReleaseItem::new(r, archive))
                            .collect()
                    },
                    || Self::updated(archive),
                )
            },
            || {
                rayon::join(
                    || archive.releases.iter().map(|r| r.id.as_str()).collect(),
                    || (Self::area_months(archive), Self::calendar(archive)),
                )
            },
        );
        let tag_years = (archive.tags.iter())
            .map(|tag| Self::by_year(archive, &tag.releases))
            .collect();
        let mut renderer = Renderer {
            archive,
            bodies,
            theme,
            location,
            items,
            area_months,
            area_years: Self::area_years(archive),
            tag_years,
            updated,
            ids,
            calendar,
            search: None,
            feed_memo: Default::default(),
            inputs: Vec::new(),
            feed_links: FeedLinks::default(),
        };
        renderer.feed_links = FeedLinks {
            site: renderer.feed_links(feed_job::Of::Site),
            areas: (0..archive.areas.len())
                .map(|a| renderer.feed_links(feed_job::Of::Area(a)))
                .collect(),
            tags: (0..archive.tags.len())
                .map(|t| renderer.feed_links(feed_job::Of::Tag(t)))
                .collect(),
            corrections: renderer.corrections_feed_links(),
        };
        // Once per release: its page and every feed document that carries
        // it (several, with the archives) hash it.
        renderer.inputs = (0..archive.releases.len())
            .into_par_iter()
            .map(|i| renderer.release_inputs_now(i))
            .collect();
        renderer
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

    /// Per area: year -> release indices, newest first.
    fn area_years(archive: &Archive) -> Vec<BTreeMap<i32, Vec<usize>>> {
        (archive.areas.iter())
            .map(|area| Self::by_year(archive, &area.releases))
            .collect()
    }

    /// Releases (newest first) grouped by year, each year's newest first.
    fn by_year(archive: &Archive, releases: &[usize]) -> BTreeMap<i32, Vec<usize>> {
        let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for &i in releases {
            years
                .entry(archive.releases[i].published.year())
                .or_default()
                .push(i);
        }
        years
    }

    /// Each release's last change: a correction dated after its moment
    /// counts from local midnight of its date.
    fn updated(archive: &Archive) -> Vec<DateTime<FixedOffset>> {
        (archive.releases.iter())
            .map(|r| {
                let corrected =
                    (r.latest_correction()).map(|date| local_midnight(&archive.config, date));
                corrected.map_or(r.published, |c| c.max(r.published))
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
        self.site_for(route, title, None)
    }

    /// The same, for a page in the scope of an area's or a tag's feeds
    /// (`of`), which it names for autodiscovery beside the site's.
    fn site_for(&self, route: Route, title: &str, of: Option<feed_job::Of>) -> SiteView<'_> {
        let config = &self.archive.config;
        let meta = meta::Meta::page(title, &config.description, route, &self.location);
        self.site_with(route, MetaView::Page(meta), of)
    }

    fn site_with(
        &self,
        route: Route,
        meta: MetaView<'a>,
        of: Option<feed_job::Of>,
    ) -> SiteView<'_> {
        let mut site = SiteView::new(&self.archive.config, route.root(), &self.location, meta);
        site.feeds = PageFeeds {
            site: &self.feed_links.site,
            scope: of.map_or(&[][..], |of| self.feed_links.of(of)),
        };
        site
    }

    /// A feed's discovery links: JSON Feed, and Atom when it is written.
    fn feed_links(&self, of: feed_job::Of) -> Vec<FeedLink> {
        let scope = self.feed_scope(of);
        self.discovery_links(&self.feed_title(of), |format| Route::Feed(scope, format))
    }

    /// The corrections feed's discovery links, in the same formats.
    fn corrections_feed_links(&self) -> Vec<FeedLink> {
        let title = self.corrections_feed_title();
        self.discovery_links(&title, Route::CorrectionsFeed)
    }

    /// One link per format, each titled with the feed's title and its
    /// format's name, so a reader offered both can tell them apart.
    fn discovery_links(
        &self,
        title: &str,
        route: impl Fn(FeedFormat) -> Route<'a>,
    ) -> Vec<FeedLink> {
        (self.feed_formats().iter())
            .map(|&format| FeedLink {
                title: format!("{title} ({})", format.name()),
                media_type: format.media_type(),
                url: route(format).url(),
            })
            .collect()
    }

    /// The formats feeds are written in: JSON Feed, and Atom (which needs
    /// absolute ids) with a base URL.
    fn feed_formats(&self) -> &'static [FeedFormat] {
        match self.location.base_url {
            Some(_) => &[FeedFormat::Json, FeedFormat::Atom],
            None => &[FeedFormat::Json],
        }
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

/// The start of `date` in the site's timezone: the moment a date without
/// a time (a correction's) stands for where a timestamp is needed.
fn local_midnight(
    config: &crate::config::SiteConfig,
    date: chrono::NaiveDate,
) -> DateTime<FixedOffset> {
    // The zone was checked when the settings were read.
    let tz = config.tz().unwrap_or(chrono_tz::UTC);
    let day = ReleaseDate {
        date,
        time: None,
        offset: None,
    };
    day.localise(tz).0
}

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
