//! What readers see beyond a release's text: sharing metadata and JSON-LD,
//! provenance (Wayback links, the corrections log), navigation between
//! dates, the calendar, breadcrumbs and the home page's order.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::*;

const XSS_TITLE: &str = "</script><script>alert(1)</script>";

/// The sample plus Kent releases on days, months and years with gaps
/// between them, one with a hostile title, tags and two corrections.
fn fixture(base_url: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_tree(&sample_content(), &content);
    let release = |title: &str, date: &str| {
        format!("```yaml\ntitle: \"{title}\"\narea: Kent\nurl: https://www.kent.police.uk/news/{}/\npublish:\n  date: {date}\n```\n\nBody of the release.\n", date.replace(['/', ' ', ':'], "-"))
    };
    write_files(
        &content,
        &[
            ("releases/k1.txt", &release(XSS_TITLE, "10:15 05/03/2021")),
            ("releases/k1.md", "---\ntags: [fraud, kent-news]\ncorrections:\n  - date: 2021-03-09\n    text: Second fix.\n  - date: 2021-03-06\n    text: First fix.\n---\n"),
            ("releases/k2.txt", &release("Second Kent appeal", "09:00 07/03/2021")),
            ("releases/k3.txt", &release("May appeal", "12:00 01/05/2021")),
            ("releases/k4.txt", &release("Later appeal", "12:00 10/01/2023")),
        ],
    );
    let output = dir.path().join("site");
    build_ok(&content, &output, base_url);
    (dir, output)
}

/// Every HTML page of a built site, by path under it.
fn pages(out: &Path) -> Vec<(String, String)> {
    snapshot(out)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
        .map(|(p, bytes)| {
            let path = p.to_string_lossy().replace('\\', "/");
            (path, String::from_utf8(bytes).unwrap())
        })
        .collect()
}

