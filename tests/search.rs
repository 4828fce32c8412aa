//! Search over built sites: recall on a generated corpus, ranking, the
//! index files' limits, and clean and incremental builds writing the same
//! index. Queries run through `blotter::search::query`, which mirrors the
//! browser client (static/search.js) step for step.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use blotter::search::query::{self, Filters};
use blotter::search::tokenise;
use support::*;

const AREAS: [&str; 3] = ["Kent", "Dyfed-Powys", "Derbyshire"];
const WORDS: [&str; 24] = [
    "arrest",
    "arrested",
    "arrests",
    "burglary",
    "burglaries",
    "cannabis",
    "county",
    "lines",
    "drugs",
    "officers",
    "appeal",
    "witness",
    "witnesses",
    "vehicle",
    "A38",
    "£52kg",
    "Heddlu",
    "Ysbyty",
    "Kowalski",
    "EncroChat",
    "Venetic",
    "seized",
    "court",
    "sentenced",
];

/// A small deterministic generator (xorshift), so the corpus is the same
/// on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// (file name, title, body) of `n` releases.
fn corpus(n: usize, seed: u64) -> Vec<(String, String, String)> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let title: Vec<&str> = (0..4).map(|_| rng.pick(&WORDS)).collect();
            let len = 5 + rng.next() % 40;
            let body: Vec<&str> = (0..len).map(|_| rng.pick(&WORDS)).collect();
            (format!("r{i:05}"), title.join(" "), body.join(" "))
        })
        .collect()
}

fn release_file(i: usize, title: &str, body: &str) -> String {
    let area = AREAS[i % AREAS.len()];
    let day = 1 + i % 28;
    let month = 1 + (i / 28) % 12;
    let year = 2015 + (i / 336) % 10;
    format!(
        "```yaml\narea: {area}\ntitle: {title}\npublish:\n  date: 10:{:02} {day:02}/{month:02}/{year}\n```\n\n{body}\n",
        i % 60
    )
}

/// Search is a setting (`search = true` in site.toml), on for every site here.
fn enable_search(content: &Path) {
    write_files(content, &[("site.toml", "search = true\n")]);
}

fn write_corpus(content: &Path, releases: &[(String, String, String)]) {
    enable_search(content);
    for (i, (name, title, body)) in releases.iter().enumerate() {
        let path = content.join("releases").join(format!("{name}.txt"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, release_file(i, title, body)).unwrap();
    }
}

/// The built site's files as the client fetches them.
fn files(output: &Path) -> impl Fn(&str) -> Option<Vec<u8>> + '_ {
    move |path| fs::read(output.join(path)).ok()
}

/// Release ids of documents, from the metadata chunks.
fn ids(output: &Path, hits: &[query::Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| {
            let chunk = h.doc / blotter::search::DOCS_PER_CHUNK;
            let folder = chunk / blotter::search::CHUNKS_PER_FOLDER;
            let bytes = fs::read(output.join(format!("search/d/{folder}/{chunk}.json"))).unwrap();
            let docs: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let entry = &docs[(h.doc % blotter::search::DOCS_PER_CHUNK) as usize];
            entry[3].as_str().unwrap().to_string()
        })
        .collect()
}

fn search(output: &Path, q: &str) -> Vec<String> {
    let hits = query::search(&files(output), q, &Filters::default(), false).unwrap();
    ids(output, &hits)
}

#[test]
fn every_release_containing_a_word_is_found_and_a_nonsense_word_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let releases = corpus(2000, 0x5eed);
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    let stemmer = tokenise::english();
    for word in WORDS {
        let form = tokenise::words(word).into_iter().next().unwrap();
        let stem = tokenise::stem(&stemmer, &form);
        let forms_of = |(_, title, body): &(String, String, String)| -> BTreeSet<String> {
            tokenise::words(title)
                .into_iter()
                .chain(tokenise::words(body))
                .collect()
        };
        let containing: BTreeSet<&str> = (releases.iter())
            .filter(|r| forms_of(r).contains(&form))
            .map(|r| r.0.as_str())
            .collect();
        let same_stem: BTreeSet<&str> = (releases.iter())
            .filter(|r| {
                forms_of(r)
                    .iter()
                    .any(|f| tokenise::stem(&stemmer, f) == stem)
            })
            .map(|r| r.0.as_str())
            .collect();
        let found = search(&output, word);
        let found: BTreeSet<&str> = found.iter().map(String::as_str).collect();
        assert!(!containing.is_empty(), "{word} is in the corpus");
        assert!(
            containing.is_subset(&found),
            "{word}: every release with it is found"
        );
        assert!(
            found.is_subset(&same_stem),
            "{word}: only releases with its stem"
        );
    }
    assert!(search(&output, "zzqxv").is_empty());
    assert!(
        search(&output, "arrest zzqxv").is_empty(),
        "every word is required"
    );
}

