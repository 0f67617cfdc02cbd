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

/// Reads `properties["security-severity"]`: a number or a numeric string from 0 to 10; absent or null is `None`.
pub(super) fn security_severity(
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
