//! `gatepass approve` and `gatepass exception` as approvers run them: the summary shown before
//! signing, the record written, that it verifies and counts under a policy, and exit 2 with a
//! clear message on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use gatepass::approval::{self, ApprovalRecord, ExceptionRecord, ReleaseRef};
use gatepass::hash::NoProgress;
use gatepass::policy::Policy;
use gatepass::release::{HashedRelease, Release};
use gatepass::token::{Jwks, SigningKey, keys};

#[path = "support/cli.rs"]
mod cli;
use cli::{gatepass_in, output as run, stderr, stdout};

struct Fixture {
    dir: tempfile::TempDir,
    release: PathBuf,
    key: SigningKey,
    key_file: PathBuf,
    public_file: PathBuf,
}

impl Fixture {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn hashed(&self) -> HashedRelease {
        Release::load(&self.release)
            .unwrap()
            .hash(&NoProgress)
            .unwrap()
    }

    fn jwks(&self) -> Jwks {
        Jwks::from_keys([self.key.public_key().clone()])
    }

    fn approve(&self) -> Command {
        self.approve_with(&[])
    }

    /// `gatepass approve` with the fixture's arguments, `overrides` replacing flags of the same name.
    fn approve_with(&self, overrides: &[(&str, &str)]) -> Command {
        let key = self.key_file.display().to_string();
        let release = self.release.display().to_string();
        self.command(
            "approve",
            &[
                ("--key", key.as_str()),
                ("--release", release.as_str()),
                ("--environment", "production"),
                ("--role", "ml-lead"),
                ("--approver", "jrivera"),
            ],
            overrides,
        )
    }

    fn exception(&self) -> Command {
        self.exception_with(&[])
    }

    /// `gatepass exception` with the fixture's arguments, `overrides` replacing flags of the same name.
    fn exception_with(&self, overrides: &[(&str, &str)]) -> Command {
        let key = self.key_file.display().to_string();
        let release = self.release.display().to_string();
        self.command(
            "exception",
            &[
                ("--key", key.as_str()),
                ("--release", release.as_str()),
                ("--environment", "production"),
                ("--waive", "deploy-window"),
                ("--reason", "hotfix for the pricing incident"),
                (
                    "--risk-acceptance",
                    "on-call ML lead watches the dashboards",
                ),
                ("--approver", "jrivera"),
            ],
            overrides,
        )
    }

    fn command(&self, sub: &str, base: &[(&str, &str)], overrides: &[(&str, &str)]) -> Command {
        let mut cmd = gatepass_in(self.path());
        cmd.arg(sub);
        for (flag, value) in base {
            let value = overrides
                .iter()
                .find(|(f, _)| f == flag)
                .map_or(*value, |(_, v)| *v);
            cmd.args([*flag, value]);
        }
        for (flag, value) in overrides {
            if !base.iter().any(|(f, _)| f == flag) {
                cmd.args([*flag, *value]);
            }
        }
        cmd
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("release/artifacts")).unwrap();
    std::fs::create_dir_all(root.join("release/evidence")).unwrap();
    std::fs::write(root.join("release/artifacts/model.onnx"), b"model weights").unwrap();
    std::fs::write(root.join("release/artifacts/prompt.txt"), b"You summarise.").unwrap();
    std::fs::write(
        root.join("release/evidence/eval.json"),
        br#"{"hallucination_rate":0.01}"#,
    )
    .unwrap();
    let release = root.join("release/release.toml");
    std::fs::write(
        &release,
        r#"name = "support-summarizer"
version = "1.4.0"
change = "prompt"

[artifacts]
model  = { path = "artifacts/model.onnx" }
prompt = { path = "artifacts/prompt.txt" }

[evidence]
eval = "evidence/eval.json"
"#,
    )
    .unwrap();
    let key = SigningKey::generate().unwrap();
    let (key_file, public_file) = keys::write_key_pair(&key, &root.join("jrivera")).unwrap();
    Fixture {
        dir,
        release,
        key,
        key_file,
        public_file,
    }
}

