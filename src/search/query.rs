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
//!
//! Words in double quotes are a phrase: each is required as written (no
//! other forms of its stem, no prefix), and a document matches only when
//! each word's follower set there ([`super::follow`]) holds the next
//! word's hash. An unclosed quote is ignored until it is closed.

use std::collections::{BTreeSet, HashMap};

use super::encode::Reader;
use super::{follow, tokenise, K1};

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
    /// Follower files in more than one part, by shard prefix.
    #[serde(default)]
    pub fparts: HashMap<String, usize>,
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

impl Form {
    /// The documents of its title and body postings, merged.
    fn docs(&self) -> Vec<u32> {
        let mut docs: Vec<u32> = self.title.to_vec();
        docs.extend(self.body.iter().map(|p| p.0));
        docs.sort_unstable();
        docs.dedup();
        docs
    }
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

/// The query's words, folded, in order, phrases' words included.
pub fn words(query: &str) -> Vec<String> {
    parse(query).into_iter().flat_map(|p| p.words).collect()
}

/// A run of the query's words: a quoted phrase or loose words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub words: Vec<String>,
    pub phrase: bool,
}

/// The query's loose words and quoted phrases, in order. Text after an
/// unclosed quote is loose words (the reader may still be typing).
pub fn parse(query: &str) -> Vec<Part> {
    let pieces: Vec<&str> = query.split('"').collect();
    let closed = pieces.len() - usize::from(pieces.len().is_multiple_of(2));
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let words = tokenise::words(piece);
        if words.is_empty() {
            continue;
        }
        let phrase = i % 2 == 1 && i < closed;
        match out.last_mut() {
            Some(Part {
                words: last,
                phrase: false,
            }) if !phrase => last.extend(words),
            _ => out.push(Part { words, phrase }),
        }
    }
    out
}

/// Per document, the encoded follower set of `word`'s exact form, from
/// the groups of its shards and their follower files (`followers[i]`
/// belongs to the shard `groups` came from at `i`).
fn followers_of(shards: &[(Vec<Group>, Vec<u8>)], word: &str) -> Option<HashMap<u32, Vec<u8>>> {
    let mut out = HashMap::new();
    for (groups, bytes) in shards {
        let mut at = 0;
        for form in groups.iter().flat_map(|g| &g.forms) {
            let docs = form.docs();
            let (sets, len) = follow::unpack(bytes.get(at..)?, docs.len())?;
            at += len;
            if form.form != word {
                continue;
            }
            let mut sets = &sets[..];
            for doc in docs {
                let len = follow::len(sets)?;
                out.insert(doc, sets[..len].to_vec());
                sets = &sets[len..];
            }
        }
    }
    Some(out)
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
fn match_word(groups: &[Group], word: &str, prefix: bool, exact_only: bool) -> HashMap<u32, f64> {
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
    let exact = exact_only
        || groups
            .iter()
            .any(|g| g.forms.iter().any(|f| f.form == word));
    for group in groups {
        let in_group = if exact {
            group.forms.iter().any(|f| f.form == word)
        } else {
            stem_fallback(&group.stem, word)
        };
        for form in &group.forms {
            if exact_only {
                if form.form == word {
                    add(form, 1.0);
                }
            } else if in_group {
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
    let parts = parse(query);
    // (word, in a phrase, the phrase's next word)
    let mut words: Vec<(&str, bool, Option<&str>)> = Vec::new();
    for part in &parts {
        for (i, word) in part.words.iter().enumerate() {
            let next = part.words.get(i + 1).filter(|_| part.phrase);
            words.push((word, part.phrase, next.map(String::as_str)));
        }
    }
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let n = f64::from(meta.docs);
    let mut scores: Option<HashMap<u32, f64>> = None;
    for (i, &(word, phrase, next)) in words.iter().enumerate() {
        let prefix = typing && !phrase && i == words.len() - 1;
        let mut groups = Vec::new();
        let mut shards = Vec::new();
        for shard in shards_for(&meta, word, prefix) {
            let path = super::shard_path(&shard);
            let bytes = fetch(&path).ok_or_else(|| anyhow::anyhow!("missing {path}"))?;
            let parsed = parse_shard(&bytes).ok_or_else(|| anyhow::anyhow!("damaged {path}"))?;
            if next.is_some() {
                // Only a phrase's words (all but its last) need followers.
                let parts = meta.fparts.get(&shard).copied().unwrap_or(1);
                let mut bytes = Vec::new();
                for k in 0..parts {
                    let path = match k {
                        0 => super::follow_path(&shard),
                        k => super::follow_part_path(&shard, k),
                    };
                    let part = fetch(&path).ok_or_else(|| anyhow::anyhow!("missing {path}"))?;
                    bytes.extend_from_slice(&part);
                }
                shards.push((parsed, bytes));
            } else {
                groups.extend(parsed);
            }
        }
        let followers = match next {
            Some(_) => Some(
                followers_of(&shards, word)
                    .ok_or_else(|| anyhow::anyhow!("damaged follower file for {word}"))?,
            ),
            None => None,
        };
        groups.extend(shards.into_iter().flat_map(|s| s.0));
        let mut matched = match_word(&groups, word, prefix, phrase);
        // The word's weight is its own, whatever the phrase keeps.
        let df = matched.len() as f64;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        if let (Some(next), Some(followers)) = (next, &followers) {
            let h = follow::hash(next);
            matched.retain(|d, _| followers.get(d).is_some_and(|s| follow::contains(s, h)));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn part(words: &[&str], phrase: bool) -> Part {
        Part {
            words: words.iter().map(|w| w.to_string()).collect(),
            phrase,
        }
    }

    #[test]
    fn quotes_make_phrases_and_an_unclosed_quote_loose_words() {
        assert_eq!(
            parse(r#""County lines" Birmingham"#),
            [
                part(&["county", "lines"], true),
                part(&["birmingham"], false)
            ]
        );
        assert_eq!(
            parse(r#"drugs "county lines"#),
            [part(&["drugs", "county", "lines"], false)]
        );
        assert_eq!(
            parse(r#"a "" "b c" d "e"#),
            [
                part(&["a"], false),
                part(&["b", "c"], true),
                part(&["d", "e"], false)
            ]
        );
    }
}
