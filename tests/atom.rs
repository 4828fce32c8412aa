//! Atom feeds beside the JSON Feeds, and complete feeds: parsed as XML,
//! checked for what RFC 4287 requires, and their archive links followed
//! from the current document back to the oldest item.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use roxmltree::{Document, Node};
use support::*;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const HISTORY: &str = "http://purl.org/syndication/history/1.0";
/// Over the feed size (50), across several years.
const KENT: usize = 130;

/// Kent's releases from 2018 to 2021, a few in Essex, some tagged, one
/// corrected, one titled with markup and a control character.
fn generate(content: &Path) {
    for i in 0..KENT + 6 {
        let area = if i < KENT { "Kent" } else { "Essex" };
        let date = format!(
            "{:02}:{:02} {:02}/{:02}/{}",
            8 + i % 10,
            i % 60,
            1 + i % 28,
            1 + (i / 4) % 12,
            2018 + i % 4
        );
        let text = format!(
            "```yaml\ntitle: Appeal number {i}\narea: {area}\npublish:\n  date: {date}\n```\n\nRelease {i} body.\n"
        );
        write_files(content, &[(&format!("releases/r{i:04}.txt"), &text)]);
        if i % 9 == 0 {
            let sidecar = "---\ntags: [Fraud]\n---\n\nCommentary.\n";
            write_files(content, &[(&format!("releases/r{i:04}.md"), sidecar)]);
        }
    }
    // YAML refuses control characters: this one has a header line, and
    // its sidecar places it.
    let tricky = " date 2021-02-08 Fish & chips <b>shop</b> \u{1} \"raid\"\n\nA \u{b} body.\n";
    write_files(
        content,
        &[
            ("releases/r0007.txt", tricky),
            ("releases/r0007.md", "---\narea: Kent\n---\n"),
        ],
    );
    let corrected = "---\ncorrections:\n  - date: 2023-03-04\n    text: A name was wrong.\n---\n";
    write_files(content, &[("releases/r0001.md", corrected)]);
}

fn built_site() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    generate(&content);
    let output = dir.path().join("site");
    build_ok(&content, &output, Some(BASE_URL));
    (dir, output)
}

/// The output file an absolute URL of the site names.
fn file_of(output: &Path, url: &str) -> std::path::PathBuf {
    let path = url
        .strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{url}"));
    match path.is_empty() || path.ends_with('/') {
        true => output.join(path).join("index.html"),
        false => output.join(path),
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name((ATOM, name)))
}

fn text<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    child(node, name)
        .and_then(|n| n.text())
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

fn link(node: Node, rel: &str) -> Option<String> {
    node.children()
        .filter(|n| n.has_tag_name((ATOM, "link")))
        .find(|n| n.attribute("rel") == Some(rel))
        .and_then(|n| n.attribute("href"))
        .map(str::to_string)
}

/// An RFC 3339 timestamp with a numeric offset (as blotter writes it).
fn assert_timestamp(value: &str) {
    assert!(
        chrono::DateTime::parse_from_rfc3339(value).is_ok(),
        "{value} is not RFC 3339"
    );
    let offset = &value[value.len() - 6..];
    assert!(
        offset.starts_with('+') || offset.starts_with('-'),
        "{value} has no offset"
    );
}

