//! Evaluation truth tables: approval quorum, tiers, exceptions and waivers, through the pure
//! `evaluate` with inputs built in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gatepass::approval::{Approval, ExceptionGrant, Source};
use gatepass::evaluate::{
    ARTIFACT_INTEGRITY, Decision, Excluded, Inputs, Outcome, Status, evaluate,
};
use gatepass::gate::gather::gather;
use gatepass::gate::{GateError, Run, Snapshot, claims_for, validate};
use gatepass::hash::NoProgress;
use gatepass::policy::Policy;
use gatepass::release::{HashedRelease, Release};
use gatepass::vocab::{Gate, Phase};
use jiff::Timestamp;

const NOW: &str = "2026-11-17T15:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn ago(secs: i64) -> Timestamp {
    Timestamp::from_second(now().as_second() - secs).unwrap()
}

const SIGN_OFF: &str = r#"
[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [
  { role = "ml-lead", count = 1 },
  { role = "product", count = 1 },
  { role = "compliance", count = 1, tiers = ["critical"] },
]
max_age = "7d"
"#;

const EVAL_CRITERION: &str = r#"
[[criteria]]
id = "hallucination-rate"
gate = "technical"
metric = { evidence = "eval", pointer = "/hallucination_rate", max = 0.05 }
"#;

struct World {
    _dir: tempfile::TempDir,
    policy: Policy,
    release: HashedRelease,
}

/// A release (change `change`, hallucination rate `rate`) and a policy made of `criteria`
/// plus an optional `[exceptions]` table.
fn world(change: &str, rate: f64, criteria: &str, exceptions: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("model.bin"), b"weights").unwrap();
    std::fs::write(
        p.join("eval.json"),
        format!("{{\"hallucination_rate\": {rate}}}"),
    )
    .unwrap();
    std::fs::write(
        p.join("key.jwk.json"),
        include_str!("../keys/approvers/jrivera.jwk.json"),
    )
    .unwrap();
    std::fs::write(
        p.join("release.toml"),
        format!(
            "name = \"summarizer\"\nversion = \"1.4.0\"\nchange = \"{change}\"\n[artifacts]\nmodel = {{ path = \"model.bin\" }}\n[evidence]\neval = \"eval.json\"\n"
        ),
    )
    .unwrap();
    let policy_text = format!(
        r#"id = "p"
environment = "production"
issuer = "gatepass:test"
[token]
ttl = "15m"
exception_ttl = "10m"
[tiers]
default = "standard"
by_change = {{ model = "critical", prompt = "standard" }}
[roles]
ml-lead = {{ keys = ["key.jwk.json"] }}
product = {{ keys = ["key.jwk.json"] }}
compliance = {{ keys = ["key.jwk.json"] }}
release-manager = {{ keys = ["key.jwk.json"], github = ["@acme/release-managers"] }}
{criteria}
{exceptions}"#
    );
    std::fs::write(p.join("policy.toml"), &policy_text).unwrap();
    let policy = Policy::from_str_at(&policy_text, p.join("policy.toml")).unwrap();
    let release = Release::load(&p.join("release.toml"))
        .unwrap()
        .hash(&NoProgress)
        .unwrap();
    World {
        _dir: dir,
        policy,
        release,
    }
}

fn approval(role: &str, who: &str, person: &str, at: Timestamp) -> Approval {
    Approval {
        role: role.into(),
        approver: who.into(),
        person: person.into(),
        at,
        expires: None,
        source: Source::Signed,
        origin: format!("{who}-{role}.approval.jwt"),
    }
}

fn grant(who: &str, identity: &str, waive: &[&str], expires_in: i64) -> ExceptionGrant {
    ExceptionGrant {
        role: "release-manager".into(),
        approver: who.into(),
        person: identity.into(),
        waived: waive.iter().map(|s| (*s).to_owned()).collect(),
        reason: "sev1 hotfix for ticket INC-4471".into(),
        risk_acceptance: "rollback rehearsed; on-call watching".into(),
        at: ago(60),
        expires: Timestamp::from_second(now().as_second() + expires_in).unwrap(),
        origin: format!("{who}.exception.jwt"),
    }
}

fn decide(w: &World, approvals: &[Approval], exceptions: &[ExceptionGrant]) -> Decision {
    decide_excluding(w, approvals, exceptions, &[])
}

