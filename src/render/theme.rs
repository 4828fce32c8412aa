//! The theme: Tera templates and static files. The default theme is
//! compiled into the binary (as Zola's and mdBook's are), so `blotter build`
//! works anywhere; a `--theme DIR` overrides any template or static file by
//! name and may add new ones, files for the site root and pages of its own
//! (see [`super::theme_extras`]).

use std::path::Path;

use anyhow::{Context, Result};
use tera::Tera;
use walkdir::WalkDir;

use super::theme_extras;

/// Templates of the default theme, by name: the templates blotter uses.
/// A theme's template not listed here is a page of its own or a partial.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "release.html",
        include_str!("../../themes/default/templates/release.html"),
    ),
    (
        "areas.html",
        include_str!("../../themes/default/templates/areas.html"),
    ),
    (
        "area.html",
        include_str!("../../themes/default/templates/area.html"),
    ),
    (
        "area_year.html",
        include_str!("../../themes/default/templates/area_year.html"),
    ),
    (
        "dates.html",
        include_str!("../../themes/default/templates/dates.html"),
    ),
    (
        "year.html",
        include_str!("../../themes/default/templates/year.html"),
    ),
    (
        "month.html",
        include_str!("../../themes/default/templates/month.html"),
    ),
    (
        "day.html",
        include_str!("../../themes/default/templates/day.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "tags.html",
        include_str!("../../themes/default/templates/tags.html"),
    ),
    (
        "tag.html",
        include_str!("../../themes/default/templates/tag.html"),
    ),
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "tag_year.html",
        include_str!("../../themes/default/templates/tag_year.html"),
    ),
    (
        "area_month.html",
        include_str!("../../themes/default/templates/area_month.html"),
    ),
    (
        "corrections.html",
        include_str!("../../themes/default/templates/corrections.html"),
    ),
];

/// Static files of the default theme, by name under `static/`.
const STATIC: &[(&str, &[u8])] = &[
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "search.css",
        include_bytes!("../../themes/default/static/search.css"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
];

pub struct Theme {
    pub tera: Tera,
    /// (name under `static/`, bytes), sorted by name.
    pub statics: Vec<(String, Vec<u8>)>,
    /// (path under `root/`, bytes), sorted by path.
    pub roots: Vec<(String, Vec<u8>)>,
    /// The theme's own pages, by template stem, sorted.
    pub pages: Vec<String>,
    /// Hash of every template and static file: a changed theme means every
    /// page may change, so the build cache keys on it.
    pub fingerprint: u64,
}

impl Theme {
    /// The default theme, with `dir`'s `templates/*.html` and `static/**`
    /// laid over it and its `root/**` beside. A broken template, or a
    /// page or root file that clashes with the site, is a configuration
    /// error.
    pub fn load(dir: Option<&Path>) -> Result<Theme> {
        let mut templates: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut statics: Vec<(String, Vec<u8>)> = STATIC
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect();
        let mut roots = Vec::new();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                anyhow::bail!("{}: theme folder not found", dir.display());
            }
            overlay(&dir.join("templates"), &mut templates, |name, path| {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read template", path.display()))?;
                Ok((name, text))
            })?;
            overlay(&dir.join("static"), &mut statics, |name, path| {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                Ok((name, bytes))
            })?;
            roots = theme_extras::root_files(dir)?;
        }
        let known: Vec<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
        let pages = theme_extras::page_names(templates.iter().map(|(n, _)| n.as_str()), &known)
            .with_context(|| {
                format!(
                    "theme {}",
                    dir.map_or(".".into(), |d| d.display().to_string())
                )
            })?;
        if let Some(dir) = dir {
            theme_extras::check_root_files(dir, &roots, &pages)?;
        }
        let mut tera = Tera::default();
        // Tera's own escaper also escapes `/`, which bloats every URL; ours
        // escapes what HTML text and quoted attributes need.
        tera.set_escape_fn(super::body::escape_into_fn);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| anyhow::anyhow!("theme template error: {}", tera_error_chain(&e)))?;
        statics.sort();
        templates.sort();
        let fingerprint = fingerprint(&templates, &statics, &roots);
        Ok(Theme {
            tera,
            statics,
            roots,
            pages,
            fingerprint,
        })
    }
}

/// Hash of every template, static and root file: a changed theme means
/// every page may change, so the build cache keys on it.
fn fingerprint(
    templates: &[(String, String)],
    statics: &[(String, Vec<u8>)],
    roots: &[(String, Vec<u8>)],
) -> u64 {
    let mut all = Vec::new();
    for (name, text) in templates {
        all.extend_from_slice(name.as_bytes());
        all.push(0);
        all.extend_from_slice(text.as_bytes());
        all.push(0);
    }
    // Static and root files apart: the same name in each is two files.
    for files in [statics, roots] {
        for (path, bytes) in files {
            all.extend_from_slice(path.as_bytes());
            all.push(0);
            all.extend_from_slice(bytes);
            all.push(0);
        }
        all.push(1);
    }
    crate::hash::content_hash(&all)
}

/// Replaces or adds the files under `root` (if it exists), keyed by their
/// path relative to `root`.
fn overlay<T>(
    root: &Path,
    into: &mut Vec<(String, T)>,
    read: impl Fn(String, &Path) -> Result<(String, T)>,
) -> Result<()> {
    if !root.is_dir() {
        return Ok(());
    }
    for entry in WalkDir::new(root).sort_by_file_name().follow_links(false) {
        let entry =
            entry.with_context(|| format!("{}: cannot read theme folder", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let (key, value) = read(name, entry.path())?;
        into.retain(|(k, _)| *k != key);
        into.push((key, value));
    }
    Ok(())
}

/// Tera nests the useful message (which template, which line) in `source`.
pub fn tera_error_chain(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}
