//! Collecting records: what counts, what is ignored and why, and what is an error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use super::*;
use crate::hash::Sha256Digest;
use crate::policy::Policy;
use crate::token::SigningKey;
use crate::token::{b64, mint};

const IAT: i64 = 1_790_000_000;

fn policy(with_exceptions: bool) -> Policy {
    let mut text = String::from(
        r#"
id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[roles]
ml-lead         = { keys = ["jrivera.jwk.json"] }
product         = { keys = ["schen.jwk.json"] }
release-manager = { keys = ["rm1.jwk.json", "rm2.jwk.json"] }

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "ml-lead", count = 1 }, { role = "product", count = 1 }]
max_age = "7d"
"#,
    );
    if with_exceptions {
        text.push_str(
            r#"
[exceptions]
approvers = { role = "release-manager", count = 2 }
max_ttl = "4h"
non_waivable = ["sign-off"]
"#,
        );
    }
    let mut policy = Policy::from_str_at(&text, "/policies/production.toml").unwrap();
    let p = people();
    let keys = [
        ("jrivera", &p.jrivera),
        ("schen", &p.schen),
        ("rm1", &p.rm1),
    ]
    .into_iter()
    .map(|(name, key)| {
        (
            std::path::PathBuf::from(format!("/policies/{name}.jwk.json")),
            key.public_key().clone(),
        )
    })
    .collect();
    policy.bind_keys(&keys).unwrap();
    policy
}

struct People {
    jrivera: SigningKey,
    schen: SigningKey,
    rm1: SigningKey,
    stranger: SigningKey,
}

fn people() -> People {
    let k = |n: u8| SigningKey::from_seed(&[n; 32], "test").unwrap();
    People {
        jrivera: k(1),
        schen: k(2),
        rm1: k(3),
        stranger: k(4),
    }
}

fn release_ref(version: &str) -> ReleaseRef {
    ReleaseRef {
        name: "support-summarizer".into(),
        version: version.into(),
        digest: Sha256Digest::of(version.as_bytes()),
    }
}

fn approval(role: &str, approver: &str) -> ApprovalRecord {
    ApprovalRecord {
        release: release_ref("1.4.0"),
        environment: "production".into(),
        role: role.into(),
        approver: approver.into(),
        iat: IAT,
        exp: Some(IAT + 86_400),
        comment: None,
        conditions: None,
        jti: mint::new_jti().unwrap(),
    }
}

fn exception(approver: &str) -> ExceptionRecord {
    ExceptionRecord {
        release: release_ref("1.4.0"),
        environment: "production".into(),
        waive: vec!["deploy-window".into()],
        reason: "hotfix".into(),
        risk_acceptance: "on-call watching".into(),
        approver: approver.into(),
        iat: IAT,
        exp: IAT + 4 * 3600,
        jti: mint::new_jti().unwrap(),
    }
}

fn check_approval(policy: &Policy, record: &str) -> Result<Approval, Ignored> {
    let _p = people();
    Collector::new(policy, release_ref("1.4.0")).approval(record, "rec")
}

fn reason(r: Result<Approval, Ignored>) -> String {
    match r {
        Err(i) => i.reason,
        Ok(a) => panic!("expected Ignored, counted {a:?}"),
    }
}

#[test]
fn a_valid_approval_counts_with_identity_links() {
    let p = people();
    let policy = policy(false);
    let jws = approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap();
    let a = check_approval(&policy, &jws).unwrap();
    assert_eq!(a.role, "ml-lead");
    assert_eq!(a.approver, "jrivera");
    assert_eq!(a.person, format!("key:{}", p.jrivera.kid()));
    assert_eq!(a.at.as_second(), IAT);
    assert_eq!(a.expires.map(|t| t.as_second()), Some(IAT + 86_400));
    assert_eq!(a.source, Source::Signed);
    assert_eq!(a.origin, "rec");
}

#[test]
fn stale_digest_names_both_versions() {
    let p = people();
    let policy = policy(false);
    let mut r = approval("ml-lead", "jrivera");
    r.release = release_ref("1.3.9");
    let got = reason(check_approval(&policy, &r.sign(&p.jrivera).unwrap()));
    let old = super::record::short_digest(&release_ref("1.3.9").digest);
    let new = super::record::short_digest(&release_ref("1.4.0").digest);
    assert_eq!(
        got,
        format!("approved support-summarizer 1.3.9 ({old}), this is 1.4.0 ({new})")
    );
}

