//! Query evaluation over the index files, as `static/search.js` does it:
//! the same shard choice, matching, scores and order, so tests can check
//! recall and ranking without a browser.
//!
//! Every word is required. A word matches its exact form, the other forms
//! of its stem group (weighed [`STEM_FACTOR`]), and while the reader is
//! still typing the last word, forms that begin with it
//! ([`PREFIX_FACTOR`]). A document's score for a word is the best of its
//! matching forms' BM25 body weight plus [`TITLE_BOOST`] when the form is
//! in its title, times the word's IDF; scores add up over the words, and
//! equal scores put the newest first.

use std::collections::{BTreeSet, HashMap};

use super::encode::Reader;
use super::{tokenise, K1};

pub const TITLE_BOOST: f64 = 3.0;
pub const STEM_FACTOR: f64 = 0.8;
pub const PREFIX_FACTOR: f64 = 0.5;
/// A prefix shorter than this, or one spread over more shards, is not
/// expanded (it would fetch much of the index).
pub const PREFIX_MIN_CHARS: usize = 2;
pub const PREFIX_MAX_SHARDS: usize = 4;

/// The part of `meta.json` queries use.
#[derive(serde::Deserialize)]
pub struct Meta {
    pub docs: u32,
    pub shards: Vec<String>,
    pub areas: Vec<(String, String)>,
    pub years: Vec<(i32, u32, u32)>,
}

#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub area: Option<String>,
    pub from: Option<i32>,
    pub to: Option<i32>,
}

/// One ranked result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: u32,
    pub score: f64,
}

/// One form in a shard: its title set and weighted body postings.
struct Form {
    form: String,
    title: Vec<u32>,
    body: Vec<(u32, u8)>,
}

/// A stem group: its stem and forms.
struct Group {
    stem: String,
    forms: Vec<Form>,
}

fn parse_shard(bytes: &[u8]) -> Option<Vec<Group>> {
    let mut r = Reader::new(bytes);
    let count = r.varint()?;
    let mut groups = Vec::new();
    for _ in 0..count {
        let stem = r.string()?.to_string();
        let forms = r.varint()?;
        let mut group = Group {
            stem,
            forms: Vec::new(),
        };
        for _ in 0..forms {
            let form = r.string()?.to_string();
            let title = r.postings(false)?.into_iter().map(|p| p.0).collect();
            let body = r.postings(true)?;
            group.forms.push(Form { form, title, body });
        }
        groups.push(group);
    }
    Some(groups)
}

/// The query's words, folded; quotes only group words (each is required).
pub fn words(query: &str) -> Vec<String> {
    tokenise::words(query).collect()
}

/// The shards a word's forms can be in: every shard whose prefix is a
/// prefix of the word, and with `prefix`, those under the word.
pub fn shards_for(meta: &Meta, word: &str, prefix: bool) -> Vec<String> {
    let set: BTreeSet<&str> = meta.shards.iter().map(String::as_str).collect();
    let mut out: Vec<String> = std::iter::once("")
        .chain(word.char_indices().map(|(i, c)| &word[..i + c.len_utf8()]))
        .filter(|p| set.contains(p))
        .map(str::to_string)
        .collect();
    if prefix && word.chars().count() >= PREFIX_MIN_CHARS {
        let under: Vec<&str> = (set.range(word..))
            .take_while(|s| s.starts_with(word))
            .filter(|s| **s != word)
            .copied()
            .collect();
        if under.len() <= PREFIX_MAX_SHARDS {
            out.extend(under.into_iter().map(str::to_string));
        }
    }
    out
}

