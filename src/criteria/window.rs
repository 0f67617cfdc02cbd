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

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::reader::{Reader, Value, edit_distance, show};
use toml::de::DeValue;

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

// ----- the `window` criterion kind ------------------------------------------------------------------------

const WINDOW_KEYS: &[&str] = &["timezone", "deny", "holidays"];

/// Parses a `window` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    parse_window(r, value, &cx.what).map(CriterionKind::Window)
}

fn parse_window(r: &mut Reader<'_>, value: &Value<'_>, what: &str) -> Option<Window> {
    let example = "window = { timezone = \"America/Chicago\", deny = [\"Fri 12:00-Mon 08:00\"] }";
    let t = r.keyed_table(value, what, example, WINDOW_KEYS)?;
    let tz = r
        .required(t, "timezone", value.span(), what, "timezone = \"America/Chicago\"")
        .and_then(|v| {
            let name = r.string(v, &format!("`timezone` of {what}"), "timezone = \"UTC\"")?;
            match parse_time_zone(name) {
                Ok(tz) => Some(tz),
                Err(_) => {
                    let mut help = String::new();
                    if let Some(close) = suggest_time_zone(name) {
                        help.push_str(&format!("did you mean `{close}`? "));
                    }
                    help.push_str("use an IANA time zone name such as `America/Chicago`, `Europe/Berlin` or `UTC`");
                    r.report(
                        K::BadTimeZone,
                        v.span(),
                        format!("unknown time zone `{}` in {what}", show(name)),
                        "not in the time zone database",
                        help,
                    );
                    None
                }
            }
        });
    let mut ok = true;
    let mut deny = Vec::new();
    let deny_span = t.get("deny").map(|v| v.span());
    if let Some(v) = t.get("deny") {
        let what = format!("`deny` of {what}");
        match r.array(v, &what, "deny = [\"Fri 12:00-Mon 08:00\"]") {
            None => ok = false,
            Some(items) => {
                for item in items.iter() {
                    let Some(text) = r.string(item, &what, "\"Fri 12:00-Mon 08:00\"") else {
                        ok = false;
                        continue;
                    };
                    match DenyRange::parse(text) {
                        Ok(range) => deny.push(range),
                        Err(reason) => {
                            r.report(
                                K::BadWindow,
                                item.span(),
                                format!("bad deny range `{}` in {what}: {reason}", show(text)),
                                "bad range",
                                "write `<Day> HH:MM-<Day> HH:MM` (`Fri 12:00-Mon 08:00`) or `daily HH:MM-HH:MM` (`daily 22:00-06:00`); days are Mon..Sun, the end is exclusive and may be 24:00",
                            );
                            ok = false;
                        }
                    }
                }
            }
        }
    }
    let mut holidays = Vec::new();
    if let Some(v) = t.get("holidays") {
        let what = format!("`holidays` of {what}");
        match r.array(v, &what, "holidays = [\"2026-12-25\"]") {
            None => ok = false,
            Some(items) => {
                for item in items.iter() {
                    let parsed = match item.get_ref() {
                        DeValue::String(s) => parse_holiday(s).ok().ok_or_else(|| s.to_string()),
                        DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                            parse_holiday(&dt.to_string())
                                .ok()
                                .ok_or_else(|| dt.to_string())
                        }
                        DeValue::Datetime(dt) => Err(dt.to_string()),
                        _ => {
                            r.wrong_type(item, &what, "a date", "\"2026-12-25\"");
                            ok = false;
                            continue;
                        }
                    };
                    match parsed {
                        Ok(date) => holidays.push(date),
                        Err(text) => {
                            r.report(
                                K::BadWindow,
                                item.span(),
                                format!("bad holiday `{}` in {what}", show(&text)),
                                "not a calendar date",
                                "write the whole day as a date, `YYYY-MM-DD` (`\"2026-12-25\"`)",
                            );
                            ok = false;
                        }
                    }
                }
            }
        }
    }
    if !ok {
        return None;
    }
    match Window::from_parts(tz?, deny, holidays) {
        Ok(window) => Some(window),
        Err(WindowError::NeverOpen) => {
            r.report(
                K::BadWindow,
                deny_span.unwrap_or(value.span()),
                format!("the deny ranges of {what} cover the whole week"),
                "never open",
                "a window that never opens blocks every deploy: leave some time of the week open",
            );
            None
        }
        Err(_) => {
            r.report(
                K::BadWindow,
                value.span(),
                format!("{what} denies nothing"),
                "no `deny` ranges and no `holidays`",
                "add `deny` ranges, `holidays`, or both; or remove the criterion",
            );
            None
        }
    }
}

