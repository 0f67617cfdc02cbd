//! The binary inside a simulated GitHub Actions runner: `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`,
//! the event payload and a local mock of the REST API. Asserts on the files, stdout and stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

#[path = "support/cli.rs"]
mod cli;
use cli::{code, stderr, stdout};
#[path = "support/mock_github.rs"]
mod mock_github;
use mock_github::{Github, MERGE, RUN, TOKEN, fixture, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `gatepass` in the repository root with none of the caller's GitHub or gatepass variables.
fn gatepass() -> Command {
    cli::gatepass_in(root())
}

/// A simulated runner: temp files for outputs and the summary.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn output_file(&self) -> PathBuf {
        self.dir.path().join("github_output")
    }
    fn summary_file(&self) -> PathBuf {
        self.dir.path().join("step_summary.md")
    }
    fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.output_file())
            .env("GITHUB_STEP_SUMMARY", self.summary_file())
            .env("GITHUB_WORKSPACE", root())
    }
    /// The outputs, parsed from `name<<delimiter` blocks (each delimiter checked).
    fn outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.output_file()).unwrap_or_default();
        let mut out = BTreeMap::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let (name, delimiter) = line
                .split_once("<<")
                .unwrap_or_else(|| panic!("not a heredoc output line: {line:?}\n{text}"));
            assert!(
                delimiter.starts_with("gatepass_") && delimiter.len() == "gatepass_".len() + 32,
                "delimiter {delimiter:?}"
            );
            let mut value = Vec::new();
            loop {
                let l = lines.next().expect("unterminated output");
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            assert!(
                out.insert(name.to_owned(), value.join("\n")).is_none(),
                "{name} written twice"
            );
        }
        out
    }
    fn summary(&self) -> String {
        std::fs::read_to_string(self.summary_file()).unwrap_or_default()
    }
}

const PRODUCTION: &str = "policies/summarizer-production.toml";
const STAGING: &str = "policies/summarizer-staging.toml";
const FAILING: &str = "examples/summarizer-failing/release.toml";
const SUMMARIZER: &str = "examples/summarizer/release.toml";

#[test]
fn check_in_actions_writes_outputs_summary_and_annotations() {
    let runner = Runner::new();
    let o = runner
        .apply(gatepass().args(["check", "--policy", PRODUCTION, "--release", FAILING]))
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "stdout carries only the result");

    let out = runner.outputs();
    assert_eq!(
        out.keys().collect::<Vec<_>>(),
        ["approvers", "decision", "release-digest", "token", "unmet"]
    );
    assert_eq!(out["decision"], "deny");
    assert_eq!(out["token"], "");
    assert_eq!(out["approvers"], "[]");
    assert!(out["release-digest"].starts_with("sha256:") && out["release-digest"].len() == 71);
    let unmet: serde_json::Value = serde_json::from_str(&out["unmet"]).unwrap();
    let ids: Vec<&str> = unmet
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"hallucination-rate"), "{ids:?}");
    let hall = unmet
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "hallucination-rate")
        .unwrap();
    assert_eq!(hall["gate"], "technical");
    assert_eq!(hall["status"], "unmet");
    assert!(hall["defined_at"].as_str().unwrap().starts_with(PRODUCTION));

    let summary = runner.summary();
    assert!(summary.starts_with("## ❌ gatepass: DENIED"), "{summary}");
    assert!(summary.contains("### Technical readiness"));
    assert!(
        summary.contains("| ❌ | `hallucination-rate` |"),
        "{summary}"
    );
    assert!(summary.contains("### Unmet criteria"));
    assert!(summary.len() < 1024 * 1024);

    let err = stderr(&o);
    let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::error ")).collect();
    assert!(!annotations.is_empty() && annotations.len() <= 10, "{err}");
    assert_eq!(annotations.len(), ids.len().min(10));
    let hall = annotations
        .iter()
        .find(|a| a.contains("title=gatepass%3A hallucination-rate unmet"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        hall.starts_with("::error file=examples/summarizer-failing/evidence/eval.json,title="),
        "evidence-reading criteria point at the evidence file: {hall}"
    );
    // Messages are one line: newlines escaped.
    assert!(
        hall.contains("%0Apolicy: policies/summarizer-production.toml:"),
        "{hall}"
    );
    // Criteria without an evidence file point at their line in the policy.
    let policy_pointing = annotations
        .iter()
        .find(|a| a.contains("file=policies/summarizer-production.toml,line="))
        .unwrap_or_else(|| panic!("no annotation points at the policy: {err}"));
    assert!(policy_pointing.contains(",col="), "{policy_pointing}");
}

