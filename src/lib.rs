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
//! leaves a half-written site. Content problems are collected as
//! [`diagnostics::Diagnostic`]s across the whole run rather than stopping
//! at the first.

#![forbid(unsafe_code)]

pub mod config;
pub mod diagnostics;
pub mod load;
pub mod model;
pub mod parse;
pub mod render;
pub mod scaffold;
pub mod write;

use std::collections::HashSet;
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
    let archive = read_archive(&options.content, config, &mut diags).map_err(ConfigError)?;
    let skipped = skipped_files(&diags);
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
    let renderer = Renderer::new(&archive, &theme, Location::new(base_url.as_deref()));
    let jobs = renderer.plan();
    let pages = write::publish(
        &options.output,
        jobs.par_iter().map(|&job| renderer.render(job)),
    )
    .map_err(ConfigError)?;
    let summary = Summary {
        releases: archive.releases.len(),
        pages,
        areas: archive.areas.len(),
        elapsed: started.elapsed(),
    };
    Ok(Report {
        diagnostics: diags.into_sorted(),
        skipped,
        summary: Some(summary),
    })
}

/// Reads and checks the content without writing anything.
pub fn check(content: &Path) -> Result<Report, ConfigError> {
    let config = SiteConfig::load(content).map_err(ConfigError)?;
    let mut diags = Diagnostics::default();
    read_archive(content, config, &mut diags).map_err(ConfigError)?;
    let skipped = skipped_files(&diags);
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
    let sources = load::sources(content, config.max_file_bytes, diags)?;
    let (releases, sidecars) = parse_all(sources, diags);
    Ok(model::assemble(config, releases, sidecars, diags))
}

/// Parses every file in parallel; results are put back in path order so
/// diagnostics and output never depend on thread timing.
fn parse_all(sources: load::Sources, diags: &mut Diagnostics) -> (Vec<Parsed>, Vec<ParsedSidecar>) {
    let sidecar_results: Vec<_> = sources
        .sidecars
        .into_par_iter()
        .map(|file| {
            parse::sidecar(&file).map(|raw| ParsedSidecar {
                path: file.path,
                key: file.key,
                raw,
            })
        })
        .collect();
    let mut sidecars = Vec::new();
    let mut broken_sidecars = HashSet::new();
    for result in sidecar_results {
        match result {
            Ok(sidecar) => sidecars.push(sidecar),
            Err(diagnostic) => {
                broken_sidecars.insert(diagnostic.path.with_extension(""));
                diags.push(diagnostic);
            }
        }
    }
    let release_results: Vec<_> = sources
        .releases
        .into_par_iter()
        .map(|file| {
            let mut warnings = Vec::new();
            let result = parse::release(&file, &mut warnings).map(|raw| Parsed {
                path: file.path,
                key: file.key,
                stem: file.stem,
                raw,
            });
            (result, warnings)
        })
        .collect();
    let mut releases = Vec::new();
    for (result, warnings) in release_results {
        diags.extend(warnings);
        match result {
            // A release whose sidecar is broken is held back with it: publishing
            // it without its corrections would mislead.
            Ok(parsed) if broken_sidecars.contains(&parsed.path.with_extension("")) => {
                diags.push(Diagnostic::error(
                    &parsed.path,
                    0,
                    "not built: its sidecar has errors",
                ));
            }
            Ok(parsed) => releases.push(parsed),
            Err(diagnostic) => diags.push(diagnostic),
        }
    }
    (releases, sidecars)
}

fn skipped_files(diags: &Diagnostics) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
