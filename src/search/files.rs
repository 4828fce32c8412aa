//! The index's files from its groups and the archive: term shards, the
//! metadata chunks, the area lists and `meta.json`. Putting groups into
//! shards and shards into files is a pass over bytes already encoded;
//! a metadata chunk is made again only when one of its releases changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::Datelike;
use rayon::prelude::*;

use super::groups::{self, Group};
use super::{CHUNKS_PER_FOLDER, DOCS_PER_CHUNK, FOLLOW_PART, SHARD_TARGET, TEASER_CHARS, VERSION};
use crate::model::Archive;

/// A piece of the index laid out into shards: a group, or a whole shard
/// of the last index whose groups did not change, known by what the
/// search cache's head records of it (its part is read only if the shard
/// is merged with others).
pub enum Piece {
    Group(Group),
    Kept(Stored),
}

impl Piece {
    /// What the piece sorts and splits by: a group's key, a shard's prefix.
    fn key(&self) -> &str {
        match self {
            Piece::Group(g) => &g.key,
            Piece::Kept(s) => &s.prefix,
        }
    }

    /// Its bytes in the term shard and in the follower file: a phrase
    /// query fetches both, so both are kept small.
    fn size(&self) -> usize {
        match self {
            Piece::Group(g) => g.bytes.len() + g.follow.len(),
            Piece::Kept(s) => s.size,
        }
    }

    /// Whether every group in the piece has `prefix` as its key.
    fn all_keyed(&self, prefix: &str) -> bool {
        match self {
            Piece::Group(g) => g.key == prefix,
            Piece::Kept(s) => s.exact && s.prefix == prefix,
        }
    }
}

/// The length of the group count at the front of a shard's bytes.
fn count_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| b & 0x80 == 0)
        .map_or(0, |i| i + 1)
}

/// A shard of the index: its prefix, whether all its groups are keyed by
/// it, its file's bytes, the weights of its bitmap postings, in order
/// (see [`Group::dense`]), and its follower file's bytes.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub prefix: String,
    pub exact: bool,
    // As bytes, not sequences: the same encoding, copied whole.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub dense: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub follow: Vec<u8>,
    /// Where each of its groups ends, so that a patch splits it into its
    /// groups without reading their postings.
    pub spans: Vec<Span>,
}

/// Where one group of a shard ends in each of the shard's byte strings
/// (its bytes past the group count, its bitmap weights, its follower
/// file), and the group's key.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub key: String,
    pub bytes: usize,
    pub dense: usize,
    pub follow: usize,
}

impl Part {
    /// Its [`Piece`] size.
    fn size(&self) -> usize {
        self.bytes.len() - count_len(&self.bytes) + self.follow.len()
    }

    /// The bytes of its files: the term shard, then each part of its
    /// follower file.
    fn file_bytes(&self) -> Vec<&[u8]> {
        let mut files = vec![&self.bytes[..]];
        files.extend(follow_chunks(&self.follow, FOLLOW_PART));
        files
    }

    /// What the search cache's head records of it, with its part's checksum.
    pub fn stored(&self, sum: u64) -> Stored {
        Stored {
            prefix: self.prefix.clone(),
            exact: self.exact,
            size: self.size(),
            sum,
            hashes: (self.file_bytes().into_iter())
                .map(crate::hash::content_hash)
                .collect(),
        }
    }
}

/// A shard of the last index as the search cache's head records it:
/// enough to lay it out and to list its files without reading its part.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub prefix: String,
    pub exact: bool,
    /// Its [`Piece`] size.
    pub size: usize,
    /// Its part's checksum in the search cache.
    pub sum: u64,
    /// The content hash of each of its files: the term shard, then each
    /// part of its follower file.
    pub hashes: Vec<u64>,
}

impl Stored {
    /// The bytes of its file `file` (as [`Stored::hashes`] numbers them),
    /// from its part; `None` if the part is not what was recorded.
    pub fn file(&self, part: &Part, file: usize) -> Option<Vec<u8>> {
        let bytes = *part.file_bytes().get(file)?;
        (crate::hash::content_hash(bytes) == *self.hashes.get(file)?).then(|| bytes.to_vec())
    }
}

/// A shard as laid out: one of the last index's kept as it was, or one
/// made anew.
pub enum Laid {
    Kept(Stored),
    Made(Part),
}

