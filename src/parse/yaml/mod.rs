//! The one module that touches serde_yaml (deprecated upstream): swapping it
//! for a maintained fork means changing this file only.
//!
//! YAML in a release sits inside a fence, so the parser's line numbers are
//! relative to the block; every position leaving here is made absolute by
//! adding the fence's offset (Hugo once shipped an off-by-one on exactly this,
//! gohugoio/hugo#9857).

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize as _;
use std::fmt;

mod prune;

/// A YAML syntax or type error at a 1-based line of the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    /// Characters from `col` the problem spans (a key); 0 when unknown.
    pub len: usize,
    pub message: String,
    pub help: Option<String>,
}

impl YamlError {
    fn at(line: usize, col: usize, message: impl Into<String>) -> YamlError {
        YamlError {
            line,
            col,
            len: 0,
            message: message.into(),
            help: None,
        }
    }
}

/// Largest YAML block accepted: headers are a dozen lines; anything bigger
/// is not a header, and a bound keeps alias expansion cheap.
const MAX_YAML_BYTES: usize = 64 * 1024;

/// What a YAML block may hold, for messages in the maintainer's words:
/// every mismatch in a block is reported, each at its own line, before
/// the block is typed.
pub enum Schema {
    /// A scalar, read as its text exactly as written (`1.10`, `0x1F`,
    /// `yes` and `~` are text). `example` shows the expected form.
    Text { example: Option<&'static str> },
    /// A list; `what` names it in messages ("a list of text").
    List {
        item: &'static Schema,
        what: &'static str,
    },
    /// `key: value` lines. `strict` makes an unknown key an error;
    /// `what` names it in messages.
    Map {
        fields: &'static [Field],
        strict: bool,
        what: &'static str,
    },
}

pub struct Field {
    pub key: &'static str,
    pub schema: Schema,
    pub required: bool,
}

/// A text slot with no particular form.
pub const TEXT: Schema = Schema::Text { example: None };

/// Deserialises `yaml`, whose first line is line `first_line` of its file,
/// after checking it against `schema`: every mismatch is an error, each at
/// its own line.
pub fn from_block<T: DeserializeOwned>(
    yaml: &str,
    first_line: usize,
    schema: &Schema,
) -> Result<T, Vec<YamlError>> {
    if yaml.len() > MAX_YAML_BYTES {
        return Err(vec![YamlError::at(
            first_line,
            0,
            format!("YAML header is over {MAX_YAML_BYTES} bytes"),
        )]);
    }
    if let Some(line) = yaml.lines().position(|l| l.starts_with('\t')) {
        return Err(vec![YamlError::at(
            first_line + line,
            1,
            "YAML does not allow tabs for indentation",
        )]);
    }
    // An empty block is an empty mapping, not a null.
    let source = if yaml.trim().is_empty() { "{}" } else { yaml };
    let located = |e: serde_yaml::Error| {
        let (line, col) = e
            .location()
            .map(|l| (first_line + l.line().saturating_sub(1), l.column()))
            .unwrap_or((first_line, 0));
        vec![YamlError::at(line, col, clean_message(&e.to_string()))]
    };
    // Read into a generic value first: serde_yaml bounds alias expansion and
    // nesting depth while it builds values, but a typed struct skips unknown
    // keys unchecked, so an alias bomb or a 5,000-deep `[[[` under a key the
    // header does not use would otherwise pass as if it were not there.
    let value: serde_yaml::Value = serde_yaml::from_str(source).map_err(located)?;
    let mut check = Check::default();
    check.value(&value, schema, &mut Vec::new());
    if !check.problems.is_empty() {
        let locator = Locator::new(yaml, first_line);
        return Err(check
            .problems
            .into_iter()
            .map(|problem| problem.located(&locator))
            .collect());
    }
    let verbatim = check.verbatim;
    typed(source, value, verbatim, first_line)
}

/// [`from_block`] that goes on past a mismatch: every node the schema
/// check refuses is left out and the rest is typed, so a maintainer's one
/// misspelt key does not hide the other mistakes of the same file. The
/// value is `None` when nothing could be typed (a syntax error).
pub fn from_block_partial<T: DeserializeOwned>(
    yaml: &str,
    first_line: usize,
    schema: &Schema,
) -> (Option<T>, Vec<YamlError>, Pruned) {
    let source = if yaml.trim().is_empty() { "{}" } else { yaml };
    let errors = match from_block(yaml, first_line, schema) {
        Ok(typed) => return (Some(typed), Vec::new(), Pruned::default()),
        Err(errors) => errors,
    };
    // Only a block that parsed and broke the schema can be pruned; the
    // size and tab checks came before parsing, so they end it here.
    let parsed = (yaml.len() <= MAX_YAML_BYTES && !yaml.contains('\t'))
        .then(|| serde_yaml::from_str::<serde_yaml::Value>(source).ok())
        .flatten();
    let Some(mut value) = parsed else {
        return (None, errors, Pruned::default());
    };
    let mut check = Check::default();
    check.value(&value, schema, &mut Vec::new());
    let paths: Vec<Vec<prune::Owned>> = (check.problems.iter())
        .map(|problem| prune::owned(&problem.path))
        .collect();
    let verbatim = check.verbatim;
    if paths.is_empty() || !prune::remove_all(&mut value, paths.clone()) {
        return (None, errors, Pruned::default());
    }
    // Typed from the value: after pruning there is no text to type again,
    // so a block that also needs its scalars as written gives up here.
    let typed = (!verbatim)
        .then(|| serde_yaml::from_value(value).ok())
        .flatten();
    (typed, errors, Pruned(paths))
}

/// What [`from_block_partial`] left out, to find where the items that
/// were kept are written.
#[derive(Debug, Default)]
pub struct Pruned(Vec<Vec<prune::Owned>>);

impl Pruned {
    /// The index in the block of item `kept` of the top-level list `key`,
    /// counting the items left out before it.
    pub fn written_index(&self, key: &str, kept: usize) -> usize {
        let mut left_out: Vec<usize> = (self.0.iter())
            .filter_map(|path| match path.as_slice() {
                [prune::Owned::Key(k), prune::Owned::Index(i)] if k == key => Some(*i),
                _ => None,
            })
            .collect();
        left_out.sort_unstable();
        let mut index = kept;
        for i in left_out {
            if i <= index {
                index += 1;
            }
        }
        index
    }
}

/// The checked value typed as `T`.
fn typed<T: DeserializeOwned>(
    source: &str,
    value: serde_yaml::Value,
    verbatim: bool,
    first_line: usize,
) -> Result<T, Vec<YamlError>> {
    let located = |e: serde_yaml::Error| {
        let (line, col) = e
            .location()
            .map(|l| (first_line + l.line().saturating_sub(1), l.column()))
            .unwrap_or((first_line, 0));
        vec![YamlError::at(line, col, clean_message(&e.to_string()))]
    };
    if verbatim {
        // A number, boolean or null where text goes: the value holds what
        // YAML made of it (`1.10` is 1.1), so the text is typed again, where
        // a scalar read as a string is its text as written.
        serde_yaml::from_str(source).map_err(located)
    } else {
        // Typed from the value rather than from the text again: reading
        // every header twice was a large share of a clean build's CPU.
        serde_yaml::from_value(value)
            .map_err(|e| vec![YamlError::at(first_line, 0, clean_message(&e.to_string()))])
    }
}

/// One mismatch found by the schema check, at its path in the block.
struct Problem<'v> {
    path: Vec<Step<'v>>,
    message: String,
    help: Option<String>,
    /// Characters of the key, for an unknown key.
    len: usize,
}

