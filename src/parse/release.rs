//! The three header shapes of scraped releases (see the brief), plus `---`
//! front matter:
//!
//! 1. a ```` ```yaml ```` fence with `title`, `url`, `area`, `og.*`, `publish.date`;
//! 2. the same fence without `publish.date`: the body's first line is the date;
//! 3. a first line ` date YYYY-MM-DD Title`, no area.

use serde::Deserialize;

use super::yaml::{self, Field, Schema, Step, Text, TEXT};
use super::{front_matter, Cleaner, Spanned};
use crate::diagnostics::Diagnostic;
use crate::load::SourceFile;
use crate::plain::offset_in;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    FencedYaml,
    FrontMatter,
    HeaderLine,
}

/// A release as written: strings still raw (entities undecoded), the date
/// still text. `body` excludes the header and a leading date line.
#[derive(Debug, Clone)]
pub struct RawRelease {
    pub shape: Shape,
    pub title: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub area: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub og_title: Option<Spanned<String>>,
    pub og_description: Option<Spanned<String>>,
    pub og_image: Option<Spanned<String>>,
    pub og_url: Option<Spanned<String>>,
    pub body: String,
    /// File line of the body's first line.
    pub body_line: usize,
    /// Byte offset of the body in the file's normalised text, so the body
    /// can be fetched again later instead of kept in memory.
    pub body_offset: usize,
}

#[derive(Debug, Default, Deserialize)]
struct Header {
    #[serde(default, deserialize_with = "yaml::some_text")]
    title: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    url: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    area: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    date: Option<Text>,
    og: Option<Og>,
    publish: Option<Publish>,
}

#[derive(Debug, Default, Deserialize)]
struct Og {
    #[serde(default, deserialize_with = "yaml::some_text")]
    title: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    description: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    image: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    url: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
struct Publish {
    #[serde(default, deserialize_with = "yaml::some_text")]
    date: Option<Text>,
}

/// A release time as scraped.
const DATE: Schema = Schema::Text {
    example: Some("13:36 02/07/2020"),
};

/// What [`Header`] reads; other keys are scraped extras and ignored.
static HEADER: Schema = Schema::Map {
    fields: &[
        text_field("title", TEXT),
        text_field("url", TEXT),
        text_field("area", TEXT),
        text_field("date", DATE),
        Field {
            key: "og",
            schema: Schema::Map {
                fields: &[
                    text_field("title", TEXT),
                    text_field("description", TEXT),
                    text_field("image", TEXT),
                    text_field("url", TEXT),
                ],
                strict: false,
                what: "`key: value` lines (`title:`, `description:`...)",
            },
            required: false,
        },
        Field {
            key: "publish",
            schema: Schema::Map {
                fields: &[text_field("date", DATE)],
                strict: false,
                what: "`key: value` lines (`date:`)",
            },
            required: false,
        },
    ],
    strict: false,
    what: "`key: value` lines",
};

const fn text_field(key: &'static str, schema: Schema) -> Field {
    Field {
        key,
        schema,
        required: false,
    }
}

/// Parses one release file. Warnings (a value cut short by ` #`, text
/// replaced) go to `warnings`; a file that cannot be read as a release is
/// an `Err`, and any further errors of it (every type error of its header)
/// go to `warnings` too.
pub fn release(
    file: &SourceFile,
    warnings: &mut Vec<Diagnostic>,
) -> Result<RawRelease, Diagnostic> {
    warnings.extend(file.warnings.iter().cloned());
    let text = file.text.as_str();
    let lead = text.len() - text.trim_start_matches(['\n', ' ', '\t']).len();
    let lead_lines = text[..lead].matches('\n').count();
    let start = text[..lead].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[start..];
    if text.trim().is_empty() {
        return Err(Diagnostic::error(
            &file.path,
            0,
            "empty file: no header and no body",
        ));
    }
    let first = rest.lines().next().unwrap_or("").trim();
    let raw = if is_yaml_fence(first) {
        fenced(file, rest, lead_lines + 1, warnings)?
    } else if first == "---" {
        fronted(file, rest, lead_lines + 1, warnings)?
    } else if let Some((date, title)) = header_line(first) {
        let (body, body_line) = body_after(rest, 1, lead_lines + 1);
        let line = lead_lines + 1;
        let mut title = (!title.is_empty()).then(|| Spanned::new(title.to_string(), line));
        let mut cleaner = Cleaner::default();
        cleaner.spanned_line(&mut title);
        cleaner.warnings(&file.path, warnings);
        RawRelease {
            shape: Shape::HeaderLine,
            title,
            date: Some(Spanned::new(date.to_string(), line)),
            body: body.to_string(),
            body_offset: offset_in(&file.text, body),
            body_line,
            ..empty(Shape::HeaderLine)
        }
    } else {
        return Err(Diagnostic::error(&file.path, lead_lines + 1, "unknown header shape").with_help(
            "a release opens with a ```yaml fence, `---` front matter, or a line ` date YYYY-MM-DD Title`",
        ));
    };
    // A header with nothing after it is a failed scrape, not a release:
    // publishing it would put an empty page behind a real-looking title.
    if raw.body.is_empty() {
        return Err(Diagnostic::error(
            &file.path,
            lead_lines + 1,
            "release has a header but no body text",
        )
        .with_help("check the scrape: the release text should follow the header"));
    }
    Ok(raw)
}

fn empty(shape: Shape) -> RawRelease {
    RawRelease {
        shape,
        title: None,
        url: None,
        area: None,
        date: None,
        og_title: None,
        og_description: None,
        og_image: None,
        og_url: None,
        body: String::new(),
        body_line: 0,
        body_offset: 0,
    }
}

fn is_yaml_fence(line: &str) -> bool {
    matches!(line.to_ascii_lowercase().as_str(), "```yaml" | "```yml")
}

/// ` date 2020-07-02 Title`: the date token must look like a date, so a
/// body that merely starts with the word "date" is not mistaken for a header.
fn header_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix("date")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let (date, title) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let shaped = date.len() >= 8 && date.chars().all(|c| c.is_ascii_digit() || c == '-');
    shaped.then_some((date, title.trim()))
}