#[test]
fn same_version_other_bytes() {
    let p = people();
    let policy = policy(false);
    let mut r = approval("ml-lead", "jrivera");
    r.release.digest = Sha256Digest::of(b"rebuilt");
    let got = reason(check_approval(&policy, &r.sign(&p.jrivera).unwrap()));
    assert!(
        got.starts_with("approved different bytes of support-summarizer 1.4.0: approved sha256:"),
        "{got}"
    );
}

#[test]
fn other_release_name_and_inconsistent_record() {
    let p = people();
    let policy = policy(false);
    let mut r = approval("ml-lead", "jrivera");
    r.release.name = "pricing-model".into();
    r.release.digest = Sha256Digest::of(b"pricing");
    let got = reason(check_approval(&policy, &r.sign(&p.jrivera).unwrap()));
    assert!(
        got.starts_with("approved pricing-model 1.4.0 (sha256:"),
        "{got}"
    );
    assert!(
        got.contains(", this is support-summarizer 1.4.0 (sha256:"),
        "{got}"
    );
    let mut r = approval("ml-lead", "jrivera");
    r.release.version = "9.9.9".into();
    let got = reason(check_approval(&policy, &r.sign(&p.jrivera).unwrap()));
    assert!(got.starts_with("inconsistent record"), "{got}");
}

#[test]
fn other_environment() {
    let p = people();
    let policy = policy(false);
    let mut r = approval("ml-lead", "jrivera");
    r.environment = "staging".into();
    assert_eq!(
        reason(check_approval(&policy, &r.sign(&p.jrivera).unwrap())),
        "approved for environment `staging`, this is `production`"
    );
}

#[test]
fn unknown_key() {
    let p = people();
    let policy = policy(false);
    let got = reason(check_approval(
        &policy,
        &approval("ml-lead", "jrivera").sign(&p.stranger).unwrap(),
    ));
    assert_eq!(
        got,
        format!(
            "unknown key: signed by key {}, which neither `[people]` nor `[roles]` of /policies/production.toml lists",
            p.stranger.kid()
        )
    );
}

#[test]
fn role_not_held() {
    let p = people();
    let policy = policy(false);
    let ignored = check_approval(
        &policy,
        &approval("ml-lead", "schen").sign(&p.schen).unwrap(),
    )
    .unwrap_err();
    assert_eq!(ignored.approver.as_deref(), Some("schen"));
    assert_eq!(
        ignored.reason,
        format!(
            "role not held: approves as `ml-lead`, but `schen` (the owner of the signing key {}) holds role `product`",
            p.schen.kid()
        )
    );
    let got = reason(check_approval(
        &policy,
        &approval("compliance", "schen").sign(&p.schen).unwrap(),
    ));
    assert!(
        got.ends_with("; the policy defines no role `compliance`"),
        "{got}"
    );
}

#[test]
fn a_record_counts_as_the_owner_of_its_key_and_must_name_them() {
    let p = people();
    let policy = policy(true);
    // The key owner is decided by the policy; a look-alike declared id is not counted.
    for declared in ["jrivera ", "jr\u{0456}vera", "j.rivera", "JRivera"] {
        let got = reason(check_approval(
            &policy,
            &approval("ml-lead", declared).sign(&p.jrivera).unwrap(),
        ));
        assert!(
            got.contains(&format!(
                "the signing key {} belongs to `jrivera`",
                p.jrivera.kid()
            )),
            "{declared:?}: {got}"
        );
        assert!(
            got.contains("only looks like `jrivera`"),
            "{declared:?}: {got}"
        );
    }
    // Declaring someone else entirely is refused too, without the look-alike note.
    let got = reason(check_approval(
        &policy,
        &approval("product", "schen").sign(&p.jrivera).unwrap(),
    ));
    assert!(
        got.starts_with("declares approver `schen`, but the signing key"),
        "{got}"
    );
    assert!(!got.contains("looks like"), "{got}");
    // Exceptions follow the same rule.
    let ignored = Collector::new(&policy, release_ref("1.4.0"))
        .exception(&exception("rm2").sign(&p.rm1).unwrap(), "exc")
        .unwrap_err();
    assert!(
        ignored.reason.contains("belongs to `rm1`"),
        "{}",
        ignored.reason
    );
}

