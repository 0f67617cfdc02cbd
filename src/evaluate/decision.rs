//! The decision: what `evaluate` returns, the JSON document `docs/decision.md` describes.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::approval::Ignored;
use crate::criteria::Kind;
use crate::criteria::approvals::CountedApproval;
use crate::vocab::{Gate, Tier};

/// Id of the built-in criterion that checks pinned artifact digests and empty artifacts.
pub const ARTIFACT_INTEGRITY: &str = "artifact-integrity";

/// Schema identifier of the decision JSON (`docs/decision.md`); bumped on incompatible change.
pub const DECISION_SCHEMA: &str = "gatepass-decision/1";

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every applicable criterion is met.
    Allow,
    /// At least one applicable criterion is unmet and not waived.
    Deny,
    /// Some criteria are unmet, and every one of them is waived by a valid exception.
    Exception,
}

impl Outcome {
    /// `allow`, `deny` or `exception`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Exception => "exception",
        }
    }
}

/// The state of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Met.
    Met,
    /// Not met.
    Unmet,
    /// Not met, but waived by an exception.
    Waived,
    /// The criterion does not apply to the release's tier.
    NotApplicable,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    /// The criterion id.
    pub id: String,
    /// Its gate.
    pub gate: Gate,
    /// Its kind: `metric`, `sarif`, `junit`, `present`, `contract`, `window`, `approvals`, or
    /// `artifacts` for the built-in `artifact-integrity`.
    pub kind: Kind,
    /// Met, unmet, waived or not applicable.
    pub status: Status,
    /// What the policy requires, for people.
    pub expected: String,
    /// What was found, for people.
    pub found: String,
    /// The evidence file(s) it read, as written in `release.toml`.
    pub files: Vec<String>,
    /// One line per offending value, finding, test or difference.
    pub details: Vec<String>,
    /// Where the criterion is defined (`policy.toml:line:col`), or `release.toml` for built-ins.
    pub defined_at: String,
    /// The criterion's `description`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The release as decided on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseSummary {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Change type.
    pub change: String,
    /// Effective risk tier.
    pub tier: Tier,
    /// Release digest, `sha256:<hex>`.
    pub digest: String,
    /// The manifest file.
    pub manifest: String,
}

/// The policy decided under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    /// `id`.
    pub id: String,
    /// SHA-256 of the policy file, `sha256:<hex>`.
    pub digest: String,
    /// The policy file.
    pub file: String,
    /// `issuer`.
    pub issuer: String,
}

/// The exception applied to a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedException {
    /// Criterion ids waived (exactly the unmet ones).
    pub waived: Vec<String>,
    /// Reasons given, distinct, joined.
    pub reason: String,
    /// Risk acceptances given, distinct, joined.
    pub risk_acceptance: String,
    /// Release managers whose records were used.
    pub approved_by: Vec<String>,
    /// The earliest expiry among the records used.
    pub expires: Timestamp,
}

/// The result of holding a release against a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Schema identifier of this JSON document: [`DECISION_SCHEMA`].
    pub schema: &'static str,
    /// Allow, deny or exception.
    pub outcome: Outcome,
    /// The instant decided at.
    pub at: Timestamp,
    /// The environment (the policy's, and the token's `aud`).
    pub environment: String,
    /// The release.
    pub release: ReleaseSummary,
    /// The policy.
    pub policy: PolicySummary,
    /// Artifact name to `sha256:<hex>`.
    pub artifacts: BTreeMap<String, String>,
    /// Evidence name to `sha256:<hex>`, or `null` when the file is absent.
    pub evidence: BTreeMap<String, Option<String>>,
    /// Every criterion, built-in first, then in policy order.
    pub criteria: Vec<CriterionResult>,
    /// Approvals that filled a required slot.
    pub approvals: Vec<CountedApproval>,
    /// Records that do not count, with the reason.
    pub ignored: Vec<Ignored>,
    /// The exception applied, when the outcome is `exception`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<AppliedException>,
}

impl Decision {
    /// Criteria that are unmet (not waived).
    pub fn unmet(&self) -> impl Iterator<Item = &CriterionResult> {
        self.criteria.iter().filter(|c| c.status == Status::Unmet)
    }

    /// Criteria of `gate`, in order.
    pub fn in_gate(&self, gate: Gate) -> impl Iterator<Item = &CriterionResult> {
        self.criteria.iter().filter(move |c| c.gate == gate)
    }
}