#[test]
fn issue_in_actions_masks_the_token_before_anything_mentions_it() {
    let runner = Runner::new();
    let o = runner
        .apply(gatepass().args([
            "issue",
            "--policy",
            STAGING,
            "--release",
            SUMMARIZER,
            "--approvals",
            "examples/summarizer/approvals",
            "--key",
            "keys/gate.key",
        ]))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let token = stdout(&o);
    assert!(token.ends_with('\n') && token.matches('\n').count() == 1);
    let token = token.trim_end();
    assert_eq!(token.split('.').count(), 3, "stdout is exactly the token");

    let err = stderr(&o);
    let first = err.find(token).expect("the mask names the token");
    let mask_line = format!("::add-mask::{token}\n");
    assert_eq!(
        err.find(&mask_line),
        Some(first - "::add-mask::".len()),
        "the first mention of the token in the log is its mask"
    );
    assert_eq!(err.matches(token).count(), 1, "{err}");
    assert!(!err.contains("::error"), "{err}");

    let out = runner.outputs();
    assert_eq!(out["token"], token);
    assert_eq!(out["decision"], "allow");
    assert_eq!(out["unmet"], "[]");
    let approvers: serde_json::Value = serde_json::from_str(&out["approvers"]).unwrap();
    assert!(!approvers.as_array().unwrap().is_empty());
    assert!(approvers[0]["role"].is_string() && approvers[0]["source"] == "signed");

    let summary = runner.summary();
    assert!(summary.starts_with("## ✅ gatepass: ALLOWED"), "{summary}");
    assert!(
        !summary.contains(token),
        "the summary never holds the token"
    );
    assert!(
        summary.contains("| Deploy token | issued: `jti`"),
        "{summary}"
    );
}

#[test]
fn no_token_reaches_the_outputs_when_the_audit_record_cannot_be_written() {
    let runner = Runner::new();
    let o = runner
        .apply(gatepass().args([
            "issue",
            "--policy",
            STAGING,
            "--release",
            SUMMARIZER,
            "--approvals",
            "examples/summarizer/approvals",
            "--key",
            "keys/gate.key",
            "--audit-log",
            "/nonexistent-dir/audit.jsonl",
        ]))
        .output()
        .unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(
        !runner.outputs().contains_key("token"),
        "{:?}",
        runner.outputs()
    );
    // One mask only: the fence's token (the line after it stops commands with it); no deploy token left
    // the gate, so none is masked.
    let err = stderr(&o);
    let masks: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .collect();
    assert_eq!(masks.len(), 1, "{err}");
    assert!(
        err.contains(&format!("::stop-commands::{}\n", masks[0])),
        "nothing to mask but the fence token: {err}"
    );
}

#[test]
fn warn_mode_reports_warnings_and_exits_zero() {
    let runner = Runner::new();
    let o = runner
        .apply(gatepass().args([
            "issue",
            "--policy",
            PRODUCTION,
            "--release",
            FAILING,
            "--key",
            "keys/gate.key",
            "--mode",
            "warn",
        ]))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let out = runner.outputs();
    assert_eq!(out["decision"], "warn");
    assert_eq!(out["token"], "");
    let err = stderr(&o);
    assert!(!err.contains("::error"), "{err}");
    assert!(
        err.lines().any(|l| l.starts_with("::warning file=")),
        "{err}"
    );
    assert!(
        runner
            .summary()
            .starts_with("## ⚠️ gatepass: WARNING (mode warn, not enforced)")
    );
}

#[test]
fn outside_actions_nothing_is_written_and_no_commands_are_printed() {
    let runner = Runner::new();
    let o = gatepass()
        .args(["check", "--policy", PRODUCTION, "--release", FAILING])
        .env("GITHUB_OUTPUT", runner.output_file())
        .env("GITHUB_STEP_SUMMARY", runner.summary_file())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(!runner.output_file().exists() && !runner.summary_file().exists());
    assert!(
        !stderr(&o).lines().any(|l| l.starts_with("::")),
        "{}",
        stderr(&o)
    );
}

