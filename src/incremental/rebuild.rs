//! Stages 4 and 5 against the last build: whether the site is rendered and
//! staged whole, or updated in place from the last build's manifest, and
//! the manifest kept for the next one.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::changes::{self, ChangeSet, Recorded, Rendered};
use crate::render::{self, Renderer};
use crate::{progress, write};

/// What a build's output holds, and what of it this build wrote.
#[derive(Debug, Clone, Copy)]
pub struct Built {
    pub files: usize,
    pub written: usize,
    /// The length of all the site's files together.
    pub bytes: u64,
}

/// Stages 4 and 5: renders every page and writes the site.
///
/// When the last build's manifest matches (same blotter, theme, settings),
/// a page whose input fingerprint is unchanged is not rendered at all, the
/// others are rendered and hashed, and if few files changed those few are
/// written in place. Otherwise, or when the last build is unknown, the whole
/// site is staged beside the output and swapped in.
pub(crate) fn write_site(
    output: &Path,
    renderer: &Renderer,
    key: u64,
    previous: Option<LastBuild>,
    warnings: &mut Vec<write::Warning>,
) -> anyhow::Result<Built> {
    progress::mark("renderer set-up");
    let jobs = renderer.plan();
    let progress = progress::Progress::new(jobs.len());
    progress.around(|| {
        let mut owned_before = Vec::new();
        if let Some(previous) = previous {
            // A staged build clears leftovers itself, so what this finds is
            // reported only if the site is updated in place.
            let mut leftovers = Vec::new();
            write::clear_leftovers(output, &mut leftovers);
            match update_site(output, renderer, &progress, &jobs, previous, key, warnings)? {
                Update::Done(done) => {
                    warnings.extend(leftovers);
                    return Ok(done);
                }
                Update::Stage {
                    owned_before: names,
                } => owned_before = names,
            }
        }
        staged_site(
            output,
            renderer,
            &progress,
            &jobs,
            key,
            &owned_before,
            warnings,
        )
    })
}

/// What the incremental path did.
enum Update {
    /// The site is up to date.
    Done(Built),
    /// It is to be staged whole: too much changed, or the output is not
    /// as a build leaves it. With the top-level names the last build
    /// wrote, which are blotter's to replace even if this build no longer
    /// writes them.
    Stage { owned_before: Vec<String> },
}

/// The first component of every file `manifest` records.
fn top_level_names(manifest: &super::Manifest) -> Vec<String> {
    let names: rustc_hash::FxHashSet<&str> = manifest
        .paths()
        .map(|path| path.split('/').next().unwrap_or(path))
        .collect();
    let mut names: Vec<String> = names.into_iter().map(str::to_string).collect();
    names.sort();
    names
}

/// Saves the manifest after a published build. The site is already in
/// place, so a cache that cannot be written is a warning, not a failed
/// build; whatever part of it was written is forgotten so that the next
/// build is a clean one.
fn save_manifest(
    output: &Path,
    manifest: &mut super::Manifest,
    warnings: &mut Vec<write::Warning>,
) {
    if let Err(err) = manifest.save(output) {
        super::Manifest::remove(output);
        let folder = super::folder(output).unwrap_or_else(|| output.to_path_buf());
        warnings.push(write::Warning::new(
            &folder,
            format!(
                "the site was written, but its build cache could not be saved ({err:#}); \
                 the next build writes the whole site"
            ),
        ));
    }
}

/// The last build's manifest, when the output is still blotter's, with
/// the files now in the output.
pub(crate) struct LastBuild {
    manifest: super::Manifest,
    on_disk: super::OnDisk,
    /// Whether the last build had this build's key (blotter binary, theme,
    /// settings). If not, its page fingerprints say nothing about this
    /// build, so every page is rendered; the hashes of the files still
    /// tell which bytes changed, and only those files are written (a new
    /// blotter that renders the same pages, or a theme change that touches
    /// one template or the stylesheet, rewrites just those files).
    same_key: bool,
}

