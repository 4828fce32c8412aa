//! The table of known areas (police forces and units): built in from
//! `forces.toml`, extended by `site.toml`'s `[[areas]]`. It turns an
//! `area:` value into a canonical area and infers an area for releases that
//! give none, from a force's formal name in the title or the URL's host.

use std::collections::HashMap;

use crate::config::AreaEntry;
use crate::model::slug::Slug;

const BUILTIN: &str = include_str!("forces.toml");

#[derive(Debug, serde::Deserialize)]
struct TableFile {
    area: Vec<AreaEntry>,
}

/// One known area, with its lookup keys.
#[derive(Debug, Clone)]
pub struct KnownArea {
    pub name: String,
    pub slug: Slug,
    pub aliases: Vec<String>,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AreaTable {
    pub areas: Vec<KnownArea>,
    /// Slug of a name or alias -> index, for `area:` values.
    by_slug: HashMap<Slug, usize>,
    /// Lowercased alias -> index, for titles.
    title_names: Vec<(String, usize)>,
    /// `title_names` as one automaton: a title is scanned once, not once
    /// per name. `None` only if it could not be built, and then the names
    /// are tried one by one.
    title_matcher: Option<aho_corasick::AhoCorasick>,
    by_host: HashMap<String, usize>,
    /// Lowercased name or alias -> index, for hints at near misses.
    spellings: Vec<(String, usize)>,
}

impl AreaTable {
    /// The built-in table with the site's additions: an entry whose name
    /// matches a built-in area adds aliases and hosts to it; others are new.
    pub fn with_extra(extra: &[AreaEntry]) -> AreaTable {
        // The built-in table is part of the binary and covered by tests.
        let builtin: TableFile = toml::from_str(BUILTIN).expect("built-in forces.toml is valid");
        let mut table = AreaTable {
            areas: Vec::new(),
            by_slug: HashMap::new(),
            title_names: Vec::new(),
            title_matcher: None,
            by_host: HashMap::new(),
            spellings: Vec::new(),
        };
        for entry in builtin.area.iter().chain(extra) {
            table.add(entry);
        }
        // Longest names first, so "West Midlands Regional Organised Crime
        // Unit" wins over "West Midlands Police" at the same position.
        table
            .title_names
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.cmp(b)));
        table.title_matcher =
            aho_corasick::AhoCorasick::new(table.title_names.iter().map(|(n, _)| n)).ok();
        table.spellings = (table.areas.iter().enumerate())
            .flat_map(|(i, a)| {
                std::iter::once(&a.name)
                    .chain(&a.aliases)
                    .map(move |n| (n.to_lowercase(), i))
            })
            .collect();
        table
    }

    fn add(&mut self, entry: &AreaEntry) {
        let slug = Slug::from_text(&entry.name);
        let index = match self.by_slug.get(&slug) {
            Some(&i) if self.areas[i].slug == slug => i,
            _ => {
                self.areas.push(KnownArea {
                    name: entry.name.trim().to_string(),
                    slug: slug.clone(),
                    aliases: Vec::new(),
                    hosts: Vec::new(),
                });
                self.by_slug.insert(slug, self.areas.len() - 1);
                self.areas.len() - 1
            }
        };
        for alias in &entry.aliases {
            self.by_slug.entry(Slug::from_text(alias)).or_insert(index);
            self.title_names.push((alias.to_lowercase(), index));
            self.areas[index].aliases.push(alias.clone());
        }
        for host in &entry.hosts {
            let host = host.trim().trim_start_matches("www.").to_ascii_lowercase();
            self.by_host.entry(host.clone()).or_insert(index);
            self.areas[index].hosts.push(host);
        }
    }

    /// The known area an `area:` value names (by its name or an alias),
    /// compared by slug so `kent`, `Kent` and `KENT` agree.
    pub fn lookup(&self, text: &str) -> Option<usize> {
        self.by_slug.get(&Slug::from_text(text)).copied()
    }

    /// The name of the known area whose name or an alias is closest to
    /// `text` (ignoring case), when one is near enough to be what was meant.
    pub fn closest(&self, text: &str) -> Option<&str> {
        let names = self.spellings.iter().map(|(n, _)| n.as_str());
        let near = crate::diagnostics::closest(&text.to_lowercase(), names)?;
        let (_, index) = self.spellings.iter().find(|(n, _)| n == near)?;
        Some(self.areas[*index].name.as_str())
    }

    /// The area whose formal name appears first in `title`, as a whole
    /// word (at one position, the longest name).
    pub fn infer_from_title(&self, title: &str) -> Option<usize> {
        let Some(matcher) = &self.title_matcher else {
            return self.infer_from_title_by_each_name(title);
        };
        let lower = title.to_lowercase();
        // Every occurrence of every name, overlapping ones included; the
        // first whole-word one wins, ties to the earlier (longer) name.
        (matcher.find_overlapping_iter(&lower))
            .filter(|m| is_whole_word(&lower, m.start(), m.end()))
            .min_by_key(|m| (m.start(), m.pattern()))
            .map(|m| self.title_names[m.pattern().as_usize()].1)
    }

    /// [`AreaTable::infer_from_title`], one name at a time.
    fn infer_from_title_by_each_name(&self, title: &str) -> Option<usize> {
        let lower = title.to_lowercase();
        let mut best: Option<(usize, usize)> = None; // (position, area)
        for (name, index) in &self.title_names {
            if let Some(pos) = find_word(&lower, name) {
                if best.is_none_or(|(p, _)| pos < p) {
                    best = Some((pos, *index));
                }
            }
        }
        best.map(|(_, index)| index)
    }

    /// The area whose site hosts `url` (or a subdomain of its host).
    pub fn infer_from_url(&self, url: &str) -> Option<usize> {
        let url = url::Url::parse(url).ok()?;
        let mut host = url.host_str()?.to_ascii_lowercase();
        loop {
            if let Some(&i) = self.by_host.get(host.trim_start_matches("www.")) {
                return Some(i);
            }
            let (_, parent) = host.split_once('.')?;
            if !parent.contains('.') {
                return None;
            }
            host = parent.to_string();
        }
    }
}

