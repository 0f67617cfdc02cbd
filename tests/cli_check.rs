//! `gatepass check` and `gatepass issue` as a user runs them: exit codes (0 allowed, 1 denied, 2 could not
//! decide), what goes to stdout and stderr, tokens that verify, and a table of bad inputs that must each end in
//! exit 2 (or 1 where an unmet criterion is the honest answer) with a message naming the file and the problem.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gatepass::hash::Sha256Digest;
use gatepass::token::{Jwks, Verifier};
use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::{Out, gatepass};

/// A Tuesday, 10:00 in Chicago: the production deploy window is open.
const TUESDAY_10_CHICAGO: &str = "2026-11-24T16:00:00Z";
/// A Saturday, 10:00 in Chicago: inside the `Fri 12:00-Mon 08:00` freeze.
const SATURDAY_10_CHICAGO: &str = "2026-11-28T16:00:00Z";
/// No gatepass run on these small examples takes anywhere near this; reaching it means a hang.
const HANG: Duration = Duration::from_secs(10);

/// Every criterion of `policies/summarizer-production.toml` that `examples/summarizer-failing` does not meet,
/// except the deploy window, which depends on the time.
const FAILING_UNMET: &[&str] = &[
    "hallucination-rate",
    "category-accuracy",
    "no-critical-findings",
    "tests-pass",
    "required-artifacts",
    "rollback-tested",
    "sign-off",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn repo_file(rel: &str) -> PathBuf {
    repo().join(rel)
}

impl Out {
    /// The criterion ids listed under "unmet criteria" on stderr, as `✘ [gate] id`.
    fn unmet_ids(&self) -> Vec<String> {
        let Some((_, section)) = self.stderr.split_once("\n  unmet criteria\n") else {
            return Vec::new();
        };
        section
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("✘ ["))
            .filter_map(|l| l.split_once("] "))
            .map(|(_, id)| id.trim_end_matches(" (waived)").to_owned())
            .collect()
    }
}

/// Runs `cmd`, killing it if it does not finish within [`HANG`] (reported as exit `None`).
fn run(cmd: &mut Command) -> Out {
    cli::run_within(cmd, HANG)
}

fn check(policy: &Path, release: &Path, extra: &[&str]) -> Out {
    run(gatepass()
        .arg("check")
        .arg("--policy")
        .arg(policy)
        .arg("--release")
        .arg(release)
        .args(extra))
}

fn issue(policy: &Path, release: &Path, extra: &[&str]) -> Out {
    run(gatepass()
        .arg("issue")
        .arg("--policy")
        .arg(policy)
        .arg("--release")
        .arg(release)
        .args(extra))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A policy that `examples/summarizer` meets: the production criteria without approvals or a deploy window, so
/// the outcome does not depend on who approved or on the time of the week.
const PASSING_POLICY: &str = r#"id = "summarizer-ci"
environment = "staging"
issuer = "gatepass:test"

[token]
ttl = "15m"

[[criteria]]
id = "hallucination-rate"
gate = "technical"
metric = { evidence = "eval", pointer = "/hallucination_rate", max = 0.05 }

[[criteria]]
id = "category-accuracy"
gate = "technical"
metric = { evidence = "eval", pointer = "/categories/*/accuracy", min = 0.90 }

[[criteria]]
id = "no-critical-findings"
gate = "technical"
sarif = { evidence = "adversarial", fail_on = "critical" }

[[criteria]]
id = "tests-pass"
gate = "technical"
junit = { evidence = "tests", min_tests = 10 }

[[criteria]]
id = "required-artifacts"
gate = "technical"
present = ["eval", "adversarial", "rollback", "model_card"]

[[criteria]]
id = "input-contract"
gate = "technical"
contract = { evidence = "schema_prod", expect = "schema_eval" }

[[criteria]]
id = "rollback-tested"
gate = "operational"
metric = { evidence = "rollback", pointer = "/tested_rollback_seconds", max = 300 }
"#;

/// A temporary copy of `examples/summarizer` as `release/`, and [`PASSING_POLICY`] as `policy.toml`.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &repo_file("examples/summarizer"),
            &dir.path().join("release"),
        );
        std::fs::write(dir.path().join("policy.toml"), PASSING_POLICY).unwrap();
        Sandbox { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn policy(&self) -> PathBuf {
        self.path("policy.toml")
    }

    fn release(&self) -> PathBuf {
        self.path("release/release.toml")
    }

    /// Replaces the file or directory at `rel` (under the sandbox) with `contents`.
    fn write(&self, rel: &str, contents: &[u8]) {
        let path = self.path(rel);
        remove(&path);
        std::fs::write(path, contents).unwrap();
    }

    /// Removes whatever is at `rel`, so a test can put something else there.
    fn clear(&self, rel: &str) -> PathBuf {
        let path = self.path(rel);
        remove(&path);
        path
    }

    /// Appends a criterion to the policy.
    fn add_criterion(&self, toml: &str) {
        let mut text = std::fs::read_to_string(self.policy()).unwrap();
        text.push('\n');
        text.push_str(toml);
        std::fs::write(self.policy(), text).unwrap();
    }

    fn check(&self, extra: &[&str]) -> Out {
        check(&self.policy(), &self.release(), extra)
    }
}

