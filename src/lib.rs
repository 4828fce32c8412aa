//! blotter builds an annotated archive of police press releases into a
//! static site.
//!
//! The build is a pipeline of five stages, one module each, passing one
//! value to the next: [`load`] finds and reads the release `.txt` files and
//! their `.md` sidecars (the only code that reads content); [`parse`] turns
//! each text into a raw release or sidecar with line numbers, syntax only;
//! [`model`] resolves dates, titles and areas by the brief's rules and
//! assembles the [`model::Archive`]; [`render`] turns the archive and a
//! theme into artifacts (path and bytes) without I/O; and [`write`] puts
//! them in the output folder, staged and swapped so a failed build never
//! leaves a half-written site. A rebuild over blotter's own output consults
//! the [`cache`] manifest of the last build and, when only a few files'
//! bytes changed, replaces just those. Content problems are collected as
//! [`diagnostics::Diagnostic`]s across the whole run rather than stopping
//! at the first.

#![forbid(unsafe_code)]

pub mod cache;
pub mod config;
pub mod diagnostics;
pub mod load;
pub mod model;
pub mod parse;
pub mod progress;
pub mod render;
pub mod scaffold;
pub mod write;

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use config::SiteConfig;
use diagnostics::{Diagnostic, Diagnostics};
use model::{Archive, Parsed, ParsedSidecar};
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
    pub areas: usize,
    pub elapsed: Duration,
}

/// Reads, checks and (when there are no errors, or `skip_invalid`) writes the site.
pub fn build(options: &BuildOptions) -> Result<Report, ConfigError> {
    let started = Instant::now();
    let config = SiteConfig::load(&options.content).map_err(ConfigError)?;
    let base_url = match &options.base_url {
        Some(url) => {
            config::validate_base_url(url).map_err(ConfigError)?;
            Some(url.clone())
        }
        None => config.base_url.clone(),
    };
    let theme = Theme::load(options.theme.as_deref()).map_err(ConfigError)?;
    let mut protected = vec![options.content.as_path()];
    protected.extend(options.theme.as_deref());
    write::check_target(&options.output, &protected).map_err(|e| ConfigError(e.into()))?;

    let mut diags = Diagnostics::default();
    let mut archive = read_archive(&options.content, config, &mut diags).map_err(ConfigError)?;
    let skipped = skipped_files(&diags, &archive);
    if diags.error_count() > 0 && !options.skip_invalid {
        return Ok(Report {
            diagnostics: diags.into_sorted(),
            skipped,
            summary: None,
        });
    }
    if base_url.is_none() {
        diags.push(
            Diagnostic::warning(
                &options.content.join("site.toml"),
                0,
                "no base_url: feed URLs are root-relative",
            )
            .with_help(
                "set `base_url` in site.toml or pass --base-url https://owner.github.io/archive/",
            ),
        );
    }
    archive.offload_bodies();
    let renderer = Renderer::new(
        &archive,
        &theme,
        Location::new(base_url.as_deref()),
        &FromFiles,
    );
    let key = cache::build_key(theme.fingerprint, &archive.config, base_url.as_deref());
    let (pages, rewritten) = write_site(&options.output, &renderer, key).map_err(ConfigError)?;
    let summary = Summary {
        releases: archive.releases.len(),
        pages,
        rewritten,
        areas: archive.areas.len(),
        elapsed: started.elapsed(),
    };
    Ok(Report {
        diagnostics: diags.into_sorted(),
        skipped,
        summary: Some(summary),
    })
}

/// Stages 4 and 5: renders every page and writes the site, returning the
/// number of files in it and how many were written.
///
/// When the last build's manifest matches (same blotter, theme, settings),
/// a page whose input fingerprint is unchanged is not rendered at all, the
/// others are rendered and hashed, and if few files changed those few are
/// written in place. Otherwise, or when the last build is unknown, the whole
/// site is staged beside the output and swapped in.
fn write_site(output: &Path, renderer: &Renderer, key: u64) -> anyhow::Result<(usize, usize)> {
    let jobs = renderer.plan();
    let progress = progress::Progress::new(jobs.len());
    progress.around(|| {
        if let Some(previous) =
            cache::Manifest::load(output, key).filter(|_| output.join(write::MARKER).is_file())
        {
            if let Some(done) = update_site(output, renderer, &progress, &jobs, previous)? {
                return Ok(done);
            }
        }
        staged_site(output, renderer, &progress, &jobs, key)
    })
}

