//! The audit record: one JSON object per decision, one line per record (`docs/audit.md`).

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::evaluate::{Decision, Outcome, Status};
use crate::token::Claims;
use crate::vocab::Gate;

/// The record format version written in `v`.
pub const RECORD_VERSION: u32 = 1;

/// The command that made a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Command {
    /// `gatepass check`: an evaluation without a token.
    Check,
    /// `gatepass issue`: an evaluation that mints a token when allowed.
    Issue,
    /// `gatepass verify`: a deploy target checking a token.
    Verify,
    /// `gatepass validate`: post-deployment validation (gate 5).
    Validate,
    /// `gatepass audit repair`: a torn tail moved out of the log.
    Repair,
}

impl Command {
    /// The name written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Issue => "issue",
            Self::Verify => "verify",
            Self::Validate => "validate",
            Self::Repair => "repair",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was decided (the record's `decision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Verdict {
    /// Every criterion met (`check`, `issue`: a token was minted).
    Allow,
    /// Criteria unmet (`check`, `issue` in enforce mode).
    Deny,
    /// Unmet criteria all waived by exceptions (`check`, `issue`: an exception token).
    Exception,
    /// Criteria unmet, reported but not enforced (`issue --mode warn`): no token.
    Warn,
    /// The token was accepted (`verify`).
    Verified,
    /// The token was refused (`verify`).
    Rejected,
    /// Every post-deployment criterion met (`validate`).
    Validated,
    /// A post-deployment criterion unmet (`validate`).
    RollbackRecommended,
    /// A torn tail was moved out of the log (`audit repair`).
    Repaired,
}

impl Verdict {
    /// The name written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Exception => "exception",
            Self::Warn => "warn",
            Self::Verified => "verified",
            Self::Rejected => "rejected",
            Self::Validated => "validated",
            Self::RollbackRecommended => "rollback-recommended",
            Self::Repaired => "repaired",
        }
    }

    /// The verdict of an evaluation by `command`; `warn_mode` turns a denial into
    /// [`Verdict::Warn`], and `validate` speaks of validation and rollback.
    pub fn of(outcome: Outcome, command: Command, warn_mode: bool) -> Self {
        match (command, outcome) {
            (Command::Validate, Outcome::Deny) => Self::RollbackRecommended,
            (Command::Validate, _) => Self::Validated,
            (_, Outcome::Allow) => Self::Allow,
            (_, Outcome::Exception) => Self::Exception,
            (_, Outcome::Deny) if warn_mode => Self::Warn,
            (_, Outcome::Deny) => Self::Deny,
        }
    }

    /// Whether a deploy token was minted: `allow` or `exception` of an `issue` record.
    pub fn is_approval(self) -> bool {
        matches!(self, Self::Allow | Self::Exception)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The release an audit record is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedRelease {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Release digest, `sha256:<hex>`.
    pub digest: String,
    /// Change type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// Effective risk tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// The policy a decision was made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    /// The policy's `id`.
    pub id: String,
    /// SHA-256 of the policy file, `sha256:<hex>`.
    pub digest: String,
}

/// One line of the checklist: a criterion and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Criterion id.
    pub id: String,
    /// Its gate.
    pub gate: Gate,
    /// Its state.
    pub status: Status,
}

/// A criterion that was not met (unmet, or unmet and waived by an exception).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmetCriterion {
    /// Criterion id.
    pub id: String,
    /// Its gate.
    pub gate: Gate,
    /// `unmet`, or `waived` when an exception covered it.
    pub status: Status,
    /// What the policy requires.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// The evidence files it read, as written in `release.toml`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// An approval that counted toward a quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalEntry {
    /// The role approved as.
    pub role: String,
    /// Who.
    pub approver: String,
    /// When the approval was given, RFC 3339.
    pub at: String,
    /// `signed`, `github-review` or `github-environment`.
    pub source: String,
}

/// The exception a decision was allowed under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionEntry {
    /// The criterion ids waived.
    pub waived: Vec<String>,
    /// Why.
    pub reason: String,
    /// The risk accepted.
    pub risk_acceptance: String,
    /// The release managers who signed.
    pub approved_by: Vec<String>,
    /// When the exception expires, RFC 3339.
    pub expires: String,
}

/// The token a decision minted, or a deploy target verified. The token itself is never
/// logged: it is a bearer credential until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRef {
    /// The token's `jti`.
    pub jti: String,
    /// The token's `exp` (seconds since the Unix epoch).
    pub exp: i64,
}

/// Why a deploy target refused a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionRef {
    /// The rule that refused it (`docs/token.md`).
    pub rule: String,
    /// The rejection message.
    pub reason: String,
}

/// What `audit repair` moved out of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairRef {
    /// The line number the torn bytes started at.
    pub line: u64,
    /// How many bytes were moved.
    pub bytes: u64,
    /// SHA-256 of the bytes moved, `sha256:<hex>`.
    pub sha256: String,
    /// The file they were moved to (its name, beside the log).
    pub moved_to: String,
}

