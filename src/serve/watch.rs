//! Turns file-system events in the content and theme folders into change
//! notices for the builder. Events are debounced (an editor's save is
//! several events: a temp file written, renamed over the original, a
//! backup removed), and files no build reads are left out: editors' swap,
//! backup and lock files, hidden files, and the output and its cache.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind};
use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

use super::Notice;
use crate::BuildOptions;

/// Quiet time after the last event before a batch is reported: long enough
/// to gather one save's events, short next to a rebuild.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// Watches until dropped.
pub(super) struct Watcher {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
}

/// The folders watched and the ones left out, as absolute paths (the
/// watcher reports absolute paths).
#[derive(Debug, Clone)]
pub(super) struct Scope {
    content: PathBuf,
    theme: Option<PathBuf>,
    excluded: Vec<PathBuf>,
}

impl Scope {
    pub(super) fn new(options: &BuildOptions) -> Scope {
        let absolute = |p: &Path| real(p);
        let mut excluded = vec![absolute(&options.output)];
        excluded.extend(crate::incremental::folder(&options.output).map(|c| absolute(&c)));
        Scope {
            content: absolute(&options.content),
            theme: options.theme.as_deref().map(absolute),
            excluded,
        }
    }

    /// Whether a change to `path` can change the site.
    pub(super) fn matters(&self, path: &Path) -> bool {
        if self.excluded.iter().any(|dir| path.starts_with(dir)) {
            return false;
        }
        if let Some(theme) = &self.theme {
            if let Ok(relative) = path.strip_prefix(theme) {
                return !relative.components().any(|c| is_scratch(c.as_os_str()));
            }
        }
        let Ok(relative) = path.strip_prefix(&self.content) else {
            return false;
        };
        if relative.components().any(|c| is_scratch(c.as_os_str())) {
            return false;
        }
        // Releases, sidecars and site.toml; a name without an extension
        // may be a folder moved or deleted with everything in it.
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) => ["txt", "md", "toml"]
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known)),
            None => true,
        }
    }
}

/// Editors' and systems' scratch files, by name: hidden files (vim's
/// `.x.swp`, emacs's `.#x` locks, `.git`, `.DS_Store`), backups (`x~`,
/// `x.bak`), emacs's `#x#` autosaves, temp files (`x.tmp`) and vim's
/// `4913` write probe.
fn is_scratch(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bak",
            ".orig",
            ".crdownload",
        ]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Whether an event can mean new bytes: a build reading the content opens
/// every file it reads, and those events must not start another build.
fn changes_a_file(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// `path` made absolute with symlinks resolved, as the watcher reports it;
/// a path that does not exist yet keeps its absolute form.
fn real(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

impl Watcher {
    pub(super) fn start(
        options: &BuildOptions,
        notices: Sender<Notice>,
    ) -> anyhow::Result<Watcher> {
        let scope = Scope::new(options);
        let report = notices.clone();
        let filter = scope.clone();
        let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
            let notice = match result {
                Ok(events) => {
                    let changed: Vec<PathBuf> = events
                        .into_iter()
                        .filter(|e| changes_a_file(&e.event.kind))
                        .flat_map(|e| e.event.paths)
                        .filter(|p| filter.matters(p))
                        .collect();
                    if changed.is_empty() {
                        return;
                    }
                    Notice::Changed(changed)
                }
                Err(errors) => Notice::WatchFailed(
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            let _ = report.send(notice);
        })
        .map_err(|e| anyhow::anyhow!("cannot watch for changes: {e}"))?;
        let mut folders = vec![scope.content.clone()];
        folders.extend(scope.theme.clone());
        for folder in folders {
            debouncer
                .watch(&folder, RecursiveMode::Recursive)
                .map_err(|e| anyhow::anyhow!("cannot watch {}: {e}", folder.display()))?;
        }
        drop(notices);
        Ok(Watcher {
            _debouncer: debouncer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            content: PathBuf::from("/site/content"),
            theme: Some(PathBuf::from("/site/theme")),
            excluded: vec![
                PathBuf::from("/site/content/output"),
                PathBuf::from("/site/content/.output.blotter-cache"),
            ],
        }
    }

    #[test]
    fn releases_sidecars_settings_and_theme_files_trigger_a_rebuild() {
        let scope = scope();
        for path in [
            "/site/content/site.toml",
            "/site/content/releases/2020/abc.txt",
            "/site/content/releases/2020/abc.md",
            "/site/content/releases/2020",
            "/site/theme/templates/release.html",
            "/site/theme/static/style.css",
        ] {
            assert!(scope.matters(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn editor_scratch_files_and_the_output_do_not_trigger_a_rebuild() {
        let scope = scope();
        for path in [
            "/site/content/releases/.abc.md.swp",
            "/site/content/releases/abc.md~",
            "/site/content/releases/.#abc.md",
            "/site/content/releases/#abc.md#",
            "/site/content/releases/4913",
            "/site/content/releases/abc.md.tmp",
            "/site/content/releases/abc.md___jb_tmp___",
            "/site/content/.git/index",
            "/site/content/output/index.html",
            "/site/content/.output.blotter-cache/manifest",
            "/site/theme/templates/.release.html.swp",
            "/elsewhere/abc.md",
        ] {
            assert!(!scope.matters(Path::new(path)), "{path}");
        }
    }
}
