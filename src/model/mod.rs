//! Stage 3, model: raw releases and sidecars become the `Archive`: dates
//! resolved in the site's zone, titles and areas chosen by the brief's
//! precedence rules, entities decoded, ids checked for uniqueness, and
//! sidecars paired with their releases. Pure: no I/O.

pub mod annotate;
pub mod areas;
pub mod dates;
pub mod slug;

use std::collections::{BTreeMap, BTreeSet};

// Fx hashing: these maps hold every release id, and are only looked up.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::parse::{RawRelease, RawSidecar, Spanned};

use areas::AreaTable;
use dates::ReleaseDate;
pub use slug::{ReleaseId, Slug};

/// Name and slug of the area for releases nothing places.
pub const UNKNOWN_AREA: &str = "Unknown area";

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

/// A parsed release with the file it came from.
pub struct Parsed {
    pub path: PathBuf,
    pub stem: String,
    /// The release as parsed, its body moved out into `body`.
    pub raw: RawRelease,
    /// The body, kept only when a sidecar may need it (passage notes are
    /// anchored in it); otherwise dropped at once and read again when its
    /// page is rendered, so a large archive's bodies are never all in memory.
    pub body: Option<String>,
    pub body_len: usize,
    /// Hash of the body: stands in for it in page fingerprints.
    pub body_hash: u64,
    /// The body's first paragraph, shortened, when the release has no
    /// description to stand in for (empty otherwise: at archive scale a
    /// summary that never shows is tens of megabytes).
    pub summary: String,
}

impl Parsed {
    pub fn new(path: PathBuf, stem: String, mut raw: RawRelease, keep_body: bool) -> Parsed {
        let body = std::mem::take(&mut raw.body);
        Parsed {
            path,
            stem,
            summary: match raw.og_description {
                Some(_) => String::new(),
                None => crate::plain::summary(&body, 300),
            },
            body_len: body.len(),
            body_hash: crate::hash::content_hash(body.as_bytes()),
            body: keep_body.then_some(body),
            raw,
        }
    }
}

/// A parsed sidecar with the file it came from.
pub struct ParsedSidecar {
    pub path: PathBuf,
    pub raw: RawSidecar,
}

/// What reading one release (and its sidecar) produced: the unit the parse
/// cache stores, because it depends on those two files and the settings only.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UnitOutcome {
    /// The release file. Not in the parse cache: the file found on disk
    /// gives it (100,000 paths stored and decoded twice were megabytes).
    #[serde(skip)]
    pub path: PathBuf,
    /// The release's id as written (its file stem), when the release and
    /// its sidecar parsed: it then counts as present for the duplicate and
    /// cross-reference checks, even if resolving it failed.
    pub stem: Option<String>,
    /// Problems reading and parsing the files.
    pub parse_diags: Vec<Diagnostic>,
    /// The release, unless resolving it failed; its body is not kept.
    pub resolved: Option<(Release, Option<AreaChoice>)>,
    /// Problems resolving it, reported unless its id is duplicated.
    pub resolve_diags: Vec<Diagnostic>,
}

/// The settings that resolving a release depends on.
pub struct Resolver {
    table: AreaTable,
    tz: Tz,
}

impl Resolver {
    pub fn new(config: &SiteConfig) -> Resolver {
        Resolver {
            table: AreaTable::with_extra(&config.areas),
            tz: config.tz().unwrap_or(chrono_tz::Europe::London),
        }
    }

