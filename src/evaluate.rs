//! Evaluation: `(policy, release, evidence, approvals, exceptions, now) -> Decision`.
//!
//! Pure: everything was read and verified before ([`crate::gather`], approval collection) and
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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::approval::{Approval, ExceptionGrant, Ignored};
use crate::evidence::{contract, junit, metric, sarif};
use crate::gather::Evidence;
use crate::policy::{ApprovalRequirement, Criterion, CriterionKind, Policy, WindowStatus};
use crate::release::{HashedEvidence, HashedRelease};
use crate::vocab::{Gate, Phase, Tier};

/// Id of the built-in criterion that checks pinned artifact digests and empty artifacts.
pub const ARTIFACT_INTEGRITY: &str = "artifact-integrity";

/// Schema identifier of the decision JSON (`docs/decision.md`); bumped on incompatible change.
pub const DECISION_SCHEMA: &str = "gatepass-decision/1";

/// Clock skew tolerated for records dated slightly in the future, in seconds.
const FUTURE_SKEW_SECS: i64 = 60;

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

/// A person who never counts toward a quorum or among an exception's signers, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    /// The person ([`PersonRef::key`](crate::policy::PersonRef::key)), as the policy resolves
    /// the deployer's or author's name ([`Policy::resolve_actor`](crate::policy::Policy::resolve_actor)).
    pub person: String,
    /// Why, for reports: for example "the deployer (GITHUB_ACTOR)".
    pub why: String,
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
    pub kind: String,
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

/// An approval that counted toward a quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedApproval {
    /// Role approved as.
    pub role: String,
    /// Who.
    pub approver: String,
    /// When, RFC 3339.
    pub at: Timestamp,
    /// `signed`, `github-review` or `github-environment`.
    pub source: String,
    /// The record file or API resource.
    pub origin: String,
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
            hold(criterion, inputs, tier, &mut ignored, &mut counted)
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
        kind: criterion.kind.name().to_owned(),
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
        kind: "artifacts".into(),
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

/// The evidence entry `name`: a production metrics snapshot bound to it, or the release's.
fn entry<'a>(inputs: &Inputs<'a>, name: &str) -> Option<&'a HashedEvidence> {
    inputs
        .evidence
        .snapshot(name)
        .or_else(|| inputs.release.evidence.get(name))
}

/// Why an evidence file cannot be read by a criterion, or `None` when its contents were gathered.
fn missing_evidence(inputs: &Inputs<'_>, name: &str) -> Option<String> {
    match entry(inputs, name) {
        None => Some(format!("release.toml lists no evidence `{name}`")),
        Some(e) => match e.file {
            None => Some(format!(
                "evidence `{name}` is missing ({} does not exist)",
                e.path
            )),
            Some(f) if f.bytes == 0 => {
                Some(format!("evidence `{name}` is empty ({}, 0 bytes)", e.path))
            }
            Some(_) => None,
        },
    }
}

fn written(inputs: &Inputs<'_>, name: &str) -> Vec<String> {
    entry(inputs, name)
        .map(|e| vec![e.path.written.clone()])
        .unwrap_or_default()
}