/// Whether `pair` is adjacent in `words`.
fn adjacent(words: &[String], pair: (&str, &str)) -> bool {
    words.windows(2).any(|w| w[0] == pair.0 && w[1] == pair.1)
}

#[test]
fn a_quoted_phrase_finds_every_release_with_its_words_in_a_row_and_few_others() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let releases = corpus(1500, 0xfeed);
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    let texts: Vec<(&str, Vec<String>, Vec<String>)> = (releases.iter())
        .map(|(name, title, body)| (name.as_str(), tokenise::words(title), tokenise::words(body)))
        .collect();
    // Pairs sampled from the releases' texts, as they are adjacent there.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for (_, _, body) in texts.iter().step_by(37) {
        for w in body.windows(2).step_by(5) {
            if w[0] != w[1] {
                pairs.insert((w[0].clone(), w[1].clone()));
            }
        }
    }
    assert!(pairs.len() > 40, "{} pairs", pairs.len());
    let (mut apart, mut apart_found) = (0, 0);
    for (a, b) in &pairs {
        let found = search(&output, &format!("\"{a} {b}\""));
        let found: BTreeSet<&str> = found.iter().map(String::as_str).collect();
        for (name, title, body) in &texts {
            let pair = (a.as_str(), b.as_str());
            if adjacent(title, pair) || adjacent(body, pair) {
                assert!(found.contains(name), "\"{a} {b}\" misses {name}");
            } else {
                let has = |w: &String| title.contains(w) || body.contains(w);
                if has(a) && has(b) {
                    // Both words, never in a row: a match here is a hash
                    // collision, about one in 256.
                    apart += 1;
                    apart_found += usize::from(found.contains(name));
                } else {
                    assert!(!found.contains(name), "\"{a} {b}\" finds {name}");
                }
            }
        }
    }
    assert!(apart > 1000, "{apart} releases with a pair's words apart");
    assert!(
        apart_found * 50 < apart,
        "{apart_found} of {apart} releases with a pair's words apart matched"
    );
    // A phrase and a loose word: both required.
    let (a, b) = pairs.iter().next().unwrap();
    let phrase = search(&output, &format!("\"{a} {b}\""));
    let mixed = search(&output, &format!("\"{a} {b}\" venetic"));
    assert!(!mixed.is_empty() && mixed.len() < phrase.len());
    assert!(mixed.iter().all(|m| phrase.contains(m)));
}

#[test]
fn phrase_words_match_as_written_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let output = ranking_site(dir.path());
    assert_eq!(search(&output, "arrest after"), ["f", "e"]);
    assert_eq!(search(&output, "\"arrest after\""), ["f"], "no other forms");
    assert_eq!(search(&output, "\"arrested\""), ["e"]);
    assert!(search(&output, "\"after arrest\"").is_empty(), "in order");
    assert_eq!(
        search(&output, "\"cannabis seized\" \"near derby\""),
        ["d", "c"]
    );
    assert!(
        search(&output, "\"found cannabis\"").is_empty(),
        "no phrase across the title and the body"
    );
    assert_eq!(
        search(&output, "\"cannabis was found\""),
        ["a"],
        "three words in a row"
    );
    let typing = |q: &str| {
        ids(
            &output,
            &query::search(&files(&output), q, &Filters::default(), true).unwrap(),
        )
    };
    assert_eq!(typing("\"cannabis seiz"), ["d", "c"], "an unclosed quote");
    assert!(typing("\"cannabis seiz\"").is_empty(), "a closed one");
}

#[test]
fn the_index_keeps_every_file_under_a_megabyte_and_every_folder_under_ten_thousand() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    write_corpus(&content, &corpus(1500, 7));
    build_ok(&content, &output, Some(BASE_URL));
    let mut shards = 0;
    for entry in walkdir::WalkDir::new(output.join("search")) {
        let entry = entry.unwrap();
        if entry.file_type().is_dir() {
            assert!(fs::read_dir(entry.path()).unwrap().count() <= 10_000);
        } else {
            assert!(
                entry.metadata().unwrap().len() <= 1 << 20,
                "{:?}",
                entry.path()
            );
            shards += usize::from(entry.path().extension().is_some_and(|e| e == "bin"));
        }
    }
    assert!(shards > 3, "a corpus this size is split into shards");
}

