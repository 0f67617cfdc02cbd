//! `sarif` criteria: open results of a SARIF 2.1.0 log at or above a severity, narrowed by [`SarifCheck`].
//!
//! **Severity** of a result, first that applies:
//! 1. the result's own `properties["security-severity"]`;
//! 2. the `properties["security-severity"]` of its rule, found through `result.rule.index` / `result.ruleIndex`
//!    or else `result.rule.id` / `result.ruleId` (hierarchical ids such as `CA2101/1` fall back to `CA2101`) in
//!    `run.tool.driver.rules`, or in `run.tool.extensions[n].rules` when `result.rule.toolComponent` says so
//!    (CodeQL puts its rules there) or the id is found nowhere else;
//!
//!    a score (a number or a numeric string, 0 to 10, as GitHub code scanning reads it) maps to critical ≥ 9.0,
//!    high ≥ 7.0, medium ≥ 4.0, low > 0, none = 0; a value that is not a number (`"HIGH"`, `""`) is skipped with
//!    a note ([`Finding::score_note`]) rather than failing the log;
//! 3. otherwise the result's `level`, by default error → high, warning → medium, note → low, none → none (a
//!    criterion may map it differently: [`LevelSeverity`]). A missing `level` defaults as SARIF §3.27.10 says:
//!    `none` when `kind` is present and not `fail`, else the rule's `defaultConfiguration.level`, else `warning`.
//!
//! **Open** results are the ones that count: `kind` `fail` (the default when absent), or `review` / `open` at
//! level `error`; not `baselineState: "absent"` (fixed since the baseline), and not suppressed: a suppression
//! counts when its `status` is absent or `accepted`; one `underReview` or `rejected` does not hide the result.
//!
//! **Scope**: a [`SarifCheck`] may narrow the log to some tools, rule ids and tags; results outside it are
//! reported as not counted, and a `tools` filter that no run matches leaves the criterion unmet.
//!
//! **Fail closed**: a log without runs, or with a run in scope with an invocation whose `executionSuccessful` is `false`, proves
//! nothing about the release and leaves the criterion unmet. A field that decides whether or how a result counts
//! (`level`, `kind`, `baselineState`, suppression `status`, rule indexes, a numeric `security-severity` outside
//! 0 to 10) with a value outside the schema is an error rather than a guess.
//!
//! Why not `serde-sarif`: its types are generated from the full schema by a build script (pulling `syn`,
//! `prettyplease` and a schema compiler into every build, plus `strum` and `typed-builder`), it requires fields
//! that real tools omit (a result without `message`, a rule array element without `id`) and fails the whole log
//! on a typo anywhere in metadata gatepass never reads (`properties.tags` of the wrong type). The slim structs
//! (`raw.rs`) read only what the decision needs, ignore everything else, and report a bad value with its line and
//! column.

mod check;
mod log;
mod parse;
mod raw;
mod rules;
mod severity;
#[cfg(test)]
mod tests;

use std::fmt;

use super::{Assessment, join_limited, truncate};
use crate::vocab::Severity;
pub use check::{LevelSeverity, RuleGlob, SarifCheck};
use log::Status;
pub use log::{Finding, SarifLog};
pub use parse::parse;
pub use severity::{Level, severity_of_score};

/// Number of open results by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityCounts {
    /// Open results of severity none.
    pub none: usize,
    /// Open results of severity low.
    pub low: usize,
    /// Open results of severity medium.
    pub medium: usize,
    /// Open results of severity high.
    pub high: usize,
    /// Open results of severity critical.
    pub critical: usize,
}

impl SeverityCounts {
    /// The count for one severity.
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::None => self.none,
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }

    /// All open results.
    pub fn total(&self) -> usize {
        self.none + self.low + self.medium + self.high + self.critical
    }

    fn bump(&mut self, severity: Severity) {
        let slot = match severity {
            Severity::None => &mut self.none,
            Severity::Low => &mut self.low,
            Severity::Medium => &mut self.medium,
            Severity::High => &mut self.high,
            Severity::Critical => &mut self.critical,
        };
        *slot += 1;
    }
}

