//! Typed values the templates see. Every field is plain data; templates
//! escape it, except the `*_html` fields that blotter itself rendered.

use std::borrow::Cow;

use chrono::{Datelike, Timelike};
use serde::Serialize;

use super::meta::{Meta, ReleaseMeta};
use super::{month_name, Location, Route};
use crate::config::SiteConfig;
use crate::model::{Archive, Area, Release};

#[derive(Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    /// Prefix that leads from this page to the site root: `./`, `../../`,
    /// or on the 404 page the absolute base path.
    pub root: Cow<'a, str>,
    /// Public root URL, when configured (for canonical links).
    pub base_url: Option<&'a str>,
    /// Whether the site has a search page (the header's search box).
    pub search: bool,
    /// The page's sharing metadata (Open Graph, canonical, JSON-LD).
    pub meta: MetaView<'a>,
    /// The feeds whose scope the page is in, for autodiscovery.
    pub feeds: PageFeeds<'a>,
}

/// A feed as a page's `<link rel="alternate">` names it; `url` is
/// relative to the site root.
#[derive(Serialize, Clone, Hash)]
pub struct FeedLink {
    pub title: String,
    pub media_type: &'static str,
    pub url: String,
}

/// The feeds whose scope a page is in: the site's, and an area's or a
/// tag's. Each scope's links are made once per build, and pages borrow
/// them.
#[derive(Hash, Clone, Copy, Default)]
pub struct PageFeeds<'a> {
    pub site: &'a [FeedLink],
    pub scope: &'a [FeedLink],
}

impl Serialize for PageFeeds<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.site.iter().chain(self.scope))
    }
}

/// Only `root`, `meta` and the feeds are hashed into page fingerprints:
/// the rest is the site's settings and base URL, which are part of the
/// build key (a change to them means a clean build).
impl std::hash::Hash for SiteView<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.root.hash(state);
        self.meta.hash(state);
        self.feeds.hash(state);
    }
}

impl<'a> SiteView<'a> {
    pub fn new(
        config: &'a SiteConfig,
        root: Cow<'a, str>,
        location: &'a Location,
        meta: MetaView<'a>,
    ) -> Self {
        SiteView {
            title: &config.title,
            description: &config.description,
            language: &config.language,
            root,
            base_url: location.base_url.as_deref(),
            search: config.search,
            meta,
            feeds: PageFeeds::default(),
        }
    }
}

/// A page's sharing metadata: made with the view, or for a release page
/// deferred (its JSON-LD is the costliest part of a release's view) and
/// hashed as what it is made from.
#[derive(Hash)]
pub enum MetaView<'a> {
    Page(Meta),
    Release(ReleaseMeta<'a>),
}

impl Serialize for MetaView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MetaView::Page(meta) => meta.serialize(serializer),
            MetaView::Release(facts) => facts.make().serialize(serializer),
        }
    }
}

/// A breadcrumb: `url` is relative to the site root; `None` for this page.
#[derive(Serialize, Hash, Clone)]
pub struct Crumb<'a> {
    pub name: Cow<'a, str>,
    #[serde(serialize_with = "some_url")]
    pub url: Option<Route<'a>>,
}

impl<'a> Crumb<'a> {
    pub fn to(name: impl Into<Cow<'a, str>>, route: Route<'a>) -> Crumb<'a> {
        Crumb {
            name: name.into(),
            url: Some(route),
        }
    }
    pub fn here(name: impl Into<Cow<'a, str>>) -> Crumb<'a> {
        Crumb {
            name: name.into(),
            url: None,
        }
    }
}

/// A route as templates see it: its URL relative to the site root. Views
/// hold routes, not URLs, so a page's fingerprint hashes no formatted text.
pub fn url<S: serde::Serializer>(route: &Route, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&route.url())
}

fn some_url<S: serde::Serializer>(route: &Option<Route>, serializer: S) -> Result<S::Ok, S::Error> {
    match route {
        Some(route) => url(route, serializer),
        None => serializer.serialize_none(),
    }
}

/// A route's public URL (absolute with a base URL): the base URL is part
/// of the build key, so only the route is hashed.
pub struct PublicUrl<'a> {
    pub location: &'a Location,
    pub route: Route<'a>,
}

impl std::hash::Hash for PublicUrl<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.route.hash(state);
    }
}

impl Serialize for PublicUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.location.url(self.route))
    }
}

/// A link with a count: an area, a year, a month or a day.
#[derive(Serialize, Clone, Hash)]
pub struct Count {
    pub label: String,
    pub url: String,
    pub count: usize,
}

