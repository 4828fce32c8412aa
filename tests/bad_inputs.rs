//! Bad inputs, one row each: a file (or a setup step) added to a copy of
//! the sample content, and what a user must see. For every row the binary
//! is run as a user would, in a project whose `output/` was first built
//! from the clean sample, and the suite asserts:
//!
//! - the exit code of `blotter build`, and the exact diagnostic lines
//!   (`path:line[:col]: error|warning: message`, path relative, line 1-based);
//! - for errors: the previous output is byte-for-byte unchanged, `check`
//!   reports the same lines and writes nothing, and `--skip-invalid` still
//!   builds the three sample releases and lists every skipped file;
//! - for warnings: the build succeeds and the new release is published.
//!
//! All rows run, and every failure is reported together, so one run of this
//! file shows the whole state of blotter's input handling.

mod support;

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use support::*;

/// The three sample releases, built in every case that does not break them.
const SAMPLE_IDS: [&str; 3] = [
    "000_583377719fc25cb9",
    "002_253a1e39986e1906",
    "004_c5ae0792fd4e02f5",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Exit 1, nothing written; `--skip-invalid` builds the rest.
    Error,
    /// Exit 0 and the site is written, with the diagnostics as warnings.
    Builds,
}

/// Extra preparation (symlinks, huge files), given the project folder.
type Setup = fn(&Path);
/// Extra assertions on the built site (with `--skip-invalid` for error rows).
type Verify = fn(&Path) -> Result<(), String>;

struct Case {
    name: &'static str,
    /// Files to add, by path under `content/`.
    files: &'static [(&'static str, &'static [u8])],
    setup: Option<Setup>,
    outcome: Outcome,
    /// Each must start a line of stderr: `content/releases/...:LINE: error: ...`.
    expect: &'static [&'static str],
    /// Files `--skip-invalid` must list as skipped (error rows).
    skipped: &'static [&'static str],
    verify: Option<Verify>,
}

const fn case(
    name: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    outcome: Outcome,
    expect: &'static [&'static str],
) -> Case {
    Case {
        name,
        files,
        setup: None,
        outcome,
        expect,
        skipped: &[],
        verify: None,
    }
}

impl Case {
    const fn skipping(mut self, skipped: &'static [&'static str]) -> Case {
        self.skipped = skipped;
        self
    }
    const fn setup(mut self, setup: Setup) -> Case {
        self.setup = Some(setup);
        self
    }
    const fn verify(mut self, verify: Verify) -> Case {
        self.verify = Some(verify);
        self
    }
}

use Outcome::*;

