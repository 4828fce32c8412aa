//! `blotter new-note <id>`: writes a sidecar skeleton beside a release, so
//! annotating starts from a file that already lists every key. Not part of
//! the build pipeline; it never overwrites anything.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use walkdir::WalkDir;

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
# notes:
#   - quote: exact words from the release
#     prefix: words just before them (only needed if the quote appears twice)
#     note: What the passage means, in markdown.
# Other releases to link from both pages:
# related:
#   - 002_253a1e39986e1906
---

";

/// Creates `<stem>.md` beside the release whose id is `id`, anywhere under
/// `<content>/releases/`. Refuses when the id is unknown or ambiguous, or
/// the sidecar exists.
pub fn new_note(content: &Path, id: &str) -> Result<PathBuf> {
    let root = content.join("releases");
    if !root.is_dir() {
        bail!("{}: no releases folder", root.display());
    }
    let matches: Vec<PathBuf> = WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "txt") && p.file_stem().is_some_and(|s| s == id)
        })
        .collect();
    let release = match matches.as_slice() {
        [one] => one,
        [] => bail!("no release with id `{id}` under {}", root.display()),
        many => bail!(
            "release id `{id}` is used by {} files: {}",
            many.len(),
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
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
    std::io::Write::write_all(&mut file, SKELETON.replace("{id}", id).as_bytes())
        .with_context(|| format!("{}: cannot write", sidecar.display()))?;
    Ok(sidecar)
}
