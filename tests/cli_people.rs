//! Separation of duties through the command line: identity comes from the policy's `[people]`,
//! never from what a record says; one person counts once; the deployer never approves or
//! excepts their own change; the policy digest covers the keys; and `approve`/`exception
//! --policy` refuse what the gate would not count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/cli.rs"]
mod cli;
use cli::{code, gatepass, stderr};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

/// `[people]` and `[roles]` in the new form, with jrivera holding two keys and a login.
fn people_form() -> String {
    format!(
        r#"[people]
jrivera = {{ keys = ["{jr}", "{jry}"], github = ["jrivera"] }}
schen   = {{ keys = ["{sc}"], github = ["schen"] }}
rm1     = {{ keys = ["{rm1}"] }}
rm2     = {{ keys = ["{rm2}"] }}
[roles]
ml-lead         = {{ people = ["jrivera"] }}
product         = {{ people = ["schen"] }}
reviewers       = {{ people = ["jrivera", "schen"] }}
release-manager = {{ people = ["rm1", "rm2"] }}
"#,
        jr = jwk("jrivera"),
        jry = jwk("jrivera-yubikey"),
        sc = jwk("schen"),
        rm1 = jwk("rm1"),
        rm2 = jwk("rm2"),
    )
}

/// The same roles in the older form: each key file is a person of its own.
fn legacy_form() -> String {
    format!(
        r#"[roles]
ml-lead         = {{ keys = ["{jr}"] }}
product         = {{ keys = ["{sc}"] }}
reviewers       = {{ keys = ["{jr}", "{jry}", "{sc}"] }}
release-manager = {{ keys = ["{rm1}", "{rm2}"] }}
"#,
        jr = jwk("jrivera"),
        jry = jwk("jrivera-yubikey"),
        sc = jwk("schen"),
        rm1 = jwk("rm1"),
        rm2 = jwk("rm2"),
    )
}

const SIGN_OFF: &str = r#"[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "ml-lead", count = 1 }, { role = "product", count = 1 }]
max_age = "7d"
"#;

const TWO_REVIEWERS: &str = r#"[[criteria]]
id = "two-reviewers"
gate = "stakeholder"
approvals = [{ role = "reviewers", count = 2 }]
"#;

