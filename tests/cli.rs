//! Runs the `blotter` binary as a user would: arguments in, exit code,
//! stderr and files out.

mod support;

use support::*;

/// A project folder with the sample content copied in.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    dir
}

#[test]
fn build_with_defaults_writes_output_and_a_summary() {
    let dir = project();
    let out = blotter(dir.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("built 3 releases, "), "{stdout}");
    assert!(stdout.contains(" written), 3 areas in "), "{stdout}");
    assert!(dir
        .path()
        .join("output/releases/004_c5ae0792fd4e02f5/index.html")
        .is_file());
    // Without a base URL the feeds leave out what must be absolute (JSON
    // Feed makes those fields optional), and blotter says so.
    assert!(stderr(&out).contains("warning: no base_url"));
    let feed = std::fs::read_to_string(dir.path().join("output/feed.json")).unwrap();
    let feed: serde_json::Value = serde_json::from_str(&feed).unwrap();
    assert!(feed.get("feed_url").is_none() && feed.get("home_page_url").is_none());
    for item in feed["items"].as_array().unwrap() {
        assert!(item.get("url").is_none(), "{item}");
        assert!(item["id"].as_str().unwrap().starts_with("/releases/"));
    }
}

#[test]
fn content_errors_exit_1_name_file_and_line_and_keep_the_old_site() {
    let dir = project();
    assert_eq!(blotter(dir.path(), &["build"]).status.code(), Some(0));
    let before = snapshot(&dir.path().join("output"));
    write_files(
        &dir.path().join("content"),
        &[
            (
                "releases/bad/020_bad_date.txt",
                "```yaml\ntitle: T\npublish:\n  date: 10:00 30/02/2021\n```\n\nBody.\n",
            ),
            ("releases/bad/021_no_shape.txt", "Just some text\n"),
        ],
    );
    let out = blotter(dir.path(), &["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "content/releases/bad/020_bad_date.txt:4: error: `10:00 30/02/2021` is not a real date"
        ),
        "{err}"
    );
    assert!(
        err.contains("content/releases/bad/021_no_shape.txt:1: error: unknown header shape"),
        "{err}"
    );
    assert!(err.contains("2 errors"), "{err}");
    // Both problems reported, in path order, and nothing written.
    assert!(err.find("020_bad_date").unwrap() < err.find("021_no_shape").unwrap());
    assert_eq!(snapshot(&dir.path().join("output")), before);
}

