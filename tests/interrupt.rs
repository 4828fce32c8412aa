//! A build killed half-way must leave the previous site exactly as it was,
//! and the next build must clean up after it. Run through the binary with a
//! few thousand generated releases, so the kill lands while pages are being
//! written into the staging folder.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

const RELEASES: usize = 3000;
const AREAS: [&str; 5] = ["Kent", "Essex", "Dyfed-Powys", "North Wales", "West Mercia"];

/// Writes `RELEASES` small releases; `edition` changes every body, so a
/// second build rewrites every release page.
fn generate(content: &Path, edition: &str) {
    let releases = content.join("releases");
    for i in 0..RELEASES {
        let folder = releases.join(format!("{:02}", i % 30));
        fs::create_dir_all(&folder).unwrap();
        let text = format!(
            "```yaml\ntitle: Appeal number {i}\narea: {area}\npublish:\n  date: {hh:02}:{mm:02} {dd:02}/{mo:02}/{yy}\n```\n\n{edition} release {i}.\n\nOfficers would like to hear from anyone who saw what happened.\n",
            area = AREAS[i % AREAS.len()],
            hh = 8 + i % 10,
            mm = i % 60,
            dd = 1 + i % 28,
            mo = 1 + (i / 28) % 12,
            yy = 2018 + i % 4,
        );
        fs::write(folder.join(format!("r{i:05}.txt")), text).unwrap();
    }
}

fn blotter(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_blotter"));
    cmd.args(["build", "--content", "content", "--output", "site"])
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Folders a build leaves beside the output while it works.
fn leftovers(project: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(project)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".blotter-staging-") || n.contains(".blotter-old-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_killed_build_leaves_the_previous_site_intact_and_the_next_build_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let content = project.join("content");
    generate(&content, "First edition of");
    let first = blotter(project).status().unwrap();
    assert!(first.success(), "first build failed");
    let site = project.join("site");
    let before = snapshot(&site);
    assert!(before.len() > RELEASES, "{} files", before.len());

    // Second build of a changed corpus, killed once it is writing pages.
    generate(&content, "Second edition of");
    let mut child = blotter(project).spawn().unwrap();
    let started = Instant::now();
    let mut staged_files = 0;
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(staging) = leftovers(project).first() {
            staged_files = walkdir::WalkDir::new(project.join(staging))
                .into_iter()
                .count();
            if staged_files > 200 {
                break;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build finished before it could be killed; generate more releases"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        staged_files > 200,
        "never saw the build writing ({staged_files} staged entries)"
    );

    // The kill landed mid-way: the half-written site is in its staging
    // folder, and the published one is byte-for-byte the first build.
    assert_eq!(leftovers(project).len(), 1, "{:?}", leftovers(project));
    assert!(snapshot(&site) == before, "the previous site changed");

    // The next build succeeds, publishes the new text and leaves nothing behind.
    let third = blotter(project).status().unwrap();
    assert!(third.success(), "third build failed");
    assert_eq!(leftovers(project), Vec::<String>::new());
    let page = read(&site, "releases/r00007/index.html");
    assert!(page.contains("Second edition of release 7."), "{page}");
    assert!(site.join(blotter::write::MARKER).is_file());
}