fn decide_excluding(
    w: &World,
    approvals: &[Approval],
    exceptions: &[ExceptionGrant],
    excluded: &[Excluded],
) -> Decision {
    let tier = w
        .policy
        .tier_for(w.release.release.change, w.release.release.tier);
    let evidence = gather(&w.policy, &w.release, tier).unwrap();
    evaluate(&Inputs {
        policy: &w.policy,
        release: &w.release,
        evidence: &evidence,
        approvals,
        exceptions,
        ignored: &[],
        excluded,
        now: now(),
        phase: Phase::PreDeploy,
    })
}

fn status(d: &Decision, id: &str) -> Status {
    d.criteria.iter().find(|c| c.id == id).unwrap().status
}

fn sign_off(d: &Decision) -> Status {
    status(d, "sign-off")
}

fn ignored_reasons(d: &Decision) -> String {
    d.ignored
        .iter()
        .map(|i| format!("{}: {}\n", i.origin, i.reason))
        .collect()
}

#[test]
fn quorum_truth_table() {
    let w = world("prompt", 0.01, SIGN_OFF, "");
    let jr = |role: &str| approval(role, "jrivera", "person:jrivera", ago(3600));
    let sc = |role: &str| approval(role, "schen", "person:schen", ago(3600));
    let cases: Vec<(&str, Vec<Approval>, Status)> = vec![
        ("no approvals", vec![], Status::Unmet),
        ("only the ML lead", vec![jr("ml-lead")], Status::Unmet),
        (
            "exactly enough",
            vec![jr("ml-lead"), sc("product")],
            Status::Met,
        ),
        (
            "one person in two roles",
            vec![jr("ml-lead"), jr("product")],
            Status::Unmet,
        ),
        (
            "the same person twice",
            vec![jr("ml-lead"), jr("ml-lead")],
            Status::Unmet,
        ),
        (
            "two keys of one approver",
            vec![
                approval("ml-lead", "jrivera", "person:jrivera", ago(60)),
                approval("product", "jrivera", "person:jrivera", ago(60)),
            ],
            Status::Unmet,
        ),
        (
            "one key signing under two names",
            vec![
                approval("ml-lead", "jrivera", "person:jrivera", ago(60)),
                approval("product", "j.rivera", "person:jrivera", ago(60)),
            ],
            Status::Unmet,
        ),
        (
            "a person in two roles and another in one: matched either way",
            vec![sc("product"), jr("product"), jr("ml-lead")],
            Status::Met,
        ),
        (
            "more than enough",
            vec![jr("ml-lead"), sc("product"), sc("ml-lead")],
            Status::Met,
        ),
    ];
    for (name, approvals, expected) in cases {
        let d = decide(&w, &approvals, &[]);
        assert_eq!(sign_off(&d), expected, "{name}: {:#?}", d.criteria.last());
        let counted: std::collections::BTreeSet<&str> =
            d.approvals.iter().map(|a| a.approver.as_str()).collect();
        assert_eq!(
            counted.len(),
            d.approvals.len(),
            "{name}: a person is counted once"
        );
        // Nothing is dropped: every approval either counted or is reported.
        assert_eq!(
            d.approvals.len() + d.ignored.len(),
            approvals.len(),
            "{name}: {}",
            ignored_reasons(&d)
        );
    }
}

#[test]
fn one_person_in_two_roles_is_reported_not_dropped() {
    let w = world("prompt", 0.01, SIGN_OFF, "");
    let jr = |role: &str| approval(role, "jrivera", "person:jrivera", ago(60));
    let d = decide(&w, &[jr("ml-lead"), jr("product")], &[]);
    assert!(
        ignored_reasons(&d).contains("one person counts once"),
        "{}",
        ignored_reasons(&d)
    );
    assert_eq!(
        d.criteria.last().unwrap().details,
        vec!["product: 0 of 1 approval(s)".to_owned()]
    );
}

