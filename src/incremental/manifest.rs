//! The manifest of the last build: every output file with the hash of its
//! bytes and (for pages) the fingerprint of the inputs it was rendered
//! from, and every output folder with its modification time. With it a
//! rebuild renders only pages whose inputs changed, writes only files whose
//! bytes changed, and lists only folders whose entries changed (creating,
//! deleting or renaming a file in a folder moves the folder's time), which
//! is what keeps a rebuild of a 100,000-page site from reading 100,000
//! folders to notice a page deleted by hand.
//!
//! It is kept as 64 shards (by a hash of each path) and a head file naming
//! the build key. A rebuild that changes a few pages writes back only the
//! shards those pages fall in; the head is removed before the output
//! changes and written after every shard, so a build killed between the
//! two is followed by a clean one. Each file carries a checksum of all it
//! holds: a manifest with any file cut short or changed is not used, and
//! the next build is a clean one.

use rustc_hash::{FxHashMap, FxHashSet};
use std::ffi::OsStr;
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{note_unusable, seal, SealedFile};
use crate::files::stat::{EntryKind, OpenFolder};
use crate::files::{write_atomically, Stamp};
pub use crate::write::FileEntry;

/// Each manifest file starts with it (then the length and checksum of the
/// rest); a new format gets a new one, so an older manifest is not read.
const MAGIC: &str = "blotter-manifest 6\n";
const SHARDS: usize = 64;
const HEAD: &str = "manifest";

/// An output folder's stamp, and when it was taken: a stamp taken within
/// the file system's timestamp granularity of the folder's last change is
/// not trusted (the folder could change again without its time moving).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderStamp {
    pub stamp: Stamp,
    /// In nanoseconds since the epoch.
    pub taken: i128,
}

impl FolderStamp {
    fn holds(&self, now: &Stamp) -> bool {
        *now == self.stamp && !now.is_recent(self.taken)
    }
}

/// One shard: the files and folders whose paths hash to it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Shard {
    files: FxHashMap<String, FileEntry>,
    dirs: FxHashMap<String, FolderStamp>,
    /// Changed since it was loaded (or made), so saved.
    dirty: bool,
}

/// One build's output, for one build key.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub key: u64,
    shards: Vec<Shard>,
}

impl PartialEq for Manifest {
    /// The same key, files and folders (whatever is yet to be saved).
    fn eq(&self, other: &Manifest) -> bool {
        self.key == other.key
            && self.shards.len() == other.shards.len()
            && (self.shards.iter().zip(&other.shards))
                .all(|(a, b)| a.files == b.files && a.dirs == b.dirs)
    }
}

