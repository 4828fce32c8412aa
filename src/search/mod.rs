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
//! - `search/f/<hex prefix>.bin`: each term shard's follower file, for
//!   phrase queries ([`follow`]): per posting, the one-byte hashes of the
//!   forms that come right after the form in that document, fetched only
//!   for a quoted query;
//! - `search/d/<n>/<chunk>.json`: title, area, date, id and teaser of
//!   [`DOCS_PER_CHUNK`] documents, fetched only for results shown;
//! - `search/a/<area slug>.bin`: each area's documents, for its filter.
//!
//! Body postings carry a BM25 term weight quantised to a byte (with a
//! fixed average length, so one release's edit never reweighs another's
//! postings, and the release's length on a grid, so a small edit seldom
//! reweighs its own); title postings are a plain set. A posting list is a
//! delta list or a bitmap, whichever is smaller.
//!
//! A rebuild patches the last index rather than building it again: the
//! search cache ([`cache`]) keeps every release's word counts and the last
//! index in parts, one per shard; only the groups of the stems whose
//! postings an edited release changed are patched (weights set in place
//! when only they changed, the group encoded again otherwise), from the
//! shards they can be in ([`rebuild`]), and only the parts and shards
//! whose bytes changed are written. The other shards are taken by what the cache's
//! head records of them (their size and their files' hashes): their parts
//! are read only when their files must be written again. Followers are
//! counted in the same pass as words and go the same way, so a patched
//! index is byte for byte a clean one.
//! A quoted phrase matches documents whose follower sets hold each next
//! word's hash: never a miss, a false match about one in 256 per extra
//! word ([`query`]).

mod cache;
pub mod count;
pub mod encode;
mod files;
pub mod follow;
pub use files::{follow_part_path, follow_path, shard_path};
pub mod groups;
pub mod query;
mod rebuild;
pub mod tokenise;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Result;
use rustc_hash::FxHashMap;

use crate::model::{Archive, Release};
use crate::render::{Bodies, SearchFiles};

/// Documents per metadata chunk: a result page of ten fetches at most ten
/// small chunks, and neighbouring (same-day) results share one.
pub const DOCS_PER_CHUNK: u32 = 16;
/// Chunk files per folder (`d/<n>/`), far under GitHub Pages' limits.
pub const CHUNKS_PER_FOLDER: u32 = 1000;
/// A shard's size, its term file's and its follower file's bytes
/// together, past which its prefix splits by the next character.
pub const SHARD_TARGET: usize = 48 * 1024;
/// A follower file's most bytes: a larger one (a very common word's, such
/// as `the`) continues in numbered parts, which `meta.json` counts.
pub const FOLLOW_PART: usize = 512 * 1024;
/// Characters of a release's teaser kept for result snippets.
pub const TEASER_CHARS: usize = 220;
/// The weight of a document in a bitmap posting list.
pub const DENSE_WEIGHT: u8 = 64;
/// BM25 parameters; the average length is fixed rather than measured so
/// that weights depend on their own release only.
pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;
pub const AVERAGE_LENGTH: f64 = 300.0;
/// Forms are split by their number into this many stripes (`form %
/// STRIPES`) for a full inversion, which fills each stripe's postings on
/// one thread at a time; a counter lists a release's terms stripe by
/// stripe, so each thread reads only its own. Every stripe reads every
/// release's counts, each time from another place in memory, so a few
/// stripes (enough to keep the cores busy) invert faster than many.
pub const STRIPES: usize = 4;
/// Format version, in `meta.json` and the client.
pub const VERSION: u32 = 2;

/// The index's files, sorted by path, each with the hash of its bytes:
/// the bytes themselves, or a shard kept from the last index, read from
/// the search cache only if its file is written again.
pub struct SearchIndex<'a> {
    pub files: Vec<files::IndexFile>,
    kept: Option<KeptShards<'a>>,
}

/// Where a kept shard's files are read from: its part in the search
/// cache, or, should that part be gone or damaged since the head was read,
/// the whole index built again (a clean build's bytes, which the patched
/// index's are).
struct KeptShards<'a> {
    dir: PathBuf,
    archive: &'a Archive,
    bodies: &'a dyn Bodies,
    order: Vec<u64>,
    rebuilt: OnceLock<Option<FxHashMap<String, Vec<u8>>>>,
}