#[test]
fn approvals_must_be_fresh_unexpired_and_not_from_the_future() {
    let w = world("prompt", 0.01, SIGN_OFF, "");
    let sc = approval("product", "schen", "person:schen", ago(3600));
    let cases: Vec<(&str, Approval, &str)> = vec![
        (
            "older than max_age",
            approval("ml-lead", "jrivera", "person:jrivera", ago(8 * 86400)),
            "older than max_age 7d",
        ),
        (
            "expired",
            Approval {
                expires: Some(ago(10)),
                ..approval("ml-lead", "jrivera", "person:jrivera", ago(3600))
            },
            "expired at",
        ),
        (
            "dated in the future",
            approval("ml-lead", "jrivera", "person:jrivera", ago(-3600)),
            "dated in the future",
        ),
    ];
    for (name, a, reason) in cases {
        let d = decide(&w, &[a, sc.clone()], &[]);
        assert_eq!(sign_off(&d), Status::Unmet, "{name}");
        assert!(
            ignored_reasons(&d).contains(reason),
            "{name}: {}",
            ignored_reasons(&d)
        );
    }
    // Within max_age and unexpired: counts.
    let ok = Approval {
        expires: Some(ago(-60)),
        ..approval("ml-lead", "jrivera", "person:jrivera", ago(6 * 86400))
    };
    assert_eq!(sign_off(&decide(&w, &[ok, sc], &[])), Status::Met);
}

#[test]
fn tiers_choose_the_requirements_and_criteria() {
    let jr = approval("ml-lead", "jrivera", "person:jrivera", ago(60));
    let sc = approval("product", "schen", "person:schen", ago(60));
    let mo = approval("compliance", "mokafor", "person:mokafor", ago(60));
    // A prompt change is standard: compliance is not needed, and its approval is reported.
    let standard = world("prompt", 0.01, SIGN_OFF, "");
    let d = decide(&standard, &[jr.clone(), sc.clone(), mo.clone()], &[]);
    assert_eq!(d.release.tier.as_str(), "standard");
    assert_eq!(sign_off(&d), Status::Met);
    assert!(ignored_reasons(&d).contains("not required for tier standard"));
    // A model change is critical: compliance is required.
    let critical = world("model", 0.01, SIGN_OFF, "");
    assert_eq!(
        sign_off(&decide(&critical, &[jr.clone(), sc.clone()], &[])),
        Status::Unmet
    );
    assert_eq!(
        sign_off(&decide(&critical, &[jr.clone(), sc.clone(), mo], &[])),
        Status::Met
    );
    // A criterion limited to a tier is not applicable to the others.
    let limited = format!(
        "{EVAL_CRITERION}tiers = [\"critical\"]\n[[criteria]]\nid = \"eval-present\"\ngate = \"technical\"\npresent = [\"eval\"]\n"
    );
    let d = decide(&world("prompt", 0.9, &limited, ""), &[], &[]);
    assert_eq!(status(&d, "hallucination-rate"), Status::NotApplicable);
    assert_eq!(d.outcome, Outcome::Allow);
    let d = decide(&world("model", 0.9, &limited, ""), &[], &[]);
    assert_eq!(status(&d, "hallucination-rate"), Status::Unmet);
}

const EXCEPTIONS: &str = r#"
[exceptions]
approvers = { role = "release-manager", count = 2 }
max_ttl = "4h"
non_waivable = ["sign-off"]
"#;

fn both_criteria() -> String {
    format!("{EVAL_CRITERION}{SIGN_OFF}")
}

