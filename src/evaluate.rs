//! Evaluation: `(policy, release, evidence, approvals, exceptions, now) -> Decision`.
//!
//! Pure: everything was read and verified before ([`crate::gate::gather`], approval collection) and
//! everything is rendered after. A denial is `Decision { outcome: Deny, .. }`, never an error.
//!
//! Rules beyond the policy's own criteria:
//! - a built-in, non-waivable criterion `artifact-integrity` (gate `technical`): every digest
//!   `release.toml` pins matches its file, and no artifact is empty;
//! - approvals: an approval counts for a role only when it is unexpired, not dated in the
//!   future, and younger than the criterion's `max_age`; one person (as the policy resolves the
//!   signing key or login) fills at most one required slot per criterion, and the
//!   assignment of people to roles is a maximum bipartite matching, so the order of records
//!   never matters;
//! - phases: a pre-deploy evaluation ([`Phase::PreDeploy`], `check` and `issue`) holds every
//!   criterion but those of the `post-deployment` gate, which it lists as not applicable; a
//!   post-deploy evaluation ([`Phase::PostDeploy`], `validate`) holds only those, and not the
//!   built-in `artifact-integrity` either (the artifacts were checked before deployment);
//! - exceptions: when every unmet criterion is waivable and named by unexpired exception
//!   records of at least `[exceptions].approvers.count` distinct people holding the role, the
//!   outcome is `exception`; a waiver never covers a criterion it does not name;
//! - separation of duties: an approval or exception of an [`Excluded`] person (the deployer, the
//!   author of the change) never counts.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::approval::{Approval, ExceptionGrant, Ignored};
use crate::criteria::HoldCtx;
pub use crate::criteria::Kind;
pub use crate::criteria::approvals::{CountedApproval, Excluded};
use crate::criteria::approvals::{FUTURE_SKEW_SECS, people};
use crate::evidence::Evidence;
use crate::policy::{Criterion, Policy};
use crate::release::HashedRelease;
use crate::vocab::{Gate, Phase, Tier};

/// Id of the built-in criterion that checks pinned artifact digests and empty artifacts.
pub const ARTIFACT_INTEGRITY: &str = "artifact-integrity";

/// Schema identifier of the decision JSON (`docs/decision.md`); bumped on incompatible change.
pub const DECISION_SCHEMA: &str = "gatepass-decision/1";

/// Everything a decision is made from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The policy for the target environment.
    pub policy: &'a Policy,
    /// The release, hashed.
    pub release: &'a HashedRelease,
    /// Parsed evidence contents.
    pub evidence: &'a Evidence,
    /// Approvals whose origin was verified.
    pub approvals: &'a [Approval],
    /// Exception records whose origin was verified.
    pub exceptions: &'a [ExceptionGrant],
    /// Records found during collection that do not count, with reasons.
    pub ignored: &'a [Ignored],
    /// Identities that never count toward a quorum: the deployer and the author of the change.
    pub excluded: &'a [Excluded],
    /// The instant to decide at.
    pub now: Timestamp,
    /// Which criteria to hold: before deployment, or the `post-deployment` gate after it.
    pub phase: Phase,
}

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

