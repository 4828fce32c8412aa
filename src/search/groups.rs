//! Stem groups, the pieces term shards are made of: every form of one
//! stem with its postings, encoded once. A clean build inverts every
//! release's word counts into groups; a rebuild decodes only the groups
//! whose stems an edited release had or has, moves that release's
//! postings, and encodes them again, which gives the bytes a clean build
//! would (postings are sorted by document, forms by text).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode::{self, Reader};
use super::{tokenise, weight, DocTerms};

/// One stem group as written into its shard.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    /// The longest common prefix of its stem and forms: the shard key.
    pub key: String,
    pub bytes: Vec<u8>,
    /// The weights of its body postings written as bitmaps (which carry
    /// none), so that a patch can encode the group again exactly.
    pub dense: Vec<u8>,
}

/// One form's postings, by document number.
#[derive(Default, Debug, Clone, PartialEq)]
pub struct Postings {
    pub body: Vec<u32>,
    pub weights: Vec<u8>,
    pub title: Vec<u32>,
}

impl Postings {
    /// Adds a document's packed count (body count shifted left once, the
    /// low bit for the title), keeping the lists sorted.
    fn insert(&mut self, doc: u32, packed: u32, length: u32) {
        let count = packed >> 1;
        // A clean build adds documents in order: pushed, not searched.
        if count > 0 {
            let at = match self.body.last() {
                Some(&last) if last >= doc => self.body.partition_point(|&d| d < doc),
                _ => self.body.len(),
            };
            self.body.insert(at, doc);
            self.weights.insert(at, weight(count, length));
        }
        if packed & 1 == 1 {
            let at = match self.title.last() {
                Some(&last) if last >= doc => self.title.partition_point(|&d| d < doc),
                _ => self.title.len(),
            };
            self.title.insert(at, doc);
        }
    }

    fn remove(&mut self, docs: &[u32]) {
        let keep: Vec<bool> = self
            .body
            .iter()
            .map(|d| docs.binary_search(d).is_err())
            .collect();
        let mut i = 0;
        self.weights.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        self.body.retain(|d| docs.binary_search(d).is_err());
        self.title.retain(|d| docs.binary_search(d).is_err());
    }

    fn is_empty(&self) -> bool {
        self.body.is_empty() && self.title.is_empty()
    }
}

/// A group's bytes: its stem, then per form (sorted) the form, its title
/// set and its weighted body postings.
pub fn encode(stem: &str, forms: &[(&str, &Postings)]) -> Group {
    let mut key = stem.to_string();
    for (form, _) in forms {
        key = common_prefix(&key, form).to_string();
    }
    let mut bytes = Vec::new();
    let mut dense = Vec::new();
    encode::string(&mut bytes, stem);
    encode::varint(&mut bytes, forms.len() as u64);
    for (form, p) in forms {
        encode::string(&mut bytes, form);
        encode::postings(&mut bytes, &p.title, None);
        if encode::postings(&mut bytes, &p.body, Some(&p.weights)) {
            dense.extend_from_slice(&p.weights);
        }
    }
    Group { key, bytes, dense }
}

/// A group's stem and forms with their postings; `None` if damaged.
pub fn decode(group: &Group) -> Option<(String, BTreeMap<String, Postings>)> {
    let mut r = Reader::new(&group.bytes);
    let stem = r.string()?.to_string();
    let count = r.varint()?;
    let mut dense = group.dense.iter().copied();
    let mut forms = BTreeMap::new();
    for _ in 0..count {
        let form = r.string()?.to_string();
        let title = r.postings(false)?.into_iter().map(|p| p.0).collect();
        let bitmap = r.peek()? == encode::BITMAP;
        let mut p = Postings {
            title,
            ..Postings::default()
        };
        for (doc, w) in r.postings(true)? {
            p.body.push(doc);
            p.weights.push(if bitmap { dense.next()? } else { w });
        }
        forms.insert(form, p);
    }
    Some((stem, forms))
}

/// A group's stem, read from the front of its bytes.
pub fn stem_of(group: &Group) -> Option<&str> {
    Reader::new(&group.bytes).string()
}

