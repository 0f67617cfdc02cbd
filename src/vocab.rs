//! Shared vocabulary of releases and policies: names, change types, risk tiers, gates and severities.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// The name of an artifact, an evidence file, a role or a criterion: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}`.
///
/// One rule for every name a user writes, in `release.toml`, the policy, or on the command line, so that a name
/// one file accepts can always be referred to from another. The rule also keeps names safe in reports, JSON
/// pointers and CLI flags: no whitespace, no `/`, no leading `-` (read as a flag) or `.` (a hidden file, `..`).
/// The only way to make one is [`Name::parse`] (or deserializing, which calls it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

/// Why a text is not a [`Name`]. The message says which part of the rule it breaks; show [`Name::RULE`] beside it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The text is empty.
    #[error("a name cannot be empty")]
    Empty,
    /// The text is longer than [`Name::MAX_LEN`] bytes.
    #[error("a name is at most {} characters, this one has {len}", Name::MAX_LEN)]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The first character is `-` or `.`, which only later characters may be.
    #[error("a name cannot start with `{first}`")]
    BadStart {
        /// The first character.
        first: char,
    },
    /// A character outside `A-Z a-z 0-9 _ - .`.
    #[error("a name cannot contain {found:?}")]
    BadChar {
        /// The first character that is not allowed.
        found: char,
    },
}

impl Name {
    /// The longest name, in bytes (every allowed character is one byte).
    pub const MAX_LEN: usize = 64;

    /// The rule, worded for people.
    pub const RULE: &'static str = "names use letters, digits, `_`, `-` and `.`, start with a letter, digit or `_`, \
                                    and are at most 64 characters";

    /// Checks `s` against the rule.
    ///
    /// # Errors
    /// [`NameError`] saying which part of the rule `s` breaks.
    pub fn parse(s: &str) -> Result<Name, NameError> {
        Self::check(s)?;
        Ok(Name(s.to_owned()))
    }

    /// Whether `s` follows the rule.
    pub fn is_valid(s: &str) -> bool {
        Self::check(s).is_ok()
    }

    fn check(s: &str) -> Result<(), NameError> {
        let mut chars = s.chars();
        let first = chars.next().ok_or(NameError::Empty)?;
        if let Some(found) = s
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            return Err(NameError::BadChar { found });
        }
        if matches!(first, '-' | '.') {
            return Err(NameError::BadStart { first });
        }
        if s.len() > Self::MAX_LEN {
            return Err(NameError::TooLong { len: s.len() });
        }
        Ok(())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned `String`.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Name {
    type Error = NameError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::check(&s)?;
        Ok(Name(s))
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of change a release carries; the policy maps it to a default risk [`Tier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    /// New or retrained model weights.
    Model,
    /// A changed prompt or prompt template.
    Prompt,
    /// A configuration change (thresholds, feature flags, routing).
    Config,
    /// Application code around the model.
    Code,
}

impl ChangeType {
    /// The lowercase name used in `release.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Prompt => "prompt",
            Self::Config => "config",
            Self::Code => "code",
        }
    }
}

impl fmt::Display for ChangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Risk tier of a release; chooses which criteria apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Low-risk changes (for example configuration tweaks).
    Low,
    /// The default tier.
    Standard,
    /// High-risk changes (for example a new model).
    Critical,
}

impl Tier {
    /// The lowercase name used in policies and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Standard => "standard",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The five gates of the release framework, in the order they are passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    /// Technical readiness: evaluations, security findings, tests, artifacts.
    Technical,
    /// Operational readiness: rollback, monitoring, runbooks.
    Operational,
    /// Stakeholder approval: sign-offs by role.
    Stakeholder,
    /// Deployment execution: windows and freezes.
    Execution,
    /// Post-deployment validation against production metrics.
    PostDeployment,
}

impl Gate {
    /// Every gate, in order.
    pub const ALL: [Gate; 5] = [
        Gate::Technical,
        Gate::Operational,
        Gate::Stakeholder,
        Gate::Execution,
        Gate::PostDeployment,
    ];

    /// The kebab-case name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Technical => "technical",
            Self::Operational => "operational",
            Self::Stakeholder => "stakeholder",
            Self::Execution => "execution",
            Self::PostDeployment => "post-deployment",
        }
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a criterion is held: before deployment (`check`, `issue`) or after it (`validate`).
///
/// A criterion of the `post-deployment` gate is held only after deployment, against
/// production metrics snapshots; every other criterion only before. One policy thus carries all
/// five gates of the framework, and each command evaluates its own part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before deployment: gates technical, operational, stakeholder and execution.
    PreDeploy,
    /// After deployment: the `post-deployment` gate.
    PostDeploy,
}

impl Phase {
    /// The phase in which criteria of `gate` are held.
    pub fn of(gate: Gate) -> Self {
        match gate {
            Gate::PostDeployment => Self::PostDeploy,
            Gate::Technical | Gate::Operational | Gate::Stakeholder | Gate::Execution => {
                Self::PreDeploy
            }
        }
    }

    /// Whether criteria of `gate` are held in this phase.
    pub fn includes(self, gate: Gate) -> bool {
        Self::of(gate) == self
    }
}

/// Severity of a security finding, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational (SARIF level `none`, or `security-severity` 0).
    None,
    /// `security-severity` above 0 and below 4.0, or SARIF `note`.
    Low,
    /// `security-severity` 4.0 to below 7.0, or SARIF `warning`.
    Medium,
    /// `security-severity` 7.0 to below 9.0, or SARIF `error`.
    High,
    /// `security-severity` 9.0 and above.
    Critical,
}

impl Severity {
    /// The lowercase name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_follow_one_rule() {
        let longest = "a".repeat(64);
        for ok in [
            "a",
            "_",
            "0",
            "eval",
            "model_card",
            "v1.2-rc",
            "A.b-c_d",
            "_x",
            "9-",
            &longest,
        ] {
            assert_eq!(Name::parse(ok).unwrap().as_str(), ok);
            assert!(Name::is_valid(ok));
        }
        let too_long = "a".repeat(65);
        for (bad, why) in [
            ("", NameError::Empty),
            ("-x", NameError::BadStart { first: '-' }),
            (".x", NameError::BadStart { first: '.' }),
            ("..", NameError::BadStart { first: '.' }),
            (&too_long, NameError::TooLong { len: 65 }),
            ("my model", NameError::BadChar { found: ' ' }),
            ("a/b", NameError::BadChar { found: '/' }),
            ("ü", NameError::BadChar { found: 'ü' }),
            ("x\n", NameError::BadChar { found: '\n' }),
        ] {
            assert_eq!(Name::parse(bad), Err(why.clone()), "{bad:?}");
            assert!(!Name::is_valid(bad));
        }
    }

    #[test]
    fn names_deserialize_through_the_rule() {
        let name: Name = serde_json::from_str("\"eval\"").unwrap();
        assert_eq!(name, "eval");
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"eval\"");
        assert!(serde_json::from_str::<Name>("\"-x\"").is_err());
    }
}
