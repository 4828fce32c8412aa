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
    progress::mark("start");
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
    let key = cache::build_key(theme.fingerprint, &config, base_url.as_deref());
    // What the last build left in the output is checked on a thread of its
    // own while the content is read (it is mostly waiting on the kernel).
    let last_build = {
        let output = options.output.clone();
        std::thread::spawn(move || last_build(&output, key))
    };
    let units_dir = cache::folder(&options.output).map(|d| d.join("units"));
    let mut archive = read_archive(&options.content, config, &mut diags, units_dir.as_deref())
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
    let previous = last_build.join().unwrap_or(Ok(None)).map_err(ConfigError)?;
    let (pages, rewritten) =
        write_site(&options.output, &renderer, key, previous).map_err(ConfigError)?;
    let summary = Summary {
        releases: archive.releases.len(),
        pages,
        rewritten,
        areas: archive.areas.len(),
        elapsed: started.elapsed(),
    };
    // Freeing a large archive takes a while, and nothing needs to wait for it.
    drop(renderer);
    std::thread::spawn(move || drop(archive));
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
fn write_site(
    output: &Path,
    renderer: &Renderer,
    key: u64,
    previous: Option<LastBuild>,
) -> anyhow::Result<(usize, usize)> {
    progress::mark("renderer set-up");
    let jobs = renderer.plan();
    let progress = progress::Progress::new(jobs.len());
    progress.around(|| {
        if let Some(previous) = previous {
            if let Some(done) = update_site(output, renderer, &progress, &jobs, previous)? {
                return Ok(done);
            }
        }
        staged_site(output, renderer, &progress, &jobs, key)
    })
}

/// The last build's manifest, when it is for this key and the output is
/// still blotter's, with the files now in the output.
type LastBuild = (cache::Manifest, rustc_hash::FxHashSet<String>);

fn last_build(output: &Path, key: u64) -> anyhow::Result<Option<LastBuild>> {
    let Some(manifest) =
        cache::Manifest::load(output, key).filter(|_| output.join(write::MARKER).is_file())
    else {
        return Ok(None);
    };
    let on_disk = manifest.files_on_disk(output, write::MARKER)?;
    Ok(Some((manifest, on_disk)))
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
    let artifacts = jobs.par_iter().map(|&job| {
        let artifact = renderer.render(job);
        progress.tick();
        artifact
    });
    let files = write::publish(output, artifacts)?;
    progress::mark("render, write");
    let count = files.len();
    let mut manifest = cache::Manifest {
        key,
        files: files.into_iter().collect(),
        ..Default::default()
    };
    manifest.stamp_dirs(output, None);
    manifest.save(output)?;
    progress::mark("manifest save");
    Ok((count, count))
}

/// A page on the incremental path: its bytes are kept only if they changed.
struct Rendered {
    path: String,
    entry: cache::FileEntry,
    bytes: Option<Vec<u8>>,
}

