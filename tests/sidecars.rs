//! Maintainers' sidecars: overrides, commentary, passage notes, corrections,
//! tags and cross-references, checked from the built files and, for
//! mistakes, from the exact diagnostics.

mod support;

use std::path::Path;

use serde_json::Value;
use support::*;

const DERBYSHIRE: &str = "002_253a1e39986e1906";
const NORTH_WALES: &str = "004_c5ae0792fd4e02f5";
const WEST_MERCIA: &str = "000_583377719fc25cb9";

fn sample_built() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_ok(&sample_content(), &out, Some(BASE_URL));
    (dir, out)
}

/// A project holding the sample with one sidecar replaced.
fn project_with_sidecar(stem: &str, sidecar: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_tree(&sample_content(), &content);
    write_files(&content, &[(&format!("releases/{stem}.md"), sidecar)]);
    dir
}

fn check_errors(dir: &Path) -> (Option<i32>, String) {
    let out = blotter(dir, &["check"]);
    (out.status.code(), stderr(&out))
}

#[test]
fn the_sample_shows_its_passage_notes_linked_both_ways() {
    let (_dir, out) = sample_built();
    let html = read(&out, &format!("releases/{DERBYSHIRE}/index.html"));
    assert!(html.contains("<mark class=\"passage\" id=\"passage-1\">£52kg</mark><sup class=\"note-ref\"><a href=\"#note-1\" aria-label=\"Note 1\">[1]</a></sup>"));
    assert!(html.contains("<li id=\"note-1\">"));
    assert!(html.contains("<a href=\"#passage-1\">Back to the passage"));
    // The second note is anchored by its prefix to the first of several "EncroChat"s.
    assert!(html.contains("using '<mark class=\"passage\" id=\"passage-2\">EncroChat</mark>"));
}

#[test]
fn overrides_replace_title_area_and_date() {
    let dir = project_with_sidecar(
        NORTH_WALES,
        "---\ntitle: Operation Venetic in North Wales\narea: Dyfed-Powys\ndate: 2020-07-03\n---\n",
    );
    let content = dir.path().join("content");
    let out = dir.path().join("site");
    build_ok(&content, &out, Some(BASE_URL));
    let html = read(&out, &format!("releases/{NORTH_WALES}/index.html"));
    assert!(html.contains("<h1>Operation Venetic in North Wales</h1>"));
    assert!(html.contains("<a href=\"../../areas/dyfed-powys/\">Dyfed-Powys</a>"));
    assert!(release_links(&read(&out, "dates/2020/07/03/index.html"))
        .contains(&NORTH_WALES.to_string()));
    assert!(!out.join("areas/north-wales").exists());
    // A sidecar with only overrides does not mark the release as annotated.
    assert!(!html.contains("Archive commentary"));
}

#[test]
fn an_unknown_front_matter_key_is_an_error_on_its_line() {
    let dir = project_with_sidecar(NORTH_WALES, "---\ntitle: x\ntgas: [drugs]\n---\n");
    let (code, err) = check_errors(dir.path());
    assert_eq!(code, Some(1));
    assert!(
        err.contains(&format!("content/releases/{NORTH_WALES}.md:3:1: error: invalid front matter: unknown key `tgas`\n   |\n 3 | tgas: [drugs]\n   | ^^^^\n   = help: did you mean `tags`?")),
        "{err}"
    );
}

#[test]
fn tags_have_pages_with_counts_and_appear_in_feeds() {
    let (_dir, out) = sample_built();
    let index = read(&out, "tags/index.html");
    assert!(
        index.contains(
            "<a href=\"../tags/encrochat/\">encrochat</a> <span class=\"count\">2</span>"
        ),
        "{index}"
    );
    assert!(index.contains("<a href=\"../tags/drugs/\">drugs</a> <span class=\"count\">1</span>"));
    // A tag lists its years (and its latest releases); a year its releases.
    let tag = read(&out, "tags/operation-venetic/index.html");
    assert!(tag.contains(
        "<a href=\"../../tags/operation-venetic/2020/\">2020</a> <span class=\"count\">2</span>"
    ));
    let tag = read(&out, "tags/operation-venetic/2020/index.html");
    assert_eq!(release_links(&tag), [DERBYSHIRE, NORTH_WALES]);
    assert!(tag.contains("<h2>July 2020</h2>"));
    // Newest first: Derbyshire (11:29) before North Wales (bare date, midnight).
    assert!(tag.find(DERBYSHIRE).unwrap() < tag.find(NORTH_WALES).unwrap());
    let release = read(&out, &format!("releases/{DERBYSHIRE}/index.html"));
    assert!(release.contains("<a href=\"../../tags/drugs/\">drugs</a>"));
    let feed: Value = serde_json::from_str(&read(&out, "feed.json")).unwrap();
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"].as_str().unwrap().contains(DERBYSHIRE))
        .unwrap();
    assert_eq!(
        item["tags"],
        serde_json::json!(["Derbyshire", "operation-venetic", "encrochat", "drugs"])
    );
}

