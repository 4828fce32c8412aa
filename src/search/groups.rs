//! Stem groups, the pieces term shards are made of: every form of one
//! stem with its postings, encoded once. A clean build inverts every
//! release's word counts into groups; a rebuild patches only the groups
//! whose stems an edited release had or has: it sets the release's body
//! weights in place where only they changed, and otherwise decodes the
//! group, moves the release's postings and encodes it again. Either gives
//! the bytes a clean build would (postings are sorted by document, forms
//! by text).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode::{self, Reader};
use super::{follow, tokenise, weight, DocTerms, STRIPES};

/// One stem group as written into its shard.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    /// The longest common prefix of its stem and forms: the shard key.
    pub key: String,
    pub bytes: Vec<u8>,
    /// The weights of its body postings written as bitmaps (which carry
    /// none), so that a patch can encode the group again exactly.
    pub dense: Vec<u8>,
    /// Its part of the shard's follower file ([`follow`]).
    pub follow: Vec<u8>,
}

/// One form's postings, by document number.
#[derive(Default, Debug, Clone, PartialEq)]
pub struct Postings {
    pub body: Vec<u32>,
    pub weights: Vec<u8>,
    pub title: Vec<u32>,
    /// Per document of `body` and `title` merged, its encoded follower set.
    pub follow: Vec<u8>,
}

impl Postings {
    /// How many documents of the body and title lists merged come before
    /// `doc` (all of them for `u32::MAX`), counted without merging them:
    /// a common word's lists hold most of the archive.
    fn docs_before(&self, doc: u32) -> usize {
        let body = &self.body[..self.body.partition_point(|&d| d < doc)];
        let title = &self.title[..self.title.partition_point(|&d| d < doc)];
        let both = (title.iter())
            .filter(|d| body.binary_search(d).is_ok())
            .count();
        body.len() + title.len() - both
    }

    /// How many documents the body and title lists hold, merged.
    fn doc_count(&self) -> usize {
        self.docs_before(u32::MAX)
    }