/// Whether `haystack[start..end]` stands as whole words.
fn is_whole_word(haystack: &str, start: usize, end: usize) -> bool {
    let before = haystack[..start].chars().next_back();
    let after = haystack[end..].chars().next();
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    boundary(before) && boundary(after)
}

/// Byte position of `needle` in `haystack` where it stands as whole words.
fn find_word(haystack: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = haystack[from..].find(needle) {
        let start = from + found;
        if is_whole_word(haystack, start, start + needle.len()) {
            return Some(start);
        }
        from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(table: &AreaTable, i: Option<usize>) -> Option<&str> {
        i.map(|i| table.areas[i].name.as_str())
    }

    #[test]
    fn builtin_table_loads_and_is_unambiguous() {
        let t = AreaTable::with_extra(&[]);
        assert!(t.areas.len() >= 55);
        let mut slugs: Vec<_> = t.areas.iter().map(|a| &a.slug).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), t.areas.len());
    }

    #[test]
    fn lookup_by_name_alias_and_case() {
        let t = AreaTable::with_extra(&[]);
        assert_eq!(name(&t, t.lookup("kent")), Some("Kent"));
        assert_eq!(
            name(&t, t.lookup("West Mercia Police")),
            Some("West Mercia")
        );
        assert_eq!(
            name(&t, t.lookup("Devon & Cornwall")),
            Some("Devon and Cornwall")
        );
        assert_eq!(t.lookup("Atlantis"), None);
    }

    #[test]
    fn a_near_miss_names_the_force_it_misses() {
        let t = AreaTable::with_extra(&[]);
        assert_eq!(t.closest("Kentt"), Some("Kent"));
        assert_eq!(t.closest("north wales polcie"), Some("North Wales"));
        assert_eq!(t.closest("Atlantis"), None);
    }

    #[test]
    fn title_inference_takes_the_first_force_named() {
        let t = AreaTable::with_extra(&[]);
        let title = "North Wales Police key role in Operation Venetic";
        assert_eq!(name(&t, t.infer_from_title(title)), Some("North Wales"));
        let two = "Kent Police and Essex Police make arrests";
        assert_eq!(name(&t, t.infer_from_title(two)), Some("Kent"));
        assert_eq!(t.infer_from_title("Kent man jailed"), None);
        assert_eq!(t.infer_from_title("Off-Kent Policeman"), None);
    }

    #[test]
    fn title_inference_in_one_pass_agrees_with_trying_each_name() {
        let t = AreaTable::with_extra(&[]);
        let titles = [
            "North Wales Police key role in Operation Venetic",
            "West Midlands Regional Organised Crime Unit and West Midlands Police",
            "Officers from Kent Police, Essex Police and the Met",
            "Kentish Town arrest: Metropolitan Police appeal",
            "ÉÉ Police Scotland and Kent Police",
            "nothing here",
        ];
        for title in titles {
            assert_eq!(
                t.infer_from_title(title),
                t.infer_from_title_by_each_name(title),
                "{title}"
            );
        }
        assert!(t.infer_from_title(titles[1]).is_some());
    }

    #[test]
    fn url_inference_by_host_and_subdomain() {
        let t = AreaTable::with_extra(&[]);
        let url = "https://www.derbyshire.police.uk/news/derbyshire/news/";
        assert_eq!(name(&t, t.infer_from_url(url)), Some("Derbyshire"));
        assert_eq!(
            name(&t, t.infer_from_url("http://news.kent.police.uk/x")),
            Some("Kent")
        );
        assert_eq!(t.infer_from_url("https://police.uk/"), None);
        assert_eq!(t.infer_from_url("not a url"), None);
    }

    #[test]
    fn site_can_extend_the_table() {
        let extra = [
            AreaEntry {
                name: "Jersey".into(),
                aliases: vec!["States of Jersey Police".into()],
                hosts: vec!["jersey.police.uk".into()],
            },
            AreaEntry {
                name: "kent".into(),
                aliases: vec!["Kent County Constabulary".into()],
                hosts: vec![],
            },
        ];
        let t = AreaTable::with_extra(&extra);
        assert_eq!(
            name(&t, t.infer_from_title("States of Jersey Police appeal")),
            Some("Jersey")
        );
        assert_eq!(
            name(&t, t.infer_from_title("Kent County Constabulary appeal")),
            Some("Kent")
        );
    }
}