#[test]
fn exception_truth_table() {
    let signed = [
        approval("ml-lead", "jrivera", "person:jrivera", ago(60)),
        approval("product", "schen", "person:schen", ago(60)),
    ];
    let rm1 = |w: &[&str]| grant("rm1", "person:rm1", w, 3600);
    let rm2 = |w: &[&str]| grant("rm2", "person:rm2", w, 3600);
    let failing = world("prompt", 0.09, &both_criteria(), EXCEPTIONS);
    type Case<'a> = (
        &'a str,
        &'a World,
        Vec<Approval>,
        Vec<ExceptionGrant>,
        Outcome,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "waiver covers every unmet criterion",
            &failing,
            signed.to_vec(),
            vec![rm1(&["hallucination-rate"]), rm2(&["hallucination-rate"])],
            Outcome::Exception,
        ),
        (
            "one release manager where two are needed",
            &failing,
            signed.to_vec(),
            vec![rm1(&["hallucination-rate"])],
            Outcome::Deny,
        ),
        (
            "the same release manager twice",
            &failing,
            signed.to_vec(),
            vec![
                rm1(&["hallucination-rate"]),
                grant("rm1", "person:rm1", &["hallucination-rate"], 7200),
            ],
            Outcome::Deny,
        ),
        (
            "a waiver missing one unmet criterion",
            &failing,
            signed[..1].to_vec(),
            vec![rm1(&["hallucination-rate"]), rm2(&["hallucination-rate"])],
            Outcome::Deny,
        ),
        (
            "a non-waivable criterion",
            &failing,
            signed[..1].to_vec(),
            vec![
                rm1(&["hallucination-rate", "sign-off"]),
                rm2(&["hallucination-rate", "sign-off"]),
            ],
            Outcome::Deny,
        ),
        (
            "an expired exception",
            &failing,
            signed.to_vec(),
            vec![
                rm1(&["hallucination-rate"]),
                grant("rm2", "person:rm2", &["hallucination-rate"], -5),
            ],
            Outcome::Deny,
        ),
        (
            "a waiver naming another criterion",
            &failing,
            signed.to_vec(),
            vec![rm1(&["deploy-window"]), rm2(&["deploy-window"])],
            Outcome::Deny,
        ),
    ];
    for (name, w, approvals, grants, expected) in cases {
        let d = decide(w, &approvals, &grants);
        assert_eq!(d.outcome, expected, "{name}: {}", ignored_reasons(&d));
        match expected {
            Outcome::Exception => {
                assert_eq!(status(&d, "hallucination-rate"), Status::Waived);
                let e = d.exception.as_ref().unwrap();
                assert_eq!(e.waived, vec!["hallucination-rate".to_owned()]);
                assert_eq!(e.approved_by, vec!["rm1".to_owned(), "rm2".to_owned()]);
                assert!(e.risk_acceptance.contains("rollback rehearsed"));
            }
            _ => {
                assert!(d.exception.is_none(), "{name}");
                assert!(d.unmet().count() > 0, "{name}");
                // Grants that did not apply are reported with a reason.
                assert!(!d.ignored.is_empty(), "{name}");
            }
        }
    }
}

#[test]
fn exceptions_need_an_exceptions_section_and_are_not_needed_when_all_is_met() {
    let signed = [
        approval("ml-lead", "jrivera", "person:jrivera", ago(60)),
        approval("product", "schen", "person:schen", ago(60)),
    ];
    let grants = [
        grant("rm1", "person:rm1", &["hallucination-rate"], 3600),
        grant("rm2", "person:rm2", &["hallucination-rate"], 3600),
    ];
    let no_section = world("prompt", 0.09, &both_criteria(), "");
    let d = decide(&no_section, &signed, &grants);
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(ignored_reasons(&d).contains("no [exceptions] section"));
    let passing = world("prompt", 0.01, &both_criteria(), EXCEPTIONS);
    let d = decide(&passing, &signed, &grants);
    assert_eq!(d.outcome, Outcome::Allow);
    assert!(ignored_reasons(&d).contains("not needed"));
}

#[test]
fn artifact_integrity_is_built_in_and_never_waivable() {
    let w = world(
        "prompt",
        0.01,
        EVAL_CRITERION,
        &EXCEPTIONS.replace("[\"sign-off\"]", "[]"),
    );
    let mut release = w.release.clone();
    let model = release.artifacts.get_mut("model").unwrap();
    model.pinned = Some(gatepass::hash::Sha256Digest::of(b"other"));
    let tier = w.policy.tier_for(release.release.change, None);
    let evidence = gather(&w.policy, &release, tier).unwrap();
    let grants = [
        grant("rm1", "person:rm1", &[ARTIFACT_INTEGRITY], 3600),
        grant("rm2", "person:rm2", &[ARTIFACT_INTEGRITY], 3600),
    ];
    let d = evaluate(&Inputs {
        policy: &w.policy,
        release: &release,
        evidence: &evidence,
        approvals: &[],
        exceptions: &grants,
        ignored: &[],
        excluded: &[],
        now: now(),
        phase: Phase::PreDeploy,
    });
    assert_eq!(d.outcome, Outcome::Deny);
    let c = &d.criteria[0];
    assert_eq!(
        (c.id.as_str(), c.status),
        (ARTIFACT_INTEGRITY, Status::Unmet)
    );
    assert!(
        c.details[0].contains("release.toml pins sha256:")
            && c.details[0].contains("the file is sha256:")
    );
}