    /// Adds a document's packed count (body count shifted left once, the
    /// low bit for the title) and its encoded follower set, keeping the
    /// lists sorted.
    fn insert(&mut self, doc: u32, packed: u32, length: u32, set: &[u8]) {
        let last = self.body.last().max(self.title.last());
        if last.is_some_and(|&last| last >= doc) {
            let before = self.docs_before(doc);
            let at = follow::skip(&self.follow, before).unwrap_or(self.follow.len());
            self.follow.splice(at..at, set.iter().copied());
        } else {
            self.follow.extend_from_slice(set);
        }
        let count = packed >> 1;
        // A new release's document comes last: pushed, not searched.
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

    /// Removes `docs` (sorted) from the lists, one by one in place: a
    /// patch removes a document or two from lists that may hold most of
    /// the archive.
    fn remove(&mut self, docs: &[u32]) {
        for &doc in docs.iter().rev() {
            let in_body = self.body.binary_search(&doc);
            let in_title = self.title.binary_search(&doc);
            if in_body.is_err() && in_title.is_err() {
                continue;
            }
            if let Some(at) = follow::skip(&self.follow, self.docs_before(doc)) {
                let len = follow::len(&self.follow[at..]).unwrap_or(0);
                self.follow.drain(at..at + len);
            }
            if let Ok(i) = in_body {
                self.body.remove(i);
                self.weights.remove(i);
            }
            if let Ok(i) = in_title {
                self.title.remove(i);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.body.is_empty() && self.title.is_empty()
    }
}

/// One form's postings as a group encodes them, borrowed from a form's
/// [`Postings`] or from a full inversion's flat lists.
#[derive(Clone, Copy)]
pub struct Lists<'p> {
    pub body: &'p [u32],
    pub weights: &'p [u8],
    pub title: &'p [u32],
    pub follow: Sets<'p>,
}

/// A form's follower sets, one per document of its body and title lists
/// merged.
#[derive(Clone, Copy)]
pub enum Sets<'p> {
    /// One after another, each as [`follow::Set::write`] encodes it.
    Listed(&'p [u8]),
    /// As the follower file holds them ([`follow::pack`]).
    Packed(&'p [u8]),
}

impl Postings {
    pub fn lists(&self) -> Lists<'_> {
        Lists {
            body: &self.body,
            weights: &self.weights,
            title: &self.title,
            follow: Sets::Listed(&self.follow),
        }
    }
}

/// A group's bytes: its stem, then per form (sorted) the form, its title
/// set and its weighted body postings; and its follower sets.
pub fn encode(stem: &str, forms: &[(&str, Lists)]) -> Group {
    let mut key = stem.to_string();
    for (form, _) in forms {
        key = common_prefix(&key, form).to_string();
    }
    let mut bytes = Vec::new();
    let mut dense = Vec::new();
    let mut follow = Vec::new();
    encode::string(&mut bytes, stem);
    encode::varint(&mut bytes, forms.len() as u64);
    for (form, p) in forms {
        encode::string(&mut bytes, form);
        encode::postings(&mut bytes, p.title, None);
        if encode::postings(&mut bytes, p.body, Some(p.weights)) {
            dense.extend_from_slice(p.weights);
        }
        match p.follow {
            // Postings hold their sets as inserted, so they are whole.
            Sets::Listed(sets) => follow::pack(&mut follow, sets).unwrap_or(()),
            Sets::Packed(block) => follow.extend_from_slice(block),
        }
    }
    Group {
        key,
        bytes,
        dense,
        follow,
    }
}

/// A group's stem and forms with their postings; `None` if damaged.
pub fn decode(group: &Group) -> Option<(String, BTreeMap<String, Postings>)> {
    let mut r = Reader::new(&group.bytes);
    let stem = r.string()?.to_string();
    let count = r.varint()?;
    let mut dense = group.dense.iter().copied();
    let mut sets = &group.follow[..];
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
        let (unpacked, len) = follow::unpack(sets, p.doc_count())?;
        p.follow = unpacked;
        sets = &sets[len..];
        forms.insert(form, p);
    }
    sets.is_empty().then_some((stem, forms))
}

/// A group's stem, read from the front of its bytes.
pub fn stem_of(group: &Group) -> Option<&str> {
    Reader::new(&group.bytes).string()
}

/// Every group of the documents (`docs[d]` is document `d`), sorted as
/// the shards list them. Each document's terms are put in stripe order
/// ([`STRIPES`]) and every form's postings counted ([`Sizes`]) in one
/// pass, so that every form's place is known; then each stripe of forms
/// is inverted by one thread at a time into flat lists ([`Flat`]), filled
/// a batch of documents at a time from the documents' runs of its terms,
/// in document order, without locks, no thread reading another stripe's
/// terms. A batch's counts are dropped once its postings are in, so
/// counts and postings are not both held whole.
pub fn invert(forms: &[String], mut docs: Vec<Cow<DocTerms>>) -> Vec<Group> {
    const BATCH: usize = 4096;
    // Each document's runs, and every form's sizes: summed over parts of
    // the documents, one a thread, each part read once.
    let part = docs
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    let mut sizes: Vec<Vec<Sizes>> = (0..docs.len().div_ceil(part))
        .map(|_| vec![Sizes::default(); forms.len()])
        .collect();
    let runs: Vec<Vec<Runs>> = (docs.par_chunks_mut(part).zip(&mut sizes))
        .map(|(part, sizes)| {
            (part.iter_mut())
                .map(|terms| {
                    let runs = match runs(terms) {
                        Some(runs) => runs,
                        None => {
                            into_stripe_order(terms.to_mut());
                            // In stripe order now, so found.
                            runs(terms).unwrap_or_default()
                        }
                    };
                    add_sizes(sizes, terms);
                    runs
                })
                .collect()
        })
        .collect();
    let runs: Vec<Runs> = runs.concat();
    let mut parts = sizes.into_iter();
    // No documents, no parts: every form empty.
    let mut sizes = parts
        .next()
        .unwrap_or_else(|| vec![Sizes::default(); forms.len()]);
    for part in parts {
        for (total, size) in sizes.iter_mut().zip(part) {
            for (t, s) in total.iter_mut().zip(size) {
                *t += s;
            }
        }
    }
    let mut stripes: Vec<Flat> = (0..STRIPES)
        .into_par_iter()
        .map(|s| Flat::sized(s, &sizes))
        .collect();
    drop(sizes);
    let mut batches = docs.into_iter().zip(runs).enumerate();
    loop {
        let batch: Vec<(usize, (Cow<DocTerms>, Runs))> = batches.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        (stripes.par_iter_mut().enumerate()).for_each(|(s, stripe)| {
            for (d, (terms, runs)) in &batch {
                stripe.fill(s, *d as u32, terms, runs);
            }
        });
    }
    crate::progress::mark("search: postings");
    let postings = |form: u32| stripes[form as usize % STRIPES].lists(form as usize / STRIPES);
    let mut stemmed: Vec<(String, u32)> = (0..forms.len() as u32)
        .into_par_iter()
        .filter(|&form| {
            let p = postings(form);
            !p.body.is_empty() || !p.title.is_empty()
        })
        .map_init(tokenise::english, |stemmer, form| {
            (tokenise::stem(stemmer, &forms[form as usize]), form)
        })
        .collect();
    // Sorted, each stem's forms are one run.
    stemmed.par_sort_unstable();
    let mut groups: Vec<Group> = (stemmed.par_chunk_by(|a, b| a.0 == b.0))
        .map(|run| {
            let mut ids: Vec<u32> = run.iter().map(|&(_, id)| id).collect();
            ids.sort_by(|a, b| forms[*a as usize].cmp(&forms[*b as usize]));
            let group: Vec<(&str, Lists)> = (ids.iter())
                .map(|&f| (forms[f as usize].as_str(), postings(f)))
                .collect();
            encode(&run[0].0, &group)
        })
        .collect();
    groups.sort_unstable();
    groups
}

/// One stripe's postings, each kind in one list for all its forms: the
/// stripe's `i`th form (form `i * STRIPES + s`) has the body postings
/// `body[at[i - 1].body..at[i].body]` (from 0 for the first; `weights`
/// alike) and the title postings `title[..]` by `at[..].title` the same
/// way. While the lists are filled, `at[i]` is where form `i`'s next
/// posting goes, which leaves it at its form's end. Its follower sets are
/// packed as they come in, as the follower file holds them, in
/// `follow[at[i].codes..at[i + 1].codes]`: its two-bit codes first, then
/// the sets, the next written at `at[i].next`. A form's places are kept
/// together, so that a posting reaches one of them, not one per list.
struct Flat {
    at: Vec<Places>,
    body: Vec<u32>,
    weights: Vec<u8>,
    title: Vec<u32>,
    follow: Vec<u8>,
}

/// Where a form's postings go in a stripe's lists ([`Flat`]).
#[derive(Clone, Copy, Default)]
struct Places {
    body: usize,
    title: usize,
    /// Its two-bit codes' start, and where its next set goes.
    codes: usize,
    next: usize,
    /// Sets written so far.
    sets: usize,
}

impl Flat {
    /// Stripe `s`, with room for its forms' postings as `sizes` counts
    /// them and every form's place worked out; one more place past the
    /// last form holds where the lists end.
    fn sized(s: usize, sizes: &[Sizes]) -> Flat {
        let stripe = sizes.iter().skip(s).step_by(STRIPES);
        let mut at: Vec<Places> = Vec::with_capacity(stripe.len() + 1);
        let mut start = Places::default();
        for &[body, title, sets, bytes] in stripe {
            let codes = (sets as usize).div_ceil(4);
            // A form's two-bit codes, then its sets.
            at.push(Places {
                next: start.codes + codes,
                ..start
            });
            start.body += body as usize;
            start.title += title as usize;
            start.codes += codes + bytes as usize;
        }
        at.push(start);
        Flat {
            body: vec![0; start.body],
            weights: vec![0; start.body],
            title: vec![0; start.title],
            follow: vec![0; start.codes],
            at,
        }
    }