#[test]
fn two_keys_of_one_person_are_one_person() {
    let p = people();
    let mut policy = Policy::from_str_at(
        r#"
id = "p"
environment = "production"
issuer = "i"
[people]
jrivera = { keys = ["jrivera.jwk.json", "jrivera-yubikey.jwk.json"], github = ["jrivera"] }
schen = { keys = ["schen.jwk.json"] }
[roles]
ml-lead = { people = ["jrivera", "schen"] }
[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "ml-lead", count = 2 }]
"#,
        "/policies/p.toml",
    )
    .unwrap();
    let keys = [
        ("jrivera", &p.jrivera),
        ("jrivera-yubikey", &p.stranger),
        ("schen", &p.schen),
    ]
    .into_iter()
    .map(|(n, k)| {
        (
            std::path::PathBuf::from(format!("/policies/{n}.jwk.json")),
            k.public_key().clone(),
        )
    })
    .collect();
    policy.bind_keys(&keys).unwrap();
    let collector = Collector::new(&policy, release_ref("1.4.0"));
    let laptop = collector
        .approval(
            &approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap(),
            "a",
        )
        .unwrap();
    let yubikey = collector
        .approval(
            &approval("ml-lead", "jrivera").sign(&p.stranger).unwrap(),
            "b",
        )
        .unwrap();
    assert_eq!(laptop.person, "person:jrivera");
    assert_eq!(yubikey.person, "person:jrivera");
    // A GitHub login of the same person is the same person.
    assert_eq!(policy.person_of_login("JRivera").key, "person:jrivera");
    // The same key file content under two people is refused when the keys are bound.
    let mut twice = policy.clone();
    let same = [
        ("jrivera", &p.jrivera),
        ("jrivera-yubikey", &p.stranger),
        ("schen", &p.jrivera),
    ]
    .into_iter()
    .map(|(n, k)| {
        (
            std::path::PathBuf::from(format!("/policies/{n}.jwk.json")),
            k.public_key().clone(),
        )
    })
    .collect();
    let err = twice.bind_keys(&same).unwrap_err();
    assert!(
        err.to_string().contains("is already a key of `jrivera`"),
        "{err}"
    );
}

#[test]
fn tampered_record() {
    let p = people();
    let policy = policy(false);
    let jws = approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap();
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut payload = super::record::to_json(&approval("ml-lead", "jrivera"));
    payload["release"]["digest"] = serde_json::Value::from(release_ref("1.4.0").digest.prefixed());
    payload["approver"] = serde_json::Value::from("jrivera");
    payload["environment"] = serde_json::Value::from("production");
    payload["exp"] = serde_json::Value::from(IAT + 365 * 86_400);
    parts[1] = b64::encode(payload.to_string().as_bytes());
    let ignored = check_approval(&policy, &parts.join(".")).unwrap_err();
    assert_eq!(ignored.approver.as_deref(), Some("jrivera"));
    assert_eq!(
        ignored.reason,
        "invalid signature, rejected [bad-signature]: bad signature; the record was changed after signing"
    );
    // A padded signature breaks the encoding rule.
    let padded = format!("{jws}=");
    assert!(reason(check_approval(&policy, &padded)).contains("[non-canonical-base64]"));
}

#[test]
fn malformed_records() {
    let p = people();
    let policy = policy(false);
    assert_eq!(
        reason(check_approval(&policy, "not a record")),
        "invalid record, rejected [malformed]: malformed: a compact JWS has exactly three dot-separated parts"
    );
    let bad = mint::sign_compact(
        &p.jrivera,
        mint::header(APPROVAL_TYP, p.jrivera.kid()).as_bytes(),
        br#"{"role":"ml-lead","approver":"jrivera"}"#,
    );
    let got = reason(check_approval(&policy, &bad));
    assert!(
        got.starts_with("malformed approval record: missing `iat`"),
        "{got}"
    );
    let exc = exception("rm1").sign(&p.rm1).unwrap();
    assert_eq!(
        reason(check_approval(&policy, &exc)),
        "an exception record, not an approval; pass it with --exception"
    );
}

fn check_exception(policy: &Policy, record: &str) -> Result<ExceptionGrant, Ignored> {
    let _p = people();
    Collector::new(policy, release_ref("1.4.0")).exception(record, "exc")
}

