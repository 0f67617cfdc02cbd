//! Governance metrics from the audit log: approval rate, rejection reasons, cycle time,
//! exceptions, deployments. [`load`] reads and verifies a log; [`Report::build`] is a pure
//! function of its records.
//!
//! Definitions (also in `docs/audit.md`):
//! - an *issue decision* is an `issue` record; it *approves* when its decision is `allow` or
//!   `exception` (a token was minted). Approval rate = approving issue decisions / issue
//!   decisions (`allow`, `exception`, `deny`, `warn`).
//! - a *rejection* is a `check` or `issue` record deciding `deny` or `warn`; each unmet (not
//!   waived) criterion of it counts once.
//! - *cycle time* of a release in an environment: from its first evaluation (`check` or
//!   `issue`, any decision) to its first approving `issue`. Median and p90 use the
//!   nearest-rank method over the releases that were approved.
//! - a *deployment* is an approving `issue` record: the version promoted, when, by whom, to
//!   which environment; joined with the first `verify` record of its token (`jti`) and the
//!   latest `validate` record of its release digest and environment after it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};

use super::record::{
    Actor, ApprovalEntry, AuditedRelease, Command, ExceptionEntry, Record, TokenRef,
    UnmetCriterion, Verdict,
};
#[cfg(test)]
use super::verify::ChainChecker;
use super::verify::{ChainReport, VerifyError, VerifyOptions, scan};
use crate::evaluate::Status;
use crate::vocab::Gate;

/// Schema identifier of the JSON report.
pub const REPORT_SCHEMA: &str = "gatepass-audit-report/1";

/// A log read for reporting: its records and the verdict on its integrity.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Every line that parsed as a record, in log order, with only what the report reads:
    /// `seq`, `time`, `command`, `decision`, the release's name, version and digest,
    /// `environment`, the ids, gates and states of `unmet`, the roles and approvers of
    /// `approvals`, `exception`, `token`, and the actor's id, repository and run (so that
    /// years of records fit in little memory).
    pub records: Vec<Record>,
    /// Lines that did not parse as records (counted, not used).
    pub unreadable: u64,
    /// The chain verification of the whole log.
    pub chain: ChainReport,
}

/// Reads and verifies the log at `path` in one pass.
pub fn load(path: &Path, options: VerifyOptions) -> Result<Loaded, VerifyError> {
    let (chain, parsed) = scan(path, options, false, |line| {
        serde_json::from_slice::<Lean>(line)
            .ok()
            .map(Lean::into_record)
    })?;
    let unreadable = parsed.iter().filter(|r| r.is_none()).count() as u64;
    Ok(Loaded {
        records: parsed.into_iter().flatten().collect(),
        unreadable,
        chain,
    })
}

/// The members of a record the report reads; serde skips the rest without allocating.
#[derive(Deserialize)]
struct Lean {
    seq: u64,
    time: Timestamp,
    command: Command,
    decision: Verdict,
    #[serde(default)]
    release: Option<LeanRelease>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    unmet: Vec<LeanUnmet>,
    #[serde(default)]
    approvals: Vec<LeanApproval>,
    #[serde(default)]
    exception: Option<ExceptionEntry>,
    #[serde(default)]
    token: Option<TokenRef>,
    actor: LeanActor,
}

#[derive(Deserialize)]
struct LeanRelease {
    name: String,
    version: String,
    digest: String,
}

#[derive(Deserialize)]
struct LeanUnmet {
    id: String,
    gate: Gate,
    status: Status,
}

#[derive(Deserialize)]
struct LeanApproval {
    role: String,
    approver: String,
}

#[derive(Deserialize)]
struct LeanActor {
    id: String,
    #[serde(default)]
    github_repository: Option<String>,
    #[serde(default)]
    github_run_id: Option<String>,
}