impl fmt::Display for SeverityCounts {
    /// `2 critical, 1 medium`, most severe first; `none` when there are no open results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::None,
        ]
        .into_iter()
        .filter(|s| self.get(*s) > 0)
        .map(|s| {
            let label = if s == Severity::None {
                "severity none"
            } else {
                s.as_str()
            };
            format!("{} {label}", self.get(s))
        })
        .collect::<Vec<_>>();
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Results present in the log that do not count, by reason (each result is counted under the first reason that
/// applies, in this order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotCounted {
    /// Outside the criterion's `tools`, `rules`, `exclude_rules` or `tags`.
    pub out_of_scope: usize,
    /// `kind` `pass`, `notApplicable` or `informational`, or `review`/`open` below level error.
    pub not_failing: usize,
    /// `baselineState: "absent"`: fixed since the baseline.
    pub absent: usize,
    /// Suppressed by a suppression with status absent or `accepted`.
    pub suppressed: usize,
}

impl NotCounted {
    /// All results that do not count.
    pub fn total(&self) -> usize {
        self.out_of_scope + self.not_failing + self.absent + self.suppressed
    }
}

/// The result of holding a sarif criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct SarifOutcome {
    /// No open result at or above `fail_on`, at least one run, and no run reporting a failed execution.
    pub met: bool,
    /// What the criterion requires, for people.
    pub expected: String,
    /// The offending results (most severe first), or a summary of what was found, for people.
    pub found: String,
    /// The open results at or above `fail_on`, in log order.
    pub findings: Vec<Finding>,
    /// All open results by severity, whether at or above `fail_on` or not.
    pub counts: SeverityCounts,
    /// Results in the log that do not count, by reason.
    pub not_counted: NotCounted,
    /// Tools whose run reports `executionSuccessful: false`.
    pub failed_runs: Vec<String>,
    /// Number of runs in the log.
    pub runs: usize,
    /// Results in scope whose severity was read differently than written (a `security-severity` that is not a
    /// number), for people.
    pub notes: Vec<String>,
}

