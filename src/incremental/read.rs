//! Stages 1 to 3 with the parse cache: each release and its sidecar are
//! found, then taken from the cache when their files are unchanged, or
//! read, parsed and resolved; then the model is assembled from all of them.

use std::path::Path;

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{self, Archive, Parsed, ParsedSidecar, SidecarRefs};
use crate::{load, parse, progress};

/// What a build may do with each release it reads (not one taken from
/// the parse cache), given its body while the text is in memory: the
/// search index counts its words there rather than read it again.
pub type OnRead<'a> = &'a (dyn Fn(&model::Release, &str) + Sync);

/// Stages 1 to 3: load, parse, model. With a parse cache folder, releases
/// whose files are unchanged since the last build are taken from it
/// instead of being read, parsed and resolved again. `on_read` is given
/// each release that is read and resolved.
pub fn read_archive(
    content: &Path,
    config: SiteConfig,
    diags: &mut Diagnostics,
    cache_dir: Option<&Path>,
    on_read: Option<OnRead>,
) -> anyhow::Result<Archive> {
    let found = load::discover(content, diags)?;
    progress::mark("load: find");
    let (mut units, orphans) = pair_files(found);
    let key = super::units_key(content, &config);
    let cache = super::units::UnitCache::new(cache_dir, key);
    let resolver = model::Resolver::new(&config);
    let max_bytes = config.max_file_bytes;
    // Each cache shard's units together, in name order: the order a shard
    // stores them in, so each is found without a search. The units stay
    // where they are (in path order) and only their indices are sorted:
    // moving 100,000 units about was a tenth of a rebuild, on one core.
    let order = shard_order(&units);
    progress::mark("load: paired, sorted");
    let now = crate::files::now_nanos();
    // Shard by shard, each on one thread: a unit whose files are unchanged
    // is decoded from the cache, any other is read, parsed and resolved,
    // its text dropped at once (holding every text of a 100,000-release
    // archive would double the build's peak memory). Each shard fills its
    // own stretch of one vector, in shard order: the model orders
    // everything it keeps by itself, so the order units arrive in does not
    // show in the site or the messages (and putting 100,000 units back in
    // content order cost more than decoding them).
    let mut outcomes: Vec<model::UnitOutcome> = Vec::new();
    outcomes.resize_with(units.len(), Default::default);
    let mut stretches = Vec::with_capacity(order.len());
    let mut rest = outcomes.as_mut_slice();
    for members in &order {
        let (stretch, after) = rest.split_at_mut(members.len());
        stretches.push(stretch);
        rest = after;
    }
    (order.par_iter().zip(stretches).enumerate()).for_each(|(index, (members, stretch))| {
        cache.with_shard(index, |shard| {
            for (slot, &unit) in stretch.iter_mut().zip(members) {
                let unit = &units[unit as usize];
                *slot = cached_or_read(unit, shard, &resolver, max_bytes, now, on_read);
            }
        })
    });
    if let Some((path, error)) = cache.unsaved() {
        diags.push(
            Diagnostic::warning(&path, 0, format!("parse cache not saved: {error}")).with_help(
                "the site is built all the same; the next build reads every release not \
                 cached again (make the build cache folder writable)",
            ),
        );
    }
    // The path is the found file's (the cache does not store it), moved
    // rather than copied: the units are done with.
    for (outcome, &unit) in outcomes.iter_mut().zip(order.iter().flatten()) {
        outcome.path = std::mem::take(&mut units[unit as usize].release.path);
    }
    progress::mark("load, parse, resolve");
    for orphan in orphans {
        let mut more = Vec::new();
        diags.push(
            match load::read(&orphan, max_bytes).and_then(|f| parse::sidecar(&f, &mut more)) {
                Err(diagnostic) => diagnostic,
                Ok(_) => Diagnostic::warning(&orphan.path, 0, "sidecar has no release beside it")
                    .with_help("a sidecar `x.md` annotates the release `x.txt` in the same folder"),
            },
        );
        diags.extend(more);
    }
    progress::mark("orphan sidecars");
    // Their paths went to the outcomes; the model can reuse the rest.
    drop(units);
    let archive = model::assemble(config, &resolver, outcomes, diags);
    progress::mark("model");
    Ok(archive)
}

/// A release file and its sidecar, if it has one.
struct UnitFiles {
    release: load::Found,
    /// Boxed: most releases have none, and 100,000 units are held at once.
    sidecar: Option<Box<load::Found>>,
}

/// Pairs each release with its sidecar; sidecars without a release are
/// returned apart, in path order.
fn pair_files(found: Vec<load::Found>) -> (Vec<UnitFiles>, Vec<load::Found>) {
    // Sized once: grown step by step, 100,000 units' worth of vector is
    // copied and faulted in again at every doubling.
    let mut units = Vec::with_capacity(found.len());
    let mut sidecars = Vec::new();
    for file in found {
        match file.kind {
            load::Kind::Release => units.push(UnitFiles {
                release: file,
                sidecar: None,
            }),
            load::Kind::Sidecar => sidecars.push(Some(file)),
        }
    }
    // Which unit each sidecar belongs to, found by name; then moved there.
    let pairs: Vec<(usize, usize)> = {
        let by_name: rustc_hash::FxHashMap<&[u8], usize> = (sidecars.iter())
            .enumerate()
            .filter_map(|(i, s)| Some((s.as_ref()?.name_bytes(), i)))
            .collect();
        (units.iter().enumerate())
            .filter_map(|(u, unit)| Some((u, *by_name.get(unit.release.name_bytes())?)))
            .collect()
    };
    for (u, s) in pairs {
        units[u].sidecar = sidecars[s].take().map(Box::new);
    }
    // Still in path order, as found.
    let orphans = sidecars.into_iter().flatten().collect();
    (units, orphans)
}

