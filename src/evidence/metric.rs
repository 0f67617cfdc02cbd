//! `metric` criteria: values in a JSON evidence file, found by JSON pointer, held against a [`Check`]: bounds
//! (`min` / `max`), accepted values (`equals` / `in`), a share that must pass (`at_least`), an aggregate, or the
//! change from a baseline document (`max_drop` / `max_rise`).
//!
//! Pointers follow RFC 6901 (`/categories/billing/accuracy`, `~0` for `~`, `~1` for `/`), with one extension: a
//! segment that is exactly `*` expands to every key of an object or every index of an array, so
//! `/categories/*/accuracy` checks the accuracy of every category. Several `*` may appear. Each failing value is
//! reported by its concrete pointer, and an array element also by its `description`, `name` or `id`. Because `*`
//! is reserved, an object key that is literally `*` cannot be addressed.
//!
//! The evaluation fails closed: a missing value (unless `missing = "skip"` leaves a `*` branch out), `null`, a
//! string (even `"0.9"`), a bool, an object or array where a number is expected, `NaN` and infinities (read from
//! Python-written JSON, see [`super::parse_json`]), and a pointer that selects nothing each fail.

use std::fmt;

use serde_json::Value;

use super::{Assessment, join_limited, nonfinite, preview, push_token, truncate};
use crate::diag::reader::suggest;

/// One segment of a parsed pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A reference token with `~1` and `~0` already unescaped: an object key, or an array index when it is a
    /// decimal number without leading zeros.
    Token(String),
    /// `*`: every key of an object or every index of an array.
    Wildcard,
}

/// Why a pointer is not valid RFC 6901 syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PointerError {
    /// A non-empty pointer that does not start with `/`.
    #[error(
        "JSON pointer {pointer:?} must start with '/' (RFC 6901), for example \"/hallucination_rate\" \
         or \"/categories/*/accuracy\""
    )]
    MissingLeadingSlash {
        /// The pointer as written.
        pointer: String,
    },
    /// A `~` not followed by `0` or `1`.
    #[error(
        "JSON pointer {pointer:?} has an invalid escape at byte {offset}: '~' must be followed by 0 (for '~') \
         or 1 (for '/')"
    )]
    InvalidEscape {
        /// The pointer as written.
        pointer: String,
        /// Byte offset of the `~` in the pointer.
        offset: usize,
    },
}

/// Parses pointer syntax: RFC 6901 plus `*` segments.
///
/// The empty pointer designates the whole document and yields no segments.
///
/// # Errors
/// [`PointerError`] when the pointer does not start with `/` or has a `~` escape other than `~0` / `~1`.
pub fn parse_pointer(pointer: &str) -> Result<Vec<Segment>, PointerError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(body) = pointer.strip_prefix('/') else {
        return Err(PointerError::MissingLeadingSlash {
            pointer: pointer.to_owned(),
        });
    };
    let mut segments = Vec::new();
    let mut offset = 1;
    for raw in body.split('/') {
        if raw == "*" {
            segments.push(Segment::Wildcard);
        } else {
            let mut token = String::with_capacity(raw.len());
            let mut chars = raw.char_indices();
            while let Some((i, c)) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some((_, '0')) => token.push('~'),
                        Some((_, '1')) => token.push('/'),
                        _ => {
                            return Err(PointerError::InvalidEscape {
                                pointer: pointer.to_owned(),
                                offset: offset + i,
                            });
                        }
                    }
                } else {
                    token.push(c);
                }
            }
            segments.push(Segment::Token(token));
        }
        offset += raw.len() + 1;
    }
    Ok(segments)
}

/// What the matched values are held against, beside the pointer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Check {
    /// Each value (or the aggregate) must be at least this.
    pub min: Option<f64>,
    /// Each value (or the aggregate) must be at most this.
    pub max: Option<f64>,
    /// Each value must equal one of these (`equals = x` is a list of one, `in = [..]` the list).
    pub one_of: Option<Vec<Literal>>,
    /// The fraction of values that must pass, in 0..=1; `None`: every value.
    pub at_least: Option<f64>,
    /// Reduce the values to one before `min`/`max` apply.
    pub aggregate: Option<Aggregate>,
    /// What a `*` branch without the key does.
    pub missing: Missing,
    /// The change each value may make against the same pointer in a baseline document.
    pub regression: Option<Regression>,
}

/// A value that `equals` / `in` compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// A string, compared exactly.
    String(String),
    /// A number, compared by value (`1` equals `1.0`).
    Number(f64),
}

impl Literal {
    fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (Self::Bool(a), Value::Bool(b)) => a == b,
            (Self::String(a), Value::String(b)) => nonfinite::literal(b).is_none() && a == b,
            (Self::Number(a), Value::Number(b)) => b.as_f64().is_some_and(|b| b == *a),
            _ => false,
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::String(s) => write!(f, "{s:?}"),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

/// How `aggregate` reduces the matched values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Aggregate {
    /// The arithmetic mean.
    Mean,
    /// The median (the mean of the two middle values for an even count).
    Median,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
    /// The sum.
    Sum,
    /// How many values matched (of any type).
    Count,
}

impl Aggregate {
    /// The policy word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Median => "median",
            Self::Min => "min",
            Self::Max => "max",
            Self::Sum => "sum",
            Self::Count => "count",
        }
    }

    fn reduce(self, values: &[f64]) -> f64 {
        let n = values.len() as f64;
        match self {
            Self::Mean => values.iter().sum::<f64>() / n,
            Self::Sum => values.iter().sum(),
            Self::Count => n,
            Self::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            Self::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Self::Median => {
                let mut v = values.to_vec();
                v.sort_by(f64::total_cmp);
                let mid = v.len() / 2;
                match (v.get(mid.wrapping_sub(1)), v.get(mid)) {
                    (Some(a), Some(b)) if v.len().is_multiple_of(2) => (a + b) / 2.0,
                    (_, Some(b)) => *b,
                    _ => f64::NAN,
                }
            }
        }
    }
}

/// What a `*` branch without the key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// It fails the criterion (the default).
    #[default]
    Fail,
    /// It is left out; at least one value must still match.
    Skip,
}

/// The change a value may make against its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Regression {
    /// Higher is better: the value may fall by at most this much.
    MaxDrop(f64),
    /// Lower is better: the value may rise by at most this much.
    MaxRise(f64),
}

/// The result of holding one metric criterion against a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricOutcome {
    /// The check is satisfied.
    pub met: bool,
    /// The bounds, for people: `≥ 0.9`, `≤ 0.05`, `mean ≥ 0.6`, `= true for at least 95% of values`, ...
    pub expected: String,
    /// What was found, for people: the value (`0.072`), or the failing values by concrete pointer.
    pub found: String,
    /// Every value the pointer designates, in document order, passing or not.
    pub readings: Vec<Reading>,
}