fn hold(
    criterion: &Criterion,
    inputs: &Inputs<'_>,
    tier: Tier,
    ignored: &mut Vec<Ignored>,
    counted: &mut Vec<CountedApproval>,
) -> CriterionResult {
    let ev = inputs.evidence;
    match &criterion.kind {
        CriterionKind::Metric {
            evidence,
            pointer,
            min,
            max,
        } => {
            let mut r = base(criterion, written(inputs, evidence));
            match (ev.json(evidence), missing_evidence(inputs, evidence)) {
                (Some(doc), _) => {
                    let o = metric::evaluate(doc, pointer, *min, *max);
                    r.status = status(o.met);
                    r.details = o
                        .failures()
                        .map(|f| format!("{}: {}", f.pointer, f.observed))
                        .collect();
                    r.expected = format!("{pointer} {}", o.expected);
                    r.found = o.found;
                }
                (None, why) => {
                    unmet_missing(&mut r, format!("{pointer} {}", bounds(*min, *max)), why)
                }
            }
            r
        }
        CriterionKind::Sarif { evidence, fail_on } => {
            let mut r = base(criterion, written(inputs, evidence));
            match (ev.sarif(evidence), missing_evidence(inputs, evidence)) {
                (Some(log), _) => {
                    let o = sarif::evaluate(log, *fail_on);
                    r.status = status(o.met);
                    r.details = o
                        .findings
                        .iter()
                        .map(|f| {
                            format!(
                                "{} [{}] {}{}",
                                f.rule_id,
                                f.severity,
                                f.message,
                                f.location
                                    .as_deref()
                                    .map(|l| format!(" at {l}"))
                                    .unwrap_or_default()
                            )
                        })
                        .collect();
                    r.details.extend(o.failed_runs.iter().cloned());
                    r.expected = o.expected;
                    r.found = o.found;
                }
                (None, why) => unmet_missing(
                    &mut r,
                    format!("no open finding at or above {fail_on}"),
                    why,
                ),
            }
            r
        }
        CriterionKind::Junit {
            evidence,
            min_tests,
        } => {
            let mut r = base(criterion, written(inputs, evidence));
            match (ev.junit(evidence), missing_evidence(inputs, evidence)) {
                (Some(report), _) => {
                    let o = junit::evaluate(report, *min_tests);
                    r.status = status(o.met);
                    r.details = o
                        .failing
                        .iter()
                        .map(|t| {
                            if t.message.is_empty() {
                                format!("{} ({})", t.name, t.kind)
                            } else {
                                format!("{} ({}): {}", t.name, t.kind, t.message)
                            }
                        })
                        .collect();
                    r.expected = o.expected;
                    r.found = o.found;
                }
                (None, why) => unmet_missing(
                    &mut r,
                    format!("no failures, at least {min_tests} test(s)"),
                    why,
                ),
            }
            r
        }
        CriterionKind::Present(names) => {
            let files = names.iter().flat_map(|n| written(inputs, n)).collect();
            let mut r = base(criterion, files);
            r.details = names
                .iter()
                .filter_map(|n| missing_evidence(inputs, n))
                .collect();
            r.status = status(r.details.is_empty());
            r.expected = format!("present and non-empty: {}", names.join(", "));
            r.found = if r.details.is_empty() {
                format!("all {} present", names.len())
            } else {
                format!("{} of {} missing or empty", r.details.len(), names.len())
            };
            r
        }
        CriterionKind::Contract { evidence, expect } => {
            let mut files = written(inputs, evidence);
            files.extend(written(inputs, expect));
            let mut r = base(criterion, files);
            r.expected = format!("`{evidence}` equals `{expect}`");
            match (ev.json(expect), ev.json(evidence)) {
                (Some(expected), Some(found)) => {
                    let o = contract::evaluate(expected, found);
                    r.status = status(o.met);
                    r.details = o
                        .differences
                        .iter()
                        .map(|d| d.describe(expect, evidence))
                        .collect();
                    r.found = o.found;
                }
                _ => {
                    r.status = Status::Unmet;
                    r.details = [evidence, expect]
                        .into_iter()
                        .filter_map(|n| missing_evidence(inputs, n))
                        .collect();
                    r.found = r.details.join("; ");
                }
            }
            r
        }
        CriterionKind::Window(window) => {
            let mut r = base(criterion, Vec::new());
            r.expected = format!(
                "outside {} ({})",
                window
                    .deny()
                    .iter()
                    .map(ToString::to_string)
                    .chain(window.holidays().iter().map(|d| format!("holiday {d}")))
                    .collect::<Vec<_>>()
                    .join(", "),
                window.timezone_name()
            );
            match window.check(inputs.now) {
                WindowStatus::Open => {
                    r.found = format!(
                        "open at {}",
                        inputs
                            .now
                            .to_zoned(window.timezone().clone())
                            .strftime("%a %Y-%m-%d %H:%M %Z")
                    );
                }
                WindowStatus::Closed { reason, reopens_at } => {
                    r.status = Status::Unmet;
                    r.found = format!(
                        "closed by {reason}; opens again {}",
                        reopens_at.strftime("%a %Y-%m-%d %H:%M %Z")
                    );
                }
            }
            r
        }
        CriterionKind::Approvals {
            requirements,
            max_age,
        } => {
            let mut r = base(criterion, Vec::new());
            let max_age = max_age.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            hold_approvals(
                &mut r,
                requirements,
                max_age,
                inputs,
                tier,
                ignored,
                counted,
            );
            r
        }
    }
}

