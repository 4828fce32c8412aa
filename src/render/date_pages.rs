//! The date pages: every year, a year's months, a month as a calendar, a
//! day's releases by force; each with links to its neighbours that have
//! releases.

use std::ops::Bound::{Excluded, Unbounded};

use anyhow::Result;
use chrono::{Datelike, NaiveDate};

use super::plan::{Mode, Produced};
use super::views::*;
use super::{month_name, Renderer, Route};

impl<'a> Renderer<'a> {
    pub(super) fn dates(&self, mode: Mode) -> Result<Produced> {
        let years = self.year_counts();
        self.top_index("dates.html", Route::Dates, "Dates", years, mode)
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
        let step = |y: &i32| Link {
            label: y.to_string().into(),
            url: Route::Year(*y),
        };
        let pager = Pager {
            unit: "year",
            prev: self
                .calendar
                .range(..year)
                .next_back()
                .map(|(y, _)| step(y)),
            next: (self.calendar.range((Excluded(year), Unbounded)))
                .next()
                .map(|(y, _)| step(y)),
        };
        let view = CountsView {
            site: self.site(route, &year.to_string()),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Dates", Route::Dates),
                Crumb::here(year.to_string()),
            ],
            heading: year.to_string(),
            entries: months,
            pager: Some(pager),
        };
        self.page("year.html", route, &view, mode)
    }

    pub(super) fn month(&self, year: i32, month: u32, mode: Mode) -> Result<Produced> {
        let route = Route::Month(year, month);
        let heading = format!("{} {year}", month_name(month));
        let days = self.calendar.get(&year).and_then(|m| m.get(&month));
        let count = days.map_or(0, |d| d.values().map(Vec::len).sum());
        let view = MonthView {
            site: self.site(route, &heading),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Dates", Route::Dates),
                Crumb::to(year.to_string(), Route::Year(year)),
                Crumb::here(month_name(month)),
            ],
            heading,
            count,
            weeks: self.weeks(year, month),
            pager: Some(self.month_pager(year, month)),
        };
        self.page("month.html", route, &view, mode)
    }

    /// The month's weeks, Monday first (as British calendars are): padding
    /// cells are `None`, days without releases have no link.
    fn weeks(&self, year: i32, month: u32) -> Vec<Vec<Option<DayCell>>> {
        let days = self.calendar.get(&year).and_then(|m| m.get(&month));
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
            return Vec::new();
        };
        let mut cells: Vec<Option<DayCell>> = Vec::new();
        cells.resize_with(first.weekday().num_days_from_monday() as usize, || None);
        for date in first.iter_days().take_while(|d| d.month() == month) {
            let count = days.and_then(|d| d.get(&date.day())).map_or(0, Vec::len);
            cells.push(Some(DayCell {
                day: date.day(),
                url: (count > 0).then(|| Route::Day(date).url()),
                count,
            }));
        }
        cells.resize_with(cells.len().div_ceil(7) * 7, || None);
        let mut weeks = Vec::new();
        while !cells.is_empty() {
            let rest = cells.split_off(7.min(cells.len()));
            weeks.push(std::mem::replace(&mut cells, rest));
        }
        weeks
    }

    /// The nearest months with releases before and after this one (a
    /// scan of every month: a few hundred at most).
    fn month_pager(&self, year: i32, month: u32) -> Pager<'_> {
        let months =
            || (self.calendar.iter()).flat_map(|(&y, months)| months.keys().map(move |&m| (y, m)));
        let step = |(y, m): (i32, u32)| Link {
            label: format!("{} {y}", month_name(m)).into(),
            url: Route::Month(y, m),
        };
        Pager {
            unit: "month",
            prev: months().rfind(|&k| k < (year, month)).map(step),
            next: months().find(|&k| k > (year, month)).map(step),
        }
    }

    pub(super) fn day(&self, date: NaiveDate, mode: Mode) -> Result<Produced> {
        let (y, m, d) = (date.year(), date.month(), date.day());
        let route = Route::Day(date);
        let releases = self.archive.days.get(&date).map_or(&[][..], Vec::as_slice);
        let heading = format!("{d} {} {y}", month_name(m));
        let step = |day: &NaiveDate| Link {
            label: super::long_date(*day).into(),
            url: Route::Day(*day),
        };
        let pager = Pager {
            unit: "day",
            prev: self
                .archive
                .days
                .range(..date)
                .next_back()
                .map(|(d, _)| step(d)),
            next: (self.archive.days.range((Excluded(date), Unbounded)))
                .next()
                .map(|(d, _)| step(d)),
        };
        let view = ListView {
            site: self.site(route, &heading),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Dates", Route::Dates),
                Crumb::to(y.to_string(), Route::Year(y)),
                Crumb::to(month_name(m), Route::Month(y, m)),
                Crumb::here(d.to_string()),
            ],
            heading,
            groups: self.by_force(releases),
            count: releases.len(),
            pager: Some(pager),
        };
        self.page("day.html", route, &view, mode)
    }

    /// A day's releases under a heading per force, forces in the order of
    /// the areas index (by name), each force's newest first.
    fn by_force(&self, releases: &[usize]) -> Vec<Group<'_, 'a>> {
        let area_of = |i: usize| self.archive.releases[i].area;
        let mut sorted = releases.to_vec();
        // Stable: archive order (newest first) within a force.
        sorted.sort_by_key(|&i| area_of(i));
        let mut groups: Vec<(usize, Group)> = Vec::new();
        for i in sorted {
            match groups.last_mut() {
                Some((area, group)) if *area == area_of(i) => group.releases.push(&self.items[i]),
                _ => groups.push((
                    area_of(i),
                    Group {
                        label: self.archive.areas[area_of(i)].name.clone(),
                        releases: vec![&self.items[i]],
                    },
                )),
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }
}