impl Problem<'_> {
    fn located(&self, locator: &Locator) -> YamlError {
        let (line, col) = locator
            .position(&self.path)
            .unwrap_or((locator.first_line, 0));
        YamlError {
            line,
            col,
            len: if col > 0 { self.len } else { 0 },
            message: self.message.clone(),
            help: self.help.clone(),
        }
    }
}

/// One step of a path into a YAML block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The schema check: every mismatch with its path, and whether any text
/// slot holds a scalar YAML did not keep as text.
#[derive(Default)]
struct Check<'v> {
    problems: Vec<Problem<'v>>,
    verbatim: bool,
}

impl<'v> Check<'v> {
    fn value(&mut self, value: &'v serde_yaml::Value, schema: &Schema, path: &mut Vec<Step<'v>>) {
        use serde_yaml::Value;
        match (schema, value) {
            (Schema::Text { .. }, Value::String(_)) => {}
            (Schema::Text { .. }, Value::Number(_) | Value::Bool(_) | Value::Null) => {
                self.verbatim = true;
            }
            (Schema::List { item, .. }, Value::Sequence(items)) => {
                for (i, value) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    self.value(value, item, path);
                    path.pop();
                }
            }
            (Schema::Map { fields, strict, .. }, Value::Mapping(map)) => {
                for (key, value) in map {
                    let field = key
                        .as_str()
                        .and_then(|k| fields.iter().find(|f| f.key == k));
                    match field {
                        Some(field) => {
                            path.push(Step::Key(field.key));
                            // A key with nothing after it leaves a list or a
                            // group empty.
                            let absent =
                                value.is_null() && !matches!(field.schema, Schema::Text { .. });
                            if !absent {
                                self.value(value, &field.schema, path);
                            }
                            path.pop();
                        }
                        None if *strict => self.unknown_key(key, fields, path),
                        None => {}
                    }
                }
                for field in fields.iter().filter(|f| f.required) {
                    if !map.contains_key(field.key) {
                        let message = format!("{} has no `{}`", name(path), field.key);
                        self.problem(path.clone(), message);
                    }
                }
            }
            (schema, found) => {
                let expected = match schema {
                    Schema::Text {
                        example: Some(example),
                    } => format!("text like `{example}`"),
                    Schema::Text { example: None } => "text".to_string(),
                    Schema::List { what, .. } | Schema::Map { what, .. } => what.to_string(),
                };
                let message = format!(
                    "{} should be {expected}, found {}",
                    name(path),
                    describe(found)
                );
                self.problem(path.clone(), message);
            }
        }
    }

    fn problem(&mut self, path: Vec<Step<'v>>, message: String) {
        self.problems.push(Problem {
            path,
            message,
            help: None,
            len: 0,
        });
    }

    /// A key the schema does not know: the known key it is closest to is
    /// the hint, else the list of them.
    fn unknown_key(&mut self, key: &'v serde_yaml::Value, fields: &[Field], path: &[Step<'v>]) {
        let mut at = path.to_vec();
        let (shown, len, hint) = match key.as_str() {
            Some(k) => {
                at.push(Step::Key(k));
                let near = crate::diagnostics::closest(k, fields.iter().map(|f| f.key));
                (format!("`{k}`"), k.chars().count(), near)
            }
            None => (describe(key).to_string(), 0, None),
        };
        let help = match hint {
            Some(near) => format!("did you mean `{near}`?"),
            None => {
                let known: Vec<String> = fields.iter().map(|f| format!("`{}`", f.key)).collect();
                format!("the keys here are {}", known.join(", "))
            }
        };
        self.problems.push(Problem {
            path: at,
            message: format!("{}unknown key {shown}", within(path)),
            help: Some(help),
            len,
        });
    }
}