fn ranking_site(dir: &Path) -> std::path::PathBuf {
    let (content, output) = (dir.join("content"), dir.join("site"));
    enable_search(&content);
    let files = [
        (
            "releases/a.txt",
            0,
            "Witness appeal",
            "Officers ask for help. Cannabis was found.",
        ),
        (
            "releases/b.txt",
            1,
            "Cannabis factory found",
            "Police found plants.",
        ),
        (
            "releases/c.txt",
            2,
            "Road closed",
            "Cannabis seized on the A38 near Derby.",
        ),
        (
            "releases/d.txt",
            3,
            "Road closed again",
            "Cannabis seized on the A38 near Derby.",
        ),
        (
            "releases/e.txt",
            4,
            "Three held",
            "Three people were arrested after burglaries.",
        ),
        (
            "releases/f.txt",
            5,
            "One held",
            "One arrest after a burglary.",
        ),
    ];
    for (path, i, title, body) in files {
        write_files(&content, &[(path, &release_file(i, title, body))]);
    }
    build_ok(&content, &output, Some(BASE_URL));
    output
}

#[test]
fn a_title_match_ranks_above_body_matches_and_equals_come_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let output = ranking_site(dir.path());
    let ids = search(&output, "cannabis");
    assert_eq!(ids[0], "b", "the title match first");
    // c and d say the same; d is the newer.
    let (c, d) = (
        ids.iter().position(|i| i == "c").unwrap(),
        ids.iter().position(|i| i == "d").unwrap(),
    );
    assert!(d < c, "newest first among equals: {ids:?}");
    assert_eq!(
        search(&output, "cannabis a38"),
        ["d", "c"],
        "all words required"
    );
}

#[test]
fn an_exact_form_ranks_above_other_forms_of_its_stem() {
    let dir = tempfile::tempdir().unwrap();
    let output = ranking_site(dir.path());
    assert_eq!(search(&output, "arrested"), ["e", "f"]);
    assert_eq!(search(&output, "arrest"), ["f", "e"]);
    assert_eq!(search(&output, "burglary"), ["f", "e"]);
    assert_eq!(search(&output, "burglaries"), ["e", "f"]);
}

#[test]
fn the_last_word_matches_as_a_prefix_while_typing_and_filters_narrow() {
    let dir = tempfile::tempdir().unwrap();
    let output = ranking_site(dir.path());
    let typing = |q: &str, filters: &Filters| {
        ids(
            &output,
            &query::search(&files(&output), q, filters, true).unwrap(),
        )
    };
    assert_eq!(typing("canna", &Filters::default()).len(), 4);
    assert!(
        search(&output, "canna").is_empty(),
        "a finished word is whole"
    );
    let kent = Filters {
        area: Some("kent".into()),
        ..Filters::default()
    };
    assert_eq!(typing("cannabis", &kent), ["d", "a"]);
    let none = Filters {
        from: Some(2030),
        ..Filters::default()
    };
    assert!(typing("cannabis", &none).is_empty());
}

fn search_files(output: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    snapshot(&output.join("search"))
}