impl Assessment for SarifOutcome {
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

/// The open results at or above `fail_on`, in log order.
pub fn open_findings(log: &SarifLog, fail_on: Severity) -> Vec<Finding> {
    log.runs
        .iter()
        .flat_map(|run| &run.results)
        .filter(|r| r.status == Status::Open && r.finding.severity >= fail_on)
        .map(|r| r.finding.clone())
        .collect()
}

/// Holds a log against the criterion: no open result of severity `fail_on` or above.
///
/// `fail_on = Severity::None` makes every open result fail the criterion.
pub fn evaluate(log: &SarifLog, fail_on: Severity) -> SarifOutcome {
    evaluate_check(log, &SarifCheck::new(fail_on))
}

/// Holds a log against a full `sarif` criterion: at most `max_findings` open results in scope at or above
/// `fail_on`, at least one run in scope, and no run in scope reporting a failed execution.
pub fn evaluate_check(log: &SarifLog, check: &SarifCheck) -> SarifOutcome {
    let fail_on = check.fail_on;
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut counts = SeverityCounts::default();
    let mut not_counted = NotCounted::default();
    let mut runs_in_scope = 0;
    let mut failed_runs = Vec::new();
    for run in &log.runs {
        if !check.takes_tool(&run.tool) {
            not_counted.out_of_scope += run.results.len();
            continue;
        }
        runs_in_scope += 1;
        if run.execution_failed {
            failed_runs.push(run.tool.clone());
        }
        for result in &run.results {
            let f = &result.finding;
            if !check.takes_result(&f.rule_id, &f.tags) {
                not_counted.out_of_scope += 1;
                continue;
            }
            match result.status {
                Status::Open => {}
                Status::NotFailing => {
                    not_counted.not_failing += 1;
                    continue;
                }
                Status::Absent => {
                    not_counted.absent += 1;
                    continue;
                }
                Status::Suppressed => {
                    not_counted.suppressed += 1;
                    continue;
                }
            }
            let severity = f.severity_with(&check.level_severity);
            counts.bump(severity);
            if let Some(note) = &f.score_note {
                let place = f
                    .location
                    .as_deref()
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default();
                notes.push(format!("note: {}{place}: {note}", f.rule_id));
            }
            if severity >= fail_on {
                let mut finding = f.clone();
                finding.severity = severity;
                findings.push(finding);
            }
        }
    }

    let at_or_above = if fail_on == Severity::None {
        "of any severity".to_owned()
    } else {
        format!("of severity {fail_on} or above")
    };
    let mut expected = match check.max_findings {
        0 => format!("no open results {at_or_above}"),
        1 => format!("at most 1 open result {at_or_above}"),
        n => format!("at most {n} open results {at_or_above}"),
    };
    if !check.tools.is_empty() {
        expected.push_str(&format!(" from {}", check.tools.join(", ")));
    }

    let mut problems = Vec::new();
    if log.runs.is_empty() {
        problems.push("the log has no runs, so nothing was scanned".to_owned());
    } else if runs_in_scope == 0 {
        let present = log
            .runs
            .iter()
            .map(|r| r.tool.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(format!(
            "no run of {} in the log (it has runs of {present}), so that scan is missing",
            check.tools.join(", ")
        ));
    }
    if !failed_runs.is_empty() {
        problems.push(format!(
            "the scan did not complete (executionSuccessful: false) for {}",
            failed_runs.join(", ")
        ));
    }
    let allowed = usize::try_from(check.max_findings).unwrap_or(usize::MAX);
    let listed = if findings.is_empty() {
        None
    } else {
        let mut by_severity = findings.iter().collect::<Vec<_>>();
        by_severity.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let list = join_limited(by_severity.into_iter().map(describe));
        let count = match findings.len() {
            1 => "1 open result".to_owned(),
            n => format!("{n} open results"),
        };
        Some(match allowed {
            0 => format!("{count}: {list}"),
            n => format!("{count} ({n} allowed): {list}"),
        })
    };
    let exceeded = findings.len() > allowed;
    if exceeded && let Some(listed) = &listed {
        problems.push(listed.clone());
    }
    let found = if problems.is_empty() {
        let mut text = match (&listed, counts.total()) {
            (Some(listed), _) => listed.clone(),
            (None, 0) => "no open results".to_owned(),
            (None, _) => format!("none at or above {fail_on} (open: {counts})"),
        };
        if not_counted.total() > 0 {
            text.push_str(&format!(
                "; not counted: {}",
                describe_not_counted(&not_counted)
            ));
        }
        text
    } else {
        problems.join("; ")
    };

    SarifOutcome {
        met: problems.is_empty(),
        expected,
        found,
        findings,
        counts,
        not_counted,
        failed_runs,
        runs: log.runs.len(),
        notes,
    }
}

fn describe(f: &Finding) -> String {
    let severity = match f.security_severity {
        Some(score) => format!("{}, {score}", f.severity),
        None => format!("{}, level {}", f.severity, f.level),
    };
    match &f.location {
        Some(location) => format!("{} ({severity}) at {location}", f.rule_id),
        None if f.message.is_empty() => format!("{} ({severity})", f.rule_id),
        None => format!("{} ({severity}): {}", f.rule_id, truncate(&f.message, 80)),
    }
}

fn describe_not_counted(n: &NotCounted) -> String {
    let parts = [
        (n.suppressed, "suppressed"),
        (n.absent, "absent from the current scan"),
        (n.not_failing, "not of kind fail"),
        (n.out_of_scope, "outside the criterion's filters"),
    ];
    parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, why)| format!("{count} {why}"))
        .collect::<Vec<_>>()
        .join(", ")
}