/// `text` opens with a fence line (line `line0` of the file).
fn fenced(
    file: &SourceFile,
    text: &str,
    line0: usize,
    warnings: &mut Vec<Diagnostic>,
) -> Result<RawRelease, Diagnostic> {
    let mut offset = text.find('\n').map_or(text.len(), |i| i + 1);
    let yaml_start = offset;
    for (i, line) in text[offset..].split_inclusive('\n').enumerate() {
        if line.trim() == "```" {
            let yaml = &text[yaml_start..offset];
            let body_from = offset + line.len();
            return with_header(
                file,
                yaml,
                line0 + 1,
                &text[body_from..],
                line0 + i + 2,
                Shape::FencedYaml,
                warnings,
            );
        }
        offset += line.len();
    }
    Err(
        Diagnostic::error(&file.path, line0, "the ```yaml fence is never closed")
            .with_help("end the header with a line of three backticks"),
    )
}

fn fronted(
    file: &SourceFile,
    text: &str,
    line0: usize,
    warnings: &mut Vec<Diagnostic>,
) -> Result<RawRelease, Diagnostic> {
    match front_matter(text) {
        Some(Ok(fm)) => with_header(
            file,
            fm.yaml,
            line0 + fm.yaml_line - 1,
            fm.rest,
            line0 + fm.rest_line - 1,
            Shape::FrontMatter,
            warnings,
        ),
        _ => Err(
            Diagnostic::error(&file.path, line0, "the `---` front matter is never closed")
                .with_help("end the front matter with a line `---`"),
        ),
    }
}

