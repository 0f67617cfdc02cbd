//! `approvals`: sign-off by role, one person counting once.
//!
//! ```toml
//! approvals = [{ role = "ml-lead", count = 1 }, { role = "compliance", count = 1, tiers = ["critical"] }]
//! ```
//!
//! Holding it takes the approvals whose origin collection verified ([`Approval`], each the
//! approval of a person the policy resolved), drops what is expired, too old, dated in the future
//! or given by an [`Excluded`] person, and fills the required slots by a maximum bipartite matching
//! of people to roles, so record order never matters. Everything that does not count is reported
//! as [`Ignored`], never dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::Problem;
use crate::diag::reader::{Reader, Span, Value, list, show, suggest, tier_list};
use crate::duration::DisplayDuration;
use crate::vocab::Tier;

const REQUIREMENT_KEYS: &[&str] = &["role", "count", "tiers"];

/// The largest quorum a policy may ask for (of one role, or of exception signers).
pub const MAX_QUORUM: u32 = 100;

/// Where an approval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A signed approval record (`gatepass approve`).
    Signed,
    /// A GitHub pull-request review.
    GithubReview,
    /// A GitHub environment approval of the running workflow.
    GithubEnvironment,
}

impl Source {
    /// The name used in tokens and decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::GithubReview => "github-review",
            Self::GithubEnvironment => "github-environment",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An approval whose origin was verified: signed by a key (or made by a GitHub identity) that
/// the policy maps to `role`, for this release digest and environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// The role approved as.
    pub role: String,
    /// Who approved, for display (approver id or GitHub login).
    pub approver: String,
    /// The person the policy resolves the signing key or login to
    /// ([`PersonRef::key`](crate::policy::PersonRef::key)); approvals of one person count once.
    pub person: String,
    /// When the approval was given.
    pub at: Timestamp,
    /// When it stops counting, if it expires.
    pub expires: Option<Timestamp>,
    /// Where it came from.
    pub source: Source,
    /// The file or API resource it came from, for reports.
    pub origin: String,
}

/// A record that was found but does not count, with the reason (never dropped silently).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// The file or API resource.
    pub origin: String,
    /// Who it claims to be from, when known.
    pub approver: Option<String>,
    /// Why it does not count, e.g. "approved 1.3.9, this is 1.4.0".
    pub reason: String,
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

/// One line of an `approvals` list: so many distinct approvers in a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequirement {
    /// The role (a key of `[roles]`).
    pub role: String,
    /// How many distinct approvers of the role are needed (at least 1).
    pub count: u32,
    /// The tiers this requirement applies to; `None` means every tier the criterion applies to.
    pub tiers: Option<Vec<Tier>>,
}

impl ApprovalRequirement {
    /// Whether this requirement applies to a release of `tier`.
    pub fn applies_to(&self, tier: Tier) -> bool {
        self.tiers
            .as_ref()
            .is_none_or(|tiers| tiers.contains(&tier))
    }
}

/// Every role name written in `[roles]`, with what quorum checks need to know of it.
pub(crate) type RoleIndex = BTreeMap<String, RoleInfo>;

/// What a quorum over a role can rely on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RoleInfo {
    /// The most distinct people the role can supply (people, plus key files and logins listed directly), or `None`
    /// when that is unknown (a GitHub team, or a role with problems of its own).
    pub(crate) capacity: Option<usize>,
    /// How many of its members are key files or logins listed directly under the role: each is a person of its own,
    /// so one human holding two of them would count twice.
    pub(crate) untied: usize,
}

/// Clock skew tolerated for records dated slightly in the future, in seconds.
pub(crate) const FUTURE_SKEW_SECS: i64 = 60;

/// Parses an `approvals` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    requirements(r, value, &cx.what, cx.tiers, cx.roles).map(|requirements| {
        CriterionKind::Approvals {
            requirements,
            max_age: None,
        }
    })
}

