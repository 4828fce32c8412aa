//! The search page and the search index's files as jobs of the site's
//! plan. The index is built on top of the pipeline and handed in as
//! finished files, so render knows its paths and bytes, not its format.

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

impl<'a> Renderer<'a> {
    /// Adds the search page and the search index's `files` (path under
    /// the site root, bytes) to the site.
    pub fn with_search(mut self, files: &'a [(String, Vec<u8>)]) -> Self {
        self.search = Some(files);
        self
    }

    pub(super) fn search_jobs(&self) -> Vec<Job> {
        match self.search {
            Some(files) => std::iter::once(Job::SearchPage)
                .chain((0..files.len()).map(Job::SearchFile))
                .collect(),
            None => Vec::new(),
        }
    }

    pub(super) fn search_job(&self, job: Job, mode: Mode) -> anyhow::Result<Produced> {
        match (job, self.search) {
            (Job::SearchFile(i), Some(files)) => {
                let (path, bytes) = &files[i];
                Ok(Produced::Page(Artifact {
                    path: path.clone(),
                    bytes: bytes.clone(),
                    fingerprint: None,
                }))
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
