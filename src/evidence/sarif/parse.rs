//! Parsing a SARIF log: the top-level shape and `version` first, then the slim types of [`super::raw`], then each
//! result resolved (its rule, severity, status, message and location) into a [`SarifLog`].

use serde_json::Value;

use super::log::{Classified, Finding, Run, SarifLog, Status};
use super::raw;
use super::rules::{Component, Rule, find_rule, tags};
use super::severity::{Level, Score, security_severity, severity_of_score};
use crate::evidence::strict::{self, Kept};
use crate::evidence::{EvidenceError, json_error_parts, strip_bom, truncate};

/// Longest result message kept, in characters.
const MESSAGE_CHARS: usize = 200;

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
    let top = strict::check(bytes, &["version"], &["runs"])?;
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
    let rule_score = rule.map_or(&Score::Absent, |r| &r.score);
    let score = own_score.valid().or_else(|| rule_score.valid());
    let severity = score.map_or_else(|| level.severity(), severity_of_score);
    // A score that is not a number falls back to the next source (the rule's score, then the level) and says so.
    let score_note = match (&own_score, rule_score) {
        (Score::NotNumeric(shown), _) => Some((shown.clone(), "the result's")),
        (Score::Absent, Score::NotNumeric(shown)) => Some((shown.clone(), "its rule's")),
        _ => None,
    }
    .map(|(shown, whose)| match score {
        Some(used) => format!(
            "{whose} security-severity {shown} is not a number; the rule's score {used} is used"
        ),
        None => format!(
            "{whose} security-severity {shown} is not a number; the severity comes from level {level}"
        ),
    });

    // `review` and `open` results at level error ask a person to look at a likely problem: they count as
    // failures. Other kinds (pass, notApplicable, informational, and review/open below error) do not.
    let counts_as_fail = match kind {
        raw::Kind::Fail => true,
        raw::Kind::Review | raw::Kind::Open => level == Level::Error,
        raw::Kind::Pass | raw::Kind::NotApplicable | raw::Kind::Informational => false,
    };
    let status = if !counts_as_fail {
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
            tags: {
                let mut all = tags(result.properties.as_ref());
                for tag in rule.map(|r| r.tags.as_slice()).unwrap_or_default() {
                    if !all.contains(tag) {
                        all.push(tag.clone());
                    }
                }
                all
            },
            score_note,
        },
    })
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
pub(super) fn substitute(template: &str, arguments: &[Value]) -> String {
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
