//! Release dates. Police forces in the UK write dates day-first
//! (`02/07/2020` is 2 July), and their times are local wall-clock times,
//! so the offset comes from the site's zone at that moment (+01:00 in
//! British Summer Time, +00:00 in winter), never from the build machine.
//!
//! A time written with its own offset (`10:00Z`, `10:00+01:00`, `10:00-0500`)
//! is an instant: it is kept, and shown in the site's zone (`10:00Z` on
//! 1 July is `11:00+01:00` in London), so every page of a site shows one
//! clock.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveTime, TimeZone, Timelike,
};
use chrono_tz::Tz;

/// A date as the release gives it: the time is optional, and a date
/// without one is shown without one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "StoredDate", try_from = "StoredDate")]
pub struct ReleaseDate {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    /// The offset written with the time, in seconds east of UTC, if any.
    /// Not stored: resolving a
    /// release replaces the date with the site's local one (see
    /// [`ReleaseDate::in_zone`]), which has none.
    pub offset: Option<i32>,
}

/// A release date as the parse cache stores it: days since the common era
/// and seconds since midnight, which read back far faster than chrono's
/// text forms.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredDate(i32, Option<u32>);

impl From<ReleaseDate> for StoredDate {
    fn from(d: ReleaseDate) -> StoredDate {
        StoredDate(
            d.date.num_days_from_ce(),
            d.time.map(|t| t.num_seconds_from_midnight()),
        )
    }
}

impl TryFrom<StoredDate> for ReleaseDate {
    type Error = &'static str;
    fn try_from(StoredDate(days, secs): StoredDate) -> Result<ReleaseDate, Self::Error> {
        let date = NaiveDate::from_num_days_from_ce_opt(days).ok_or("date out of range")?;
        let time = match secs {
            Some(s) => Some(NaiveTime::from_num_seconds_from_midnight_opt(s, 0).ok_or("bad time")?),
            None => None,
        };
        Ok(ReleaseDate {
            date,
            time,
            offset: None,
        })
    }
}

/// `DateTime<FixedOffset>` as seconds, nanoseconds and offset, for the
/// parse cache (chrono's own form is RFC 3339 text, slow to read back).
pub mod moment {
    use chrono::{DateTime, FixedOffset};
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        (
            t.timestamp(),
            t.timestamp_subsec_nanos(),
            t.offset().local_minus_utc(),
        )
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        let (secs, nanos, offset) = <(i64, u32, i32)>::deserialize(d)?;
        let offset = FixedOffset::east_opt(offset).ok_or_else(|| D::Error::custom("bad offset"))?;
        DateTime::from_timestamp(secs, nanos)
            .map(|t| t.with_timezone(&offset))
            .ok_or_else(|| D::Error::custom("moment out of range"))
    }
}

/// Parses the date shapes releases and sidecars use:
/// `HH:MM DD/MM/YYYY`, `DD/MM/YYYY`, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`
/// and `YYYY-MM-DDTHH:MM[:SS]`, each time optionally followed by an
/// offset: `Z`, `+01:00`, `-0500`, `+01`.
pub fn parse(text: &str) -> Result<ReleaseDate, String> {
    let text = text.trim();
    let (first, second) = match text.split_once([' ', 'T']) {
        Some((a, b)) => (a, Some(b.trim())),
        None => (text, None),
    };
    let (date_part, time_part) = match second {
        // `HH:MM DD/MM/YYYY`: time first.
        Some(rest) if first.contains(':') => (rest, Some(first)),
        Some(rest) => (first, Some(rest)),
        None => (first, None),
    };
    let date = parse_day(date_part).ok_or_else(|| not_a_date(text))?;
    let (time, offset) = match time_part {
        Some(t) => {
            let (clock, zone) = split_offset(t);
            let time = parse_time(clock)
                .ok_or_else(|| format!("`{text}` has an impossible time `{t}`"))?;
            let offset = match zone {
                Some(zone) => Some(parse_offset(zone).map(|o| o.local_minus_utc()).ok_or_else(|| {
                    format!("`{text}` has an impossible time zone offset `{zone}` (expected `Z`, `+01:00` or `-0500`)")
                })?),
                None => None,
            };
            (Some(time), offset)
        }
        None => (None, None),
    };
    Ok(ReleaseDate { date, time, offset })
}

