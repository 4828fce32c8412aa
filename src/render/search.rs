//! The search page and the index files ([`crate::search`]) as jobs of the
//! site's plan.

use serde::Serialize;

use super::views::{Count, Crumb, SiteView};
use super::{Artifact, Job, Mode, Produced, Renderer, Route};
use crate::search::SearchIndex;

#[derive(Serialize, Hash)]
struct SearchView<'a> {
    site: SiteView<'a>,
    crumbs: Vec<Crumb>,
    areas: Vec<AreaOption>,
    years: Vec<Count>,
}

#[derive(Serialize, Hash)]
struct AreaOption {
    slug: String,
    name: String,
}

impl<'a> Renderer<'a> {
    /// Adds the search page and `index`'s files to the site.
    pub fn with_search(mut self, index: &'a SearchIndex) -> Self {
        self.search = Some(index);
        self
    }

    pub(super) fn search_jobs(&self) -> Vec<Job> {
        match self.search {
            Some(index) => std::iter::once(Job::SearchPage)
                .chain((0..index.files.len()).map(Job::SearchFile))
                .collect(),
            None => Vec::new(),
        }
    }

    pub(super) fn search_job(&self, job: Job, mode: Mode) -> anyhow::Result<Produced> {
        match (job, self.search) {
            (Job::SearchFile(i), Some(index)) => {
                let (path, bytes) = &index.files[i];
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
