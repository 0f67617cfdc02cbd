//! `sarif`: no open SARIF result at or above a severity.
//!
//! ```toml
//! sarif = { evidence = "adversarial", fail_on = "critical" }
//! ```
//!
//! Reading SARIF 2.1.0 and deciding which results are open is [`crate::evidence::sarif`].

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::reader::{Reader, SEVERITIES, Value};
use crate::evidence::sarif;
use crate::vocab::Severity;

const SARIF_KEYS: &[&str] = &["evidence", "fail_on"];

/// Parses a `sarif` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    let what = cx.what.clone();
    let span = value.span();
    let t = r.table(
        value,
        &what,
        "sarif = { evidence = \"adversarial\", fail_on = \"critical\" }",
    )?;
    r.unknown_keys(t, SARIF_KEYS, &what);
    let ev = cx.evidence(r, t, "evidence", span.clone(), "evidence = \"adversarial\"");
    let fail_on = r
        .required(t, "fail_on", span, &what, "fail_on = \"critical\"")
        .and_then(|v| r.one_of(v, &format!("`fail_on` of {what}"), "severity", SEVERITIES));
    Some(CriterionKind::Sarif {
        evidence: ev?,
        fail_on: fail_on?,
    })
}

/// Holds the SARIF evidence `evidence`: no open result at or above `fail_on`.
pub(crate) fn hold(cx: &HoldCtx<'_>, evidence: &str, fail_on: Severity) -> Held {
    let mut r = Held::new(cx.written(evidence));
    match (cx.evidence.sarif(evidence), cx.missing(evidence)) {
        (Some(log), _) => {
            let o = sarif::evaluate(log, fail_on);
            r.met = o.met;
            r.details = o
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} [{}] {}{}",
                        f.rule_id,
                        f.severity,
                        f.message,
                        f.location
                            .as_deref()
                            .map(|l| format!(" at {l}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            r.details.extend(o.failed_runs.iter().cloned());
            r.expected = o.expected;
            r.found = o.found;
        }
        (None, why) => r.unmet_missing(format!("no open finding at or above {fail_on}"), why),
    }
    r
}
