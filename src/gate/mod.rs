//! One gate run, the same for the CLI and a service: [`load`] (all I/O in) → [`decide`] (pure)
//! → record and [`mint`] (all I/O out).
//!
//! - [`load`] reads the policy and the public keys it names, the release manifest (its paths
//!   confined to the release), hashes every artifact and evidence file, gathers the evidence the
//!   applicable criteria read ([`gather`]) and collects the signed approval and exception records:
//!   a [`Loaded`] value that holds everything a decision is made from.
//! - [`decide`] holds it against the policy as of an instant, adding approvals from elsewhere
//!   (GitHub, a service's own store) as [`Extra`]; it reads no file, so a service can build a
//!   [`Loaded`] from what it received over HTTP and call it.
//! - The caller records the [`Decision`] in the audit log, and only then hands out the token
//!   [`mint`] signs.
//!
//! [`run`] is `load` then `decide`, for callers without approvals from elsewhere; [`validate`]
//! is the same shape after deployment (gate 5).

pub mod gather;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::approval::ExceptionGrant;
use crate::approval::{Approval, CollectError, Ignored, ReleaseRef, collect};
use crate::evaluate::{Decision, Excluded, Inputs, Outcome, evaluate};
use crate::evidence::Evidence;
use crate::hash::{HashError, HashTarget, Progress, hash_all};
use crate::policy::{Policy, PolicyError};
use crate::release::{
    EvidenceFile, HashedEvidence, HashedRelease, ManifestPath, Release, ReleaseError,
};
use crate::token::claims::{
    ApprovalClaim, Audience, Claims, ExceptionClaim, PolicyClaim, ReleaseClaim,
};
use crate::token::keys::SigningKey;
use crate::token::mint::{self, MintError};
use crate::vocab::{Gate, Name, Phase, Tier};
use gather::{GatherError, GatherOptions, gather_post_deploy, gather_with};

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
    /// People who never count toward a quorum or among an exception's signers (the deployer,
    /// the author of the change), by name; the policy resolves each to the people it stands for
    /// ([`Policy::resolve_actor`]).
    pub excluded: Vec<Actor>,
    /// The directory every artifact and evidence path must resolve inside; `None` for the directory of
    /// `release.toml` (see [`Release::confine`]).
    pub root: Option<PathBuf>,
    /// The largest evidence file a criterion parses; `None` for
    /// [`crate::gate::gather::DEFAULT_MAX_EVIDENCE_SIZE`].
    pub max_evidence_size: Option<u64>,
}

/// A name that must never count toward its own release's approval: a deployer or an author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name as the CI or the caller gives it (a GitHub login, a person id).
    pub name: String,
    /// Why, for reports: for example "the deployer (GITHUB_ACTOR)".
    pub why: String,
}

/// The people `actors` stand for under `policy`.
pub fn exclusions(policy: &Policy, actors: &[Actor]) -> Vec<Excluded> {
    let mut out: Vec<Excluded> = Vec::new();
    for actor in actors {
        for person in policy.resolve_actor(&actor.name) {
            if !out.iter().any(|e| e.person == person.key) {
                out.push(Excluded {
                    person: person.key,
                    why: actor.why.clone(),
                });
            }
        }
    }
    out
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
    /// A production metrics snapshot given to [`validate`] cannot be read, or its name is
    /// invalid or already an evidence name of the release.
    #[error("production metrics snapshot `{name}` ({}): {why}", path.display())]
    Snapshot {
        /// The evidence name it was bound to.
        name: String,
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        why: String,
    },
    /// [`validate`] was asked to hold a policy without any `post-deployment` criterion for the
    /// release's tier: nothing would be checked, which must never pass as validated.
    #[error("policy {} has no `post-deployment` criterion for tier {tier}; add one (docs/policy.md) or do not run `validate` with it", path.display())]
    NothingToValidate {
        /// The policy file.
        path: PathBuf,
        /// The release's tier.
        tier: String,
    },
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

/// Everything a decision is made from, read and verified: the output of [`load`].
#[derive(Debug)]
pub struct Loaded {
    /// The policy, with its keys loaded.
    pub policy: Policy,
    /// The release, hashed.
    pub release: HashedRelease,
    /// The release's risk tier under the policy.
    pub tier: Tier,
    /// The contents of the evidence the applicable criteria read.
    pub evidence: Evidence,
    /// Approvals from signed records whose origin was verified.
    pub approvals: Vec<Approval>,
    /// Exception records whose origin was verified.
    pub exceptions: Vec<ExceptionGrant>,
    /// Records found that do not count, with the reason.
    pub ignored: Vec<Ignored>,
    /// Names that never count toward their own release (the deployer, the author).
    pub excluded: Vec<Actor>,
    /// Before deployment (`check`, `issue`) or after it (`validate`).
    pub phase: Phase,
}

/// Approvals gathered from elsewhere than record files (GitHub, a service's own store), verified
/// by their source, for [`decide`].
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Approvals whose origin was verified.
    pub approvals: Vec<Approval>,
    /// What was found there that does not count, with the reason.
    pub ignored: Vec<Ignored>,
    /// More names that never count (for example the authors of the pull requests read).
    pub excluded: Vec<Actor>,
}

