//! Property tests for the invariants blotter's safety rests on: parsing
//! never panics and reports lines that exist, the body renderer emits only
//! its own tags and escapes everything else, and slugs are always safe path
//! segments. Case counts are kept modest so the suite stays quick on two cores.

use proptest::prelude::*;

use blotter::load::{Kind, SourceFile};
use blotter::model::dates;
use blotter::model::{ReleaseId, Slug};
use blotter::render::body;

fn source(kind: Kind, text: &str) -> SourceFile {
    SourceFile::in_memory(kind, "x", text)
}

/// Lines that look like parts of real releases, so generated files reach
/// past the header detection into the YAML, date and body code.
fn release_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("```yaml".to_string()),
        Just("```".to_string()),
        Just("---".to_string()),
        Just("".to_string()),
        Just("publish:".to_string()),
        Just("og:".to_string()),
        Just("  title: x".to_string()),
        Just("\ttitle: tab".to_string()),
        Just("title: [a, b]".to_string()),
        Just("a: &a [1, 2]".to_string()),
        Just("b: [*a, *a]".to_string()),
        "title: [^\n]{0,40}",
        "area: [^\n]{0,20}",
        "  date: [0-9:/ -]{0,20}",
        "[0-9]{1,2}:[0-9]{2} [0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}",
        " ?date [0-9-]{0,12} [^\n]{0,20}",
        "[*-] [^\n]{0,30}",
        "[^\n]{0,60}",
    ]
}

fn release_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,300}",
        prop::collection::vec(release_line(), 0..16).prop_map(|lines| lines.join("\n")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any text parses to a release or to a diagnostic whose line exists.
    #[test]
    fn release_parser_never_panics_and_points_at_real_lines(text in release_text()) {
        let mut warnings = Vec::new();
        let result = blotter::parse::release(&source(Kind::Release, &text), &mut warnings);
        let last_line = text.lines().count().max(1);
        if let Err(d) = &result {
            prop_assert!(d.line <= last_line + 1, "{d} in {text:?}");
            prop_assert!(d.is_error());
        }
        for w in &warnings {
            prop_assert!(w.line >= 1 && w.line <= last_line, "{w} in {text:?}");
        }
        if let Ok(raw) = &result {
            prop_assert!(!raw.body.is_empty());
            prop_assert!(raw.body_line >= 1 && raw.body_line <= last_line, "body line {} of {text:?}", raw.body_line);
        }
    }

    #[test]
    fn sidecar_parser_never_panics(text in release_text()) {
        if let Err(d) = blotter::parse::sidecar(&source(Kind::Sidecar, &text), &mut Vec::new()) {
            prop_assert!(d.line <= text.lines().count() + 1, "{d} in {text:?}");
        }
    }

    /// Bytes to text: never panics; text never keeps a CR or a BOM.
    #[test]
    fn decoding_never_panics_and_normalises(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(text) = blotter::load::decode(&bytes) {
            prop_assert!(!text.contains('\r') && !text.starts_with('\u{feff}'), "{:?}", text);
        }
    }

    /// Every `<` in the output opens one of the renderer's own tags, and
    /// every link it makes is an http(s) URL inside a quoted attribute.
    #[test]
    fn body_html_contains_only_its_own_tags(text in body_text()) {
        let html = body::to_html(&text);
        prop_assert!(!html.to_ascii_lowercase().contains("<script"));
        const TAGS: [&str; 9] = ["<p>", "</p>", "<br>", "<ul>", "</ul>", "<li>", "</li>", "</a>", "<a href=\""];
        for (i, _) in html.match_indices('<') {
            let rest = &html[i..];
            let tag = TAGS.iter().find(|t| rest.starts_with(**t));
            prop_assert!(tag.is_some(), "stray `<` at {i} in {html:?}");
            if let Some(&"<a href=\"") = tag {
                let href = &rest[9..rest[9..].find('"').map_or(rest.len(), |e| e + 9)];
                let lower = href.to_ascii_lowercase();
                prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{href:?}");
                prop_assert!(rest[9 + href.len()..].starts_with("\" rel=\"nofollow\">"), "{html:?}");
                prop_assert!(!href.contains(['<', '>', '\'']), "{href:?}");
            }
        }
        prop_assert_eq!(html.matches("<p>").count(), html.matches("</p>").count());
        prop_assert_eq!(html.matches("<a href").count(), html.matches("</a>").count());
    }

    /// Without URLs and list markers, the text comes back unchanged once
    /// the tags are taken off and the entities decoded: nothing is lost,
    /// nothing is interpreted (modulo the documented trimming and the
    /// collapsing of blank-line runs).
    #[test]
    fn plain_body_round_trips(text in "[a-zA-Z0-9 <>&\"'.,;#_!?()\n]{0,200}") {
        let html = body::to_html(&text);
        let back: Vec<String> = html
            .split("</p>\n")
            .filter(|p| !p.is_empty())
            .map(|p| {
                let inner = p.strip_prefix("<p>").unwrap_or(p).replace("<br>\n", "\n");
                html_escape::decode_html_entities(&inner).into_owned()
            })
            .collect();
        let mut expected: Vec<String> = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() {
                if !current.is_empty() {
                    expected.push(current.join("\n"));
                    current.clear();
                }
            } else {
                current.push(line.trim());
            }
        }
        if !current.is_empty() {
            expected.push(current.join("\n"));
        }
        prop_assert_eq!(back, expected, "{:?} -> {:?}", text, html);
    }

    #[test]
    fn slugs_are_always_safe_path_segments(text in prop_oneof![".{0,200}", "[ ./\\\\&-]{0,10}", "(con|nul|aux|prn|com1|lpt9)"]) {
        let slug = Slug::from_text(&text);
        let s = slug.as_str();
        prop_assert!(!s.is_empty() && s.len() <= 70, "{s:?}");
        prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{s:?}");
        prop_assert!(!s.starts_with('-') && !s.ends_with('-') && !s.contains("--"), "{s:?}");
        prop_assert!(!matches!(s, "con" | "nul" | "aux" | "prn" | "com1" | "lpt9"), "{s:?}");
        prop_assert_eq!(&slug, &Slug::from_text(&text));
    }

    #[test]
    fn accepted_release_ids_are_single_safe_segments(stem in ".{0,130}") {
        if let Ok(id) = ReleaseId::parse(&stem) {
            let id = id.as_str();
            prop_assert!(!id.contains(['/', '\\']) && !id.starts_with('.') && !id.is_empty());
            prop_assert!(id.len() <= 120);
        }
    }

    /// Dates are day-first, and any real date, with or without a time,
    /// gets a moment in Europe/London without panicking.
    #[test]
    fn british_dates_round_trip_and_localise(y in 1000i32..=9999, m in 1u32..=12, d in 1u32..=31, h in 0u32..24, min in 0u32..60) {
        let text = format!("{h:02}:{min:02} {d:02}/{m:02}/{y}");
        let real = chrono::NaiveDate::from_ymd_opt(y, m, d);
        match (dates::parse(&text), real) {
            (Ok(parsed), Some(real)) => {
                prop_assert_eq!(parsed.date, real);
                let _ = parsed.localise(chrono_tz::Europe::London);
            }
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "{text}: {got:?} vs {want:?}"),
        }
    }

    #[test]
    fn date_parser_never_panics(text in "[0-9:/T Z-]{0,25}|.{0,30}") {
        if let Ok(date) = dates::parse(&text) {
            let _ = date.localise(chrono_tz::Europe::London);
        }
    }
}

