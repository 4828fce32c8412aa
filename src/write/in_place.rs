//! A rebuild's few changed files written into the output itself, never
//! through a symlink or a file where a folder should be.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::render::Artifact;

/// An incremental update of a site blotter made: writes the files whose
/// bytes changed and removes the ones no longer produced. Each file is
/// replaced by rename, so a reader never sees a half-written page. The
/// caller keeps this for small change sets (a one-release edit touches a
/// dozen files); anything larger goes through [`publish`], staged and
/// swapped. The caller first checks [`not_a_folder_on_the_way`]: this
/// writes through whatever folders it finds.
pub fn update_in_place(output: &Path, changed: &[Artifact], removed: &[String]) -> Result<()> {
    changed.par_iter().try_for_each(|artifact| {
        let path = output.join(safe_relative(&artifact.path)?);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        crate::files::write_atomically(&path, &artifact.bytes)
    })?;
    for file in removed {
        let path = output.join(safe_relative(file)?);
        let _ = fs::remove_file(&path);
        // Folders left empty (a release that was deleted) go too.
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != output && d.starts_with(output)) {
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

/// The first place where an in-place update would write through something
/// other than a real folder: a folder on the way to a file it writes or
/// removes that is a symlink (or a file), or a file it writes that is now a
/// folder. `None` when every one is as a build leaves it. Stats only the
/// folders above the few files an in-place update touches.
pub fn not_a_folder_on_the_way<'a>(
    output: &Path,
    written: impl IntoIterator<Item = &'a str>,
    removed: impl IntoIterator<Item = &'a str>,
) -> Option<PathBuf> {
    let mut folders: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for (path, is_written) in
        (written.into_iter().map(|p| (p, true))).chain(removed.into_iter().map(|p| (p, false)))
    {
        if is_written {
            files.push(path);
        }
        let mut rest = path;
        while let Some(at) = rest.rfind('/') {
            rest = &rest[..at];
            if !folders.insert(rest) {
                break;
            }
        }
    }
    // Shortest first, so the link nearest the top is the one named.
    let mut folders: Vec<&str> = folders.into_iter().collect();
    folders.sort_by_key(|f| f.len());
    for folder in folders {
        let path = output.join(folder);
        match fs::symlink_metadata(&path) {
            Ok(meta) if !meta.is_dir() => return Some(path),
            _ => {}
        }
    }
    for file in files {
        let path = output.join(file);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            return Some(path);
        }
    }
    None
}

/// Artifact paths come from slugs and ids, but the writer checks again:
/// nothing may escape the output folder.
pub(super) fn safe_relative(path: &str) -> Result<&Path> {
    let p = Path::new(path);
    let ok = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("internal error: unsafe output path {path:?}");
    }
    Ok(p)
}
