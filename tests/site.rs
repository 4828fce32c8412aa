//! Builds fixture sites into temporary folders and checks the output files
//! the way a reader would meet them.

mod support;

use std::path::Path;

use serde_json::Value;
use support::*;

/// The bundled sample plus fixtures for the rules the seeds don't exercise.
fn fixture_site(content: &Path) {
    copy_tree(&sample_content(), content);
    write_files(
        content,
        &[
            (
                "releases/more/010_title_only.txt",
                "```yaml\narea: kent\npublish:\n  date: 09:15 14/01/2021\ntitle: Appeal after burglary in Dover &amp;amp; Deal | Kent Police\nurl: https://www.kent.police.uk/news/1/\nog:\n  description: Officers seized &#163;7m of goods.\n```\n\nOfficers seized:\n * a van\n - &#163;5,000 in cash\n\nSee <script>alert('x')</script> and https://www.kent.police.uk/appeal.\n",
            ),
            (
                "releases/more/deeper/011_header_line.txt",
                "\u{feff} date 2021-01-14 Kent Police appeal for witnesses\r\n\r\nA plain body.\r\n",
            ),
        ],
    );
}

fn built_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    fixture_site(&content);
    let output = dir.path().join("site");
    build_ok(&content, &output, Some(BASE_URL));
    (dir, output)
}

#[test]
fn the_2_july_2020_day_page_lists_all_three_sample_releases() {
    let (_dir, out) = built_fixture();
    let day = read(&out, "dates/2020/07/02/index.html");
    assert_eq!(
        release_links(&day),
        [
            "000_583377719fc25cb9",
            "002_253a1e39986e1906",
            "004_c5ae0792fd4e02f5"
        ]
    );
    assert!(
        !out.join("dates/2020/02").exists(),
        "02/07/2020 was read month-first"
    );
    assert!(read(&out, "dates/2020/index.html").contains("July"));
    assert!(read(&out, "dates/2020/07/index.html").contains("href=\"../../../dates/2020/07/02/\""));
}

#[test]
fn feed_dates_carry_the_london_offset() {
    let (_dir, out) = built_fixture();
    let feed: Value = serde_json::from_str(&read(&out, "feed.json")).unwrap();
    let dates: Vec<(&str, &str)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["date_published"].as_str().unwrap(),
            )
        })
        .collect();
    let date_of = |prefix: &str| dates.iter().find(|(t, _)| t.starts_with(prefix)).unwrap().1;
    assert_eq!(
        date_of("West Midlands police forces"),
        "2020-07-02T13:36:00+01:00"
    );
    assert_eq!(date_of("Multi-million pound"), "2020-07-02T11:29:00+01:00");
    // A bare date is local midnight; a winter date is +00:00.
    assert_eq!(
        date_of("North Wales Police key role"),
        "2020-07-02T00:00:00+01:00"
    );
    assert_eq!(
        date_of("Appeal after burglary"),
        "2021-01-14T09:15:00+00:00"
    );
}

#[test]
fn titles_follow_the_precedence_rules() {
    let (_dir, out) = built_fixture();
    let title = |id: &str| {
        let html = read(&out, &format!("releases/{id}/index.html"));
        let h1 = html
            .split("<h1>")
            .nth(1)
            .unwrap()
            .split("</h1>")
            .next()
            .unwrap()
            .to_string();
        h1
    };
    // og.title wins over title.
    assert_eq!(
        title("000_583377719fc25cb9"),
        "West Midlands police forces help UK’s biggest law enforcement operation"
    );
    // Without og.title: title minus its " | site" suffix, entities decoded once.
    assert_eq!(
        title("010_title_only"),
        "Appeal after burglary in Dover &amp;amp; Deal"
    );
    // The header line's title.
    assert_eq!(title("011_header_line"), "Kent Police appeal for witnesses");
    assert_eq!(title("004_c5ae0792fd4e02f5"), "North Wales Police key role in Operation Venetic – The UK’s biggest ever law enforcement operation");
}

#[test]
fn areas_exist_and_list_their_releases() {
    let (_dir, out) = built_fixture();
    for (slug, ids) in [
        ("west-mercia", vec!["000_583377719fc25cb9"]),
        ("derbyshire", vec!["002_253a1e39986e1906"]),
        ("north-wales", vec!["004_c5ae0792fd4e02f5"]),
        // `area: kent` and a title naming Kent Police: one area.
        ("kent", vec!["010_title_only", "011_header_line"]),
    ] {
        assert_eq!(
            release_links(&read(&out, &format!("areas/{slug}/index.html"))),
            ids,
            "{slug}"
        );
        // A year lists its months; the months list the releases.
        let year = format!("areas/{slug}/{}", if slug == "kent" { 2021 } else { 2020 });
        let mut listed = Vec::new();
        for month in std::fs::read_dir(out.join(&year)).unwrap() {
            let month = month.unwrap().file_name().into_string().unwrap();
            if month.len() == 2 {
                let link = format!("href=\"../../../{year}/{month}/\"");
                assert!(read(&out, &format!("{year}/index.html")).contains(&link));
                listed.extend(release_links(&read(
                    &out,
                    &format!("{year}/{month}/index.html"),
                )));
            }
        }
        listed.sort();
        assert_eq!(listed, ids, "{year}");
    }
    let areas = read(&out, "areas/index.html");
    for name in ["West Mercia", "Derbyshire", "North Wales", "Kent"] {
        assert!(
            areas.contains(&format!(">{name}</a>")),
            "{name} missing from areas/"
        );
    }
    assert!(!out.join("areas/unknown-area").exists());
}