/// Body text weighted towards what the renderer treats specially.
fn body_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("https://".to_string()),
        Just("HTTP://".to_string()),
        Just("http://x.uk/a?b=1&c=\"2\"".to_string()),
        Just("<script>".to_string()),
        Just("\"><img onerror=x>".to_string()),
        Just("javascript:".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("\n * ".to_string()),
        Just("\n- ".to_string()),
        Just(")".to_string()),
        Just("(".to_string()),
        ".{0,12}",
    ];
    prop_oneof![
        ".{0,200}",
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat()),
    ]
}

/// Renders `text` and fails if it takes longer than `limit`.
fn renders_within(text: &str, limit: std::time::Duration) {
    let started = std::time::Instant::now();
    let html = body::to_html(text);
    let took = started.elapsed();
    assert!(html.len() >= text.len() / 2);
    assert!(took < limit, "{took:?} for {:?}…", &text[..20]);
}

/// Long runs of what the link finder looks at must not make rendering
/// quadratic: scraped lines run to hundreds of kilobytes.
#[test]
fn long_lines_and_url_runs_render_in_bounded_time() {
    let n = 20_000;
    for text in [
        format!("http://a{}", ".".repeat(n)),
        format!("http://a{}", "(".repeat(n)),
        "h".repeat(n * 10),
        "http://".repeat(n),
        format!("{} ", "word".repeat(n * 10)),
    ] {
        renders_within(&text, std::time::Duration::from_millis(500));
    }
}

/// Regression, found by this suite: `url_at` in src/render/body.rs used to
/// recount the parentheses of the whole URL for each trailing `)`, so a URL
/// followed by n `)` cost O(n^2) (20,000 took ~13 s in a debug build).
#[test]
fn a_url_followed_by_many_closing_parens_renders_in_bounded_time() {
    renders_within(
        &format!("http://a{}", ")".repeat(20_000)),
        std::time::Duration::from_millis(500),
    );
}
