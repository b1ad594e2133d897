//! Time bounds as people write them, resolved to the UTC instants of Rocket.Chat's `oldest` and
//! `latest` parameters.
//!
//! Accepted: ISO dates (`2026-11-20`), date-times with a zone (`2026-11-20T10:31:00Z`,
//! `…+01:00`) or without one (`2026-11-20T10:31`, `2026-11-20 10:31:05`, read in the caller's
//! zone), relative spans (`30m`, `2h`, `1d`, `7d`, `2w`, optionally followed by `ago`), and the
//! words `now`, `today`, `yesterday`.
//!
//! A date or a day word means the start of that day when it is the earlier bound and the end of it
//! (the next midnight) when it is the later one, so `after=yesterday, before=yesterday` is all of
//! yesterday. Days follow the caller's IANA time zone, DST included (hence `chrono-tz`: chrono
//! alone knows only fixed offsets and the machine's local zone).

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a time bound cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not one of the accepted forms.
    #[error(
        "`{0}` is not a time: use an ISO date or time (`2026-11-20`, `2026-11-20T10:31`, `2026-11-20T10:31:00Z`), \
         a span back from now (`30m`, `2h`, `1d`, `7d`, `2w`), or `now`, `today`, `yesterday`"
    )]
    Unrecognised(String),
    /// A span too long to mean anything.
    #[error("`{0}` reaches back too far: at most {MAX_DAYS} days")]
    TooFar(String),
    /// A date whose year is outside [`YEARS`] (a two-digit year read as 0026, a typo).
    #[error(
        "`{0}` has the year {1}: years from {first} to {last} are accepted (write the year with four digits, e.g. \
         2026-11-20)",
        first = YEARS.start(),
        last = YEARS.end()
    )]
    YearOutOfRange(String, i32),
    /// The earlier bound is after the later one.
    #[error("the time range is empty: `{after}` ({after_utc}) is not before `{before}` ({before_utc})")]
    Empty {
        /// The earlier bound as given.
        after: String,
        /// The later bound as given.
        before: String,
        /// The earlier bound resolved.
        after_utc: String,
        /// The later bound resolved.
        before_utc: String,
    },
    /// An unknown time zone name in the configuration.
    #[error("unknown time zone `{0}`: use an IANA name such as `Europe/Berlin` or `UTC`")]
    UnknownZone(String),
}

/// The longest relative span accepted, in days (100 years).
pub const MAX_DAYS: i64 = 36_500;

/// The years a date or time may have (as for the other servers' dates).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// `s` as quoted in an error: cut after 120 characters, with its length.
fn shown(s: &str) -> String {
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}… ({} characters)", &s[..i], s.chars().count()),
        None => s.to_owned(),
    }
}

/// Which end of a range a bound is, deciding what a whole day means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// The earlier bound (`oldest`): a day means its first instant.
    Start,
    /// The later bound (`latest`): a day means its end (the next day's first instant).
    End,
}

/// A time bound as written, before it is resolved against a clock and a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// An exact instant.
    Instant(DateTime<Utc>),
    /// A wall-clock time in the caller's zone.
    Local(NaiveDateTime),
    /// A whole day in the caller's zone.
    Day(NaiveDate),
    /// `today`, `yesterday`: whole days counted back from today in the caller's zone.
    DaysAgo(u32),
    /// A span back from now (`now` is a zero span).
    Ago(Duration),
}

impl TimeBound {
    /// Read one of the accepted forms (see the module doc).
    pub fn parse(input: &str) -> Result<Self, TimeError> {
        let bound = Self::parse_any_year(input)?;
        let year = match bound {
            Self::Instant(t) => Some(t.year()),
            Self::Local(t) => Some(t.year()),
            Self::Day(d) => Some(d.year()),
            Self::DaysAgo(_) | Self::Ago(_) => None,
        };
        match year {
            Some(y) if !YEARS.contains(&y) => Err(TimeError::YearOutOfRange(shown(input.trim()), y)),
            _ => Ok(bound),
        }
    }