    /// One release's metadata by the brief's precedence rules, with its
    /// sidecar's additions. `None` after an error.
    pub fn resolve(
        &self,
        parsed: Parsed,
        sidecar: Option<ParsedSidecar>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(Release, Option<AreaChoice>)> {
        resolve(parsed, sidecar, &self.table, self.tz, diags)
    }
}

/// Builds the archive from every unit's outcome, with the checks that span
/// releases. The units may come in any order: what the archive keeps is
/// sorted by date and id, and messages are sorted when reported. Releases
/// with errors are left out (and reported), so `check` sees every problem
/// and `--skip-invalid` builds the rest.
pub fn assemble(
    config: SiteConfig,
    resolver: &Resolver,
    mut units: Vec<UnitOutcome>,
    diags: &mut Diagnostics,
) -> Archive {
    // The stems move out so the sets below can borrow them while the
    // units are consumed.
    let stems: Vec<Option<String>> = units.iter_mut().map(|u| u.stem.take()).collect();
    let present: Vec<(&str, &Path)> = stems
        .iter()
        .zip(&units)
        .filter_map(|(stem, u)| Some((stem.as_deref()?, u.path.as_path())))
        .collect();
    let (present, duplicates) = duplicate_ids(&present, diags);
    // Collected in place (the units' memory is reused): 100,000 releases
    // moved into fresh memory cost more in page faults than in copying.
    let resolved: Vec<(Release, Option<AreaChoice>)> = (units.into_iter().zip(&stems))
        .filter_map(|(unit, stem)| {
            diags.extend(unit.parse_diags);
            if stem.as_deref().is_some_and(|s| duplicates.contains(s)) {
                return None;
            }
            diags.extend(unit.resolve_diags);
            let (mut release, area) = unit.resolved?;
            release.path = unit.path;
            Some((release, area))
        })
        .collect();
    crate::progress::mark("model: ids checked");
    let resolved = check_cross_references(resolved, &present, diags);
    crate::progress::mark("model: links checked");
    index(config, resolved, &resolver.table)
}

/// Every id present, and those used by more than one file: each copy is
/// an error naming the others.
fn duplicate_ids<'a>(
    releases: &[(&'a str, &Path)],
    diags: &mut Diagnostics,
) -> (HashSet<&'a str>, HashSet<String>) {
    let mut seen: HashSet<&str> =
        HashSet::with_capacity_and_hasher(releases.len(), Default::default());
    let repeated: HashSet<&str> = releases
        .iter()
        .filter(|(stem, _)| !seen.insert(stem))
        .map(|&(stem, _)| stem)
        .collect();
    let mut by_id: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
    for &(stem, path) in releases.iter().filter(|(s, _)| repeated.contains(s)) {
        by_id.entry(stem).or_default().push(path);
    }
    let mut duplicated = HashSet::default();
    for (id, mut paths) in by_id.into_iter().filter(|(_, p)| p.len() > 1) {
        // Units arrive in no particular order; the message names the
        // others in path order.
        paths.sort();
        for path in &paths {
            let others: Vec<String> = paths
                .iter()
                .filter(|p| *p != path)
                .map(|p| p.display().to_string())
                .collect();
            diags.push(
                Diagnostic::error(
                    path,
                    0,
                    format!(
                        "duplicate release id `{id}`, also used by {}",
                        others.join(", ")
                    ),
                )
                .with_help("ids are file stems and must be unique across all folders"),
            );
        }
        duplicated.insert(id.to_string());
    }
    case_collisions(releases, &seen, &mut duplicated, diags);
    (seen, duplicated)
}

/// Ids that differ only by case (`Ab`, `ab`): their permalinks are one
/// folder on a case-insensitive file system (macOS, Windows), so each is
/// an error naming the others. Only an id with an upper-case letter can
/// collide, and most archives have none, so most pay one scan.
fn case_collisions(
    releases: &[(&str, &Path)],
    seen: &HashSet<&str>,
    duplicated: &mut HashSet<String>,
    diags: &mut Diagnostics,
) {
    let mut folded: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for &(stem, _) in releases {
        if stem.bytes().any(|b| b.is_ascii_uppercase()) {
            let lower = stem.to_ascii_lowercase();
            let spellings = folded.entry(lower.clone()).or_default();
            spellings.insert(stem);
            if let Some(&other) = seen.get(lower.as_str()) {
                spellings.insert(other);
            }
        }
    }
    folded.retain(|_, spellings| spellings.len() > 1);
    if folded.is_empty() {
        return;
    }
    let mut paths: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
    for &(stem, path) in releases {
        if folded.contains_key(&stem.to_ascii_lowercase()) {
            paths.entry(stem).or_default().push(path);
        }
    }
    for spellings in folded.values() {
        for &id in spellings {
            for path in paths.get(id).into_iter().flatten() {
                let others: Vec<String> = spellings
                    .iter()
                    .filter(|&&other| other != id)
                    .flat_map(|other| paths.get(other).into_iter().flatten())
                    .map(|p| p.display().to_string())
                    .collect();
                diags.push(
                    Diagnostic::error(
                        path,
                        0,
                        format!(
                            "release id `{id}` differs only by case from {}: their pages would collide on a case-insensitive file system (macOS, Windows)",
                            others.join(", ")
                        ),
                    )
                    .with_help("rename one of the files; ids are file stems"),
                );
            }
            duplicated.insert(id.to_string());
        }
    }
}

/// One release's metadata by the brief's precedence rules. `None` after
/// reporting an error.
fn resolve(
    parsed: Parsed,
    sidecar: Option<ParsedSidecar>,
    table: &AreaTable,
    tz: Tz,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Release, Option<AreaChoice>)> {
    let Parsed {
        path,
        stem,
        raw,
        body,
        body_len,
        body_hash,
        summary,
        ..
    } = parsed;
    let side = sidecar.as_ref().map(|s| &s.raw);
    // Every error of the release is reported before giving up on it.
    let mut fail = |d: Diagnostic| diags.push(d);
    let id = ReleaseId::parse(&stem)
        .map_err(|m| fail(Diagnostic::error(&path, 0, m)))
        .ok();
    let title = choose_title(&raw, side);
    if title.is_none() {
        fail(
            Diagnostic::error(&path, 1, "release has no title")
                .with_help("give a `title:` in the header or in a sidecar"),
        );
    }
    let date = resolve_date(&path, &raw, sidecar.as_ref(), &mut fail);
    let annotation = sidecar
        .as_ref()
        .map(|s| annotation(s, body.as_deref().unwrap_or(""), &mut fail));
    let (id, title, date, annotation) = (
        id?,
        title?,
        date?,
        annotation.map_or(Some(None), |a| a.map(|a| Some(Box::new(a))))?,
    );
    let (published, note) = date.localise(tz);
    let date = date.in_zone(&published);
    if let Some(note) = note {
        let line = raw.date.as_ref().map_or(0, |d| d.line);
        diags.push(Diagnostic::warning(&path, line, note));
    }
    let source_url = raw
        .url
        .as_ref()
        .or(raw.og_url.as_ref())
        .map(|u| decode(&u.value))
        .filter(|u| is_web_url(u));
    let area = choose_area(&raw, side, &title, source_url.as_deref(), table);
    if area.is_none() {
        diags.push(
            Diagnostic::warning(
                &path,
                0,
                format!("no area given or recognised; listed under \"{UNKNOWN_AREA}\""),
            )
            .with_help("add `area:` to a sidecar beside this release"),
        );
    }
    let mut release = Release {
        id,
        path,
        title,
        date,
        published,
        area: 0, // numbered by `index`
        source_url,
        description: raw.og_description.as_ref().map(|d| decode(&d.value)),
        summary,
        body_hash,
        body_range: raw.body_offset..raw.body_offset + body_len,
        body_line: raw.body_line,
        annotation,
        tags: Vec::new(),
        related: Vec::new(),
        digest: 0,
        listing_digest: 0,
    };
    release.digest = release.digest_now();
    release.listing_digest = release.listing_digest_now();
    Some((release, area))
}

/// The sidecar's additions, checked against the release body.
fn annotation(
    sidecar: &ParsedSidecar,
    body: &str,
    fail: &mut impl FnMut(Diagnostic),
) -> Option<Annotation> {
    let raw = &sidecar.raw;
    let path = &sidecar.path;
    let corrections = annotate::corrections(&raw.corrections, path)
        .map_err(|e| e.into_iter().for_each(&mut *fail));
    let notes =
        annotate::notes(&raw.notes, body, path).map_err(|e| e.into_iter().for_each(&mut *fail));
    let mut tags = Vec::new();
    for tag in &raw.tags {
        let name = collapse(&decode(&tag.value));
        if name.is_empty() {
            fail(Diagnostic::error(path, tag.line, "empty tag"));
        } else if !tags
            .iter()
            .any(|t: &Spanned<String>| Slug::from_text(&t.value) == Slug::from_text(&name))
        {
            tags.push(Spanned::new(name, tag.line));
        }
    }
    let mut links = annotate::release_links(&raw.commentary, raw.commentary_line, false);
    for (markdown, line) in raw
        .notes
        .iter()
        .map(|n| (&n.note, n.line))
        .chain(raw.corrections.iter().map(|c| (&c.text, c.line)))
    {
        links.extend(annotate::release_links(markdown, line, true));
    }
    Some(Annotation {
        path: path.clone(),
        commentary: raw.commentary.clone(),
        commentary_line: raw.commentary_line,
        corrections: corrections.ok()?,
        notes: notes.ok()?,
        tags,
        related: raw.related.clone(),
        links,
    })
}

/// `release:<id>` links and `related` ids must name releases that are in
/// the archive; a release whose sidecar names a missing one is left out.
///
/// A release that exists but has errors of its own counts as known: its
/// own errors are reported, and links to it are not errors twice over.
fn check_cross_references(
    resolved: Vec<(Release, Option<AreaChoice>)>,
    known: &HashSet<&str>,
    diags: &mut Diagnostics,
) -> Vec<(Release, Option<AreaChoice>)> {
    let mut broken = HashSet::default();
    for (release, _) in &resolved {
        let Some(a) = &release.annotation else {
            continue;
        };
        let mut found: Vec<Diagnostic> = a
            .links
            .iter()
            .filter(|link| !known.contains(link.value.as_str()))
            .map(|link| annotate::unknown_link(&a.path, link))
            .collect();
        for id in &a.related {
            if !known.contains(id.value.as_str()) {
                found.push(Diagnostic::error(
                    &a.path,
                    id.line,
                    format!("related release `{}` does not exist", id.value),
                ));
            } else if id.value == release.id.as_str() {
                found.push(Diagnostic::error(
                    &a.path,
                    id.line,
                    "a release cannot be related to itself",
                ));
            }
        }
        if !found.is_empty() {
            broken.insert(release.id.clone());
            diags.extend(found);
        }
    }
    if broken.is_empty() {
        return resolved;
    }
    resolved
        .into_iter()
        .filter(|(r, _)| !broken.contains(&r.id))
        .collect()
}

/// Where a release's area came from: a row of the table, or free text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AreaChoice {
    Known(usize),
    Named(String),
}

fn choose_title(raw: &RawRelease, side: Option<&RawSidecar>) -> Option<String> {
    let nonempty = |s: &Spanned<String>| {
        let t = collapse(&decode(&s.value));
        (!t.is_empty()).then_some(t)
    };
    side.and_then(|s| s.title.as_ref())
        .and_then(nonempty)
        .or_else(|| raw.og_title.as_ref().and_then(nonempty))
        .or_else(|| {
            raw.title
                .as_ref()
                .and_then(nonempty)
                .map(|t| strip_site_name(&t).to_string())
        })
}

/// `Title | West Mercia Police` -> `Title`: the site's name follows the last ` | `.
fn strip_site_name(title: &str) -> &str {
    match title.rfind(" | ") {
        Some(at) if at > 0 => title[..at].trim_end(),
        _ => title,
    }
}

fn resolve_date(
    path: &Path,
    raw: &RawRelease,
    sidecar: Option<&ParsedSidecar>,
    fail: &mut impl FnMut(Diagnostic),
) -> Option<ReleaseDate> {
    let (text, from) =
        match sidecar.and_then(|s| s.raw.date.as_ref().map(|d| (d, s.path.as_path()))) {
            Some((d, side_path)) => (d, side_path),
            None => match &raw.date {
                Some(d) => (d, path),
                None => {
                    fail(
                        Diagnostic::error(
                            path,
                            1,
                            "no date: no `publish.date`, date line or header date",
                        )
                        .with_help("add `date: YYYY-MM-DD` to a sidecar beside this release"),
                    );
                    return None;
                }
            },
        };
    dates::parse(&text.value)
        .map_err(|m| fail(Diagnostic::error(from, text.line, m)))
        .ok()
}

fn choose_area(
    raw: &RawRelease,
    side: Option<&RawSidecar>,
    title: &str,
    url: Option<&str>,
    table: &AreaTable,
) -> Option<AreaChoice> {
    let given = side.and_then(|s| s.area.as_ref()).or(raw.area.as_ref());
    if let Some(text) = given
        .map(|a| collapse(&decode(&a.value)))
        .filter(|t| !t.is_empty())
    {
        return Some(
            table
                .lookup(&text)
                .map_or(AreaChoice::Named(text), AreaChoice::Known),
        );
    }
    let header_title = raw
        .og_title
        .as_ref()
        .or(raw.title.as_ref())
        .map(|t| decode(&t.value));
    table
        .infer_from_title(title)
        .or_else(|| header_title.and_then(|t| table.infer_from_title(&t)))
        .or_else(|| url.and_then(|u| table.infer_from_url(u)))
        .map(AreaChoice::Known)
}

/// HTML entities in scraped metadata, decoded once (`&#163;7m` is `£7m`;
/// `&amp;amp;` stays `&amp;` as text). A reference to a control character
/// or a noncharacter (`&#127;`, `&#xFFFE;`) decodes to U+FFFD, as the
/// file's own text would have been replaced.
pub fn decode(text: &str) -> String {
    if text.contains('&') {
        let decoded = html_escape::decode_html_entities(text);
        match crate::load::replace_unsafe(&decoded) {
            Some((clean, _)) => clean,
            None => decoded.into_owned(),
        }
    } else {
        text.to_string()
    }
}

/// Trims and turns runs of whitespace into one space. For one-line
/// metadata, which has lost its bidirectional controls when parsed; an
/// entity (`&#x202E;`) can bring one back, so they go here too.
fn collapse(text: &str) -> String {
    let mut collapsed = crate::plain::collapse_whitespace(text);
    // Every bidi control is encoded from the byte 0xE2 on.
    if memchr::memchr(0xe2, collapsed.as_bytes()).is_some() && collapsed.contains(is_bidi_control) {
        collapsed.retain(|c| !is_bidi_control(c));
        return collapse(&collapsed);
    }
    collapsed
}

/// See `parse::Cleaner`: bidirectional embeddings, overrides and isolates.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Only http(s) URLs from metadata become links: never `javascript:`.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && lower.len() > 8
        && !url.contains(char::is_whitespace)
}

