//! A SARIF log as the gate keeps it: each run's results, already classified, with their findings.

use super::check::LevelSeverity;
use super::severity::{Level, severity_of_score};
use crate::vocab::Severity;

/// A parsed SARIF 2.1.0 log, reduced to what the gate decides on. Build it with [`parse`](super::parse).
#[derive(Debug, Clone, PartialEq)]
pub struct SarifLog {
    pub(super) runs: Vec<Run>,
}

impl SarifLog {
    /// Number of runs in the log.
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// Number of results in all runs, whether they count or not.
    pub fn result_count(&self) -> usize {
        self.runs.iter().map(|r| r.results.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Run {
    pub(super) tool: String,
    pub(super) execution_failed: bool,
    pub(super) results: Vec<Classified>,
}

/// A result with everything the decision needs already resolved.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Classified {
    pub(super) status: Status,
    pub(super) finding: Finding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Open,
    Suppressed,
    Absent,
    NotFailing,
}

/// An open result.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// `ruleId`, else `rule.id`, else the id of the rule found by index; `(no rule id)` when there is none.
    pub rule_id: String,
    /// The severity the gate assigns (see the module documentation).
    pub severity: Severity,
    /// The effective `level` (explicit, or defaulted as SARIF specifies).
    pub level: Level,
    /// The first line of the message (`text`, or the rule's message string for `id` with its arguments).
    pub message: String,
    /// `uri:line:column` of the first location (as much of it as is given), or its logical location's name.
    pub location: Option<String>,
    /// The `security-severity` score the severity came from, if it came from one.
    pub security_severity: Option<f64>,
    /// Name of the tool that reported it (`run.tool.driver.name`).
    pub tool: String,
    /// `properties.tags` of the result and of its rule.
    pub tags: Vec<String>,
    /// Why a `security-severity` was not used, when one was given but is not a number.
    pub score_note: Option<String>,
}

impl Finding {
    /// The severity under a level mapping: the `security-severity` score when there is one, else `levels`.
    pub fn severity_with(&self, levels: &LevelSeverity) -> Severity {
        self.security_severity
            .map_or_else(|| levels.get(self.level), severity_of_score)
    }
}
