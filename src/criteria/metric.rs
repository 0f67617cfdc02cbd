//! `metric`: values in a JSON evidence file within bounds, equal to accepted values, passing in a share, as an
//! aggregate, or against a baseline.
//!
//! ```toml
//! metric = { evidence = "eval", pointer = "/categories/*/accuracy", min = 0.90 }
//! metric = { evidence = "promptfoo", pointer = "/results/results/*/success", equals = true, at_least = 0.95 }
//! metric = { evidence = "lm_eval", pointer = "/results/*/acc,none", aggregate = "mean", min = 0.60, missing = "skip" }
//! metric = { evidence = "eval", pointer = "/categories/*/accuracy", baseline = "eval_prod", max_drop = 0.01 }
//! ```
//!
//! The pointer is RFC 6901 with `*` segments (every key or index); reading the document and
//! comparing the selected values is [`crate::evidence::metric`]. Which keys combine is checked here, each
//! mistake reported at the key.

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::reader::{Reader, Value};
use crate::evidence::metric::{self, Aggregate, Check, Literal, Missing, Regression};
use toml::de::DeValue;

const METRIC_KEYS: &[&str] = &[
    "evidence",
    "pointer",
    "min",
    "max",
    "equals",
    "in",
    "at_least",
    "aggregate",
    "missing",
    "baseline",
    "max_drop",
    "max_rise",
];

const AGGREGATES: &[(&str, Aggregate)] = &[
    ("mean", Aggregate::Mean),
    ("median", Aggregate::Median),
    ("min", Aggregate::Min),
    ("max", Aggregate::Max),
    ("sum", Aggregate::Sum),
    ("count", Aggregate::Count),
];

const MISSING: &[(&str, Missing)] = &[("fail", Missing::Fail), ("skip", Missing::Skip)];

/// Keys that cannot be written together, with why.
const CONFLICTS: &[(&str, &str, &str)] = &[
    (
        "equals",
        "in",
        "`in` already lists the accepted values: put the `equals` value in it",
    ),
    (
        "equals",
        "min",
        "`equals` compares values that are not numbers; use `min`/`max` for numbers",
    ),
    (
        "equals",
        "max",
        "`equals` compares values that are not numbers; use `min`/`max` for numbers",
    ),
    (
        "in",
        "min",
        "`in` compares values that are not numbers; use `min`/`max` for numbers",
    ),
    (
        "in",
        "max",
        "`in` compares values that are not numbers; use `min`/`max` for numbers",
    ),
    (
        "aggregate",
        "equals",
        "an aggregate is a number: bound it with `min`/`max`",
    ),
    (
        "aggregate",
        "in",
        "an aggregate is a number: bound it with `min`/`max`",
    ),
    (
        "aggregate",
        "at_least",
        "an aggregate is one value: `at_least` counts passing values, drop one of them",
    ),
    (
        "aggregate",
        "baseline",
        "compare each value with the baseline, or aggregate, not both",
    ),
    (
        "baseline",
        "equals",
        "a baseline compares numbers: use `max_drop` or `max_rise`",
    ),
    (
        "baseline",
        "in",
        "a baseline compares numbers: use `max_drop` or `max_rise`",
    ),
    (
        "max_drop",
        "max_rise",
        "say which way is better: `max_drop` when higher is better, `max_rise` when lower is",
    ),
];

