//! Feed size: however long the releases, each feed stays small enough for
//! a feed reader to fetch, and links to the whole text.

mod support;

use support::*;

#[test]
fn huge_releases_are_cut_in_feeds_with_a_link_to_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let paragraph = "Officers attended an address in the town centre. ".repeat(40);
    let huge_body = [paragraph.as_str(); 1200].join("\n\n");
    assert!(huge_body.len() > 2_000_000);
    let mut files: Vec<(String, String)> = (1..=5)
        .map(|n| {
            (
                format!("releases/huge_{n}.txt"),
                format!(" date 2021-03-0{n} Huge release {n}\n\n{huge_body}\n"),
            )
        })
        .collect();
    files.push((
        "releases/short.txt".into(),
        " date 2021-02-01 Short release\n\nA short text.\n".into(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_files(&content, &files);
    let output = dir.path().join("site");
    build_ok(&content, &output, Some(BASE_URL));

    let bytes = std::fs::read(output.join("feed.json")).unwrap();
    // Six items of at most 16 KB of text each, escaped, plus metadata.
    assert!(
        bytes.len() < 6 * 24 * 1024,
        "feed.json is {} bytes",
        bytes.len()
    );
    let feed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    for item in items {
        let html = item["content_html"].as_str().unwrap();
        let url = item["url"].as_str().unwrap();
        if item["title"] == "Short release" {
            assert_eq!(html, "<p>A short text.</p>\n", "a short text is whole");
            continue;
        }
        assert!(
            html.ends_with(&format!(
                "<p><a href=\"{url}\">Read the full release</a></p>\n"
            )),
            "{}",
            &html[html.len() - 200..]
        );
        assert_eq!(html.matches("<p>").count(), html.matches("</p>").count());
    }
    // The release page itself keeps the whole text.
    let page = read(&output, "releases/huge_1/index.html");
    assert!(page.len() > huge_body.len());
}

#[test]
fn text_that_grows_when_escaped_still_fits_the_item_limit() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    // Within the text cap, but more than four bytes of HTML per byte of text.
    let quotes = "<>&".repeat(5400);
    let text = format!(" date 2021-03-01 Quoted release\n\n{quotes}\n");
    write_files(&content, &[("releases/quoted.txt", text.as_str())]);
    let output = dir.path().join("site");
    build_ok(&content, &output, Some(BASE_URL));

    let feed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(output.join("feed.json")).unwrap()).unwrap();
    let item = &feed["items"][0];
    let html = item["content_html"].as_str().unwrap();
    assert!(
        html.len() <= 64 * 1024,
        "content_html is {} bytes",
        html.len()
    );
    let url = item["url"].as_str().unwrap();
    assert!(html.starts_with("<p>&lt;&gt;&amp;"), "{}", &html[..40]);
    assert!(html.ends_with(&format!(
        "<p><a href=\"{url}\">Read the full release</a></p>\n"
    )));
}
