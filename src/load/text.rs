//! A file's bytes as text: UTF-8 only (with a BOM allowed), line endings
//! normalised, and control characters and noncharacters replaced.

use std::path::Path;

use anyhow::Result;

use crate::diagnostics::Diagnostic;

/// Why a file's bytes are not text blotter can read. Positions are
/// 1-based line and column (in bytes) and the 0-based byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotText {
    /// A UTF-16 byte-order mark: what Windows editors call "Unicode".
    Utf16,
    /// A NUL byte: an image, PDF or archive with a text extension. Checked
    /// before UTF-8 because a binary file is rarely valid UTF-8 and "invalid
    /// UTF-8 at byte 0" would send the user looking for a bad character.
    Binary {
        line: usize,
        col: usize,
        offset: usize,
    },
    InvalidUtf8 {
        line: usize,
        col: usize,
        offset: usize,
    },
}

impl NotText {
    pub(super) fn diagnostic(&self, path: &Path) -> Diagnostic {
        match *self {
            NotText::Utf16 => Diagnostic::error(path, 1, "file is UTF-16 text, not UTF-8")
                .with_help("re-save the file as UTF-8"),
            NotText::Binary { line, col, offset } => Diagnostic::error(
                path,
                line,
                format!("not a text file: NUL byte at byte {offset}"),
            )
            .at_col(col)
            .with_help("only plain-text releases (.txt) and markdown sidecars (.md) belong under releases/"),
            NotText::InvalidUtf8 { line, col, offset } => {
                Diagnostic::error(path, line, format!("invalid UTF-8 at byte {offset}"))
                    .at_col(col)
                    .with_help("re-save the file as UTF-8")
            }
        }
    }
}

/// Bytes to normalised text, or why they are not text. Control characters
/// and noncharacters are replaced as [`replace_unsafe`] does, so a body
/// read again for rendering has the same bytes (and offsets) as at load.
pub fn decode(bytes: &[u8]) -> Result<String, NotText> {
    decode_counted(bytes.to_vec()).map(|(text, _)| text)
}

/// [`decode`] of bytes the caller gives up, with what was replaced. Text
/// that needs no change (UTF-8 without a BOM, CR or unsafe character, as
/// nearly every release is) keeps the bytes' buffer: a build reads each
/// release up to three times, and a copy each time showed in its profile.
pub(super) fn decode_counted(bytes: Vec<u8>) -> Result<(String, Option<Replaced>), NotText> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(NotText::Utf16);
    }
    if let Some(offset) = memchr::memchr(0, &bytes) {
        let (line, col) = position(&bytes, offset);
        return Err(NotText::Binary { line, col, offset });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, col) = position(e.as_bytes(), offset);
        NotText::InvalidUtf8 { line, col, offset }
    })?;
    let text = normalise(text);
    Ok(match replace_unsafe(&text) {
        Some((clean, replaced)) => (clean, Some(replaced)),
        None => (text, None),
    })
}

/// Where `offset` lands in `bytes`: line and column (in bytes), both 1-based.
fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// What [`replace_unsafe`] replaced: for each kind, how many and the
/// 1-based line of the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replaced {
    pub controls: (usize, usize),
    pub noncharacters: (usize, usize),
}

impl Replaced {
    /// One warning per kind, at its first line (`first_line` is the line
    /// the scanned text starts on in its file).
    pub fn warnings_at(&self, path: &Path, first_line: usize, inside: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let kinds = [
            (self.controls, "control character", "control characters"),
            (
                self.noncharacters,
                "Unicode noncharacter",
                "Unicode noncharacters",
            ),
        ];
        for ((count, line), one, many) in kinds {
            if count == 0 {
                continue;
            }
            let what = if count == 1 {
                format!("1 {one}")
            } else {
                format!("{count} {many}")
            };
            out.push(
                Diagnostic::warning(
                    path,
                    first_line + line - 1,
                    format!("{what}{inside} replaced with U+FFFD (the first on this line)"),
                )
                .with_help("they are invisible or invalid in HTML; remove them from the file"),
            );
        }
        out
    }

    pub(super) fn warnings(&self, path: &Path) -> Vec<Diagnostic> {
        self.warnings_at(path, 1, "")
    }
}