/// The clean path: the whole site staged beside the output and swapped in.
fn staged_site(
    output: &Path,
    renderer: &Renderer,
    progress: &progress::Progress,
    jobs: &[render::Job],
    key: u64,
) -> anyhow::Result<(usize, usize)> {
    // The manifest goes first: if this build dies, the next one is clean.
    cache::Manifest::remove(output);
    let mut manifest = cache::Manifest {
        key,
        ..Default::default()
    };
    let fingerprints = std::sync::Mutex::new(Vec::new());
    let artifacts = jobs.par_iter().map(|&job| {
        let artifact = renderer.render(job)?;
        progress.tick();
        if let (Some(f), Ok(mut all)) = (artifact.fingerprint, fingerprints.lock()) {
            all.push((artifact.path.clone(), f));
        }
        Ok(artifact)
    });
    let files = write::publish(output, artifacts)?;
    let count = files.len();
    manifest.files = files.into_iter().collect();
    manifest.fingerprints = fingerprints
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .collect();
    manifest.save(output)?;
    Ok((count, count))
}

/// A page on the incremental path: its bytes are kept only if they changed.
struct Rendered {
    path: String,
    hash: u64,
    fingerprint: Option<u64>,
    bytes: Option<Vec<u8>>,
}

/// The incremental path: `None` when too much changed to update in place.
fn update_site(
    output: &Path,
    renderer: &Renderer,
    progress: &progress::Progress,
    jobs: &[render::Job],
    previous: cache::Manifest,
) -> anyhow::Result<Option<(usize, usize)>> {
    // Past this many changed files, staging a fresh copy is as cheap and
    // keeps the all-or-nothing guarantee; rendering stops early.
    let limit = (jobs.len() / 20).clamp(200, 5000);
    let changed_count = AtomicUsize::new(0);
    let on_disk = write::existing_files(output)?;
    let rendered: Vec<Option<Rendered>> = jobs
        .par_iter()
        .map(|&job| {
            if changed_count.load(Ordering::Relaxed) > limit {
                return Ok(None);
            }
            progress.tick();
            // Same inputs as last time, and the file still there: reuse it.
            if let Some(fingerprinted) = renderer.fingerprint(job) {
                let (path, fingerprint) = fingerprinted?;
                let unchanged = previous.fingerprints.get(&path) == Some(&fingerprint)
                    && on_disk.contains(&path);
                if let Some(&hash) = previous.files.get(&path).filter(|_| unchanged) {
                    return Ok(Some(Rendered {
                        path,
                        hash,
                        fingerprint: Some(fingerprint),
                        bytes: None,
                    }));
                }
            }
            let artifact = renderer.render(job)?;
            let hash = cache::hash(&artifact.bytes);
            // Same bytes as last time, and still there: nothing to write.
            let same = previous.files.get(&artifact.path) == Some(&hash)
                && on_disk.contains(&artifact.path);
            if !same {
                changed_count.fetch_add(1, Ordering::Relaxed);
            }
            let bytes = (!same).then_some(artifact.bytes);
            Ok(Some(Rendered {
                path: artifact.path,
                hash,
                fingerprint: artifact.fingerprint,
                bytes,
            }))
        })
        .collect::<anyhow::Result<_>>()?;
    if changed_count.load(Ordering::Relaxed) > limit {
        return Ok(None);
    }
    let mut manifest = cache::Manifest {
        key: previous.key,
        ..Default::default()
    };
    let mut changed = Vec::new();
    for Rendered {
        path,
        hash,
        fingerprint,
        bytes,
    } in rendered.into_iter().flatten()
    {
        if let Some(bytes) = bytes {
            changed.push(render::Artifact {
                path: path.clone(),
                bytes,
                fingerprint,
            });
        }
        if let Some(f) = fingerprint {
            manifest.fingerprints.insert(path.clone(), f);
        }
        manifest.files.insert(path, hash);
    }
    // Whatever the site no longer has goes, including files added by hand:
    // the result is always what a clean build would make.
    let mut removed: Vec<String> = on_disk
        .into_iter()
        .filter(|p| !manifest.files.contains_key(p))
        .collect();
    removed.sort();
    // Forget the old manifest while files change: a build killed now is
    // followed by a clean one, never by one trusting stale hashes.
    cache::Manifest::remove(output);
    write::update_in_place(output, &changed, &removed)?;
    manifest.save(output)?;
    Ok(Some((manifest.files.len(), changed.len() + removed.len())))
}