#[test]
fn clean_and_incremental_builds_write_the_same_index_and_a_damaged_cache_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let releases = corpus(300, 11);
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    // An edit, a new release, a removed one.
    let (name, title, _) = &releases[5];
    write_files(
        &content,
        &[
            (
                &format!("releases/{name}.txt"),
                &release_file(5, title, "Zebedee was sentenced at Quokka Crown Court."),
            ),
            (
                "releases/new.txt",
                &release_file(301, "Venetic", "EncroChat witnesses."),
            ),
        ],
    );
    fs::remove_file(content.join(format!("releases/{}.txt", releases[9].0))).unwrap();
    let report = build_ok(&content, &output, Some(BASE_URL));
    let summary = report.summary.unwrap();
    let clean = dir.path().join("clean");
    build_ok(&content, &clean, Some(BASE_URL));
    assert_eq!(search_files(&output), search_files(&clean));
    assert!(
        summary.rewritten < summary.pages / 2,
        "written in place, only what changed: {} of {}",
        summary.rewritten,
        summary.pages
    );
    // A damaged search cache changes nothing but the time taken.
    let cache = blotter::incremental::folder(&output)
        .unwrap()
        .join("search");
    let part = fs::read_dir(cache.join("t"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let part = format!("t/{}", part.file_name().to_string_lossy());
    // Two shards of per-release counts: which hold releases depends on
    // the releases' digests, and so on the folder they are in.
    let mut docs: Vec<String> = (fs::read_dir(&cache).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("docs-"))
        .collect();
    docs.sort();
    assert!(docs.len() >= 2, "{docs:?}");
    for file in ["head", &part, "c/0", &docs[0], &docs[docs.len() - 1]] {
        let mut bytes = fs::read(cache.join(file)).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        fs::write(cache.join(file), bytes).unwrap();
    }
    fs::remove_dir_all(&output).unwrap();
    build_ok(&content, &output, Some(BASE_URL));
    assert_eq!(search_files(&output), search_files(&clean));
    assert_eq!(search(&output, "zebedee quokka"), [name.as_str()]);
}

/// An edit that moves a release's length to another cell of the weights'
/// grid re-weighs every word of it, most of them in place.
#[test]
fn an_edit_that_re_weighs_a_release_writes_the_index_a_clean_build_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let mut releases = corpus(1000, 12);
    // Words of their own, so that the index has many shards and most of
    // the edited release's stems are in shards no other change touches
    // (patched whole), and whose posting lists are short (not bitmaps).
    for (i, release) in releases.iter_mut().enumerate() {
        release
            .2
            .push_str(&format!(" ref{i} case{} file{}", i * 7, i * 13));
    }
    releases[7].2.insert_str(0, "Zebedee ");
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    let before = search_files(&output);
    // Its body twice over: every count and the length doubled.
    let (name, title, body) = &releases[7];
    let twice = format!("{body} {body}");
    write_files(
        &content,
        &[(
            &format!("releases/{name}.txt"),
            &release_file(7, title, &twice),
        )],
    );
    build_ok(&content, &output, Some(BASE_URL));
    let clean = dir.path().join("clean");
    build_ok(&content, &clean, Some(BASE_URL));
    assert_eq!(search_files(&output), search_files(&clean));
    assert_ne!(search_files(&output), before, "weights changed");
}

/// A rebuild takes the index's unchanged shards by the hashes the search
/// cache's head records: it reads a shard's part only to write the
/// shard's files again, and a part lost since is a miss, not a failure.
#[test]
fn a_rebuild_reads_index_parts_only_for_files_it_writes_and_a_lost_part_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    // Enough distinct words for the index to need several shards.
    let releases: Vec<(String, String, String)> = (0..1500)
        .map(|i| {
            let body: Vec<String> = (0..80)
                .map(|j| format!("k{}", (i * 7 + j * 13) % 6000))
                .collect();
            (format!("r{i:05}"), format!("Kowalski {i}"), body.join(" "))
        })
        .collect();
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    let clean = search_files(&output);
    let parts = blotter::incremental::folder(&output)
        .unwrap()
        .join("search/t");
    let part_count = fs::read_dir(&parts).unwrap().count();
    assert!(part_count > 2, "{part_count} parts");
    // Every part gone: a no-op rebuild needs none of them.
    fs::remove_dir_all(&parts).unwrap();
    let report = build_ok(&content, &output, Some(BASE_URL));
    assert_eq!(report.summary.unwrap().rewritten, 0);
    assert!(!parts.exists(), "a no-op wrote no part");
    // The index's files gone from the site too: written again, the same.
    fs::remove_dir_all(output.join("search")).unwrap();
    build_ok(&content, &output, Some(BASE_URL));
    assert_eq!(search_files(&output), clean);
    assert!(!search(&output, "k13 k26").is_empty());
}

#[test]
fn a_search_cache_another_blotter_wrote_is_cleared_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    write_corpus(&content, &corpus(40, 3));
    build_ok(&content, &output, Some(BASE_URL));
    let cache = blotter::incremental::folder(&output)
        .unwrap()
        .join("search");
    let ours = fs::read(cache.join("key")).unwrap();
    // As another build of blotter leaves it: its own key, and files this
    // one would misread without noticing.
    fs::write(cache.join("key"), [0u8; 8]).unwrap();
    fs::write(cache.join("stray"), "another format").unwrap();
    build_ok(&content, &output, Some(BASE_URL));
    assert!(!cache.join("stray").exists(), "the old cache is cleared");
    assert_eq!(fs::read(cache.join("key")).unwrap(), ours);
    let clean = dir.path().join("clean");
    build_ok(&content, &clean, Some(BASE_URL));
    assert_eq!(search_files(&output), search_files(&clean));
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Search files whose bytes differ between two snapshots, or that only one has.
fn changed_files(
    before: &[(std::path::PathBuf, Vec<u8>)],
    after: &[(std::path::PathBuf, Vec<u8>)],
) -> usize {
    let old: std::collections::BTreeMap<_, _> = before.iter().cloned().collect();
    let new: std::collections::BTreeMap<_, _> = after.iter().cloned().collect();
    let keys: BTreeSet<_> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .count()
}

