//! `sarif`: at most `max_findings` (default none) open SARIF results in scope at or above a severity.
//!
//! ```toml
//! sarif = { evidence = "adversarial", fail_on = "critical" }
//! sarif = { evidence = "sast", fail_on = "high", tools = ["Bandit"], rules = ["B6*"], exclude_rules = ["B101"],
//!           tags = ["security"], max_findings = 0, level_severity = { error = "medium" } }
//! ```
//!
//! Reading SARIF 2.1.0 and deciding which results are open is [`crate::evidence::sarif`]; what the keys mean is
//! [`SarifCheck`].

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::reader::{Reader, SEVERITIES, Value, show};
use crate::evidence::sarif::{self, Level, RuleGlob, SarifCheck};

const SARIF_KEYS: &[&str] = &[
    "evidence",
    "fail_on",
    "tools",
    "rules",
    "exclude_rules",
    "tags",
    "level_severity",
    "max_findings",
];

const LEVELS: &[(&str, Level)] = &[
    ("error", Level::Error),
    ("warning", Level::Warning),
    ("note", Level::Note),
    ("none", Level::None),
];

/// Parses a `sarif` entry.
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
        "sarif = { evidence = \"adversarial\", fail_on = \"critical\" }",
        SARIF_KEYS,
    )?;
    let ev = cx.evidence(r, t, "evidence", span.clone(), "evidence = \"adversarial\"");
    let fail_on = r
        .required(t, "fail_on", span, &what, "fail_on = \"critical\"")
        .and_then(|v| r.one_of(v, &format!("`fail_on` of {what}"), "severity", SEVERITIES));
    let mut check = SarifCheck::new(fail_on.unwrap_or(crate::vocab::Severity::None));
    let mut ok = fail_on.is_some();

    let texts = |r: &mut Reader<'_>, key: &str, example: &str| -> Option<Vec<String>> {
        let Some(v) = t.get(key) else {
            return Some(Vec::new());
        };
        let place = format!("`{key}` of {what}");
        let items = r.non_empty_array(
            v,
            &place,
            example,
            "filters out everything",
            &format!("list at least one, like `{example}`, or remove `{key}` to take every result"),
        )?;
        let mut out = Vec::new();
        let mut good = true;
        for item in items.iter() {
            match r.text(item, &place, example) {
                Some(s) if !out.contains(&s) => out.push(s),
                Some(_) => {}
                None => good = false,
            }
        }
        good.then_some(out)
    };
    match texts(r, "tools", "tools = [\"Bandit\"]") {
        Some(tools) => check.tools = tools,
        None => ok = false,
    }
    match texts(r, "tags", "tags = [\"security\"]") {
        Some(tags) => check.tags = tags,
        None => ok = false,
    }
    match globs(r, t.get("rules"), "rules", &what) {
        Some(g) => check.rules = g,
        None => ok = false,
    }
    match globs(r, t.get("exclude_rules"), "exclude_rules", &what) {
        Some(g) => check.exclude_rules = g,
        None => ok = false,
    }
    if let Some(v) = t.get("level_severity") {
        ok &= level_severity(r, v, &what, &mut check);
    }
    if let Some(v) = t.get("max_findings") {
        let place = format!("`max_findings` of {what}");
        match r.integer(v, &place, "max_findings = 0") {
            Some(n) => match u64::try_from(n) {
                Ok(n) => check.max_findings = n,
                Err(_) => {
                    r.report(
                        K::BadValue,
                        v.span(),
                        format!("{place} is negative ({n})"),
                        "must be 0 or more",
                        "write how many findings at or above `fail_on` are allowed, like `max_findings = 0`",
                    );
                    ok = false;
                }
            },
            None => ok = false,
        }
    }
    let evidence = ev?;
    ok.then_some(CriterionKind::Sarif { evidence, check })
}

/// A non-empty list of rule id globs, or an empty list when `value` is absent.
fn globs(
    r: &mut Reader<'_>,
    value: Option<&Value<'_>>,
    key: &str,
    what: &str,
) -> Option<Vec<RuleGlob>> {
    let Some(v) = value else {
        return Some(Vec::new());
    };
    let place = format!("`{key}` of {what}");
    let example = format!("{key} = [\"B6*\"]");
    let items = r.non_empty_array(
        v,
        &place,
        &example,
        "names no rule",
        &format!("list rule ids or globs, like `{example}`, or remove `{key}`"),
    )?;
    let mut out = Vec::new();
    let mut good = true;
    for item in items.iter() {
        let Some(s) = r.string(item, &place, &example) else {
            good = false;
            continue;
        };
        match RuleGlob::new(s) {
            Ok(g) if !out.contains(&g) => out.push(g),
            Ok(_) => {}
            Err(why) => {
                r.report(
                    K::BadValue,
                    item.span(),
                    format!("bad rule glob `{}` in {place}: it {why}", show(s)),
                    "not a rule glob",
                    "write a rule id, with `*` for any run of characters and `?` for one, like `\"B6*\"`",
                );
                good = false;
            }
        }
    }
    good.then_some(out)
}

/// Reads `level_severity = { error = "medium" }` into `check`; false when it has problems.
fn level_severity(r: &mut Reader<'_>, v: &Value<'_>, what: &str, check: &mut SarifCheck) -> bool {
    let place = format!("`level_severity` of {what}");
    let Some(t) = r.table(v, &place, "level_severity = { error = \"medium\" }") else {
        return false;
    };
    if t.is_empty() {
        r.report(
            K::EmptyList,
            v.span(),
            format!("{place} is empty"),
            "maps no level",
            "map at least one level, like `level_severity = { error = \"medium\" }`, or remove it for the default",
        );
        return false;
    }
    let names = LEVELS.iter().map(|(n, _)| *n).collect::<Vec<_>>();
    r.unknown_keys(t, &names, &place);
    let mut ok = true;
    for (name, level) in LEVELS {
        if let Some(value) = t.get(*name) {
            match r.one_of(
                value,
                &format!("`{name}` of {place}"),
                "severity",
                SEVERITIES,
            ) {
                Some(s) => *check.level_severity.slot(*level) = s,
                None => ok = false,
            }
        }
    }
    ok && t.iter().all(|(k, _)| names.contains(&k.get_ref().as_ref()))
}

/// Holds the SARIF evidence `evidence` against `check`.
pub(crate) fn hold(cx: &HoldCtx<'_>, evidence: &str, check: &SarifCheck) -> Held {
    let mut r = Held::new(cx.written(evidence));
    match (cx.evidence.sarif(evidence), cx.missing(evidence)) {
        (Some(log), _) => {
            let o = sarif::evaluate_check(log, check);
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
            r.details.extend(o.notes.iter().cloned());
            r.expected = o.expected;
            r.found = o.found;
        }
        (None, why) => r.unmet_missing(
            format!("no open finding at or above {}", check.fail_on),
            why,
        ),
    }
    r
}
