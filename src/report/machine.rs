//! Diagnostics for tools: one JSON object per line (`--message-format
//! json`, as cargo's), and GitHub Actions workflow commands, which make a
//! pull request show each problem at its line.

use crate::diagnostics::Diagnostic;

/// One diagnostic as a JSON object on one line: `rendered` is the text a
/// person would have seen. Positions are 1-based; `null` when unknown.
pub fn json(d: &Diagnostic, rendered: &str) -> String {
    let known = |n: usize| (n > 0).then_some(n);
    let object = serde_json::json!({
        "path": d.path.to_string_lossy(),
        "line": known(d.line),
        "column": known(d.col),
        "length": known(d.len),
        "severity": if d.is_error() { "error" } else { "warning" },
        "message": d.message,
        "help": d.help,
        "rendered": rendered,
    });
    // serde_json escapes every control character, so a newline in a
    // message never splits the object across lines.
    object.to_string()
}

/// `::error file=…,line=…,col=…,endColumn=…::message`, GitHub's workflow
/// command for an annotation; the help follows the message on its own line.
pub fn github(d: &Diagnostic) -> String {
    let kind = if d.is_error() { "error" } else { "warning" };
    let mut properties = vec![format!(
        "file={}",
        escape_property(&d.path.to_string_lossy())
    )];
    if d.line > 0 {
        properties.push(format!("line={}", d.line));
        if d.col > 0 {
            properties.push(format!("col={}", d.col));
            if d.len > 0 {
                properties.push(format!("endColumn={}", d.col + d.len));
            }
        }
    }
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// A command's message: GitHub reads `%`, CR and LF as escapes and line ends.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as data, and `:` and `,` end a value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn json_is_one_line_with_every_field_and_control_characters_escaped() {
        let d = Diagnostic::error(Path::new("a \"b\".md"), 3, "bad \"quote\"\n\tand\u{1b}")
            .at_span(5, 4)
            .with_help("did you mean `tags`?");
        let line = json(&d, "a.md:3:5: error: x\n   |");
        assert!(!line.contains('\n') && !line.contains('\u{1b}'), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["path"], "a \"b\".md");
        assert_eq!(
            (back["line"].as_u64(), back["column"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(back["length"], 4);
        assert_eq!(back["severity"], "error");
        assert_eq!(back["message"], "bad \"quote\"\n\tand\u{1b}");
        assert_eq!(back["help"], "did you mean `tags`?");
        assert_eq!(back["rendered"], "a.md:3:5: error: x\n   |");
        let whole = json(&Diagnostic::warning(Path::new("a.md"), 0, "orphan"), "");
        let back: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert!(back["line"].is_null() && back["column"].is_null() && back["help"].is_null());
        assert_eq!(back["severity"], "warning");
    }

    #[test]
    fn github_commands_escape_what_github_reads_as_syntax() {
        let d = Diagnostic::error(Path::new("dir,x/a:b.md"), 3, "100% wrong\r\nreally")
            .at_span(5, 4)
            .with_help("fix it");
        assert_eq!(
            github(&d),
            "::error file=dir%2Cx/a%3Ab.md,line=3,col=5,endColumn=9::100%25 wrong%0D%0Areally%0Ahelp: fix it"
        );
        let w = Diagnostic::warning(Path::new("a.md"), 0, "orphan");
        assert_eq!(github(&w), "::warning file=a.md::orphan");
    }
}