    fn parse_any_year(input: &str) -> Result<Self, TimeError> {
        let s = input.trim();
        let bad = || TimeError::Unrecognised(shown(s));
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "" => return Err(bad()),
            "now" => return Ok(Self::Ago(Duration::zero())),
            "today" => return Ok(Self::DaysAgo(0)),
            "yesterday" => return Ok(Self::DaysAgo(1)),
            _ => {}
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Self::Instant(t.with_timezone(&Utc)));
        }
        // RFC 3339 with a space, or a zone without its colon (`+0100`).
        for f in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%:z"] {
            if let Ok(t) = DateTime::parse_from_str(s, f) {
                return Ok(Self::Instant(t.with_timezone(&Utc)));
            }
        }
        if let Some(zulu) = s.strip_suffix(['Z', 'z'])
            && let Some(t) = parse_naive(zulu)
        {
            return Ok(Self::Instant(t.and_utc()));
        }
        if let Some(t) = parse_naive(s) {
            return Ok(Self::Local(t));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Self::Day(d));
        }
        match parse_span(&lower) {
            Some(Ok(span)) => Ok(Self::Ago(span)),
            Some(Err(())) => Err(TimeError::TooFar(shown(s))),
            None => Err(bad()),
        }
    }

    /// The UTC instant this bound means at `now` in zone `tz`, as the `edge` end of a range.
    pub fn resolve(&self, now: DateTime<Utc>, tz: Tz, edge: Edge) -> DateTime<Utc> {
        let day_edge = |d: NaiveDate| match edge {
            Edge::Start => start_of_day(d, tz),
            Edge::End => d.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, |next| start_of_day(next, tz)),
        };
        match *self {
            Self::Instant(t) => t,
            Self::Local(t) => local_to_utc(t, tz),
            Self::Day(d) => day_edge(d),
            Self::DaysAgo(n) => {
                let today = now.with_timezone(&tz).date_naive();
                day_edge(today - Duration::days(i64::from(n)))
            }
            Self::Ago(span) => now - span,
        }
    }
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// `30m`, `2h`, `1d`, `7 d`, `2w`, `90s`, `3 days ago`; `Some(Err)` when too long.
fn parse_span(s: &str) -> Option<Result<Duration, ()>> {
    let s = s.strip_suffix("ago").unwrap_or(s).trim();
    let digits = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(digits);
    let n: i64 = num.parse().ok()?;
    let per_day: i64 = match unit.trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        _ => return None,
    };
    let secs = n.checked_mul(per_day)?;
    if secs > MAX_DAYS * 86_400 {
        return Some(Err(()));
    }
    Some(Ok(Duration::seconds(secs)))
}

/// The first instant of a day in `tz` (after a DST gap at midnight, the first valid time).
fn start_of_day(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_to_utc(d.and_time(NaiveTime::MIN), tz)
}

/// A wall-clock time in `tz` to UTC: the earlier of two in a DST fold, and for a time that a DST
/// gap skips, the moment the gap ends.
fn local_to_utc(t: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => x.with_timezone(&Utc),
        LocalResult::None => {
            // Gaps are at most a few hours: walk forward a minute at a time to their end.
            (1..=24 * 60)
                .find_map(|m| tz.from_local_datetime(&(t + Duration::minutes(m))).earliest())
                .map_or_else(|| t.and_utc(), |x| x.with_timezone(&Utc))
        }
    }
}

/// A resolved range for a history or search call; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    /// Rocket.Chat's `oldest`.
    pub oldest: Option<DateTime<Utc>>,
    /// Rocket.Chat's `latest`.
    pub latest: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// Read and resolve `after` (→ `oldest`) and `before` (→ `latest`) at `now` in `tz`; an empty
    /// range is an error that quotes both bounds.
    pub fn resolve(after: Option<&str>, before: Option<&str>, now: DateTime<Utc>, tz: Tz) -> Result<Self, TimeError> {
        let read = |s: Option<&str>, edge| -> Result<_, TimeError> {
            s.filter(|s| !s.trim().is_empty()).map(|s| Ok(TimeBound::parse(s)?.resolve(now, tz, edge))).transpose()
        };
        let range = Self { oldest: read(after, Edge::Start)?, latest: read(before, Edge::End)? };
        if let (Some(o), Some(l)) = (range.oldest, range.latest)
            && o >= l
        {
            return Err(TimeError::Empty {
                after: after.unwrap_or_default().trim().to_owned(),
                before: before.unwrap_or_default().trim().to_owned(),
                after_utc: crate::model::iso_millis(o),
                before_utc: crate::model::iso_millis(l),
            });
        }
        Ok(range)
    }

    /// `oldest` in the ISO form Rocket.Chat reads.
    pub fn oldest_param(&self) -> Option<String> {
        self.oldest.map(crate::model::iso_millis)
    }

    /// `latest` in the ISO form Rocket.Chat reads.
    pub fn latest_param(&self) -> Option<String> {
        self.latest.map(crate::model::iso_millis)
    }
}

