//! The open data files: `data/YYYY.csv` per year, parsed back as CSV and
//! checked against what went in, and rewritten only for the year an edit
//! touches.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use chrono::TimeZone;
use chrono_tz::Europe;
use support::*;

const RELEASES: usize = 300;
const YEARS: [i32; 3] = [2019, 2020, 2021];

/// What a release's row must say.
struct Expected {
    date: String,
    area: &'static str,
    title: String,
    source: String,
    tags: String,
    corrections: usize,
}

/// Releases over three years, in two areas (one whose name needs quoting),
/// some with titles that need quoting, some tagged or corrected, one
/// dated without a time.
fn generate(content: &Path) -> BTreeMap<String, Expected> {
    let mut expected = BTreeMap::new();
    for i in 0..RELEASES {
        let id = format!("r{i:04}");
        let area = if i % 2 == 0 {
            "Kent"
        } else {
            "Harbour, Docks & \"Port\" Police"
        };
        let (year, month, day) = (YEARS[i % 3], 1 + (i / 3) % 12, 1 + i % 28);
        let title = match i % 5 {
            0 => format!("Arrest, charge and \"appeal\" number {i}"),
            1 => format!("Appeal number {i}; witnesses sought"),
            _ => format!("Appeal number {i}"),
        };
        let source = format!("https://www.kent.police.uk/news/{i}/?a=1&b=2");
        let title_yaml = title.replace('"', "\\\"");
        let text = format!(
            "```yaml\ntitle: \"{title_yaml}\"\nurl: {source}\narea: '{area}'\npublish:\n  date: 10:{:02} {day:02}/{month:02}/{year}\n```\n\nRelease {i} body.\n",
            i % 60
        );
        write_files(content, &[(&format!("releases/{id}.txt"), &text)]);
        let (mut tags, mut corrections) = (String::new(), 0);
        if i % 7 == 0 {
            let sidecar = "---\ntags: [Fraud, Road safety]\ncorrections:\n  - date: 2022-01-02\n    text: A name was wrong.\n  - date: 2022-02-03\n    text: So was a date.\n---\n";
            write_files(content, &[(&format!("releases/{id}.md"), sidecar)]);
            (tags, corrections) = ("fraud;road-safety".to_string(), 2);
        }
        let date = (Europe::London)
            .with_ymd_and_hms(year, month as u32, day as u32, 10, (i % 60) as u32, 0)
            .unwrap()
            .to_rfc3339();
        expected.insert(
            id,
            Expected {
                date,
                area,
                title,
                source,
                tags,
                corrections,
            },
        );
    }
    // A header-line release: a date with no time, no source, no area.
    write_files(
        content,
        &[(
            "releases/plain.txt",
            " date 2020-07-02 Plain, \"quoted\" title\n\nBody.\n",
        )],
    );
    expected.insert(
        "plain".into(),
        Expected {
            date: "2020-07-02T00:00:00+01:00".into(),
            area: "Unknown area",
            title: "Plain, \"quoted\" title".into(),
            source: String::new(),
            tags: String::new(),
            corrections: 0,
        },
    );
    expected
}

/// The rows of a year's file, each checked for eight fields.
fn rows(output: &Path, year: i32) -> Vec<csv::StringRecord> {
    let bytes = fs::read(output.join(format!("data/{year}.csv"))).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "date",
            "area",
            "title",
            "source_url",
            "page_url",
            "tags",
            "corrections"
        ]
    );
    reader.records().map(|r| r.unwrap()).collect()
}

#[test]
fn every_release_is_one_row_of_its_year_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let expected = generate(&content);
    let output = dir.path().join("site");
    build_ok(&content, &output, Some(BASE_URL));
    let mut seen = BTreeMap::new();
    for year in YEARS {
        let rows = rows(&output, year);
        let order: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r[1].to_string(), r[0].to_string()))
            .collect();
        let sorted = {
            let mut o = order.clone();
            o.sort_by_key(|(date, id)| {
                (
                    chrono::DateTime::parse_from_rfc3339(date).unwrap(),
                    id.clone(),
                )
            });
            o
        };
        assert_eq!(order, sorted, "{year}: by date, then id");
        for row in rows {
            let id = row[0].to_string();
            let want = &expected[&id];
            assert!(row[1].starts_with(&year.to_string()), "{id} in {year}");
            assert_eq!(&row[1], want.date, "{id}");
            assert_eq!(&row[2], want.area, "{id}");
            assert_eq!(&row[3], want.title, "{id}");
            assert_eq!(&row[4], want.source, "{id}");
            assert_eq!(&row[5], format!("{BASE_URL}releases/{id}/"));
            assert_eq!(&row[6], want.tags, "{id}");
            assert_eq!(row[7].parse::<usize>().unwrap(), want.corrections, "{id}");
            assert!(seen.insert(id.clone(), year).is_none(), "{id} twice");
        }
    }
    assert_eq!(seen.len(), expected.len(), "every release appears");
    let raw = read(&output, "data/2019.csv");
    assert!(
        raw.contains("\"Arrest, charge and \"\"appeal\"\" number 0\""),
        "quoted"
    );
    assert!(raw.ends_with("\r\n"));
    let readme = read(&output, "data/README.txt");
    for column in [
        "id",
        "date",
        "area",
        "title",
        "source_url",
        "page_url",
        "tags",
        "corrections",
    ] {
        assert!(
            readme.contains(&format!("\n{column} ")),
            "{column} described"
        );
    }
    assert!(readme.contains("data/2021.csv"));
    assert!(read(&output, "index.html").contains("href=\"./data/README.txt\""));
    assert!(read(&output, "dates/index.html").contains("href=\"../data/README.txt\""));
}

#[test]
fn without_a_base_url_page_urls_are_root_relative() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    write_files(
        &content,
        &[("releases/a.txt", " date 2020-07-02 Title\n\nBody.\n")],
    );
    let output = dir.path().join("site");
    build_ok(&content, &output, None);
    assert_eq!(&rows(&output, 2020)[0][5], "/releases/a/");
}

fn modified(output: &Path) -> BTreeMap<i32, (SystemTime, Vec<u8>)> {
    (YEARS.iter())
        .map(|&y| {
            let path = output.join(format!("data/{y}.csv"));
            let time = fs::metadata(&path).unwrap().modified().unwrap();
            (y, (time, fs::read(&path).unwrap()))
        })
        .collect()
}

#[test]
fn an_edit_rewrites_only_its_own_years_file() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    generate(&content);
    let output = dir.path().join("site");
    build_ok(&content, &output, Some(BASE_URL));
    let before = modified(&output);
    // Clocks with coarse timestamps would hide a rewrite.
    std::thread::sleep(std::time::Duration::from_millis(50));
    // r0004 is of 2020 (YEARS[4 % 3]).
    write_files(
        &content,
        &[("releases/r0004.md", "---\ntags: [New tag]\n---\n")],
    );
    build_ok(&content, &output, Some(BASE_URL));
    let after = modified(&output);
    for year in YEARS {
        let changed = before[&year] != after[&year];
        assert_eq!(changed, year == 2020, "{year}.csv rewritten: {changed}");
    }
    let row = rows(&output, 2020)
        .into_iter()
        .find(|r| &r[0] == "r0004")
        .unwrap();
    assert_eq!(&row[6], "new-tag");
}
