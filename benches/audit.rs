//! `cargo bench --bench audit`: the audit log at 100,000 records.
//!
//! - `audit verify` of a 100,000-record log (library call, and `gatepass audit verify` as a
//!   whole process): target under 1 s.
//! - 1,000 appends to an empty log against 1,000 appends to the 100,000-record log, in memory
//!   (tmpfs: the CPU and system-call cost) and on disk (with the fsync every append does):
//!   an append must cost the same whatever the log's size.
//!
//! `GATEPASS_AUDIT_BENCH_LOG=FILE` keeps a copy of the 100,000-record log.
//!
//! Records are realistic `issue` records: a full checklist, two unmet-and-waived criteria, two
//! approvals, an exception, artifacts and evidence digests, a GitHub actor, signed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::{Duration, Instant};

use gatepass::audit::record::{
    ApprovalEntry, AuditedRelease, ChecklistItem, ExceptionEntry, PolicyRef, TokenRef,
    UnmetCriterion,
};
use gatepass::audit::{Actor, AuditLog, Command, Record, Verdict, VerifyOptions, verify_log};
use gatepass::evaluate::Status;
use gatepass::hash::Sha256Digest;
use gatepass::token::SigningKey;
use gatepass::vocab::Gate;

const RECORDS: u64 = 100_000;
const APPENDS: u64 = 1_000;

fn digest(i: u64, what: &str) -> String {
    Sha256Digest::of(format!("{what}{i}").as_bytes()).prefixed()
}

fn record(i: u64) -> Record {
    let time = jiff::Timestamp::from_second(1_780_000_000 + i as i64 * 300).unwrap();
    let actor = Actor::from_vars(|k| match k {
        "GITHUB_ACTOR" => Some("jrivera".into()),
        "GITHUB_RUN_ID" => Some(format!("{}", 9_000_000 + i)),
        "GITHUB_REPOSITORY" => Some("acme/support-summarizer".into()),
        _ => None,
    });
    let mut r = Record::new(Command::Issue, Verdict::Exception, time, actor);
    r.release = Some(AuditedRelease {
        name: "support-summarizer".into(),
        version: format!("1.{}.{}", i / 100, i % 100),
        digest: digest(i, "release"),
        change: Some("prompt".into()),
        tier: Some("standard".into()),
    });
    r.environment = Some("production".into());
    r.policy = Some(PolicyRef {
        id: "summarizer-production".into(),
        digest: digest(0, "policy"),
    });
    let ids = [
        ("artifact-integrity", Gate::Technical),
        ("hallucination-rate", Gate::Technical),
        ("category-accuracy", Gate::Technical),
        ("no-critical-findings", Gate::Technical),
        ("tests-pass", Gate::Technical),
        ("required-artifacts", Gate::Technical),
        ("input-contract", Gate::Technical),
        ("rollback-tested", Gate::Operational),
        ("sign-off", Gate::Stakeholder),
        ("deploy-window", Gate::Execution),
    ];
    r.checklist = ids
        .iter()
        .map(|(id, gate)| ChecklistItem {
            id: (*id).into(),
            gate: *gate,
            status: if *id == "hallucination-rate" || *id == "deploy-window" {
                Status::Waived
            } else {
                Status::Met
            },
        })
        .collect();
    r.unmet = vec![
        UnmetCriterion {
            id: "hallucination-rate".into(),
            gate: Gate::Technical,
            status: Status::Waived,
            expected: "/hallucination_rate ≤ 0.05".into(),
            found: "0.061".into(),
            files: vec!["evidence/eval.json".into()],
        },
        UnmetCriterion {
            id: "deploy-window".into(),
            gate: Gate::Execution,
            status: Status::Waived,
            expected: "outside Fri 12:00-Mon 08:00, holiday 2026-12-25 (America/Chicago)".into(),
            found: "closed by Fri 12:00-Mon 08:00; opens again Mon 2026-11-30 08:00 CST".into(),
            files: vec![],
        },
    ];
    r.approvals = vec![
        ApprovalEntry {
            role: "ml-lead".into(),
            approver: "jrivera".into(),
            at: "2026-11-20T14:02:11Z".into(),
            source: "signed".into(),
        },
        ApprovalEntry {
            role: "product".into(),
            approver: "schen".into(),
            at: "2026-11-20T15:40:00Z".into(),
            source: "signed".into(),
        },
    ];
    r.exception = Some(ExceptionEntry {
        waived: vec!["hallucination-rate".into(), "deploy-window".into()],
        reason: "sev1 hotfix for INC-4471: summaries truncated for enterprise tenants".into(),
        risk_acceptance: "rollback rehearsed; on-call watching error rate for 2h".into(),
        approved_by: vec!["rm1".into(), "rm2".into()],
        expires: "2026-11-20T19:00:00Z".into(),
    });
    r.token = Some(TokenRef {
        jti: format!("{:022x}", i * 7919),
        exp: 1_780_000_900 + i as i64 * 300,
    });
    r.artifacts = BTreeMap::from([
        ("model".into(), digest(1, "model")),
        ("prompt".into(), digest(i, "prompt")),
    ]);
    r.evidence = [
        "eval",
        "adversarial",
        "tests",
        "rollback",
        "model_card",
        "schema_eval",
        "schema_prod",
    ]
    .iter()
    .map(|n| ((*n).to_owned(), Some(digest(i, n))))
    .collect();
    r
}

/// CPU time (user + system) of this process and of its waited-for children, from
/// /proc/self/stat (Linux; zero elsewhere). Wall time on a busy machine says little; CPU time
/// says what the work costs.
fn cpu_times() -> (Duration, Duration) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (Duration::ZERO, Duration::ZERO);
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime, stime, cutime, cstime are fields 14-17 of the line: 12-15 after the name.
    let tick = |t: u64| Duration::from_millis(t * 10);
    (tick(f[11] + f[12]), tick(f[13] + f[14]))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Appends `count` records to `log`, returning the mean time per append.
