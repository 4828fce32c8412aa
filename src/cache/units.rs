//! The parse cache: what reading, parsing and resolving each release (with
//! its sidecar) produced, keyed by the two files' stamps. A release's
//! resolved metadata depends on those two files and on the settings (part
//! of the cache key) and on nothing else, so a rebuild of a large archive
//! reads and parses only the files that changed; the checks across
//! releases (duplicate ids, cross-references, areas, dates) run on every
//! build, from these results.
//!
//! Stored as 64 shards of postcard under the build cache folder, loaded in
//! parallel, and only shards that changed are written back. Each outcome
//! stays serialised until it is asked for, so the callers decode them in
//! parallel and the cache never holds a second copy of the archive.
//! Anything unreadable or from another key is just a miss.

use std::collections::HashSet;

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::model::UnitOutcome;

const SHARDS: u64 = 64;
const MAGIC: &str = "blotter-units 1";

/// One cached unit: the stamps it was read with, and what came of it
/// (a serialised [`UnitOutcome`]).
#[derive(Debug, Clone)]
pub struct Entry {
    pub release: Stamp,
    pub sidecar: Option<Stamp>,
    outcome: Outcome,
}

/// Where an entry's serialised outcome is: entries loaded from a shard
/// point into the shard's bytes, so loading copies nothing per entry.
#[derive(Debug, Clone)]
enum Outcome {
    InShard(std::ops::Range<usize>),
    Owned(Vec<u8>),
}

impl Entry {
    pub fn new(release: Stamp, sidecar: Option<Stamp>, outcome: &UnitOutcome) -> Option<Entry> {
        Some(Entry {
            release,
            sidecar,
            outcome: Outcome::Owned(postcard::to_stdvec(outcome).ok()?),
        })
    }
}

/// An entry as stored: read borrowing from the shard's bytes.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    release: Stamp,
    sidecar: Option<Stamp>,
    #[serde(borrow, with = "serde_bytes")]
    outcome: &'a [u8],
}

#[derive(Deserialize)]
struct ShardFile<'a> {
    magic: &'a str,
    key: u64,
    #[serde(borrow)]
    entries: Vec<(&'a str, Stored<'a>)>,
}

#[derive(Default)]
struct Shard {
    /// The shard file as read: what `Outcome::InShard` ranges index.
    bytes: Vec<u8>,
    entries: FxHashMap<String, Entry>,
    dirty: bool,
}

impl Shard {
    fn outcome<'s>(&'s self, entry: &'s Entry) -> Option<&'s [u8]> {
        match &entry.outcome {
            Outcome::InShard(range) => self.bytes.get(range.clone()),
            Outcome::Owned(bytes) => Some(bytes),
        }
    }
}

/// The parse cache of one build folder.
pub struct UnitCache {
    /// Where it is saved; `None` for a cache that is never saved (`check`).
    dir: Option<PathBuf>,
    key: u64,
    shards: Vec<Shard>,
    /// Entries found or put this run: when that is all of them, none is stale.
    used: std::sync::atomic::AtomicUsize,
}

impl UnitCache {
    /// The cache saved in `dir` under `key`, or an empty one.
    pub fn load(dir: Option<&Path>, key: u64) -> UnitCache {
        let shards = (0..SHARDS)
            .into_par_iter()
            .map(|i| {
                dir.and_then(|d| read_shard(&d.join(shard_name(i)), key))
                    .unwrap_or_default()
            })
            .collect();
        UnitCache {
            dir: dir.map(Path::to_path_buf),
            key,
            shards,
            used: Default::default(),
        }
    }

