//! Indexing: areas numbered, releases sorted, and the days, tags and
//! related releases laid out for rendering.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use chrono::{DateTime, NaiveDate};
use rayon::prelude::*;

use super::areas::AreaTable;
use super::{Archive, Area, AreaChoice, Release, Slug, Tag, UNKNOWN_AREA};
use crate::config::SiteConfig;

/// The releases that share an area slug, while areas are being numbered.
#[derive(Default)]
struct AreaGroup {
    /// The table's name (or "Unknown area"), which wins over free text.
    fixed_name: Option<String>,
    /// Free-text spellings and how often each was used.
    spellings: BTreeMap<String, usize>,
    unknown: bool,
}

/// Numbers the areas and sorts everything that reaches output, with the id
/// as tie-breaker so equal timestamps order the same on every run.
pub(super) fn index(
    config: SiteConfig,
    resolved: Vec<(Release, Option<AreaChoice>)>,
    table: &AreaTable,
) -> Archive {
    let resolved = sort_newest_first(resolved);
    crate::progress::mark("model: sorted");
    let choices = Choices::of(&resolved);
    let mut areas = number_areas(&choices, table);
    let numbers = choices.area_of_each(&resolved, &areas, table);
    let mut days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    // Collected in place, into the memory the releases are already in.
    let mut releases: Vec<Release> = (resolved.into_iter().zip(numbers).enumerate())
        .map(|(i, ((mut release, _), area))| {
            release.area = area;
            areas[area].releases.push(i);
            days.entry(release.published.date_naive())
                .or_default()
                .push(i);
            release
        })
        .collect();
    let tags = index_tags(&mut releases);
    link_related(&mut releases);
    Archive {
        config,
        releases,
        areas,
        days,
        tags,
    }
}

/// Sorted by instant (newest first), then id: the order of everything
/// that lists releases. Sorted by index, then each release moved once, in
/// place: releases are large to move about. Ids are unique by now, so the
/// order is total and an unstable sort is deterministic; the instant is
/// taken out once, not per comparison.
fn sort_newest_first(
    mut resolved: Vec<(Release, Option<AreaChoice>)>,
) -> Vec<(Release, Option<AreaChoice>)> {
    let mut order: Vec<(std::cmp::Reverse<DateTime<chrono::Utc>>, &str, usize)> = (resolved.iter())
        .enumerate()
        .map(|(i, (r, _))| (std::cmp::Reverse(r.published.to_utc()), r.id.as_str(), i))
        .collect();
    order.par_sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
    permute(&mut resolved, order);
    resolved
}

/// The distinct area choices of an archive: a large one names a few dozen
/// areas, so areas are made from these, not from every release.
struct Choices<'r> {
    /// Rows of the area table.
    known: BTreeSet<usize>,
    /// Free-text areas and how often each is used.
    named: BTreeMap<&'r str, usize>,
    any_unknown: bool,
}

impl<'r> Choices<'r> {
    fn of(resolved: &'r [(Release, Option<AreaChoice>)]) -> Choices<'r> {
        let mut choices = Choices {
            known: BTreeSet::new(),
            named: BTreeMap::new(),
            any_unknown: false,
        };
        for (_, choice) in resolved {
            match choice {
                Some(AreaChoice::Known(i)) => {
                    choices.known.insert(*i);
                }
                Some(AreaChoice::Named(text)) => {
                    *choices.named.entry(text.as_str()).or_default() += 1
                }
                None => choices.any_unknown = true,
            }
        }
        choices
    }

    /// Each release's index into `areas`.
    fn area_of_each(
        &self,
        resolved: &[(Release, Option<AreaChoice>)],
        areas: &[Area],
        table: &AreaTable,
    ) -> Vec<usize> {
        let position: HashMap<&Slug, usize> = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (&a.slug, i))
            .collect();
        let known_at: HashMap<usize, usize> = (self.known.iter())
            .map(|&i| (i, position[&table.areas[i].slug]))
            .collect();
        let named_at: HashMap<&str, usize> = (self.named.keys())
            .map(|&text| (text, position[&Slug::from_text(text)]))
            .collect();
        let unknown_at = self
            .any_unknown
            .then(|| position[&Slug::from_text(UNKNOWN_AREA)]);
        (resolved.iter())
            .map(|(_, choice)| match choice {
                Some(AreaChoice::Known(i)) => known_at[i],
                Some(AreaChoice::Named(text)) => named_at[text.as_str()],
                None => unknown_at.unwrap_or_default(),
            })
            .collect()
    }
}