impl MetricOutcome {
    /// The readings that fail the criterion.
    pub fn failures(&self) -> impl Iterator<Item = &Reading> {
        self.readings.iter().filter(|r| !r.passed)
    }
}

impl Assessment for MetricOutcome {
    fn met(&self) -> bool {
        self.met
    }
    fn expected(&self) -> &str {
        &self.expected
    }
    fn found(&self) -> &str {
        &self.found
    }
}

/// One value designated by the pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The concrete pointer (every `*` replaced by the key or index it expanded to). For
    /// [`Observed::NoMatch`] and [`Observed::Missing`] the unexpanded rest of the pattern follows the
    /// concrete prefix, for example `/categories/*/accuracy`.
    pub pointer: String,
    /// A readable name of the array element the value is in (its `description`, `name` or `id`), if any.
    pub label: Option<String>,
    /// What is there.
    pub observed: Observed,
    /// The value at the same pointer in the baseline, when there is one.
    pub baseline: Option<Observed>,
    /// Whether this value satisfies the check.
    pub passed: bool,
}

impl Reading {
    /// The value for people: `/results/results/3/success ("refuses dosage") = false`, where the walk stopped,
    /// or `/categories/billing/accuracy: 0.93 → 0.91 (−0.02, allowed −0.01)` against a baseline.
    pub fn describe(&self, check: &Check) -> String {
        let name = match &self.label {
            Some(label) => format!("{} ({label:?})", self.pointer),
            None => self.pointer.clone(),
        };
        match (&self.observed, &self.baseline, check.regression) {
            (Observed::NoMatch, _, _) => format!("no values matched {}", self.pointer),
            (Observed::Missing(Absence::NotInEvidence), Some(then), _) => {
                format!("{name}: in the baseline ({then}), not in the evidence")
            }
            // Already names the pointer where the walk stopped.
            (observed @ Observed::Missing(_), _, _) => observed.to_string(),
            (Observed::Number(now), Some(Observed::Number(then)), Some(r)) => {
                format!("{name}: {}", change_text(*then, *now, r))
            }
            (now, Some(then @ Observed::Missing(_)), Some(_)) => {
                format!("{name} = {now}, but the baseline has no value ({then})")
            }
            (now, Some(then), Some(_)) => format!("{name}: {then} → {now}"),
            (Observed::NotANumber(json), _, _) if check.one_of.is_some() => {
                format!("{name} = {json}")
            }
            (observed, _, _) => format!("{name} = {observed}"),
        }
    }
}

/// What a pointer found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Observed {
    /// A finite number.
    Number(f64),
    /// `NaN`, `Infinity` or `-Infinity` as Python writes them: never within a bound.
    NonFinite(&'static str),
    /// Nothing is there.
    Missing(Absence),
    /// Something other than a number: `null`, a string, a bool, an object or an array (as compact JSON,
    /// shortened when long).
    NotANumber(String),
    /// A `*` expanded to an empty object or array, so nothing was checked.
    NoMatch,
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::NonFinite(literal) => f.write_str(literal),
            Self::Missing(Absence::NotAContainer { at, kind }) => {
                let at = if at.is_empty() { "the document" } else { at };
                write!(f, "missing: {at} is {kind}, not an object or array")
            }
            Self::Missing(Absence::NotAnIndex { at, token }) => {
                let at = if at.is_empty() { "the document" } else { at };
                write!(f, "missing: {at} is an array and {token:?} is not an index")
            }
            Self::Missing(Absence::IndexOutOfRange { at, len }) => {
                let at = if at.is_empty() { "the document" } else { at };
                let noun = if *len == 1 { "element" } else { "elements" };
                write!(f, "missing: {at} is an array of {len} {noun}")
            }
            Self::Missing(Absence::NoSuchKey {
                at,
                key,
                nearest,
                more,
            }) => {
                let at = if at.is_empty() { "the document" } else { at };
                write!(f, "missing: {at} has no key {key:?}")?;
                match nearest.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, " (did you mean {one:?}?)"),
                    keys => {
                        let keys = keys
                            .iter()
                            .map(|k| format!("{k:?}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        match more {
                            0 => write!(f, " (it has {keys})"),
                            n => write!(f, " (it has {keys} and {n} more)"),
                        }
                    }
                }
            }
            Self::Missing(Absence::NotInEvidence) => {
                f.write_str("missing: in the baseline, not in the evidence")
            }
            Self::NotANumber(json) => write!(f, "not a number: {json}"),
            Self::NoMatch => f.write_str("no values matched"),
        }
    }
}

/// Why a pointer designates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Absence {
    /// The object has no such key.
    NoSuchKey {
        /// Concrete pointer of the object (empty for the whole document).
        at: String,
        /// The key that is not there.
        key: String,
        /// The closest key when one is close (a typo), else the first few keys of the object.
        nearest: Vec<String>,
        /// How many more keys the object has than `nearest` shows.
        more: usize,
    },
    /// The array is shorter than the index (or the token is `-`, the element after the last).
    IndexOutOfRange {
        /// Concrete pointer of the array (empty for the whole document).
        at: String,
        /// Length of the array.
        len: usize,
    },
    /// The token is not an array index (`01`, `first`).
    NotAnIndex {
        /// Concrete pointer of the array (empty for the whole document).
        at: String,
        /// The token.
        token: String,
    },
    /// The pointer continues into a value that is neither an object nor an array.
    NotAContainer {
        /// Concrete pointer of that value (empty for the whole document).
        at: String,
        /// What it is, with an article: `a number`, `a string`, `null`, `a bool`.
        kind: &'static str,
    },
    /// The baseline has a value at this pointer and the evidence has none.
    NotInEvidence,
}

/// Holds the value(s) at `pointer` in `doc` against `min` and `max` (both inclusive): every value must pass.
///
/// See [`evaluate_check`] for every other form of check.
pub fn evaluate(doc: &Value, pointer: &str, min: Option<f64>, max: Option<f64>) -> MetricOutcome {
    evaluate_check(
        doc,
        pointer,
        &Check {
            min,
            max,
            ..Check::default()
        },
        None,
    )
}

