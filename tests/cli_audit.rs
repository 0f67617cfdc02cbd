//! The audit log as a pipeline uses it: `--audit-log` on `check`, `issue`, `verify` and
//! `validate`; `audit verify` on tampered logs; a crash mid-write and its repair; a log that
//! cannot be written stops `issue` from printing a token; concurrent gates; `audit report`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gatepass::audit::Record;
use gatepass::token::{Jwks, Verifier};

#[path = "support/cli.rs"]
mod cli;
use cli::{code, stderr, stdout};

const STAGING: &str = "policies/summarizer-staging.toml";
const RELEASE: &str = "examples/summarizer/release.toml";
const FAILING: &str = "examples/summarizer-failing/release.toml";
const APPROVALS: &str = "examples/summarizer/approvals";
const METRICS: &str = "examples/summarizer/production-metrics.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The clean binary in the repository root, run by a local user (the audit log records who ran it).
fn gatepass() -> Command {
    let mut cmd = cli::gatepass_in(root());
    cmd.env("USER", "ci-runner");
    cmd
}

fn run(args: &[&str]) -> Output {
    gatepass().args(args).output().expect("run gatepass")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn check(log: &Path) -> Output {
    run(&[
        "check",
        "--policy",
        STAGING,
        "--release",
        RELEASE,
        "--approvals",
        APPROVALS,
        "--audit-log",
        s(log),
    ])
}

fn issue(log: &Path) -> Output {
    run(&[
        "issue",
        "--policy",
        STAGING,
        "--release",
        RELEASE,
        "--approvals",
        APPROVALS,
        "--key",
        "keys/gate.key",
        "--audit-log",
        s(log),
    ])
}

fn audit_verify(log: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["audit", "verify", s(log)];
    args.extend_from_slice(extra);
    run(&args)
}

fn records(log: &Path) -> Vec<Record> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A log of `n` check records plus one issue record.
fn log_with(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    for _ in 0..n {
        assert_eq!(code(&check(&log)), 0);
    }
    assert_eq!(code(&issue(&log)), 0);
    (dir, log)
}

fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .split_inclusive('\n')
        .map(str::to_owned)
        .collect()
}

#[test]
fn issue_records_the_token_it_prints_and_the_log_verifies() {
    let (_dir, log) = log_with(1);
    let out = issue(&log);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let token = stdout(&out).trim().to_owned();
    assert!(stderr(&out).contains("gatepass: audit: recorded seq 3 in"));

    let jwks = Jwks::from_file(&root().join("keys/gate.jwks.json")).unwrap();
    let claims = Verifier::new(jwks)
        .audience("staging")
        .verify(&token)
        .unwrap()
        .claims;
    let recs = records(&log);
    let last = recs.last().unwrap();
    assert_eq!(
        (last.seq, last.command.as_str(), last.decision.as_str()),
        (3, "issue", "allow")
    );
    let t = last.token.as_ref().unwrap();
    assert_eq!((t.jti.as_str(), t.exp), (claims.jti.as_str(), claims.exp));
    assert_eq!(last.release.as_ref().unwrap().digest, claims.release.digest);
    assert_eq!(last.environment.as_deref(), Some("staging"));
    assert_eq!(last.approvals.len(), 2);
    assert_eq!(last.actor.id, "user:ci-runner");
    assert!(last.sig.is_some(), "issue signs its records with its key");
    assert!(recs[0].sig.is_none(), "check has no key unless --audit-key");
    assert!(
        recs[0]
            .checklist
            .iter()
            .any(|c| c.id == "live-error-rate" && c.gate.as_str() == "post-deployment")
    );

    let out = audit_verify(&log, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is intact: 3 record(s)"),
        "{}",
        stderr(&out)
    );
    let anchor = stdout(&out).trim().to_owned();
    assert!(anchor.starts_with("3:") && anchor.len() == 66, "{anchor}");
    // The head anchor pins the log: cutting the last record is caught with it, not without.
    let all = lines(&log);
    std::fs::write(&log, all[..2].concat()).unwrap();
    assert_eq!(code(&audit_verify(&log, &[])), 0);
    let out = audit_verify(&log, &["--anchor", &anchor]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("anchor-missing"), "{}", stderr(&out));
}