#[test]
fn an_edit_or_a_newest_release_patches_the_index_to_what_a_clean_build_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let releases = corpus(1500, 23);
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    let (name, title, _) = &releases[40];
    let edits = [
        // A body edit: the same document number, other words.
        (
            format!("releases/{name}.txt"),
            release_file(40, title, "Zebedee was sentenced at Quokka Crown Court."),
        ),
        // A release newer than all: the next document number.
        (
            "releases/zz-newest.txt".to_string(),
            release_file(335, "Venetic quokka", "EncroChat witnesses.").replace("2015", "2031"),
        ),
    ];
    for (i, (path, text)) in edits.iter().enumerate() {
        let before = search_files(&output);
        write_files(&content, &[(path, text)]);
        build_ok(&content, &output, Some(BASE_URL));
        let after = search_files(&output);
        let clean = dir.path().join(format!("clean-{i}"));
        build_ok(&content, &clean, Some(BASE_URL));
        assert_eq!(
            after,
            search_files(&clean),
            "edit {i} matches a clean build"
        );
        let changed = changed_files(&before, &after);
        assert!(
            changed < after.len() / 4,
            "edit {i} changed {changed} of {} index files",
            after.len()
        );
        // Follower files change with the words an edit touches.
        let only = |files: &[(std::path::PathBuf, Vec<u8>)], folder: &str| {
            (files.iter())
                .filter(|(p, _)| p.parent().is_some_and(|p| p.ends_with(folder)))
                .map(|(p, b)| (p.with_extension(""), b.clone()))
                .map(|(p, b)| (p.file_name().unwrap().into(), b))
                .collect::<Vec<(std::path::PathBuf, Vec<u8>)>>()
        };
        let changed_names = |folder: &str| -> BTreeSet<std::path::PathBuf> {
            let (old, new) = (only(&before, folder), only(&after, folder));
            (old.iter().chain(&new))
                .filter(|f| !old.contains(f) || !new.contains(f))
                .map(|f| f.0.clone())
                .collect()
        };
        let follow = changed_names("f");
        assert!(!follow.is_empty(), "edit {i} changes follower files");
        assert!(
            follow.is_subset(&only(&after, "t").into_iter().map(|f| f.0).collect()),
            "edit {i}: a follower file per term shard, {follow:?}"
        );
    }
    assert_eq!(search(&output, "quokka"), ["zz-newest", name.as_str()]);
    // A rebuild with nothing changed writes nothing to the search cache.
    let cache = blotter::incremental::folder(&output)
        .unwrap()
        .join("search");
    let times = |dir: &Path| -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
        let mut all: Vec<_> = walk(dir)
            .into_iter()
            .map(|p| {
                let t = fs::metadata(&p).unwrap().modified().unwrap();
                (p, t)
            })
            .collect();
        all.sort();
        all
    };
    let before = times(&cache);
    std::thread::sleep(std::time::Duration::from_millis(20));
    build_ok(&content, &output, Some(BASE_URL));
    assert_eq!(times(&cache), before, "a no-op rewrites no cache file");
    assert!(search(&output, "zebedee sentenced").contains(name));
}

