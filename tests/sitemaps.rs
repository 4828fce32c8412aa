//! Sitemaps and robots.txt: every URL listed is a page of the output,
//! every release is listed, no sitemap is over the protocol's limit; and
//! without a base URL none is written, with one notice saying why.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use roxmltree::Document;
use support::*;

const SITEMAPS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

fn generate(content: &Path, releases: usize) {
    for i in 0..releases {
        let date = format!(
            "10:{:02} {:02}/{:02}/{}",
            i % 60,
            1 + i % 28,
            1 + i % 12,
            2019 + i % 3
        );
        let area = ["Kent", "Essex", "Cumbria"][i % 3];
        let text = format!(
            "```yaml\ntitle: Appeal {i}\narea: {area}\npublish:\n  date: {date}\n```\n\nBody {i}.\n"
        );
        write_files(content, &[(&format!("releases/r{i:04}.txt"), &text)]);
    }
    let sidecar = "---\ntags: [Fraud]\ncorrections:\n  - date: 2024-01-05\n    text: Fixed.\n---\n";
    write_files(content, &[("releases/r0000.md", sidecar)]);
}

/// The `<loc>`s (with their `<lastmod>`s) of one sitemap file.
fn locations(xml: &str, element: &str) -> Vec<(String, Option<String>)> {
    let doc = Document::parse(xml).expect("well-formed XML");
    (doc.descendants())
        .filter(|n| n.has_tag_name((SITEMAPS, element)))
        .map(|n| {
            let field = |name| {
                n.children()
                    .find(|c| c.has_tag_name((SITEMAPS, name)))
                    .and_then(|c| c.text())
                    .map(str::to_string)
            };
            (field("loc").expect("a <loc>"), field("lastmod"))
        })
        .collect()
}

fn file_of(output: &Path, url: &str) -> PathBuf {
    let path = url
        .strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{url} is not absolute"));
    match path.is_empty() || path.ends_with('/') {
        true => output.join(path).join("index.html"),
        false => output.join(path),
    }
}

#[test]
fn sitemaps_list_every_page_that_exists_and_every_release() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    generate(&content, 120);
    build_ok(&content, &output, Some(BASE_URL));

    let robots = read(&output, "robots.txt");
    assert!(
        robots
            .lines()
            .any(|l| l == format!("Sitemap: {BASE_URL}sitemap.xml")),
        "{robots}"
    );

    let index = locations(&read(&output, "sitemap.xml"), "sitemap");
    assert_eq!(index.len(), 4, "the pages, and releases of three years");
    let mut listed = BTreeSet::new();
    for (sitemap, lastmod) in index {
        assert!(lastmod.is_some(), "{sitemap} has a lastmod");
        let urls = locations(
            &std::fs::read_to_string(file_of(&output, &sitemap)).unwrap(),
            "url",
        );
        assert!(urls.len() <= blotter::render::SITEMAP_LIMIT);
        for (url, lastmod) in urls {
            assert!(
                file_of(&output, &url).is_file(),
                "{url} is listed but not written"
            );
            if let Some(lastmod) = lastmod {
                chrono::DateTime::parse_from_rfc3339(&lastmod).expect("W3C datetime");
            }
            assert!(listed.insert(url.clone()), "{url} is listed twice");
        }
    }
    for i in 0..120 {
        assert!(
            listed.contains(&format!("{BASE_URL}releases/r{i:04}/")),
            "r{i:04}"
        );
    }
    // Every page a reader can land on is listed: each listing page of
    // every kind (a force's months, a tag's years, the corrections log).
    let pages: Vec<String> = (snapshot(&output).into_iter())
        .filter_map(|(path, _)| {
            let path = path.to_string_lossy().replace('\\', "/");
            path.strip_suffix("index.html").map(str::to_string)
        })
        .collect();
    for page in ["", "areas/kent/2019/", "corrections/", "tags/fraud/"] {
        assert!(pages.iter().any(|p| p == page), "{page} is not written");
    }
    assert!(pages
        .iter()
        .any(|p| p.starts_with("areas/kent/2019/") && p.len() > 16));
    for page in pages {
        assert!(
            listed.contains(&format!("{BASE_URL}{page}")),
            "{page} is not listed"
        );
    }
    assert!(!listed.iter().any(|url| url.ends_with("404.html")));
    // A corrected release is dated by its correction.
    let releases_2019 = read(&output, "sitemap-releases-2019.xml");
    let corrected = locations(&releases_2019, "url");
    let corrected = corrected
        .iter()
        .find(|(url, _)| url.ends_with("/r0000/"))
        .unwrap();
    assert_eq!(corrected.1.as_deref(), Some("2024-01-05T00:00:00+00:00"));
}

#[test]
fn without_a_base_url_no_sitemap_atom_or_archive_is_written_and_one_notice_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (content, output) = (dir.path().join("content"), dir.path().join("site"));
    generate(&content, 60);
    let report = build_ok(&content, &output, None);

    let notices: Vec<String> = (report.diagnostics.iter())
        .map(|d| d.to_string())
        .filter(|d| d.contains("base_url"))
        .collect();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert!(notices[0].contains("sitemaps"), "{}", notices[0]);
    assert!(notices[0].contains("warning"), "a notice, not an error");
    for absent in [
        "sitemap.xml",
        "robots.txt",
        "feed.xml",
        "feed",
        "areas/kent/feed.xml",
        "areas/kent/feed",
    ] {
        assert!(
            !output.join(absent).exists(),
            "{absent} written without a base URL"
        );
    }
    assert!(output.join("feed.json").is_file());
    assert!(output.join("tags/fraud/feed.json").is_file());
    let home = read(&output, "index.html");
    assert!(
        !home.contains("application/atom+xml"),
        "no link to an Atom feed"
    );
    assert!(home.contains("application/feed+json"));
}
