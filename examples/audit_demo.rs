//! Writes a simulated quarter of gate decisions to an audit log, through the library's append,
//! so that `gatepass audit report` has something realistic to show. The data is invented;
//! the log is a real, verifiable chain.
//!
//! ```text
//! cargo run --example audit_demo -- demo.jsonl
//! gatepass audit report demo.jsonl --format html --deployments --out report.html
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use gatepass::audit::record::{
    ApprovalEntry, AuditedRelease, ExceptionEntry, PolicyRef, TokenRef, UnmetCriterion,
};
use gatepass::audit::{Actor, AuditLog, Command, Record, Verdict};
use gatepass::evaluate::Status;
use gatepass::hash::Sha256Digest;
use gatepass::vocab::Gate;
use jiff::Timestamp;

/// A small deterministic generator (xorshift64*), so every run writes the same story.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const REASONS: &[(&str, Gate, &str, &str, u64)] = &[
    (
        "hallucination-rate",
        Gate::Technical,
        "/hallucination_rate ≤ 0.05",
        "0.072",
        30,
    ),
    (
        "tests-pass",
        Gate::Technical,
        "no failures, at least 10 test(s)",
        "14 tests run: 12 passed, 2 failed",
        22,
    ),
    (
        "sign-off",
        Gate::Stakeholder,
        "ml-lead ×1, product ×1",
        "ml-lead: jrivera; product: none",
        18,
    ),
    (
        "no-critical-findings",
        Gate::Technical,
        "no open finding at or above critical",
        "1 open critical finding",
        12,
    ),
    (
        "deploy-window",
        Gate::Execution,
        "outside Fri 12:00-Mon 08:00 (America/Chicago)",
        "closed by Fri 12:00-Mon 08:00",
        9,
    ),
    (
        "input-contract",
        Gate::Technical,
        "`schema_prod` equals `schema_eval`",
        "1 difference",
        6,
    ),
    (
        "category-accuracy",
        Gate::Technical,
        "/categories/*/accuracy ≥ 0.9",
        "1 of 3 values fail (0.871)",
        8,
    ),
    (
        "rollback-tested",
        Gate::Operational,
        "/tested_rollback_seconds ≤ 300",
        "evidence `rollback` is missing",
        4,
    ),
];

const PEOPLE: &[&str] = &["jrivera", "schen", "mokafor", "dpatel", "lnguyen"];

fn pick_reason(rng: &mut Rng) -> usize {
    let total: u64 = REASONS.iter().map(|r| r.4).sum();
    let mut n = rng.below(total);
    for (i, r) in REASONS.iter().enumerate() {
        if n < r.4 {
            return i;
        }
        n -= r.4;
    }
    0
}

