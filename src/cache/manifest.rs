//! The manifest of the last build: every output file with the hash of its
//! bytes and (for pages) the fingerprint of the inputs it was rendered
//! from, and every output folder with its modification time. With it a
//! rebuild renders only pages whose inputs changed, writes only files whose
//! bytes changed, and lists only folders whose entries changed (creating,
//! deleting or renaming a file in a folder moves the folder's time), which
//! is what keeps a rebuild of a 100,000-page site from reading 100,000
//! folders to notice a page deleted by hand.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Stamp;

const MAGIC: &str = "blotter-manifest 3";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Hash of the file's bytes.
    pub hash: u64,
    /// For pages: the fingerprint of what it was rendered from.
    pub fingerprint: Option<u64>,
}

/// One build's output, for one build key.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub key: u64,
    /// Output path (`/`-separated, relative) -> its entry.
    pub files: FxHashMap<String, FileEntry>,
    /// Output folder (relative, `""` for the root) -> its stamp after the build.
    pub dirs: FxHashMap<String, Stamp>,
    /// When the folder stamps were taken, in nanoseconds since the epoch.
    pub taken: i128,
}

type Stored<'a> = (
    &'a str,
    u64,
    i128,
    Vec<(&'a String, &'a FileEntry)>,
    Vec<(&'a String, &'a Stamp)>,
);

#[derive(Deserialize)]
struct Loaded {
    magic: String,
    key: u64,
    taken: i128,
    files: Vec<(String, FileEntry)>,
    dirs: Vec<(String, Stamp)>,
}

impl Manifest {
    /// The manifest of the last build into `output`, if it has this key.
    pub fn load(output: &Path, key: u64) -> Option<Manifest> {
        let bytes = std::fs::read(super::folder(output)?.join("manifest")).ok()?;
        let loaded: Loaded = postcard::from_bytes(&bytes).ok()?;
        (loaded.magic == MAGIC && loaded.key == key).then(|| Manifest {
            key,
            files: loaded.files.into_iter().collect(),
            dirs: loaded.dirs.into_iter().collect(),
            taken: loaded.taken,
        })
    }

