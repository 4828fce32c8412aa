//! Full-text search over the archive, as static files a reader's browser
//! queries with `static/search.js` (no server, no WASM).
//!
//! The index is built from the model, not from rendered pages: each
//! release's title, body, description, commentary, notes, corrections and
//! tags are split into folded word forms ([`tokenise`]). Forms that share
//! an English Snowball stem form a group, so `arrested` finds `arrests`
//! while an exact form still ranks first. Documents are numbered oldest
//! first (a new release takes the next number, leaving older postings as
//! they were), and the files are:
//!
//! - `search/meta.json`: document count, the shard list, areas, year ranges;
//! - `search/t/<hex prefix>.bin`: term shards. Groups are placed by the
//!   longest common prefix of their forms in a prefix trie (from the empty
//!   prefix) whose buckets split by the next character once they pass
//!   [`SHARD_TARGET`], so a
//!   query word needs only the shards whose prefix is a prefix of it, and
//!   an edit changes only the shards of the words it touches;
//! - `search/d/<n>/<chunk>.json`: title, area, date, id and teaser of
//!   [`DOCS_PER_CHUNK`] documents, fetched only for results shown;
//! - `search/a/<area slug>.bin`: each area's documents, for its filter.
//!
//! Body postings carry a BM25 term weight quantised to a byte (with a
//! fixed average length, so one release's edit never reweighs another's
//! postings); title postings are a plain set. A posting list is a delta
//! list or a bitmap, whichever is smaller.

mod cache;
pub mod encode;
pub mod query;
pub mod tokenise;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use chrono::Datelike;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::{Archive, Release};
use crate::render::Bodies;

/// Documents per metadata chunk: a result page of ten fetches at most ten
/// small chunks, and neighbouring (same-day) results share one.
pub const DOCS_PER_CHUNK: u32 = 16;
/// Chunk files per folder (`d/<n>/`), far under GitHub Pages' limits.
pub const CHUNKS_PER_FOLDER: u32 = 1000;
/// A shard's size past which its prefix splits by the next character.
pub const SHARD_TARGET: usize = 24 * 1024;
/// Characters of a release's teaser kept for result snippets.
pub const TEASER_CHARS: usize = 220;
/// The weight of a document in a bitmap posting list.
pub const DENSE_WEIGHT: u8 = 64;
/// BM25 parameters; the average length is fixed rather than measured so
/// that weights depend on their own release only.
pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;
pub const AVERAGE_LENGTH: f64 = 300.0;
/// Format version, in `meta.json` and the client.
pub const VERSION: u32 = 1;

/// The index files, as (site path, bytes), sorted by path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SearchIndex {
    pub files: Vec<(String, Vec<u8>)>,
}

/// What one release contributes: its body length in words and, per form
/// (an index into the build's dictionary), its body count shifted left
/// once with the low bit set when the form is in the title.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DocTerms {
    pub length: u32,
    pub terms: Vec<(u32, u32)>,
}

/// Word forms by number, shared by every release in the search cache.
#[derive(Debug, Default)]
pub struct Dictionary {
    pub forms: Vec<String>,
    ids: FxHashMap<String, u32>,
}

impl Dictionary {
    pub fn from_forms(forms: Vec<String>) -> Dictionary {
        let ids = forms
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i as u32))
            .collect();
        Dictionary { forms, ids }
    }

    pub fn intern(&mut self, form: &str) -> u32 {
        if let Some(&id) = self.ids.get(form) {
            return id;
        }
        let id = self.forms.len() as u32;
        self.forms.push(form.to_string());
        self.ids.insert(form.to_string(), id);
        id
    }
}

/// The text of a release that search reads, besides its title: the
/// description, body, commentary, passage notes, corrections and tags.
pub fn release_text(release: &Release, body: &str) -> String {
    let mut text = String::with_capacity(body.len() + 256);
    if let Some(description) = &release.description {
        text.push_str(description);
        text.push('\n');
    }
    text.push_str(body);
    if let Some(a) = &release.annotation {
        for part in std::iter::once(&a.commentary)
            .chain(a.notes.iter().map(|n| &n.text))
            .chain(a.corrections.iter().map(|c| &c.text))
            .chain(a.tags.iter().map(|t| &t.value))
        {
            text.push('\n');
            text.push_str(part);
        }
    }
    text
}

/// Folded forms of a release: (form, body count, in title), sorted by form.
pub fn release_forms(title: &str, text: &str) -> Forms {
    use unicode_segmentation::UnicodeSegmentation;
    let mut counts: FxHashMap<String, (u32, bool)> = FxHashMap::default();
    let mut length = 0u32;
    let mut form = String::new();
    for (source, in_title) in [(text, false), (title, true)] {
        for word in source.unicode_words() {
            if !tokenise::fold_into(word, &mut form) {
                continue;
            }
            let entry = match counts.get_mut(form.as_str()) {
                Some(entry) => entry,
                None => counts.entry(form.clone()).or_default(),
            };
            if in_title {
                entry.1 = true;
            } else {
                length += 1;
                entry.0 += 1;
            }
        }
    }
    let mut forms: Vec<(String, u32, bool)> = counts
        .into_iter()
        .map(|(form, (count, title))| (form, count, title))
        .collect();
    forms.sort_unstable();
    (length, forms)
}

