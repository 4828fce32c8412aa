//! The search cache, a folder in the build cache:
//!
//! - `docs-00` to `docs-3f`: each release's word counts and follower sets
//!   by its digest, in
//!   64 shards by digest, each with its own dictionary of forms, so a
//!   rebuild reads no release text that did not change and a one-file
//!   rebuild reads only the shards of the releases that changed;
//! - the last index as built, in parts written only when they change:
//!   `head` (the release digest of every document number, the checksum
//!   of every other part, and of each term shard what laying it out and
//!   listing its files take: its size and the hash of each of its files),
//!   `t/<hex prefix>` (one term shard's
//!   bytes with the weights its bitmaps leave out, and its follower
//!   file's bytes) and `c/<n>` (the
//!   metadata chunks, [`CHUNKS_PER_PART`] a part, with what each was
//!   made from). A rebuild reads and decodes only the shards an edit's
//!   stems can be in (and a shard's part when its file must be written
//!   again) and writes only the parts whose bytes changed; a no-op reads
//!   no term shard and writes nothing.
//!
//! Each file is framed by a magic and a checksum, and `head` names the
//! checksum of each part it was written with; a damaged, missing, stale
//! or foreign part is a miss, which only costs time.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::files::{Laid, Part, Stored};
use super::{Dictionary, DocTerms};

/// Change whenever the tokeniser, the stored layout or the hash does; the
/// head's also when the shard layout's rules do (`SHARD_TARGET`,
/// [`Piece`](super::files::Piece) sizes), so that the last index is laid
/// out again rather than patched into shards a clean build would not make.
const DOCS_MAGIC: &[u8; 8] = b"blsrch04";
const HEAD_MAGIC: &[u8; 8] = b"blshead6";
const PART_MAGIC: &[u8; 8] = b"blspart6";
const CHUNKS_MAGIC: &[u8; 8] = b"blschnk4";
/// Metadata chunks per part of the cache.
pub const CHUNKS_PER_PART: usize = 64;
/// Shards of the per-release cache.
pub const DOC_SHARDS: u64 = 64;

/// One shard of the per-release cache: word counts by release digest,
/// with forms numbered in its own dictionary.
#[derive(Default)]
pub struct DocShard {
    pub dictionary: Dictionary,
    pub docs: FxHashMap<u64, DocTerms>,
}

/// The index as last built.
pub struct State {
    /// The release digest of each document number.
    pub order: Vec<u64>,
    /// The term shards by prefix, as the head records them.
    pub shards: Vec<Stored>,
    /// Each metadata chunk's key (what it is made from) and bytes.
    pub chunks: Vec<(u64, Vec<u8>)>,
    /// The checksum of each part of chunks.
    pub chunk_sums: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
struct Head {
    order: Vec<u64>,
    shards: Vec<Stored>,
    chunks: Vec<u64>,
}

#[derive(Deserialize)]
struct Read {
    forms: Vec<String>,
    docs: Vec<(u64, DocTerms)>,
}

/// The shard a release's digest is kept in.
pub fn shard_of(digest: u64) -> usize {
    (digest % DOC_SHARDS) as usize
}

fn docs_path(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("docs-{shard:02x}"))
}

pub fn load_docs(dir: &Path, shard: usize) -> Option<DocShard> {
    let (read, _): (Read, _) = read_framed(&docs_path(dir, shard), DOCS_MAGIC)?;
    let forms = read.forms.len() as u32;
    if read
        .docs
        .iter()
        .flat_map(|d| &d.1.terms)
        .any(|t| t.0 >= forms)
    {
        return None;
    }
    // Each term has its follower set, and nothing else follows.
    if (read.docs.iter())
        .any(|(_, d)| super::follow::skip(&d.follow, d.terms.len()) != Some(d.follow.len()))
    {
        return None;
    }
    Some(DocShard {
        dictionary: Dictionary::from_forms(read.forms),
        docs: read.docs.into_iter().collect(),
    })
}

