//! Checking one record against the policy and the release: who signed it (the owner of the signing key, who
//! must be the approver the record declares and hold the role it approves as), and the release and environment
//! it is bound to. The rules are listed in [`super::collect`].

use std::time::Duration;

use super::exception::{EXCEPTION_TYP, ExceptionGrant, ExceptionRecord};
use super::record::{APPROVAL_TYP, ApprovalRecord, RecordError, ReleaseRef, timestamp};
use crate::criteria::approvals::{Approval, Ignored, Source};
use crate::policy::duration::DisplayDuration;
use crate::policy::{PersonRef, Policy};
use crate::token::{Rejection, b64, json};

/// Sorts records for one release, environment and policy.
#[derive(Debug, Clone)]
pub struct Collector<'p> {
    policy: &'p Policy,
    release: ReleaseRef,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Approval,
    Exception,
}

impl<'p> Collector<'p> {
    /// A collector for `release` under `policy`, whose keys must be loaded
    /// ([`Policy::load`](crate::policy::Policy::load) or
    /// [`Policy::load_keys`](crate::policy::Policy::load_keys)); with no keys, every signed
    /// record is ignored as signed by an unknown key.
    pub fn new(policy: &'p Policy, release: ReleaseRef) -> Self {
        Self { policy, release }
    }

    /// Checks one approval record's text; `origin` names it in the result.
    pub fn approval(&self, text: &str, origin: &str) -> Result<Approval, Ignored> {
        let verified = ApprovalRecord::verify(text, self.policy.approver_keys())
            .map_err(|e| self.ignored_error(text, origin, &e, Kind::Approval))?;
        let (kid, record) = (verified.kid, verified.record);
        let ignore = |reason: String| Ignored {
            origin: origin.to_owned(),
            approver: Some(record.approver.clone()),
            reason,
        };
        let person = self.signer(&kid, &record.approver).map_err(ignore)?;
        if !self.policy.holds(&person, &record.role) {
            let defined = self.policy.roles.contains_key(&record.role);
            let mut reason = format!(
                "role not held: approves as `{}`, but `{person}` (the owner of the signing key {kid}) holds {}",
                record.role,
                self.describe_roles(&person)
            );
            if !defined {
                reason.push_str(&format!("; the policy defines no role `{}`", record.role));
            }
            return Err(ignore(reason));
        }
        self.check_binding(&record.release, &record.environment, "approved")
            .map_err(ignore)?;
        Ok(Approval {
            role: record.role,
            person: person.key,
            // As the policy names the person, not as the record spelled it (`JRivera`).
            approver: person.id.clone(),
            at: timestamp(record.iat),
            expires: record.exp.map(timestamp),
            source: Source::Signed,
            origin: origin.to_owned(),
        })
    }

    /// Checks one exception record's text; `origin` names it in the result.
    pub fn exception(&self, text: &str, origin: &str) -> Result<ExceptionGrant, Ignored> {
        let Some(rules) = &self.policy.exceptions else {
            return Err(Ignored {
                origin: origin.to_owned(),
                approver: claimed_approver(text),
                reason: format!(
                    "the policy {} has no `[exceptions]` table, so no exception is honoured",
                    self.policy.path.display()
                ),
            });
        };
        let verified = ExceptionRecord::verify(text, self.policy.approver_keys())
            .map_err(|e| self.ignored_error(text, origin, &e, Kind::Exception))?;
        let (kid, record) = (verified.kid, verified.record);
        let ignore = |reason: String| Ignored {
            origin: origin.to_owned(),
            approver: Some(record.approver.clone()),
            reason,
        };
        let person = self.signer(&kid, &record.approver).map_err(ignore)?;
        let role = &rules.approvers.role;
        if !self.policy.holds(&person, role) {
            return Err(ignore(format!(
                "role not held: exceptions must be signed by role `{role}`, but `{person}` (the owner of the signing key {kid}) holds {}",
                self.describe_roles(&person)
            )));
        }
        self.check_binding(&record.release, &record.environment, "excepted")
            .map_err(ignore)?;
        let lifetime = record.lifetime_secs();
        let max = rules.max_ttl.as_secs();
        if u64::try_from(lifetime).map_or(true, |l| l > max) {
            return Err(ignore(format!(
                "valid for {}, longer than `[exceptions].max_ttl` = {} in {}; sign it again with --expires {} or less",
                DisplayDuration(Duration::from_secs(lifetime.unsigned_abs())),
                DisplayDuration(rules.max_ttl),
                self.policy.path.display(),
                DisplayDuration(rules.max_ttl),
            )));
        }
        Ok(ExceptionGrant {
            role: role.clone(),
            person: person.key,
            // As the policy names the person, not as the record spelled it (`JRivera`).
            approver: person.id.clone(),
            waived: record.waive,
            reason: record.reason,
            risk_acceptance: record.risk_acceptance,
            at: timestamp(record.iat),
            expires: timestamp(record.exp),
            origin: origin.to_owned(),
        })
    }

