//! The site's and each area's feed as jobs: which releases, their
//! fingerprint, and each release's entry.

use anyhow::Result;

use super::plan::{Mode, Produced};
use super::release_page::{corrections, notes};
use super::{body, commentary, feed, fingerprint, Artifact, Renderer, Route};
use crate::model::Release;

impl Renderer<'_> {
    pub(super) fn feed(
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
    pub(super) fn release_inputs(&self, i: usize) -> u64 {
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
    pub(super) fn feed_entry<'r>(&self, release: &'r Release) -> Result<feed::Entry<'r>> {
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
