//! Helpers shared by the integration tests: fixture sites in temporary
//! folders, builds through the library, and a small GitHub-Pages-like HTTP
//! server with a link crawler (std only, so the suite needs no tools).
#![allow(dead_code)]

pub mod serve;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blotter::{BuildOptions, Report};

pub const BASE_URL: &str = "https://example.github.io/archive/";

/// Runs the built `blotter` binary in `cwd`, as a user would.
pub fn blotter(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blotter"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        // Run under GitHub Actions, the suite's own runs would add
        // workflow commands to what the tests compare.
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .output()
        .expect("blotter runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The sample content bundled with the repository.
pub fn sample_content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// Copies a folder tree (the sample content, so tests can add to it).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Writes `files` (path under the content folder, text) into `content`.
pub fn write_files(content: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = content.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

pub fn build(content: &Path, output: &Path, base_url: Option<&str>) -> Report {
    let options = BuildOptions {
        content: content.to_path_buf(),
        theme: None,
        output: output.to_path_buf(),
        base_url: base_url.map(str::to_string),
        skip_invalid: false,
    };
    blotter::build(&options).expect("configuration is valid")
}

/// Builds and asserts the build wrote a site without errors.
pub fn build_ok(content: &Path, output: &Path, base_url: Option<&str>) -> Report {
    let report = build(content, output, base_url);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    assert!(report.summary.is_some(), "no site written");
    report
}

pub fn read(output: &Path, path: &str) -> String {
    fs::read_to_string(output.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Hrefs of the links in `html` that point into the release pages.
pub fn release_links(html: &str) -> Vec<String> {
    let mut links: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.contains("releases/"))
        .map(|h| {
            h.rsplit("releases/")
                .next()
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string()
        })
        .collect();
    links.sort();
    links.dedup();
    links
}