impl KeptShards<'_> {
    fn file(&self, stored: &files::Stored, file: usize, path: &str) -> Result<Vec<u8>> {
        let from_cache = cache::load_part(&self.dir, stored).and_then(|p| stored.file(&p, file));
        if let Some(bytes) = from_cache {
            return Ok(bytes);
        }
        // Built on a thread and a pool of its own: this runs inside a job
        // of the render's pool, whose other threads may be waiting on the
        // same cell; built on that pool, this thread could take up another
        // such job while it waits and so wait on the cell it is filling.
        let rebuilt = self.rebuilt.get_or_init(|| {
            std::thread::scope(|scope| {
                let built = scope.spawn(|| {
                    let pool = rayon::ThreadPoolBuilder::new().build().ok()?;
                    pool.install(|| self.all_files())
                });
                built.join().ok().flatten()
            })
        });
        (rebuilt.as_ref().and_then(|files| files.get(path).cloned()))
            .ok_or_else(|| anyhow::anyhow!("{path}: the search index could not be built again"))
    }

    /// Every term shard's files, from the index built in full.
    fn all_files(&self) -> Option<FxHashMap<String, Vec<u8>>> {
        let groups = rebuild::full(self.archive, self.bodies, None, &self.order, None).ok()?;
        let shards = rebuild::laid_out(groups).ok()?;
        let laid: Vec<&files::Laid> = shards.iter().map(|s| &s.0).collect();
        let files = files::assemble(self.archive, &laid, &[]);
        Some(
            (files.into_iter())
                .filter_map(|f| match f.content {
                    files::Content::Bytes(bytes) => Some((f.path, bytes)),
                    files::Content::Kept(..) => None,
                })
                .collect(),
        )
    }
}

impl SearchFiles for SearchIndex<'_> {
    fn count(&self) -> usize {
        self.files.len()
    }

    fn path(&self, i: usize) -> &str {
        &self.files[i].path
    }

    fn hash(&self, i: usize) -> u64 {
        self.files[i].hash
    }

    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        let file = &self.files[i];
        match (&file.content, &self.kept) {
            (files::Content::Bytes(bytes), _) => Ok(bytes.clone()),
            (files::Content::Kept(stored, k), Some(kept)) => kept.file(stored, *k, &file.path),
            (files::Content::Kept(..), None) => {
                anyhow::bail!("{}: a kept search shard without a cache", file.path)
            }
        }
    }
}

/// What one release contributes: its body length in words and, per form
/// (an index into the build's dictionary), its body count shifted left
/// once with the low bit set when the form is in the title; and the
/// forms' follower sets ([`follow`]), encoded one after another in the
/// order of `terms`. A counter lists the forms by [`STRIPES`], and in
/// order of first occurrence within each.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DocTerms {
    pub length: u32,
    pub terms: Vec<(u32, u32)>,
    #[serde(with = "serde_bytes")]
    pub follow: Vec<u8>,
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

/// Word forms numbered by many threads at once, for a full inversion: 64
/// locked parts chosen by the form's hash, so that two threads rarely
/// wait on each other. A form's number is its index in its part times 64
/// plus the part's: numbers depend on the order threads arrive in, but
/// nothing written does (groups are sorted by stem, forms by text, and
/// postings by document).
pub struct SharedDictionary {
    parts: Vec<std::sync::Mutex<Dictionary>>,
}

const DICTIONARY_PARTS: usize = 64;

impl Default for SharedDictionary {
    fn default() -> SharedDictionary {
        SharedDictionary {
            parts: (0..DICTIONARY_PARTS).map(|_| Default::default()).collect(),
        }
    }
}

impl SharedDictionary {
    pub fn intern(&self, form: &str) -> u32 {
        use std::hash::BuildHasher;
        let hash = rustc_hash::FxBuildHasher.hash_one(form);
        let part = (hash >> 58) as usize % DICTIONARY_PARTS;
        // A poisoned part means a thread panicked: an invariant broken.
        let local = self.parts[part].lock().unwrap().intern(form);
        local * DICTIONARY_PARTS as u32 + part as u32
    }

    /// Every form by its number; numbers no form took are empty.
    pub fn into_forms(self) -> Vec<String> {
        let parts: Vec<Dictionary> = (self.parts.into_iter())
            .map(|p| p.into_inner().unwrap())
            .collect();
        let longest = parts.iter().map(|p| p.forms.len()).max().unwrap_or(0);
        let mut forms = vec![String::new(); longest * DICTIONARY_PARTS];
        for (part, dictionary) in parts.into_iter().enumerate() {
            for (local, form) in dictionary.forms.into_iter().enumerate() {
                forms[local * DICTIONARY_PARTS + part] = form;
            }
        }
        forms
    }
}

/// The text of a release that search reads, besides its title: the
/// description, body, commentary, passage notes, corrections and tags.
pub fn release_text(release: &Release, body: &str) -> String {
    let mut text = String::new();
    release_text_into(&mut text, release, body);
    text
}

/// [`release_text`] into a buffer the caller reuses.
pub fn release_text_into(text: &mut String, release: &Release, body: &str) {
    text.clear();
    text.reserve(body.len() + 256);
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
}