    /// Writes the manifest atomically (temporary file, then rename), sorted
    /// so it is the same bytes for the same site and folder times.
    pub fn save(&self, output: &Path) -> Result<()> {
        let dir = super::folder(output).context("output folder has no name")?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        let (files, dirs) = rayon::join(
            || {
                let mut files: Vec<_> = self.files.iter().collect();
                files.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
                files
            },
            || {
                let mut dirs: Vec<_> = self.dirs.iter().collect();
                dirs.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
                dirs
            },
        );
        let stored: Stored = (MAGIC, self.key, self.taken, files, dirs);
        let bytes = postcard::to_stdvec(&stored)?;
        let path = dir.join("manifest");
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// Forgets the manifest (before a build that will not record one).
    pub fn remove(output: &Path) {
        if let Some(dir) = super::folder(output) {
            let _ = std::fs::remove_file(dir.join("manifest"));
        }
    }

    /// Stamps the folders that hold the manifest's files (all of them, or
    /// only those in `touched` and their parents), after a build wrote them.
    pub fn stamp_dirs(&mut self, output: &Path, touched: Option<&[String]>) {
        let wanted = match touched {
            Some(paths) => folders_of(paths),
            None => folders_of(self.files.keys()),
        };
        let stamped = dir_stamps(output, wanted.iter().map(String::as_str).collect());
        for (dir, stamp) in stamped {
            match stamp {
                Some(stamp) => self.dirs.insert(dir.to_string(), stamp),
                None => self.dirs.remove(dir),
            };
        }
        self.taken = super::now_nanos();
    }

    /// What is now in `output` (except `marker`): the recorded files of
    /// every folder whose stamp is unchanged and settled are trusted, and
    /// the other folders are listed.
    pub fn files_on_disk(&self, output: &Path, marker: &str) -> Result<OnDisk> {
        let stamps = dir_stamps(output, self.dirs.keys().map(String::as_str).collect());
        let checked: Vec<Option<(&str, Vec<String>)>> = stamps
            .into_par_iter()
            .map(|(dir, now)| {
                let recorded = self.dirs.get(dir);
                Ok(match now {
                    Some(now) if Some(&now) == recorded && !now.is_recent(self.taken) => None,
                    // Gone (and so are its files), or changed: listed.
                    None => Some((dir, Vec::new())),
                    Some(_) => Some((dir, self.list_dir(output, dir, marker)?)),
                })
            })
            .collect::<Result<_>>()?;
        let mut on_disk = OnDisk::default();
        for (dir, files) in checked.into_iter().flatten() {
            on_disk.listed_dirs.insert(dir.to_string());
            on_disk.listed.extend(files);
        }
        Ok(on_disk)
    }

    /// Whether `path` is in the output, by what `files_on_disk` found.
    pub fn is_on_disk(&self, on_disk: &OnDisk, path: &str) -> bool {
        on_disk.listed.contains(path)
            || (!on_disk.listed_dirs.contains(parent(path)) && self.files.contains_key(path))
    }

    /// Every file in the output, by what `files_on_disk` found.
    pub fn all_on_disk<'a>(&'a self, on_disk: &'a OnDisk) -> impl Iterator<Item = &'a String> {
        self.files
            .keys()
            .filter(|path| !on_disk.listed_dirs.contains(parent(path)))
            .chain(&on_disk.listed)
    }

    /// The files of one folder, and of any subfolder the manifest does not
    /// know (made by hand): those are walked whole.
    fn list_dir(&self, output: &Path, dir: &str, marker: &str) -> Result<Vec<String>> {
        let mut files = Vec::new();
        let full = output.join(dir);
        let entries =
            std::fs::read_dir(&full).with_context(|| format!("{}: cannot read", full.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("{}: cannot read", full.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if !is_dir {
                if path != marker {
                    files.push(path);
                }
            } else if !self.dirs.contains_key(&path) {
                for found in walkdir::WalkDir::new(entry.path()).follow_links(false) {
                    let found = found.with_context(|| format!("{}: cannot read", path))?;
                    if !found.file_type().is_dir() {
                        let rel = found.path().strip_prefix(output).unwrap_or(found.path());
                        let parts: Vec<_> = rel
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect();
                        files.push(parts.join("/"));
                    }
                }
            }
        }
        Ok(files)
    }
}

/// The output as found, relative to the manifest: the folders whose
/// entries changed since they were recorded, and the files now in them
/// (and in any folder made by hand under them). Elsewhere the manifest's
/// files are on disk as recorded; in the usual rebuild both sets are empty.
#[derive(Debug, Default)]
pub struct OnDisk {
    pub listed_dirs: FxHashSet<String>,
    pub listed: FxHashSet<String>,
}

/// The folders holding `paths`, and every folder above them.
fn folders_of<'a>(paths: impl IntoIterator<Item = &'a String>) -> FxHashSet<String> {
    let mut folders = FxHashSet::default();
    for path in paths {
        let mut dir = parent(path);
        while folders.insert(dir.to_string()) && !dir.is_empty() {
            dir = parent(dir);
        }
    }
    folders
}

/// The stamps of output folders (relative paths; `None` for a folder that
/// is gone or is no longer a folder), in parallel. Each is stat'ed by name
/// within its open parent folder: with 100,000 release folders, the
/// kernel's walk down each full path again was a third of the cost.
fn dir_stamps<'a>(output: &Path, dirs: Vec<&'a str>) -> Vec<(&'a str, Option<Stamp>)> {
    let mut by_parent: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    let mut stamps = Vec::with_capacity(dirs.len());
    for dir in dirs {
        if dir.is_empty() {
            stamps.push((dir, dir_stamp(output)));
        } else {
            by_parent.entry(parent(dir)).or_default().push(dir);
        }
    }
    let by_parent: Vec<(&str, Vec<&str>)> = by_parent.into_iter().collect();
    stamps.par_extend(by_parent.into_par_iter().flat_map(|(parent, dirs)| {
        let folder = OpenFolder::open(&output.join(parent));
        dirs.into_par_iter()
            .map(move |dir| (dir, folder.as_ref().and_then(|f| f.dir_stamp(name(dir)))))
            .collect::<Vec<_>>()
    }));
    stamps
}

/// A folder's stamp; `None` when it is gone (or is no longer a folder).
fn dir_stamp(path: &Path) -> Option<Stamp> {
    std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| Stamp::of(&m))
}

/// An open folder, whose entries are stat'ed by name.
#[cfg(unix)]
struct OpenFolder(rustix::fd::OwnedFd);

#[cfg(unix)]
impl OpenFolder {
    fn open(path: &Path) -> Option<OpenFolder> {
        use rustix::fs::{Mode, OFlags};
        rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()
        .map(OpenFolder)
    }

