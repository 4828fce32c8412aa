//! The build cache is only ever a help: a cache file that is damaged (bytes
//! changed, cut short) is not used, and a cache that cannot be written is a
//! warning. Either way the build succeeds and publishes exactly what a
//! clean build of the same content publishes.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use support::*;

const RELEASES: usize = 36;
const AREAS: [&str; 3] = ["Kent", "Essex", "Cumbria"];

fn release_text(i: usize, edition: usize) -> String {
    format!(
        "```yaml\ntitle: Appeal number {i}\narea: {area}\npublish:\n  date: {hh:02}:{mm:02} {dd:02}/{mo:02}/2021\n```\n\nRelease {i}, edition {edition}.\n",
        area = AREAS[i % AREAS.len()],
        hh = 8 + i % 10,
        mm = i % 60,
        dd = 1 + i % 28,
        mo = 1 + i % 12,
    )
}

fn release_path(content: &Path, i: usize) -> PathBuf {
    content.join(format!("releases/{:02}/r{i:03}.txt", i % 4))
}

/// A few dozen releases, every third with a sidecar.
fn generate(content: &Path) {
    for i in 0..RELEASES {
        let path = release_path(content, i);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, release_text(i, 0)).unwrap();
        if i % 3 == 0 {
            let sidecar = format!(
                "---\ntags: [tag-{}]\nrelated:\n  - r{:03}\n---\n\nCommentary on {i}.\n",
                i % 5,
                (i + 1) % RELEASES
            );
            fs::write(path.with_extension("md"), sidecar).unwrap();
        }
    }
    // Files written moments ago are not cached (their times could still
    // move without changing): these ones are meant to be.
    std::thread::sleep(std::time::Duration::from_millis(150));
}

fn build_into(project: &Path, output: &str) -> Output {
    blotter(
        project,
        &[
            "build",
            "--content",
            "content",
            "--output",
            output,
            "--base-url",
            BASE_URL,
        ],
    )
}

fn assert_built(out: &Output, what: &str) {
    let stderr = stderr(out);
    assert!(
        out.status.success(),
        "{what} failed ({:?}): {stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("internal error") && !stderr.contains("panicked"));
}

/// A project with the content generated and built once into `site`.
fn built_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("content"));
    assert_built(&build_into(dir.path(), "site"), "the first build");
    dir
}

/// Every cache file a build reads back (all but the lock), sorted.
fn cache_files(project: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(project.join(".site.blotter-cache"))
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && e.file_name() != "lock")
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

type Snapshot = Vec<(PathBuf, Vec<u8>)>;

/// What a clean build of the content into the fresh folder `output`
/// publishes.
fn clean_build(project: &Path, output: &str) -> Snapshot {
    assert_built(&build_into(project, output), "a clean build");
    snapshot(&project.join(output))
}

/// Whether `site` is byte for byte what a clean build publishes.
fn matches_a_clean_build(project: &Path) -> bool {
    snapshot(&project.join("site")) == clean_build(project, "clean")
}

#[derive(Debug, Clone)]
enum Damage {
    /// Bytes at these places XORed with these (non-zero) masks.
    Flip(Vec<(Index, u8)>),
    /// The file cut short at this length.
    Truncate(Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        prop::collection::vec((any::<Index>(), 1u8..=255), 1..4).prop_map(Damage::Flip),
        any::<Index>().prop_map(Damage::Truncate),
    ]
}

fn apply(damage: &Damage, file: &Path) {
    let mut bytes = fs::read(file).unwrap();
    match damage {
        Damage::Flip(flips) => {
            for (at, mask) in flips {
                let at = at.index(bytes.len());
                bytes[at] ^= mask;
            }
        }
        Damage::Truncate(len) => bytes.truncate(len.index(bytes.len())),
    }
    fs::write(file, bytes).unwrap();
}

/// Releases the property test edits, one at a time: few, so that the clean
/// builds to compare with are few.
const EDITED: [usize; 4] = [1, 9, 17, 30];