/// The releases that share an area slug, while areas are being numbered.
#[derive(Default)]
struct AreaGroup {
    /// The table's name (or "Unknown area"), which wins over free text.
    fixed_name: Option<String>,
    /// Free-text spellings and how often each was used.
    spellings: BTreeMap<String, usize>,
    unknown: bool,
}

/// Numbers the areas and sorts everything that reaches output, with the id
/// as tie-breaker so equal timestamps order the same on every run.
fn index(
    config: SiteConfig,
    resolved: Vec<(Release, Option<AreaChoice>)>,
    table: &AreaTable,
) -> Archive {
    // Sorted by index, then each release moved once, in place: releases
    // are large to move about. Ids are unique by now, so the order is
    // total and an unstable sort is deterministic; the instant is taken
    // out once, not per comparison.
    let mut order: Vec<(std::cmp::Reverse<DateTime<chrono::Utc>>, &str, usize)> = resolved
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (std::cmp::Reverse(r.published.to_utc()), r.id.as_str(), i))
        .collect();
    order.par_sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
    let mut resolved = resolved;
    permute(&mut resolved, order);
    crate::progress::mark("model: sorted");
    // The distinct choices first: a large archive names a few dozen areas.
    let mut known = BTreeSet::new();
    let mut named: BTreeMap<&str, usize> = BTreeMap::new();
    let mut any_unknown = false;
    for (_, choice) in &resolved {
        match choice {
            Some(AreaChoice::Known(i)) => {
                known.insert(*i);
            }
            Some(AreaChoice::Named(text)) => *named.entry(text.as_str()).or_default() += 1,
            None => any_unknown = true,
        }
    }
    // Group by slug: `Kent` and `kent` are one area. Free-text areas take
    // their most used spelling (ties: the smallest) as display name.
    let mut groups: BTreeMap<Slug, AreaGroup> = BTreeMap::new();
    for &i in &known {
        let row = &table.areas[i];
        groups.entry(row.slug.clone()).or_default().fixed_name = Some(row.name.clone());
    }
    for (&text, &count) in &named {
        let group = groups.entry(Slug::from_text(text)).or_default();
        *group.spellings.entry(text.to_string()).or_default() += count;
    }
    if any_unknown {
        let group = groups.entry(Slug::from_text(UNKNOWN_AREA)).or_default();
        group.fixed_name = Some(UNKNOWN_AREA.to_string());
        group.unknown = true;
    }
    let mut areas: Vec<(bool, Area)> = groups
        .into_iter()
        .map(
            |(
                slug,
                AreaGroup {
                    fixed_name,
                    spellings,
                    unknown,
                },
            )| {
                let name = fixed_name.unwrap_or_else(|| {
                    let best = spellings
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
                    best.map(|(s, _)| s.clone())
                        .unwrap_or_else(|| slug.to_string())
                });
                (
                    unknown,
                    Area {
                        name,
                        slug,
                        releases: Vec::new(),
                    },
                )
            },
        )
        .collect();
    areas.sort_by(|(ua, a), (ub, b)| {
        ua.cmp(ub)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    let mut areas: Vec<Area> = areas.into_iter().map(|(_, a)| a).collect();
    let position: HashMap<&Slug, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (&a.slug, i))
        .collect();
    let known_at: HashMap<usize, usize> = known
        .iter()
        .map(|&i| (i, position[&table.areas[i].slug]))
        .collect();
    let named_at: HashMap<&str, usize> = named
        .keys()
        .map(|&text| (text, position[&Slug::from_text(text)]))
        .collect();
    let unknown_at = any_unknown.then(|| position[&Slug::from_text(UNKNOWN_AREA)]);
    let numbers: Vec<usize> = resolved
        .iter()
        .map(|(_, choice)| match choice {
            Some(AreaChoice::Known(i)) => known_at[i],
            Some(AreaChoice::Named(text)) => named_at[text.as_str()],
            None => unknown_at.unwrap_or_default(),
        })
        .collect();
    let mut days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    // Collected in place, into the memory the releases are already in.
    let mut releases: Vec<Release> = (resolved.into_iter().zip(numbers).enumerate())
        .map(|(i, ((mut release, _), area))| {
            release.area = area;
            areas[area].releases.push(i);
            days.entry(release.published.date_naive())
                .or_default()
                .push(i);
            release
        })
        .collect();
    let tags = index_tags(&mut releases);
    link_related(&mut releases);
    Archive {
        config,
        releases,
        areas,
        days,
        tags,
    }
}