/// Starts [`last_build`] in the background, on threads of low priority:
/// its 100,000 folder stats are work the build does not need until it
/// fingerprints pages, so they take the cores that reading and modelling
/// the content leave idle (much of that is on one thread) instead of
/// competing with it. At the build's own priority it slowed the content
/// walk and stats: a no-op rebuild of 100,000 releases on two cores took
/// 0.82 s instead of 0.71 s (medians).
pub(crate) fn check_last_build(
    output: &Path,
    key: u64,
) -> std::thread::JoinHandle<anyhow::Result<Option<LastBuild>>> {
    let output = output.to_path_buf();
    std::thread::spawn(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("blotter-check-{i}"))
            .start_handler(|_| lower_priority())
            .build();
        match pool {
            Ok(pool) => pool.install(|| last_build(&output, key)),
            // No threads to be had: checked on the build's own.
            Err(_) => last_build(&output, key),
        }
    })
}

/// Lowers the calling thread's scheduling priority to the least (Linux
/// sets it per thread; elsewhere it would be the whole process's, so it
/// is left alone). Failing to is harmless: the check just competes.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
    }
}

pub(crate) fn last_build(output: &Path, key: u64) -> anyhow::Result<Option<LastBuild>> {
    let Some(manifest) = super::Manifest::load_any(output) else {
        progress::note("whole site: no usable manifest (a first build, or one that was cut short)");
        return Ok(None);
    };
    if !output.join(write::MARKER).is_file() {
        progress::note("whole site: the output folder is not marked as blotter's");
        return Ok(None);
    }
    progress::mark("last build: manifest load");
    let same_key = manifest.key == key;
    if !same_key {
        progress::note(
            "every page rendered: the last build had another blotter binary, theme or \
             setting (only files whose bytes differ are written)",
        );
    }
    let on_disk = manifest.files_on_disk(output, write::MARKER)?;
    progress::mark("last build: output check");
    Ok(Some(LastBuild {
        manifest,
        on_disk,
        same_key,
    }))
}

/// The clean path: the whole site staged beside the output and swapped in.
fn staged_site(
    output: &Path,
    renderer: &Renderer,
    progress: &progress::Progress,
    jobs: &[render::Job],
    key: u64,
    owned_before: &[String],
    warnings: &mut Vec<write::Warning>,
) -> anyhow::Result<Built> {
    // The manifest goes first: if this build dies, the next one is clean.
    super::Manifest::remove(output);
    let artifacts = jobs.par_iter().map(|&job| {
        let artifact = renderer.render(job);
        progress.tick();
        artifact
    });
    let files = write::publish(output, artifacts, owned_before, warnings)?;
    progress::mark("render, write");
    let built = Built {
        files: files.len(),
        written: files.len(),
        bytes: files.iter().map(|(_, entry)| entry.size).sum(),
    };
    let mut manifest = super::Manifest::new(key);
    for (path, entry) in files {
        manifest.record(path, entry);
    }
    manifest.stamp_dirs(output, None);
    save_manifest(output, &mut manifest, warnings);
    progress::mark("manifest save");
    Ok(built)
}

/// Changed files past which a site of `files` is staged and swapped
/// rather than updated in place: past a quarter, staging a fresh copy
/// costs little more and keeps the all-or-nothing guarantee (rendering
/// stops early). A fixed cap would stage a whole archive for an edit that
/// changes a few percent of its files, as a backdated release does when
/// it renumbers the search index.
fn stage_limit(files: usize) -> usize {
    (files / 4).max(200)
}