/// The incremental path: `None` when too much changed to update in place.
fn update_site(
    output: &Path,
    renderer: &Renderer,
    progress: &progress::Progress,
    jobs: &[render::Job],
    (previous, on_disk): LastBuild,
) -> anyhow::Result<Option<(usize, usize)>> {
    // Past this many changed files, staging a fresh copy is as cheap and
    // keeps the all-or-nothing guarantee; rendering stops early.
    let limit = (jobs.len() / 20).clamp(200, 5000);
    let changed_count = AtomicUsize::new(0);
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
                if let Some(&entry) = previous
                    .files
                    .get(&path)
                    .filter(|e| e.fingerprint == Some(fingerprint) && on_disk.contains(&path))
                {
                    return Ok(Some(Rendered {
                        path,
                        entry,
                        bytes: None,
                    }));
                }
            }
            let artifact = renderer.render(job)?;
            let entry = cache::FileEntry {
                hash: cache::hash(&artifact.bytes),
                fingerprint: artifact.fingerprint,
            };
            // Same bytes as last time, and still there: nothing to write.
            let same = previous.files.get(&artifact.path).map(|e| e.hash) == Some(entry.hash)
                && on_disk.contains(&artifact.path);
            if !same {
                changed_count.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Some(Rendered {
                path: artifact.path,
                entry,
                bytes: (!same).then_some(artifact.bytes),
            }))
        })
        .collect::<anyhow::Result<_>>()?;
    progress::mark("fingerprint, render");
    if changed_count.load(Ordering::Relaxed) > limit {
        return Ok(None);
    }
    let mut files = rustc_hash::FxHashMap::default();
    files.reserve(rendered.len());
    let mut changed = Vec::new();
    for Rendered { path, entry, bytes } in rendered.into_iter().flatten() {
        if let Some(bytes) = bytes {
            changed.push(render::Artifact {
                path: path.clone(),
                bytes,
                fingerprint: entry.fingerprint,
            });
        }
        files.insert(path, entry);
    }
    // Whatever the site no longer has goes, including files added by hand:
    // the result is always what a clean build would make.
    let mut removed: Vec<String> = on_disk
        .into_iter()
        .filter(|p| !files.contains_key(p))
        .collect();
    removed.sort();
    let count = files.len();
    if changed.is_empty() && removed.is_empty() && files == previous.files {
        // Nothing on disk changed, so the manifest (and its folder stamps) holds.
        return Ok(Some((count, 0)));
    }
    // Forget the old manifest while files change: a build killed now is
    // followed by a clean one, never by one trusting stale hashes.
    cache::Manifest::remove(output);
    write::update_in_place(output, &changed, &removed)?;
    progress::mark("write changes");
    let touched: Vec<String> = changed
        .iter()
        .map(|a| a.path.clone())
        .chain(removed.iter().cloned())
        .collect();
    let mut manifest = cache::Manifest { files, ..previous };
    manifest.stamp_dirs(output, Some(&touched));
    manifest.save(output)?;
    progress::mark("manifest save");
    Ok(Some((count, changed.len() + removed.len())))
}

/// Reads and checks the content without writing anything.
pub fn check(content: &Path) -> Result<Report, ConfigError> {
    let config = SiteConfig::load(content).map_err(ConfigError)?;
    let mut diags = Diagnostics::default();
    let archive = read_archive(content, config, &mut diags, None).map_err(ConfigError)?;
    let skipped = skipped_files(&diags, &archive);
    Ok(Report {
        diagnostics: diags.into_sorted(),
        skipped,
        summary: None,
    })
}

/// Stages 1 to 3: load, parse, model. With a parse cache folder, releases
/// whose files are unchanged since the last build are taken from it
/// instead of being read, parsed and resolved again.
pub fn read_archive(
    content: &Path,
    config: SiteConfig,
    diags: &mut Diagnostics,
    cache_dir: Option<&Path>,
) -> anyhow::Result<Archive> {
    let found = load::discover(content, diags)?;
    progress::mark("load: find");
    let (units, orphans) = pair_files(found);
    let key = cache::units_key(content, &config);
    let mut cache = cache::units::UnitCache::load(cache_dir, key);
    progress::mark("parse cache load");
    let resolver = model::Resolver::new(&config);
    let max_bytes = config.max_file_bytes;
    // Each unit is read, parsed and resolved on one thread, its text
    // dropped at once: holding every text of a 100,000-release archive
    // would double the build's peak memory.
    let now = cache::now_nanos();
    let read: Vec<(model::UnitOutcome, Option<cache::units::Entry>)> = units
        .par_iter()
        .map(|unit| {
            let stamps = (unit.release.stamp, unit.sidecar.as_ref().map(|s| s.stamp));
            if let Some(outcome) = cache.get(&unit.name, stamps.0, stamps.1) {
                return (outcome, None);
            }
            let outcome = read_unit(unit, &resolver, max_bytes);
            // A file written moments ago may be written again within its
            // timestamp's granularity: it is read again next time instead.
            let settled = !stamps.0.is_recent(now) && !stamps.1.is_some_and(|s| s.is_recent(now));
            let entry = (cache_dir.is_some() && settled)
                .then(|| cache::units::Entry::new(stamps.0, stamps.1, &outcome))
                .flatten();
            (outcome, entry)
        })
        .collect();
    progress::mark("load, parse, resolve");
    let mut outcomes = Vec::with_capacity(read.len());
    for (unit, (outcome, entry)) in units.iter().zip(read) {
        if let Some(entry) = entry {
            cache.put(unit.name.clone(), entry);
        }
        outcomes.push(outcome);
    }
    if cache_dir.is_some() {
        if cache.may_have_stale() {
            cache.retain(&units.iter().map(|u| u.name.as_str()).collect());
        }
        // The cache only saves work: a build goes on without it.
        let _ = cache.save();
        progress::mark("parse cache save");
    }
    // Freeing 100,000 cached releases takes a while; nothing waits for it.
    std::thread::spawn(move || drop(cache));
    for orphan in orphans {
        diags.push(
            match load::read(&orphan, max_bytes).and_then(|f| parse::sidecar(&f)) {
                Err(diagnostic) => diagnostic,
                Ok(_) => Diagnostic::warning(&orphan.path, 0, "sidecar has no release beside it")
                    .with_help("a sidecar `x.md` annotates the release `x.txt` in the same folder"),
            },
        );
    }
    progress::mark("orphan sidecars");
    let archive = model::assemble(config, outcomes, diags);
    progress::mark("model");
    Ok(archive)
}