/// A body count's BM25 term weight, quantised to 1..=255.
pub fn weight(count: u32, length: u32) -> u8 {
    let tf = f64::from(count);
    let norm = 1.0 - B + B * f64::from(length) / AVERAGE_LENGTH;
    let saturated = tf * (K1 + 1.0) / (tf + K1 * norm);
    ((saturated / (K1 + 1.0) * 255.0).round() as i64).clamp(1, 255) as u8
}

/// Builds the index. Releases whose digest is in the search cache (under
/// `cache_dir`) are not read again; the cache is then rewritten to hold
/// exactly this archive's releases.
pub fn build(
    archive: &Archive,
    bodies: &dyn Bodies,
    cache_dir: Option<&Path>,
) -> Result<SearchIndex> {
    let cache_path = cache_dir.map(|d| d.join("search"));
    let (mut dictionary, cached) = cache_path
        .as_deref()
        .and_then(cache::load)
        .unwrap_or_default();
    let fresh: Vec<Option<Forms>> = (archive.releases.par_iter())
        .map(|release| {
            if cached.contains_key(&release.digest) {
                return Ok(None);
            }
            let body = bodies.body(release)?;
            Ok(Some(release_forms(
                &release.title,
                &release_text(release, &body),
            )))
        })
        .collect::<Result<_>>()?;
    crate::progress::mark("search: words of new releases");
    let mut missed = 0usize;
    let docs: Vec<std::borrow::Cow<DocTerms>> = (archive.releases.iter().zip(fresh))
        .map(|(release, fresh)| match fresh {
            None => std::borrow::Cow::Borrowed(&cached[&release.digest]),
            Some((length, forms)) => {
                missed += 1;
                let terms = forms
                    .iter()
                    .map(|(form, count, title)| {
                        (dictionary.intern(form), count << 1 | u32::from(*title))
                    })
                    .collect();
                std::borrow::Cow::Owned(DocTerms { length, terms })
            }
        })
        .collect();
    if let Some(path) = &cache_path {
        if missed > 0 || cached.len() != archive.releases.len() {
            let entries: Vec<(u64, &DocTerms)> = (archive.releases.iter())
                .zip(&docs)
                .map(|(r, d)| (r.digest, d.as_ref()))
                .collect();
            // A cache that cannot be written only costs the next build time.
            let _ = cache::save(path, &dictionary, &entries);
        }
    }
    crate::progress::mark("search: cache");
    Ok(write_index(archive, &dictionary, &docs))
}

/// A release's folded forms: (form, body count, in title), sorted by form,
/// with its body length in words.
type Forms = (u32, Vec<(String, u32, bool)>);
/// A stem group's shard key (the common prefix of its forms) and bytes.
type Entry = (String, Vec<u8>);
/// A shard's prefix and its entries.
type Shard<'e> = (String, Vec<&'e Entry>);

/// One form's postings while the index is assembled.
#[derive(Default)]
struct Postings {
    body: Vec<u32>,
    weights: Vec<u8>,
    title: Vec<u32>,
}