/// Per document, a word's best contribution before IDF.
fn match_word(groups: &[Group], word: &str, prefix: bool) -> HashMap<u32, f64> {
    let mut best: HashMap<u32, f64> = HashMap::new();
    let mut add = |form: &Form, factor: f64| {
        for &(doc, weight) in &form.body {
            let v = factor * (f64::from(weight) / 255.0 * (K1 + 1.0));
            let e = best.entry(doc).or_insert(0.0);
            if v > *e {
                *e = v;
            }
        }
        for &doc in &form.title {
            let body = form
                .body
                .binary_search_by_key(&doc, |p| p.0)
                .map(|i| f64::from(form.body[i].1) / 255.0 * (K1 + 1.0))
                .unwrap_or(0.0);
            let v = factor * (body + TITLE_BOOST);
            let e = best.entry(doc).or_insert(0.0);
            if v > *e {
                *e = v;
            }
        }
    };
    let exact = groups
        .iter()
        .any(|g| g.forms.iter().any(|f| f.form == word));
    for group in groups {
        let in_group = if exact {
            group.forms.iter().any(|f| f.form == word)
        } else {
            stem_fallback(&group.stem, word)
        };
        for form in &group.forms {
            if in_group {
                add(form, if form.form == word { 1.0 } else { STEM_FACTOR });
            } else if prefix && form.form.starts_with(word) {
                add(form, PREFIX_FACTOR);
            }
        }
    }
    best
}

/// A word no release has as written still finds the group whose stem it
/// begins with, when only a short suffix differs (`policed` -> `polic`).
pub fn stem_fallback(stem: &str, word: &str) -> bool {
    let (s, w) = (stem.chars().count(), word.chars().count());
    s >= 3 && word.starts_with(stem) && w - s <= 3
}

/// Ranks the documents matching `query`. `fetch` returns a site file's
/// bytes (`search/meta.json`, ...); `typing` treats the last word as a
/// prefix. Documents are numbered oldest first.
pub fn search(
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
    query: &str,
    filters: &Filters,
    typing: bool,
) -> anyhow::Result<Vec<Hit>> {
    let meta: Meta = serde_json::from_slice(
        &fetch("search/meta.json").ok_or_else(|| anyhow::anyhow!("no search/meta.json"))?,
    )?;
    let words = words(query);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let n = f64::from(meta.docs);
    let mut scores: Option<HashMap<u32, f64>> = None;
    for (i, word) in words.iter().enumerate() {
        let prefix = typing && i == words.len() - 1;
        let mut groups = Vec::new();
        for shard in shards_for(&meta, word, prefix) {
            let path = super::shard_path(&shard);
            let bytes = fetch(&path).ok_or_else(|| anyhow::anyhow!("missing {path}"))?;
            groups.extend(parse_shard(&bytes).ok_or_else(|| anyhow::anyhow!("damaged {path}"))?);
        }
        let matched = match_word(&groups, word, prefix);
        let df = matched.len() as f64;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        scores = Some(match scores {
            None => matched.into_iter().map(|(d, v)| (d, idf * v)).collect(),
            Some(previous) => previous
                .into_iter()
                .filter_map(|(d, s)| matched.get(&d).map(|v| (d, s + idf * v)))
                .collect(),
        });
    }
    let mut scores = scores.unwrap_or_default();
    if let Some(slug) = &filters.area {
        let bytes = fetch(&format!("search/a/{slug}.bin")).unwrap_or_default();
        let docs: BTreeSet<u32> = Reader::new(&bytes)
            .postings(false)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.0)
            .collect();
        scores.retain(|d, _| docs.contains(d));
    }
    if filters.from.is_some() || filters.to.is_some() {
        let from = filters.from.unwrap_or(i32::MIN);
        let to = filters.to.unwrap_or(i32::MAX);
        let ranges: Vec<(u32, u32)> = (meta.years.iter())
            .filter(|(y, _, _)| (from..=to).contains(y))
            .map(|&(_, lo, hi)| (lo, hi))
            .collect();
        scores.retain(|d, _| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&d)));
    }
    let mut hits: Vec<Hit> = scores
        .into_iter()
        .map(|(doc, score)| Hit { doc, score })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.doc.cmp(&a.doc)));
    Ok(hits)
}