fn remove(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).unwrap(),
        Ok(_) => std::fs::remove_file(path).unwrap(),
        Err(_) => {}
    }
}

/// `file:line:col` of the first occurrence of `needle` in `file`, as diagnostics print it (1-based).
fn location_of(file: &Path, needle: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{}:{line}:{col}", file.display())
}

fn production_policy() -> PathBuf {
    repo_file("policies/summarizer-production.toml")
}

fn failing_release() -> PathBuf {
    repo_file("examples/summarizer-failing/release.toml")
}

fn json_decision(out: &Out) -> Value {
    // The whole of stdout must be one JSON document: nothing else is printed there.
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", out.show()))
}

fn gate_jwks() -> Jwks {
    Jwks::from_file(&repo_file("keys/gate.jwks.json")).unwrap()
}

// ---------------------------------------------------------------------------------------------------------------
// check: exit codes and what is reported
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn failing_summarizer_lists_every_unmet_criterion_when_the_window_is_open() {
    let out = check(
        &production_policy(),
        &failing_release(),
        &["--at", TUESDAY_10_CHICAGO],
    );
    out.expect_code(1).expect_stderr("DENIED: 7 unmet criteria");
    assert_eq!(out.unmet_ids(), FAILING_UNMET, "{}", out.show());
    assert!(out.stdout.is_empty(), "{}", out.show());
    // Each unmet criterion says what was expected, what was found, and where.
    out.expect_stderr("expected: /hallucination_rate ≤ 0.05")
        .expect_stderr("found:    0.072")
        .expect_stderr("/categories/returns/accuracy = 0.861")
        .expect_stderr("promptinject.HijackHateHumans")
        .expect_stderr("test_redacts_card_numbers")
        .expect_stderr("evidence/rollback.json does not exist")
        .expect_stderr("ml-lead: none; product: none")
        .expect_stderr("✔ deploy-window")
        .expect_stderr("open at Tue 2026-11-24 10:00 CST");
}

#[test]
fn failing_summarizer_on_a_saturday_also_fails_the_window_and_says_when_it_opens() {
    let out = check(
        &production_policy(),
        &failing_release(),
        &["--at", SATURDAY_10_CHICAGO],
    );
    out.expect_code(1).expect_stderr("DENIED: 8 unmet criteria");
    let mut expected: Vec<&str> = FAILING_UNMET.to_vec();
    expected.push("deploy-window");
    assert_eq!(out.unmet_ids(), expected, "{}", out.show());
    out.expect_stderr("closed by deny range `Fri 12:00-Mon 08:00`")
        .expect_stderr("opens again Mon 2026-11-30 08:00 CST");
}

#[test]
fn pricing_fails_on_the_input_contract_and_names_the_differing_fields() {
    let out = check(
        &repo_file("policies/pricing-production.toml"),
        &repo_file("examples/pricing/release.toml"),
        &[],
    );
    out.expect_code(1)
        .expect_stderr("/quantity/unit")
        .expect_stderr("/quantity/source: the values differ (a string in both)")
        .expect_stderr("evidence/input-schema.prod.json");
    // Where the files differ, never what they hold.
    assert!(!out.stderr.contains("retail_qty"), "{}", out.show());
    assert!(
        out.unmet_ids().contains(&"input-contract".to_owned()),
        "{}",
        out.show()
    );
}

