//! `sarif` criteria: open results of a SARIF 2.1.0 log at or above a severity.
//!
//! **Severity** of a result, first that applies:
//! 1. the result's own `properties["security-severity"]`;
//! 2. the `properties["security-severity"]` of its rule, found through `result.rule.index` / `result.ruleIndex`
//!    or else `result.rule.id` / `result.ruleId` (hierarchical ids such as `CA2101/1` fall back to `CA2101`) in
//!    `run.tool.driver.rules`, or in `run.tool.extensions[n].rules` when `result.rule.toolComponent` says so
//!    (CodeQL puts its rules there) or the id is found nowhere else;
//!
//!    a score (a number or a numeric string, 0 to 10, as GitHub code scanning reads it) maps to critical ≥ 9.0,
//!    high ≥ 7.0, medium ≥ 4.0, low > 0, none = 0;
//! 3. otherwise the result's `level`: error → high, warning → medium, note → low, none → none. A missing
//!    `level` defaults as SARIF §3.27.10 says: `none` when `kind` is present and not `fail`, else the rule's
//!    `defaultConfiguration.level`, else `warning`.
//!
//! **Open** results are the ones that count: `kind` `fail` (the default when absent), not
//! `baselineState: "absent"` (fixed since the baseline), and not suppressed: a suppression counts when its
//! `status` is absent or `accepted`; one `underReview` or `rejected` does not hide the result.
//!
//! **Fail closed**: a log without runs, or with an invocation whose `executionSuccessful` is `false`, proves
//! nothing about the release and leaves the criterion unmet. A field that decides whether or how a result counts
//! (`level`, `kind`, `baselineState`, suppression `status`, rule indexes, `security-severity`) with a value
//! outside the schema is an error rather than a guess.
//!
//! Why not `serde-sarif`: its types are generated from the full schema by a build script (pulling `syn`,
//! `prettyplease` and a schema compiler into every build, plus `strum` and `typed-builder`), it requires fields
//! that real tools omit (a result without `message`, a rule array element without `id`) and fails the whole log
//! on a typo anywhere in metadata gatepass never reads (`properties.tags` of the wrong type). The structs below
//! read only what the decision needs, ignore everything else, and report a bad value with its line and column.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::strict::Kept;
use super::{Assessment, EvidenceError, join_limited, json_error_parts, strip_bom, truncate};
use crate::vocab::Severity;

/// Longest result message kept, in characters.
const MESSAGE_CHARS: usize = 200;

/// A SARIF result's `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Level {
    /// `none`: not a problem (informational results, passes).
    None,
    /// `note`: a minor problem or an opportunity for improvement.
    Note,
    /// `warning`: a problem (the default).
    Warning,
    /// `error`: a serious problem.
    Error,
}

impl Level {
    /// The name used in SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Note => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    /// The severity a level stands for when no `security-severity` is given.
    pub fn severity(self) -> Severity {
        match self {
            Self::None => Severity::None,
            Self::Note => Severity::Low,
            Self::Warning => Severity::Medium,
            Self::Error => Severity::High,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The severity a `security-severity` score stands for: critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0,
/// otherwise none.
pub fn severity_of_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::None
    }
}

/// A parsed SARIF 2.1.0 log, reduced to what the gate decides on. Build it with [`parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct SarifLog {
    runs: Vec<Run>,
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
struct Run {
    tool: String,
    execution_failed: bool,
    results: Vec<Classified>,
}

/// A result with everything the decision needs already resolved.
#[derive(Debug, Clone, PartialEq)]
struct Classified {
    status: Status,
    finding: Finding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
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
}

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
    /// `kind` other than `fail`: `pass`, `notApplicable`, `informational`, `review`, `open`.
    pub not_failing: usize,
    /// `baselineState: "absent"`: fixed since the baseline.
    pub absent: usize,
    /// Suppressed by a suppression with status absent or `accepted`.
    pub suppressed: usize,
}

