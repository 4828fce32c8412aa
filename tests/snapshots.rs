//! Snapshot tests: one built page of every kind, and what `blotter check`
//! prints for a fixed set of bad inputs, compared whole against the
//! accepted files in `tests/snapshots/`. A change to the output shows as a
//! diff of the page rather than as a failed substring check.
//!
//! After an intended change to the output, accept the new snapshots with
//! one command, then review the diff in git before committing:
//!
//!     INSTA_UPDATE=always cargo test --test snapshots
//!
//! (or `cargo insta test --accept --test snapshots` with cargo-insta). A
//! snapshot that differs fails `cargo test` otherwise; `.ci/run` pins
//! `INSTA_UPDATE=no` so CI never writes or accepts one.

mod support;

use std::path::Path;
use std::process::Command;

use insta::assert_snapshot;

const BASE_URL: &str = "https://example.org/archive/";

/// The bundled sample content, built into a temporary folder; returns the
/// page at `path` (relative to the output folder).
fn sample_page(path: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("site");
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let options = blotter::BuildOptions {
        content,
        theme: None,
        output: output.clone(),
        base_url: Some(BASE_URL.to_string()),
        skip_invalid: false,
    };
    let report = blotter::build(&options).expect("the sample's configuration is valid");
    let errors: Vec<String> = (report.diagnostics.iter())
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "the sample has errors: {errors:#?}");
    support::read(&output, path)
}

#[test]
fn home_page() {
    assert_snapshot!("home", sample_page("index.html"));
}

#[test]
fn release_page_with_a_yaml_header_and_its_date_in_it() {
    assert_snapshot!(
        "release_000",
        sample_page("releases/000_583377719fc25cb9/index.html")
    );
}

#[test]
fn release_page_with_a_sidecar() {
    assert_snapshot!(
        "release_002",
        sample_page("releases/002_253a1e39986e1906/index.html")
    );
}

#[test]
fn release_page_with_a_header_line() {
    assert_snapshot!(
        "release_004",
        sample_page("releases/004_c5ae0792fd4e02f5/index.html")
    );
}

#[test]
fn areas_index() {
    assert_snapshot!("areas_index", sample_page("areas/index.html"));
}

#[test]
fn area_page() {
    assert_snapshot!("area", sample_page("areas/north-wales/index.html"));
}

#[test]
fn area_year_page() {
    assert_snapshot!(
        "area_year",
        sample_page("areas/north-wales/2020/index.html")
    );
}

#[test]
fn area_month_page() {
    assert_snapshot!(
        "area_month",
        sample_page("areas/north-wales/2020/07/index.html")
    );
}

#[test]
fn tag_year_page() {
    assert_snapshot!(
        "tag_year",
        sample_page("tags/operation-venetic/2020/index.html")
    );
}

#[test]
fn corrections_page() {
    assert_snapshot!("corrections", sample_page("corrections/index.html"));
}

#[test]
fn dates_index() {
    assert_snapshot!("dates_index", sample_page("dates/index.html"));
}

#[test]
fn year_page() {
    assert_snapshot!("year", sample_page("dates/2020/index.html"));
}

#[test]
fn month_page() {
    assert_snapshot!("month", sample_page("dates/2020/07/index.html"));
}

#[test]
fn day_page() {
    assert_snapshot!("day", sample_page("dates/2020/07/02/index.html"));
}

#[test]
fn tags_index() {
    assert_snapshot!("tags_index", sample_page("tags/index.html"));
}

#[test]
fn tag_page() {
    assert_snapshot!("tag", sample_page("tags/operation-venetic/index.html"));
}

#[test]
fn not_found_page() {
    assert_snapshot!("not_found", sample_page("404.html"));
}

#[test]
fn site_feed() {
    assert_snapshot!("feed", sample_page("feed.json"));
}

#[test]
fn area_feed() {
    assert_snapshot!("area_feed", sample_page("areas/north-wales/feed.json"));
}

#[test]
fn site_atom_feed() {
    assert_snapshot!("atom_feed", sample_page("feed.xml"));
}

#[test]
fn area_feed_archive_in_both_formats() {
    assert_snapshot!(
        "area_feed_archive_json",
        sample_page("areas/north-wales/feed/2020.json")
    );
    assert_snapshot!(
        "area_feed_archive_atom",
        sample_page("areas/north-wales/feed/2020.xml")
    );
}