#[test]
fn corrections_show_on_the_page_and_in_the_feed() {
    let (_dir, out) = sample_built();
    let html = read(&out, &format!("releases/{DERBYSHIRE}/index.html"));
    let notice = html
        .find("<aside class=\"corrections\"")
        .expect("correction notice");
    assert!(
        notice < html.find("aria-label=\"Release text\"").unwrap(),
        "the notice comes before the text"
    );
    assert!(html.contains("<time datetime=\"2020-07-03\">3 July 2020</time>"));
    let feed: Value = serde_json::from_str(&read(&out, "feed.json")).unwrap();
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"].as_str().unwrap().contains(DERBYSHIRE))
        .unwrap();
    let content = item["content_html"].as_str().unwrap();
    assert!(content.starts_with("<p><strong>Correction, 3 July 2020:</strong></p>"));
    // Commentary follows the release text, set apart, with absolute links.
    let text_at = content.find("More than £2 million in cash").unwrap();
    let commentary_at = content
        .find("<hr>\n<p><strong>Archive commentary</strong>")
        .unwrap();
    assert!(text_at < commentary_at);
    assert!(content.contains(&format!("href=\"{BASE_URL}releases/{NORTH_WALES}/\"")));
}

#[test]
fn cross_references_link_and_related_shows_on_both_pages() {
    let (_dir, out) = sample_built();
    let html = read(&out, &format!("releases/{DERBYSHIRE}/index.html"));
    assert!(html.contains(&format!(
        "<a href=\"../../releases/{WEST_MERCIA}/\" rel=\"nofollow noopener\">West Mercia</a>"
    )));
    let related = |id: &str| {
        let page = read(&out, &format!("releases/{id}/index.html"));
        let section = page
            .split("Related releases")
            .nth(1)
            .map(str::to_string)
            .unwrap_or_default();
        release_links(&section)
    };
    assert_eq!(related(DERBYSHIRE), [WEST_MERCIA, NORTH_WALES]);
    // West Mercia has no sidecar, yet shows the link from Derbyshire's.
    assert_eq!(related(WEST_MERCIA), [DERBYSHIRE]);
    assert_eq!(related(NORTH_WALES), [DERBYSHIRE]);
}

#[test]
fn unknown_cross_references_are_errors_with_file_and_line() {
    let dir = project_with_sidecar(
        NORTH_WALES,
        "---\nrelated:\n  - 999_missing\n---\n\nFirst line.\n\nSee [this](release:998_gone).\n",
    );
    let (code, err) = check_errors(dir.path());
    assert_eq!(code, Some(1));
    assert!(err.contains(&format!("content/releases/{NORTH_WALES}.md:3:5: error: related release `999_missing` does not exist")), "{err}");
    assert!(
        err.contains(&format!(
            "content/releases/{NORTH_WALES}.md:8:20: error: link to unknown release `998_gone`"
        )),
        "{err}"
    );
}