impl NotCounted {
    /// All results that do not count.
    pub fn total(&self) -> usize {
        self.not_failing + self.absent + self.suppressed
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
    let findings = open_findings(log, fail_on);
    let mut counts = SeverityCounts::default();
    let mut not_counted = NotCounted::default();
    for result in log.runs.iter().flat_map(|run| &run.results) {
        match result.status {
            Status::Open => counts.bump(result.finding.severity),
            Status::NotFailing => not_counted.not_failing += 1,
            Status::Absent => not_counted.absent += 1,
            Status::Suppressed => not_counted.suppressed += 1,
        }
    }
    let failed_runs = log
        .runs
        .iter()
        .filter(|run| run.execution_failed)
        .map(|run| run.tool.clone())
        .collect::<Vec<_>>();

    let expected = if fail_on == Severity::None {
        "no open results of any severity".to_owned()
    } else {
        format!("no open results of severity {fail_on} or above")
    };

    let mut problems = Vec::new();
    if log.runs.is_empty() {
        problems.push("the log has no runs, so nothing was scanned".to_owned());
    }
    if !failed_runs.is_empty() {
        problems.push(format!(
            "the scan did not complete (executionSuccessful: false) for {}",
            failed_runs.join(", ")
        ));
    }
    if !findings.is_empty() {
        let mut by_severity = findings.iter().collect::<Vec<_>>();
        by_severity.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let list = join_limited(by_severity.into_iter().map(describe));
        let count = match findings.len() {
            1 => "1 open result".to_owned(),
            n => format!("{n} open results"),
        };
        problems.push(format!("{count}: {list}"));
    }
    let found = if problems.is_empty() {
        let mut text = match counts.total() {
            0 => "no open results".to_owned(),
            _ => format!("none at or above {fail_on} (open: {counts})"),
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
    ];
    parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, why)| format!("{count} {why}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a SARIF 2.1.0 log.
///
/// # Errors
/// - [`EvidenceError::MalformedJson`]: not JSON, or duplicate keys;
/// - [`EvidenceError::NotSarif`]: not an object, no `version`, no `runs`;
/// - [`EvidenceError::UnsupportedSarifVersion`]: a `version` other than `2.1.0`;
/// - [`EvidenceError::InvalidSarif`]: a field the decision depends on has a value the schema does not allow;
/// - [`EvidenceError::InvalidSarifValue`]: a `security-severity` that is not a score, or a rule or tool
///   component index that points nowhere.
pub fn parse(bytes: &[u8]) -> Result<SarifLog, EvidenceError> {
    // First pass: well-formed, no duplicate keys, and the top-level shape, without building a value tree (a
    // `Value` of a large log takes many times its size).
    let top = super::strict::check(bytes, &["version"], &["runs"])?;
    if top.kind != "an object" {
        return Err(EvidenceError::NotSarif {
            reason: format!("the top level is {}, not an object", top.kind),
        });
    }
    let version = top
        .keys
        .iter()
        .find(|(k, _)| *k == "version")
        .map(|(_, v)| v);
    match version {
        Some(Kept::Scalar(Value::String(v))) if v == "2.1.0" => {}
        Some(Kept::Scalar(other)) => {
            return Err(EvidenceError::UnsupportedSarifVersion {
                found: crate::untrusted::escape(&other.to_string()).into_owned(),
            });
        }
        Some(Kept::Compound(kind)) => {
            return Err(EvidenceError::UnsupportedSarifVersion {
                found: (*kind).to_owned(),
            });
        }
        None => {
            return Err(EvidenceError::NotSarif {
                reason: "it has no \"version\"".to_owned(),
            });
        }
    }
    if !top.present.contains(&"runs") {
        return Err(EvidenceError::NotSarif {
            reason: "it has no \"runs\"".to_owned(),
        });
    }
    // Second pass over the bytes (not the value) so that type errors carry a line and column.
    let raw: raw::Log = serde_json::from_slice(strip_bom(bytes)).map_err(|err| {
        let (line, column, reason) = json_error_parts(&err);
        EvidenceError::InvalidSarif {
            line,
            column,
            reason,
        }
    })?;
    let runs = raw
        .runs
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, run)| Run::resolve(index, run))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SarifLog { runs })
}

/// A rule with its security-severity already checked.
struct Rule<'a> {
    id: Option<&'a str>,
    score: Option<f64>,
    default_level: Option<Level>,
    message_strings: Option<&'a Map<String, Value>>,
}

/// The driver (index 0) or an extension (index n + 1) with its rules.
struct Component<'a> {
    name: Option<&'a str>,
    rules: Vec<Rule<'a>>,
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Component<'a> {
    fn new(component: &'a raw::Component, pointer: &str) -> Result<Self, EvidenceError> {
        let mut rules = Vec::new();
        let mut by_id = HashMap::new();
        for (i, rule) in component.rules.iter().flatten().enumerate() {
            let score = security_severity(
                rule.properties.as_ref(),
                &format!("{pointer}/rules/{i}/properties/security-severity"),
            )?;
            if let Some(id) = rule.id.as_deref() {
                // The first rule of an id wins, as an index lookup would find it first too.
                by_id.entry(id).or_insert(i);
            }
            rules.push(Rule {
                id: rule.id.as_deref(),
                score,
                default_level: rule.default_configuration.as_ref().and_then(|c| c.level),
                message_strings: rule.message_strings.as_ref(),
            });
        }
        Ok(Self {
            name: component.name.as_ref().and_then(Value::as_str),
            rules,
            by_id,
        })
    }

    fn find(&self, id: &str) -> Option<&Rule<'a>> {
        let index = self.by_id.get(id).or_else(|| {
            // Hierarchical rule ids ("CA2101/1") name a sub-rule of "CA2101".
            id.split_once('/')
                .and_then(|(head, _)| self.by_id.get(head))
        })?;
        self.rules.get(*index)
    }
}

