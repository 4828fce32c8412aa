//! Counting a release's words ([`Counter`]): its body length, each folded
//! form's body count and title mark, and each form's follower set
//! ([`follow`]).
//!
//! A counter is kept for many releases (one per thread in a clean build),
//! so that a word it has met is folded, hashed and numbered once: each
//! word as written (lower-cased) maps to its folded form's entry, which
//! holds the form's number, its follower hash and its slot in the release
//! being counted. A word then costs one lookup.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::{follow, release_text_into, tokenise, DocTerms, SharedDictionary, STRIPES};
use crate::model::Release;

/// Releases counted as the build reads them, before the model is whole
/// (the build's reader hands each release it reads to [`Counts::count`]),
/// so that a full inversion need not read them again. Each thread has a
/// counter of its own, numbering forms in one shared dictionary, and
/// counts [`BATCH`] releases at a time: between two releases the reader
/// parses, decodes and hashes, which pushes the counter's word table out
/// of the processor's caches, so counting a batch together pays for
/// bringing it back once.
pub struct Counts {
    dictionary: SharedDictionary,
    counters: Vec<Mutex<Counting>>,
}

/// Releases a thread's counter holds back before counting them together.
const BATCH: usize = 32;

/// A thread's counter, the releases it counted by digest, and those
/// waiting to be counted (digest, title, text).
#[derive(Default)]
struct Counting {
    counter: Counter,
    counted: Vec<(u64, DocTerms)>,
    waiting: Vec<(u64, String, String)>,
    /// Buffers of counted texts, for the next ones to reuse.
    spare: Vec<String>,
}

impl Counting {
    fn count_waiting(&mut self, dictionary: &SharedDictionary) {
        for (digest, title, text) in self.waiting.drain(..) {
            let (doc, text) = self
                .counter
                .count_text(&title, text, &mut |f| dictionary.intern(f));
            self.counted.push((digest, doc));
            self.spare.push(text);
        }
    }
}

impl Default for Counts {
    fn default() -> Counts {
        Counts {
            dictionary: SharedDictionary::default(),
            counters: (0..rayon::current_num_threads().max(1))
                .map(|_| Mutex::default())
                .collect(),
        }
    }
}

impl Counts {
    pub fn count(&self, release: &Release, body: &str) {
        let at = rayon::current_thread_index().unwrap_or(0) % self.counters.len();
        // A poisoned counter means a thread panicked: an invariant broken.
        let mut counting = self.counters[at].lock().unwrap();
        let mut text = counting.spare.pop().unwrap_or_default();
        release_text_into(&mut text, release, body);
        (counting.waiting).push((release.digest, release.title.clone(), text));
        if counting.waiting.len() >= BATCH {
            counting.count_waiting(&self.dictionary);
        }
    }

    /// The dictionary the counts are numbered in, and the counts by digest.
    pub fn into_parts(self) -> (SharedDictionary, FxHashMap<u64, DocTerms>) {
        let mut counted = FxHashMap::default();
        for counting in self.counters {
            let mut counting = counting.into_inner().unwrap();
            counting.count_waiting(&self.dictionary);
            counted.extend(counting.counted);
        }
        (self.dictionary, counted)
    }
}

/// A written word that folds to nothing: not a word.
const NONE: u32 = u32::MAX;

/// Bytes after a text to count, so that every word's first [`SHORT`]
/// bytes can be read at once: NUL, which is in no word (and which
/// reading a release replaces, so no text holds one).
const PADDING: &str = "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// A folded form the counter has met.
struct Form {
    /// Its number, as the counter's numbering gave it.
    id: u32,
    hash: u8,
    /// The release it last occurred in (the counter's own count) and its
    /// slot in that release's counts.
    doc: u64,
    slot: u32,
}

/// One form's counts in the release being counted.
struct Slot {
    /// The form's number.
    id: u32,
    count: u32,
    title: bool,
    follows: follow::Set,
}

#[derive(Default)]
pub struct Counter {
    /// Each word as written (lower-cased) to its form's index in `forms`,
    /// or [`NONE`].
    written: Words,
    /// Each folded form to its index in `forms`.
    folded: FxHashMap<Box<str>, u32>,
    forms: Vec<Form>,
    slots: Vec<Slot>,
    /// Releases counted so far.
    doc: u64,
    /// Buffers reused from release to release.
    text: String,
    title: String,
    fold: String,
    /// Each stripe's follower sets of the release being counted.
    stripe_sets: [Vec<u8>; STRIPES],
}

