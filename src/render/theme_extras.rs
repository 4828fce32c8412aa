//! What a theme adds beyond overriding the default theme: files under its
//! `root/` folder, copied to the same path under the site root, and pages
//! of its own, one for each template blotter does not use itself.
//!
//! Both are checked when the theme is loaded, against the top-level names
//! blotter writes ([`route::is_reserved`]), so a theme that would clash
//! with the site is refused before anything is built, whatever the
//! archive holds. One exception: a theme's `robots.txt` replaces the one
//! blotter would write.

use std::path::{Component, Path};

use anyhow::{bail, Context, Result};
use walkdir::WalkDir;

use super::route;

/// The root file that replaces blotter's own.
pub const ROBOTS: &str = "robots.txt";

/// Every file under `dir/root/` (path relative to it, bytes), sorted.
/// A link is read only when it leads to a file inside the theme.
pub(super) fn root_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let root = dir.join("root");
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    let theme = dir
        .canonicalize()
        .with_context(|| format!("{}: cannot read theme folder", dir.display()))?;
    let mut files = Vec::new();
    for entry in WalkDir::new(&root).sort_by_file_name().follow_links(false) {
        let entry =
            entry.with_context(|| format!("{}: cannot read theme folder", root.display()))?;
        let path = entry.path();
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if kind.is_symlink() {
            let target = path.canonicalize().ok();
            if !target.is_some_and(|t| t.starts_with(&theme) && t.is_file()) {
                bail!(
                    "{}: a link in a theme's root/ must lead to a file inside the theme",
                    path.display()
                );
            }
        } else if !kind.is_file() {
            bail!("{}: not a file", path.display());
        }
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let name = site_path(rel).with_context(|| format!("{}", path.display()))?;
        let bytes =
            std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        files.push((name, bytes));
    }
    Ok(files)
}

/// `rel` as a path under the site root, with `/` separators: relative,
/// UTF-8, with no `.`, `..` or name blotter keeps for its own files.
fn site_path(rel: &Path) -> Result<String> {
    let mut parts = Vec::new();
    for component in rel.components() {
        let Component::Normal(part) = component else {
            bail!("not a plain relative path under root/");
        };
        let Some(part) = part.to_str() else {
            bail!("the name is not UTF-8");
        };
        if part.starts_with(".blotter") || crate::files::is_temporary(part) {
            bail!("`{part}` is a name blotter keeps for its own files");
        }
        parts.push(part);
    }
    if parts.is_empty() {
        bail!("an empty path");
    }
    Ok(parts.join("/"))
}

/// The theme's own pages: the stems of its templates that blotter does
/// not use (`known`) and are not partials, sorted. A partial is a template
/// whose name starts with `_` or that is in a folder under `templates/`.
pub(super) fn page_names<'t>(
    templates: impl Iterator<Item = &'t str>,
    known: &[&str],
) -> Result<Vec<String>> {
    let mut pages = Vec::new();
    for name in templates {
        if known.contains(&name) || name.starts_with('_') || name.contains('/') {
            continue;
        }
        let Some(stem) = name.strip_suffix(".html") else {
            continue;
        };
        let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if stem.is_empty() || !stem.chars().all(plain) {
            bail!(
                "templates/{name}: a page template's name is its address, so it may hold only \
                 lowercase letters, digits, `-` and `_` (start it with `_` if it is a partial)"
            );
        }
        if route::is_reserved(stem) {
            bail!("templates/{name}: its page would be {stem}/index.html, but blotter writes {stem}/ itself");
        }
        pages.push(stem.to_string());
    }
    pages.sort();
    Ok(pages)
}

/// Refuses a root file at a path blotter writes, or in a page's folder.
pub(super) fn check_root_files(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    pages: &[String],
) -> Result<()> {
    for (path, _) in files {
        let top = path.split('/').next().unwrap_or(path);
        let clash = if path == ROBOTS {
            None
        } else if route::is_reserved(top) {
            Some(top.to_string())
        } else if pages.iter().any(|p| p == top) {
            Some(format!("{top}/ (the page of templates/{top}.html)"))
        } else {
            None
        };
        if let Some(clash) = clash {
            bail!(
                "{}: collides with {clash}, which blotter writes itself; remove it from the theme",
                dir.join("root").join(path).display()
            );
        }
    }
    Ok(())
}

/// A page's heading from its name: `press-office` is "Press office".
pub fn page_title(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_path_is_plain_and_relative() {
        assert_eq!(
            site_path(Path::new(".well-known/x.txt")).unwrap(),
            ".well-known/x.txt"
        );
        for bad in ["../x", "/etc/passwd", "a/../b", "", ".blotter-output"] {
            assert!(site_path(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn partials_and_known_templates_are_not_pages() {
        let names = [
            "about.html",
            "_nav.html",
            "base.html",
            "parts/x.html",
            "notes.txt",
        ];
        let pages = page_names(names.into_iter(), &["base.html"]).unwrap();
        assert_eq!(pages, ["about"]);
        assert!(page_names(["static.html"].into_iter(), &[]).is_err());
        assert!(page_names(["About Us.html"].into_iter(), &[]).is_err());
        assert_eq!(page_title("press-office"), "Press office");
    }

    #[test]
    fn a_root_file_may_not_take_a_path_blotter_writes() {
        let dir = Path::new("theme");
        let file = |p: &str| vec![(p.to_string(), Vec::new())];
        let pages = ["about".to_string()];
        for ok in ["CNAME", "robots.txt", "favicon.ico", ".well-known/a"] {
            assert!(check_root_files(dir, &file(ok), &pages).is_ok(), "{ok}");
        }
        for bad in [
            "index.html",
            "feed.json",
            "sitemap-pages.xml",
            "areas/x",
            "about/index.html",
        ] {
            let err = check_root_files(dir, &file(bad), &pages)
                .unwrap_err()
                .to_string();
            assert!(err.contains("collides with"), "{bad}: {err}");
        }
    }
}