#[test]
fn skip_invalid_builds_the_rest_and_lists_what_it_skipped() {
    let dir = project();
    write_files(
        &dir.path().join("content"),
        &[("releases/022_empty.txt", "")],
    );
    let out = blotter(dir.path(), &["build", "--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("content/releases/022_empty.txt: error: empty file"),
        "{err}"
    );
    assert!(
        err.contains("skipped 1 file:\n  content/releases/022_empty.txt"),
        "{err}"
    );
    assert!(dir
        .path()
        .join("output/releases/002_253a1e39986e1906/index.html")
        .is_file());
    assert!(!dir.path().join("output/releases/022_empty").exists());
}

#[test]
fn check_reports_and_writes_nothing() {
    let dir = project();
    let ok = blotter(dir.path(), &["check"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    write_files(
        &dir.path().join("content"),
        &[
            ("releases/x/023_dup.txt", " date 2021-01-01 A\n\nx\n"),
            ("releases/y/023_dup.txt", " date 2021-01-01 B\n\ny\n"),
        ],
    );
    let bad = blotter(dir.path(), &["check"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert!(err.contains("content/releases/x/023_dup.txt: error: duplicate release id `023_dup`, also used by content/releases/y/023_dup.txt"), "{err}");
    assert!(!dir.path().join("output").exists());
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let dir = project();
    assert_eq!(
        blotter(dir.path(), &["build", "--no-such-flag"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        blotter(dir.path(), &["build", "--base-url", "not-a-url"])
            .status
            .code(),
        Some(2)
    );
    std::fs::write(dir.path().join("content/site.toml"), "titel = \"typo\"\n").unwrap();
    let out = blotter(dir.path(), &["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("site.toml: line 1: unknown field `titel`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_make() {
    let dir = project();
    let docs = dir.path().join("docs");
    write_files(&docs, &[("notes.txt", "precious")]);
    let out = blotter(dir.path(), &["build", "--output", "docs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refusing to write the site here"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(docs.join("notes.txt")).unwrap(),
        "precious"
    );
    assert_eq!(std::fs::read_dir(&docs).unwrap().count(), 1);
    for target in [".", "content"] {
        assert_eq!(
            blotter(dir.path(), &["build", "--output", target])
                .status
                .code(),
            Some(2),
            "{target}"
        );
    }
}

#[test]
fn a_theme_folder_overrides_templates_by_name() {
    let dir = project();
    write_files(
        &dir.path().join("theme"),
        &[("templates/404.html", "{% extends \"base.html\" %}{% block main %}<h1>Custom lost page</h1>{% endblock main %}")],
    );
    let out = blotter(dir.path(), &["build", "--theme", "theme"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("output/404.html")).unwrap();
    assert!(html.contains("Custom lost page"));
    write_files(
        &dir.path().join("theme"),
        &[("templates/index.html", "{% if %}")],
    );
    assert_eq!(
        blotter(dir.path(), &["build", "--theme", "theme"])
            .status
            .code(),
        Some(2)
    );
}

/// `BLOTTER_TIMINGS=1` prints each stage's time and says why a build
/// rendered the whole site, which is how a slow rebuild is explained.
#[test]
fn timings_name_the_stages_and_why_a_build_was_whole() {
    let dir = project();
    let timed = |dir: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_blotter"))
            .arg("build")
            .current_dir(dir)
            .env("BLOTTER_TIMINGS", "1")
            .output()
            .expect("blotter runs")
    };
    let first = stderr(&timed(dir.path()));
    assert!(first.contains("timing: load: find"), "{first}");
    assert!(
        first.contains("timing: note: whole site: no usable manifest (a first build"),
        "{first}"
    );
    let second = stderr(&timed(dir.path()));
    assert!(second.contains("timing: fingerprint, render"), "{second}");
    assert!(!second.contains("whole site"), "a rebuild: {second}");
    // Without the variable, none of it.
    let quiet = stderr(&blotter(dir.path(), &["build"]));
    assert!(!quiet.contains("timing:"), "{quiet}");
}

#[test]
fn a_base_url_that_is_not_a_plain_public_address_is_refused_with_the_reason() {
    let dir = project();
    for (url, why) in [
        ("https://user:secret@example.org/", "credentials"),
        ("ftp://example.org/", "http:// or https://"),
        ("https://example.org/?q=1", "query"),
        ("https://example.org/\"><script>", "quotes"),
    ] {
        let out = blotter(dir.path(), &["build", "--base-url", url]);
        assert_eq!(out.status.code(), Some(2), "{url}");
        let err = stderr(&out);
        assert!(
            err.contains("--base-url") && err.contains(why),
            "{url}: {err}"
        );
        assert!(
            !dir.path().join("output").exists(),
            "{url}: nothing written"
        );
    }
    let out = blotter(
        dir.path(),
        &["build", "--base-url", "HTTPS://Example.org/archive"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let feed = std::fs::read_to_string(dir.path().join("output/feed.json")).unwrap();
    assert!(
        feed.contains("\"https://example.org/archive/releases/"),
        "normalised"
    );
}

#[test]
fn a_warning_repeated_across_many_files_is_printed_a_few_times_then_counted() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, String)> = (1..=8)
        .map(|n| {
            (
                format!("releases/r{n}.txt"),
                format!(" date 2021-03-0{n} Unplaced release {n}\n\nText.\n"),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_files(&dir.path().join("content"), &files);
    let no_area = |err: &str| err.matches(": warning: no area given").count();

    let out = blotter(dir.path(), &["check"]);
    let err = stderr(&out);
    assert_eq!(no_area(&err), 5, "{err}");
    assert!(
        err.contains("warning: and 3 more like this: no area given"),
        "{err}"
    );
    assert!(err.contains("`--verbose` lists all"), "{err}");
    assert!(
        err.contains("0 errors, 8 warnings"),
        "the count is of all: {err}"
    );

    let out = blotter(dir.path(), &["check", "--verbose"]);
    let err = stderr(&out);
    assert_eq!(no_area(&err), 8, "{err}");
    assert!(!err.contains("more like this"), "{err}");
}
