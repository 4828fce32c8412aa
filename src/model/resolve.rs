//! One release's metadata by the brief's precedence rules: title, date,
//! area, description and source URL, each from the sidecar, the header or
//! the text, in the brief's order, and the sidecar's additions checked
//! against the release.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::areas::AreaTable;
use super::dates::{self, ReleaseDate};
use super::{annotate, Annotation, Release, ReleaseId, Slug, UNKNOWN_AREA};
use crate::config::SiteConfig;
use crate::diagnostics::Diagnostic;
use crate::parse::{RawRelease, RawSidecar, Spanned};

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
    /// The cross-references of its sidecar when the release is not
    /// published (its sidecar or itself has errors): still checked, so
    /// every mistake of a sidecar shows in one run.
    pub refs: Option<Box<SidecarRefs>>,
}

/// What a sidecar says about other releases: `release:<id>` links and
/// `related` ids, with their places.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SidecarRefs {
    pub path: PathBuf,
    pub links: Vec<Spanned<String>>,
    pub related: Vec<Spanned<String>>,
}

impl SidecarRefs {
    pub fn of(sidecar: &ParsedSidecar) -> SidecarRefs {
        SidecarRefs {
            path: sidecar.path.clone(),
            links: links(&sidecar.raw),
            related: sidecar.raw.related.clone(),
        }
    }
}

/// The `release:<id>` links of a sidecar's commentary, notes and corrections.
fn links(raw: &RawSidecar) -> Vec<Spanned<String>> {
    let mut links = annotate::release_links(&raw.commentary, raw.commentary_line, false);
    for (markdown, line) in raw
        .notes
        .iter()
        .map(|n| (&n.note, n.line))
        .chain(raw.corrections.iter().map(|c| (&c.text, c.line)))
    {
        links.extend(annotate::release_links(markdown, line, true));
    }
    links
}

/// The settings that resolving a release depends on.
pub struct Resolver {
    pub(super) table: AreaTable,
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
        sidecar: Option<&ParsedSidecar>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(Release, Option<AreaChoice>)> {
        resolve(parsed, sidecar, &self.table, self.tz, diags)
    }
}

/// One release's metadata by the brief's precedence rules. `None` after
/// reporting an error.
pub(super) fn resolve(
    parsed: Parsed,
    sidecar: Option<&ParsedSidecar>,
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
    let side = sidecar.map(|s| &s.raw);
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
    let date = resolve_date(&path, &raw, sidecar, &mut fail);
    let annotation = sidecar.map(|s| annotation(s, body.as_deref().unwrap_or(""), &mut fail));
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
    if let Some(AreaChoice::Named(named)) = &area {
        diags.extend(near_known_area(named, sidecar, &raw, &path, table));
    }
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
pub(super) fn annotation(
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
    let links = links(raw);
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

/// Where a release's area came from: a row of the table, or free text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AreaChoice {
    Known(usize),
    Named(String),
}

pub(super) fn choose_title(raw: &RawRelease, side: Option<&RawSidecar>) -> Option<String> {
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

/// An area that is not in the table but is a slip away from a known force
/// is most likely that force misspelt. Any area text is accepted, so this
/// is a warning, at the `area:` that gave it.
fn near_known_area(
    named: &str,
    sidecar: Option<&ParsedSidecar>,
    raw: &RawRelease,
    path: &Path,
    table: &AreaTable,
) -> Option<Diagnostic> {
    let near = table.closest(named)?;
    let from_sidecar = sidecar.and_then(|s| Some((s.raw.area.as_ref()?, s.path.as_path())));
    let (given, from) = match from_sidecar {
        Some(found) => found,
        None => (raw.area.as_ref()?, path),
    };
    let (col, len) = given.span();
    let message = format!("area `{named}` is not a known force: it gets an area page of its own");
    Some(
        Diagnostic::warning(from, given.line, message)
            .at_span(col, len)
            .with_help(format!("did you mean `{near}`?")),
    )
}

/// `Title | West Mercia Police` -> `Title`: the site's name follows the last ` | `.
pub(super) fn strip_site_name(title: &str) -> &str {
    match title.rfind(" | ") {
        Some(at) if at > 0 => title[..at].trim_end(),
        _ => title,
    }
}

pub(super) fn resolve_date(
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
    let (col, len) = text.span();
    dates::parse(&text.value)
        .map_err(|m| fail(Diagnostic::error(from, text.line, m).at_span(col, len)))
        .ok()
}

pub(super) fn choose_area(
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
pub(super) fn collapse(text: &str) -> String {
    let mut collapsed = crate::plain::collapse_whitespace(text);
    // Every bidi control is encoded from the byte 0xE2 on.
    if memchr::memchr(0xe2, collapsed.as_bytes()).is_some() && collapsed.contains(is_bidi_control) {
        collapsed.retain(|c| !is_bidi_control(c));
        return collapse(&collapsed);
    }
    collapsed
}

/// See `parse::Cleaner`: bidirectional embeddings, overrides and isolates.
pub(super) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Only http(s) URLs from metadata become links: never `javascript:`.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && lower.len() > 8
        && !url.contains(char::is_whitespace)
}