/// Parses a `metric` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    let what = cx.what.clone();
    let span = value.span();
    let example = "metric = { evidence = \"eval\", pointer = \"/hallucination_rate\", max = 0.05 }";
    let t = r.keyed_table(value, &what, example, METRIC_KEYS)?;
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
    let mut conflict = false;
    for (a, b, help) in CONFLICTS {
        if let (Some(_), Some(vb)) = (t.get(*a), t.get(*b)) {
            r.report(
                K::BadValue,
                vb.span(),
                format!("{what} has both `{a}` and `{b}`"),
                format!("`{b}` cannot be used with `{a}`"),
                *help,
            );
            conflict = true;
        }
    }
    let bound = |c: &mut Reader<'_>, key: &str| match t.get(key) {
        None => Some(None),
        Some(v) => c
            .number(v, &format!("`{key}` of {what}"), &format!("{key} = 0.05"))
            .map(Some),
    };
    let min = bound(r, "min");
    let max = bound(r, "max");
    let at_least = bound(r, "at_least");
    let max_drop = bound(r, "max_drop");
    let max_rise = bound(r, "max_rise");
    let mut bad = false;
    if let (Some(Some(f)), Some(v)) = (at_least, t.get("at_least"))
        && !(0.0..=1.0).contains(&f)
    {
        r.report(
            K::BadValue,
            v.span(),
            format!("`at_least` of {what} must be a fraction from 0 to 1, found {f}"),
            "not a fraction",
            "write the share of values that must pass, such as `at_least = 0.95` for 95%",
        );
        bad = true;
    }
    for key in ["max_drop", "max_rise"] {
        let n = if key == "max_drop" {
            max_drop
        } else {
            max_rise
        };
        if let (Some(Some(n)), Some(v)) = (n, t.get(key))
            && n < 0.0
        {
            r.report(
                K::BadValue,
                v.span(),
                format!("`{key}` of {what} must not be negative, found {n}"),
                "negative",
                format!("write the largest change allowed, such as `{key} = 0.01`"),
            );
            bad = true;
        }
    }
    let one_of = match (t.get("equals"), t.get("in")) {
        (Some(v), _) => literal(r, v, &format!("`equals` of {what}")).map(|l| Some(vec![l])),
        (None, Some(v)) => r
            .non_empty_array(
                v,
                &format!("`in` of {what}"),
                "in = [\"C\", \"success\"]",
                "nothing can match",
                "list the accepted values, such as `in = [\"C\", \"success\"]`",
            )
            .and_then(|items| {
                let parsed = items
                    .iter()
                    .map(|item| literal(r, item, &format!("an element of `in` of {what}")))
                    .collect::<Vec<_>>();
                parsed.into_iter().collect::<Option<Vec<_>>>()
            })
            .map(Some),
        (None, None) => Some(None),
    };
    let aggregate = match t.get("aggregate") {
        None => Some(None),
        Some(v) => r
            .one_of(
                v,
                &format!("`aggregate` of {what}"),
                "aggregate",
                AGGREGATES,
            )
            .map(Some),
    };
    let missing = match t.get("missing") {
        None => Some(Missing::Fail),
        Some(v) => r.one_of(v, &format!("`missing` of {what}"), "missing mode", MISSING),
    };
    let baseline = match t.get("baseline") {
        None => Some(None),
        Some(v) => {
            let name = r.name(
                v,
                &format!("`baseline` of {what}"),
                "baseline = \"eval_prod\"",
            );
            if let Some(name) = &name {
                cx.refer(name, v.span());
            }
            name.map(Some)
        }
    };
    let regression = match (max_drop, max_rise) {
        (Some(Some(d)), _) => Some(Some(Regression::MaxDrop(d))),
        (_, Some(Some(d))) => Some(Some(Regression::MaxRise(d))),
        (Some(None), Some(None)) => Some(None),
        _ => None,
    };
    match (t.get("baseline"), regression) {
        (Some(v), Some(None)) => {
            r.report(
                K::MissingKey,
                v.span(),
                format!("{what} has a `baseline` but neither `max_drop` nor `max_rise`"),
                "compared how?",
                "add `max_drop = 0.01` (higher is better) or `max_rise = 0.01` (lower is better)",
            );
            bad = true;
        }
        (None, Some(Some(_))) => {
            let key = if t.contains_key("max_drop") {
                "max_drop"
            } else {
                "max_rise"
            };
            let at = t.get(key).map_or(span.clone(), |v| v.span());
            r.report(
                K::MissingKey,
                at,
                format!("{what} has `{key}` but no `baseline`"),
                "compared with what?",
                "name the evidence to compare with, such as `baseline = \"eval_prod\"` (the production model's eval)",
            );
            bad = true;
        }
        _ => {}
    }
    if !conflict
        && let (Some(Some(_)), Some(None), Some(None), Some(v)) =
            (aggregate, min, max, t.get("aggregate"))
    {
        r.report(
            K::MissingKey,
            v.span(),
            format!("{what} has an `aggregate` but neither `min` nor `max`"),
            "no bound",
            "bound the aggregate, such as `aggregate = \"mean\", min = 0.60`",
        );
        bad = true;
    }
    let checks_something = !matches!((min, max), (Some(None), Some(None)))
        || t.contains_key("equals")
        || t.contains_key("in")
        || ["baseline", "aggregate", "max_drop", "max_rise"]
            .iter()
            .any(|k| t.contains_key(*k));
    if !checks_something && !conflict {
        r.report(
            K::MissingKey,
            span.clone(),
            format!("{what} has neither `min` nor `max`"),
            "no bound",
            "add `min`, `max` or both, `equals`/`in`, or a `baseline` with `max_drop`/`max_rise`: a metric without them checks nothing",
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
    if conflict || bad {
        return None;
    }
    let (min, max) = (min?, max?);
    Some(CriterionKind::Metric {
        evidence: ev?,
        pointer: pointer?,
        min,
        max,
        check: Check {
            min,
            max,
            one_of: one_of?,
            at_least: at_least?,
            aggregate: aggregate?,
            missing: missing?,
            regression: regression?,
        },
        baseline: baseline?,
    })
}

/// A value `equals` / `in` compares with: a bool, a string or a finite number.
fn literal(r: &mut Reader<'_>, v: &Value<'_>, what: &str) -> Option<Literal> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(Literal::Bool(*b)),
        DeValue::String(s) => Some(Literal::String(s.to_string())),
        DeValue::Integer(_) | DeValue::Float(_) => {
            r.number(v, what, "equals = 1").map(Literal::Number)
        }
        _ => {
            r.wrong_type(v, what, "a bool, a string or a number", "equals = true");
            None
        }
    }
}

