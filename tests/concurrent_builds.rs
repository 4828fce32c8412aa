//! Two builds into one output at the same time: the build lock makes the
//! second wait for the first, so both succeed and the output is what one
//! build publishes.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::*;

const RELEASES: usize = 250;
const AREAS: [&str; 4] = ["Kent", "Essex", "Dyfed-Powys", "Cumbria"];

fn generate(content: &Path, edition: &str) {
    for i in 0..RELEASES {
        let folder = content.join(format!("releases/{:02}", i % 10));
        fs::create_dir_all(&folder).unwrap();
        let text = format!(
            "```yaml\ntitle: Appeal number {i}\narea: {area}\npublish:\n  date: {hh:02}:{mm:02} {dd:02}/{mo:02}/2021\n```\n\n{edition} release {i}.\n",
            area = AREAS[i % AREAS.len()],
            hh = 8 + i % 10,
            mm = i % 60,
            dd = 1 + i % 28,
            mo = 1 + (i / 28) % 12,
        );
        fs::write(folder.join(format!("r{i:05}.txt")), text).unwrap();
    }
}

fn build_command(project: &Path, output: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_blotter"));
    cmd.args(["build", "--content", "content", "--output", output])
        .args(["--base-url", BASE_URL])
        .current_dir(project)
        .env_remove("RUST_BACKTRACE")
        .env_remove("BLOTTER_TIMINGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn assert_succeeded(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?}): {}",
        out.status.code(),
        stderr(out)
    );
}

#[test]
fn two_builds_into_one_output_at_once_both_succeed_and_publish_one_clean_build() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let content = project.join("content");
    for (round, edition) in ["First", "Second", "Second"].iter().enumerate() {
        generate(&content, edition);
        let first = build_command(project, "site").spawn().unwrap();
        let second = build_command(project, "site").spawn().unwrap();
        let (first, second) = (
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        );
        assert_succeeded(&first, "the first build");
        assert_succeeded(&second, "the second build");
        let site = project.join("site");
        assert!(site.join(blotter::write::MARKER).is_file(), "round {round}");

        let clean = format!("clean-{round}");
        assert_succeeded(
            &build_command(project, &clean).output().unwrap(),
            "a clean build",
        );
        assert!(
            snapshot(&site) == snapshot(&project.join(&clean)),
            "round {round}: the output differs from a clean build"
        );
    }
}

#[test]
fn a_build_that_cannot_take_the_lock_goes_on_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    generate(&project.join("content"), "First");
    // A folder where the lock file belongs: it cannot be opened.
    fs::create_dir_all(project.join(".site.blotter-cache/lock/inside")).unwrap();
    let out = build_command(project, "site").output().unwrap();
    assert_succeeded(&out, "the build");
    let said = stderr(&out);
    assert!(
        said.contains("warning: cannot lock the build cache"),
        "{said}"
    );
    assert!(project.join("site").join(blotter::write::MARKER).is_file());
    assert_succeeded(
        &build_command(project, "clean").output().unwrap(),
        "a clean build",
    );
    assert!(snapshot(&project.join("site")) == snapshot(&project.join("clean")));
}
