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

mod decision;
mod exceptions;

use jiff::Timestamp;

use crate::approval::{Approval, ExceptionGrant, Ignored};
use crate::criteria::HoldCtx;
pub use crate::criteria::Kind;
pub use crate::criteria::approvals::{CountedApproval, Excluded};
use crate::evidence::Evidence;
use crate::policy::{Criterion, Policy};
use crate::release::HashedRelease;
use crate::vocab::{Gate, Phase};
pub use decision::{
    ARTIFACT_INTEGRITY, AppliedException, CriterionResult, DECISION_SCHEMA, Decision, Outcome,
    PolicySummary, ReleaseSummary, Status,
};
use exceptions::apply_exceptions;

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
        if let Some(applied) = apply_exceptions(
            policy.exceptions.as_ref(),
            inputs.exceptions,
            inputs.excluded,
            now,
            &mut criteria,
            &mut ignored,
        ) {
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