/// A control character (C0 other than tab and newline, DEL, C1) or a
/// noncharacter: invalid in HTML, and a NUL ends a C string early.
pub(super) fn is_unsafe(c: char) -> Option<Unsafe> {
    let code = c as u32;
    if (code < 0x20 && c != '\t' && c != '\n') || (0x7f..=0x9f).contains(&code) {
        Some(Unsafe::Control)
    } else if (0xfdd0..=0xfdef).contains(&code) || code & 0xfffe == 0xfffe {
        Some(Unsafe::Noncharacter)
    } else {
        None
    }
}

#[derive(Clone, Copy)]
pub(super) enum Unsafe {
    Control,
    Noncharacter,
}

/// Whether a byte may start an unsafe character: a C0 control other than
/// tab and newline (CR is gone by now), DEL, the lead byte of C1 controls
/// (0xC2), or a lead byte of the noncharacters (0xEF, 0xF0 to 0xF4).
#[inline(always)]
pub(super) fn may_be_unsafe(b: u8) -> bool {
    (b < 0x20 && b != b'\t' && b != b'\n') | (b == 0x7f) | (b == 0xc2) | (0xef..=0xf4).contains(&b)
}

/// Offset of the first unsafe character in `text`, if any. Checked a chunk
/// at a time by a branch-free test the compiler vectorises; a chunk with a
/// candidate byte (a `£` starts with 0xC2) is then looked at char by char.
pub(super) fn first_unsafe(text: &str) -> Option<usize> {
    const CHUNK: usize = 64;
    let bytes = text.as_bytes();
    for (n, chunk) in bytes.chunks(CHUNK).enumerate() {
        if !chunk.iter().fold(false, |any, &b| any | may_be_unsafe(b)) {
            continue;
        }
        for (i, &b) in chunk.iter().enumerate() {
            let at = n * CHUNK + i;
            // Every candidate byte starts a character, so `at` is a boundary.
            if may_be_unsafe(b) && text[at..].chars().next().and_then(is_unsafe).is_some() {
                return Some(at);
            }
        }
    }
    None
}

/// `text` with each control character and noncharacter replaced by U+FFFD,
/// with counts, or `None` when it has none (the common case, found by a
/// fast byte scan). Run once where text enters: on each file as read, and
/// on YAML values that escapes (`"\u0000"`) could have made.
pub fn replace_unsafe(text: &str) -> Option<(String, Replaced)> {
    let start = first_unsafe(text)?;
    let mut clean = String::with_capacity(text.len() + 8);
    clean.push_str(&text[..start]);
    let mut replaced = Replaced::default();
    let mut line = 1 + text[..start].matches('\n').count();
    for c in text[start..].chars() {
        if c == '\n' {
            line += 1;
        }
        match is_unsafe(c) {
            None => clean.push(c),
            Some(kind) => {
                let slot = match kind {
                    Unsafe::Control => &mut replaced.controls,
                    Unsafe::Noncharacter => &mut replaced.noncharacters,
                };
                if slot.0 == 0 {
                    slot.1 = line;
                }
                slot.0 += 1;
                clean.push('\u{fffd}');
            }
        }
    }
    Some((clean, replaced))
}

/// Removes a BOM and turns CRLF and lone CR into LF; text with neither
/// is returned as it is, in its own buffer.
pub fn normalise(text: String) -> String {
    let bom = text.starts_with('\u{feff}');
    if !bom && memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    let rest = if bom {
        &text['\u{feff}'.len_utf8()..]
    } else {
        &text[..]
    };
    rest.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_needs_no_change_keeps_the_buffer_it_was_read_into() {
        let bytes = "Officers attended £52kg “quoted”.\n".as_bytes().to_vec();
        let at = bytes.as_ptr();
        let (text, replaced) = decode_counted(bytes).unwrap();
        assert_eq!(text.as_ptr(), at);
        assert!(replaced.is_none());
        // Text that does need a change is still changed.
        let (text, _) = decode_counted(b"\xef\xbb\xbfa\r\nb\x07".to_vec()).unwrap();
        assert_eq!(text, "a\nb\u{fffd}");
    }

    #[test]
    fn a_bad_byte_is_placed_by_line_and_column() {
        assert_eq!(
            decode_counted(b"ab\ncd\xffe".to_vec()).unwrap_err(),
            NotText::InvalidUtf8 {
                line: 2,
                col: 3,
                offset: 5
            }
        );
        assert_eq!(
            decode_counted(b"\x00".to_vec()).unwrap_err(),
            NotText::Binary {
                line: 1,
                col: 1,
                offset: 0
            }
        );
    }
}
