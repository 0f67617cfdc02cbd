//! How a result's severity is read: its `level` (explicit or defaulted) and a `security-severity` score.

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::evidence::{EvidenceError, truncate};
use crate::vocab::Severity;

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

/// A `properties["security-severity"]` as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Score {
    /// Absent or `null`.
    Absent,
    /// A score from 0 to 10.
    Valid(f64),
    /// Not a number (`"HIGH"`, `""`, `true`): the value as shown to people. The result falls back to the next
    /// source of severity and says so in a note, rather than failing the whole log.
    NotNumeric(String),
}

impl Score {
    /// The score when it is usable.
    pub(super) fn valid(&self) -> Option<f64> {
        match self {
            Self::Valid(score) => Some(*score),
            Self::Absent | Self::NotNumeric(_) => None,
        }
    }
}

/// Reads `properties["security-severity"]`: a number or a numeric string from 0 to 10.
///
/// # Errors
/// A number (or numeric string) outside 0 to 10: the tool claims a score the scale does not have, so guessing
/// would be a guess about security.
pub(super) fn security_severity(
    properties: Option<&Map<String, Value>>,
    pointer: &str,
) -> Result<Score, EvidenceError> {
    let Some(value) = properties.and_then(|p| p.get("security-severity")) else {
        return Ok(Score::Absent);
    };
    let score = match value {
        Value::Null => return Ok(Score::Absent),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    match score {
        Some(score) if (0.0..=10.0).contains(&score) => Ok(Score::Valid(score)),
        Some(_) => Err(EvidenceError::InvalidSarifValue {
            pointer: pointer.to_owned(),
            reason: format!(
                "security-severity {} is not a score from 0.0 to 10.0",
                truncate(&value.to_string(), 40)
            ),
        }),
        None => Ok(Score::NotNumeric(truncate(&value.to_string(), 40))),
    }
}