/// Holds the value(s) at `pointer` in `doc` against `check`, comparing with `baseline` when the check has a
/// regression bound.
///
/// Every value the pointer designates (after `*` expansion) is read; see the module documentation for what
/// fails. A bound that is NaN fails every value; zero values (after `missing = "skip"`) is unmet. An invalid
/// pointer yields an unmet outcome (the policy loader is expected to have refused it already, see
/// [`parse_pointer`]). A regression bound without a baseline document fails every value.
pub fn evaluate_check(
    doc: &Value,
    pointer: &str,
    check: &Check,
    baseline: Option<&Value>,
) -> MetricOutcome {
    let expected = expected_text(check);
    let segments = match parse_pointer(pointer) {
        Ok(segments) => segments,
        Err(err) => {
            return MetricOutcome {
                met: false,
                expected,
                found: format!("invalid pointer: {err}"),
                readings: Vec::new(),
            };
        }
    };
    let wildcard = segments.contains(&Segment::Wildcard);
    let skip = |found: &Found<'_>| {
        check.missing == Missing::Skip
            && wildcard
            && matches!(
                found.value,
                Err(Observed::Missing(Absence::NoSuchKey { .. }) | Observed::NoMatch)
            )
    };
    let current = resolve(doc, &segments)
        .into_iter()
        .filter(|f| !skip(f))
        .collect::<Vec<_>>();
    let mut readings = current
        .iter()
        .map(|found| {
            let before = match (check.regression, baseline) {
                (None, _) => None,
                (Some(_), None) => Some(Observed::Missing(Absence::NotInEvidence)),
                (Some(_), Some(base)) => Some(at_concrete(base, &found.pointer)),
            };
            let passed = match &found.value {
                Ok(value) => passes(value, before.as_ref(), check),
                Err(_) => false,
            };
            Reading {
                pointer: found.pointer.clone(),
                label: found.label.clone(),
                observed: match &found.value {
                    Ok(value) => observe(value),
                    Err(absent) => absent.clone(),
                },
                baseline: before,
                passed,
            }
        })
        .collect::<Vec<_>>();
    if check.missing == Missing::Skip {
        // A value the baseline lacks cannot be compared: left out like a missing key.
        readings.retain(|r| {
            !matches!(
                r.baseline,
                Some(Observed::Missing(Absence::NoSuchKey { .. }) | Observed::NoMatch)
            )
        });
    }
    if let (Some(_), Some(base)) = (check.regression, baseline) {
        // A value the baseline has and the evidence lost is a regression too (unless skipped).
        for gone in resolve(base, &segments) {
            if gone.value.is_err() || readings.iter().any(|r| r.pointer == gone.pointer) {
                continue;
            }
            if check.missing == Missing::Skip {
                continue;
            }
            readings.push(Reading {
                pointer: gone.pointer.clone(),
                label: gone.label.clone(),
                observed: Observed::Missing(Absence::NotInEvidence),
                baseline: gone.value.ok().map(observe),
                passed: false,
            });
        }
    }
    let (met, found) = match check.aggregate {
        Some(aggregate) => aggregate_outcome(&mut readings, aggregate, check),
        None => {
            let passing = readings.iter().filter(|r| r.passed).count();
            let met = !readings.is_empty()
                && match check.at_least {
                    // `passing` is a whole number: the slack only absorbs the rounding of 0.95 × 20.
                    Some(fraction) => passing as f64 >= fraction * readings.len() as f64 - 1e-9,
                    None => passing == readings.len(),
                };
            (met, found_text(&readings, wildcard, check, pointer))
        }
    };
    MetricOutcome {
        met,
        expected,
        found,
        readings,
    }
}

/// Whether one present value passes the per-value part of `check`.
fn passes(value: &Value, before: Option<&Observed>, check: &Check) -> bool {
    if check.aggregate == Some(Aggregate::Count) {
        return true;
    }
    if let Some(literals) = &check.one_of {
        return literals.iter().any(|l| l.matches(value));
    }
    let Observed::Number(now) = observe(value) else {
        return false;
    };
    if check.aggregate.is_some() {
        return true;
    }
    let regressed = match (check.regression, before) {
        (None, _) => false,
        (Some(r), Some(Observed::Number(then))) => !within_change(*then, now, r),
        (Some(_), _) => true,
    };
    within(now, check.min, check.max) && !regressed
}

/// Whether `now` is within the allowed change from `then` (allowing for decimal rounding of the bound).
fn within_change(then: f64, now: f64, r: Regression) -> bool {
    let slack = 1e-9 * then.abs().max(1.0);
    match r {
        Regression::MaxDrop(d) => d >= 0.0 && now - then >= -d - slack,
        Regression::MaxRise(d) => d >= 0.0 && now - then <= d + slack,
    }
}

/// `0.93 → 0.91 (−0.02, allowed −0.01)`.
fn change_text(then: f64, now: f64, r: Regression) -> String {
    let allowed = match r {
        Regression::MaxDrop(d) => signed(-d),
        Regression::MaxRise(d) => signed(d),
    };
    format!("{then} → {now} ({}, allowed {allowed})", signed(now - then))
}

/// A change with its sign (`+0.01`, `−0.02`, `0`), rounded to hide binary noise (0.91 − 0.93).
fn signed(x: f64) -> String {
    let rounded = format!("{:.9}", x.abs());
    let rounded = rounded.trim_end_matches('0').trim_end_matches('.');
    if rounded == "0" {
        "0".to_owned()
    } else if x < 0.0 {
        format!("−{rounded}")
    } else {
        format!("+{rounded}")
    }
}

fn aggregate_outcome(
    readings: &mut [Reading],
    aggregate: Aggregate,
    check: &Check,
) -> (bool, String) {
    if readings.is_empty() {
        return (false, "no values matched".to_owned());
    }
    let bad = readings
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.describe(check))
        .collect::<Vec<_>>();
    if !bad.is_empty() {
        let n = bad.len();
        return (
            false,
            format!(
                "{n} of {} values cannot be aggregated: {}",
                readings.len(),
                join_limited(bad)
            ),
        );
    }
    let numbers = readings
        .iter()
        .filter_map(|r| match r.observed {
            Observed::Number(n) => Some(n),
            _ => None,
        })
        .collect::<Vec<_>>();
    let value = aggregate.reduce(&numbers);
    let met = within(value, check.min, check.max);
    if !met {
        for r in readings.iter_mut() {
            r.passed = false;
        }
    }
    let n = readings.len();
    let noun = if n == 1 { "value" } else { "values" };
    (
        met,
        format!("{} = {value} over {n} {noun}", aggregate.as_str()),
    )
}

fn within(n: f64, min: Option<f64>, max: Option<f64>) -> bool {
    // Written so that a NaN bound fails rather than passes.
    n.is_finite() && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
}

