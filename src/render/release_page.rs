//! The release page.

use std::hash::Hash;

use anyhow::Result;
use rustc_hash::FxHashSet;
use serde::ser::Error as _;
use serde::Serialize;

use super::feed_job::Of;
use super::meta::ReleaseMeta;
use super::plan::{Mode, Produced};
use super::views::*;
use super::{body, commentary, long_date, Bodies, Renderer, Route};
use crate::model::annotate::Correction;
use crate::model::{Area, Release, Tag};

impl Renderer<'_> {
    /// The release page. Its fingerprint is its view's hash, like every
    /// page's: what the page shows is what is hashed. The costly parts (the
    /// release text and the sidecar's markdown as HTML, the sharing
    /// metadata) are deferred views that hash what they are made from and
    /// are made only when the page is rendered.
    pub(super) fn release(&self, i: usize, mode: Mode) -> Result<Produced> {
        let release: &Release = &self.archive.releases[i];
        let item = &self.items[i];
        let route = Route::Release(release.id.as_str());
        let area = &self.archive.areas[release.area];
        // An area's releases are in archive order (newest first, ascending
        // indices), so the release is found by binary search.
        let position = area.releases.binary_search(&i).unwrap_or(0);
        let older = area.releases.get(position + 1).map(|&r| &self.items[r]);
        let newer = position
            .checked_sub(1)
            .and_then(|p| area.releases.get(p))
            .map(|&r| &self.items[r]);
        let tags: Vec<&Tag> = (release.tags.iter())
            .map(|&t| &self.archive.tags[t])
            .collect();
        let meta = ReleaseMeta {
            item,
            release,
            area,
            tags: tags.iter().map(|t| t.name.as_str()).collect(),
            location: &self.location,
        };
        let view = ReleaseView {
            site: self.site_with(route, MetaView::Release(meta), Some(Of::Area(release.area))),
            crumbs: crumbs(release, area),
            release: item,
            description: OfRelease::new(release, release.description.as_deref()),
            source_url: OfRelease::new(release, release.source_url.as_deref()),
            source_host: OfRelease::new(release, SourceHost(release.source_url.as_deref())),
            wayback_url: OfRelease::new(
                release,
                Wayback((release.source_url.as_deref()).map(|url| (url, release.published))),
            ),
            day_url: Route::Day(release.published.date_naive()),
            permalink: PublicUrl {
                location: &self.location,
                route,
            },
            older,
            newer,
            tags: (tags.iter())
                .map(|tag| Link {
                    label: tag.name.as_str().into(),
                    url: Route::Tag(&tag.slug),
                })
                .collect(),
            related: self.list(&release.related),
            annotation: AnnotationHtml {
                release,
                ids: &self.ids,
            },
            body_html: BodyHtml {
                release,
                bodies: self.bodies,
            },
        };
        self.page("release.html", route, &view, mode)
    }
}

/// A release page's breadcrumbs, which its `BreadcrumbList` repeats.
pub(super) fn crumbs<'a>(release: &'a Release, area: &'a Area) -> Vec<Crumb<'a>> {
    vec![
        Crumb::to("Home", Route::Home),
        Crumb::to("Areas", Route::Areas),
        Crumb::to(&area.name, Route::Area(&area.slug)),
        Crumb::here(&release.title),
    ]
}

/// The release text as HTML, its passages marked: made when the page is
/// rendered.
pub(super) struct BodyHtml<'a> {
    release: &'a Release,
    bodies: &'a dyn Bodies,
}

/// Hashed as the release's digest, which covers the text's hash and the
/// notes that mark it.
impl Hash for BodyHtml<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.release.digest.hash(state);
    }
}

impl Serialize for BodyHtml<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let body =
            (self.bodies.body(self.release)).map_err(|e| S::Error::custom(format!("{e:#}")))?;
        serializer.serialize_str(&body::to_html_marked(&body, &self.release.note_ranges()))
    }
}

/// The sidecar's corrections, notes and commentary as HTML (the view's
/// `corrections`, `notes` and `commentary_html`): made when the page is
/// rendered. A link renders differently once its target is gone.
pub(super) struct AnnotationHtml<'a> {
    release: &'a Release,
    ids: &'a FxHashSet<&'a str>,
}

impl Hash for AnnotationHtml<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Some(annotation) = &self.release.annotation else {
            return;
        };
        (
            &annotation.commentary,
            &annotation.corrections,
            &annotation.notes,
        )
            .hash(state);
        for link in &annotation.links {
            self.ids.contains(link.value.as_str()).hash(state);
        }
    }
}

impl Serialize for AnnotationHtml<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let built = |id: &str| self.ids.contains(id);
        let commentary = (self.release.annotation.as_ref())
            .map(|a| commentary::to_html(&a.commentary, RELEASE_ROOT, "c-", &built))
            .unwrap_or_default();
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry(
            "corrections",
            &corrections(self.release, RELEASE_ROOT, &built),
        )?;
        map.serialize_entry("notes", &notes(self.release, RELEASE_ROOT, &built))?;
        map.serialize_entry("commentary_html", &commentary)?;
        map.end()
    }
}

/// Release pages live at `releases/<id>/index.html`: two folders deep.
pub(super) const RELEASE_ROOT: &str = "../../";

pub(super) fn corrections(
    release: &Release,
    root: &str,
    built: &dyn Fn(&str) -> bool,
) -> Vec<CorrectionView> {
    release
        .annotation
        .iter()
        .flat_map(|a| &a.corrections)
        .map(|c| correction_view(c, root, built))
        .collect()
}

pub(super) fn correction_view(
    c: &Correction,
    root: &str,
    built: &dyn Fn(&str) -> bool,
) -> CorrectionView {
    CorrectionView {
        date_text: long_date(c.date),
        datetime: c.date.format("%Y-%m-%d").to_string(),
        html: commentary::to_html(&c.text, root, "corr-", built),
    }
}

pub(super) fn notes(release: &Release, root: &str, built: &dyn Fn(&str) -> bool) -> Vec<NoteView> {
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