/// `10:00+01:00` into `10:00` and `+01:00`; `10:00Z` into `10:00` and `Z`.
/// A space before the offset is allowed.
fn split_offset(time: &str) -> (&str, Option<&str>) {
    match time.find(['Z', 'z', '+', '-']) {
        Some(at) => (time[..at].trim_end(), Some(time[at..].trim())),
        None => (time, None),
    }
}

/// `Z`, `+HH:MM`, `+HHMM` or `+HH` (or `-`), within 18 hours.
fn parse_offset(zone: &str) -> Option<FixedOffset> {
    if zone.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|&c| c != ':').collect();
    let colons = zone[1..].matches(':').count();
    let ok = digits.bytes().all(|b| b.is_ascii_digit())
        && match digits.len() {
            2 => colons == 0,
            4 => colons == 0 || (colons == 1 && zone.as_bytes().get(3) == Some(&b':')),
            _ => false,
        };
    if !ok {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = match &digits[2..] {
        "" => 0,
        m => m.parse().ok()?,
    };
    if hours > 18 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn not_a_date(text: &str) -> String {
    format!("`{text}` is not a real date (expected DD/MM/YYYY or YYYY-MM-DD, day first)")
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    let numbers = |sep: char| -> Option<Vec<u32>> {
        let parts: Vec<&str> = text.split(sep).collect();
        let ok = parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| parts.iter().filter_map(|p| p.parse().ok()).collect())
    };
    if let Some(n) = numbers('/') {
        // British order: day, month, year.
        return (n[2] >= 1000)
            .then(|| NaiveDate::from_ymd_opt(n[2] as i32, n[1], n[0]))
            .flatten();
    }
    let n = numbers('-')?;
    (n[0] >= 1000)
        .then(|| NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2]))
        .flatten()
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
        // chrono reads `23:59:60` as a leap second, which no release means.
        .filter(|t| t.nanosecond() < 1_000_000_000)
}

impl ReleaseDate {
    /// The date as shown in the site's zone, given the moment
    /// [`ReleaseDate::localise`] made of it: a time with its own offset
    /// becomes the site's clock time (and maybe another day); any other
    /// date is kept as written.
    pub fn in_zone(&self, moment: &DateTime<FixedOffset>) -> ReleaseDate {
        match (self.offset, self.time) {
            (Some(_), Some(_)) => ReleaseDate {
                date: moment.date_naive(),
                time: Some(moment.time()),
                offset: None,
            },
            _ => ReleaseDate {
                offset: None,
                ..*self
            },
        }
    }