#[test]
fn exception_tokens_live_no_longer_than_exception_ttl_or_the_exception() {
    let signed = [
        approval("ml-lead", "jrivera", "person:jrivera", ago(60)),
        approval("product", "schen", "person:schen", ago(60)),
    ];
    let w = world("prompt", 0.09, &both_criteria(), EXCEPTIONS);
    let ttl = |grants: &[ExceptionGrant]| {
        let decision = decide(&w, &signed, grants);
        let run = Run {
            policy: w.policy.clone(),
            release: w.release.clone(),
            decision,
        };
        let c = claims_for(&run, now()).unwrap().unwrap();
        assert!(c.exception.is_some());
        c.exp - c.iat
    };
    let long = [
        grant("rm1", "person:rm1", &["hallucination-rate"], 3600),
        grant("rm2", "person:rm2", &["hallucination-rate"], 7200),
    ];
    assert_eq!(ttl(&long), 600, "capped by exception_ttl (10m)");
    let short = [
        grant("rm1", "person:rm1", &["hallucination-rate"], 120),
        grant("rm2", "person:rm2", &["hallucination-rate"], 7200),
    ];
    assert_eq!(ttl(&short), 120, "capped by the earliest exception expiry");
    // A denial mints nothing; an allow lives for the policy's ttl.
    let run = Run {
        policy: w.policy.clone(),
        release: w.release.clone(),
        decision: decide(&w, &signed, &[]),
    };
    assert!(claims_for(&run, now()).unwrap().is_none());
    let ok = world("prompt", 0.01, &both_criteria(), EXCEPTIONS);
    let run = Run {
        policy: ok.policy.clone(),
        release: ok.release.clone(),
        decision: decide(&ok, &signed, &[]),
    };
    let c = claims_for(&run, now()).unwrap().unwrap();
    assert_eq!(c.exp - c.iat, 900);
    assert_eq!(c.approvals.len(), 2);
    assert_eq!(c.release.digest, ok.release.digest().prefixed());
}

#[test]
fn the_deployer_never_counts_however_their_identity_is_linked() {
    let w = world("prompt", 0.01, SIGN_OFF, "");
    let jr = approval("ml-lead", "jrivera", "person:jrivera", ago(60));
    let sc = approval("product", "schen", "person:schen", ago(60));
    let deployer = |person: &str| Excluded {
        person: person.into(),
        why: "the deployer (GITHUB_ACTOR)".into(),
    };
    assert_eq!(
        sign_off(&decide_excluding(&w, &[jr.clone(), sc.clone()], &[], &[])),
        Status::Met
    );
    // The person the policy resolved the deployer's name to.
    let d = decide_excluding(
        &w,
        &[jr.clone(), sc.clone()],
        &[],
        &[deployer("person:jrivera")],
    );
    assert_eq!(sign_off(&d), Status::Unmet);
    assert!(
        ignored_reasons(&d).contains("jrivera is the deployer (GITHUB_ACTOR)"),
        "{}",
        ignored_reasons(&d)
    );
    // Every approval of that person, whatever its source.
    let review = Approval {
        source: Source::GithubReview,
        ..approval("ml-lead", "jr-gh", "person:jrivera", ago(60))
    };
    let d = decide_excluding(
        &w,
        &[jr.clone(), sc.clone(), review],
        &[],
        &[deployer("person:jrivera")],
    );
    assert_eq!(
        sign_off(&d),
        Status::Unmet,
        "the signed approval and the review are both the deployer's"
    );
    // Someone else deploying changes nothing.
    assert_eq!(
        sign_off(&decide_excluding(
            &w,
            &[jr, sc],
            &[],
            &[deployer("github:octocat")]
        )),
        Status::Met
    );
}

const LIVE_CRITERIA: &str = r#"
[[criteria]]
id = "live-error-rate"
gate = "post-deployment"
metric = { evidence = "production", pointer = "/error_rate", max = 0.01 }

[[criteria]]
id = "live-snapshot"
gate = "post-deployment"
present = ["production"]
"#;