/// A release's folded forms: its body length in words, (form, body count,
/// in title) in a counter's order ([`DocTerms`]), and the forms' follower
/// sets encoded in the same order ([`follow`]).
pub type Forms = (u32, Vec<(String, u32, bool)>, Vec<u8>);

/// A release's folded forms ([`Forms`]).
pub fn release_forms(title: &str, text: &str) -> Forms {
    let mut dictionary = Dictionary::default();
    let doc = count::Counter::default().count(title, text, &mut |f| dictionary.intern(f));
    let mut forms = Vec::with_capacity(doc.terms.len());
    for (id, packed) in doc.terms {
        let form = std::mem::take(&mut dictionary.forms[id as usize]);
        forms.push((form, packed >> 1, packed & 1 == 1));
    }
    (doc.length, forms, doc.follow)
}

/// A body count's BM25 term weight, quantised to 1..=255, with the
/// length taken on its grid ([`length_on_grid`]).
pub fn weight(count: u32, length: u32) -> u8 {
    let tf = f64::from(count);
    let length = f64::from(length_on_grid(length));
    let norm = 1.0 - B + B * length / AVERAGE_LENGTH;
    let saturated = tf * (K1 + 1.0) / (tf + K1 * norm);
    ((saturated / (K1 + 1.0) * 255.0).round() as i64).clamp(1, 255) as u8
}

/// Builds the index, through the search cache under the cache folder
/// given, with the key of the blotter that may read it (a cache another
/// build of blotter wrote is cleared: postcard does not describe itself),
/// when there is one: when the last index is recorded there and few documents
/// changed, only the shards their stems can be in are decoded and their
/// groups encoded again ([`rebuild::patched`]); otherwise every group is,
/// from word counts read only for releases the cache does not hold
/// ([`rebuild::full`]).
pub fn build<'a>(
    archive: &'a Archive,
    bodies: &'a dyn Bodies,
    cache: Option<(&Path, u64)>,
) -> Result<SearchIndex<'a>> {
    Ok(build_deferred(archive, bodies, cache, None)?.0)
}

/// Whether a build into an output with this cache folder should count
/// words as it reads the releases ([`count::Counts`]): when the search
/// cache holds no last index, so that the index is built in full. A
/// rebuild patches it from the few releases that changed.
pub fn counts_as_read(cache: Option<&Path>) -> bool {
    cache.is_none_or(|dir| !cache::has_state(&dir.join("search")))
}

/// [`build`], with the last index's parts of the search cache still being
/// written when it returns, until the [`CacheWrite`] is dropped, and with
/// the releases counted as they were read (`read`), which a full
/// inversion takes instead of reading them again.
pub fn build_deferred<'a>(
    archive: &'a Archive,
    bodies: &'a dyn Bodies,
    cache: Option<(&Path, u64)>,
    read: Option<count::Counts>,
) -> Result<(SearchIndex<'a>, CacheWrite)> {
    let dir = cache.map(|(d, _)| d.join("search"));
    if let Some(dir) = dir.as_deref().filter(|d| d.is_file()) {
        // The single-file cache of an earlier format.
        let _ = std::fs::remove_file(dir);
    }
    if let (Some(dir), Some((_, key))) = (dir.as_deref(), cache) {
        cache::claim(dir, key);
    }
    let n = archive.releases.len();
    // Document d is release n - 1 - d: oldest first.
    let order: Vec<u64> = (0..n).map(|d| archive.releases[n - 1 - d].digest).collect();
    let last = dir.as_deref().and_then(cache::load_state);
    crate::progress::mark("search: last index");
    let mut last_saved = None;
    let (shards, last_chunks) = match (dir.as_deref(), last) {
        (Some(dir), Some(last)) => {
            let cache::State {
                order: last_order,
                shards,
                chunks,
                chunk_sums,
            } = last;
            let prefixes: Vec<String> = shards.iter().map(|s| s.prefix.clone()).collect();
            match rebuild::patched(archive, bodies, dir, &order, &last_order, shards)? {
                Some(shards) => {
                    last_saved = Some((last_order, prefixes, chunk_sums));
                    (shards, chunks)
                }
                None => {
                    cache::clear_state(dir);
                    (
                        rebuild::laid_out(rebuild::full(
                            archive,
                            bodies,
                            Some(dir),
                            &order,
                            read,
                        )?)?,
                        chunks,
                    )
                }
            }
        }
        (dir, _) => {
            if let Some(dir) = dir {
                cache::clear_state(dir);
            }
            (
                rebuild::laid_out(rebuild::full(archive, bodies, dir, &order, read)?)?,
                Vec::new(),
            )
        }
    };
    crate::progress::mark("search: groups");
    let chunks = files::doc_chunks(archive, &last_chunks);
    let laid: Vec<&files::Laid> = shards.iter().map(|s| &s.0).collect();
    let files = files::assemble(archive, &laid, &chunks);
    drop(laid);
    crate::progress::mark("search: files");
    let Some(dir) = dir else {
        let index = SearchIndex { files, kept: None };
        return Ok((index, CacheWrite(None)));
    };
    let index = SearchIndex {
        files,
        kept: Some(KeptShards {
            dir: dir.clone(),
            archive,
            bodies,
            order: order.clone(),
            rebuilt: OnceLock::new(),
        }),
    };
    let cleared = dir.clone();
    let save = move || {
        let last =
            (last_saved.as_ref()).map(|(o, p, s)| (&o[..], &p[..], &last_chunks[..], &s[..]));
        // A cache that cannot be written only costs the next build time.
        if cache::save_state(&dir, &order, &shards, &chunks, last).is_err() {
            cache::clear_state(&dir);
        }
    };
    // The last index's parts are written while the site renders.
    match (std::thread::Builder::new().name("search cache".into())).spawn(save) {
        Ok(thread) => Ok((index, CacheWrite(Some(thread)))),
        Err(_) => {
            cache::clear_state(&cleared);
            Ok((index, CacheWrite(None)))
        }
    }
}