/// Reorders `items` so that position `k` holds what was at `order[k]`,
/// moving each item once by swaps along the permutation's cycles.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut current = start;
        while order[current] != DONE {
            let next = std::mem::replace(&mut order[current], DONE);
            if next == start {
                break;
            }
            items.swap(current, next);
            current = next;
        }
    }
}

/// Groups tags by slug (`EncroChat` and `encrochat` are one tag, shown by
/// its most used spelling) and gives each release its tag indices.
fn index_tags(releases: &mut [Release]) -> Vec<Tag> {
    // Counted by spelling first, then each spelling slugged once: an
    // archive uses a few hundred spellings tens of thousands of times.
    let mut spellings: Vec<(String, Vec<usize>)> = Vec::new();
    // Each tag of each release, in order, as an index into `spellings`.
    let mut used: Vec<usize> = Vec::new();
    {
        let mut known: HashMap<&str, usize> = HashMap::default();
        for (i, release) in releases.iter().enumerate() {
            for tag in release.annotation.iter().flat_map(|a| &a.tags) {
                let at = *known.entry(tag.value.as_str()).or_insert_with(|| {
                    spellings.push((tag.value.clone(), Vec::new()));
                    spellings.len() - 1
                });
                spellings[at].1.push(i);
                used.push(at);
            }
        }
    }
    let mut groups: BTreeMap<Slug, (BTreeMap<&str, usize>, Vec<usize>)> = BTreeMap::new();
    for (at, (text, members)) in spellings.iter().enumerate() {
        let group = groups.entry(Slug::from_text(text)).or_default();
        group.0.insert(text, members.len());
        group.1.push(at);
    }
    let mut tags: Vec<(Tag, Vec<usize>)> = groups
        .into_iter()
        .map(|(slug, (counts, members))| {
            let name = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| s.to_string());
            // In release order, a release once per tag it lists.
            let mut releases: Vec<usize> = (members.iter())
                .flat_map(|&at| spellings[at].1.iter().copied())
                .collect();
            releases.sort();
            let tag = Tag {
                name: name.unwrap_or_else(|| slug.to_string()),
                slug,
                releases,
            };
            (tag, members)
        })
        .collect();
    tags.sort_by(|(a, _), (b, _)| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.slug.cmp(&b.slug))
    });
    let mut position = vec![0; spellings.len()];
    for (i, (_, members)) in tags.iter().enumerate() {
        for &at in members {
            position[at] = i;
        }
    }
    let mut used = used.into_iter();
    for release in releases.iter_mut().filter(|r| r.annotation.is_some()) {
        let count = release.annotation.as_ref().map_or(0, |a| a.tags.len());
        release.tags = used.by_ref().take(count).map(|at| position[at]).collect();
    }
    tags.into_iter().map(|(tag, _)| tag).collect()
}