    /// Adds document `d`'s postings of stripe `s`.
    fn fill(&mut self, s: usize, d: u32, terms: &DocTerms, runs: &Runs) {
        let mut sets = Self::run(s, terms, runs);
        // Most counts are small: their weights are worked out once per
        // document and stripe (0 for not yet; a weight is at least 1).
        let mut weights = [0u8; 16];
        let forms = self.at.len() - 1;
        for &(form, packed) in Self::terms(s, terms, runs) {
            let set = Self::next_set(&mut sets);
            let i = form as usize / STRIPES;
            if i >= forms {
                continue;
            }
            let at = &mut self.at[i];
            let count = packed >> 1;
            if count > 0 {
                let weight = match weights.get_mut(count as usize) {
                    Some(w) if *w > 0 => *w,
                    Some(w) => {
                        *w = weight(count, terms.length);
                        *w
                    }
                    None => weight(count, terms.length),
                };
                self.body[at.body] = d;
                self.weights[at.body] = weight;
                at.body += 1;
            }
            if packed & 1 == 1 {
                self.title[at.title] = d;
                at.title += 1;
            }
            let (code, payload) = follow::packed(set);
            follow::set_code(&mut self.follow[at.codes..], at.sets, code);
            at.sets += 1;
            self.follow[at.next..at.next + payload.len()].copy_from_slice(payload);
            at.next += payload.len();
        }
    }

