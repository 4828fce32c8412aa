//! JSON Feed 1.1, built with serde_json: a template would not escape JSON
//! (Tera's autoescape is for HTML, getzola/zola#311).

use anyhow::Result;
use serde::Serialize;

use super::Location;
use crate::config::SiteConfig;
use crate::model::Release;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    description: &'a str,
    language: &'a str,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    content_html: String,
    summary: String,
    date_published: String,
    tags: Vec<String>,
}

/// One release as a feed item: its HTML (release text with corrections
/// before and commentary after) and its tags (area first) are prepared by
/// the renderer, which knows the archive.
pub struct Entry<'a> {
    pub release: &'a Release,
    pub content_html: String,
    pub tags: Vec<String>,
}

pub fn json_feed<'a>(
    config: &'a SiteConfig,
    location: &Location,
    path: &str,
    title: &'a str,
    home: &str,
    entries: Vec<Entry<'a>>,
) -> Result<Vec<u8>> {
    let items = entries
        .into_iter()
        .map(
            |Entry {
                 release: r,
                 content_html,
                 tags,
             }| {
                let url = location.url(&format!("releases/{}/", r.id));
                Item {
                    id: url.clone(),
                    url,
                    external_url: r.source_url.as_deref(),
                    title: &r.title,
                    content_html,
                    summary: r.teaser().to_string(),

                    date_published: r
                        .published
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    tags,
                }
            },
        )
        .collect();
    let feed = Feed {
        version: VERSION,
        title,
        home_page_url: location.url(home),
        feed_url: location.url(path),
        description: &config.description,
        language: &config.language,
        items,
    };
    let mut bytes = serde_json::to_vec_pretty(&feed)?;
    bytes.push(b'\n');
    Ok(bytes)
}
