//! How diagnostics are printed, on top of the pipeline: for a person,
//! rustc-style with the source line and a caret under the problem (read
//! from the user's file at print time, since the stages keep no text); for
//! tools, JSON lines; for GitHub Actions, workflow commands that annotate
//! the pull request.

mod machine;
mod snippet;

use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;

pub use machine::{github, json};
pub use snippet::render;

/// Files larger than this are not read again for a snippet: the message
/// stands without it.
const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// The text of the file last asked for. Diagnostics come sorted by path,
/// so each file is read once however many problems it has.
#[derive(Default)]
pub struct Sources {
    last: Option<(PathBuf, Option<String>)>,
}

impl Sources {
    /// The text of `path`, or `None` when it cannot be read (gone, too
    /// large); not UTF-8 is shown with U+FFFD, as the message says why.
    pub fn get(&mut self, path: &Path) -> Option<&str> {
        if self.last.as_ref().is_none_or(|(p, _)| p != path) {
            let text = std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file() && m.len() <= MAX_SOURCE_BYTES)
                .and_then(|_| std::fs::read(path).ok())
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            self.last = Some((path.to_path_buf(), text));
        }
        self.last.as_ref().and_then(|(_, text)| text.as_deref())
    }
}

/// `d` for a person: `shown` is `d` with its path as the user would type
/// it; the source line comes from `d`'s own path.
pub fn human(d: &Diagnostic, shown: &Diagnostic, sources: &mut Sources, color: bool) -> String {
    let source = if d.line > 0 {
        sources.get(&d.path)
    } else {
        None
    };
    render(shown, source, color)
}

/// Whether to colour what goes to stderr: only a terminal, and never when
/// `NO_COLOR` is set to anything (no-color.org).
pub fn stderr_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether to print GitHub workflow commands: under GitHub Actions.
pub fn github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}