/// Every group of the documents (`docs[d]` is document `d`), sorted as
/// the shards list them.
pub fn invert(forms: &[String], docs: &[Cow<DocTerms>]) -> Vec<Group> {
    let mut postings: Vec<Postings> = vec![Postings::default(); forms.len()];
    // Each thread fills the postings of its own range of forms, reading
    // every document: the lists grow in document order without locks.
    let per_thread = forms.len().div_ceil(rayon::current_num_threads()).max(1);
    (postings.par_chunks_mut(per_thread).enumerate()).for_each(|(i, range)| {
        let first = (i * per_thread) as u32;
        for (d, terms) in docs.iter().enumerate() {
            for &(form, packed) in &terms.terms {
                if let Some(p) = range.get_mut(form.wrapping_sub(first) as usize) {
                    p.insert(d as u32, packed, terms.length);
                }
            }
        }
    });
    crate::progress::mark("search: postings");
    let mut stemmed: Vec<(String, u32)> = (postings.par_iter().enumerate())
        .filter(|(_, p)| !p.is_empty())
        .map_init(tokenise::english, |stemmer, (id, _)| {
            (tokenise::stem(stemmer, &forms[id]), id as u32)
        })
        .collect();
    stemmed.par_sort_unstable();
    let mut stems: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (stem, id) in stemmed {
        stems.entry(stem).or_default().push(id);
    }
    let mut groups: Vec<Group> = (stems.into_par_iter())
        .map(|(stem, mut ids)| {
            ids.sort_by(|a, b| forms[*a as usize].cmp(&forms[*b as usize]));
            let group: Vec<(&str, &Postings)> = (ids.iter())
                .map(|&f| (forms[f as usize].as_str(), &postings[f as usize]))
                .collect();
            encode(&stem, &group)
        })
        .collect();
    groups.sort_unstable();
    groups
}

/// A document whose words changed: its old and new word counts (length,
/// and per form its packed count).
pub struct Change {
    pub doc: u32,
    pub old_length: u32,
    pub old: Vec<(String, u32)>,
    pub length: u32,
    pub new: Vec<(String, u32)>,
}

/// What a document's posting in a form's lists holds: its body weight,
/// if any, and whether the form is in its title.
fn posting(packed: u32, length: u32) -> (Option<u8>, bool) {
    let count = packed >> 1;
    ((count > 0).then(|| weight(count, length)), packed & 1 == 1)
}

/// The stems whose groups the changes alter: those of the forms whose
/// posting for a changed document differs (a form gained or lost, or a
/// weight or title mark changed). An edit that leaves a word's quantised
/// weight as it was leaves its group alone.
pub fn touched(changes: &[Change]) -> BTreeSet<String> {
    let stemmer = tokenise::english();
    let mut stems = BTreeSet::new();
    for change in changes {
        let old: HashMap<&str, (Option<u8>, bool)> = (change.old.iter())
            .map(|(f, p)| (f.as_str(), posting(*p, change.old_length)))
            .collect();
        let new: HashMap<&str, (Option<u8>, bool)> = (change.new.iter())
            .map(|(f, p)| (f.as_str(), posting(*p, change.length)))
            .collect();
        for (form, p) in &old {
            if new.get(form) != Some(p) {
                stems.insert(tokenise::stem(&stemmer, form));
            }
        }
        for (form, p) in &new {
            if old.get(form) != Some(p) {
                stems.insert(tokenise::stem(&stemmer, form));
            }
        }
    }
    stems
}