/// A YAML value's kind, as a maintainer would say it.
fn describe(value: &serde_yaml::Value) -> &'static str {
    use serde_yaml::Value;
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "`key: value` lines",
        Value::Tagged(_) => "a tagged value (`!tag`)",
    }
}

/// A path as a maintainer would say it: `og.title`, `corrections` item 2
/// `date`; the block itself is "the header".
fn name(path: &[Step]) -> String {
    if path.is_empty() {
        return "the header".to_string();
    }
    let mut out = String::new();
    let mut keys: Vec<&str> = Vec::new();
    let flush = |keys: &mut Vec<&str>, out: &mut String| {
        if !keys.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("`{}`", keys.join(".")));
            keys.clear();
        }
    };
    for step in path {
        match step {
            Step::Key(k) => keys.push(k),
            Step::Index(i) => {
                flush(&mut keys, &mut out);
                out.push_str(&format!(" item {}", i + 1));
            }
        }
    }
    flush(&mut keys, &mut out);
    out
}

/// "in `og`: " before a message about a key of a nested group.
fn within(path: &[Step]) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("in {}: ", name(path))
    }
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
    } else if [
        "invalid type",
        "invalid value",
        "invalid length",
        "missing field",
        "unknown variant",
    ]
    .iter()
    .any(|serde_words| message.contains(serde_words))
    {
        // A type error the schema check did not foresee: serde's wording
        // names Rust types, so only where it is is kept.
        "a value has the wrong type here".to_string()
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

/// 1-based line (within the file) of the top-level `key`.
pub fn line_of_key(yaml: &str, first_line: usize, key: &str) -> Option<usize> {
    line_of_path(yaml, first_line, &[Step::Key(key)])
}

/// One meaningful line of a block: its index, and the column where its
/// content starts (after any `- ` item markers, which `dashes` lists).
struct Line<'a> {
    index: usize,
    /// Columns of the `- ` markers that open the line, outermost first.
    dashes: Vec<usize>,
    col: usize,
    content: &'a str,
}

