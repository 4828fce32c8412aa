//! The checks that span releases: ids used twice or differing only by
//! case, and links or related ids naming releases that are not there.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashSet as HashSet;
use std::path::Path;

use super::{annotate, AreaChoice, Release, SidecarRefs};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::parse::Spanned;

/// Every id present, and those used by more than one file: each copy is
/// an error naming the others.
pub(super) fn duplicate_ids<'a>(
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

/// `release:<id>` links and `related` ids must name releases that are in
/// the archive; a release whose sidecar names a missing one is left out.
/// The sidecars of releases that are not published (`unpublished`, with
/// their releases' ids) are checked the same way.
///
/// A release that exists but has errors of its own counts as known: its
/// own errors are reported, and links to it are not errors twice over.
pub(super) fn check_cross_references(
    resolved: Vec<(Release, Option<AreaChoice>)>,
    unpublished: &[(&str, SidecarRefs)],
    known: &HashSet<&str>,
    diags: &mut Diagnostics,
) -> Vec<(Release, Option<AreaChoice>)> {
    let mut hints = Hints {
        known,
        left: HINTED_REFERENCES,
    };
    for (id, refs) in unpublished {
        let found = broken_refs(id, &refs.path, &refs.links, &refs.related, &mut hints);
        diags.extend(found);
    }
    let mut broken = HashSet::default();
    for (release, _) in &resolved {
        let Some(a) = &release.annotation else {
            continue;
        };
        let id = release.id.as_str();
        let found = broken_refs(id, &a.path, &a.links, &a.related, &mut hints);
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

/// Unknown ids given a "did you mean" hint in one run: each hint compares
/// the id with every id of the archive, so an archive with thousands of
/// broken links gives the first ones a hint, not a long wait.
const HINTED_REFERENCES: usize = 100;

/// The ids there are, and how many hints are left to give.
struct Hints<'k, 'a> {
    known: &'k HashSet<&'a str>,
    left: usize,
}

impl Hints<'_, '_> {
    fn near(&mut self, wanted: &str) -> Option<String> {
        self.left = self.left.checked_sub(1)?;
        crate::diagnostics::closest(wanted, self.known.iter().copied()).map(str::to_string)
    }
}

/// The errors of one sidecar's links and related ids, each with the
/// closest id there is as its hint.
fn broken_refs(
    id: &str,
    path: &Path,
    links: &[Spanned<String>],
    related: &[Spanned<String>],
    hints: &mut Hints,
) -> Vec<Diagnostic> {
    let known = hints.known;
    let mut near = |wanted: &str| hints.near(wanted);
    let mut found: Vec<Diagnostic> = links
        .iter()
        .filter(|link| !known.contains(link.value.as_str()))
        .map(|link| annotate::unknown_link(path, link, near(&link.value).as_deref()))
        .collect();
    for other in related {
        let (col, len) = other.span();
        if !known.contains(other.value.as_str()) {
            let error = Diagnostic::error(
                path,
                other.line,
                format!("related release `{}` does not exist", other.value),
            )
            .at_span(col, len);
            found.push(match near(&other.value) {
                Some(id) => error.with_help(format!("did you mean `{id}`?")),
                None => error,
            });
        } else if other.value == id {
            found.push(
                Diagnostic::error(path, other.line, "a release cannot be related to itself")
                    .at_span(col, len),
            );
        }
    }
    found
}