impl Run {
    fn resolve(index: usize, run: raw::Run) -> Result<Self, EvidenceError> {
        let pointer = format!("/runs/{index}");
        let tool = run
            .tool
            .driver
            .name
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or("(unnamed tool)")
            .to_owned();
        let mut components = vec![Component::new(
            &run.tool.driver,
            &format!("{pointer}/tool/driver"),
        )?];
        for (i, extension) in run.tool.extensions.iter().flatten().enumerate() {
            components.push(Component::new(
                extension,
                &format!("{pointer}/tool/extensions/{i}"),
            )?);
        }
        let artifact_uris = run
            .artifacts
            .iter()
            .flatten()
            .map(|a| {
                a.location
                    .as_ref()
                    .and_then(|l| l.uri.as_ref())
                    .and_then(Value::as_str)
            })
            .collect::<Vec<_>>();
        let execution_failed = run
            .invocations
            .iter()
            .flatten()
            .any(|inv| inv.execution_successful == Some(false));

        let mut results = Vec::new();
        for (i, result) in run.results.iter().flatten().enumerate() {
            let at = format!("{pointer}/results/{i}");
            results.push(classify(result, &at, &tool, &components, &artifact_uris)?);
        }
        Ok(Self {
            tool,
            execution_failed,
            results,
        })
    }
}

fn classify(
    result: &raw::Result,
    at: &str,
    tool: &str,
    components: &[Component<'_>],
    artifact_uris: &[Option<&str>],
) -> Result<Classified, EvidenceError> {
    let rule = find_rule(result, at, components)?;
    let own_score = security_severity(
        result.properties.as_ref(),
        &format!("{at}/properties/security-severity"),
    )?;
    let kind = result.kind.unwrap_or(raw::Kind::Fail);
    let level = match (result.level, result.kind) {
        (Some(level), _) => level,
        (None, Some(k)) if k != raw::Kind::Fail => Level::None,
        (None, _) => rule.and_then(|r| r.default_level).unwrap_or(Level::Warning),
    };
    let score = own_score.or_else(|| rule.and_then(|r| r.score));
    let severity = score.map_or_else(|| level.severity(), severity_of_score);

    let status = if kind != raw::Kind::Fail {
        Status::NotFailing
    } else if result.baseline_state == Some(raw::BaselineState::Absent) {
        Status::Absent
    } else if result
        .suppressions
        .iter()
        .flatten()
        .any(|s| matches!(s.status, None | Some(raw::SuppressionStatus::Accepted)))
    {
        Status::Suppressed
    } else {
        Status::Open
    };

    let rule_id = result
        .rule_id
        .as_deref()
        .or_else(|| result.rule.as_ref().and_then(|r| r.id.as_deref()))
        .or_else(|| rule.and_then(|r| r.id))
        .unwrap_or("(no rule id)")
        .to_owned();

    Ok(Classified {
        status,
        finding: Finding {
            rule_id,
            severity,
            level,
            message: message(result, rule),
            location: location(result, artifact_uris),
            security_severity: score,
            tool: tool.to_owned(),
        },
    })
}

/// The rule a result refers to, per SARIF §3.27.5–3.27.7 and §3.52.
fn find_rule<'c, 'a>(
    result: &raw::Result,
    at: &str,
    components: &'c [Component<'a>],
) -> Result<Option<&'c Rule<'a>>, EvidenceError> {
    let reference = result.rule.as_ref();
    let component_ref = reference.and_then(|r| r.tool_component.as_ref());

    // Which tool component: an explicit index into run.tool.extensions, else a name, else the driver.
    let explicit = match component_ref {
        Some(raw::ComponentRef {
            index: Some(index), ..
        }) if *index >= 0 => {
            let component = usize::try_from(*index)
                .ok()
                .and_then(|i| components.get(i + 1))
                .ok_or_else(|| EvidenceError::InvalidSarifValue {
                    pointer: format!("{at}/rule/toolComponent/index"),
                    reason: format!(
                        "extension {index} does not exist (the run has {})",
                        components.len().saturating_sub(1)
                    ),
                })?;
            Some(component)
        }
        Some(raw::ComponentRef {
            name: Some(name), ..
        }) => components.iter().find(|c| c.name == Some(name.as_str())),
        _ => None,
    };
    let home = explicit.or_else(|| components.first());

    let index = reference
        .and_then(|r| r.index)
        .map(|i| (i, "rule/index"))
        .or_else(|| result.rule_index.map(|i| (i, "ruleIndex")));
    if let Some((index, field)) = index
        && index >= 0
    {
        let rule = usize::try_from(index)
            .ok()
            .and_then(|i| home.and_then(|c| c.rules.get(i)));
        return match rule {
            Some(rule) => Ok(Some(rule)),
            None => Err(EvidenceError::InvalidSarifValue {
                pointer: format!("{at}/{field}"),
                reason: format!(
                    "rule {index} does not exist (the tool component has {} rules)",
                    home.map_or(0, |c| c.rules.len())
                ),
            }),
        };
    }

    let id = reference
        .and_then(|r| r.id.as_deref())
        .or(result.rule_id.as_deref());
    let Some(id) = id else { return Ok(None) };
    if let Some(component) = explicit {
        return Ok(component.find(id));
    }
    Ok(components.iter().find_map(|c| c.find(id)))
}

