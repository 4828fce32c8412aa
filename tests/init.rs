//! `blotter init`: a new archive that builds as it is, and a refusal to
//! write into a folder that has anything in it.

mod support;

use std::fs;

use support::*;

#[test]
fn init_into_an_empty_folder_then_build_succeeds_with_no_errors() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    fs::create_dir(&archive).unwrap();
    let out = blotter(dir.path(), &["init", "archive"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for file in blotter::init::FILES {
        assert!(archive.join(file).is_file(), "{file} missing");
    }
    let built = blotter(&archive, &["build"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    assert!(!stderr(&built).contains(": error:"), "{}", stderr(&built));
    // The site passes the same checks as the sample: every link works,
    // the 404 page's included.
    let server = serve::Server::start(&archive.join("output"), "/");
    let (broken, pages) = serve::broken_links(&server, "/", "https://unused.example/");
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    assert!(pages >= 5, "crawled only {pages} pages");
    let release = read(
        &archive.join("output"),
        "releases/2024-01-15-kent-collision-appeal/index.html",
    );
    assert!(
        release.contains("dashcam footage"),
        "the passage note is shown"
    );
}

#[test]
fn init_into_a_new_folder_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = blotter(dir.path(), &["init", "new/archive"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let gitignore = read(&dir.path().join("new/archive"), ".gitignore");
    assert!(gitignore.lines().any(|l| l == "/output/"));
    assert!(gitignore.lines().any(|l| l == "/.output.blotter-cache/"));
    let workflow = read(
        &dir.path().join("new/archive"),
        ".github/workflows/pages.yml",
    );
    assert_eq!(workflow, blotter::init::archive_workflow());
}

#[test]
fn init_refuses_a_non_empty_folder_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let out = blotter(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not empty"), "{}", stderr(&out));
    let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "init wrote into a non-empty folder");
    assert_eq!(read(dir.path(), "notes.txt"), "mine");
}

#[test]
fn init_writes_into_a_fresh_git_repository_but_never_over_a_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let out = blotter(dir.path(), &["init", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("content/site.toml").is_file());

    let other = tempfile::tempdir().unwrap();
    fs::create_dir(other.path().join(".git")).unwrap();
    fs::write(other.path().join(".gitignore"), "/target\n").unwrap();
    let out = blotter(other.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&other.path().display().to_string())
            || stderr(&out).contains(". is not empty"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(other.path(), ".gitignore"), "/target\n");
    assert!(!other.path().join("content").exists());
}
