//! Content problems are data, not control flow: every stage pushes a
//! [`Diagnostic`] and goes on, so one run reports every broken file of an
//! archive instead of stopping at the first (as ripgrep keeps going past a
//! bad file). Environment problems (an unreadable folder, a full disk) are
//! fatal `anyhow` errors instead.

use std::fmt;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem with one user file, printed as `path:line:col: error: message`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Path as the user would type it (relative to the working folder when possible).
    pub path: PathBuf,
    /// 1-based line; 0 when the problem is about the whole file.
    pub line: usize,
    /// 1-based column, in characters; 0 when unknown.
    pub col: usize,
    /// Characters the problem spans from `col` (a key, a value, an id);
    /// 0 when only its start is known.
    pub len: usize,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path, line, message)
    }

    pub fn warning(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path, line, message)
    }

    fn new(severity: Severity, path: &Path, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line,
            col: 0,
            len: 0,
            severity,
            message: message.into(),
            help: None,
        }
    }

    pub fn at_col(mut self, col: usize) -> Self {
        self.col = col;
        self
    }

    /// The problem's place on its line: from column `col`, `len` characters.
    pub fn at_span(mut self, col: usize, len: usize) -> Self {
        self.col = col;
        self.len = len;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same problem with its path relative to `base` when it lies under
    /// it (an absolute `--content` still prints `content/releases/...`).
    pub fn relative_to(&self, base: &Path) -> Diagnostic {
        let mut d = self.clone();
        if let Ok(rel) = self.path.strip_prefix(base) {
            if !rel.as_os_str().is_empty() {
                d.path = rel.to_path_buf();
            }
        }
        d
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.col > 0 {
                write!(f, ":{}", self.col)?;
            }
        }
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {word}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// The diagnostics to print when each warning message is shown at most
/// `per_message` times: every error, and the first warnings of each
/// message (in the order given), with a count of the rest of each. A
/// large archive can give thousands of one warning ("no area given"),
/// which would bury everything else.
pub fn limit_repeats(
    diagnostics: &[Diagnostic],
    per_message: usize,
) -> (Vec<&Diagnostic>, Vec<(&str, usize)>) {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut shown = Vec::with_capacity(diagnostics.len().min(1024));
    let mut order: Vec<&str> = Vec::new();
    for d in diagnostics {
        if d.is_error() {
            shown.push(d);
            continue;
        }
        let count = seen.entry(d.message.as_str()).or_insert(0);
        *count += 1;
        match *count {
            n if n <= per_message => shown.push(d),
            n if n == per_message + 1 => order.push(d.message.as_str()),
            _ => {}
        }
    }
    let hidden = order
        .into_iter()
        .map(|message| (message, seen[message] - per_message))
        .collect();
    (shown, hidden)
}

/// The candidate closest to `wanted` by edit distance (a swapped pair of
/// characters counts as one edit, the usual slip in a typed id), when it
/// is close enough to be what was meant: about one edit in four
/// characters. Ties go to the first in sorted order, so the hint is the
/// same whatever order the candidates come in.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_len = wanted.chars().count();
    let limit = (wanted_len / 4).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        // Lengths further apart than the limit cannot be within it, and
        // counting is far cheaper than the distance.
        if candidate == wanted || candidate.chars().count().abs_diff(wanted_len) > limit {
            continue;
        }
        let distance = strsim::osa_distance(wanted, candidate);
        let better = best.is_none_or(|(d, c)| (distance, candidate) < (d, c));
        if distance <= limit && better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The collector every stage pushes into.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(more);
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether any error names this file (used by `--skip-invalid`).
    pub fn has_error_for(&self, path: &Path) -> bool {
        self.items.iter().any(|d| d.is_error() && d.path == path)
    }

    /// Sorted by path, then line, so output is stable whatever order the
    /// (parallel) stages found the problems in.
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        // Comparing `Path`s re-parses them at every step: a large archive's
        // thousands of warnings are sorted by a byte key instead.
        let mut keyed: Vec<(Vec<u8>, Diagnostic)> = self
            .items
            .into_iter()
            .map(|d| (crate::files::path_order(&d.path), d))
            .collect();
        keyed.par_sort_by(|(ka, a), (kb, b)| {
            ka.cmp(kb).then_with(|| {
                (a.line, a.col, a.severity, &a.message)
                    .cmp(&(b.line, b.col, b.severity, &b.message))
            })
        });
        let mut items: Vec<Diagnostic> = keyed.into_iter().map(|(_, d)| d).collect();
        items.dedup();
        items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_warning_is_shown_a_few_times_then_counted_and_errors_always() {
        let path = Path::new("content/releases/a.txt");
        let mut all = Vec::new();
        for _ in 0..7 {
            all.push(Diagnostic::warning(path, 0, "no area"));
        }
        all.push(Diagnostic::warning(path, 1, "other"));
        for _ in 0..4 {
            all.push(Diagnostic::error(path, 2, "bad date"));
        }
        let (shown, hidden) = limit_repeats(&all, 3);
        let count = |m: &str| shown.iter().filter(|d| d.message == m).count();
        assert_eq!(
            (count("no area"), count("other"), count("bad date")),
            (3, 1, 4)
        );
        assert_eq!(hidden, vec![("no area", 4)]);
        let (everything, none) = limit_repeats(&all, usize::MAX);
        assert_eq!((everything.len(), none.len()), (all.len(), 0));
    }

    #[test]
    fn suggests_the_closest_candidate_within_reach() {
        let keys = ["title", "area", "date", "tags", "notes", "related"];
        assert_eq!(closest("tgas", keys), Some("tags"));
        assert_eq!(closest("relatd", keys), Some("related"));
        assert_eq!(closest("colour", keys), None, "nothing near it");
        let ids = ["004_c5ae0792fd4e02f5", "002_253a1e39986e1906"];
        assert_eq!(
            closest("004_c5ae0792fd4e20f5", ids),
            Some("004_c5ae0792fd4e02f5"),
            "a transposed pair is one edit"
        );
        assert_eq!(closest("Kentt", ["Kent", "Essex"]), Some("Kent"));
        assert_eq!(
            closest("b", ["a", "c"]),
            Some("a"),
            "ties: the first sorted"
        );
        assert_eq!(closest("b", ["c", "a"]), Some("a"));
        assert_eq!(closest("tags", keys), None, "the word itself is no hint");
    }

    #[test]
    fn prints_path_line_col_severity_message() {
        let d = Diagnostic::error(Path::new("content/releases/a.txt"), 3, "bad date").at_col(7);
        assert_eq!(d.to_string(), "content/releases/a.txt:3:7: error: bad date");
        let w = Diagnostic::warning(Path::new("a.md"), 0, "orphan");
        assert_eq!(w.to_string(), "a.md: warning: orphan");
    }

    #[test]
    fn sorts_by_path_then_line() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::error(Path::new("b.txt"), 1, "x"));
        all.push(Diagnostic::error(Path::new("a.txt"), 9, "y"));
        all.push(Diagnostic::warning(Path::new("a.txt"), 2, "z"));
        let lines: Vec<String> = all.into_sorted().iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            [
                "a.txt:2: warning: z",
                "a.txt:9: error: y",
                "b.txt:1: error: x"
            ]
        );
    }
}