fn appends(log: &AuditLog, from: u64, count: u64, key: &SigningKey) -> Duration {
    let t = Instant::now();
    for i in from..from + count {
        log.append(record(i), Some(key)).unwrap();
    }
    t.elapsed() / count as u32
}

/// Where verification time goes, single-threaded: reading and splitting lines, SHA-256 of
/// every line, and JSON validation of every line.
fn breakdown(path: &Path) -> (Duration, Duration, Duration) {
    use sha2::Digest as _;
    let bytes = std::fs::read(path).unwrap();
    let t = Instant::now();
    let bytes2 = std::fs::read(path).unwrap();
    let n = memchr::memchr_iter(b'\n', &bytes2).count();
    std::hint::black_box(n);
    let read = t.elapsed();
    let t = Instant::now();
    for line in bytes.split(|&b| b == b'\n') {
        std::hint::black_box(sha2::Sha256::digest(line));
    }
    let hashed = t.elapsed();
    let t = Instant::now();
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde::de::IgnoredAny = serde_json::from_slice(line).unwrap();
        std::hint::black_box(v);
    }
    (read, hashed, t.elapsed())
}

fn scratch(in_memory: bool) -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if in_memory && shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
    }
}

fn main() {
    let key = SigningKey::from_seed(&[42; 32], "bench").unwrap();
    let mem = scratch(true);
    let big: PathBuf = mem.path().join("big.jsonl");
    let log = AuditLog::new(&big);
    let t = Instant::now();
    for i in 0..RECORDS {
        log.append(record(i), Some(&key)).unwrap();
    }
    let build = t.elapsed();
    let bytes = std::fs::metadata(&big).unwrap().len();
    // GATEPASS_AUDIT_BENCH_LOG=FILE keeps a copy of the log, e.g. for profiling.
    if let Some(keep) = std::env::var_os("GATEPASS_AUDIT_BENCH_LOG") {
        std::fs::copy(&big, keep).unwrap();
    }

    let verify = || {
        let t = Instant::now();
        let report = verify_log(&big, VerifyOptions::default()).unwrap();
        assert!(report.is_intact() && report.records == RECORDS);
        t.elapsed()
    };
    verify();
    let (cpu0, _) = cpu_times();
    let lib = median((0..5).map(|_| verify()).collect());
    let lib_cpu = (cpu_times().0 - cpu0) / 5;
    let (read, hashed, parsed) = breakdown(&big);

    let bin = env!("CARGO_BIN_EXE_gatepass");
    let (_, child0) = cpu_times();
    let process = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let out = Process::new(bin)
                    .args(["audit", "verify"])
                    .arg(&big)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                t.elapsed()
            })
            .collect(),
    );
    let process_cpu = (cpu_times().1 - child0) / 5;

    // Appends: the same work against an empty log and against the 100,000-record log.
    let mut rows = Vec::new();
    for in_memory in [true, false] {
        let dir = scratch(in_memory);
        let empty = AuditLog::new(dir.path().join("empty.jsonl"));
        let full_path = dir.path().join("full.jsonl");
        std::fs::copy(&big, &full_path).unwrap();
        // The copy's dirty pages must not be flushed by the first timed fsync.
        std::fs::File::open(&full_path).unwrap().sync_all().unwrap();
        let full = AuditLog::new(&full_path);
        // Alternate appends one by one, so that disk and machine noise hits both alike.
        let (mut e, mut f) = (Duration::ZERO, Duration::ZERO);
        for i in 0..APPENDS {
            e += appends(&empty, i, 1, &key);
            f += appends(&full, RECORDS + i, 1, &key);
        }
        rows.push((in_memory, e / APPENDS as u32, f / APPENDS as u32));
        assert!(
            verify_log(&full_path, VerifyOptions::default())
                .unwrap()
                .is_intact()
        );
    }

    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("gatepass audit benchmark");
    println!(
        "  log: {RECORDS} signed records, {:.1} MB ({} bytes/record); built by append in {:.2} s",
        bytes as f64 / 1e6,
        bytes / RECORDS,
        build.as_secs_f64()
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "  verify_log (library, median of 5)      {:>6.0} ms wall, {:>6.0} ms CPU on {cores} core(s)   target < 1 s  {}",
        lib.as_secs_f64() * 1e3,
        lib_cpu.as_secs_f64() * 1e3,
        verdict(lib < Duration::from_secs(1))
    );
    println!(
        "  `gatepass audit verify` (process)      {:>6.0} ms wall, {:>6.0} ms CPU on {cores} core(s)   target < 1 s  {}",
        process.as_secs_f64() * 1e3,
        process_cpu.as_secs_f64() * 1e3,
        verdict(process < Duration::from_secs(1))
    );
    println!(
        "  single-threaded parts: read {:.0} ms, SHA-256 of every line {:.0} ms, JSON validation {:.0} ms",
        read.as_secs_f64() * 1e3,
        hashed.as_secs_f64() * 1e3,
        parsed.as_secs_f64() * 1e3
    );
    for (in_memory, empty, full) in rows {
        let place = if in_memory {
            "tmpfs, fsync free"
        } else {
            "disk, with fsync "
        };
        println!(
            "  append ({place}): empty log {:>8.1} µs, {RECORDS}-record log {:>8.1} µs  (ratio {:.2})",
            empty.as_secs_f64() * 1e6,
            full.as_secs_f64() * 1e6,
            full.as_secs_f64() / empty.as_secs_f64()
        );
    }
}