#[test]
fn json_format_prints_only_the_decision_on_stdout() {
    let out = check(
        &production_policy(),
        &failing_release(),
        &["--at", SATURDAY_10_CHICAGO, "--format", "json"],
    );
    out.expect_code(1);
    let d = json_decision(&out);
    assert_eq!(d["outcome"], "deny");
    assert_eq!(d["at"], SATURDAY_10_CHICAGO);
    assert_eq!(d["environment"], "production");
    assert_eq!(d["release"]["name"], "support-summarizer");
    assert_eq!(d["release"]["version"], "1.4.1");
    assert!(
        d["release"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(d["policy"]["id"], "summarizer-production");
    assert_eq!(d["evidence"]["rollback"], Value::Null);
    let criteria = d["criteria"].as_array().unwrap();
    let status = |id: &str| {
        criteria
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no criterion {id}"))["status"]
            .clone()
    };
    for id in FAILING_UNMET.iter().chain(&["deploy-window"]) {
        assert_eq!(status(id), "unmet", "{id}");
    }
    assert_eq!(status("input-contract"), "met");
    for c in criteria {
        for key in ["gate", "kind", "expected", "found", "files", "details"] {
            assert!(c.get(key).is_some(), "criterion lacks {key}: {c}");
        }
    }
    // The table for people still goes to stderr.
    out.expect_stderr("DENIED: 8 unmet criteria");
}

#[test]
fn a_release_meeting_every_criterion_is_allowed() {
    let sb = Sandbox::new();
    let out = sb.check(&[]);
    out.expect_code(0)
        .expect_stderr("ALLOWED: every criterion is met");
    assert!(out.stdout.is_empty(), "{}", out.show());

    let out = sb.check(&["--format", "json"]);
    out.expect_code(0);
    let d = json_decision(&out);
    assert_eq!(d["outcome"], "allow");
    assert!(
        d["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "met"),
        "{d}"
    );
}

#[test]
fn an_artifact_that_is_a_directory_is_hashed_as_a_directory() {
    let sb = Sandbox::new();
    let dir = sb.clear("release/artifacts/system-prompt.txt");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("a.txt"), "You summarize support tickets.\n").unwrap();
    std::fs::write(dir.join("nested/b.txt"), "Never reveal card numbers.\n").unwrap();
    let out = sb.check(&["--format", "json"]);
    out.expect_code(0);
    let d = json_decision(&out);
    // The scheme of docs/hashing.md: SHA-256 over `<hex>  <relative path>\n` lines sorted by path.
    let manifest = format!(
        "{}  a.txt\n{}  nested/b.txt\n",
        Sha256Digest::of(b"You summarize support tickets.\n"),
        Sha256Digest::of(b"Never reveal card numbers.\n")
    );
    assert_eq!(
        d["artifacts"]["prompt"],
        Sha256Digest::of(manifest.as_bytes()).prefixed()
    );
}

// ---------------------------------------------------------------------------------------------------------------
// issue
// ---------------------------------------------------------------------------------------------------------------

/// Checks that stdout is exactly one line holding a deploy token for the sandbox's release, and returns it.
#[track_caller]
fn assert_token_for(sb: &Sandbox, out: &Out) {
    out.expect_code(0);
    let token = out
        .stdout
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("stdout must end in a newline\n{}", out.show()));
    assert!(
        !token.is_empty() && !token.contains('\n') && token.split('.').count() == 3,
        "stdout must be exactly one line, the token\n{}",
        out.show()
    );
    let verified = Verifier::new(gate_jwks())
        .audience("staging")
        .issuer("gatepass:test")
        .verify(token)
        .unwrap_or_else(|e| panic!("issued token does not verify: {e}\n{}", out.show()));
    let decision = json_decision(&sb.check(&["--format", "json"]));
    assert_eq!(
        verified.claims.release.digest,
        decision["release"]["digest"].as_str().unwrap()
    );
    assert_eq!(verified.claims.sub, "support-summarizer@1.4.0");
    assert_eq!(
        verified.claims.artifacts["model"],
        format!(
            "sha256:{}",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        )
    );
    assert_eq!(verified.claims.exp - verified.claims.iat, 15 * 60);
    out.expect_stderr("ALLOWED")
        .expect_stderr("issued deploy token");
}

#[test]
fn issue_with_a_key_file_prints_only_a_token_that_verifies() {
    let sb = Sandbox::new();
    let out = issue(
        &sb.policy(),
        &sb.release(),
        &["--key", repo_file("keys/gate.key").to_str().unwrap()],
    );
    assert_token_for(&sb, &out);
}

#[test]
fn issue_with_the_key_in_the_environment_prints_only_a_token_that_verifies() {
    let sb = Sandbox::new();
    let pem = std::fs::read_to_string(repo_file("keys/gate.key")).unwrap();
    let out = run(gatepass()
        .env("GATEPASS_SIGNING_KEY", pem)
        .arg("issue")
        .arg("--policy")
        .arg(sb.policy())
        .arg("--release")
        .arg(sb.release()));
    assert_token_for(&sb, &out);
}

#[test]
fn issue_in_warn_mode_on_a_failing_release_exits_0_and_mints_nothing() {
    let out = issue(
        &repo_file("policies/summarizer-staging.toml"),
        &failing_release(),
        &[
            "--key",
            repo_file("keys/gate.key").to_str().unwrap(),
            "--mode",
            "warn",
        ],
    );
    out.expect_code(0).expect_stderr("WARNING");
    assert!(out.stdout.is_empty(), "{}", out.show());
    assert_eq!(out.unmet_ids(), FAILING_UNMET, "{}", out.show());
}

#[test]
fn issue_on_a_failing_release_exits_1_and_mints_nothing() {
    let out = issue(
        &repo_file("policies/summarizer-staging.toml"),
        &failing_release(),
        &["--key", repo_file("keys/gate.key").to_str().unwrap()],
    );
    out.expect_code(1).expect_stderr("DENIED: 7 unmet criteria");
    assert!(out.stdout.is_empty(), "{}", out.show());
}

#[test]
fn issue_with_a_missing_or_invalid_key_exits_2_and_never_echoes_the_key() {
    let sb = Sandbox::new();

    let missing = sb.path("no-such.key");
    let out = issue(
        &sb.policy(),
        &sb.release(),
        &["--key", missing.to_str().unwrap()],
    );
    out.expect_code(2).expect_stderr("no-such.key");
    assert!(out.stdout.is_empty());

    let out = issue(&sb.policy(), &sb.release(), &[]);
    out.expect_code(2).expect_stderr("GATEPASS_SIGNING_KEY");
    assert!(out.stdout.is_empty());

    // Secret-looking material in several broken shapes: not base64, base64 but not DER, DER of the wrong key,
    // a truncated real key. None of it may appear in the error.
    let real = std::fs::read_to_string(repo_file("keys/gate.key")).unwrap();
    let real_body: String = real.lines().filter(|l| !l.starts_with("-----")).collect();
    let bad_keys = [
        (
            "S3CR3T-not-base64!".to_owned(),
            "-----BEGIN PRIVATE KEY-----\nS3CR3T-not-base64!\n-----END PRIVATE KEY-----\n".to_owned(),
        ),
        (
            "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0".to_owned(),
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0\n-----END PRIVATE KEY-----\n"
                .to_owned(),
        ),
        (
            real_body[..real_body.len() - 8].to_owned(),
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                &real_body[..real_body.len() - 8]
            ),
        ),
        ("S3CR3T-plain-text-key".to_owned(), "S3CR3T-plain-text-key\n".to_owned()),
    ];
    for (secret, pem) in &bad_keys {
        let key = sb.path("bad.key");
        std::fs::write(&key, pem).unwrap();
        let out = issue(
            &sb.policy(),
            &sb.release(),
            &["--key", key.to_str().unwrap()],
        );
        out.expect_code(2).expect_stderr("bad.key");
        assert!(out.stdout.is_empty(), "{}", out.show());
        assert!(
            !out.stderr.contains(secret.as_str()),
            "key text echoed\n{}",
            out.show()
        );

        let out = run(gatepass()
            .env("GATEPASS_SIGNING_KEY", pem)
            .arg("issue")
            .arg("--policy")
            .arg(sb.policy())
            .arg("--release")
            .arg(sb.release()));
        out.expect_code(2).expect_stderr("GATEPASS_SIGNING_KEY");
        assert!(out.stdout.is_empty(), "{}", out.show());
        assert!(
            !out.stderr.contains(secret.as_str()),
            "key text echoed\n{}",
            out.show()
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------------------------

/// One bad input: how to break a fresh [`Sandbox`], the exit code, and what stderr must say.
struct Case {
    name: &'static str,
    /// Breaks the sandbox; returns the extra arguments for `check` and the texts stderr must contain.
    setup: fn(&Sandbox) -> Setup,
    code: i32,
}

#[derive(Default)]
struct Setup {
    policy: Option<PathBuf>,
    release: Option<PathBuf>,
    args: Vec<OsString>,
    stderr: Vec<String>,
    /// Texts stderr must contain exactly once (a cause printed twice reads as two problems).
    once: Vec<String>,
}

impl Setup {
    fn says(needles: &[&str]) -> Self {
        Setup {
            stderr: needles.iter().map(|s| (*s).to_owned()).collect(),
            ..Setup::default()
        }
    }
}

fn unmet_metric_case(sb: &Sandbox, pointer: &str) {
    sb.add_criterion(&format!(
        "[[criteria]]\nid = \"probe\"\ngate = \"technical\"\nmetric = {{ evidence = \"eval\", pointer = \"{pointer}\", max = 1 }}\n"
    ));
}

const CASES: &[Case] = &[
    Case {
        name: "missing policy file",
        code: 2,
        setup: |sb| Setup {
            policy: Some(sb.path("no-such-policy.toml")),
            once: vec!["No such file or directory".into()],
            ..Setup::says(&["no-such-policy.toml", "cannot read the policy file"])
        },
    },
    Case {
        name: "missing release file",
        code: 2,
        setup: |sb| Setup {
            release: Some(sb.path("release/no-such-release.toml")),
            once: vec!["No such file or directory".into()],
            ..Setup::says(&["no-such-release.toml", "cannot read release manifest"])
        },
    },
    Case {
        name: "policy with an unknown key",
        code: 2,
        setup: |sb| {
            let text = PASSING_POLICY.replace("ttl = \"15m\"", "ttl = \"15m\"\ntll = \"15m\"");
            std::fs::write(sb.policy(), text).unwrap();
            let at = location_of(&sb.policy(), "tll =");
            Setup::says(&[at.as_str(), "unknown key `tll`"])
        },
    },
    Case {
        name: "policy that is not TOML",
        code: 2,
        setup: |sb| {
            std::fs::write(sb.policy(), "id = \"x\"\n[[criteria]\n").unwrap();
            Setup::says(&["policy.toml:2:", "TOML"])
        },
    },
    Case {
        name: "policy that is not UTF-8",
        code: 2,
        setup: |sb| {
            std::fs::write(sb.policy(), b"id = \"caf\xe9\"\n").unwrap();
            Setup::says(&["policy.toml:1:", "not valid UTF-8"])
        },
    },
    Case {
        name: "release with an unknown key",
        code: 2,
        setup: |sb| {
            let text = std::fs::read_to_string(sb.release()).unwrap();
            std::fs::write(
                sb.release(),
                text.replace("change =", "owner = \"ml\"\nchange ="),
            )
            .unwrap();
            let at = location_of(&sb.release(), "owner =");
            Setup::says(&[at.as_str(), "unknown field `owner`"])
        },
    },
    Case {
        name: "release with a malformed sha256",
        code: 2,
        setup: |sb| {
            let text = std::fs::read_to_string(sb.release()).unwrap();
            std::fs::write(
                sb.release(),
                text.replace("sha256 = \"9f86", "sha256 = \"XX86"),
            )
            .unwrap();
            let at = location_of(&sb.release(), "\"XX86");
            Setup::says(&[
                at.as_str(),
                "`sha256` of artifact `model` is not a SHA-256 digest",
            ])
        },
    },
    Case {
        name: "release with names a policy can never refer to",
        code: 2,
        setup: |sb| {
            let text = std::fs::read_to_string(sb.release()).unwrap();
            let long = "n".repeat(65);
            std::fs::write(
                sb.release(),
                text.replace(
                    "[evidence]",
                    &format!(
                        "[evidence]\n-x = \"a.json\"\n\".x\" = \"b.json\"\n{long} = \"c.json\"\n"
                    ),
                ),
            )
            .unwrap();
            let dash = location_of(&sb.release(), "-x =");
            let dot = location_of(&sb.release(), "\".x\" =");
            let long = location_of(&sb.release(), "nnnn");
            Setup::says(&[
                dash.as_str(),
                "evidence name \"-x\" is not allowed: a name cannot start with `-`",
                dot.as_str(),
                "evidence name \".x\" is not allowed: a name cannot start with `.`",
                long.as_str(),
                "a name is at most 64 characters, this one has 65",
            ])
        },
    },
    Case {
        name: "release that is not UTF-8",
        code: 2,
        setup: |sb| {
            sb.write("release/release.toml", b"name = \"caf\xe9\"\n");
            Setup::says(&["release.toml:1:12", "not valid UTF-8"])
        },
    },
    Case {
        name: "missing artifact file",
        code: 2,
        setup: |sb| {
            sb.clear("release/artifacts/model.onnx");
            Setup::says(&["artifact `model`", "artifacts/model.onnx does not exist"])
        },
    },
    Case {
        name: "evidence path that is a directory",
        code: 2,
        setup: |sb| {
            std::fs::create_dir(sb.clear("release/evidence/eval.json")).unwrap();
            Setup::says(&["evidence `eval`", "evidence/eval.json is a directory"])
        },
    },
    Case {
        name: "malformed evidence JSON (metric)",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/eval.json",
                b"{\"hallucination_rate\": 0.01,\n",
            );
            Setup::says(&[
                "evidence `eval`",
                "evidence/eval.json",
                "is not valid JSON",
                "line 2",
            ])
        },
    },
    Case {
        name: "malformed evidence JSON (contract)",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/input-schema.prod.json",
                b"{\"fields\": [}",
            );
            Setup::says(&[
                "evidence `schema_prod`",
                "input-schema.prod.json",
                "is not valid JSON",
            ])
        },
    },
    Case {
        name: "evidence JSON nested 100 000 deep",
        code: 2,
        setup: |sb| {
            let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
            sb.write("release/evidence/eval.json", deep.as_bytes());
            Setup::says(&[
                "evidence `eval`",
                "evidence/eval.json",
                "recursion limit exceeded",
            ])
        },
    },
    Case {
        name: "evidence JSON with a duplicate key",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/eval.json",
                br#"{"hallucination_rate": 0.01, "hallucination_rate": 0.9}"#,
            );
            Setup::says(&[
                "evidence `eval`",
                "evidence/eval.json",
                "duplicate key \"hallucination_rate\"",
            ])
        },
    },
    Case {
        name: "JUnit XML nested 100 000 deep",
        code: 1,
        setup: |sb| {
            let deep = format!(
                "{}{}",
                "<testsuite>".repeat(100_000),
                "</testsuite>".repeat(100_000)
            );
            sb.write("release/evidence/junit.xml", deep.as_bytes());
            Setup::says(&[
                "✘ [technical] tests-pass",
                "0 tests run",
                "evidence/junit.xml",
            ])
        },
    },
    Case {
        name: "malformed SARIF",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/prompt-injection.sarif",
                b"{\"version\": \"2.1.0\", \"runs\": [{\"tool\":",
            );
            Setup::says(&[
                "evidence `adversarial`",
                "prompt-injection.sarif",
                "is not valid SARIF 2.1.0",
            ])
        },
    },
    Case {
        name: "JSON that is not SARIF",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/prompt-injection.sarif",
                b"{\"findings\": []}",
            );
            Setup::says(&[
                "evidence `adversarial`",
                "prompt-injection.sarif",
                "is not valid SARIF 2.1.0",
            ])
        },
    },
    Case {
        name: "malformed JUnit XML",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/junit.xml",
                b"<testsuites><testsuite name=\"x\"><testcase",
            );
            Setup::says(&["evidence `tests`", "junit.xml", "is not valid JUnit XML"])
        },
    },
    Case {
        name: "XML that is not JUnit",
        code: 2,
        setup: |sb| {
            sb.write(
                "release/evidence/junit.xml",
                b"<html><body>502 Bad Gateway</body></html>",
            );
            Setup::says(&["evidence `tests`", "junit.xml", "is not valid JUnit XML"])
        },
    },
    Case {
        name: "JSON pointer into a number",
        code: 1,
        setup: |sb| {
            unmet_metric_case(sb, "/hallucination_rate/value");
            Setup::says(&[
                "✘ [technical] probe",
                "/hallucination_rate is a number, not an object or array",
                "evidence/eval.json",
            ])
        },
    },
    Case {
        name: "JSON pointer into an array with a key",
        code: 1,
        setup: |sb| {
            sb.write(
                "release/evidence/eval.json",
                br#"{"hallucination_rate": 0.01, "categories": [{"accuracy": 0.95}]}"#,
            );
            unmet_metric_case(sb, "/categories/billing/accuracy");
            Setup::says(&[
                "✘ [technical] probe",
                "/categories is an array",
                "\"billing\" is not an index",
                "evidence/eval.json",
            ])
        },
    },
    Case {
        name: "JSON pointer to a missing key",
        code: 1,
        setup: |sb| {
            unmet_metric_case(sb, "/latency/p99");
            Setup::says(&[
                "✘ [technical] probe",
                "found:    missing",
                "evidence/eval.json",
            ])
        },
    },
    Case {
        name: "JSON value that is not a number",
        code: 1,
        setup: |sb| {
            sb.write(
                "release/evidence/eval.json",
                br#"{"hallucination_rate": "0.01", "categories": {}}"#,
            );
            Setup::says(&[
                "✘ [technical] hallucination-rate",
                "not a number: \"0.01\"",
                "evidence/eval.json",
            ])
        },
    },
    Case {
        name: "empty (0-byte) artifact",
        code: 1,
        setup: |sb| {
            sb.write("release/artifacts/system-prompt.txt", b"");
            Setup::says(&[
                "✘ [technical] artifact-integrity",
                "prompt (artifacts/system-prompt.txt): empty (0 bytes)",
            ])
        },
    },
    Case {
        name: "empty (0-byte) evidence",
        code: 1,
        setup: |sb| {
            sb.write("release/evidence/eval.json", b"");
            Setup::says(&[
                "✘ [technical] hallucination-rate",
                "✘ [technical] required-artifacts",
                "evidence `eval` is empty (evidence/eval.json, 0 bytes)",
            ])
        },
    },
    Case {
        name: "pinned artifact that changed",
        code: 1,
        setup: |sb| {
            sb.write("release/artifacts/model.onnx", b"tampered");
            Setup::says(&[
                "✘ [technical] artifact-integrity",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                Sha256Digest::of(b"tampered").to_hex().as_str(),
            ])
        },
    },
    Case {
        name: "missing evidence file",
        code: 1,
        setup: |sb| {
            sb.clear("release/evidence/rollback.json");
            Setup::says(&[
                "✘ [operational] rollback-tested",
                "✘ [technical] required-artifacts",
                "evidence/rollback.json does not exist",
            ])
        },
    },
    Case {
        name: "criterion naming evidence the release lacks",
        code: 2,
        setup: |sb| {
            sb.add_criterion("[[criteria]]\nid = \"latency\"\ngate = \"technical\"\nmetric = { evidence = \"perf\", pointer = \"/p99\", max = 1 }\n");
            let at = location_of(&sb.policy(), "\"perf\"");
            Setup::says(&[
                at.as_str(),
                "criterion `latency` needs evidence `perf`, which the release does not provide",
            ])
        },
    },
    Case {
        name: "--at that is not RFC 3339",
        code: 2,
        setup: |_| Setup {
            args: vec!["--at".into(), "next tuesday".into()],
            ..Setup::says(&["--at \"next tuesday\" is not an RFC 3339 instant"])
        },
    },
    Case {
        name: "--at without a time zone",
        code: 2,
        setup: |_| Setup {
            args: vec!["--at".into(), "2026-11-24T10:00:00".into()],
            ..Setup::says(&["is not an RFC 3339 instant"])
        },
    },
    #[cfg(unix)]
    Case {
        name: "symlink loop as artifact",
        code: 2,
        setup: |sb| {
            let a = sb.clear("release/artifacts/system-prompt.txt");
            std::os::unix::fs::symlink("loop-b", &a).unwrap();
            std::os::unix::fs::symlink("system-prompt.txt", sb.path("release/artifacts/loop-b"))
                .unwrap();
            Setup::says(&[
                "artifact `prompt`",
                "system-prompt.txt is a symbolic link loop",
            ])
        },
    },
    #[cfg(unix)]
    Case {
        name: "symlink loop as evidence",
        code: 2,
        setup: |sb| {
            let a = sb.clear("release/evidence/eval.json");
            std::os::unix::fs::symlink("eval.json", &a).unwrap();
            Setup::says(&["evidence `eval`", "eval.json is a symbolic link loop"])
        },
    },
    #[cfg(unix)]
    Case {
        name: "symlink inside an artifact directory",
        code: 2,
        setup: |sb| {
            let dir = sb.clear("release/artifacts/system-prompt.txt");
            std::fs::create_dir(&dir).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).unwrap();
            Setup::says(&[
                "artifact `prompt`",
                "system-prompt.txt/passwd is a symbolic link inside an artifact directory",
            ])
        },
    },
    #[cfg(unix)]
    Case {
        name: "FIFO as artifact",
        code: 2,
        setup: |sb| {
            mkfifo(&sb.clear("release/artifacts/system-prompt.txt"));
            Setup::says(&[
                "artifact `prompt`",
                "system-prompt.txt is a FIFO, not a regular file",
            ])
        },
    },
    #[cfg(unix)]
    Case {
        name: "FIFO as evidence",
        code: 2,
        setup: |sb| {
            mkfifo(&sb.clear("release/evidence/eval.json"));
            Setup::says(&["evidence `eval`", "eval.json is a FIFO, not a regular file"])
        },
    },
    #[cfg(unix)]
    Case {
        name: "directory as policy",
        code: 2,
        setup: |sb| {
            std::fs::create_dir(sb.clear("policy.toml")).unwrap();
            Setup::says(&["policy.toml", "directory"])
        },
    },
    #[cfg(unix)]
    Case {
        name: "non-UTF-8 file name inside an artifact directory",
        code: 2,
        setup: |sb| {
            use std::os::unix::ffi::OsStrExt as _;
            let dir = sb.clear("release/artifacts/system-prompt.txt");
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(
                dir.join(std::ffi::OsStr::from_bytes(b"prompt-\xff.txt")),
                "x",
            )
            .unwrap();
            Setup::says(&[
                "artifact `prompt`",
                "system-prompt.txt/prompt-\u{fffd}.txt has a name that is not valid UTF-8",
            ])
        },
    },
    #[cfg(unix)]
    Case {
        name: "release under a non-UTF-8 directory, with a missing artifact",
        code: 2,
        setup: |sb| {
            use std::os::unix::ffi::OsStrExt as _;
            let odd = sb.path("").join(std::ffi::OsStr::from_bytes(b"rel-\xfe"));
            std::fs::rename(sb.path("release"), &odd).unwrap();
            std::fs::remove_file(odd.join("artifacts/model.onnx")).unwrap();
            Setup {
                release: Some(odd.join("release.toml")),
                ..Setup::says(&[
                    "artifact `model`",
                    "rel-\u{fffd}/artifacts/model.onnx does not exist",
                ])
            }
        },
    },
];

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn bad_input_is_exit_2_or_an_unmet_criterion_with_a_message_naming_the_file() {
    let mut failures = Vec::new();
    for case in CASES {
        let sb = Sandbox::new();
        let setup = (case.setup)(&sb);
        let policy = setup.policy.clone().unwrap_or_else(|| sb.policy());
        let release = setup.release.clone().unwrap_or_else(|| sb.release());
        let out = run(gatepass()
            .arg("check")
            .arg("--policy")
            .arg(&policy)
            .arg("--release")
            .arg(&release)
            .args(&setup.args));
        let mut problems = Vec::new();
        if out.code != Some(case.code) {
            problems.push(format!("exit {:?}, expected {}", out.code, case.code));
        }
        if out.stderr.contains("panicked") || out.code == Some(101) {
            problems.push("panicked".to_owned());
        }
        if case.code == 2 && !out.stdout.is_empty() {
            problems.push("printed on stdout".to_owned());
        }
        for needle in &setup.stderr {
            if !out.stderr.contains(needle.as_str()) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        for needle in &setup.once {
            let n = out.stderr.matches(needle.as_str()).count();
            if n != 1 {
                problems.push(format!("stderr has {needle:?} {n} times, expected once"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "== {}: {}\n{}",
                case.name,
                problems.join("; "),
                out.show()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_non_utf8_release_path_works_and_is_named_in_the_report() {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let sb = Sandbox::new();
        let odd = sb.path("").join(std::ffi::OsStr::from_bytes(b"rel-\xfe"));
        std::fs::rename(sb.path("release"), &odd).unwrap();
        let out = check(
            &sb.policy(),
            &odd.join("release.toml"),
            &["--format", "json"],
        );
        out.expect_code(0);
        let d = json_decision(&out);
        let manifest = d["release"]["manifest"].as_str().unwrap();
        assert!(
            manifest.ends_with("rel-\u{fffd}/release.toml"),
            "{manifest}"
        );
    }
}

/// Policy and manifest files are read like any Unix tool reads its input: a named pipe is waited on, so that
/// `--policy <(vault read …)` works. (Artifacts and evidence are different: a FIFO there is refused, above.)
#[cfg(unix)]
#[test]
fn a_policy_can_come_from_a_pipe() {
    let sb = Sandbox::new();
    let fifo = sb.path("policy.fifo");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, PASSING_POLICY).unwrap())
    };
    let out = check(&fifo, &sb.release(), &[]);
    writer.join().unwrap();
    out.expect_code(0).expect_stderr("policy summarizer-ci");
}