#[derive(Serialize, Deserialize)]
struct StoredShard<'a> {
    key: u64,
    #[serde(borrow)]
    files: Vec<(&'a str, FileEntry)>,
    #[serde(borrow)]
    dirs: Vec<(&'a str, FolderStamp)>,
}

fn shard_of(path: &str) -> usize {
    (crate::hash::stable_hash(path.as_bytes()) % SHARDS as u64) as usize
}

fn shard_name(index: usize) -> String {
    format!("manifest-{index:02x}")
}

impl Manifest {
    /// An empty manifest for `key`: every shard is saved.
    pub fn new(key: u64) -> Manifest {
        let shard = Shard {
            dirty: true,
            ..Default::default()
        };
        Manifest {
            key,
            shards: vec![shard; SHARDS],
        }
    }

    /// Whether a build has recorded its output in `output` (under any key):
    /// the next build there is a rebuild.
    pub fn exists(output: &Path) -> bool {
        super::folder(output).is_some_and(|dir| dir.join(HEAD).is_file())
    }

    /// The manifest of the last build into `output`, if it has this key
    /// and every shard is there and readable.
    pub fn load(output: &Path, key: u64) -> Option<Manifest> {
        Manifest::load_any(output).filter(|m| m.key == key)
    }

    /// The manifest of the last build into `output`, whatever its key
    /// (another blotter binary, theme or setting), if every shard is
    /// there, readable and of the head's key. Under another key only the
    /// files' hashes and the folders' stamps can be trusted: they describe
    /// bytes and folders, not how they were made.
    pub fn load_any(output: &Path) -> Option<Manifest> {
        let dir = super::folder(output)?;
        let head_path = dir.join(HEAD);
        let head = SealedFile::read(&head_path, MAGIC)?;
        let Ok(key) = postcard::from_bytes::<u64>(head.payload()) else {
            note_unusable(&head_path, "not readable");
            return None;
        };
        let shards = (0..SHARDS)
            .into_par_iter()
            .map(|index| {
                let path = dir.join(shard_name(index));
                let file = SealedFile::read(&path, MAGIC)?;
                let Ok(stored) = postcard::from_bytes::<StoredShard>(file.payload()) else {
                    note_unusable(&path, "not readable");
                    return None;
                };
                (stored.key == key).then(|| Shard {
                    files: (stored.files.into_iter())
                        .map(|(p, e)| (p.to_string(), e))
                        .collect(),
                    dirs: (stored.dirs.into_iter())
                        .map(|(p, s)| (p.to_string(), s))
                        .collect(),
                    dirty: false,
                })
            })
            .collect::<Option<Vec<Shard>>>()?;
        Some(Manifest { key, shards })
    }

    /// Makes this the manifest of a build under `key`: every shard is
    /// saved again, since each names its key.
    pub fn rekey(&mut self, key: u64) {
        self.key = key;
        for shard in &mut self.shards {
            shard.dirty = true;
        }
    }

    /// Records folder stamps read by [`Manifest::files_on_disk`], for
    /// folders this build has left holding what the manifest says.
    pub fn adopt_stamps(&mut self, stamps: Vec<(String, FolderStamp)>) {
        for (dir, stamp) in stamps {
            let shard = &mut self.shards[shard_of(&dir)];
            shard.dirty = true;
            shard.dirs.insert(dir, stamp);
        }
    }

    /// Writes the shards that changed (each atomically, sorted so it is
    /// the same bytes for the same site and folder times), then the head.
    pub fn save(&mut self, output: &Path) -> Result<()> {
        let dir = super::folder(output).context("output folder has no name")?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        let key = self.key;
        self.shards
            .par_iter_mut()
            .enumerate()
            .filter(|(_, shard)| shard.dirty)
            .try_for_each(|(index, shard)| {
                let mut files: Vec<(&str, FileEntry)> =
                    shard.files.iter().map(|(p, e)| (p.as_str(), *e)).collect();
                files.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut dirs: Vec<(&str, FolderStamp)> =
                    shard.dirs.iter().map(|(p, s)| (p.as_str(), *s)).collect();
                dirs.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let stored = StoredShard { key, files, dirs };
                write_atomically(&dir.join(shard_name(index)), &seal(MAGIC, &stored)?)?;
                shard.dirty = false;
                Ok::<_, anyhow::Error>(())
            })?;
        write_atomically(&dir.join(HEAD), &seal(MAGIC, &key)?)
    }

    /// Forgets the manifest (before the output changes): without its head
    /// the shards are not read, and the next build is a clean one.
    pub fn remove(output: &Path) {
        if let Some(dir) = super::folder(output) {
            let _ = std::fs::remove_file(dir.join(HEAD));
        }
    }

    /// The entry of the output file `path`.
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.get_key_value(path).map(|(_, entry)| entry)
    }

    /// The entry of the output file `path`, with the path as recorded.
    pub fn get_key_value(&self, path: &str) -> Option<(&str, &FileEntry)> {
        (self.shards[shard_of(path)].files)
            .get_key_value(path)
            .map(|(p, e)| (p.as_str(), e))
    }

    /// How many files the manifest lists.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.files.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every file the manifest lists, in no particular order.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.shards.iter().flat_map(|s| s.files.keys())
    }

    /// Records an output file's entry.
    pub fn record(&mut self, path: String, entry: FileEntry) {
        let shard = &mut self.shards[shard_of(&path)];
        if shard.files.get(&path) != Some(&entry) {
            shard.files.insert(path, entry);
            shard.dirty = true;
        }
    }

    /// Forgets an output file that is no longer produced.
    pub fn forget(&mut self, path: &str) {
        let shard = &mut self.shards[shard_of(path)];
        if shard.files.remove(path).is_some() {
            shard.dirty = true;
        }
    }

    /// The recorded stamp of the output folder `dir`.
    fn folder(&self, dir: &str) -> Option<&FolderStamp> {
        self.shards[shard_of(dir)].dirs.get(dir)
    }

    fn folders(&self) -> impl Iterator<Item = &str> {
        self.shards
            .iter()
            .flat_map(|s| s.dirs.keys().map(String::as_str))
    }

    /// Stamps the folders that hold the manifest's files (all of them, or
    /// only those in `touched` and their parents), after a build wrote them.
    pub fn stamp_dirs(&mut self, output: &Path, touched: Option<&[String]>) {
        let wanted = match touched {
            Some(paths) => folders_of(paths),
            None => folders_of(self.paths()),
        };
        let stamped = dir_stamps(output, wanted.iter().map(String::as_str), |dir, stamp| {
            Some((dir, stamp))
        });
        let taken = crate::files::now_nanos();
        for (dir, stamp) in stamped {
            let shard = &mut self.shards[shard_of(dir)];
            shard.dirty = true;
            match stamp {
                Some(stamp) => shard
                    .dirs
                    .insert(dir.to_string(), FolderStamp { stamp, taken }),
                None => shard.dirs.remove(dir),
            };
        }
    }

    /// What is now in `output` (except `marker`): the recorded files of
    /// every folder whose stamp is unchanged and settled are trusted, and
    /// the other folders are listed.
    pub fn files_on_disk(&self, output: &Path, marker: &str) -> Result<OnDisk> {
        // Only the folders whose stamp moved are kept: in the usual
        // rebuild, none of 100,000.
        // Taken before any stamp is read: a stamp is only ever judged
        // settled against a time no later than when it was read.
        let taken = crate::files::now_nanos();
        let moved = dir_stamps(output, self.folders(), |dir, now| match now {
            Some(now) if self.folder(dir).is_some_and(|r| r.holds(&now)) => None,
            _ => Some((dir, now)),
        });
        type Checked<'d> = (&'d str, Option<Stamp>, Vec<String>, Vec<String>);
        let checked: Vec<Checked> = moved
            .into_par_iter()
            .map(|(dir, now)| {
                // Gone (and so are its files), or changed: listed.
                let (files, mut links) = match now {
                    Some(_) => self.list_dir(output, dir, marker)?,
                    None => (Vec::new(), Vec::new()),
                };
                // Gone, or no longer a folder: a link (or a file) where a
                // recorded folder was is never written through.
                if now.is_none() && std::fs::symlink_metadata(output.join(dir)).is_ok() {
                    links.push(dir.to_string());
                }
                Ok((dir, now, files, links))
            })
            .collect::<Result<_>>()?;
        let mut on_disk = OnDisk::default();
        for (dir, now, files, links) in checked {
            on_disk.listed_dirs.insert(dir.to_string());
            on_disk.listed.extend(files);
            on_disk.links.extend(links);
            if let Some(stamp) = now.filter(|now| !now.is_recent(taken)) {
                on_disk
                    .settled
                    .push((dir.to_string(), FolderStamp { stamp, taken }));
            }
        }
        Ok(on_disk)
    }

    /// Whether `path` is in the output, by what `files_on_disk` found.
    pub fn is_on_disk(&self, on_disk: &OnDisk, path: &str) -> bool {
        match self.get(path) {
            Some(_) => on_disk.has_recorded(path),
            None => on_disk.listed.contains(path),
        }
    }

    /// Every file in the output, by what `files_on_disk` found.
    pub fn all_on_disk<'a>(&'a self, on_disk: &'a OnDisk) -> impl Iterator<Item = &'a String> {
        self.paths()
            .filter(|path| !on_disk.listed_dirs.contains(parent(path)))
            .chain(&on_disk.listed)
    }

    /// Whether the top-level entry `name` of the output is blotter's: one
    /// the last build wrote (a file or a folder it recorded) or a leftover
    /// of its own bookkeeping. Every other top-level entry (`.git`,
    /// `CNAME`, a folder of notes) is the user's and is never listed.
    pub(crate) fn owns_top_level(&self, name: &str) -> bool {
        self.folder(name).is_some()
            || self.get(name).is_some()
            || crate::write::is_bookkeeping(name)
    }

    /// The files of one folder, and of any subfolder the manifest does not
    /// know (made by hand): those are walked whole. In the output's own
    /// folder only blotter's entries are looked at. Also returns the
    /// symlinks found among the folder's entries.
    fn list_dir(
        &self,
        output: &Path,
        dir: &str,
        marker: &str,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let mut files = Vec::new();
        let mut links = Vec::new();
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
            if dir.is_empty() && !self.owns_top_level(&path) {
                continue;
            }
            let kind = entry.file_type().ok();
            let is_dir = kind.is_some_and(|t| t.is_dir());
            if kind.is_some_and(|t| t.is_symlink()) {
                links.push(path.clone());
            }
            if !is_dir {
                if path != marker {
                    files.push(path);
                }
            } else if self.folder(&path).is_none() {
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
        Ok((files, links))
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
    /// The listed folders still there whose stamps, read before they were
    /// listed, are settled: once a build has made each hold what it
    /// should, [`Manifest::adopt_stamps`] trusts them again. Otherwise a
    /// folder whose stamp moved while its files stayed (an output copied
    /// or restored from a CI cache, a folder written just before the last
    /// build stamped it) would be listed by every build after.
    pub settled: Vec<(String, FolderStamp)>,
    /// Symlinks found in blotter's part of the output, and recorded
    /// folders that are now something other than a folder: a build never
    /// writes through one, so it stages the site instead.
    pub links: Vec<String>,
}

impl OnDisk {
    /// Whether `path`, which the manifest lists, is still in the output:
    /// [`Manifest::is_on_disk`] without its lookup, for the caller that
    /// has just found the entry (once for each of 100,000 pages).
    pub fn has_recorded(&self, path: &str) -> bool {
        self.listed.contains(path) || !self.listed_dirs.contains(parent(path))
    }
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

/// What `keep` makes of the stamps of output folders (relative paths;
/// `None` for a folder that is gone or is no longer a folder), taken in
/// parallel; what it drops is never collected. Each is stat'ed by name
/// within its open parent folder: with 100,000 release folders, the
/// kernel's walk down each full path again was a third of the cost.
fn dir_stamps<'a, T: Send>(
    output: &Path,
    dirs: impl Iterator<Item = &'a str>,
    keep: impl Fn(&'a str, Option<Stamp>) -> Option<T> + Sync,
) -> Vec<T> {
    let mut by_parent: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    let mut kept = Vec::new();
    for dir in dirs {
        if dir.is_empty() {
            kept.extend(keep(dir, dir_stamp(output)));
        } else {
            by_parent.entry(parent(dir)).or_default().push(dir);
        }
    }
    let by_parent: Vec<(&str, Vec<&str>)> = by_parent.into_iter().collect();
    let keep = &keep;
    kept.par_extend(by_parent.into_par_iter().flat_map(|(parent, dirs)| {
        let folder = OpenFolder::open(&output.join(parent)).ok();
        dirs.into_par_iter().filter_map(move |dir| {
            let found = folder
                .as_ref()
                .and_then(|f| f.stamp(OsStr::new(name(dir)), false));
            let stamp =
                found.and_then(|(kind, stamp)| (kind == EntryKind::Folder).then_some(stamp));
            keep(dir, stamp)
        })
    }));
    kept
}

/// A folder's stamp; `None` when it is gone (or is no longer a folder).
fn dir_stamp(path: &Path) -> Option<Stamp> {
    std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| Stamp::of(&m))
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
            size: 0,
        }
    }

    fn shard_bytes(output: &Path) -> Vec<Vec<u8>> {
        let dir = crate::incremental::folder(output).unwrap();
        (0..SHARDS)
            .map(|i| std::fs::read(dir.join(shard_name(i))).unwrap())
            .collect()
    }

    /// A manifest under key 7 of `count` release pages, saved for `output`.
    fn saved_with_releases(output: &Path, count: u64) {
        let mut manifest = Manifest::new(7);
        for i in 0..count {
            manifest.record(format!("releases/r{i}/index.html"), entry(i));
        }
        manifest.save(output).unwrap();
    }

    #[test]
    fn round_trips_and_checks_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        let mut manifest = Manifest::new(7);
        manifest.record("index.html".to_string(), entry(42));
        manifest.record("a b/c.html".to_string(), entry(1));
        std::fs::create_dir_all(output.join("a b")).unwrap();
        manifest.stamp_dirs(&output, None);
        assert_eq!(manifest.folders().count(), 2, "the root and `a b`");
        assert!(!Manifest::exists(&output));
        manifest.save(&output).unwrap();
        assert!(Manifest::exists(&output), "the next build is a rebuild");
        let loaded = Manifest::load(&output, 7).unwrap();
        assert_eq!(loaded, manifest);
        assert_eq!(loaded.get("a b/c.html"), Some(&entry(1)));
        assert_eq!(loaded.len(), 2);
        assert_eq!(Manifest::load(&output, 8), None);

        let cache = crate::incremental::folder(&output).unwrap();
        std::fs::write(cache.join(shard_name(shard_of("index.html"))), "garbage").unwrap();
        assert_eq!(
            Manifest::load(&output, 7),
            None,
            "a corrupt shard means a clean build"
        );
        manifest.shards[shard_of("index.html")].dirty = true;
        manifest.save(&output).unwrap();
        assert!(Manifest::load(&output, 7).is_some());
        Manifest::remove(&output);
        assert_eq!(Manifest::load(&output, 7), None, "no head, no manifest");
        assert!(!Manifest::exists(&output));
    }

    #[test]
    fn a_manifest_under_another_key_loads_for_its_hashes_and_is_saved_under_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        saved_with_releases(&output, 100);
        let mut loaded = Manifest::load_any(&output).unwrap();
        assert_eq!((loaded.key, loaded.len()), (7, 100));
        assert_eq!(loaded.get("releases/r5/index.html"), Some(&entry(5)));

        loaded.rekey(8);
        loaded.save(&output).unwrap();
        assert_eq!(Manifest::load(&output, 7), None);
        let rekeyed = Manifest::load(&output, 8).expect("every shard saved under the new key");
        assert_eq!(rekeyed.len(), 100);

        // A shard left from another key (a build killed while saving)
        // makes the manifest unusable under either.
        let cache = crate::incremental::folder(&output).unwrap();
        let name = shard_name(shard_of("releases/r5/index.html"));
        let mut old = Manifest::new(7);
        old.record("releases/r5/index.html".to_string(), entry(5));
        let elsewhere = dir.path().join("other");
        old.save(&elsewhere).unwrap();
        let stale = crate::incremental::folder(&elsewhere).unwrap().join(&name);
        std::fs::copy(stale, cache.join(&name)).unwrap();
        assert_eq!(Manifest::load_any(&output), None);
    }

    #[test]
    fn a_small_change_rewrites_only_its_shards() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        saved_with_releases(&output, 500);
        let before = shard_bytes(&output);
        let mut manifest = Manifest::load(&output, 7).unwrap();
        manifest.record("releases/r1/index.html".to_string(), entry(1));
        manifest.save(&output).unwrap();
        assert_eq!(
            shard_bytes(&output),
            before,
            "an unchanged entry writes nothing"
        );
        manifest.record("releases/r1/index.html".to_string(), entry(99));
        manifest.forget("releases/r2/index.html");
        manifest.save(&output).unwrap();
        let after = shard_bytes(&output);
        let changed: Vec<usize> = (0..SHARDS).filter(|&i| before[i] != after[i]).collect();
        let mut expected = vec![
            shard_of("releases/r1/index.html"),
            shard_of("releases/r2/index.html"),
        ];
        expected.sort();
        expected.dedup();
        assert_eq!(changed, expected);
        let loaded = Manifest::load(&output, 7).unwrap();
        assert_eq!(loaded.get("releases/r1/index.html"), Some(&entry(99)));
        assert_eq!(loaded.get("releases/r2/index.html"), None);
        assert_eq!(loaded.len(), 499);
    }

    #[cfg(unix)]
    #[test]
    fn the_users_top_level_entries_are_never_listed_and_links_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        let ours = ["index.html", "releases/a/index.html", "static/app.css"];
        for path in ours {
            let full = output.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "x").unwrap();
        }
        let mut manifest = Manifest::new(1);
        for path in ours {
            manifest.record(path.to_string(), entry(0));
        }
        manifest.stamp_dirs(&output, None);
        std::thread::sleep(std::time::Duration::from_millis(30));
        for path in ["CNAME", ".git/HEAD", "my-notes/a.txt", "releases/stray.txt"] {
            let full = output.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "mine").unwrap();
        }
        std::fs::write(output.join(".index.html.blotter-tmp-1-2"), "x").unwrap();
        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        let listed = &on_disk.listed;
        assert!(
            listed.contains("releases/stray.txt") && listed.contains(".index.html.blotter-tmp-1-2")
        );
        let users = ["CNAME", ".git", "my-notes"];
        assert!(
            !listed
                .iter()
                .any(|p| users.iter().any(|u| p.starts_with(u))),
            "{listed:?}"
        );
        assert!(on_disk.links.is_empty());
        assert!(manifest.owns_top_level("static") && !manifest.owns_top_level("CNAME"));

        // A recorded folder turned into a link, and a link among a
        // listed folder's entries: both found.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::remove_dir_all(output.join("static")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, output.join("static")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, output.join("releases/b")).unwrap();
        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        let mut links = on_disk.links.clone();
        links.sort();
        links.dedup();
        assert_eq!(links, ["releases/b", "static"]);
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
        let mut manifest = Manifest::new(1);
        for path in ["index.html", "a/one.html", "a/two.html", "b/three.html"] {
            manifest.record(path.to_string(), entry(0));
        }
        manifest.stamp_dirs(&output, None);
        let all: FxHashSet<String> = manifest.paths().cloned().collect();
        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        assert_eq!(
            on_disk.listed_dirs.len(),
            3,
            "stamps taken a moment ago are not trusted: {on_disk:?}"
        );
        assert_eq!(all_on_disk(&manifest, &on_disk), all);
        // Pretend they were taken long after the folders last changed.
        for shard in &mut manifest.shards {
            for folder in shard.dirs.values_mut() {
                folder.taken += 10_000_000_000;
            }
        }
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

    #[test]
    fn a_folder_whose_stamp_moved_while_its_files_stayed_is_listed_until_its_stamp_is_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        for folder in ["a", "b"] {
            std::fs::create_dir_all(output.join(folder)).unwrap();
            std::fs::write(output.join(folder).join("page.html"), "x").unwrap();
        }
        let mut manifest = Manifest::new(1);
        for path in ["a/page.html", "b/page.html"] {
            manifest.record(path.to_string(), entry(0));
        }
        manifest.stamp_dirs(&output, None);
        for shard in &mut manifest.shards {
            for folder in shard.dirs.values_mut() {
                folder.taken += 10_000_000_000;
            }
        }
        // A file made and removed in `a`: its time moves, its files stay.
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::write(output.join("a/scratch"), "").unwrap();
        std::fs::remove_file(output.join("a/scratch")).unwrap();

        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        assert_eq!(on_disk.listed_dirs, FxHashSet::from_iter(["a".to_string()]));
        assert!(
            on_disk.settled.is_empty(),
            "a stamp read just after the change is not trusted"
        );
        std::thread::sleep(std::time::Duration::from_millis(150));
        let on_disk = manifest.files_on_disk(&output, "MARK").unwrap();
        assert_eq!(on_disk.listed_dirs.len(), 1, "still listed: {on_disk:?}");
        let settled: Vec<&str> = on_disk.settled.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(settled, ["a"]);

        manifest.adopt_stamps(on_disk.settled);
        manifest.save(&output).unwrap();
        let reloaded = Manifest::load(&output, 1).unwrap();
        let on_disk = reloaded.files_on_disk(&output, "MARK").unwrap();
        assert!(on_disk.listed_dirs.is_empty(), "trusted again: {on_disk:?}");
    }

    fn all_on_disk(manifest: &Manifest, on_disk: &OnDisk) -> FxHashSet<String> {
        manifest.all_on_disk(on_disk).cloned().collect()
    }
}
