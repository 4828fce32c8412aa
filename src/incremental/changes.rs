//! The rebuild's decision, as a pure function: given the last build's
//! manifest, what is on disk of it, and what this build rendered, which
//! files to write and remove, and which manifest entries to record and
//! forget. No I/O, so it is tested in memory with tables.

use std::borrow::Cow;

use rustc_hash::FxHashSet;

use super::{FileEntry, Manifest, OnDisk};
use crate::render::Artifact;

/// A page on the incremental path: its bytes are kept only if they changed.
pub(super) struct Rendered<'m> {
    /// Borrowed from the last manifest when the page is as recorded (most
    /// of 100,000 pages): no path is kept for each.
    pub path: Cow<'m, str>,
    pub entry: FileEntry,
    /// `Some` only when the file on disk must be written.
    pub bytes: Option<Vec<u8>>,
    /// How the manifest has it: found out while rendering, in parallel.
    pub recorded: Recorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Recorded {
    Same,
    Different,
    Missing,
}

impl Recorded {
    pub fn of(previous: Option<&FileEntry>, entry: &FileEntry) -> Recorded {
        match previous {
            None => Recorded::Missing,
            Some(old) if old == entry => Recorded::Same,
            Some(_) => Recorded::Different,
        }
    }
}

/// What a rebuild changes.
#[derive(Debug, Default)]
pub(super) struct ChangeSet {
    /// Files to write, in the order they were rendered.
    pub changed: Vec<Artifact>,
    /// Files to remove, sorted.
    pub removed: Vec<String>,
    /// Manifest entries new or different in this build.
    pub updated: Vec<(String, FileEntry)>,
    /// Manifest entries of files the site no longer has.
    pub forgotten: Vec<String>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
            && self.removed.is_empty()
            && self.updated.is_empty()
            && self.forgotten.is_empty()
    }
}