/// What RFC 4287 requires of a feed and each entry, and blotter's
/// promises: absolute URLs, dates with offsets. Returns the entry ids.
fn check_document(xml: &str, current: bool) -> Vec<String> {
    let doc = Document::parse(xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert!(text(feed, "id").starts_with(BASE_URL));
    text(feed, "title");
    assert_timestamp(text(feed, "updated"));
    text(child(feed, "author").unwrap(), "name");
    assert!(link(feed, "self").unwrap().starts_with(BASE_URL));
    assert!(link(feed, "alternate").unwrap().starts_with(BASE_URL));
    let archived = feed
        .children()
        .any(|n| n.has_tag_name((HISTORY, "archive")));
    assert_eq!(archived, !current, "fh:archive only on archives");
    assert_eq!(link(feed, "current").is_some(), !current);
    let mut ids = Vec::new();
    for entry in feed.children().filter(|n| n.has_tag_name((ATOM, "entry"))) {
        let id = text(entry, "id");
        assert!(id.starts_with(BASE_URL), "{id}");
        assert_eq!(link(entry, "alternate").as_deref(), Some(id));
        assert_timestamp(text(entry, "updated"));
        assert_timestamp(text(entry, "published"));
        text(child(entry, "author").unwrap(), "name");
        child(entry, "title").expect("a title");
        child(entry, "summary").expect("a summary");
        let content = child(entry, "content");
        assert_eq!(
            content.is_some(),
            current,
            "full content in the current feed only"
        );
        if let Some(content) = content {
            assert_eq!(content.attribute("type"), Some("html"));
        }
        ids.push(id.to_string());
    }
    ids
}

#[test]
fn every_atom_feed_is_a_valid_document_with_absolute_urls_and_offsets() {
    let (_dir, output) = built_site();
    for path in ["feed.xml", "areas/kent/feed.xml", "tags/fraud/feed.xml"] {
        let ids = check_document(&read(&output, path), true);
        assert_eq!(
            ids.len(),
            if path.starts_with("tags") { 16 } else { 50 },
            "{path}"
        );
    }
    let ids = check_document(&read(&output, "areas/kent/feed/2019.xml"), false);
    assert!(!ids.is_empty());
    // The JSON Feed has the same items, in the same order.
    let json: serde_json::Value =
        serde_json::from_str(&read(&output, "areas/kent/feed.json")).unwrap();
    let json_ids: Vec<&str> = (json["items"].as_array().unwrap().iter())
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    let atom_ids = check_document(&read(&output, "areas/kent/feed.xml"), true);
    assert_eq!(json_ids, atom_ids);
}

#[test]
fn markup_in_text_is_escaped_and_control_characters_never_break_the_xml() {
    let (_dir, output) = built_site();
    let xml = read(&output, "areas/kent/feed/2021.xml");
    let doc = Document::parse(&xml).expect("well-formed despite the control character");
    let titles: Vec<&str> = (doc.descendants())
        .filter(|n| n.has_tag_name((ATOM, "title")))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        titles.contains(&"Fish & chips <b>shop</b> \u{FFFD} \"raid\""),
        "{titles:?}"
    );
}

/// Follows `next` from the current document to the end of the chain;
/// returns every item id met and the number of documents.
fn follow(
    output: &Path,
    start: &str,
    next: impl Fn(&str) -> (Option<String>, Vec<String>),
) -> (BTreeSet<String>, usize) {
    let (mut ids, mut documents) = (BTreeSet::new(), 0);
    let mut url = Some(format!("{BASE_URL}{start}"));
    while let Some(at) = url {
        let text = std::fs::read_to_string(file_of(output, &at)).unwrap();
        let (older, found) = next(&text);
        ids.extend(found);
        documents += 1;
        assert!(documents < 100, "the chain loops");
        url = older;
    }
    (ids, documents)
}

fn kent_permalinks() -> BTreeSet<String> {
    (0..KENT)
        .map(|i| format!("{BASE_URL}releases/r{i:04}/"))
        .collect()
}

