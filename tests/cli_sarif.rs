//! `gatepass check` on SARIF written by real scanners (ruff, bandit, semgrep; see
//! `tests/fixtures/evidence/README.md`): filters by tool, rule glob and tag, the level mapping, findings allowed,
//! and the exit code of each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod cli;
use cli::{Out, Scratch, repo_file};

/// A scratch release whose evidence `sast` is the fixture `fixture`, checked against one `sarif` criterion.
fn check_sarif(fixture: &str, criterion: &str) -> Out {
    let s = Scratch::new(
        "sast = \"evidence/scan.sarif\"",
        &format!("[[criteria]]\nid = \"scan\"\ngate = \"technical\"\nsarif = {criterion}\n"),
    );
    let bytes = std::fs::read(repo_file(&format!("tests/fixtures/evidence/{fixture}"))).unwrap();
    s.write("release/evidence/scan.sarif", &bytes);
    s.check(&[])
}

#[test]
fn ruff_lints_deny_at_high_without_a_filter() {
    let out = check_sarif(
        "sarif-ruff.sarif",
        "{ evidence = \"sast\", fail_on = \"high\" }",
    );
    out.expect_code(1).expect_stderr("8 open results");
}

#[test]
fn ruff_security_rules_only() {
    let out = check_sarif(
        "sarif-ruff.sarif",
        "{ evidence = \"sast\", fail_on = \"high\", tools = [\"ruff\"], rules = [\"S*\"], exclude_rules = [\"S101\"] }",
    );
    out.expect_code(1)
        .expect_stderr("3 open results")
        .expect_stderr("S602");
    assert!(!out.stderr.contains("F401"), "{}", out.show());
    assert!(!out.stderr.contains("S101"), "{}", out.show());

    // Ruff's `error` read as medium: nothing at high remains.
    let out = check_sarif(
        "sarif-ruff.sarif",
        "{ evidence = \"sast\", fail_on = \"high\", level_severity = { error = \"medium\" } }",
    );
    out.expect_code(0);
}

#[test]
fn bandit_issue_example_and_allowed_findings() {
    let criterion = "{ evidence = \"sast\", fail_on = \"high\", tools = [\"Bandit\"], rules = [\"B6*\"], exclude_rules = [\"B101\"], tags = [\"security\"], max_findings = 0 }";
    // Bandit writes no tags, so the tag filter leaves nothing in scope: nothing to deny on.
    check_sarif("sarif-bandit.sarif", criterion).expect_code(0);

    let out = check_sarif(
        "sarif-bandit.sarif",
        "{ evidence = \"sast\", fail_on = \"high\", tools = [\"Bandit\"], rules = [\"B6*\"], exclude_rules = [\"B101\"] }",
    );
    out.expect_code(1)
        .expect_stderr("1 open result")
        .expect_stderr("B602");

    check_sarif(
        "sarif-bandit.sarif",
        "{ evidence = \"sast\", fail_on = \"high\", rules = [\"B6*\"], max_findings = 1 }",
    )
    .expect_code(0);
}

#[test]
fn semgrep_security_tag() {
    let out = check_sarif(
        "sarif-semgrep.sarif",
        "{ evidence = \"sast\", fail_on = \"medium\", tags = [\"security\"] }",
    );
    out.expect_code(1)
        .expect_stderr("2 open results")
        .expect_stderr("subprocess-shell-true");
    assert!(
        !out.stderr.contains("assert-for-validation"),
        "{}",
        out.show()
    );
}

#[test]
fn a_tool_the_log_does_not_hold_is_unmet() {
    check_sarif(
        "sarif-semgrep.sarif",
        "{ evidence = \"sast\", fail_on = \"critical\", tools = [\"Bandit\"] }",
    )
    .expect_code(1)
    .expect_stderr("no run of Bandit in the log");
}

#[test]
fn a_bad_filter_is_a_policy_error() {
    check_sarif(
        "sarif-ruff.sarif",
        "{ evidence = \"sast\", fail_on = \"high\", rules = [\"S[0-9]*\"] }",
    )
    .expect_code(2)
    .expect_stderr("bad rule glob `S[0-9]*`");
    check_sarif(
        "sarif-ruff.sarif",
        "{ evidence = \"sast\", fail_on = \"high\", max_findings = -2 }",
    )
    .expect_code(2)
    .expect_stderr("is negative (-2)");
}

#[test]
fn a_word_for_a_score_falls_back_to_the_level() {
    let s = Scratch::new(
        "sast = \"evidence/scan.sarif\"",
        "[[criteria]]\nid = \"scan\"\ngate = \"technical\"\nsarif = { evidence = \"sast\", fail_on = \"high\" }\n",
    );
    s.write(
        "release/evidence/scan.sarif",
        br#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "scanner", "rules": [
            {"id": "X1", "properties": {"security-severity": "HIGH"}}]}},
          "results": [{"ruleId": "X1", "level": "error", "message": {"text": "bad"}}]}]}"#,
    );
    let out = s.check(&[]);
    out.expect_code(1).expect_stderr("X1 (high, level error)");
    let out = s.check(&["--format", "json"]);
    out.expect_code(1);
    let decision: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let details = decision
        .pointer("/criteria")
        .and_then(|c| c.as_array())
        .and_then(|c| c.iter().find(|c| c["id"] == "scan"))
        .map(|c| c["details"].clone())
        .unwrap_or_else(|| panic!("{}", out.show()));
    assert_eq!(
        details,
        serde_json::json!([
            "X1 [high] bad",
            "note: X1: its rule's security-severity \"HIGH\" is not a number; the severity comes from level error"
        ])
    );
}