#[test]
fn a_damaged_cache_file_is_never_trusted_and_the_rebuild_matches_a_clean_build() {
    let dir = built_project();
    let project = dir.path();
    let content = project.join("content");
    // What a clean build publishes with each of `EDITED` edited alone.
    let clean: RefCell<HashMap<usize, Snapshot>> = RefCell::default();
    let last_edited: Cell<Option<usize>> = Cell::new(None);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let case = (any::<Index>(), damage(), prop::sample::select(&EDITED[..]));
    let result = runner.run(&case, |(which, damage, edited)| {
        let files = cache_files(project);
        prop_assert!(!files.is_empty(), "the last build left no cache");
        let file = &files[which.index(files.len())];
        apply(&damage, file);
        // An edit elsewhere, so the rebuild has real work besides: the
        // release edited last time is put back, and this one changed.
        if let Some(last) = last_edited.replace(Some(edited)) {
            fs::write(release_path(&content, last), release_text(last, 0)).unwrap();
        }
        fs::write(release_path(&content, edited), release_text(edited, 1)).unwrap();
        let rebuilt = build_into(project, "site");
        prop_assert!(
            rebuilt.status.success(),
            "rebuild after {damage:?} of {} failed: {}",
            file.display(),
            stderr(&rebuilt)
        );
        prop_assert!(project.join("site").join(blotter::write::MARKER).is_file());
        let expected = clean
            .borrow_mut()
            .entry(edited)
            .or_insert_with(|| clean_build(project, &format!("clean-{edited}")))
            .clone();
        prop_assert!(
            snapshot(&project.join("site")) == expected,
            "after {damage:?} of {}, the rebuild differs from a clean build",
            file.display()
        );
        Ok::<(), TestCaseError>(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn a_same_length_edit_of_a_cached_title_never_shows_on_a_page() {
    let dir = built_project();
    let project = dir.path();
    let (own, neighbour) = (b"Appeal number 12", b"Appeal number 13");
    let shard = cache_files(project)
        .into_iter()
        .filter(|f| f.parent().is_some_and(|p| p.ends_with("units")))
        .find(|f| {
            let bytes = fs::read(f).unwrap();
            bytes.windows(own.len()).any(|w| w == own)
        })
        .expect("a parse-cache shard holds the title");
    let mut bytes = fs::read(&shard).unwrap();
    let at = bytes.windows(own.len()).position(|w| w == own).unwrap();
    bytes[at..at + own.len()].copy_from_slice(neighbour);
    fs::write(&shard, bytes).unwrap();
    // Another release edited: the pages that list release 12 beside it
    // (its area's, its day's, the feeds) are rendered again.
    let content = project.join("content");
    fs::write(release_path(&content, 20), release_text(20, 1)).unwrap();

    assert_built(&build_into(project, "site"), "the rebuild");
    assert!(
        matches_a_clean_build(project),
        "a title changed in the cache reached the site"
    );
    let feed = read(&project.join("site"), "feed.json");
    assert!(feed.contains("\"Appeal number 12\""), "{feed}");
}

#[test]
fn a_parse_cache_that_cannot_be_written_is_a_warning_and_the_site_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    generate(&project.join("content"));
    // A file where the parse cache's folder belongs (permission bits would
    // not stop a build run as root).
    let cache = project.join(".site.blotter-cache");
    fs::create_dir_all(&cache).unwrap();
    fs::write(cache.join("units"), "in the way").unwrap();
    for attempt in ["the first build", "a rebuild"] {
        let out = build_into(project, "site");
        assert_built(&out, attempt);
        let stderr = stderr(&out);
        assert!(stderr.contains("parse cache not saved"), "{stderr}");
        assert!(project.join("site").join(blotter::write::MARKER).is_file());
    }
    assert!(matches_a_clean_build(project));
    assert_eq!(fs::read(cache.join("units")).unwrap(), b"in the way");
}
