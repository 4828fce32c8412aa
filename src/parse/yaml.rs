//! The one module that touches serde_yaml (deprecated upstream): swapping it
//! for a maintained fork means changing this file only.
//!
//! YAML in a release sits inside a fence, so the parser's line numbers are
//! relative to the block; every position leaving here is made absolute by
//! adding the fence's offset (Hugo once shipped an off-by-one on exactly this,
//! gohugoio/hugo#9857).

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use std::fmt;

/// A YAML syntax or type error at a 1-based line of the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Largest YAML block accepted: headers are a dozen lines; anything bigger
/// is not a header, and a bound keeps alias expansion cheap.
const MAX_YAML_BYTES: usize = 64 * 1024;

/// Deserialises `yaml`, whose first line is line `first_line` of its file.
pub fn from_block<T: DeserializeOwned>(yaml: &str, first_line: usize) -> Result<T, YamlError> {
    if yaml.len() > MAX_YAML_BYTES {
        return Err(YamlError {
            line: first_line,
            col: 0,
            message: format!("YAML header is over {MAX_YAML_BYTES} bytes"),
        });
    }
    if let Some(line) = yaml.lines().position(|l| l.starts_with('\t')) {
        return Err(YamlError {
            line: first_line + line,
            col: 1,
            message: "YAML does not allow tabs for indentation".into(),
        });
    }
    // An empty block is an empty mapping, not a null.
    let source = if yaml.trim().is_empty() { "{}" } else { yaml };
    let located = |e: serde_yaml::Error| {
        let (line, col) = e
            .location()
            .map(|l| (first_line + l.line().saturating_sub(1), l.column()))
            .unwrap_or((first_line, 0));
        YamlError {
            line,
            col,
            message: clean_message(&e.to_string()),
        }
    };
    // Read into a generic value first: serde_yaml bounds alias expansion and
    // nesting depth while it builds values, but a typed struct skips unknown
    // keys unchecked, so an alias bomb or a 5,000-deep `[[[` under a key the
    // header does not use would otherwise pass as if it were not there.
    let value: serde_yaml::Value = serde_yaml::from_str(source).map_err(located)?;
    // Typed from that value rather than from the text again: reading every
    // header twice was a ninth of a clean build's CPU. A value's type
    // errors carry no position, so on one the text is typed again for it.
    serde_yaml::from_value(value).or_else(|_| serde_yaml::from_str(source).map_err(located))
}

/// serde_yaml appends "at line X column Y" relative to the block; we print
/// our own absolute position, so that tail would only mislead. Its limit
/// messages are reworded to say what the user wrote.
fn clean_message(message: &str) -> String {
    let message = match message.find(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    if message.contains("repetition limit exceeded") {
        "aliases expand too far (a YAML alias bomb?)".to_string()
    } else if message.contains("recursion limit exceeded") {
        "nested too deeply (over 128 levels)".to_string()
    } else {
        message.to_string()
    }
}

/// Lines of a block where an unquoted value contains ` #`: YAML reads the
/// rest as a comment and silently cuts the value short
/// (`title: Appeal after incident #2` has the title `Appeal after incident`).
pub fn truncating_comments(yaml: &str, first_line: usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in yaml.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        let Some(colon) = trimmed.find(": ") else {
            continue;
        };
        let value = trimmed[colon + 2..].trim_start();
        if value.starts_with(['"', '\'', '|', '>', '#']) {
            continue;
        }
        if value.contains(" #") {
            let key = trimmed[..colon].trim_start_matches("- ").to_string();
            found.push((first_line + i, key));
        }
    }
    found
}

/// 1-based line (within the file) of the first line that sets `key`, e.g. `date`.
pub fn line_of_key(yaml: &str, first_line: usize, key: &str) -> Option<usize> {
    yaml.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':'))
        })
        .map(|i| first_line + i)
}

/// A YAML scalar read as text: `title: 1984` is the title "1984", not a type
/// error. Lists and maps are still errors, reported with their line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a single line of text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn error_lines_are_absolute() {
        let err = from_block::<BTreeMap<String, Text>>("a: 1\nb: [x\n", 5).unwrap_err();
        assert!(err.line >= 6, "{err:?}");
        assert!(!err.message.contains(" at line "));
    }

    #[test]
    fn type_errors_keep_their_line() {
        let yaml = "a: 1\nb: text\nc:\n  - a list\n";
        let err = from_block::<BTreeMap<String, Text>>(yaml, 10).unwrap_err();
        assert_eq!(err.line, 13, "the list's line: {err:?}");
        assert!(err.message.contains("single line of text"), "{err:?}");
    }

    #[test]
    fn tabs_are_refused_with_their_line() {
        let err = from_block::<BTreeMap<String, Text>>("a: 1\n\tb: 2\n", 2).unwrap_err();
        assert_eq!(err.line, 3);
    }

    #[test]
    fn scalars_read_as_text() {
        let m: BTreeMap<String, Text> = from_block("a: 1984\nb: true\n", 1).unwrap();
        assert_eq!(m["a"].0, "1984");
        assert_eq!(m["b"].0, "true");
    }

    #[test]
    fn finds_values_cut_by_comments() {
        let yaml = "title: Appeal after incident #2\nurl: \"a #b\"\n# comment\n";
        assert_eq!(truncating_comments(yaml, 2), vec![(2, "title".to_string())]);
    }

    #[test]
    fn alias_bombs_fail_fast() {
        let mut yaml = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut prev = 'a';
        for name in 'b'..='i' {
            yaml.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
            prev = name;
        }
        let started = std::time::Instant::now();
        // Typed as a release header would be: the bomb sits under keys it ignores.
        let err = from_block::<BTreeMap<String, serde::de::IgnoredAny>>(&yaml, 1).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for yaml in [
            format!("x: {}{}\n", "[".repeat(5000), "]".repeat(5000)),
            format!("x: {}1{}\n", "{a: ".repeat(3000), "}".repeat(3000)),
        ] {
            let err = from_block::<BTreeMap<String, serde::de::IgnoredAny>>(&yaml, 4).unwrap_err();
            assert!(err.message.contains("nested too deeply"), "{err:?}");
            assert_eq!(err.line, 4);
        }
    }
}