/// The units' indices by cache shard, and within a shard in name order
/// (by a counting sort on the shard, then a sort of each shard's few
/// thousand indices, which arrive in path order and so nearly sorted).
fn shard_order(units: &[UnitFiles]) -> Vec<Vec<u32>> {
    let shards: Vec<u8> = (units.iter())
        .map(|u| super::units::shard_of(u.release.name_bytes()) as u8)
        .collect();
    let mut counts = [0usize; super::units::SHARDS];
    for &shard in &shards {
        counts[shard as usize] += 1;
    }
    let mut order: Vec<Vec<u32>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (index, &shard) in shards.iter().enumerate() {
        order[shard as usize].push(index as u32);
    }
    let name = |i: &u32| units[*i as usize].release.name_bytes();
    order
        .par_iter_mut()
        .for_each(|members| members.sort_unstable_by(|a, b| name(a).cmp(name(b))));
    order
}

/// One unit's outcome: from its cache shard when its files are unchanged,
/// otherwise read, parsed and resolved, and put in the shard.
fn cached_or_read(
    unit: &UnitFiles,
    shard: &mut super::units::ShardUse,
    resolver: &model::Resolver,
    max_bytes: u64,
    now: i128,
    on_read: Option<OnRead>,
) -> model::UnitOutcome {
    let stamps = (unit.release.stamp, unit.sidecar.as_ref().map(|s| s.stamp));
    let name = unit.release.name();
    if let Some(outcome) = shard.get(&name, stamps.0, stamps.1) {
        return outcome;
    }
    let outcome = read_unit(unit, resolver, max_bytes, on_read);
    // A file written moments ago may be written again within its
    // timestamp's granularity: it is read again next time instead.
    if !stamps.0.is_recent(now) && !stamps.1.is_some_and(|s| s.is_recent(now)) {
        shard.put(&name, stamps.0, stamps.1, &outcome);
    }
    outcome
}

/// Reads, parses and resolves one release and its sidecar, and gives it
/// to `on_read` if it resolved.
fn read_unit(
    unit: &UnitFiles,
    resolver: &model::Resolver,
    max_bytes: u64,
    on_read: Option<OnRead>,
) -> model::UnitOutcome {
    let mut outcome = model::UnitOutcome::default();
    let diags = &mut outcome.parse_diags;
    // The file's text, held past resolving only for `on_read`.
    let mut text = None;
    let release = load::read(&unit.release, max_bytes).and_then(|file| {
        parse::release(&file, diags).map(|raw| {
            // Only a release with a sidecar keeps its body, for the notes.
            let keep_body = unit.sidecar.is_some();
            let parsed = Parsed::new(file.path, file.stem, raw, keep_body);
            if on_read.is_some() {
                text = Some(file.text);
            }
            parsed
        })
    });
    let sidecar = unit.sidecar.as_ref().map(|found| {
        load::read(found, max_bytes)
            .and_then(|file| parse::sidecar(&file, diags))
            .map(|raw| ParsedSidecar {
                path: found.path.clone(),
                raw,
            })
    });
    let (release, sidecar) = match (release, sidecar.transpose()) {
        (Ok(release), Ok(sidecar)) => (release, sidecar),
        (release, sidecar) => {
            // The file is there, so its id exists for other files' links
            // and `related` lists even though it is held back: they get no
            // error of their own, and a duplicate id is still found.
            outcome.stem = unit
                .release
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            let sidecar_broken = sidecar.is_err();
            if let Ok(Some(sidecar)) = &sidecar {
                outcome.refs = Some(Box::new(SidecarRefs::of(sidecar)));
            }
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
    let diags = &mut outcome.resolve_diags;
    outcome.resolved = resolver.resolve(release, sidecar.as_ref(), diags);
    // A sidecar whose front matter had errors is checked in full, then
    // held back with its release, like one that could not be read.
    if sidecar.as_ref().is_some_and(|s| s.raw.invalid) {
        outcome.resolved = None;
        diags.push(Diagnostic::error(
            &unit.release.path,
            0,
            "not built: its sidecar has errors",
        ));
    }
    if outcome.resolved.is_none() {
        outcome.refs = sidecar.as_ref().map(|s| Box::new(SidecarRefs::of(s)));
    }
    if let (Some(on_read), Some((release, _)), Some(text)) = (on_read, &outcome.resolved, &text) {
        if let Some(body) = text.get(release.body_range.clone()) {
            on_read(release, body);
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_release_gets_its_sidecar_and_lone_sidecars_come_back_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let releases = dir.path().join("releases");
        for name in [
            "a.txt", "a.md", "b.md", "c/d.txt", "c/d.md", "c/e.md", "f.txt",
        ] {
            let path = releases.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        let found = load::discover(dir.path(), &mut Diagnostics::default()).unwrap();
        let (units, orphans) = pair_files(found);
        let paired: Vec<(String, Option<String>)> = units
            .iter()
            .map(|u| {
                let sidecar = u.sidecar.as_ref().map(|s| s.name().into_owned());
                (u.release.name().into_owned(), sidecar)
            })
            .collect();
        let nested = |n: &str| Path::new("c").join(n).to_string_lossy().into_owned();
        let both = |n: String| (n.clone(), Some(n));
        let expected = [both("a".into()), both(nested("d")), ("f".into(), None)];
        assert_eq!(paired, expected);
        let lone: Vec<String> = orphans.iter().map(|o| o.name().into_owned()).collect();
        assert_eq!(lone, ["b".to_string(), nested("e")]);
    }
}