fn expected_text(check: &Check) -> String {
    let range = match (check.min, check.max) {
        (Some(lo), Some(hi)) => Some(format!("≥ {lo} and ≤ {hi}")),
        (Some(lo), None) => Some(format!("≥ {lo}")),
        (None, Some(hi)) => Some(format!("≤ {hi}")),
        (None, None) => None,
    };
    let mut parts = Vec::new();
    if let Some(literals) = &check.one_of {
        match literals.as_slice() {
            [one] => parts.push(format!("= {one}")),
            many => parts.push(format!(
                "one of {}",
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    match (check.aggregate, range) {
        (Some(a), Some(range)) => parts.push(format!("{} {range}", a.as_str())),
        (None, Some(range)) => parts.push(range),
        _ => {}
    }
    match check.regression {
        Some(Regression::MaxDrop(d)) => {
            parts.push(format!("a drop of at most {d} from the baseline"))
        }
        Some(Regression::MaxRise(d)) => {
            parts.push(format!("a rise of at most {d} from the baseline"))
        }
        None => {}
    }
    let mut text = if parts.is_empty() {
        "a number".to_owned()
    } else {
        parts.join(" and ")
    };
    if let Some(fraction) = check.at_least {
        text.push_str(&format!(" for at least {} of values", percent(fraction)));
    }
    text
}

fn percent(fraction: f64) -> String {
    let p = format!("{:.4}", fraction * 100.0);
    format!("{}%", p.trim_end_matches('0').trim_end_matches('.'))
}

fn found_text(readings: &[Reading], wildcard: bool, check: &Check, pattern: &str) -> String {
    let failing = readings.iter().filter(|r| !r.passed).collect::<Vec<_>>();
    if readings.is_empty() {
        return format!("no values matched {pattern}");
    }
    if !wildcard && check.regression.is_none() {
        return match readings {
            [only] => only.observed.to_string(),
            _ => "no value".to_owned(),
        };
    }
    let passing = readings.len() - failing.len();
    let list = join_limited(failing.iter().map(|r| r.describe(check)));
    if check.at_least.is_some() {
        let share = percent(passing as f64 / readings.len() as f64);
        let head = format!("{passing} of {} pass ({share})", readings.len());
        return if failing.is_empty() {
            head
        } else {
            format!("{head}; failing: {list}")
        };
    }
    if failing.is_empty() {
        if check.one_of.is_some() || check.regression.is_some() {
            return match readings.len() {
                1 => "1 value passes".to_owned(),
                n => format!("all {n} values pass"),
            };
        }
        let numbers = readings.iter().filter_map(|r| match r.observed {
            Observed::Number(n) => Some(n),
            _ => None,
        });
        let (lo, hi) = numbers.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), n| {
            (lo.min(n), hi.max(n))
        });
        return match readings.len() {
            1 => format!("1 value: {lo}"),
            n => format!("all {n} values pass ({lo} to {hi})"),
        };
    }
    if readings.len() == 1 {
        list
    } else {
        format!("{} of {} fail: {list}", failing.len(), readings.len())
    }
}

/// What the walk found at one concrete pointer.
struct Found<'v> {
    pointer: String,
    label: Option<String>,
    value: Result<&'v Value, Observed>,
}

/// What the concrete pointer `pointer` (one produced by [`resolve`]) designates in `doc`.
fn at_concrete(doc: &Value, pointer: &str) -> Observed {
    let Ok(segments) = parse_pointer(pointer) else {
        return Observed::Missing(Absence::NotInEvidence);
    };
    let segments = segments
        .into_iter()
        .map(|s| match s {
            // A concrete pointer has no wildcard: a key that is literally `*` is a key here.
            Segment::Wildcard => Segment::Token("*".to_owned()),
            token => token,
        })
        .collect::<Vec<_>>();
    match resolve(doc, &segments).into_iter().next() {
        Some(Found { value: Ok(v), .. }) => observe(v),
        Some(Found { value: Err(o), .. }) => o,
        None => Observed::NoMatch,
    }
}

/// The readable name of an array element: its `description`, `name` or `id`, or the `description` / `name`
/// of an object directly inside it (promptfoo keeps the description in `testCase`).
fn label_of(element: &Value) -> Option<String> {
    let Value::Object(map) = element else {
        return None;
    };
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(truncate(s, LABEL_CHARS)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let direct = |key: &str| map.get(key).and_then(text);
    direct("description")
        .or_else(|| direct("name"))
        .or_else(|| {
            map.values().find_map(|child| match child {
                Value::Object(inner) => inner
                    .get("description")
                    .or_else(|| inner.get("name"))
                    .and_then(text),
                _ => None,
            })
        })
        .or_else(|| direct("id"))
}

const LABEL_CHARS: usize = 60;

/// Expands the pointer over the document, depth first in document order, without recursion.
fn resolve<'v>(doc: &'v Value, segments: &[Segment]) -> Vec<Found<'v>> {
    struct Frame<'v> {
        next: usize,
        pointer: String,
        label: Option<String>,
        value: &'v Value,
    }

    let rest = |pointer: &str, from: usize| {
        let mut p = pointer.to_owned();
        for segment in segments.get(from..).unwrap_or_default() {
            match segment {
                Segment::Token(t) => push_token(&mut p, t),
                Segment::Wildcard => p.push_str("/*"),
            }
        }
        p
    };

    let mut out = Vec::new();
    let mut stack = vec![Frame {
        next: 0,
        pointer: String::new(),
        label: None,
        value: doc,
    }];
    while let Some(Frame {
        next,
        pointer,
        label,
        value,
    }) = stack.pop()
    {
        let Some(segment) = segments.get(next) else {
            out.push(Found {
                pointer,
                label,
                value: Ok(value),
            });
            continue;
        };
        let mut absent = |at_rest: String, label: Option<String>, why: Observed| {
            out.push(Found {
                pointer: at_rest,
                label,
                value: Err(why),
            });
        };
        match (segment, value) {
            (Segment::Wildcard, Value::Object(map)) if map.is_empty() => {
                absent(rest(&pointer, next), label, Observed::NoMatch);
            }
            (Segment::Wildcard, Value::Array(items)) if items.is_empty() => {
                absent(rest(&pointer, next), label, Observed::NoMatch);
            }
            (Segment::Wildcard, Value::Object(map)) => {
                // Pushed in reverse so that they are popped, and reported, in document order.
                for (key, child) in map.iter().rev() {
                    let mut p = pointer.clone();
                    push_token(&mut p, key);
                    stack.push(Frame {
                        next: next + 1,
                        pointer: p,
                        label: label.clone(),
                        value: child,
                    });
                }
            }
            (Segment::Wildcard, Value::Array(items)) => {
                for (index, child) in items.iter().enumerate().rev() {
                    stack.push(Frame {
                        next: next + 1,
                        pointer: format!("{pointer}/{index}"),
                        label: label_of(child).or_else(|| label.clone()),
                        value: child,
                    });
                }
            }
            (Segment::Token(key), Value::Object(map)) => match map.get(key) {
                Some(child) => {
                    let mut p = pointer;
                    push_token(&mut p, key);
                    stack.push(Frame {
                        next: next + 1,
                        pointer: p,
                        label,
                        value: child,
                    });
                }
                None => {
                    let nearest = nearest_keys(key, map);
                    let more = match nearest.as_slice() {
                        [_] => 0,
                        shown => map.len() - shown.len(),
                    };
                    absent(
                        rest(&pointer, next),
                        label,
                        Observed::Missing(Absence::NoSuchKey {
                            at: pointer,
                            key: key.clone(),
                            nearest,
                            more,
                        }),
                    );
                }
            },
            (Segment::Token(token), Value::Array(items)) => match array_index(token) {
                Some(index) => match items.get(index) {
                    Some(child) => stack.push(Frame {
                        next: next + 1,
                        pointer: format!("{pointer}/{index}"),
                        label: label_of(child).or(label),
                        value: child,
                    }),
                    None => absent(
                        rest(&pointer, next),
                        label,
                        Observed::Missing(Absence::IndexOutOfRange {
                            at: pointer,
                            len: items.len(),
                        }),
                    ),
                },
                None if token == "-" || is_decimal(token) => absent(
                    rest(&pointer, next),
                    label,
                    Observed::Missing(Absence::IndexOutOfRange {
                        at: pointer,
                        len: items.len(),
                    }),
                ),
                None => absent(
                    rest(&pointer, next),
                    label,
                    Observed::Missing(Absence::NotAnIndex {
                        at: pointer,
                        token: token.clone(),
                    }),
                ),
            },
            (_, scalar) => absent(
                rest(&pointer, next),
                label,
                Observed::Missing(Absence::NotAContainer {
                    at: pointer,
                    kind: kind_of(scalar),
                }),
            ),
        }
    }
    out
}

