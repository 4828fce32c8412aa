//! blotter replaces only a folder it made itself. Pointed at anything else
//! (a folder of someone's files, the content or theme folder, the current
//! folder, a home folder, `/`) it exits 2 and touches nothing.

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
    // Its own folder is replaced, even with a stray file added by hand.
    fs::write(root.join("fresh/stray.txt"), "x").unwrap();
    let second = blotter(root, &home, &["build", "--output", "fresh"]);
    assert_eq!(second.status.code(), Some(0));
    assert!(!root.join("fresh/stray.txt").exists());
}
