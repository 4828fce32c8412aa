//! blotter builds an annotated archive of police press releases into a
//! static site.
//!
//! The build is a pipeline of five stages, one module each, passing one
//! value to the next: [`load`] finds and reads the release `.txt` files and
//! their `.md` sidecars (the only code that reads content); [`parse`] turns
//! each text into a raw release or sidecar with line numbers, syntax only;
//! [`model`] resolves dates, titles and areas by the brief's rules and
//! assembles the [`model::Archive`]; [`render`] turns the archive and a
//! theme into artifacts (path and bytes) without I/O; and [`write`](mod@write) puts
//! them in the output folder, staged and swapped so a failed build never
//! leaves a half-written site. Content problems are collected as
//! [`diagnostics::Diagnostic`]s across the whole run rather than stopping
//! at the first.
//!
//! The [`incremental`] layer sits on top: it runs stages 1 to 3 through a
//! parse cache (`incremental::read`) and stages 4 and 5 against the
//! manifest of the last build, so a rebuild reads, renders and writes only
//! what changed. The features built on the pipeline ([`search`],
//! [`serve`], [`init`], [`scaffold`]) use the stages the same way, and
//! [`report`] prints the diagnostics a run collected.
//!
//! **The import rule.** Each stage imports only earlier stages and the
//! shared low-level modules ([`diagnostics`], [`config`], [`progress`],
//! [`hash`], [`files`], [`plain`]), which import no stage. The incremental
//! layer and the features may import the stages; no stage imports them.
//! `tests/imports.rs` checks this on the source.

#![forbid(unsafe_code)]

pub mod config;
pub mod diagnostics;
pub mod files;
pub mod hash;
pub mod incremental;
pub mod init;
pub mod load;
pub mod model;
pub mod parse;
pub mod plain;
pub mod progress;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod write;

use std::borrow::Cow;
use std::collections::HashSet;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use config::SiteConfig;
use diagnostics::{Diagnostic, Diagnostics};
use model::Archive;
use render::{Location, Renderer, Theme};

/// What `blotter build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub content: PathBuf,
    pub theme: Option<PathBuf>,
    pub output: PathBuf,
    pub base_url: Option<String>,
    pub skip_invalid: bool,
}

/// A problem with the setup rather than the content: exit code 2.
#[derive(Debug)]
pub struct ConfigError(pub anyhow::Error);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

/// The result of a run that got as far as reading the content.
#[derive(Debug)]
pub struct Report {
    /// Every problem found, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Files left out because of their errors.
    pub skipped: Vec<PathBuf>,
    /// Set when a site was written.
    pub summary: Option<Summary>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub releases: usize,
    pub pages: usize,
    /// Files written by this build (all of them, unless the last build's
    /// output could be updated in place).
    pub rewritten: usize,
    /// The length of all the site's files together.
    pub bytes: u64,
    pub areas: usize,
    pub elapsed: Duration,
}

/// GitHub Pages publishes sites of at most 1 GB.
pub const PAGES_SIZE_LIMIT: u64 = 1_000_000_000;

impl Summary {
    /// For a site past [`PAGES_SIZE_LIMIT`]: its size, its bytes per
    /// release, and how many releases like these the limit holds.
    pub fn over_pages_limit(&self) -> Option<String> {
        if self.bytes <= PAGES_SIZE_LIMIT || self.releases == 0 {
            return None;
        }
        let per_release = self.bytes as f64 / self.releases as f64;
        let fit = (PAGES_SIZE_LIMIT as f64 / per_release) as u64;
        // Rounded down to a figure worth quoting: a thousand, or ten.
        let fit = if fit >= 10_000 {
            fit / 1000 * 1000
        } else {
            fit / 10 * 10
        };
        Some(format!(
            "the site is {:.2} GB, {:.1} KB per release: past GitHub Pages' 1 GB limit, \
             which holds about {} releases like these",
            self.bytes as f64 / 1e9,
            per_release / 1e3,
            thousands(fit)
        ))
    }
}

/// `n` with commas between thousands, as the messages write numbers.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Sizes rayon's global pool for a build into `output`, or with `None`
/// for a preview server, which spends its life on rebuilds; leaves a
/// `RAYON_NUM_THREADS` setting alone. A first build reads every file, and
/// reading content that is not in the page cache is mostly waiting on the
/// disk, so a few threads more than cores keep the cores busy (rendering
/// is throttled by the writer's queue, so they do not crowd the writer
/// out). A rebuild takes nearly everything from its cache and is bound by
/// the CPU, where threads beyond the cores only take turns.
pub fn size_thread_pool(output: Option<&Path>) {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rebuild = output.is_none_or(incremental::Manifest::exists);
    let extra = if rebuild { 0 } else { 6 };
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(cores + extra)
        .build_global();
}