/// Writes one shard's entries with only the forms they use, renumbered
/// in order of first use.
pub fn save_docs(
    dir: &Path,
    shard: usize,
    dictionary: &[String],
    entries: &[(u64, &DocTerms)],
) -> anyhow::Result<()> {
    // The shard's forms numbered in order of first use.
    let mut numbers: Vec<u32> = vec![u32::MAX; dictionary.len()];
    let mut forms: Vec<&str> = Vec::new();
    let mut size = 0;
    for (_, doc) in entries {
        for &(form, _) in &doc.terms {
            let number = &mut numbers[form as usize];
            if *number == u32::MAX {
                *number = forms.len() as u32;
                forms.push(&dictionary[form as usize]);
            }
        }
        size += 16 + doc.terms.len() * 6 + doc.follow.len();
    }
    size += forms.iter().map(|f| f.len() + 2).sum::<usize>();
    write_framed_with(&docs_path(dir, shard), DOCS_MAGIC, size, |bytes| {
        write_docs(bytes, &forms, entries, &numbers);
    })
    .map(drop)
}

/// A shard's forms and entries, each entry's forms by their `numbers`, as
/// postcard serialises the [`Read`] they read back as: a sequence is its
/// length and its items, a string its length and bytes, a tuple or struct
/// its fields in order, an integer a LEB128 varint. Written by hand
/// because the shards are hundreds of megabytes at archive scale, which
/// serde's per-value calls made several times slower to write.
fn write_docs(out: &mut Vec<u8>, forms: &[&str], entries: &[(u64, &DocTerms)], numbers: &[u32]) {
    use super::encode::{string, varint};
    varint(out, forms.len() as u64);
    for form in forms {
        string(out, form);
    }
    varint(out, entries.len() as u64);
    for (digest, doc) in entries {
        varint(out, *digest);
        varint(out, u64::from(doc.length));
        varint(out, doc.terms.len() as u64);
        for &(form, packed) in &doc.terms {
            varint(out, u64::from(numbers[form as usize]));
            varint(out, u64::from(packed));
        }
        varint(out, doc.follow.len() as u64);
        out.extend_from_slice(&doc.follow);
    }
}

fn shard_file(dir: &Path, prefix: &str) -> PathBuf {
    let name = super::shard_path(prefix);
    let name = name
        .trim_start_matches("search/t/")
        .trim_end_matches(".bin");
    dir.join("t").join(name)
}

fn chunks_file(dir: &Path, part: usize) -> PathBuf {
    dir.join("c").join(part.to_string())
}

/// Whether the cache records a last index (not whether it can be read).
pub fn has_state(dir: &Path) -> bool {
    dir.join("head").is_file()
}

/// The last index as `head` records it, when every metadata part is there
/// as it names it. Term shards are read when needed ([`load_part`]).
pub fn load_state(dir: &Path) -> Option<State> {
    let (head, _): (Head, _) = read_framed(&dir.join("head"), HEAD_MAGIC)?;
    let chunks = (head.chunks.par_iter().enumerate())
        .map(|(i, sum)| {
            let (chunks, found): (Vec<(u64, serde_bytes::ByteBuf)>, u64) =
                read_framed(&chunks_file(dir, i), CHUNKS_MAGIC)?;
            let chunks = chunks
                .into_iter()
                .map(|(key, bytes)| (key, bytes.into_vec()));
            (found == *sum).then(|| chunks.collect::<Vec<_>>())
        })
        .collect::<Option<Vec<_>>>()?;
    Some(State {
        order: head.order,
        shards: head.shards,
        chunk_sums: head.chunks,
        chunks: chunks.into_iter().flatten().collect(),
    })
}

/// A kept shard's part, as `head` recorded it; `None` if it is missing,
/// damaged or another.
pub fn load_part(dir: &Path, stored: &Stored) -> Option<Part> {
    let (part, sum): (Part, u64) = read_framed(&shard_file(dir, &stored.prefix), PART_MAGIC)?;
    (sum == stored.sum && part.prefix == stored.prefix).then_some(part)
}

/// A term shard to save: `Some` checksum when its part is on disk as it
/// is (a kept shard's always is).
pub type Saving = (Laid, Option<u64>);