    /// Release digest first (the usual reason: a new build), then the environment.
    fn check_binding(
        &self,
        theirs: &ReleaseRef,
        environment: &str,
        verb: &str,
    ) -> Result<(), String> {
        let ours = &self.release;
        if theirs.digest != ours.digest {
            return Err(
                if theirs.name == ours.name && theirs.version == ours.version {
                    format!(
                        "{verb} different bytes of {} {}: {verb} {}, this release is {}; a changed artifact or evidence file needs a new record",
                        ours.name,
                        ours.version,
                        super::record::short_digest(&theirs.digest),
                        super::record::short_digest(&ours.digest)
                    )
                } else if theirs.name == ours.name {
                    format!(
                        "{verb} {}, this is {} ({})",
                        theirs.describe(),
                        ours.version,
                        super::record::short_digest(&ours.digest)
                    )
                } else {
                    format!("{verb} {}, this is {}", theirs.describe(), ours.describe())
                },
            );
        }
        if theirs.name != ours.name || theirs.version != ours.version {
            return Err(format!(
                "inconsistent record: names {} {} but carries the digest of {} {}",
                theirs.name, theirs.version, ours.name, ours.version
            ));
        }
        if environment != self.policy.environment {
            return Err(format!(
                "{verb} for environment `{environment}`, this is `{}`",
                self.policy.environment
            ));
        }
        Ok(())
    }

    /// The person who owns the signing key `kid`, provided the record declares that person.
    fn signer(&self, kid: &str, declared: &str) -> Result<PersonRef, String> {
        let Some(person) = self.policy.person_of_kid(kid) else {
            return Err(format!(
                "unknown key: signed by key {kid}, which the policy names for nobody"
            ));
        };
        if person.is_named(declared) {
            return Ok(person.clone());
        }
        let mut reason = format!(
            "declares approver {}, but the signing key {kid} belongs to `{person}` in {}; a record counts as the person who owns its key, and must name them",
            quoted(declared),
            self.policy.path.display()
        );
        if person.looks_like(declared) {
            reason.push_str(&format!(
                " ({} only looks like `{person}`)",
                quoted(declared)
            ));
        }
        Err(reason)
    }

    fn describe_roles(&self, person: &PersonRef) -> String {
        let roles: Vec<String> = self
            .policy
            .roles_of(person)
            .into_iter()
            .map(|r| format!("`{r}`"))
            .collect();
        match roles.len() {
            0 => "no role".to_owned(),
            1 => format!("role {}", roles.join("")),
            _ => format!("roles {}", roles.join(", ")),
        }
    }

    fn ignored_error(&self, text: &str, origin: &str, err: &RecordError, kind: Kind) -> Ignored {
        let reason = match err {
            RecordError::Rejected(Rejection::UnknownKey { kid }) => format!(
                "unknown key: signed by key {}, which neither `[people]` nor `[roles]` of {} lists",
                untrusted(kid),
                self.policy.path.display()
            ),
            RecordError::Rejected(Rejection::Type { found, .. })
                if kind == Kind::Approval && found == EXCEPTION_TYP =>
            {
                "an exception record, not an approval; pass it with --exception".to_owned()
            }
            RecordError::Rejected(Rejection::Type { found, .. })
                if kind == Kind::Exception && found == APPROVAL_TYP =>
            {
                "an approval record, not an exception; put it in an --approvals directory"
                    .to_owned()
            }
            RecordError::Rejected(r @ Rejection::BadSignature) => format!(
                "invalid signature, rejected [{}]: {r}; the record was changed after signing",
                r.rule()
            ),
            RecordError::Rejected(r) => format!("invalid record, rejected [{}]: {r}", r.rule()),
            RecordError::Invalid { kind, reason } => format!("malformed {kind} record: {reason}"),
            other => other.to_string(),
        };
        Ignored {
            origin: origin.to_owned(),
            approver: claimed_approver(text),
            reason,
        }
    }
}

/// A declared name for a reason: in backquotes when plain, otherwise quoted with escapes so that
/// whitespace and invisible or look-alike characters show.
fn quoted(name: &str) -> String {
    if !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_graphic()) {
        return format!("`{name}`");
    }
    let mut out = String::from("\"");
    for c in name.chars().take(100) {
        match c {
            ' ' => out.push(' '),
            '"' | '\\' => out.extend(c.escape_default()),
            c if c.is_ascii_graphic() => out.push(c),
            c => out.extend(c.escape_unicode()),
        }
    }
    out.push('"');
    out
}

/// The `approver` a record's payload claims, read without trusting it: for reports only, and
/// only when it is short printable text.
fn claimed_approver(text: &str) -> Option<String> {
    let payload = text.trim().split('.').nth(1)?;
    let value = json::parse(&b64::decode(payload)?).ok()?;
    value
        .get("approver")?
        .as_str()
        .filter(|s| !s.trim().is_empty() && s.len() <= 200 && !s.chars().any(char::is_control))
        .map(str::to_owned)
}

/// Text from an unverified header, safe to print: as is when short and printable ASCII,
/// otherwise quoted with escapes and cut.
fn untrusted(text: &str) -> String {
    if text.len() <= 100 && text.chars().all(|c| c.is_ascii_graphic()) {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(100).collect();
        format!("{cut:?}")
    }
}