/// Reads, checks and (when there are no errors, or `skip_invalid`) writes the site.
pub fn build(options: &BuildOptions) -> Result<Report, ConfigError> {
    let started = Instant::now();
    progress::mark("start");
    let setup = Setup::new(options)?;
    let mut diags = Diagnostics::default();
    // Held until the build returns: nothing the last build left is read,
    // and nothing is written, while another build into this output runs.
    let _lock = lock_output(options, &setup, &mut diags)?;
    let key = incremental::build_key(
        setup.theme.fingerprint,
        &setup.config,
        setup.base_url.as_deref(),
    );
    // What the last build left in the output is checked in the background
    // while the content is read and modelled.
    let last_build = incremental::rebuild::check_last_build(&setup.output, key);
    let cache_dir = incremental::folder(&setup.output);
    let units_dir = cache_dir.as_ref().map(|d| d.join("units"));
    // A search index built in full counts each release's words while its
    // text is read, rather than read it again.
    let counts = (setup.config.search && search::counts_as_read(cache_dir.as_deref()))
        .then(search::count::Counts::default);
    let on_read = |release: &model::Release, body: &str| {
        if let Some(counts) = &counts {
            counts.count(release, body);
        }
    };
    let Setup {
        config,
        base_url,
        theme,
        output,
        ..
    } = setup;
    let archive = incremental::read::read_archive(
        &options.content,
        config,
        &mut diags,
        units_dir.as_deref(),
        counts
            .is_some()
            .then_some(&on_read as incremental::read::OnRead),
    )
    .map_err(ConfigError)?;
    let skipped = skipped_files(&diags, &archive);
    if diags.error_count() > 0 && !options.skip_invalid {
        return Ok(Report {
            diagnostics: diags.into_sorted(),
            skipped,
            summary: None,
        });
    }
    if base_url.is_none() {
        diags.push(no_base_url(&options.content));
    }
    let location = Location::new(base_url.as_deref());
    let site = Site {
        archive: &archive,
        theme: &theme,
        output: &output,
        key,
    };
    let previous = || last_build.join().unwrap_or(Ok(None));
    let built = render_and_write(&site, location, previous, counts, &mut diags)?;
    let summary = Summary {
        releases: archive.releases.len(),
        pages: built.files,
        rewritten: built.written,
        bytes: built.bytes,
        areas: archive.areas.len(),
        elapsed: started.elapsed(),
    };
    // Freeing a large archive takes a while, and nothing needs to wait for it.
    std::thread::spawn(move || drop(archive));
    let diagnostics = diags.into_sorted();
    progress::mark("messages sorted");
    Ok(Report {
        diagnostics,
        skipped,
        summary: Some(summary),
    })
}

/// What a build is set up with before it reads any content.
struct Setup {
    config: SiteConfig,
    base_url: Option<String>,
    theme: Theme,
    /// The output folder, normalised.
    output: PathBuf,
    /// Folders the output may not overlap: the content and the theme.
    protected: Vec<PathBuf>,
}

impl Setup {
    fn new(options: &BuildOptions) -> Result<Setup, ConfigError> {
        let config = SiteConfig::load(&options.content).map_err(ConfigError)?;
        let base_url = match &options.base_url {
            Some(url) => Some(
                config::normalize_base_url(url)
                    .map_err(|e| ConfigError(anyhow::anyhow!("--base-url {e}")))?,
            ),
            None => config.base_url.clone(),
        };
        let theme = Theme::load(options.theme.as_deref()).map_err(ConfigError)?;
        let mut protected = vec![options.content.clone()];
        protected.extend(options.theme.clone());
        let output = write::normal_output(&options.output);
        check_target(&output, &protected)?;
        Ok(Setup {
            config,
            base_url,
            theme,
            output,
            protected,
        })
    }
}

fn check_target(output: &Path, protected: &[PathBuf]) -> Result<(), ConfigError> {
    let protected: Vec<&Path> = protected.iter().map(PathBuf::as_path).collect();
    write::check_target(output, &protected).map_err(|e| ConfigError(e.into()))
}

/// The build lock on the output, or a warning when it cannot be taken.
fn lock_output(
    options: &BuildOptions,
    setup: &Setup,
    diags: &mut Diagnostics,
) -> Result<Option<incremental::lock::BuildLock>, ConfigError> {
    let lock = match incremental::lock::lock_build(&options.output) {
        Ok(lock) => Some(lock),
        Err(unlocked) => {
            diags.push(
                Diagnostic::warning(&unlocked.path, 0, unlocked.to_string()).with_help(
                    "the build goes on; run one build at a time into this output folder",
                ),
            );
            None
        }
    };
    if lock.as_ref().is_some_and(|lock| lock.waited()) {
        // The build waited for owned the output meanwhile: judged again.
        check_target(&options.output, &setup.protected)?;
    }
    progress::mark("build lock");
    Ok(lock)
}

