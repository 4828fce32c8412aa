//! Stage 5, write: artifacts to the output folder. The only module that
//! writes. A build never leaves a half-written site: everything is written
//! to a staging folder beside the output and swapped in by rename only when
//! every file is written. blotter replaces only a folder it made itself
//! (one holding its marker file), so a wrong `--output` cannot wipe a home
//! folder or a content folder.
//!
//! Inside the output, blotter owns only the top-level names it writes: the
//! first path component of every file of this build, and its own marker
//! (and the temporary names below). Every other top-level entry (`.git`,
//! `CNAME`, `.well-known`, a folder of notes) is the user's: no build lists,
//! reads, changes or removes it, and a staged build moves each one, by
//! rename, from the old output into the staging folder just before the
//! swap. Inside blotter's own top-level folders the output is exactly what
//! a clean build makes.
//!
//! blotter never follows a symlink inside the output. An in-place update
//! that finds one where it would write (or any non-folder where it needs a
//! folder) is not done: the site is staged and swapped instead, and the old
//! output, links and all, is removed with `remove_dir_all`, which removes a
//! link, never what it points to.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::render::Artifact;

/// What the writer knows of a file it wrote (or found already right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    /// Hash of the file's bytes.
    pub hash: u64,
    /// For pages: the fingerprint of what it was rendered from.
    pub fingerprint: Option<u64>,
}

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
    let cwd = std::env::current_dir().ok().map(|cwd| absolute(&cwd));
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

/// The real path of `path`: its nearest existing ancestor as the file
/// system resolves it (links and all), with the rest appended. The output
/// may not exist yet, and a link among its parents must not hide where it
/// really is.
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let (real, rest) = joined
        .ancestors()
        .find_map(|ancestor| {
            let real = ancestor.canonicalize().ok()?;
            Some((real, joined.strip_prefix(ancestor).ok()?.to_path_buf()))
        })
        .unwrap_or_else(|| (PathBuf::new(), joined.clone()));
    let mut out = real;
    for c in rest.components() {
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

/// The output folder as given, without `.` components (`output/.`,
/// `./output/` and `output` are one folder): renaming a path that ends in
/// `.` fails, and the cache folder's name is taken from the last component.
/// An empty result is the current folder, which [`check_target`] refuses.
pub fn normal_output(path: &Path) -> PathBuf {
    let normal: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if normal.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normal
    }
}

/// Writes every artifact into a staging folder, then swaps it in.
/// On any failure the staging folder is removed and the output is untouched.
/// Returns each file written with the hash of its bytes, for the cache;
/// what the build should tell the user but need not fail for goes to
/// `warnings`. `owned_before` names the top-level entries the last build
/// wrote: they are replaced even where this build no longer writes them.
pub fn publish<I>(
    output: &Path,
    artifacts: I,
    owned_before: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<(String, FileEntry)>>
where
    I: ParallelIterator<Item = Result<Artifact>>,
{
    let (parent, name) = split(output)?;
    fs::create_dir_all(&parent)
        .with_context(|| format!("{}: cannot create folder", parent.display()))?;
    remove_stale(&parent, &name, warnings);
    let staging = parent.join(format!(".{name}.blotter-staging-{}", std::process::id()));
    let written = fill(&staging, artifacts).inspect_err(|_| {
        let _ = fs::remove_dir_all(&staging);
    })?;
    swap(&staging, output, &parent, &name, owned_before, warnings)?;
    Ok(written)
}

/// What [`publish`] does first, for a build that updates the output in
/// place: the leftovers of a killed build beside the output are removed,
/// and folders named like them but not blotter's are reported.
pub fn clear_leftovers(output: &Path, warnings: &mut Vec<Warning>) {
    if let Ok((parent, name)) = split(output) {
        remove_stale(&parent, &name, warnings);
    }
}

/// Something a build reports without failing: a path and what about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: PathBuf,
    pub message: String,
}

