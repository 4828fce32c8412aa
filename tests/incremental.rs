//! A rebuild over the last build's output writes only the files whose
//! bytes change, and ends byte-identical to a clean build of the same
//! input, across every kind of edit.

mod support;

use std::fs;
use std::path::Path;

use blotter::BuildOptions;
use support::*;

const RELEASES: usize = 2000;
const AREAS: [&str; 6] = [
    "Kent",
    "Essex",
    "Dyfed-Powys",
    "North Wales",
    "West Mercia",
    "Cumbria",
];

fn release_text(i: usize, area: &str, date: &str, body: &str) -> String {
    format!("```yaml\ntitle: Appeal number {i}\narea: {area}\npublish:\n  date: {date}\n```\n\n{body}\n\nOfficers would like to hear from anyone who saw what happened.\n")
}

fn generate(content: &Path) {
    // The search index is part of what must match a clean build.
    write_files(content, &[("site.toml", "search = true\n")]);
    for i in 0..RELEASES {
        let date = format!(
            "{:02}:{:02} {:02}/{:02}/{}",
            8 + i % 10,
            i % 60,
            1 + i % 28,
            1 + (i / 28) % 12,
            2019 + i % 3
        );
        let text = release_text(
            i,
            AREAS[i % AREAS.len()],
            &date,
            &format!("Release {i} body."),
        );
        write_files(
            content,
            &[(&format!("releases/{:02}/r{i:05}.txt", i % 20), &text)],
        );
        if i % 10 == 0 {
            let sidecar = format!("---\ntags: [tag-{}]\n---\n\nCommentary on {i}.\n", i % 7);
            write_files(
                content,
                &[(&format!("releases/{:02}/r{i:05}.md", i % 20), &sidecar)],
            );
        }
    }
}

fn build(content: &Path, output: &Path, theme: Option<&Path>) -> blotter::Summary {
    let options = BuildOptions {
        content: content.to_path_buf(),
        theme: theme.map(Path::to_path_buf),
        output: output.to_path_buf(),
        base_url: Some(BASE_URL.into()),
        skip_invalid: false,
    };
    let report = blotter::build(&options).unwrap();
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    report.summary.expect("site written")
}

/// Rebuilds `site` incrementally, builds a clean copy, and compares them.
/// Returns how many files the incremental build wrote or removed.
/// Files written by an incremental rebuild, not counting the search
/// index's (an edit changes the shards of the words it adds or removes:
/// tests/search.rs holds those to what changed).
fn rebuild_and_compare(dir: &Path, theme: Option<&Path>) -> usize {
    let content = dir.join("content");
    let search_before = snapshot(&dir.join("site/search"));
    let incremental = build(&content, &dir.join("site"), theme);
    let search_after = snapshot(&dir.join("site/search"));
    let search_written = search_after
        .iter()
        .filter(|file| !search_before.contains(file))
        .count()
        + search_before
            .iter()
            .filter(|(path, _)| !search_after.iter().any(|(p, _)| p == path))
            .count();
    // A new folder each time: deleting and re-creating thousands of files
    // is slow on some file systems (ext4 skips recently freed inodes).
    static CLEAN_BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CLEAN_BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let clean_dir = dir.join(format!("clean-{n}"));
    build(&content, &clean_dir, theme);
    assert_eq!(
        snapshot(&dir.join("site")),
        snapshot(&clean_dir),
        "incremental output differs from a clean build"
    );
    incremental.rewritten - search_written
}