/// A copy of the summarizer example (hallucination rate 0.031) with a policy of `roles` and
/// `criteria`, and an empty approvals directory.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(roles: &str, criteria: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("examples/summarizer"), dir.path());
        std::fs::remove_dir_all(dir.path().join("approvals")).unwrap();
        std::fs::create_dir(dir.path().join("approvals")).unwrap();
        let policy = format!(
            r#"id = "people"
environment = "production"
issuer = "gatepass:acme-ml"
{roles}
[[criteria]]
id = "tests-pass"
gate = "technical"
junit = {{ evidence = "tests", min_tests = 10 }}
{criteria}
[exceptions]
approvers = {{ role = "release-manager", count = 2 }}
max_ttl = "4h"
non_waivable = ["tests-pass"]
"#
        );
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        Self { dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Signs an approval with `signer`'s key, declaring `approver`, into the approvals directory.
    fn approve(&self, signer: &str, role: &str, approver: &str) {
        let n = std::fs::read_dir(self.p("approvals")).unwrap().count();
        let out = gatepass()
            .args(["approve", "--key"])
            .arg(key(signer))
            .arg("--release")
            .arg(self.p("release.toml"))
            .args(["--environment", "production", "--role", role])
            .args(["--approver", approver, "--out"])
            .arg(self.p(&format!("approvals/{n}.approval.jwt")))
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }

    fn except(&self, signer: &str, waive: &str) -> PathBuf {
        let file = self.p(&format!("{signer}.exception.jwt"));
        let out = gatepass()
            .args(["exception", "--key"])
            .arg(key(signer))
            .arg("--release")
            .arg(self.p("release.toml"))
            .args(["--environment", "production", "--approver", signer])
            .args([
                "--reason",
                "INC-4471",
                "--risk-acceptance",
                "on-call watching",
            ])
            .args(["--waive", waive, "--out"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        file
    }

    fn check(&self, extra: &[&str]) -> Command {
        let mut cmd = gatepass();
        cmd.arg("check")
            .arg("--policy")
            .arg(self.p("policy.toml"))
            .arg("--release")
            .arg(self.p("release.toml"))
            .arg("--approvals")
            .arg(self.p("approvals"))
            .args(extra);
        cmd
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

/// Item 1: a deployer holding an approver key cannot approve under a look-alike id, in either
/// form of the policy, whether the deployer is named by `--deployer` or by `GITHUB_ACTOR`.
#[test]
fn a_look_alike_approver_id_never_lets_the_deployer_approve() {
    for roles in [people_form(), legacy_form()] {
        for declared in ["jrivera ", "jr\u{0456}vera", "j.rivera", "jrivera"] {
            let case = Case::new(&roles, SIGN_OFF);
            case.approve("jrivera", "ml-lead", declared);
            case.approve("schen", "product", "schen");
            // Without a deployer, only the exact id counts.
            let out = case.check(&[]).output().unwrap();
            let expected = if declared == "jrivera" { 0 } else { 1 };
            assert_eq!(code(&out), expected, "{declared:?}\n{}", stderr(&out));
            if declared != "jrivera" {
                let err = stderr(&out);
                assert!(
                    err.contains("belongs to `jrivera`") && err.contains("only looks like"),
                    "{declared:?}\n{err}"
                );
            }
            // With jrivera deploying, it never counts.
            let by_flag = case.check(&["--deployer", "jrivera"]).output().unwrap();
            assert_eq!(code(&by_flag), 1, "{declared:?}\n{}", stderr(&by_flag));
            let by_actor = case
                .check(&[])
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_ACTOR", "jrivera")
                .env("GITHUB_OUTPUT", case.p("out.txt"))
                .env("GITHUB_STEP_SUMMARY", case.p("summary.md"))
                .output()
                .unwrap();
            assert_eq!(code(&by_actor), 1, "{declared:?}\n{}", stderr(&by_actor));
            if declared == "jrivera" {
                assert!(
                    stderr(&by_actor).contains("is the deployer (GITHUB_ACTOR)"),
                    "{}",
                    stderr(&by_actor)
                );
            }
        }
    }
}

/// A deployer named by a look-alike of a person's id (other case, a separator) is that person.
#[test]
fn a_look_alike_deployer_name_still_excludes_the_person() {
    let case = Case::new(&people_form(), SIGN_OFF);
    case.approve("jrivera", "ml-lead", "jrivera");
    case.approve("schen", "product", "schen");
    assert_eq!(code(&case.check(&[]).output().unwrap()), 0);
    for name in ["JRivera", "j.rivera", " jrivera"] {
        let out = case.check(&["--deployer", name]).output().unwrap();
        assert_eq!(code(&out), 1, "{name:?}\n{}", stderr(&out));
    }
}

/// Item 2: two keys of one person fill one slot; the older form keeps working and a quorum one
/// human could meet there is reported with a hint to use `[people]`.
#[test]
fn two_keys_of_one_person_count_once() {
    let case = Case::new(&people_form(), TWO_REVIEWERS);
    case.approve("jrivera", "reviewers", "jrivera");
    case.approve("jrivera-yubikey", "reviewers", "jrivera");
    let out = case.check(&[]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("this person already counts toward this criterion"),
        "{err}"
    );
    assert!(!err.contains("one-human-quorum"), "{err}");
    case.approve("schen", "reviewers", "schen");
    assert_eq!(code(&case.check(&[]).output().unwrap()), 0);

    // The older form: each key file is its own person, so one human with two keys meets the
    // quorum; the policy loads, and the check warns about exactly that.
    let legacy = Case::new(&legacy_form(), TWO_REVIEWERS);
    legacy.approve("jrivera", "reviewers", "jrivera");
    legacy.approve("jrivera-yubikey", "reviewers", "jrivera-yubikey");
    let out = legacy.check(&[]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains("warning[one-human-quorum]"), "{err}");
    assert!(err.contains("`[people]`"), "{err}");
}

/// Item 3: the deployer never signs their own exception.
#[test]
fn the_deployer_never_signs_their_own_exception() {
    let failing_eval = r#"[[criteria]]
id = "hallucination-rate"
gate = "technical"
metric = { evidence = "eval", pointer = "/hallucination_rate", max = 0.02 }
"#;
    let case = Case::new(&people_form(), failing_eval);
    let rm1 = case.except("rm1", "hallucination-rate");
    let rm2 = case.except("rm2", "hallucination-rate");
    let with = |deployer: Option<&str>| {
        let mut cmd = case.check(&[]);
        cmd.arg("--exception")
            .arg(&rm1)
            .arg("--exception")
            .arg(&rm2);
        if let Some(d) = deployer {
            cmd.args(["--deployer", d]);
        }
        cmd.output().unwrap()
    };
    let out = with(None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("EXCEPTION"), "{}", stderr(&out));
    let out = with(Some("rm1"));
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("never sign their own exception"),
        "the deployer's exception is reported: {err}"
    );
}

/// Item 9: the policy digest covers the public keys its key files hold.
#[test]
fn the_policy_digest_covers_the_keys() {
    let case = Case::new(&people_form(), SIGN_OFF);
    let digest = |case: &Case| {
        let out = case.check(&["--format", "json"]).output().unwrap();
        let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        d["policy"]["digest"].as_str().unwrap().to_owned()
    };
    let before = digest(&case);
    // Point schen at a copy of schen's key: the same key, the same digest.
    let keys = case.p("keys");
    std::fs::create_dir(&keys).unwrap();
    std::fs::copy(jwk("schen"), keys.join("schen.jwk.json")).unwrap();
    let policy = std::fs::read_to_string(case.p("policy.toml")).unwrap();
    let moved = policy.replace(&jwk("schen"), "keys/schen.jwk.json");
    std::fs::write(case.p("policy.toml"), &moved).unwrap();
    let same_key = digest(&case);
    assert_ne!(
        same_key, before,
        "the path as written is part of the policy file"
    );
    // Copying another key over schen's key file changes the digest, the file unchanged.
    std::fs::copy(jwk("mokafor"), keys.join("schen.jwk.json")).unwrap();
    let swapped = digest(&case);
    assert_ne!(swapped, same_key);
    // And back.
    std::fs::copy(jwk("schen"), keys.join("schen.jwk.json")).unwrap();
    assert_eq!(digest(&case), same_key);
}

/// Item 10: a policy that checks nothing before deployment for some tier is refused.
#[test]
fn a_policy_must_check_something_before_deploy_for_every_tier() {
    let post_only = r#"[[criteria]]
id = "live-error-rate"
gate = "post-deployment"
metric = { evidence = "production", pointer = "/error_rate", max = 0.01 }
"#;
    let dir = tempfile::tempdir().unwrap();
    for (criteria, tiers) in [
        (post_only.to_owned(), vec!["low", "standard", "critical"]),
        (
            format!(
                "{post_only}[[criteria]]\nid = \"t\"\ngate = \"technical\"\ntiers = [\"critical\"]\npresent = [\"eval\"]\n"
            ),
            vec!["low", "standard"],
        ),
        // A deploy window alone checks nothing about the release.
        (
            format!(
                "{post_only}[[criteria]]\nid = \"w\"\ngate = \"execution\"\nwindow = {{ timezone = \"UTC\", deny = [\"Sat 00:00-Mon 00:00\"] }}\n"
            ),
            vec!["low", "standard", "critical"],
        ),
    ] {
        let path = dir.path().join("policy.toml");
        std::fs::write(
            &path,
            format!("id = \"p\"\nenvironment = \"production\"\nissuer = \"i\"\n{criteria}"),
        )
        .unwrap();
        let out = gatepass()
            .args(["check", "--policy"])
            .arg(&path)
            .arg("--release")
            .arg(repo().join("examples/summarizer/release.toml"))
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{err}");
        for tier in ["low", "standard", "critical"] {
            let named = err.contains(&format!(
                "no criterion is checked before deployment for tier {tier}"
            ));
            assert_eq!(named, tiers.contains(&tier), "{tier}: {err}");
        }
        assert!(err.contains("error[nothing-before-deploy]"), "{err}");
        assert!(err.contains("policy.toml:4:1"), "{err}");
    }
}

/// `approve --policy` and `exception --policy` refuse, before signing, what the gate would not
/// count; without `--policy` they warn that nothing was checked.
#[test]
fn approve_and_exception_check_the_policy_when_given() {
    let case = Case::new(&people_form(), SIGN_OFF);
    let sign = |command: &str, signer: &str, args: &[&str]| {
        let mut cmd = gatepass();
        cmd.arg(command)
            .arg("--key")
            .arg(key(signer))
            .arg("--release")
            .arg(case.p("release.toml"))
            .arg("--policy")
            .arg(case.p("policy.toml"))
            .arg("--out")
            .arg(case.p("out.jwt"))
            .args(args);
        cmd.output().unwrap()
    };
    let approve = |signer: &str, env: &str, role: &str, approver: &str| {
        sign(
            "approve",
            signer,
            &["--environment", env, "--role", role, "--approver", approver],
        )
    };
    let ok = approve("jrivera-yubikey", "production", "ml-lead", "jrivera");
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(!stderr(&ok).contains("nothing was checked"));
    for (out, says) in [
        (
            approve("jrivera", "production", "ml-laed", "jrivera"),
            "--role \"ml-laed\" is not a role of the policy",
        ),
        (
            approve("jrivera", "prod", "ml-lead", "jrivera"),
            "--environment \"prod\" is not the environment of the policy",
        ),
        (
            approve("jrivera", "production", "ml-lead", "jrivera "),
            "this key belongs to `jrivera`",
        ),
        (
            approve("jrivera", "production", "product", "jrivera"),
            "`jrivera` does not hold role `product`",
        ),
        (
            approve("mokafor", "production", "ml-lead", "mokafor"),
            "is not named in the policy",
        ),
    ] {
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{says}: {}", stderr(&out));
    }
    let except = |signer: &str, waive: &str| {
        sign(
            "exception",
            signer,
            &[
                "--environment",
                "production",
                "--approver",
                signer,
                "--waive",
                waive,
                "--reason",
                "r",
                "--risk-acceptance",
                "a",
            ],
        )
    };
    assert_eq!(code(&except("rm1", "sign-off")), 0);
    for (out, says) in [
        (
            except("rm1", "test-pass"),
            "--waive \"test-pass\" is not a criterion of the policy",
        ),
        (except("rm1", "tests-pass"), "lists it as non_waivable"),
        (
            except("schen", "sign-off"),
            "`schen` does not hold role `release-manager`",
        ),
    ] {
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{says}: {}", stderr(&out));
    }
}

/// Record files named `*.jws` are read like `*.jwt`.
#[test]
fn jws_record_files_are_read() {
    let case = Case::new(&people_form(), SIGN_OFF);
    case.approve("jrivera", "ml-lead", "jrivera");
    case.approve("schen", "product", "schen");
    for entry in std::fs::read_dir(case.p("approvals")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::rename(&path, path.with_extension("jws")).unwrap();
    }
    let out = case.check(&[]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The canonical form of the policy digest in `docs/policy.md` is what the gate computes: the
/// documented Python, run on the shipped policies, prints the digest `check` reports.
#[test]
fn the_documented_policy_digest_is_reproducible() {
    let doc = std::fs::read_to_string(repo().join("docs/policy.md")).unwrap();
    let section = &doc[doc.find("## The policy digest").unwrap()..];
    let start = section.find("```python\n").unwrap() + "```python\n".len();
    let script = &section[start..start + section[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("digest.py");
    std::fs::write(&file, script).unwrap();
    for policy in [
        "policies/summarizer-production.toml",
        "policies/pricing-production.toml",
        "tests/fixtures/policy/design-example.toml",
    ] {
        let python = Command::new("python3")
            .arg(&file)
            .arg(repo().join(policy))
            .output()
            .unwrap_or_else(|e| {
                panic!("python3 is needed for this test (.ci/run installs it): {e}")
            });
        assert!(python.status.success(), "{}", stderr(&python));
        let documented = String::from_utf8(python.stdout).unwrap();
        let loaded = gatepass::policy::Policy::load(repo().join(policy)).unwrap();
        assert_eq!(documented.trim(), loaded.digest.prefixed(), "{policy}");
        assert_ne!(loaded.digest, loaded.file_digest);
    }
    let out = gatepass()
        .args(["check", "--format", "json", "--policy"])
        .arg(repo().join("policies/summarizer-staging.toml"))
        .arg("--release")
        .arg(repo().join("examples/summarizer/release.toml"))
        .output()
        .unwrap();
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let loaded =
        gatepass::policy::Policy::load(repo().join("policies/summarizer-staging.toml")).unwrap();
    assert_eq!(d["policy"]["digest"], loaded.digest.prefixed());
}

/// `approve` signs nothing for a release whose files lead outside its directory: the gate would
/// refuse to read them.
#[test]
fn approve_refuses_a_release_that_reaches_outside_its_root() {
    let case = Case::new(&people_form(), SIGN_OFF);
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("credentials.json");
    std::fs::write(&secret, "{}").unwrap();
    let manifest = std::fs::read_to_string(case.p("release.toml")).unwrap();
    std::fs::write(
        case.p("release.toml"),
        manifest.replace("evidence/eval.json", &secret.display().to_string()),
    )
    .unwrap();
    let out = gatepass()
        .args(["approve", "--key"])
        .arg(key("jrivera"))
        .arg("--release")
        .arg(case.p("release.toml"))
        .args(["--environment", "production", "--role", "ml-lead"])
        .args(["--approver", "jrivera", "--out"])
        .arg(case.p("a.jwt"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!case.p("a.jwt").exists());
}

/// A deployer is named by a person id or a GitHub login: ASCII. Anything else is refused rather
/// than compared with look-alike folding alone.
#[test]
fn a_deployer_name_that_is_not_ascii_is_refused() {
    let case = Case::new(&people_form(), SIGN_OFF);
    case.approve("jrivera", "ml-lead", "jrivera");
    case.approve("schen", "product", "schen");
    for name in [
        "jrivera\u{2060}",
        "\u{ff4a}rivera",
        "jr\u{00ed}vera",
        "jri\u{0307}vera",
        "",
    ] {
        let out = case.check(&["--deployer", name]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{name:?}: {err}");
        assert!(err.contains("is not a person id or GitHub login"), "{err}");
    }
}

/// Counted approvals name the person as the policy does, however the record spelled a login.
#[test]
fn counted_approvals_name_the_person_as_the_policy_does() {
    let case = Case::new(&people_form(), SIGN_OFF);
    case.approve("jrivera", "ml-lead", "JRivera");
    case.approve("schen", "product", "schen");
    let out = case.check(&["--format", "json"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let approvers: Vec<&str> = d["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["approver"].as_str().unwrap())
        .collect();
    assert_eq!(approvers, ["jrivera", "schen"]);
}