fn read_record(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn approve_writes_a_verifiable_record_and_shows_what_is_approved() {
    let fx = fixture();
    let out = run(fx.approve().args(["--comment", "eval reviewed"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let name = "support-summarizer-1.4.0.production.ml-lead.jrivera.approval.jwt";
    assert_eq!(stdout(&out), format!("{name}\n"));

    let text = read_record(&fx.path().join(name));
    assert!(text.ends_with('\n'));
    let verified = ApprovalRecord::verify(&text, &fx.jwks()).unwrap();
    let hashed = fx.hashed();
    let r = verified.record;
    assert_eq!(verified.kid, fx.key.kid());
    assert_eq!(r.release, ReleaseRef::from(&hashed));
    assert_eq!(
        (r.environment.as_str(), r.role.as_str()),
        ("production", "ml-lead")
    );
    assert_eq!(r.approver, "jrivera");
    assert_eq!(r.exp, None);
    assert_eq!(r.comment.as_deref(), Some("eval reviewed"));
    assert!((jiff::Timestamp::now().as_second() - r.iat).abs() < 60);

    let err = stderr(&out);
    for expected in [
        "support-summarizer 1.4.0",
        "production",
        "ml-lead",
        "jrivera",
        "eval reviewed",
        fx.key.kid(),
        &hashed.digest().prefixed(),
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    for (name, artifact) in &hashed.artifacts {
        let digest = artifact.digest.prefixed();
        assert!(
            err.lines()
                .any(|l| l.trim_start().starts_with(name.as_str()) && l.contains(&digest)),
            "missing {name} {digest} in:\n{err}"
        );
    }
    assert!(err.contains("evidence/eval.json"));
    assert!(
        !err.contains("readable by group or others"),
        "a 0600 key gives no warning:\n{err}"
    );
    assert!(
        err.contains("warning: no --policy given, so nothing was checked"),
        "{err}"
    );
    let pem = fx.key.to_pem().unwrap();
    let body = pem.lines().nth(1).unwrap();
    assert!(!err.contains(body) && !stdout(&out).contains(body));
}

#[test]
fn approve_with_out_expires_and_conditions() {
    let fx = fixture();
    let target = fx.path().join("records/mine.jwt");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let out = run(fx
        .approve()
        .arg("--out")
        .arg(&target)
        .args(["--expires", "7d"])
        .args(["--condition", "watch the hallucination rate for 48h"])
        .args(["--condition", "roll back on any pricing error"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), target.display().to_string());
    let r = ApprovalRecord::verify(&read_record(&target), &fx.jwks())
        .unwrap()
        .record;
    assert_eq!(r.exp.map(|exp| exp - r.iat), Some(7 * 86_400));
    assert_eq!(r.conditions.map(|c| c.len()), Some(2));
    assert!(stderr(&out).contains("(in 7d)"));
}

fn write_policy(fx: &Fixture) -> PathBuf {
    let path = fx.path().join("policy.toml");
    std::fs::write(
        &path,
        format!(
            r#"id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[roles]
ml-lead = {{ keys = ["{}"] }}
release-manager = {{ keys = ["{}"] }}

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{{ role = "ml-lead", count = 1 }}]

[exceptions]
approvers = {{ role = "release-manager", count = 1 }}
max_ttl = "4h"
"#,
            fx.public_file.file_name().unwrap().to_string_lossy(),
            fx.public_file.file_name().unwrap().to_string_lossy(),
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_signed_approval_counts_until_a_byte_changes() {
    let fx = fixture();
    let dir = fx.path().join("approvals");
    std::fs::create_dir(&dir).unwrap();
    let out = run(fx.approve().arg("--out").arg(dir.join("a.approval.jwt")));
    assert!(out.status.success(), "{}", stderr(&out));
    let policy = Policy::load(write_policy(&fx)).unwrap();

    let collected = approval::collect(
        &policy,
        &ReleaseRef::from(&fx.hashed()),
        std::slice::from_ref(&dir),
        &[],
    )
    .unwrap();
    assert_eq!(collected.approvals.len(), 1, "{collected:?}");
    assert_eq!(
        collected.approvals[0].person,
        format!("key:{}", fx.key.kid())
    );

    std::fs::write(
        fx.path().join("release/evidence/eval.json"),
        br#"{"hallucination_rate":0.011}"#,
    )
    .unwrap();
    let collected = approval::collect(
        &policy,
        &ReleaseRef::from(&fx.hashed()),
        std::slice::from_ref(&dir),
        &[],
    )
    .unwrap();
    assert!(collected.approvals.is_empty());
    assert!(
        collected.ignored[0]
            .reason
            .starts_with("approved different bytes of support-summarizer 1.4.0"),
        "{:?}",
        collected.ignored
    );
}

#[test]
fn exception_writes_a_verifiable_record_with_a_4h_default() {
    let fx = fixture();
    let out = run(fx.exception().args(["--waive", "tests-pass"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let name = "support-summarizer-1.4.0.production.exception.jrivera.jwt";
    assert_eq!(stdout(&out), format!("{name}\n"));
    let text = read_record(&fx.path().join(name));
    let r = ExceptionRecord::verify(&text, &fx.jwks()).unwrap().record;
    assert_eq!(r.waive, ["deploy-window", "tests-pass"]);
    assert_eq!(r.reason, "hotfix for the pricing incident");
    assert_eq!(r.risk_acceptance, "on-call ML lead watches the dashboards");
    assert_eq!(r.exp - r.iat, 4 * 3600);
    assert_eq!(r.release, ReleaseRef::from(&fx.hashed()));
    let err = stderr(&out);
    for expected in [
        "EXCEPTION",
        "deploy-window, tests-pass",
        "hotfix for the pricing incident",
        "on-call ML lead watches the dashboards",
        "(in 4h)",
        &fx.hashed().digest().prefixed(),
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }

    let policy = Policy::load(write_policy(&fx)).unwrap();
    let collected = approval::collect(
        &policy,
        &ReleaseRef::from(&fx.hashed()),
        &[],
        &[fx.path().join(name)],
    )
    .unwrap();
    assert_eq!(collected.exceptions.len(), 1, "{collected:?}");
    assert_eq!(collected.exceptions[0].role, "release-manager");

    // Longer than the policy's max_ttl: reported, not counted.
    let long = fx.path().join("long.jwt");
    let out = run(fx.exception().args(["--expires", "8h", "--out"]).arg(&long));
    assert!(out.status.success(), "{}", stderr(&out));
    let collected =
        approval::collect(&policy, &ReleaseRef::from(&fx.hashed()), &[], &[long]).unwrap();
    assert!(collected.exceptions.is_empty());
    assert!(
        collected.ignored[0]
            .reason
            .starts_with("valid for 8h, longer than `[exceptions].max_ttl` = 4h"),
        "{:?}",
        collected.ignored
    );
}

#[test]
fn an_exposed_key_file_is_warned_about() {
    let fx = fixture();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&fx.key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(&mut fx.approve());
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("is readable by group or others (mode 644)"),
            "{}",
            stderr(&out)
        );
    }
}

/// Runs `cmd`, expects exit 2, nothing on stdout, no record written, and `message` on stderr.
fn fails_with(fx: &Fixture, cmd: &mut Command, message: &str) {
    let out = run(cmd);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(err.contains(message), "missing {message:?} in:\n{err}");
    let records: Vec<_> = std::fs::read_dir(fx.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jwt"))
        .collect();
    assert!(records.is_empty(), "a record was written: {records:?}");
}

#[test]
fn bad_inputs_exit_2_with_a_clear_message() {
    let fx = fixture();
    fails_with(
        &fx,
        &mut fx.approve_with(&[("--key", &fx.public_file.display().to_string())]),
        "this is a public key; signing needs the private key file",
    );
    fails_with(
        &fx,
        &mut fx.approve_with(&[("--key", &fx.path().join("nope.key").display().to_string())]),
        "cannot load your signing key",
    );
    fails_with(
        &fx,
        &mut fx.approve_with(&[(
            "--release",
            &fx.path().join("nope.toml").display().to_string(),
        )]),
        "cannot read release manifest",
    );
    fails_with(
        &fx,
        fx.approve().args(["--expires", "7 days"]),
        "invalid value '7 days' for '--expires <DURATION>'",
    );
    fails_with(
        &fx,
        &mut fx.approve_with(&[("--approver", " ")]),
        "--approver is empty",
    );
    fails_with(
        &fx,
        fx.approve().args(["--comment", "fine\n::error::forged"]),
        "`comment` contains control characters",
    );
    fails_with(
        &fx,
        &mut fx.exception_with(&[("--reason", "")]),
        "--reason is empty",
    );
    fails_with(
        &fx,
        fx.exception().args(["--waive", "deploy-window"]),
        "--waive deploy-window is given twice",
    );
    let mut no_waive = gatepass_in(fx.path());
    no_waive
        .arg("exception")
        .arg("--key")
        .arg(&fx.key_file)
        .arg("--release")
        .arg(&fx.release)
        .args(["--environment", "production", "--reason", "r"])
        .args(["--risk-acceptance", "a", "--approver", "rm1"]);
    fails_with(&fx, &mut no_waive, "--waive <ID>...");

    // A pinned digest that no longer matches: nothing is signed.
    std::fs::write(
        &fx.release,
        std::fs::read_to_string(&fx.release).unwrap().replace(
            r#"model  = { path = "artifacts/model.onnx" }"#,
            &format!(
                r#"model  = {{ path = "artifacts/model.onnx", sha256 = "{}" }}"#,
                gatepass::hash::Sha256Digest::of(b"other weights").to_hex()
            ),
        ),
    )
    .unwrap();
    fails_with(
        &fx,
        &mut fx.approve(),
        "does not match its pinned digests, so nothing was signed",
    );
}

#[test]
fn check_counts_records_from_approvals_and_exception_flags() {
    let fx = fixture();
    let dir = fx.path().join("approvals");
    std::fs::create_dir(&dir).unwrap();
    let policy = write_policy(&fx);
    let check = |extra: &[&str]| {
        let mut cmd = gatepass_in(fx.path());
        cmd.arg("check")
            .arg("--policy")
            .arg(&policy)
            .arg("--release")
            .arg(&fx.release)
            .args(extra);
        run(&mut cmd)
    };

    let out = check(&["--approvals", "approvals"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let signed = run(fx.approve().arg("--out").arg(dir.join("a.jwt")));
    assert!(signed.status.success(), "{}", stderr(&signed));
    std::fs::write(dir.join("notes.txt"), "not a record").unwrap();
    let out = check(&["--approvals", "approvals"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("jrivera as ml-lead"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("notes.txt") && l.contains("not a record file")),
        "{err}"
    );

    let out = check(&["--approvals", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read the approvals directory missing"),
        "{}",
        stderr(&out)
    );
    let out = check(&["--exception", "missing.jwt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read the record file missing.jwt"));

    std::fs::remove_file(&fx.public_file).unwrap();
    let out = check(&["--approvals", "approvals"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[bad-key]: cannot read key file") && err.contains("this key file"),
        "{err}"
    );
    assert!(err.contains(&policy.display().to_string()), "{err}");
}