/// Reads and checks the content without writing anything.
pub fn check(content: &Path) -> Result<Report, ConfigError> {
    let config = SiteConfig::load(content).map_err(ConfigError)?;
    let mut diags = Diagnostics::default();
    let archive = read_archive(content, config, &mut diags).map_err(ConfigError)?;
    let skipped = skipped_files(&diags, &archive);
    Ok(Report {
        diagnostics: diags.into_sorted(),
        skipped,
        summary: None,
    })
}

/// Stages 1 to 3: load, parse, model.
pub fn read_archive(
    content: &Path,
    config: SiteConfig,
    diags: &mut Diagnostics,
) -> anyhow::Result<Archive> {
    // Each file is parsed on the thread that read it, and its text dropped.
    let parsed = load::each_source(content, config.max_file_bytes, diags, parse_one)?;
    let (releases, sidecars) = sort_parsed(parsed, diags);
    Ok(model::assemble(config, releases, sidecars, diags))
}

/// One parsed content file, with any warnings its parse produced.
enum ParsedFile {
    Release(Result<Parsed, Diagnostic>, Vec<Diagnostic>),
    Sidecar(Result<ParsedSidecar, Diagnostic>),
}

fn parse_one(file: load::SourceFile) -> ParsedFile {
    match file.kind {
        load::Kind::Release => {
            let mut warnings = Vec::new();
            // Only a release with a sidecar keeps its body through the model.
            let keep_body = file.path.with_extension("md").is_file();
            let result = parse::release(&file, &mut warnings)
                .map(|raw| Parsed::new(file.path, file.key, file.stem, raw, keep_body));
            ParsedFile::Release(result, warnings)
        }
        load::Kind::Sidecar => {
            ParsedFile::Sidecar(parse::sidecar(&file).map(|raw| ParsedSidecar {
                path: file.path,
                key: file.key,
                raw,
            }))
        }
    }
}

/// Splits parse results (in path order) into releases and sidecars,
/// reporting failures.
fn sort_parsed(
    parsed: Vec<ParsedFile>,
    diags: &mut Diagnostics,
) -> (Vec<Parsed>, Vec<ParsedSidecar>) {
    let mut releases = Vec::new();
    let mut sidecars = Vec::new();
    let mut broken_sidecars = HashSet::new();
    for file in parsed {
        match file {
            ParsedFile::Release(result, warnings) => {
                diags.extend(warnings);
                match result {
                    Ok(parsed) => releases.push(parsed),
                    Err(diagnostic) => diags.push(diagnostic),
                }
            }
            ParsedFile::Sidecar(Ok(sidecar)) => sidecars.push(sidecar),
            ParsedFile::Sidecar(Err(diagnostic)) => {
                broken_sidecars.insert(diagnostic.path.with_extension(""));
                diags.push(diagnostic);
            }
        }
    }
    // A release whose sidecar is broken is held back with it: publishing it
    // without its corrections would mislead.
    releases.retain(|parsed: &Parsed| {
        let broken = broken_sidecars.contains(&parsed.path.with_extension(""));
        if broken {
            diags.push(Diagnostic::error(
                &parsed.path,
                0,
                "not built: its sidecar has errors",
            ));
        }
        !broken
    });
    (releases, sidecars)
}

/// Bodies read again from the release files (the site build drops them
/// from the model once it is assembled).
struct FromFiles;

impl render::Bodies for FromFiles {
    fn body<'r>(&self, release: &'r model::Release) -> anyhow::Result<Cow<'r, str>> {
        if let Some(body) = &release.body {
            return Ok(Cow::Borrowed(body));
        }
        let text = load::reread(&release.path)?;
        text.get(release.body_range.clone())
            .map(|b| Cow::Owned(b.to_string()))
            .ok_or_else(|| anyhow::anyhow!("{}: changed during the build", release.path.display()))
    }
}

/// Files with errors, plus each release left unpublished because its
/// sidecar has one (the error names the sidecar, but the release is what a
/// reader will miss).
fn skipped_files(diags: &Diagnostics, archive: &Archive) -> Vec<PathBuf> {
    let built: HashSet<&Path> = archive.releases.iter().map(|r| r.path.as_path()).collect();
    let mut paths: Vec<PathBuf> = Vec::new();
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