/// The search cache's last-index parts being written on a thread of their
/// own; dropping it waits until they are, so that a build returns with its
/// cache whole.
pub struct CacheWrite(Option<std::thread::JoinHandle<()>>);

impl Drop for CacheWrite {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            // A panic there only leaves the cache stale, which is a miss.
            let _ = thread.join();
        }
    }
}

/// A body length as BM25 weighs it: exact up to 16 words, then the middle
/// of its eighth of an octave (lengths 896 to 959 all weigh as 928). An
/// edit of a few words then mostly leaves a release's weights, and so
/// every group but those of the words it changed, as they were; a length
/// on the grid is within a sixteenth of the length. Integers only, so
/// weights are the same on every machine.
pub fn length_on_grid(length: u32) -> u32 {
    if length < 16 {
        return length;
    }
    // The step is an eighth of the octave `length` is in.
    let step = 1u32 << (31 - length.leading_zeros() - 3);
    length / step * step + step / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_weigh_on_a_grid_of_eighths_of_an_octave() {
        assert_eq!(length_on_grid(0), 0);
        assert_eq!(length_on_grid(15), 15);
        assert_eq!(length_on_grid(16), 17);
        assert_eq!(length_on_grid(17), 17);
        assert_eq!(length_on_grid(18), 19);
        assert_eq!(length_on_grid(896), 928);
        assert_eq!(length_on_grid(959), 928);
        assert_eq!(length_on_grid(960), 992);
        assert_eq!(length_on_grid(u32::MAX), 0xf800_0000);
        // Within a cell every weight is the same, and a length on the grid
        // is within a sixteenth of the length.
        assert_eq!(weight(3, 900), weight(3, 959));
        for length in 16..100_000u32 {
            let grid = f64::from(length_on_grid(length));
            assert!(
                (grid / f64::from(length) - 1.0).abs() <= 1.0 / 16.0,
                "{length}"
            );
        }
    }

    #[test]
    fn body_weights_saturate_with_count_and_fall_with_length() {
        assert!(weight(1, 100) < weight(5, 100));
        assert!(weight(5, 100) < weight(50, 100));
        assert!(weight(3, 2000) < weight(3, 100));
        assert_eq!(weight(1_000_000, 1), 255);
    }

    #[test]
    fn each_form_keeps_the_hashes_of_the_forms_right_after_it() {
        let long = "x".repeat(tokenise::MAX_FORM_CHARS + 1);
        let body = format!("County lines: the county {long} court. Lines");
        let (length, forms, sets) = release_forms("Court lines", &body);
        assert_eq!(length, 6);
        let mut at = 0;
        let mut got = Vec::new();
        for (form, _, _) in &forms {
            let len = follow::len(&sets[at..]).unwrap();
            got.push((form.as_str(), follow::read(&sets[at..at + len])));
            at += len;
        }
        got.sort_unstable();
        assert_eq!(at, sets.len());
        let h = |forms: &[&str]| -> Vec<u8> {
            let mut v: Vec<u8> = forms.iter().map(|f| follow::hash(f)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        assert_eq!(
            got,
            [
                // A word too long to index parts nothing; the body's last
                // word is not followed by the title's first.
                ("county", h(&["lines", "court"])),
                ("court", h(&["lines", "lines"])),
                ("lines", h(&["the"])),
                ("the", h(&["county"])),
            ]
        );
    }
}
