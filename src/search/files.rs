//! The index's files from its groups and the archive: term shards, the
//! metadata chunks, the area lists and `meta.json`. Putting groups into
//! shards and shards into files is a pass over bytes already encoded;
//! a metadata chunk is made again only when one of its releases changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Datelike;
use rayon::prelude::*;

use super::groups::Group;
use super::{SearchIndex, CHUNKS_PER_FOLDER, DOCS_PER_CHUNK, SHARD_TARGET, TEASER_CHARS, VERSION};
use crate::model::Archive;

/// A shard's prefix and its groups.
type Shard<'g> = (String, Vec<&'g Group>);

/// Every file of the index, sorted by path.
pub fn assemble(archive: &Archive, groups: &[Group], chunks: &[(u64, Vec<u8>)]) -> SearchIndex {
    let n = archive.releases.len();
    let mut shards: Vec<Shard> = Vec::new();
    split(String::new(), groups.iter().collect(), &mut shards);
    shards.sort_by(|a, b| a.0.cmp(&b.0));
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (prefix, bucket) in &shards {
        let size = bucket.iter().map(|g| g.bytes.len()).sum::<usize>();
        let mut bytes = Vec::with_capacity(size + 4);
        super::encode::varint(&mut bytes, bucket.len() as u64);
        for group in bucket {
            bytes.extend_from_slice(&group.bytes);
        }
        files.push((shard_path(prefix), bytes));
    }
    files.push(("search/meta.json".into(), meta(archive, &shards)));
    for (c, (_, bytes)) in chunks.iter().enumerate() {
        let folder = c as u32 / CHUNKS_PER_FOLDER;
        files.push((format!("search/d/{folder}/{c}.json"), bytes.clone()));
    }
    for area in &archive.areas {
        let mut docs: Vec<u32> = area.releases.iter().map(|&i| (n - 1 - i) as u32).collect();
        docs.sort_unstable();
        let mut bytes = Vec::new();
        super::encode::postings(&mut bytes, &docs, None);
        files.push((format!("search/a/{}.bin", area.slug), bytes));
    }
    files.sort();
    SearchIndex { files }
}

/// Puts `bucket` (groups whose key starts with `prefix`) in one shard, or
/// splits it by the next character when it is too large: groups whose key
/// is the prefix itself stay in a shard of that prefix.
fn split<'g>(prefix: String, bucket: Vec<&'g Group>, shards: &mut Vec<Shard<'g>>) {
    let size: usize = bucket.iter().map(|g| g.bytes.len()).sum();
    let depth = prefix.chars().count();
    if size <= SHARD_TARGET || bucket.iter().all(|g| g.key == prefix) {
        shards.push((prefix, bucket));
        return;
    }
    let mut exact = Vec::new();
    let mut children: BTreeMap<String, Vec<&Group>> = BTreeMap::new();
    for group in bucket {
        if group.key == prefix {
            exact.push(group);
        } else {
            children
                .entry(prefix_chars(&group.key, depth + 1).to_string())
                .or_default()
                .push(group);
        }
    }
    if !exact.is_empty() {
        shards.push((prefix, exact));
    }
    for (child, bucket) in children {
        split(child, bucket, shards);
    }
}

fn meta(archive: &Archive, shards: &[Shard]) -> Vec<u8> {
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
        "shards": shards.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
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
    if prefix.is_empty() {
        return "search/t/_.bin".into();
    }
    let mut out = String::with_capacity(prefix.len() * 2 + 13);
    out.push_str("search/t/");
    for b in prefix.bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out.push_str(".bin");
    out
}