    /// The stripe's `i`th form's postings, once filled.
    fn lists(&self, i: usize) -> Lists<'_> {
        let start = match i {
            0 => Places::default(),
            _ => self.at[i - 1],
        };
        let end = self.at[i];
        let body = start.body..end.body;
        Lists {
            body: &self.body[body.clone()],
            weights: &self.weights[body],
            title: &self.title[start.title..end.title],
            follow: Sets::Packed(&self.follow[end.codes..self.at[i + 1].codes]),
        }
    }

    /// A document's terms of stripe `s`.
    fn terms<'t>(s: usize, terms: &'t DocTerms, runs: &Runs) -> &'t [(u32, u32)] {
        let from = if s == 0 { 0 } else { runs[s - 1].0 };
        terms
            .terms
            .get(from as usize..runs[s].0 as usize)
            .unwrap_or(&[])
    }

    /// The follower sets of a document's terms of stripe `s`.
    fn run<'t>(s: usize, terms: &'t DocTerms, runs: &Runs) -> &'t [u8] {
        let from = if s == 0 { 0 } else { runs[s - 1].1 };
        terms
            .follow
            .get(from as usize..runs[s].1 as usize)
            .unwrap_or(&[])
    }

    /// The set at the front of `sets`, which moves past it; an empty set
    /// (which the cache's checks rule out) is taken as the empty set.
    fn next_set<'t>(sets: &mut &'t [u8]) -> &'t [u8] {
        match follow::len(sets) {
            Some(len) => {
                let (set, rest) = sets.split_at(len);
                *sets = rest;
                set
            }
            None => &[0],
        }
    }
}

/// What a form's postings take in the flat lists: its body postings,
/// title postings, follower sets, and the bytes of those sets packed.
type Sizes = [u32; 4];

/// Adds a document's postings to its forms' [`Sizes`] (a form past
/// `sizes`, which the dictionary rules out, is left out).
fn add_sizes(sizes: &mut [Sizes], terms: &DocTerms) {
    let mut sets = &terms.follow[..];
    for &(form, packed) in &terms.terms {
        let set = Flat::next_set(&mut sets);
        if let Some(size) = sizes.get_mut(form as usize) {
            size[0] += u32::from(packed >> 1 > 0);
            size[1] += packed & 1;
            size[2] += 1;
            size[3] += follow::packed(set).1.len() as u32;
        }
    }
}

/// Where each stripe's run of a document's terms ends: the index in its
/// terms and the offset in its follower sets.
type Runs = [(u32, u32); STRIPES];