    /// The stamp of the subfolder `name`, as [`Stamp::of`] would give it.
    fn dir_stamp(&self, name: &str) -> Option<Stamp> {
        use rustix::fs::{AtFlags, FileType};
        let stat = rustix::fs::statat(&self.0, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
            return None;
        }
        let nanos = |secs: i128, nsec: i128| secs * 1_000_000_000 + nsec;
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        Some(Stamp {
            len: u64::try_from(stat.st_size).unwrap_or(0),
            modified: nanos(
                i128::from(stat.st_mtime as i64),
                i128::from(stat.st_mtime_nsec as u64),
            )
            .max(0),
            changed: nanos(
                i128::from(stat.st_ctime as i64),
                i128::from(stat.st_ctime_nsec as u64),
            ),
            inode: stat.st_ino as u64,
        })
    }
}

/// Elsewhere, each folder is stat'ed by its full path.
#[cfg(not(unix))]
struct OpenFolder(std::path::PathBuf);

#[cfg(not(unix))]
impl OpenFolder {
    fn open(path: &Path) -> Option<OpenFolder> {
        Some(OpenFolder(path.to_path_buf()))
    }

    fn dir_stamp(&self, name: &str) -> Option<Stamp> {
        dir_stamp(&self.0.join(name))
    }
}

/// `a/b/c.html` -> `a/b`; `c.html` -> ``.
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |at| &path[..at])
}

/// `a/b/c.html` -> `c.html`.
fn name(path: &str) -> &str {
    path.rfind('/').map_or(path, |at| &path[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(hash: u64) -> FileEntry {
        FileEntry {
            hash,
            fingerprint: Some(hash + 1),
        }
    }

    #[test]
    fn round_trips_and_checks_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        let mut manifest = Manifest {
            key: 7,
            files: [
                ("index.html".to_string(), entry(42)),
                ("a b/c.html".to_string(), entry(1)),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        std::fs::create_dir_all(output.join("a b")).unwrap();
        manifest.stamp_dirs(&output, None);
        assert_eq!(manifest.dirs.len(), 2, "the root and `a b`");
        manifest.save(&output).unwrap();
        assert_eq!(Manifest::load(&output, 7), Some(manifest));
        assert_eq!(Manifest::load(&output, 8), None);
        std::fs::write(dir.path().join(".site.blotter-cache/manifest"), "garbage").unwrap();
        assert_eq!(
            Manifest::load(&output, 7),
            None,
            "a corrupt manifest means a clean build"
        );
    }

    #[test]
    fn folders_whose_entries_changed_are_listed_again() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        for path in ["index.html", "a/one.html", "a/two.html", "b/three.html"] {
            let full = output.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "x").unwrap();
        }
        let mut manifest = Manifest::default();
        for path in ["index.html", "a/one.html", "a/two.html", "b/three.html"] {
            manifest.files.insert(path.to_string(), entry(0));
        }
        manifest.stamp_dirs(&output, None);
        // Stamps taken a moment ago are not trusted; pretend they are old.
        manifest.taken += 10_000_000_000;
        let all: FxHashSet<String> = manifest.files.keys().cloned().collect();
        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        assert!(
            on_disk.listed_dirs.is_empty(),
            "nothing listed: {on_disk:?}"
        );
        assert_eq!(all_on_disk(&manifest, &on_disk), all);

        // Past the file system's timestamp granularity, so the folders' times move.
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::remove_file(output.join("a/two.html")).unwrap();
        std::fs::create_dir_all(output.join("b/stray")).unwrap();
        std::fs::write(output.join("b/stray/x.txt"), "x").unwrap();
        let mut expected = all.clone();
        expected.remove("a/two.html");
        expected.insert("b/stray/x.txt".to_string());
        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        assert_eq!(all_on_disk(&manifest, &on_disk), expected);
        assert!(!manifest.is_on_disk(&on_disk, "a/two.html"));
        assert!(manifest.is_on_disk(&on_disk, "a/one.html"));
        assert!(manifest.is_on_disk(&on_disk, "b/stray/x.txt"));
        assert!(manifest.is_on_disk(&on_disk, "index.html"));
    }

    fn all_on_disk(manifest: &Manifest, on_disk: &OnDisk) -> FxHashSet<String> {
        manifest.all_on_disk(on_disk).cloned().collect()
    }
}