/// A release whose every artifact pins its digest, and a policy that needs three GitHub roles.
fn github_release(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir.join("artifacts")).unwrap();
    std::fs::write(dir.join("artifacts/prompt.txt"), "Summarize the ticket.\n").unwrap();
    let digest = gatepass::hash::sha256_file(&dir.join("artifacts/prompt.txt")).unwrap();
    let release = dir.join("release.toml");
    std::fs::write(
        &release,
        format!(
            "name = \"support-summarizer\"\nversion = \"1.4.0\"\nchange = \"prompt\"\n[artifacts]\nprompt = {{ path = \"artifacts/prompt.txt\", sha256 = \"{}\" }}\n",
            digest.to_hex()
        ),
    )
    .unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        r#"id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[roles]
ml-lead    = { github = ["jrivera"] }
product    = { github = ["schen"] }
compliance = { github = ["@acme/compliance"] }

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [
  { role = "ml-lead", count = 1 },
  { role = "product", count = 1 },
  { role = "compliance", count = 1 },
]
"#,
    )
    .unwrap();
    (policy, release)
}

fn with_run<'c>(cmd: &'c mut Command, gh: &Github) -> &'c mut Command {
    cmd.env("GITHUB_API_URL", gh.uri())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "acme/summarizer")
        .env("GITHUB_SHA", MERGE)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_RUN_ID", RUN.to_string())
        .env("GITHUB_ACTOR", "release-bot")
        .env("GITHUB_TRIGGERING_ACTOR", "release-bot")
}

#[test]
fn github_reviews_and_environment_approvals_open_the_gate_and_a_check_run_is_published() {
    let gh = Github::start();
    gh.scenario();
    gh.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/summarizer/check-runs"))
            .and(body_partial_json(serde_json::json!({
                "name": "gatepass / production",
                "head_sha": MERGE,
                "conclusion": "success",
            })))
            .respond_with(json(201, "check-run-created.json"))
            .expect(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let runner = Runner::new();
    let mut cmd = gatepass();
    cmd.arg("check")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(&release)
        .args(["--github-approvals", "--publish-check"]);
    let o = runner.apply(with_run(&mut cmd, &gh)).output().unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains("gatepass: github: 4 approval(s) from GitHub"),
        "{err}"
    );
    assert!(
        err.contains("published the check run https://github.com/acme/summarizer/runs/30441925812")
    );

    let out = runner.outputs();
    assert_eq!(out["decision"], "allow");
    let approvers: serde_json::Value = serde_json::from_str(&out["approvers"]).unwrap();
    let mut who: Vec<(String, String)> = approvers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["approver"].as_str().unwrap().to_owned(),
                a["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    who.sort();
    assert_eq!(who.len(), 3, "one person counts once: {who:?}");
    assert_eq!(who[0], ("jrivera".to_owned(), "github-review".to_owned()));
    assert_eq!(who[2], ("schen".to_owned(), "github-review".to_owned()));
    assert_eq!(who[1].0, "mokafor");

    let summary = runner.summary();
    assert!(summary.contains("### Records not counted"), "{summary}");
    assert!(summary.contains("started this workflow run; the deployer never counts"));
    assert!(summary.contains("outsider holds no role"));
    // The GitHub token never reaches the log, the outputs or the summary.
    for text in [
        &err,
        &stdout(&o),
        &summary,
        &std::fs::read_to_string(runner.output_file()).unwrap(),
    ] {
        assert!(!text.contains(TOKEN));
    }
    gh.verify();
}

#[test]
fn a_pull_request_event_reads_its_reviews_without_a_commit_lookup() {
    let gh = Github::start();
    gh.scenario();
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let event = root().join("tests/fixtures/github/event-pull-request.json");
    let mut cmd = gatepass();
    cmd.arg("check")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(&release)
        .arg("--github-approvals");
    with_run(&mut cmd, &gh)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_SHA", "f1a2b3c4d5e6f7081920a1b2c3d4e5f607182930")
        .env("GITHUB_ACTOR", "dev-alice")
        .env("GITHUB_TRIGGERING_ACTOR", "dev-alice");
    let o = cmd.output().unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains("pull request #42 (head e5bd391, author dev-alice): 12 review(s)"),
        "{err}"
    );
    let requests = gh.requests();
    assert!(
        requests.iter().all(|r| !r.url.path().contains("/commits/")),
        "{requests:?}"
    );
}

