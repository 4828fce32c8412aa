//! The two ways to the index's groups: a full inversion of every
//! release's word counts, or a patch of the last build's groups for the
//! few documents that changed. Both give the same groups; tests hold the
//! two to each other.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use anyhow::Result;
use rayon::prelude::*;

use rustc_hash::FxHashMap;

use super::cache::{self, DocShard, Saving, DOC_SHARDS};
use super::count::{Counter, Counts};
use super::files::{self, Laid, Part, Piece, Stored};
use super::groups::{self, Change, Group};
use super::{release_forms, release_text, DocTerms, Forms};
use crate::model::Archive;
use crate::render::Bodies;

/// Most changed documents a patch takes on: past this, decoding and
/// encoding the groups they touch one by one costs about as much as a
/// full inversion.
const PATCH_LIMIT: usize = 1000;

/// The shards patched from the last index (`shards`, as the search
/// cache's head records them): the ones kept, and the ones made with their
/// checksum when unchanged; `None` when a full inversion is due (a
/// document removed or moved, too many changed, or the cache lacks what a
/// patch needs). Only the shards an edit's stems can be in are read.
pub fn patched(
    archive: &Archive,
    bodies: &dyn Bodies,
    dir: &Path,
    order: &[u64],
    last_order: &[u64],
    shards: Vec<Stored>,
) -> Result<Option<Vec<Saving>>> {
    let changed: Vec<usize> = (0..order.len())
        .filter(|&d| last_order.get(d) != Some(&order[d]))
        .collect();
    if changed.is_empty() && order.len() == last_order.len() {
        return Ok(Some(shards.into_iter().map(cache::kept).collect()));
    }
    if order.len() < last_order.len() || changed.len() > PATCH_LIMIT {
        return Ok(None);
    }
    let wanted: BTreeMap<usize, ()> = (changed.iter())
        .flat_map(|&d| [last_order.get(d), Some(&order[d])])
        .flatten()
        .map(|&digest| (cache::shard_of(digest), ()))
        .collect();
    let mut docs: BTreeMap<usize, DocShard> = BTreeMap::new();
    for &shard in wanted.keys() {
        match cache::load_docs(dir, shard) {
            Some(loaded) => docs.insert(shard, loaded),
            None => return Ok(None),
        };
    }
    let Some(changes) = changes(archive, bodies, order, last_order, &changed, &mut docs)? else {
        return Ok(None);
    };
    // A stem's group is keyed by a prefix of the stem, so it is in a shard
    // whose prefix is a prefix of the stem: those shards are read, the
    // others kept whole.
    let differences = groups::differences(&changes);
    let chains = |stems: &mut dyn Iterator<Item = &String>| -> HashSet<String> {
        let mut prefixes = HashSet::new();
        for stem in stems {
            prefixes.insert(String::new());
            for (i, c) in stem.char_indices() {
                prefixes.insert(stem[..i + c.len_utf8()].to_string());
            }
        }
        prefixes
    };
    let paths = chains(&mut differences.keys());
    let (candidates, kept): (Vec<Stored>, Vec<Stored>) =
        (shards.into_iter()).partition(|s| paths.contains(&s.prefix));
    let Some(mut loaded) = (candidates.into_par_iter())
        .map(|stored| Some((cache::load_part(dir, &stored)?, stored)))
        .collect::<Option<Vec<(Part, Stored)>>>()
    else {
        return Ok(None);
    };
    // How each of those is taken. A group whose postings change in more
    // than weights, or a new one, may change its key and so move to any
    // shard on its stem's chain: those shards are opened into groups. Of
    // the others, one whose touched stems are all only re-weighed has its
    // weights set in place (its size, and so the layout, stay as they
    // were), and one that holds no touched stem is kept whole.
    let mut held: Vec<Vec<String>> = Vec::with_capacity(loaded.len());
    for (part, _) in &loaded {
        let Some(stems) = files::group_stems(part) else {
            return Ok(None);
        };
        let touched = stems.into_iter().filter(|s| differences.contains_key(*s));
        held.push(touched.map(str::to_string).collect());
    }
    let found: HashSet<&str> = held.iter().flatten().map(String::as_str).collect();
    let moving = (differences.iter())
        .filter(|(stem, weights)| weights.is_none() || !found.contains(stem.as_str()))
        .map(|(stem, _)| stem);
    let open_paths = chains(&mut moving.into_iter());
    let takes: Vec<Take> = (loaded.iter().zip(&held))
        .map(|((part, _), held)| {
            if open_paths.contains(&part.prefix) {
                Take::Open
            } else if held.is_empty() {
                Take::Whole
            } else {
                // Every stem it holds is only re-weighed: one that is not
                // is on its own chain, which holds this shard.
                Take::Reweighed
            }
        })
        .collect();
    let weights = |stem: &str| differences.get(stem)?.as_deref();
    let set = (loaded.par_iter_mut().zip(&takes))
        .filter(|(_, take)| matches!(take, Take::Reweighed))
        .all(|((part, _), _)| files::set_weights(part, &weights).is_some());
    if !set {
        return Ok(None);
    }
    let lay_out = |takes: &[Take]| -> Option<Vec<Laid>> {
        let mut pieces: Vec<Piece> = kept.iter().cloned().map(Piece::Kept).collect();
        let mut loose = Vec::new();
        let mut elsewhere: HashSet<&str> = HashSet::new();
        for (((part, stored), take), held) in loaded.iter().zip(takes).zip(&held) {
            match take {
                Take::Open => loose.extend(files::groups_of(part)?),
                Take::Whole => pieces.push(Piece::Kept(stored.clone())),
                Take::Reweighed => {
                    pieces.push(Piece::Kept(stored.clone()));
                    elsewhere.extend(held.iter().map(String::as_str));
                }
            }
        }
        loose.sort_unstable();
        let loose = groups::patch(loose, &changes, &|stem| elsewhere.contains(stem))?;
        pieces.extend(loose.into_iter().map(Piece::Group));
        // A shard whose weights were set is read as it is now.
        let load = |stored: &Stored| match loaded.iter().find(|(p, _)| p.prefix == stored.prefix) {
            Some((part, _)) => Some(part.clone()),
            None => cache::load_part(dir, stored),
        };
        files::layout(pieces, &load)
    };
    // Should the layout have to split a shard taken whole, every one is
    // opened (setting a weight again leaves it as it is).
    let Some(laid) = lay_out(&takes).or_else(|| lay_out(&vec![Take::Open; loaded.len()])) else {
        return Ok(None);
    };
    let mut reweighed: FxHashMap<String, Part> = FxHashMap::default();
    let mut opened: FxHashMap<String, (Part, u64)> = FxHashMap::default();
    for ((part, stored), take) in loaded.into_iter().zip(&takes) {
        if matches!(take, Take::Reweighed) {
            reweighed.insert(part.prefix.clone(), part);
        } else {
            opened.insert(part.prefix.clone(), (part, stored.sum));
        }
    }
    let saving = (laid.into_iter())
        .map(|laid| match laid {
            Laid::Kept(stored) => match reweighed.remove(&stored.prefix) {
                Some(part) => (Laid::Made(part), None),
                None => cache::kept(stored),
            },
            Laid::Made(part) => {
                let sum = (opened.get(&part.prefix))
                    .filter(|(old, _)| *old == part)
                    .map(|(_, sum)| *sum);
                (Laid::Made(part), sum)
            }
        })
        .collect();
    for (shard, docs) in &docs {
        let mut entries: Vec<(u64, &DocTerms)> = docs.docs.iter().map(|(k, v)| (*k, v)).collect();
        entries.sort_unstable_by_key(|e| e.0);
        let _ = cache::save_docs(dir, *shard, &docs.dictionary.forms, &entries);
    }
    Ok(Some(saving))
}

