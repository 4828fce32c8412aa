//! Sharing metadata for a page's head: the canonical link, Open Graph and
//! Twitter card tags, and schema.org JSON-LD. The JSON is made with
//! serde_json, never by a template (Tera does not escape for JSON), and
//! escaped so that it can sit inside a `<script>` element.

use serde::Serialize;
use serde_json::{json, Value};

use super::views::{Crumb, ReleaseItem};
use super::{Location, Route};
use crate::model::{Area, Release};

/// What the head shows about a page.
#[derive(Serialize, Hash, Default, Clone)]
pub struct Meta {
    /// `og:title`: the page's own title, without the site's name.
    pub title: String,
    /// `og:description` and the `description` meta tag.
    pub description: String,
    /// Absolute URL of the page: the canonical link and `og:url`. Only
    /// with a base URL (a relative canonical link would mislead).
    pub url: Option<String>,
    /// `og:type`: `article` for a release, `website` elsewhere.
    pub kind: &'static str,
    pub article: Option<Article>,
    /// JSON-LD documents, each already escaped for a `<script>` element.
    pub json_ld: Vec<String>,
}

/// The `article:*` Open Graph properties of a release.
#[derive(Serialize, Hash, Clone)]
pub struct Article {
    pub published: String,
    /// The latest correction's date, if the release has corrections.
    pub modified: Option<String>,
    /// The force.
    pub section: String,
    pub tags: Vec<String>,
}

impl Meta {
    /// A page other than a release.
    pub fn page(title: &str, description: &str, route: Route, location: &Location) -> Meta {
        Meta {
            title: title.to_string(),
            description: description.to_string(),
            url: location.base_url.as_ref().map(|_| location.url(route)),
            kind: "website",
            article: None,
            json_ld: Vec::new(),
        }
    }
}

/// A release page's metadata, made when the page is rendered. Hashed as
/// what it is made from: the release by its digest (which stands for every
/// field of a release, see `Release::digest_now`), its area (whose name
/// and slug its breadcrumbs show) and its tags' names.
pub struct ReleaseMeta<'a> {
    pub item: &'a ReleaseItem<'a>,
    pub release: &'a Release,
    pub area: &'a Area,
    pub tags: Vec<&'a str>,
    pub location: &'a Location,
}

impl std::hash::Hash for ReleaseMeta<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let area = (&self.area.name, &self.area.slug);
        (self.release.digest, area, &self.tags).hash(state);
    }
}

impl ReleaseMeta<'_> {
    pub fn make(&self) -> Meta {
        let text = self.item.text();
        let facts = ReleaseFacts {
            release: self.release,
            description: self.release.description.as_deref().unwrap_or(text.teaser),
            published: &text.datetime,
            area: &self.area.name,
            tags: self.tags.clone(),
        };
        let crumbs = super::release_page::crumbs(self.release, self.area);
        release(&facts, &crumbs, self.location)
    }
}

/// What a release page's metadata is made from.
pub struct ReleaseFacts<'a> {
    pub release: &'a Release,
    pub description: &'a str,
    /// `datetime` of the release: RFC 3339, or a bare date.
    pub published: &'a str,
    pub area: &'a str,
    pub tags: Vec<&'a str>,
}

/// A release page's metadata, with its `NewsArticle` and
/// `BreadcrumbList` JSON-LD.
pub fn release(facts: &ReleaseFacts, crumbs: &[Crumb], location: &Location) -> Meta {
    let release = facts.release;
    let route = Route::Release(release.id.as_str());
    let mut meta = Meta::page(&release.title, facts.description, route, location);
    let modified = (release.latest_correction()).map(|d| d.format("%Y-%m-%d").to_string());
    let mut article = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": release.title,
        "datePublished": facts.published,
        "dateModified": modified.as_deref().unwrap_or(facts.published),
        "sourceOrganization": {"@type": "Organization", "name": facts.area},
    });
    if !facts.tags.is_empty() {
        article["keywords"] = json!(facts.tags);
    }
    if let Some(source) = &release.source_url {
        article["isBasedOn"] = json!(source);
    }
    if let Some(url) = &meta.url {
        article["mainEntityOfPage"] = json!(url);
    }
    meta.kind = "article";
    meta.article = Some(Article {
        published: facts.published.to_string(),
        modified,
        section: facts.area.to_string(),
        tags: facts.tags.iter().map(|t| t.to_string()).collect(),
    });
    meta.json_ld = vec![script_json(&article), breadcrumbs(crumbs, location)];
    meta
}

/// A `BreadcrumbList`: each crumb's public URL, but for the last, the
/// current page, which schema.org lets go without one.
fn breadcrumbs(crumbs: &[Crumb], location: &Location) -> String {
    let items: Vec<Value> = crumbs
        .iter()
        .enumerate()
        .map(|(i, crumb)| {
            let mut item = json!({"@type": "ListItem", "position": i + 1, "name": crumb.name});
            if let Some(route) = crumb.url {
                item["item"] = json!(location.url(route));
            }
            item
        })
        .collect();
    script_json(&json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    }))
}

/// JSON for a `<script type="application/ld+json">` element. `<`, `>`
/// and `&` are written as `\u` escapes (valid JSON, the same value), so no
/// text can close the element or open a comment in it.
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// A Wayback Machine address for `url` as it was at `moment` (UTC):
/// the archive redirects to its nearest capture.
pub fn wayback(url: &str, moment: chrono::DateTime<chrono::FixedOffset>) -> String {
    let utc = moment.with_timezone(&chrono::Utc);
    format!(
        "https://web.archive.org/web/{}/{url}",
        utc.format("%Y%m%d%H%M%S")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_element() {
        let value = json!({"headline": "</script><script>alert(1)</script> & <!--"});
        let text = script_json(&value);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn wayback_links_use_the_utc_moment() {
        let moment = chrono::DateTime::parse_from_rfc3339("2020-07-02T13:36:00+01:00").unwrap();
        assert_eq!(
            wayback("https://kent.police.uk/a/", moment),
            "https://web.archive.org/web/20200702123600/https://kent.police.uk/a/"
        );
    }
}