fn bounds(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("≥ {a} and ≤ {b}"),
        (Some(a), None) => format!("≥ {a}"),
        (None, Some(b)) => format!("≤ {b}"),
        (None, None) => "a number".into(),
    }
}

fn unmet_missing(r: &mut CriterionResult, expected: String, why: Option<String>) {
    r.status = Status::Unmet;
    r.expected = expected;
    r.found = why.unwrap_or_else(|| "evidence not read".into());
}

/// Numbers the people of `keys`: returns, for each item, the index of its person.
fn people<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    keys.map(|k| {
        let next = index.len();
        *index.entry(k).or_insert(next)
    })
    .collect()
}

/// Maximum bipartite matching of slots (each a role) to people who approved as that role.
/// Returns, for each slot, the matched person.
fn match_slots(slots: &[&str], roles_of: &BTreeMap<usize, BTreeSet<&str>>) -> Vec<Option<usize>> {
    let persons: Vec<usize> = roles_of.keys().copied().collect();
    let mut slot_of_person: HashMap<usize, usize> = HashMap::new();
    let mut person_of_slot: Vec<Option<usize>> = vec![None; slots.len()];
    fn augment(
        slot: usize,
        slots: &[&str],
        persons: &[usize],
        roles_of: &BTreeMap<usize, BTreeSet<&str>>,
        seen: &mut BTreeSet<usize>,
        slot_of_person: &mut HashMap<usize, usize>,
        person_of_slot: &mut [Option<usize>],
    ) -> bool {
        for &p in persons {
            if !roles_of.get(&p).is_some_and(|r| r.contains(slots[slot])) || !seen.insert(p) {
                continue;
            }
            let free = match slot_of_person.get(&p).copied() {
                None => true,
                Some(other) => augment(
                    other,
                    slots,
                    persons,
                    roles_of,
                    seen,
                    slot_of_person,
                    person_of_slot,
                ),
            };
            if free {
                slot_of_person.insert(p, slot);
                person_of_slot[slot] = Some(p);
                return true;
            }
        }
        false
    }
    for slot in 0..slots.len() {
        let mut seen = BTreeSet::new();
        augment(
            slot,
            slots,
            &persons,
            roles_of,
            &mut seen,
            &mut slot_of_person,
            &mut person_of_slot,
        );
    }
    person_of_slot
}