/// A shard kept from the last index, to save: its part is on disk as it is.
pub fn kept(stored: Stored) -> Saving {
    let sum = stored.sum;
    (Laid::Kept(stored), Some(sum))
}

/// What the last index held, as loaded: its document order, its shards'
/// prefixes, its metadata chunks and the checksums of their parts.
pub type Last<'l> = (&'l [u64], &'l [String], &'l [(u64, Vec<u8>)], &'l [u64]);

/// Writes the parts of the index that changed since `last` (the state
/// loaded, if any), then `head`, then removes parts no longer named.
/// Writes nothing when nothing changed. One part at a time: this runs on
/// a thread of its own while the site renders, taking time the render
/// leaves idle; spread over the pool, it held the pool's threads before
/// the render could start.
pub fn save_state(
    dir: &Path,
    order: &[u64],
    shards: &[Saving],
    chunks: &[(u64, Vec<u8>)],
    last: Option<Last>,
) -> anyhow::Result<()> {
    let (last_order, last_prefixes, last_chunks, last_sums) = last.unwrap_or_default();
    let stored: Vec<Stored> = (shards.iter())
        .map(|saving| match saving {
            (Laid::Kept(stored), _) => Ok(stored.clone()),
            (Laid::Made(part), Some(sum)) => Ok(part.stored(*sum)),
            (Laid::Made(part), None) => {
                let payload = postcard::to_stdvec(part)?;
                let sum = write_framed(&shard_file(dir, &part.prefix), PART_MAGIC, &payload)?;
                Ok(part.stored(sum))
            }
        })
        .collect::<anyhow::Result<_>>()?;
    let parts = chunks.len().div_ceil(CHUNKS_PER_PART);
    let chunk_sums: Vec<u64> = (0..parts)
        .map(|i| {
            let range = i * CHUNKS_PER_PART..chunks.len().min((i + 1) * CHUNKS_PER_PART);
            match (last_sums.get(i), last_chunks.get(range.clone())) {
                (Some(sum), Some(old)) if old == &chunks[range.clone()] => Ok(*sum),
                _ => {
                    // As bytes, not sequences: the same encoding, copied whole.
                    let written: Vec<(u64, &serde_bytes::Bytes)> = (chunks[range].iter())
                        .map(|(key, bytes)| (*key, serde_bytes::Bytes::new(bytes)))
                        .collect();
                    let payload = postcard::to_stdvec(&written)?;
                    write_framed(&chunks_file(dir, i), CHUNKS_MAGIC, &payload)
                }
            }
        })
        .collect::<anyhow::Result<_>>()?;
    let prefixes: Vec<&str> = shards.iter().map(|s| s.0.prefix()).collect();
    let unchanged = last.is_some()
        && last_order == order
        && shards.iter().all(|s| s.1.is_some())
        && prefixes.iter().eq(last_prefixes.iter())
        && chunk_sums == last_sums;
    if unchanged {
        return Ok(());
    }
    let head = Head {
        order: order.to_vec(),
        shards: stored,
        chunks: chunk_sums,
    };
    write_framed(&dir.join("head"), HEAD_MAGIC, &postcard::to_stdvec(&head)?)?;
    let named: std::collections::HashSet<&str> = prefixes.iter().copied().collect();
    for gone in last_prefixes.iter().filter(|p| !named.contains(p.as_str())) {
        let _ = std::fs::remove_file(shard_file(dir, gone));
    }
    for gone in parts..last_sums.len() {
        let _ = std::fs::remove_file(chunks_file(dir, gone));
    }
    Ok(())
}

/// Makes `dir` the cache of the blotter whose key is `key`: a cache written
/// by another build of blotter (or none) is cleared and marked as this
/// one's.
pub fn claim(dir: &Path, key: u64) {
    let marker = dir.join("key");
    let ours = key.to_le_bytes();
    if std::fs::read(&marker).is_ok_and(|k| k == ours) {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    // A cache that cannot be written only costs the next build time.
    let _ = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&marker, ours));
}

