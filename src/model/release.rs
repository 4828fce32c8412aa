//! The model's types: a release, its annotation, and the archive with its
//! areas, days and tags.

use std::collections::BTreeMap;

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::dates::{self, ReleaseDate};
use super::{annotate, ReleaseId, Slug};
use crate::config::SiteConfig;
use crate::parse::Spanned;

/// One release, ready to render. Serialisable so a rebuild can take it
/// from the parse cache instead of reading and resolving its file again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Release {
    pub id: ReleaseId,
    /// The release file. Not in the parse cache: it is the unit's path,
    /// set from it when the model is assembled.
    #[serde(skip)]
    pub path: PathBuf,
    pub title: String,
    pub date: ReleaseDate,
    /// The moment in the site's zone (local midnight for a bare date).
    #[serde(with = "dates::moment")]
    pub published: DateTime<FixedOffset>,
    /// Index into `Archive::areas`.
    pub area: usize,
    /// The original page, when the release gives an http(s) URL.
    pub source_url: Option<String>,
    pub description: Option<String>,
    /// Where the body sits in the file's normalised text: the model keeps
    /// no release text (at archive scale it would be most of its size);
    /// rendering reads it again from `path` (see `render::Bodies`).
    pub body_range: std::ops::Range<usize>,
    /// Hash of the body, for page fingerprints.
    pub body_hash: u64,
    /// The body's first paragraph, shortened, for a release without a
    /// description (empty for one with, where it would never show): see
    /// [`Release::teaser`].
    pub summary: String,
    pub body_line: usize,
    /// Boxed: most releases have none, and releases are moved in bulk.
    pub annotation: Option<Box<Annotation>>,
    /// Indices into `Archive::tags`, in the order the sidecar lists them.
    pub tags: Vec<usize>,
    /// Indices into `Archive::releases` of related releases, either
    /// direction, newest first.
    pub related: Vec<usize>,
    /// Hash of what the release is by itself (see [`Release::digest_now`]):
    /// page fingerprints hash this instead of the release's text, and it
    /// is cached with the release, so a rebuild hashes no text at all.
    pub digest: u64,
    /// Hash of what a listing shows of the release (see
    /// [`Release::listing_digest_now`]): listing pages hash this, so an
    /// edit of its commentary, notes or tags re-renders its own page and
    /// feeds but not every day, year, area and tag page that lists it.
    pub listing_digest: u64,
}

/// What a maintainer's sidecar adds to a release.
#[derive(Debug, Clone, Default, Hash, Serialize, Deserialize)]
pub struct Annotation {
    pub path: PathBuf,
    /// Markdown commentary (may be empty).
    pub commentary: String,
    pub commentary_line: usize,
    pub corrections: Vec<annotate::Correction>,
    /// Sorted by position in the body.
    pub notes: Vec<annotate::Note>,
    pub tags: Vec<Spanned<String>>,
    pub related: Vec<Spanned<String>>,
    /// Every `release:<id>` link in the commentary, notes and corrections,
    /// with its line: for the cross-reference check, and for page
    /// fingerprints (a link renders differently once its target is gone).
    pub links: Vec<Spanned<String>>,
}

impl Annotation {
    /// Whether the sidecar adds anything a reader sees (a sidecar with only
    /// overrides does not make a release "annotated").
    pub fn is_visible(&self) -> bool {
        !self.commentary.trim().is_empty() || !self.notes.is_empty() || !self.corrections.is_empty()
    }
}

impl Release {
    /// Hash of every field except the body text (`body_hash` stands for
    /// it) and what `index` assigns across releases (area, tags, related),
    /// which pages hash from the archive instead. The destructuring is
    /// exhaustive so that a new field cannot be left out by mistake.
    pub fn digest_now(&self) -> u64 {
        let Release {
            id,
            path,
            title,
            date,
            published,
            area: _,
            source_url,
            description,
            body_range,
            body_hash,
            summary,
            body_line,
            annotation,
            tags: _,
            related: _,
            digest: _,
            listing_digest: _,
        } = self;
        crate::hash::fingerprint(&(
            id,
            path,
            title,
            date,
            published,
            source_url,
            description,
            body_range,
            body_hash,
            summary,
            body_line,
            annotation,
        ))
    }

    /// Hash of everything a listed item's text is made from
    /// (`render::views::ReleaseItem::text`, but for its area, which the
    /// item hashes itself): id, title, date and moment (with its offset,
    /// which the moment's own hash leaves out), teaser, and whether it
    /// carries annotations a reader sees.
    pub fn listing_digest_now(&self) -> u64 {
        crate::hash::fingerprint(&(
            &self.id,
            &self.title,
            &self.date,
            &self.published,
            self.published.offset().local_minus_utc(),
            self.teaser(),
            self.annotation.as_ref().is_some_and(|a| a.is_visible()),
        ))
    }

    /// What listings and feeds show of the release: its description, or
    /// else its first paragraph, shortened.
    pub fn teaser(&self) -> &str {
        self.description.as_deref().unwrap_or(&self.summary)
    }

    /// The date of the release's latest correction, if it has any.
    pub fn latest_correction(&self) -> Option<NaiveDate> {
        let corrections = self.annotation.iter().flat_map(|a| &a.corrections);
        corrections.map(|c| c.date).max()
    }

    /// Byte ranges of the passage notes in the body, in body order.
    pub fn note_ranges(&self) -> Vec<std::ops::Range<usize>> {
        self.annotation
            .iter()
            .flat_map(|a| &a.notes)
            .map(|n| n.range.clone())
            .collect()
    }
}

/// A maintainer's tag and its releases.
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub slug: Slug,
    /// Indices into `Archive::releases`, newest first.
    pub releases: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Area {
    pub name: String,
    pub slug: Slug,
    /// Indices into `Archive::releases`, newest first.
    pub releases: Vec<usize>,
}

/// Everything the renderer needs, releases newest first.
#[derive(Debug)]
pub struct Archive {
    pub config: SiteConfig,
    pub releases: Vec<Release>,
    /// Sorted by name, the unknown area last.
    pub areas: Vec<Area>,
    /// Release indices by local calendar day, each newest first.
    pub days: BTreeMap<NaiveDate, Vec<usize>>,
    /// Sorted by name.
    pub tags: Vec<Tag>,
}
