//! Stage 3, model: raw releases and sidecars become the `Archive`: dates
//! resolved in the site's zone, titles and areas chosen by the brief's
//! precedence rules, entities decoded, ids checked for uniqueness, and
//! sidecars paired with their releases. Pure: no I/O.

pub mod annotate;
pub mod areas;
mod checks;
pub mod dates;
mod index;
mod release;
mod resolve;
pub mod slug;

use std::path::Path;

use crate::config::SiteConfig;
use crate::diagnostics::Diagnostics;

pub use slug::{ReleaseId, Slug};

use checks::{check_cross_references, duplicate_ids};
use index::index;
pub use release::*;
pub use resolve::*;

/// Name and slug of the area for releases nothing places.
pub const UNKNOWN_AREA: &str = "Unknown area";

/// Builds the archive from every unit's outcome, with the checks that span
/// releases. The units may come in any order: what the archive keeps is
/// sorted by date and id, and messages are sorted when reported. Releases
/// with errors are left out (and reported), so `check` sees every problem
/// and `--skip-invalid` builds the rest.
pub fn assemble(
    config: SiteConfig,
    resolver: &Resolver,
    mut units: Vec<UnitOutcome>,
    diags: &mut Diagnostics,
) -> Archive {
    // The stems move out so the sets below can borrow them while the
    // units are consumed.
    let stems: Vec<Option<String>> = units.iter_mut().map(|u| u.stem.take()).collect();
    let present: Vec<(&str, &Path)> = stems
        .iter()
        .zip(&units)
        .filter_map(|(stem, u)| Some((stem.as_deref()?, u.path.as_path())))
        .collect();
    let (present, duplicates) = duplicate_ids(&present, diags);
    let mut unpublished = Vec::new();
    // Collected in place (the units' memory is reused): 100,000 releases
    // moved into fresh memory cost more in page faults than in copying.
    let resolved: Vec<(Release, Option<AreaChoice>)> = (units.into_iter().zip(&stems))
        .filter_map(|(unit, stem)| {
            diags.extend(unit.parse_diags);
            if stem.as_deref().is_some_and(|s| duplicates.contains(s)) {
                return None;
            }
            diags.extend(unit.resolve_diags);
            if let (Some(refs), Some(stem)) = (unit.refs, stem) {
                unpublished.push((stem.as_str(), *refs));
            }
            let (mut release, area) = unit.resolved?;
            release.path = unit.path;
            Some((release, area))
        })
        .collect();
    crate::progress::mark("model: ids checked");
    let resolved = check_cross_references(resolved, &unpublished, &present, diags);
    crate::progress::mark("model: links checked");
    index(config, resolved, &resolver.table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Kind, SourceFile};

    fn resolved(text: &str) -> Release {
        let file = SourceFile::in_memory(Kind::Release, "a-release", text);
        let raw = crate::parse::release(&file, &mut Vec::new()).unwrap();
        let parsed = Parsed::new(file.path, file.stem, raw, false);
        let resolver = Resolver::new(&SiteConfig::default());
        resolver.resolve(parsed, None, &mut Vec::new()).unwrap().0
    }

    /// The digest stands in for a release in every page fingerprint, so it
    /// must move with anything the release says, and must not move with
    /// what the archive assigns it (which pages hash on their own).
    #[test]
    fn the_digest_moves_with_the_release_and_not_with_its_place() {
        let release = resolved(" date 2021-03-04 Kent Police\n\nA man was arrested.\n");
        assert_eq!(release.digest, release.digest_now());
        let mut placed = release.clone();
        placed.area = 7;
        placed.tags = vec![1, 2];
        placed.related = vec![3];
        assert_eq!(placed.digest_now(), release.digest);

        let mut retitled = release.clone();
        retitled.title.push('!');
        assert_ne!(retitled.digest_now(), release.digest);
        let edited = resolved(" date 2021-03-04 Kent Police\n\nA man was arrested today.\n");
        assert_ne!(edited.digest, release.digest, "a body edit moves it");
        let redated = resolved(" date 2021-03-05 Kent Police\n\nA man was arrested.\n");
        assert_ne!(redated.digest, release.digest);
    }

    /// Listing pages hash the listing digest: it moves with what a listed
    /// item shows, and not with commentary, which only the release's own
    /// page and feeds show.
    #[test]
    fn the_listing_digest_moves_with_what_a_listing_shows_only() {
        let release = resolved(" date 2021-03-04 Kent Police\n\nA man was arrested.\n");
        assert_eq!(release.listing_digest, release.listing_digest_now());
        let annotated = |commentary: &str| {
            let mut r = release.clone();
            r.annotation = Some(Box::new(Annotation {
                commentary: commentary.into(),
                ..Annotation::default()
            }));
            (r.digest_now(), r.listing_digest_now())
        };
        let (first, first_listed) = annotated("First remark.");
        let (second, second_listed) = annotated("Second remark.");
        assert_ne!(first, second, "the release's page changes");
        assert_eq!(first_listed, second_listed, "its listings do not");
        assert_ne!(
            first_listed, release.listing_digest,
            "listings mark a release with commentary"
        );
        assert_eq!(
            annotated("  ").1,
            release.listing_digest,
            "not an empty one"
        );

        let mut retitled = release.clone();
        retitled.title.push('!');
        assert_ne!(retitled.listing_digest_now(), release.listing_digest);
        let mut described = release.clone();
        described.description = Some("A new teaser.".into());
        assert_ne!(described.listing_digest_now(), release.listing_digest);
        let redated = resolved(" date 2021-03-05 Kent Police\n\nA man was arrested.\n");
        assert_ne!(redated.listing_digest, release.listing_digest);
    }
}