/// A document's [`Runs`]; `None` if its terms are not in stripe order.
fn runs(terms: &DocTerms) -> Option<Runs> {
    let mut runs = [(0u32, 0u32); STRIPES];
    let mut stripe = 0;
    let mut at = 0;
    for (i, &(form, _)) in terms.terms.iter().enumerate() {
        let s = form as usize % STRIPES;
        if s < stripe {
            return None;
        }
        while stripe < s {
            runs[stripe] = (i as u32, at as u32);
            stripe += 1;
        }
        at += terms.follow.get(at..).and_then(follow::len).unwrap_or(0);
    }
    for run in &mut runs[stripe..] {
        *run = (terms.terms.len() as u32, at as u32);
    }
    Some(runs)
}

/// Puts a document's terms, with their follower sets, in stripe order,
/// keeping the order within each stripe (counts read from the search
/// cache are in the order their own dictionary numbered them).
fn into_stripe_order(terms: &mut DocTerms) {
    let mut sets = Vec::with_capacity(terms.terms.len());
    let mut at = 0;
    for _ in &terms.terms {
        let len = terms.follow.get(at..).and_then(follow::len).unwrap_or(0);
        sets.push(at..at + len);
        at += len;
    }
    let mut order: Vec<usize> = (0..terms.terms.len()).collect();
    order.sort_by_key(|&i| terms.terms[i].0 as usize % STRIPES);
    let mut follow = Vec::with_capacity(terms.follow.len());
    let mut ordered = Vec::with_capacity(terms.terms.len());
    for i in order {
        ordered.push(terms.terms[i]);
        follow.extend_from_slice(&terms.follow[sets[i].clone()]);
    }
    terms.terms = ordered;
    terms.follow = follow;
}

/// A document whose words changed: its old and new word counts (length,
/// and per form its packed count and encoded follower set).
pub struct Change {
    pub doc: u32,
    pub old_length: u32,
    pub old: Vec<(String, u32, Vec<u8>)>,
    pub length: u32,
    pub new: Vec<(String, u32, Vec<u8>)>,
}

/// What a document's posting in a form's lists holds: its body weight,
/// if any, whether the form is in its title, and its followers.
fn posting(packed: u32, length: u32, set: &[u8]) -> (Option<u8>, bool, &[u8]) {
    let count = packed >> 1;
    (
        (count > 0).then(|| weight(count, length)),
        packed & 1 == 1,
        set,
    )
}

/// A body weight to set in place: (form, document, weight).
pub type Reweigh<'c> = (&'c str, u32, u8);

/// The stems whose groups the changes alter: those of the forms whose
/// posting for a changed document differs (a form gained or lost, or a
/// weight or title mark changed; an edit that leaves a word's quantised
/// weight as it was leaves its group alone). Each comes with the body
/// weights to set when its postings differ in nothing else (the same
/// forms, title marks and followers: an edit that moves the release's
/// length to another cell of the grid, which re-weighs every word of it).
pub fn differences(changes: &[Change]) -> BTreeMap<String, Option<Vec<Reweigh<'_>>>> {
    let stemmer = tokenise::english();
    let mut stems: BTreeMap<String, Option<Vec<Reweigh>>> = BTreeMap::new();
    for change in changes {
        let old: HashMap<&str, (Option<u8>, bool, &[u8])> = (change.old.iter())
            .map(|(f, p, s)| (f.as_str(), posting(*p, change.old_length, s)))
            .collect();
        let new: HashMap<&str, (Option<u8>, bool, &[u8])> = (change.new.iter())
            .map(|(f, p, s)| (f.as_str(), posting(*p, change.length, s)))
            .collect();
        let gone = (old.iter()).filter(|(form, _)| !new.contains_key(*form));
        let differing = (new.iter().map(|(form, p)| (form, Some(p), old.get(form))))
            .chain(gone.map(|(form, p)| (form, None, Some(p))))
            .filter(|(_, new, old)| new != old);
        for (form, new, old) in differing {
            let reweigh = match (new, old) {
                (Some(&(Some(weight), title, set)), Some(&(Some(_), was_title, was_set)))
                    if title == was_title && set == was_set =>
                {
                    Some((*form, change.doc, weight))
                }
                _ => None,
            };
            let entry =
                (stems.entry(tokenise::stem(&stemmer, form))).or_insert_with(|| Some(Vec::new()));
            match (entry.as_mut(), reweigh) {
                (Some(list), Some(reweigh)) => list.push(reweigh),
                _ => *entry = None,
            }
        }
    }
    stems
}