#[test]
fn a_github_failure_is_exit_2_with_an_error_annotation_and_never_an_allow() {
    let gh = Github::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(
                ResponseTemplate::new(403)
                    .insert_header("x-ratelimit-remaining", "0")
                    .insert_header(
                        "x-ratelimit-reset",
                        (jiff::Timestamp::now().as_second() + 1800)
                            .to_string()
                            .as_str(),
                    )
                    .set_body_string(fixture("error-403-rate-limit.json")),
            ),
    );
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let runner = Runner::new();
    let mut cmd = gatepass();
    cmd.arg("issue")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(&release)
        .args([
            "--github-approvals",
            "--key",
            "keys/gate.key",
            "--mode",
            "warn",
        ]);
    let o = runner.apply(with_run(&mut cmd, &gh)).output().unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert_eq!(stdout(&o), "");
    assert!(err.contains("rate limit exhausted"), "{err}");
    assert!(err.contains("(in 30 min)"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("::error title=gatepass could not decide (exit 2)::")),
        "{err}"
    );
    assert!(
        !runner.output_file().exists(),
        "no decision output when no decision was made"
    );
    assert!(!err.contains(TOKEN));
}

#[test]
fn github_approvals_need_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let o = gatepass()
        .arg("check")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(&release)
        .arg("--github-approvals")
        .env("GITHUB_REPOSITORY", "acme/summarizer")
        .env("GITHUB_SHA", MERGE)
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--github-approvals needs a GitHub token: set GITHUB_TOKEN"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_malformed_token_is_refused_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let o = gatepass()
        .arg("check")
        .arg("--policy")
        .arg(&policy)
        .arg("--release")
        .arg(&release)
        .args(["--github-approvals", "--github-token", "ghs_secret part"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("contains spaces or control characters"),
        "{err}"
    );
    assert!(!err.contains("ghs_secret"), "{err}");
}

fn mint_staging_token() -> String {
    let o = gatepass()
        .args([
            "issue",
            "--policy",
            STAGING,
            "--release",
            SUMMARIZER,
            "--approvals",
            "examples/summarizer/approvals",
            "--key",
            "keys/gate.key",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o).trim().to_owned()
}

#[test]
fn verify_in_actions_masks_the_token_and_writes_outputs() {
    let token = mint_staging_token();
    let runner = Runner::new();
    let o = runner
        .apply(gatepass().args([
            "verify",
            "--keys",
            "keys/gate.jwks.json",
            "--audience",
            "staging",
        ]))
        .env("GATEPASS_TOKEN", &token)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(err.starts_with(&format!("::add-mask::{token}\n")), "{err}");
    assert_eq!(err.matches(&token).count(), 1);
    let out = runner.outputs();
    assert_eq!(out["decision"], "allow");
    assert_eq!(out["token"], "");
    assert!(out["release-digest"].starts_with("sha256:"));
    assert!(
        runner
            .summary()
            .starts_with("## ✅ gatepass: token verified")
    );

    let rejected = Runner::new();
    let o = rejected
        .apply(gatepass().args([
            "verify",
            "--keys",
            "keys/gate.jwks.json",
            "--audience",
            "production",
        ]))
        .env("GATEPASS_TOKEN", &token)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.starts_with(&format!("::add-mask::{token}\n")), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("::error title=gatepass%3A token rejected::")),
        "{err}"
    );
    let out = rejected.outputs();
    assert_eq!(out["decision"], "deny");
    let unmet: serde_json::Value = serde_json::from_str(&out["unmet"]).unwrap();
    assert!(unmet[0]["rule"].is_string());
}

