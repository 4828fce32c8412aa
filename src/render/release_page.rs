//! The release page.

use anyhow::Result;
use chrono::Datelike;

use super::feed_job::Of;
use super::plan::{Mode, Produced};
use super::views::*;
use super::{body, commentary, fingerprint, month_name, Renderer, Route};
use crate::model::{Release, Tag};

impl Renderer<'_> {
    pub(super) fn release(&self, i: usize, mode: Mode) -> Result<Produced> {
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
            site: self.site_with(route, Of::Area(release.area)),
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