/// Decides. Pure: the same inputs give the same decision.
pub fn evaluate(inputs: &Inputs<'_>) -> Decision {
    let Inputs {
        policy,
        release,
        now,
        phase,
        ..
    } = *inputs;
    let tier = policy.tier_for(release.release.change, release.release.tier);
    let mut ignored: Vec<Ignored> = inputs.ignored.to_vec();
    let mut counted: Vec<CountedApproval> = Vec::new();

    let mut criteria = match phase {
        Phase::PreDeploy => vec![artifact_integrity(release)],
        Phase::PostDeploy => Vec::new(),
    };
    for criterion in &policy.criteria {
        if phase == Phase::PostDeploy && !phase.includes(criterion.gate) {
            continue;
        }
        let mut result = if !phase.includes(criterion.gate) {
            CriterionResult {
                status: Status::NotApplicable,
                expected: "held after deployment, by `gatepass validate`".into(),
                found: "not held before deployment".into(),
                ..base(criterion, Vec::new())
            }
        } else if criterion.applies_to(tier) {
            let held = criterion.kind.hold(
                &criterion.id,
                &HoldCtx {
                    evidence: inputs.evidence,
                    release,
                    now: inputs.now,
                    tier,
                    approvals: inputs.approvals,
                    excluded: inputs.excluded,
                },
            );
            ignored.extend(held.ignored);
            counted.extend(held.counted);
            CriterionResult {
                status: status(held.met),
                expected: held.expected,
                found: held.found,
                details: held.details,
                ..base(criterion, held.files)
            }
        } else {
            let tiers: Vec<&str> = criterion
                .tiers
                .iter()
                .flatten()
                .map(|t| t.as_str())
                .collect();
            CriterionResult {
                status: Status::NotApplicable,
                expected: format!("applies to tier {}", tiers.join(", ")),
                found: format!("release tier is {tier}"),
                ..base(criterion, Vec::new())
            }
        };
        result.description.clone_from(&criterion.description);
        criteria.push(result);
    }

    let mut outcome = if criteria.iter().any(|c| c.status == Status::Unmet) {
        Outcome::Deny
    } else {
        Outcome::Allow
    };
    let mut exception = None;
    if outcome == Outcome::Deny {
        if let Some(applied) = apply_exceptions(inputs, &mut criteria, &mut ignored) {
            outcome = Outcome::Exception;
            exception = Some(applied);
        }
    } else {
        for grant in inputs.exceptions {
            ignored.push(Ignored {
                origin: grant.origin.clone(),
                approver: Some(grant.approver.clone()),
                reason: "not needed: every criterion is met".into(),
            });
        }
    }

    Decision {
        schema: DECISION_SCHEMA,
        outcome,
        at: now,
        environment: policy.environment.clone(),
        release: ReleaseSummary {
            name: release.release.name.clone(),
            version: release.release.version.clone(),
            change: release.release.change.to_string(),
            tier,
            digest: release.digest().prefixed(),
            manifest: release.release.manifest.display().to_string(),
        },
        policy: PolicySummary {
            id: policy.id.clone(),
            digest: policy.digest.prefixed(),
            file: policy.path.display().to_string(),
            issuer: policy.issuer.clone(),
        },
        artifacts: release
            .artifacts
            .iter()
            .map(|(n, a)| (n.clone(), a.digest.prefixed()))
            .collect(),
        evidence: release
            .evidence
            .iter()
            .chain(inputs.evidence.snapshots())
            .map(|(n, e)| (n.clone(), e.file.map(|f| f.digest.prefixed())))
            .collect(),
        criteria,
        approvals: counted,
        ignored,
        exception,
    }
}

fn base(criterion: &Criterion, files: Vec<String>) -> CriterionResult {
    CriterionResult {
        id: criterion.id.clone(),
        gate: criterion.gate,
        kind: criterion.kind.kind(),
        status: Status::Met,
        expected: String::new(),
        found: String::new(),
        files,
        details: Vec::new(),
        defined_at: criterion.location.to_string(),
        description: None,
    }
}

fn status(met: bool) -> Status {
    if met { Status::Met } else { Status::Unmet }
}

fn artifact_integrity(release: &HashedRelease) -> CriterionResult {
    let mut details = Vec::new();
    let mut pinned = 0;
    for (name, artifact) in &release.artifacts {
        if artifact.pinned.is_some() {
            pinned += 1;
        }
        if let Some(m) = artifact.pin_mismatch() {
            details.push(format!(
                "{name} ({}): release.toml pins {}, the file is {}",
                artifact.path,
                m.pinned.prefixed(),
                m.actual.prefixed()
            ));
        }
        if artifact.bytes == 0 {
            details.push(format!("{name} ({}): empty (0 bytes)", artifact.path));
        }
    }
    let total = release.artifacts.len();
    let found = if details.is_empty() {
        format!("{total} artifact(s), {pinned} pinned, all match")
    } else {
        format!("{} problem(s) in {total} artifact(s)", details.len())
    };
    CriterionResult {
        id: ARTIFACT_INTEGRITY.into(),
        gate: Gate::Technical,
        kind: Kind::Artifacts,
        status: status(details.is_empty()),
        expected: "pinned sha256 digests match; no empty artifact".into(),
        found,
        files: release
            .artifacts
            .values()
            .map(|a| a.path.written.clone())
            .collect(),
        details,
        defined_at: release.release.manifest.display().to_string(),
        description: None,
    }
}