impl Warning {
    pub fn new(path: &Path, message: impl Into<String>) -> Warning {
        Warning {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
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
        let hash = crate::hash::content_hash(&artifact.bytes);
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

/// Whether `name` is one blotter gives its own bookkeeping files in the
/// output (its marker, the list of entries kept through a swap, a
/// temporary file): never the user's, whatever folder it is in.
pub fn is_bookkeeping(name: &str) -> bool {
    name == MARKER || name == KEPT_LIST || crate::files::is_temporary(name)
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
fn safe_relative(path: &str) -> Result<&Path> {
    let p = Path::new(path);
    let ok = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("internal error: unsafe output path {path:?}");
    }
    Ok(p)
}

/// Written into the staging folder before the user's entries are moved
/// into it: their names, so a build killed before its swap completes can
/// put them back. Removed from the output after the swap.
pub const KEPT_LIST: &str = ".blotter-kept";

/// Moves the user's entries (every top-level entry of the old output that
/// this build did not write, see the module docs) from the old output into
/// the staging folder, renames the old output aside, the staging folder
/// into place, and then removes the old one.
fn swap(
    staging: &Path,
    output: &Path,
    parent: &Path,
    name: &str,
    owned_before: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let old = parent.join(format!(".{name}.blotter-old-{}", std::process::id()));
    let found = fs::symlink_metadata(output).ok();
    let had_old = found.is_some();
    // An output that is itself a link is moved aside as a link: its
    // target, the user's entries included, is left as it is.
    let is_folder = found.is_some_and(|m| m.is_dir());
    // On failure the user's entries go back before the staging folder is
    // removed; any that will not are left in it for the next build.
    let put_back = || {
        if give_back_kept(staging, output) {
            let _ = fs::remove_dir_all(staging);
        }
    };
    let kept = if is_folder {
        keep_users_entries(output, staging, owned_before).inspect_err(|_| put_back())?
    } else {
        Vec::new()
    };
    if had_old {
        if let Err(err) = fs::rename(output, &old) {
            put_back();
            return Err(err).with_context(|| {
                format!(
                    "{}: cannot move the previous output aside",
                    output.display()
                )
            });
        }
    }
    if let Err(err) = fs::rename(staging, output) {
        if had_old {
            let _ = fs::rename(&old, output);
        }
        put_back();
        return Err(err)
            .with_context(|| format!("{}: cannot move the new site into place", output.display()));
    }
    if !kept.is_empty() {
        let _ = fs::remove_file(output.join(KEPT_LIST));
    }
    if had_old {
        // The new site is in place: a folder that will not go is the next
        // build's to remove (it carries the marker), not a failed build.
        if let Err(err) = fs::remove_dir_all(&old) {
            warnings.push(Warning::new(
                &old,
                format!("cannot remove the previous output ({err}); the next build will try again"),
            ));
        }
    }
    Ok(())
}

/// Moves every top-level entry of `output` that `staging` does not have
/// (and that is neither blotter's bookkeeping nor in `owned_before`) into
/// `staging`, after listing their names in its [`KEPT_LIST`].
fn keep_users_entries(
    output: &Path,
    staging: &Path,
    owned_before: &[String],
) -> Result<Vec<std::ffi::OsString>> {
    let entries =
        fs::read_dir(output).with_context(|| format!("{}: cannot read", output.display()))?;
    let mut kept = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot read", output.display()))?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let ours = is_bookkeeping(&text)
            || owned_before.iter().any(|owned| *owned == text)
            || fs::symlink_metadata(staging.join(&name)).is_ok();
        if !ours {
            kept.push(name);
        }
    }
    if kept.is_empty() {
        return Ok(kept);
    }
    kept.sort();
    let list = staging.join(KEPT_LIST);
    fs::write(&list, names_to_bytes(&kept))
        .with_context(|| format!("{}: cannot write", list.display()))?;
    move_entries(&kept, output, staging)?;
    Ok(kept)
}

/// Renames each of `names` from `from` into `to`, stopping at the first
/// that fails.
fn move_entries(names: &[std::ffi::OsString], from: &Path, to: &Path) -> Result<()> {
    for name in names {
        fs::rename(from.join(name), to.join(name)).with_context(|| {
            format!(
                "{}: cannot move into {}",
                from.join(name).display(),
                to.display()
            )
        })?;
    }
    Ok(())
}

/// File names, each ended by a NUL (the one byte no file name holds).
fn names_to_bytes(names: &[std::ffi::OsString]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in names {
        bytes.extend_from_slice(name.as_encoded_bytes());
        bytes.push(0);
    }
    bytes
}

fn names_from_bytes(bytes: &[u8]) -> Vec<std::ffi::OsString> {
    bytes
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .filter_map(|name| {
            let name = os_str_from_bytes(name)?;
            // Only a plain name, never a path.
            let mut parts = Path::new(&name).components();
            matches!(
                (parts.next(), parts.next()),
                (Some(Component::Normal(_)), None)
            )
            .then_some(name)
        })
        .collect()
}

#[cfg(unix)]
fn os_str_from_bytes(bytes: &[u8]) -> Option<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    Some(std::ffi::OsStr::from_bytes(bytes).to_os_string())
}

#[cfg(not(unix))]
fn os_str_from_bytes(bytes: &[u8]) -> Option<std::ffi::OsString> {
    std::str::from_utf8(bytes).ok().map(Into::into)
}

/// Staging and old folders left by a build that was killed: removed, but
/// only when they carry blotter's marker (or are empty: a build killed
/// before it wrote the marker); others named like them are reported and
/// left alone. A build killed between its two renames left the previous
/// site only in its old folder: that one is put back first, and then the
/// user's entries a killed build had moved into its staging folder go back
/// into the output.
fn remove_stale(parent: &Path, name: &str, warnings: &mut Vec<Warning>) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let staging = format!(".{name}.blotter-staging-");
    let old = format!(".{name}.blotter-old-");
    let output = parent.join(name);
    let mut stale: Vec<(bool, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let is_old = file_name.starts_with(&old);
        if !(is_old || file_name.starts_with(&staging)) {
            continue;
        }
        let path = entry.path();
        let made_by_us = !is_symlink(&path) && (path.join(MARKER).is_file() || is_empty_dir(&path));
        if made_by_us {
            // Old folders first: one may have to be put back as the output.
            stale.push((!is_old, path));
        } else {
            warnings.push(Warning::new(
                &path,
                "named like a folder blotter leaves behind, but without its marker: left alone",
            ));
        }
    }
    stale.sort();
    for (is_staging, path) in stale {
        if !is_staging
            && fs::symlink_metadata(&output).is_err()
            && fs::rename(&path, &output).is_ok()
        {
            continue;
        }
        if is_staging && !give_back_kept(&path, &output) {
            warnings.push(Warning::new(
                &path,
                format!(
                    "left by a build that was cut short, holding entries of {} it could not put back: left alone",
                    output.display()
                ),
            ));
            continue;
        }
        let _ = fs::remove_dir_all(&path);
    }
}