fn cases() -> Vec<Case> {
    vec![
        // --- bytes that are not UTF-8 text ---
        case(
            "invalid UTF-8 names line, column and byte offset",
            &[("releases/bad_utf8.txt", b" date 2021-01-01 Title\n\nCaf\xe9 closed.\n")],
            Error,
            &["content/releases/bad_utf8.txt:3:4: error: invalid UTF-8 at byte 27"],
        )
        .skipping(&["content/releases/bad_utf8.txt"]),
        case(
            "a binary file with a .txt name is not a text file",
            &[("releases/photo.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")],
            Error,
            &["content/releases/photo.txt:3:1: error: not a text file: NUL byte at byte 8"],
        )
        .skipping(&["content/releases/photo.txt"]),
        case(
            "NUL bytes in otherwise valid UTF-8 are not text",
            &[("releases/nul.txt", b" date 2021-01-01 Title\n\nBody\0\0 here\n")],
            Error,
            &["content/releases/nul.txt:3:5: error: not a text file: NUL byte at byte 28"],
        )
        .skipping(&["content/releases/nul.txt"]),
        case(
            "UTF-16 is named as such",
            &[("releases/utf16.txt", b"\xff\xfe d\0a\0t\0e\0")],
            Error,
            &["content/releases/utf16.txt:1: error: file is UTF-16 text, not UTF-8"],
        )
        .skipping(&["content/releases/utf16.txt"]),
        case(
            "a BOM and CRLF line ends change nothing",
            &[(
                "releases/crlf.txt",
                b"\xef\xbb\xbf```yaml\r\ntitle: Windows file\r\narea: Kent\r\npublish:\r\n  date: 2021-01-01\r\n```\r\n\r\nBody.\r\n",
            )],
            Builds,
            &[],
        ),
        // --- empty and header-only files ---
        case(
            "an empty file",
            &[("releases/empty.txt", b"")],
            Error,
            &["content/releases/empty.txt: error: empty file: no header and no body"],
        )
        .skipping(&["content/releases/empty.txt"]),
        case(
            "a file of blank lines is empty",
            &[("releases/blank.txt", b"\n  \n\t\n")],
            Error,
            &["content/releases/blank.txt: error: empty file: no header and no body"],
        )
        .skipping(&["content/releases/blank.txt"]),
        case(
            "a header line but no body",
            &[("releases/no_body.txt", b" date 2021-01-01 Title only\n\n\n")],
            Error,
            &["content/releases/no_body.txt:1: error: release has a header but no body text"],
        )
        .skipping(&["content/releases/no_body.txt"]),
        case(
            "a YAML header and a date line but no body",
            &[(
                "releases/no_body2.txt",
                b"\n```yaml\ntitle: T\narea: Kent\n```\n\n11:29 02/07/2020\n",
            )],
            Error,
            &["content/releases/no_body2.txt:2: error: release has a header but no body text"],
        )
        .skipping(&["content/releases/no_body2.txt"]),
        // --- dates and times ---
        case(
            "no date anywhere",
            &[("releases/no_date.txt", b"```yaml\ntitle: T\narea: Kent\n```\n\nBody.\n")],
            Error,
            &["content/releases/no_date.txt:1: error: no date: no `publish.date`, date line or header date"],
        )
        .skipping(&["content/releases/no_date.txt"]),
        case(
            "30 February",
            &[(
                "releases/feb30.txt",
                b"```yaml\ntitle: T\narea: Kent\npublish:\n  date: 10:00 30/02/2021\n```\n\nBody.\n",
            )],
            Error,
            &["content/releases/feb30.txt:5: error: `10:00 30/02/2021` is not a real date (expected DD/MM/YYYY or YYYY-MM-DD, day first)"],
        )
        .skipping(&["content/releases/feb30.txt"]),
        case(
            "month 13",
            &[("releases/month13.txt", b"\n date 2021-13-01 Title\n\nBody.\n")],
            Error,
            &["content/releases/month13.txt:2: error: `2021-13-01` is not a real date"],
        )
        .skipping(&["content/releases/month13.txt"]),
        case(
            "a date line with an impossible time",
            &[(
                "releases/time25.txt",
                b"```yaml\ntitle: T\narea: Kent\n```\n\n25:61 02/07/2020\n\nBody.\n",
            )],
            Error,
            &["content/releases/time25.txt:6: error: `25:61 02/07/2020` has an impossible time `25:61`"],
        )
        .skipping(&["content/releases/time25.txt"]),
        case(
            "a time skipped when the clocks went forward is read an hour later",
            &[(
                "releases/gap.txt",
                b"```yaml\ntitle: Spring forward\narea: Kent\npublish:\n  date: 01:30 29/03/2020\n```\n\nBody.\n",
            )],
            Builds,
            &["content/releases/gap.txt:5: warning: 2020-03-29 01:30:00 does not exist in Europe/London (clocks went forward); read as 2020-03-29T02:30:00+01:00"],
        ),
        case(
            "a time that happens twice is read as the first",
            &[(
                "releases/overlap.txt",
                b"```yaml\ntitle: Fall back\narea: Kent\npublish:\n  date: 01:30 25/10/2020\n```\n\nBody.\n",
            )],
            Builds,
            &["content/releases/overlap.txt:5: warning: 2020-10-25 01:30:00 happens twice in Europe/London (clocks went back); read as the first, 2020-10-25T01:30:00+01:00"],
        ),
        // --- header shapes ---
        case(
            "unknown header shape",
            &[("releases/shape.txt", b"Just some text\nand more\n")],
            Error,
            &["content/releases/shape.txt:1: error: unknown header shape"],
        )
        .skipping(&["content/releases/shape.txt"]),
        case(
            "unknown header shape after blank lines names its own line",
            &[("releases/shape2.txt", b"\n\n\nPOLICE APPEAL\n\nBody\n")],
            Error,
            &["content/releases/shape2.txt:4: error: unknown header shape"],
        )
        .skipping(&["content/releases/shape2.txt"]),
        case(
            "a header line with a date but no title",
            &[("releases/untitled.txt", b" date 2021-01-01\n\nBody.\n")],
            Error,
            &["content/releases/untitled.txt:1: error: release has no title"],
        )
        .skipping(&["content/releases/untitled.txt"]),
        // --- broken YAML ---
        case(
            "a tab in the YAML header",
            &[(
                "releases/tab.txt",
                b"```yaml\ntitle: T\n\tarea: Kent\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Error,
            &["content/releases/tab.txt:3:1: error: invalid YAML header: YAML does not allow tabs for indentation"],
        )
        .skipping(&["content/releases/tab.txt"]),
        case(
            "an unclosed ```yaml fence",
            &[("releases/fence.txt", b"```yaml\ntitle: T\npublish:\n  date: 2021-01-01\n\nBody.\n")],
            Error,
            &["content/releases/fence.txt:1: error: the ```yaml fence is never closed"],
        )
        .skipping(&["content/releases/fence.txt"]),
        case(
            "unclosed --- front matter",
            &[("releases/front.txt", b"\n---\ntitle: T\ndate: 2021-01-01\n\nBody.\n")],
            Error,
            &["content/releases/front.txt:2: error: the `---` front matter is never closed"],
        )
        .skipping(&["content/releases/front.txt"]),
        case(
            "a list for title",
            &[(
                "releases/title_list.txt",
                b"```yaml\ntitle: [a, b]\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Error,
            &["content/releases/title_list.txt:2:1: error: invalid YAML header: `title` should be text, found a list"],
        )
        .skipping(&["content/releases/title_list.txt"]),
        case(
            "a map for og.title, at the YAML's own line in the file",
            &[(
                "releases/og_map.txt",
                b"\n\n```yaml\ntitle: T\nog:\n  title:\n    nested: 1\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Error,
            &["content/releases/og_map.txt:6:3: error: invalid YAML header: `og.title` should be text, found `key: value` lines"],
        )
        .skipping(&["content/releases/og_map.txt"]),
        case(
            "an unclosed quote",
            &[(
                "releases/quote.txt",
                b"```yaml\ntitle: \"unclosed\narea: Kent\n```\n\nBody.\n",
            )],
            Error,
            &["content/releases/quote.txt:4:1: error: invalid YAML header: found unexpected end of stream"],
        )
        .skipping(&["content/releases/quote.txt"]),
        case(
            "an unquoted ` #` cuts a title short",
            &[(
                "releases/hash.txt",
                b"```yaml\ntitle: Appeal after incident #2\narea: Kent\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &["content/releases/hash.txt:2: warning: `title` is cut short: YAML reads ` #` and what follows as a comment"],
        ),
        case(
            "a quoted # is kept and not warned about",
            &[(
                "releases/hash_ok.txt",
                b"```yaml\ntitle: \"Appeal after incident #2\"\narea: Kent\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| contains(out, "releases/hash_ok/index.html", "Appeal after incident #2")),
        case(
            "a YAML alias bomb fails fast",
            &[("releases/bomb.txt", ALIAS_BOMB)],
            Error,
            &["content/releases/bomb.txt:", "error: invalid YAML header: aliases expand too far (a YAML alias bomb?)"],
        )
        .skipping(&["content/releases/bomb.txt"]),
        case(
            "deep nesting is an error, not a stack overflow",
            &[],
            Error,
            &["content/releases/deep.txt:3:", "error: invalid YAML header: nested too deeply (over 128 levels)"],
        )
        .setup(|dir| {
            let yaml = format!("x: {}{}", "[".repeat(5000), "]".repeat(5000));
            let text = format!("```yaml\ntitle: T\n{yaml}\npublish:\n  date: 2021-01-01\n```\n\nBody.\n");
            write(dir, "content/releases/deep.txt", text.as_bytes());
        })
        .skipping(&["content/releases/deep.txt"]),
        case(
            "a YAML header over 64 KiB",
            &[],
            Error,
            &["content/releases/big_yaml.txt:2: error: invalid YAML header: YAML header is over 65536 bytes"],
        )
        .setup(|dir| {
            let text = format!("```yaml\ntitle: {}\n```\n\nBody.\n", "x".repeat(70_000));
            write(dir, "content/releases/big_yaml.txt", text.as_bytes());
        })
        .skipping(&["content/releases/big_yaml.txt"]),
        // --- size ---
        case(
            "a file over the 10 MB limit",
            &[],
            Error,
            &["content/releases/huge.txt: error: file is 10485761 bytes, over the limit of 10485760 bytes"],
        )
        .setup(|dir| {
            let mut text = b" date 2021-01-01 Huge\n\n".to_vec();
            text.resize(10 * 1024 * 1024 + 1, b'a');
            write(dir, "content/releases/huge.txt", &text);
        })
        .skipping(&["content/releases/huge.txt"]),
        case(
            "a 2 MB body on one line builds",
            &[],
            Builds,
            &[],
        )
        .setup(|dir| {
            let text = format!(" date 2021-01-01 Long line\n\n{}\n", "word ".repeat(400_000));
            write(dir, "content/releases/long_line.txt", text.as_bytes());
        }),
        // --- ids and folders ---
        case(
            "the same id in two folders names both paths",
            &[
                ("releases/a/dup_id.txt", b" date 2021-01-01 First\n\nOne.\n"),
                ("releases/b/dup_id.txt", b" date 2021-01-02 Second\n\nTwo.\n"),
            ],
            Error,
            &[
                "content/releases/a/dup_id.txt: error: duplicate release id `dup_id`, also used by content/releases/b/dup_id.txt",
                "content/releases/b/dup_id.txt: error: duplicate release id `dup_id`, also used by content/releases/a/dup_id.txt",
            ],
        )
        .skipping(&["content/releases/a/dup_id.txt", "content/releases/b/dup_id.txt"]),
        case(
            "a file name with a space is not an id",
            &[("releases/bad id.txt", b" date 2021-01-01 T\n\nBody.\n")],
            Error,
            &["content/releases/bad id.txt: error: `bad id` cannot be a release id"],
        )
        .skipping(&["content/releases/bad id.txt"]),
        case(
            "a non-ASCII file name is refused, not rewritten",
            &[("releases/café.txt", b" date 2021-01-01 T\n\nBody.\n")],
            Error,
            &["content/releases/café.txt: error: `café` cannot be a release id"],
        )
        .skipping(&["content/releases/café.txt"]),
        case(
            "a hidden file name is not an id",
            &[("releases/.hidden.txt", b" date 2021-01-01 T\n\nBody.\n")],
            Error,
            &["content/releases/.hidden.txt: error: `.hidden` cannot be a release id"],
        )
        .skipping(&["content/releases/.hidden.txt"]),
        case(
            "a 150-character file name is not an id",
            &[],
            Error,
            &["content/releases/xxxxxxxxxx", ".txt: error: `xxxxxxxxxx", "` cannot be a release id"],
        )
        .setup(|dir| {
            let name = format!("content/releases/{}.txt", "x".repeat(150));
            write(dir, &name, b" date 2021-01-01 T\n\nBody.\n");
        })
        .skipping(&[]),
        // --- sidecars ---
        case(
            "an orphan sidecar is a warning",
            &[("releases/lonely.md", b"---\ntitle: Nobody\n---\nNotes.\n")],
            Builds,
            &["content/releases/lonely.md: warning: sidecar has no release beside it"],
        ),
        case(
            "a broken sidecar holds its release back",
            &[
                ("releases/annotated.txt", b" date 2021-01-01 Annotated\n\nBody.\n"),
                ("releases/annotated.md", b"---\ntitle: x\ntgas: [a]\n---\nNotes.\n"),
            ],
            Error,
            &[
                "content/releases/annotated.md:3:1: error: invalid front matter: unknown key `tgas`",
                "content/releases/annotated.txt: error: not built: its sidecar has errors",
            ],
        )
        .skipping(&["content/releases/annotated.md", "content/releases/annotated.txt"]),
        case(
            "a sidecar with an impossible date names the sidecar's line",
            &[
                ("releases/redated.txt", b" date 2021-01-01 Redated\n\nBody.\n"),
                ("releases/redated.md", b"---\narea: Kent\ndate: 31/04/2021\n---\n"),
            ],
            Error,
            &["content/releases/redated.md:3:7: error: `31/04/2021` is not a real date"],
        )
        .skipping(&["content/releases/redated.md"]),
        case(
            "a sidecar nested too deeply",
            &[
                ("releases/deepside.txt", b" date 2021-01-01 Deep\n\nBody.\n"),
                ("releases/deepside.md", DEEP_SIDECAR),
            ],
            Error,
            &["content/releases/deepside.md:2:", "error: invalid front matter: nested too deeply"],
        )
        .skipping(&["content/releases/deepside.md", "content/releases/deepside.txt"]),
        // --- symlinks ---
        case(
            "a symlink out of the content folder is not followed",
            &[],
            Builds,
            &["content/releases/leak.txt: warning: symlink points outside the content folder (or nowhere); skipped"],
        )
        .setup(|dir| {
            write(dir, "secret.txt", b" date 2021-01-01 SECRET\n\nTOP SECRET TEXT\n");
            symlink(&dir.join("secret.txt"), &dir.join("content/releases/leak.txt"));
        })
        .verify(|out| {
            if out.join("releases/leak").exists() || grep(out, "TOP SECRET TEXT") {
                return Err("the linked file was published".into());
            }
            Ok(())
        }),
        case(
            "a dangling symlink is skipped",
            &[],
            Builds,
            &["content/releases/dangling.txt: warning: symlink points outside the content folder (or nowhere); skipped"],
        )
        .setup(|dir| symlink(&dir.join("nowhere.txt"), &dir.join("content/releases/dangling.txt"))),
        case(
            "a symlink inside the content folder is followed",
            &[("notes/inside.txt", b" date 2021-01-01 Linked inside\n\nBody.\n")],
            Builds,
            &[],
        )
        .setup(|dir| {
            symlink(
                &dir.join("content/notes/inside.txt"),
                &dir.join("content/releases/inside.txt"),
            )
        })
        .verify(|out| contains(out, "releases/inside/index.html", "Linked inside")),
        // --- control characters, noncharacters, bidirectional controls ---
        case(
            "control characters and noncharacters are replaced, one warning per file and kind",
            &[
                ("releases/controls.txt", CONTROLS_RELEASE),
                ("releases/controls.md", CONTROLS_SIDECAR),
            ],
            Builds,
            &[
                "content/releases/controls.txt:10: warning: 7 control characters replaced with U+FFFD (the first on this line)",
                "content/releases/controls.txt:11: warning: 4 Unicode noncharacters replaced with U+FFFD",
                "content/releases/controls.txt:2: warning: 4 control characters in YAML values replaced with U+FFFD",
                "content/releases/controls.txt:5: warning: 1 Unicode noncharacter in YAML values replaced with U+FFFD",
                "content/releases/controls.md:8: warning: 2 control characters replaced with U+FFFD",
                "content/releases/controls.md:8: warning: 1 Unicode noncharacter replaced with U+FFFD",
                "content/releases/controls.md:2: warning: 3 control characters in YAML values replaced with U+FFFD",
            ],
        )
        .verify(|out| {
            no_control_characters_anywhere(out)?;
            contains(out, "releases/controls/index.html", "Side \u{fffd} title")?;
            contains(out, "releases/controls/index.html", "\u{fffd} bell")
        }),
        case(
            "bidirectional controls are removed from titles, at the top-level title's line",
            &[(
                "releases/bidi.txt",
                b"```yaml\nog:\n  title: \"Nested \\u2066title\\u2069\"\n  description: A teaser.\ntitle: \"Top \\u202Etitle\"\narea: \"Ke\\u202Ant\"\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &["content/releases/bidi.txt:5: warning: 4 bidirectional control characters removed from one-line metadata (the first on this line)"],
        )
        .verify(|out| {
            contains(out, "releases/bidi/index.html", "Nested title")?;
            exists(out, "areas/kent/index.html")?;
            match grep(out, "\u{2066}") || grep(out, "\u{202e}") || grep(out, "\u{202a}") {
                true => Err("a bidirectional control reached the output".into()),
                false => Ok(()),
            }
        }),
        // --- times with an offset ---
        case(
            "a time in UTC is shown at the same instant in the site's zone",
            &[(
                "releases/zulu.txt",
                b"```yaml\ntitle: Zulu time\narea: Kent\npublish:\n  date: 10:00Z 01/07/2021\n```\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| {
            contains(out, "releases/zulu/index.html", "datetime=\"2021-07-01T11:00:00+01:00\"")?;
            contains(out, "feed.json", "\"date_published\":\"2021-07-01T11:00:00+01:00\"")
        }),
        case(
            "a date line's offset is honoured, and may change the day",
            &[(
                "releases/eastern.txt",
                b"```yaml\ntitle: Eastern time\narea: Kent\n```\n\n23:30-05:00 30/06/2021\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| {
            contains(out, "releases/eastern/index.html", "datetime=\"2021-07-01T05:30:00+01:00\"")?;
            exists(out, "dates/2021/07/01/index.html")
        }),
        case(
            "a sidecar date's offset is honoured",
            &[
                ("releases/side_zone.txt", b" date 2021-01-01 Sidecar zone\n\nBody.\n"),
                ("releases/side_zone.md", b"---\narea: Kent\ndate: 2021-01-05T09:00:00+02:00\n---\n"),
            ],
            Builds,
            &[],
        )
        .verify(|out| contains(out, "releases/side_zone/index.html", "datetime=\"2021-01-05T07:00:00+00:00\"")),
        case(
            "an impossible offset is an error, never ignored",
            &[(
                "releases/bad_zone.txt",
                b"```yaml\ntitle: T\narea: Kent\npublish:\n  date: 10:00+25:00 01/07/2021\n```\n\nBody.\n",
            )],
            Error,
            &["content/releases/bad_zone.txt:5: error: `10:00+25:00 01/07/2021` has an impossible time zone offset `+25:00`"],
        )
        .skipping(&["content/releases/bad_zone.txt"]),
        // --- YAML values that look like numbers ---
        case(
            "number-like YAML values keep their text as written",
            &[
                ("releases/num_a.txt", b"```yaml\ntitle: 1.10\narea: 0x1F\npublish:\n  date: 2021-01-01\n```\n\nBody.\n"),
                ("releases/num_b.txt", b"```yaml\ntitle: 0x1F\narea: Kent\nog:\n  description: .inf\npublish:\n  date: 2021-01-01\n```\n\nBody.\n"),
                ("releases/num_c.txt", b"```yaml\ntitle: true\narea: yes\npublish:\n  date: 2021-01-01\n```\n\nBody.\n"),
                ("releases/num_c.md", b"---\ntags: [2020, 1e3]\ncorrections:\n  - date: 2021-01-02\n    text: 0o17\n---\n"),
            ],
            Builds,
            &[],
        )
        .verify(|out| {
            contains(out, "releases/num_a/index.html", "1.10")?;
            contains(out, "releases/num_a/index.html", "0x1F")?;
            contains(out, "releases/num_b/index.html", "0x1F")?;
            contains(out, "releases/num_b/index.html", ".inf")?;
            contains(out, "releases/num_c/index.html", "true")?;
            contains(out, "releases/num_c/index.html", "yes")?;
            contains(out, "releases/num_c/index.html", "2020")?;
            contains(out, "releases/num_c/index.html", "1e3")?;
            contains(out, "releases/num_c/index.html", "0o17")
        }),
        // --- every type error of a block, in the maintainer's words ---
        case(
            "three type errors in a header are three errors at their three lines",
            &[(
                "releases/three.txt",
                b"```yaml\ntitle: [a, b]\narea:\n  name: Kent\npublish:\n  date:\n    - 10:00\n```\n\nBody.\n",
            )],
            Error,
            &[
                "content/releases/three.txt:2:1: error: invalid YAML header: `title` should be text, found a list",
                "content/releases/three.txt:3:1: error: invalid YAML header: `area` should be text, found `key: value` lines",
                "content/releases/three.txt:6:3: error: invalid YAML header: `publish.date` should be text like `13:36 02/07/2020`, found a list",
            ],
        )
        .skipping(&["content/releases/three.txt"]),
        case(
            "every type error in a sidecar is reported",
            &[
                ("releases/typed.txt", b" date 2021-01-01 Typed\n\nBody.\n"),
                ("releases/typed.md", b"---\ntags: 5\ncorrections:\n  - date: [2021]\n  - text: Only text.\nnotes: {quote: x}\n---\n"),
            ],
            Error,
            &[
                "content/releases/typed.md:2:1: error: invalid front matter: `tags` should be a list of text, found a number",
                "content/releases/typed.md:4:5: error: invalid front matter: `corrections` item 1 `date` should be text like `2021-01-05`, found a list",
                "content/releases/typed.md:4:3: error: invalid front matter: `corrections` item 1 has no `text`",
                "content/releases/typed.md:5:3: error: invalid front matter: `corrections` item 2 has no `date`",
                "content/releases/typed.md:6:1: error: invalid front matter: `notes` should be a list of notes",
                "content/releases/typed.txt: error: not built: its sidecar has errors",
            ],
        )
        .skipping(&["content/releases/typed.md", "content/releases/typed.txt"]),
        case(
            "a sidecar's top-level date is reported at its own line, not a correction's",
            &[
                ("releases/dated_twice.txt", b" date 2021-01-01 Dated twice\n\nBody.\n"),
                ("releases/dated_twice.md", b"---\ncorrections:\n  - date: 2021-02-01\n    text: Fixed.\ndate: 31/04/2021\n---\n"),
            ],
            Error,
            &["content/releases/dated_twice.md:5:7: error: `31/04/2021` is not a real date"],
        )
        .skipping(&["content/releases/dated_twice.md"]),
        // --- ids and file names that collide elsewhere ---
        case(
            "ids that differ only by case name each other",
            &[
                ("releases/Ab.txt", b" date 2021-01-01 Upper\n\nOne.\n"),
                ("releases/x/ab.txt", b" date 2021-01-02 Lower\n\nTwo.\n"),
            ],
            Error,
            &[
                "content/releases/Ab.txt: error: release id `Ab` differs only by case from content/releases/x/ab.txt",
                "content/releases/x/ab.txt: error: release id `ab` differs only by case from content/releases/Ab.txt",
            ],
        )
        .skipping(&["content/releases/Ab.txt", "content/releases/x/ab.txt"]),
        case(
            "a Windows device name is not an id, in any case or with a further extension",
            &[
                ("releases/con.txt", b" date 2021-01-01 Con\n\nBody.\n"),
                ("releases/LPT9.txt", b" date 2021-01-01 Printer\n\nBody.\n"),
                ("releases/Nul.notes.txt", b" date 2021-01-01 Nul\n\nBody.\n"),
            ],
            Error,
            &[
                "content/releases/con.txt: error: `con` cannot be a release id: `con` is a device name on Windows",
                "content/releases/LPT9.txt: error: `LPT9` cannot be a release id: `LPT9` is a device name on Windows",
                "content/releases/Nul.notes.txt: error: `Nul.notes` cannot be a release id: `Nul` is a device name on Windows",
            ],
        )
        .skipping(&[
            "content/releases/con.txt",
            "content/releases/LPT9.txt",
            "content/releases/Nul.notes.txt",
        ]),
        case(
            "an id ending in a dot is not an id",
            &[("releases/dot..txt", b" date 2021-01-01 Dot\n\nBody.\n")],
            Error,
            &["content/releases/dot..txt: error: `dot.` cannot be a release id: it ends with a dot"],
        )
        .skipping(&["content/releases/dot..txt"]),
        case(
            "upper-case extensions are not read, and say so",
            &[
                ("releases/shout.TXT", b" date 2021-01-01 Shout\n\nBody.\n"),
                ("releases/shout.Md", b"Notes.\n"),
            ],
            Builds,
            &[
                "content/releases/shout.Md: warning: not read: sidecar files end in `.md`, lower case",
                "content/releases/shout.TXT: warning: not read: release files end in `.txt`, lower case",
            ],
        ),
        // --- text that must not become paths or markup ---
        case(
            "an area of ../../ stays inside the output",
            &[(
                "releases/area_dots.txt",
                b"```yaml\ntitle: T\narea: ../../../etc\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| exists(out, "areas/etc/index.html")),
        case(
            "an area of only punctuation gets a hashed slug",
            &[(
                "releases/area_slash.txt",
                b"```yaml\ntitle: T\narea: \"/\"\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| {
            let slugs = area_slugs(out);
            match slugs.iter().any(|s| s.starts_with("x-") && s.len() == 10) {
                true => Ok(()),
                false => Err(format!("no hashed slug among {slugs:?}")),
            }
        }),
        case(
            "two punctuation-only areas never share a page",
            &[
                ("releases/area_q.txt", b"```yaml\ntitle: Q\narea: \"???\"\npublish:\n  date: 2021-01-01\n```\n\nBody.\n"),
                ("releases/area_b.txt", b"```yaml\ntitle: B\narea: \"!!!\"\npublish:\n  date: 2021-01-01\n```\n\nBody.\n"),
            ],
            Builds,
            &[],
        )
        .verify(|out| {
            let hashed = area_slugs(out).into_iter().filter(|s| s.starts_with("x-")).count();
            match hashed {
                2 => Ok(()),
                n => Err(format!("{n} hashed area pages, expected 2")),
            }
        }),
        case(
            "a reserved device name as area",
            &[(
                "releases/area_con.txt",
                b"```yaml\ntitle: T\narea: CON\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| {
            let slugs = area_slugs(out);
            match slugs.iter().any(|s| s.starts_with("con-")) && !slugs.iter().any(|s| s == "con") {
                true => Ok(()),
                false => Err(format!("areas {slugs:?}")),
            }
        }),
        case(
            "a non-ASCII area is transliterated",
            &[(
                "releases/area_mon.txt",
                b"```yaml\ntitle: T\narea: \"Heddlu Ynys M\xc3\xb4n\"\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| exists(out, "areas/heddlu-ynys-mon/index.html")),
        case(
            "a 5,000-character area gets a bounded slug",
            &[],
            Builds,
            &[],
        )
        .setup(|dir| {
            let text = format!(
                "```yaml\ntitle: T\narea: {}\npublish:\n  date: 2021-01-01\n```\n\nBody.\n",
                "Long ".repeat(1000)
            );
            write(dir, "content/releases/area_long.txt", text.as_bytes());
        })
        .verify(|out| {
            let slugs = area_slugs(out);
            match slugs.iter().all(|s| s.len() <= 70) && slugs.iter().any(|s| s.starts_with("long-long")) {
                true => Ok(()),
                false => Err(format!("areas {slugs:?}")),
            }
        }),
        case(
            "markup in the title, area and body is escaped",
            &[(
                "releases/xss.txt",
                b"```yaml\ntitle: \"<script>alert(1)</script> & co\"\narea: \"<img src=x onerror=alert(2)>\"\nog:\n  description: \"\\\"><script>alert(3)</script>\"\npublish:\n  date: 2021-01-01\n```\n\n<script>alert(4)</script> <b onmouseover=alert(5)>x</b>\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| {
            for needle in ["<script>alert", "<img src=x", "<b onmouseover", "\"><script"] {
                if grep_html(out, needle) {
                    return Err(format!("unescaped {needle:?} reached an HTML page"));
                }
            }
            contains(out, "releases/xss/index.html", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")?;
            // JSON Feed: `title` and `tags` are plain text (JSON-escaped by
            // the serializer), `content_html` is HTML and must be escaped.
            let feed: serde_json::Value = serde_json::from_str(&read_file(out, "feed.json")?)
                .map_err(|e| format!("feed.json: {e}"))?;
            let item = &feed["items"][0];
            match (item["title"].as_str(), item["content_html"].as_str()) {
                (Some("<script>alert(1)</script> & co"), Some(html)) if html.starts_with("<p>&lt;script&gt;alert(4)") => Ok(()),
                _ => Err(format!("feed item {item}")),
            }
        }),
        case(
            "only http(s) URLs from metadata become links",
            &[(
                "releases/js_url.txt",
                b"```yaml\ntitle: T\narea: Kent\nurl: \"javascript:alert(1)\"\nog:\n  url: \"data:text/html,<script>alert(2)</script>\"\n  image: \"javascript:alert(3)\"\npublish:\n  date: 2021-01-01\n```\n\nSee javascript:alert(4) and https://kent.police.uk/a\"onclick=\"x.\n",
            )],
            Builds,
            &[],
        )
        .verify(|out| {
            let html = read_file(out, "releases/js_url/index.html")?;
            for bad in ["href=\"javascript:", "href=\"data:", "src=\"javascript:"] {
                if html.contains(bad) {
                    return Err(format!("page contains {bad}"));
                }
            }
            // The text after the URL stays text: no tag gains an attribute.
            let tags = html.split('<').map(|t| t.split('>').next().unwrap_or(""));
            let attribute = |t: &str| t.contains("\"onclick=") || t.contains(" onclick=");
            if let Some(tag) = tags.into_iter().find(|t| attribute(t)) {
                return Err(format!("a tag has an onclick attribute: <{tag}>"));
            }
            Ok(())
        }),
    ]
}

/// Controls and noncharacters: YAML escapes in the header (lines 2 and 5),
/// raw ones in the body (lines 10 and 11).
const CONTROLS_RELEASE: &[u8] = b"```yaml
title: \"Stolen \\u0000car\\a\\e\"
area: Kent
og:
  description: \"d \\x85 \\uFFFE e\"
publish:
  date: 2021-01-01
```

Body \x07 bell \x1b esc \x0b vt \x0c ff \x7f del.
C1 \xc2\x85 \xc2\x9f and noncharacters \xef\xb7\x90 \xef\xbf\xbe \xf0\x9f\xbf\xbf \xf4\x8f\xbf\xbf end.
";

const CONTROLS_SIDECAR: &[u8] = b"---
title: \"Side \\a title\"
tags: [\"tag\\0\", ok]
notes:
  - quote: \"Body\"
    note: \"Note \\x7f here\"
---
Commentary \x07 with \xc2\x80 and \xef\xbf\xbf.
";

/// Every written text file is free of C0 controls (but tab, newline and
/// CR), DEL, C1 controls and noncharacters (the search index's `.bin`
/// shards are binary by design).
fn no_control_characters_anywhere(out: &Path) -> Result<(), String> {
    for (path, bytes) in snapshot(out) {
        if path.extension().is_some_and(|e| e == "bin") {
            continue;
        }
        if let Some(b) = bytes
            .iter()
            .find(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
        {
            return Err(format!("{} holds the byte {b:#04x}", path.display()));
        }
        let text = String::from_utf8_lossy(&bytes);
        let bad = |c: char| {
            let code = c as u32;
            (0x80..=0x9f).contains(&code)
                || (0xfdd0..=0xfdef).contains(&code)
                || code & 0xfffe == 0xfffe
        };
        if let Some(c) = text.chars().find(|&c| bad(c)) {
            return Err(format!("{} holds U+{:04X}", path.display(), c as u32));
        }
    }
    Ok(())
}

const ALIAS_BOMB: &[u8] = b"```yaml
title: T
publish:
  date: 2021-01-01
a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
```

Body.
";

const DEEP_SIDECAR: &[u8] = b"---
title: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
---
";

// ---------------------------------------------------------------------------
// Running a case

fn write(dir: &Path, path: &str, bytes: &[u8]) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn exists(out: &Path, path: &str) -> Result<(), String> {
    match out.join(path).is_file() {
        true => Ok(()),
        false => Err(format!("{path} was not written")),
    }
}

fn read_file(out: &Path, path: &str) -> Result<String, String> {
    fs::read_to_string(out.join(path)).map_err(|e| format!("{path}: {e}"))
}

fn contains(out: &Path, path: &str, needle: &str) -> Result<(), String> {
    match read_file(out, path)?.contains(needle) {
        true => Ok(()),
        false => Err(format!("{path} does not contain {needle:?}")),
    }
}

/// Whether any output file contains `needle`.
fn grep(out: &Path, needle: &str) -> bool {
    snapshot(out)
        .iter()
        .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(needle))
}

/// Whether any HTML page contains `needle`.
fn grep_html(out: &Path, needle: &str) -> bool {
    snapshot(out).iter().any(|(path, bytes)| {
        path.extension().is_some_and(|x| x == "html")
            && String::from_utf8_lossy(bytes).contains(needle)
    })
}

fn area_slugs(out: &Path) -> Vec<String> {
    fs::read_dir(out.join("areas"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of the release files a case adds (stems of its `.txt` files).
fn added_ids(project: &Path) -> Vec<String> {
    let releases = project.join("content/releases");
    walkdir::WalkDir::new(&releases)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .filter(|id| !SAMPLE_IDS.contains(&id.as_str()))
        .collect()
}

/// Every expected fragment must appear in one line of stderr, the first
/// fragment at the line's start (so the path and line number are exact).
fn check_lines(stderr: &str, expect: &[&str], what: &str) -> Result<(), String> {
    if expect.is_empty() {
        return Ok(());
    }
    let (first, rest) = (expect[0], &expect[1..]);
    let all_in_one = stderr
        .lines()
        .any(|l| l.starts_with(first) && rest.iter().all(|r| l.contains(r)));
    let each_a_line = expect
        .iter()
        .all(|e| stderr.lines().any(|l| l.starts_with(e)));
    if all_in_one || each_a_line {
        Ok(())
    } else {
        Err(format!("{what}: expected {expect:?} in:\n{stderr}"))
    }
}

/// Messages are in the maintainer's words: never a Rust type or a serde term.
fn speaks_plainly(stderr: &str) -> Result<(), String> {
    const RUST_WORDS: [&str; 14] = [
        "struct",
        "enum",
        "variant",
        "u32",
        "u64",
        "i64",
        "usize",
        "f64",
        "Option",
        "Vec",
        "serde",
        "String",
        "sequence",
        "unit value",
    ];
    for line in stderr.lines() {
        if let Some(word) = RUST_WORDS.iter().find(|w| line.contains(*w)) {
            return Err(format!("a message says {word:?}: {line}"));
        }
    }
    Ok(())
}

fn run_case(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    copy_tree(&sample_content(), &project.join("content"));
    let first = blotter(project, &["build"]);
    if first.status.code() != Some(0) {
        return Err(format!("clean sample failed to build: {}", stderr(&first)));
    }
    let output = project.join("output");
    let before = snapshot(&output);
    for (path, bytes) in case.files {
        write(project, &format!("content/{path}"), bytes);
    }
    if let Some(setup) = case.setup {
        setup(project);
    }

    let build = blotter(project, &["build"]);
    let err = stderr(&build);
    speaks_plainly(&err)?;
    match case.outcome {
        Error => {
            if build.status.code() != Some(1) {
                return Err(format!(
                    "build exit {:?}, expected 1:\n{err}",
                    build.status.code()
                ));
            }
            check_lines(&err, case.expect, "build")?;
            if !err.contains("nothing written") {
                return Err(format!("no \"nothing written\" line:\n{err}"));
            }
            if snapshot(&output) != before {
                return Err("the previous output changed after a failed build".into());
            }
            check_writes_nothing(project, case, &before)?;
            skip_invalid_builds_the_rest(project, case)
        }
        Builds => {
            if build.status.code() != Some(0) {
                return Err(format!(
                    "build exit {:?}, expected 0:\n{err}",
                    build.status.code()
                ));
            }
            check_lines(&err, case.expect, "build")?;
            if err.contains(": error:") {
                return Err(format!("unexpected error:\n{err}"));
            }
            for id in added_ids(project) {
                if case.name.contains("symlink out") || case.name.contains("dangling") {
                    continue;
                }
                exists(&output, &format!("releases/{id}/index.html"))?;
            }
            for id in SAMPLE_IDS {
                exists(&output, &format!("releases/{id}/index.html"))?;
            }
            match case.verify {
                Some(verify) => verify(&output),
                None => Ok(()),
            }
        }
    }
}

/// `blotter check` reports the same problems, exits 1 and writes nothing.
fn check_writes_nothing(
    project: &Path,
    case: &Case,
    before: &[(std::path::PathBuf, Vec<u8>)],
) -> Result<(), String> {
    let listing = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let top = listing(project);
    let check = blotter(project, &["check"]);
    let err = stderr(&check);
    if check.status.code() != Some(1) {
        return Err(format!(
            "check exit {:?}, expected 1:\n{err}",
            check.status.code()
        ));
    }
    check_lines(&err, case.expect, "check")?;
    if err.contains("nothing written") || err.contains("--skip-invalid") {
        return Err(format!("check talks about writing:\n{err}"));
    }
    if listing(project) != top || snapshot(&project.join("output")) != before {
        return Err("check wrote something".into());
    }
    Ok(())
}

/// `--skip-invalid` exits 0, lists each skipped file and builds the rest.
fn skip_invalid_builds_the_rest(project: &Path, case: &Case) -> Result<(), String> {
    let out = blotter(project, &["build", "--skip-invalid"]);
    let err = stderr(&out);
    if out.status.code() != Some(0) {
        return Err(format!(
            "--skip-invalid exit {:?}:\n{err}",
            out.status.code()
        ));
    }
    let listed: Vec<&str> = err
        .split_once("skipped ")
        .map(|(_, list)| list.lines().skip(1).map(str::trim).collect())
        .unwrap_or_default();
    for path in case.skipped {
        if !listed.contains(path) {
            return Err(format!("--skip-invalid did not list {path}:\n{err}"));
        }
    }
    let output = project.join("output");
    for id in SAMPLE_IDS {
        exists(&output, &format!("releases/{id}/index.html"))?;
    }
    for id in added_ids(project) {
        if output.join("releases").join(&id).exists() {
            return Err(format!("invalid release {id} was published"));
        }
    }
    match case.verify {
        Some(verify) => verify(&output),
        None => Ok(()),
    }
}

#[test]
fn every_bad_input_has_its_exact_outcome() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    // Cases are independent projects: run them two at a time (CI has two cores).
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                if let Err(why) = run_case(case) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("[{}] {}", case.name, why));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
