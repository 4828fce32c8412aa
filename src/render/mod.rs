//! Stage 4, render: the archive and a theme become artifacts (an output
//! path and its bytes). Pure: no I/O, so every page can be tested in memory.
//!
//! Rendering is split into a plan of cheap [`Job`]s and [`Renderer::render`]
//! of one job, so the write stage can render and write in parallel without
//! holding the whole site in memory at archive scale.

pub mod body;
pub mod commentary;
mod feed;
mod route;
mod search;
pub mod theme;
mod views;

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;
use std::hash::{Hash, Hasher};

use crate::model::{Archive, Release, Tag};
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

/// Whether a page job renders its page or only fingerprints its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Render,
    Fingerprint,
}

/// What a page job produced.
enum Produced {
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
    AreaFeed(usize),
    Dates,
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
    Feed,
    NotFound,
    Tags,
    Tag(usize),
    Static(usize),
    HighlightCss,
    NoJekyll,
    SearchPage,
    SearchFile(usize),
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
    /// Per area: year -> release indices, newest first.
    area_years: Vec<BTreeMap<i32, Vec<usize>>>,
    /// Ids of the releases in the site, for cross-references.
    ids: rustc_hash::FxHashSet<&'a str>,
    calendar: Calendar,
    search: Option<&'a crate::search::SearchIndex>,
}

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
        let (items, (ids, (area_years, calendar))) = rayon::join(
            || {
                (archive.releases.par_iter())
                    .map(|r| ReleaseItem::new(r, archive))
                    .collect()
            },
            || {
                rayon::join(
                    || archive.releases.iter().map(|r| r.id.as_str()).collect(),
                    || (Self::area_years(archive), Self::calendar(archive)),
                )
            },
        );
        Renderer {
            archive,
            bodies,
            theme,
            location,
            items,
            area_years,
            ids,
            calendar,
            search: None,
        }
    }

    /// Per area: year -> release indices, newest first.
    fn area_years(archive: &Archive) -> Vec<BTreeMap<i32, Vec<usize>>> {
        archive
            .areas
            .iter()
            .map(|area| {
                let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
                for &i in &area.releases {
                    years
                        .entry(archive.releases[i].published.year())
                        .or_default()
                        .push(i);
                }
                years
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

    /// Every file of the site, in a fixed order.
    pub fn plan(&self) -> Vec<Job> {
        let mut jobs = vec![
            Job::Home,
            Job::Areas,
            Job::Dates,
            Job::Feed,
            Job::NotFound,
            Job::NoJekyll,
            Job::Tags,
            Job::HighlightCss,
        ];
        jobs.extend((0..self.archive.tags.len()).map(Job::Tag));
        jobs.extend((0..self.archive.releases.len()).map(Job::Release));
        for (a, years) in self.area_years.iter().enumerate() {
            jobs.push(Job::Area(a));
            jobs.push(Job::AreaFeed(a));
            jobs.extend(years.keys().map(|&y| Job::AreaYear(a, y)));
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
    /// for feeds and static files, which are always produced.
    pub fn fingerprint(&self, job: Job) -> Option<Result<(String, u64)>> {
        if matches!(
            job,
            Job::Static(_) | Job::NoJekyll | Job::HighlightCss | Job::SearchFile(_)
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

    fn produce(&self, job: Job, mode: Mode) -> Result<Produced> {
        let page = |artifact: Result<Artifact>| artifact.map(Produced::Page);
        match job {
            Job::Home => self.home(mode),
            Job::Release(i) => self.release(i, mode),
            Job::Areas => self.areas(mode),
            Job::Area(a) => self.area(a, mode),
            Job::AreaYear(a, y) => self.area_year(a, y, mode),
            Job::AreaFeed(a) => {
                let area = &self.archive.areas[a];
                let title = format!("{}: {}", self.archive.config.title, area.name);
                let (feed, home) = (Route::AreaFeed(&area.slug), Route::Area(&area.slug));
                self.feed(feed, &title, home, &area.releases, mode)
            }
            Job::Dates => self.dates(mode),
            Job::Year(y) => self.year(y, mode),
            Job::Month(y, m) => self.month(y, m, mode),
            Job::Day(d) => self.day(d, mode),
            Job::Feed => {
                let all: Vec<usize> = (0..self.archive.releases.len()).collect();
                self.feed(
                    Route::SiteFeed,
                    &self.archive.config.title,
                    Route::Home,
                    &all,
                    mode,
                )
            }
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
                bytes: commentary::stylesheet().into_bytes(),
                fingerprint: None,
            })),
            Job::Tags => self.tags(mode),
            Job::Tag(t) => self.tag(t, mode),
            Job::SearchPage | Job::SearchFile(_) => self.search_job(job, mode),
        }
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
    /// site works at any subpath.
    fn site(&self, route: Route) -> SiteView<'a> {
        SiteView::new(&self.archive.config, route.root(), self.location.clone())
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

    fn home(&self, mode: Mode) -> Result<Produced> {
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

    fn release(&self, i: usize, mode: Mode) -> Result<Produced> {
        let release: &Release = &self.archive.releases[i];
        let item = &self.items[i];
        let route = Route::Release(release.id.as_str());
        let path = route.path();
        let area = &self.archive.areas[release.area];
        // An area's releases are in archive order (newest first, ascending
        // indices), so the release is found by binary search.
        let position = area.releases.binary_search(&i).unwrap_or(0);
        let older = area.releases.get(position + 1).map(|&r| &self.items[r]);
        let newer = position
            .checked_sub(1)
            .and_then(|p| area.releases.get(p))
            .map(|&r| &self.items[r]);
        // A release page's fingerprint is taken from its parts' hashes, not
        // from a view: there are as many release pages as releases, and a
        // rebuild fingerprints them all. The parts: the items it shows (the
        // release itself, its neighbours, its related releases), its tags,
        // and what the release adds beyond its item (`release_inputs`).
        // Everything else its view holds is site-wide (settings, base URL,
        // theme), and those are part of the build key.
        let tags: Vec<&Tag> = release
            .tags
            .iter()
            .map(|&t| &self.archive.tags[t])
            .collect();
        let related = self.list(&release.related);
        let fingerprint = fingerprint(&(
            "release.html",
            item,
            older,
            newer,
            tags.iter().map(|t| (&t.name, &t.slug)).collect::<Vec<_>>(),
            &related,
            self.release_inputs(i),
        ));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let built = |id: &str| self.ids.contains(id);
        let view = ReleaseView {
            site: self.site(route),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to(&area.name, Route::Area(&area.slug)),
                Crumb::here(&release.title),
            ],
            release: item,
            description: release.description.as_deref(),
            source_url: release.source_url.as_deref(),
            permalink: self.location.url(route),
            older,
            newer,
            tags: tags
                .iter()
                .map(|tag| Link {
                    label: tag.name.clone(),
                    url: Route::Tag(&tag.slug).url(),
                })
                .collect(),
            related,
            corrections: corrections(release, RELEASE_ROOT, &built),
            notes: notes(release, RELEASE_ROOT, &built),
            commentary_html: release
                .annotation
                .as_ref()
                .map(|a| commentary::to_html(&a.commentary, RELEASE_ROOT, "c-", &built))
                .unwrap_or_default(),
            body_html: body::to_html_marked(&self.bodies.body(release)?, &release.note_ranges()),
        };
        self.render_page("release.html", path, &view, fingerprint)
            .map(Produced::Page)
    }

    fn tags(&self, mode: Mode) -> Result<Produced> {
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
        let view = CountsView {
            site: self.site(Route::Tags),
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here("Tags")],
            heading: "Tags".into(),
            entries: tags,
        };
        self.page("tags.html", Route::Tags, &view, mode)
    }

    fn tag(&self, t: usize, mode: Mode) -> Result<Produced> {
        let tag = &self.archive.tags[t];
        let route = Route::Tag(&tag.slug);
        let groups = group_by(self.list(&tag.releases), |item| item.year.to_string());
        let view = ListView {
            site: self.site(route),
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

    fn areas(&self, mode: Mode) -> Result<Produced> {
        let view = CountsView {
            site: self.site(Route::Areas),
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here("Areas")],
            heading: "Areas".into(),
            entries: self.area_counts(),
        };
        self.page("areas.html", Route::Areas, &view, mode)
    }

    fn area(&self, a: usize, mode: Mode) -> Result<Produced> {
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
            site: self.site(route),
            crumbs: vec![
                Crumb::to("Home", Route::Home),
                Crumb::to("Areas", Route::Areas),
                Crumb::here(&area.name),
            ],
            name: &area.name,
            feed_url: Route::AreaFeed(&area.slug).url(),
            count: area.releases.len(),
            years,
            latest: self.latest(&area.releases),
        };
        self.page("area.html", route, &view, mode)
    }

    fn area_year(&self, a: usize, year: i32, mode: Mode) -> Result<Produced> {
        let area = &self.archive.areas[a];
        let route = Route::AreaYear(&area.slug, year);
        let releases = self.area_years[a]
            .get(&year)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let view = ListView {
            site: self.site(route),
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

    fn dates(&self, mode: Mode) -> Result<Produced> {
        let view = CountsView {
            site: self.site(Route::Dates),
            crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here("Dates")],
            heading: "Dates".into(),
            entries: self.year_counts(),
        };
        self.page("dates.html", Route::Dates, &view, mode)
    }

    fn year(&self, year: i32, mode: Mode) -> Result<Produced> {
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

    fn month(&self, year: i32, month: u32, mode: Mode) -> Result<Produced> {
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

    fn day(&self, date: NaiveDate, mode: Mode) -> Result<Produced> {
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

    fn not_found(&self, mode: Mode) -> Result<Produced> {
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

    fn feed(
        &self,
        route: Route,
        title: &str,
        home: Route,
        releases: &[usize],
        mode: Mode,
    ) -> Result<Produced> {
        let path = route.path();
        let chosen = &releases[..releases.len().min(self.archive.config.feed_size)];
        let inputs: Vec<u64> = chosen.iter().map(|&i| self.release_inputs(i)).collect();
        let fingerprint = fingerprint(&("feed", &path, title, home.url(), inputs));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let entries = chosen
            .iter()
            .map(|&i| self.feed_entry(&self.archive.releases[i]))
            .collect::<Result<_>>()?;

        let bytes = feed::json_feed(
            &self.archive.config,
            &self.location,
            route,
            title,
            home,
            entries,
        )?;
        Ok(Produced::Page(Artifact {
            path,
            bytes,
            fingerprint: Some(fingerprint),
        }))
    }

    /// Everything a release contributes to a page beyond its listing item:
    /// the release as modelled (with its body's hash and its sidecar's
    /// markdown), the names of its area and tags, and whether each of its
    /// cross-references leads to a page (a link renders differently once
    /// its target is gone).
    fn release_inputs(&self, i: usize) -> u64 {
        let release = &self.archive.releases[i];
        let area = &self.archive.areas[release.area].name;
        let tags: Vec<&str> = release
            .tags
            .iter()
            .map(|&t| self.archive.tags[t].name.as_str())
            .collect();
        let links: Vec<bool> = release
            .annotation
            .iter()
            .flat_map(|a| &a.links)
            .map(|l| self.ids.contains(l.value.as_str()))
            .collect();
        fingerprint(&(release.digest, area, tags, links))
    }

    /// A release's feed HTML: corrections, the release text, then the
    /// commentary, set apart so a feed reader shows whose words are whose.
    /// Links in it are absolute (a feed has no page to be relative to).
    fn feed_entry<'r>(&self, release: &'r Release) -> Result<feed::Entry<'r>> {
        let root = self.location.url(Route::Home);
        let mut html = String::new();
        for c in corrections(release, &root, &|id| self.ids.contains(id)) {
            html.push_str(&format!(
                "<p><strong>Correction, {}:</strong></p>\n{}",
                c.date_text, c.html
            ));
        }
        let page = self.location.url(Route::Release(release.id.as_str()));
        let text = self.bodies.body(release)?;
        feed::push_capped(
            &mut html,
            &text,
            &page,
            "Read the full release",
            body::to_html,
        );
        if let Some(a) = release.annotation.as_ref().filter(|a| a.is_visible()) {
            html.push_str("<hr>\n<p><strong>Archive commentary</strong> (not part of the original release):</p>\n");
            feed::push_capped(
                &mut html,
                &a.commentary,
                &page,
                "Read the full commentary",
                |md| commentary::to_html(md, &root, "c-", &|id| self.ids.contains(id)),
            );
            for n in notes(release, &root, &|id| self.ids.contains(id)) {
                html.push_str(&format!(
                    "<blockquote><p>{}</p></blockquote>\n{}",
                    body::escape(&n.quote),
                    n.html
                ));
            }
        }
        let mut tags = vec![self.archive.areas[release.area].name.clone()];
        tags.extend(
            release
                .tags
                .iter()
                .map(|&t| self.archive.tags[t].name.clone()),
        );
        Ok(feed::Entry {
            release,
            content_html: feed::fit_item(html, &text, &page, body::to_html),
            tags,
        })
    }
}

/// Release pages live at `releases/<id>/index.html`: two folders deep.
const RELEASE_ROOT: &str = "../../";

fn corrections(release: &Release, root: &str, built: &dyn Fn(&str) -> bool) -> Vec<CorrectionView> {
    release
        .annotation
        .iter()
        .flat_map(|a| &a.corrections)
        .map(|c| CorrectionView {
            date_text: format!(
                "{} {} {}",
                c.date.day(),
                month_name(c.date.month()),
                c.date.year()
            ),
            datetime: c.date.format("%Y-%m-%d").to_string(),
            html: commentary::to_html(&c.text, root, "corr-", built),
        })
        .collect()
}

fn notes(release: &Release, root: &str, built: &dyn Fn(&str) -> bool) -> Vec<NoteView> {
    release
        .annotation
        .iter()
        .flat_map(|a| &a.notes)
        .enumerate()
        .map(|(i, n)| NoteView {
            number: i + 1,
            quote: n.quote.clone(),
            html: commentary::to_html(&n.text, root, &format!("n{}-", i + 1), built),
        })
        .collect()
}

/// A page input's fingerprint: std's SipHash with its fixed keys, so it is
/// the same on every run of a blotter binary. (A new Rust release may
/// change it; the next build then renders every page once.)
pub fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
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