impl Lean {
    fn into_record(self) -> Record {
        let actor = Actor {
            id: self.actor.id,
            github_repository: self.actor.github_repository,
            github_run_id: self.actor.github_run_id,
            ..Actor::default()
        };
        let mut r = Record::new(self.command, self.decision, self.time, actor);
        r.seq = self.seq;
        r.release = self.release.map(|x| AuditedRelease {
            name: x.name,
            version: x.version,
            digest: x.digest,
            change: None,
            tier: None,
        });
        r.environment = self.environment;
        r.unmet = self
            .unmet
            .into_iter()
            .map(|u| UnmetCriterion {
                id: u.id,
                gate: u.gate,
                status: u.status,
                expected: String::new(),
                found: String::new(),
                files: Vec::new(),
            })
            .collect();
        r.approvals = self
            .approvals
            .into_iter()
            .map(|a| ApprovalEntry {
                role: a.role,
                approver: a.approver,
                at: String::new(),
                source: String::new(),
            })
            .collect();
        r.exception = self.exception;
        r.token = self.token;
        r
    }
}

/// The time window of a report: `since` ≤ time < `until`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Start, inclusive.
    pub since: Option<Timestamp>,
    /// End, exclusive.
    pub until: Option<Timestamp>,
}

impl Period {
    /// Whether `t` is inside.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }
}

/// The log's integrity, as the report states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Integrity {
    /// Whether `audit verify` passes.
    pub intact: bool,
    /// Intact records.
    pub records: u64,
    /// The last intact record as an anchor (`SEQ:HEX`).
    pub head: Option<String>,
    /// Signed records (signatures checked only when keys were given).
    pub signed: u64,
    /// The first problem, when broken.
    pub problem: Option<String>,
    /// Lines that are not readable records.
    pub unreadable: u64,
}

/// A count of records by command and decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionCount {
    /// The command.
    pub command: Command,
    /// The decision.
    pub decision: Verdict,
    /// How many.
    pub count: u64,
}

/// Approving issue decisions over all issue decisions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Issue decisions that minted a token.
    pub approved: u64,
    /// All issue decisions.
    pub decisions: u64,
    /// `approved / decisions`, `None` without decisions.
    pub rate: Option<f64>,
}

impl Rate {
    fn new(approved: u64, decisions: u64) -> Self {
        Self {
            approved,
            decisions,
            rate: (decisions > 0).then(|| approved as f64 / decisions as f64),
        }
    }
}

/// Figures for one environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentStats {
    /// The environment.
    pub environment: String,
    /// Approval rate of its issue decisions.
    pub approval: Rate,
    /// Deployments (approving issue decisions).
    pub deployments: u64,
    /// Of which under an exception.
    pub exceptions: u64,
    /// `validate` records deciding `validated`.
    pub validated: u64,
    /// `validate` records deciding `rollback-recommended`.
    pub rollback_recommended: u64,
}

/// How often one criterion stopped a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectionReason {
    /// Criterion id.
    pub criterion: String,
    /// Its gate.
    pub gate: Gate,
    /// Denied evaluations it was unmet in.
    pub times: u64,
    /// Distinct releases (`name@version`) it stopped.
    pub releases: u64,
}

/// The way from first evaluation to first approval of one release in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseCycle {
    /// Release name.
    pub name: String,
    /// Release version.
    pub version: String,
    /// Environment.
    pub environment: String,
    /// The first `check` or `issue` of it.
    pub first_evaluation: Timestamp,
    /// The first approving `issue`, if any.
    pub first_allow: Option<Timestamp>,
    /// Seconds between the two.
    pub seconds: Option<i64>,
    /// Evaluations up to and including the first approval (all of them when pending).
    pub evaluations: u64,
}

/// Cycle times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleTime {
    /// Median seconds (nearest rank) over approved releases.
    pub median_seconds: Option<i64>,
    /// 90th percentile seconds (nearest rank).
    pub p90_seconds: Option<i64>,
    /// Releases approved.
    pub approved: u64,
    /// Releases evaluated but not (yet) approved.
    pub pending: u64,
    /// Every release, by first evaluation.
    pub releases: Vec<ReleaseCycle>,
}

/// A name and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The name.
    pub name: String,
    /// How often.
    pub count: u64,
}