#[test]
fn archive_links_reach_every_release_of_an_area_in_both_formats() {
    let (_dir, output) = built_site();
    let (atom_ids, documents) = follow(&output, "areas/kent/feed.xml", |xml| {
        let doc = Document::parse(xml).unwrap();
        let current = link(doc.root_element(), "current").is_none();
        (
            link(doc.root_element(), "prev-archive"),
            check_document(xml, current),
        )
    });
    assert_eq!(atom_ids, kent_permalinks());
    assert_eq!(documents, 5, "the current feed and four years");
    let (json_ids, documents) = follow(&output, "areas/kent/feed.json", |text| {
        let feed: serde_json::Value = serde_json::from_str(text).unwrap();
        let ids = (feed["items"].as_array().unwrap().iter())
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect();
        (feed["next_url"].as_str().map(str::to_string), ids)
    });
    assert_eq!(json_ids, kent_permalinks());
    assert_eq!(documents, 5);
    // The oldest archive links forward again, and back to the current feed.
    let oldest = Document::parse(&read(&output, "areas/kent/feed/2018.xml"))
        .map(|d| {
            (
                link(d.root_element(), "next-archive"),
                link(d.root_element(), "current"),
            )
        })
        .unwrap();
    assert_eq!(
        oldest.0.as_deref(),
        Some(&*format!("{BASE_URL}areas/kent/feed/2019.xml"))
    );
    assert_eq!(
        oldest.1.as_deref(),
        Some(&*format!("{BASE_URL}areas/kent/feed.xml"))
    );
}

#[test]
fn the_site_feed_is_archived_by_month_and_reaches_every_release() {
    let (_dir, output) = built_site();
    let (ids, _) = follow(&output, "feed.xml", |xml| {
        let doc = Document::parse(xml).unwrap();
        let current = link(doc.root_element(), "current").is_none();
        (
            link(doc.root_element(), "prev-archive"),
            check_document(xml, current),
        )
    });
    assert_eq!(ids.len(), KENT + 6);
    assert!(output.join("feed/2018/01.xml").is_file());
    assert!(output.join("feed/2018/01.json").is_file());
}

#[test]
fn an_item_is_dated_modified_by_its_latest_correction() {
    let (_dir, output) = built_site();
    // r0001 is of 2019; its correction of 4 March 2023 (GMT) dates it.
    let feed: serde_json::Value =
        serde_json::from_str(&read(&output, "areas/kent/feed/2019.json")).unwrap();
    let item = (feed["items"].as_array().unwrap().iter())
        .find(|item| item["id"].as_str().unwrap().ends_with("/r0001/"))
        .unwrap();
    assert_eq!(item["date_modified"], "2023-03-04T00:00:00+00:00");
    assert_ne!(item["date_published"], item["date_modified"]);
    let uncorrected = (feed["items"].as_array().unwrap().iter())
        .find(|item| !item["id"].as_str().unwrap().ends_with("/r0001/"))
        .unwrap();
    // JSON Feed's date_modified is optional: an uncorrected item has none.
    assert!(uncorrected.get("date_modified").is_none(), "{uncorrected}");
}

#[test]
fn pages_name_the_feeds_of_their_scope_for_discovery() {
    let (_dir, output) = built_site();
    let discovers = |page: &str, feed: &str| {
        let html = read(&output, page);
        ["application/feed+json", "application/atom+xml"]
            .iter()
            .zip(["json", "xml"])
            .all(|(kind, ext)| {
                html.lines().any(|l| {
                    l.contains("rel=\"alternate\"")
                        && l.contains(kind)
                        && l.contains(&format!("{feed}.{ext}\""))
                })
            })
    };
    for page in [
        "index.html",
        "areas/kent/index.html",
        "areas/kent/2019/index.html",
        "releases/r0003/index.html",
        "tags/fraud/index.html",
        "dates/2019/index.html",
    ] {
        assert!(discovers(page, "feed"), "{page} names the site feed");
    }
    for page in [
        "areas/kent/index.html",
        "areas/kent/2019/index.html",
        "releases/r0003/index.html",
    ] {
        assert!(discovers(page, "areas/kent/feed"), "{page}");
    }
    assert!(discovers("tags/fraud/index.html", "tags/fraud/feed"));
    assert!(!discovers("areas/essex/index.html", "areas/kent/feed"));
}

#[test]
fn an_archived_json_feed_names_its_own_address_as_feed_url() {
    let (_dir, output) = built_site();
    for path in ["areas/kent/feed/2019.json", "areas/kent/feed.json"] {
        let feed: serde_json::Value = serde_json::from_str(&read(&output, path)).unwrap();
        assert_eq!(feed["feed_url"], format!("{BASE_URL}{path}"), "{path}");
    }
}