/// Sets body weights in a group's bytes and bitmap weights, where they
/// are: a weight is the byte after its document's delta in a list, or
/// the bitmap weight at its document's rank; `None` (with some set
/// already) when a weight's posting is not found.
pub fn set_weights(bytes: &mut [u8], dense: &mut [u8], weights: &[Reweigh]) -> Option<()> {
    for &(form, doc, weight) in weights {
        let mut r = Reader::new(bytes);
        r.string()?;
        let count = r.varint()?;
        // Where the form's bitmap weights start in `dense`.
        let mut dense_at = 0;
        let mut found = None;
        for _ in 0..count {
            let this = r.string()? == form;
            r.skip_postings(false)?;
            if !this {
                dense_at += r.skip_postings(true)?;
                continue;
            }
            let kind = r.byte()?;
            let docs = r.varint()?;
            if kind == encode::BITMAP {
                r.varint()?;
                let bits = bytes.get(r.at()..)?;
                let (byte, bit) = (doc as usize / 8, doc % 8);
                if *bits.get(byte)? & (1 << bit) == 0 {
                    return None;
                }
                let rank = (bits[..byte].iter())
                    .map(|b| b.count_ones() as usize)
                    .sum::<usize>()
                    + (bits[byte] & ((1 << bit) - 1)).count_ones() as usize;
                found = Some((false, dense_at + rank));
            } else {
                let mut at: i64 = -1;
                for _ in 0..docs {
                    at += r.varint()? as i64;
                    if at >= i64::from(doc) {
                        break;
                    }
                    r.byte()?;
                }
                if at != i64::from(doc) {
                    return None;
                }
                found = Some((true, r.at()));
            }
            break;
        }
        match found? {
            (true, at) => *bytes.get_mut(at)? = weight,
            (false, at) => *dense.get_mut(at)? = weight,
        }
    }
    Some(())
}

