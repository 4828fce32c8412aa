//! Stage 1, load: discover the release and sidecar files under
//! `<content>/releases/` and read them. The only module that reads content.
//!
//! Reading is where raw bytes become text, so this is where invalid UTF-8, a
//! byte-order mark, CRLF line ends and oversized files are dealt with: every
//! later stage sees clean `\n`-separated text.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::diagnostics::Diagnostic;
use crate::files::Stamp;

mod text;
mod walk;

use text::decode_counted;
pub use text::{decode, normalise, replace_unsafe, NotText, Replaced};
pub use walk::discover;

/// What kind of content file this is, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Release,
    Sidecar,
}

impl Kind {
    /// The file extension that makes a file this kind.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Release => "txt",
            Kind::Sidecar => "md",
        }
    }
}

/// One content file, read and normalised.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub kind: Kind,
    /// Path for messages: the content folder joined with the relative path.
    pub path: PathBuf,
    /// The file stem: the release id before validation.
    pub stem: String,
    /// Text with BOM removed, CRLF/CR turned into LF, and control
    /// characters and noncharacters replaced (see [`replace_unsafe`]).
    pub text: String,
    /// What reading changed in the text, for the parser to report.
    pub warnings: Vec<Diagnostic>,
}

impl SourceFile {
    /// A file that exists only in memory, as `content/releases/<stem>.txt`
    /// (or `.md`): for parser tests and fuzzing.
    pub fn in_memory(kind: Kind, stem: &str, text: impl Into<String>) -> SourceFile {
        let path = PathBuf::from(format!("content/releases/{stem}.{}", kind.extension()));
        let mut text = text.into();
        let warnings = match replace_unsafe(&text) {
            Some((clean, replaced)) => {
                text = clean;
                replaced.warnings(&path)
            }
            None => Vec::new(),
        };
        SourceFile {
            kind,
            path,
            stem: stem.to_string(),
            text,
            warnings,
        }
    }
}

/// A content file found under `<content>/releases`, not yet read.
#[derive(Debug, Clone)]
pub struct Found {
    pub kind: Kind,
    /// Path for messages: the content folder joined with the relative path.
    pub path: PathBuf,
    /// Where [`Found::name`] sits in `path` (as bytes): kept as a range
    /// rather than a second string, one fewer allocation for each of an
    /// archive's 100,000 files.
    name: std::ops::Range<u32>,
    /// Size and times when found: how the parse cache knows the file is
    /// unchanged without reading it.
    pub stamp: Stamp,
}

impl Found {
    /// [`Found::name`] as the path's bytes: what the build sorts and
    /// shards by (the same order as the text's, for any UTF-8 name), with
    /// no check of 100,000 names in every comparison of a sort.
    pub fn name_bytes(&self) -> &[u8] {
        let bytes = self.path.as_os_str().as_encoded_bytes();
        // The range ends at ASCII bytes (a separator, the extension's dot).
        &bytes[self.name.start as usize..self.name.end as usize]
    }

    /// The path under `releases/` without extension, as text: pairs a
    /// sidecar with its release, and names the unit in the parse cache.
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        let name = self.name_bytes();
        // Checked the quick way first: the lossy path scans in small chunks.
        match std::str::from_utf8(name) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(name),
        }
    }
}

/// Reads one file's text again (normalised as at load time): the renderer
/// fetches release bodies this way instead of keeping them all in memory.
pub fn reread(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    decode_counted(bytes)
        .map(|(text, _)| text)
        .map_err(|not_text| anyhow::anyhow!("{}", not_text.diagnostic(path)))
}