#[test]
fn incremental_rebuilds_match_clean_builds_and_write_little() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let content = d.join("content");
    generate(&content);
    let first = build(&content, &d.join("site"), None);
    assert_eq!(
        first.rewritten, first.pages,
        "a first build writes everything"
    );

    // Nothing changed: nothing is written.
    assert_eq!(rebuild_and_compare(d, None), 0);

    // A page deleted and a file added by hand in blotter's folder: put
    // back and removed.
    fs::remove_file(d.join("site/releases/r00003/index.html")).unwrap();
    fs::write(d.join("site/releases/stray.html"), "hand-made").unwrap();
    assert_eq!(rebuild_and_compare(d, None), 2);

    // A sidecar's commentary: that release's page and the feeds that carry it.
    write_files(
        &content,
        &[(
            "releases/00/r00020.md",
            "---\ntags: [tag-6]\n---\n\nRevised commentary.\n",
        )],
    );
    let written = rebuild_and_compare(d, None);
    assert!(
        (1..=6).contains(&written),
        "sidecar edit wrote {written} files"
    );

    // A correction: the release's modified date in each feed document
    // that carries it, and its lastmod in the sitemap.
    write_files(
        &content,
        &[(
            "releases/00/r00040.md",
            "---\ntags: [tag-5]\ncorrections:\n  - date: 2024-02-01\n    text: Fixed.\n---\n",
        )],
    );
    let written = rebuild_and_compare(d, None);
    assert!(written > 2, "a correction wrote {written} files");
    // r00040 is of 2020.
    let sitemap = fs::read_to_string(d.join("site/sitemap-releases-2020.xml")).unwrap();
    assert!(sitemap.contains("2024-02-01T00:00:00+00:00"), "lastmod");

    // A release body (and its area: r00007 was Essex's).
    let r7 = release_text(7, "Dyfed-Powys", "15:07 08/01/2020", "A corrected body.");
    write_files(&content, &[("releases/07/r00007.txt", &r7)]);
    let written = rebuild_and_compare(d, None);
    // Its page, its neighbours' (older/newer links), and the listings,
    // feeds and feed archives (each in both formats) that show its teaser
    // or count it: both areas' pages and their year and month pages among
    // them.
    assert!(
        (1..=28).contains(&written),
        "body edit wrote {written} files"
    );

    // A title change: the release's page, and its neighbours' older/newer
    // links and every listing that shows it (pages that are not re-rendered
    // must not keep the old title).
    let retitled = release_text(9, "North Wales", "17:09 10/01/2019", "Release 9 body.")
        .replace("Appeal number 9", "Renamed appeal");
    write_files(&content, &[("releases/09/r00009.txt", &retitled)]);
    assert!(rebuild_and_compare(d, None) > 2);

    // A new release, then its deletion: the pages of other releases' days,
    // months and years link to their nearest neighbours, so they change
    // with it.
    write_files(
        &content,
        &[(
            "releases/new/r99999.txt",
            &release_text(99999, "Kent", "09:00 02/07/2030", "New."),
        )],
    );
    assert!(rebuild_and_compare(d, None) > 0);
    assert!(d.join("site/releases/r99999/index.html").is_file());
    fs::remove_file(content.join("releases/new/r99999.txt")).unwrap();
    assert!(rebuild_and_compare(d, None) > 0);
    assert!(
        !d.join("site/releases/r99999").exists(),
        "a deleted release's folder goes"
    );
    assert!(
        !d.join("site/dates/2030").exists(),
        "an emptied date page goes"
    );

    // An area change and a date change.
    let moved = release_text(8, "Cumbria", "10:30 25/12/2022", "Release 8 body.");
    write_files(&content, &[("releases/08/r00008.txt", &moved)]);
    assert!(rebuild_and_compare(d, None) > 0);
    assert!(d.join("site/dates/2022/12/25/index.html").is_file());

    // A sidecar added to a release that had none, with a passage note (the
    // parse cache keys a release by its sidecar too), then removed.
    let note = "---\nnotes:\n  - quote: Release 5 body\n    note: Noted.\n---\n";
    write_files(&content, &[("releases/05/r00005.md", note)]);
    assert!(rebuild_and_compare(d, None) > 0);
    // Once the files are older than their timestamps' granularity, their
    // parse is cached: rebuilds from the cache match a clean build too.
    std::thread::sleep(std::time::Duration::from_millis(150));
    build(&content, &d.join("site"), None);
    assert_eq!(rebuild_and_compare(d, None), 0);
    fs::remove_file(content.join("releases/05/r00005.md")).unwrap();
    assert!(rebuild_and_compare(d, None) > 0);

    // A correction: the release's page and the corrections log, which
    // shows every release's corrections.
    write_files(
        &content,
        &[(
            "releases/00/r00040.md",
            "---\ntags: [tag-5]\ncorrections:\n  - date: 2022-01-02\n    text: Fixed a name.\n---\n\nCommentary on 40.\n",
        )],
    );
    assert!(rebuild_and_compare(d, None) > 0);
    let log = fs::read_to_string(d.join("site/corrections/index.html")).unwrap();
    assert!(log.contains("Fixed a name."), "{log}");

    // A setting that changes how every release resolves: a release at
    // 10:30 in London is at 11:30 in Paris, whatever the cache holds.
    write_files(
        &content,
        &[("site.toml", "search = true\ntimezone = \"Europe/Paris\"\n")],
    );
    let written = rebuild_and_compare(d, None);
    assert!(written > RELEASES, "a zone change rewrote {written}");

    // A theme that changes one template: every page is rendered again (the
    // last build's fingerprints were made with other templates), and only
    // the page whose bytes changed is written.
    let theme = d.join("theme");
    write_files(
        &theme,
        &[(
            "templates/404.html",
            "{% extends \"base.html\" %}{% block main %}<h1>Lost</h1>{% endblock main %}",
        )],
    );
    assert_eq!(rebuild_and_compare(d, Some(&theme)), 1, "only 404.html");
    let lost = fs::read_to_string(d.join("site/404.html")).unwrap();
    assert!(lost.contains("<h1>Lost</h1>"), "{lost}");

    // A stylesheet edit: pages link it by a fixed path, so it alone changes.
    write_files(&theme, &[("static/style.css", "body { color: navy; }\n")]);
    assert_eq!(rebuild_and_compare(d, Some(&theme)), 1, "only style.css");

    // A change to the template every page extends rewrites everything
    // (staged and swapped), and still matches.
    let default_base =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html");
    let base = fs::read_to_string(default_base)
        .unwrap()
        .replace("</footer>", "<p>Mirror.</p></footer>");
    assert!(base.contains("<p>Mirror.</p>"), "base.html has a footer");
    write_files(&theme, &[("templates/base.html", &base)]);
    let written = rebuild_and_compare(d, Some(&theme));
    assert!(
        written > RELEASES,
        "a base template change rewrites every page, wrote {written}"
    );
}