/// A release file and its sidecar, if it has one.
struct UnitFiles {
    /// The release's path under `releases/` without extension.
    name: String,
    release: load::Found,
    sidecar: Option<load::Found>,
}

/// Pairs each release with its sidecar; sidecars without a release are
/// returned apart.
fn pair_files(found: Vec<load::Found>) -> (Vec<UnitFiles>, Vec<load::Found>) {
    let mut sidecars: std::collections::HashMap<PathBuf, load::Found> = found
        .iter()
        .filter(|f| f.kind == load::Kind::Sidecar)
        .map(|f| (f.key.clone(), f.clone()))
        .collect();
    let units: Vec<UnitFiles> = found
        .into_iter()
        .filter(|f| f.kind == load::Kind::Release)
        .map(|release| UnitFiles {
            name: release.key.to_string_lossy().into_owned(),
            sidecar: sidecars.remove(&release.key),
            release,
        })
        .collect();
    let mut orphans: Vec<load::Found> = sidecars.into_values().collect();
    orphans.sort_by(|a, b| a.path.cmp(&b.path));
    (units, orphans)
}

/// Reads, parses and resolves one release and its sidecar.
fn read_unit(unit: &UnitFiles, resolver: &model::Resolver, max_bytes: u64) -> model::UnitOutcome {
    let mut outcome = model::UnitOutcome {
        path: unit.release.path.clone(),
        ..Default::default()
    };
    let diags = &mut outcome.parse_diags;
    let release = load::read(&unit.release, max_bytes).and_then(|file| {
        parse::release(&file, diags).map(|raw| {
            // Only a release with a sidecar keeps its body, for the notes.
            let keep_body = unit.sidecar.is_some();
            Parsed::new(file.path, file.key, file.stem, raw, keep_body)
        })
    });
    let sidecar = unit.sidecar.as_ref().map(|found| {
        load::read(found, max_bytes)
            .and_then(|file| parse::sidecar(&file))
            .map(|raw| ParsedSidecar {
                path: found.path.clone(),
                key: found.key.clone(),
                raw,
            })
    });
    let (release, sidecar) = match (release, sidecar.transpose()) {
        (Ok(release), Ok(sidecar)) => (release, sidecar),
        (release, sidecar) => {
            let sidecar_broken = sidecar.is_err();
            diags.extend(sidecar.err());
            match release {
                Err(error) => diags.push(error),
                // Publishing a release without its corrections would mislead.
                Ok(_) if sidecar_broken => diags.push(Diagnostic::error(
                    &unit.release.path,
                    0,
                    "not built: its sidecar has errors",
                )),
                Ok(_) => {}
            }
            return outcome;
        }
    };
    outcome.stem = Some(release.stem.clone());
    outcome.resolved = resolver
        .resolve(release, sidecar, &mut outcome.resolve_diags)
        .map(|(mut release, area)| {
            release.body = None;
            (release, area)
        });
    outcome
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