/// Identity through GitHub: a login `[people]` lists is that person, so jrivera's review and a
/// record signed with jrivera's key count once; and the pull request's author is excluded as a
/// person, so a record signed with the author's key does not count either.
#[test]
fn a_login_and_a_key_of_one_person_count_once_and_the_author_never_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let jwk = |name: &str| {
        root()
            .join("keys/approvers")
            .join(format!("{name}.jwk.json"))
            .display()
            .to_string()
    };
    std::fs::write(
        &policy,
        format!(
            r#"id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[people]
jrivera   = {{ keys = ["{jr}"], github = ["jrivera"] }}
dev-alice = {{ keys = ["{mo}"], github = ["dev-alice"] }}
other     = {{ keys = ["{sc}"] }}
mokafor   = {{ github = ["mokafor"] }}

[roles]
reviewers  = {{ people = ["jrivera", "dev-alice", "other"] }}
compliance = {{ github = ["@acme/compliance"] }}

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{{ role = "reviewers", count = 2 }}, {{ role = "compliance", count = 1 }}]
"#,
            jr = jwk("jrivera"),
            mo = jwk("mokafor"),
            sc = jwk("schen"),
        ),
    )
    .unwrap();
    let approvals = dir.path().join("approvals");
    std::fs::create_dir(&approvals).unwrap();
    let sign = |key: &str, approver: &str| {
        let o = gatepass()
            .args(["approve", "--key"])
            .arg(root().join("keys/approvers").join(format!("{key}.key")))
            .arg("--release")
            .arg(&release)
            .args(["--environment", "production", "--role", "reviewers"])
            .args(["--approver", approver, "--out"])
            .arg(approvals.join(format!("{approver}.jwt")))
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    };
    sign("jrivera", "jrivera");
    sign("mokafor", "dev-alice");
    let decide = || {
        let gh = Github::start();
        gh.scenario();
        let runner = Runner::new();
        let mut cmd = gatepass();
        cmd.arg("check")
            .arg("--policy")
            .arg(&policy)
            .arg("--release")
            .arg(&release)
            .arg("--approvals")
            .arg(&approvals)
            .arg("--github-approvals");
        runner.apply(with_run(&mut cmd, &gh)).output().unwrap()
    };
    let o = decide();
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("reviewers: 1 of 2"), "{err}");
    assert!(
        err.contains("this person already counts toward this criterion"),
        "jrivera's record and review are one person: {err}"
    );
    assert!(
        err.contains("dev-alice is the author of the pull request"),
        "the author's signed record does not count: {err}"
    );
    sign("schen", "other");
    let o = decide();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// With `[people]`, a GitHub team counts only the logins `[people]` lists: an unlisted member
/// could be a person who also signs with a key, and would count twice.
#[test]
fn with_people_a_team_counts_only_listed_logins() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, release) = github_release(dir.path());
    let jwk = root()
        .join("keys/approvers/mokafor.jwk.json")
        .display()
        .to_string();
    let write = |people: &str| {
        std::fs::write(
            &policy,
            format!(
                r#"id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[people]
{people}

[roles]
compliance = {{ people = ["mokafor"], github = ["@acme/compliance"] }}

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{{ role = "compliance", count = 2 }}]
"#
            ),
        )
        .unwrap();
    };
    let approvals = dir.path().join("approvals");
    std::fs::create_dir(&approvals).unwrap();
    let signed = gatepass()
        .args(["approve", "--key"])
        .arg(root().join("keys/approvers/mokafor.key"))
        .arg("--release")
        .arg(&release)
        .args(["--environment", "production", "--role", "compliance"])
        .args(["--approver", "mokafor", "--out"])
        .arg(approvals.join("mokafor.jwt"))
        .output()
        .unwrap();
    assert_eq!(code(&signed), 0, "{}", stderr(&signed));
    let decide = || {
        let gh = Github::start();
        gh.scenario();
        let runner = Runner::new();
        let mut cmd = gatepass();
        cmd.arg("check")
            .arg("--policy")
            .arg(&policy)
            .arg("--release")
            .arg(&release)
            .arg("--approvals")
            .arg(&approvals)
            .arg("--github-approvals");
        runner.apply(with_run(&mut cmd, &gh)).output().unwrap()
    };
    // mokafor signs with a key and approves on GitHub as a member of @acme/compliance; the
    // policy does not list the login, so the team approval does not count as a second person.
    write(&format!("mokafor = {{ keys = [\"{jwk}\"] }}"));
    let o = decide();
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("lists no person with this login"),
        "the unlisted team member is reported: {err}"
    );
    assert!(err.contains("compliance: 1 of 2"), "{err}");
    // Listing the login ties it to the person: one person, once.
    write(&format!(
        "mokafor = {{ keys = [\"{jwk}\"], github = [\"mokafor\"] }}"
    ));
    let o = decide();
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("compliance: 1 of 2"), "{err}");
}