/// `groups` with the changed documents' postings moved to their new
/// forms; `None` if a group is damaged.
pub fn patch(groups: Vec<Group>, changes: &[Change]) -> Option<Vec<Group>> {
    let stemmer = tokenise::english();
    let mut docs: Vec<u32> = changes.iter().map(|c| c.doc).collect();
    docs.sort_unstable();
    // Per stem touched, the postings to add: (form, doc, packed, length).
    let mut touched: BTreeMap<String, Vec<(&str, u32, u32, u32)>> = touched(changes)
        .into_iter()
        .map(|s| (s, Vec::new()))
        .collect();
    for change in changes {
        for (form, packed) in &change.new {
            let stem = tokenise::stem(&stemmer, form);
            if let Some(adds) = touched.get_mut(&stem) {
                adds.push((form, change.doc, *packed, change.length));
            }
        }
    }
    let mut found: HashSet<String> = HashSet::new();
    let mut kept = Vec::with_capacity(groups.len() + 16);
    let mut fresh = Vec::new();
    for group in groups {
        let Some(adds) = stem_of(&group).and_then(|s| touched.get(s)) else {
            kept.push(group);
            continue;
        };
        let (stem, mut forms) = decode(&group)?;
        forms.values_mut().for_each(|p| p.remove(&docs));
        fresh.extend(regroup(&stem, forms, adds));
        found.insert(stem);
    }
    for (stem, adds) in &touched {
        if !found.contains(stem) {
            fresh.extend(regroup(stem, BTreeMap::new(), adds));
        }
    }
    // The groups kept are in order: the new ones are merged in.
    fresh.sort_unstable();
    let mut out = Vec::with_capacity(kept.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for group in kept {
        while let Some(new) = fresh.next_if(|new| *new < group) {
            out.push(new);
        }
        out.push(group);
    }
    out.extend(fresh);
    Some(out)
}

/// A group's forms with postings added; `None` when it has none left.
fn regroup(
    stem: &str,
    mut forms: BTreeMap<String, Postings>,
    adds: &[(&str, u32, u32, u32)],
) -> Option<Group> {
    for &(form, doc, packed, length) in adds {
        let p = forms.entry(form.to_string()).or_default();
        p.insert(doc, packed, length);
    }
    forms.retain(|_, p| !p.is_empty());
    let list: Vec<(&str, &Postings)> = forms.iter().map(|(f, p)| (f.as_str(), p)).collect();
    (!list.is_empty()).then(|| encode(stem, &list))
}

pub fn common_prefix<'s>(a: &'s str, b: &str) -> &'s str {
    let mut end = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            return &a[..i];
        }
        end = i + x.len_utf8();
    }
    &a[..end]
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

    fn docs(
        list: &[(u32, &[(&str, u32)])],
    ) -> (super::super::Dictionary, Vec<Cow<'static, DocTerms>>) {
        let mut dictionary = super::super::Dictionary::default();
        let docs = (list.iter())
            .map(|(length, terms)| {
                let terms = terms
                    .iter()
                    .map(|(f, p)| (dictionary.intern(f), *p))
                    .collect();
                Cow::Owned(DocTerms {
                    length: *length,
                    terms,
                })
            })
            .collect();
        (dictionary, docs)
    }

    #[test]
    fn a_patch_gives_the_groups_a_clean_inversion_gives() {
        // Dense enough that some postings are bitmaps.
        let many: Vec<(u32, &[(&str, u32)])> = (0..200)
            .map(|i| -> (u32, &[(&str, u32)]) {
                if i % 3 == 0 {
                    (9, &[("arrest", 2), ("arrested", 3), ("road", 4)])
                } else {
                    (5, &[("arrests", 2), ("road", 2)])
                }
            })
            .collect();
        let (dictionary, before) = docs(&many);
        let groups = invert(&dictionary.forms, &before);
        let mut after = many.clone();
        after[7] = (4, &[("closed", 2), ("road", 5)]);
        after.push((3, &[("venetic", 3)]));
        let (dictionary, expected) = docs(&after);
        let changes = [
            Change {
                doc: 7,
                old_length: 5,
                old: vec![("arrests".into(), 2), ("road".into(), 2)],
                length: 4,
                new: vec![("closed".into(), 2), ("road".into(), 5)],
            },
            Change {
                doc: 200,
                old_length: 0,
                old: vec![],
                length: 3,
                new: vec![("venetic".into(), 3)],
            },
        ];
        assert!(groups.iter().any(|g| !g.dense.is_empty()), "a bitmap");
        assert_eq!(
            patch(groups, &changes),
            Some(invert(&dictionary.forms, &expected))
        );
    }
}