/// `content` of `<meta property="{property}" ...>` tags, in order.
fn meta(html: &str, property: &str) -> Vec<String> {
    let open = format!("<meta property=\"{property}\" content=\"");
    html.split(&open)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

fn json_ld(html: &str) -> Vec<Value> {
    html.split("<script type=\"application/ld+json\">")
        .skip(1)
        .map(|s| serde_json::from_str(s.split("</script>").next().unwrap()).unwrap())
        .collect()
}

#[test]
fn every_page_has_sharing_metadata_and_a_canonical_link() {
    let (_dir, out) = fixture(Some(BASE_URL));
    for (path, html) in pages(&out) {
        for property in ["og:title", "og:description", "og:type", "og:site_name"] {
            assert_eq!(meta(&html, property).len(), 1, "{path}: {property}");
        }
        assert!(
            html.contains("<meta name=\"twitter:card\" content=\"summary\">"),
            "{path}"
        );
        assert!(html.contains("<link rel=\"icon\" href=\""), "{path}");
        let canonical = html.contains("<link rel=\"canonical\"");
        let url = meta(&html, "og:url");
        if path == "404.html" {
            assert!(!canonical && url.is_empty(), "{path}");
            continue;
        }
        let own = format!("{BASE_URL}{}", path.trim_end_matches("index.html"));
        assert_eq!(url, std::slice::from_ref(&own), "{path}");
        assert!(
            html.contains(&format!("<link rel=\"canonical\" href=\"{own}\">")),
            "{path}"
        );
        let kind = if path.starts_with("releases/") {
            "article"
        } else {
            "website"
        };
        assert_eq!(meta(&html, "og:type"), [kind], "{path}");
    }
}

#[test]
fn without_a_base_url_there_is_no_canonical_link() {
    let (_dir, out) = fixture(None);
    for (path, html) in pages(&out) {
        assert!(!html.contains("rel=\"canonical\""), "{path}");
        assert!(meta(&html, "og:url").is_empty(), "{path}");
    }
}

#[test]
fn a_release_is_an_article_with_news_article_json_ld() {
    let (_dir, out) = fixture(Some(BASE_URL));
    let html = read(&out, "releases/k1/index.html");
    assert!(
        !html.contains("<script>alert"),
        "the title closed a script element"
    );
    assert_eq!(
        meta(&html, "og:title"),
        ["&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"]
    );
    assert_eq!(
        meta(&html, "article:published_time"),
        ["2021-03-05T10:15:00+00:00"]
    );
    assert_eq!(meta(&html, "article:modified_time"), ["2021-03-09"]);
    assert_eq!(meta(&html, "article:section"), ["Kent"]);
    assert_eq!(meta(&html, "article:tag"), ["fraud", "kent-news"]);
    let docs = json_ld(&html);
    assert_eq!(docs.len(), 2);
    let article = &docs[0];
    let url = format!("{BASE_URL}releases/k1/");
    assert_eq!(article["@type"], "NewsArticle");
    assert_eq!(article["headline"], XSS_TITLE);
    assert_eq!(article["datePublished"], "2021-03-05T10:15:00+00:00");
    assert_eq!(article["dateModified"], "2021-03-09");
    assert_eq!(article["sourceOrganization"]["@type"], "Organization");
    assert_eq!(article["sourceOrganization"]["name"], "Kent");
    assert_eq!(
        article["isBasedOn"],
        "https://www.kent.police.uk/news/10-15-05-03-2021/"
    );
    assert_eq!(
        article["keywords"],
        serde_json::json!(["fraud", "kent-news"])
    );
    assert_eq!(article["mainEntityOfPage"], url.as_str());
    let crumbs = &docs[1];
    assert_eq!(crumbs["@type"], "BreadcrumbList");
    let items = crumbs["itemListElement"].as_array().unwrap();
    assert_eq!(items[0]["item"], BASE_URL);
    assert_eq!(items.last().unwrap()["name"], XSS_TITLE);
    assert_eq!(items[2]["item"], format!("{BASE_URL}areas/kent/"));
    assert!(items.last().unwrap().get("item").is_none());
    // An uncorrected release was last modified when published.
    let plain = json_ld(&read(&out, "releases/k2/index.html")).remove(0);
    assert_eq!(plain["dateModified"], plain["datePublished"]);
}

#[test]
fn a_source_link_has_a_wayback_machine_link_beside_it() {
    let (_dir, out) = fixture(None);
    let html = read(&out, "releases/k1/index.html");
    assert!(html.contains("href=\"https://web.archive.org/web/20210305101500/https://www.kent.police.uk/news/10-15-05-03-2021/\""), "{html}");
    // The sample's West Mercia release: 12:36 UTC on a summer day.
    let html = read(&out, "releases/000_583377719fc25cb9/index.html");
    assert!(html
        .contains("https://web.archive.org/web/20200702123600/https://www.westmercia.police.uk/"));
    // No source, no Wayback link.
    let html = read(&out, "releases/004_c5ae0792fd4e02f5/index.html");
    assert!(!html.contains("web.archive.org"));
}

#[test]
fn the_corrections_log_lists_every_correction_newest_first() {
    let (_dir, out) = fixture(None);
    let log = read(&out, "corrections/index.html");
    let order: Vec<usize> = ["Second fix.", "First fix.", "£52kg"]
        .iter()
        .map(|text| log.find(text).unwrap_or_else(|| panic!("{text} missing")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(log.contains("<time datetime=\"2021-03-09\">9 March 2021</time>"));
    // Each entry links to its correction on the release page.
    for n in [1, 2] {
        let anchor = format!("#correction-{n}");
        assert!(
            log.contains(&format!("href=\"../releases/k1/{anchor}\"")),
            "{anchor}"
        );
        let page = read(&out, "releases/k1/index.html");
        assert!(
            page.contains(&format!("<li id=\"correction-{n}\">")),
            "{anchor}"
        );
    }
    assert!(log.contains("href=\"../releases/002_253a1e39986e1906/#correction-1\""));
    // Linked from the home page and every page's footer.
    assert!(read(&out, "index.html").contains("href=\"./corrections/\""));
    assert!(read(&out, "areas/index.html").contains("href=\"../corrections/\""));
}

#[test]
fn a_day_lists_its_releases_by_force_and_links_to_the_nearest_days() {
    let (_dir, out) = fixture(None);
    let day = read(&out, "dates/2020/07/02/index.html");
    let forces = ["Derbyshire", "North Wales", "West Mercia"];
    for force in forces {
        assert!(
            day.contains(&format!(
                ">{force} <span class=\"count\">1 release</span></h2>"
            )),
            "{force}"
        );
    }
    assert!(!day.contains("rel=\"prev\""));
    assert!(day.contains("<a rel=\"next\" href=\"../../../../dates/2021/03/05/\">"));
    let day = read(&out, "dates/2021/03/07/index.html");
    assert!(day.contains("<a rel=\"prev\" href=\"../../../../dates/2021/03/05/\">"));
    assert!(day.contains("<a rel=\"next\" href=\"../../../../dates/2021/05/01/\">"));
    // Months and years skip those without releases.
    let month = read(&out, "dates/2021/05/index.html");
    assert!(month.contains("<a rel=\"prev\" href=\"../../../dates/2021/03/\">"));
    assert!(month.contains("<a rel=\"next\" href=\"../../../dates/2023/01/\">"));
    let year = read(&out, "dates/2023/index.html");
    assert!(year.contains("<a rel=\"prev\" href=\"../../dates/2021/\">"));
    assert!(!year.contains("rel=\"next\""));
}

#[test]
fn a_month_is_a_calendar_table() {
    let (_dir, out) = fixture(None);
    let month = read(&out, "dates/2021/03/index.html");
    let table = month.split("<table class=\"calendar\">").nth(1).unwrap();
    let table = table.split("</table>").next().unwrap();
    assert!(table.contains("<caption>March 2021: releases by day</caption>"));
    assert_eq!(table.matches("<th scope=\"col\">").count(), 7);
    assert!(table.contains("<abbr title=\"Monday\">Mon</abbr>"));
    // 1 March 2021 is a Monday: five weeks, seven cells each.
    let body = table.split("<tbody>").nth(1).unwrap();
    let rows: Vec<&str> = body.split("<tr>").skip(1).collect();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.matches("<td").count() == 7));
    assert!(table.contains("<a href=\"../../../dates/2021/03/05/\">"));
    assert!(table.contains("<a href=\"../../../dates/2021/03/07/\">"));
    assert_eq!(table.matches("<a ").count(), 2);
    assert_eq!(table.matches("<td></td>").count(), 33);
}

/// WCAG 2.5.3 (label in name): a calendar day's link is named by its
/// visible day and count, with the month and "releases" for a screen
/// reader, not by an `aria-label` that leaves the visible text out.
#[test]
fn a_calendar_day_link_is_named_by_its_visible_day_and_count() {
    let (_dir, out) = fixture(None);
    let month = read(&out, "dates/2021/03/index.html");
    let link = month
        .split("<a href=\"../../../dates/2021/03/05/\"")
        .nth(1)
        .and_then(|rest| rest.split_once("</a>"))
        .map(|(link, _)| link)
        .unwrap();
    assert!(!link.contains("aria-label"), "{link}");
    let mut text = String::new();
    let mut in_tag = false;
    for c in link.chars().skip_while(|&c| c != '>').skip(1) {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    assert_eq!(text, "5 March 2021: 1 release");
}

#[test]
fn a_release_date_links_to_its_day() {
    let (_dir, out) = fixture(None);
    let html = read(&out, "releases/k2/index.html");
    assert!(html.contains(
        "<dd><a href=\"../../dates/2021/03/07/\"><time datetime=\"2021-03-07T09:00:00+00:00\">"
    ));
}

#[test]
fn every_page_has_breadcrumbs_one_h1_and_unique_ids() {
    let (_dir, out) = fixture(Some(BASE_URL));
    for (path, html) in pages(&out) {
        assert!(
            html.contains("<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">"),
            "{path}"
        );
        assert_eq!(html.matches("<h1").count(), 1, "{path}");
        let mut ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "{path} repeats an id");
    }
}

#[test]
fn the_home_page_offers_browsing_before_the_long_lists() {
    let (_dir, out) = fixture(None);
    let home = read(&out, "index.html");
    let at = |text: &str| home.find(text).unwrap_or_else(|| panic!("{text}"));
    let browse = at("<nav class=\"browse\"");
    assert!(at(">Browse by force</a>") > browse && at(">Browse by date</a>") > browse);
    assert!(at(">Browse by date</a>") < at("<ol class=\"releases\">"));
    assert!(at(">Browse by force</a>") < at("<ul class=\"counts\">"));
}

#[test]
fn the_home_page_counts_tags_and_corrections() {
    let (_dir, out) = fixture(None);
    let home = read(&out, "index.html");
    // The sample's three tags and one correction, and Kent's two of each.
    assert!(home.contains(">Browse by tag</a> <span class=\"count\">5 tags</span>"));
    assert!(home.contains(">Corrections log</a> <span class=\"count\">3 corrections</span>"));
}

#[test]
fn tags_are_listed_by_year() {
    let (_dir, out) = fixture(None);
    let tag = read(&out, "tags/fraud/index.html");
    assert!(
        tag.contains("<a href=\"../../tags/fraud/2021/\">2021</a> <span class=\"count\">1</span>")
    );
    let year = read(&out, "tags/fraud/2021/index.html");
    assert_eq!(release_links(&year), ["k1"]);
    assert!(year.contains("<h2>March 2021</h2>"));
}
