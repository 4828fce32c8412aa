//! Stage 5, write: artifacts to the output folder. The only module that
//! writes. A build never leaves a half-written site: everything is written
//! to a staging folder beside the output and swapped in by rename only when
//! every file is written. blotter replaces only a folder it made itself
//! (one holding its marker file), so a wrong `--output` cannot wipe a home
//! folder or a content folder.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::cache::FileEntry;
use crate::render::Artifact;

/// Marker file that says "blotter made this folder and may replace it".
pub const MARKER: &str = ".blotter-output";
const MARKER_TEXT: &str = "This folder was made by blotter; the next build replaces it.\n";

/// Why blotter will not build into a folder (a configuration error, exit 2).
#[derive(Debug)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// Refuses outputs that would destroy something blotter did not make: `/`,
/// the home or current folder, the content or theme folder or a folder
/// holding them, a file, or a non-empty folder without the marker.
pub fn check_target(output: &Path, protected: &[&Path]) -> Result<(), Refusal> {
    let refuse = |why: &str| {
        Err(Refusal(format!(
            "{}: refusing to write the site here: {why}",
            output.display()
        )))
    };
    let resolved = absolute(output);
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cwd = std::env::current_dir().ok();
    if resolved.parent().is_none() {
        return refuse("it is the root folder");
    }
    if home.as_deref().map(absolute).as_deref() == Some(resolved.as_path()) {
        return refuse("it is your home folder");
    }
    if cwd.as_deref() == Some(resolved.as_path()) {
        return refuse("it is the current folder");
    }
    for path in protected {
        let path = absolute(path);
        if path.starts_with(&resolved) || resolved.starts_with(&path) {
            return refuse(&format!("it overlaps {}", path.display()));
        }
    }
    if output.exists() {
        if !output.is_dir() {
            return refuse("it is a file, not a folder");
        }
        let empty = fs::read_dir(output)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !output.join(MARKER).is_file() {
            return refuse(
                "it is not empty and blotter did not make it (no .blotter-output marker)",
            );
        }
    }
    Ok(())
}

/// Best-effort absolute form without touching the file system's links
/// (the output may not exist yet).
fn absolute(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes every artifact into a staging folder, then swaps it in.
/// On any failure the staging folder is removed and the output is untouched.
/// Returns each file written with the hash of its bytes, for the cache.
pub fn publish<I>(output: &Path, artifacts: I) -> Result<Vec<(String, FileEntry)>>
where
    I: ParallelIterator<Item = Result<Artifact>>,
{
    let (parent, name) = split(output)?;
    fs::create_dir_all(&parent)
        .with_context(|| format!("{}: cannot create folder", parent.display()))?;
    remove_stale(&parent, &name);
    let staging = parent.join(format!(".{name}.blotter-staging-{}", std::process::id()));
    let written = fill(&staging, artifacts).inspect_err(|_| {
        let _ = fs::remove_dir_all(&staging);
    })?;
    swap(&staging, output, &parent, &name)?;
    Ok(written)
}

fn split(output: &Path) -> Result<(PathBuf, String)> {
    let abs = absolute(output);
    let name = abs.file_name().map(|n| n.to_string_lossy().into_owned());
    match (abs.parent(), name) {
        (Some(parent), Some(name)) => Ok((parent.to_path_buf(), name)),
        _ => bail!("{}: not a usable output folder", output.display()),
    }
}

/// Renders on the worker threads and writes on one writer thread, as `cp`
/// does: creating files and folders is the kernel's work, serialised on
/// each parent folder's lock, so writers in parallel mostly wait for each
/// other (on two cores, spinning on that lock took the CPU the renderers
/// needed). Pages go to the writer in batches: one at a time, waking the
/// writer for each was a twentieth of a clean build's CPU. A bounded queue
/// keeps rendered pages from piling up in memory.
fn fill<I>(staging: &Path, artifacts: I) -> Result<Vec<(String, FileEntry)>>
where
    I: ParallelIterator<Item = Result<Artifact>>,
{
    fs::create_dir_all(staging).with_context(|| format!("{}: cannot create", staging.display()))?;
    fs::write(staging.join(MARKER), MARKER_TEXT)
        .with_context(|| format!("{}: cannot write", staging.display()))?;
    let (sender, queue) = std::sync::mpsc::sync_channel::<Vec<Hashed>>(QUEUED_BATCHES);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_all(staging, queue));
        let rendered = artifacts
            .try_fold(
                || Batch::new(sender.clone()),
                |mut batch, artifact| {
                    batch.push(artifact?)?;
                    Ok::<_, anyhow::Error>(batch)
                },
            )
            .try_for_each(|batch| batch?.send());
        drop(sender);
        let written = writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        // The writer's own error says more than "the writer stopped".
        let written = written?;
        rendered.map(|()| written)
    })
}