#[test]
fn a_note_that_matches_nothing_names_the_line_and_the_closest_passage() {
    let dir = project_with_sidecar(
        NORTH_WALES,
        "---\nnotes:\n  - quote: 746 arrests\n    note: fine\n  - quote: 746 arrests and £54m criminal cash\n    note: comma missed\n---\n",
    );
    let (code, err) = check_errors(dir.path());
    assert_eq!(code, Some(1));
    assert!(err.contains(&format!(
        "content/releases/{NORTH_WALES}.md:5:12: error: passage note quote \"746 arrests and £54m criminal cash\" does not match the release text\n   |\n 5 |   - quote: 746 arrests and £54m criminal cash\n   |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n   = help: did you mean \"746 arrests, and £54m criminal cash\"? (the closest passage)"
    )), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
}

#[test]
fn a_note_that_matches_twice_needs_a_prefix_or_suffix() {
    let dir = project_with_sidecar(
        NORTH_WALES,
        "---\nnotes:\n  - quote: EncroChat\n    note: which one?\n---\n",
    );
    let (code, err) = check_errors(dir.path());
    assert_eq!(code, Some(1));
    let line = err
        .lines()
        .find(|l| l.contains(": error: passage note"))
        .unwrap();
    assert!(line.starts_with(&format!("content/releases/{NORTH_WALES}.md:3:12: error: passage note quote \"EncroChat\" matches the release text ")), "{line}");
    assert!(err.contains("help: add a `prefix` or `suffix`"));
}

#[test]
fn commentary_is_sanitised() {
    let dir = project_with_sidecar(
        NORTH_WALES,
        "Hello <script>alert(1)</script> <b onclick=\"steal()\">bold</b> [click](javascript:alert(2)) <a href=\"javascript:alert(3)\">x</a> <img src=\"https://x.uk/a.png\" onerror=\"alert(4)\" alt=\"a\">\n",
    );
    let out = dir.path().join("site");
    build_ok(&dir.path().join("content"), &out, Some(BASE_URL));
    let html = read(&out, &format!("releases/{NORTH_WALES}/index.html"));
    let commentary = html.split("Archive commentary").nth(1).unwrap();
    for bad in ["<script", "onclick", "javascript:", "onerror", "alert("] {
        assert!(!commentary.contains(bad), "{bad} reached the page");
    }
    assert!(commentary.contains("<b>bold</b>"));
    let feed = read(&out, "feed.json");
    assert!(!feed.contains("<script") && !feed.contains("javascript:"));
}

#[test]
fn code_blocks_are_highlighted_with_classes_and_the_stylesheet_ships() {
    let (_dir, out) = sample_built();
    let html = read(&out, &format!("releases/{DERBYSHIRE}/index.html"));
    assert!(html.contains(
        "<pre class=\"code\"><code class=\"language-json\"><span class=\"hl-source hl-json\">"
    ));
    assert!(!html.contains("style=\""));
    let css = read(&out, "static/highlight.css");
    assert!(css.contains(".hl-") && css.contains("@media screen and (prefers-color-scheme: dark)"));
    assert!(html.contains("href=\"../../static/highlight.css\""));
}

#[test]
fn listings_mark_annotated_releases() {
    let (_dir, out) = sample_built();
    let day = read(&out, "dates/2020/07/02/index.html");
    let card = |id: &str| {
        day.split(&format!("releases/{id}/"))
            .nth(1)
            .unwrap()
            .split("</h2>")
            .next()
            .unwrap()
            .to_string()
    };
    assert!(card(DERBYSHIRE).contains("Annotated"));
    assert!(card(NORTH_WALES).contains("Annotated"));
    assert!(!card(WEST_MERCIA).contains("Annotated"));
}

#[test]
fn an_orphan_sidecar_is_a_warning_naming_the_file() {
    let dir = project_with_sidecar("lost/030_no_release", "Commentary about nothing.\n");
    let out = blotter(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains(
        "content/releases/lost/030_no_release.md: warning: sidecar has no release beside it"
    ));
}

#[test]
fn new_note_writes_a_skeleton_once() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    let out = blotter(dir.path(), &["new-note", WEST_MERCIA]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir
        .path()
        .join(format!("content/releases/{WEST_MERCIA}.md"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# notes:") && text.contains("tags: []"));
    // The skeleton is valid as written, and builds.
    assert_eq!(blotter(dir.path(), &["check"]).status.code(), Some(0));
    let again = blotter(dir.path(), &["new-note", WEST_MERCIA]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "an existing sidecar is never overwritten"
    );
    let unknown = blotter(dir.path(), &["new-note", "no_such_id"]);
    assert!(stderr(&unknown).contains("no release with id `no_such_id`"));
}

#[test]
fn skip_invalid_lists_the_release_held_back_by_its_sidecar() {
    let dir = project_with_sidecar(NORTH_WALES, "---\ndate: 31/02/2020\n---\n");
    let out = blotter(dir.path(), &["build", "--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "content/releases/{NORTH_WALES}.md:2:7: error: `31/02/2020` is not a real date"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("  content/releases/{NORTH_WALES}.txt\n")),
        "{err}"
    );
    assert!(!dir
        .path()
        .join(format!("output/releases/{NORTH_WALES}"))
        .exists());
}

/// Sidecar A (North Wales) with a typo, sidecar B (Derbyshire) valid and
/// linking to A both in its commentary and in `related`.
fn project_with_a_broken_sidecar_linked_from_a_valid_one() -> tempfile::TempDir {
    let dir = project_with_sidecar(NORTH_WALES, "---\ntgas: [encrochat]\n---\n\nA note.\n");
    write_files(
        &dir.path().join("content"),
        &[(
            &format!("releases/{DERBYSHIRE}.md"),
            &format!(
                "---\nrelated: [{NORTH_WALES}]\n---\n\nCompare [the North Wales figures](release:{NORTH_WALES}).\n"
            ),
        )],
    );
    dir
}

#[test]
fn a_sidecar_error_is_reported_once_and_not_in_the_sidecars_that_link_to_it() {
    let dir = project_with_a_broken_sidecar_linked_from_a_valid_one();
    let (code, err) = check_errors(dir.path());
    assert_eq!(code, Some(1));
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert!(
        errors
            .iter()
            .all(|l| l.starts_with(&format!("content/releases/{NORTH_WALES}."))),
        "only the broken sidecar's own errors: {err}"
    );
    assert!(errors.iter().any(|l| l.contains("tgas")), "{err}");
}

#[test]
fn skip_invalid_keeps_a_valid_release_that_links_to_a_skipped_one() {
    let dir = project_with_a_broken_sidecar_linked_from_a_valid_one();
    let out = blotter(dir.path(), &["build", "--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains(&format!("  content/releases/{DERBYSHIRE}")),
        "the valid release is not skipped: {err}"
    );
    assert!(
        err.contains(&format!("  content/releases/{NORTH_WALES}.txt\n")),
        "{err}"
    );
    let site = dir.path().join("output");
    assert!(!site.join(format!("releases/{NORTH_WALES}")).exists());
    let page = read(&site, &format!("releases/{DERBYSHIRE}/index.html"));
    assert!(
        page.contains("the North Wales figures"),
        "the link text stays"
    );
    assert!(
        !page.contains(&format!("releases/{NORTH_WALES}")),
        "no link to the page that was not built"
    );
}

#[test]
fn character_references_in_commentary_never_write_control_characters() {
    let dir = project_with_sidecar(
        NORTH_WALES,
        "---\ntags: [encrochat]\n---\n\nBell &#7; nul &#0; next-line &#x85; nonchar &#xFFFE; del &#127; end.\n",
    );
    let out = dir.path().join("site");
    build_ok(&dir.path().join("content"), &out, Some(BASE_URL));
    for path in [
        format!("releases/{NORTH_WALES}/index.html"),
        "feed.json".to_string(),
    ] {
        let text = read(&out, &path);
        assert!(text.contains("Bell \u{fffd} nul \u{fffd}"), "{path}");
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
                    || ('\u{7f}'..='\u{9f}').contains(&c)
                    || matches!(c, '\u{fffe}' | '\u{ffff}')
            })
            .collect();
        assert!(bad.is_empty(), "{path}: {bad:?}");
    }
}

#[test]
fn new_note_finds_a_release_by_id_prefix_or_path_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sample_content(), &dir.path().join("content"));
    // "000" starts one sample id; the release is named with its title and date.
    let out = blotter(dir.path(), &["new-note", "000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("release content/releases/{WEST_MERCIA}.txt: ")),
        "{said}"
    );
    assert!(said.contains("2 July 2020"), "{said}");
    assert!(
        said.contains(&format!("wrote content/releases/{WEST_MERCIA}.md")),
        "{said}"
    );
    // The sidecar's path names its release too (after removing it).
    std::fs::remove_file(
        dir.path()
            .join(format!("content/releases/{WEST_MERCIA}.md")),
    )
    .unwrap();
    let by_path = format!("content/releases/{WEST_MERCIA}.txt");
    assert_eq!(
        blotter(dir.path(), &["new-note", &by_path]).status.code(),
        Some(0)
    );
    // "00" starts all three: refused, naming them.
    let ambiguous = blotter(dir.path(), &["new-note", "00"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    let err = stderr(&ambiguous);
    assert!(err.contains("`00` is the start of 3 release ids"), "{err}");
    assert!(
        err.contains(DERBYSHIRE) && err.contains(NORTH_WALES),
        "{err}"
    );
}

#[test]
fn an_area_one_slip_from_a_known_force_is_a_warning_naming_it() {
    let dir = project_with_sidecar(NORTH_WALES, "---\narea: North Walse\n---\n");
    let out = blotter(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "content/releases/{NORTH_WALES}.md:2:7: warning: area `North Walse` is not a known force: it gets an area page of its own\n   |\n 2 | area: North Walse\n   |       ^^^^^^^^^^^\n   = help: did you mean `North Wales`?"
        )),
        "{err}"
    );
}