#[test]
fn sitemaps_and_robots() {
    assert_snapshot!("sitemap_index", sample_page("sitemap.xml"));
    assert_snapshot!("sitemap_pages", sample_page("sitemap-pages.xml"));
    assert_snapshot!("robots", sample_page("robots.txt"));
}

#[test]
fn stylesheet() {
    assert_snapshot!("stylesheet", sample_page("static/style.css"));
}

/// `blotter check` over `tests/fixtures/bad/content`, run as a user would
/// from a copy of the fixture, so every path it prints is the relative
/// `content/releases/...` and nothing of the temporary folder shows.
#[test]
fn check_reports_every_bad_input() {
    assert_snapshot!("check_bad_inputs", check_fixture("bad"));
}

/// The three mistakes of issue #23 in one sidecar (`tgas:` for `tags:`, a
/// note quoting "220kg" where the release says "200kg", a link to a
/// release id with two digits swapped): one `check` reports all three,
/// each with its line, a caret under it and what was meant. The other
/// sidecar links to the release held back, and gets no error for it.
#[test]
fn check_reports_every_mistake_of_a_sidecar_with_its_fix() {
    assert_snapshot!("check_mistakes", check_fixture("mistakes"));
}

/// `blotter check` over a copy of `tests/fixtures/<name>`: its exit code
/// and stderr.
fn check_fixture(name: &str) -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture, dir.path());
    let out = support::blotter(dir.path(), &["check", "--content", "content"]);
    assert!(out.stdout.is_empty(), "check prints only to stderr");
    let stderr = support::stderr(&out);
    let temp = dir.path().to_string_lossy();
    assert!(
        !stderr.contains(temp.as_ref()),
        "a temporary path: {stderr}"
    );
    format!("exit code: {}\n{stderr}", exit_code(&out))
}

fn exit_code(out: &std::process::Output) -> String {
    out.status.code().map_or_else(
        || "none (killed by a signal)".to_string(),
        |c| c.to_string(),
    )
}

/// Set only by the test below, in the child test process it starts.
const MISMATCH_PROBE: &str = "BLOTTER_SNAPSHOT_MISMATCH_PROBE";

/// Asserts a value that is not the accepted home page: it must fail.
/// Without the probe's variable (every ordinary run) it does nothing.
#[test]
fn probe_a_snapshot_that_differs() {
    if std::env::var_os(MISMATCH_PROBE).is_none() {
        return;
    }
    assert_snapshot!("home", "not the home page");
}

/// A snapshot that differs fails the run, both as CI runs it (`CI=true`,
/// where insta neither writes nor passes) and as `.ci/run` pins it
/// (`INSTA_UPDATE=no`): a mismatch never passes silently and never
/// overwrites the accepted file.
#[test]
fn a_snapshot_that_differs_fails_the_test_run() {
    let accepted =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/snapshots__home.snap");
    let before = std::fs::read(&accepted).expect("the home page snapshot is accepted");
    let pending = accepted.with_extension("snap.new");
    let pending_before = pending.exists();
    let runs: [&[(&str, &str)]; 2] = [&[("CI", "true")], &[("INSTA_UPDATE", "no")]];
    for env in runs {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child
            .args([
                "--exact",
                "probe_a_snapshot_that_differs",
                "--test-threads=1",
            ])
            .env(MISMATCH_PROBE, "1");
        // Whatever this run was given (an accepting INSTA_UPDATE, cargo-insta's
        // settings) is not the child's.
        child.env_remove("CI");
        for (var, _) in std::env::vars_os() {
            if var.to_string_lossy().starts_with("INSTA_") {
                child.env_remove(var);
            }
        }
        child.envs(env.iter().copied());
        let out = child.output().expect("the test binary runs");
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            !out.status.success(),
            "a differing snapshot passed with {env:?}:\n{printed}"
        );
        assert!(
            printed.contains("probe_a_snapshot_that_differs") && printed.contains("FAILED"),
            "{env:?}: the probe did not fail on its snapshot:\n{printed}"
        );
    }
    let after = std::fs::read(&accepted).unwrap();
    assert!(before == after, "the accepted snapshot was overwritten");
    assert!(
        pending_before || !pending.exists(),
        "a pending snapshot was written"
    );
}