/// The archive's areas, sorted by name with the unknown area last. Grouped
/// by slug: `Kent` and `kent` are one area; a free-text area takes its most
/// used spelling (ties: the smallest) as display name.
fn number_areas(choices: &Choices, table: &AreaTable) -> Vec<Area> {
    let mut groups: BTreeMap<Slug, AreaGroup> = BTreeMap::new();
    for &i in &choices.known {
        let row = &table.areas[i];
        groups.entry(row.slug.clone()).or_default().fixed_name = Some(row.name.clone());
    }
    for (&text, &count) in &choices.named {
        let group = groups.entry(Slug::from_text(text)).or_default();
        *group.spellings.entry(text.to_string()).or_default() += count;
    }
    if choices.any_unknown {
        let group = groups.entry(Slug::from_text(UNKNOWN_AREA)).or_default();
        group.fixed_name = Some(UNKNOWN_AREA.to_string());
        group.unknown = true;
    }
    let mut areas: Vec<(bool, Area)> = (groups.into_iter())
        .map(|(slug, group)| (group.unknown, group.into_area(slug)))
        .collect();
    areas.sort_by(|(ua, a), (ub, b)| {
        ua.cmp(ub)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    areas.into_iter().map(|(_, a)| a).collect()
}

impl AreaGroup {
    fn into_area(self, slug: Slug) -> Area {
        let name = self.fixed_name.unwrap_or_else(|| {
            let best = (self.spellings.iter()).max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            best.map(|(s, _)| s.clone())
                .unwrap_or_else(|| slug.to_string())
        });
        Area {
            name,
            slug,
            releases: Vec::new(),
        }
    }
}

/// Reorders `items` so that position `k` holds what was at `order[k]`,
/// moving each item once by swaps along the permutation's cycles.
pub(super) fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut current = start;
        while order[current] != DONE {
            let next = std::mem::replace(&mut order[current], DONE);
            if next == start {
                break;
            }
            items.swap(current, next);
            current = next;
        }
    }
}

/// Groups tags by slug (`EncroChat` and `encrochat` are one tag, shown by
/// its most used spelling) and gives each release its tag indices.
pub(super) fn index_tags(releases: &mut [Release]) -> Vec<Tag> {
    // Counted by spelling first, then each spelling slugged once: an
    // archive uses a few hundred spellings tens of thousands of times.
    let mut spellings: Vec<(String, Vec<usize>)> = Vec::new();
    // Each tag of each release, in order, as an index into `spellings`.
    let mut used: Vec<usize> = Vec::new();
    {
        let mut known: HashMap<&str, usize> = HashMap::default();
        for (i, release) in releases.iter().enumerate() {
            for tag in release.annotation.iter().flat_map(|a| &a.tags) {
                let at = *known.entry(tag.value.as_str()).or_insert_with(|| {
                    spellings.push((tag.value.clone(), Vec::new()));
                    spellings.len() - 1
                });
                spellings[at].1.push(i);
                used.push(at);
            }
        }
    }
    let mut groups: BTreeMap<Slug, (BTreeMap<&str, usize>, Vec<usize>)> = BTreeMap::new();
    for (at, (text, members)) in spellings.iter().enumerate() {
        let group = groups.entry(Slug::from_text(text)).or_default();
        group.0.insert(text, members.len());
        group.1.push(at);
    }
    let mut tags: Vec<(Tag, Vec<usize>)> = groups
        .into_iter()
        .map(|(slug, (counts, members))| {
            let name = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| s.to_string());
            // In release order, a release once per tag it lists.
            let mut releases: Vec<usize> = (members.iter())
                .flat_map(|&at| spellings[at].1.iter().copied())
                .collect();
            releases.sort();
            let tag = Tag {
                name: name.unwrap_or_else(|| slug.to_string()),
                slug,
                releases,
            };
            (tag, members)
        })
        .collect();
    tags.sort_by(|(a, _), (b, _)| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.slug.cmp(&b.slug))
    });
    let mut position = vec![0; spellings.len()];
    for (i, (_, members)) in tags.iter().enumerate() {
        for &at in members {
            position[at] = i;
        }
    }
    let mut used = used.into_iter();
    for release in releases.iter_mut().filter(|r| r.annotation.is_some()) {
        let count = release.annotation.as_ref().map_or(0, |a| a.tags.len());
        release.tags = used.by_ref().take(count).map(|at| position[at]).collect();
    }
    tags.into_iter().map(|(tag, _)| tag).collect()
}

/// `related` works both ways: a link from A to B shows on both pages.
pub(super) fn link_related(releases: &mut [Release]) {
    if !releases
        .iter()
        .any(|r| r.annotation.as_ref().is_some_and(|a| !a.related.is_empty()))
    {
        return;
    }
    let by_id: HashMap<&str, usize> = releases
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut related: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); releases.len()];
    for (i, release) in releases.iter().enumerate() {
        for id in release.annotation.iter().flat_map(|a| &a.related) {
            if let Some(&j) = by_id.get(id.value.as_str()) {
                related[i].insert(j);
                related[j].insert(i);
            }
        }
    }
    drop(by_id);
    // Indices are newest first already, so sorted sets list newest first.
    for (release, set) in releases.iter_mut().zip(related) {
        release.related = set.into_iter().collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        permute(&mut items, vec![3, 0, 5, 1, 4, 2]);
        assert_eq!(items, ['d', 'a', 'f', 'b', 'e', 'c']);
        let mut one = vec![1];
        permute(&mut one, vec![0]);
        assert_eq!(one, [1]);
    }
}