/// `related` works both ways: a link from A to B shows on both pages.
fn link_related(releases: &mut [Release]) {
    if !releases
        .iter()
        .any(|r| r.annotation.as_ref().is_some_and(|a| !a.related.is_empty()))
    {
        return;
    }
    let by_id: HashMap<&str, usize> = releases
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut related: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); releases.len()];
    for (i, release) in releases.iter().enumerate() {
        for id in release.annotation.iter().flat_map(|a| &a.related) {
            if let Some(&j) = by_id.get(id.value.as_str()) {
                related[i].insert(j);
                related[j].insert(i);
            }
        }
    }
    drop(by_id);
    // Indices are newest first already, so sorted sets list newest first.
    for (release, set) in releases.iter_mut().zip(related) {
        release.related = set.into_iter().collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Kind, SourceFile};

    fn resolved(text: &str) -> Release {
        let file = SourceFile::in_memory(Kind::Release, "a-release", text);
        let raw = crate::parse::release(&file, &mut Vec::new()).unwrap();
        let parsed = Parsed::new(file.path, file.stem, raw, false);
        let resolver = Resolver::new(&SiteConfig::default());
        resolver.resolve(parsed, None, &mut Vec::new()).unwrap().0
    }

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        permute(&mut items, vec![3, 0, 5, 1, 4, 2]);
        assert_eq!(items, ['d', 'a', 'f', 'b', 'e', 'c']);
        let mut one = vec![1];
        permute(&mut one, vec![0]);
        assert_eq!(one, [1]);
    }

    /// The digest stands in for a release in every page fingerprint, so it
    /// must move with anything the release says, and must not move with
    /// what the archive assigns it (which pages hash on their own).
    #[test]
    fn the_digest_moves_with_the_release_and_not_with_its_place() {
        let release = resolved(" date 2021-03-04 Kent Police\n\nA man was arrested.\n");
        assert_eq!(release.digest, release.digest_now());
        let mut placed = release.clone();
        placed.area = 7;
        placed.tags = vec![1, 2];
        placed.related = vec![3];
        assert_eq!(placed.digest_now(), release.digest);

        let mut retitled = release.clone();
        retitled.title.push('!');
        assert_ne!(retitled.digest_now(), release.digest);
        let edited = resolved(" date 2021-03-04 Kent Police\n\nA man was arrested today.\n");
        assert_ne!(edited.digest, release.digest, "a body edit moves it");
        let redated = resolved(" date 2021-03-05 Kent Police\n\nA man was arrested.\n");
        assert_ne!(redated.digest, release.digest);
    }

    /// Listing pages hash the listing digest: it moves with what a listed
    /// item shows, and not with commentary, which only the release's own
    /// page and feeds show.
    #[test]
    fn the_listing_digest_moves_with_what_a_listing_shows_only() {
        let release = resolved(" date 2021-03-04 Kent Police\n\nA man was arrested.\n");
        assert_eq!(release.listing_digest, release.listing_digest_now());
        let annotated = |commentary: &str| {
            let mut r = release.clone();
            r.annotation = Some(Box::new(Annotation {
                commentary: commentary.into(),
                ..Annotation::default()
            }));
            (r.digest_now(), r.listing_digest_now())
        };
        let (first, first_listed) = annotated("First remark.");
        let (second, second_listed) = annotated("Second remark.");
        assert_ne!(first, second, "the release's page changes");
        assert_eq!(first_listed, second_listed, "its listings do not");
        assert_ne!(
            first_listed, release.listing_digest,
            "listings mark a release with commentary"
        );
        assert_eq!(
            annotated("  ").1,
            release.listing_digest,
            "not an empty one"
        );

        let mut retitled = release.clone();
        retitled.title.push('!');
        assert_ne!(retitled.listing_digest_now(), release.listing_digest);
        let mut described = release.clone();
        described.description = Some("A new teaser.".into());
        assert_ne!(described.listing_digest_now(), release.listing_digest);
        let redated = resolved(" date 2021-03-05 Kent Police\n\nA man was arrested.\n");
        assert_ne!(redated.listing_digest, release.listing_digest);
    }
}