/// The incremental path, or [`Update::Stage`] when too much changed to
/// update in place or the output is not as a build leaves it.
fn update_site(
    output: &Path,
    renderer: &Renderer,
    progress: &progress::Progress,
    jobs: &[render::Job],
    last: LastBuild,
    key: u64,
    warnings: &mut Vec<write::Warning>,
) -> anyhow::Result<Update> {
    let LastBuild {
        manifest: previous,
        on_disk,
        same_key,
    } = last;
    let limit = stage_limit(jobs.len());
    let rendered = render_changes(
        renderer, progress, jobs, &previous, &on_disk, same_key, limit,
    )?;
    progress::mark("fingerprint, render");
    let Some(rendered) = rendered else {
        progress::note(&format!(
            "whole site: more than {limit} files changed, staged and swapped"
        ));
        return Ok(Update::Stage {
            owned_before: top_level_names(&previous),
        });
    };
    let files = rendered.len();
    let bytes = rendered.iter().map(|r| r.entry.size).sum();
    let changes = changes::plan(&previous, &on_disk, rendered);
    if changes.is_empty() && same_key && on_disk.settled.is_empty() {
        // Nothing on disk changed, so the manifest (and its folder stamps)
        // holds. Freeing its 200,000 paths takes a while; nothing waits.
        std::thread::spawn(move || drop(previous));
        let written = 0;
        return Ok(Update::Done(Built {
            files,
            written,
            bytes,
        }));
    }
    if let Some(why) = not_updatable(output, &previous, &on_disk, &changes) {
        progress::note(&format!("whole site: {why}"));
        return Ok(Update::Stage {
            owned_before: top_level_names(&previous),
        });
    }
    if !changes.is_empty() {
        // Forget the old manifest while files change: a build killed now
        // is followed by a clean one, never by one trusting stale hashes.
        super::Manifest::remove(output);
        write::update_in_place(output, &changes.changed, &changes.removed)?;
        progress::mark("write changes");
    }
    let written = changes.changed.len() + changes.removed.len();
    let mut manifest = previous;
    if !same_key {
        manifest.rekey(key);
    }
    // Every listed folder now holds what the manifest records; those this
    // build wrote to are stamped again below.
    manifest.adopt_stamps(on_disk.settled);
    record_changes(output, manifest, changes, warnings);
    Ok(Update::Done(Built {
        files,
        written,
        bytes,
    }))
}

/// Every page fingerprinted, and rendered when its inputs changed or its
/// file is gone; `None` once more than `limit` files changed.
fn render_changes<'m>(
    renderer: &Renderer,
    progress: &progress::Progress,
    jobs: &[render::Job],
    previous: &'m super::Manifest,
    on_disk: &super::OnDisk,
    same_key: bool,
    limit: usize,
) -> anyhow::Result<Option<Vec<Rendered<'m>>>> {
    let changed_count = AtomicUsize::new(0);
    let rendered: Vec<Rendered> = jobs
        .par_iter()
        .filter_map(|&job| {
            // Past the limit every job is skipped: the result is thrown away.
            if changed_count.load(Ordering::Relaxed) > limit {
                return None;
            }
            progress.tick();
            let page = reuse_or_render(renderer, job, previous, on_disk, same_key);
            if page.as_ref().is_ok_and(|page| page.bytes.is_some()) {
                changed_count.fetch_add(1, Ordering::Relaxed);
            }
            Some(page)
        })
        .collect::<anyhow::Result<_>>()?;
    if changed_count.load(Ordering::Relaxed) > limit {
        return Ok(None);
    }
    // Every job rendered (none stopped early).
    Ok(Some(rendered))
}

/// One page: as the last build left it when its fingerprint is unchanged
/// and its file still there, else rendered, with its bytes kept only when
/// they differ from the file's.
fn reuse_or_render<'m>(
    renderer: &Renderer,
    job: render::Job,
    previous: &'m super::Manifest,
    on_disk: &super::OnDisk,
    same_key: bool,
) -> anyhow::Result<Rendered<'m>> {
    if let Some(fingerprinted) = same_key.then(|| renderer.fingerprint(job)).flatten() {
        let (path, fingerprint) = fingerprinted?;
        if let Some((recorded_path, &entry)) = previous
            .get_key_value(&path)
            .filter(|(_, e)| e.fingerprint == Some(fingerprint) && on_disk.has_recorded(&path))
        {
            return Ok(Rendered {
                path: recorded_path.into(),
                entry,
                bytes: None,
                recorded: Recorded::Same,
            });
        }
    }
    let artifact = renderer.render(job)?;
    let entry = super::FileEntry {
        hash: crate::hash::content_hash(&artifact.bytes),
        fingerprint: artifact.fingerprint,
        size: artifact.bytes.len() as u64,
    };
    let old = previous.get(&artifact.path);
    let same = old.map(|e| e.hash) == Some(entry.hash) && on_disk.has_recorded(&artifact.path);
    Ok(Rendered {
        recorded: Recorded::of(old, &entry),
        path: artifact.path.into(),
        entry,
        bytes: (!same).then_some(artifact.bytes),
    })
}

