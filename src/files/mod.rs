//! File-system helpers shared by every stage and the build cache: file
//! stamps, the order paths sort in, and the one way blotter writes a file
//! whole or not at all. Each error names the path it is about.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

pub mod stat;

/// What a file's metadata says about its contents, as git's index and
/// cargo's fingerprints use it: equal stamps mean the file was not touched
/// (size, modification and change times, inode). The change time cannot be
/// set back by tools that restore modification times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    /// Modification time in nanoseconds since the epoch.
    pub modified: i128,
    pub changed: i128,
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (changed, inode) = (modified, 0);
        Stamp {
            len: meta.len(),
            modified,
            changed,
            inode,
        }
    }

    /// Whether the file was modified too close to `now` for its stamp to be
    /// trusted: a second write within the file system's timestamp
    /// granularity would leave the stamp as it is (git's "racy clean").
    pub fn is_recent(&self, now: i128) -> bool {
        let newest = self.modified.max(self.changed);
        // Sub-second timestamps (ext4, btrfs, APFS, NTFS) move every few
        // milliseconds; whole-second ones (FAT, HFS+) can stand for two.
        let window = if newest % 1_000_000_000 == 0 {
            2_000_000_000
        } else {
            100_000_000
        };
        now - newest < window
    }
}

/// Nanoseconds since the epoch, as stamps count them.
pub fn now_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// A byte key that orders paths as `Path`'s component-wise comparison
/// does (separators lowest), for sorting without re-parsing paths.
pub fn path_order(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    let mut key = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let mut key = path.to_string_lossy().into_owned().into_bytes();
    for byte in &mut key {
        if std::path::is_separator(char::from(*byte)) {
            *byte = 0;
        }
    }
    key
}

/// Marks a temporary file's name: `.<name>.blotter-tmp-<pid>-<n>`.
const TEMPORARY: &str = ".blotter-tmp-";

/// Whether `name` is one of [`write_atomically`]'s temporary files.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name.rsplit_once(TEMPORARY).is_some_and(|(_, tail)| {
            tail.split_once('-').is_some_and(|(pid, n)| {
                !pid.is_empty()
                    && !n.is_empty()
                    && pid.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
            })
        })
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file of
/// its own beside it (named from the whole file name, this process and a
/// counter, and created exclusively, so `app.css` and `app.js` never share
/// one and no two writers and no leftover do either), then renamed over
/// it. On any error the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let tmp = temporary_name(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    let written = (write_hook(&tmp).and_then(|()| file.write_all(bytes)))
        .with_context(|| format!("{}: cannot write", tmp.display()));
    drop(file);
    let renamed = written.and_then(|()| {
        std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// A name for a temporary file beside `path` that no other writer uses.
fn temporary_name(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(
        ".{name}{TEMPORARY}{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Lets a unit test make a write fail after its temporary file exists:
/// writes of files named with `write-fails-here` fail.
#[cfg(test)]
fn write_hook(tmp: &Path) -> std::io::Result<()> {
    if tmp.to_string_lossy().contains("write-fails-here") {
        return Err(std::io::Error::other("injected failure"));
    }
    Ok(())
}

#[cfg(not(test))]
fn write_hook(_tmp: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_order_is_path_order() {
        // `-` and `.` sort below `/` as bytes, but a folder's files still
        // come right after the folder, as `Path`'s comparison has it.
        let mut paths: Vec<PathBuf> = [
            "a.txt",
            "a/b.txt",
            "a-b/c.txt",
            "a/b/c.txt",
            "ab.txt",
            "a/a.md",
        ]
        .iter()
        .map(|p| Path::new("releases").join(p))
        .collect();
        let mut by_key = paths.clone();
        by_key.sort_by_cached_key(|p| path_order(p));
        paths.sort();
        assert_eq!(by_key, paths);
    }

    #[test]
    fn temporary_names_are_told_apart_from_look_alikes() {
        let path = Path::new("out/app.css");
        let tmp = temporary_name(path);
        let name = tmp.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(".app.css.blotter-tmp-"), "{name}");
        assert!(is_temporary(name));
        for other in [
            "app.css",
            ".app.css.blotter-tmp-",
            ".x.blotter-tmp-12-a",
            "x.blotter-tmp-1-2",
        ] {
            assert!(!is_temporary(other), "{other}");
        }
    }

    #[test]
    fn a_failed_write_leaves_neither_file_nor_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("write-fails-here.html");
        assert!(write_atomically(&path, b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_never_touches_another() {
        let dir = tempfile::tempdir().unwrap();
        // What `with_extension("tmp")` would have clobbered.
        std::fs::write(dir.path().join("units.tmp"), "someone's").unwrap();
        // The rename fails: a folder is where the file goes.
        std::fs::create_dir(dir.path().join("units")).unwrap();
        std::fs::write(dir.path().join("units/inside"), "x").unwrap();
        assert!(write_atomically(&dir.path().join("units"), b"new").is_err());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["units", "units.tmp"]);
        assert_eq!(
            std::fs::read(dir.path().join("units.tmp")).unwrap(),
            b"someone's"
        );
        write_atomically(&dir.path().join("manifest"), b"ok").unwrap();
        assert_eq!(std::fs::read(dir.path().join("manifest")).unwrap(), b"ok");
    }
}