/// Reads everything a pre-deployment decision needs (see the module docs). Every error means the
/// gate cannot decide (exit 2).
pub fn load(request: &Request, progress: &dyn Progress) -> Result<Loaded, GateError> {
    let policy = Policy::load(&request.policy)?;
    let release = Release::load(&request.release)?;
    let root = request
        .root
        .clone()
        .unwrap_or_else(|| release.default_root());
    release.confine(&root, &policy.allow_outside)?;
    let release = release.hash(progress)?;
    let tier = policy.tier_for(release.release.change, release.release.tier);
    policy.check_evidence_reads(release.evidence.keys().map(String::as_str), tier)?;
    let mut options = GatherOptions::default();
    if let Some(max) = request.max_evidence_size {
        options.max_evidence_size = max;
    }
    let evidence = gather_with(&policy, &release, tier, &options)?;
    let collected = collect(
        &policy,
        &ReleaseRef::from(&release),
        &request.approvals,
        &request.exceptions,
    )?;
    Ok(Loaded {
        policy,
        release,
        tier,
        evidence,
        approvals: collected.approvals,
        exceptions: collected.exceptions,
        ignored: collected.ignored,
        excluded: request.excluded.clone(),
        phase: Phase::PreDeploy,
    })
}

/// Decides as of `now` on what [`load`] read, plus approvals from elsewhere. Pure: reads no file
/// and no clock.
pub fn decide(loaded: &Loaded, extra: &Extra, now: Timestamp) -> Decision {
    let mut approvals = loaded.approvals.clone();
    approvals.extend(extra.approvals.iter().cloned());
    let mut ignored = loaded.ignored.clone();
    ignored.extend(extra.ignored.iter().cloned());
    let actors: Vec<Actor> = loaded
        .excluded
        .iter()
        .chain(&extra.excluded)
        .cloned()
        .collect();
    let excluded = exclusions(&loaded.policy, &actors);
    evaluate(&Inputs {
        policy: &loaded.policy,
        release: &loaded.release,
        evidence: &loaded.evidence,
        approvals: &approvals,
        exceptions: &loaded.exceptions,
        ignored: &ignored,
        excluded: &excluded,
        now,
        phase: loaded.phase,
    })
}

impl Loaded {
    /// The run: this input with its decision.
    pub fn into_run(self, decision: Decision) -> Run {
        Run {
            policy: self.policy,
            release: self.release,
            decision,
        }
    }
}

/// [`load`] then [`decide`] as of `now`, with no approvals from elsewhere.
pub fn run(request: &Request, now: Timestamp, progress: &dyn Progress) -> Result<Run, GateError> {
    let loaded = load(request, progress)?;
    let decision = decide(&loaded, &Extra::default(), now);
    Ok(loaded.into_run(decision))
}

/// The evidence name a production metrics snapshot is bound to when none is given.
pub const PRODUCTION_EVIDENCE: &str = "production";

/// A production metrics snapshot bound to an evidence name for [`validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The evidence name the `post-deployment` criteria read it as ([`PRODUCTION_EVIDENCE`]
    /// by convention).
    pub name: String,
    /// The JSON file.
    pub path: PathBuf,
}