impl Counter {
    /// Counts a release's words (its title and [`super::release_text`]),
    /// numbering each form it has not met with `number`. A counter must be
    /// given the same numbering every time.
    pub fn count_release(
        &mut self,
        release: &Release,
        body: &str,
        number: &mut impl FnMut(&str) -> u32,
    ) -> DocTerms {
        self.count_filled(
            &release.title,
            |text| release_text_into(text, release, body),
            number,
        )
    }

    /// Counts the words of a title and a text, as [`Counter::count_release`].
    pub fn count(
        &mut self,
        title: &str,
        text: &str,
        number: &mut impl FnMut(&str) -> u32,
    ) -> DocTerms {
        self.count_filled(title, |buffer| buffer.push_str(text), number)
    }

    /// Counts the words of a title and a text, as [`Counter::count`], with
    /// the text in a buffer of the caller's, which it gives back.
    pub fn count_text(
        &mut self,
        title: &str,
        mut text: String,
        number: &mut impl FnMut(&str) -> u32,
    ) -> (DocTerms, String) {
        text.push_str(PADDING);
        let counted = self.count_owned(title, &mut text, number);
        (counted, text)
    }

    /// Counts a title and the text `fill` writes into the counter's reused
    /// buffer.
    fn count_filled(
        &mut self,
        title: &str,
        fill: impl FnOnce(&mut String),
        number: &mut impl FnMut(&str) -> u32,
    ) -> DocTerms {
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        fill(&mut text);
        let (counted, text) = self.count_text(title, text, number);
        self.text = text;
        counted
    }

    /// Counts with `text` lower-cased in place (word boundaries do not
    /// depend on case, and most words are then their own folded form).
    fn count_owned(
        &mut self,
        title: &str,
        text: &mut str,
        number: &mut impl FnMut(&str) -> u32,
    ) -> DocTerms {
        text.make_ascii_lowercase();
        let mut lowered = std::mem::take(&mut self.title);
        lowered.clear();
        lowered.push_str(title);
        lowered.push_str(PADDING);
        lowered.make_ascii_lowercase();
        self.doc += 1;
        self.slots.clear();
        let mut length = 0u32;
        let Counter {
            written,
            folded,
            forms,
            slots,
            doc,
            fold,
            ..
        } = self;
        let doc = *doc;
        for (source, in_title) in [(&*text, false), (lowered.as_str(), true)] {
            // No word follows across the body and the title.
            let mut previous: Option<u32> = None;
            tokenise::for_each_word(source, |word| {
                // The word's first bytes as they lie in the text, which the
                // padding makes at least [`SHORT`] long.
                let at = word.as_ptr() as usize - source.as_ptr() as usize;
                let window = source.as_bytes().get(at..at + SHORT);
                let index = match written.get(word, window) {
                    Some(index) => index,
                    None => learn(word, written, folded, forms, fold, number),
                };
                let Some(form) = forms.get_mut(index as usize) else {
                    return;
                };
                if form.doc != doc {
                    form.doc = doc;
                    form.slot = slots.len() as u32;
                    slots.push(Slot {
                        id: form.id,
                        count: 0,
                        title: false,
                        follows: follow::Set::default(),
                    });
                }
                let (slot, hash) = (form.slot, form.hash);
                let entry = &mut slots[slot as usize];
                if in_title {
                    entry.title = true;
                } else {
                    length += 1;
                    entry.count += 1;
                }
                if let Some(p) = previous.replace(slot) {
                    slots[p as usize].follows.insert(hash);
                }
            });
        }
        self.title = lowered;
        self.finish(length)
    }

