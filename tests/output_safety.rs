//! blotter replaces only a folder it made itself. Pointed at anything else
//! (a folder of someone's files, the content or theme folder, the current
//! folder, a home folder, `/`) it exits 2 and touches nothing. Inside its
//! own output it never follows a symlink, never leaves a temporary file,
//! and never touches a top-level entry it did not write.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use support::*;

fn blotter(cwd: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blotter"))
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("blotter runs")
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    write_files(
        &dir.path().join("theme"),
        &[("static/extra.css", "body { color: black }\n")],
    );
    write_files(
        &dir.path().join("home"),
        &[("notes.txt", "my notes\n"), ("photos/a.jpg", "jpeg")],
    );
    write_files(
        &dir.path().join("docs"),
        &[
            ("index.html", "<p>hand-written</p>\n"),
            ("CNAME", "example.org\n"),
        ],
    );
    dir
}

#[test]
fn refuses_every_folder_it_did_not_make_and_touches_nothing() {
    let dir = project();
    let root = dir.path();
    let home = root.join("home");
    let before = snapshot(root);
    let targets = [
        ("docs", "it is not empty and blotter did not make it"),
        ("content", "it overlaps"),
        ("content/releases", "it overlaps"),
        ("theme", "it overlaps"),
        (".", "it is the current folder"),
        ("..", "it overlaps"),
        ("home", "it is your home folder"),
        ("/", "it is the root folder"),
        ("content/releases/000_583377719fc25cb9.txt", "it overlaps"),
    ];
    for (target, why) in targets {
        let out = blotter(
            root,
            &home,
            &["build", "--theme", "theme", "--output", target],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{target}: {err}");
        assert!(
            err.contains("refusing to write the site here") && err.contains(why),
            "{target}: {err}"
        );
        assert!(snapshot(root) == before, "{target}: files changed");
        let strays: Vec<_> = fs::read_dir(root)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".blotter-"))
            .collect();
        assert!(strays.is_empty(), "{target}: left {strays:?}");
    }
}

