//! A diagnostic as a person reads it: the plain first line editors and CI
//! parse (`path:line:col: error: message`), then rustc's layout, the
//! offending line with a caret under the span and the help below:
//!
//! ```text
//! content/releases/2020/x.md:3:1: error: unknown key `tgas`
//!    |
//!  3 | tgas: [drugs]
//!    | ^^^^
//!    = help: did you mean `tags`?
//! ```
//!
//! Our own renderer rather than annotate-snippets or codespan-reporting:
//! both print a header of their own (`error: message` with the path on the
//! line below), where ours must keep the one-line form first, and this
//! layout of one line and one underline is all blotter needs.

use std::fmt::Write as _;

use crate::diagnostics::{Diagnostic, Severity};

/// A source line longer than this is shown as a window around the span.
const WIDTH: usize = 100;
/// Characters of a long line shown before the span.
const LEAD: usize = 30;

/// ANSI styles; empty when colour is off.
struct Paint {
    level: &'static str,
    gutter: &'static str,
    bold: &'static str,
    reset: &'static str,
}

impl Paint {
    fn new(severity: Severity, color: bool) -> Paint {
        if !color {
            return Paint {
                level: "",
                gutter: "",
                bold: "",
                reset: "",
            };
        }
        let level = match severity {
            Severity::Error => "\x1b[1;31m",
            Severity::Warning => "\x1b[1;33m",
        };
        Paint {
            level,
            gutter: "\x1b[1;34m",
            bold: "\x1b[1m",
            reset: "\x1b[0m",
        }
    }
}

/// `d` in full: its first line, its source line and caret when `source`
/// (the text of `d`'s file) has its line, and its help.
pub fn render(d: &Diagnostic, source: Option<&str>, color: bool) -> String {
    let paint = Paint::new(d.severity, color);
    let mut out = headline(d, &paint);
    let line = source.and_then(|text| source_line(text, d.line));
    let Some(line) = line else {
        if let Some(help) = &d.help {
            let _ = write!(out, "\n  {}help{}: {help}", paint.bold, paint.reset);
        }
        return out;
    };
    let number = d.line.to_string();
    let pad = " ".repeat(number.len() + 2);
    let (shown, from, width) = window(&line, d.col, d.len);
    let (g, r) = (paint.gutter, paint.reset);
    let _ = write!(out, "\n{pad}{g}|{r}");
    let _ = write!(out, "\n{g} {number} |{r} {shown}");
    let carets = "^".repeat(width);
    let _ = write!(
        out,
        "\n{pad}{g}|{r} {}{}{carets}{r}",
        " ".repeat(from),
        paint.level
    );
    if let Some(help) = &d.help {
        let _ = write!(out, "\n{pad}{g}={r} {}help{r}: {help}", paint.bold);
    }
    out
}

/// `path:line:col: error: message`, the form tools parse.
fn headline(d: &Diagnostic, paint: &Paint) -> String {
    let mut out = d.path.display().to_string();
    if d.line > 0 {
        let _ = write!(out, ":{}", d.line);
        if d.col > 0 {
            let _ = write!(out, ":{}", d.col);
        }
    }
    let word = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let (level, bold, reset) = (paint.level, paint.bold, paint.reset);
    let _ = write!(out, ": {level}{word}{reset}: {bold}{}{reset}", d.message);
    out
}

/// Line `number` (1-based) of `text` as characters that print as one
/// column each, so columns and carets line up: a tab is a space, and
/// control characters (which could steer the terminal) are shown as
/// U+FFFD. `None` for a blank line or one past the end.
fn source_line(text: &str, number: usize) -> Option<Vec<char>> {
    let line = text.split('\n').nth(number.checked_sub(1)?)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let line = line.strip_prefix('\u{feff}').unwrap_or(line).trim_end();
    if line.trim().is_empty() {
        return None;
    }
    let mut chars = Vec::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t' => chars.push(' '),
            c if c.is_control() => chars.push('\u{fffd}'),
            c => chars.push(c),
        }
    }
    Some(chars)
}