/// Holds the JSON evidence `evidence` against `check` at `pointer`, with `baseline` for a regression bound.
pub(crate) fn hold(
    cx: &HoldCtx<'_>,
    evidence: &str,
    pointer: &str,
    check: &Check,
    baseline: Option<&str>,
) -> Held {
    let mut files = cx.written(evidence);
    if let Some(b) = baseline {
        files.extend(cx.written(b));
    }
    let mut r = Held::new(files);
    let expected_of = |o: &str| match baseline {
        Some(b) => format!("{pointer} {} (`{b}`)", o),
        None => format!("{pointer} {o}"),
    };
    let base = match baseline {
        None => Ok(None),
        Some(b) => match (cx.evidence.json(b), cx.missing(b)) {
            (Some(doc), _) => Ok(Some(doc)),
            (None, why) => Err(why),
        },
    };
    match (cx.evidence.json(evidence), cx.missing(evidence), base) {
        (Some(doc), _, Ok(base)) => {
            let o = metric::evaluate_check(doc, pointer, check, base);
            r.met = o.met;
            r.details = o.failures().map(|f| f.describe(check)).collect();
            r.expected = expected_of(&o.expected);
            r.found = o.found;
        }
        (Some(_), _, Err(why)) => r.unmet_missing(expected_of(&bounds(check)), why),
        (None, why, _) => r.unmet_missing(expected_of(&bounds(check)), why),
    }
    r
}

fn bounds(check: &Check) -> String {
    metric::evaluate_check(&serde_json::Value::Null, "", check, None).expected
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
