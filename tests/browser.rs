//! The reader's side of the site in a real browser: the sample site is
//! built for the domain root or for `/archive/`, served on 127.0.0.1 as
//! GitHub Pages would, and a script in `tests/browser/` drives Debian's
//! headless Chromium through it with playwright-core, one Chromium per
//! script: `search.mjs` searches (type "EncroChat", see all three forces,
//! filter, go back, follow a result), `navigate.mjs` clicks from the home
//! page to releases by force and by date, `feeds.mjs` loads and parses
//! every page's feed links, `accessibility.mjs` runs axe-core on every kind
//! of page in both colour schemes under the site's CSP, and `readers.mjs`
//! checks what a reader on a phone sees. Any console error, failed request
//! or CSP violation fails a script. `.ci/run` installs Chromium and the npm
//! packages. Without them the tests fail, unless
//! `BLOTTER_SKIP_BROWSER_TESTS=1` says to skip.

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
    for package in ["playwright-core", "axe-core"] {
        if !script_dir().join("node_modules").join(package).is_dir() {
            missing.push(format!(
                "tests/browser/node_modules/{package} (npm ci in tests/browser)"
            ));
        }
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
/// `script` against it, with the output folder as its second argument and
/// a folder for its screenshots in `BLOTTER_BROWSER_OUT`. A failed script
/// that took screenshots leaves them (and the site) in place, for a look.
fn run_in_chromium(script: &str, base_url: &str, subpath: &str) {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("site");
    let shots = dir.path().join("screenshots");
    std::fs::create_dir(&shots).unwrap();
    build_ok(&sample_content(), &output, Some(base_url));
    let server = serve::Server::start(&output, subpath);
    let run = Command::new("node")
        .arg(script)
        .arg(server.url(subpath))
        .arg(&output)
        .current_dir(script_dir())
        .env("CHROMIUM", chromium())
        .env("BLOTTER_BROWSER_OUT", &shots)
        .output()
        .expect("node runs");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    if !run.status.success() {
        let took_screenshots = std::fs::read_dir(&shots).is_ok_and(|mut d| d.next().is_some());
        let kept = if took_screenshots {
            format!(" (its screenshots are kept in {})", dir.keep().display())
        } else {
            String::new()
        };
        panic!("tests/browser/{script} failed{kept}:\n{out}{err}");
    }
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

/// Home → force → year → month → release and home → year → month → day →
/// release, by clicking links as a reader would (`tests/browser/navigate.mjs`).
#[test]
fn a_reader_reaches_releases_by_clicking_through_forces_and_dates() {
    run_in_chromium("navigate.mjs", BASE_URL, "/archive/");
}

/// Every page's feed autodiscovery links resolve and parse, and name the
/// feeds of the page's force or tag (`tests/browser/feeds.mjs`).
#[test]
fn every_page_advertises_feeds_that_load_and_parse_in_a_browser() {
    run_in_chromium("feeds.mjs", BASE_URL, "/archive/");
}

/// axe-core finds nothing on any kind of page, in the light and the dark
/// scheme, with the site's CSP in force (`tests/browser/accessibility.mjs`).
#[test]
fn every_kind_of_page_passes_axe_in_light_and_dark_under_its_csp() {
    run_in_chromium("accessibility.mjs", BASE_URL, "/archive/");
}
