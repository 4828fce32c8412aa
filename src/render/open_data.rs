//! The archive's index as open data, for researchers: one CSV file per
//! year (`data/YYYY.csv`, RFC 4180: UTF-8, comma-separated, fields quoted
//! when they need it, CRLF line ends, a header row) and `data/README.txt`
//! on its columns. A year's file holds only that year's releases, so an
//! edit rewrites one file, and a past year's file keeps its address and
//! its rows as the archive grows.

use anyhow::Result;

use super::feed::timestamp;
use super::plan::{Mode, Produced};
use super::{fingerprint, Artifact, Renderer, Route};

/// The header row; README.txt describes each column.
const COLUMNS: [&str; 8] = [
    "id",
    "date",
    "area",
    "title",
    "source_url",
    "page_url",
    "tags",
    "corrections",
];

/// Tags within the `tags` column. Tags are given by slug (letters,
/// digits and `-`), so the separator never occurs inside one.
const TAG_SEPARATOR: &str = ";";

const README: &str = "\
Open data: the archive's index as CSV, one file per year

Each YYYY.csv lists the releases dated in that year (in the archive's
timezone), oldest first (by date, then by id), one row each. The files are
RFC 4180 CSV: UTF-8, comma-separated, a field quoted with \" when it holds
a comma, a quote or a line break (a quote inside one is doubled), CRLF line
ends, and a header row naming the columns:

id           the release's id: its permalink is releases/<id>/ and never changes
date         its date and time, RFC 3339 with the UTC offset of the time
             (2020-07-02T11:29:00+01:00); a release dated without a time
             is given at local midnight
area         the police force (or unit) that issued it, as the site names it
title        its title as the archive shows it (a maintainer may correct it)
source_url   the address it was published at by the force, if known (else empty)
page_url     its page on this site: absolute when the site has a base URL,
             else root-relative (/releases/<id>/)
tags         the archive's tags on it, by slug (as in tags/<slug>/),
             separated by ;
corrections  how many corrections the maintainers have made to it (listed
             on its page and in corrections/)

The files of this site, from its root:
";

impl Renderer<'_> {
    /// One year's CSV file; its fingerprint is its releases' inputs, so
    /// it is written again only when one of them changes.
    pub(super) fn data_year(&self, year: i32, mode: Mode) -> Result<Produced> {
        let path = Route::Data(year).path();
        // The rows are a function of the year's releases, so their inputs
        // in the calendar's order (fixed, and cheaper than the rows' own
        // order) fingerprint the file.
        let inputs: Vec<u64> = (self.year_releases(year))
            .map(|i| self.release_inputs(i))
            .collect();
        let fingerprint = fingerprint(&("data", &path, inputs));
        if mode == Mode::Fingerprint {
            return Ok(Produced::Fingerprint { path, fingerprint });
        }
        let mut csv = csv_writer();
        csv.write_record(COLUMNS)?;
        for i in self.year_rows(year) {
            csv.write_record(self.row(i))?;
        }
        let bytes = csv
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
        Ok(Produced::Page(Artifact {
            path,
            bytes,
            fingerprint: Some(fingerprint),
        }))
    }

    /// The releases of `year`, by date, then by id: a fixed order, the
    /// same every build.
    fn year_rows(&self, year: i32) -> Vec<usize> {
        let releases = &self.archive.releases;
        let mut rows: Vec<usize> = self.year_releases(year).collect();
        rows.sort_by(|&a, &b| {
            let (a, b) = (&releases[a], &releases[b]);
            (a.published, a.id.as_str()).cmp(&(b.published, b.id.as_str()))
        });
        rows
    }

    /// The releases of `year`, in the calendar's order.
    fn year_releases(&self, year: i32) -> impl Iterator<Item = usize> + '_ {
        (self.calendar.get(&year).into_iter())
            .flat_map(|months| months.values().flat_map(|days| days.values().flatten()))
            .copied()
    }

    fn row(&self, i: usize) -> [String; 8] {
        let release = &self.archive.releases[i];
        let tags: Vec<&str> = (release.tags.iter())
            .map(|&t| self.archive.tags[t].slug.as_str())
            .collect();
        let corrections = (release.annotation.iter())
            .map(|a| a.corrections.len())
            .sum::<usize>();
        [
            release.id.as_str().to_string(),
            timestamp(&release.published),
            self.archive.areas[release.area].name.clone(),
            release.title.clone(),
            release.source_url.clone().unwrap_or_default(),
            self.location.url(Route::Release(release.id.as_str())),
            tags.join(TAG_SEPARATOR),
            corrections.to_string(),
        ]
    }

    /// README.txt: the columns, and the year files there are.
    pub(super) fn data_readme(&self) -> Artifact {
        let mut text = README.to_string();
        for year in self.calendar.keys() {
            text.push_str(&Route::Data(*year).url());
            text.push('\n');
        }
        Artifact {
            path: Route::DataReadme.path(),
            bytes: text.into_bytes(),
            fingerprint: None,
        }
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_need_it() {
        let mut csv = csv_writer();
        csv.write_record(["plain", "a, b", "say \"hi\"", "two\nlines", ""])
            .unwrap();
        let bytes = csv.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"
        );
    }
}
