//! Exceptions: waiving every unmet criterion of a denied release, or saying why not.
//!
//! An exception applies only when every unmet criterion is waivable and named by unexpired
//! exception records of at least `[exceptions].approvers.count` distinct people holding the
//! role; a waiver never covers a criterion it does not name, and the deployer or the author
//! of the change never signs their own.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::decision::{ARTIFACT_INTEGRITY, AppliedException, CriterionResult, Status};
use crate::approval::{ExceptionGrant, Ignored};
use crate::criteria::approvals::{Excluded, FUTURE_SKEW_SECS, people};
use crate::policy::ExceptionPolicy;

/// Waives the unmet `criteria` when `grants` allow it, marking them [`Status::Waived`]; every
/// grant that does not count, or is not used, goes to `ignored` with the reason.
pub(super) fn apply_exceptions(
    rules: Option<&ExceptionPolicy>,
    grants: &[ExceptionGrant],
    excluded: &[Excluded],
    at: Timestamp,
    criteria: &mut [CriterionResult],
    ignored: &mut Vec<Ignored>,
) -> Option<AppliedException> {
    let now = at.as_second();
    let Some(rules) = rules else {
        for g in grants {
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
    for g in grants {
        let reason = if g.role != rules.approvers.role {
            Some(format!(
                "signed as `{}`, exceptions need `{}`",
                g.role, rules.approvers.role
            ))
        } else if let Some(e) = excluded.iter().find(|e| e.person == g.person) {
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
        expires: used.iter().map(|g| g.expires).min().unwrap_or(at),
    })
}