/// Read a configured IANA time zone name (`Europe/Berlin`, `UTC`).
pub fn parse_zone(name: &str) -> Result<Tz, TimeError> {
    name.trim().parse::<Tz>().map_err(|_| TimeError::UnknownZone(name.trim().to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono_tz::{America::New_York, Europe::Berlin, UTC};

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn at(input: &str, now: &str, tz: Tz, edge: Edge) -> String {
        crate::model::iso_millis(TimeBound::parse(input).unwrap().resolve(utc(now), tz, edge))
    }
    const NOW: &str = "2026-11-20T10:31:00Z";

    #[test]
    fn relative_spans() {
        assert_eq!(at("2h", NOW, Berlin, Edge::Start), "2026-11-20T08:31:00.000Z");
        assert_eq!(at("30m", NOW, UTC, Edge::End), "2026-11-20T10:01:00.000Z");
        assert_eq!(at("1d", NOW, UTC, Edge::Start), "2026-11-19T10:31:00.000Z");
        assert_eq!(at("7d", NOW, UTC, Edge::Start), "2026-11-13T10:31:00.000Z");
        assert_eq!(at("2w", NOW, UTC, Edge::Start), "2026-11-06T10:31:00.000Z");
        assert_eq!(at("90s", NOW, UTC, Edge::Start), "2026-11-20T10:29:30.000Z");
        assert_eq!(at(" 3 Days Ago ", NOW, UTC, Edge::Start), "2026-11-17T10:31:00.000Z");
        assert_eq!(at("now", NOW, Berlin, Edge::End), "2026-11-20T10:31:00.000Z");
    }

    #[test]
    fn day_words_follow_the_zone_and_the_edge() {
        // 10:31 UTC is 11:31 in Berlin (CET, +1): today began at 23:00 UTC the day before.
        assert_eq!(at("today", NOW, Berlin, Edge::Start), "2026-11-19T23:00:00.000Z");
        assert_eq!(at("today", NOW, Berlin, Edge::End), "2026-11-20T23:00:00.000Z");
        assert_eq!(at("yesterday", NOW, Berlin, Edge::Start), "2026-11-18T23:00:00.000Z");
        assert_eq!(at("Yesterday", NOW, Berlin, Edge::End), "2026-11-19T23:00:00.000Z");
        // At 02:00 UTC it is still the 19th in New York (-5).
        assert_eq!(at("today", "2026-11-20T02:00:00Z", New_York, Edge::Start), "2026-11-19T05:00:00.000Z");
    }

    #[test]
    fn iso_dates_and_times() {
        assert_eq!(at("2026-11-20", NOW, UTC, Edge::Start), "2026-11-20T00:00:00.000Z");
        assert_eq!(at("2026-11-20", NOW, UTC, Edge::End), "2026-11-21T00:00:00.000Z");
        assert_eq!(at("2026-07-01", NOW, Berlin, Edge::Start), "2026-06-30T22:00:00.000Z", "CEST, +2");
        assert_eq!(at("2026-11-20T10:31", NOW, Berlin, Edge::Start), "2026-11-20T09:31:00.000Z");
        assert_eq!(at("2026-11-20 10:31:05", NOW, Berlin, Edge::End), "2026-11-20T09:31:05.000Z");
        assert_eq!(at("2026-11-20T10:31:05.250", NOW, UTC, Edge::End), "2026-11-20T10:31:05.250Z");
        // With a zone the caller's zone does not matter.
        assert_eq!(at("2026-11-20T10:31:00Z", NOW, Berlin, Edge::Start), "2026-11-20T10:31:00.000Z");
        assert_eq!(at("2026-11-20T10:31:00+01:00", NOW, New_York, Edge::Start), "2026-11-20T09:31:00.000Z");
        assert_eq!(at("2026-11-20 10:31:00+0100", NOW, UTC, Edge::Start), "2026-11-20T09:31:00.000Z");
        assert_eq!(at("2026-11-20T10:31Z", NOW, Berlin, Edge::Start), "2026-11-20T10:31:00.000Z");
        assert_eq!(at("2026-11-20T10:31+05:30", NOW, UTC, Edge::Start), "2026-11-20T05:01:00.000Z");
    }

    #[test]
    fn dst_gaps_and_folds() {
        // Berlin skips 02:00-03:00 on 2026-03-29: 02:30 means the end of the gap, 03:00 CEST.
        assert_eq!(at("2026-03-29T02:30", NOW, Berlin, Edge::Start), "2026-03-29T01:00:00.000Z");
        // 02:30 happens twice on 2026-10-25: the first one (CEST) is taken.
        assert_eq!(at("2026-10-25T02:30", NOW, Berlin, Edge::Start), "2026-10-25T00:30:00.000Z");
        // The day after the fold is 25 hours long.
        let start = TimeBound::parse("2026-10-25").unwrap().resolve(utc(NOW), Berlin, Edge::Start);
        let end = TimeBound::parse("2026-10-25").unwrap().resolve(utc(NOW), Berlin, Edge::End);
        assert_eq!(end - start, Duration::hours(25));
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in ["", "soon", "2h30", "h", "-2h", "2026-13-01", "2026-11-20T25:00", "20/11/2026", "2 parsecs"] {
            let e = TimeBound::parse(bad).unwrap_err();
            assert!(matches!(e, TimeError::Unrecognised(_)), "{bad}: {e}");
            assert!(e.to_string().contains("`30m`, `2h`"), "the message lists the forms");
        }
        assert!(matches!(TimeBound::parse("36501d").unwrap_err(), TimeError::TooFar(_)));
        assert!(matches!(TimeBound::parse("99999999999999999999d").unwrap_err(), TimeError::Unrecognised(_)));
        assert!(TimeBound::parse("36500d").is_ok());
    }

    #[test]
    fn years_outside_1900_to_2200_are_refused() {
        for (bad, year) in
            [("0026-01-01", 26), ("0026-01-01T10:00:00Z", 26), ("9999-12-31T23:59", 9999), ("1899-12-31", 1899)]
        {
            assert_eq!(TimeBound::parse(bad).unwrap_err(), TimeError::YearOutOfRange(bad.into(), year), "{bad}");
        }
        let e = TimeBound::parse("0026-01-01").unwrap_err().to_string();
        assert!(e.contains("the year 26: years from 1900 to 2200 are accepted"), "{e}");
        assert!(TimeBound::parse("1900-01-01").is_ok() && TimeBound::parse("2200-12-31T23:59:59Z").is_ok());
        // A long input is quoted shortened.
        let e = TimeBound::parse(&"9".repeat(10_000)).unwrap_err().to_string();
        assert!(e.contains("(10000 characters)") && e.len() < 600, "{e}");
    }

    #[test]
    fn ranges() {
        let now = utc(NOW);
        let r = TimeRange::resolve(Some("yesterday"), Some("yesterday"), now, UTC).unwrap();
        assert_eq!(r.oldest_param().as_deref(), Some("2026-11-19T00:00:00.000Z"));
        assert_eq!(r.latest_param().as_deref(), Some("2026-11-20T00:00:00.000Z"));
        let open = TimeRange::resolve(Some("2h"), None, now, UTC).unwrap();
        assert_eq!((open.oldest, open.latest), (Some(utc("2026-11-20T08:31:00Z")), None));
        let blank = TimeRange::resolve(Some("  "), None, now, UTC).unwrap();
        assert_eq!(blank, TimeRange::default());
        let e = TimeRange::resolve(Some("1h"), Some("2h"), now, UTC).unwrap_err();
        assert!(matches!(e, TimeError::Empty { .. }));
        assert!(e.to_string().contains("`1h` (2026-11-20T09:31:00.000Z) is not before `2h`"), "{e}");
        assert!(matches!(TimeRange::resolve(Some("x"), None, now, UTC).unwrap_err(), TimeError::Unrecognised(_)));
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone(" Europe/Berlin ").unwrap(), Berlin);
        assert_eq!(parse_zone("UTC").unwrap(), UTC);
        assert_eq!(parse_zone("Mars/Olympus").unwrap_err(), TimeError::UnknownZone("Mars/Olympus".into()));
    }
}