fn no_base_url(content: &Path) -> Diagnostic {
    Diagnostic::warning(
        &content.join("site.toml"),
        0,
        "no base_url: feeds leave out their links to pages and their archives, and the \
         Atom feeds, sitemaps and robots.txt are not written (they need absolute URLs)",
    )
    .with_help("set `base_url` in site.toml or pass --base-url https://owner.github.io/archive/")
}

/// What stages 4 and 5 work from.
struct Site<'a> {
    archive: &'a Archive,
    theme: &'a Theme,
    output: &'a Path,
    key: u64,
}

/// Renders the site (with its search index, when on) and writes what
/// changed since the last build, which `previous` waits for; a search
/// index built in full takes the word `counts` made as the releases were
/// read. Returns the number of files in the site and how many were
/// written.
fn render_and_write(
    site: &Site,
    location: Location,
    previous: impl FnOnce() -> anyhow::Result<Option<incremental::rebuild::LastBuild>>,
    counts: Option<search::count::Counts>,
    diags: &mut Diagnostics,
) -> Result<incremental::rebuild::Built, ConfigError> {
    let cache_dir = incremental::folder(site.output);
    // The search cache's last index is written while the site renders;
    // `cache_write` waits for it when dropped, before this returns.
    let (search, cache_write) = if site.archive.config.search {
        let cache = cache_dir.as_deref().map(|d| (d, incremental::search_key()));
        let built = search::build_deferred(site.archive, &FromFiles, cache, counts);
        progress::mark("search index");
        let (index, cache_write) = built.map_err(ConfigError)?;
        (Some(index), Some(cache_write))
    } else {
        (None, None)
    };
    let mut renderer = Renderer::new(site.archive, site.theme, location, &FromFiles);
    if let Some(search) = &search {
        renderer = renderer.with_search(search);
    }
    let previous = previous().map_err(ConfigError)?;
    let mut warnings = Vec::new();
    let written =
        incremental::rebuild::write_site(site.output, &renderer, site.key, previous, &mut warnings)
            .map_err(ConfigError)?;
    for warning in warnings {
        diags.push(Diagnostic::warning(&warning.path, 0, warning.message));
    }
    if cache_write.is_some() {
        drop(cache_write);
        progress::mark("search cache written");
    }
    Ok(written)
}

/// Reads and checks the content without writing anything.
pub fn check(content: &Path) -> Result<Report, ConfigError> {
    let config = SiteConfig::load(content).map_err(ConfigError)?;
    let mut diags = Diagnostics::default();
    let archive = incremental::read::read_archive(content, config, &mut diags, None, None)
        .map_err(ConfigError)?;
    let skipped = skipped_files(&diags, &archive);
    Ok(Report {
        diagnostics: diags.into_sorted(),
        skipped,
        summary: None,
    })
}

/// Bodies read again from the release files (the model keeps none).
struct FromFiles;

impl render::Bodies for FromFiles {
    fn body<'r>(&self, release: &'r model::Release) -> anyhow::Result<Cow<'r, str>> {
        let mut text = load::reread(&release.path)?;
        let range = release.body_range.clone();
        if text.get(range.clone()).is_none() {
            anyhow::bail!("{}: changed during the build", release.path.display());
        }
        // The body kept in the text's own buffer: no second copy.
        text.truncate(range.end);
        text.drain(..range.start);
        Ok(Cow::Owned(text))
    }
}

/// Files with errors, plus each release left unpublished because its
/// sidecar has one (the error names the sidecar, but the release is what a
/// reader will miss).
fn skipped_files(diags: &Diagnostics, archive: &Archive) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if diags.error_count() == 0 {
        return paths;
    }
    let built: HashSet<&Path> = archive.releases.iter().map(|r| r.path.as_path()).collect();
    for d in diags.iter().filter(|d| d.is_error()) {
        paths.push(d.path.clone());
        if d.path.extension().is_some_and(|e| e == "md") {
            let release = d.path.with_extension("txt");
            if release.is_file() && !built.contains(release.as_path()) {
                paths.push(release);
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(releases: usize, bytes: u64) -> Summary {
        Summary {
            releases,
            pages: 0,
            rewritten: 0,
            bytes,
            areas: 0,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_site_within_the_pages_limit_says_nothing_of_it() {
        assert_eq!(summary(50_000, PAGES_SIZE_LIMIT).over_pages_limit(), None);
        assert_eq!(summary(0, 2 * PAGES_SIZE_LIMIT).over_pages_limit(), None);
    }

    #[test]
    fn a_site_past_the_pages_limit_says_how_many_releases_fit() {
        let note = summary(100_000, 1_603_670_556).over_pages_limit().unwrap();
        assert_eq!(
            note,
            "the site is 1.60 GB, 16.0 KB per release: past GitHub Pages' 1 GB limit, \
             which holds about 62,000 releases like these"
        );
        let note = summary(500, 1_100_000_000).over_pages_limit().unwrap();
        assert!(note.ends_with("about 450 releases like these"), "{note}");
    }
}