/// One deployment under an exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionUse {
    /// When the token was minted.
    pub time: Timestamp,
    /// `name@version`.
    pub release: String,
    /// Environment.
    pub environment: String,
    /// Criteria waived.
    pub waived: Vec<String>,
    /// Reason.
    pub reason: String,
    /// Risk accepted.
    pub risk_acceptance: String,
    /// Release managers who signed.
    pub approved_by: Vec<String>,
    /// Expiry of the exception.
    pub expires: String,
    /// Who ran the gate.
    pub deployer: String,
}

/// Exceptions used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exceptions {
    /// Deployments under an exception.
    pub count: u64,
    /// Signers, most frequent first.
    pub by_approver: Vec<Count>,
    /// Criteria waived, most frequent first.
    pub by_criterion: Vec<Count>,
    /// Every one, in time order.
    pub list: Vec<ExceptionUse>,
}

/// Issue decisions in one time bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// First day of the bucket (UTC).
    pub start: Date,
    /// `allow` decisions.
    pub allow: u64,
    /// `exception` decisions.
    pub exception: u64,
    /// `deny` decisions.
    pub deny: u64,
    /// `warn` decisions.
    pub warn: u64,
}

/// Bucket size of [`Report::timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BucketSize {
    /// One day.
    Day,
    /// One week, starting Monday.
    Week,
    /// One calendar month.
    Month,
}

/// One deployment: a version promoted to an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// When the token was minted.
    pub time: Timestamp,
    /// Target environment.
    pub environment: String,
    /// Release name.
    pub name: String,
    /// Version promoted.
    pub version: String,
    /// Release digest.
    pub digest: String,
    /// `allow` or `exception`.
    pub decision: Verdict,
    /// Who ran the gate (`github:<login>` or `user:<name>`).
    pub deployer: String,
    /// `owner/repo` in GitHub Actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The workflow run in GitHub Actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The token's `jti`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Approvers counted (`role:approver`).
    pub approvers: Vec<String>,
    /// When a deploy target first verified the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<Timestamp>,
    /// The latest post-deployment validation of this release in this environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<Verdict>,
    /// When it was validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<Timestamp>,
}

/// The governance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// The window asked for.
    pub period: Period,
    /// The first and last record time inside it.
    pub first: Option<Timestamp>,
    /// See `first`.
    pub last: Option<Timestamp>,
    /// The log's integrity.
    pub integrity: Integrity,
    /// Records inside the window.
    pub records: u64,
    /// Records by command and decision.
    pub decisions: Vec<DecisionCount>,
    /// Approval rate of all issue decisions.
    pub approval: Rate,
    /// Per environment.
    pub environments: Vec<EnvironmentStats>,
    /// Rejection reasons, most frequent first.
    pub rejection_reasons: Vec<RejectionReason>,
    /// Cycle times.
    pub cycle_time: CycleTime,
    /// Exceptions used.
    pub exceptions: Exceptions,
    /// Bucket size of `timeline`.
    pub bucket: BucketSize,
    /// Issue decisions over time.
    pub timeline: Vec<Bucket>,
    /// Deployments, in time order.
    pub deployments: Vec<Deployment>,
}

fn is_evaluation(r: &Record) -> bool {
    matches!(r.command, Command::Check | Command::Issue)
}

fn approves(r: &Record) -> bool {
    r.command == Command::Issue && r.decision.is_approval()
}

fn env_of(r: &Record) -> String {
    r.environment.clone().unwrap_or_else(|| "(none)".into())
}

fn ranked(counts: BTreeMap<String, u64>) -> Vec<Count> {
    let mut v: Vec<Count> = counts
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    v
}

/// Nearest-rank percentile `p` (0 < p ≤ 100) of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(usize::MAX);
    sorted.get(index.min(sorted.len() - 1)).copied()
}

