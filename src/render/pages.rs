//! The listing pages: home, areas, tags, the pages under them, the
//! corrections log, the 404 page and a theme's own pages. (Date pages are
//! in `date_pages`.)

use anyhow::Result;

use super::feed_job::Of;
use super::plan::{Mode, Produced};
use super::release_page::correction_view;
use super::route::{FeedFormat, FeedScope};
use super::views::*;
use super::{group_by, group_by_month, month_name, Renderer, Route};

impl Renderer<'_> {
    pub(super) fn home(&self, mode: Mode) -> Result<Produced> {
        let all: Vec<usize> = (0..self.archive.releases.len()).collect();
        let view = HomeView {
            site: self.site(Route::Home, &self.archive.config.title),
            crumbs: vec![Crumb::here("Home")],
            latest: self.latest(&all),
            areas: self.area_counts(),
            years: self.year_counts(),
            total: all.len(),
            tags: self.archive.tags.len(),
            corrections: (self.archive.releases.iter())
                .filter_map(|r| r.annotation.as_ref())
                .map(|a| a.corrections.len())
                .sum(),
        };
        self.page("index.html", Route::Home, &view, mode)
    }

    pub(super) fn tags(&self, mode: Mode) -> Result<Produced> {
        let tags = self
            .archive
            .tags
            .iter()
            .map(|t| Count {
                label: t.name.clone(),
                url: Route::Tag(&t.slug).url(),
                count: t.releases.len(),
            })
            .collect();
        self.top_index("tags.html", Route::Tags, "Tags", tags, mode)
    }

    /// A tag's years with counts and its latest releases: like an area,
    /// its releases are listed by year so no page grows without bound.
    pub(super) fn tag(&self, t: usize, mode: Mode) -> Result<Produced> {
        let tag = &self.archive.tags[t];
        let route = Route::Tag(&tag.slug);
        let years = self.tag_years[t]
            .iter()
            .rev()
            .map(|(y, r)| Count {
                label: y.to_string(),
                url: Route::TagYear(&tag.slug, *y).url(),
                count: r.len(),
            })
            .collect();
        let view = TagView {
            site: self.site_for(route, &format!("Tagged “{}”", tag.name), Some(Of::Tag(t))),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Tags", Route::Tags),
                Crumb::here(&tag.name),
            ],
            name: &tag.name,
            count: tag.releases.len(),
            years,
            latest: self.latest(&tag.releases),
        };
        self.page("tag.html", route, &view, mode)
    }

    pub(super) fn tag_year(&self, t: usize, year: i32, mode: Mode) -> Result<Produced> {
        let tag = &self.archive.tags[t];
        let route = Route::TagYear(&tag.slug, year);
        let releases = self.tag_years[t].get(&year).map_or(&[][..], Vec::as_slice);
        let heading = format!("Tagged “{}”: {year}", tag.name);
        let view = ListView {
            site: self.site_for(route, &heading, Some(Of::Tag(t))),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Tags", Route::Tags),
                Crumb::to(&tag.name, Route::Tag(&tag.slug)),
                Crumb::here(year.to_string()),
            ],
            heading,
            groups: group_by_month(self.list(releases)),
            count: releases.len(),
            pager: None,
        };
        self.page("tag_year.html", route, &view, mode)
    }

    pub(super) fn areas(&self, mode: Mode) -> Result<Produced> {
        let areas = self.area_counts();
        self.top_index("areas.html", Route::Areas, "Areas", areas, mode)
    }

    pub(super) fn area(&self, a: usize, mode: Mode) -> Result<Produced> {
        let area = &self.archive.areas[a];
        let route = Route::Area(&area.slug);
        let years = self.area_months[a]
            .iter()
            .rev()
            .map(|(y, months)| Count {
                label: y.to_string(),
                url: Route::AreaYear(&area.slug, *y).url(),
                count: months.values().map(Vec::len).sum(),
            })
            .collect();
        let view = AreaView {
            site: self.site_for(route, &area.name, Some(Of::Area(a))),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Areas", Route::Areas),
                Crumb::here(&area.name),
            ],
            name: &area.name,
            feed_url: Route::Feed(FeedScope::Area(&area.slug), FeedFormat::Json).url(),
            count: area.releases.len(),
            years,
            latest: self.latest(&area.releases),
        };
        self.page("area.html", route, &view, mode)
    }

    /// An area's year: its months with counts. Every area's years are
    /// split by month, whatever its size, so an address's contents never
    /// depend on how many releases a force has.
    pub(super) fn area_year(&self, a: usize, year: i32, mode: Mode) -> Result<Produced> {
        let area = &self.archive.areas[a];
        let route = Route::AreaYear(&area.slug, year);
        let months = self.area_months[a].get(&year).cloned().unwrap_or_default();
        let entries = months
            .iter()
            .rev()
            .map(|(&m, releases)| Count {
                label: format!("{} {year}", month_name(m)),
                url: Route::AreaMonth(&area.slug, year, m).url(),
                count: releases.len(),
            })
            .collect();
        let heading = format!("{}: {year}", area.name);
        let view = CountsView {
            site: self.site_for(route, &heading, Some(Of::Area(a))),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Areas", Route::Areas),
                Crumb::to(&area.name, Route::Area(&area.slug)),
                Crumb::here(year.to_string()),
            ],
            heading,
            entries,
            pager: None,
        };
        self.page("area_year.html", route, &view, mode)
    }

    pub(super) fn area_month(
        &self,
        a: usize,
        year: i32,
        month: u32,
        mode: Mode,
    ) -> Result<Produced> {
        let area = &self.archive.areas[a];
        let route = Route::AreaMonth(&area.slug, year, month);
        let releases = (self.area_months[a].get(&year))
            .and_then(|months| months.get(&month))
            .map_or(&[][..], Vec::as_slice);
        let heading = format!("{}: {} {year}", area.name, month_name(month));
        let view = ListView {
            site: self.site_for(route, &heading, Some(Of::Area(a))),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Areas", Route::Areas),
                Crumb::to(&area.name, Route::Area(&area.slug)),
                Crumb::to(year.to_string(), Route::AreaYear(&area.slug, year)),
                Crumb::here(month_name(month)),
            ],
            heading,
            groups: group_by(self.list(releases), |_| String::new()),
            count: releases.len(),
            pager: None,
        };
        self.page("area_month.html", route, &view, mode)
    }

    /// A first-level index (areas, dates, tags): a heading and its counts,
    /// one crumb below Home.
    pub(super) fn top_index(
        &self,
        template: &str,
        route: Route,
        heading: &str,
        entries: Vec<Count>,
        mode: Mode,
    ) -> Result<Produced> {
        let view = CountsView {
            site: self.site(route, heading),
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here(heading)],
            heading: heading.into(),
            entries,
            pager: None,
        };
        self.page(template, route, &view, mode)
    }

    /// Every correction of the archive, newest first, naming the
    /// corrections feed for discovery.
    pub(super) fn corrections_log(&self, mode: Mode) -> Result<Produced> {
        let route = Route::Corrections;
        let built = |id: &str| self.ids.contains(id);
        let entries = (self.logged_corrections().iter())
            .map(|l| LoggedCorrection {
                correction: correction_view(l.correction, &route.root(), &built),
                release: &self.items[l.release],
                number: l.number,
            })
            .collect();
        let mut site = self.site(route, "Corrections");
        site.feeds.scope = &self.feed_links.corrections;
        let view = CorrectionsView {
            site,
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here("Corrections")],
            entries,
        };
        self.page("corrections.html", route, &view, mode)
    }

    pub(super) fn not_found(&self, mode: Mode) -> Result<Produced> {
        // GitHub Pages serves this page for a missing path at any depth, so
        // relative links would break: they are absolute from the base path.
        let mut site = self.site(Route::NotFound, "Page not found");
        site.root = std::borrow::Cow::Borrowed(&self.location.base_path);
        // The page has no address of its own to be canonical for.
        if let MetaView::Page(meta) = &mut site.meta {
            meta.url = None;
        }
        let view = NotFoundView {
            site,
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::here("Page not found"),
            ],
        };
        self.page("404.html", Route::NotFound, &view, mode)
    }

    /// A page of the theme's own: the site's values and its crumbs, so
    /// its template can extend `base.html`.
    pub(super) fn theme_page(&self, i: usize, mode: Mode) -> Result<Produced> {
        let name = &self.theme.pages[i];
        let route = Route::Page(name);
        let title = super::theme_extras::page_title(name);
        let view = ThemePageView {
            site: self.site(route, &title),
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here(title.as_str())],
            name,
            title: &title,
        };
        self.page(&format!("{name}.html"), route, &view, mode)
    }
}