/// Who ran the command, as the environment says (self-reported: see `docs/audit.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// One string for reports: `github:<login>` in GitHub Actions, `user:<name>` from the OS
    /// user, or `unknown`.
    pub id: String,
    /// `GITHUB_ACTOR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_actor: Option<String>,
    /// `GITHUB_REPOSITORY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_repository: Option<String>,
    /// `GITHUB_RUN_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_run_id: Option<String>,
    /// The OS user (`USER`, else `LOGNAME`, else `USERNAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl Actor {
    /// The actor described by the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The actor described by `var` (an environment lookup); empty values count as absent.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let github_actor = get("GITHUB_ACTOR");
        let user = get("USER")
            .or_else(|| get("LOGNAME"))
            .or_else(|| get("USERNAME"));
        let id = match (&github_actor, &user) {
            (Some(login), _) => format!("github:{login}"),
            (None, Some(user)) => format!("user:{user}"),
            (None, None) => "unknown".to_owned(),
        };
        Self {
            id,
            github_repository: get("GITHUB_REPOSITORY"),
            github_run_id: get("GITHUB_RUN_ID"),
            github_actor,
            user,
        }
    }
}

/// The Ed25519 signature of a record by the gate key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSignature {
    /// Always `EdDSA`.
    pub alg: String,
    /// RFC 7638 thumbprint of the signing key.
    pub kid: String,
    /// The signature, base64url without padding.
    pub value: String,
}

/// One audit record.
///
/// `Serialize` writes the record's *body*: every member but `sig` and `hash`, which
/// [`AuditLog::append`](super::AuditLog::append) adds after it, each covering the bytes before
/// it (`docs/audit.md`, "Integrity"). `Deserialize` reads a whole line. Collections and
/// optional members are left out when empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Format version: [`RECORD_VERSION`].
    pub v: u32,
    /// Position in the log: 1 for the first record, then consecutive.
    pub seq: u64,
    /// When the record was made (for evaluations: the instant decided at).
    pub time: Timestamp,
    /// The command.
    pub command: Command,
    /// What was decided.
    pub decision: Verdict,
    /// The instant evaluated at, when it is not `time` (`check --at`, a what-if).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    /// The release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<AuditedRelease>,
    /// The target environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRef>,
    /// The checklist: every criterion held, with its state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<ChecklistItem>,
    /// Every criterion not met, with what was expected and found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmet: Vec<UnmetCriterion>,
    /// The approvals counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalEntry>,
    /// The exception applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionEntry>,
    /// The token minted or verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenRef>,
    /// Why a token was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionRef>,
    /// Artifact name to `sha256:<hex>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifacts: BTreeMap<String, String>,
    /// Evidence name to `sha256:<hex>` (`null`: the file was absent): the test reports,
    /// evaluations and production snapshots the decision read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: BTreeMap<String, Option<String>>,
    /// What a repair moved out of the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<RepairRef>,
    /// Who ran the command.
    pub actor: Actor,
    /// Lowercase hex SHA-256 of the previous line (without its newline); 64 zeros for the
    /// first record ([`GENESIS`](super::GENESIS)).
    pub prev: String,
    /// The gate's signature over the bytes of the line before `,"sig":`.
    #[serde(default, skip_serializing)]
    pub sig: Option<RecordSignature>,
    /// Lowercase hex SHA-256 of the bytes of the line before `,"hash":"`.
    #[serde(default, skip_serializing)]
    pub hash: String,
}

impl Record {
    /// A record of `command` deciding `decision` at `time`, by `actor`, with nothing else
    /// filled in. `seq` and `prev` are set by the log when the record is appended.
    pub fn new(command: Command, decision: Verdict, time: Timestamp, actor: Actor) -> Self {
        Self {
            v: RECORD_VERSION,
            seq: 0,
            time,
            command,
            decision,
            decided_at: None,
            release: None,
            environment: None,
            policy: None,
            checklist: Vec::new(),
            unmet: Vec::new(),
            approvals: Vec::new(),
            exception: None,
            token: None,
            rejection: None,
            artifacts: BTreeMap::new(),
            evidence: BTreeMap::new(),
            repair: None,
            actor,
            prev: String::new(),
            sig: None,
            hash: String::new(),
        }
    }