    /// The counted release's terms and follower sets, stripe by stripe
    /// ([`STRIPES`]): each slot is placed in one pass, its term at its
    /// stripe's next place and its set in its stripe's buffer.
    fn finish(&mut self, length: u32) -> DocTerms {
        let mut sizes = [0usize; STRIPES];
        for slot in &self.slots {
            sizes[slot.id as usize % STRIPES] += 1;
        }
        let mut next = [0usize; STRIPES];
        for s in 1..STRIPES {
            next[s] = next[s - 1] + sizes[s - 1];
        }
        let mut terms = vec![(0u32, 0u32); self.slots.len()];
        self.stripe_sets.iter_mut().for_each(Vec::clear);
        for slot in &self.slots {
            let stripe = slot.id as usize % STRIPES;
            terms[next[stripe]] = (slot.id, slot.count << 1 | u32::from(slot.title));
            next[stripe] += 1;
            slot.follows.write(&mut self.stripe_sets[stripe]);
        }
        let mut follow = Vec::with_capacity(self.stripe_sets.iter().map(Vec::len).sum());
        for sets in &self.stripe_sets {
            follow.extend_from_slice(sets);
        }
        DocTerms {
            length,
            terms,
            follow,
        }
    }
}

/// Folds and numbers a word met for the first time; its form's index in
/// `forms`, or [`NONE`].
fn learn(
    word: &str,
    written: &mut Words,
    folded: &mut FxHashMap<Box<str>, u32>,
    forms: &mut Vec<Form>,
    fold: &mut String,
    number: &mut impl FnMut(&str) -> u32,
) -> u32 {
    let form = if tokenise::is_folded(word) {
        Some(word)
    } else if tokenise::fold_into(word, fold) {
        Some(fold.as_str())
    } else {
        None
    };
    let index = match form {
        None => NONE,
        Some(form) => match folded.get(form) {
            Some(&index) => index,
            None => {
                let index = forms.len() as u32;
                forms.push(Form {
                    id: number(form),
                    hash: follow::hash(form),
                    doc: 0,
                    slot: 0,
                });
                folded.insert(form.into(), index);
                index
            }
        },
    };
    written.insert(word, index);
    index
}

/// Words to numbers: tables of the words of up to 16 bytes (most words),
/// each held as two integers and its length, found with integer compares
/// and no string compare; longer words in a map. The first words met,
/// which are most of the words of any text, are in a small table of their
/// own that stays in the processor's cache while the build does other
/// work between releases; the rest in a larger one looked up after it.
#[derive(Default)]
struct Words {
    first: Table,
    rest: Table,
    long: FxHashMap<Box<str>, u32>,
}

/// Entries of the table of the first words met: it takes words until
/// half full, 384 KiB in all.
const FIRST_ENTRIES: usize = 16 * 1024;

/// Open addressing with linear probing; a length of 0 is a free entry.
#[derive(Default)]
struct Table {
    entries: Vec<Entry>,
    used: usize,
}

#[derive(Clone, Copy, Default)]
struct Entry {
    key: (u64, u64),
    len: u32,
    value: u32,
}

/// Longest word held in the tables.
const SHORT: usize = 16;

impl Words {
    /// The word's number, given the word and, when the text has them,
    /// [`SHORT`] bytes from its start (read at once, whatever its length).
    fn get(&self, word: &str, window: Option<&[u8]>) -> Option<u32> {
        let bytes = word.as_bytes();
        if bytes.len() > SHORT || bytes.is_empty() {
            return self.long.get(word).copied();
        }
        let key = match window {
            Some(window) => window_key(window, bytes.len()),
            None => short_key(bytes),
        };
        let len = bytes.len() as u32;
        (self.first.get(key, len)).or_else(|| self.rest.get(key, len))
    }

    /// Adds a word not yet in the tables.
    fn insert(&mut self, word: &str, value: u32) {
        let bytes = word.as_bytes();
        if bytes.len() > SHORT || bytes.is_empty() {
            self.long.insert(word.into(), value);
            return;
        }
        let (key, len) = (short_key(bytes), bytes.len() as u32);
        if self.first.entries.is_empty() {
            self.first.entries = vec![Entry::default(); FIRST_ENTRIES];
        }
        if (self.first.used + 1) * 2 <= FIRST_ENTRIES {
            self.first.place(key, len, value);
        } else {
            if (self.rest.used + 1) * 2 > self.rest.entries.len() {
                self.rest.grow();
            }
            self.rest.place(key, len, value);
        }
    }
}

