//! No listing page grows with the archive: at 100,000 releases every HTML
//! page but a release's own stays under a size budget.
//!
//! Building 100,000 releases is too slow for a test, so this builds a few
//! thousand packed into a short span, chosen so that each bucket a page
//! lists (a day, an area's month, a tag's year) holds as many releases as
//! it would at archive scale. The archive's shape is the benchmark corpus's
//! (benches/gen_corpus.py): releases spread evenly over 19 years and 55
//! areas, about a fifth of them in no known area (one "Unknown area"),
//! a fifth with a sidecar carrying one to four of 19 tags.

mod support;

use std::path::Path;

use support::*;

/// The largest HTML page a reader's phone should fetch.
const BUDGET: usize = 150 * 1024;

/// The archive this test stands for.
const ARCHIVE: f64 = 100_000.0;
const ARCHIVE_DAYS: f64 = 19.0 * 365.25;
const ARCHIVE_TAGS: f64 = 19.0;
/// Tag uses per release: a fifth of releases, 2.5 tags each.
const TAGS_PER_RELEASE: f64 = 0.2 * 2.5;

/// Releases built: the same per-day density as the archive over fewer days.
const RELEASES: usize = 3000;
const AREAS: usize = 55;

/// Days the test's releases span: the archive's releases per day.
fn span_days() -> usize {
    (RELEASES as f64 * ARCHIVE_DAYS / ARCHIVE).round() as usize
}

/// Tags, so that a tag's year holds as many releases as at archive scale:
/// the span fits in about one year, where the archive has a tag's
/// releases spread over nineteen.
fn tag_count() -> usize {
    let per_tag_year = ARCHIVE * TAGS_PER_RELEASE / ARCHIVE_TAGS / 19.0;
    ((RELEASES as f64 * TAGS_PER_RELEASE / per_tag_year).round() as usize).max(1)
}

/// A small deterministic generator (the test must not vary by run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn generate(content: &Path) {
    let mut rng = Lcg(1);
    let start = chrono::NaiveDate::from_ymd_opt(2021, 3, 1).unwrap();
    let teaser = "Officers investigating a serious assault outside a nightclub in the town centre are appealing for witnesses and for anyone with dashcam or doorbell footage of the area between midnight and two in the morning.";
    for i in 0..RELEASES {
        let day = start + chrono::Days::new(rng.below(span_days()) as u64);
        let area = match rng.below(5) {
            // No area and no force named: the "Unknown area".
            0 => String::new(),
            _ => format!("area: Force number {}\n", rng.below(AREAS)),
        };
        let text = format!(
            "```yaml\ntitle: Police appeal for witnesses after an incident in a town centre, number {i}\n{area}og:\n  description: \"{teaser}\"\nurl: https://www.example.police.uk/news/{i}/\npublish:\n  date: {:02}:{:02} {}\n```\n\nBody of release {i}.\n",
            7 + rng.below(16),
            rng.below(60),
            day.format("%d/%m/%Y"),
        );
        let mut files = vec![(format!("releases/{:02}/r{i:05}.txt", i % 30), text)];
        if rng.below(5) == 0 {
            let tags: Vec<String> = (0..1 + rng.below(4))
                .map(|_| format!("topic-{}", rng.below(tag_count())))
                .collect();
            let sidecar = format!("---\ntags: [{}]\n---\n\nCommentary.\n", tags.join(", "));
            files.push((format!("releases/{:02}/r{i:05}.md", i % 30), sidecar));
        }
        for (path, text) in &files {
            write_files(content, &[(path, text)]);
        }
    }
}

#[test]
fn no_listing_page_outgrows_its_budget_at_archive_scale() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    generate(&content);
    let out = dir.path().join("site");
    build_ok(&content, &out, Some(BASE_URL));
    let mut largest: Vec<(usize, String)> = snapshot(&out)
        .into_iter()
        .map(|(path, bytes)| (bytes.len(), path.to_string_lossy().replace('\\', "/")))
        .filter(|(_, p)| p.ends_with(".html") && !p.starts_with("releases/"))
        .collect();
    largest.sort();
    let unknown = largest
        .iter()
        .filter(|(_, p)| p.starts_with("areas/unknown-area/2021/"));
    assert!(unknown.count() > 1, "the unknown area's months have pages");
    let over: Vec<_> = largest.iter().filter(|(size, _)| *size > BUDGET).collect();
    assert!(over.is_empty(), "pages over {BUDGET} bytes: {over:?}");
    // The largest pages, for a reader of the test's output.
    for (size, path) in largest.iter().rev().take(5) {
        println!("{size:>8} {path}");
    }
}