    /// The record of an evaluation (`check`, `issue`, `validate`) recorded at `time`.
    pub fn of_decision(
        command: Command,
        decision: Verdict,
        d: &Decision,
        time: Timestamp,
        actor: Actor,
    ) -> Self {
        let mut r = Self::new(command, decision, time, actor);
        r.decided_at = (d.at != time).then_some(d.at);
        r.release = Some(AuditedRelease {
            name: d.release.name.clone(),
            version: d.release.version.clone(),
            digest: d.release.digest.clone(),
            change: Some(d.release.change.clone()),
            tier: Some(d.release.tier.to_string()),
        });
        r.environment = Some(d.environment.clone());
        r.policy = Some(PolicyRef {
            id: d.policy.id.clone(),
            digest: d.policy.digest.clone(),
        });
        r.checklist = d
            .criteria
            .iter()
            .map(|c| ChecklistItem {
                id: c.id.clone(),
                gate: c.gate,
                status: c.status,
            })
            .collect();
        r.unmet = d
            .criteria
            .iter()
            .filter(|c| matches!(c.status, Status::Unmet | Status::Waived))
            .map(|c| UnmetCriterion {
                id: c.id.clone(),
                gate: c.gate,
                status: c.status,
                expected: c.expected.clone(),
                found: c.found.clone(),
                files: c.files.clone(),
            })
            .collect();
        r.approvals = d
            .approvals
            .iter()
            .map(|a| ApprovalEntry {
                role: a.role.clone(),
                approver: a.approver.clone(),
                at: a.at.to_string(),
                source: a.source.clone(),
            })
            .collect();
        r.exception = d.exception.as_ref().map(|e| ExceptionEntry {
            waived: e.waived.clone(),
            reason: e.reason.clone(),
            risk_acceptance: e.risk_acceptance.clone(),
            approved_by: e.approved_by.clone(),
            expires: e.expires.to_string(),
        });
        r.artifacts = d.artifacts.clone();
        r.evidence = d.evidence.clone();
        r
    }

    /// The record of a deploy target accepting a token with `claims` in `environment`.
    pub fn of_verified(claims: &Claims, environment: &str, time: Timestamp, actor: Actor) -> Self {
        let mut r = Self::new(Command::Verify, Verdict::Verified, time, actor);
        r.release = Some(AuditedRelease {
            name: claims.release.name.clone(),
            version: claims.release.version.clone(),
            digest: claims.release.digest.clone(),
            change: Some(claims.release.change.clone()),
            tier: Some(claims.release.tier.clone()),
        });
        r.environment = Some(environment.to_owned());
        r.policy = Some(PolicyRef {
            id: claims.policy.id.clone(),
            digest: claims.policy.digest.clone(),
        });
        r.approvals = claims
            .approvals
            .iter()
            .map(|a| ApprovalEntry {
                role: a.role.clone(),
                approver: a.approver.clone(),
                at: a.at.clone(),
                source: a.source.clone(),
            })
            .collect();
        r.exception = claims.exception.as_ref().map(|e| ExceptionEntry {
            waived: e.waived.clone(),
            reason: e.reason.clone(),
            risk_acceptance: e.risk_acceptance.clone(),
            approved_by: e.approved_by.clone(),
            expires: e.expires.clone(),
        });
        r.token = Some(TokenRef {
            jti: claims.jti.clone(),
            exp: claims.exp,
        });
        r.artifacts = claims.artifacts.clone();
        r.evidence = claims
            .evidence
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        r
    }

    /// The record of a deploy target refusing a token in `environment`. Nothing from the
    /// token is recorded: its claims are unverified.
    pub fn of_rejected(
        rule: &str,
        reason: &str,
        environment: &str,
        time: Timestamp,
        actor: Actor,
    ) -> Self {
        let mut r = Self::new(Command::Verify, Verdict::Rejected, time, actor);
        r.environment = Some(environment.to_owned());
        r.rejection = Some(RejectionRef {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
        });
        r
    }

    /// `name@version` of the release, if the record names one.
    pub fn subject(&self) -> Option<String> {
        self.release
            .as_ref()
            .map(|r| format!("{}@{}", r.name, r.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_prefers_github_and_falls_back_to_the_os_user() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let gh = Actor::from_vars(env(&[
            ("GITHUB_ACTOR", "jrivera"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_REPOSITORY", "acme/summarizer"),
            ("USER", "runner"),
        ]));
        assert_eq!(gh.id, "github:jrivera");
        assert_eq!(gh.github_run_id.as_deref(), Some("42"));
        assert_eq!(gh.github_repository.as_deref(), Some("acme/summarizer"));
        assert_eq!(gh.user.as_deref(), Some("runner"));
        let os = Actor::from_vars(env(&[("LOGNAME", "alice"), ("GITHUB_ACTOR", " ")]));
        assert_eq!(os.id, "user:alice");
        assert_eq!(os.github_actor, None);
        assert_eq!(Actor::from_vars(|_| None).id, "unknown");
    }

    #[test]
    fn verdicts_of_outcomes() {
        use Command::*;
        assert_eq!(Verdict::of(Outcome::Deny, Issue, true), Verdict::Warn);
        assert_eq!(Verdict::of(Outcome::Deny, Issue, false), Verdict::Deny);
        assert_eq!(
            Verdict::of(Outcome::Exception, Check, false),
            Verdict::Exception
        );
        assert_eq!(
            Verdict::of(Outcome::Allow, Validate, false),
            Verdict::Validated
        );
        assert_eq!(
            Verdict::of(Outcome::Deny, Validate, true),
            Verdict::RollbackRecommended
        );
        assert_eq!(
            serde_json::to_string(&Verdict::RollbackRecommended)
                .ok()
                .as_deref(),
            Some("\"rollback-recommended\"")
        );
    }
}