#[test]
fn pre_deploy_lists_post_deployment_criteria_as_not_applicable_and_needs_no_snapshot() {
    let w = world(
        "prompt",
        0.01,
        &format!("{EVAL_CRITERION}{LIVE_CRITERIA}"),
        "",
    );
    let tier = w.policy.tier_for(w.release.release.change, None);
    // The release has no `production` evidence: before deployment that is no error.
    w.policy
        .check_evidence_reads(w.release.evidence.keys().map(String::as_str), tier)
        .unwrap();
    assert!(
        w.policy
            .check_evidence_reads_in(
                w.release.evidence.keys().map(String::as_str),
                tier,
                Phase::PostDeploy
            )
            .is_err(),
        "after deployment the snapshot name must be bound"
    );
    let d = decide(&w, &[], &[]);
    assert_eq!(d.outcome, Outcome::Allow);
    for id in ["live-error-rate", "live-snapshot"] {
        let c = d.criteria.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.status, Status::NotApplicable, "{id}");
        assert_eq!(c.gate, Gate::PostDeployment);
        assert!(c.expected.contains("gatepass validate"), "{}", c.expected);
    }
    assert_eq!(status(&d, ARTIFACT_INTEGRITY), Status::Met);
}

/// Writes the world's policy and release to disk and validates with `snapshot` (JSON text)
/// bound to `production`.
fn validate_with(criteria: &str, snapshot: Option<&str>) -> Result<Run, gatepass::gate::GateError> {
    let w = world("prompt", 0.09, &format!("{EVAL_CRITERION}{criteria}"), "");
    let dir = w._dir.path();
    let snapshots: Vec<Snapshot> = snapshot
        .map(|text| {
            std::fs::write(dir.join("metrics.json"), text).unwrap();
            vec![Snapshot {
                name: "production".into(),
                path: dir.join("metrics.json"),
            }]
        })
        .unwrap_or_default();
    validate(
        &dir.join("policy.toml"),
        &dir.join("release.toml"),
        &snapshots,
        now(),
        &NoProgress,
    )
}

#[test]
fn validate_holds_only_post_deployment_criteria() {
    // The pre-deploy hallucination criterion fails (0.09) but is not held after deployment.
    let run = validate_with(LIVE_CRITERIA, Some(r#"{"error_rate": 0.004}"#)).unwrap();
    let d = &run.decision;
    assert_eq!(d.outcome, Outcome::Allow);
    let ids: Vec<&str> = d.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["live-error-rate", "live-snapshot"]);
    assert_eq!(
        d.release.digest,
        run.release.digest().prefixed(),
        "the deployed release's digest"
    );
    let snapshot = d.evidence.get("production").unwrap().as_ref().unwrap();
    assert!(snapshot.starts_with("sha256:"));
    assert_eq!(
        d.criteria[0].files,
        [run.release
            .release
            .manifest
            .parent()
            .unwrap()
            .join("metrics.json")
            .display()
            .to_string()]
    );

    let run = validate_with(LIVE_CRITERIA, Some(r#"{"error_rate": 0.03}"#)).unwrap();
    assert_eq!(run.decision.outcome, Outcome::Deny);
    assert_eq!(status(&run.decision, "live-error-rate"), Status::Unmet);
    assert_eq!(status(&run.decision, "live-snapshot"), Status::Met);
}

#[test]
fn validate_refuses_to_pass_on_nothing() {
    let err = validate_with("", Some(r#"{"error_rate": 0.0}"#)).unwrap_err();
    assert!(matches!(err, GateError::NothingToValidate { .. }), "{err}");
    // A snapshot missing: the criteria reading it cannot be held (exit 2), never a pass.
    let err = validate_with(LIVE_CRITERIA, None).unwrap_err();
    assert!(matches!(err, GateError::Policy(_)), "{err}");
}

#[test]
fn snapshot_names_must_not_shadow_release_evidence() {
    let w = world(
        "prompt",
        0.01,
        &format!("{EVAL_CRITERION}{LIVE_CRITERIA}"),
        "",
    );
    let dir = w._dir.path();
    std::fs::write(dir.join("m.json"), "{}").unwrap();
    let bind = |name: &str, file: &str| {
        validate(
            &dir.join("policy.toml"),
            &dir.join("release.toml"),
            &[Snapshot {
                name: name.into(),
                path: dir.join(file),
            }],
            now(),
            &NoProgress,
        )
        .unwrap_err()
    };
    let shadow = bind("eval", "m.json").to_string();
    assert!(shadow.contains("already an evidence name"), "{shadow}");
    let bad = bind("a b", "m.json").to_string();
    assert!(bad.contains("evidence name uses"), "{bad}");
    let missing = bind("production", "absent.json");
    assert!(matches!(missing, GateError::Snapshot { .. }), "{missing}");
}