/// The line as shown, where its carets start and how many: the span of
/// `col` and `len` (characters, `col` 1-based), a single caret when only
/// the start is known, and the whole text of the line when neither is.
/// A long line is cut to a window around the span, marked `...`.
fn window(line: &[char], col: usize, len: usize) -> (String, usize, usize) {
    let text_start = line.iter().position(|c| *c != ' ').unwrap_or(0);
    let text_end = line.len() - line.iter().rev().take_while(|c| **c == ' ').count();
    let (start, width) = match col {
        0 => (text_start, text_end - text_start),
        col => {
            let start = (col - 1).min(line.len().saturating_sub(1));
            (start, len.clamp(1, (line.len() - start).max(1)))
        }
    };
    if line.len() <= WIDTH {
        return (line.iter().collect(), start, width);
    }
    let from = start.saturating_sub(LEAD);
    let to = (from + WIDTH).min(line.len());
    let mut shown: String = if from > 0 {
        "...".into()
    } else {
        String::new()
    };
    let lead = shown.len();
    shown.extend(&line[from..to]);
    if to < line.len() {
        shown.push_str("...");
    }
    let width = width.min(to.saturating_sub(start)).max(1);
    (shown, lead + start - from, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn at(line: usize, col: usize, len: usize) -> Diagnostic {
        Diagnostic::error(
            Path::new("content/releases/x.md"),
            line,
            "unknown key `tgas`",
        )
        .at_span(col, len)
        .with_help("did you mean `tags`?")
    }

    const SIDECAR: &str = "---\ntitle: A\ntgas: [drugs]\n---\n";

    #[test]
    fn shows_the_line_with_a_caret_under_the_span_and_the_first_line_first() {
        assert_eq!(
            render(&at(3, 1, 4), Some(SIDECAR), false),
            "content/releases/x.md:3:1: error: unknown key `tgas`\n   |\n 3 | tgas: [drugs]\n   | ^^^^\n   = help: did you mean `tags`?"
        );
    }

    #[test]
    fn the_gutter_is_as_wide_as_the_line_number() {
        let text = format!("{}  quote: \"220kg\"\n", "\n".repeat(11));
        let shown = render(&at(12, 11, 5), Some(&text), false);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(
            lines[1..4],
            ["    |", " 12 |   quote: \"220kg\"", "    |           ^^^^^"]
        );
        assert_eq!(lines[4], "    = help: did you mean `tags`?");
    }

    #[test]
    fn without_a_column_the_whole_text_of_the_line_is_marked() {
        let shown = render(&at(2, 0, 0), Some("x\n  date: 30/02/2021  \n"), false);
        assert!(shown.ends_with("\n 2 |   date: 30/02/2021\n   |   ^^^^^^^^^^^^^^^^\n   = help: did you mean `tags`?"), "{shown}");
    }

    #[test]
    fn without_the_line_it_is_the_plain_message() {
        for source in [None, Some(""), Some("one line\n")] {
            assert_eq!(
                render(&at(3, 1, 4), source, false),
                "content/releases/x.md:3:1: error: unknown key `tgas`\n  help: did you mean `tags`?"
            );
        }
        let whole_file = Diagnostic::warning(Path::new("a.md"), 0, "orphan");
        assert_eq!(
            render(&whole_file, Some("text"), false),
            "a.md: warning: orphan"
        );
    }

    #[test]
    fn tabs_and_control_characters_print_as_one_column_each() {
        let shown = render(&at(1, 2, 2), Some("\tab\x1b[2Jc\n"), false);
        assert!(shown.contains(" 1 |  ab\u{fffd}[2Jc\n   |  ^^"), "{shown}");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_span() {
        let line = format!("{}TARGET{}", "a".repeat(500), "b".repeat(500));
        let shown = render(&at(1, 501, 6), Some(&line), false);
        let source = shown.lines().nth(2).unwrap();
        let carets = shown.lines().nth(3).unwrap();
        assert!(
            source.starts_with(" 1 | ...") && source.ends_with("..."),
            "{source}"
        );
        let target = source.find("TARGET").unwrap();
        assert_eq!(carets.find('^'), Some(target));
        assert_eq!(carets.matches('^').count(), 6);
    }

    #[test]
    fn a_span_past_the_end_of_the_line_stops_there() {
        let shown = render(&at(1, 3, 50), Some("abcd\n"), false);
        assert!(shown.contains("\n   |   ^^\n"), "{shown}");
    }

    #[test]
    fn colour_marks_the_level_gutter_and_carets_only_when_asked() {
        let shown = render(&at(3, 1, 4), Some(SIDECAR), true);
        assert!(shown.starts_with("content/releases/x.md:3:1: \x1b[1;31merror\x1b[0m"));
        assert!(shown.contains("\x1b[1;31m^^^^\x1b[0m"));
        assert!(!render(&at(3, 1, 4), Some(SIDECAR), false).contains('\x1b'));
    }
}
