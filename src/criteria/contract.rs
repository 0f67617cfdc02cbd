//! `contract`: two JSON evidence files must be equal (the input contract production feeds must be
//! the one the model was evaluated with).
//!
//! ```toml
//! contract = { evidence = "schema_prod", expect = "schema_eval" }
//! ```
//!
//! Comparing the documents is [`crate::evidence::contract`]; reports name where they differ,
//! never what they hold.

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::reader::{Reader, Value};
use crate::evidence::contract;

const CONTRACT_KEYS: &[&str] = &["evidence", "expect"];

/// Parses a `contract` entry.
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
        "contract = { evidence = \"schema_prod\", expect = \"schema_eval\" }",
        CONTRACT_KEYS,
    )?;
    let ev = cx.evidence(r, t, "evidence", span.clone(), "evidence = \"schema_prod\"");
    let expect = cx.evidence(r, t, "expect", span.clone(), "expect = \"schema_eval\"");
    if let (Some(a), Some(b)) = (&ev, &expect)
        && a == b
    {
        r.report(
                K::BadValue,
                span,
                format!("{what} compares `{a}` with itself"),
                "always equal",
                "`evidence` is the file to check and `expect` the reference it must equal: name two different evidence files",
            );
        return None;
    }
    Some(CriterionKind::Contract {
        evidence: ev?,
        expect: expect?,
    })
}

/// Holds the JSON evidence `evidence` against the reference `expect`.
pub(crate) fn hold(cx: &HoldCtx<'_>, evidence: &str, expect: &str) -> Held {
    let mut files = cx.written(evidence);
    files.extend(cx.written(expect));
    let mut r = Held::new(files);
    r.expected = format!("`{evidence}` equals `{expect}`");
    match (cx.evidence.json(expect), cx.evidence.json(evidence)) {
        (Some(expected), Some(found)) => {
            let o = contract::evaluate(expected, found);
            r.met = o.met;
            r.details = o
                .differences
                .iter()
                .map(|d| d.describe(expect, evidence))
                .collect();
            r.found = o.found;
        }
        _ => {
            r.met = false;
            r.details = [evidence, expect]
                .into_iter()
                .filter_map(|n| cx.missing(n))
                .collect();
            r.found = r.details.join("; ");
        }
    }
    r
}
