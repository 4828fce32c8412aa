//! `blotter new-note <id> [--quote "…"]`: writes a sidecar skeleton beside
//! a release, so annotating starts from a file that already lists every
//! key, and with `--quote` a passage note already anchored (the quote is
//! checked against the release text first, as `check` would). Not part of
//! the build pipeline; it never overwrites anything.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use walkdir::WalkDir;

/// The notes block when no quote is given: commented out.
const NOTES_EXAMPLE: &str = "# notes:
#   - quote: exact words from the release
#     prefix: words just before them (only needed if the quote appears twice)
#     note: What the passage means, in markdown.
";

const SKELETON: &str = "---
# Commentary on release {id}. Every key is optional; delete what you do not use.
# Overrides of the release's own metadata:
# title: A clearer title
# area: North Wales
# date: 2020-07-02
tags: []
# Dated corrections, shown at the top of the page and in the feed:
# corrections:
#   - date: 2020-07-03
#     text: The force later said the figure was £52m.
# Notes on exact passages of the release text (whitespace may differ):
{notes}# Other releases to link from both pages:
# related:
#   - 002_253a1e39986e1906
---

";

/// What `new-note` made: the sidecar, and the release it annotates.
#[derive(Debug)]
pub struct NewNote {
    pub sidecar: PathBuf,
    pub release: PathBuf,
    /// The release's title and date as the site shows them, when it
    /// resolves without errors.
    pub title: Option<String>,
    pub date: Option<String>,
}

/// Creates `<stem>.md` beside the release that `wanted` names: its id, a
/// prefix of exactly one id, or the path of its `.txt` (or sidecar) file,
/// with a passage note on `quote` when given. Refuses when nothing or
/// several releases match, the quote is not exactly once in the release
/// text, or the sidecar exists.
pub fn new_note(content: &Path, wanted: &str, quote: Option<&str>) -> Result<NewNote> {
    let root = content.join("releases");
    if !root.is_dir() {
        bail!("{}: no releases folder", root.display());
    }
    let release = find_release(&root, wanted)?;
    let id = release
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let notes = match quote {
        Some(quote) => quoted_note(&release, quote)?,
        None => NOTES_EXAMPLE.to_string(),
    };
    let sidecar = release.with_extension("md");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&sidecar)
        .with_context(|| {
            format!(
                "{}: cannot create the sidecar (it may already exist)",
                sidecar.display()
            )
        })?;
    std::io::Write::write_all(
        &mut file,
        SKELETON
            .replace("{id}", &id)
            .replace("{notes}", &notes)
            .as_bytes(),
    )
    .with_context(|| format!("{}: cannot write", sidecar.display()))?;
    let (title, date) = describe(content, &release, &id);
    Ok(NewNote {
        sidecar,
        release,
        title,
        date,
    })
}

/// A `notes:` block with one note on `quote`, once it is known to match
/// exactly one passage of the release; else the error `check` would give,
/// with the closest passage as the hint.
fn quoted_note(release: &Path, quote: &str) -> Result<String> {
    use crate::{load, model, parse};
    let text = load::reread(release)?;
    let file = load::SourceFile {
        kind: load::Kind::Release,
        path: release.to_path_buf(),
        stem: String::new(),
        text,
        warnings: Vec::new(),
    };
    let raw = parse::release(&file, &mut Vec::new()).map_err(|d| anyhow::anyhow!("{d}"))?;
    let note = parse::RawNote {
        quote: quote.to_string(),
        prefix: None,
        suffix: None,
        note: String::new(),
        line: 0,
        quote_line: 0,
        quote_col: 0,
    };
    if let Err(errors) = model::annotate::notes(&[note], &raw.body, release) {
        let first = errors.into_iter().next();
        let (message, help) = first.map_or_else(Default::default, |d| (d.message, d.help));
        let help = help.map(|h| format!("\n  help: {h}")).unwrap_or_default();
        bail!("{}: {message}{help}", release.display());
    }
    // A JSON string is a YAML double-quoted scalar: any quote is safe here.
    let quoted = serde_json::to_string(quote.trim())?;
    Ok(format!(
        "notes:\n  - quote: {quoted}\n    note: \"\"  # what the passage means, in markdown\n"
    ))
}

/// The release file `wanted` names: a path to it (or to its sidecar), its
/// id, or the start of exactly one id.
fn find_release(root: &Path, wanted: &str) -> Result<PathBuf> {
    let given = Path::new(wanted);
    if given.extension().is_some_and(|e| e == "txt" || e == "md") {
        let release = given.with_extension("txt");
        if release.is_file() {
            return Ok(release);
        }
    }
    let releases: Vec<PathBuf> = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    let stem = |p: &PathBuf| p.file_stem().map(|s| s.to_string_lossy().into_owned());
    let exact: Vec<&PathBuf> = releases
        .iter()
        .filter(|p| stem(p).as_deref() == Some(wanted))
        .collect();
    let matches = if exact.is_empty() {
        (releases.iter())
            .filter(|p| stem(p).is_some_and(|s| s.starts_with(wanted)))
            .collect()
    } else {
        exact
    };
    let listed = |paths: &[&PathBuf]| {
        let mut names: Vec<String> = paths
            .iter()
            .take(10)
            .map(|p| p.display().to_string())
            .collect();
        if paths.len() > 10 {
            names.push(format!("and {} more", paths.len() - 10));
        }
        names.join(", ")
    };
    match matches.as_slice() {
        [one] => Ok(one.to_path_buf()),
        [] => bail!("no release with id `{wanted}` under {}", root.display()),
        many if stem(many[0]).as_deref() == Some(wanted) => bail!(
            "release id `{wanted}` is used by {} files: {}",
            many.len(),
            listed(many)
        ),
        many => bail!(
            "`{wanted}` is the start of {} release ids: {} (give more of the id)",
            many.len(),
            listed(many)
        ),
    }
}

/// The release's title and date, resolved by the site's rules; `None`
/// where the release does not resolve (`check` says why).
fn describe(content: &Path, release: &Path, id: &str) -> (Option<String>, Option<String>) {
    use crate::{config::SiteConfig, load, model, parse};
    let resolved = (|| {
        let config = SiteConfig::load(content).ok()?;
        let text = load::reread(release).ok()?;
        let mut diags = Vec::new();
        let file = load::SourceFile {
            kind: load::Kind::Release,
            path: release.to_path_buf(),
            stem: id.to_string(),
            text,
            warnings: Vec::new(),
        };
        let raw = parse::release(&file, &mut diags).ok()?;
        let parsed = model::Parsed::new(file.path, file.stem, raw, false);
        model::Resolver::new(&config).resolve(parsed, None, &mut diags)
    })();
    match resolved {
        Some((release, _)) => (
            Some(release.title),
            Some(release.published.format("%-d %B %Y").to_string()),
        ),
        None => (None, None),
    }
}