/// Lays `pieces` (a kept shard's range of keys holds no other piece) out
/// into shards sorted by prefix, as a clean build lays out every group:
/// in a prefix trie from the empty prefix whose buckets split by the next
/// character past [`SHARD_TARGET`], groups keyed by the bucket's prefix
/// itself staying in a shard of that prefix. A kept shard merged with
/// other pieces is read with `load`. `None` when a kept shard would have
/// to be split (its groups are not at hand) or cannot be read.
pub fn layout(
    mut pieces: Vec<Piece>,
    load: &(dyn Fn(&Stored) -> Option<Part> + Sync),
) -> Option<Vec<Laid>> {
    pieces.sort_by(|a, b| match (a, b) {
        (Piece::Group(x), Piece::Group(y)) => x.cmp(y),
        _ => a.key().cmp(b.key()),
    });
    let mut out: Vec<(String, Vec<Piece>)> = Vec::new();
    split(String::new(), pieces, &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_par_iter()
        .map(|(prefix, mut bucket)| match bucket.pop() {
            Some(Piece::Kept(s)) if bucket.is_empty() && s.prefix == prefix => Some(Laid::Kept(s)),
            last => {
                bucket.extend(last);
                merge(prefix, bucket, load).map(Laid::Made)
            }
        })
        .collect()
}

impl Laid {
    pub fn prefix(&self) -> &str {
        match self {
            Laid::Kept(s) => &s.prefix,
            Laid::Made(p) => &p.prefix,
        }
    }

    /// How many files its follower file is written as.
    fn follow_files(&self) -> usize {
        match self {
            Laid::Kept(s) => s.hashes.len().saturating_sub(1),
            Laid::Made(p) => follow_chunks(&p.follow, FOLLOW_PART).len(),
        }
    }
}

/// One shard's file from its pieces; `None` if a kept one cannot be read.
fn merge(
    prefix: String,
    bucket: Vec<Piece>,
    load: &(dyn Fn(&Stored) -> Option<Part> + Sync),
) -> Option<Part> {
    let mut body = Vec::new();
    let mut dense = Vec::new();
    let mut follow = Vec::new();
    let mut spans = Vec::new();
    let exact = bucket.iter().all(|p| p.all_keyed(&prefix));
    for piece in &bucket {
        match piece {
            Piece::Group(g) => {
                body.extend_from_slice(&g.bytes);
                dense.extend_from_slice(&g.dense);
                follow.extend_from_slice(&g.follow);
                spans.push(Span {
                    key: g.key.clone(),
                    bytes: body.len(),
                    dense: dense.len(),
                    follow: follow.len(),
                });
            }
            Piece::Kept(stored) => {
                let s = load(stored)?;
                let (b, d, f) = (body.len(), dense.len(), follow.len());
                body.extend_from_slice(&s.bytes[count_len(&s.bytes)..]);
                dense.extend_from_slice(&s.dense);
                follow.extend_from_slice(&s.follow);
                spans.extend(s.spans.iter().map(|span| Span {
                    key: span.key.clone(),
                    bytes: b + span.bytes,
                    dense: d + span.dense,
                    follow: f + span.follow,
                }));
            }
        }
    }
    let mut bytes = Vec::with_capacity(body.len() + 4);
    super::encode::varint(&mut bytes, spans.len() as u64);
    bytes.extend_from_slice(&body);
    Some(Part {
        prefix,
        exact,
        bytes,
        dense,
        follow,
        spans,
    })
}

/// Puts `bucket` (pieces whose key starts with `prefix`) in one shard, or
/// splits it by the next character when it is too large: pieces keyed by
/// the prefix itself stay in a shard of that prefix.
fn split(prefix: String, bucket: Vec<Piece>, shards: &mut Vec<(String, Vec<Piece>)>) -> Option<()> {
    let size: usize = bucket.iter().map(Piece::size).sum();
    let depth = prefix.chars().count();
    if size <= SHARD_TARGET || bucket.iter().all(|p| p.all_keyed(&prefix)) {
        shards.push((prefix, bucket));
        return Some(());
    }
    let mut exact = Vec::new();
    let mut children: BTreeMap<String, Vec<Piece>> = BTreeMap::new();
    for piece in bucket {
        if piece.key() == prefix {
            if !piece.all_keyed(&prefix) {
                return None;
            }
            exact.push(piece);
        } else {
            children
                .entry(prefix_chars(piece.key(), depth + 1).to_string())
                .or_default()
                .push(piece);
        }
    }
    if !exact.is_empty() {
        shards.push((prefix, exact));
    }
    for (child, bucket) in children {
        split(child, bucket, shards)?;
    }
    Some(())
}

/// A shard's groups, each with its key, bytes, bitmap weights and
/// follower sets, cut where its spans say; `None` if they do not fit.
pub fn groups_of(part: &Part) -> Option<Vec<Group>> {
    let count = super::encode::Reader::new(&part.bytes).varint()?;
    let body = &part.bytes[count_len(&part.bytes)..];
    if count != part.spans.len() as u64 {
        return None;
    }
    let (mut b, mut d, mut f) = (0, 0, 0);
    let mut out = Vec::with_capacity(part.spans.len());
    for span in &part.spans {
        out.push(Group {
            key: span.key.clone(),
            bytes: body.get(b..span.bytes)?.to_vec(),
            dense: part.dense.get(d..span.dense)?.to_vec(),
            follow: part.follow.get(f..span.follow)?.to_vec(),
        });
        (b, d, f) = (span.bytes, span.dense, span.follow);
    }
    (b == body.len() && d == part.dense.len() && f == part.follow.len()).then_some(out)
}

/// The stems of a part's groups, read where each group starts; `None` if
/// the part is damaged.
pub fn group_stems(part: &Part) -> Option<Vec<&str>> {
    let body = part.bytes.get(count_len(&part.bytes)..)?;
    let mut start = 0;
    let mut stems = Vec::with_capacity(part.spans.len());
    for span in &part.spans {
        stems.push(super::encode::Reader::new(body.get(start..span.bytes)?).string()?);
        start = span.bytes;
    }
    Some(stems)
}

/// Sets body weights in a part's groups where they are
/// ([`groups::set_weights`]), `weights` giving each group's by its stem;
/// `None` if the part is damaged or a weight's posting is not found.
pub fn set_weights<'w>(
    part: &mut Part,
    weights: &dyn Fn(&str) -> Option<&'w [groups::Reweigh<'w>]>,
) -> Option<()> {
    let skip = count_len(&part.bytes);
    let (mut start, mut dense) = (skip, 0);
    for span in &part.spans {
        let (end, dense_end) = (skip + span.bytes, span.dense);
        let bytes = part.bytes.get_mut(start..end)?;
        if let Some(weights) = weights(super::encode::Reader::new(bytes).string()?) {
            groups::set_weights(bytes, part.dense.get_mut(dense..dense_end)?, weights)?;
        }
        (start, dense) = (end, dense_end);
    }
    Some(())
}

