//! Issue-4 truth tables through the command line: records signed with `gatepass approve` and
//! `gatepass exception` using the demo keys, decided by `gatepass check` and `gatepass issue`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use gatepass::token::{Jwks, Verifier};

#[path = "support/cli.rs"]
mod cli;
use cli::gatepass;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ok(out: Output) -> Output {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn key(name: &str) -> PathBuf {
    repo().join("keys/approvers").join(format!("{name}.key"))
}

fn jwk(name: &str) -> String {
    repo()
        .join("keys/approvers")
        .join(format!("{name}.jwk.json"))
        .display()
        .to_string()
}

/// A copy of the passing summarizer example whose hallucination rate (0.031) misses the policy's
/// 0.02, plus a policy with a sign-off and exceptions by two release managers.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(roles: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("examples/summarizer"), dir.path());
        std::fs::remove_dir_all(dir.path().join("approvals")).unwrap();
        std::fs::create_dir(dir.path().join("approvals")).unwrap();
        let policy = format!(
            r#"id = "quorum"
environment = "production"
issuer = "gatepass:acme-ml"
[token]
ttl = "15m"
exception_ttl = "10m"
[roles]
{roles}
release-manager = {{ keys = ["{rm1}", "{rm2}"] }}
[[criteria]]
id = "hallucination-rate"
gate = "technical"
metric = {{ evidence = "eval", pointer = "/hallucination_rate", max = 0.02 }}
[[criteria]]
id = "tests-pass"
gate = "technical"
junit = {{ evidence = "tests", min_tests = 10 }}
[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{{ role = "ml-lead", count = 1 }}, {{ role = "product", count = 1 }}]
max_age = "7d"
[exceptions]
approvers = {{ role = "release-manager", count = 2 }}
max_ttl = "4h"
non_waivable = ["sign-off"]
"#,
            rm1 = jwk("rm1"),
            rm2 = jwk("rm2"),
        );
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        Self { dir }
    }

    fn standard() -> Self {
        Self::new(&format!(
            "ml-lead = {{ keys = [\"{}\"] }}\nproduct = {{ keys = [\"{}\"] }}",
            jwk("jrivera"),
            jwk("schen")
        ))
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn approve(&self, signer: &str, role: &str, approver: &str, env: &str) -> PathBuf {
        let out = self.p(&format!(
            "approvals/{approver}.{role}.{signer}.{env}.approval.jwt"
        ));
        ok(gatepass()
            .args(["approve", "--key"])
            .arg(key(signer))
            .arg("--release")
            .arg(self.p("release.toml"))
            .args([
                "--environment",
                env,
                "--role",
                role,
                "--approver",
                approver,
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap());
        out
    }

    fn except(&self, signer: &str, waive: &[&str]) -> PathBuf {
        let out = self.p(&format!("{signer}-{}.exception.jwt", waive.join("+")));
        ok(gatepass()
            .args(["exception", "--key"])
            .arg(key(signer))
            .arg("--release")
            .arg(self.p("release.toml"))
            .args(["--environment", "production", "--approver", signer])
            .args([
                "--reason",
                "INC-4471 hotfix",
                "--risk-acceptance",
                "rollback rehearsed, on-call watching",
            ])
            .arg("--waive")
            .args(waive)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap());
        out
    }

    fn decide(&self, command: &str, exceptions: &[PathBuf], extra: &[&str]) -> Output {
        let mut cmd = gatepass();
        cmd.arg(command)
            .arg("--policy")
            .arg(self.p("policy.toml"))
            .arg("--release")
            .arg(self.p("release.toml"))
            .arg("--approvals")
            .arg(self.p("approvals"));
        for e in exceptions {
            cmd.arg("--exception").arg(e);
        }
        if command == "issue" {
            cmd.arg("--key").arg(repo().join("keys/gate.key"));
        }
        cmd.args(extra).output().unwrap()
    }

    fn pass_hallucination(&self) {
        let policy = std::fs::read_to_string(self.p("policy.toml")).unwrap();
        std::fs::write(
            self.p("policy.toml"),
            policy.replace("max = 0.02", "max = 0.05"),
        )
        .unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sign_off_line(o: &Output) -> String {
    stderr(o)
        .lines()
        .find(|l| l.contains("sign-off") && (l.contains('✔') || l.contains('✘')))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn quorum_through_the_cli() {
    // 0 approvals, 1, exactly enough, and more than enough.
    let c = Case::standard();
    c.pass_hallucination();
    let out = c.decide("check", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        sign_off_line(&out).contains("ml-lead: none; product: none"),
        "{}",
        stderr(&out)
    );
    c.approve("jrivera", "ml-lead", "jrivera", "production");
    let out = c.decide("check", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("product: 0 of 1 approval(s)"),
        "{}",
        stderr(&out)
    );
    c.approve("schen", "product", "schen", "production");
    let out = c.decide("issue", &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let token = String::from_utf8(out.stdout).unwrap();
    let jwks = Jwks::from_file(&repo().join("keys/gate.jwks.json")).unwrap();
    let v = Verifier::new(jwks)
        .audience("production")
        .verify(token.trim())
        .unwrap();
    let approvers: Vec<(&str, &str)> = v
        .claims
        .approvals
        .iter()
        .map(|a| (a.role.as_str(), a.approver.as_str()))
        .collect();
    assert_eq!(approvers, [("ml-lead", "jrivera"), ("product", "schen")]);
}

#[test]
fn identities_and_bindings_through_the_cli() {
    // jrivera may approve as either role; schen only as product.
    let both = format!(
        "ml-lead = {{ keys = [\"{}\"] }}\nproduct = {{ keys = [\"{}\", \"{}\"] }}",
        jwk("jrivera"),
        jwk("jrivera"),
        jwk("schen")
    );
    let c = Case::new(&both);
    c.pass_hallucination();
    // One person in two roles counts once.
    c.approve("jrivera", "ml-lead", "jrivera", "production");
    c.approve("jrivera", "product", "jrivera", "production");
    let out = c.decide("check", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("one person counts once"),
        "{}",
        stderr(&out)
    );
    // The same key under another name is still the same person.
    c.approve("jrivera", "product", "j.rivera", "production");
    assert_eq!(c.decide("check", &[], &[]).status.code(), Some(1));
    // An approval for another environment, and one by a key the policy maps to another role.
    c.approve("schen", "product", "schen", "staging");
    c.approve("schen", "ml-lead", "schen", "production");
    let out = c.decide("check", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("approved for environment `staging`, this is `production`"),
        "{err}"
    );
    assert!(err.contains("ml-lead"), "{err}");
    // A valid product approval by schen completes the quorum, matched whatever the file order.
    let schen = c.approve("schen", "product", "schen", "production");
    assert_eq!(c.decide("check", &[], &[]).status.code(), Some(0));
    // A tampered record stops counting and is reported.
    let text = std::fs::read_to_string(&schen).unwrap();
    let mut parts: Vec<String> = text.trim().split('.').map(str::to_owned).collect();
    let payload = gatepass::token::b64::decode(&parts[1]).unwrap();
    let edited = String::from_utf8(payload)
        .unwrap()
        .replace("\"schen\"", "\"schenX\"");
    parts[1] = gatepass::token::b64::encode(edited.as_bytes());
    std::fs::write(&schen, parts.join(".")).unwrap();
    let out = c.decide("check", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad signature"), "{}", stderr(&out));
    // A changed evidence byte: every earlier approval stops counting (stale digest).
    let c = Case::standard();
    c.pass_hallucination();
    c.approve("jrivera", "ml-lead", "jrivera", "production");
    c.approve("schen", "product", "schen", "production");
    assert_eq!(c.decide("check", &[], &[]).status.code(), Some(0));
    let eval = c.p("evidence/eval.json");
    let text = std::fs::read_to_string(&eval).unwrap();
    std::fs::write(&eval, text.replace("0.031", "0.030")).unwrap();
    let out = c.decide("check", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("approved different bytes of support-summarizer 1.4.0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn exceptions_through_the_cli() {
    let c = Case::standard();
    c.approve("jrivera", "ml-lead", "jrivera", "production");
    c.approve("schen", "product", "schen", "production");
    // Unmet: hallucination-rate only.
    let rm1 = c.except("rm1", &["hallucination-rate"]);
    let rm2 = c.except("rm2", &["hallucination-rate"]);
    // Waiver covers every unmet criterion: an exception token.
    let out = c.decide("issue", &[rm1.clone(), rm2.clone()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("ALLOWED BY EXCEPTION"));
    let token = String::from_utf8(out.stdout).unwrap();
    let jwks = Jwks::from_file(&repo().join("keys/gate.jwks.json")).unwrap();
    let v = Verifier::new(jwks.clone())
        .audience("production")
        .verify(token.trim())
        .unwrap();
    let e = v.claims.exception.as_ref().unwrap();
    assert_eq!(e.waived, ["hallucination-rate"]);
    assert_eq!(e.approved_by, ["rm1", "rm2"]);
    assert!(v.claims.exp - v.claims.iat <= 600);
    // ... which a target can refuse.
    let jwks_file = repo().join("keys/gate.jwks.json");
    let out = gatepass()
        .args([
            "verify",
            "--keys",
            jwks_file.to_str().unwrap(),
            "--audience",
            "production",
            "--deny-exceptions",
            token.trim(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // One release manager where two are needed.
    let out = c.decide("issue", std::slice::from_ref(&rm1), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("waived by 1 of 2 required `release-manager` signer(s)"),
        "{}",
        stderr(&out)
    );
    // Expired: the same records, decided five hours later.
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(5)).to_string();
    let out = c.decide("check", &[rm1.clone(), rm2.clone()], &["--at", &later]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("expired at"), "{}", stderr(&out));
    // A waiver that misses one unmet criterion: tests-pass now needs 50 tests.
    let policy = std::fs::read_to_string(c.p("policy.toml")).unwrap();
    std::fs::write(
        c.p("policy.toml"),
        policy.replace("min_tests = 10", "min_tests = 50"),
    )
    .unwrap();
    let out = c.decide("issue", &[rm1.clone(), rm2.clone()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("✘ [technical] tests-pass"), "{err}");
    assert!(err.contains("`tests-pass` is waived by 0 of 2"), "{err}");
    // A non-waivable criterion: no sign-off, waivers naming it do not help.
    let c = Case::standard();
    c.pass_hallucination();
    let w1 = c.except("rm1", &["sign-off"]);
    let w2 = c.except("rm2", &["sign-off"]);
    let out = c.decide("issue", &[w1, w2], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`sign-off` is non-waivable"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_deployer_never_counts_through_the_cli() {
    let c = Case::standard();
    c.pass_hallucination();
    c.approve("jrivera", "ml-lead", "jrivera", "production");
    c.approve("schen", "product", "schen", "production");
    assert_eq!(c.decide("check", &[], &[]).status.code(), Some(0));
    let out = c.decide("check", &[], &["--deployer", "schen"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("schen is excluded with --deployer"),
        "{}",
        stderr(&out)
    );
    // In GitHub Actions the run's actor is excluded without a flag.
    let dir = tempfile::tempdir().unwrap();
    let (output, summary) = (dir.path().join("output"), dir.path().join("summary"));
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let mut cmd = gatepass();
    let out = cmd
        .args(["check", "--policy"])
        .arg(c.p("policy.toml"))
        .arg("--release")
        .arg(c.p("release.toml"))
        .arg("--approvals")
        .arg(c.p("approvals"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ACTOR", "jrivera")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("jrivera is the deployer (GITHUB_ACTOR)"),
        "{}",
        stderr(&out)
    );
}