fn meaningful_lines(yaml: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    for (index, text) in yaml.lines().enumerate() {
        let mut col = text.len() - text.trim_start_matches(' ').len();
        let mut rest = &text[col..];
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        let mut dashes = Vec::new();
        while rest == "-" || rest.starts_with("- ") {
            dashes.push(col);
            let after = rest[1..].trim_start_matches(' ');
            col += rest.len() - after.len();
            rest = after;
        }
        out.push(Line {
            index,
            dashes,
            col,
            content: rest,
        });
    }
    out
}

/// Whether `content` (a line's text after its indentation) sets `key`.
fn sets_key(content: &str, key: &str) -> bool {
    let unquoted = content
        .strip_prefix('"')
        .and_then(|c| c.strip_prefix(key)?.strip_prefix('"'))
        .or_else(|| {
            content
                .strip_prefix('\'')
                .and_then(|c| c.strip_prefix(key)?.strip_prefix('\''))
        })
        .or_else(|| content.strip_prefix(key));
    unquoted.is_some_and(|rest| rest.trim_start_matches(' ').starts_with(':'))
}

/// 1-based file line where the node at `path` starts: a key's own line, a
/// list item's `- ` line. Keys are matched only at their own level, so a
/// top-level `title:` is never found at `og:`'s nested `title:`. A path
/// into a flow collection (`[a, b]`) ends at the line that opens it.
pub fn line_of_path(yaml: &str, first_line: usize, path: &[Step]) -> Option<usize> {
    Locator::new(yaml, first_line).line(path)
}

/// Finds the lines of paths in one block, its lines split once.
pub struct Locator<'a> {
    lines: Vec<Line<'a>>,
    first_line: usize,
}