/// Reads a found file as normalised text, refusing files over `max_bytes`.
pub fn read(found: &Found, max_bytes: u64) -> Result<SourceFile, Diagnostic> {
    let Found { kind, path, .. } = found.clone();
    let too_big = |size: u64| {
        Diagnostic::error(
            &path,
            0,
            format!("file is {size} bytes, over the limit of {max_bytes} bytes"),
        )
        .with_help("raise `max_file_bytes` in site.toml if this release is genuine")
    };
    // The size found by `discover`, not a second `stat`; reading stops past
    // the limit in case the file grew since.
    if found.stamp.len > max_bytes {
        return Err(too_big(found.stamp.len));
    }
    let mut bytes = Vec::with_capacity(found.stamp.len as usize);
    std::fs::File::open(&path)
        .and_then(|file| file.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| Diagnostic::error(&path, 0, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big(bytes.len() as u64));
    }
    let (text, replaced) = decode_counted(bytes).map_err(|why| why.diagnostic(&path))?;
    let warnings = replaced.map_or_else(Vec::new, |r| r.warnings(&path));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(SourceFile {
        kind,
        path,
        stem,
        text,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;

    #[test]
    fn files_are_found_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let releases = dir.path().join("releases");
        let names = [
            "a.txt",
            "a/b.txt",
            "a-b.txt",
            "a/b/c.txt",
            "ab.txt",
            "a/a.md",
            "B.txt",
            "a.md",
        ];
        for name in names {
            let path = releases.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        let found = discover(dir.path(), &mut Diagnostics::default()).unwrap();
        let paths: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
        assert_eq!(paths.len(), names.len());
    }

    #[test]
    fn a_found_file_is_named_by_its_path_under_releases_without_extension() {
        let dir = tempfile::tempdir().unwrap();
        let releases = dir.path().join("releases");
        for name in [
            "kent/2021/a.b.txt",
            "kent/2021/a.b.md",
            "top.txt",
            "notes.pdf",
        ] {
            let path = releases.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        let found = discover(dir.path(), &mut Diagnostics::default()).unwrap();
        let named: Vec<(Kind, String)> = found
            .iter()
            .map(|f| (f.kind, f.name().into_owned()))
            .collect();
        let nested = Path::new("kent").join("2021").join("a.b");
        let nested = nested.to_string_lossy().into_owned();
        assert_eq!(
            named,
            [
                (Kind::Sidecar, nested.clone()),
                (Kind::Release, nested),
                (Kind::Release, "top".to_string()),
            ]
        );
        assert_eq!(found[2].stamp.len, 1, "stamped");
    }

    #[test]
    fn control_characters_and_noncharacters_become_replacement_characters() {
        let text = "ok £ \u{1f600} \u{fffd}\nbell \u{7} del \u{7f} c1 \u{85}\nnon \u{fdd0} \u{fffe} \u{10ffff}\n";
        let (clean, replaced) = replace_unsafe(text).unwrap();
        assert_eq!(
            clean,
            "ok £ \u{1f600} \u{fffd}\nbell \u{fffd} del \u{fffd} c1 \u{fffd}\nnon \u{fffd} \u{fffd} \u{fffd}\n"
        );
        assert_eq!(replaced.controls, (3, 2));
        assert_eq!(replaced.noncharacters, (3, 3));
        // Tabs, newlines, `£` (0xC2 0xA3) and emoji (0xF0 ...) are text.
        assert_eq!(replace_unsafe("a\tb\n£ \u{a0} \u{1f600} \u{ff0c}\n"), None);
        // Found at any offset, whatever chunk it falls in.
        for at in 0..130 {
            let text = format!("{}\u{1b}", "x".repeat(at));
            assert_eq!(replace_unsafe(&text).unwrap().0.len(), at + 3, "{at}");
        }
    }

    #[test]
    fn a_body_read_again_has_the_bytes_it_was_parsed_from() {
        assert_eq!(decode(b"a\x07b\r\n").unwrap(), "a\u{fffd}b\n");
    }

    #[test]
    fn miscased_extensions_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let releases = dir.path().join("releases");
        std::fs::create_dir_all(&releases).unwrap();
        for name in ["a.TXT", "b.Md", "c.txt", "d.pdf"] {
            std::fs::write(releases.join(name), "x").unwrap();
        }
        let mut diags = Diagnostics::default();
        let found = discover(dir.path(), &mut diags).unwrap();
        assert_eq!(found.len(), 1);
        let messages: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        for message in [
            "a.TXT: warning: not read: release files end in `.txt`, lower case",
            "b.Md: warning: not read: sidecar files end in `.md`, lower case",
        ] {
            assert!(
                messages.iter().any(|m| m.ends_with(message)),
                "{messages:?}"
            );
        }
    }

    #[test]
    fn bom_and_crlf_are_normalised() {
        assert_eq!(decode(b"\xef\xbb\xbfa\r\nb\rc\n").unwrap(), "a\nb\nc\n");
    }

    #[test]
    fn invalid_utf8_reports_line_column_and_offset() {
        assert_eq!(
            decode(b"ok\nfine\nab\xff bad"),
            Err(NotText::InvalidUtf8 {
                line: 3,
                col: 3,
                offset: 10
            })
        );
    }

    #[test]
    fn nul_bytes_and_utf16_are_not_text() {
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(NotText::Binary {
                line: 3,
                col: 1,
                offset: 8
            })
        );
        assert_eq!(decode(b"\xff\xfed\0a\0"), Err(NotText::Utf16));
    }
}