/// Post-deployment validation (gate 5): loads the policy and the deployed release, binds the
/// production metrics snapshots to their evidence names, and holds the policy's
/// `post-deployment` criteria as of `now`.
///
/// The decision is `allow` when every such criterion is met (the release is validated) and
/// `deny` when any is unmet (rollback recommended). No approvals or exceptions are consulted:
/// nobody can waive what production measured. A policy without an applicable
/// `post-deployment` criterion is an error, never a pass.
pub fn validate(
    policy: &Path,
    release: &Path,
    snapshots: &[Snapshot],
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<Run, GateError> {
    let loaded = load_post_deploy(policy, release, snapshots, progress)?;
    let decision = decide(&loaded, &Extra::default(), now);
    Ok(loaded.into_run(decision))
}

/// Reads everything a post-deployment decision needs: the policy, the deployed release, and the
/// production metrics snapshots bound to their evidence names. No records: nobody approves or
/// waives what production measured.
pub fn load_post_deploy(
    policy: &Path,
    release: &Path,
    snapshots: &[Snapshot],
    progress: &dyn Progress,
) -> Result<Loaded, GateError> {
    let policy = Policy::load(policy)?;
    let release = Release::load(release)?;
    release.confine(&release.default_root(), &policy.allow_outside)?;
    let release = release.hash(progress)?;
    let tier = policy.tier_for(release.release.change, release.release.tier);
    if !policy
        .criteria_for(tier)
        .any(|c| c.gate == Gate::PostDeployment)
    {
        return Err(GateError::NothingToValidate {
            path: policy.path.clone(),
            tier: tier.to_string(),
        });
    }
    let bound = hash_snapshots(&release, snapshots)?;
    policy.check_evidence_reads_in(
        release
            .evidence
            .keys()
            .chain(bound.keys())
            .map(String::as_str),
        tier,
        Phase::PostDeploy,
    )?;
    let evidence = gather_post_deploy(&policy, &release, tier, bound)?;
    Ok(Loaded {
        policy,
        release,
        tier,
        evidence,
        approvals: Vec::new(),
        exceptions: Vec::new(),
        ignored: Vec::new(),
        excluded: Vec::new(),
        phase: Phase::PostDeploy,
    })
}

fn hash_snapshots(
    release: &HashedRelease,
    snapshots: &[Snapshot],
) -> Result<BTreeMap<String, HashedEvidence>, GateError> {
    let fail = |s: &Snapshot, why: String| GateError::Snapshot {
        name: s.name.clone(),
        path: s.path.clone(),
        why,
    };
    let mut bound = BTreeMap::new();
    for s in snapshots {
        if let Err(e) = Name::parse(&s.name) {
            return Err(fail(
                s,
                format!(
                    "{e}: an evidence name uses the rule of release.toml ({})",
                    Name::RULE
                ),
            ));
        }
        if release.evidence.contains_key(&s.name) {
            return Err(fail(
                s,
                format!(
                    "`{}` is already an evidence name of release.toml; bind the snapshot to another name",
                    s.name
                ),
            ));
        }
        if bound.contains_key(&s.name) {
            return Err(fail(s, "this name is bound twice".into()));
        }
        let digest = hash_all(&[HashTarget::file(&s.path)], &crate::hash::NoProgress)
            .pop()
            .unwrap_or_else(|| {
                Err(HashError::NotFound {
                    path: s.path.clone(),
                })
            })
            .map_err(|e| {
                fail(
                    s,
                    format!(
                        "{e}; pass the JSON snapshot of the deployed release's production metrics"
                    ),
                )
            })?;
        bound.insert(
            s.name.clone(),
            HashedEvidence {
                path: ManifestPath {
                    written: s.path.display().to_string(),
                    resolved: s.path.clone(),
                },
                file: Some(EvidenceFile {
                    digest: digest.digest,
                    bytes: digest.bytes,
                }),
            },
        );
    }
    Ok(bound)
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

/// The token for an allow or exception decision of `run`, issued at `now` and signed with `key`,
/// with its claims; `None` for a denial. Hand it out only once the decision is recorded.
pub fn mint(
    run: &Run,
    key: &SigningKey,
    now: Timestamp,
) -> Result<Option<(String, Claims)>, MintError> {
    claims_for(run, now)?
        .map(|claims| Ok((mint::mint(key, &claims)?, claims)))
        .transpose()
}
