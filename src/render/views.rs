//! Typed values the templates see. Every field is plain data; templates
//! escape it, except the `*_html` fields that blotter itself rendered.

use chrono::{Datelike, Timelike};
use serde::Serialize;

use super::{month_name, Location, Route};
use crate::config::SiteConfig;
use crate::model::{Archive, Area, Release};

#[derive(Serialize, Clone)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    /// Prefix that leads from this page to the site root: `./`, `../../`,
    /// or on the 404 page the absolute base path.
    pub root: String,
    /// Public root URL, when configured (for canonical links).
    pub base_url: Option<String>,
    /// Whether the site has a search page (the header's search box).
    pub search: bool,
    /// The feeds whose scope the page is in, for autodiscovery: the
    /// site's, and an area's or a tag's.
    pub feeds: Vec<FeedLink>,
}

/// A feed as a page's `<link rel="alternate">` names it; `url` is
/// relative to the site root.
#[derive(Serialize, Clone, Hash)]
pub struct FeedLink {
    pub title: String,
    pub media_type: &'static str,
    pub url: String,
}

/// Only `root` and the feeds are hashed into page fingerprints: the rest
/// is the site's settings and base URL, which are part of the build key
/// (a change to them means a clean build).
impl std::hash::Hash for SiteView<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.root.hash(state);
        self.feeds.hash(state);
    }
}

impl<'a> SiteView<'a> {
    pub fn new(config: &'a SiteConfig, root: String, location: Location) -> Self {
        SiteView {
            title: &config.title,
            description: &config.description,
            language: &config.language,
            root,
            base_url: location.base_url,
            search: config.search,
            feeds: Vec::new(),
        }
    }
}

/// A breadcrumb: `url` is relative to the site root; `None` for this page.
#[derive(Serialize, Hash)]
pub struct Crumb {
    pub name: String,
    pub url: Option<String>,
}

impl Crumb {
    pub fn to(name: &str, route: Route) -> Crumb {
        Crumb {
            name: name.to_string(),
            url: Some(route.url()),
        }
    }
    pub fn here(name: &str) -> Crumb {
        Crumb {
            name: name.to_string(),
            url: None,
        }
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

#[derive(Serialize, Hash)]
pub struct HomeView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb>,
    pub latest: Vec<&'b ReleaseItem<'a>>,
    pub areas: Vec<Count>,
    pub years: Vec<Count>,
    pub total: usize,
}

#[derive(Serialize, Hash)]
pub struct ReleaseView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb>,
    pub release: &'b ReleaseItem<'a>,
    pub description: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub permalink: String,
    pub body_html: String,
    pub older: Option<&'b ReleaseItem<'a>>,
    pub newer: Option<&'b ReleaseItem<'a>>,
    pub tags: Vec<Link>,
    pub related: Vec<&'b ReleaseItem<'a>>,
    pub corrections: Vec<CorrectionView>,
    pub notes: Vec<NoteView>,
    /// Sanitised HTML of the sidecar's commentary; empty when there is none.
    pub commentary_html: String,
}

/// A link with a label (a tag on a release page).
#[derive(Serialize, Hash)]
pub struct Link {
    pub label: String,
    pub url: String,
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
    pub crumbs: Vec<Crumb>,
    pub name: &'a str,
    pub feed_url: String,
    pub count: usize,
    pub years: Vec<Count>,
    pub latest: Vec<&'b ReleaseItem<'a>>,
}

#[derive(Serialize, Hash)]
pub struct ListView<'b, 'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb>,
    pub heading: String,
    pub groups: Vec<Group<'b, 'a>>,
    pub count: usize,
}

/// A page that is a list of links with counts: every area, every year,
/// every tag, the months of a year, the days of a month.
#[derive(Serialize, Hash)]
pub struct CountsView<'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb>,
    pub heading: String,
    pub entries: Vec<Count>,
}

#[derive(Serialize, Hash)]
pub struct NotFoundView<'a> {
    pub site: SiteView<'a>,
    pub crumbs: Vec<Crumb>,
}