    /// The outcome cached for the unit `key`, if its files still have
    /// these stamps.
    pub fn get(&self, key: &str, release: Stamp, sidecar: Option<Stamp>) -> Option<UnitOutcome> {
        let shard = &self.shards[shard_of(key)];
        shard
            .entries
            .get(key)
            .filter(|e| e.release == release && e.sidecar == sidecar)
            .and_then(|e| shard.outcome(e))
            .and_then(|bytes| postcard::from_bytes(bytes).ok())
            .inspect(|_| {
                self.used.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
    }

    pub fn put(&mut self, key: String, entry: Entry) {
        let shard = &mut self.shards[shard_of(&key)];
        shard.entries.insert(key, entry);
        shard.dirty = true;
        *self.used.get_mut() += 1;
    }

    /// Whether some entries were neither found nor put this run (so may
    /// be of deleted releases).
    pub fn may_have_stale(&self) -> bool {
        let total: usize = self.shards.iter().map(|s| s.entries.len()).sum();
        total > self.used.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets every unit not in `present` (deleted releases).
    pub fn retain(&mut self, present: &HashSet<&str>) {
        for shard in &mut self.shards {
            let before = shard.entries.len();
            shard.entries.retain(|k, _| present.contains(k.as_str()));
            shard.dirty |= shard.entries.len() != before;
        }
    }

    /// Writes the shards that changed, each atomically.
    pub fn save(&self) -> Result<()> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        self.shards
            .par_iter()
            .enumerate()
            .filter(|(_, shard)| shard.dirty)
            .try_for_each(|(i, shard)| {
                let mut entries: Vec<(&String, Stored)> = shard
                    .entries
                    .iter()
                    .filter_map(|(name, e)| {
                        let outcome = shard.outcome(e)?;
                        Some((
                            name,
                            Stored {
                                release: e.release,
                                sidecar: e.sidecar,
                                outcome,
                            },
                        ))
                    })
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let file = (MAGIC, self.key, entries);
                let bytes = postcard::to_stdvec(&file)?;
                let path = dir.join(shard_name(i as u64));
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, bytes)
                    .with_context(|| format!("{}: cannot write", tmp.display()))?;
                std::fs::rename(&tmp, &path)
                    .with_context(|| format!("{}: cannot write", path.display()))
            })
    }
}

fn shard_name(i: u64) -> String {
    format!("units-{i:02x}")
}

fn shard_of(key: &str) -> usize {
    (super::hash(key.as_bytes()) % SHARDS) as usize
}

fn read_shard(path: &Path, key: u64) -> Option<Shard> {
    let bytes = std::fs::read(path).ok()?;
    let file: ShardFile = postcard::from_bytes(&bytes).ok()?;
    if file.magic != MAGIC || file.key != key {
        return None;
    }
    // Each outcome borrowed from `bytes` is kept as its offset in them.
    let base = bytes.as_ptr() as usize;
    let entries = file
        .entries
        .into_iter()
        .map(|(name, stored)| {
            let start = stored.outcome.as_ptr() as usize - base;
            let entry = Entry {
                release: stored.release,
                sidecar: stored.sidecar,
                outcome: Outcome::InShard(start..start + stored.outcome.len()),
            };
            (name.to_string(), entry)
        })
        .collect();
    Some(Shard {
        bytes,
        entries,
        dirty: false,
    })
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

    fn entry(len: u64) -> Entry {
        Entry::new(stamp(len), None, &UnitOutcome::default()).unwrap()
    }

    #[test]
    fn round_trips_and_misses_on_changed_stamps_or_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = UnitCache::load(Some(dir.path()), 7);
        cache.put("a".into(), entry(10));
        cache.put("b".into(), entry(20));
        cache.save().unwrap();

        let mut cache = UnitCache::load(Some(dir.path()), 7);
        assert!(cache.get("a", stamp(10), None).is_some());
        assert!(cache.get("a", stamp(11), None).is_none(), "size changed");
        assert!(
            cache.get("a", stamp(10), Some(stamp(1))).is_none(),
            "sidecar added"
        );
        cache.retain(&["b"].into_iter().collect());
        cache.save().unwrap();
        let cache = UnitCache::load(Some(dir.path()), 7);
        assert!(
            cache.get("a", stamp(10), None).is_none(),
            "deleted unit forgotten"
        );
        assert!(cache.get("b", stamp(20), None).is_some());
        assert!(UnitCache::load(Some(dir.path()), 8)
            .get("b", stamp(20), None)
            .is_none());
    }

    #[test]
    fn a_corrupt_shard_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = UnitCache::load(Some(dir.path()), 7);
        cache.put("a".into(), entry(10));
        cache.save().unwrap();
        for file in std::fs::read_dir(dir.path()).unwrap() {
            std::fs::write(file.unwrap().path(), b"\xff\xffgarbage").unwrap();
        }
        assert!(UnitCache::load(Some(dir.path()), 7)
            .get("a", stamp(10), None)
            .is_none());
    }
}
