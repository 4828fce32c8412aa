//! A sidecar `<stem>.md`: optional `---` YAML front matter, then markdown
//! commentary. Unlike release headers (scraped, so lenient), front matter is
//! written by maintainers, so an unknown key is an error: `tgas:` must not be
//! silently ignored.

use serde::Deserialize;

use super::yaml::{self, Text};
use super::{front_matter, Spanned};
use crate::diagnostics::Diagnostic;
use crate::load::SourceFile;

#[derive(Debug, Clone, Default)]
pub struct RawSidecar {
    pub title: Option<Spanned<String>>,
    pub area: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub tags: Vec<Spanned<String>>,
    pub corrections: Vec<RawCorrection>,
    pub notes: Vec<RawNote>,
    pub related: Vec<Spanned<String>>,
    /// Markdown commentary (may be empty).
    pub commentary: String,
    /// File line where the commentary starts.
    pub commentary_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCorrection {
    pub date: String,
    pub text: String,
    pub line: usize,
}

/// A passage note anchored by a W3C TextQuoteSelector (exact + prefix/suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawNote {
    pub quote: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub note: String,
    pub line: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    title: Option<Text>,
    area: Option<Text>,
    date: Option<Text>,
    #[serde(default)]
    tags: Vec<Text>,
    #[serde(default)]
    corrections: Vec<Correction>,
    #[serde(default)]
    notes: Vec<Note>,
    #[serde(default)]
    related: Vec<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Correction {
    date: Text,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    quote: String,
    prefix: Option<String>,
    suffix: Option<String>,
    note: String,
}

pub fn sidecar(file: &SourceFile) -> Result<RawSidecar, Diagnostic> {
    let (yaml_text, yaml_line, commentary, commentary_line) = match front_matter(&file.text) {
        None => ("", 1, file.text.as_str(), 1),
        Some(Ok(fm)) => (fm.yaml, fm.yaml_line, fm.rest, fm.rest_line),
        Some(Err(line)) => {
            return Err(Diagnostic::error(
                &file.path,
                line,
                "the `---` front matter is never closed",
            )
            .with_help("end the front matter with a line `---`"))
        }
    };
    let meta: Meta = yaml::from_block(yaml_text, yaml_line).map_err(|e| {
        Diagnostic::error(
            &file.path,
            e.line,
            format!("invalid front matter: {}", e.message),
        )
        .at_col(e.col)
    })?;
    let at = |key: &str| yaml::line_of_key(yaml_text, yaml_line, key).unwrap_or(yaml_line);
    let item_lines = |key: &str, count: usize| list_item_lines(yaml_text, yaml_line, key, count);
    let spanned = |v: Option<Text>, key: &str| v.map(|t| Spanned::new(t.0, at(key)));
    let tag_lines = item_lines("tags", meta.tags.len());
    let related_lines = item_lines("related", meta.related.len());
    let note_lines = item_lines("notes", meta.notes.len());
    let correction_lines = item_lines("corrections", meta.corrections.len());
    Ok(RawSidecar {
        title: spanned(meta.title, "title"),
        area: spanned(meta.area, "area"),
        date: spanned(meta.date, "date"),
        tags: zip_lines(meta.tags.into_iter().map(|t| t.0), &tag_lines),
        related: zip_lines(meta.related.into_iter().map(|t| t.0), &related_lines),
        corrections: meta
            .corrections
            .into_iter()
            .zip(&correction_lines)
            .map(|(c, &line)| RawCorrection {
                date: c.date.0,
                text: c.text,
                line,
            })
            .collect(),
        notes: meta
            .notes
            .into_iter()
            .zip(&note_lines)
            .map(|(n, &line)| RawNote {
                quote: n.quote,
                prefix: n.prefix,
                suffix: n.suffix,
                note: n.note,
                line,
            })
            .collect(),
        commentary: commentary.trim_end().to_string(),
        commentary_line,
    })
}

fn zip_lines(values: impl Iterator<Item = String>, lines: &[usize]) -> Vec<Spanned<String>> {
    values
        .zip(lines)
        .map(|(v, &line)| Spanned::new(v, line))
        .collect()
}

/// File lines of the `count` items of a top-level list `key`. Items written
/// in block style (`- x`) get their own line; a flow list (`[a, b]`) and any
/// shortfall fall back to the key's line, so there is always one per item.
fn list_item_lines(yaml: &str, first_line: usize, key: &str, count: usize) -> Vec<usize> {
    let key_line = yaml::line_of_key(yaml, first_line, key).unwrap_or(first_line);
    let mut lines = Vec::with_capacity(count);
    for (i, line) in yaml.lines().enumerate().skip(key_line - first_line + 1) {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if indent == 0
            && !trimmed.is_empty()
            && !trimmed.starts_with('-')
            && !trimmed.starts_with('#')
        {
            break; // the next top-level key
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            let item_indent = indent;
            // Only items of this list, not of a nested one.
            if lines.is_empty() || item_indent <= first_item_indent(yaml, key_line - first_line + 1)
            {
                lines.push(first_line + i);
            }
        }
    }
    lines.resize(count.max(lines.len()), key_line);
    lines.truncate(count);
    lines
}

fn first_item_indent(yaml: &str, from: usize) -> usize {
    yaml.lines()
        .skip(from)
        .find(|l| l.trim_start().starts_with('-'))
        .map_or(0, |l| l.len() - l.trim_start().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Kind;

    fn parse(text: &str) -> Result<RawSidecar, Diagnostic> {
        let file = SourceFile::in_memory(Kind::Sidecar, "x", text);
        sidecar(&file)
    }

    #[test]
    fn plain_markdown_has_no_overrides() {
        let s = parse("Some *commentary*.\n").unwrap();
        assert!(s.title.is_none());
        assert_eq!(s.commentary, "Some *commentary*.");
        assert_eq!(s.commentary_line, 1);
    }

    #[test]
    fn front_matter_overrides_and_lists_with_lines() {
        let s = parse("---\ntitle: New\ntags: [a, b]\nnotes:\n  - quote: one\n    note: first\n  - quote: two\n    note: second\nrelated:\n  - 002_x\n---\nBody\n").unwrap();
        assert_eq!(s.title, Some(Spanned::new("New".into(), 2)));
        assert_eq!(s.tags.iter().map(|t| t.line).collect::<Vec<_>>(), [3, 3]);
        assert_eq!(s.notes.iter().map(|n| n.line).collect::<Vec<_>>(), [5, 7]);
        assert_eq!(s.related[0], Spanned::new("002_x".into(), 10));
        assert_eq!(s.commentary_line, 12);
    }

    #[test]
    fn unknown_key_is_an_error_on_its_line() {
        let e = parse("---\ntitle: x\ntgas: [a]\n---\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("unknown field `tgas`"), "{}", e.message);
    }
}