fn requirements(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    what: &str,
    criterion_tiers: Option<&[Tier]>,
    roles: &RoleIndex,
) -> Option<Vec<ApprovalRequirement>> {
    let example = "approvals = [{ role = \"ml-lead\", count = 1 }]";
    let items = r.non_empty_array(value, what, example, "requires nobody", "list at least one `{ role = \"...\", count = 1 }`: an empty approval list is a configuration error, never a pass")?;
    let mut requirements = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let place = format!("requirement #{} of {what}", i + 1);
        let Some(t) = r.table(item, &place, "{ role = \"ml-lead\", count = 1 }") else {
            ok = false;
            continue;
        };
        r.unknown_keys(t, REQUIREMENT_KEYS, &place);
        let role = r
            .required(t, "role", item.span(), &place, "role = \"ml-lead\"")
            .and_then(|v| r.role_ref(v, &place, roles));
        let count = match t.get("count") {
            None => Some(1),
            Some(v) => r.count(v, &format!("`count` of {place}"), "count = 1"),
        };
        if let (Some(role), Some(count)) = (&role, count) {
            r.reachable(
                count,
                t.get("count").map_or(item.span(), |v| v.span()),
                role,
                roles,
                &place,
            );
        }
        let tiers = match t.get("tiers") {
            None => Some(None),
            Some(v) => r.tiers(v, &format!("`tiers` of {place}")).map(Some),
        };
        if let (Some(Some(req_tiers)), Some(crit_tiers)) = (&tiers, criterion_tiers)
            && !req_tiers.iter().any(|t| crit_tiers.contains(t))
        {
            r.report(
                K::BadValue,
                t.get("tiers").map_or(item.span(), |v| v.span()),
                format!(
                    "{place} never applies: the criterion only applies to {}",
                    tier_list(crit_tiers)
                ),
                "no tier in common with the criterion",
                "make the requirement's `tiers` overlap the criterion's `tiers`, or remove it",
            );
            ok = false;
        }
        match (role, count, tiers) {
            (Some(role), Some(count), Some(tiers)) => {
                requirements.push(ApprovalRequirement { role, count, tiers })
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let all = [Tier::Low, Tier::Standard, Tier::Critical];
    let applicable = criterion_tiers.unwrap_or(&all);
    let uncovered: Vec<Tier> = applicable
        .iter()
        .copied()
        .filter(|tier| !requirements.iter().any(|r| r.applies_to(*tier)))
        .collect();
    if !uncovered.is_empty() {
        r.report(
            K::NoApprovalForTier,
            value.span(),
            format!("{what} requires no approval for {}", tier_list(&uncovered)),
            "every requirement is limited to other tiers",
            "an approvals criterion that requires nobody would pass unchecked: add a requirement without `tiers`, or give the criterion `tiers` that leave these out",
        );
        return None;
    }
    Some(requirements)
}

impl Reader<'_> {
    /// Reports a quorum larger than the role's identities: it could never be met, and every deploy would be denied.
    /// Warns when one human could meet it: a count above 1 over key files or logins listed directly under the role,
    /// which the policy does not tie to people.
    pub(crate) fn reachable(
        &mut self,
        count: u32,
        span: Span,
        role: &str,
        roles: &RoleIndex,
        place: &str,
    ) {
        if count > MAX_QUORUM {
            self.report(
                K::UnreachableCount,
                span,
                format!("{place} needs {count} approvers in role `{role}`; a quorum is at most {MAX_QUORUM}"),
                "too many",
                "lower the count: a quorum larger than any team that signs off is a configuration error",
            );
            return;
        }
        let Some(info) = roles.get(role) else {
            return;
        };
        if let Some(capacity) = info.capacity
            && usize::try_from(count).is_ok_and(|c| c > capacity)
        {
            self.report(
                K::UnreachableCount,
                span.clone(),
                format!(
                    "{place} needs {count} approvers in role `{role}`, which lists only {capacity}"
                ),
                "can never be met",
                format!(
                    "lower the count, or add people (or keys or GitHub identities) to role `{role}`"
                ),
            );
            return;
        }
        if count > 1 && info.untied > 0 {
            self.warnings.push(Problem {
                kind: K::OneHumanQuorum,
                span,
                message: format!(
                    "{place} needs {count} approvers in role `{role}`, but one human could meet it: the role lists key files or logins that the policy does not tie to people"
                ),
                label: "each key file and login counts as a person of its own".to_owned(),
                help: format!(
                    "list every human once under `[people]`, with all their keys and logins, and name them in role `{role}` with `people = [...]`"
                ),
            });
        }
    }

    pub(crate) fn role_ref(
        &mut self,
        value: &Value<'_>,
        place: &str,
        roles: &RoleIndex,
    ) -> Option<String> {
        let name = self.string(value, &format!("`role` of {place}"), "role = \"ml-lead\"")?;
        if roles.contains_key(name) {
            return Some(name.to_owned());
        }
        let mut help = String::new();
        if let Some(close) = suggest(name, roles.keys().map(String::as_str)) {
            help.push_str(&format!("did you mean `{close}`? "));
        }
        if roles.is_empty() {
            help.push_str("define it under `[roles]`: the policy defines no roles yet");
        } else {
            let names: Vec<&str> = roles.keys().map(String::as_str).collect();
            help.push_str(&format!(
                "define it under `[roles]`, or use one of {}",
                list(&names)
            ));
        }
        self.report(
            K::UnknownRole,
            value.span(),
            format!("unknown role `{}` in {place}", show(name)),
            "not defined in `[roles]`",
            help,
        );
        None
    }
}

/// Holds the verified approvals against `requirements` for the release's tier (`id` names the
/// criterion in reasons).
pub(crate) fn hold(
    cx: &HoldCtx<'_>,
    id: &str,
    requirements: &[ApprovalRequirement],
    max_age: Option<Duration>,
) -> Held {
    let mut r = Held::new(Vec::new());
    let max_age = max_age.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let tier = cx.tier;
    let mut ignored_here: Vec<Ignored> = Vec::new();
    let mut counted_here: Vec<CountedApproval> = Vec::new();
    let (ignored, counted) = (&mut ignored_here, &mut counted_here);
    let now = cx.now.as_second();
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
            DisplayDuration(std::time::Duration::from_secs(age.unsigned_abs()))
        ));
    }

    let mut valid: Vec<&Approval> = Vec::new();
    for a in cx.approvals {
        let ignore = |reason: String| Ignored {
            origin: a.origin.clone(),
            approver: Some(a.approver.clone()),
            reason: format!("{} (criterion `{}`)", reason, id),
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
                DisplayDuration(std::time::Duration::from_secs((now - at).unsigned_abs())),
                DisplayDuration(std::time::Duration::from_secs(age.unsigned_abs()))
            )));
        } else {
            valid.push(a);
        }
    }
    let person = people(valid.iter().map(|a| a.person.as_str()));
    let mut kept: Vec<&Approval> = Vec::new();
    let mut kept_person: Vec<usize> = Vec::new();
    for (a, p) in valid.iter().zip(&person) {
        match cx.excluded.iter().find(|e| e.person == a.person) {
            Some(e) => ignored.push(Ignored {
                origin: a.origin.clone(),
                approver: Some(a.approver.clone()),
                reason: format!(
                    "{} is {}; the deployer and the author of a change never count toward a quorum (criterion `{}`)",
                    a.approver, e.why, id
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
            reason: format!("{reason} (criterion `{}`)", id),
        });
    }

    let mut missing = Vec::new();
    for q in &required {
        let have = filled.get(q.role.as_str()).map_or(0, Vec::len);
        if have < q.count as usize {
            missing.push(format!("{}: {} of {} approval(s)", q.role, have, q.count));
        }
    }
    r.met = missing.is_empty();
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
    r.ignored = ignored_here;
    r.counted = counted_here;
    r
}

/// Numbers the people of `keys`: returns, for each item, the index of its person.
pub(crate) fn people<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
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
