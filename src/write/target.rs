//! Where a build may write: the output folder checked before anything
//! is written, so a wrong `--output` cannot touch the content, the theme
//! or a folder blotter did not make.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::Result;

use super::MARKER;

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
pub(super) fn absolute(path: &Path) -> PathBuf {
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