/// A rendered page and the hash of its bytes (hashed on the renderer's
/// thread, so the writer only writes).
type Hashed = (Artifact, u64);

/// Pages per batch, and batches queued for the writer: at most about
/// 16 x 32 pages of 15 KB (8 MB) wait in the queue.
const BATCH_PAGES: usize = 32;
const QUEUED_BATCHES: usize = 16;

/// One renderer thread's pages on their way to the writer.
struct Batch {
    pages: Vec<Hashed>,
    sender: std::sync::mpsc::SyncSender<Vec<Hashed>>,
}

impl Batch {
    fn new(sender: std::sync::mpsc::SyncSender<Vec<Hashed>>) -> Batch {
        Batch {
            pages: Vec::with_capacity(BATCH_PAGES),
            sender,
        }
    }

    /// Adds a page, sending the batch once it is full.
    fn push(&mut self, artifact: Artifact) -> Result<()> {
        let hash = crate::cache::content_hash(&artifact.bytes);
        self.pages.push((artifact, hash));
        if self.pages.len() < BATCH_PAGES {
            return Ok(());
        }
        self.flush()
    }

    /// Sends what is left.
    fn send(mut self) -> Result<()> {
        if self.pages.is_empty() {
            return Ok(());
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<()> {
        let full = std::mem::replace(&mut self.pages, Vec::with_capacity(BATCH_PAGES));
        self.sender
            .send(full)
            .map_err(|_| anyhow::anyhow!("the writer stopped"))
    }
}

fn write_all(
    staging: &Path,
    queue: std::sync::mpsc::Receiver<Vec<Hashed>>,
) -> Result<Vec<(String, FileEntry)>> {
    let mut made: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut written = Vec::new();
    for (artifact, hash) in queue.into_iter().flatten() {
        let path = staging.join(safe_relative(&artifact.path)?);
        if let Some(dir) = path.parent() {
            if !made.contains(dir) {
                fs::create_dir_all(dir)
                    .with_context(|| format!("{}: cannot create", dir.display()))?;
                made.insert(dir.to_path_buf());
            }
        }
        fs::write(&path, &artifact.bytes)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        let entry = FileEntry {
            hash,
            fingerprint: artifact.fingerprint,
        };
        written.push((artifact.path, entry));
    }
    Ok(written)
}

/// An incremental update of a site blotter made: writes the files whose
/// bytes changed and removes the ones no longer produced. Each file is
/// replaced by rename, so a reader never sees a half-written page. The
/// caller keeps this for small change sets (a one-release edit touches a
/// dozen files); anything larger goes through [`publish`], staged and swapped.
pub fn update_in_place(output: &Path, changed: &[Artifact], removed: &[String]) -> Result<()> {
    changed.par_iter().try_for_each(|artifact| {
        let path = output.join(safe_relative(&artifact.path)?);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        let tmp = path.with_extension("blotter-tmp");
        fs::write(&tmp, &artifact.bytes)
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("{}: cannot write", path.display()))
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

/// Artifact paths come from slugs and ids, but the writer checks again:
/// nothing may escape the output folder.
fn safe_relative(path: &str) -> Result<&Path> {
    let p = Path::new(path);
    let ok = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("internal error: unsafe output path {path:?}");
    }
    Ok(p)
}

/// Renames the old output aside, the staging folder into place, and then
/// removes the old one.
fn swap(staging: &Path, output: &Path, parent: &Path, name: &str) -> Result<()> {
    let old = parent.join(format!(".{name}.blotter-old-{}", std::process::id()));
    let had_old = output.exists();
    if had_old {
        fs::rename(output, &old).with_context(|| {
            format!(
                "{}: cannot move the previous output aside",
                output.display()
            )
        })?;
    }
    if let Err(err) = fs::rename(staging, output) {
        if had_old {
            let _ = fs::rename(&old, output);
        }
        let _ = fs::remove_dir_all(staging);
        return Err(err)
            .with_context(|| format!("{}: cannot move the new site into place", output.display()));
    }
    if had_old {
        fs::remove_dir_all(&old)
            .with_context(|| format!("{}: cannot remove the previous output", old.display()))?;
    }
    Ok(())
}

/// Staging and old folders left by a build that was killed: removed, but
/// only when they carry blotter's marker (or are empty: a build killed
/// before it wrote the marker). A build killed between its two renames left
/// the previous site only in its old folder: that one is put back first.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let staging = format!(".{name}.blotter-staging-");
    let old = format!(".{name}.blotter-old-");
    let output = parent.join(name);
    let mut stale: Vec<(bool, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let is_old = file_name.starts_with(&old);
            let ours = file_name.starts_with(&staging) || is_old;
            let path = entry.path();
            let made_by_us = path.join(MARKER).is_file() || is_empty_dir(&path);
            (ours && made_by_us && !is_symlink(&path)).then_some((is_old, path))
        })
        .collect();
    stale.sort();
    for (is_old, path) in stale {
        if is_old && !output.exists() && fs::rename(&path, &output).is_ok() {
            continue;
        }
        let _ = fs::remove_dir_all(&path);
    }
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in ["", "../x", "/etc/passwd", "a/../../b", "./a"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert!(safe_relative("releases/a/index.html").is_ok());
    }

    #[test]
    fn leftovers_of_a_killed_build_are_cleared_or_restored() {
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path();
        // Killed between its renames: the previous site is only in `old`.
        let old = parent.join(".site.blotter-old-41");
        fs::create_dir(&old).unwrap();
        fs::write(old.join(MARKER), MARKER_TEXT).unwrap();
        fs::write(old.join("index.html"), "previous").unwrap();
        // Killed mid-write, and killed before writing the marker.
        let staging = parent.join(".site.blotter-staging-42");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join(MARKER), MARKER_TEXT).unwrap();
        fs::create_dir(parent.join(".site.blotter-staging-43")).unwrap();
        // Named like ours but not ours: kept.
        let foreign = parent.join(".site.blotter-staging-44");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("keep.txt"), "mine").unwrap();
        remove_stale(parent, "site");
        let site = parent.join("site");
        assert_eq!(
            fs::read_to_string(site.join("index.html")).unwrap(),
            "previous"
        );
        assert!(!old.exists() && !staging.exists());
        assert!(!parent.join(".site.blotter-staging-43").exists());
        assert!(foreign.join("keep.txt").is_file());
    }

    #[test]
    fn refuses_foreign_and_protected_folders() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("docs");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("keep.txt"), "mine").unwrap();
        assert!(check_target(&foreign, &[]).is_err());
        let content = dir.path().join("content");
        fs::create_dir(&content).unwrap();
        assert!(check_target(&content, &[&content]).is_err());
        assert!(check_target(dir.path(), &[&content]).is_err());
        assert!(check_target(Path::new("/"), &[]).is_err());
        assert!(check_target(&dir.path().join("fresh"), &[&content]).is_ok());
    }
}
