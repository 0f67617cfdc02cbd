//! Deploy windows: periods in a named IANA time zone when deploys are denied.
//!
//! A window denies a deploy while the local wall-clock time, in its time zone, falls inside one of its deny ranges or
//! on one of its holidays. Ranges are written `<Day> HH:MM-<Day> HH:MM` (days `Mon` to `Sun`), or
//! `daily HH:MM-HH:MM` for the same hours every day. The start is inclusive and the end exclusive, `24:00` may end a
//! range, and a range whose end comes before its start wraps around the end of the week (or of the day, for `daily`).
//! Holidays deny the whole local calendar day. Evaluation is pure: [`Window::check`] takes the instant to judge.

use std::fmt;

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, Zoned};

const MINUTES_PER_DAY: u32 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// A validated deploy window.
///
/// Built only through [`Window::new`] (or a policy load), which guarantees that the deny ranges leave some time of the
/// week open, so [`Window::check`] always finds when the window reopens.
#[derive(Debug, Clone)]
pub struct Window {
    timezone: TimeZone,
    timezone_name: String,
    deny: Vec<DenyRange>,
    holidays: Vec<Date>,
}

/// One deny range as written in the policy, for example `Fri 12:00-Mon 08:00` or `daily 22:00-06:00`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyRange {
    text: String,
    /// Half-open intervals `[start, end)` in minutes since Monday 00:00; `end <= start` wraps past Sunday midnight.
    intervals: Vec<(u32, u32)>,
}

/// Whether a window lets a deploy through at a given instant.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowStatus {
    /// Deploys are allowed now.
    Open,
    /// Deploys are denied now.
    Closed {
        /// The holiday or deny range that closes the window now (a holiday wins over a range).
        reason: ClosedBy,
        /// The first instant at or after `now` outside every deny range and holiday, in the window's time zone.
        /// Chained ranges and holidays are followed through. Only for instants near the end of the representable
        /// time (year 9999) where no reopening can be computed, this is the last representable instant.
        reopens_at: Zoned,
    },
}

/// What closes a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedBy {
    /// A deny range, as written in the policy.
    Range(String),
    /// A holiday: the whole local day is denied.
    Holiday(Date),
}

impl fmt::Display for ClosedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Range(text) => write!(f, "deny range `{text}`"),
            Self::Holiday(date) => write!(f, "holiday {date}"),
        }
    }
}

/// Why a window cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// The time zone is not an IANA name in the bundled time zone database.
    #[error("unknown time zone `{name}`: use an IANA name such as `America/Chicago` or `UTC`")]
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
    /// A deny range does not parse or is empty.
    #[error("bad deny range `{text}`: {reason}")]
    BadRange {
        /// The range as written.
        text: String,
        /// What is wrong with it.
        reason: RangeError,
    },
    /// A holiday is not a `YYYY-MM-DD` date.
    #[error("bad holiday `{text}`: expected a date such as `2026-12-25`")]
    BadHoliday {
        /// The holiday as written.
        text: String,
    },
    /// The deny ranges together cover the whole week, so the window would never open.
    #[error("the deny ranges cover the whole week: the window would never open")]
    NeverOpen,
    /// The window has neither deny ranges nor holidays, so it would never close.
    #[error("the window denies nothing: it needs at least one deny range or holiday")]
    DeniesNothing,
}

/// What is wrong with a deny range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    /// Not of the form `<Day> HH:MM-<Day> HH:MM` or `daily HH:MM-HH:MM`.
    #[error("expected `<Day> HH:MM-<Day> HH:MM` or `daily HH:MM-HH:MM`")]
    Shape,
    /// A day other than `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`.
    #[error("unknown day `{0}`: use Mon, Tue, Wed, Thu, Fri, Sat or Sun")]
    Day(String),
    /// A time that is not `HH:MM` from `00:00` to `23:59` (or `24:00` at the end).
    #[error("bad time `{0}`: use HH:MM from 00:00 to 23:59 (24:00 only as an end)")]
    Time(String),
    /// Start equals end: the range is either empty or the whole week, and either way a mistake.
    #[error("start and end are the same instant of the week")]
    Empty,
}

impl DenyRange {
    /// Parses `<Day> HH:MM-<Day> HH:MM` (for example `Fri 12:00-Mon 08:00`) or `daily HH:MM-HH:MM`.
    pub fn parse(text: &str) -> Result<Self, RangeError> {
        let (from, to) = text.split_once('-').ok_or(RangeError::Shape)?;
        let (from, to) = (from.trim(), to.trim());
        let intervals = if let Some(from_time) = strip_word(from, "daily") {
            let start = parse_time(from_time, false)?;
            let end = parse_time(to, true)?;
            if start == end || (start == 0 && end == MINUTES_PER_DAY) {
                return Err(RangeError::Empty);
            }
            // Wrapping daily ranges (22:00-06:00) run into the next day.
            let length = (end + MINUTES_PER_DAY - start) % MINUTES_PER_DAY;
            (0..7)
                .map(|day| {
                    let s = day * MINUTES_PER_DAY + start;
                    (s, (s + length) % MINUTES_PER_WEEK)
                })
                .collect()
        } else {
            let (start_day, start_time) = split_day(from)?;
            let (end_day, end_time) = split_day(to)?;
            let start = start_day * MINUTES_PER_DAY + parse_time(start_time, false)?;
            let end = (end_day * MINUTES_PER_DAY + parse_time(end_time, true)?) % MINUTES_PER_WEEK;
            if start == end {
                return Err(RangeError::Empty);
            }
            vec![(start, end)]
        };
        Ok(Self {
            text: text.to_owned(),
            intervals,
        })
    }

