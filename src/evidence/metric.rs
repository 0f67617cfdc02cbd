//! `metric` criteria: a number in a JSON evidence file, found by JSON pointer, held against `min` / `max`.
//!
//! Pointers follow RFC 6901 (`/categories/billing/accuracy`, `~0` for `~`, `~1` for `/`), with one extension: a
//! segment that is exactly `*` expands to every key of an object or every index of an array, so
//! `/categories/*/accuracy` checks the accuracy of every category. Several `*` may appear. Every expanded value must
//! pass, and each failing one is reported by its concrete pointer. Because `*` is reserved, an object key that is
//! literally `*` cannot be addressed.
//!
//! The evaluation fails closed: a missing value, `null`, a string (even `"0.9"`), a bool, an object or array where
//! a number is expected, and a `*` that expands to nothing each fail the criterion.

use std::fmt;

use serde_json::Value;

use super::{Assessment, join_limited, preview, push_token};

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

/// The result of holding one metric criterion against a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricOutcome {
    /// Every expanded value exists, is a number and is within bounds.
    pub met: bool,
    /// The bounds, for people: `≥ 0.9`, `≤ 0.05`, `≥ 0.1 and ≤ 0.9`, or `a number` without bounds.
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
    /// [`Observed::NoMatch`] and [`Absence::NotAContainer`] the unexpanded rest of the pattern follows the
    /// concrete prefix, for example `/categories/*/accuracy`.
    pub pointer: String,
    /// What is there.
    pub observed: Observed,
    /// Whether this value satisfies the bounds.
    pub passed: bool,
}

/// What a pointer found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Observed {
    /// A finite number.
    Number(f64),
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
            Self::Missing(Absence::NoSuchKey) => f.write_str("missing"),
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
    NoSuchKey,
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
}

/// Holds the value(s) at `pointer` in `doc` against `min` and `max` (both inclusive).
///
/// Every value the pointer designates (after `*` expansion) must be a finite number within the bounds; see the
/// module documentation for what fails. A bound that is NaN fails every value. An invalid pointer yields an unmet
/// outcome (the policy loader is expected to have refused it already, see [`parse_pointer`]).
pub fn evaluate(doc: &Value, pointer: &str, min: Option<f64>, max: Option<f64>) -> MetricOutcome {
    let expected = expected_text(min, max);
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
    let readings = resolve(doc, &segments)
        .into_iter()
        .map(|(pointer, observed)| {
            let passed = match observed {
                Observed::Number(n) => within(n, min, max),
                _ => false,
            };
            Reading {
                pointer,
                observed,
                passed,
            }
        })
        .collect::<Vec<_>>();
    let met = !readings.is_empty() && readings.iter().all(|r| r.passed);
    let found = found_text(&readings, segments.contains(&Segment::Wildcard));
    MetricOutcome {
        met,
        expected,
        found,
        readings,
    }
}

fn within(n: f64, min: Option<f64>, max: Option<f64>) -> bool {
    // Written so that a NaN bound fails rather than passes.
    n.is_finite() && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
}

fn expected_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("≥ {lo} and ≤ {hi}"),
        (Some(lo), None) => format!("≥ {lo}"),
        (None, Some(hi)) => format!("≤ {hi}"),
        (None, None) => "a number".to_owned(),
    }
}

fn found_text(readings: &[Reading], wildcard: bool) -> String {
    let failing = readings.iter().filter(|r| !r.passed).collect::<Vec<_>>();
    if !wildcard {
        return match readings {
            [only] => only.observed.to_string(),
            _ => "no value".to_owned(),
        };
    }
    if failing.is_empty() {
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
    let items = failing.iter().map(|r| match r.observed {
        Observed::NoMatch => format!("no values matched {}", r.pointer),
        // Already names the pointer where the walk stopped.
        ref observed @ Observed::Missing(
            Absence::NotAContainer { .. }
            | Absence::NotAnIndex { .. }
            | Absence::IndexOutOfRange { .. },
        ) => observed.to_string(),
        ref observed => format!("{} = {observed}", r.pointer),
    });
    let list = join_limited(items);
    if readings.len() == 1 {
        list
    } else {
        format!("{} of {} fail: {list}", failing.len(), readings.len())
    }
}

/// Expands the pointer over the document, depth first in document order, without recursion.
fn resolve(doc: &Value, segments: &[Segment]) -> Vec<(String, Observed)> {
    struct Frame<'v> {
        next: usize,
        pointer: String,
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
        value: doc,
    }];
    while let Some(Frame {
        next,
        pointer,
        value,
    }) = stack.pop()
    {
        let Some(segment) = segments.get(next) else {
            out.push((pointer, observe(value)));
            continue;
        };
        match (segment, value) {
            (Segment::Wildcard, Value::Object(map)) if map.is_empty() => {
                out.push((rest(&pointer, next), Observed::NoMatch));
            }
            (Segment::Wildcard, Value::Array(items)) if items.is_empty() => {
                out.push((rest(&pointer, next), Observed::NoMatch));
            }
            (Segment::Wildcard, Value::Object(map)) => {
                // Pushed in reverse so that they are popped, and reported, in document order.
                for (key, child) in map.iter().rev() {
                    let mut p = pointer.clone();
                    push_token(&mut p, key);
                    stack.push(Frame {
                        next: next + 1,
                        pointer: p,
                        value: child,
                    });
                }
            }
            (Segment::Wildcard, Value::Array(items)) => {
                for (index, child) in items.iter().enumerate().rev() {
                    stack.push(Frame {
                        next: next + 1,
                        pointer: format!("{pointer}/{index}"),
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
                        value: child,
                    });
                }
                None => out.push((rest(&pointer, next), Observed::Missing(Absence::NoSuchKey))),
            },
            (Segment::Token(token), Value::Array(items)) => match array_index(token) {
                Some(index) => match items.get(index) {
                    Some(child) => stack.push(Frame {
                        next: next + 1,
                        pointer: format!("{pointer}/{index}"),
                        value: child,
                    }),
                    None => out.push((
                        rest(&pointer, next),
                        Observed::Missing(Absence::IndexOutOfRange {
                            at: pointer,
                            len: items.len(),
                        }),
                    )),
                },
                None if token == "-" || is_decimal(token) => out.push((
                    rest(&pointer, next),
                    Observed::Missing(Absence::IndexOutOfRange {
                        at: pointer,
                        len: items.len(),
                    }),
                )),
                None => out.push((
                    rest(&pointer, next),
                    Observed::Missing(Absence::NotAnIndex {
                        at: pointer,
                        token: token.clone(),
                    }),
                )),
            },
            (_, scalar) => out.push((
                rest(&pointer, next),
                Observed::Missing(Absence::NotAContainer {
                    at: pointer,
                    kind: kind_of(scalar),
                }),
            )),
        }
    }
    out
}

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
                found: "missing",
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
                found: "2 of 2 fail: /nested/a/x/0/w = missing; /nested/b/x/0/w = missing",
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
                found: "missing",
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
}