impl<'a> Locator<'a> {
    pub fn new(yaml: &'a str, first_line: usize) -> Locator<'a> {
        Locator {
            lines: meaningful_lines(yaml),
            first_line,
        }
    }

    /// See [`line_of_path`].
    pub fn line(&self, path: &[Step]) -> Option<usize> {
        self.position(path).map(|(line, _)| line)
    }

    /// [`Locator::line`] with the 1-based column where the key or the
    /// item's `- ` marker sits.
    pub fn position(&self, path: &[Step]) -> Option<(usize, usize)> {
        position_of_path(&self.lines, self.first_line, path)
    }
}

fn position_of_path(lines: &[Line], first_line: usize, path: &[Step]) -> Option<(usize, usize)> {
    // The node reached so far: its lines, as a range of `lines`, and how
    // many of its first line's `- ` markers belong to the lists around it.
    let (mut from, mut to, mut dashes_used) = (0, lines.len(), 0);
    let mut found = None;
    for step in path {
        if from >= to {
            return found;
        }
        let first = &lines[from];
        match *step {
            Step::Key(key) => {
                if first.dashes.len() != dashes_used {
                    return found; // a list, not `key: value` lines
                }
                // The mapping's keys sit at its first key's column.
                let level = first.col;
                let at = (from..to).find(|&i| {
                    let line = &lines[i];
                    let own = i == from || line.dashes.is_empty();
                    own && line.col == level && sets_key(line.content, key)
                });
                let Some(at) = at else { return found };
                found = Some((first_line + lines[at].index, level + 1));
                // The value: the lines after the key indented deeper, or a
                // block list at the key's own column.
                let end = (at + 1..to)
                    .find(|&i| {
                        let line = &lines[i];
                        let start = line.dashes.first().copied().unwrap_or(line.col);
                        start < level || (start == level && line.dashes.is_empty())
                    })
                    .unwrap_or(to);
                (from, to, dashes_used) = (at + 1, end, 0);
            }
            Step::Index(index) => {
                // The items: lines whose marker sits at the column of the
                // node's first unused marker.
                let Some(&col) = first.dashes.get(dashes_used) else {
                    return found; // not a block list
                };
                let items: Vec<usize> = (from..to)
                    .filter(|&i| {
                        let marker = match i == from {
                            true => lines[i].dashes.get(dashes_used),
                            false => lines[i].dashes.first(),
                        };
                        marker == Some(&col)
                    })
                    .collect();
                let Some(&at) = items.get(index) else {
                    return found;
                };
                found = Some((first_line + lines[at].index, col + 1));
                let end = items.get(index + 1).copied().unwrap_or(to);
                dashes_used = if at == from { dashes_used + 1 } else { 1 };
                (from, to) = (at, end);
            }
        }
    }
    found
}

/// A YAML scalar read as text, exactly as written: `title: 1.10` is the
/// title "1.10", `title: yes` is "yes". Lists and maps are caught by the
/// schema check before anything is typed.
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
        }
        // A string is asked for, not any value: serde_yaml then gives a
        // plain scalar's own text rather than the number YAML reads in it.
        d.deserialize_str(V)
    }
}