    /// The range as written in the policy.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether `minute` (minutes since Monday 00:00) falls in this range; returns the minute the range ends.
    fn end_if_inside(&self, minute: u32) -> Option<u32> {
        self.intervals.iter().find_map(|&(start, end)| {
            let inside = if start < end {
                (start..end).contains(&minute)
            } else {
                minute >= start || minute < end
            };
            inside.then_some(end)
        })
    }
}

impl fmt::Display for DenyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = text.get(word.len()..)?;
    (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

fn split_day(text: &str) -> Result<(u32, &str), RangeError> {
    let (day, time) = text
        .split_once(char::is_whitespace)
        .ok_or(RangeError::Shape)?;
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let index = DAYS
        .iter()
        .position(|d| d.eq_ignore_ascii_case(day))
        .ok_or_else(|| RangeError::Day(day.to_owned()))?;
    let index = u32::try_from(index).map_err(|_| RangeError::Day(day.to_owned()))?;
    Ok((index, time.trim()))
}

/// `HH:MM` (or `H:MM`) to minutes since midnight; `24:00` only when `is_end`.
fn parse_time(text: &str, is_end: bool) -> Result<u32, RangeError> {
    let bad = || RangeError::Time(text.to_owned());
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(h) || h.len() > 2 || !all_digits(m) || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    match (h, m) {
        (0..=23, 0..=59) => Ok(h * 60 + m),
        (24, 0) if is_end => Ok(MINUTES_PER_DAY),
        _ => Err(bad()),
    }
}

/// Parses a holiday written `YYYY-MM-DD`.
pub fn parse_holiday(text: &str) -> Result<Date, WindowError> {
    let bad = || WindowError::BadHoliday {
        text: text.to_owned(),
    };
    // jiff's parser also accepts other ISO 8601 spellings; the policy syntax is exactly YYYY-MM-DD.
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    text.parse::<Date>().map_err(|_| bad())
}

/// Looks up an IANA time zone name in the bundled database.
pub fn parse_time_zone(name: &str) -> Result<TimeZone, WindowError> {
    let unknown = || WindowError::UnknownTimeZone {
        name: name.to_owned(),
    };
    // A real IANA name: no POSIX TZ strings, no paths, no fixed offsets.
    if name.is_empty() || name.starts_with(['/', '.', ':', '+', '-']) || name.contains("..") {
        return Err(unknown());
    }
    let tz = TimeZone::get(name).map_err(|_| unknown())?;
    if tz.iana_name().is_none() {
        return Err(unknown());
    }
    Ok(tz)
}

/// Two windows are equal when they name the same time zone, deny ranges and holidays.
impl PartialEq for Window {
    fn eq(&self, other: &Self) -> bool {
        self.timezone_name == other.timezone_name
            && self.deny == other.deny
            && self.holidays == other.holidays
    }
}

impl Window {
    /// Builds a window from a time zone name, deny ranges and holidays (`YYYY-MM-DD`), as written in a policy.
    pub fn new(timezone: &str, deny: &[&str], holidays: &[&str]) -> Result<Self, WindowError> {
        let tz = parse_time_zone(timezone)?;
        let deny = deny
            .iter()
            .map(|text| {
                DenyRange::parse(text).map_err(|reason| WindowError::BadRange {
                    text: (*text).to_owned(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let holidays = holidays
            .iter()
            .map(|text| parse_holiday(text))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_parts(tz, deny, holidays)
    }

    /// Assembles a window from parsed parts, checking that it can both close and open.
    pub(crate) fn from_parts(
        timezone: TimeZone,
        deny: Vec<DenyRange>,
        mut holidays: Vec<Date>,
    ) -> Result<Self, WindowError> {
        if deny.is_empty() && holidays.is_empty() {
            return Err(WindowError::DeniesNothing);
        }
        if covers_whole_week(&deny) {
            return Err(WindowError::NeverOpen);
        }
        holidays.sort_unstable();
        holidays.dedup();
        let timezone_name = timezone.iana_name().unwrap_or("UTC").to_owned();
        Ok(Self {
            timezone,
            timezone_name,
            deny,
            holidays,
        })
    }

    /// The IANA name of the window's time zone (canonical spelling from the database).
    pub fn timezone_name(&self) -> &str {
        &self.timezone_name
    }

    /// The window's time zone.
    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    /// The deny ranges, in policy order.
    pub fn deny(&self) -> &[DenyRange] {
        &self.deny
    }

    /// The holidays, sorted, without duplicates.
    pub fn holidays(&self) -> &[Date] {
        &self.holidays
    }

    /// Whether a deploy at `now` is allowed, and if not, why and when it will be.
    pub fn check(&self, now: Timestamp) -> WindowStatus {
        let Some((reason, _)) = self.closed_at(now) else {
            return WindowStatus::Open;
        };
        let reopens_at = self.reopens_at(now).to_zoned(self.timezone.clone());
        WindowStatus::Closed { reason, reopens_at }
    }

    /// Follows deny periods forward from `now` until an instant outside all of them.
    fn reopens_at(&self, now: Timestamp) -> Timestamp {
        // Each step leaves at least one deny period; validation keeps part of every week open and holidays are
        // finite, so this ends long before the limit, which only guards against arithmetic at the end of time.
        const STEP_LIMIT: usize = 1_000_000;
        let mut t = now;
        for _ in 0..STEP_LIMIT {
            match self.closed_at(t) {
                None => return t,
                Some((_, Some(end))) if end > t => t = end,
                Some(_) => match t.checked_add(SignedDuration::from_mins(1)) {
                    Ok(next) => t = next,
                    Err(_) => return Timestamp::MAX,
                },
            }
        }
        Timestamp::MAX
    }

    /// What closes the window at `t` (a holiday first, then the first matching range), and the latest instant at
    /// which one of the periods covering `t` ends (`None` when it cannot be represented).
    fn closed_at(&self, t: Timestamp) -> Option<(ClosedBy, Option<Timestamp>)> {
        let local = self.timezone.to_datetime(t);
        let mut reason = None;
        let mut end: Option<Timestamp> = None;
        let mut note = |by: ClosedBy, until: Option<Timestamp>| {
            if reason.is_none() {
                reason = Some(by);
            }
            end = match (end, until) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        };
        let today = local.date();
        if self.holidays.binary_search(&today).is_ok() {
            let until = today.tomorrow().ok().and_then(|d| {
                self.first_instant_at(d.to_datetime(jiff::civil::Time::midnight()), t)
            });
            note(ClosedBy::Holiday(today), until);
        }
        let minute = minute_of_week(local);
        for range in &self.deny {
            if let Some(range_end) = range.end_if_inside(minute) {
                let ahead = (range_end + MINUTES_PER_WEEK - minute) % MINUTES_PER_WEEK;
                let until = DateTime::new(
                    local.year(),
                    local.month(),
                    local.day(),
                    local.hour(),
                    local.minute(),
                    0,
                    0,
                )
                .ok()
                .and_then(|m| {
                    m.checked_add(SignedDuration::from_mins(i64::from(ahead)))
                        .ok()
                })
                .and_then(|civil| self.first_instant_at(civil, t));
                note(ClosedBy::Range(range.text.clone()), until);
            }
        }
        reason.map(|r| (r, end))
    }

    /// The first instant after `after` whose local wall-clock time is at or past `civil`: the civil time itself when
    /// it exists once, its first occurrence after `after` when a clock change repeats it, and the moment of the clock
    /// change when a clock change skips it.
    fn first_instant_at(&self, civil: DateTime, after: Timestamp) -> Option<Timestamp> {
        match self.timezone.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(civil).ok(),
            AmbiguousOffset::Gap { before, .. } => {
                // Read with the pre-gap offset, the skipped civil time lands just past the transition.
                let past = before.to_timestamp(civil).ok()?;
                let probe = past.checked_add(SignedDuration::from_secs(1)).ok()?;
                self.timezone
                    .preceding(probe)
                    .next()
                    .map(|transition| transition.timestamp())
            }
            AmbiguousOffset::Fold {
                before,
                after: later,
            } => {
                let first = before.to_timestamp(civil).ok()?;
                if first > after {
                    Some(first)
                } else {
                    later.to_timestamp(civil).ok()
                }
            }
        }
    }
}

fn minute_of_week(dt: DateTime) -> u32 {
    let day = match dt.weekday() {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    };
    let hour = u32::try_from(dt.hour()).unwrap_or(0);
    let minute = u32::try_from(dt.minute()).unwrap_or(0);
    day * MINUTES_PER_DAY + hour * 60 + minute
}

fn covers_whole_week(deny: &[DenyRange]) -> bool {
    let mut segments: Vec<(u32, u32)> = Vec::new();
    for &(start, end) in deny.iter().flat_map(|r| r.intervals.iter()) {
        if start < end {
            segments.push((start, end));
        } else {
            segments.push((start, MINUTES_PER_WEEK));
            segments.push((0, end));
        }
    }
    segments.sort_unstable();
    let mut reach = 0;
    for (start, end) in segments {
        if start > reach {
            return false;
        }
        reach = reach.max(end);
    }
    reach >= MINUTES_PER_WEEK
}
