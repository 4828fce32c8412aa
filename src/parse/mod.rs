//! Stage 2, parse: text to `RawRelease` / `RawSidecar`, faithfully and with
//! line numbers, and nothing more. Syntax only: whether a date is real or an
//! area is known is the model's business.

mod release;
mod sidecar;
pub mod yaml;

pub use release::{release, RawRelease, Shape};
pub use sidecar::{sidecar, RawCorrection, RawNote, RawSidecar};

use crate::diagnostics::Diagnostic;

/// A value and the 1-based line of its file that it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Spanned<T> {
    pub value: T,
    pub line: usize,
    /// 1-based column (in characters) where the value is written on its
    /// line; 0 when unknown (escaped, folded, or not looked for).
    pub col: usize,
}

impl<T> Spanned<T> {
    pub fn new(value: T, line: usize) -> Self {
        Spanned {
            value,
            line,
            col: 0,
        }
    }

    pub fn at_col(mut self, col: usize) -> Self {
        self.col = col;
        self
    }
}

impl Spanned<String> {
    /// A diagnostic's place on the line: the value, as written.
    pub fn span(&self) -> (usize, usize) {
        match self.col {
            0 => (0, 0),
            col => (col, self.value.chars().count()),
        }
    }
}

/// Cleans metadata values as they leave the YAML parser: a double-quoted
/// escape (`"\u0000"`) can make the control characters that reading the
/// file replaced, and bidirectional controls in one-line metadata can make
/// a title read differently from its text. Counts what it changed, for one
/// warning per file and kind.
#[derive(Default)]
pub(crate) struct Cleaner {
    /// Whether the block has an escape at all: without one, its values are
    /// as clean as the file's text already is.
    escapes: bool,
    replaced: crate::load::Replaced,
    bidi: (usize, usize),
}

/// Bidirectional embeddings, overrides and isolates (U+202A to U+202E,
/// U+2066 to U+2069): in a title they can show a reader other text than
/// the one indexed and searched.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl Cleaner {
    pub(crate) fn for_yaml(yaml: &str) -> Cleaner {
        Cleaner {
            escapes: yaml.contains('\\'),
            ..Cleaner::default()
        }
    }

    /// A value from the YAML block, at `line` of the file.
    pub(crate) fn text(&mut self, value: &mut String, line: usize) {
        if !self.escapes {
            return;
        }
        if let Some((clean, replaced)) = crate::load::replace_unsafe(value) {
            *value = clean;
            for (total, found) in [
                (&mut self.replaced.controls, replaced.controls),
                (&mut self.replaced.noncharacters, replaced.noncharacters),
            ] {
                if total.0 == 0 && found.0 > 0 {
                    total.1 = line;
                }
                total.0 += found.0;
            }
        }
    }

    /// A one-line value (a title, an area, a tag): also loses its
    /// bidirectional controls.
    pub(crate) fn line(&mut self, value: &mut String, line: usize) {
        self.text(value, line);
        // Every bidi control is encoded from the byte 0xE2 on.
        if memchr::memchr(0xe2, value.as_bytes()).is_none() {
            return;
        }
        let count = value.chars().filter(|&c| is_bidi_control(c)).count();
        if count > 0 {
            value.retain(|c| !is_bidi_control(c));
            if self.bidi.0 == 0 {
                self.bidi.1 = line;
            }
            self.bidi.0 += count;
        }
    }

    pub(crate) fn spanned_line(&mut self, value: &mut Option<Spanned<String>>) {
        if let Some(v) = value {
            self.line(&mut v.value, v.line);
        }
    }

    pub(crate) fn spanned_text(&mut self, value: &mut Option<Spanned<String>>) {
        if let Some(v) = value {
            self.text(&mut v.value, v.line);
        }
    }

    /// The warnings, one per kind.
    pub(crate) fn warnings(self, path: &std::path::Path, out: &mut Vec<Diagnostic>) {
        // `Replaced` lines are already file lines here.
        out.extend(self.replaced.warnings_at(path, 1, " in YAML values"));
        let (count, line) = self.bidi;
        if count > 0 {
            let what = match count {
                1 => "1 bidirectional control character".to_string(),
                n => format!("{n} bidirectional control characters"),
            };
            out.push(
                Diagnostic::warning(
                    path,
                    line,
                    format!("{what} removed from one-line metadata (the first on this line)"),
                )
                .with_help("they can make a title display differently from its text"),
            );
        }
    }
}

/// `---` front matter split from the rest of a file, with file lines.
pub(crate) struct FrontMatter<'a> {
    pub yaml: &'a str,
    pub yaml_line: usize,
    pub rest: &'a str,
    pub rest_line: usize,
}

/// Splits `---` front matter from the rest. `None` when the text does not
/// open with `---`; `Err(line)` when the block is never closed.
pub(crate) fn front_matter(text: &str) -> Option<Result<FrontMatter<'_>, usize>> {
    let first = text.lines().next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = first.len() + 1;
    let mut offset = start.min(text.len());
    for (i, line) in text[offset..].split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[start.min(text.len())..offset];
            let rest = &text[offset + line.len()..];
            return Some(Ok(FrontMatter {
                yaml,
                yaml_line: 2,
                rest,
                rest_line: i + 3,
            }));
        }
        offset += line.len();
    }
    Some(Err(1))
}