fn suggest_time_zone(name: &str) -> Option<String> {
    if name.chars().count() > 64 {
        return None;
    }
    let limit = (name.chars().count() / 4).clamp(1, 3);
    let lower = name.to_lowercase();
    jiff::tz::db()
        .available()
        .map(|n| (edit_distance(&lower, &n.as_str().to_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.as_str().to_owned())
}

/// Holds the clock against `window`.
pub(crate) fn hold(cx: &HoldCtx<'_>, window: &Window) -> Held {
    let mut r = Held::new(Vec::new());
    r.expected = format!(
        "outside {} ({})",
        window
            .deny()
            .iter()
            .map(ToString::to_string)
            .chain(window.holidays().iter().map(|d| format!("holiday {d}")))
            .collect::<Vec<_>>()
            .join(", "),
        window.timezone_name()
    );
    match window.check(cx.now) {
        WindowStatus::Open => {
            r.found = format!(
                "open at {}",
                cx.now
                    .to_zoned(window.timezone().clone())
                    .strftime("%a %Y-%m-%d %H:%M %Z")
            );
        }
        WindowStatus::Closed { reason, reopens_at } => {
            r.met = false;
            r.found = format!(
                "closed by {reason}; opens again {}",
                reopens_at.strftime("%a %Y-%m-%d %H:%M %Z")
            );
        }
    }
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn time_zone_typos_are_suggested() {
        assert_eq!(
            suggest_time_zone("America/Chicgo").as_deref(),
            Some("America/Chicago")
        );
    }

    fn at(text: &str) -> Timestamp {
        text.parse::<Zoned>()
            .map(|z| z.timestamp())
            .or_else(|_| text.parse::<Timestamp>())
            .unwrap_or_else(|e| panic!("bad test instant {text}: {e}"))
    }

    fn window(deny: &[&str], holidays: &[&str]) -> Window {
        Window::new("America/Chicago", deny, holidays).unwrap()
    }

    /// `(now, expected reason, expected reopening)`; `None` means open.
    type Case<'a> = (&'a str, Option<(ClosedBy, &'a str)>);

    fn check_cases(w: &Window, cases: &[Case<'_>]) {
        for (now, expected) in cases {
            let status = w.check(at(now));
            match (expected, status) {
                (None, WindowStatus::Open) => {}
                (
                    Some((reason, reopens)),
                    WindowStatus::Closed {
                        reason: r,
                        reopens_at,
                    },
                ) => {
                    assert_eq!(&r, reason, "reason at {now}");
                    assert_eq!(
                        reopens_at.timestamp(),
                        at(reopens),
                        "reopening after {now}: {reopens_at}"
                    );
                    assert_eq!(reopens_at.time_zone().iana_name(), Some("America/Chicago"));
                }
                (expected, status) => panic!("at {now}: expected {expected:?}, got {status:?}"),
            }
        }
    }

    fn range(text: &str) -> ClosedBy {
        ClosedBy::Range(text.to_owned())
    }

    fn holiday(text: &str) -> ClosedBy {
        ClosedBy::Holiday(text.parse().unwrap())
    }

    #[test]
    fn weekend_freeze_edges_and_spring_forward() {
        // 2026-03-08 is the Sunday US clocks spring forward: the freeze starts in CST and ends in CDT.
        let w = window(&["Fri 12:00-Mon 08:00"], &[]);
        check_cases(
            &w,
            &[
                ("2026-03-04T10:00:00-06:00[America/Chicago]", None),
                ("2026-03-06T11:59:59-06:00[America/Chicago]", None),
                (
                    "2026-03-06T12:00:00-06:00[America/Chicago]",
                    Some((range("Fri 12:00-Mon 08:00"), "2026-03-09T08:00:00-05:00")),
                ),
                (
                    "2026-03-08T03:30:00-05:00[America/Chicago]",
                    Some((range("Fri 12:00-Mon 08:00"), "2026-03-09T08:00:00-05:00")),
                ),
                (
                    "2026-03-09T07:59:59-05:00[America/Chicago]",
                    Some((range("Fri 12:00-Mon 08:00"), "2026-03-09T08:00:00-05:00")),
                ),
                ("2026-03-09T08:00:00-05:00[America/Chicago]", None),
            ],
        );
    }

    #[test]
    fn range_ending_inside_the_spring_forward_gap_reopens_at_the_clock_change() {
        // On 2026-03-08 local time jumps from 02:00 CST to 03:00 CDT (08:00 UTC): 02:30 never happens, and the first
        // instant whose local time is past it is the jump itself.
        let w = window(&["Sun 01:00-Sun 02:30"], &[]);
        check_cases(
            &w,
            &[
                (
                    "2026-03-08T01:30:00-06:00[America/Chicago]",
                    Some((range("Sun 01:00-Sun 02:30"), "2026-03-08T08:00:00Z")),
                ),
                (
                    "2026-03-08T07:59:59Z",
                    Some((range("Sun 01:00-Sun 02:30"), "2026-03-08T08:00:00Z")),
                ),
                ("2026-03-08T08:00:00Z", None),
            ],
        );
    }

    #[test]
    fn fall_back_repeats_the_denied_hour() {
        // On 2026-11-01 local time goes from 01:59:59 CDT back to 01:00 CST (07:00 UTC): 01:00-01:30 happens twice
        // and is denied both times.
        let w = window(&["Sun 01:00-Sun 01:30"], &[]);
        check_cases(
            &w,
            &[
                (
                    "2026-11-01T01:10:00-05:00[America/Chicago]",
                    Some((range("Sun 01:00-Sun 01:30"), "2026-11-01T06:30:00Z")),
                ),
                ("2026-11-01T01:40:00-05:00[America/Chicago]", None),
                (
                    "2026-11-01T01:10:00-06:00[America/Chicago]",
                    Some((range("Sun 01:00-Sun 01:30"), "2026-11-01T07:30:00Z")),
                ),
                ("2026-11-01T01:30:00-06:00[America/Chicago]", None),
            ],
        );
    }

    #[test]
    fn a_freeze_spanning_fall_back_lasts_an_extra_hour() {
        let w = window(&["Sat 20:00-Sun 06:00"], &[]);
        let closed_from = at("2026-10-31T20:00:00-05:00[America/Chicago]");
        let WindowStatus::Closed { reopens_at, .. } = w.check(closed_from) else {
            panic!("closed at the start of the range");
        };
        assert_eq!(reopens_at.timestamp(), at("2026-11-01T06:00:00-06:00"));
        assert_eq!(
            reopens_at.timestamp().duration_since(closed_from),
            SignedDuration::from_hours(11)
        );
    }

    #[test]
    fn holidays_chain_with_the_weekend_freeze() {
        let w = window(&["Fri 12:00-Mon 08:00"], &["2026-12-25", "2026-05-25"]);
        check_cases(
            &w,
            &[
                ("2026-12-24T23:59:59-06:00[America/Chicago]", None),
                // Christmas is a Friday: the holiday closes the morning, the freeze takes over at noon.
                (
                    "2026-12-25T09:00:00-06:00[America/Chicago]",
                    Some((holiday("2026-12-25"), "2026-12-28T08:00:00-06:00")),
                ),
                // Memorial Day Monday follows the freeze: closed until Tuesday 00:00.
                (
                    "2026-05-22T15:00:00-05:00[America/Chicago]",
                    Some((range("Fri 12:00-Mon 08:00"), "2026-05-26T00:00:00-05:00")),
                ),
                (
                    "2026-05-25T10:00:00-05:00[America/Chicago]",
                    Some((holiday("2026-05-25"), "2026-05-26T00:00:00-05:00")),
                ),
                ("2026-05-26T00:00:00-05:00[America/Chicago]", None),
            ],
        );
    }

    #[test]
    fn holiday_is_a_local_day_whatever_zone_now_is_given_in() {
        let w = Window::new("Asia/Tokyo", &[], &["2026-01-01"]).unwrap();
        match w.check(at("2025-12-31T16:00:00Z")) {
            WindowStatus::Closed { reason, reopens_at } => {
                assert_eq!(reason, holiday("2026-01-01"));
                assert_eq!(reopens_at.timestamp(), at("2026-01-01T15:00:00Z"));
            }
            WindowStatus::Open => panic!("New Year's Day in Tokyo is denied"),
        }
        assert_eq!(w.check(at("2025-12-31T14:59:59Z")), WindowStatus::Open);
    }

    #[test]
    fn ranges_wrapping_sunday_to_monday_and_daily_ranges() {
        let w = window(&["Sun 22:00-Mon 06:00", "daily 12:00-13:00"], &[]);
        check_cases(
            &w,
            &[
                ("2026-06-06T23:00:00-05:00[America/Chicago]", None),
                (
                    "2026-06-07T23:00:00-05:00[America/Chicago]",
                    Some((range("Sun 22:00-Mon 06:00"), "2026-06-08T06:00:00-05:00")),
                ),
                (
                    "2026-06-08T05:00:00-05:00[America/Chicago]",
                    Some((range("Sun 22:00-Mon 06:00"), "2026-06-08T06:00:00-05:00")),
                ),
                ("2026-06-08T06:00:00-05:00[America/Chicago]", None),
                (
                    "2026-06-10T12:30:00-05:00[America/Chicago]",
                    Some((range("daily 12:00-13:00"), "2026-06-10T13:00:00-05:00")),
                ),
            ],
        );
        let overnight = window(&["daily 22:00-06:00"], &[]);
        check_cases(
            &overnight,
            &[(
                "2026-06-14T23:00:00-05:00[America/Chicago]",
                Some((range("daily 22:00-06:00"), "2026-06-15T06:00:00-05:00")),
            )],
        );
    }

    #[test]
    fn chained_ranges_are_followed_to_the_end() {
        let w = window(
            &[
                "Fri 18:00-Sat 00:00",
                "Sat 00:00-Sun 12:00",
                "daily 22:00-06:00",
            ],
            &["2026-06-14"],
        );
        // Friday evening -> Saturday -> Sunday noon -> Sunday is a holiday -> Monday 00:00 -> overnight until 06:00.
        check_cases(
            &w,
            &[(
                "2026-06-12T19:00:00-05:00[America/Chicago]",
                Some((range("Fri 18:00-Sat 00:00"), "2026-06-15T06:00:00-05:00")),
            )],
        );
    }

    #[test]
    fn reopening_is_the_first_open_instant() {
        // Invariant over a year of instants: a closed window stays closed until `reopens_at`, and is open there.
        let w = window(
            &[
                "Fri 12:00-Mon 08:00",
                "daily 23:00-01:30",
                "Sun 01:00-Sun 02:30",
            ],
            &["2026-12-25", "2026-11-26", "2026-03-09", "2026-11-02"],
        );
        let start = at("2026-01-01T00:00:00Z");
        for step in 0..(365 * 24 / 7) {
            let now = start + SignedDuration::from_hours(7 * step);
            let WindowStatus::Closed { reopens_at, .. } = w.check(now) else {
                continue;
            };
            let reopens = reopens_at.timestamp();
            assert!(reopens > now, "{now}");
            assert_eq!(
                w.check(reopens),
                WindowStatus::Open,
                "reopening after {now}"
            );
            let mut t = now;
            while t < reopens {
                assert!(
                    w.check(t) != WindowStatus::Open,
                    "open at {t}, before {reopens}"
                );
                t += SignedDuration::from_mins(10);
            }
            let just_before = reopens - SignedDuration::from_secs(1);
            assert!(
                w.check(just_before) != WindowStatus::Open,
                "open at {just_before}"
            );
        }
    }

    #[test]
    fn range_syntax() {
        for ok in [
            "Fri 12:00-Mon 08:00",
            "fri 12:00 - MON 8:00",
            "Sat 00:00-Sun 23:59",
            "Sat 00:00-Sun 24:00",
            "Mon 09:00-Mon 08:00",
            "daily 22:00-06:00",
            "Daily 12:00-24:00",
        ] {
            assert!(DenyRange::parse(ok).is_ok(), "{ok}");
        }
        let bad: &[(&str, RangeError)] = &[
            ("Fri 12:00", RangeError::Shape),
            ("Fri12:00-Mon 08:00", RangeError::Shape),
            ("", RangeError::Shape),
            ("Fry 12:00-Mon 08:00", RangeError::Day("Fry".into())),
            ("Friday 12:00-Mon 08:00", RangeError::Day("Friday".into())),
            ("Fri 25:00-Mon 08:00", RangeError::Time("25:00".into())),
            ("Fri 12:0-Mon 08:00", RangeError::Time("12:0".into())),
            ("Fri 12:60-Mon 08:00", RangeError::Time("12:60".into())),
            ("Fri 24:00-Sat 01:00", RangeError::Time("24:00".into())),
            (
                "Fri 12:00-Mon 08:00:00",
                RangeError::Time("08:00:00".into()),
            ),
            ("Fri 12:00-Fri 12:00", RangeError::Empty),
            ("Mon 00:00-Sun 24:00", RangeError::Empty),
            ("daily 00:00-24:00", RangeError::Empty),
            ("daily 10:00-10:00", RangeError::Empty),
            (
                "daily 10:00-Mon 11:00",
                RangeError::Time("Mon 11:00".into()),
            ),
        ];
        for (text, err) in bad {
            assert_eq!(DenyRange::parse(text).as_ref(), Err(err), "{text:?}");
        }
    }

    #[test]
    fn window_construction_errors() {
        assert!(matches!(
            Window::new("America/Chicgo", &["Fri 12:00-Mon 08:00"], &[]),
            Err(WindowError::UnknownTimeZone { .. })
        ));
        for tz in ["", "Local", "+05:00", "/etc/localtime", "../zoneinfo/UTC"] {
            assert!(
                matches!(
                    Window::new(tz, &["Fri 12:00-Mon 08:00"], &[]),
                    Err(WindowError::UnknownTimeZone { .. })
                ),
                "{tz:?}"
            );
        }
        for tz in ["UTC", "Europe/Berlin", "america/chicago"] {
            assert!(
                Window::new(tz, &["Fri 12:00-Mon 08:00"], &[]).is_ok(),
                "{tz}"
            );
        }
        let w = Window::new("america/chicago", &["Fri 12:00-Mon 08:00"], &[]).unwrap();
        assert_eq!(w.timezone_name(), "America/Chicago");
        assert_eq!(
            Window::new("UTC", &["Mon 00:00-Thu 00:00", "Thu 00:00-Mon 00:00"], &[]).err(),
            Some(WindowError::NeverOpen)
        );
        assert_eq!(
            Window::new("UTC", &[], &[]).err(),
            Some(WindowError::DeniesNothing)
        );
        for bad in [
            "2026-02-30",
            "2026-1-05",
            "20261225",
            "2026-12-25T00:00",
            "",
        ] {
            assert!(
                matches!(parse_holiday(bad), Err(WindowError::BadHoliday { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn far_future_instants_do_not_panic() {
        let w = window(&["Fri 12:00-Mon 08:00"], &["9999-12-31"]);
        for now in [
            Timestamp::MAX,
            Timestamp::MIN,
            at("9999-12-29T12:00:00Z"),
            at("9999-12-30T20:00:00Z"),
        ] {
            let _ = w.check(now);
        }
    }
}
