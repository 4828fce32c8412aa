//! The listing pages: home, areas, dates, tags, and the pages under them.

use anyhow::Result;
use chrono::{Datelike, NaiveDate};

use super::feed_job::Of;
use super::plan::{Mode, Produced};
use super::route::{FeedFormat, FeedScope};
use super::views::*;
use super::{group_by, group_by_month, month_name, Renderer, Route};

impl Renderer<'_> {
    pub(super) fn home(&self, mode: Mode) -> Result<Produced> {
        let all: Vec<usize> = (0..self.archive.releases.len()).collect();
        let view = HomeView {
            site: self.site(Route::Home),
            crumbs: vec![],
            latest: self.latest(&all),
            areas: self.area_counts(),
            years: self.year_counts(),
            total: all.len(),
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

    pub(super) fn tag(&self, t: usize, mode: Mode) -> Result<Produced> {
        let tag = &self.archive.tags[t];
        let route = Route::Tag(&tag.slug);
        let groups = group_by(self.list(&tag.releases), |item| item.year.to_string());
        let view = ListView {
            site: self.site_with(route, Of::Tag(t)),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Tags", Route::Tags),
                Crumb::here(&tag.name),
            ],
            heading: format!("Tagged “{}”", tag.name),
            groups,
            count: tag.releases.len(),
        };
        self.page("tag.html", route, &view, mode)
    }

    pub(super) fn areas(&self, mode: Mode) -> Result<Produced> {
        let areas = self.area_counts();
        self.top_index("areas.html", Route::Areas, "Areas", areas, mode)
    }

    pub(super) fn area(&self, a: usize, mode: Mode) -> Result<Produced> {
        let area = &self.archive.areas[a];
        let route = Route::Area(&area.slug);
        let years = self.area_years[a]
            .iter()
            .rev()
            .map(|(y, r)| Count {
                label: y.to_string(),
                url: Route::AreaYear(&area.slug, *y).url(),
                count: r.len(),
            })
            .collect();
        let view = AreaView {
            site: self.site_with(route, Of::Area(a)),
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

    pub(super) fn area_year(&self, a: usize, year: i32, mode: Mode) -> Result<Produced> {
        let area = &self.archive.areas[a];
        let route = Route::AreaYear(&area.slug, year);
        let releases = self.area_years[a]
            .get(&year)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let view = ListView {
            site: self.site_with(route, Of::Area(a)),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Areas", Route::Areas),
                Crumb::to(&area.name, Route::Area(&area.slug)),
                Crumb::here(&year.to_string()),
            ],
            heading: format!("{}: {year}", area.name),
            groups: group_by_month(self.list(releases)),
            count: releases.len(),
        };
        self.page("area_year.html", route, &view, mode)
    }

    pub(super) fn dates(&self, mode: Mode) -> Result<Produced> {
        let years = self.year_counts();
        self.top_index("dates.html", Route::Dates, "Dates", years, mode)
    }

    /// A first-level index (areas, dates, tags): a heading and its counts,
    /// one crumb below Home.
    fn top_index(
        &self,
        template: &str,
        route: Route,
        heading: &str,
        entries: Vec<Count>,
        mode: Mode,
    ) -> Result<Produced> {
        let view = CountsView {
            site: self.site(route),
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here(heading)],
            heading: heading.into(),
            entries,
        };
        self.page(template, route, &view, mode)
    }

    pub(super) fn year(&self, year: i32, mode: Mode) -> Result<Produced> {
        let route = Route::Year(year);
        let months = self.calendar.get(&year).cloned().unwrap_or_default();
        let months = months
            .iter()
            .map(|(m, days)| Count {
                label: month_name(*m).to_string(),
                url: Route::Month(year, *m).url(),
                count: days.values().map(Vec::len).sum(),
            })
            .collect();
        let view = CountsView {
            site: self.site(route),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Dates", Route::Dates),
                Crumb::here(&year.to_string()),
            ],
            heading: year.to_string(),
            entries: months,
        };
        self.page("year.html", route, &view, mode)
    }

    pub(super) fn month(&self, year: i32, month: u32, mode: Mode) -> Result<Produced> {
        let route = Route::Month(year, month);
        let days = self
            .calendar
            .get(&year)
            .and_then(|m| m.get(&month))
            .cloned()
            .unwrap_or_default();
        let entries = days
            .iter()
            .filter_map(|(&d, r)| {
                Some(Count {
                    label: format!("{d} {}", month_name(month)),
                    url: Route::Day(NaiveDate::from_ymd_opt(year, month, d)?).url(),
                    count: r.len(),
                })
            })
            .collect();
        let view = CountsView {
            site: self.site(route),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Dates", Route::Dates),
                Crumb::to(&year.to_string(), Route::Year(year)),
                Crumb::here(month_name(month)),
            ],
            heading: format!("{} {year}", month_name(month)),
            entries,
        };
        self.page("month.html", route, &view, mode)
    }

    pub(super) fn day(&self, date: NaiveDate, mode: Mode) -> Result<Produced> {
        let (y, m, d) = (date.year(), date.month(), date.day());
        let route = Route::Day(date);
        let releases = self
            .archive
            .days
            .get(&date)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let view = ListView {
            site: self.site(route),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Dates", Route::Dates),
                Crumb::to(&y.to_string(), Route::Year(y)),
                Crumb::to(month_name(m), Route::Month(y, m)),
                Crumb::here(&d.to_string()),
            ],
            heading: format!("{d} {} {y}", month_name(m)),
            groups: vec![Group {
                label: String::new(),
                releases: self.list(releases),
            }],
            count: releases.len(),
        };
        self.page("day.html", route, &view, mode)
    }

    pub(super) fn not_found(&self, mode: Mode) -> Result<Produced> {
        // GitHub Pages serves this page for a missing path at any depth, so
        // relative links would break: they are absolute from the base path.
        let mut site = self.site(Route::NotFound);
        site.root = self.location.base_path.clone();
        let view = NotFoundView {
            site,
            crumbs: vec![],
        };
        self.page("404.html", Route::NotFound, &view, mode)
    }
}
