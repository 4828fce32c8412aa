//! `blotter init [DIR]`: starts a new archive that builds as it is: a
//! `site.toml` listing every setting, one example release with a sidecar,
//! the GitHub Pages workflow and a `.gitignore` for the output and its
//! cache. It writes only into an empty (or new) folder and never replaces
//! a file.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Every setting `content/site.toml` accepts (see [`crate::config`]),
/// commented out at its default value.
const SITE_TOML: &str = r#"# Site settings for blotter. Every key is optional: each is shown here,
# commented out, with its default value.

# The site's name, in page titles and feeds.
# title = "Police press release archive"

# One sentence about the archive, for the home page and feeds.
# description = "An annotated archive of police press releases."

# The public address of the site; makes feed URLs absolute, and Atom
# feeds, feed archives and sitemaps are written only with it. For a GitHub
# project site: https://<owner>.github.io/<repository>/
# base_url = "https://owner.github.io/archive/"

# The IANA time zone that release times are local to.
# timezone = "Europe/London"

# Items in the newest document of each feed (the site's, each area's and
# each tag's); older ones are in the feed's archive.
# feed_size = 50

# Releases listed on the home page and on each area's page.
# latest_count = 20

# A search page and index (search/), and a search box on every page.
# search = false

# Larger release or sidecar files are an error (10 MiB).
# max_file_bytes = 10485760

# The language of the pages (the `lang` of each page).
# language = "en-GB"

# Forces or units the built-in table does not know, or extra names and
# website hosts for known ones (matched by name). Repeat for each area.
# [[areas]]
# name = "Jersey"
# aliases = ["States of Jersey Police"]
# hosts = ["jersey.police.uk"]
"#;

/// The example release: a fenced YAML header, as forces' pages are scraped.
const EXAMPLE_RELEASE: &str = r#"```yaml
title: Appeal for witnesses after a collision in Canterbury | Kent Police
url: https://www.kent.police.uk/news/kent/news/2024/january/appeal-for-witnesses-after-a-collision-in-canterbury/
area: Kent
publish:
  date: 09:30 15/01/2024
