//! `junit`: a JUnit XML report with no failures or errors and enough tests.
//!
//! ```toml
//! junit = { evidence = "tests", min_tests = 10 }
//! ```
//!
//! Reading JUnit XML (every common dialect) is [`crate::evidence::junit`].

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::reader::{Reader, Value};
use crate::evidence::junit;

const JUNIT_KEYS: &[&str] = &["evidence", "min_tests"];

/// Parses a `junit` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    let what = cx.what.clone();
    let span = value.span();
    let t = r.keyed_table(
        value,
        &what,
        "junit = { evidence = \"tests\", min_tests = 10 }",
        JUNIT_KEYS,
    )?;
    let ev = cx.evidence(r, t, "evidence", span, "evidence = \"tests\"");
    let min_tests = match t.get("min_tests") {
        None => Some(1),
        Some(v) => r
            .count(v, &format!("`min_tests` of {what}"), "min_tests = 10")
            .map(u64::from),
    };
    Some(CriterionKind::Junit {
        evidence: ev?,
        min_tests: min_tests?,
    })
}

/// Holds the JUnit evidence `evidence`: no failures or errors, at least `min_tests` tests.
pub(crate) fn hold(cx: &HoldCtx<'_>, evidence: &str, min_tests: u64) -> Held {
    let mut r = Held::new(cx.written(evidence));
    match (cx.evidence.junit(evidence), cx.missing(evidence)) {
        (Some(report), _) => {
            let o = junit::evaluate(report, min_tests);
            r.met = o.met;
            r.details = o
                .failing
                .iter()
                .map(|t| {
                    if t.message.is_empty() {
                        format!("{} ({})", t.name, t.kind)
                    } else {
                        format!("{} ({}): {}", t.name, t.kind, t.message)
                    }
                })
                .collect();
            r.expected = o.expected;
            r.found = o.found;
        }
        (None, why) => r.unmet_missing(format!("no failures, at least {min_tests} test(s)"), why),
    }
    r
}