impl Report {
    /// Computes the report over the records inside `period`. Pure.
    pub fn build(loaded: &Loaded, period: Period) -> Self {
        let records: Vec<&Record> = loaded
            .records
            .iter()
            .filter(|r| period.contains(r.time))
            .collect();
        let chain = &loaded.chain;
        let integrity = Integrity {
            intact: chain.is_intact(),
            records: chain.records,
            head: chain.head.map(|h| h.to_string()),
            signed: chain.signed,
            problem: chain.broken.as_ref().map(ToString::to_string),
            unreadable: loaded.unreadable,
        };

        let mut by_decision: BTreeMap<(Command, Verdict), u64> = BTreeMap::new();
        for r in &records {
            *by_decision.entry((r.command, r.decision)).or_default() += 1;
        }
        let decisions = by_decision
            .into_iter()
            .map(|((command, decision), count)| DecisionCount {
                command,
                decision,
                count,
            })
            .collect();

        let issues: Vec<&&Record> = records
            .iter()
            .filter(|r| r.command == Command::Issue)
            .collect();
        let approval = Rate::new(
            issues.iter().filter(|r| r.decision.is_approval()).count() as u64,
            issues.len() as u64,
        );

        let mut envs: BTreeMap<String, EnvironmentStats> = BTreeMap::new();
        for r in &records {
            if !matches!(r.command, Command::Issue | Command::Validate) {
                continue;
            }
            let e = envs.entry(env_of(r)).or_insert_with(|| EnvironmentStats {
                environment: env_of(r),
                approval: Rate::new(0, 0),
                deployments: 0,
                exceptions: 0,
                validated: 0,
                rollback_recommended: 0,
            });
            match (r.command, r.decision) {
                (Command::Validate, Verdict::Validated) => e.validated += 1,
                (Command::Validate, Verdict::RollbackRecommended) => e.rollback_recommended += 1,
                (Command::Issue, d) => {
                    let approved = e.approval.approved + u64::from(d.is_approval());
                    e.approval = Rate::new(approved, e.approval.decisions + 1);
                    if d.is_approval() {
                        e.deployments += 1;
                    }
                    if d == Verdict::Exception {
                        e.exceptions += 1;
                    }
                }
                _ => {}
            }
        }

        let mut reasons: BTreeMap<String, (Gate, u64, BTreeSet<String>)> = BTreeMap::new();
        for r in records
            .iter()
            .filter(|r| is_evaluation(r) && matches!(r.decision, Verdict::Deny | Verdict::Warn))
        {
            for u in r.unmet.iter().filter(|u| u.status == Status::Unmet) {
                let e = reasons
                    .entry(u.id.clone())
                    .or_insert_with(|| (u.gate, 0, BTreeSet::new()));
                e.1 += 1;
                if let Some(s) = r.subject() {
                    e.2.insert(s);
                }
            }
        }
        let mut rejection_reasons: Vec<RejectionReason> = reasons
            .into_iter()
            .map(|(criterion, (gate, times, releases))| RejectionReason {
                criterion,
                gate,
                times,
                releases: releases.len() as u64,
            })
            .collect();
        rejection_reasons.sort_by(|a, b| {
            b.times
                .cmp(&a.times)
                .then_with(|| b.releases.cmp(&a.releases))
                .then_with(|| a.criterion.cmp(&b.criterion))
        });

        let cycle_time = cycle_times(&records);
        let exceptions = exceptions(&records);
        let (bucket, timeline) = timeline(&records);
        let deployments = deployments(&records);

        Self {
            schema: REPORT_SCHEMA,
            period,
            first: records.iter().map(|r| r.time).min(),
            last: records.iter().map(|r| r.time).max(),
            integrity,
            records: records.len() as u64,
            decisions,
            approval,
            environments: envs.into_values().collect(),
            rejection_reasons,
            cycle_time,
            exceptions,
            bucket,
            timeline,
            deployments,
        }
    }
}