```

Officers are appealing for witnesses after a collision between a car and a cyclist in Canterbury on Sunday 14 January 2024.

The cyclist, a man in his forties, was taken to hospital with injuries that are not thought to be life-threatening.

Anyone who saw what happened, or who has dashcam footage, is asked to call 101 quoting reference 46/123/24.

* Call 101
* Report online at https://www.kent.police.uk/
"#;

/// Its sidecar: tags, a passage note and commentary.
const EXAMPLE_SIDECAR: &str = r#"---
# Commentary on the example release. Every key is optional; see
# `blotter new-note` for a skeleton that lists them all.
tags: [appeal, road-safety]
notes:
  - quote: dashcam footage
    note: Footage is usually sent through the force's online portal rather than by email.
---

An example of a witness appeal. Replace this folder's files with your own
releases (one `.txt` each, any folder depth) and annotate them in `.md`
files beside them.
"#;

const GITIGNORE: &str =
    "# blotter's output and its build cache (beside it)\n/output/\n/.output.blotter-cache/\n";

/// The repository's own Pages workflow. An archive has no blotter source
/// to build, so init's copy installs blotter instead: the steps between
/// the two marker lines are replaced by [`INSTALL_STEPS`].
const PAGES_WORKFLOW: &str = include_str!("../.github/workflows/pages.yml");
const STEPS_START: &str = "      # blotter: how the workflow gets blotter";
const STEPS_END: &str = "      # blotter: end\n";

/// How an archive's workflow gets blotter: from its git repository, named
/// by a repository variable so the workflow needs no edit.
const INSTALL_STEPS: &str = r#"      # blotter, from its git repository: set the repository variable
      # BLOTTER_GIT (Settings, Secrets and variables, Actions, Variables)
      # to its URL, e.g. https://github.com/<owner>/blotter
      - name: Install blotter
        env:
          BLOTTER_GIT: ${{ vars.BLOTTER_GIT }}
        run: |
          if [ -z "$BLOTTER_GIT" ]; then
            echo "::error::set the repository variable BLOTTER_GIT to blotter's git URL"
            exit 1
          fi
          cargo install --locked --git "$BLOTTER_GIT"
"#;

/// The Pages workflow `init` writes: the repository's own, installing
/// blotter rather than building it from the repository's source.
pub fn archive_workflow() -> String {
    let start = PAGES_WORKFLOW.find(STEPS_START);
    let end = PAGES_WORKFLOW
        .find(STEPS_END)
        .map(|end| end + STEPS_END.len());
    match (start, end) {
        (Some(start), Some(end)) if start < end => format!(
            "{}{INSTALL_STEPS}{}",
            &PAGES_WORKFLOW[..start],
            &PAGES_WORKFLOW[end..]
        ),
        // The markers are checked by a test; without them the workflow is
        // the repository's own.
        _ => PAGES_WORKFLOW.to_string(),
    }
}

/// The files `init` writes, relative to its folder.
pub const FILES: [&str; 5] = [
    "content/site.toml",
    "content/releases/example/2024-01-15-kent-collision-appeal.txt",
    "content/releases/example/2024-01-15-kent-collision-appeal.md",
    ".github/workflows/pages.yml",
    ".gitignore",
];

/// Refusal to write into a folder that has something in it (exit 2).
#[derive(Debug)]
pub struct NotEmpty(pub PathBuf);

impl std::fmt::Display for NotEmpty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not empty: `blotter init` only writes into an empty or new folder (a `.git` folder is allowed)",
            self.0.display()
        )
    }
}

impl std::error::Error for NotEmpty {}

/// Writes a new archive into `dir` (created if missing) and returns the
/// files written. Refuses, writing nothing, when `dir` holds anything but
/// a `.git` folder; a file that appears meanwhile is never replaced.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(entries) => {
            // A repository just made with `git init` counts as empty.
            let mut entries =
                entries.filter(|e| e.as_ref().map_or(true, |e| e.file_name() != ".git"));
            if entries.next().is_some() {
                return Err(NotEmpty(dir.to_path_buf()).into());
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Err(e) if dir.exists() && !dir.is_dir() => {
            bail!("{} is not a folder ({e})", dir.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
    let workflow = archive_workflow();
    let texts = [
        SITE_TOML,
        EXAMPLE_RELEASE,
        EXAMPLE_SIDECAR,
        workflow.as_str(),
        GITIGNORE,
    ];
    let mut written = Vec::new();
    for (relative, text) in FILES.iter().zip(texts) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // `create_new`: never replace a file, even one made since the check.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;

    #[test]
    fn the_archive_workflow_installs_blotter_instead_of_building_it() {
        let workflow = archive_workflow();
        assert!(workflow.contains(INSTALL_STEPS));
        assert!(!workflow.contains("cargo build") && !workflow.contains("# blotter: end"));
        assert!(workflow.contains("blotter build --default-base-url"));
    }

    #[test]
    fn the_site_toml_shows_every_setting_commented_at_its_default() {
        let parsed = SiteConfig::parse(SITE_TOML).unwrap();
        let defaults = SiteConfig::default();
        assert_eq!(format!("{parsed:?}"), format!("{defaults:?}"));
        // Uncommented, the settings are ones blotter accepts, with the
        // values it has by default (bar the examples: base_url, an area).
        let uncommented: String = SITE_TOML
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.contains(" = ") || l.starts_with("[["))
            .map(|l| format!("{l}\n"))
            .collect();
        let all = SiteConfig::parse(&uncommented).unwrap();
        assert_eq!(all.timezone, defaults.timezone);
        assert_eq!(all.latest_count, defaults.latest_count);
        assert_eq!(all.search, defaults.search);
        assert_eq!(all.max_file_bytes, defaults.max_file_bytes);
        assert_eq!(all.language, defaults.language);
        assert_eq!(all.description, defaults.description);
        assert_eq!(all.areas.len(), 1);
        for key in setting_names() {
            assert!(
                uncommented.contains(&format!("{key} = "))
                    || uncommented.contains(&format!("[[{key}]]")),
                "site.toml does not show `{key}`"
            );
        }
    }

    /// The top-level field names of the settings, read from their debug
    /// form so that a setting added later is caught here.
    fn setting_names() -> Vec<String> {
        let text = format!("{:?}", SiteConfig::default());
        let inner = &text[text.find('{').unwrap() + 1..text.rfind('}').unwrap()];
        let (mut names, mut depth, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
        let mut current = String::new();
        for c in inner.chars() {
            if quoted {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => quoted = false,
                    _ => escaped = false,
                }
                continue;
            }
            match c {
                '"' => quoted = true,
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                ':' if depth == 0 && !current.trim().is_empty() => {
                    names.push(current.trim().to_string());
                    current.clear();
                }
                ',' if depth == 0 => current.clear(),
                c if depth == 0 => current.push(c),
                _ => {}
            }
        }
        assert!(names.len() >= 9, "{names:?}");
        names
    }
}
