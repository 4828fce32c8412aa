//! The search cache, a folder in the build cache:
//!
//! - `docs-00` to `docs-3f`: each release's word counts by its digest, in
//!   64 shards by digest, each with its own dictionary of forms, so a
//!   rebuild reads no release text that did not change and a one-file
//!   rebuild reads only the shards of the releases that changed;
//! - `index`: the last index as built: the release digest of every
//!   document number, every stem group's encoded bytes, and the metadata
//!   chunks with what each was made from, so a rebuild re-encodes only
//!   the groups and chunks an edit touches.
//!
//! Each file is framed by a magic and a checksum; a damaged, missing or
//! foreign one is a miss, which only costs time.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Dictionary, DocTerms};

/// Change whenever the tokeniser, the stored layout or the hash does.
const DOCS_MAGIC: &[u8; 8] = b"blsrch03";
const INDEX_MAGIC: &[u8; 8] = b"blsidx03";
/// Shards of the per-release cache.
pub const DOC_SHARDS: u64 = 64;

/// One shard of the per-release cache: word counts by release digest,
/// with forms numbered in its own dictionary.
#[derive(Default)]
pub struct DocShard {
    pub dictionary: Dictionary,
    pub docs: FxHashMap<u64, DocTerms>,
}

/// The index as last built, in the order a clean build makes it.
#[derive(Serialize, Deserialize, Default)]
pub struct State {
    /// The release digest of each document number.
    pub order: Vec<u64>,
    pub groups: Vec<super::groups::Group>,
    /// Each metadata chunk's key (what it is made from) and bytes.
    pub chunks: Vec<(u64, Vec<u8>)>,
}

#[derive(Serialize)]
struct Written<'a> {
    forms: Vec<&'a str>,
    docs: Vec<(u64, DocTerms)>,
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
    let read: Read = read_framed(&docs_path(dir, shard), DOCS_MAGIC)?;
    let forms = read.forms.len() as u32;
    if read
        .docs
        .iter()
        .flat_map(|d| &d.1.terms)
        .any(|t| t.0 >= forms)
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
    dictionary: &Dictionary,
    entries: &[(u64, &DocTerms)],
) -> anyhow::Result<()> {
    let mut renumbered: Vec<u32> = vec![u32::MAX; dictionary.forms.len()];
    let mut forms: Vec<&str> = Vec::new();
    let docs = entries
        .iter()
        .map(|(digest, doc)| {
            let terms = doc
                .terms
                .iter()
                .map(|&(form, packed)| {
                    let slot = &mut renumbered[form as usize];
                    if *slot == u32::MAX {
                        *slot = forms.len() as u32;
                        forms.push(&dictionary.forms[form as usize]);
                    }
                    (*slot, packed)
                })
                .collect();
            let doc = DocTerms {
                length: doc.length,
                terms,
            };
            (*digest, doc)
        })
        .collect();
    let payload = postcard::to_stdvec(&Written { forms, docs })?;
    write_framed(&docs_path(dir, shard), DOCS_MAGIC, &payload)
}

pub fn load_state(dir: &Path) -> Option<State> {
    read_framed(&dir.join("index"), INDEX_MAGIC)
}

pub fn save_state(dir: &Path, state: &State) -> anyhow::Result<()> {
    let payload = postcard::to_stdvec(state)?;
    write_framed(&dir.join("index"), INDEX_MAGIC, &payload)
}

fn read_framed<T: serde::de::DeserializeOwned>(path: &Path, magic: &[u8; 8]) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(magic.as_slice())?;
    let (payload, sum) = body.split_at_checked(body.len().checked_sub(8)?)?;
    if crate::hash::content_hash(payload).to_le_bytes() != sum {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

fn write_framed(path: &Path, magic: &[u8; 8], payload: &[u8]) -> anyhow::Result<()> {
    let mut bytes = Vec::with_capacity(payload.len() + 16);
    bytes.extend_from_slice(magic);
    bytes.extend_from_slice(payload);
    bytes.extend_from_slice(&crate::hash::content_hash(payload).to_le_bytes());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::files::write_atomically(path, &bytes)
}