fn apply_exceptions(
    inputs: &Inputs<'_>,
    criteria: &mut [CriterionResult],
    ignored: &mut Vec<Ignored>,
) -> Option<AppliedException> {
    let now = inputs.now.as_second();
    let Some(rules) = &inputs.policy.exceptions else {
        for g in inputs.exceptions {
            ignored.push(Ignored {
                origin: g.origin.clone(),
                approver: Some(g.approver.clone()),
                reason: "this policy has no [exceptions] section; exceptions are not possible"
                    .into(),
            });
        }
        return None;
    };
    let mut valid: Vec<&ExceptionGrant> = Vec::new();
    for g in inputs.exceptions {
        let reason = if g.role != rules.approvers.role {
            Some(format!(
                "signed as `{}`, exceptions need `{}`",
                g.role, rules.approvers.role
            ))
        } else if let Some(e) = inputs.excluded.iter().find(|e| e.person == g.person) {
            Some(format!(
                "{} is {}; the deployer and the author of a change never sign their own exception",
                g.approver, e.why
            ))
        } else if g.expires.as_second() <= now {
            Some(format!("expired at {}", g.expires))
        } else if g.at.as_second() > now + FUTURE_SKEW_SECS {
            Some(format!("dated in the future ({})", g.at))
        } else {
            None
        };
        match reason {
            Some(reason) => ignored.push(Ignored {
                origin: g.origin.clone(),
                approver: Some(g.approver.clone()),
                reason,
            }),
            None => valid.push(g),
        }
    }
    let person = people(valid.iter().map(|g| g.person.as_str()));
    let unmet: Vec<usize> = (0..criteria.len())
        .filter(|&i| criteria[i].status == Status::Unmet)
        .collect();
    let mut used: Vec<&ExceptionGrant> = Vec::new();
    let mut blocked = Vec::new();
    for &i in &unmet {
        let id = criteria[i].id.as_str();
        if id == ARTIFACT_INTEGRITY || !rules.is_waivable(id) {
            blocked.push(format!("`{id}` is non-waivable"));
            continue;
        }
        let naming: Vec<(usize, &ExceptionGrant)> = valid
            .iter()
            .zip(&person)
            .filter(|(g, _)| g.waived.iter().any(|w| w == id))
            .map(|(g, p)| (*p, *g))
            .collect();
        let distinct: BTreeSet<usize> = naming.iter().map(|(p, _)| *p).collect();
        if distinct.len() < rules.approvers.count as usize {
            blocked.push(format!(
                "`{id}` is waived by {} of {} required `{}` signer(s)",
                distinct.len(),
                rules.approvers.count,
                rules.approvers.role
            ));
            continue;
        }
        used.extend(naming.into_iter().map(|(_, g)| g));
    }
    if !blocked.is_empty() || unmet.is_empty() {
        for g in &valid {
            ignored.push(Ignored {
                origin: g.origin.clone(),
                approver: Some(g.approver.clone()),
                reason: format!("exception not applied: {}", blocked.join("; ")),
            });
        }
        return None;
    }
    for &i in &unmet {
        criteria[i].status = Status::Waived;
    }
    let distinct = |items: Vec<&str>| {
        let mut seen = Vec::new();
        for i in items {
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
        seen.join("; ")
    };
    let mut approved_by: Vec<String> = used.iter().map(|g| g.approver.clone()).collect();
    approved_by.sort();
    approved_by.dedup();
    Some(AppliedException {
        waived: unmet.iter().map(|&i| criteria[i].id.clone()).collect(),
        reason: distinct(used.iter().map(|g| g.reason.as_str()).collect()),
        risk_acceptance: distinct(used.iter().map(|g| g.risk_acceptance.as_str()).collect()),
        approved_by,
        expires: used.iter().map(|g| g.expires).min().unwrap_or(inputs.now),
    })
}
