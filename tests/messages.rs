//! How problems reach people and tools: JSON lines with
//! `--message-format json`, GitHub workflow commands under Actions, and
//! `new-note --quote`, which checks its quote as `check` would.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::*;

const SEIZURE: &str = "101_3c9e1f7a2b4d6e80";
const SIDECAR: &str = "content/releases/2021/101_3c9e1f7a2b4d6e80.md";

/// A copy of `tests/fixtures/mistakes`: one sidecar with three mistakes.
fn mistakes() -> tempfile::TempDir {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mistakes");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture, dir.path());
    dir
}

fn json_lines(out: &Output) -> (Vec<serde_json::Value>, Vec<String>) {
    let (mut objects, mut other) = (Vec::new(), Vec::new());
    for line in stderr(out).lines() {
        match serde_json::from_str(line) {
            Ok(value) => objects.push(value),
            Err(_) => other.push(line.to_string()),
        }
    }
    (objects, other)
}

#[test]
fn json_messages_are_one_object_a_line_and_only_the_count_beside_them() {
    let dir = mistakes();
    for args in [
        &["check", "--message-format", "json"][..],
        &["build", "--message-format", "json", "--skip-invalid"],
        &["build", "--message-format", "json"],
    ] {
        let out = blotter(dir.path(), args);
        let (objects, other) = json_lines(&out);
        assert_eq!(other, ["4 errors, 0 warnings"], "{args:?}");
        let first = &objects[0];
        assert_eq!(first["path"], SIDECAR);
        assert_eq!((&first["line"], &first["column"]), (&3.into(), &1.into()));
        assert_eq!(first["length"], 4);
        assert_eq!(first["severity"], "error");
        assert_eq!(first["message"], "invalid front matter: unknown key `tgas`");
        assert_eq!(first["help"], "did you mean `tags`?");
        let rendered = first["rendered"].as_str().unwrap();
        assert!(
            rendered.starts_with(&format!("{SIDECAR}:3:1: error: "))
                && rendered.contains("\n   | ^^^^\n"),
            "{rendered}"
        );
        assert!(!rendered.contains('\x1b'), "no colour for tools");
        let lines: Vec<u64> = objects.iter().filter_map(|o| o["line"].as_u64()).collect();
        assert_eq!(lines, [3, 5, 9], "{args:?}");
        assert!(
            objects[3]["line"].is_null(),
            "the held-back release: the whole file"
        );
    }
}

#[test]
fn under_github_actions_each_problem_is_also_a_workflow_command() {
    let dir = mistakes();
    let run = |github: &str| {
        Command::new(env!("CARGO_BIN_EXE_blotter"))
            .args(["check"])
            .current_dir(dir.path())
            .env("GITHUB_ACTIONS", github)
            .output()
            .unwrap()
    };
    let out = run("true");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = stdout.lines().collect();
    assert_eq!(commands.len(), 4, "{stdout}");
    assert_eq!(
        commands[0],
        format!("::error file={SIDECAR},line=3,col=1,endColumn=5::invalid front matter: unknown key `tgas`%0Ahelp: did you mean `tags`?")
    );
    assert!(commands[1].starts_with(&format!(
        "::error file={SIDECAR},line=5,col=13,endColumn=30::passage note quote"
    )));
    assert!(commands[3]
        .starts_with("::error file=content/releases/2021/101_3c9e1f7a2b4d6e80.txt::not built"));
    assert!(
        stderr(&out).contains("   = help: did you mean `tags`?"),
        "people still read stderr"
    );
    assert!(run("false").stdout.is_empty());
}

#[test]
fn new_note_with_a_quote_prefills_a_note_that_checks() {
    let dir = mistakes();
    let sidecar = dir.path().join(SIDECAR);
    std::fs::remove_file(&sidecar).unwrap();
    let out = blotter(
        dir.path(),
        &["new-note", SEIZURE, "--quote", "200kg  of cannabis"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&sidecar).unwrap();
    assert!(
        text.contains("notes:\n  - quote: \"200kg  of cannabis\"\n    note: \"\""),
        "{text}"
    );
    let check = blotter(dir.path(), &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn new_note_with_a_quote_not_in_the_text_names_the_closest_passage_and_writes_nothing() {
    let dir = mistakes();
    let sidecar = dir.path().join(SIDECAR);
    std::fs::remove_file(&sidecar).unwrap();
    let out = blotter(
        dir.path(),
        &["new-note", SEIZURE, "--quote", "220kg of cannabis"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("passage note quote \"220kg of cannabis\" does not match the release text\n  help: did you mean \"200kg of cannabis\"?"),
        "{err}"
    );
    assert!(!sidecar.exists());
}
