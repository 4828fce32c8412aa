//! The reader's side of search in a real browser: the sample site is built
//! for the domain root and for `/archive/`, served on 127.0.0.1 as GitHub
//! Pages would, and `tests/browser/search.mjs` drives Debian's headless
//! Chromium through it with playwright-core (type "EncroChat", see all
//! three forces, filter, go back, follow a result; no console error and no
//! CSP violation); `tests/browser/readers.mjs` checks what a reader on a
//! phone sees. `.ci/run` installs Chromium and the npm package. Without
//! them the test fails, unless `BLOTTER_SKIP_BROWSER_TESTS=1` says to skip.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// What is missing to run the browser test, if anything.
fn missing() -> Vec<String> {
    let mut missing = Vec::new();
    if !chromium().is_file() {
        missing.push(format!(
            "{} (apt-get install chromium)",
            chromium().display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node (apt-get install nodejs)".into());
    }
    if !script_dir().join("node_modules/playwright-core").is_dir() {
        missing.push("tests/browser/node_modules (npm ci in tests/browser)".into());
    }
    missing
}

/// Whether to run: panics with what is missing unless skipping is asked for.
fn browser_available() -> bool {
    let missing = missing();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("BLOTTER_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!(
            "browser test SKIPPED (BLOTTER_SKIP_BROWSER_TESTS=1); missing: {}",
            missing.join(", ")
        );
        return false;
    }
    panic!(
        "the browser test needs {}; `bash .ci/run` installs them, or set \
         BLOTTER_SKIP_BROWSER_TESTS=1 to skip it",
        missing.join(", ")
    );
}

fn search_in_chromium(base_url: &str, subpath: &str) {
    run_in_chromium("search.mjs", base_url, subpath);
}

/// Builds the sample for `base_url`, serves it at `subpath` and runs
/// `script` against it.
fn run_in_chromium(script: &str, base_url: &str, subpath: &str) {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("site");
    build_ok(&sample_content(), &output, Some(base_url));
    let server = serve::Server::start(&output, subpath);
    let run = Command::new("node")
        .arg(script)
        .arg(server.url(subpath))
        .current_dir(script_dir())
        .env("CHROMIUM", chromium())
        .output()
        .expect("node runs");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{out}{err}");
    print!("{out}");
}

#[test]
fn search_finds_filters_and_links_releases_in_a_browser_at_the_domain_root() {
    search_in_chromium("https://example.github.io/", "/");
}

#[test]
fn search_finds_filters_and_links_releases_in_a_browser_under_a_subpath() {
    search_in_chromium(BASE_URL, "/archive/");
}

/// The home page's first screen on a phone, code contrast in both colour
/// schemes, JSON-LD under the CSP, the favicon (`tests/browser/readers.mjs`).
#[test]
fn a_phone_reader_sees_browsing_first_and_readable_code() {
    run_in_chromium("readers.mjs", BASE_URL, "/archive/");
}
