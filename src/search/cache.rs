//! The search cache: each release's word counts by its digest, so a
//! rebuild reads no release text that did not change. One file, read
//! whole; a damaged or foreign one (wrong magic or checksum) is a miss.

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Dictionary, DocTerms};

/// Changes whenever the tokeniser, the stored layout or the hash does.
const MAGIC: &[u8; 8] = b"blsrch01";

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

pub fn load(path: &Path) -> Option<(Dictionary, FxHashMap<u64, DocTerms>)> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let (payload, sum) = body.split_at_checked(body.len().checked_sub(8)?)?;
    if crate::hash::content_hash(payload).to_le_bytes() != sum {
        return None;
    }
    let read: Read = postcard::from_bytes(payload).ok()?;
    let forms = read.forms.len() as u32;
    if read
        .docs
        .iter()
        .flat_map(|d| &d.1.terms)
        .any(|t| t.0 >= forms)
    {
        return None;
    }
    Some((
        Dictionary::from_forms(read.forms),
        read.docs.into_iter().collect(),
    ))
}

/// Writes the entries with only the forms they use, renumbered in order
/// of first use.
pub fn save(
    path: &Path,
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
            (
                *digest,
                DocTerms {
                    length: doc.length,
                    terms,
                },
            )
        })
        .collect();
    let payload = postcard::to_stdvec(&Written { forms, docs })?;
    let mut bytes = Vec::with_capacity(payload.len() + 16);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&payload);
    bytes.extend_from_slice(&crate::hash::content_hash(&payload).to_le_bytes());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