#[test]
fn a_file_in_place_of_the_output_folder_is_refused() {
    let dir = project();
    let root = dir.path();
    fs::write(root.join("output"), "not a folder").unwrap();
    let out = blotter(root, &root.join("home"), &["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(root.join("output")).unwrap(),
        "not a folder"
    );
}

#[test]
fn an_empty_folder_is_used_and_then_replaced_as_blotters_own() {
    let dir = project();
    let root = dir.path();
    fs::create_dir(root.join("fresh")).unwrap();
    let home = root.join("home");
    let first = blotter(root, &home, &["build", "--output", "fresh"]);
    assert_eq!(first.status.code(), Some(0));
    assert!(root.join("fresh").join(blotter::write::MARKER).is_file());
    // Its own folders end as a clean build makes them, even with a stray
    // file added by hand; a top-level entry it did not write is the user's.
    fs::write(root.join("fresh/releases/stray.txt"), "x").unwrap();
    fs::write(root.join("fresh/stray.txt"), "x").unwrap();
    let second = blotter(root, &home, &["build", "--output", "fresh"]);
    assert_eq!(second.status.code(), Some(0));
    assert!(!root.join("fresh/releases/stray.txt").exists());
    assert!(root.join("fresh/stray.txt").exists());
}

/// Runs the binary with the build's path notes on (`whole site: ...` says
/// the site was staged and swapped rather than updated in place).
fn run(cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_blotter"))
        .args(args)
        .current_dir(cwd)
        .env("BLOTTER_TIMINGS", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("blotter runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), err)
}

fn run_ok(cwd: &Path, args: &[&str]) -> String {
    let (code, err) = run(cwd, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    err
}

/// Every path under `dir` whose name holds `part`.
fn named_like(dir: &Path, part: &str) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(part))
        .map(|e| e.path().to_path_buf())
        .collect()
}

fn theme_files(root: &Path, round: usize) -> (String, String) {
    let css = format!("/* stylesheet {round} */\nbody {{ margin: {round}px }}\n");
    let js = format!("// script {round}\nconsole.log({round});\n");
    write_files(
        &root.join("theme"),
        &[("static/app.css", &css), ("static/app.js", &js)],
    );
    (css, js)
}

const THEMED: &[&str] = &["build", "--theme", "theme", "--output", "site"];

#[test]
fn a_themes_app_css_and_app_js_keep_their_own_bytes_through_rebuilds() {
    let dir = project();
    let root = dir.path();
    for round in 0..8 {
        let (css, js) = theme_files(root, round);
        run_ok(root, THEMED);
        assert_eq!(read(&root.join("site"), "static/app.css"), css, "{round}");
        assert_eq!(read(&root.join("site"), "static/app.js"), js, "{round}");
        assert_eq!(
            named_like(root, "blotter-tmp"),
            Vec::<std::path::PathBuf>::new()
        );
    }
}

#[test]
fn a_file_turned_into_a_folder_is_restaged_and_leaves_no_temporary_file() {
    let dir = project();
    let root = dir.path();
    theme_files(root, 0);
    run_ok(root, THEMED);
    let site = root.join("site");
    fs::remove_file(site.join("static/app.css")).unwrap();
    write_files(&site, &[("static/app.css/inside.txt", "x")]);
    let (css, _) = theme_files(root, 1);
    let err = run_ok(root, THEMED);
    assert!(err.contains("whole site"), "{err}");
    assert_eq!(read(&site, "static/app.css"), css);
    assert_eq!(
        named_like(root, "blotter-tmp"),
        Vec::<std::path::PathBuf>::new()
    );
}

/// A clean build of the same input next to `site`, for comparison.
fn clean_copy(root: &Path, args: &[&str], name: &str) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "site" { name } else { a })
        .collect();
    run_ok(root, &args);
    snapshot(&root.join(name))
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_output_is_never_written_through() {
    let dir = project();
    let root = dir.path();
    theme_files(root, 0);
    run_ok(root, THEMED);
    let site = root.join("site");
    // A linked folder: its target stays as it was, and the site gets a
    // real folder of its own.
    fs::rename(site.join("static"), root.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(root.join("elsewhere"), site.join("static")).unwrap();
    let outside = snapshot(&root.join("elsewhere"));
    theme_files(root, 1);
    run_ok(root, THEMED);
    assert_eq!(snapshot(&root.join("elsewhere")), outside);
    assert!(fs::symlink_metadata(site.join("static")).unwrap().is_dir());
    assert_eq!(snapshot(&site), clean_copy(root, THEMED, "clean-1"));
    // A linked file: the same.
    fs::write(root.join("outside.css"), "not the site's").unwrap();
    fs::remove_file(site.join("static/app.css")).unwrap();
    std::os::unix::fs::symlink(root.join("outside.css"), site.join("static/app.css")).unwrap();
    theme_files(root, 2);
    run_ok(root, THEMED);
    assert_eq!(read(root, "outside.css"), "not the site's");
    assert!(fs::symlink_metadata(site.join("static/app.css"))
        .unwrap()
        .is_file());
    assert_eq!(snapshot(&site), clean_copy(root, THEMED, "clean-2"));
}

/// Releases enough that changing every page is more than an in-place
/// update takes.
fn generated_content(content: &Path, releases: usize) {
    fs::create_dir_all(content).unwrap();
    for i in 0..releases {
        let text = format!(
            "```yaml\ntitle: Appeal number {i}\narea: Kent\npublish:\n  date: 09:{:02} {:02}/03/2021\n```\n\nRelease {i} body.\n",
            i % 60,
            1 + i % 28
        );
        write_files(content, &[(&format!("releases/r{i:04}.txt"), &text)]);
    }
}

const USERS: &[(&str, &str)] = &[
    ("CNAME", "archive.example.org\n"),
    (".git/HEAD", "ref: refs/heads/main\n"),
    (".git/objects/ab/cdef01", "\u{0}blob\u{1}"),
    (
        ".well-known/security.txt",
        "Contact: mailto:a@example.org\n",
    ),
    ("my-notes/todo.txt", "publish on Friday\n"),
];

/// The output without the user's top-level entries.
fn blotters_part(site: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let users = ["CNAME", ".git", ".well-known", "my-notes"];
    snapshot(site)
        .into_iter()
        .filter(|(path, _)| !users.iter().any(|u| path.starts_with(u)))
        .collect()
}

fn assert_users_files_kept(site: &Path) {
    for (path, text) in USERS {
        assert_eq!(read(site, path), *text, "{path}");
    }
}

#[test]
fn files_blotter_did_not_write_survive_in_place_staged_and_cacheless_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generated_content(&root.join("content"), 220);
    let site = root.join("site");
    let args = |url: &'static str| ["build", "--output", "site", "--base-url", url];
    let first = "https://a.example.org/";
    run_ok(root, &args(first));
    write_files(&site, USERS);
    // In place: one release edited, and a stray file in blotter's folder.
    write_files(&site, &[("releases/stray.txt", "x")]);
    let release = root.join("content/releases/r0007.txt");
    let text = fs::read_to_string(&release).unwrap();
    fs::write(&release, text.replace("body.", "body, edited.")).unwrap();
    let err = run_ok(root, &args(first));
    assert!(!err.contains("whole site"), "{err}");
    assert_users_files_kept(&site);
    assert_eq!(
        blotters_part(&site),
        clean_copy(root, &args(first), "clean-1")
    );
    // Staged: every page changes.
    let second = "https://b.example.org/";
    let err = run_ok(root, &args(second));
    assert!(err.contains("whole site: more than"), "{err}");
    assert_users_files_kept(&site);
    assert_eq!(
        blotters_part(&site),
        clean_copy(root, &args(second), "clean-2")
    );
    // Without the cache: staged, knowing nothing of the last build.
    fs::remove_dir_all(root.join(".site.blotter-cache")).unwrap();
    let err = run_ok(root, &args(second));
    assert!(err.contains("whole site: no usable manifest"), "{err}");
    assert_users_files_kept(&site);
    assert_eq!(
        blotters_part(&site),
        clean_copy(root, &args(second), "clean-3")
    );
    assert!(named_like(root, ".blotter-kept").is_empty());
}

#[test]
fn no_empty_folders_are_left_after_a_release_is_removed() {
    let dir = project();
    let root = dir.path();
    run_ok(root, &["build", "--output", "site"]);
    write_files(&root.join("site"), &[(".git/refs/heads/main", "0000\n")]);
    for gone in ["002_253a1e39986e1906.txt", "002_253a1e39986e1906.md"] {
        fs::remove_file(root.join("content/releases").join(gone)).unwrap();
    }
    let err = run_ok(root, &["build", "--output", "site"]);
    assert!(!err.contains("whole site"), "{err}");
    let empty: Vec<_> = walkdir::WalkDir::new(root.join("site"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .filter(|e| fs::read_dir(e.path()).unwrap().next().is_none())
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(empty.is_empty(), "{empty:?}");
    assert_eq!(read(&root.join("site"), ".git/refs/heads/main"), "0000\n");
}

#[test]
fn a_leftover_folder_without_the_marker_is_reported_and_left_alone() {
    let dir = project();
    let root = dir.path();
    write_files(root, &[(".site.blotter-staging-12/keep.txt", "mine")]);
    // A staged build, then one in place: each says so.
    for round in 0..2 {
        let args = [
            "build",
            "--output",
            "site",
            "--base-url",
            "https://a.example.org/",
        ];
        let err = run_ok(root, &args);
        assert_eq!(err.contains("whole site"), round == 0, "{round}: {err}");
        assert!(
            err.contains(".site.blotter-staging-12") && err.contains("left alone"),
            "{round}: {err}"
        );
        assert!(err.contains("1 warning"), "{round}: {err}");
        assert_eq!(read(root, ".site.blotter-staging-12/keep.txt"), "mine");
    }
}

#[test]
fn a_build_cache_that_cannot_be_saved_is_a_warning_not_a_failure() {
    let dir = project();
    let root = dir.path();
    fs::write(root.join(".site.blotter-cache"), "in the way").unwrap();
    for _ in 0..2 {
        let err = run_ok(root, &["build", "--output", "site"]);
        assert!(err.contains("build cache could not be saved"), "{err}");
        assert!(err.contains("whole site"), "{err}");
        assert!(root.join("site/index.html").is_file());
    }
    assert_eq!(read(root, ".site.blotter-cache"), "in the way");
}

#[cfg(unix)]
#[test]
fn a_symlinked_parent_cannot_hide_an_overlap_with_the_content() {
    let dir = project();
    let root = dir.path();
    std::os::unix::fs::symlink(root.join("content"), root.join("inside")).unwrap();
    let before = snapshot(&root.join("content"));
    let (code, err) = run(root, &["build", "--output", "inside/site"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("it overlaps"), "{err}");
    assert_eq!(snapshot(&root.join("content")), before);
}

#[test]
fn an_output_given_with_dot_components_is_built_and_rebuilt() {
    for given in ["out/.", "out/", "./out", "./out/./"] {
        let dir = project();
        let root = dir.path();
        let args = ["build", "--output", given];
        run_ok(root, &args);
        run_ok(root, &args);
        // Staged over the existing output, which is renamed aside.
        fs::remove_dir_all(root.join(".out.blotter-cache")).unwrap();
        run_ok(root, &args);
        assert!(root.join("out/index.html").is_file(), "{given}");
        let mut left: Vec<String> = fs::read_dir(root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains("blotter"))
            .collect();
        left.sort();
        assert_eq!(left, [".out.blotter-cache"], "{given}");
    }
}
