//! Identifiers that become output paths. They are built only by these
//! validating constructors, so no text from a release (an area such as
//! `../../etc`, a tag of 5,000 characters) can make blotter write outside
//! its output folder or make two different names share one page by accident.

use std::fmt;

/// Longest slug kept as is; longer ones are cut and given a hash suffix so
/// two long names that share a prefix still get different pages.
const MAX_SLUG: usize = 60;

/// A lowercase ASCII `[a-z0-9-]` path segment, never empty, at most ~70 bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Transliterates (`Môn` -> `mon`), lowercases, spells `&` as `and`, and
    /// joins words with `-`. Text with no letters or digits gets a stable
    /// hashed slug rather than an empty path segment.
    pub fn from_text(text: &str) -> Slug {
        let ascii = deunicode::deunicode(text)
            .to_ascii_lowercase()
            .replace('&', " and ");
        let mut slug = String::with_capacity(ascii.len());
        for c in ascii.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        while slug.ends_with('-') {
            slug.pop();
        }
        if slug.is_empty() {
            return Slug(format!("x-{:08x}", stable_hash(text) as u32));
        }
        if slug.len() > MAX_SLUG || is_reserved(&slug) {
            slug.truncate(MAX_SLUG - 10);
            let cut = slug.trim_end_matches('-').len();
            slug.truncate(cut);
            slug.push_str(&format!("-{:08x}", stable_hash(text) as u32));
        }
        Slug(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Names that are special on some file system a site may be copied to.
fn is_reserved(slug: &str) -> bool {
    matches!(slug, "con" | "prn" | "aux" | "nul")
        || ((slug.starts_with("com") || slug.starts_with("lpt"))
            && slug.len() == 4
            && slug.as_bytes()[3].is_ascii_digit())
}

/// Stable across runs and platforms (std's hasher is randomised), so
/// hashed slugs, and so permalinks, never change between builds.
fn stable_hash(text: &str) -> u64 {
    crate::hash::stable_hash(text.as_bytes())
}

/// A release id: the file stem, used as is in the permalink
/// `releases/<id>/`. Refused rather than rewritten when unsafe, because a
/// silently changed id would break the permalinks researchers cite.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ReleaseId(String);

impl ReleaseId {
    pub fn parse(stem: &str) -> Result<ReleaseId, String> {
        let ok_chars = stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if stem.is_empty() || stem.len() > 120 || !ok_chars || stem.starts_with('.') {
            return Err(format!(
                "`{stem}` cannot be a release id: use 1 to 120 of the characters A-Z a-z 0-9 - _ . (not starting with a dot)"
            ));
        }
        // Windows drops a trailing dot and reserves device names whatever
        // follows them (`con.foo` is `con`), so such a page could not be
        // checked out there, or would be another release's.
        if stem.ends_with('.') {
            return Err(format!(
                "`{stem}` cannot be a release id: it ends with a dot, which Windows drops from file names"
            ));
        }
        let device = stem.split('.').next().unwrap_or(stem);
        if is_reserved(&device.to_ascii_lowercase()) {
            return Err(format!(
                "`{stem}` cannot be a release id: `{device}` is a device name on Windows, where no file can have it"
            ));
        }
        Ok(ReleaseId(stem.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Ids read back from the build cache are checked like new ones.
impl TryFrom<String> for ReleaseId {
    type Error = String;
    fn try_from(stem: String) -> Result<ReleaseId, String> {
        ReleaseId::parse(&stem)
    }
}

impl From<ReleaseId> for String {
    fn from(id: ReleaseId) -> String {
        id.0
    }
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_table() {
        for (text, slug) in [
            ("Kent", "kent"),
            ("kent", "kent"),
            ("Devon & Cornwall", "devon-and-cornwall"),
            ("Devon and Cornwall", "devon-and-cornwall"),
            ("Ynys Môn", "ynys-mon"),
            ("  West   Mercia ", "west-mercia"),
            ("../../etc/passwd", "etc-passwd"),
            ("Dyfed-Powys", "dyfed-powys"),
        ] {
            assert_eq!(Slug::from_text(text).as_str(), slug, "{text}");
        }
    }

    #[test]
    fn empty_reserved_and_long_slugs_are_safe_and_distinct() {
        let empty = Slug::from_text("///");
        assert!(empty.as_str().starts_with("x-"));
        assert_ne!(empty, Slug::from_text("..."));
        assert!(Slug::from_text("CON").as_str().starts_with("con-"));
        let a = Slug::from_text(&format!("{} alpha", "word ".repeat(40)));
        let b = Slug::from_text(&format!("{} beta", "word ".repeat(40)));
        assert_ne!(a, b);
        assert!(a.as_str().len() <= MAX_SLUG);
    }

    #[test]
    fn hashed_slugs_never_change() {
        // Permalinks are cited: a change of hash function must fail here.
        assert_eq!(Slug::from_text("///").as_str(), "x-e7153e64");
    }

    #[test]
    fn release_ids_are_validated_not_rewritten() {
        assert!(ReleaseId::parse("004_c5ae0792fd4e02f5").is_ok());
        for bad in ["", "..", ".hidden", "a b", "a/b", "é", &"x".repeat(121)] {
            assert!(ReleaseId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_windows_cannot_hold_are_refused() {
        for bad in [
            "con", "NUL", "Aux", "prn", "com1", "COM9", "lpt1", "LpT9", "con.foo", "nul.a.b", "x.",
            "a.b.",
        ] {
            assert!(ReleaseId::parse(bad).is_err(), "{bad}");
        }
        for good in ["console", "com10", "lpt", "acon", "x.y", "con_1", "com"] {
            assert!(ReleaseId::parse(good).is_ok(), "{good}");
        }
    }
}
