//! The search page and the search index's files as jobs of the site's
//! plan. The index is built on top of the pipeline and handed in as
//! files ([`SearchFiles`]), so render knows their paths, hashes and
//! bytes, not their format.

use serde::Serialize;

use super::views::{Count, Crumb, SiteView};
use super::{Artifact, Job, Mode, Produced, Renderer, Route};

#[derive(Serialize, Hash)]
struct SearchView<'a> {
    site: SiteView<'a>,
    crumbs: Vec<Crumb<'a>>,
    areas: Vec<AreaOption>,
    years: Vec<Count>,
}

#[derive(Serialize, Hash)]
struct AreaOption {
    slug: String,
    name: String,
}

/// The search index's files as the site's plan takes them: each file's
/// path and the hash of its bytes at hand, its bytes made only when the
/// file is written. The hash stands as the file's input fingerprint, so a
/// rebuild writes, and makes the bytes of, only the files that changed.
pub trait SearchFiles: Sync {
    fn count(&self) -> usize;
    /// File `i`'s path under the site root.
    fn path(&self, i: usize) -> &str;
    fn hash(&self, i: usize) -> u64;
    fn bytes(&self, i: usize) -> anyhow::Result<Vec<u8>>;
}

impl<'a> Renderer<'a> {
    /// Adds the search page and the search index's files to the site.
    pub fn with_search(mut self, files: &'a dyn SearchFiles) -> Self {
        self.search = Some(files);
        self
    }

    pub(super) fn search_jobs(&self) -> Vec<Job> {
        match self.search {
            Some(files) => std::iter::once(Job::SearchPage)
                .chain((0..files.count()).map(Job::SearchFile))
                .collect(),
            None => Vec::new(),
        }
    }

    pub(super) fn search_job(&self, job: Job, mode: Mode) -> anyhow::Result<Produced> {
        match (job, self.search) {
            (Job::SearchFile(i), Some(files)) => {
                let (path, fingerprint) = (files.path(i).to_string(), files.hash(i));
                Ok(match mode {
                    Mode::Fingerprint => Produced::Fingerprint { path, fingerprint },
                    Mode::Render => Produced::Page(Artifact {
                        path,
                        bytes: files.bytes(i)?,
                        fingerprint: Some(fingerprint),
                    }),
                })
            }
            _ => {
                let view = SearchView {
                    site: self.site(Route::Search, "Search"),
                    crumbs: vec![Crumb::to("Home", Route::Home), Crumb::here("Search")],
                    areas: (self.archive.areas.iter())
                        .map(|a| AreaOption {
                            slug: a.slug.to_string(),
                            name: a.name.clone(),
                        })
                        .collect(),
                    years: self.year_counts(),
                };
                self.page("search.html", Route::Search, &view, mode)
            }
        }
    }
}