#[test]
fn exceptions() {
    let p = people();
    let policy = policy(true);
    let grant = check_exception(&policy, &exception("rm1").sign(&p.rm1).unwrap()).unwrap();
    assert_eq!(grant.role, "release-manager");
    assert_eq!(grant.waived, vec!["deploy-window".to_owned()]);
    assert_eq!(grant.expires.as_second(), IAT + 4 * 3600);
    assert_eq!(grant.person, format!("key:{}", p.rm1.kid()));

    let mut long = exception("rm1");
    long.exp = IAT + 8 * 3600;
    let ignored = check_exception(&policy, &long.sign(&p.rm1).unwrap()).unwrap_err();
    assert_eq!(
        ignored.reason,
        "valid for 8h, longer than `[exceptions].max_ttl` = 4h in /policies/production.toml; sign it again with --expires 4h or less"
    );

    let ignored =
        check_exception(&policy, &exception("jrivera").sign(&p.jrivera).unwrap()).unwrap_err();
    assert!(
        ignored
            .reason
            .starts_with("role not held: exceptions must be signed by role `release-manager`"),
        "{}",
        ignored.reason
    );

    let mut other_env = exception("rm1");
    other_env.environment = "staging".into();
    let ignored = check_exception(&policy, &other_env.sign(&p.rm1).unwrap()).unwrap_err();
    assert_eq!(
        ignored.reason,
        "excepted for environment `staging`, this is `production`"
    );

    let approval = approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap();
    assert_eq!(
        check_exception(&policy, &approval).unwrap_err().reason,
        "an approval record, not an exception; put it in an --approvals directory"
    );

    let ignored =
        check_exception(&policy_without(), &exception("rm1").sign(&p.rm1).unwrap()).unwrap_err();
    assert_eq!(ignored.approver.as_deref(), Some("rm1"));
    assert!(ignored.reason.contains("has no `[exceptions]` table"));
}

fn policy_without() -> Policy {
    policy(false)
}

#[test]
fn directories_follow_the_naming_rule() {
    let p = people();
    let policy = policy(true);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| fs::write(dir.path().join(name), text).unwrap();
    write(
        "a.approval.jwt",
        &format!(
            "{}\n",
            approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap()
        ),
    );
    write(
        "b.jwt",
        &approval("product", "schen").sign(&p.schen).unwrap(),
    );
    write("README.md", "approvals for 1.4.0");
    write(".gitkeep", "");
    write("c.jwt", "\u{0}garbage");
    fs::write(dir.path().join("d.jwt"), [0xff, 0xfe]).unwrap();
    fs::create_dir(dir.path().join("old")).unwrap();
    fs::write(
        dir.path().join("old/e.jwt"),
        approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap(),
    )
    .unwrap();

    let collector = Collector::new(&policy, release_ref("1.4.0"));
    let mut out = Collected::default();
    collector.read_approvals_dir(dir.path(), &mut out).unwrap();
    let approvers: Vec<&str> = out.approvals.iter().map(|a| a.approver.as_str()).collect();
    assert_eq!(approvers, ["jrivera", "schen"]);
    let ignored: Vec<(String, &str)> = out
        .ignored
        .iter()
        .map(|i| {
            let name = Path::new(&i.origin)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, i.reason.as_str())
        })
        .collect();
    assert_eq!(ignored.len(), 4, "{ignored:?}");
    assert_eq!(ignored[0].0, "README.md");
    assert!(ignored[0].1.starts_with("not a record file"));
    assert_eq!(ignored[1].0, "c.jwt");
    assert!(ignored[1].1.contains("[malformed]"));
    assert_eq!(
        ignored[2],
        ("d.jwt".to_owned(), "malformed: not UTF-8 text")
    );
    assert_eq!(ignored[3].0, "old");
    assert!(ignored[3].1.starts_with("a subdirectory"));
}