/// The key of `map` closest to `key` when one is a likely typo, else its first few keys.
fn nearest_keys(key: &str, map: &serde_json::Map<String, Value>) -> Vec<String> {
    if let Some(close) = suggest(key, map.keys().map(String::as_str)) {
        return vec![close.to_owned()];
    }
    map.keys()
        .take(NEAREST_LIMIT)
        .map(|k| truncate(k, LABEL_CHARS))
        .collect()
}

const NEAREST_LIMIT: usize = 5;

/// An RFC 6901 array index: `0`, or digits without a leading zero, that fits in `usize`.
fn array_index(token: &str) -> Option<usize> {
    if token == "0" {
        return Some(0);
    }
    if !is_decimal(token) || token.starts_with('0') {
        return None;
    }
    token.parse().ok()
}

/// Digits only, no leading zero (too large for `usize` is still an index, just out of range).
fn is_decimal(token: &str) -> bool {
    !token.is_empty() && !token.starts_with('0') && token.bytes().all(|b| b.is_ascii_digit())
}

fn observe(value: &Value) -> Observed {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.is_finite() => Observed::Number(f),
            _ => Observed::NotANumber(n.to_string()),
        },
        Value::String(s) => match nonfinite::literal(s) {
            Some(literal) => Observed::NonFinite(literal),
            None => Observed::NotANumber(preview(value)),
        },
        other => Observed::NotANumber(preview(other)),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::evidence::parse_json;
    use serde_json::json;

    fn eval_doc() -> Value {
        json!({
            "hallucination_rate": 0.072,
            "latency_ms": 300,
            "categories": {
                "billing": {"accuracy": 0.85},
                "returns": {"accuracy": 0.95},
                "shipping": {"accuracy": 0.90}
            },
            "folds": [{"f1": 0.91}, {"f1": 0.89}],
            "empty_map": {},
            "empty_list": [],
            "as_string": "0.9",
            "as_null": null,
            "as_bool": true,
            "nested": {
                "a": {"x": [{"v": 1}, {"v": 2}]},
                "b": {"x": [{"v": 3}]}
            },
            "a/b": {"m~n": 0.5}
        })
    }

    struct Case {
        name: &'static str,
        pointer: &'static str,
        min: Option<f64>,
        max: Option<f64>,
        met: bool,
        found: &'static str,
    }

    #[test]
    fn metric_table() {
        let doc = eval_doc();
        let cases = [
            Case {
                name: "pass under max",
                pointer: "/latency_ms",
                min: None,
                max: Some(500.0),
                met: true,
                found: "300",
            },
            Case {
                name: "fail over max",
                pointer: "/hallucination_rate",
                min: None,
                max: Some(0.05),
                met: false,
                found: "0.072",
            },
            Case {
                name: "fail under min",
                pointer: "/categories/billing/accuracy",
                min: Some(0.9),
                max: None,
                met: false,
                found: "0.85",
            },
            Case {
                name: "equal to min passes",
                pointer: "/categories/shipping/accuracy",
                min: Some(0.90),
                max: None,
                met: true,
                found: "0.9",
            },
            Case {
                name: "equal to max passes",
                pointer: "/hallucination_rate",
                min: None,
                max: Some(0.072),
                met: true,
                found: "0.072",
            },
            Case {
                name: "both bounds",
                pointer: "/latency_ms",
                min: Some(100.0),
                max: Some(200.0),
                met: false,
                found: "300",
            },
            Case {
                name: "missing key",
                pointer: "/toxicity",
                min: None,
                max: Some(0.1),
                met: false,
                found: "missing: the document has no key \"toxicity\" (it has \"a/b\", \"as_bool\", \"as_null\", \"as_string\", \"categories\" and 6 more)",
            },
            Case {
                name: "null",
                pointer: "/as_null",
                min: None,
                max: Some(0.1),
                met: false,
                found: "not a number: null",
            },
            Case {
                name: "numeric string",
                pointer: "/as_string",
                min: Some(0.5),
                max: None,
                met: false,
                found: "not a number: \"0.9\"",
            },
            Case {
                name: "bool",
                pointer: "/as_bool",
                min: None,
                max: None,
                met: false,
                found: "not a number: true",
            },
            Case {
                name: "object where a number is expected",
                pointer: "/categories/billing",
                min: Some(0.9),
                max: None,
                met: false,
                found: "not a number: {\"accuracy\":0.85}",
            },
            Case {
                name: "pointer into a number",
                pointer: "/latency_ms/p99",
                min: None,
                max: Some(1.0),
                met: false,
                found: "missing: /latency_ms is a number, not an object or array",
            },
            Case {
                name: "pointer into a string",
                pointer: "/as_string/x",
                min: None,
                max: Some(1.0),
                met: false,
                found: "missing: /as_string is a string, not an object or array",
            },
            Case {
                name: "wildcard over object, one fails",
                pointer: "/categories/*/accuracy",
                min: Some(0.9),
                max: None,
                met: false,
                found: "1 of 3 fail: /categories/billing/accuracy = 0.85",
            },
            Case {
                name: "wildcard over object, all pass",
                pointer: "/categories/*/accuracy",
                min: Some(0.8),
                max: None,
                met: true,
                found: "all 3 values pass (0.85 to 0.95)",
            },
            Case {
                name: "wildcard over array",
                pointer: "/folds/*/f1",
                min: Some(0.9),
                max: None,
                met: false,
                found: "1 of 2 fail: /folds/1/f1 = 0.89",
            },
            Case {
                name: "nested wildcards",
                pointer: "/nested/*/x/*/v",
                min: None,
                max: Some(2.0),
                met: false,
                found: "1 of 3 fail: /nested/b/x/0/v = 3",
            },
            Case {
                name: "wildcard over empty object",
                pointer: "/empty_map/*/accuracy",
                min: Some(0.9),
                max: None,
                met: false,
                found: "no values matched /empty_map/*/accuracy",
            },
            Case {
                name: "wildcard over empty array",
                pointer: "/empty_list/*",
                min: Some(0.9),
                max: None,
                met: false,
                found: "no values matched /empty_list/*",
            },
            Case {
                name: "wildcard over a scalar",
                pointer: "/latency_ms/*",
                min: None,
                max: None,
                met: false,
                found: "missing: /latency_ms is a number, not an object or array",
            },
            Case {
                name: "wildcard expands to a missing key",
                pointer: "/nested/*/x/0/w",
                min: None,
                max: None,
                met: false,
                found: "2 of 2 fail: missing: /nested/a/x/0 has no key \"w\" (did you mean \"v\"?); missing: /nested/b/x/0 has no key \"w\" (did you mean \"v\"?)",
            },
            Case {
                name: "escapes ~1 and ~0",
                pointer: "/a~1b/m~0n",
                min: Some(0.5),
                max: Some(0.5),
                met: true,
                found: "0.5",
            },
            Case {
                name: "unescaped slash is two segments",
                pointer: "/a/b/m~0n",
                min: None,
                max: None,
                met: false,
                found: "missing: the document has no key \"a\" (it has \"a/b\", \"as_bool\", \"as_null\", \"as_string\", \"categories\" and 6 more)",
            },
            Case {
                name: "array index",
                pointer: "/folds/0/f1",
                min: Some(0.9),
                max: None,
                met: true,
                found: "0.91",
            },
            Case {
                name: "array index out of range",
                pointer: "/folds/2/f1",
                min: None,
                max: None,
                met: false,
                found: "missing: /folds is an array of 2 elements",
            },
            Case {
                name: "array index with leading zero",
                pointer: "/folds/01/f1",
                min: None,
                max: None,
                met: false,
                found: "missing: /folds is an array and \"01\" is not an index",
            },
            Case {
                name: "dash is past the end",
                pointer: "/folds/-",
                min: None,
                max: None,
                met: false,
                found: "missing: /folds is an array of 2 elements",
            },
            Case {
                name: "NaN bound fails",
                pointer: "/latency_ms",
                min: Some(f64::NAN),
                max: None,
                met: false,
                found: "300",
            },
            Case {
                name: "invalid pointer",
                pointer: "latency_ms",
                min: None,
                max: None,
                met: false,
                found: "invalid pointer: JSON pointer \"latency_ms\" must start with '/' (RFC 6901), for example \"/hallucination_rate\" or \"/categories/*/accuracy\"",
            },
        ];
        for case in cases {
            let outcome = evaluate(&doc, case.pointer, case.min, case.max);
            assert_eq!(outcome.met, case.met, "{}: {outcome:?}", case.name);
            assert_eq!(outcome.found, case.found, "{}", case.name);
        }
    }

    #[test]
    fn whole_document_pointer() {
        assert!(evaluate(&json!(0.5), "", Some(0.0), Some(1.0)).met);
        let outcome = evaluate(&json!({"a": 1}), "", None, None);
        assert!(!outcome.met);
        assert_eq!(outcome.found, "not a number: {\"a\":1}");
        let into_scalar = evaluate(&json!(3), "/a", None, None);
        assert_eq!(
            into_scalar.found,
            "missing: the document is a number, not an object or array"
        );
        let into_array = evaluate(&json!([1, 2]), "/a", None, None);
        assert_eq!(
            into_array.found,
            "missing: the document is an array and \"a\" is not an index"
        );
    }

    #[test]
    fn a_key_into_an_array_names_the_array() {
        // A producer that switched from `{"billing": {..}}` to `[{..}]`: the report must say where.
        let doc = json!({"categories": [{"accuracy": 0.95}]});
        let outcome = evaluate(&doc, "/categories/billing/accuracy", Some(0.9), None);
        assert!(!outcome.met);
        assert_eq!(
            outcome.found,
            "missing: /categories is an array and \"billing\" is not an index"
        );
        let doc = json!({"suites": {"a": {"folds": [0.9]}, "b": {"folds": [0.95, 0.97]}}});
        let outcome = evaluate(&doc, "/suites/*/folds/1", Some(0.9), None);
        assert_eq!(
            outcome.found,
            "1 of 2 fail: missing: /suites/a/folds is an array of 1 element"
        );
    }

    #[test]
    fn expected_strings() {
        let doc = json!({"x": 1});
        assert_eq!(evaluate(&doc, "/x", None, Some(0.05)).expected, "≤ 0.05");
        assert_eq!(evaluate(&doc, "/x", Some(0.9), None).expected, "≥ 0.9");
        assert_eq!(
            evaluate(&doc, "/x", Some(0.1), Some(300.0)).expected,
            "≥ 0.1 and ≤ 300"
        );
        assert_eq!(evaluate(&doc, "/x", None, None).expected, "a number");
    }

    #[test]
    fn readings_carry_concrete_pointers_in_document_order() {
        let outcome = evaluate(&eval_doc(), "/categories/*/accuracy", Some(0.9), None);
        let pointers = outcome
            .readings
            .iter()
            .map(|r| (r.pointer.as_str(), r.passed))
            .collect::<Vec<_>>();
        assert_eq!(
            pointers,
            [
                ("/categories/billing/accuracy", false),
                ("/categories/returns/accuracy", true),
                ("/categories/shipping/accuracy", true),
            ]
        );
        let failures = outcome.failures().collect::<Vec<_>>();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].observed, Observed::Number(0.85));
    }

    #[test]
    fn failing_pointer_keys_are_escaped() {
        let doc = json!({"cats": {"a/b": {"acc": 0.1}, "c~d": {"acc": 0.2}}});
        let outcome = evaluate(&doc, "/cats/*/acc", Some(0.5), None);
        let pointers = outcome
            .failures()
            .map(|r| r.pointer.clone())
            .collect::<Vec<_>>();
        assert_eq!(pointers, ["/cats/a~1b/acc", "/cats/c~0d/acc"]);
    }

    #[test]
    fn found_lists_are_limited() {
        let categories = (0..8)
            .map(|i| (format!("c{i}"), json!({"accuracy": 0.1})))
            .collect::<serde_json::Map<_, _>>();
        let doc = json!({ "categories": categories });
        let outcome = evaluate(&doc, "/categories/*/accuracy", Some(0.9), None);
        assert!(!outcome.met);
        assert!(
            outcome
                .found
                .starts_with("8 of 8 fail: /categories/c0/accuracy = 0.1;"),
            "{}",
            outcome.found
        );
        assert!(outcome.found.ends_with("… and 3 more"), "{}", outcome.found);
        assert_eq!(outcome.readings.len(), 8);
    }

    #[test]
    fn large_integers_are_numbers() {
        let doc = json!({"n": u64::MAX, "m": i64::MIN});
        assert!(evaluate(&doc, "/n", Some(1.0), None).met);
        assert!(evaluate(&doc, "/m", None, Some(0.0)).met);
    }

    #[test]
    fn deep_documents_do_not_recurse() {
        // Values built in code are not limited to 128 levels; the walk is iterative either way.
        let mut doc = json!(1);
        let mut pointer = String::new();
        for _ in 0..10_000 {
            let mut map = serde_json::Map::new();
            map.insert("a".to_owned(), doc);
            doc = Value::Object(map);
            pointer.push_str("/*");
        }
        // Dropping a deep serde_json::Value recurses; never drop it, even when an assertion fails.
        let doc = std::mem::ManuallyDrop::new(doc);
        assert!(evaluate(&doc, &pointer, Some(1.0), Some(1.0)).met);
        assert!(!evaluate(&doc, &pointer, Some(2.0), None).met);
    }

    #[test]
    fn parse_pointer_syntax() {
        assert_eq!(parse_pointer(""), Ok(vec![]));
        assert_eq!(parse_pointer("/"), Ok(vec![Segment::Token(String::new())]));
        assert_eq!(
            parse_pointer("/a~1b/*/c~0d/~01"),
            Ok(vec![
                Segment::Token("a/b".into()),
                Segment::Wildcard,
                Segment::Token("c~d".into()),
                Segment::Token("~1".into()),
            ])
        );
        assert_eq!(parse_pointer("/**"), Ok(vec![Segment::Token("**".into())]));
        assert_eq!(
            parse_pointer("a/b"),
            Err(PointerError::MissingLeadingSlash {
                pointer: "a/b".into()
            })
        );
        assert_eq!(
            parse_pointer("/ab/c~2"),
            Err(PointerError::InvalidEscape {
                pointer: "/ab/c~2".into(),
                offset: 5
            })
        );
        assert_eq!(
            parse_pointer("/a~"),
            Err(PointerError::InvalidEscape {
                pointer: "/a~".into(),
                offset: 2
            })
        );
    }

    fn check() -> Check {
        Check::default()
    }

    fn promptfoo() -> Value {
        json!({"results": {"results": [
            {"id": "a1", "testCase": {"description": "greets politely"}, "success": true},
            {"id": "a2", "testCase": {"description": "refuses a dosage question"}, "success": false},
            {"id": "a3", "success": true},
            {"id": "a4", "description": "keeps the persona", "success": true}
        ]}})
    }

    #[test]
    fn equals_with_at_least_counts_the_share_and_names_failures() {
        let c = Check {
            one_of: Some(vec![Literal::Bool(true)]),
            at_least: Some(0.75),
            ..check()
        };
        let o = evaluate_check(&promptfoo(), "/results/results/*/success", &c, None);
        assert!(o.met, "{o:?}");
        assert_eq!(o.expected, "= true for at least 75% of values");
        assert_eq!(
            o.found,
            "3 of 4 pass (75%); failing: /results/results/1/success (\"refuses a dosage question\") = false"
        );
        let strict = Check {
            at_least: None,
            ..c.clone()
        };
        let o = evaluate_check(&promptfoo(), "/results/results/*/success", &strict, None);
        assert!(!o.met);
        let c = Check {
            at_least: Some(0.8),
            ..c
        };
        assert!(!evaluate_check(&promptfoo(), "/results/results/*/success", &c, None).met);
    }

    #[test]
    fn at_least_is_exact_at_the_boundary() {
        // 0.7 × 10 is 7.000000000000001 in binary: 7 of 10 must still pass, 6 must not.
        let doc =
            |passing: usize| Value::Array((0..10).map(|i| Value::Bool(i < passing)).collect());
        let c = Check {
            one_of: Some(vec![Literal::Bool(true)]),
            at_least: Some(0.7),
            ..check()
        };
        assert!(evaluate_check(&doc(7), "/*", &c, None).met);
        assert!(!evaluate_check(&doc(6), "/*", &c, None).met);
    }

    #[test]
    fn labels_prefer_names_over_ids() {
        let o = evaluate_check(
            &promptfoo(),
            "/results/results/*/success",
            &Check {
                one_of: Some(vec![Literal::Bool(false)]),
                ..check()
            },
            None,
        );
        let labels = o
            .readings
            .iter()
            .map(|r| r.label.as_deref())
            .collect::<Vec<_>>();
        assert_eq!(
            labels,
            [
                Some("greets politely"),
                Some("refuses a dosage question"),
                Some("a3"),
                Some("keeps the persona")
            ]
        );
    }

    #[test]
    fn in_compares_strings_and_numbers_exactly() {
        let doc =
            json!({"samples": [{"score": "C"}, {"score": "I"}, {"score": 1}, {"score": "c"}]});
        let c = Check {
            one_of: Some(vec![Literal::String("C".into()), Literal::Number(1.0)]),
            ..check()
        };
        let o = evaluate_check(&doc, "/samples/*/score", &c, None);
        assert!(!o.met);
        assert_eq!(o.expected, "one of \"C\", 1");
        assert_eq!(
            o.found,
            "2 of 4 fail: /samples/1/score = \"I\"; /samples/3/score = \"c\""
        );
        assert!(evaluate_check(&json!({"x": 1.0}), "/x", &c, None).met);
        assert!(!evaluate_check(&json!({"x": "1"}), "/x", &c, None).met);
    }

    fn lm_eval() -> Value {
        parse_json(
            br#"{"results": {
                "arc_easy": {"alias": "arc_easy", "acc,none": 0.80, "acc_stderr,none": 0.008},
                "hellaswag": {"alias": "hellaswag", "acc,none": 0.60},
                "mmlu": {"alias": "mmlu"},
                "truthfulqa_gen": {"alias": "truthfulqa_gen", "acc,none": NaN, "bleu_max,none": Infinity}
            }}"#,
        )
        .unwrap()
    }

    #[test]
    fn aggregates_reduce_first_and_nan_never_passes() {
        let mean = |missing| Check {
            aggregate: Some(Aggregate::Mean),
            min: Some(0.6),
            missing,
            ..check()
        };
        let o = evaluate_check(
            &lm_eval(),
            "/results/*/acc,none",
            &mean(Missing::Skip),
            None,
        );
        assert!(!o.met);
        assert_eq!(o.expected, "mean ≥ 0.6");
        assert_eq!(
            o.found,
            "1 of 3 values cannot be aggregated: /results/truthfulqa_gen/acc,none = NaN"
        );
        let o = evaluate_check(
            &lm_eval(),
            "/results/*/acc,none",
            &mean(Missing::Fail),
            None,
        );
        assert!(!o.met);
        assert!(
            o.found
                .contains("missing: /results/mmlu has no key \"acc,none\""),
            "{}",
            o.found
        );

        let doc = json!({"r": {"a": {"acc": 0.8}, "b": {"acc": 0.5}, "c": {"x": 1}}});
        let o = evaluate_check(&doc, "/r/*/acc", &mean(Missing::Skip), None);
        assert!(o.met, "{o:?}");
        assert_eq!(o.found, "mean = 0.65 over 2 values");
        for (aggregate, value) in [
            (Aggregate::Median, 0.65),
            (Aggregate::Min, 0.5),
            (Aggregate::Max, 0.8),
            (Aggregate::Sum, 1.3),
            (Aggregate::Count, 2.0),
        ] {
            let c = Check {
                aggregate: Some(aggregate),
                min: Some(value - 1e-9),
                max: Some(value + 1e-9),
                missing: Missing::Skip,
                ..check()
            };
            assert!(
                evaluate_check(&doc, "/r/*/acc", &c, None).met,
                "{aggregate:?}"
            );
        }
        let odd = json!([3, 1, 2]);
        assert_eq!(Aggregate::Median.reduce(&[3.0, 1.0, 2.0]), 2.0);
        let c = Check {
            aggregate: Some(Aggregate::Median),
            min: Some(2.0),
            max: Some(2.0),
            ..check()
        };
        assert!(evaluate_check(&odd, "/*", &c, None).met);
    }

    #[test]
    fn non_finite_values_are_shown_and_fail_every_bound() {
        let doc = lm_eval();
        for (min, max) in [(None, None), (Some(0.0), None), (None, Some(1e300))] {
            let o = evaluate(&doc, "/results/truthfulqa_gen/bleu_max,none", min, max);
            assert!(!o.met);
            assert_eq!(o.found, "Infinity");
        }
        let o = evaluate(&doc, "/results/truthfulqa_gen/acc,none", None, Some(1.0));
        assert_eq!(o.found, "NaN");
        let o = evaluate(&doc, "/results/truthfulqa_gen", None, Some(1.0));
        assert!(
            o.found.starts_with("not a number: {\"acc,none\":NaN,"),
            "{}",
            o.found
        );
        let c = Check {
            one_of: Some(vec![Literal::String("NaN".into())]),
            ..check()
        };
        assert!(!evaluate_check(&doc, "/results/truthfulqa_gen/acc,none", &c, None).met);
    }

    #[test]
    fn skip_still_needs_one_match() {
        let c = Check {
            min: Some(0.0),
            missing: Missing::Skip,
            ..check()
        };
        let o = evaluate_check(&json!({"r": {"a": {}, "b": {}}}), "/r/*/acc", &c, None);
        assert!(!o.met);
        assert_eq!(o.found, "no values matched /r/*/acc");
        let o = evaluate_check(&json!({"r": {}}), "/r/*/acc", &c, None);
        assert!(!o.met);
    }

    #[test]
    fn regression_against_a_baseline() {
        let prod = json!({"categories": {"billing": {"accuracy": 0.93}, "returns": {"accuracy": 0.90}, "refunds": {"accuracy": 0.88}}});
        let cand = json!({"categories": {"billing": {"accuracy": 0.91}, "returns": {"accuracy": 0.895}, "new": {"accuracy": 0.5}}});
        let c = Check {
            regression: Some(Regression::MaxDrop(0.01)),
            ..check()
        };
        let o = evaluate_check(&cand, "/categories/*/accuracy", &c, Some(&prod));
        assert!(!o.met);
        assert_eq!(o.expected, "a drop of at most 0.01 from the baseline");
        let failures = o.failures().map(|r| r.describe(&c)).collect::<Vec<_>>();
        assert_eq!(
            failures,
            [
                "/categories/billing/accuracy: 0.93 → 0.91 (−0.02, allowed −0.01)",
                "/categories/new/accuracy = 0.5, but the baseline has no value (missing: /categories has no key \"new\" (it has \"billing\", \"refunds\", \"returns\"))",
                "/categories/refunds/accuracy: in the baseline (0.88), not in the evidence",
            ]
        );
        assert_eq!(
            o.failures().nth(2).map(|r| r.pointer.as_str()),
            Some("/categories/refunds/accuracy")
        );
        let skip = Check {
            missing: Missing::Skip,
            ..c.clone()
        };
        let o = evaluate_check(&cand, "/categories/*/accuracy", &skip, Some(&prod));
        assert_eq!(
            o.failures().map(|r| r.pointer.as_str()).collect::<Vec<_>>(),
            ["/categories/billing/accuracy"]
        );
        assert_eq!(o.readings.len(), 2);
        // Nothing left to compare is no pass.
        let o = evaluate_check(
            &json!({"categories": {"x": {"accuracy": 1}}}),
            "/categories/*/accuracy",
            &skip,
            Some(&prod),
        );
        assert!(!o.met, "{o:?}");
        // Exactly the allowed drop passes despite binary rounding.
        let same = json!({"categories": {"billing": {"accuracy": 0.92}}});
        let base = json!({"categories": {"billing": {"accuracy": 0.93}}});
        assert!(evaluate_check(&same, "/categories/*/accuracy", &c, Some(&base)).met);
        // Lower is better.
        let rise = Check {
            regression: Some(Regression::MaxRise(0.0)),
            ..check()
        };
        let o = evaluate_check(
            &json!({"p95": 310}),
            "/p95",
            &rise,
            Some(&json!({"p95": 300})),
        );
        assert!(!o.met);
        assert_eq!(o.found, "/p95: 300 → 310 (+10, allowed 0)");
        assert!(
            evaluate_check(
                &json!({"p95": 290}),
                "/p95",
                &rise,
                Some(&json!({"p95": 300}))
            )
            .met
        );
        // NaN on either side never passes; no baseline document fails.
        assert!(!evaluate_check(&json!({"p95": 290}), "/p95", &rise, Some(&lm_eval())).met);
        assert!(!evaluate_check(&json!({"p95": 290}), "/p95", &rise, None).met);
    }
}
