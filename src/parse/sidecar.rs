//! A sidecar `<stem>.md`: optional `---` YAML front matter, then markdown
//! commentary. Unlike release headers (scraped, so lenient), front matter is
//! written by maintainers, so an unknown key is an error: `tgas:` must not be
//! silently ignored.

use serde::Deserialize;

use super::yaml::{self, Field, Schema, Step, Text, TEXT};
use super::{front_matter, Cleaner, Spanned};
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
    #[serde(default, deserialize_with = "yaml::some_text")]
    title: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    area: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    date: Option<Text>,
    // Lists are optional so that a key with nothing after it (`tags:`,
    // `tags: ~`) is an empty list, as the schema check has it.
    tags: Option<Vec<Text>>,
    corrections: Option<Vec<Correction>>,
    notes: Option<Vec<Note>>,
    related: Option<Vec<Text>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Correction {
    date: Text,
    text: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    quote: Text,
    #[serde(default, deserialize_with = "yaml::some_text")]
    prefix: Option<Text>,
    #[serde(default, deserialize_with = "yaml::some_text")]
    suffix: Option<Text>,
    note: Text,
}

const DATE: Schema = Schema::Text {
    example: Some("2021-01-05"),
};

const fn field(key: &'static str, schema: Schema, required: bool) -> Field {
    Field {
        key,
        schema,
        required,
    }
}

/// What [`Meta`] reads: an unknown key is an error, at every level.
static META: Schema = Schema::Map {
    fields: &[
        field("title", TEXT, false),
        field("area", TEXT, false),
        field("date", DATE, false),
        field(
            "tags",
            Schema::List {
                item: &TEXT,
                what: "a list of text",
            },
            false,
        ),
        field(
            "corrections",
            Schema::List {
                item: &Schema::Map {
                    fields: &[field("date", DATE, true), field("text", TEXT, true)],
                    strict: true,
                    what: "a correction (`date:` and `text:` lines)",
                },
                what: "a list of corrections (`- date:` and `text:` lines)",
            },
            false,
        ),
        field(
            "notes",
            Schema::List {
                item: &Schema::Map {
                    fields: &[
                        field("quote", TEXT, true),
                        field("prefix", TEXT, false),
                        field("suffix", TEXT, false),
                        field("note", TEXT, true),
                    ],
                    strict: true,
                    what: "a note (`quote:` and `note:` lines)",
                },
                what: "a list of notes (`- quote:` and `note:` lines)",
            },
            false,
        ),
        field(
            "related",
            Schema::List {
                item: &TEXT,
                what: "a list of release ids",
            },
            false,
        ),
    ],
    strict: true,
    what: "`key: value` lines",
};

/// Parses one sidecar. Warnings (text replaced) go to `warnings`; a
/// sidecar that cannot be read is an `Err`, and its further errors (every
/// type error of its front matter) go to `warnings` too.
pub fn sidecar(
    file: &SourceFile,
    warnings: &mut Vec<Diagnostic>,
) -> Result<RawSidecar, Diagnostic> {
    warnings.extend(file.warnings.iter().cloned());
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
    let meta: Meta = yaml::from_block(yaml_text, yaml_line, &META).map_err(|errors| {
        let mut errors = errors.into_iter().map(|e| {
            Diagnostic::error(
                &file.path,
                e.line,
                format!("invalid front matter: {}", e.message),
            )
            .at_col(e.col)
        });
        // Never empty; the first is the error, the rest are reported beside it.
        let first = errors
            .next()
            .unwrap_or_else(|| Diagnostic::error(&file.path, yaml_line, "invalid front matter"));
        warnings.extend(errors);
        first
    })?;
    let locator = yaml::Locator::new(yaml_text, yaml_line);
    let line_of = |path: &[Step]| locator.line(path);
    let at = |key: &str| line_of(&[Step::Key(key)]).unwrap_or(yaml_line);
    // Each item of a list at its own line; a flow list (`[a, b]`) at the key's.
    let item_lines = |key: &str, count: usize| -> Vec<usize> {
        (0..count)
            .map(|i| line_of(&[Step::Key(key), Step::Index(i)]).unwrap_or_else(|| at(key)))
            .collect()
    };
    let spanned = |v: Option<Text>, key: &str| v.map(|t| Spanned::new(t.0, at(key)));
    let tags = meta.tags.unwrap_or_default();
    let related = meta.related.unwrap_or_default();
    let notes = meta.notes.unwrap_or_default();
    let corrections = meta.corrections.unwrap_or_default();
    let tag_lines = item_lines("tags", tags.len());
    let related_lines = item_lines("related", related.len());
    let note_lines = item_lines("notes", notes.len());
    let correction_lines = item_lines("corrections", corrections.len());
    let mut raw = RawSidecar {
        title: spanned(meta.title, "title"),
        area: spanned(meta.area, "area"),
        date: spanned(meta.date, "date"),
        tags: zip_lines(tags.into_iter().map(|t| t.0), &tag_lines),
        related: zip_lines(related.into_iter().map(|t| t.0), &related_lines),
        corrections: corrections
            .into_iter()
            .zip(&correction_lines)
            .map(|(c, &line)| RawCorrection {
                date: c.date.0,
                text: c.text.0,
                line,
            })
            .collect(),
        notes: notes
            .into_iter()
            .zip(&note_lines)
            .map(|(n, &line)| RawNote {
                quote: n.quote.0,
                prefix: n.prefix.map(|t| t.0),
                suffix: n.suffix.map(|t| t.0),
                note: n.note.0,
                line,
            })
            .collect(),
        commentary: commentary.trim_end().to_string(),
        commentary_line,
    };
    let mut cleaner = Cleaner::for_yaml(yaml_text);
    for field in [&mut raw.title, &mut raw.area, &mut raw.date] {
        cleaner.spanned_line(field);
    }
    for item in raw.tags.iter_mut().chain(&mut raw.related) {
        cleaner.line(&mut item.value, item.line);
    }
    for c in &mut raw.corrections {
        cleaner.line(&mut c.date, c.line);
        cleaner.text(&mut c.text, c.line);
    }
    for n in &mut raw.notes {
        for text in [&mut n.quote, &mut n.note]
            .into_iter()
            .chain(n.prefix.as_mut())
            .chain(n.suffix.as_mut())
        {
            cleaner.text(text, n.line);
        }
    }
    cleaner.warnings(&file.path, warnings);
    Ok(raw)
}

fn zip_lines(values: impl Iterator<Item = String>, lines: &[usize]) -> Vec<Spanned<String>> {
    values
        .zip(lines)
        .map(|(v, &line)| Spanned::new(v, line))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Kind;

    fn parse(text: &str) -> Result<RawSidecar, Diagnostic> {
        let file = SourceFile::in_memory(Kind::Sidecar, "x", text);
        sidecar(&file, &mut Vec::new())
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
