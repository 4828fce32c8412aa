//! Stage 1, load: discover the release and sidecar files under
//! `<content>/releases/` and read them. The only module that reads content.
//!
//! Reading is where raw bytes become text, so this is where invalid UTF-8, a
//! byte-order mark, CRLF line ends and oversized files are dealt with: every
//! later stage sees clean `\n`-separated text.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::files::stat::{EntryKind, OpenFolder};
use crate::files::Stamp;

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

/// A file the walk found, before its stat.
struct Candidate {
    path: PathBuf,
    kind: Kind,
    /// Index of its folder among the walk's open folders.
    folder: usize,
    is_symlink: bool,
}

/// Finds every `.txt` and `.md` under `<content>/releases`, in path order so
/// everything downstream sees files in the same order on every machine.
/// Unusable files become diagnostics; only a missing or unreadable content
/// folder is fatal. Symlinks are followed only when they stay inside the
/// content folder: a link to `/etc/passwd` must not end up published.
pub fn discover(content_dir: &Path, diags: &mut Diagnostics) -> Result<Vec<Found>> {
    let root = content_dir.join("releases");
    if !root.is_dir() {
        anyhow::bail!(
            "{}: no releases folder (expected release .txt files under it)",
            root.display()
        );
    }
    let content_real = content_dir
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve content folder", content_dir.display()))?;
    let mut folders = Vec::new();
    let mut candidates = Vec::new();
    walk(&root, &mut folders, &mut candidates, diags);
    crate::progress::mark("load: walk");
    // Symlinks are rare: checked here, one by one, so the parallel stats
    // below only ever find files.
    candidates.retain(|file| {
        let stays = !file.is_symlink || symlink_stays_inside(&file.path, &content_real);
        if !stays {
            diags.push(Diagnostic::warning(
                &file.path,
                0,
                "symlink points outside the content folder (or nowhere); skipped",
            ));
        }
        stays
    });
    // Every path starts with the root and a separator.
    let name_start = root.as_os_str().len() + 1;
    // One stat per file, in parallel: at archive scale this walk is much of
    // what a rebuild with a warm parse cache costs.
    let found: Vec<Option<Found>> = candidates
        .into_par_iter()
        .map(|file| {
            let (kind, stamp) =
                folders[file.folder].stamp(file_name(&file.path), file.is_symlink)?;
            if kind != EntryKind::File {
                return None;
            }
            // The name ends before the extension and its dot.
            let name_end = file.path.as_os_str().len() - file.kind.extension().len() - 1;
            Some(Found {
                kind: file.kind,
                name: u32::try_from(name_start).ok()?..u32::try_from(name_end).ok()?,
                path: file.path,
                stamp,
            })
        })
        .collect();
    Ok(found.into_iter().flatten().collect())
}

fn file_name(path: &Path) -> &std::ffi::OsStr {
    path.file_name().unwrap_or_default()
}

/// Every `.txt` and `.md` under `dir`, with its path, in path order, each
/// folder opened for the stats that follow. Symlinked folders are not
/// entered; unreadable folders are reported.
///
/// Each folder's entries are sorted by name, as bytes, and a subfolder's
/// files come where its name sorts: that is `Path`'s component-wise order
/// (`a/b.txt` before `a-b.txt` and `a.txt`), with no key built per path.
fn walk(
    dir: &Path,
    folders: &mut Vec<OpenFolder>,
    found: &mut Vec<Candidate>,
    diags: &mut Diagnostics,
) {
    let cannot_read =
        |err: std::io::Error| Diagnostic::error(dir, 0, format!("cannot read: {err}"));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => return diags.push(cannot_read(err)),
    };
    let open = match OpenFolder::open(dir) {
        Ok(open) => open,
        Err(err) => return diags.push(cannot_read(err)),
    };
    let folder = folders.len();
    folders.push(open);
    // Each entry's path is made once (its name is the path's tail), and
    // only folders and content files are kept.
    let name_start = dir.as_os_str().len() + 1;
    fn name(path: &Path, start: usize) -> &[u8] {
        &path.as_os_str().as_encoded_bytes()[start..]
    }
    let mut named = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let file_type = entry.file_type().ok();
                let is_dir = file_type.is_some_and(|t| t.is_dir());
                let kind = if is_dir { None } else { kind_of(&path) };
                if !is_dir && kind.is_none() {
                    if let Some(warning) = miscased_extension(&path) {
                        diags.push(warning);
                    }
                }
                if is_dir || kind.is_some() {
                    let is_symlink = file_type.is_some_and(|t| t.is_symlink());
                    named.push((name_prefix(name(&path, name_start)), path, kind, is_symlink));
                }
            }
            Err(err) => diags.push(cannot_read(err)),
        }
    }
    // Names in one folder are unique, so an unstable sort is deterministic.
    // Compared by their first 16 bytes as a number first: a folder of
    // 100,000 releases sorts without chasing each name to compare it.
    named.sort_unstable_by(|a, b| {
        (a.0.cmp(&b.0)).then_with(|| name(&a.1, name_start).cmp(name(&b.1, name_start)))
    });
    for (_, path, kind, is_symlink) in named {
        match kind {
            Some(kind) => found.push(Candidate {
                path,
                kind,
                folder,
                is_symlink,
            }),
            None => walk(&path, folders, found, diags),
        }
    }
}