/// For an optional text field: present is `Some`, even when YAML would
/// read it as null (`~` is the text "~"); an empty value is `None`.
pub fn some_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    let text = Text::deserialize(d)?;
    Ok((!text.0.is_empty()).then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Two {
        #[serde(default, deserialize_with = "some_text")]
        a: Option<Text>,
        #[serde(default, deserialize_with = "some_text")]
        b: Option<Text>,
        tags: Option<Vec<Text>>,
    }

    static TWO: Schema = Schema::Map {
        fields: &[
            Field {
                key: "a",
                schema: TEXT,
                required: false,
            },
            Field {
                key: "b",
                schema: Schema::Text {
                    example: Some("13:36 02/07/2020"),
                },
                required: false,
            },
            Field {
                key: "tags",
                schema: Schema::List {
                    item: &TEXT,
                    what: "a list of text",
                },
                required: false,
            },
        ],
        strict: false,
        what: "`key: value` lines",
    };

    /// Any keys, none checked: for the limits, which apply before typing.
    static ANY: Schema = Schema::Map {
        fields: &[],
        strict: false,
        what: "`key: value` lines",
    };

    fn two(yaml: &str, first_line: usize) -> Result<Two, Vec<YamlError>> {
        from_block(yaml, first_line, &TWO)
    }

    #[test]
    fn error_lines_are_absolute() {
        let err = two("a: 1\nb: [x\n", 5).unwrap_err();
        assert!(err[0].line >= 6, "{err:?}");
        assert!(!err[0].message.contains(" at line "));
    }

    #[test]
    fn type_errors_keep_their_line() {
        let yaml = "a: 1\nb: text\nx: 2\ntags:\n  - a list\n  - [nested]\n";
        let err = two(yaml, 10).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].line, 15, "the nested list's line: {err:?}");
        assert_eq!(err[0].message, "`tags` item 2 should be text, found a list");
    }

    #[test]
    fn every_type_error_of_a_block_is_reported_in_plain_words() {
        let yaml = "a: [x]\nb:\n  c: d\ntags: 2020\n";
        let err = two(yaml, 3).unwrap_err();
        let found: Vec<(usize, &str)> = err.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (3, "`a` should be text, found a list"),
                (
                    4,
                    "`b` should be text like `13:36 02/07/2020`, found `key: value` lines"
                ),
                (6, "`tags` should be a list of text, found a number"),
            ]
        );
    }

    #[test]
    fn tabs_are_refused_with_their_line() {
        let err = two("a: 1\n\tb: 2\n", 2).unwrap_err();
        assert_eq!(err[0].line, 3);
    }

    #[test]
    fn scalars_keep_their_text_as_written() {
        for (value, text) in [
            ("1984", "1984"),
            ("1.10", "1.10"),
            ("0x1F", "0x1F"),
            ("1e3", "1e3"),
            ("0o17", "0o17"),
            (".inf", ".inf"),
            ("yes", "yes"),
            ("off", "off"),
            ("true", "true"),
            ("~", "~"),
            ("null", "null"),
            ("\"quoted\"", "quoted"),
        ] {
            let parsed = two(&format!("a: {value}\ntags: [2020, {value}]\n"), 1).unwrap();
            assert_eq!(parsed.a.unwrap().0, text, "{value}");
            let tags: Vec<String> = parsed.tags.unwrap().into_iter().map(|t| t.0).collect();
            assert_eq!(tags, ["2020", text], "{value}");
        }
        assert!(two("a:\n", 1).unwrap().a.is_none(), "nothing is no text");
        assert_eq!(two("b: 10:00\n", 1).unwrap().b.unwrap().0, "10:00");
    }

    #[test]
    fn finds_values_cut_by_comments() {
        let yaml = "title: Appeal after incident #2\nurl: \"a #b\"\n# comment\n";
        assert_eq!(truncating_comments(yaml, 2), vec![(2, "title".to_string())]);
    }

    #[test]
    fn a_key_is_found_at_its_own_level_only() {
        let header = "og:\n  title: Nested\n  url: x\ntitle: Top\n";
        assert_eq!(line_of_key(header, 1, "title"), Some(4));
        assert_eq!(
            line_of_path(header, 1, &[Step::Key("og"), Step::Key("title")]),
            Some(2)
        );
        let sidecar = "corrections:\n  - date: 2021-01-01\n    text: A\n  - text: B\n    date: 2021-02-02\ndate: 2021-03-03\n";
        assert_eq!(line_of_key(sidecar, 2, "date"), Some(7));
        let second_date = [Step::Key("corrections"), Step::Index(1), Step::Key("date")];
        assert_eq!(line_of_path(sidecar, 2, &second_date), Some(6));
        let items = "tags:\n- a\n- b\nrelated: [x, y]\n";
        assert_eq!(
            line_of_path(items, 1, &[Step::Key("tags"), Step::Index(1)]),
            Some(3)
        );
        let flow = [Step::Key("related"), Step::Index(1)];
        assert_eq!(
            line_of_path(items, 1, &flow),
            Some(4),
            "a flow list: its key's line"
        );
        assert_eq!(line_of_key(items, 1, "missing"), None);
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
        let err = from_block::<serde::de::IgnoredAny>(&yaml, 1, &ANY).unwrap_err();
        assert!(err[0].message.contains("alias bomb"), "{err:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for yaml in [
            format!("x: {}{}\n", "[".repeat(5000), "]".repeat(5000)),
            format!("x: {}1{}\n", "{a: ".repeat(3000), "}".repeat(3000)),
        ] {
            let err = from_block::<serde::de::IgnoredAny>(&yaml, 4, &ANY).unwrap_err();
            assert!(err[0].message.contains("nested too deeply"), "{err:?}");
            assert_eq!(err[0].line, 4);
        }
    }
}
