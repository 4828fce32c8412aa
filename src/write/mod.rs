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
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::render::Artifact;

mod in_place;
mod staged;
mod swap;
mod target;

pub use in_place::{not_a_folder_on_the_way, update_in_place};
use staged::fill;
pub use swap::KEPT_LIST;
use swap::{remove_stale, swap};
use target::absolute;
pub use target::{check_target, normal_output, Refusal};

/// What the writer knows of a file it wrote (or found already right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    /// Hash of the file's bytes.
    pub hash: u64,
    /// For pages: the fingerprint of what it was rendered from.
    pub fingerprint: Option<u64>,
    /// The file's length in bytes, for the site's size.
    pub size: u64,
}

/// Marker file that says "blotter made this folder and may replace it".
pub const MARKER: &str = ".blotter-output";
const MARKER_TEXT: &str = "This folder was made by blotter; the next build replaces it.\n";

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

/// Whether `name` is one blotter gives its own bookkeeping files in the
/// output (its marker, the list of entries kept through a swap, a
/// temporary file): never the user's, whatever folder it is in.
pub fn is_bookkeeping(name: &str) -> bool {
    name == MARKER || name == KEPT_LIST || crate::files::is_temporary(name)
}

#[cfg(test)]
mod tests {
    use super::in_place::safe_relative;
    use super::swap::names_to_bytes;
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