#[test]
fn untrusted_text_never_reaches_reports_raw() {
    let p = people();
    let policy = policy(false);
    // A key id with a line break (an unknown key, so nothing verified it).
    let header = r#"{"alg":"EdDSA","typ":"gatepass-approval+jwt","kid":"x\n::error::forged"}"#;
    let payload = r#"{"approver":"mallory\n::add-mask::x"}"#;
    let jws = mint::sign_compact(&p.stranger, header.as_bytes(), payload.as_bytes());
    let ignored = check_approval(&policy, &jws).unwrap_err();
    assert!(!ignored.reason.contains('\n'), "{}", ignored.reason);
    assert!(
        ignored.reason.contains(r#""x\n::error::forged""#),
        "{}",
        ignored.reason
    );
    assert_eq!(ignored.approver, None);
    // A signed record with a line break in a text member is malformed.
    let mut r = approval("ml-lead", "jrivera");
    r.comment = Some("fine\n::error::forged".into());
    assert!(r.sign(&p.jrivera).is_err());
    let forged = mint::sign_compact(
        &p.jrivera,
        mint::header(APPROVAL_TYP, p.jrivera.kid()).as_bytes(),
        super::record::to_json(&r).to_string().as_bytes(),
    );
    let got = reason(check_approval(&policy, &forged));
    assert!(
        got.contains("`comment` contains control characters"),
        "{got}"
    );
    // File names with control characters are reported escaped, not read.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a\nb.jwt"), "x").unwrap();
    let mut out = Collected::default();
    Collector::new(&policy, release_ref("1.4.0"))
        .read_approvals_dir(dir.path(), &mut out)
        .unwrap();
    assert!(
        out.ignored[0].origin.ends_with("a\\nb.jwt"),
        "{:?}",
        out.ignored
    );
    assert!(out.ignored[0].reason.contains("control characters"));
}

#[test]
fn io_problems_are_errors() {
    let _p = people();
    let policy = policy(true);
    let dir = tempfile::tempdir().unwrap();
    let collector = Collector::new(&policy, release_ref("1.4.0"));
    let mut out = Collected::default();
    assert!(matches!(
        collector.read_approvals_dir(&dir.path().join("missing"), &mut out),
        Err(CollectError::ReadDir { .. })
    ));
    let file = dir.path().join("x.jwt");
    fs::write(&file, "x").unwrap();
    assert!(matches!(
        collector.read_approvals_dir(&file, &mut out),
        Err(CollectError::NotADirectory { .. })
    ));
    assert!(matches!(
        collector.read_exception_file(&dir.path().join("missing.jwt"), &mut out),
        Err(CollectError::ReadFile { .. })
    ));
    assert!(matches!(
        collector.read_exception_file(dir.path(), &mut out),
        Err(CollectError::ExceptionIsDirectory { .. })
    ));
    let big = dir.path().join("big.jwt");
    fs::write(&big, vec![b'a'; 70_000]).unwrap();
    collector.read_exception_file(&big, &mut out).unwrap();
    assert!(out.ignored[0].reason.contains("too large"));
}

#[test]
fn role_keys_load_from_the_policy_and_name_the_role_on_failure() {
    let p = people();
    let dir = tempfile::tempdir().unwrap();
    let jwk = |k: &SigningKey| k.public_key().to_jwk().to_string();
    fs::write(dir.path().join("jrivera.jwk.json"), jwk(&p.jrivera)).unwrap();
    fs::write(dir.path().join("schen.jwk.json"), jwk(&p.schen)).unwrap();
    fs::write(dir.path().join("rm1.jwk.json"), jwk(&p.rm1)).unwrap();
    let text = r#"
id = "p"
environment = "production"
issuer = "i"
[roles]
ml-lead = { keys = ["jrivera.jwk.json"] }
product = { keys = ["schen.jwk.json", "jrivera.jwk.json"] }
release-manager = { keys = ["rm1.jwk.json", "rm2.jwk.json"] }
[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "ml-lead", count = 1 }]
"#;
    let policy_path = dir.path().join("policy.toml");
    fs::write(&policy_path, text).unwrap();
    let err = Policy::load(&policy_path).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 1, "{err}");
    assert_eq!(d[0].kind, crate::policy::DiagnosticKind::BadKey);
    assert_eq!((d[0].line, d[0].col), (8, 45), "{err}");
    let shown = err.to_string();
    assert!(shown.contains("rm2.jwk.json"), "{shown}");

    fs::write(dir.path().join("rm2.jwk.json"), "{\"kty\":\"RSA\"}").unwrap();
    assert!(Policy::load(&policy_path).is_err());
    fs::write(dir.path().join("rm2.jwk.json"), jwk(&p.stranger)).unwrap();
    let policy = Policy::load(&policy_path).unwrap();
    let jrivera = policy.person_of_kid(p.jrivera.kid()).unwrap();
    assert_eq!(jrivera.id, "jrivera");
    assert_eq!(policy.roles_of(jrivera), ["ml-lead", "product"]);
    assert_eq!(policy.approver_keys().len(), 4);
}

#[test]
fn collect_reads_dirs_and_exception_files() {
    let p = people();
    let policy = policy(true);
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.jwt"),
        approval("ml-lead", "jrivera").sign(&p.jrivera).unwrap(),
    )
    .unwrap();
    let exc = dir.path().join("rm1.exception.jwt");
    fs::write(&exc, exception("rm1").sign(&p.rm1).unwrap()).unwrap();
    let collector = Collector::new(&policy, release_ref("1.4.0"));
    let mut out = Collected::default();
    collector.read_approvals_dir(dir.path(), &mut out).unwrap();
    collector.read_exception_file(&exc, &mut out).unwrap();
    assert_eq!(out.approvals.len(), 1);
    assert_eq!(out.exceptions.len(), 1);
    // The exception record in the approvals directory is reported, not counted as an approval.
    assert_eq!(out.ignored.len(), 1);
    assert!(out.ignored[0].reason.starts_with("an exception record"));
}
