//! The corrections log's feed, in JSON Feed and Atom: one item per
//! correction, newest first, each an anchor on its release's page.

mod support;

use std::path::Path;

use roxmltree::Document;
use support::*;

const ATOM: &str = "http://www.w3.org/2005/Atom";

/// Three corrected releases: one with two corrections, one whose
/// correction links to another release, one with markup in its title.
fn generate(content: &Path) {
    for (i, date) in ["01/03/2020", "02/03/2020", "03/03/2020", "04/03/2020"]
        .iter()
        .enumerate()
    {
        let text = format!(
            "```yaml\ntitle: Appeal {i} <b>&</b>\narea: Kent\npublish:\n  date: 10:00 {date}\n```\n\nBody {i}.\n"
        );
        write_files(content, &[(&format!("releases/r{i}.txt"), &text)]);
    }
    let sidecars = [
        ("releases/r0.md", "---\ncorrections:\n  - date: 2020-07-01\n    text: First fix.\n  - date: 2021-01-05\n    text: Second fix.\n---\n"),
        ("releases/r1.md", "---\ncorrections:\n  - date: 2020-12-25\n    text: See [the other](release:r2).\n---\n"),
        ("releases/r2.md", "---\ncorrections:\n  - date: 2020-07-01\n    text: Same day as r0's first.\n---\n"),
    ];
    write_files(content, &sidecars);
}

fn built(base_url: Option<&str>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    generate(&content);
    let output = dir.path().join("site");
    build_ok(&content, &output, base_url);
    (dir, output)
}

/// Newest first; on one day, the newer release first.
const ORDER: [(&str, usize, &str); 4] = [
    ("r0", 2, "2021-01-05T00:00:00+00:00"),
    ("r1", 1, "2020-12-25T00:00:00+00:00"),
    ("r2", 1, "2020-07-01T00:00:00+01:00"),
    ("r0", 1, "2020-07-01T00:00:00+01:00"),
];

#[test]
fn each_correction_is_an_item_linking_to_its_anchor_newest_first() {
    let (_dir, output) = built(Some(BASE_URL));
    let feed: serde_json::Value =
        serde_json::from_str(&read(&output, "corrections/feed.json")).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["feed_url"], format!("{BASE_URL}corrections/feed.json"));
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), ORDER.len());
    for (item, (id, n, date)) in items.iter().zip(ORDER) {
        let url = format!("{BASE_URL}releases/{id}/#correction-{n}");
        assert_eq!(item["id"], url);
        assert_eq!(item["url"], url);
        assert_eq!(item["date_published"], date);
        assert!(item["title"].as_str().unwrap().contains("<b>&</b>"));
        // The anchor exists on the release page.
        let page = read(&output, &format!("releases/{id}/index.html"));
        assert!(page.contains(&format!("id=\"correction-{n}\"")), "{url}");
    }
    assert_eq!(items[0]["content_html"], "<p>Second fix.</p>\n");
    let linked = items[1]["content_html"].as_str().unwrap();
    assert!(
        linked.contains(&format!("href=\"{BASE_URL}releases/r2/\"")),
        "{linked}"
    );
}

#[test]
fn the_atom_feed_is_valid_and_has_the_same_items() {
    let (_dir, output) = built(Some(BASE_URL));
    let xml = read(&output, "corrections/feed.xml");
    let doc = Document::parse(&xml).expect("well-formed");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    let child = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|n| n.has_tag_name((ATOM, name)))
            .and_then(|n| n.text().map(str::to_string))
            .unwrap_or_else(|| panic!("no <{name}>"))
    };
    assert_eq!(child(feed, "id"), format!("{BASE_URL}corrections/feed.xml"));
    assert_eq!(child(feed, "updated"), ORDER[0].2);
    child(feed, "title");
    let entries: Vec<_> = (feed.children())
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect();
    assert_eq!(entries.len(), ORDER.len());
    for (entry, (id, n, date)) in entries.iter().zip(ORDER) {
        let url = format!("{BASE_URL}releases/{id}/#correction-{n}");
        assert_eq!(child(*entry, "id"), url);
        assert_eq!(child(*entry, "updated"), date);
        assert_eq!(child(*entry, "published"), date);
        assert!(child(*entry, "title").contains("<b>&</b>"));
        let alternate = (entry.children())
            .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("alternate"));
        assert_eq!(alternate.and_then(|l| l.attribute("href")), Some(&*url));
        let content = entry.children().find(|n| n.has_tag_name((ATOM, "content")));
        assert_eq!(content.and_then(|c| c.attribute("type")), Some("html"));
    }
    // Feed-level author, so entries need none (RFC 4287 4.1.1).
    assert!(feed.children().any(|n| n.has_tag_name((ATOM, "author"))));
    // Written without indentation, as the other Atom feeds are.
    assert!(!xml.lines().any(|l| l.starts_with(' ')), "{xml}");
}

#[test]
fn the_corrections_page_names_its_feeds_for_discovery() {
    let (_dir, output) = built(Some(BASE_URL));
    let html = read(&output, "corrections/index.html");
    for (kind, file) in [
        ("application/feed+json", "corrections/feed.json"),
        ("application/atom+xml", "corrections/feed.xml"),
    ] {
        assert!(
            html.lines().any(|l| l.contains("rel=\"alternate\"")
                && l.contains(kind)
                && l.contains(&format!("href=\"../{file}\""))),
            "{file}"
        );
    }
    let home = read(&output, "index.html");
    assert!(!home.contains("corrections/feed.json"), "only on its page");
}

#[test]
fn without_a_base_url_the_json_feed_alone_is_written_with_relative_ids() {
    let (_dir, output) = built(None);
    assert!(!output.join("corrections/feed.xml").exists());
    let feed: serde_json::Value =
        serde_json::from_str(&read(&output, "corrections/feed.json")).unwrap();
    assert!(feed.get("feed_url").is_none());
    assert_eq!(feed["items"][0]["id"], "/releases/r0/#correction-2");
    assert!(feed["items"][0].get("url").is_none());
    let html = read(&output, "corrections/index.html");
    assert!(html.contains("href=\"../corrections/feed.json\""));
    assert!(!html.contains("corrections/feed.xml"));
}

/// Regression: with no corrections, the Atom feed's required `updated`
/// was the epoch at +00:00, which a feed checker rejects for a London
/// site (the zone was an hour ahead of UTC all through 1970).
#[test]
fn an_archive_without_corrections_dates_its_empty_feed_in_the_site_zone() {
    for (zone, updated) in [
        ("Europe/London", "1970-01-01T00:00:00+01:00"),
        ("Asia/Tokyo", "1970-01-01T00:00:00+09:00"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let release = "```yaml\ntitle: Appeal\narea: Kent\npublish:\n  date: 10:00 01/03/2020\n```\n\nBody.\n";
        let settings = format!("timezone = \"{zone}\"\n");
        write_files(
            &content,
            &[("releases/r0.txt", release), ("site.toml", &settings)],
        );
        let output = dir.path().join("site");
        build_ok(&content, &output, Some(BASE_URL));
        let xml = read(&output, "corrections/feed.xml");
        let doc = Document::parse(&xml).expect("well-formed");
        let feed = doc.root_element();
        let entries = feed.children().filter(|n| n.has_tag_name((ATOM, "entry")));
        assert_eq!(entries.count(), 0);
        let stamp = (feed.children())
            .find(|n| n.has_tag_name((ATOM, "updated")))
            .and_then(|n| n.text());
        assert_eq!(stamp, Some(updated), "{zone}");
    }
}