/// Whatever the site no longer has goes, including files added by hand:
/// the result is always what a clean build would make.
pub(super) fn plan(previous: &Manifest, on_disk: &OnDisk, rendered: Vec<Rendered>) -> ChangeSet {
    let mut changes = ChangeSet::default();
    let still_recorded = (rendered.iter())
        .filter(|r| r.recorded != Recorded::Missing)
        .count();
    if still_recorded == previous.len() && !on_disk.listed.is_empty() {
        // Every recorded file was produced again, so only a listed file
        // the manifest does not know can be unwanted, unless it is a page
        // new in this build: no set of every path is needed (a folder
        // written moments before the last build stamped it is listed, so
        // this is most rebuilds).
        let new_pages: FxHashSet<&str> = (rendered.iter())
            .filter(|r| r.recorded == Recorded::Missing)
            .map(|r| r.path.as_ref())
            .collect();
        changes.removed = (on_disk.listed.iter())
            .filter(|p| previous.get(p).is_none() && !new_pages.contains(p.as_str()))
            .cloned()
            .collect();
    } else if still_recorded != previous.len() {
        let produced: FxHashSet<&str> = rendered.iter().map(|r| r.path.as_ref()).collect();
        changes.forgotten = (previous.paths())
            .filter(|p| !produced.contains(p.as_str()))
            .cloned()
            .collect();
        changes.forgotten.sort();
        changes.removed = (previous.all_on_disk(on_disk))
            .filter(|p| !produced.contains(p.as_str()))
            .cloned()
            .collect();
    }
    changes.removed.sort();
    changes.removed.dedup();
    for r in rendered {
        if r.recorded != Recorded::Same {
            changes.updated.push((r.path.to_string(), r.entry));
        }
        if let Some(bytes) = r.bytes {
            changes.changed.push(Artifact {
                path: r.path.into_owned(),
                bytes,
                fingerprint: r.entry.fingerprint,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(hash: u64) -> FileEntry {
        FileEntry {
            hash,
            fingerprint: Some(hash),
            size: 0,
        }
    }

    fn manifest(files: &[(&str, u64)]) -> Manifest {
        let mut manifest = Manifest::new(1);
        for &(path, hash) in files {
            manifest.record(path.to_string(), entry(hash));
        }
        manifest
    }

    /// A page as a rebuild renders it: `(path, hash)` against `previous`,
    /// its bytes kept when the hash differs from the recorded one.
    fn rendered<'m>(previous: &Manifest, path: &'m str, hash: u64) -> Rendered<'m> {
        let recorded = Recorded::of(previous.get(path), &entry(hash));
        let same_bytes = previous.get(path).is_some_and(|e| e.hash == hash);
        Rendered {
            path: Cow::Borrowed(path),
            entry: entry(hash),
            bytes: (!same_bytes).then(|| vec![hash as u8]),
            recorded,
        }
    }

    fn paths(artifacts: &[Artifact]) -> Vec<&str> {
        artifacts.iter().map(|a| a.path.as_str()).collect()
    }

    #[test]
    fn an_unchanged_site_changes_nothing() {
        let previous = manifest(&[("index.html", 1), ("a/index.html", 2)]);
        let site = vec![
            rendered(&previous, "index.html", 1),
            rendered(&previous, "a/index.html", 2),
        ];
        assert!(plan(&previous, &OnDisk::default(), site).is_empty());
    }

    #[test]
    fn each_kind_of_change_is_planned() {
        // (what the last build recorded, what this build renders,
        //  written, removed, recorded again, forgotten)
        type Case = (
            &'static [(&'static str, u64)],
            &'static [(&'static str, u64)],
            &'static [&'static str],
            &'static [&'static str],
            &'static [&'static str],
            &'static [&'static str],
        );
        let cases: &[Case] = &[
            // One page's bytes changed.
            (
                &[("a", 1), ("b", 2)],
                &[("a", 1), ("b", 3)],
                &["b"],
                &[],
                &["b"],
                &[],
            ),
            // A page is new.
            (&[("a", 1)], &[("a", 1), ("c", 4)], &["c"], &[], &["c"], &[]),
            // A page is gone: removed from disk and from the manifest.
            (&[("a", 1), ("b", 2)], &[("a", 1)], &[], &["b"], &[], &["b"]),
            // One replaced by another in the same build.
            (
                &[("a", 1), ("b", 2)],
                &[("a", 1), ("c", 2)],
                &["c"],
                &["b"],
                &["c"],
                &["b"],
            ),
        ];
        for &(before, after, written, removed, updated, forgotten) in cases {
            let previous = manifest(before);
            let site = (after.iter())
                .map(|&(p, h)| rendered(&previous, p, h))
                .collect();
            let changes = plan(&previous, &OnDisk::default(), site);
            let updated_paths: Vec<&str> =
                changes.updated.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(paths(&changes.changed), written, "{before:?} -> {after:?}");
            assert_eq!(changes.removed, removed, "{before:?} -> {after:?}");
            assert_eq!(updated_paths, updated, "{before:?} -> {after:?}");
            assert_eq!(changes.forgotten, forgotten, "{before:?} -> {after:?}");
        }
    }

    #[test]
    fn a_file_added_by_hand_in_a_changed_folder_is_removed() {
        let previous = manifest(&[("a/index.html", 1)]);
        let on_disk = OnDisk {
            listed_dirs: ["a".to_string()].into_iter().collect(),
            listed: ["a/index.html", "a/stray.txt"]
                .map(String::from)
                .into_iter()
                .collect(),
            ..OnDisk::default()
        };
        let site = vec![rendered(&previous, "a/index.html", 1)];
        let changes = plan(&previous, &on_disk, site);
        assert_eq!(changes.removed, ["a/stray.txt"]);
        assert!(changes.changed.is_empty() && changes.forgotten.is_empty());
    }

    #[test]
    fn a_page_new_in_this_build_is_not_taken_for_a_stray_file() {
        let previous = manifest(&[("a/index.html", 1)]);
        let on_disk = OnDisk {
            listed_dirs: ["a".to_string()].into_iter().collect(),
            listed: ["a/index.html", "a/new.html"]
                .map(String::from)
                .into_iter()
                .collect(),
            ..OnDisk::default()
        };
        let site = vec![
            rendered(&previous, "a/index.html", 1),
            rendered(&previous, "a/new.html", 5),
        ];
        let changes = plan(&previous, &on_disk, site);
        assert!(changes.removed.is_empty(), "{:?}", changes.removed);
        assert_eq!(paths(&changes.changed), ["a/new.html"]);
    }

    #[test]
    fn a_deleted_file_of_an_unchanged_page_is_written_again() {
        // The page's fingerprint matched, but its file is gone from disk:
        // the renderer gives its bytes, and the plan writes them.
        let previous = manifest(&[("a/index.html", 1)]);
        let mut page = rendered(&previous, "a/index.html", 1);
        page.bytes = Some(b"page".to_vec());
        let changes = plan(&previous, &OnDisk::default(), vec![page]);
        assert_eq!(paths(&changes.changed), ["a/index.html"]);
        assert!(changes.updated.is_empty());
    }
}
