//! Stage 2, parse: text to `RawRelease` / `RawSidecar`, faithfully and with
//! line numbers, and nothing more. Syntax only: whether a date is real or an
//! area is known is the model's business.

mod release;
mod sidecar;
pub mod yaml;

pub use release::{release, RawRelease, Shape};
pub use sidecar::{sidecar, RawCorrection, RawNote, RawSidecar};

/// A value and the 1-based line of its file that it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Spanned<T> {
    pub value: T,
    pub line: usize,
}

impl<T> Spanned<T> {
    pub fn new(value: T, line: usize) -> Self {
        Spanned { value, line }
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