/// A release as listings show it: one per release, made for every build,
/// so it holds references and a hash only; its text (dates, URLs, teaser)
/// is formatted when a page that shows it is rendered (see [`ItemText`]).
pub struct ReleaseItem<'a> {
    release: &'a Release,
    area: &'a Area,
    pub year: i32,
    pub month: u32,
    /// Hash of everything the item's text is made from (the release's
    /// listing digest, its area's name and slug): a page that lists this
    /// release hashes this instead of the item's text, which keeps the
    /// fingerprints of listing pages cheap.
    pub fingerprint: u64,
}

impl std::hash::Hash for ReleaseItem<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint);
    }
}

impl Serialize for ReleaseItem<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.text().serialize(serializer)
    }
}

impl<'a> ReleaseItem<'a> {
    pub fn new(release: &'a Release, archive: &'a Archive) -> Self {
        let area = &archive.areas[release.area];
        ReleaseItem {
            release,
            area,
            year: release.published.year(),
            month: release.published.month(),
            fingerprint: super::fingerprint(&(release.listing_digest, &area.name, &area.slug)),
        }
    }

    /// `releases/<id>/`, relative to the site root.
    pub fn url(&self) -> String {
        Route::Release(self.release.id.as_str()).url()
    }

    /// `areas/<slug>/`, relative to the site root.
    pub fn area_url(&self) -> String {
        Route::Area(&self.area.slug).url()
    }

    /// What templates see of the item.
    pub fn text(&self) -> ItemText<'a> {
        let release = self.release;
        let local = release.published;
        let date = release.date.date;
        let (time_text, datetime) = match release.date.time {
            Some(_) => (
                Some(format!("{:02}:{:02}", local.hour(), local.minute())),
                local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ),
            None => (None, date.format("%Y-%m-%d").to_string()),
        };
        ItemText {
            id: release.id.as_str(),
            title: &release.title,
            url: self.url(),
            date_text: format!(
                "{} {} {}",
                date.day(),
                month_name(date.month()),
                date.year()
            ),
            time_text,
            datetime,
            area_name: &self.area.name,
            area_url: self.area_url(),
            annotated: release.annotation.as_ref().is_some_and(|a| a.is_visible()),
            teaser: release.teaser(),
        }
    }
}

/// The fields templates see of a listed release.
#[derive(Serialize)]
pub struct ItemText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// `releases/<id>/`, relative to the site root.
    pub url: String,
    /// `2 July 2020`.
    pub date_text: String,
    /// `13:36`, or `None` when the release gives no time.
    pub time_text: Option<String>,
    /// For `<time datetime>`: RFC 3339 with offset, or a bare date.
    pub datetime: String,
    pub area_name: &'a str,
    pub area_url: String,
    /// The release carries commentary, notes or corrections.
    pub annotated: bool,
    pub teaser: &'a str,
}

#[derive(Serialize, Hash)]
pub struct Group<'b, 'a> {
    pub label: String,
    pub releases: Vec<&'b ReleaseItem<'a>>,
}

/// Links to the neighbouring day, month or year that has releases.
#[derive(Serialize, Hash, Default)]
pub struct Pager<'a> {
    /// What a step is: "day", "month", "year".
    pub unit: &'static str,
    pub prev: Option<Link<'a>>,
    pub next: Option<Link<'a>>,
}

#[derive(Serialize, Hash)]
pub struct HomeView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub latest: Vec<&'b ReleaseItem<'a>>,
    pub areas: Vec<Count>,
    pub years: Vec<Count>,
    pub total: usize,
    pub tags: usize,
    pub corrections: usize,
}

#[derive(Serialize, Hash)]
pub struct ReleaseView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub release: &'b ReleaseItem<'a>,
    pub description: OfRelease<Option<&'a str>>,
    pub source_url: OfRelease<Option<&'a str>>,
    /// The source's host name, the link text of `source_url`.
    pub source_host: OfRelease<SourceHost<'a>>,
    /// The source as the Wayback Machine saw it around the release date.
    pub wayback_url: OfRelease<Wayback<'a>>,
    /// The release's day page, relative to the site root.
    #[serde(serialize_with = "url")]
    pub day_url: Route<'a>,
    pub permalink: PublicUrl<'a>,
    pub body_html: super::release_page::BodyHtml<'a>,
    pub older: Option<&'b ReleaseItem<'a>>,
    pub newer: Option<&'b ReleaseItem<'a>>,
    pub tags: Vec<Link<'a>>,
    pub related: Vec<&'b ReleaseItem<'a>>,
    /// `corrections`, `notes` and `commentary_html` (sanitised HTML of the
    /// sidecar's commentary; empty when there is none).
    #[serde(flatten)]
    pub annotation: super::release_page::AnnotationHtml<'a>,
}