fn with_header(
    file: &SourceFile,
    yaml_text: &str,
    yaml_line: usize,
    rest: &str,
    rest_line: usize,
    shape: Shape,
    warnings: &mut Vec<Diagnostic>,
) -> Result<RawRelease, Diagnostic> {
    let header: Header = yaml::from_block(yaml_text, yaml_line, &HEADER).map_err(|errors| {
        let mut errors = errors.into_iter().map(|e| {
            Diagnostic::error(
                &file.path,
                e.line,
                format!("invalid YAML header: {}", e.message),
            )
            .at_col(e.col)
        });
        // Never empty; the first is the error, the rest are reported beside it.
        let first = errors
            .next()
            .unwrap_or_else(|| Diagnostic::error(&file.path, yaml_line, "invalid YAML header"));
        warnings.extend(errors);
        first
    })?;
    for (line, key) in yaml::truncating_comments(yaml_text, yaml_line) {
        warnings.push(
            Diagnostic::warning(
                &file.path,
                line,
                format!("`{key}` is cut short: YAML reads ` #` and what follows as a comment"),
            )
            .with_help("put the value in double quotes"),
        );
    }
    let locator = yaml::Locator::new(yaml_text, yaml_line);
    let spanned = |v: Option<Text>, path: &[Step]| {
        v.map(|t| Spanned::new(t.0, locator.line(path).unwrap_or(yaml_line)))
    };
    let og = header.og.unwrap_or_default();
    let date = match header.publish.and_then(|p| p.date) {
        Some(date) => spanned(Some(date), &[Step::Key("publish"), Step::Key("date")]),
        None => spanned(header.date, &[Step::Key("date")]),
    };
    let og_field = |key| [Step::Key("og"), Step::Key(key)];
    let mut raw = RawRelease {
        title: spanned(header.title, &[Step::Key("title")]),
        url: spanned(header.url, &[Step::Key("url")]),
        area: spanned(header.area, &[Step::Key("area")]),
        date,
        og_title: spanned(og.title, &og_field("title")),
        og_description: spanned(og.description, &og_field("description")),
        og_image: spanned(og.image, &og_field("image")),
        og_url: spanned(og.url, &og_field("url")),
        ..empty(shape)
    };
    let mut cleaner = Cleaner::for_yaml(yaml_text);
    for field in [
        &mut raw.title,
        &mut raw.url,
        &mut raw.area,
        &mut raw.date,
        &mut raw.og_title,
        &mut raw.og_image,
        &mut raw.og_url,
    ] {
        cleaner.spanned_line(field);
    }
    cleaner.spanned_text(&mut raw.og_description);
    cleaner.warnings(&file.path, warnings);
    let (mut body, mut body_line) = body_after(rest, 0, rest_line);
    if raw.date.is_none() {
        // Shape 2: the date is the body's first line, and it is metadata.
        let first = body.lines().next().unwrap_or("");
        if looks_like_date_line(first) {
            raw.date = Some(Spanned::new(first.trim().to_string(), body_line));
            let skip = first.len() + 1;
            (body, body_line) = body_after(body.get(skip..).unwrap_or(""), 0, body_line + 1);
        }
    }
    raw.body_offset = offset_in(&file.text, body);
    raw.body = body.to_string();
    raw.body_line = body_line;
    Ok(raw)
}

/// The body after skipping `skip_lines` lines and then any blank lines.
/// Returns it with the file line it starts on (`line` is the line of `text`'s first line).
fn body_after(text: &str, skip_lines: usize, line: usize) -> (&str, usize) {
    let mut offset = 0;
    let mut line = line;
    for _ in 0..skip_lines {
        offset = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        line += 1;
    }
    for l in text[offset..].split_inclusive('\n') {
        if !l.trim().is_empty() {
            break;
        }
        offset += l.len();
        line += 1;
    }
    (text[offset..].trim_end(), line)
}

