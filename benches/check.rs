//! `cargo bench --bench check`: median wall time of `gatepass check` on the summarizer example
//! (`policies/summarizer-production.toml`, `examples/summarizer/release.toml`, the signed approval records of
//! `examples/summarizer/approvals`):
//!
//! - (a) the whole library run, [`gate::run`], and within it the hashing of the release's files;
//! - (b) the evaluation alone: policy load, evidence gathering, approval collection (signature checks) and
//!   evaluation, with the release already hashed;
//! - (c) the `gatepass check` process end to end (release build), rendering included, and for scale the cost of
//!   starting any gatepass process (`gatepass --version`).
//!
//! Target: under 20 ms excluding hashing (a minus hashing, and b), and under 20 ms for the whole process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gatepass::approval::{ReleaseRef, collect};
use gatepass::evaluate::{Inputs, Outcome, evaluate};
use gatepass::gate;
use gatepass::gate::gather::gather;
use gatepass::hash::NoProgress;
use gatepass::policy::Policy;
use gatepass::release::{HashedRelease, Release};

const TARGET: Duration = Duration::from_millis(20);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn sample(iterations: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations / 10 {
        f();
    }
    median(
        (0..iterations)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// (b): everything [`gate::run`] does after hashing.
fn evaluate_hashed(
    request: &gate::Request,
    release: &HashedRelease,
    now: jiff::Timestamp,
) -> Outcome {
    let policy = Policy::load(&request.policy).unwrap();
    let tier = policy.tier_for(release.release.change, release.release.tier);
    policy
        .check_evidence_reads(release.evidence.keys().map(String::as_str), tier)
        .unwrap();
    let evidence = gather(&policy, release, tier).unwrap();
    let collected = collect(
        &policy,
        &ReleaseRef::from(release),
        &request.approvals,
        &request.exceptions,
    )
    .unwrap();
    evaluate(&Inputs {
        policy: &policy,
        release,
        evidence: &evidence,
        approvals: &collected.approvals,
        exceptions: &collected.exceptions,
        ignored: &collected.ignored,
        excluded: &[],
        now,
        phase: gatepass::vocab::Phase::PreDeploy,
    })
    .outcome
}

fn main() {
    let policy = repo("policies/summarizer-production.toml");
    let release = repo("examples/summarizer/release.toml");
    let approvals = repo("examples/summarizer/approvals");
    // A Tuesday morning in Chicago: the deploy window is open. Whether the approvals still count depends on
    // their age; what is measured is the time to decide, whatever the outcome.
    let at = "2026-11-24T16:00:00Z";
    let now: jiff::Timestamp = at.parse().unwrap();
    let request = gate::Request {
        policy: policy.clone(),
        release: release.clone(),
        approvals: vec![approvals.clone()],
        ..gate::Request::default()
    };
    let whole = gate::run(&request, now, &NoProgress).unwrap();
    assert!(whole.decision.approvals.len() + whole.decision.ignored.len() >= 2);

    let run = sample(500, || {
        black_box(gate::run(black_box(&request), now, &NoProgress).unwrap());
    });
    let hashing = sample(500, || {
        black_box(Release::load(&release).unwrap().hash(&NoProgress).unwrap());
    });
    let hashed = Release::load(&release).unwrap().hash(&NoProgress).unwrap();
    let eval = sample(500, || {
        black_box(evaluate_hashed(&request, black_box(&hashed), now));
    });

    let bin = env!("CARGO_BIN_EXE_gatepass");
    let process = sample(100, || {
        let out = Command::new(bin)
            .arg("check")
            .arg("--policy")
            .arg(&policy)
            .arg("--release")
            .arg(&release)
            .arg("--approvals")
            .arg(&approvals)
            .args(["--at", at])
            .env_remove("GITHUB_ACTIONS")
            .output()
            .unwrap();
        // 0 or 1: decided either way. 2 would mean the benchmark measures an error path.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });

    // What any gatepass process costs before it does anything: exec, dynamic linking, argument parsing.
    let startup = sample(100, || {
        let out = Command::new(bin).arg("--version").output().unwrap();
        assert!(out.status.success());
    });

    let without_hashing = run.saturating_sub(hashing);
    let verdict = |d: Duration| if d < TARGET { "PASS" } else { "FAIL" };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("gatepass check benchmark, summarizer example (median)");
    println!(
        "  (a) gate::run                          {:>8.3} ms",
        ms(run)
    );
    println!(
        "      of which hashing (load + hash)     {:>8.3} ms",
        ms(hashing)
    );
    println!(
        "      gate::run minus hashing            {:>8.3} ms   target < 20 ms  {}",
        ms(without_hashing),
        verdict(without_hashing)
    );
    println!(
        "  (b) policy, gather, collect, evaluate  {:>8.3} ms   target < 20 ms  {}",
        ms(eval),
        verdict(eval)
    );
    println!(
        "  (c) process `gatepass check`           {:>8.3} ms   target < 20 ms  {}",
        ms(process),
        verdict(process)
    );
    println!(
        "      of which process start (`--version`) {:>6.3} ms",
        ms(startup)
    );
}