/// A name's first 16 bytes as a big-endian number (short names padded
/// with zeros): numbers compare as the bytes do, up to a common prefix.
fn name_prefix(bytes: &[u8]) -> u128 {
    let mut head = [0u8; 16];
    let n = bytes.len().min(16);
    head[..n].copy_from_slice(&bytes[..n]);
    u128::from_be_bytes(head)
}

/// Reads one file's text again (normalised as at load time): the renderer
/// fetches release bodies this way instead of keeping them all in memory.
pub fn reread(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    decode(&bytes).map_err(|not_text| anyhow::anyhow!("{}", not_text.diagnostic(path)))
}

fn kind_of(path: &Path) -> Option<Kind> {
    let extension = path.extension()?;
    [Kind::Release, Kind::Sidecar]
        .into_iter()
        .find(|kind| extension == kind.extension())
}

/// `x.TXT` or `x.Md`: meant as content, but skipped, since a file's kind
/// goes by its exact extension (as a case-sensitive checkout would see it).
fn miscased_extension(path: &Path) -> Option<Diagnostic> {
    let extension = path.extension()?;
    let (what, extension) = [(Kind::Release, "release"), (Kind::Sidecar, "sidecar")]
        .into_iter()
        .map(|(kind, what)| (what, kind.extension()))
        .find(|(_, ext)| extension.eq_ignore_ascii_case(ext))?;
    Some(Diagnostic::warning(
        path,
        0,
        format!("not read: {what} files end in `.{extension}`, lower case"),
    ))
}

fn symlink_stays_inside(path: &Path, content_real: &Path) -> bool {
    path.canonicalize()
        .map(|target| target.starts_with(content_real))
        .unwrap_or(false)
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
    let (text, replaced) = decode_counted(&bytes).map_err(|why| why.diagnostic(&path))?;
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
    fn diagnostic(&self, path: &Path) -> Diagnostic {
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
    decode_counted(bytes).map(|(text, _)| text)
}

/// [`decode`], with what was replaced.
fn decode_counted(bytes: &[u8]) -> Result<(String, Option<Replaced>), NotText> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(NotText::Utf16);
    }
    // Where an offset lands: line and column (in bytes), both 1-based.
    let position = |offset: usize| {
        let before = &bytes[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = offset
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        (line, col)
    };
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let (line, col) = position(offset);
        return Err(NotText::Binary { line, col, offset });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let (line, col) = position(offset);
        NotText::InvalidUtf8 { line, col, offset }
    })?;
    let text = normalise(text);
    Ok(match replace_unsafe(&text) {
        Some((clean, replaced)) => (clean, Some(replaced)),
        None => (text, None),
    })
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

    fn warnings(&self, path: &Path) -> Vec<Diagnostic> {
        self.warnings_at(path, 1, "")
    }
}

/// A control character (C0 other than tab and newline, DEL, C1) or a
/// noncharacter: invalid in HTML, and a NUL ends a C string early.
fn is_unsafe(c: char) -> Option<Unsafe> {
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
enum Unsafe {
    Control,
    Noncharacter,
}

/// Whether a byte may start an unsafe character: a C0 control other than
/// tab and newline (CR is gone by now), DEL, the lead byte of C1 controls
/// (0xC2), or a lead byte of the noncharacters (0xEF, 0xF0 to 0xF4).
#[inline(always)]
fn may_be_unsafe(b: u8) -> bool {
    (b < 0x20 && b != b'\t' && b != b'\n') | (b == 0x7f) | (b == 0xc2) | (0xef..=0xf4).contains(&b)
}

/// Offset of the first unsafe character in `text`, if any. Checked a chunk
/// at a time by a branch-free test the compiler vectorises; a chunk with a
/// candidate byte (a `£` starts with 0xC2) is then looked at char by char.
fn first_unsafe(text: &str) -> Option<usize> {
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

/// Removes a BOM and turns CRLF and lone CR into LF.
pub fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