/// `11:29 02/07/2020` or `02/07/2020`: digits and separators in that shape.
fn looks_like_date_line(line: &str) -> bool {
    let line = line.trim();
    let date = match line.split_once(' ') {
        Some((time, date)) => {
            // A zone after the time (`10:00Z`, `10:00+01:00`) is the time's
            // own, for the model to honour, not a reason to read it as body.
            let (time, zone) = time.split_at(time.find(['Z', 'z', '+', '-']).unwrap_or(time.len()));
            let zone_ok = matches!(zone, "" | "Z" | "z")
                || (zone.len() >= 3
                    && zone.len() <= 6
                    && zone[1..].chars().all(|c| c.is_ascii_digit() || c == ':'));
            let ok = zone_ok
                && time.split(':').count() == 2
                && time.chars().all(|c| c.is_ascii_digit() || c == ':');
            if !ok {
                return false;
            }
            date.trim()
        }
        None => line,
    };
    date.split('/').count() == 3
        && date.chars().all(|c| c.is_ascii_digit() || c == '/')
        && date.len() <= 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Kind;

    fn parse(text: &str) -> Result<RawRelease, Diagnostic> {
        let file = SourceFile::in_memory(Kind::Release, "x", text);
        release(&file, &mut Vec::new())
    }

    #[test]
    fn shape_one_fenced_yaml_with_publish_date() {
        let r = parse("```yaml\narea: Kent\npublish:\n  date: 13:36 02/07/2020\ntitle: T | Kent Police\n```\n\nBody one.\n").unwrap();
        assert_eq!(r.shape, Shape::FencedYaml);
        assert_eq!(r.date, Some(Spanned::new("13:36 02/07/2020".into(), 4)));
        assert_eq!(r.area.unwrap().value, "Kent");
        assert_eq!(r.title.unwrap().line, 5);
        assert_eq!(r.body, "Body one.");
        assert_eq!(r.body_line, 8);
    }

    #[test]
    fn shape_two_date_is_first_body_line_and_not_body() {
        let r = parse("```yaml\ntitle: T\n```\n\n11:29 02/07/2020\n\nMore than.\n").unwrap();
        assert_eq!(r.date, Some(Spanned::new("11:29 02/07/2020".into(), 5)));
        assert_eq!(r.body, "More than.");
        assert_eq!(r.body_line, 7);
    }

    #[test]
    fn shape_three_header_line() {
        let r = parse(" date 2020-07-02 North Wales Police key role\n\nOfficers.\n").unwrap();
        assert_eq!(r.shape, Shape::HeaderLine);
        assert_eq!(r.date.unwrap().value, "2020-07-02");
        assert_eq!(r.title.unwrap().value, "North Wales Police key role");
        assert_eq!(r.body, "Officers.");
        assert_eq!(r.body_line, 3);
    }

    #[test]
    fn front_matter_is_accepted() {
        let r = parse("---\ntitle: A\ndate: 2021-01-05\n---\nText\n").unwrap();
        assert_eq!(r.shape, Shape::FrontMatter);
        assert_eq!(r.date.unwrap().line, 3);
        assert_eq!(r.body, "Text");
    }

    #[test]
    fn bad_shapes_are_errors_with_lines() {
        assert_eq!(
            parse("").unwrap_err().message,
            "empty file: no header and no body"
        );
        assert_eq!(parse("Hello\n").unwrap_err().line, 1);
        let e = parse("```yaml\ntitle: x\n").unwrap_err();
        assert_eq!((e.line, e.message.contains("never closed")), (1, true));
        let e = parse("```yaml\ntitle: [a, b]\n```\nx\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse("\n date 2021-01-01 Title\n\n  \n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "release has a header but no body text")
        );
    }

    #[test]
    fn body_offset_points_at_the_body_in_every_shape() {
        for text in [
            "```yaml\ntitle: T\npublish:\n  date: 02/07/2020\n```\n\nBody A.\n",
            "```yaml\ntitle: T\n```\n\n11:29 02/07/2020\n\n\nBody B.\n",
            "\n date 2020-07-02 T\n\nBody C.\n",
            "---\ntitle: T\n---\nBody D.\n",
        ] {
            let r = parse(text).unwrap();
            assert_eq!(
                &text[r.body_offset..r.body_offset + r.body.len()],
                r.body,
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_top_level_title_after_og_title_has_its_own_line() {
        let r = parse("```yaml\nog:\n  title: Nested\ntitle: Top\npublish:\n  date: 02/07/2020\ndate: 03/07/2020\n```\n\nBody.\n").unwrap();
        assert_eq!(r.title, Some(Spanned::new("Top".into(), 4)));
        assert_eq!(r.og_title, Some(Spanned::new("Nested".into(), 3)));
        assert_eq!(r.date, Some(Spanned::new("02/07/2020".into(), 6)));
    }

    #[test]
    fn every_type_error_of_a_header_is_reported() {
        let file = SourceFile::in_memory(
            Kind::Release,
            "x",
            "```yaml\ntitle: [a]\nurl: {a: b}\nog:\n  image: [x]\n```\n\nBody.\n",
        );
        let mut more = Vec::new();
        let first = release(&file, &mut more).unwrap_err();
        let lines: Vec<usize> = std::iter::once(&first)
            .chain(&more)
            .map(|d| d.line)
            .collect();
        assert_eq!(lines, [2, 3, 5]);
    }

    #[test]
    fn a_date_line_may_carry_an_offset() {
        let r = parse("```yaml\ntitle: T\n```\n\n10:00Z 01/07/2021\n\nBody.\n").unwrap();
        assert_eq!(r.date.unwrap().value, "10:00Z 01/07/2021");
        assert_eq!(r.body, "Body.");
        assert!(!looks_like_date_line("10:00Zulu 01/07/2021"));
    }

    #[test]
    fn a_body_starting_with_the_word_date_is_not_a_header() {
        assert!(header_line("date night ruined").is_none());
        assert!(header_line(" date 2020-07-02 T").is_some());
    }
}