/// `groups` with the changed documents' postings moved to their new
/// forms, but for the stems `elsewhere` names (whose groups are in shards
/// patched as a whole, not among `groups`); `None` if a group is damaged.
pub fn patch(
    groups: Vec<Group>,
    changes: &[Change],
    elsewhere: &dyn Fn(&str) -> bool,
) -> Option<Vec<Group>> {
    let stemmer = tokenise::english();
    let mut docs: Vec<u32> = changes.iter().map(|c| c.doc).collect();
    docs.sort_unstable();
    // Per stem touched, the postings to add: (form, doc, packed, length, set).
    let differences = differences(changes);
    let mut touched: BTreeMap<String, Vec<Add>> = (differences.keys())
        .filter(|s| !elsewhere(s))
        .map(|s| (s.clone(), Vec::new()))
        .collect();
    for change in changes {
        for (form, packed, set) in &change.new {
            let stem = tokenise::stem(&stemmer, form);
            if let Some(adds) = touched.get_mut(&stem) {
                adds.push((form, change.doc, *packed, change.length, set));
            }
        }
    }
    let (opened, kept): (Vec<Group>, Vec<Group>) = (groups.into_iter())
        .partition(|group| stem_of(group).is_some_and(|s| touched.contains_key(s)));
    // A common word's group holds a posting for most documents: the
    // groups are patched on every core, and decoded and encoded again
    // only when more than their weights changed.
    let patched: Vec<(String, Option<Group>)> = (opened.into_par_iter())
        .map(|mut group| {
            let stem = stem_of(&group)?.to_string();
            if let Some(Some(weights)) = differences.get(&stem) {
                // A weight not found leaves the group to be encoded again,
                // which moves the changed documents' postings whatever
                // weights were set.
                if set_weights(&mut group.bytes, &mut group.dense, weights).is_some() {
                    return Some((stem, Some(group)));
                }
            }
            let (stem, mut forms) = decode(&group)?;
            forms.values_mut().for_each(|p| p.remove(&docs));
            let group = regroup(&stem, forms, touched.get(&stem)?);
            Some((stem, group))
        })
        .collect::<Option<_>>()?;
    let mut found: HashSet<String> = HashSet::new();
    let mut fresh = Vec::with_capacity(patched.len() + 16);
    for (stem, group) in patched {
        fresh.extend(group);
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

/// A posting to add: (form, doc, packed count, length, follower set).
type Add<'c> = (&'c str, u32, u32, u32, &'c [u8]);

/// A group's forms with postings added; `None` when it has none left.
fn regroup(stem: &str, mut forms: BTreeMap<String, Postings>, adds: &[Add]) -> Option<Group> {
    for &(form, doc, packed, length, set) in adds {
        let p = forms.entry(form.to_string()).or_default();
        p.insert(doc, packed, length, set);
    }
    forms.retain(|_, p| !p.is_empty());
    let list: Vec<(&str, Lists)> = forms.iter().map(|(f, p)| (f.as_str(), p.lists())).collect();
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

    /// A made-up follower set for a form in a document of `length` words.
    fn set(form: &str, length: u32) -> Vec<u8> {
        let mut set = follow::Set::default();
        for i in 0..length * 7 % 40 {
            set.insert(follow::hash(form).wrapping_add(i as u8 * 3));
        }
        let mut out = Vec::new();
        set.write(&mut out);
        out
    }

    fn docs(
        list: &[(u32, &[(&str, u32)])],
    ) -> (super::super::Dictionary, Vec<Cow<'static, DocTerms>>) {
        let mut dictionary = super::super::Dictionary::default();
        let docs = (list.iter())
            .map(|(length, terms)| {
                let follow = terms.iter().flat_map(|(f, _)| set(f, *length)).collect();
                let terms = terms
                    .iter()
                    .map(|(f, p)| (dictionary.intern(f), *p))
                    .collect();
                Cow::Owned(DocTerms {
                    length: *length,
                    terms,
                    follow,
                })
            })
            .collect();
        (dictionary, docs)
    }

    /// A group with body weights set in place, as a patch sets them.
    fn reweighed(group: &Group, weights: &[Reweigh]) -> Option<Group> {
        let mut out = group.clone();
        set_weights(&mut out.bytes, &mut out.dense, weights)?;
        Some(out)
    }

    #[test]
    fn a_patch_that_only_re_weighs_sets_the_weights_a_clean_inversion_gives() {
        let many: Vec<(u32, &[(&str, u32)])> = (0..200)
            .map(|i| -> (u32, &[(&str, u32)]) {
                if i % 30 == 3 {
                    (9, &[("venetic", 2), ("road", 5), ("roads", 3)])
                } else {
                    (5, &[("road", 2)])
                }
            })
            .collect();
        let (dictionary, before) = docs(&many);
        let groups = invert(&dictionary.forms, before);
        // Lengths 9 and 49 give the same made-up follower sets: only the
        // body weights differ.
        let mut after = many.clone();
        after[3] = (49, many[3].1);
        let (_, expected) = docs(&after);
        let expected = invert(&dictionary.forms, expected);
        let changes = [change(3, many[3], after[3])];
        let differences = differences(&changes);
        assert_eq!(
            differences.keys().collect::<Vec<_>>(),
            ["road", "venet"],
            "both stems re-weighed"
        );
        assert!(differences.values().all(Option::is_some), "{differences:?}");
        // `road` is in every document (a bitmap), `venetic` in a few (a
        // list).
        let kind = |g: &[Group], bitmap: bool| {
            let group = g.iter().find(|g| g.dense.is_empty() != bitmap).cloned();
            group.map(|g| (stem_of(&g).unwrap().to_string(), g))
        };
        assert_eq!(kind(&groups, true).unwrap().0, "road");
        assert_ne!(kind(&groups, true), kind(&expected, true));
        assert_eq!(kind(&groups, false).unwrap().0, "venet");
        assert_ne!(kind(&groups, false), kind(&expected, false));
        for group in &groups {
            if let Some(Some(weights)) = differences.get(stem_of(group).unwrap()) {
                let set = reweighed(group, weights).expect("set in place");
                assert!(expected.contains(&set), "{:?}", stem_of(group));
            }
        }
        assert_eq!(patch(groups, &changes, &|_| false), Some(expected));
        // A weight whose posting is not there is not set.
        let missing = [("road", 500, 9)];
        let road = invert(&dictionary.forms, docs(&many).1);
        assert!(road.iter().all(|g| reweighed(g, &missing).is_none()));
    }

    #[test]
    fn an_inversion_takes_a_release_s_terms_in_any_order() {
        let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        let list: Vec<(&str, u32)> = (words.iter().enumerate())
            .map(|(i, w)| (w.as_str(), (i as u32 % 5 + 1) << 1 | (i as u32 % 2)))
            .collect();
        let mut reversed = list.clone();
        reversed.reverse();
        let many: Vec<(u32, &[(&str, u32)])> = vec![(50, &list), (60, &reversed), (70, &list)];
        let (dictionary, docs) = docs(&many);
        // Each document laid out stripe by stripe, as a counter lists it.
        let striped: Vec<Cow<DocTerms>> = (docs.iter())
            .map(|d| {
                let mut d = d.clone().into_owned();
                into_stripe_order(&mut d);
                assert!(runs(&d).is_some());
                Cow::Owned(d)
            })
            .collect();
        assert!(
            runs(&docs[0]).is_none(),
            "numbered in list order, not by stripe"
        );
        let groups = invert(&dictionary.forms, docs);
        assert_eq!(groups, invert(&dictionary.forms, striped));
        let (_, forms) = decode(&groups[0]).unwrap();
        let (form, postings) = forms.iter().next().unwrap();
        assert_eq!(form, "w0");
        assert_eq!(
            postings.follow,
            [set("w0", 50), set("w0", 60), set("w0", 70)].concat()
        );
    }

    #[test]
    fn inverting_no_documents_gives_no_groups_whatever_forms_are_known() {
        let forms: Vec<String> = (0..9).map(|i| format!("w{i}")).collect();
        assert_eq!(invert(&forms, Vec::new()), Vec::<Group>::new());
    }

    fn change(doc: u32, old: (u32, &[(&str, u32)]), new: (u32, &[(&str, u32)])) -> Change {
        let forms = |(length, list): (u32, &[(&str, u32)])| -> Vec<(String, u32, Vec<u8>)> {
            (list.iter())
                .map(|(f, p)| (f.to_string(), *p, set(f, length)))
                .collect()
        };
        Change {
            doc,
            old_length: old.0,
            old: forms(old),
            length: new.0,
            new: forms(new),
        }
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
        let groups = invert(&dictionary.forms, before);
        let mut after = many.clone();
        after[7] = (4, &[("closed", 2), ("road", 5)]);
        after.push((3, &[("venetic", 3)]));
        let (dictionary, expected) = docs(&after);
        let changes = [
            change(
                7,
                (5, &[("arrests", 2), ("road", 2)]),
                (4, &[("closed", 2), ("road", 5)]),
            ),
            change(200, (0, &[]), (3, &[("venetic", 3)])),
        ];
        assert!(groups.iter().any(|g| !g.dense.is_empty()), "a bitmap");
        assert!(groups.iter().any(|g| g.follow.contains(&follow::BITMAP)));
        for group in &groups {
            let (stem, forms) = decode(group).unwrap();
            let list: Vec<(&str, Lists)> =
                forms.iter().map(|(f, p)| (f.as_str(), p.lists())).collect();
            assert_eq!(
                encode(&stem, &list),
                *group,
                "a group reads back as written"
            );
        }
        assert_eq!(
            patch(groups, &changes, &|_| false),
            Some(invert(&dictionary.forms, expected))
        );
    }
}
