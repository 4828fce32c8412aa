//! The site's address scheme, in one place: every page and file blotter
//! writes has a [`Route`], and only a route turns into an output path or
//! a URL. Permalinks are part of the brief's promise (a release's address
//! never changes), so the scheme is written once and tested as a table.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::model::Slug;

/// One page or file of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route<'a> {
    Home,
    /// A release's permalink, by its id.
    Release(&'a str),
    Areas,
    Area(&'a Slug),
    AreaYear(&'a Slug, i32),
    /// One month of an area: every area's year is split by month, so no
    /// listing grows with the archive's size beyond a month of one force.
    AreaMonth(&'a Slug, i32, u32),
    Dates,
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
    Tags,
    Tag(&'a Slug),
    TagYear(&'a Slug, i32),
    /// Every correction of the archive, newest first.
    Corrections,
    /// The corrections log as a feed: one item per correction.
    CorrectionsFeed(FeedFormat),
    /// The open data: one CSV file of the archive's index per year, and
    /// the file that describes their columns.
    Data(i32),
    DataReadme,
    /// A feed's current document: its newest items.
    Feed(FeedScope<'a>, FeedFormat),
    /// One calendar period of a feed's items, linked from the current
    /// document, so following the links reaches the oldest item.
    FeedArchive(FeedScope<'a>, Period, FeedFormat),
    /// The sitemap index, and the sitemaps it lists.
    Sitemap,
    SitemapPart(SitemapPart),
    Robots,
    /// The search page; the index files under `search/` are laid out by
    /// the search module, whose client reads them.
    Search,
    NotFound,
    NoJekyll,
    HighlightCss,
    /// A theme file, by its path under the theme's `static/` folder.
    Static(&'a str),
    /// A theme file, by its path under the theme's `root/` folder: written
    /// at the same path under the site root (`CNAME`, `favicon.ico`).
    Root(&'a str),
    /// A page of the theme's own, by its template's stem (`about.html` is
    /// `about`).
    Page(&'a str),
}

/// Top-level names of the output that blotter's own routes use, and the
/// `sitemap-*.xml` and `.blotter*` names checked in [`is_reserved`]. A
/// theme's `root/` files and pages may not use them.
const RESERVED: &[&str] = &[
    "index.html",
    "404.html",
    ".nojekyll",
    "releases",
    "areas",
    "dates",
    "tags",
    "corrections",
    "data",
    "feed.json",
    "feed.xml",
    "feed",
    "sitemap.xml",
    "robots.txt",
    "search",
    "static",
];

/// Whether blotter writes (or may write, as the archive grows) the
/// top-level name `top` of the output itself.
pub fn is_reserved(top: &str) -> bool {
    RESERVED.contains(&top)
        || (top.starts_with("sitemap-") && top.ends_with(".xml"))
        || top.starts_with(".blotter")
}

impl Route<'_> {
    /// The address relative to the site root, as links write it: a
    /// page's folder (`areas/kent/`, `""` for the home page) or a file
    /// (`feed.json`).
    pub fn url(&self) -> String {
        let mut url = String::new();
        // Writing to a String cannot fail.
        let _ = match self {
            Route::Home => Ok(()),
            Route::Release(id) => write!(url, "releases/{id}/"),
            Route::Areas => write!(url, "areas/"),
            Route::Area(slug) => write!(url, "areas/{slug}/"),
            Route::AreaYear(slug, year) => write!(url, "areas/{slug}/{year}/"),
            Route::AreaMonth(slug, year, month) => {
                write!(url, "areas/{slug}/{year}/{month:02}/")
            }
            Route::Dates => write!(url, "dates/"),
            Route::Year(year) => write!(url, "dates/{year}/"),
            Route::Month(year, month) => write!(url, "dates/{year}/{month:02}/"),
            Route::Day(d) => write!(url, "dates/{}/{:02}/{:02}/", d.year(), d.month(), d.day()),
            Route::Tags => write!(url, "tags/"),
            Route::Tag(slug) => write!(url, "tags/{slug}/"),
            Route::TagYear(slug, year) => write!(url, "tags/{slug}/{year}/"),
            Route::Corrections => write!(url, "corrections/"),
            Route::CorrectionsFeed(format) => {
                write!(url, "corrections/feed.{}", format.extension())
            }
            Route::Data(year) => write!(url, "data/{year}.csv"),
            Route::DataReadme => write!(url, "data/README.txt"),
            Route::Feed(scope, format) => {
                write!(url, "{}feed.{}", scope.prefix(), format.extension())
            }
            Route::FeedArchive(scope, period, format) => {
                let ext = format.extension();
                match period {
                    Period::Year(y) => write!(url, "{}feed/{y}.{ext}", scope.prefix()),
                    Period::Month(y, m) => write!(url, "{}feed/{y}/{m:02}.{ext}", scope.prefix()),
                }
            }
            Route::Sitemap => write!(url, "sitemap.xml"),
            // Beside the index at the site root: a sitemap may list only
            // URLs under its own folder.
            Route::SitemapPart(part) => match (part.group, part.chunk) {
                (SitemapGroup::Pages, 0) => write!(url, "sitemap-pages.xml"),
                (SitemapGroup::Pages, n) => write!(url, "sitemap-pages-{}.xml", n + 1),
                (SitemapGroup::Releases(y), 0) => write!(url, "sitemap-releases-{y}.xml"),
                (SitemapGroup::Releases(y), n) => {
                    write!(url, "sitemap-releases-{y}-{}.xml", n + 1)
                }
            },
            Route::Robots => write!(url, "robots.txt"),
            Route::Search => write!(url, "search/"),
            Route::NotFound => write!(url, "404.html"),
            Route::NoJekyll => write!(url, ".nojekyll"),
            Route::HighlightCss => write!(url, "static/highlight.css"),
            Route::Static(file) => write!(url, "static/{file}"),
            Route::Root(file) => write!(url, "{file}"),
            Route::Page(name) => write!(url, "{name}/"),
        };
        url
    }

    /// The file written for it, relative to the output folder: a page is
    /// its folder's `index.html`.
    pub fn path(&self) -> String {
        let mut path = self.url();
        if path.is_empty() || path.ends_with('/') {
            path.push_str("index.html");
        }
        path
    }

    /// The prefix that leads from this page back to the site root (`./`,
    /// `../../`): links between pages are relative, so the site works at a
    /// domain's root and under any subpath.
    pub fn root(&self) -> Cow<'static, str> {
        const ROOTS: [&str; 6] = [
            "./",
            "../",
            "../../",
            "../../../",
            "../../../../",
            "../../../../../",
        ];
        match self.path().matches('/').count() {
            depth if depth < ROOTS.len() => Cow::Borrowed(ROOTS[depth]),
            depth => Cow::Owned("../".repeat(depth)),
        }
    }
}

/// Which releases a feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedScope<'a> {
    Site,
    Area(&'a Slug),
    Tag(&'a Slug),
}

impl FeedScope<'_> {
    /// The folder its feed files live in, relative to the site root.
    fn prefix(&self) -> String {
        match self {
            FeedScope::Site => String::new(),
            FeedScope::Area(slug) => format!("areas/{slug}/"),
            FeedScope::Tag(slug) => format!("tags/{slug}/"),
        }
    }
}

/// The two formats every feed is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    Json,
    Atom,
}

impl FeedFormat {
    pub fn extension(&self) -> &'static str {
        match self {
            FeedFormat::Json => "json",
            FeedFormat::Atom => "xml",
        }
    }

    /// The format's name, which tells a reader's two discovery links apart.
    pub fn name(&self) -> &'static str {
        match self {
            FeedFormat::Json => "JSON Feed",
            FeedFormat::Atom => "Atom",
        }
    }

    /// The media type autodiscovery links name.
    pub fn media_type(&self) -> &'static str {
        match self {
            FeedFormat::Json => "application/feed+json",
            FeedFormat::Atom => "application/atom+xml",
        }
    }
}

/// A calendar period of a feed archive. Bucketed by date, not by count,
/// so an archived document keeps its items once its period is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
}

/// One sitemap file: a group of pages, cut into chunks of at most
/// [`SITEMAP_LIMIT`](super::sitemap::LIMIT) URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SitemapPart {
    pub group: SitemapGroup,
    /// 0 for the first chunk of the group.
    pub chunk: usize,
}

/// Listing pages in one group; release pages by the year of their date,
/// so a new release changes only its own year's sitemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SitemapGroup {
    Pages,
    Releases(i32),
}

/// Where the site lives: the public root URL, if known, and its path part.
#[derive(Debug, Clone)]
pub struct Location {
    /// `https://owner.github.io/archive/`, always ending in `/`.
    pub base_url: Option<String>,
    /// `/archive/` (or `/`): what absolute links need, e.g. on the 404 page.
    pub base_path: String,
}

impl Location {
    /// From a base URL as the configuration checked it (absolute http(s)).
    pub fn new(base_url: Option<&str>) -> Location {
        let base_url = base_url.map(|u| format!("{}/", u.trim_end_matches('/')));
        let base_path = base_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .map_or_else(|| "/".to_string(), |u| u.path().to_string());
        Location {
            base_url,
            base_path,
        }
    }

    /// The public URL of a route: absolute with a base URL, root-relative
    /// without one.
    pub fn url(&self, route: Route) -> String {
        self.absolute(&route.url())
    }

    /// The public URL of an address relative to the site root, as a
    /// route's `url()` gave it.
    pub fn absolute(&self, relative: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(&self.base_path);
        format!("{base}{relative}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(text: &str) -> Slug {
        Slug::from_text(text)
    }

    #[test]
    fn every_route_has_its_documented_address() {
        let (kent, fraud) = (slug("Kent"), slug("Fraud"));
        let day = NaiveDate::from_ymd_opt(2020, 7, 2).unwrap();
        let table: Vec<(Route, &str, &str, &str)> = vec![
            (Route::Home, "", "index.html", "./"),
            (
                Route::Release("004_ab"),
                "releases/004_ab/",
                "releases/004_ab/index.html",
                "../../",
            ),
            (Route::Areas, "areas/", "areas/index.html", "../"),
            (
                Route::Area(&kent),
                "areas/kent/",
                "areas/kent/index.html",
                "../../",
            ),
            (
                Route::AreaYear(&kent, 2020),
                "areas/kent/2020/",
                "areas/kent/2020/index.html",
                "../../../",
            ),
            (
                Route::AreaMonth(&kent, 2020, 7),
                "areas/kent/2020/07/",
                "areas/kent/2020/07/index.html",
                "../../../../",
            ),
            (
                Route::Feed(FeedScope::Area(&kent), FeedFormat::Json),
                "areas/kent/feed.json",
                "areas/kent/feed.json",
                "../../",
            ),
            (
                Route::Feed(FeedScope::Area(&kent), FeedFormat::Atom),
                "areas/kent/feed.xml",
                "areas/kent/feed.xml",
                "../../",
            ),
            (
                Route::FeedArchive(FeedScope::Area(&kent), Period::Year(2019), FeedFormat::Atom),
                "areas/kent/feed/2019.xml",
                "areas/kent/feed/2019.xml",
                "../../../",
            ),
            (
                Route::Feed(FeedScope::Tag(&fraud), FeedFormat::Json),
                "tags/fraud/feed.json",
                "tags/fraud/feed.json",
                "../../",
            ),
            (
                Route::FeedArchive(FeedScope::Tag(&fraud), Period::Year(2020), FeedFormat::Json),
                "tags/fraud/feed/2020.json",
                "tags/fraud/feed/2020.json",
                "../../../",
            ),
            (
                Route::FeedArchive(FeedScope::Site, Period::Month(2020, 7), FeedFormat::Json),
                "feed/2020/07.json",
                "feed/2020/07.json",
                "../../",
            ),
            (Route::Dates, "dates/", "dates/index.html", "../"),
            (
                Route::Year(2020),
                "dates/2020/",
                "dates/2020/index.html",
                "../../",
            ),
            (
                Route::Month(2020, 7),
                "dates/2020/07/",
                "dates/2020/07/index.html",
                "../../../",
            ),
            (
                Route::Day(day),
                "dates/2020/07/02/",
                "dates/2020/07/02/index.html",
                "../../../../",
            ),
            (Route::Tags, "tags/", "tags/index.html", "../"),
            (
                Route::Tag(&fraud),
                "tags/fraud/",
                "tags/fraud/index.html",
                "../../",
            ),
            (
                Route::TagYear(&fraud, 2020),
                "tags/fraud/2020/",
                "tags/fraud/2020/index.html",
                "../../../",
            ),
            (
                Route::Corrections,
                "corrections/",
                "corrections/index.html",
                "../",
            ),
            (
                Route::CorrectionsFeed(FeedFormat::Json),
                "corrections/feed.json",
                "corrections/feed.json",
                "../",
            ),
            (
                Route::CorrectionsFeed(FeedFormat::Atom),
                "corrections/feed.xml",
                "corrections/feed.xml",
                "../",
            ),
            (Route::Data(2020), "data/2020.csv", "data/2020.csv", "../"),
            (
                Route::DataReadme,
                "data/README.txt",
                "data/README.txt",
                "../",
            ),
            (
                Route::Feed(FeedScope::Site, FeedFormat::Json),
                "feed.json",
                "feed.json",
                "./",
            ),
            (
                Route::Feed(FeedScope::Site, FeedFormat::Atom),
                "feed.xml",
                "feed.xml",
                "./",
            ),
            (Route::Sitemap, "sitemap.xml", "sitemap.xml", "./"),
            (
                Route::SitemapPart(SitemapPart {
                    group: SitemapGroup::Pages,
                    chunk: 0,
                }),
                "sitemap-pages.xml",
                "sitemap-pages.xml",
                "./",
            ),
            (
                Route::SitemapPart(SitemapPart {
                    group: SitemapGroup::Releases(2020),
                    chunk: 1,
                }),
                "sitemap-releases-2020-2.xml",
                "sitemap-releases-2020-2.xml",
                "./",
            ),
            (Route::Robots, "robots.txt", "robots.txt", "./"),
            (Route::Search, "search/", "search/index.html", "../"),
            (Route::NotFound, "404.html", "404.html", "./"),
            (Route::NoJekyll, ".nojekyll", ".nojekyll", "./"),
            (
                Route::HighlightCss,
                "static/highlight.css",
                "static/highlight.css",
                "../",
            ),
            (
                Route::Static("style.css"),
                "static/style.css",
                "static/style.css",
                "../",
            ),
        ];
        let mut paths = std::collections::HashSet::new();
        for (route, url, path, root) in table {
            assert_eq!(route.url(), url, "{route:?}");
            assert_eq!(route.path(), path, "{route:?}");
            assert_eq!(route.root(), root, "{route:?}");
            assert!(paths.insert(route.path()), "{route:?} shares its path");
            let top = path.split('/').next().unwrap_or_default();
            assert!(is_reserved(top), "{route:?}: {top} is not reserved");
        }
        let (root, page) = (Route::Root(".well-known/x.txt"), Route::Page("about"));
        assert_eq!(
            (root.path(), root.root()),
            (".well-known/x.txt".into(), "../".into())
        );
        assert_eq!(
            (page.url(), page.path()),
            ("about/".into(), "about/index.html".into())
        );
        assert!(!is_reserved("about") && !is_reserved("CNAME"));
    }

    #[test]
    fn a_link_from_any_page_resolves_to_its_target() {
        // root() + url() from a page, resolved against the page's own
        // folder, lands on the target's address.
        let kent = slug("Kent");
        let day = NaiveDate::from_ymd_opt(2021, 1, 9).unwrap();
        let pages = [
            Route::Home,
            Route::Area(&kent),
            Route::Day(day),
            Route::NotFound,
        ];
        let targets = [
            Route::Release("x"),
            Route::AreaYear(&kent, 2021),
            Route::Feed(FeedScope::Site, FeedFormat::Json),
        ];
        let base = url::Url::parse("https://example.org/archive/").unwrap();
        for page in pages {
            let here = base.join(&page.path()).unwrap();
            for target in targets {
                let link = format!("{}{}", page.root(), target.url());
                let resolved = here.join(&link).unwrap();
                assert_eq!(
                    resolved,
                    base.join(&target.url()).unwrap(),
                    "{page:?} -> {target:?}"
                );
            }
        }
    }

    #[test]
    fn public_urls_are_absolute_with_a_base_url_and_root_relative_without() {
        let release = Route::Release("abc");
        let at = Location::new(Some("https://example.org/archive"));
        assert_eq!(at.url(release), "https://example.org/archive/releases/abc/");
        assert_eq!(at.base_path, "/archive/");
        let nowhere = Location::new(None);
        assert_eq!(nowhere.url(release), "/releases/abc/");
        assert_eq!(nowhere.url(Route::Home), "/");
    }
}