fn hold_approvals(
    r: &mut CriterionResult,
    requirements: &[ApprovalRequirement],
    max_age: Option<i64>,
    inputs: &Inputs<'_>,
    tier: Tier,
    ignored: &mut Vec<Ignored>,
    counted: &mut Vec<CountedApproval>,
) {
    let now = inputs.now.as_second();
    let required: Vec<&ApprovalRequirement> =
        requirements.iter().filter(|q| q.applies_to(tier)).collect();
    let roles: BTreeSet<&str> = required.iter().map(|q| q.role.as_str()).collect();
    r.expected = required
        .iter()
        .map(|q| format!("{} ×{}", q.role, q.count))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(age) = max_age {
        r.expected.push_str(&format!(
            " (approvals younger than {})",
            crate::policy::duration::DisplayDuration(std::time::Duration::from_secs(
                age.unsigned_abs()
            ))
        ));
    }

    let mut valid: Vec<&Approval> = Vec::new();
    for a in inputs.approvals {
        let ignore = |reason: String| Ignored {
            origin: a.origin.clone(),
            approver: Some(a.approver.clone()),
            reason: format!("{} (criterion `{}`)", reason, r.id),
        };
        let at = a.at.as_second();
        if !roles.contains(a.role.as_str()) {
            ignored.push(ignore(format!(
                "role `{}` is not required for tier {tier}",
                a.role
            )));
        } else if let Some(exp) = a.expires.filter(|e| e.as_second() <= now) {
            ignored.push(ignore(format!("expired at {exp}")));
        } else if at > now + FUTURE_SKEW_SECS {
            ignored.push(ignore(format!("dated in the future ({})", a.at)));
        } else if let Some(age) = max_age.filter(|age| now - at > *age) {
            ignored.push(ignore(format!(
                "given {} ago, older than max_age {}",
                crate::policy::duration::DisplayDuration(std::time::Duration::from_secs(
                    (now - at).unsigned_abs()
                )),
                crate::policy::duration::DisplayDuration(std::time::Duration::from_secs(
                    age.unsigned_abs()
                ))
            )));
        } else {
            valid.push(a);
        }
    }
    let person = people(valid.iter().map(|a| a.person.as_str()));
    let mut kept: Vec<&Approval> = Vec::new();
    let mut kept_person: Vec<usize> = Vec::new();
    for (a, p) in valid.iter().zip(&person) {
        match inputs.excluded.iter().find(|e| e.person == a.person) {
            Some(e) => ignored.push(Ignored {
                origin: a.origin.clone(),
                approver: Some(a.approver.clone()),
                reason: format!(
                    "{} is {}; the deployer and the author of a change never count toward a quorum (criterion `{}`)",
                    a.approver, e.why, r.id
                ),
            }),
            None => {
                kept.push(a);
                kept_person.push(*p);
            }
        }
    }
    let valid = kept;
    let person = kept_person;
    let mut roles_of: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for (a, p) in valid.iter().zip(&person) {
        roles_of.entry(*p).or_default().insert(a.role.as_str());
    }
    let slots: Vec<&str> = required
        .iter()
        .flat_map(|q| std::iter::repeat_n(q.role.as_str(), q.count as usize))
        .collect();
    let assignment = match_slots(&slots, &roles_of);

    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut chosen: BTreeSet<usize> = BTreeSet::new();
    let mut filled: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (slot, who) in slots.iter().zip(&assignment) {
        let Some(p) = who else { continue };
        // The person's latest approval as this role.
        let pick = (0..valid.len())
            .filter(|&i| person[i] == *p && valid[i].role == *slot)
            .max_by_key(|&i| valid[i].at);
        if let Some(i) = pick {
            let a = valid[i];
            used.insert(*p);
            chosen.insert(i);
            filled.entry(slot).or_default().push(a.approver.clone());
            counted.push(CountedApproval {
                role: a.role.clone(),
                approver: a.approver.clone(),
                at: a.at,
                source: a.source.to_string(),
                origin: a.origin.clone(),
            });
        }
    }
    // Valid approvals that filled no slot are reported, never dropped.
    for (i, a) in valid.iter().enumerate() {
        if chosen.contains(&i) {
            continue;
        }
        let reason = if used.contains(&person[i]) {
            "this person already counts toward this criterion; one person counts once".to_owned()
        } else {
            format!("not needed: the `{}` quorum is met by others", a.role)
        };
        ignored.push(Ignored {
            origin: a.origin.clone(),
            approver: Some(a.approver.clone()),
            reason: format!("{reason} (criterion `{}`)", r.id),
        });
    }

    let mut missing = Vec::new();
    for q in &required {
        let have = filled.get(q.role.as_str()).map_or(0, Vec::len);
        if have < q.count as usize {
            missing.push(format!("{}: {} of {} approval(s)", q.role, have, q.count));
        }
    }
    r.status = status(missing.is_empty());
    r.found = required
        .iter()
        .map(|q| {
            let who = filled
                .get(q.role.as_str())
                .map(|v| v.join(", "))
                .unwrap_or_default();
            if who.is_empty() {
                format!("{}: none", q.role)
            } else {
                format!("{}: {who}", q.role)
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    r.details = missing;
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