/// How a patch takes a shard its edit's stems can be in.
#[derive(Clone, Copy)]
enum Take {
    /// Kept as it was.
    Whole,
    /// With the edit's body weights set in place.
    Reweighed,
    /// Split into its groups, which are patched and laid out again.
    Open,
}

/// Every group laid out into shards, none of them saved yet.
pub fn laid_out(groups: Vec<Group>) -> Result<Vec<Saving>> {
    let pieces = groups.into_iter().map(Piece::Group).collect();
    let laid = files::layout(pieces, &|_| None)
        .ok_or_else(|| anyhow::anyhow!("search shards: no layout"))?;
    Ok(laid
        .into_iter()
        .map(|l| match l {
            Laid::Kept(stored) => cache::kept(stored),
            made => (made, None),
        })
        .collect())
}

/// What changed at each of the `changed` document numbers, with the
/// loaded `shards` updated to hold the new releases' counts and not the
/// old ones'; `None` if an old release's counts are not cached.
fn changes(
    archive: &Archive,
    bodies: &dyn Bodies,
    order: &[u64],
    last_order: &[u64],
    changed: &[usize],
    shards: &mut BTreeMap<usize, DocShard>,
) -> Result<Option<Vec<Change>>> {
    let n = order.len();
    let fresh: Vec<Option<Forms>> = (changed.par_iter())
        .map(|&d| {
            let shard = &shards[&cache::shard_of(order[d])];
            if shard.docs.contains_key(&order[d]) {
                return Ok(None);
            }
            let release = &archive.releases[n - 1 - d];
            let body = bodies.body(release)?;
            let text = release_text(release, &body);
            Ok(Some(release_forms(&release.title, &text)))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(changed.len());
    for (&d, fresh) in changed.iter().zip(fresh) {
        let (old_length, old) = match last_order.get(d) {
            Some(digest) => match forms_of(&shards[&cache::shard_of(*digest)], *digest) {
                Some(forms) => forms,
                None => return Ok(None),
            },
            None => (0, Vec::new()),
        };
        let shard = shards.entry(cache::shard_of(order[d])).or_default();
        let (length, new) = match fresh {
            Some((length, forms, follow)) => {
                let terms = (forms.iter())
                    .map(|(f, count, title)| {
                        (shard.dictionary.intern(f), count << 1 | u32::from(*title))
                    })
                    .collect();
                let sets = split_sets(&follow, forms.len());
                let new = (forms.into_iter().zip(sets))
                    .map(|((f, c, t), s)| (f, c << 1 | u32::from(t), s));
                let new = new.collect();
                let terms = DocTerms {
                    length,
                    terms,
                    follow,
                };
                shard.docs.insert(order[d], terms);
                (length, new)
            }
            None => match forms_of(shard, order[d]) {
                Some(cached) => cached,
                None => return Ok(None),
            },
        };
        out.push(Change {
            doc: d as u32,
            old_length,
            old,
            length,
            new,
        });
    }
    // The old releases' counts go, unless one moved to another number.
    let kept: HashSet<u64> = changed.iter().map(|&d| order[d]).collect();
    for digest in changed.iter().filter_map(|&d| last_order.get(d)) {
        if !kept.contains(digest) {
            if let Some(shard) = shards.get_mut(&cache::shard_of(*digest)) {
                shard.docs.remove(digest);
            }
        }
    }
    Ok(Some(out))
}

/// A release's length and (form, packed count, follower set) list.
type Counted = (u32, Vec<(String, u32, Vec<u8>)>);

/// A cached release's length and (form, packed count, follower set) list.
fn forms_of(shard: &DocShard, digest: u64) -> Option<Counted> {
    let doc = shard.docs.get(&digest)?;
    let sets = split_sets(&doc.follow, doc.terms.len());
    let forms = (doc.terms.iter().zip(sets))
        .map(|(&(f, packed), set)| {
            Some((shard.dictionary.forms.get(f as usize)?.clone(), packed, set))
        })
        .collect::<Option<_>>()?;
    Some((doc.length, forms))
}

/// `count` encoded follower sets, one by one (empty past a damaged end,
/// which the cache's checks rule out).
fn split_sets(mut bytes: &[u8], count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|_| {
            let len = super::follow::len(bytes).unwrap_or(0);
            let (set, rest) = bytes.split_at(len);
            bytes = rest;
            set.to_vec()
        })
        .collect()
}

/// Every group, from every release's word counts: those in the cache
/// under `dir` as they are, those counted as the build read the releases
/// (`read`) next, the others read and counted now. The cache is then
/// written to hold exactly these releases.
pub fn full(
    archive: &Archive,
    bodies: &dyn Bodies,
    dir: Option<&Path>,
    order: &[u64],
    read: Option<Counts>,
) -> Result<Vec<Group>> {
    let shards: Vec<DocShard> = (0..DOC_SHARDS as usize)
        .into_par_iter()
        .map(|i| dir.and_then(|d| cache::load_docs(d, i)).unwrap_or_default())
        .collect();
    let cached_counts: Vec<usize> = shards.iter().map(|s| s.docs.len()).collect();
    let (dictionary, mut read) = match read {
        Some(counts) => counts.into_parts(),
        None => Default::default(),
    };
    // The cached counts renumbered into the build's dictionary in place,
    // then moved to their documents: one copy of the counts is held at a
    // time.
    let cached: Vec<Vec<(u64, DocTerms)>> = (shards.into_par_iter())
        .map(|shard| {
            let ids: Vec<u32> = (shard.dictionary.forms.iter())
                .map(|f| dictionary.intern(f))
                .collect();
            let mut docs: Vec<(u64, DocTerms)> = shard.docs.into_iter().collect();
            for (_, doc) in &mut docs {
                for term in &mut doc.terms {
                    term.0 = ids[term.0 as usize];
                }
            }
            docs
        })
        .collect();
    let position: FxHashMap<u64, usize> = (order.iter().enumerate())
        .map(|(d, digest)| (*digest, d))
        .collect();
    // Each document's counts, and whether the cache lacks them.
    let mut slots: Vec<Option<(DocTerms, bool)>> = (0..order.len()).map(|_| None).collect();
    for (digest, doc) in cached.into_iter().flatten() {
        if let Some(&d) = position.get(&digest) {
            slots[d] = Some((doc, false));
        }
    }
    drop(position);
    for (slot, digest) in slots.iter_mut().zip(order) {
        if slot.is_none() {
            *slot = read.remove(digest).map(|doc| (doc, true));
        }
    }
    drop(read);
    // The other releases counted, with their forms numbered as they are,
    // each thread with its own counter (locked only against the odd
    // thread index a pool does not report).
    let counters: Vec<Mutex<Counter>> = (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::default())
        .collect();
    let counted: Vec<(DocTerms, bool)> = (slots.into_par_iter().enumerate())
        .map(|(d, slot)| {
            if let Some(counted) = slot {
                return Ok(counted);
            }
            let release = &archive.releases[order.len() - 1 - d];
            let body = bodies.body(release)?;
            let at = rayon::current_thread_index().unwrap_or(0) % counters.len();
            // A poisoned counter means a thread panicked: an invariant broken.
            let mut counter = counters[at].lock().unwrap();
            let doc = counter.count_release(release, &body, &mut |f| dictionary.intern(f));
            Ok((doc, true))
        })
        .collect::<Result<_>>()?;
    drop(counters);
    let mut dirty = vec![false; DOC_SHARDS as usize];
    let docs: Vec<Cow<DocTerms>> = (order.iter().zip(counted))
        .map(|(digest, (doc, fresh))| {
            dirty[cache::shard_of(*digest)] |= fresh;
            Cow::Owned(doc)
        })
        .collect();
    let forms = dictionary.into_forms();
    crate::progress::mark("search: words of new releases");
    if let Some(dir) = dir {
        save_all(dir, &forms, order, &docs, &cached_counts, &mut dirty);
    }
    crate::progress::mark("search: cache");
    Ok(groups::invert(&forms, docs))
}

/// Writes the shards of the per-release cache whose releases changed.
fn save_all(
    dir: &Path,
    dictionary: &[String],
    order: &[u64],
    docs: &[Cow<DocTerms>],
    cached_counts: &[usize],
    dirty: &mut [bool],
) {
    let mut entries: Vec<Vec<(u64, &DocTerms)>> = vec![Vec::new(); DOC_SHARDS as usize];
    for (digest, doc) in order.iter().zip(docs) {
        entries[cache::shard_of(*digest)].push((*digest, doc.as_ref()));
    }
    for (i, e) in entries.iter_mut().enumerate() {
        e.sort_unstable_by_key(|x| x.0);
        dirty[i] |= e.len() != cached_counts[i];
    }
    (0..DOC_SHARDS as usize)
        .into_par_iter()
        .filter(|&i| dirty[i])
        .for_each(|i| {
            // A cache that cannot be written only costs the next build time.
            let _ = cache::save_docs(dir, i, dictionary, &entries[i]);
        });
}
