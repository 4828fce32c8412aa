//! The staged site swapped in, the user's own top-level entries carried
//! across, and what a killed build left beside the output cleared away.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use super::{is_bookkeeping, Warning, MARKER};

/// Written into the staging folder before the user's entries are moved
/// into it: their names, so a build killed before its swap completes can
/// put them back. Removed from the output after the swap.
pub const KEPT_LIST: &str = ".blotter-kept";

/// Moves the user's entries (every top-level entry of the old output that
/// this build did not write, see the module docs) from the old output into
/// the staging folder, renames the old output aside, the staging folder
/// into place, and then removes the old one.
pub(super) fn swap(
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
pub(super) fn keep_users_entries(
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
pub(super) fn move_entries(names: &[std::ffi::OsString], from: &Path, to: &Path) -> Result<()> {
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
pub(super) fn names_to_bytes(names: &[std::ffi::OsString]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in names {
        bytes.extend_from_slice(name.as_encoded_bytes());
        bytes.push(0);
    }
    bytes
}

pub(super) fn names_from_bytes(bytes: &[u8]) -> Vec<std::ffi::OsString> {
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
pub(super) fn os_str_from_bytes(bytes: &[u8]) -> Option<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    Some(std::ffi::OsStr::from_bytes(bytes).to_os_string())
}

#[cfg(not(unix))]
pub(super) fn os_str_from_bytes(bytes: &[u8]) -> Option<std::ffi::OsString> {
    std::str::from_utf8(bytes).ok().map(Into::into)
}

/// Staging and old folders left by a build that was killed: removed, but
/// only when they carry blotter's marker (or are empty: a build killed
/// before it wrote the marker); others named like them are reported and
/// left alone. A build killed between its two renames left the previous
/// site only in its old folder: that one is put back first, and then the
/// user's entries a killed build had moved into its staging folder go back
/// into the output.
pub(super) fn remove_stale(parent: &Path, name: &str, warnings: &mut Vec<Warning>) {
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
pub(super) fn give_back_kept(staging: &Path, output: &Path) -> bool {
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

pub(super) fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

pub(super) fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}
