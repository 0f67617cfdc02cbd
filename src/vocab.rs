//! Shared vocabulary of releases and policies: change types, risk tiers, gates and severities.

use std::fmt;

use serde::{Deserialize, Serialize};

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
