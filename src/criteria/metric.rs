//! `metric`: numbers in a JSON evidence file within bounds.
//!
//! ```toml
//! metric = { evidence = "eval", pointer = "/categories/*/accuracy", min = 0.90 }
//! ```
//!
//! The pointer is RFC 6901 with `*` segments (every key or index); reading the document and
//! comparing the selected values is [`crate::evidence::metric`].

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::reader::{Reader, Value};
use crate::evidence::metric;

const METRIC_KEYS: &[&str] = &["evidence", "pointer", "min", "max"];

/// Parses a `metric` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    let what = cx.what.clone();
    let span = value.span();
    let example = "metric = { evidence = \"eval\", pointer = \"/hallucination_rate\", max = 0.05 }";
    let t = r.table(value, &what, example)?;
    r.unknown_keys(t, METRIC_KEYS, &what);
    let ev = cx.evidence(r, t, "evidence", span.clone(), "evidence = \"eval\"");
    let pointer = r
            .required(t, "pointer", span.clone(), &what, "pointer = \"/hallucination_rate\"")
            .and_then(|v| {
                let p = r.string(v, &format!("`pointer` of {what}"), "pointer = \"/accuracy\"")?;
                match pointer_problem(p) {
                    None => Some(p.to_owned()),
                    Some(problem) => {
                        r.report(
                            K::BadValue,
                            v.span(),
                            format!("`pointer` of {what} is not a JSON pointer: {problem}"),
                            "bad JSON pointer",
                            "write an RFC 6901 pointer such as \"/hallucination_rate\" or \"/categories/*/accuracy\" (`~0` is `~`, `~1` is `/`, a `*` segment matches every key or index)",
                        );
                        None
                    }
                }
            });
    let bound = |c: &mut Reader<'_>, key: &str| match t.get(key) {
        None => Some(None),
        Some(v) => c
            .number(v, &format!("`{key}` of {what}"), &format!("{key} = 0.05"))
            .map(Some),
    };
    let min = bound(r, "min");
    let max = bound(r, "max");
    if let (Some(None), Some(None)) = (min, max) {
        r.report(
            K::MissingKey,
            span.clone(),
            format!("{what} has neither `min` nor `max`"),
            "no bound",
            "add `min`, `max` or both: a metric without bounds checks nothing",
        );
        return None;
    }
    if let (Some(Some(lo)), Some(Some(hi))) = (min, max)
        && lo > hi
    {
        r.report(
            K::BadValue,
            span,
            format!("{what} has `min` {lo} above `max` {hi}"),
            "no value can pass",
            "swap them, or fix the one that is wrong",
        );
        return None;
    }
    Some(CriterionKind::Metric {
        evidence: ev?,
        pointer: pointer?,
        min: min?,
        max: max?,
    })
}

/// Holds the JSON evidence `evidence` against `min`/`max` at `pointer`.
pub(crate) fn hold(
    cx: &HoldCtx<'_>,
    evidence: &str,
    pointer: &str,
    min: Option<f64>,
    max: Option<f64>,
) -> Held {
    let mut r = Held::new(cx.written(evidence));
    match (cx.evidence.json(evidence), cx.missing(evidence)) {
        (Some(doc), _) => {
            let o = metric::evaluate(doc, pointer, min, max);
            r.met = o.met;
            r.details = o
                .failures()
                .map(|f| format!("{}: {}", f.pointer, f.observed))
                .collect();
            r.expected = format!("{pointer} {}", o.expected);
            r.found = o.found;
        }
        (None, why) => r.unmet_missing(format!("{pointer} {}", bounds(min, max)), why),
    }
    r
}

fn bounds(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("≥ {a} and ≤ {b}"),
        (Some(a), None) => format!("≥ {a}"),
        (None, Some(b)) => format!("≤ {b}"),
        (None, None) => "a number".into(),
    }
}

/// Why `p` is not an RFC 6901 JSON pointer (with `*` segments allowed), if it is not.
fn pointer_problem(p: &str) -> Option<&'static str> {
    if p.is_empty() {
        return None;
    }
    if !p.starts_with('/') {
        return Some("it must be empty or start with `/`");
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Some("`~` must be followed by `0` or `1`");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        for ok in ["", "/", "/a", "/categories/*/accuracy", "/a~0b/~1c", "/0"] {
            assert_eq!(pointer_problem(ok), None, "{ok}");
        }
        for bad in ["a", "a/b", "/a~", "/a~2", "*"] {
            assert!(pointer_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn suggestions_catch_typos_only() {
        use crate::diag::reader::suggest;
        assert_eq!(suggest("maximum", METRIC_KEYS.iter().copied()), Some("max"));
        assert_eq!(suggest("ev", METRIC_KEYS.iter().copied()), None);
    }
}