/// One file of the index: its path, its content hash, and its bytes or
/// the kept shard of the last index they are in.
pub struct IndexFile {
    pub path: String,
    pub hash: u64,
    pub content: Content,
}

pub enum Content {
    Bytes(Vec<u8>),
    /// File `.1` of a kept shard, as [`Stored::hashes`] numbers them.
    Kept(Arc<Stored>, usize),
}

impl IndexFile {
    fn bytes(path: String, bytes: Vec<u8>) -> IndexFile {
        IndexFile {
            path,
            hash: crate::hash::content_hash(&bytes),
            content: Content::Bytes(bytes),
        }
    }
}

/// Every file of the index, sorted by path, from its shards: a kept
/// shard's files by their recorded hashes, without their bytes.
pub fn assemble(archive: &Archive, shards: &[&Laid], chunks: &[(u64, Vec<u8>)]) -> Vec<IndexFile> {
    let n = archive.releases.len();
    // Each shard's files hashed and copied on every core.
    let mut files: Vec<IndexFile> = (shards.par_iter())
        .flat_map_iter(|shard| -> Vec<IndexFile> {
            match shard {
                Laid::Made(part) => {
                    let bytes = part.file_bytes();
                    let paths = file_paths(&part.prefix, bytes.len());
                    (paths.into_iter().zip(bytes))
                        .map(|(p, b)| IndexFile::bytes(p, b.to_vec()))
                        .collect()
                }
                Laid::Kept(stored) => {
                    let stored = Arc::new((*stored).clone());
                    let paths = file_paths(&stored.prefix, stored.hashes.len());
                    let paths = paths.into_iter().zip(&stored.hashes);
                    (paths.enumerate())
                        .map(|(file, (path, &hash))| IndexFile {
                            path,
                            hash,
                            content: Content::Kept(stored.clone(), file),
                        })
                        .collect()
                }
            }
        })
        .collect();
    files.push(IndexFile::bytes(
        "search/meta.json".into(),
        meta(archive, shards),
    ));
    for (c, (_, bytes)) in chunks.iter().enumerate() {
        let folder = c as u32 / CHUNKS_PER_FOLDER;
        let path = format!("search/d/{folder}/{c}.json");
        files.push(IndexFile::bytes(path, bytes.clone()));
    }
    for area in &archive.areas {
        let mut docs: Vec<u32> = area.releases.iter().map(|&i| (n - 1 - i) as u32).collect();
        docs.sort_unstable();
        let mut bytes = Vec::new();
        super::encode::postings(&mut bytes, &docs, None);
        files.push(IndexFile::bytes(
            format!("search/a/{}.bin", area.slug),
            bytes,
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn meta(archive: &Archive, shards: &[&Laid]) -> Vec<u8> {
    let n = archive.releases.len();
    // Documents are oldest first, so a year is a range of document numbers.
    let mut years: BTreeMap<i32, (usize, usize)> = BTreeMap::new();
    for (i, release) in archive.releases.iter().enumerate() {
        let d = n - 1 - i;
        let range = years.entry(release.published.year()).or_insert((d, d));
        range.0 = range.0.min(d);
        range.1 = range.1.max(d);
    }
    let value = serde_json::json!({
        "v": VERSION,
        "docs": n,
        "chunk": DOCS_PER_CHUNK,
        "folder": CHUNKS_PER_FOLDER,
        "k1": super::K1,
        "dense": super::DENSE_WEIGHT,
        "areas": archive.areas.iter().map(|a| [a.slug.to_string(), a.name.clone()]).collect::<Vec<_>>(),
        "years": years.iter().map(|(y, (lo, hi))| [*y as i64, *lo as i64, *hi as i64]).collect::<Vec<_>>(),
        "shards": shards.iter().map(|s| s.prefix()).collect::<Vec<_>>(),
        // Follower files in more than one part: shard prefix -> parts.
        "fparts": (shards.iter())
            .map(|s| (s.prefix(), s.follow_files()))
            .filter(|(_, parts)| *parts > 1)
            .collect::<BTreeMap<_, _>>(),
    });
    let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The metadata chunks (`search/d/<folder>/<chunk>.json`: per document,
/// `[title, area index, "YYYY-MM-DD", id, teaser]`), each with its key:
/// the digests and areas of its releases. A chunk whose key is the one
/// `last` holds at its place is taken from there.
pub fn doc_chunks(archive: &Archive, last: &[(u64, Vec<u8>)]) -> Vec<(u64, Vec<u8>)> {
    let n = archive.releases.len();
    let chunks = n.div_ceil(DOCS_PER_CHUNK as usize);
    (0..chunks)
        .into_par_iter()
        .map(|c| {
            let start = c * DOCS_PER_CHUNK as usize;
            let end = (start + DOCS_PER_CHUNK as usize).min(n);
            let releases = (start..end).map(|d| &archive.releases[n - 1 - d]);
            let key = crate::hash::fingerprint(
                &releases
                    .clone()
                    .map(|r| (r.digest, r.area))
                    .collect::<Vec<_>>(),
            );
            if let Some((k, bytes)) = last.get(c) {
                if *k == key {
                    return (key, bytes.clone());
                }
            }
            let docs: Vec<serde_json::Value> = releases
                .map(|r| {
                    serde_json::json!([
                        r.title,
                        r.area,
                        r.date.date.format("%Y-%m-%d").to_string(),
                        r.id.to_string(),
                        teaser(r.teaser()),
                    ])
                })
                .collect();
            let mut bytes = serde_json::to_vec(&docs).unwrap_or_default();
            bytes.push(b'\n');
            (key, bytes)
        })
        .collect()
}

fn teaser(text: &str) -> String {
    let mut out = crate::plain::collapse_whitespace(text);
    if out.chars().count() > TEASER_CHARS {
        out = out.chars().take(TEASER_CHARS).collect();
        if let Some(space) = out.rfind(' ') {
            out.truncate(space);
        }
        out.push('…');
    }
    out
}

fn prefix_chars(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// A shard's file: its prefix's UTF-8 bytes in hex (any prefix is a safe,
/// case-proof name), `_` for the root shard of a small archive.
pub fn shard_path(prefix: &str) -> String {
    prefixed_path("search/t/", prefix)
}

/// A shard's follower file: as [`shard_path`], under `search/f/`.
pub fn follow_path(prefix: &str) -> String {
    prefixed_path("search/f/", prefix)
}

/// Part `k` (from 1) of a follower file past [`FOLLOW_PART`] bytes:
/// `search/f/<hex>.<k>.bin`.
pub fn follow_part_path(prefix: &str, k: usize) -> String {
    let first = follow_path(prefix);
    format!("{}.{k}.bin", first.trim_end_matches(".bin"))
}

/// A shard's follower bytes as files of at most `limit` bytes: the first
/// at [`follow_path`], the rest at [`follow_part_path`]; a reader joins
/// them in order.
#[cfg(test)]
fn follow_parts(prefix: &str, bytes: &[u8], limit: usize) -> Vec<(String, Vec<u8>)> {
    let parts = follow_chunks(bytes, limit);
    let paths = file_paths(prefix, parts.len() + 1).into_iter().skip(1);
    paths.zip(parts.into_iter().map(<[u8]>::to_vec)).collect()
}

/// The paths of a shard's `count` files, as [`Part::file_bytes`] orders
/// them: its term shard, then its follower file's parts.
fn file_paths(prefix: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|k| match k {
            0 => shard_path(prefix),
            1 => follow_path(prefix),
            k => follow_part_path(prefix, k - 1),
        })
        .collect()
}

/// A follower file's bytes as its parts: one, empty or not, up to `limit`
/// bytes; else as many as it takes.
fn follow_chunks(bytes: &[u8], limit: usize) -> Vec<&[u8]> {
    if bytes.len() <= limit {
        return vec![bytes];
    }
    bytes.chunks(limit).collect()
}

fn prefixed_path(folder: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() * 2 + 13);
    out.push_str(folder);
    if prefix.is_empty() {
        out.push('_');
    }
    for b in prefix.bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out.push_str(".bin");
    out
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::search::{groups, release_forms, Dictionary, DocTerms};

    #[test]
    fn a_follower_file_past_the_limit_continues_in_numbered_parts() {
        let bytes: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
        let parts = follow_parts("th", &bytes, 1000);
        let names: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "search/f/7468.bin",
                "search/f/7468.1.bin",
                "search/f/7468.2.bin"
            ]
        );
        assert!(parts.iter().all(|p| p.1.len() <= 1000));
        assert_eq!(parts.concat_bytes(), bytes);
        assert_eq!(follow_parts("th", &bytes[..1000], 1000).len(), 1);
    }

    trait Joined {
        fn concat_bytes(&self) -> Vec<u8>;
    }

    impl Joined for Vec<(String, Vec<u8>)> {
        fn concat_bytes(&self) -> Vec<u8> {
            self.iter().flat_map(|p| p.1.iter().copied()).collect()
        }
    }

    #[test]
    fn shards_split_back_into_the_groups_and_followers_laid_out() {
        let mut dictionary = Dictionary::default();
        let docs: Vec<Cow<DocTerms>> = (0..300u32)
            .map(|d| {
                let text: String = (0..60)
                    .map(|i| format!("w{} ", (d * 37 + i * 11) % 900))
                    .collect();
                let (length, forms, follow) = release_forms("w1 w2", &text);
                let terms = (forms.iter())
                    .map(|(f, c, t)| (dictionary.intern(f), c << 1 | u32::from(*t)))
                    .collect();
                Cow::Owned(DocTerms {
                    length,
                    terms,
                    follow,
                })
            })
            .collect();
        let groups = groups::invert(&dictionary.forms, docs);
        let pieces = groups.iter().cloned().map(Piece::Group).collect();
        let laid = layout(pieces, &|_| None).unwrap();
        assert!(laid.len() > 2, "{} shards", laid.len());
        let mut back: Vec<Group> = (laid.iter())
            .flat_map(|l| match l {
                Laid::Made(p) => groups_of(p).unwrap(),
                Laid::Kept(_) => panic!("nothing to keep in a clean layout"),
            })
            .collect();
        back.sort_unstable();
        assert_eq!(back, groups);
        let Laid::Made(part) = &laid[0] else {
            panic!("made")
        };
        let mut cut = part.clone();
        cut.follow.pop();
        assert_eq!(groups_of(&cut), None, "a follower file cut short");
    }
}
