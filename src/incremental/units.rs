//! The parse cache: what reading, parsing and resolving each release (with
//! its sidecar) produced, keyed by the two files' stamps. A release's
//! resolved metadata depends on those two files and on the settings (part
//! of the cache key) and on nothing else, so a rebuild of a large archive
//! reads and parses only the files that changed; the checks across
//! releases (duplicate ids, cross-references, areas, dates) run on every
//! build, from these results.
//!
//! Stored as 64 shards of postcard under the build cache folder. A build
//! works through the cache one shard at a time, each on one thread: the
//! shard is read, its units are decoded (or read and parsed again when
//! their files changed), it is written back if anything in it changed, and
//! it is dropped. Entries are decoded straight from the shard's bytes, so
//! the cache never holds a second copy of the archive and a rebuild never
//! holds all of it at once. Each shard file carries a checksum of all it
//! holds, checked before anything in it is decoded: a shard that is cut
//! short or changed, or from another key, is just a miss (its releases are
//! read and parsed again), never a wrong title on a page.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{note_unusable, seal, SealedFile};
use crate::files::Stamp;
use crate::model::UnitOutcome;

/// How many shard files the cache is split into.
pub const SHARDS: usize = 64;
/// Each shard file starts with it (then the length and checksum of the
/// rest); a new format gets a new one, so an older cache is not read.
const MAGIC: &str = "blotter-units 6\n";

/// The shard a unit (named by its path under `releases/`, as bytes)
/// belongs to.
pub fn shard_of(name: &[u8]) -> usize {
    (crate::hash::stable_hash(name) % SHARDS as u64) as usize
}

/// One unit's entry as stored: the stamps its files had and the
/// serialised [`UnitOutcome`], borrowed from the shard's bytes.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Stored<'a> {
    release: Stamp,
    sidecar: Option<Stamp>,
    #[serde(borrow, with = "serde_bytes")]
    outcome: &'a [u8],
}

#[derive(Serialize, Deserialize)]
struct ShardFile<'a> {
    key: u64,
    #[serde(borrow)]
    entries: Vec<(&'a str, Stored<'a>)>,
}

/// The parse cache of one build folder.
pub struct UnitCache {
    /// Where it is kept; `None` for a cache that is never read or saved
    /// (`check`).
    dir: Option<PathBuf>,
    key: u64,
    /// The first shard that could not be saved, and why: said once, as a
    /// warning, after the build has read everything.
    unsaved: std::sync::Mutex<Option<(PathBuf, String)>>,
}

impl UnitCache {
    pub fn new(dir: Option<&Path>, key: u64) -> UnitCache {
        UnitCache {
            dir: dir.map(Path::to_path_buf),
            key,
            unsaved: std::sync::Mutex::new(None),
        }
    }

    /// Opens shard `index`, lets `work` take from it and add to it, and
    /// writes it back if that changed it. Units `work` did not ask for are
    /// forgotten (their releases were deleted). A shard that cannot be
    /// read is empty; one that cannot be written is left for the next
    /// build to miss.
    pub fn with_shard<R>(&self, index: usize, work: impl FnOnce(&mut ShardUse) -> R) -> R {
        let path = self
            .dir
            .as_ref()
            .map(|d| d.join(format!("units-{index:02x}")));
        let file = path.as_deref().and_then(|p| SealedFile::read(p, MAGIC));
        let stored = file
            .as_ref()
            .and_then(|f| match postcard::from_bytes::<ShardFile>(f.payload()) {
                Ok(stored) => Some(stored),
                Err(_) => {
                    note_unusable(path.as_deref()?, "not readable");
                    None
                }
            })
            .filter(|f| f.key == self.key)
            .map(|f| f.entries)
            .unwrap_or_default();
        let mut shard = ShardUse {
            stored: stored
                .into_iter()
                .map(|(name, e)| (name, e, false))
                .collect(),
            next: 0,
            added: Vec::new(),
            keeps: path.is_some(),
        };
        let result = work(&mut shard);
        if let Some(path) = path {
            if shard.changed() {
                // The cache only saves work: a build goes on without it.
                if let Err(error) = shard.save(&path, self.key) {
                    if let Ok(mut unsaved) = self.unsaved.lock() {
                        unsaved.get_or_insert_with(|| (path, format!("{error:#}")));
                    }
                }
            }
        }
        result
    }

    /// The first shard file that could not be written this build, and
    /// why (the next build reads and parses its releases again).
    pub fn unsaved(&self) -> Option<(PathBuf, String)> {
        self.unsaved.lock().ok()?.clone()
    }
}

/// One shard while a build works through it.
pub struct ShardUse<'a> {
    /// Entries as stored, sorted by name, each with whether this build
    /// used it.
    stored: Vec<(&'a str, Stored<'a>, bool)>,
    /// Where the next name asked for is looked for first: a build that
    /// asks in name order finds each entry without a search.
    next: usize,
    /// Entries made this build: name, stamps, serialised outcome.
    added: Vec<(String, Stamp, Option<Stamp>, Vec<u8>)>,
    /// Whether the shard is saved (so whether `put` is worth its work).
    keeps: bool,
}