    /// The moment in `tz`: the time given, or local midnight for a bare date
    /// (feeds need a timestamp). A time that does not exist because the
    /// clocks went forward is read an hour later, as a clock on the wall
    /// would show it; a time that happens twice is read as the first one.
    /// Both come back with a note so the build can warn.
    pub fn localise(&self, tz: Tz) -> (DateTime<FixedOffset>, Option<String>) {
        let naive = self.date.and_time(self.time.unwrap_or(NaiveTime::MIN));
        if let Some(offset) = self.offset.and_then(FixedOffset::east_opt) {
            // An instant: no gap or overlap to read through.
            if let LocalResult::Single(t) = offset.from_local_datetime(&naive) {
                return (t.with_timezone(&tz).fixed_offset(), None);
            }
        }
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => (t.fixed_offset(), None),
            LocalResult::Ambiguous(first, _) => (
                first.fixed_offset(),
                Some(format!(
                    "{naive} happens twice in {tz} (clocks went back); read as the first, {}",
                    first.fixed_offset().to_rfc3339()
                )),
            ),
            LocalResult::None => {
                let t = naive
                    .checked_add_signed(chrono::Duration::hours(1))
                    .and_then(|later| tz.from_local_datetime(&later).earliest())
                    .map(|t| t.fixed_offset());
                let t = t.unwrap_or_else(|| tz.from_utc_datetime(&naive).fixed_offset());
                (
                    t,
                    Some(format!(
                        "{naive} does not exist in {tz} (clocks went forward); read as {}",
                        t.to_rfc3339()
                    )),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn british_dates_are_day_first() {
        let d = parse("11:29 02/07/2020").unwrap();
        assert_eq!(d.date, ymd(2020, 7, 2));
        assert_eq!(d.time, NaiveTime::from_hms_opt(11, 29, 0));
        assert_eq!(parse("02/07/2020").unwrap().date, ymd(2020, 7, 2));
        assert_eq!(
            parse("2020-07-02").unwrap(),
            ReleaseDate {
                date: ymd(2020, 7, 2),
                time: None,
                offset: None,
            }
        );
        assert_eq!(
            parse("2020-07-02T09:05").unwrap().time,
            NaiveTime::from_hms_opt(9, 5, 0)
        );
    }

    #[test]
    fn impossible_dates_are_errors() {
        for bad in [
            "30/02/2021",
            "2021-13-01",
            "07/2020",
            "tomorrow",
            "25:00 02/07/2020",
            "02/07/20",
            "23:59:60 02/07/2020",
            "24:00 02/07/2020",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_time_with_an_offset_keeps_its_instant() {
        let tz: Tz = "Europe/London".parse().unwrap();
        for (text, moment) in [
            ("10:00Z 01/07/2021", "2021-07-01T11:00:00+01:00"),
            ("10:00+01:00 01/07/2021", "2021-07-01T10:00:00+01:00"),
            ("2021-07-01T10:00:00-0500", "2021-07-01T16:00:00+01:00"),
            ("2021-07-01 10:00 +02", "2021-07-01T09:00:00+01:00"),
            ("23:30-05:00 30/06/2021", "2021-07-01T05:30:00+01:00"),
            ("10:00z 05/01/2021", "2021-01-05T10:00:00+00:00"),
        ] {
            let date = parse(text).unwrap();
            let (at, note) = date.localise(tz);
            assert_eq!((at.to_rfc3339().as_str(), note), (moment, None), "{text}");
            let local = date.in_zone(&at);
            assert_eq!(local.date, at.date_naive(), "{text}");
            assert_eq!(local.time, Some(at.time()), "{text}");
        }
        for bad in [
            "10:00+25:00 01/07/2021",
            "10:00+1 01/07/2021",
            "10:00+01:0 01/07/2021",
            "10:00Q 01/07/2021",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn london_offsets_follow_summer_time() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let (summer, _) = parse("13:36 02/07/2020").unwrap().localise(tz);
        assert_eq!(summer.to_rfc3339(), "2020-07-02T13:36:00+01:00");
        let (winter, _) = parse("09:00 02/01/2020").unwrap().localise(tz);
        assert_eq!(winter.to_rfc3339(), "2020-01-02T09:00:00+00:00");
        let (midnight, note) = parse("2020-07-02").unwrap().localise(tz);
        assert_eq!(
            (midnight.to_rfc3339().as_str(), note),
            ("2020-07-02T00:00:00+01:00", None)
        );
    }

    #[test]
    fn gaps_and_overlaps_are_defined_and_noted() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let (gap, note) = parse("01:30 29/03/2020").unwrap().localise(tz);
        assert_eq!(gap.to_rfc3339(), "2020-03-29T02:30:00+01:00");
        assert!(note.unwrap().contains("does not exist"));
        let (twice, note) = parse("01:30 25/10/2020").unwrap().localise(tz);
        assert_eq!(twice.to_rfc3339(), "2020-10-25T01:30:00+01:00");
        assert!(note.unwrap().contains("happens twice"));
    }
}
