//! The Pages workflow, the repository's and the one `blotter init` writes:
//! every `blotter` command in it is one the CLI accepts, and the archive's
//! copy installs blotter rather than running it from source.

mod support;

use std::path::Path;

use support::*;

fn repository_workflow() -> String {
    read(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        ".github/workflows/pages.yml",
    )
}

/// Every `run:` script of every step of every job.
fn run_scripts(workflow: &str) -> Vec<String> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(workflow).expect("the workflow is YAML");
    let jobs = yaml["jobs"].as_mapping().expect("jobs");
    let steps = jobs
        .values()
        .flat_map(|job| job["steps"].as_sequence().cloned().unwrap_or_default());
    steps
        .filter_map(|step| step["run"].as_str().map(str::to_string))
        .collect()
}

/// Every `uses:` of every step, as `action@version`.
fn actions(workflow: &str) -> Vec<String> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(workflow).unwrap();
    let jobs = yaml["jobs"].as_mapping().unwrap();
    let steps = jobs
        .values()
        .flat_map(|job| job["steps"].as_sequence().cloned().unwrap_or_default());
    steps
        .filter_map(|step| step["uses"].as_str().map(str::to_string))
        .collect()
}

/// The arguments of each line that runs blotter, split as the shell
/// would (double quotes only), with `${{ … }}` expressions as a URL.
fn blotter_commands(workflow: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    for script in run_scripts(workflow) {
        for line in script.lines() {
            let words = shell_words(line.trim());
            let runs_blotter = words
                .first()
                .is_some_and(|w| w == "blotter" || w.ends_with("/blotter"));
            if runs_blotter {
                commands.push(words[1..].to_vec());
            }
        }
    }
    commands
}

fn shell_words(line: &str) -> Vec<String> {
    let line = expand_expressions(line);
    let (mut words, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    words.extend((!word.is_empty()).then_some(word));
    words
}

/// `${{ … }}` as the value GitHub would put there: a site's address.
fn expand_expressions(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .map_or(rest.len(), |e| start + e + 2);
        out.push_str("https://owner.github.io/archive");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_blotter_command_in_both_workflows_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    for workflow in [repository_workflow(), blotter::init::archive_workflow()] {
        let commands = blotter_commands(&workflow);
        assert!(!commands.is_empty(), "no blotter command in\n{workflow}");
        for args in commands {
            let mut with_help: Vec<&str> = args.iter().map(String::as_str).collect();
            with_help.push("--help");
            let out = blotter(dir.path(), &with_help);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        }
    }
}

#[test]
fn the_build_command_builds_the_sample_with_the_pages_address_as_a_default() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    let args = blotter_commands(&repository_workflow()).remove(0);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = blotter(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let robots = read(&dir.path().join("output"), "robots.txt");
    assert!(
        robots.contains("https://owner.github.io/archive/sitemap.xml"),
        "{robots}"
    );
    // site.toml's own base_url wins over the default.
    write_files(
        &dir.path().join("content"),
        &[("site.toml", "base_url = \"https://archive.example.org/\"\n")],
    );
    let out = blotter(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let robots = read(&dir.path().join("output"), "robots.txt");
    assert!(
        robots.contains("https://archive.example.org/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn the_workflows_use_the_current_actions_and_the_archives_installs_blotter() {
    for workflow in [repository_workflow(), blotter::init::archive_workflow()] {
        let used = actions(&workflow);
        for action in [
            "actions/checkout@v6",
            "actions/configure-pages@v5",
            "actions/cache@v5",
            "actions/upload-pages-artifact@v4",
            "actions/deploy-pages@v5",
        ] {
            assert!(used.iter().any(|u| u == action), "{action} not in {used:?}");
        }
    }
    let archive = run_scripts(&blotter::init::archive_workflow()).join("\n");
    assert!(
        !archive.contains("cargo run") && !archive.contains("cargo build"),
        "{archive}"
    );
    assert!(
        archive.contains("cargo install --locked --git \"$BLOTTER_GIT\""),
        "{archive}"
    );
    let repository = run_scripts(&repository_workflow()).join("\n");
    assert!(!repository.contains("cargo run"), "blotter is built once");
    assert!(
        repository.contains("cargo build --release --locked"),
        "{repository}"
    );
}