/// The new manifest is the old one with this build's differences: at
/// archive scale almost every entry is unchanged, and rebuilding the map
/// from scratch was a good part of a rebuild's time.
fn record_changes(
    output: &Path,
    mut manifest: super::Manifest,
    changes: ChangeSet,
    warnings: &mut Vec<write::Warning>,
) {
    for path in &changes.forgotten {
        manifest.forget(path);
    }
    let touched: Vec<String> = (changes.changed.into_iter().map(|a| a.path))
        .chain(changes.removed)
        .collect();
    for (path, entry) in changes.updated {
        manifest.record(path, entry);
    }
    manifest.stamp_dirs(output, Some(&touched));
    save_manifest(output, &mut manifest, warnings);
    progress::mark("manifest save");
    std::thread::spawn(move || drop(manifest));
}

/// Why the output cannot be updated in place, if it cannot: a symlink in
/// blotter's part of it (never written through), a link or file on the way
/// to a file this build writes or removes, or a file to be written under
/// a top-level name the last build did not write (it may hold the user's
/// files, which only a staged build replaces whole). Stats only the
/// folders above the few files changed.
fn not_updatable(
    output: &Path,
    previous: &super::Manifest,
    on_disk: &super::OnDisk,
    changes: &ChangeSet,
) -> Option<String> {
    let (changed, removed) = (&changes.changed, &changes.removed);
    if let Some(link) = on_disk.links.iter().min() {
        return Some(format!("{link} in the output is a symlink or not a folder"));
    }
    let new_name = changed.iter().map(|a| a.path.as_str()).find(|path| {
        let top = path.split('/').next().unwrap_or(path);
        !previous.owns_top_level(top)
    });
    if let Some(path) = new_name {
        return Some(format!(
            "{path} is under a top-level name new to the output"
        ));
    }
    let written = changed.iter().map(|a| a.path.as_str());
    let removed = removed.iter().map(String::as_str);
    write::not_a_folder_on_the_way(output, written, removed)
        .map(|path| format!("{} is a symlink or not a folder", path.display()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_backdated_release_in_a_large_archive_is_updated_in_place() {
        // 100,000 releases make about 300,000 files; a backdated release
        // renumbers the search index's documents after it, about 15,000.
        assert!(super::stage_limit(300_000) > 15_000);
        // A template every page extends changes them all: staged.
        assert!(super::stage_limit(300_000) < 300_000);
        assert_eq!(super::stage_limit(10), 200);
    }

    fn copy_tree(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            match entry.file_type().unwrap().is_dir() {
                true => copy_tree(&entry.path(), &target),
                false => drop(std::fs::copy(entry.path(), target).unwrap()),
            }
        }
    }

    /// A copied output (as a CI cache restores it) has new folder times:
    /// the first build into it lists every folder, finds the files as
    /// recorded, and trusts the folders again from then on.
    #[test]
    fn an_output_copied_elsewhere_is_listed_once_then_trusted_again() {
        let dir = tempfile::tempdir().unwrap();
        let build = |output: &Path| {
            let options = crate::BuildOptions {
                content: Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
                theme: None,
                output: output.to_path_buf(),
                base_url: Some("https://example.org/archive/".into()),
                skip_invalid: false,
            };
            crate::build(&options).unwrap().summary.unwrap().rewritten
        };
        let (built, copy) = (dir.path().join("site"), dir.path().join("copy"));
        build(&built);
        copy_tree(&built, &copy);
        let cache = |output: &Path| crate::incremental::folder(output).unwrap();
        copy_tree(&cache(&built), &cache(&copy));
        let listed = |output: &Path| {
            let manifest = crate::incremental::Manifest::load_any(output).unwrap();
            let on_disk = manifest.files_on_disk(output, crate::write::MARKER);
            on_disk.unwrap().listed_dirs.len()
        };
        // Settled, so the stamps read by the next build can be trusted.
        std::thread::sleep(std::time::Duration::from_millis(150));
        assert!(listed(&copy) > 3, "every folder's stamp moved");
        assert_eq!(build(&copy), 0, "the copy's files are as recorded");
        assert_eq!(listed(&copy), 0, "and its folders are trusted again");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_output_check_runs_at_the_lowest_priority_and_only_its_own_threads_do() {
        use rustix::process::{getpriority_process, Pid};
        let here = getpriority_process(None::<Pid>).unwrap();
        let checked = std::thread::spawn(|| {
            super::lower_priority();
            getpriority_process(Some(rustix::thread::gettid())).unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(checked, 19);
        // The build's own threads keep theirs.
        assert_eq!(
            getpriority_process(Some(rustix::thread::gettid())).unwrap(),
            here
        );
    }
}