impl Table {
    fn get(&self, key: (u64, u64), len: u32) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        let mask = self.entries.len() - 1;
        let mut at = slot_of(key, len) & mask;
        loop {
            let entry = &self.entries[at];
            if entry.len == len && entry.key == key {
                return Some(entry.value);
            }
            if entry.len == 0 {
                return None;
            }
            at = (at + 1) & mask;
        }
    }

    fn place(&mut self, key: (u64, u64), len: u32, value: u32) {
        let mask = self.entries.len() - 1;
        let mut at = slot_of(key, len) & mask;
        while self.entries[at].len != 0 {
            at = (at + 1) & mask;
        }
        self.entries[at] = Entry { key, len, value };
        self.used += 1;
    }

    fn grow(&mut self) {
        let size = (self.entries.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.entries, vec![Entry::default(); size]);
        self.used = 0;
        for entry in old.into_iter().filter(|e| e.len != 0) {
            self.place(entry.key, entry.len, entry.value);
        }
    }
}

/// A word of 1 to [`SHORT`] bytes as two integers, which with its length
/// tell it from every other such word: its bytes, zero-padded to
/// [`SHORT`], as two little-endian integers.
fn short_key(bytes: &[u8]) -> (u64, u64) {
    let mut padded = [0u8; SHORT];
    padded[..bytes.len()].copy_from_slice(bytes);
    window_key(&padded, bytes.len())
}

/// [`short_key`] of the first `len` bytes of `window` ([`SHORT`] bytes
/// long), without a branch on the length: the bytes past it are masked.
fn window_key(window: &[u8], len: usize) -> (u64, u64) {
    let half = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&window[at..at + 8]);
        u64::from_le_bytes(b)
    };
    (
        half(0) & LOW_BYTES[len.min(8)],
        half(8) & LOW_BYTES[len.saturating_sub(8).min(8)],
    )
}

/// `LOW_BYTES[n]` keeps the low `n` bytes of an integer.
const LOW_BYTES: [u64; 9] = [
    0,
    0xff,
    0xffff,
    0xff_ffff,
    0xffff_ffff,
    0xff_ffff_ffff,
    0xffff_ffff_ffff,
    0xff_ffff_ffff_ffff,
    u64::MAX,
];