/// Regression: a word added to a release changed its length, so its
/// every word's weight could move and an edit rewrote the shards of most
/// of its words. Lengths now weigh on a grid, and a length that stays in
/// its cell leaves the other words' shards as they were.
#[test]
fn a_word_added_to_a_release_rewrites_only_the_shards_its_words_are_in() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let body = |i: usize| -> String {
        let words: Vec<String> = (0..80)
            .map(|j| format!("k{}", (i * 7 + j * 13) % 6000))
            .collect();
        words.join(" ")
    };
    let releases: Vec<(String, String, String)> = (0..1500)
        .map(|i| (format!("r{i:05}"), format!("Appeal {i}"), body(i)))
        .collect();
    write_corpus(&content, &releases);
    build_ok(&content, &output, Some(BASE_URL));
    let before = search_files(&output);
    // 80 words to 81: the same cell of the grid.
    let (name, title, text) = &releases[700];
    let edited = release_file(700, title, &format!("{text} zebedee"));
    write_files(&content, &[(&format!("releases/{name}.txt"), &edited)]);
    build_ok(&content, &output, Some(BASE_URL));
    let after = search_files(&output);
    let clean = dir.path().join("clean");
    build_ok(&content, &clean, Some(BASE_URL));
    assert_eq!(after, search_files(&clean));
    let shards = |files: &[(std::path::PathBuf, Vec<u8>)]| {
        (files.iter())
            .filter(|(p, _)| p.parent().is_some_and(|p| p.ends_with("t")))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (old, new) = (shards(&before), shards(&after));
    assert!(new.len() > 10, "{} term shards", new.len());
    // The new word's shard, and the shard of the word it now follows.
    let changed = changed_files(&old, &new);
    assert!(
        (1..=2).contains(&changed),
        "{changed} of {} term shards",
        new.len()
    );
    assert_eq!(search(&output, "zebedee"), [name.as_str()]);
}

#[test]
fn every_page_has_a_labelled_search_box_and_scripts_only_from_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("site");
    build_ok(&sample_content(), &output, Some(BASE_URL));
    let home = read(&output, "index.html");
    assert!(home
        .contains(r#"<form class="site-search" role="search" action="./search/" method="get">"#));
    assert!(home.contains(r#"<label for="site-search-q">"#));
    assert!(home.contains("script-src 'self';") && home.contains("form-action 'self'"));
    let page = read(&output, "search/index.html");
    assert!(page.contains("data-search-results") && page.contains(r#"aria-live="polite""#));
    assert!(page.contains("<noscript>") && page.contains(r#"href="../areas/""#));
    assert!(page.contains(r#"<script src="../static/search.js" defer></script>"#));
    assert!(!page.contains("<script>"), "no inline script");
    let not_found = read(&output, "404.html");
    assert!(not_found.contains(r#"action="/archive/search/""#));
}

#[test]
fn without_the_search_setting_there_is_no_index_no_page_and_no_search_box() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    write_files(
        &content,
        &[("releases/a.txt", &release_file(0, "Held", "One arrest."))],
    );
    build_ok(&content, &output, Some(BASE_URL));
    assert!(!output.join("search").exists());
    let home = read(&output, "index.html");
    assert!(!home.contains("role=\"search\""), "no box leading nowhere");
    assert!(home.contains("script-src 'none'") && home.contains("form-action 'none'"));
    assert!(!output.join("static/search.js").exists());
}

/// A clean build counts each release's words as it reads the release; a
/// build whose search cache is gone (but whose parse cache is not) reads
/// the releases again to count them. Both give the same index, sidecars
/// (commentary, tags) and descriptions included.
#[test]
fn counting_words_as_releases_are_read_writes_the_index_counting_them_again_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    let releases = corpus(300, 21);
    write_corpus(&content, &releases);
    for i in (0..300).step_by(7) {
        let sidecar =
            format!("---\ntags: [Fraud, Zyxop {i}]\n---\n\nKowalski wrote commentary {i}.\n");
        write_files(&content, &[(&format!("releases/r{i:05}.md"), &sidecar)]);
    }
    let described = release_file(3, "Described", "The body text.").replace(
        "area:",
        "og:\n  description: A teaser with Zebedee in it.\narea:",
    );
    write_files(&content, &[("releases/r00003.txt", &described)]);
    // Old enough for the parse cache to keep them (a file written moments
    // ago is read again), so that the last build reads none.
    std::thread::sleep(std::time::Duration::from_millis(150));
    build_ok(&content, &output, Some(BASE_URL));
    let counted_as_read = search_files(&output);
    assert_eq!(search(&output, "zebedee"), ["r00003"]);
    assert_eq!(search(&output, "zyxop").len(), 300usize.div_ceil(7));
    let cache = blotter::incremental::folder(&output).unwrap();
    fs::remove_dir_all(cache.join("search")).unwrap();
    // Nothing changed, so no release is read: the index is built in full
    // from releases read again.
    build_ok(&content, &output, Some(BASE_URL));
    assert_eq!(search_files(&output), counted_as_read);
}