/// Reads `properties["security-severity"]`: a number or a numeric string from 0 to 10; absent or null is `None`.
fn security_severity(
    properties: Option<&Map<String, Value>>,
    pointer: &str,
) -> Result<Option<f64>, EvidenceError> {
    let Some(value) = properties.and_then(|p| p.get("security-severity")) else {
        return Ok(None);
    };
    let score = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match score {
        Some(score) if (0.0..=10.0).contains(&score) => Ok(Some(score)),
        _ => Err(EvidenceError::InvalidSarifValue {
            pointer: pointer.to_owned(),
            reason: format!(
                "security-severity {} is not a score from 0.0 to 10.0 (a number or a numeric string)",
                truncate(&value.to_string(), 40)
            ),
        }),
    }
}

fn message(result: &raw::Result, rule: Option<&Rule<'_>>) -> String {
    let Some(message) = &result.message else {
        return String::new();
    };
    let arguments = message.arguments.as_deref().unwrap_or_default();
    let template = message
        .text
        .as_ref()
        .and_then(Value::as_str)
        .or_else(|| {
            let id = message.id.as_ref().and_then(Value::as_str)?;
            let strings = rule.and_then(|r| r.message_strings)?;
            strings.get(id)?.get("text")?.as_str()
        })
        .or_else(|| message.markdown.as_ref().and_then(Value::as_str))
        .unwrap_or_default();
    let text = substitute(template, arguments);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    truncate(line, MESSAGE_CHARS)
}

/// Replaces `{0}`, `{1}`, ... with the message arguments (SARIF §3.11.5); `{{` and `}}` are literal braces.
fn substitute(template: &str, arguments: &[Value]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(rest.get(..open).unwrap_or_default());
        let tail = rest.get(open..).unwrap_or_default();
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some((digits, after)) = tail
            .strip_prefix('{')
            .and_then(|t| t.split_once('}'))
            .filter(|(d, _)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        {
            let argument = digits.parse::<usize>().ok().and_then(|i| arguments.get(i));
            match argument {
                Some(Value::String(s)) => out.push_str(s),
                Some(other) => out.push_str(&other.to_string()),
                None => {
                    out.push('{');
                    out.push_str(digits);
                    out.push('}');
                }
            }
            rest = after;
        } else {
            out.push_str(tail.get(..1).unwrap_or_default());
            rest = tail.get(1..).unwrap_or_default();
        }
    }
    out.push_str(rest);
    out
}

fn location(result: &raw::Result, artifact_uris: &[Option<&str>]) -> Option<String> {
    let location = result.locations.as_ref()?.first()?;
    if let Some(physical) = &location.physical_location {
        let artifact = physical.artifact_location.as_ref();
        let uri = artifact
            .and_then(|a| a.uri.as_ref())
            .and_then(Value::as_str)
            .or_else(|| {
                let index = usize::try_from(artifact?.index?).ok()?;
                artifact_uris.get(index).copied().flatten()
            });
        if let Some(uri) = uri {
            let region = physical.region.as_ref();
            let line = region
                .and_then(|r| r.start_line.as_ref())
                .and_then(Value::as_u64);
            let column = region
                .and_then(|r| r.start_column.as_ref())
                .and_then(Value::as_u64);
            return Some(match (line, column) {
                (Some(line), Some(column)) => format!("{uri}:{line}:{column}"),
                (Some(line), None) => format!("{uri}:{line}"),
                _ => uri.to_owned(),
            });
        }
    }
    location
        .logical_locations
        .iter()
        .flatten()
        .find_map(|l| {
            l.fully_qualified_name
                .as_ref()
                .and_then(Value::as_str)
                .or_else(|| l.name.as_ref().and_then(Value::as_str))
        })
        .map(str::to_owned)
}

/// The subset of the SARIF 2.1.0 object model the gate reads.
///
/// Fields that decide whether or how a result counts are typed strictly (an unknown `level` is an error with a
/// position); fields only shown to people are `Value`s so that a surprising type never fails a log; everything
/// else is ignored. Every field is optional and `null` is treated as absent.
mod raw {
    use serde::Deserialize;
    use serde_json::{Map, Value};