#[test]
fn bodies_are_escaped_plain_text_with_lists_and_links() {
    let (_dir, out) = built_fixture();
    let html = read(&out, "releases/010_title_only/index.html");
    assert!(html.contains("<li>a van</li>"));
    // Entities in the body are text, not markup: shown as written.
    assert!(html.contains("<li>&amp;#163;5,000 in cash</li>"));
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("<a href=\"https://www.kent.police.uk/appeal\" rel=\"nofollow\">"));
    // Metadata entities are decoded: the description reads £7m.
    assert!(html.contains("content=\"Officers seized £7m of goods.\""));
    let seed = read(&out, "releases/004_c5ae0792fd4e02f5/index.html");
    let body = seed
        .split("aria-label=\"Release text\">")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    // The seed has a run of five blank lines: still one paragraph break.
    assert!(body.contains("cracked the company’s encryption.</p>\n<p>There were 60,000 users"));
    assert!(!body.contains("<p></p>") && !body.contains("<br>"));
}

#[test]
fn release_pages_show_facts_breadcrumbs_and_neighbours() {
    let (_dir, out) = built_fixture();
    let html = read(&out, "releases/010_title_only/index.html");
    assert!(
        html.contains("<time datetime=\"2021-01-14T09:15:00+00:00\">14 January 2021, 09:15</time>")
    );
    assert!(html.contains("href=\"https://www.kent.police.uk/news/1/\""));
    assert!(html.contains("<a href=\"../../areas/kent/\">Kent</a>"));
    assert!(html.contains("aria-current=\"page\""));
    // Kent's two releases link to each other, newest to oldest.
    assert!(html.contains("rel=\"prev\" href=\"../../releases/011_header_line/\""));
    let bare = read(&out, "releases/011_header_line/index.html");
    assert!(
        bare.contains("<time datetime=\"2021-01-14\">14 January 2021</time>"),
        "a bare date shows no time"
    );
    assert!(bare.contains("rel=\"next\" href=\"../../releases/010_title_only/\""));
}

#[test]
fn json_feed_has_the_required_fields_and_types() {
    let (_dir, out) = built_fixture();
    for path in [
        "feed.json",
        "areas/kent/feed.json",
        "areas/north-wales/feed.json",
    ] {
        let feed: Value = serde_json::from_str(&read(&out, path)).unwrap();
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert!(feed["title"].is_string());
        assert_eq!(
            feed["feed_url"].as_str().unwrap(),
            format!("{BASE_URL}{path}")
        );
        assert!(feed["home_page_url"]
            .as_str()
            .unwrap()
            .starts_with(BASE_URL));
        let items = feed["items"].as_array().unwrap();
        assert!(!items.is_empty());
        let mut ids = std::collections::HashSet::new();
        for item in items {
            let id = item["id"].as_str().expect("id is a string");
            assert!(ids.insert(id.to_string()), "duplicate id {id}");
            assert!(item["url"].as_str().unwrap().starts_with(BASE_URL));
            assert!(item["content_html"].is_string());
            assert!(item["title"].is_string());
            let date = item["date_published"].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(date).expect("RFC 3339");
            assert!(item["tags"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_string));
            if let Some(external) = item.get("external_url") {
                assert!(external.as_str().unwrap().starts_with("https://"));
            }
        }
        let dates: Vec<&str> = items
            .iter()
            .map(|i| i["date_published"].as_str().unwrap())
            .collect();
        let parsed: Vec<_> = dates
            .iter()
            .map(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap())
            .collect();
        assert!(
            parsed.windows(2).all(|w| w[0] >= w[1]),
            "items are newest first"
        );
    }
}

#[test]
fn every_internal_link_works_under_a_subpath() {
    let (_dir, out) = built_fixture();
    let server = serve::Server::start(&out, "/archive/");
    let (broken, pages) = serve::broken_links(&server, "/archive/", BASE_URL);
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    assert!(pages >= 20, "crawled only {pages} pages");
}

#[test]
fn every_internal_link_works_at_a_domain_root() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_ok(
        &sample_content(),
        &out,
        Some("https://archive.example.org/"),
    );
    let server = serve::Server::start(&out, "/");
    let (broken, _) = serve::broken_links(&server, "/", "https://archive.example.org/");
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    fixture_site(&content);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build_ok(&content, &a, Some(BASE_URL));
    build_ok(&content, &b, Some(BASE_URL));
    let (sa, sb) = (snapshot(&a), snapshot(&b));
    assert!(sa.len() > 20);
    assert_eq!(sa, sb);
}

#[test]
fn the_site_has_the_github_pages_files() {
    let (_dir, out) = built_fixture();
    assert!(out.join(".nojekyll").is_file());
    assert!(out.join("static/style.css").is_file());
    let not_found = read(&out, "404.html");
    assert!(
        not_found.contains("href=\"/archive/areas/\""),
        "404 links must carry the base path"
    );
    let home = read(&out, "index.html");
    assert!(home.contains("type=\"application/feed+json\""));
    assert!(home.contains("Browse by force") && home.contains("Browse by date"));
}

#[test]
fn pages_have_no_blank_lines_outside_preformatted_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_ok(
        &sample_content(),
        &out,
        Some("https://example.org/archive/"),
    );
    let pages = snapshot(&out);
    let html: Vec<_> = (pages.iter())
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "html"))
        .collect();
    assert!(html.len() > 20, "{} pages", html.len());
    for (path, bytes) in html {
        let text = String::from_utf8_lossy(bytes);
        // Code in commentary keeps its blank lines: `<pre>` shows them.
        let outside_pre = (text.split("<pre").enumerate())
            .map(|(i, part)| match i {
                0 => part,
                _ => part.split_once("</pre>").map_or("", |(_, after)| after),
            })
            .collect::<Vec<_>>()
            .join("<pre></pre>");
        assert!(
            !outside_pre.contains("\n\n"),
            "{} has a blank line",
            path.display()
        );
    }
}
