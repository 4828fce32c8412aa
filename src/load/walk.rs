//! Finding the content: one walk of the content folder that is the single
//! definition of what a release or sidecar file is.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::files::stat::{EntryKind, OpenFolder};

use super::{Found, Kind};

/// A file the walk found, before its stat.
pub(super) struct Candidate {
    path: PathBuf,
    kind: Kind,
    /// Index of its folder among the walk's open folders.
    folder: usize,
    is_symlink: bool,
}

/// Finds every `.txt` and `.md` under `<content>/releases`, in path order so
/// everything downstream sees files in the same order on every machine.
/// Unusable files become diagnostics; only a missing or unreadable content
/// folder is fatal. Symlinks are followed only when they stay inside the
/// content folder: a link to `/etc/passwd` must not end up published.
pub fn discover(content_dir: &Path, diags: &mut Diagnostics) -> Result<Vec<Found>> {
    let root = content_dir.join("releases");
    if !root.is_dir() {
        anyhow::bail!(
            "{}: no releases folder (expected release .txt files under it)",
            root.display()
        );
    }
    let content_real = content_dir
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve content folder", content_dir.display()))?;
    let mut folders = Vec::new();
    let mut candidates = Vec::new();
    walk(&root, &mut folders, &mut candidates, diags);
    crate::progress::mark("load: walk");
    // Symlinks are rare: checked here, one by one, so the parallel stats
    // below only ever find files.
    candidates.retain(|file| {
        let stays = !file.is_symlink || symlink_stays_inside(&file.path, &content_real);
        if !stays {
            diags.push(Diagnostic::warning(
                &file.path,
                0,
                "symlink points outside the content folder (or nowhere); skipped",
            ));
        }
        stays
    });
    // Every path starts with the root and a separator.
    let name_start = root.as_os_str().len() + 1;
    // One stat per file, in parallel: at archive scale this walk is much of
    // what a rebuild with a warm parse cache costs.
    let found: Vec<Option<Found>> = candidates
        .into_par_iter()
        .map(|file| {
            let (kind, stamp) =
                folders[file.folder].stamp(file_name(&file.path), file.is_symlink)?;
            if kind != EntryKind::File {
                return None;
            }
            // The name ends before the extension and its dot.
            let name_end = file.path.as_os_str().len() - file.kind.extension().len() - 1;
            Some(Found {
                kind: file.kind,
                name: u32::try_from(name_start).ok()?..u32::try_from(name_end).ok()?,
                path: file.path,
                stamp,
            })
        })
        .collect();
    Ok(found.into_iter().flatten().collect())
}

pub(super) fn file_name(path: &Path) -> &std::ffi::OsStr {
    path.file_name().unwrap_or_default()
}

/// Every `.txt` and `.md` under `dir`, with its path, in path order, each
/// folder opened for the stats that follow. Symlinked folders are not
/// entered; unreadable folders are reported.
///
/// Each folder's entries are sorted by name, as bytes, and a subfolder's
/// files come where its name sorts: that is `Path`'s component-wise order
/// (`a/b.txt` before `a-b.txt` and `a.txt`), with no key built per path.
pub(super) fn walk(
    dir: &Path,
    folders: &mut Vec<OpenFolder>,
    found: &mut Vec<Candidate>,
    diags: &mut Diagnostics,
) {
    let cannot_read =
        |err: std::io::Error| Diagnostic::error(dir, 0, format!("cannot read: {err}"));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => return diags.push(cannot_read(err)),
    };
    let open = match OpenFolder::open(dir) {
        Ok(open) => open,
        Err(err) => return diags.push(cannot_read(err)),
    };
    let folder = folders.len();
    folders.push(open);
    // Each entry's path is made once (its name is the path's tail), and
    // only folders and content files are kept.
    let name_start = dir.as_os_str().len() + 1;
    fn name(path: &Path, start: usize) -> &[u8] {
        &path.as_os_str().as_encoded_bytes()[start..]
    }
    let mut named = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let file_type = entry.file_type().ok();
                let is_dir = file_type.is_some_and(|t| t.is_dir());
                let kind = if is_dir { None } else { kind_of(&path) };
                if !is_dir && kind.is_none() {
                    if let Some(warning) = miscased_extension(&path) {
                        diags.push(warning);
                    }
                }
                if is_dir || kind.is_some() {
                    let is_symlink = file_type.is_some_and(|t| t.is_symlink());
                    named.push((name_prefix(name(&path, name_start)), path, kind, is_symlink));
                }
            }
            Err(err) => diags.push(cannot_read(err)),
        }
    }
    // Names in one folder are unique, so an unstable sort is deterministic.
    // Compared by their first 16 bytes as a number first: a folder of
    // 100,000 releases sorts without chasing each name to compare it.
    named.sort_unstable_by(|a, b| {
        (a.0.cmp(&b.0)).then_with(|| name(&a.1, name_start).cmp(name(&b.1, name_start)))
    });
    for (_, path, kind, is_symlink) in named {
        match kind {
            Some(kind) => found.push(Candidate {
                path,
                kind,
                folder,
                is_symlink,
            }),
            None => walk(&path, folders, found, diags),
        }
    }
}

/// A name's first 16 bytes as a big-endian number (short names padded
/// with zeros): numbers compare as the bytes do, up to a common prefix.
pub(super) fn name_prefix(bytes: &[u8]) -> u128 {
    let mut head = [0u8; 16];
    let n = bytes.len().min(16);
    head[..n].copy_from_slice(&bytes[..n]);
    u128::from_be_bytes(head)
}

pub(super) fn kind_of(path: &Path) -> Option<Kind> {
    let extension = path.extension()?;
    [Kind::Release, Kind::Sidecar]
        .into_iter()
        .find(|kind| extension == kind.extension())
}

/// `x.TXT` or `x.Md`: meant as content, but skipped, since a file's kind
/// goes by its exact extension (as a case-sensitive checkout would see it).
pub(super) fn miscased_extension(path: &Path) -> Option<Diagnostic> {
    let extension = path.extension()?;
    let (what, extension) = [(Kind::Release, "release"), (Kind::Sidecar, "sidecar")]
        .into_iter()
        .map(|(kind, what)| (what, kind.extension()))
        .find(|(_, ext)| extension.eq_ignore_ascii_case(ext))?;
    Some(Diagnostic::warning(
        path,
        0,
        format!("not read: {what} files end in `.{extension}`, lower case"),
    ))
}

pub(super) fn symlink_stays_inside(path: &Path, content_real: &Path) -> bool {
    path.canonicalize()
        .map(|target| target.starts_with(content_real))
        .unwrap_or(false)
}
