//! `content/site.toml`: the site's settings. Every key is optional; an
//! unknown key is a configuration error (exit 2) so a typo is never ignored.

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono_tz::Tz;
use serde::Deserialize;

/// Files larger than this are refused unless the site raises the limit:
/// court reports run to megabytes, but a 200 MB "release" is a scraping bug.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteConfig {
    pub title: String,
    pub description: String,
    /// Public root URL, e.g. `https://owner.github.io/archive/`. Makes feed
    /// URLs absolute; Atom feeds, feed archives and sitemaps need it.
    pub base_url: Option<String>,
    /// IANA zone that release times are local to.
    pub timezone: String,
    /// Items in the current document of each feed (site, area, tag);
    /// older ones are in the feeds' archives.
    pub feed_size: usize,
    /// Releases listed on the home page and on an area's page.
    pub latest_count: usize,
    /// Write a search index and the search page (`search/`). Off by
    /// default: counting every release's words makes a clean build much
    /// slower (docs/performance.md).
    pub search: bool,
    pub max_file_bytes: u64,
    pub language: String,
    /// Extra areas, or extra aliases/hosts for built-in ones (matched by name).
    pub areas: Vec<AreaEntry>,
}

/// One row of the areas table (built in, or added by `site.toml`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AreaEntry {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Police press release archive".into(),
            description: "An annotated archive of police press releases.".into(),
            base_url: None,
            timezone: "Europe/London".into(),
            feed_size: 50,
            latest_count: 20,
            search: false,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            language: "en-GB".into(),
            areas: Vec::new(),
        }
    }
}

impl SiteConfig {
    /// Reads `<content>/site.toml`, or the defaults when there is none.
    pub fn load(content_dir: &Path) -> Result<SiteConfig> {
        let path = content_dir.join("site.toml");
        if !path.exists() {
            return Ok(SiteConfig::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read site configuration", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<SiteConfig> {
        let mut config: SiteConfig = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().to_string();
            match line {
                Some(line) => anyhow::anyhow!("line {line}: {message}"),
                None => anyhow::anyhow!("{message}"),
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&mut self) -> Result<()> {
        self.tz()?;
        if let Some(url) = &self.base_url {
            self.base_url =
                Some(normalize_base_url(url).map_err(|e| anyhow::anyhow!("base_url {e}"))?);
        }
        if self.feed_size == 0 {
            bail!("feed_size must be at least 1");
        }
        Ok(())
    }

    pub fn tz(&self) -> Result<Tz> {
        self.timezone
            .parse::<Tz>()
            .map_err(|_| anyhow::anyhow!("unknown timezone `{}`", self.timezone))
    }
}

/// The site's public root URL, checked and normalised: `http` or `https`
/// (any case), a host, no credentials, no query or fragment, its path
/// resolved (`..` and `.` segments), ending in a slash. Feeds, the 404 page
/// and sitemaps print it as it is, so nothing a reader's browser or a feed
/// reader could misread (quotes, angle brackets, spaces) may survive.
pub fn normalize_base_url(text: &str) -> Result<String> {
    let refuse = |why: &str| Err(anyhow::anyhow!("`{text}`: {why}"));
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("spaces and control characters are not allowed");
    }
    if text.contains(['"', '<', '>', '\\', '`']) {
        return refuse("quotes, backslashes and angle brackets are not allowed");
    }
    let url = match url::Url::parse(text) {
        Ok(url) => url,
        Err(e) => return refuse(&format!("not an absolute URL ({e})")),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refuse("it must start with http:// or https://");
    }
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        return refuse("it has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("credentials are not allowed in a public URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse("a query (`?`) or fragment (`#`) is not allowed");
    }
    let mut normal = url.to_string();
    if !normal.ends_with('/') {
        normal.push('/');
    }
    Ok(normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_file() {
        let c = SiteConfig::parse("").unwrap();
        assert_eq!(c.timezone, "Europe/London");
        assert_eq!(c.feed_size, 50);
        assert_eq!(c.max_file_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn unknown_key_is_an_error_with_line() {
        let err = SiteConfig::parse("title = \"x\"\ntitel = \"y\"\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn bad_timezone_and_base_url_are_errors() {
        assert!(SiteConfig::parse("timezone = \"Mars/Olympus\"").is_err());
        assert!(SiteConfig::parse("base_url = \"example.org\"").is_err());
        assert!(SiteConfig::parse("base_url = \"https://example.org/archive/\"").is_ok());
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let accepted = [
            (
                "https://example.org/archive/",
                "https://example.org/archive/",
            ),
            (
                "https://example.org/archive",
                "https://example.org/archive/",
            ),
            ("HTTPS://Example.ORG", "https://example.org/"),
            (
                "http://example.org:8080/a/b",
                "http://example.org:8080/a/b/",
            ),
            (
                "https://example.org/a/../archive/./",
                "https://example.org/archive/",
            ),
            (
                "https://example.org/caf%C3%A9/",
                "https://example.org/caf%C3%A9/",
            ),
        ];
        for (given, normal) in accepted {
            assert_eq!(normalize_base_url(given).unwrap(), normal, "{given}");
        }
        let refused = [
            ("example.org", "not an absolute URL"),
            ("ftp://example.org/", "http:// or https://"),
            ("javascript:alert(1)", "http:// or https://"),
            ("mailto:a@example.org", "http:// or https://"),
            ("https://user:secret@example.org/", "credentials"),
            ("https://user@example.org/", "credentials"),
            ("https://example.org/?page=1", "query"),
            ("https://example.org/#top", "fragment"),
            ("https://example.org/\"x", "quotes"),
            ("https://example.org/<script>", "angle brackets"),
            ("https://example.org/a b", "spaces"),
            ("https://", "not an absolute URL"),
        ];
        for (given, why) in refused {
            let err = normalize_base_url(given).unwrap_err().to_string();
            assert!(err.contains(why), "{given}: {err}");
        }
    }

    #[test]
    fn site_toml_base_url_is_stored_normalised() {
        let c = SiteConfig::parse("base_url = \"HTTPS://Example.org/archive\"").unwrap();
        assert_eq!(c.base_url.as_deref(), Some("https://example.org/archive/"));
        let err = SiteConfig::parse("base_url = \"https://u:p@example.org/\"").unwrap_err();
        assert!(err.to_string().contains("credentials"), "{err}");
    }

    #[test]
    fn areas_table_extends() {
        let c = SiteConfig::parse(
            "[[areas]]\nname = \"Jersey\"\naliases = [\"States of Jersey Police\"]\nhosts = [\"jersey.police.uk\"]\n",
        )
        .unwrap();
        assert_eq!(c.areas[0].name, "Jersey");
    }
}
