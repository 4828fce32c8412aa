//! A theme's `root/` files and its own pages (`tests/fixtures/theme`):
//! written where docs/themes.md says, refused where they would clash with
//! blotter's own files, and left alone by a rebuild that changes nothing.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use blotter::BuildOptions;
use support::*;

fn fixture_theme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/theme")
}

fn options(output: &Path, theme: &Path) -> BuildOptions {
    BuildOptions {
        content: sample_content(),
        theme: Some(theme.to_path_buf()),
        output: output.to_path_buf(),
        base_url: Some(BASE_URL.into()),
        skip_invalid: false,
    }
}

fn build_with(output: &Path, theme: &Path) -> blotter::Summary {
    let report = blotter::build(&options(output, theme)).expect("the theme is valid");
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    report.summary.expect("site written")
}

#[test]
fn root_files_are_copied_and_an_extra_template_is_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("site");
    build_with(&output, &fixture_theme());
    let theme_root = fixture_theme().join("root");
    for file in ["CNAME", "robots.txt", "google0123456789abcdef.html"] {
        assert_eq!(read(&output, file), read(&theme_root, file), "{file}");
    }
    let about = read(&output, "about/index.html");
    assert!(about.contains("<h1>About</h1>"), "{about}");
    assert!(
        about.contains("archive@example.org"),
        "the partial is included"
    );
    assert!(
        about.contains("href=\"../areas/\""),
        "links from its folder"
    );
    assert!(
        about.contains("class=\"breadcrumbs\""),
        "it extends base.html"
    );
    assert!(!output.join("_contact").exists(), "a partial is no page");
    let sitemap = read(&output, "sitemap-pages.xml");
    assert!(sitemap.contains(&format!("<loc>{BASE_URL}about/</loc>")));
}

#[test]
fn a_rebuild_with_the_theme_and_nothing_edited_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("site");
    build_with(&output, &fixture_theme());
    let before = snapshot(&output);
    let again = build_with(&output, &fixture_theme());
    assert_eq!(again.rewritten, 0);
    assert_eq!(snapshot(&output), before);
}

#[test]
fn a_root_file_at_a_path_blotter_writes_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme");
    copy_tree(&fixture_theme(), &theme);
    write_files(&theme, &[("root/feed.json", "{}")]);
    let project = dir.path().join("project");
    copy_tree(&sample_content(), &project.join("content"));
    let theme_arg = theme.display().to_string();
    let out = blotter(&project, &["build", "--theme", &theme_arg]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("root/feed.json: collides with feed.json"),
        "{err}"
    );
    assert!(!project.join("output").exists(), "nothing is written");
}

#[test]
fn a_page_template_named_like_a_folder_blotter_writes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme");
    write_files(
        &theme,
        &[("templates/static.html", "{% extends \"base.html\" %}")],
    );
    let Err(err) = blotter::build(&options(&dir.path().join("site"), &theme)) else {
        panic!("a page at static/index.html was accepted");
    };
    let err = err.to_string();
    assert!(err.contains("templates/static.html"), "{err}");
    assert!(err.contains("blotter writes static/ itself"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_root_link_out_of_the_theme_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme");
    write_files(&theme, &[("root/CNAME", "archive.example.org\n")]);
    fs::write(dir.path().join("secret.txt"), "not the theme's").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), theme.join("root/x.txt")).unwrap();
    let Err(err) = blotter::build(&options(&dir.path().join("site"), &theme)) else {
        panic!("a link out of the theme was followed");
    };
    assert!(err.to_string().contains("inside the theme"), "{err}");
    // A link to a file inside the theme is read.
    fs::remove_file(theme.join("root/x.txt")).unwrap();
    std::os::unix::fs::symlink(theme.join("root/CNAME"), theme.join("root/x.txt")).unwrap();
    let output = dir.path().join("site");
    build_with(&output, &theme);
    assert_eq!(read(&output, "x.txt"), "archive.example.org\n");
}