/// Where a key's probe starts (before masking): the two halves of a
/// 128-bit product folded together, so that every bit of the key counts.
fn slot_of(key: (u64, u64), len: u32) -> usize {
    let product = u128::from(key.0 ^ 0x243f_6a88_85a3_08d3)
        * u128::from(key.1 ^ u64::from(len) ^ 0x1319_8a2e_0370_7344);
    ((product as u64) ^ ((product >> 64) as u64)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Dictionary;

    fn counted(
        counter: &mut Counter,
        dictionary: &mut Dictionary,
        title: &str,
        text: &str,
    ) -> Vec<(String, u32, Vec<u8>)> {
        let doc = counter.count(title, text, &mut |f| dictionary.intern(f));
        let mut sets = &doc.follow[..];
        (doc.terms.iter())
            .map(|&(id, packed)| {
                let len = follow::len(sets).unwrap();
                let set = follow::read(&sets[..len]);
                sets = &sets[len..];
                (dictionary.forms[id as usize].clone(), packed, set)
            })
            .collect()
    }

    #[test]
    fn a_counter_counts_each_release_afresh_whatever_it_met_before() {
        let mut dictionary = Dictionary::default();
        let mut counter = Counter::default();
        let first = counted(
            &mut counter,
            &mut dictionary,
            "Road closed",
            "The road's closed. THE ROAD",
        );
        let h = |f: &str| vec![follow::hash(f)];
        assert_eq!(
            first,
            [
                ("the".to_string(), 2 << 1, h("road")),
                ("road".to_string(), 2 << 1 | 1, h("closed")),
                ("closed".to_string(), 1 << 1 | 1, h("the")),
            ]
        );
        // The same words again, as a fresh counter counts them.
        let again = counted(&mut counter, &mut dictionary, "", "closed road's, the");
        let mut fresh = Counter::default();
        assert_eq!(
            again,
            counted(&mut fresh, &mut dictionary, "", "closed road's, the")
        );
        assert!(again.contains(&("closed".to_string(), 2, h("road"))));
        assert_eq!(dictionary.forms, ["the", "road", "closed"]);
    }

    #[test]
    fn a_form_s_follower_set_holds_each_follower_once() {
        let mut dictionary = Dictionary::default();
        let got = counted(
            &mut Counter::default(),
            &mut dictionary,
            "",
            "a b a c a b b b",
        );
        let mut a = vec![follow::hash("b"), follow::hash("c")];
        a.sort_unstable();
        assert_eq!(got[0], ("a".to_string(), 3 << 1, a));
        // Followed by `a` and by itself, twice.
        let mut b = vec![follow::hash("a"), follow::hash("b")];
        b.sort_unstable();
        assert_eq!(got[1], ("b".to_string(), 4 << 1, b));
        assert_eq!(got[2], ("c".to_string(), 1 << 1, vec![follow::hash("a")]));
    }

    #[test]
    fn a_counter_lists_a_release_s_forms_stripe_by_stripe() {
        let mut dictionary = Dictionary::default();
        // Numbered first: w0 is 0, w1 is 1 and so on.
        let all: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        for w in &all {
            dictionary.intern(w);
        }
        let text = "w35 w3 w5 w19 w16 w0 w2 w18 w32 w34";
        let doc = Counter::default().count("", text, &mut |f| dictionary.intern(f));
        let ids: Vec<u32> = doc.terms.iter().map(|t| t.0).collect();
        // By stripe (the number modulo 4), and within one in the order
        // of first occurrence.
        assert_eq!(STRIPES, 4);
        assert_eq!(ids, [16, 0, 32, 5, 2, 18, 34, 35, 3, 19]);
    }

    #[test]
    fn the_word_table_tells_every_word_from_every_other() {
        let mut words = Words::default();
        let mut all: Vec<String> = Vec::new();
        for len in 1..=20 {
            for first in [b'a', b'b'] {
                for last in [b'a', b'z'] {
                    let mut w = vec![b'x'; len];
                    w[0] = first;
                    w[len - 1] = last;
                    if len > 2 {
                        w[len / 2] = b'm';
                    }
                    all.push(String::from_utf8(w).unwrap());
                }
            }
        }
        // Two words that differ only in a middle byte.
        all.extend(["abcdefghij", "abcdXfghij", "abcde", "abXde", "abc"].map(String::from));
        all.sort();
        all.dedup();
        for (i, w) in all.iter().enumerate() {
            assert_eq!(words.get(w, None), None, "{w}");
            words.insert(w, i as u32);
        }
        for (i, w) in all.iter().enumerate() {
            assert_eq!(words.get(w, None), Some(i as u32), "{w}");
            // Found the same when read from a text, bytes after it and all.
            let text = format!("{w} and more words after it");
            assert_eq!(
                words.get(w, Some(&text.as_bytes()[..SHORT])),
                Some(i as u32)
            );
        }
        assert_eq!(words.get("zzz", None), None);
    }

    #[test]
    fn words_met_after_the_first_table_fills_are_found_in_the_larger_one() {
        let mut words = Words::default();
        let all: Vec<String> = (0..3 * FIRST_ENTRIES).map(|i| format!("w{i}")).collect();
        for (i, w) in all.iter().enumerate() {
            assert_eq!(words.get(w, None), None, "{w}");
            words.insert(w, i as u32);
        }
        assert_eq!(words.first.used, FIRST_ENTRIES / 2);
        assert_eq!(words.rest.used, all.len() - FIRST_ENTRIES / 2);
        for (i, w) in all.iter().enumerate() {
            assert_eq!(words.get(w, None), Some(i as u32), "{w}");
        }
        assert_eq!(words.get("w99999", None), None);
    }

    #[test]
    fn words_that_fold_to_nothing_part_no_words() {
        let mut dictionary = Dictionary::default();
        let mut counter = Counter::default();
        let long = "x".repeat(tokenise::MAX_FORM_CHARS + 1);
        for _ in 0..2 {
            let got = counted(&mut counter, &mut dictionary, "", &format!("a {long} b"));
            assert_eq!(got[0], ("a".to_string(), 2, vec![follow::hash("b")]));
            assert_eq!(got.len(), 2);
        }
    }
}