fn write_index(
    archive: &Archive,
    dictionary: &Dictionary,
    docs: &[std::borrow::Cow<DocTerms>],
) -> SearchIndex {
    let n = docs.len();
    // Document d is release n - 1 - d: oldest first.
    let mut postings: Vec<Postings> = (0..dictionary.forms.len())
        .map(|_| Postings::default())
        .collect();
    for d in 0..n {
        let terms = &docs[n - 1 - d];
        for &(form, packed) in &terms.terms {
            let p = &mut postings[form as usize];
            let count = packed >> 1;
            if count > 0 {
                p.body.push(d as u32);
                p.weights.push(weight(count, terms.length));
            }
            if packed & 1 == 1 {
                p.title.push(d as u32);
            }
        }
    }
    crate::progress::mark("search: postings");
    // Groups of forms by stem, each keyed by the longest common prefix of
    // its stem and forms (so it sits in a shard whose prefix is a prefix
    // of every one of its forms).
    let stemmer = tokenise::english();
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (id, p) in postings.iter().enumerate() {
        if p.body.is_empty() && p.title.is_empty() {
            continue;
        }
        let form = &dictionary.forms[id];
        groups
            .entry(tokenise::stem(&stemmer, form))
            .or_default()
            .push(id as u32);
    }
    let mut entries: Vec<Entry> = groups
        .into_par_iter()
        .map(|(stem, mut forms)| {
            forms.sort_by(|a, b| dictionary.forms[*a as usize].cmp(&dictionary.forms[*b as usize]));
            let mut key = stem.clone();
            for &f in &forms {
                key = common_prefix(&key, &dictionary.forms[f as usize]).to_string();
            }
            let mut bytes = Vec::new();
            encode::string(&mut bytes, &stem);
            encode::varint(&mut bytes, forms.len() as u64);
            for &f in &forms {
                let p = &postings[f as usize];
                encode::string(&mut bytes, &dictionary.forms[f as usize]);
                encode::postings(&mut bytes, &p.title, None);
                encode::postings(&mut bytes, &p.body, Some(&p.weights));
            }
            (key, bytes)
        })
        .collect();
    entries.sort();
    crate::progress::mark("search: stems, encoding");
    let mut shards: Vec<Shard> = Vec::new();
    split(String::new(), entries.iter().collect(), &mut shards);
    shards.sort_by(|a, b| a.0.cmp(&b.0));

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (prefix, bucket) in &shards {
        let mut bytes = Vec::new();
        encode::varint(&mut bytes, bucket.len() as u64);
        for (_, entry) in bucket {
            bytes.extend_from_slice(entry);
        }
        files.push((shard_path(prefix), bytes));
    }
    files.push(("search/meta.json".into(), meta(archive, &shards)));
    files.extend(doc_chunks(archive));
    for area in &archive.areas {
        let mut docs: Vec<u32> = area.releases.iter().map(|&i| (n - 1 - i) as u32).collect();
        docs.sort_unstable();
        let mut bytes = Vec::new();
        encode::postings(&mut bytes, &docs, None);
        files.push((format!("search/a/{}.bin", area.slug), bytes));
    }
    files.sort();
    SearchIndex { files }
}

/// Puts `bucket` (entries whose key starts with `prefix`) in one shard, or
/// splits it by the next character when it is too large: entries whose key
/// is the prefix itself stay in a shard of that prefix.
fn split<'e>(prefix: String, bucket: Vec<&'e Entry>, shards: &mut Vec<Shard<'e>>) {
    let size: usize = bucket.iter().map(|e| e.1.len()).sum();
    let depth = prefix.chars().count();
    if size <= SHARD_TARGET || bucket.iter().all(|e| e.0 == prefix) {
        shards.push((prefix, bucket));
        return;
    }
    let mut exact = Vec::new();
    let mut children: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for entry in bucket {
        if entry.0 == prefix {
            exact.push(entry);
        } else {
            children
                .entry(prefix_chars(&entry.0, depth + 1).to_string())
                .or_default()
                .push(entry);
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
        "k1": K1,
        "dense": DENSE_WEIGHT,
        "areas": archive.areas.iter().map(|a| [a.slug.to_string(), a.name.clone()]).collect::<Vec<_>>(),
        "years": years.iter().map(|(y, (lo, hi))| [*y as i64, *lo as i64, *hi as i64]).collect::<Vec<_>>(),
        "shards": shards.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `search/d/<folder>/<chunk>.json`: per document, `[title, area index,
/// "YYYY-MM-DD", id, teaser]`.
fn doc_chunks(archive: &Archive) -> Vec<(String, Vec<u8>)> {
    let n = archive.releases.len();
    let chunks = n.div_ceil(DOCS_PER_CHUNK as usize);
    (0..chunks)
        .into_par_iter()
        .map(|c| {
            let start = c * DOCS_PER_CHUNK as usize;
            let end = (start + DOCS_PER_CHUNK as usize).min(n);
            let docs: Vec<serde_json::Value> = (start..end)
                .map(|d| {
                    let r = &archive.releases[n - 1 - d];
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
            let folder = c as u32 / CHUNKS_PER_FOLDER;
            (format!("search/d/{folder}/{c}.json"), bytes)
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

fn common_prefix<'s>(a: &'s str, b: &str) -> &'s str {
    let mut end = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            return &a[..i];
        }
        end = i + x.len_utf8();
    }
    &a[..end]
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
    format!("search/t/{}.bin", hex(prefix))
}

fn hex(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() * 2);
    for b in prefix.bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_key_is_a_prefix_of_every_form_and_of_the_stem() {
        assert_eq!(common_prefix("polici", "policy"), "polic");
        assert_eq!(common_prefix("die", "dying"), "d");
        assert_eq!(common_prefix("ŵyr", "ŵy"), "ŵy");
    }

    #[test]
    fn body_weights_saturate_with_count_and_fall_with_length() {
        assert!(weight(1, 100) < weight(5, 100));
        assert!(weight(5, 100) < weight(50, 100));
        assert!(weight(3, 2000) < weight(3, 100));
        assert_eq!(weight(1_000_000, 1), 255);
    }
}