fn actor(rng: &mut Rng, repo: &str) -> Actor {
    let who = PEOPLE[rng.below(PEOPLE.len() as u64) as usize].to_owned();
    let run = 8_000_000 + rng.below(1_000_000);
    Actor::from_vars(move |k| match k {
        "GITHUB_ACTOR" => Some(who.clone()),
        "GITHUB_RUN_ID" => Some(run.to_string()),
        "GITHUB_REPOSITORY" => Some(repo.to_owned()),
        _ => None,
    })
}

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: audit_demo LOG");
        return ExitCode::from(2);
    };
    if path.exists() {
        eprintln!("{} exists; give a new file", path.display());
        return ExitCode::from(2);
    }
    let log = AuditLog::new(&path);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = Timestamp::from_second(1_787_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
    let services = [
        ("support-summarizer", "acme/support-summarizer", "prompt"),
        ("pricing-model", "acme/pricing", "model"),
        ("ticket-router", "acme/ticket-router", "config"),
    ];
    let mut events: Vec<Record> = Vec::new();
    for (s, (name, repo, change)) in services.iter().enumerate() {
        let mut t = start.as_second() + s as i64 * 7_200;
        for minor in 0..9u64 {
            t += 3 * 86_400 + rng.below(6 * 86_400) as i64;
            let version = format!("{}.{minor}.{}", 1 + s, rng.below(3));
            let digest = Sha256Digest::of(format!("{name}{version}").as_bytes()).prefixed();
            let release = AuditedRelease {
                name: (*name).into(),
                version: version.clone(),
                digest: digest.clone(),
                change: Some((*change).into()),
                tier: Some(
                    if *change == "model" {
                        "critical"
                    } else {
                        "standard"
                    }
                    .into(),
                ),
            };
            for env in ["staging", "production"] {
                let policy = PolicyRef {
                    id: format!("{name}-{env}"),
                    digest: Sha256Digest::of(format!("{name}{env}").as_bytes()).prefixed(),
                };
                let mk = |command, decision, time: i64, rng: &mut Rng| {
                    let mut r = Record::new(
                        command,
                        decision,
                        Timestamp::from_second(time).unwrap_or(start),
                        actor(rng, repo),
                    );
                    r.release = Some(release.clone());
                    r.environment = Some(env.into());
                    r.policy = Some(policy.clone());
                    r
                };
                // A few denied attempts, each fixed after a while.
                let attempts = if env == "production" {
                    rng.below(4)
                } else {
                    rng.below(2)
                };
                for _ in 0..attempts {
                    let reason = pick_reason(&mut rng);
                    let (id, gate, expected, found, _) = REASONS[reason];
                    let command = if rng.chance(40) {
                        Command::Check
                    } else {
                        Command::Issue
                    };
                    let mut r = mk(command, Verdict::Deny, t, &mut rng);
                    r.unmet = vec![UnmetCriterion {
                        id: id.into(),
                        gate,
                        status: Status::Unmet,
                        expected: expected.into(),
                        found: found.into(),
                        files: vec![],
                    }];
                    events.push(r);
                    t += 1_800 + rng.below(30 * 3_600) as i64;
                }
                let exception = env == "production" && rng.chance(14);
                let mut r = mk(
                    Command::Issue,
                    if exception {
                        Verdict::Exception
                    } else {
                        Verdict::Allow
                    },
                    t,
                    &mut rng,
                );
                r.approvals = vec![
                    ApprovalEntry {
                        role: "ml-lead".into(),
                        approver: "jrivera".into(),
                        at: Timestamp::from_second(t - 3_600)
                            .unwrap_or(start)
                            .to_string(),
                        source: "signed".into(),
                    },
                    ApprovalEntry {
                        role: "product".into(),
                        approver: "schen".into(),
                        at: Timestamp::from_second(t - 7_200)
                            .unwrap_or(start)
                            .to_string(),
                        source: "github-review".into(),
                    },
                ];
                if exception {
                    let waived = if rng.chance(60) {
                        "deploy-window"
                    } else {
                        "hallucination-rate"
                    };
                    r.exception = Some(ExceptionEntry {
                        waived: vec![waived.into()],
                        reason: if waived == "deploy-window" {
                            "sev1 fix for INC-4471 cannot wait for Monday".into()
                        } else {
                            "regression in one eval category only; fix ships next release".into()
                        },
                        risk_acceptance: "rollback rehearsed; on-call watching error rate for 2h"
                            .into(),
                        approved_by: vec!["rm1".into(), "rm2".into()],
                        expires: Timestamp::from_second(t + 4 * 3_600)
                            .unwrap_or(start)
                            .to_string(),
                    });
                }
                let jti = format!("{:022x}", rng.next() >> 8);
                r.token = Some(TokenRef {
                    jti: jti.clone(),
                    exp: t + 900,
                });
                r.artifacts = BTreeMap::from([("model".into(), digest.clone())]);
                events.push(r);
                t += 240 + rng.below(600) as i64;
                let mut v = mk(Command::Verify, Verdict::Verified, t, &mut rng);
                v.token = Some(TokenRef { jti, exp: t + 600 });
                events.push(v);
                t += 3_600 + rng.below(7_200) as i64;
                let verdict = if rng.chance(8) {
                    Verdict::RollbackRecommended
                } else {
                    Verdict::Validated
                };
                let mut val = mk(Command::Validate, verdict, t, &mut rng);
                if verdict == Verdict::RollbackRecommended {
                    val.unmet = vec![UnmetCriterion {
                        id: "live-error-rate".into(),
                        gate: Gate::PostDeployment,
                        status: Status::Unmet,
                        expected: "/error_rate ≤ 0.01".into(),
                        found: "0.034".into(),
                        files: vec!["production-metrics.json".into()],
                    }];
                }
                events.push(val);
                t += 3_600 + rng.below(20 * 3_600) as i64;
            }
        }
    }
    events.sort_by_key(|r| r.time);
    for r in events {
        if let Err(e) = log.append(r, None) {
            eprintln!("audit_demo: {e}");
            return ExitCode::from(2);
        }
    }
    eprintln!("audit_demo: wrote {}", path.display());
    ExitCode::SUCCESS
}
