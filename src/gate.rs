//! One gate run: load, hash, gather, collect, evaluate; and minting a token from a decision.
//!
//! This is the I/O shell around the pure [`crate::evaluate::evaluate`]; the CLI calls
//! [`run`] and then renders the [`Decision`].

use std::path::PathBuf;

use jiff::Timestamp;

use crate::approval::{Approval, CollectError, Ignored, ReleaseRef, collect};
use crate::evaluate::{Decision, Excluded, Inputs, Outcome, evaluate};
use crate::gather::{GatherError, gather};
use crate::hash::Progress;
use crate::policy::{Policy, PolicyError};
use crate::release::{HashedRelease, Release, ReleaseError};
use crate::token::claims::{
    ApprovalClaim, Audience, Claims, ExceptionClaim, PolicyClaim, ReleaseClaim,
};
use crate::token::keys::SigningKey;
use crate::token::mint::{self, MintError};

/// What a gate run reads.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `policy.toml`.
    pub policy: PathBuf,
    /// `release.toml`.
    pub release: PathBuf,
    /// Directories of signed approval records.
    pub approvals: Vec<PathBuf>,
    /// Signed exception records.
    pub exceptions: Vec<PathBuf>,
    /// Approvals gathered elsewhere (for example from GitHub), already verified.
    pub extra_approvals: Vec<Approval>,
    /// Records gathered elsewhere that do not count.
    pub extra_ignored: Vec<Ignored>,
    /// Identities that never count toward a quorum (the deployer, the author of the change).
    pub excluded: Vec<Excluded>,
}

/// A gate run that could not decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// The policy could not be read or is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The release manifest could not be read, is invalid, or names files that cannot be hashed.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// An evidence file exists but cannot be used.
    #[error(transparent)]
    Evidence(#[from] GatherError),
    /// A role key named in the policy, an approvals directory or an exception file cannot be read.
    #[error(transparent)]
    Records(#[from] CollectError),
}

/// The result of a gate run.
#[derive(Debug)]
pub struct Run {
    /// The policy.
    pub policy: Policy,
    /// The hashed release.
    pub release: HashedRelease,
    /// The decision.
    pub decision: Decision,
}

/// Loads everything, verifies records, and decides as of `now`.
pub fn run(request: &Request, now: Timestamp, progress: &dyn Progress) -> Result<Run, GateError> {
    let policy = Policy::load(&request.policy)?;
    let release = Release::load(&request.release)?.hash(progress)?;
    let tier = policy.tier_for(release.release.change, release.release.tier);
    policy.check_evidence_reads(release.evidence.keys().map(String::as_str), tier)?;
    let evidence = gather(&policy, &release, tier)?;
    let collected = collect(
        &policy,
        &ReleaseRef::from(&release),
        &request.approvals,
        &request.exceptions,
    )?;
    let mut approvals: Vec<Approval> = collected.approvals;
    approvals.extend(request.extra_approvals.iter().cloned());
    let mut ignored: Vec<Ignored> = collected.ignored;
    ignored.extend(request.extra_ignored.iter().cloned());
    let exceptions = collected.exceptions;
    let decision = evaluate(&Inputs {
        policy: &policy,
        release: &release,
        evidence: &evidence,
        approvals: &approvals,
        exceptions: &exceptions,
        ignored: &ignored,
        excluded: &request.excluded,
        now,
    });
    Ok(Run {
        policy,
        release,
        decision,
    })
}

/// The claims of the token for an allow or exception decision, issued at `now`.
///
/// Lifetime: the policy's `ttl`; for an exception the shorter of `exception_ttl` and the time
/// left until the earliest exception record expires. `None` for a denial.
pub fn claims_for(run: &Run, now: Timestamp) -> Result<Option<Claims>, MintError> {
    let d = &run.decision;
    let now_s = now.as_second();
    let ttl = match d.outcome {
        Outcome::Deny => return Ok(None),
        Outcome::Allow => secs(run.policy.token.ttl),
        Outcome::Exception => {
            let left = d
                .exception
                .as_ref()
                .map_or(0, |e| e.expires.as_second() - now_s);
            secs(run.policy.token.exception_ttl).min(left)
        }
    };
    if ttl <= 0 {
        return Err(MintError::Lifetime { lifetime: ttl });
    }
    Ok(Some(Claims {
        iss: run.policy.issuer.clone(),
        sub: format!("{}@{}", d.release.name, d.release.version),
        aud: Audience::One(d.environment.clone()),
        iat: now_s,
        nbf: now_s,
        exp: now_s + ttl,
        jti: mint::new_jti()?,
        release: ReleaseClaim {
            name: d.release.name.clone(),
            version: d.release.version.clone(),
            change: d.release.change.clone(),
            tier: d.release.tier.to_string(),
            digest: d.release.digest.clone(),
        },
        artifacts: d.artifacts.clone(),
        evidence: d
            .evidence
            .iter()
            .filter_map(|(n, digest)| digest.clone().map(|dg| (n.clone(), dg)))
            .collect(),
        policy: PolicyClaim {
            id: d.policy.id.clone(),
            digest: d.policy.digest.clone(),
        },
        approvals: d
            .approvals
            .iter()
            .map(|a| ApprovalClaim {
                role: a.role.clone(),
                approver: a.approver.clone(),
                at: a.at.to_string(),
                source: a.source.clone(),
            })
            .collect(),
        exception: d.exception.as_ref().map(|e| ExceptionClaim {
            waived: e.waived.clone(),
            reason: e.reason.clone(),
            risk_acceptance: e.risk_acceptance.clone(),
            approved_by: e.approved_by.clone(),
            expires: e.expires.to_string(),
        }),
    }))
}

fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Mints the token for `claims`.
pub fn mint_token(key: &SigningKey, claims: &Claims) -> Result<String, MintError> {
    mint::mint(key, claims)
}