/// Moves the entries a killed build listed in its staging folder's
/// [`KEPT_LIST`] back into the output. Whether none is left in `staging`.
fn give_back_kept(staging: &Path, output: &Path) -> bool {
    let Ok(list) = fs::read(staging.join(KEPT_LIST)) else {
        return true;
    };
    let mut all_back = true;
    for name in names_from_bytes(&list) {
        let from = staging.join(&name);
        if fs::symlink_metadata(&from).is_err() {
            continue;
        }
        let to = output.join(&name);
        let free = fs::symlink_metadata(&to).is_err();
        all_back &= free && output.is_dir() && fs::rename(&from, &to).is_ok();
    }
    all_back
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
        let mut warnings = Vec::new();
        remove_stale(parent, "site", &mut warnings);
        let site = parent.join("site");
        assert_eq!(
            fs::read_to_string(site.join("index.html")).unwrap(),
            "previous"
        );
        assert!(!old.exists() && !staging.exists());
        assert!(!parent.join(".site.blotter-staging-43").exists());
        assert!(foreign.join("keep.txt").is_file());
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].path, foreign);
    }

    fn artifact(path: &str, bytes: &str) -> Artifact {
        Artifact {
            path: path.to_string(),
            bytes: bytes.as_bytes().to_vec(),
            fingerprint: None,
        }
    }

    fn temporaries(dir: &Path) -> Vec<PathBuf> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("blotter-tmp"))
            .map(|e| e.path().to_path_buf())
            .collect()
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path();
        // Fails mid-way, after its temporary file was made.
        let failing = [artifact("a/write-fails-here.html", "x")];
        assert!(update_in_place(output, &failing, &[]).is_err());
        assert_eq!(temporaries(output), Vec::<PathBuf>::new());
        // Fails at the rename: the target is now a folder.
        fs::create_dir_all(output.join("b/page.html/inside")).unwrap();
        let blocked = [artifact("b/page.html", "x")];
        assert!(update_in_place(output, &blocked, &[]).is_err());
        assert_eq!(temporaries(output), Vec::<PathBuf>::new());
        // Files that share a stem get temporary files of their own.
        let pair = [artifact("s/app.css", "css"), artifact("s/app.js", "js")];
        update_in_place(output, &pair, &[]).unwrap();
        assert_eq!(fs::read_to_string(output.join("s/app.css")).unwrap(), "css");
        assert_eq!(fs::read_to_string(output.join("s/app.js")).unwrap(), "js");
        assert_eq!(temporaries(output), Vec::<PathBuf>::new());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_or_file_on_the_way_is_found_before_an_in_place_write() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        fs::create_dir_all(output.join("releases/a")).unwrap();
        fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        assert_eq!(
            not_a_folder_on_the_way(&output, ["releases/a/index.html"], []),
            None
        );
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), output.join("static")).unwrap();
        assert_eq!(
            not_a_folder_on_the_way(&output, ["static/x/app.css"], []),
            Some(output.join("static"))
        );
        assert_eq!(
            not_a_folder_on_the_way(&output, [], ["static/app.css"]),
            Some(output.join("static"))
        );
        assert_eq!(
            not_a_folder_on_the_way(&output, ["releases"], []),
            Some(output.join("releases")),
            "a file to be written that is now a folder"
        );
    }

    #[test]
    fn a_staged_swap_moves_the_users_entries_into_the_new_site() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        fs::create_dir_all(output.join(".git/objects")).unwrap();
        fs::write(output.join(".git/HEAD"), "ref").unwrap();
        fs::write(output.join("CNAME"), "example.org").unwrap();
        fs::write(output.join(MARKER), MARKER_TEXT).unwrap();
        fs::create_dir_all(output.join("releases/gone")).unwrap();
        fs::create_dir_all(output.join("static")).unwrap();
        fs::write(output.join("static/old.css"), "old").unwrap();
        let mut warnings = Vec::new();
        let pages = vec![Ok(artifact("releases/new/index.html", "new"))];
        publish(
            &output,
            pages.into_par_iter(),
            &["static".to_string()],
            &mut warnings,
        )
        .unwrap();
        assert_eq!(fs::read_to_string(output.join(".git/HEAD")).unwrap(), "ref");
        assert!(output.join(".git/objects").is_dir());
        assert_eq!(
            fs::read_to_string(output.join("CNAME")).unwrap(),
            "example.org"
        );
        assert!(output.join("releases/new/index.html").is_file());
        assert!(!output.join("releases/gone").exists());
        assert!(
            !output.join("static").exists(),
            "the last build's, not the user's"
        );
        assert!(!output.join(KEPT_LIST).exists());
        assert_eq!(warnings, []);
    }

    #[cfg(unix)]
    #[test]
    fn an_output_that_is_a_link_is_replaced_and_its_target_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("served");
        fs::create_dir(&target).unwrap();
        fs::write(target.join(MARKER), MARKER_TEXT).unwrap();
        fs::write(target.join("CNAME"), "example.org").unwrap();
        let output = dir.path().join("site");
        std::os::unix::fs::symlink(&target, &output).unwrap();
        let pages = vec![Ok(artifact("index.html", "new"))];
        publish(&output, pages.into_par_iter(), &[], &mut Vec::new()).unwrap();
        assert!(fs::symlink_metadata(&output).unwrap().is_dir());
        assert_eq!(
            fs::read_to_string(target.join("CNAME")).unwrap(),
            "example.org"
        );
        assert!(target.join(MARKER).is_file());
    }

    #[test]
    fn the_users_entries_in_a_killed_builds_staging_folder_are_given_back() {
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path();
        let output = parent.join("site");
        fs::create_dir_all(&output).unwrap();
        fs::write(output.join(MARKER), MARKER_TEXT).unwrap();
        // Killed after moving `CNAME` into its staging folder.
        let staging = parent.join(".site.blotter-staging-7");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join(MARKER), MARKER_TEXT).unwrap();
        fs::write(staging.join("CNAME"), "example.org").unwrap();
        let names = [std::ffi::OsString::from("CNAME")];
        fs::write(staging.join(KEPT_LIST), names_to_bytes(&names)).unwrap();
        let mut warnings = Vec::new();
        remove_stale(parent, "site", &mut warnings);
        assert_eq!(
            fs::read_to_string(output.join("CNAME")).unwrap(),
            "example.org"
        );
        assert!(!staging.exists());
        assert_eq!(warnings, []);
    }

    #[test]
    fn an_output_path_is_used_without_its_dot_components() {
        for given in ["out/.", "out/", "./out", "./out/./"] {
            assert_eq!(normal_output(Path::new(given)), Path::new("out"), "{given}");
        }
        assert_eq!(normal_output(Path::new("./.")), Path::new("."));
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