    use super::Level;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Log {
        pub(super) runs: Option<Vec<Run>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Run {
        pub(super) tool: Tool,
        pub(super) results: Option<Vec<Result>>,
        pub(super) artifacts: Option<Vec<Artifact>>,
        pub(super) invocations: Option<Vec<Invocation>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Tool {
        pub(super) driver: Component,
        pub(super) extensions: Option<Vec<Component>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Component {
        pub(super) name: Option<Value>,
        pub(super) rules: Option<Vec<Rule>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Rule {
        pub(super) id: Option<String>,
        pub(super) default_configuration: Option<Configuration>,
        pub(super) properties: Option<Map<String, Value>>,
        pub(super) message_strings: Option<Map<String, Value>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Configuration {
        pub(super) level: Option<Level>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Invocation {
        pub(super) execution_successful: Option<bool>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Artifact {
        pub(super) location: Option<ArtifactLocation>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Result {
        pub(super) rule_id: Option<String>,
        pub(super) rule_index: Option<i64>,
        pub(super) rule: Option<RuleRef>,
        pub(super) kind: Option<Kind>,
        pub(super) level: Option<Level>,
        pub(super) message: Option<Message>,
        pub(super) locations: Option<Vec<Location>>,
        pub(super) suppressions: Option<Vec<Suppression>>,
        pub(super) baseline_state: Option<BaselineState>,
        pub(super) properties: Option<Map<String, Value>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct RuleRef {
        pub(super) id: Option<String>,
        pub(super) index: Option<i64>,
        pub(super) tool_component: Option<ComponentRef>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct ComponentRef {
        pub(super) index: Option<i64>,
        pub(super) name: Option<String>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) enum Kind {
        NotApplicable,
        Pass,
        Fail,
        Review,
        Open,
        Informational,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) enum BaselineState {
        New,
        Unchanged,
        Updated,
        Absent,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Suppression {
        pub(super) status: Option<SuppressionStatus>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) enum SuppressionStatus {
        Accepted,
        UnderReview,
        Rejected,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Message {
        pub(super) text: Option<Value>,
        pub(super) markdown: Option<Value>,
        pub(super) id: Option<Value>,
        pub(super) arguments: Option<Vec<Value>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Location {
        pub(super) physical_location: Option<PhysicalLocation>,
        pub(super) logical_locations: Option<Vec<LogicalLocation>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct PhysicalLocation {
        pub(super) artifact_location: Option<ArtifactLocation>,
        pub(super) region: Option<Region>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct ArtifactLocation {
        pub(super) uri: Option<Value>,
        pub(super) index: Option<i64>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Region {
        pub(super) start_line: Option<Value>,
        pub(super) start_column: Option<Value>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct LogicalLocation {
        pub(super) name: Option<Value>,
        pub(super) fully_qualified_name: Option<Value>,
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const CODEQL: &[u8] = include_bytes!("../../tests/fixtures/evidence/sarif-codeql.sarif");
    const PROMPT_INJECTION: &[u8] =
        include_bytes!("../../tests/fixtures/evidence/sarif-prompt-injection.sarif");
    const NOT_COUNTED: &[u8] =
        include_bytes!("../../tests/fixtures/evidence/sarif-not-counted.sarif");

    fn log(value: Value) -> SarifLog {
        parse(value.to_string().as_bytes()).unwrap()
    }

    /// A one-run log with the given rules and results.
    fn run(rules: Value, results: Value) -> SarifLog {
        log(json!({
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "scanner", "rules": rules}}, "results": results}]
        }))
    }

    fn severities(log: &SarifLog) -> Vec<(String, Severity)> {
        open_findings(log, Severity::None)
            .into_iter()
            .map(|f| (f.rule_id, f.severity))
            .collect()
    }

    #[test]
    fn codeql_log_uses_security_severity_of_extension_rules() {
        let log = parse(CODEQL).unwrap();
        assert_eq!(log.run_count(), 1);
        assert_eq!(log.result_count(), 5);
        let all = open_findings(&log, Severity::None);
        let summary = all
            .iter()
            .map(|f| {
                (
                    f.rule_id.as_str(),
                    f.severity,
                    f.level,
                    f.security_severity,
                    f.location.as_deref(),
                )
            })
            .collect::<Vec<_>>();
        assert_eq!(
            summary,
            [
                (
                    "js/code-injection",
                    Severity::Critical,
                    Level::Error,
                    Some(9.3),
                    Some("src/pricing/quote.js:88:21")
                ),
                (
                    "js/sql-injection",
                    Severity::High,
                    Level::Error,
                    Some(8.8),
                    Some("src/server.js:52:24")
                ),
                (
                    "js/missing-rate-limiting",
                    Severity::High,
                    Level::Warning,
                    Some(7.5),
                    Some("src/server.js:29:22")
                ),
                (
                    "js/unused-local-variable",
                    Severity::Low,
                    Level::Note,
                    None,
                    Some("src/pricing/quote.js:12:7")
                ),
            ]
        );
        assert_eq!(
            all[0].message,
            "This code execution depends on a [user-provided value](1)."
        );
        assert_eq!(all[0].tool, "CodeQL");

        let critical = evaluate(&log, Severity::Critical);
        assert!(!critical.met);
        assert_eq!(
            critical.expected,
            "no open results of severity critical or above"
        );
        assert_eq!(
            critical.found,
            "1 open result: js/code-injection (critical, 9.3) at src/pricing/quote.js:88:21"
        );
        assert_eq!(
            critical.counts,
            SeverityCounts {
                none: 0,
                low: 1,
                medium: 0,
                high: 2,
                critical: 1
            }
        );
        assert_eq!(critical.not_counted.suppressed, 1);

        let high = evaluate(&log, Severity::High);
        assert_eq!(high.findings.len(), 3);
        assert!(
            high.found
                .starts_with("3 open results: js/code-injection (critical")
        );
        assert_eq!(evaluate(&log, Severity::Low).findings.len(), 4);
    }

    #[test]
    fn prompt_injection_log_uses_levels() {
        let log = parse(PROMPT_INJECTION).unwrap();
        assert_eq!(
            severities(&log),
            [
                ("promptinject.HijackHateHumans".to_owned(), Severity::High),
                ("dan.Dan_11_0".to_owned(), Severity::Medium),
                ("encoding.InjectBase64".to_owned(), Severity::Low),
            ]
        );
        // The seed policy's `fail_on = "critical"`: level-only findings top out at high.
        let critical = evaluate(&log, Severity::Critical);
        assert!(critical.met, "{critical:?}");
        assert_eq!(
            critical.found,
            "none at or above critical (open: 1 high, 1 medium, 1 low); not counted: 1 not of kind fail"
        );
        let high = evaluate(&log, Severity::High);
        assert!(!high.met);
        assert_eq!(
            high.found,
            "1 open result: promptinject.HijackHateHumans (high, level error) at \
             garak.probes.promptinject.HijackHateHumans"
        );
        let findings = open_findings(&log, Severity::Low);
        assert_eq!(
            findings[0].message,
            "Attack success rate 12.5% (20/160) with detector promptinject.AttackRogueString"
        );
        assert_eq!(findings[2].location, None);
        let medium = evaluate(&log, Severity::Medium);
        assert!(
            !medium.found.contains("encoding.InjectBase64"),
            "{}",
            medium.found
        );
        let low = evaluate(&log, Severity::Low);
        assert!(
            low.found.ends_with(
                "encoding.InjectBase64 (low, level note): Attack success rate 0.4% (1/256) with detector encoding.DecodeMatch"
            ),
            "{}",
            low.found
        );
    }

    #[test]
    fn suppressed_absent_and_passing_results_do_not_count() {
        let log = parse(NOT_COUNTED).unwrap();
        let open = open_findings(&log, Severity::None)
            .into_iter()
            .map(|f| (f.message, f.severity))
            .collect::<Vec<_>>();
        assert_eq!(
            open,
            [
                (
                    "suppression under review still counts".to_owned(),
                    Severity::Critical
                ),
                (
                    "rejected suppression still counts".to_owned(),
                    Severity::Critical
                ),
                ("new since the baseline".to_owned(), Severity::Critical),
                (
                    "unchanged since the baseline".to_owned(),
                    Severity::Critical
                ),
            ]
        );
        let outcome = evaluate(&log, Severity::Critical);
        assert!(!outcome.met);
        assert_eq!(
            outcome.not_counted,
            NotCounted {
                not_failing: 3,
                absent: 1,
                suppressed: 3
            }
        );
        assert_eq!(outcome.counts.critical, 4);
    }

    #[test]
    fn only_suppressed_results_pass_and_say_so() {
        let log = run(
            json!([{"id": "r", "properties": {"security-severity": "9.8"}}]),
            json!([
                {"ruleId": "r", "message": {"text": "x"}, "suppressions": [{"kind": "inSource"}]},
                {"ruleId": "r", "message": {"text": "y"}, "baselineState": "absent"}
            ]),
        );
        let outcome = evaluate(&log, Severity::Low);
        assert!(outcome.met);
        assert_eq!(
            outcome.found,
            "no open results; not counted: 1 suppressed, 1 absent from the current scan"
        );
    }

    #[test]
    fn security_severity_thresholds() {
        let cases = [
            (json!(10), Severity::Critical),
            (json!(9.0), Severity::Critical),
            (json!("8.99"), Severity::High),
            (json!(7.0), Severity::High),
            (json!(" 6.9 "), Severity::Medium),
            (json!("4.0"), Severity::Medium),
            (json!(3.9), Severity::Low),
            (json!(0.1), Severity::Low),
            (json!(0), Severity::None),
            (json!("0.0"), Severity::None),
        ];
        for (score, want) in cases {
            let log = run(
                json!([{"id": "r", "properties": {"security-severity": score}}]),
                json!([{"ruleId": "r", "level": "error", "message": {"text": "m"}}]),
            );
            assert_eq!(severities(&log), [("r".to_owned(), want)], "{score}");
        }
    }

    #[test]
    fn levels_and_their_defaults() {
        let log = run(
            json!([
                {"id": "noted", "defaultConfiguration": {"level": "note"}},
                {"id": "plain"}
            ]),
            json!([
                {"ruleId": "plain", "level": "error", "message": {"text": "a"}},
                {"ruleId": "plain", "level": "warning", "message": {"text": "b"}},
                {"ruleId": "plain", "level": "note", "message": {"text": "c"}},
                {"ruleId": "plain", "level": "none", "message": {"text": "d"}},
                {"ruleId": "plain", "message": {"text": "default warning"}},
                {"ruleId": "noted", "message": {"text": "rule default"}},
                {"ruleId": "unknown-rule", "message": {"text": "no rule"}},
                {"ruleId": "plain", "kind": "fail", "message": {"text": "explicit fail"}}
            ]),
        );
        let levels = open_findings(&log, Severity::None)
            .into_iter()
            .map(|f| (f.level, f.severity))
            .collect::<Vec<_>>();
        assert_eq!(
            levels,
            [
                (Level::Error, Severity::High),
                (Level::Warning, Severity::Medium),
                (Level::Note, Severity::Low),
                (Level::None, Severity::None),
                (Level::Warning, Severity::Medium),
                (Level::Note, Severity::Low),
                (Level::Warning, Severity::Medium),
                (Level::Warning, Severity::Medium),
            ]
        );
        // fail_on none: even a result of severity none is an open result that fails.
        assert_eq!(evaluate(&log, Severity::None).findings.len(), 8);
        assert_eq!(
            evaluate(&log, Severity::None).expected,
            "no open results of any severity"
        );
    }

    #[test]
    fn result_security_severity_overrides_the_rule() {
        let log = run(
            json!([{"id": "r", "properties": {"security-severity": "2.0"}}]),
            json!([
                {"ruleId": "r", "message": {"text": "a"}, "properties": {"security-severity": "9.5"}},
                {"ruleId": "r", "message": {"text": "b"}, "properties": {"security-severity": null}},
                {"message": {"text": "c"}, "level": "note", "properties": {"security-severity": 7}}
            ]),
        );
        assert_eq!(
            severities(&log),
            [
                ("r".to_owned(), Severity::Critical),
                ("r".to_owned(), Severity::Low),
                ("(no rule id)".to_owned(), Severity::High),
            ]
        );
    }

    #[test]
    fn rule_lookup_by_index_id_hierarchy_and_extension() {
        let log = log(json!({
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {"name": "d", "rules": [
                        {"id": "A", "properties": {"security-severity": "9.1"}},
                        {"id": "B", "properties": {"security-severity": "5.0"}}
                    ]},
                    "extensions": [{"name": "pack", "rules": [
                        {"id": "X", "properties": {"security-severity": "7.1"}}
                    ]}]
                },
                "results": [
                    {"ruleIndex": 1, "message": {"text": "index only"}},
                    {"ruleId": "A/3", "message": {"text": "hierarchical"}},
                    {"ruleId": "X", "message": {"text": "found in an extension"}},
                    {"rule": {"index": 0, "toolComponent": {"index": 0}}, "message": {"text": "extension by index"}},
                    {"rule": {"id": "X", "toolComponent": {"name": "pack"}}, "message": {"text": "extension by name"}},
                    {"ruleId": "A", "ruleIndex": -1, "message": {"text": "index -1 means none"}}
                ]
            }]
        }));
        assert_eq!(
            severities(&log),
            [
                ("B".to_owned(), Severity::Medium),
                ("A/3".to_owned(), Severity::Critical),
                ("X".to_owned(), Severity::High),
                ("X".to_owned(), Severity::High),
                ("X".to_owned(), Severity::High),
                ("A".to_owned(), Severity::Critical),
            ]
        );
    }

    #[test]
    fn messages_from_rule_strings_with_arguments() {
        let log = run(
            json!([{"id": "r", "messageStrings": {"default": {"text": "Variable '{0}' is used {1} times {{literally}}."}}}]),
            json!([
                {"ruleId": "r", "message": {"id": "default", "arguments": ["qty", 3]}},
                {"ruleId": "r", "message": {"id": "default", "arguments": []}},
                {"ruleId": "r"}
            ]),
        );
        let messages = open_findings(&log, Severity::None)
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>();
        assert_eq!(
            messages,
            [
                "Variable 'qty' is used 3 times {literally}.",
                "Variable '{0}' is used {1} times {literally}.",
                ""
            ]
        );
    }

    #[test]
    fn a_log_without_runs_or_with_a_failed_run_is_unmet() {
        for runs in [json!([]), Value::Null] {
            let outcome = evaluate(
                &log(json!({"version": "2.1.0", "runs": runs})),
                Severity::Critical,
            );
            assert!(!outcome.met);
            assert_eq!(outcome.found, "the log has no runs, so nothing was scanned");
        }
        let failed = log(json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "semgrep"}},
            "invocations": [{"executionSuccessful": false, "exitCode": 2}],
            "results": []
        }]}));
        let outcome = evaluate(&failed, Severity::Critical);
        assert!(!outcome.met);
        assert_eq!(outcome.failed_runs, ["semgrep"]);
        assert_eq!(
            outcome.found,
            "the scan did not complete (executionSuccessful: false) for semgrep"
        );
    }

    #[test]
    fn lenient_about_what_the_decision_does_not_read() {
        let log = log(json!({
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": 42, "rules": [{"properties": {"tags": "not-a-list"}, "help": 7}]}},
                "results": [{
                    "message": {"text": ["not", "a", "string"]},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": 5}, "region": {"startLine": "x"}}}],
                    "fingerprints": null,
                    "somethingNew": {"nested": true}
                }],
                "artifacts": null
            }],
            "inlineExternalProperties": [{"whatever": 1}]
        }));
        let findings = open_findings(&log, Severity::None);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].tool, "(unnamed tool)");
        assert_eq!(findings[0].location, None);
        assert_eq!(findings[0].message, "");
    }

    #[test]
    fn errors_are_typed() {
        let parse_value = |v: Value| parse(v.to_string().as_bytes());
        assert!(matches!(
            parse(b"{\"version\": \"2.1.0\", \"runs\": [], \"runs\": []}"),
            Err(EvidenceError::MalformedJson { .. })
        ));
        assert!(matches!(
            parse(b"not json"),
            Err(EvidenceError::MalformedJson { .. })
        ));
        assert!(matches!(
            parse_value(json!([1])),
            Err(EvidenceError::NotSarif { reason }) if reason == "the top level is an array, not an object"
        ));
        assert!(matches!(
            parse_value(json!({"runs": []})),
            Err(EvidenceError::NotSarif { reason }) if reason.contains("version")
        ));
        assert!(matches!(
            parse_value(json!({"version": "2.1.0"})),
            Err(EvidenceError::NotSarif { reason }) if reason.contains("runs")
        ));
        assert_eq!(
            parse_value(json!({"version": "2.0.0", "runs": []})),
            Err(EvidenceError::UnsupportedSarifVersion {
                found: "\"2.0.0\"".into()
            })
        );
        match parse(
            b"{\"version\": \"2.1.0\", \"runs\": [{\"results\": [\n  {\"level\": \"fatal\"}]}]}",
        ) {
            Err(EvidenceError::InvalidSarif { line, reason, .. }) => {
                assert_eq!(line, 2);
                assert!(reason.contains("unknown variant `fatal`"), "{reason}");
            }
            other => panic!("expected InvalidSarif, got {other:?}"),
        }
        for bad in [
            json!({"kind": "failed"}),
            json!({"baselineState": "gone"}),
            json!({"suppressions": [{"status": "approved"}]}),
            json!({"ruleIndex": "1"}),
            json!({"suppressions": {"status": "accepted"}}),
        ] {
            let result = parse_value(json!({"version": "2.1.0", "runs": [{"results": [bad]}]}));
            assert!(
                matches!(result, Err(EvidenceError::InvalidSarif { .. })),
                "{result:?}"
            );
        }
    }

    #[test]
    fn unusable_values_name_their_pointer() {
        let result = parse(
            json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [
                {"id": "ok", "properties": {"security-severity": "1.0"}},
                {"id": "bad", "properties": {"security-severity": "high"}}
            ]}}}]})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(
            result,
            Err(EvidenceError::InvalidSarifValue {
                pointer: "/runs/0/tool/driver/rules/1/properties/security-severity".into(),
                reason: "security-severity \"high\" is not a score from 0.0 to 10.0 (a number or a numeric string)"
                    .into()
            })
        );
        for bad in [
            json!(-1),
            json!(10.5),
            json!("NaN"),
            json!("inf"),
            json!(true),
        ] {
            let result = parse(
                json!({"version": "2.1.0", "runs": [{"results": [{"properties": {"security-severity": bad}}]}]})
                    .to_string()
                    .as_bytes(),
            );
            assert!(
                matches!(&result, Err(EvidenceError::InvalidSarifValue { pointer, .. }) if pointer == "/runs/0/results/0/properties/security-severity"),
                "{result:?}"
            );
        }
        let result = parse(
            json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": "a"}]}}, "results": [{"ruleIndex": 3}]}]})
                .to_string()
                .as_bytes(),
        );
        assert!(
            matches!(&result, Err(EvidenceError::InvalidSarifValue { pointer, .. }) if pointer == "/runs/0/results/0/ruleIndex"),
            "{result:?}"
        );
        let result = parse(
            json!({"version": "2.1.0", "runs": [{"results": [{"rule": {"id": "a", "toolComponent": {"index": 0}}}]}]})
                .to_string()
                .as_bytes(),
        );
        assert!(
            matches!(&result, Err(EvidenceError::InvalidSarifValue { pointer, .. }) if pointer == "/runs/0/results/0/rule/toolComponent/index"),
            "{result:?}"
        );
    }

    #[test]
    fn found_lists_most_severe_first() {
        let log = run(
            json!([
                {"id": "lo", "properties": {"security-severity": "4.5"}},
                {"id": "hi", "properties": {"security-severity": "9.9"}}
            ]),
            json!([
                {"ruleId": "lo", "message": {"text": "m"}},
                {"ruleId": "hi", "message": {"text": "m"}}
            ]),
        );
        let outcome = evaluate(&log, Severity::Medium);
        assert_eq!(
            outcome.findings[0].rule_id, "lo",
            "findings stay in log order"
        );
        assert_eq!(
            outcome.found,
            "2 open results: hi (critical, 9.9): m; lo (medium, 4.5): m"
        );
    }

    #[test]
    fn substitute_is_total() {
        assert_eq!(substitute("{", &[]), "{");
        assert_eq!(substitute("}{x}{9}{}", &[]), "}{x}{9}{}");
        assert_eq!(substitute("é{0}ü", &[json!("ß")]), "éßü");
        assert_eq!(
            substitute("{99999999999999999999999}", &[]),
            "{99999999999999999999999}"
        );
    }
}