impl ShardUse<'_> {
    /// The outcome cached for the unit `name`, if its files still have
    /// these stamps. Fastest when names are asked for in sorted order.
    pub fn get(
        &mut self,
        name: &str,
        release: Stamp,
        sidecar: Option<Stamp>,
    ) -> Option<UnitOutcome> {
        let at = match self.stored.get(self.next) {
            Some(&(stored, ..)) if stored == name => self.next,
            _ => {
                let at = self.stored.partition_point(|&(stored, ..)| stored < name);
                self.next = at;
                if self
                    .stored
                    .get(at)
                    .is_none_or(|&(stored, ..)| stored != name)
                {
                    return None;
                }
                at
            }
        };
        self.next = at + 1;
        let (_, stored, used) = &mut self.stored[at];
        if stored.release != release || stored.sidecar != sidecar {
            return None;
        }
        let outcome = postcard::from_bytes(stored.outcome).ok()?;
        *used = true;
        Some(outcome)
    }

    /// Caches what reading the unit `name` with these stamps produced.
    pub fn put(
        &mut self,
        name: &str,
        release: Stamp,
        sidecar: Option<Stamp>,
        outcome: &UnitOutcome,
    ) {
        if !self.keeps {
            return;
        }
        if let Ok(bytes) = postcard::to_stdvec(outcome) {
            self.added.push((name.to_string(), release, sidecar, bytes));
        }
    }

    /// Whether the shard as stored is no longer right: something was
    /// added, or something stored was not used (changed or deleted).
    fn changed(&self) -> bool {
        !self.added.is_empty() || self.stored.iter().any(|&(.., used)| !used)
    }

    /// Writes the used and added entries, sorted by name, atomically.
    fn save(&self, path: &Path, key: u64) -> Result<()> {
        let mut entries: Vec<(&str, Stored)> = (self.stored.iter())
            .filter(|&&(.., used)| used)
            .map(|&(name, stored, _)| (name, stored))
            .chain(self.added.iter().map(|(name, release, sidecar, outcome)| {
                let stored = Stored {
                    release: *release,
                    sidecar: *sidecar,
                    outcome,
                };
                (name.as_str(), stored)
            }))
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let bytes = seal(MAGIC, &ShardFile { key, entries })?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        crate::files::write_atomically(path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(len: u64) -> Stamp {
        Stamp {
            len,
            modified: 1,
            changed: 2,
            inode: 3,
        }
    }

    fn outcome(stem: &str) -> UnitOutcome {
        UnitOutcome {
            stem: Some(stem.to_string()),
            ..Default::default()
        }
    }

    /// A build: looks `names` up, each shard opened once, putting the
    /// misses; returns which were found.
    fn build(cache: &UnitCache, names: &[(&str, u64)]) -> Vec<bool> {
        let mut found = vec![false; names.len()];
        for index in 0..SHARDS {
            cache.with_shard(index, |shard| {
                for (i, &(name, len)) in names.iter().enumerate() {
                    if shard_of(name.as_bytes()) != index {
                        continue;
                    }
                    match shard.get(name, stamp(len), None) {
                        Some(hit) => {
                            assert_eq!(hit.stem.as_deref(), Some(name));
                            found[i] = true;
                        }
                        None => shard.put(name, stamp(len), None, &outcome(name)),
                    }
                }
            });
        }
        found
    }

    #[test]
    fn round_trips_and_misses_on_changed_stamps_or_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = UnitCache::new(Some(dir.path()), 7);
        assert_eq!(build(&cache, &[("a", 10)]), [false]);
        assert_eq!(build(&cache, &[("a", 10)]), [true]);
        assert_eq!(build(&cache, &[("a", 11)]), [false], "size changed");
        assert_eq!(build(&cache, &[("a", 11)]), [true]);
        cache.with_shard(shard_of(b"a"), |shard| {
            assert!(
                shard.get("a", stamp(11), Some(stamp(1))).is_none(),
                "sidecar added"
            );
        });
        let other_key = UnitCache::new(Some(dir.path()), 8);
        assert_eq!(build(&other_key, &[("b", 20)]), [false]);
        let nowhere = UnitCache::new(None, 7);
        assert_eq!(build(&nowhere, &[("b", 20)]), [false]);
        assert_eq!(build(&nowhere, &[("b", 20)]), [false], "never saved");
    }

    #[test]
    fn units_not_asked_for_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = UnitCache::new(Some(dir.path()), 7);
        // Two units in one shard.
        let a = "a";
        let b = (0..1000)
            .map(|i| format!("u{i}"))
            .find(|n| shard_of(n.as_bytes()) == shard_of(a.as_bytes()))
            .unwrap();
        assert_eq!(build(&cache, &[(a, 1), (&b, 2)]), [false, false]);
        assert_eq!(build(&cache, &[(a, 1), (&b, 2)]), [true, true]);
        // A build without `b` (deleted): the shard is written without it.
        assert_eq!(build(&cache, &[(a, 1)]), [true]);
        assert_eq!(build(&cache, &[(&b, 2)]), [false], "deleted unit forgotten");
    }

    #[test]
    fn names_asked_for_out_of_order_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let cache = UnitCache::new(Some(dir.path()), 7);
        // Names of one shard, asked for in reverse order, one of them new.
        let names: Vec<String> = (0..2000)
            .map(|i| format!("u{i}"))
            .filter(|n| shard_of(n.as_bytes()) == 0)
            .take(5)
            .collect();
        let mut asked: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 1)).collect();
        asked.reverse();
        assert_eq!(build(&cache, &asked[1..]), [false; 4]);
        assert_eq!(build(&cache, &asked), [false, true, true, true, true]);
        asked.swap(0, 3);
        assert_eq!(build(&cache, &asked), [true; 5]);
    }

    #[test]
    fn a_corrupt_shard_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = UnitCache::new(Some(dir.path()), 7);
        build(&cache, &[("a", 10)]);
        for file in std::fs::read_dir(dir.path()).unwrap() {
            std::fs::write(file.unwrap().path(), b"\xff\xffgarbage").unwrap();
        }
        assert_eq!(build(&cache, &[("a", 10)]), [false]);
        assert_eq!(build(&cache, &[("a", 10)]), [true], "and is rewritten");
    }
}