#[test]
fn signatures_are_required_only_when_asked() {
    let (_dir, log) = log_with(1);
    let keys = ["--keys", "keys/gate.jwks.json"];
    assert_eq!(code(&audit_verify(&log, &keys)), 0);
    let out = audit_verify(
        &log,
        &["--keys", "keys/gate.jwks.json", "--require-signatures"],
    );
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("line 1: unsigned"),
        "{}",
        stderr(&out)
    );
    // With --audit-key, check signs too.
    let dir = tempfile::tempdir().unwrap();
    let signed = dir.path().join("signed.jsonl");
    let out = run(&[
        "check",
        "--policy",
        STAGING,
        "--release",
        RELEASE,
        "--approvals",
        APPROVALS,
        "--audit-log",
        s(&signed),
        "--audit-key",
        "keys/gate.key",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = audit_verify(
        &signed,
        &["--keys", "keys/gate.jwks.json", "--require-signatures"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn tampering_is_named_by_line() {
    let (dir, log) = log_with(3);
    let original = lines(&log);
    let t = dir.path().join("t.jsonl");
    let verdict = |content: String| {
        std::fs::write(&t, content).unwrap();
        let out = audit_verify(&t, &[]);
        (code(&out), stderr(&out))
    };

    // One byte edited in line 2.
    let mut l = original.clone();
    l[1] = l[1].replacen("\"decision\":\"allow\"", "\"decision\":\"alloW\"", 1);
    let (c, err) = verdict(l.concat());
    assert_eq!(c, 1);
    assert!(err.contains("BROKEN at line 2: edited"), "{err}");

    // Line 2 removed.
    let mut l = original.clone();
    l.remove(1);
    let (c, err) = verdict(l.concat());
    assert_eq!(c, 1);
    assert!(
        err.contains("line 2: removed") && err.contains("seq jumps from 1 to 3"),
        "{err}"
    );

    // Lines 2 and 3 swapped.
    let mut l = original.clone();
    l.swap(1, 2);
    let (c, err) = verdict(l.concat());
    assert_eq!(c, 1);
    assert!(err.contains("line 2"), "{err}");

    // A line duplicated further down.
    let mut l = original.clone();
    l.insert(3, original[0].clone());
    let (c, err) = verdict(l.concat());
    assert_eq!(c, 1);
    assert!(err.contains("line 4: reordered"), "{err}");

    // Not JSON.
    let mut l = original.clone();
    l[2] = "garbage\n".into();
    let (c, err) = verdict(l.concat());
    assert_eq!(c, 1);
    assert!(err.contains("line 3: invalid-json"), "{err}");

    // JSON output names the same.
    std::fs::write(&t, original[1..].concat()).unwrap();
    let out = run(&["audit", "verify", s(&t), "--format", "json"]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["broken"]["line"], 1);
    assert_eq!(v["broken"]["kind"], "removed");

    // Unreadable.
    let out = audit_verify(&dir.path().join("absent.jsonl"), &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn single_byte_changes_are_detected_anywhere_including_the_last_line() {
    let (dir, log) = log_with(2);
    let original = std::fs::read(&log).unwrap();
    let last_start = original[..original.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    // A sample across the file, every byte of the last line's tail (its hash), and the newlines.
    let mut positions: Vec<usize> = (0..original.len()).step_by(97).collect();
    positions.extend(original.len().saturating_sub(90)..original.len());
    positions.extend((0..original.len()).filter(|&i| original[i] == b'\n'));
    positions.push(last_start);
    positions.sort_unstable();
    positions.dedup();
    let t = dir.path().join("t.jsonl");
    for i in positions {
        let mut bytes = original.clone();
        bytes[i] ^= 0x04;
        std::fs::write(&t, &bytes).unwrap();
        let out = audit_verify(&t, &[]);
        assert_eq!(code(&out), 1, "byte {i} changed, yet: {}", stderr(&out));
    }
}

#[test]
fn a_torn_write_is_reported_refused_and_repaired() {
    let (dir, log) = log_with(2);
    let intact = std::fs::read(&log).unwrap();
    // A crash mid-write: the last record cut in half.
    let cut = intact.len() - 200;
    std::fs::write(&log, &intact[..cut]).unwrap();

    let out = audit_verify(&log, &[]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("BROKEN at line 3: truncated"),
        "{}",
        stderr(&out)
    );

    // The next gate refuses to extend the broken chain, and issue prints no token.
    let out = issue(&log);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "no token: {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ends in a torn write: line 3") && err.contains("gatepass audit repair"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&log).unwrap(),
        &intact[..cut],
        "nothing appended"
    );

    let out = run(&["audit", "repair", s(&log)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("moved the torn line 3"),
        "{}",
        stderr(&out)
    );
    let torn: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(torn.len(), 1);
    let moved = std::fs::read(&torn[0]).unwrap();
    let line3 = intact[..cut].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    assert_eq!(
        moved,
        &intact[line3..cut],
        "the torn bytes are kept, not lost"
    );
    assert_eq!(code(&audit_verify(&log, &[])), 0);
    let recs = records(&log);
    assert_eq!(recs[2].command.as_str(), "repair");
    assert_eq!(code(&issue(&log)), 0);
    assert_eq!(code(&audit_verify(&log, &[])), 0);
    // Nothing left to repair.
    assert_eq!(code(&run(&["audit", "repair", s(&log)])), 0);
}

#[test]
fn no_unaudited_deployments() {
    let dir = tempfile::tempdir().unwrap();
    for log in [
        dir.path().join("absent/audit.jsonl"),
        dir.path().to_path_buf(), // a directory, not a file
    ] {
        let out = issue(&log);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stdout(&out).is_empty(), "a token leaked: {}", stdout(&out));
        assert!(
            stderr(&out).contains("the decision was not recorded"),
            "{}",
            stderr(&out)
        );
        let out = check(&log);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
    }
    let out = run(&[
        "check",
        "--policy",
        STAGING,
        "--release",
        RELEASE,
        "--audit-key",
        "keys/gate.key",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--audit-key needs --audit-log"));
}

#[test]
fn concurrent_gates_share_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let (procs, each) = (8, 3);
    std::thread::scope(|scope| {
        for _ in 0..procs {
            let log = log.clone();
            scope.spawn(move || {
                for _ in 0..each {
                    let out = check(&log);
                    assert_eq!(code(&out), 0, "{}", stderr(&out));
                }
            });
        }
    });
    let out = audit_verify(&log, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seqs: Vec<u64> = records(&log).iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=(procs * each) as u64).collect::<Vec<_>>());
}

#[test]
fn verify_and_validate_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let token = stdout(&issue(&log)).trim().to_owned();
    let verify = |audience: &str| {
        run(&[
            "verify",
            "--keys",
            "keys/gate.jwks.json",
            "--audience",
            audience,
            "--audit-log",
            s(&log),
            &token,
        ])
    };
    assert_eq!(code(&verify("staging")), 0);
    assert_eq!(code(&verify("production")), 1);

    // Validation: passes with the example snapshot, recommends rollback with a bad one.
    let validate = |metrics: &str| {
        run(&[
            "validate",
            "--policy",
            STAGING,
            "--release",
            RELEASE,
            "--metrics",
            metrics,
            "--audit-log",
            s(&log),
        ])
    };
    let out = validate(METRICS);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("VALIDATED"), "{}", stderr(&out));
    let bad = dir.path().join("bad.json");
    let text = std::fs::read_to_string(root().join(METRICS))
        .unwrap()
        .replace("\"error_rate\": 0.0041", "\"error_rate\": 0.034")
        .replace("\"p95\": 880", "\"p95\": 2400");
    std::fs::write(&bad, text).unwrap();
    let out = validate(s(&bad));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ROLLBACK RECOMMENDED: 2 post-deployment criteria unmet"),
        "{}",
        stderr(&out)
    );
    // Could not decide: no snapshot file, or a policy without post-deployment criteria.
    assert_eq!(code(&validate("absent.json")), 2);
    let out = run(&[
        "validate",
        "--policy",
        "policies/summarizer-production.toml",
        "--release",
        RELEASE,
        "--metrics",
        METRICS,
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("has no `post-deployment` criterion"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "validate",
        "--policy",
        STAGING,
        "--release",
        RELEASE,
        "--metrics",
        METRICS,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0);
    let d: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(d["criteria"].as_array().unwrap().len(), 5);
    assert!(
        d["evidence"]["production"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    let recs = records(&log);
    let kinds: Vec<(&str, &str)> = recs
        .iter()
        .map(|r| (r.command.as_str(), r.decision.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("issue", "allow"),
            ("verify", "verified"),
            ("verify", "rejected"),
            ("validate", "validated"),
            ("validate", "rollback-recommended"),
        ]
    );
    assert_eq!(recs[1].token, recs[0].token, "verify names the token's jti");
    assert_eq!(recs[2].rejection.as_ref().unwrap().rule, "audience");
    assert!(recs[2].release.is_none(), "nothing unverified is recorded");
    let failed: Vec<&str> = recs[4].unmet.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(failed, ["live-error-rate", "live-latency-p95"]);
    assert_eq!(recs[4].unmet[0].found, "0.034");
    assert!(recs[4].evidence.contains_key("production"));
    assert_eq!(code(&audit_verify(&log, &[])), 0);
}

#[test]
fn report_formats() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    // A denied release, then the good one checked, issued, verified and validated.
    let out = run(&[
        "issue",
        "--policy",
        STAGING,
        "--release",
        FAILING,
        "--key",
        "keys/gate.key",
        "--audit-log",
        s(&log),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(code(&check(&log)), 0);
    let token = stdout(&issue(&log)).trim().to_owned();
    assert_eq!(
        code(&run(&[
            "verify",
            "--keys",
            "keys/gate.jwks.json",
            "--audience",
            "staging",
            "--audit-log",
            s(&log),
            &token,
        ])),
        0
    );
    assert_eq!(
        code(&run(&[
            "validate",
            "--policy",
            STAGING,
            "--release",
            RELEASE,
            "--metrics",
            METRICS,
            "--audit-log",
            s(&log),
        ])),
        0
    );

    let report = |format: &str, extra: &[&str]| {
        let mut args = vec!["audit", "report", s(&log), "--format", format];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        stdout(&out)
    };
    let json: serde_json::Value =
        serde_json::from_str(&report("json", &["--deployments"])).unwrap();
    assert_eq!(json["schema"], "gatepass-audit-report/1");
    assert_eq!(json["integrity"]["intact"], true);
    assert_eq!(json["records"], 5);
    assert_eq!(json["approval"]["approved"], 1);
    assert_eq!(json["approval"]["decisions"], 2);
    assert_eq!(json["approval"]["rate"], 0.5);
    let reasons: Vec<&str> = json["rejection_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["criterion"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"hallucination-rate"), "{reasons:?}");
    let deployments = json["deployments"].as_array().unwrap();
    assert_eq!(deployments.len(), 1);
    let d = &deployments[0];
    assert_eq!(d["version"], "1.4.0");
    assert_eq!(d["environment"], "staging");
    assert_eq!(d["deployer"], "user:ci-runner");
    assert!(d["verified_at"].is_string());
    assert_eq!(d["validation"], "validated");
    assert_eq!(json["cycle_time"]["approved"], 1);
    assert_eq!(json["cycle_time"]["pending"], 1, "1.4.1 was never approved");
    let without: serde_json::Value = serde_json::from_str(&report("json", &[])).unwrap();
    assert!(without.get("deployments").is_none());

    let human = report("human", &["--deployments"]);
    assert!(
        human.contains("Approval rate") && human.contains("50.0%"),
        "{human}"
    );
    assert!(human.contains("Deployment log (1 deployment(s)"), "{human}");
    let md = report("markdown", &[]);
    assert!(
        md.contains("### Rejection reasons") && md.contains("| `hallucination-rate` |"),
        "{md}"
    );
    let html = report("html", &["--deployments"]);
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("Deployment log (1)"));

    let out_file = dir.path().join("report.html");
    let out = run(&[
        "audit",
        "report",
        s(&log),
        "--format",
        "html",
        "--out",
        s(&out_file),
    ]);
    assert_eq!(code(&out), 0);
    assert!(
        std::fs::read_to_string(&out_file)
            .unwrap()
            .contains("</html>")
    );

    // A window after everything holds nothing.
    let future: serde_json::Value =
        serde_json::from_str(&report("json", &["--since", "2999-01-01"])).unwrap();
    assert_eq!(future["records"], 0);
    assert!(future["approval"]["rate"].is_null());
    let recent: serde_json::Value = serde_json::from_str(&report(
        "json",
        &["--since", "1h", "--until", "2999-01-01T00:00:00Z"],
    ))
    .unwrap();
    assert_eq!(recent["records"], 5);
    let out = run(&["audit", "report", s(&log), "--since", "yesterday"]);
    assert_eq!(code(&out), 2);

    // A broken log still reports, flagged, and exits 1.
    let mut l = lines(&log);
    l.remove(1);
    std::fs::write(&log, l.concat()).unwrap();
    let out = run(&["audit", "report", s(&log), "--format", "json"]);
    assert_eq!(code(&out), 1);
    let broken: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(broken["integrity"]["intact"], false);
    assert!(stderr(&out).contains("fails verification"));
}

#[test]
fn the_python_verifier_in_the_docs_agrees() {
    let docs = std::fs::read_to_string(root().join("docs/audit.md")).unwrap();
    let section = docs
        .split_once("## Checking a log without gatepass")
        .unwrap()
        .1;
    let script = section
        .split_once("```python\n")
        .unwrap()
        .1
        .split_once("```")
        .unwrap()
        .0;
    let python = |args: &[&str]| Command::new("python3").args(args).output();
    if python(&["--version"]).is_err() {
        eprintln!("python3 not found: the documented verifier is not exercised");
        return;
    }
    let (dir, log) = log_with(2);
    let file = dir.path().join("verify_audit.py");
    std::fs::write(&file, script).unwrap();
    let out = python(&[s(&file), s(&log)]).unwrap();
    let head = stdout(&audit_verify(&log, &[])).trim().to_owned();
    assert_eq!(
        stdout(&out).trim(),
        format!("intact; head {head}"),
        "{}",
        stderr(&out)
    );
    let mut l = lines(&log);
    l[1] = l[1].replacen("\"check\"", "\"chock\"", 1);
    std::fs::write(&log, l.concat()).unwrap();
    let out = python(&[s(&file), s(&log)]).unwrap();
    assert_eq!(stdout(&out).trim(), "line 2: edited");
}

#[test]
fn a_damaged_log_stops_a_deploy_target_before_it_consumes_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let gate_log = dir.path().join("gate.jsonl");
    let token = stdout(&issue(&gate_log)).trim().to_owned();
    let target_log = dir.path().join("target.jsonl");
    let replay = dir.path().join("replay.jsonl");
    let verify = || {
        run(&[
            "verify",
            "--keys",
            "keys/gate.jwks.json",
            "--audience",
            "staging",
            "--replay-db",
            s(&replay),
            "--audit-log",
            s(&target_log),
            &token,
        ])
    };
    std::fs::write(&target_log, b"{\"v\":1,\"seq\":1").unwrap();
    let out = verify();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(!replay.exists(), "the token's jti was not consumed");
    assert_eq!(code(&run(&["audit", "repair", s(&target_log)])), 0);
    let out = verify();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let recs = records(&target_log);
    assert_eq!(recs.last().unwrap().decision.as_str(), "verified");
}

/// `issue` of a release against the staging policy, recording into `log`.
fn issue_release(log: &Path, release: &str) -> Output {
    run(&[
        "issue",
        "--policy",
        STAGING,
        "--release",
        release,
        "--approvals",
        APPROVALS,
        "--key",
        "keys/gate.key",
        "--audit-log",
        s(log),
    ])
}

/// A real log written by the CLI with the gate key: a denied release, then the good one
/// issued. Line 1 is the signed `issue` deny.
fn signed_log_with_a_deny() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    assert_eq!(code(&issue_release(&log, FAILING)), 1);
    assert_eq!(code(&check(&log)), 0);
    assert_eq!(code(&issue_release(&log, RELEASE)), 0);
    (dir, log)
}

/// Rewrites a log as an attacker with write access but no key would: `edit` each record's
/// body, optionally drop its `sig`, then recompute every `prev` and `hash` so the chain is
/// consistent again.
fn rewrite(log: &Path, drop_sigs: bool, edit: impl Fn(usize, String) -> String) -> String {
    let mut prev = "0".repeat(64);
    let mut out = String::new();
    for (n, line) in std::fs::read_to_string(log).unwrap().lines().enumerate() {
        let mut body = line[..line.rfind(",\"hash\":\"").unwrap()].to_owned();
        if drop_sigs && let Some(at) = body.rfind(",\"sig\":{") {
            body.truncate(at);
        }
        let mut body = edit(n + 1, body);
        let at = body.rfind("\"prev\":\"").unwrap() + 8;
        body.replace_range(at..at + 64, &prev);
        let hash = gatepass::hash::Sha256Digest::of(body.as_bytes()).to_hex();
        let line = format!("{body},\"hash\":\"{hash}\"}}");
        prev = gatepass::hash::Sha256Digest::of(line.as_bytes()).to_hex();
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn deny_to_allow(n: usize, body: String) -> String {
    if n == 1 {
        assert!(body.contains("\"decision\":\"deny\""), "{body}");
        body.replacen("\"decision\":\"deny\"", "\"decision\":\"allow\"", 1)
    } else {
        body
    }
}

const KEYS: [&str; 2] = ["--keys", "keys/gate.jwks.json"];

#[test]
fn a_rewritten_log_with_its_signatures_dropped_fails_with_keys() {
    let (dir, log) = signed_log_with_a_deny();
    assert_eq!(code(&audit_verify(&log, &KEYS)), 0);
    let forged = dir.path().join("forged.jsonl");
    std::fs::write(&forged, rewrite(&log, true, deny_to_allow)).unwrap();
    // The chain alone cannot tell: every hash was recomputed.
    let out = audit_verify(&forged, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The key set can: `issue` signs every record it writes.
    let out = audit_verify(&forged, &KEYS);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("BROKEN at line 1: unsigned: record seq 1 is not signed"),
        "{}",
        stderr(&out)
    );
    // The report says so too, and exits 1.
    let out = run(&[
        "audit",
        "report",
        s(&forged),
        "--keys",
        "keys/gate.jwks.json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn a_stale_signature_fails_and_is_named() {
    let (dir, log) = signed_log_with_a_deny();
    let forged = dir.path().join("forged.jsonl");
    std::fs::write(&forged, rewrite(&log, false, deny_to_allow)).unwrap();
    let out = audit_verify(&forged, &KEYS);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("BROKEN at line 1: bad-signature"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "audit",
        "verify",
        s(&forged),
        "--keys",
        "keys/gate.jwks.json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["broken"]["kind"], "bad-signature");
    assert_eq!(v["broken"]["line"], 1);
}

#[test]
fn a_renamed_command_does_not_escape_signatures() {
    // An `issue` deny turned into an unsigned `check`: passes the per-command rule, but not
    // --require-signatures on a log whose gate signs everything.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let gate_key = std::fs::read_to_string(root().join("keys/gate.key")).unwrap();
    let signed = |args: &[&str]| {
        gatepass()
            .args(args)
            .env("GATEPASS_AUDIT_KEY", &gate_key)
            .output()
            .unwrap()
    };
    let mut args = vec![
        "issue",
        "--policy",
        STAGING,
        "--release",
        FAILING,
        "--approvals",
        APPROVALS,
        "--key",
        "keys/gate.key",
        "--audit-log",
        s(&log),
    ];
    assert_eq!(code(&signed(&args)), 1);
    args[4] = RELEASE;
    assert_eq!(code(&signed(&args)), 0);
    let forged = dir.path().join("forged.jsonl");
    let text = rewrite(&log, true, |n, body| {
        if n == 1 {
            body.replacen("\"command\":\"issue\"", "\"command\":\"check\"", 1)
        } else {
            body
        }
    });
    std::fs::write(&forged, text).unwrap();
    let out = audit_verify(
        &forged,
        &["--keys", "keys/gate.jwks.json", "--require-signatures"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 1: unsigned"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn require_signatures_holds_on_a_normal_log_when_the_gate_key_is_configured() {
    let gate_key = std::fs::read_to_string(root().join("keys/gate.key")).unwrap();
    // The audit key in $GATEPASS_AUDIT_KEY, or only the gate key in $GATEPASS_SIGNING_KEY.
    for var in ["GATEPASS_AUDIT_KEY", "GATEPASS_SIGNING_KEY"] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        let with_key = |args: &[&str]| {
            let o = gatepass().args(args).env(var, &gate_key).output().unwrap();
            (code(&o), stdout(&o), stderr(&o))
        };
        let log_arg = s(&log);
        let gate = |cmd: &'static str, release: &'static str| {
            let mut a = vec![
                cmd,
                "--policy",
                STAGING,
                "--release",
                release,
                "--approvals",
                APPROVALS,
                "--audit-log",
                log_arg,
            ];
            if cmd == "issue" && var == "GATEPASS_AUDIT_KEY" {
                a.extend(["--key", "keys/gate.key"]);
            }
            a
        };
        assert_eq!(with_key(&gate("check", FAILING)).0, 1);
        assert_eq!(with_key(&gate("check", RELEASE)).0, 0);
        assert_eq!(with_key(&gate("issue", FAILING)).0, 1);
        let (c, token, err) = with_key(&gate("issue", RELEASE));
        assert_eq!(c, 0, "{err}");
        let token = token.trim();
        let verify = |aud: &str| {
            with_key(&[
                "verify",
                "--keys",
                "keys/gate.jwks.json",
                "--audience",
                aud,
                "--audit-log",
                log_arg,
                token,
            ])
            .0
        };
        assert_eq!(verify("staging"), 0);
        assert_eq!(verify("production"), 1);
        let (c, _, err) = with_key(&[
            "validate",
            "--policy",
            STAGING,
            "--release",
            RELEASE,
            "--metrics",
            METRICS,
            "--audit-log",
            log_arg,
        ]);
        assert_eq!(c, 0, "{err}");
        let commands: Vec<String> = records(&log)
            .iter()
            .map(|r| r.command.as_str().to_owned())
            .collect();
        assert_eq!(
            commands,
            [
                "check", "check", "issue", "issue", "verify", "verify", "validate"
            ]
        );
        let out = audit_verify(
            &log,
            &["--keys", "keys/gate.jwks.json", "--require-signatures"],
        );
        assert_eq!(code(&out), 0, "{var}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("7 record(s), 7 signed, signatures checked"),
            "{}",
            stderr(&out)
        );
    }
    // A configured key that is not a key is an error, not an unsigned record; its text is
    // never echoed.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = gatepass()
        .args([
            "check",
            "--policy",
            STAGING,
            "--release",
            RELEASE,
            "--audit-log",
            s(&log),
        ])
        .env("GATEPASS_AUDIT_KEY", "secret-not-a-key")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("GATEPASS_AUDIT_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("secret-not-a-key"),
        "{}",
        stderr(&out)
    );
    assert!(!log.exists() || std::fs::read(&log).unwrap().is_empty());
    // Without a log, the variables are not read.
    let out = gatepass()
        .args([
            "check",
            "--policy",
            STAGING,
            "--release",
            RELEASE,
            "--approvals",
            APPROVALS,
        ])
        .env("GATEPASS_AUDIT_KEY", "secret-not-a-key")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

fn checkpoint(log: &Path, out: &Path) -> Output {
    run(&[
        "audit",
        "checkpoint",
        s(log),
        "--key",
        "keys/gate.key",
        "--out",
        s(out),
    ])
}

#[test]
fn a_signed_checkpoint_detects_truncation_rewriting_and_forks() {
    let (dir, log) = log_with(2);
    let cp = dir.path().join("head.checkpoint");
    let out = checkpoint(&log, &cp);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("head 3:"), "{}", stderr(&out));
    let with_cp = ["--keys", "keys/gate.jwks.json", "--checkpoint", s(&cp)];
    let out = audit_verify(&log, &with_cp);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 checkpoint(s) matched"),
        "{}",
        stderr(&out)
    );

    // The log grows: the checkpoint still holds.
    assert_eq!(code(&check(&log)), 0);
    assert_eq!(code(&audit_verify(&log, &with_cp)), 0);
    let original = lines(&log);
    let t = dir.path().join("t.jsonl");
    let verdict = |content: String| {
        std::fs::write(&t, content).unwrap();
        let out = audit_verify(
            &t,
            &["--keys", "keys/gate.jwks.json", "--checkpoint", s(&cp)],
        );
        (code(&out), stderr(&out))
    };

    // Truncated before the checkpoint's head: an intact chain, but short.
    let (c, err) = verdict(original[..2].concat());
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("line 3: checkpoint-missing"), "{err}");
    std::fs::write(&t, original[..2].concat()).unwrap();
    assert_eq!(
        code(&audit_verify(&t, &KEYS)),
        0,
        "without it, truncation is invisible"
    );

    // Fully rewritten (every record edited, hashes recomputed, signatures dropped, `issue`
    // renamed so that no rule on signatures applies).
    let rewritten = rewrite(&log, true, |_, body| {
        body.replacen("\"command\":\"issue\"", "\"command\":\"check\"", 1)
            .replacen("\"user\":\"ci-runner\"", "\"user\":\"someone\"", 1)
    });
    std::fs::write(&t, &rewritten).unwrap();
    assert_eq!(
        code(&audit_verify(&t, &KEYS)),
        0,
        "without it, the rewrite passes"
    );
    let (c, err) = verdict(rewritten);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("line 1: checkpoint-mismatch"), "{err}");

    // A fork: the same head position, another history from record 3 on.
    let mut forked = original[..2].to_vec();
    std::fs::write(&t, forked.concat()).unwrap();
    assert_eq!(code(&check(&t)), 0);
    assert_eq!(code(&check(&t)), 0);
    forked = lines(&t);
    let (c, err) = verdict(forked.concat());
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("line 3: checkpoint-mismatch"), "{err}");

    // Another log altogether.
    let (_other_dir, other) = log_with(2);
    let (c, err) = verdict(std::fs::read_to_string(&other).unwrap());
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("line 1: checkpoint-mismatch"), "{err}");
}

#[test]
fn a_checkpoint_that_does_not_verify_is_an_error() {
    let (dir, log) = log_with(1);
    let cp = dir.path().join("head.checkpoint");
    assert_eq!(code(&checkpoint(&log, &cp)), 0);
    let jws = std::fs::read_to_string(&cp).unwrap();
    let parts: Vec<&str> = jws.trim().split('.').collect();
    assert_eq!(parts.len(), 3);
    let t = dir.path().join("t.checkpoint");
    let exit = |content: &str| {
        std::fs::write(&t, content).unwrap();
        let out = audit_verify(
            &log,
            &["--keys", "keys/gate.jwks.json", "--checkpoint", s(&t)],
        );
        assert!(
            stderr(&out).contains(&format!("checkpoint {}", t.display())),
            "{}",
            stderr(&out)
        );
        code(&out)
    };
    // Claims replaced (seq 1 instead of 2), signature kept.
    let claims = std::str::from_utf8(&gatepass::token::b64::decode(parts[1]).unwrap())
        .unwrap()
        .replacen("\"seq\":2", "\"seq\":1", 1);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        gatepass::token::b64::encode(claims.as_bytes()),
        parts[2]
    );
    assert_eq!(exit(&tampered), 2);
    // A flipped signature byte, garbage, an empty file.
    let mut sig = parts[2].to_owned();
    let c = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(0..1, c);
    assert_eq!(exit(&format!("{}.{}.{sig}", parts[0], parts[1])), 2);
    assert_eq!(exit("not a checkpoint"), 2);
    assert_eq!(exit(""), 2);
    // A deploy token is not a checkpoint.
    let token = stdout(&issue(&dir.path().join("other.jsonl")))
        .trim()
        .to_owned();
    assert_eq!(exit(&token), 2);
    // Signed by a key that is not in --keys.
    let other = dir.path().join("other");
    assert_eq!(code(&run(&["keygen", "--out", s(&other)])), 0);
    let out = run(&[
        "audit",
        "checkpoint",
        s(&log),
        "--key",
        &format!("{}.key", other.display()),
        "--keys",
        "keys/gate.jwks.json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(exit(&stdout(&out)), 2);
    // Unreadable.
    let out = audit_verify(
        &log,
        &[
            "--keys",
            "keys/gate.jwks.json",
            "--checkpoint",
            s(&dir.path().join("absent")),
        ],
    );
    assert_eq!(code(&out), 2);
    // --checkpoint needs --keys.
    assert_eq!(code(&audit_verify(&log, &["--checkpoint", s(&cp)])), 2);
}

#[test]
fn a_checkpoint_is_only_signed_for_an_intact_log() {
    let (dir, log) = log_with(1);
    let cp = dir.path().join("head.checkpoint");
    // A broken log: nothing written, exit 1.
    let mut l = lines(&log);
    l[0] = l[0].replacen("\"decision\":\"allow\"", "\"decision\":\"alloW\"", 1);
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, l.concat()).unwrap();
    let out = checkpoint(&broken, &cp);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!cp.exists());
    // An empty log, no key, an unreadable log: exit 2.
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(code(&checkpoint(&empty, &cp)), 2);
    assert_eq!(code(&run(&["audit", "checkpoint", s(&log)])), 2);
    assert_eq!(code(&checkpoint(&dir.path().join("absent.jsonl"), &cp)), 2);
    assert!(!cp.exists());
    // The key from the environment, the checkpoint on stdout.
    let out = gatepass()
        .args(["audit", "checkpoint", s(&log)])
        .env(
            "GATEPASS_SIGNING_KEY",
            std::fs::read_to_string(root().join("keys/gate.key")).unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    std::fs::write(&cp, stdout(&out)).unwrap();
    let out = audit_verify(
        &log,
        &["--keys", "keys/gate.jwks.json", "--checkpoint", s(&cp)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