/// Removes the last index's parts, before a full build writes them all.
pub fn clear_state(dir: &Path) {
    let _ = std::fs::remove_file(dir.join("head"));
    let _ = std::fs::remove_file(dir.join("index"));
    let _ = std::fs::remove_dir_all(dir.join("t"));
    let _ = std::fs::remove_dir_all(dir.join("c"));
}

/// A framed file's value and checksum.
fn read_framed<T: serde::de::DeserializeOwned>(path: &Path, magic: &[u8; 8]) -> Option<(T, u64)> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(magic.as_slice())?;
    let (payload, sum) = body.split_at_checked(body.len().checked_sub(8)?)?;
    let hash = crate::hash::content_hash(payload);
    if hash.to_le_bytes() != sum {
        return None;
    }
    Some((postcard::from_bytes(payload).ok()?, hash))
}

/// Writes a framed file; its checksum.
fn write_framed(path: &Path, magic: &[u8; 8], payload: &[u8]) -> anyhow::Result<u64> {
    write_framed_with(path, magic, payload.len(), |bytes| {
        bytes.extend_from_slice(payload)
    })
}

/// [`write_framed`] with the payload written by `fill` into the file's
/// buffer, which has room for about `size` bytes of it.
fn write_framed_with(
    path: &Path,
    magic: &[u8; 8],
    size: usize,
    fill: impl FnOnce(&mut Vec<u8>),
) -> anyhow::Result<u64> {
    let mut bytes = Vec::with_capacity(size + 16);
    bytes.extend_from_slice(magic);
    fill(&mut bytes);
    let hash = crate::hash::content_hash(&bytes[magic.len()..]);
    bytes.extend_from_slice(&hash.to_le_bytes());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::files::write_atomically(path, &bytes)?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_of_word_counts_is_written_as_postcard_writes_it() {
        #[derive(Serialize)]
        struct Owned {
            forms: Vec<String>,
            docs: Vec<(u64, DocTerms)>,
        }
        let doc = DocTerms {
            length: 70_000,
            terms: vec![(0, 2), (1, 300), (0, u32::MAX)],
            follow: [vec![1, 7], vec![0xff; 33], vec![2, 1, 2]].concat(),
        };
        let owned = Owned {
            forms: vec!["road".to_string(), "é".repeat(70)],
            docs: vec![(u64::MAX, doc.clone()), (5, DocTerms::default())],
        };
        let mut bytes = Vec::new();
        let numbers = [1, 0];
        let renumbered = DocTerms {
            terms: vec![(1, 2), (0, 300), (1, u32::MAX)],
            ..doc
        };
        let empty = DocTerms::default();
        let forms = ["road", &"é".repeat(70)];
        write_docs(
            &mut bytes,
            &forms,
            &[(u64::MAX, &renumbered), (5, &empty)],
            &numbers,
        );
        assert_eq!(bytes, postcard::to_allocvec(&owned).unwrap());
    }

    #[test]
    fn a_shard_of_word_counts_reads_back_as_saved() {
        let dir = tempfile::tempdir().unwrap();
        let forms: Vec<String> = ["unused", "road", "closed"].map(String::from).to_vec();
        let docs = [
            (
                7u64,
                DocTerms {
                    length: 3,
                    terms: vec![(1, 4), (2, 3)],
                    follow: vec![1, 9, 0],
                },
            ),
            (
                3u64,
                DocTerms {
                    length: 1,
                    terms: vec![(2, 2)],
                    follow: vec![2, 1, 200],
                },
            ),
        ];
        let entries: Vec<(u64, &DocTerms)> = docs.iter().map(|(d, t)| (*d, t)).collect();
        save_docs(dir.path(), 5, &forms, &entries).unwrap();
        let shard = load_docs(dir.path(), 5).unwrap();
        assert_eq!(shard.dictionary.forms, ["road", "closed"]);
        let renumbered = |t: &DocTerms| DocTerms {
            terms: t.terms.iter().map(|&(f, p)| (f - 1, p)).collect(),
            ..t.clone()
        };
        assert_eq!(shard.docs.len(), 2);
        for (digest, terms) in &docs {
            assert_eq!(shard.docs[digest], renumbered(terms));
        }
    }
}
