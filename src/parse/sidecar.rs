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
    /// The front matter had errors (reported when parsed) and what is here
    /// is the rest of it: still checked, never published.
    pub invalid: bool,
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
    /// Where the quote is written: its line and 1-based column (0 when
    /// not found as written, say when escaped).
    pub quote_line: usize,
    pub quote_col: usize,
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
/// sidecar whose front matter cannot be read is an `Err`, its further
/// errors in `warnings` too. Front matter that breaks the schema is read
/// without the parts it refused, its errors go to `warnings` and the
/// sidecar is marked `invalid`: the rest of it is still checked.
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
    let (meta, errors, pruned) = yaml::from_block_partial::<Meta>(yaml_text, yaml_line, &META);
    let invalid = !errors.is_empty();
    let mut errors = errors.into_iter().map(|e| {
        let mut d = Diagnostic::error(
            &file.path,
            e.line,
            format!("invalid front matter: {}", e.message),
        )
        .at_span(e.col, e.len);
        d.help = e.help;
        d
    });
    let Some(meta) = meta else {
        // Nothing could be read; the first error is the sidecar's, the
        // rest are reported beside it.
        let first = errors
            .next()
            .unwrap_or_else(|| Diagnostic::error(&file.path, yaml_line, "invalid front matter"));
        warnings.extend(errors);
        return Err(first);
    };
    warnings.extend(errors);
    let locator = yaml::Locator::new(yaml_text, yaml_line);
    let line_of = |path: &[Step]| locator.line(path);
    let at = |key: &str| line_of(&[Step::Key(key)]).unwrap_or(yaml_line);
    // Each item of a list at its own line; a flow list (`[a, b]`) at the key's.
    let item_lines = |key: &str, count: usize| -> Vec<usize> {
        (0..count)
            .map(|i| pruned.written_index(key, i))
            .map(|i| line_of(&[Step::Key(key), Step::Index(i)]).unwrap_or_else(|| at(key)))
            .collect()
    };
    let place = |value: String, line: usize| {
        let col = col_of(yaml_text, yaml_line, line, &value);
        Spanned::new(value, line).at_col(col)
    };
    let spanned = |v: Option<Text>, key: &str| v.map(|t| place(t.0, at(key)));
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
        tags: zip_lines(tags.into_iter().map(|t| t.0), &tag_lines, place),
        related: zip_lines(related.into_iter().map(|t| t.0), &related_lines, place),
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
            .enumerate()
            .map(|(i, (n, &line))| {
                let written = pruned.written_index("notes", i);
                let quote_path = [Step::Key("notes"), Step::Index(written), Step::Key("quote")];
                let quote = place(n.quote.0, line_of(&quote_path).unwrap_or(line));
                RawNote {
                    quote: quote.value,
                    prefix: n.prefix.map(|t| t.0),
                    suffix: n.suffix.map(|t| t.0),
                    note: n.note.0,
                    line,
                    quote_line: quote.line,
                    quote_col: quote.col,
                }
            })
            .collect(),
        commentary: commentary.trim_end().to_string(),
        commentary_line,
        invalid,
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

fn zip_lines(
    values: impl Iterator<Item = String>,
    lines: &[usize],
    place: impl Fn(String, usize) -> Spanned<String>,
) -> Vec<Spanned<String>> {
    values.zip(lines).map(|(v, &line)| place(v, line)).collect()
}

/// 1-based column (in characters) of `value` on file line `line` of a
/// block that starts at file line `first_line`, looked for after the
/// line's key; 0 when it is not written there as it reads (escaped or
/// folded), so a message then marks the whole line.
fn col_of(yaml: &str, first_line: usize, line: usize, value: &str) -> usize {
    let text = line
        .checked_sub(first_line)
        .and_then(|i| yaml.lines().nth(i));
    let (Some(text), false) = (text, value.is_empty()) else {
        return 0;
    };
    let start = text.find(": ").map_or(0, |i| i + 2);
    text[start..]
        .find(value)
        .map_or(0, |at| text[..start + at].chars().count() + 1)
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
        assert_eq!(s.title, Some(Spanned::new("New".into(), 2).at_col(8)));
        assert_eq!(s.tags.iter().map(|t| t.line).collect::<Vec<_>>(), [3, 3]);
        assert_eq!(s.notes.iter().map(|n| n.line).collect::<Vec<_>>(), [5, 7]);
        assert_eq!(s.related[0], Spanned::new("002_x".into(), 10).at_col(5));
        assert_eq!((s.notes[1].quote_line, s.notes[1].quote_col), (7, 12));
        assert_eq!(s.commentary_line, 12);
    }

    #[test]
    fn unknown_key_is_an_error_at_its_span_with_a_hint_and_the_rest_is_read() {
        let file = SourceFile::in_memory(
            Kind::Sidecar,
            "x",
            "---\ntitle: x\ntgas: [a]\nrelated: [b]\n---\n",
        );
        let mut diags = Vec::new();
        let s = sidecar(&file, &mut diags).unwrap();
        assert!(s.invalid);
        assert_eq!(s.related[0].value, "b", "the other keys are still read");
        let e = &diags[0];
        assert_eq!((e.line, e.col, e.len), (3, 1, 4), "{e}");
        assert_eq!(e.message, "invalid front matter: unknown key `tgas`");
        assert_eq!(e.help.as_deref(), Some("did you mean `tags`?"));
    }

    #[test]
    fn a_note_missing_its_text_is_left_out_and_the_others_kept() {
        let file = SourceFile::in_memory(
            Kind::Sidecar,
            "x",
            "---\nnotes:\n  - quote: a\n  - quote: b\n    note: fine\n---\n",
        );
        let mut diags = Vec::new();
        let s = sidecar(&file, &mut diags).unwrap();
        assert_eq!(s.notes.len(), 1);
        assert_eq!((s.notes[0].quote.as_str(), s.notes[0].line), ("b", 4));
        assert_eq!(diags[0].line, 3, "{:?}", diags[0]);
    }
}