/// A source URL as the Wayback Machine saw it at a moment.
pub struct Wayback<'a>(pub Option<(&'a str, chrono::DateTime<chrono::FixedOffset>)>);

impl Serialize for Wayback<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some((url, moment)) => serializer.serialize_str(&super::meta::wayback(url, moment)),
            None => serializer.serialize_none(),
        }
    }
}

/// The host name of a source URL (the whole URL when it has none), made
/// when the page is rendered rather than for every fingerprint.
pub struct SourceHost<'a>(pub Option<&'a str>);

impl Serialize for SourceHost<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(source) => {
                let parsed = url::Url::parse(source).ok();
                let host = parsed.as_ref().and_then(|u| u.host_str());
                serializer.serialize_str(host.unwrap_or(source))
            }
            None => serializer.serialize_none(),
        }
    }
}

/// A value made from one release alone, hashed as that release's digest,
/// which stands for every field of a release (`Release::digest_now`
/// destructures it exhaustively): cheaper than hashing the text itself.
pub struct OfRelease<T> {
    digest: u64,
    value: T,
}

impl<T> OfRelease<T> {
    pub fn new(release: &Release, value: T) -> OfRelease<T> {
        OfRelease {
            digest: release.digest,
            value,
        }
    }
}

impl<T> std::hash::Hash for OfRelease<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.digest.hash(state);
    }
}

impl<T: Serialize> Serialize for OfRelease<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// A link with a label (a tag on a release page).
#[derive(Serialize, Hash)]
pub struct Link<'a> {
    pub label: Cow<'a, str>,
    #[serde(serialize_with = "url")]
    pub url: Route<'a>,
}

#[derive(Serialize, Hash)]
pub struct CorrectionView {
    pub date_text: String,
    pub datetime: String,
    pub html: String,
}

#[derive(Serialize, Hash)]
pub struct NoteView {
    pub number: usize,
    pub quote: String,
    pub html: String,
}

#[derive(Serialize, Hash)]
pub struct AreaView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub name: &'a str,
    pub feed_url: String,
    pub count: usize,
    pub years: Vec<Count>,
    pub latest: Vec<&'b ReleaseItem<'a>>,
}

/// A tag: its years with counts and its latest releases.
#[derive(Serialize, Hash)]
pub struct TagView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub name: &'a str,
    pub count: usize,
    pub years: Vec<Count>,
    pub latest: Vec<&'b ReleaseItem<'a>>,
}

#[derive(Serialize, Hash)]
pub struct ListView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub heading: String,
    pub groups: Vec<Group<'b, 'a>>,
    pub count: usize,
    pub pager: Option<Pager<'a>>,
}

/// A month as a calendar: weeks from Monday, a cell per day.
#[derive(Serialize, Hash)]
pub struct MonthView<'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub heading: String,
    pub count: usize,
    pub weeks: Vec<Vec<Option<DayCell>>>,
    pub pager: Option<Pager<'a>>,
}

/// A day of a calendar month; `url` is `None` on a day without releases.
#[derive(Serialize, Hash)]
pub struct DayCell {
    pub day: u32,
    pub url: Option<String>,
    pub count: usize,
}

/// Every correction in the archive, newest first.
#[derive(Serialize, Hash)]
pub struct CorrectionsView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub entries: Vec<LoggedCorrection<'b, 'a>>,
}

#[derive(Serialize, Hash)]
pub struct LoggedCorrection<'b, 'a> {
    pub correction: CorrectionView,
    pub release: &'b ReleaseItem<'a>,
    /// Its place among its release's corrections: the page's
    /// `#correction-N` anchor.
    pub number: usize,
}

/// A page that is a list of links with counts: every area, every year,
/// every tag, the months of a year, the days of a month.
#[derive(Serialize, Hash)]
pub struct CountsView<'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub heading: String,
    pub entries: Vec<Count>,
    pub pager: Option<Pager<'a>>,
}

#[derive(Serialize, Hash)]
pub struct NotFoundView<'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
}

/// A page of the theme's own: `name` is its template's stem, `title` the
/// heading made from it.
#[derive(Serialize, Hash)]
pub struct ThemePageView<'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb<'a>>,
    pub name: &'a str,
    pub title: &'a str,
}