fn cycle_times(records: &[&Record]) -> CycleTime {
    type Key = (String, String, String);
    let mut cycles: BTreeMap<Key, ReleaseCycle> = BTreeMap::new();
    let mut evaluations: Vec<&&Record> = records.iter().filter(|r| is_evaluation(r)).collect();
    evaluations.sort_by_key(|r| r.time);
    for r in evaluations {
        let Some(release) = &r.release else { continue };
        let key = (release.name.clone(), release.version.clone(), env_of(r));
        let c = cycles.entry(key).or_insert_with(|| ReleaseCycle {
            name: release.name.clone(),
            version: release.version.clone(),
            environment: env_of(r),
            first_evaluation: r.time,
            first_allow: None,
            seconds: None,
            evaluations: 0,
        });
        if c.first_allow.is_some() {
            continue;
        }
        c.evaluations += 1;
        if approves(r) {
            c.first_allow = Some(r.time);
            c.seconds = Some(r.time.as_second() - c.first_evaluation.as_second());
        }
    }
    let mut releases: Vec<ReleaseCycle> = cycles.into_values().collect();
    releases.sort_by(|a, b| {
        a.first_evaluation
            .cmp(&b.first_evaluation)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut seconds: Vec<i64> = releases.iter().filter_map(|c| c.seconds).collect();
    seconds.sort_unstable();
    CycleTime {
        median_seconds: percentile(&seconds, 50),
        p90_seconds: percentile(&seconds, 90),
        approved: seconds.len() as u64,
        pending: releases.iter().filter(|c| c.seconds.is_none()).count() as u64,
        releases,
    }
}

fn exceptions(records: &[&Record]) -> Exceptions {
    let mut by_approver: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_criterion: BTreeMap<String, u64> = BTreeMap::new();
    let mut list = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.command == Command::Issue && r.decision == Verdict::Exception)
    {
        let Some(e) = &r.exception else { continue };
        for a in &e.approved_by {
            *by_approver.entry(a.clone()).or_default() += 1;
        }
        for w in &e.waived {
            *by_criterion.entry(w.clone()).or_default() += 1;
        }
        list.push(ExceptionUse {
            time: r.time,
            release: r.subject().unwrap_or_default(),
            environment: env_of(r),
            waived: e.waived.clone(),
            reason: e.reason.clone(),
            risk_acceptance: e.risk_acceptance.clone(),
            approved_by: e.approved_by.clone(),
            expires: e.expires.clone(),
            deployer: r.actor.id.clone(),
        });
    }
    list.sort_by_key(|e| e.time);
    Exceptions {
        count: list.len() as u64,
        by_approver: ranked(by_approver),
        by_criterion: ranked(by_criterion),
        list,
    }
}

fn bucket_start(date: Date, size: BucketSize) -> Date {
    match size {
        BucketSize::Day => date,
        BucketSize::Week => date
            .checked_sub(i64::from(date.weekday().to_monday_zero_offset()).days())
            .unwrap_or(date),
        BucketSize::Month => date.first_of_month(),
    }
}

fn next_bucket(date: Date, size: BucketSize) -> Option<Date> {
    match size {
        BucketSize::Day => date.checked_add(1.day()).ok(),
        BucketSize::Week => date.checked_add(1.week()).ok(),
        BucketSize::Month => date.checked_add(1.month()).ok(),
    }
}

fn timeline(records: &[&Record]) -> (BucketSize, Vec<Bucket>) {
    let days = |r: &&Record| r.time.to_zoned(jiff::tz::TimeZone::UTC).date();
    let issues: Vec<(Date, Verdict)> = records
        .iter()
        .filter(|r| r.command == Command::Issue)
        .map(|r| (days(r), r.decision))
        .collect();
    let (Some(first), Some(last)) = (
        issues.iter().map(|(d, _)| *d).min(),
        issues.iter().map(|(d, _)| *d).max(),
    ) else {
        return (BucketSize::Day, Vec::new());
    };
    let span = (last - first).get_days();
    let size = if span <= 62 {
        BucketSize::Day
    } else if span <= 7 * 60 {
        BucketSize::Week
    } else {
        BucketSize::Month
    };
    let mut buckets: BTreeMap<Date, Bucket> = BTreeMap::new();
    let mut d = bucket_start(first, size);
    let end = bucket_start(last, size);
    while d <= end {
        buckets.insert(
            d,
            Bucket {
                start: d,
                allow: 0,
                exception: 0,
                deny: 0,
                warn: 0,
            },
        );
        match next_bucket(d, size) {
            Some(n) => d = n,
            None => break,
        }
    }
    for (date, verdict) in issues {
        if let Some(b) = buckets.get_mut(&bucket_start(date, size)) {
            match verdict {
                Verdict::Allow => b.allow += 1,
                Verdict::Exception => b.exception += 1,
                Verdict::Deny => b.deny += 1,
                Verdict::Warn => b.warn += 1,
                _ => {}
            }
        }
    }
    (size, buckets.into_values().collect())
}

fn deployments(records: &[&Record]) -> Vec<Deployment> {
    let mut verified: HashMap<&str, Timestamp> = HashMap::new();
    let mut validations: HashMap<(&str, &str), Vec<(Timestamp, Verdict)>> = HashMap::new();
    for r in records {
        match (r.command, r.decision, &r.token, &r.release, &r.environment) {
            (Command::Verify, Verdict::Verified, Some(t), _, _) => {
                let e = verified.entry(t.jti.as_str()).or_insert(r.time);
                *e = (*e).min(r.time);
            }
            (Command::Validate, v, _, Some(rel), Some(env)) => validations
                .entry((rel.digest.as_str(), env.as_str()))
                .or_default()
                .push((r.time, v)),
            _ => {}
        }
    }
    let mut out: Vec<Deployment> = records
        .iter()
        .filter(|r| approves(r))
        .filter_map(|r| {
            let rel = r.release.as_ref()?;
            let env = env_of(r);
            let jti = r.token.as_ref().map(|t| t.jti.clone());
            let validation = validations
                .get(&(rel.digest.as_str(), env.as_str()))
                .and_then(|v| {
                    v.iter()
                        .filter(|(t, _)| *t >= r.time)
                        .max_by_key(|(t, _)| *t)
                });
            Some(Deployment {
                time: r.time,
                environment: env.clone(),
                name: rel.name.clone(),
                version: rel.version.clone(),
                digest: rel.digest.clone(),
                decision: r.decision,
                deployer: r.actor.id.clone(),
                repository: r.actor.github_repository.clone(),
                run_id: r.actor.github_run_id.clone(),
                verified_at: jti.as_deref().and_then(|j| verified.get(j).copied()),
                jti,
                approvers: r
                    .approvals
                    .iter()
                    .map(|a| format!("{}:{}", a.role, a.approver))
                    .collect(),
                validation: validation.map(|(_, v)| *v),
                validated_at: validation.map(|(t, _)| *t),
            })
        })
        .collect();
    out.sort_by_key(|d| d.time);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::audit::record::{Actor, AuditedRelease, ExceptionEntry, TokenRef, UnmetCriterion};

    fn at(h: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + h * 3600).unwrap()
    }

    fn rec(command: Command, decision: Verdict, hour: i64, version: &str, env: &str) -> Record {
        let mut r = Record::new(
            command,
            decision,
            at(hour),
            Actor::from_vars(|k| (k == "GITHUB_ACTOR").then(|| "deployer".to_owned())),
        );
        r.release = Some(AuditedRelease {
            name: "summarizer".into(),
            version: version.into(),
            digest: format!("sha256:{version}"),
            change: None,
            tier: None,
        });
        r.environment = Some(env.into());
        r
    }

    fn unmet(mut r: Record, ids: &[&str]) -> Record {
        r.unmet = ids
            .iter()
            .map(|id| UnmetCriterion {
                id: (*id).into(),
                gate: Gate::Technical,
                status: Status::Unmet,
                expected: String::new(),
                found: String::new(),
                files: vec![],
            })
            .collect();
        r
    }

    fn loaded(records: Vec<Record>) -> Loaded {
        Loaded {
            records,
            unreadable: 0,
            chain: ChainChecker::new(VerifyOptions::default()).finish(),
        }
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 90), Some(4));
    }

    #[test]
    fn metrics_from_a_small_history() {
        use Command::*;
        use Verdict::*;
        let mut ex = rec(Issue, Exception, 30, "1.1.0", "production");
        ex.exception = Some(ExceptionEntry {
            waived: vec!["hallucination-rate".into()],
            reason: "hotfix".into(),
            risk_acceptance: "on-call".into(),
            approved_by: vec!["rm1".into(), "rm2".into()],
            expires: "x".into(),
        });
        ex.token = Some(TokenRef {
            jti: "j2".into(),
            exp: 0,
        });
        let mut ok = rec(Issue, Allow, 10, "1.0.0", "production");
        ok.token = Some(TokenRef {
            jti: "j1".into(),
            exp: 0,
        });
        let mut verified = rec(Verify, Verified, 11, "1.0.0", "production");
        verified.token = ok.token.clone();
        let records = vec![
            // 1.0.0: checked at 0, denied at 2 (tests, eval), allowed at 10: cycle 10 h.
            unmet(rec(Check, Deny, 0, "1.0.0", "production"), &["tests-pass"]),
            unmet(
                rec(Issue, Deny, 2, "1.0.0", "production"),
                &["tests-pass", "hallucination-rate"],
            ),
            ok,
            verified,
            rec(Validate, RollbackRecommended, 12, "1.0.0", "production"),
            rec(Validate, Validated, 13, "1.0.0", "production"),
            // 1.1.0: first issue at 20 denied, exception at 30: cycle 10 h.
            unmet(
                rec(Issue, Warn, 20, "1.1.0", "production"),
                &["hallucination-rate"],
            ),
            ex,
            // staging: allowed at once: cycle 0.
            rec(Issue, Allow, 5, "1.0.0", "staging"),
            // 1.2.0 pending.
            unmet(rec(Issue, Deny, 40, "1.2.0", "production"), &["tests-pass"]),
        ];
        let report = Report::build(&loaded(records.clone()), Period::default());
        assert_eq!(report.records, 10);
        assert_eq!(report.approval.approved, 3);
        assert_eq!(report.approval.decisions, 6);
        assert_eq!(report.approval.rate, Some(0.5));
        let prod = &report.environments[0];
        assert_eq!(prod.environment, "production");
        assert_eq!((prod.deployments, prod.exceptions), (2, 1));
        assert_eq!((prod.validated, prod.rollback_recommended), (1, 1));
        assert_eq!(prod.approval.decisions, 5);
        let reasons: Vec<(&str, u64, u64)> = report
            .rejection_reasons
            .iter()
            .map(|r| (r.criterion.as_str(), r.times, r.releases))
            .collect();
        assert_eq!(
            reasons,
            [("tests-pass", 3, 2), ("hallucination-rate", 2, 2)]
        );
        let c = &report.cycle_time;
        assert_eq!((c.approved, c.pending), (3, 1));
        assert_eq!(c.median_seconds, Some(36_000));
        assert_eq!(c.p90_seconds, Some(36_000));
        let first = &c.releases[0];
        assert_eq!((first.version.as_str(), first.evaluations), ("1.0.0", 3));
        assert_eq!(report.exceptions.count, 1);
        assert_eq!(report.exceptions.by_approver[0].name, "rm1");
        assert_eq!(report.exceptions.by_criterion[0].name, "hallucination-rate");
        let d = &report.deployments;
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].environment, "staging");
        assert_eq!(
            (d[1].version.as_str(), d[1].environment.as_str()),
            ("1.0.0", "production")
        );
        assert_eq!(d[1].verified_at, Some(at(11)));
        assert_eq!(
            d[1].validation,
            Some(Validated),
            "the latest validation after it"
        );
        assert_eq!(d[1].deployer, "github:deployer");
        assert_eq!(d[2].decision, Exception);
        assert_eq!(d[2].validation, None);
        assert_eq!(report.bucket, BucketSize::Day);
        let total: u64 = report
            .timeline
            .iter()
            .map(|b| b.allow + b.exception + b.deny + b.warn)
            .sum();
        assert_eq!(total, 6);

        // A window keeps only the records inside it.
        let late = Report::build(
            &loaded(records),
            Period {
                since: Some(at(20)),
                until: Some(at(40)),
            },
        );
        assert_eq!(late.records, 2);
        assert_eq!(late.approval.rate, Some(0.5));
        assert_eq!(late.cycle_time.median_seconds, Some(36_000));
    }
}
