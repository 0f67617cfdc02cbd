//! Text from evidence cannot speak to the CI: control characters and bidi overrides from JSON keys, test names
//! and SARIF messages are escaped in every human rendering; inside GitHub Actions the report is fenced with
//! `::stop-commands::<token>` after the token is masked; and a `contract` criterion never prints what the
//! compared files hold.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod cli;

use cli::{Out, Scratch};

/// Workflow commands hidden in evidence text, each after a newline so that it would start a line.
const INJECTED: &str = "\n::stop-commands::pause\n::error title=pwned::owned\n";
/// The same, as the escaped text gatepass must print instead.
const INJECTED_ESCAPED: &str = "\\n::stop-commands::pause\\n::error title=pwned::owned\\n";
const SECRET: &str = "sk-live-51HcontractSECRETvalue";

const CRITERIA: &str = r#"[[criteria]]
id = "category-accuracy"
gate = "technical"
metric = { evidence = "eval", pointer = "/categories/*/accuracy", min = 0.9 }

[[criteria]]
id = "tests-pass"
gate = "technical"
junit = { evidence = "tests", min_tests = 1 }

[[criteria]]
id = "no-findings"
gate = "technical"
sarif = { evidence = "scan", fail_on = "low" }

[[criteria]]
id = "input-contract"
gate = "technical"
contract = { evidence = "schema_prod", expect = "schema_eval" }
"#;

/// A release whose every evidence file carries injected commands, ESC and a bidi override, and whose contract
/// files differ in a value that is a secret.
fn hostile() -> Scratch {
    let s = Scratch::new(
        "eval = \"evidence/eval.json\"\ntests = \"evidence/junit.xml\"\nscan = \"evidence/scan.sarif\"\n\
         schema_eval = \"evidence/schema.eval.json\"\nschema_prod = \"evidence/schema.prod.json\"",
        CRITERIA,
    );
    let key = format!("billing{INJECTED}\u{1b}[2J\u{202e}");
    let eval = serde_json::json!({"categories": {key: {"accuracy": 0.5}}});
    s.write("release/evidence/eval.json", eval.to_string().as_bytes());
    // A pytest report whose failing test's name and message carry the commands (as character references,
    // which XML readers turn into newlines).
    s.write(
        "release/evidence/junit.xml",
        br#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1" time="0.1">
<testcase classname="tests.test_io" name="test_x&#10;::stop-commands::pause&#10;::error title=pwned::owned" time="0.01">
<failure message="boom&#10;::error title=pwned::owned&#27;[31m">assert False</failure></testcase>
</testsuite></testsuites>"#,
    );
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "garak", "rules": [{"id": "prompt-injection"}]}},
            "results": [{
                "ruleId": "prompt-injection",
                "level": "error",
                // SARIF messages are cut at their first line: the payload hides in ESC and BEL on it.
                "message": {"text": format!("leaked\u{1b}]8;;http://x\u{7}\u{202e}{INJECTED}")},
            }]
        }]
    });
    s.write("release/evidence/scan.sarif", sarif.to_string().as_bytes());
    s.write(
        "release/evidence/schema.eval.json",
        br#"{"quantity": {"unit": "case", "api_key": "placeholder"}}"#,
    );
    s.write(
        "release/evidence/schema.prod.json",
        format!(
            r#"{{"quantity": {{"unit": "each", "api_key": "{SECRET}"}}, "token": "{SECRET}"}}"#
        )
        .as_bytes(),
    );
    s
}

/// Inside Actions: `::add-mask::<token>` then `::stop-commands::<token>` first; nothing that starts with `::`
/// until `::<token>::`; after it only gatepass's own annotations and masks, each one line.
#[track_caller]
fn assert_fenced(out: &Out) {
    let lines: Vec<&str> = out.stderr.lines().collect();
    let token = lines
        .first()
        .and_then(|l| l.strip_prefix("::add-mask::"))
        .unwrap_or_else(|| panic!("the first line masks the fence token\n{}", out.show()));
    assert_eq!(token.len(), 32, "128 random bits in hex: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert_eq!(
        lines.get(1).copied(),
        Some(format!("::stop-commands::{token}").as_str()),
        "{}",
        out.show()
    );
    let end = format!("::{token}::");
    let close = lines
        .iter()
        .position(|l| *l == end)
        .unwrap_or_else(|| panic!("the fence is closed\n{}", out.show()));
    for line in &lines[2..close] {
        assert!(
            !line.starts_with("::"),
            "a command inside the fence: {line:?}\n{}",
            out.show()
        );
    }
    for line in &lines[close + 1..] {
        if line.starts_with("::") {
            assert!(
                line.starts_with("::error ")
                    || line.starts_with("::warning ")
                    || line.starts_with("::add-mask::"),
                "only gatepass's own commands after the fence: {line:?}\n{}",
                out.show()
            );
        }
    }
    for line in &lines {
        assert!(
            !line.starts_with("::stop-commands::pause") && !line.starts_with("::error title=pwned"),
            "an injected command reached the log raw: {line:?}\n{}",
            out.show()
        );
    }
}

#[track_caller]
fn assert_no_raw_controls(text: &str, what: &str) {
    for c in ['\u{1b}', '\u{202e}', '\r', '\u{7}'] {
        assert!(!text.contains(c), "{what} holds {c:?} raw:\n{text}");
    }
    for line in text.lines() {
        assert!(
            !line.starts_with("::"),
            "{what}: a line starts with `::`: {line:?}\n{text}"
        );
    }
}

fn in_actions(s: &Scratch, command: &str) -> (Out, String, String) {
    let summary = s.path("summary.md");
    let output = s.path("output.txt");
    let mut cmd = s.command(command, &["--format", "json"]);
    if command == "issue" {
        cmd.arg("--key").arg(cli::repo_file("keys/gate.key"));
    }
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_WORKSPACE", s.dir.path());
    let out = cli::run(&mut cmd);
    let summary = std::fs::read_to_string(&summary).unwrap_or_default();
    let output = std::fs::read_to_string(&output).unwrap_or_default();
    (out, summary, output)
}

#[test]
fn in_actions_the_report_is_fenced_and_evidence_text_escaped() {
    let s = hostile();
    for command in ["check", "issue"] {
        let (out, summary, _) = in_actions(&s, command);
        out.expect_code(1);
        assert_fenced(&out);
        // The text is there, escaped: from the JSON key, the test name and the SARIF message.
        out.expect_stderr(&format!("billing{INJECTED_ESCAPED}\\u{{1b}}[2J\\u{{202e}}"))
            .expect_stderr("test_x\\n::stop-commands::pause\\n::error title=pwned::owned")
            .expect_stderr("leaked\\u{1b}]8;;http://x\\u{7}\\u{202e}");
        assert!(
            !out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{202e}'),
            "{}",
            out.show()
        );
        assert!(!summary.is_empty(), "the summary was written");
        assert!(
            !summary.contains('\u{1b}') && !summary.contains('\u{202e}'),
            "{summary}"
        );
    }
}

#[test]
fn in_actions_an_error_quoting_evidence_is_fenced_too() {
    let s = Scratch::new(
        "scan = \"evidence/scan.sarif\"",
        "[[criteria]]\nid = \"scan\"\ngate = \"technical\"\nsarif = { evidence = \"scan\", fail_on = \"low\" }",
    );
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": format!("bad{INJECTED}")}]}]
    });
    s.write("release/evidence/scan.sarif", sarif.to_string().as_bytes());
    let (out, _, _) = in_actions(&s, "check");
    out.expect_code(2).expect_stderr("invalid SARIF 2.1.0");
    assert_fenced(&out);
    out.expect_stderr(&format!("bad{INJECTED_ESCAPED}"));
}

#[test]
fn outside_actions_no_control_character_from_evidence_reaches_stderr() {
    let s = hostile();
    let out = s.check(&[]);
    out.expect_code(1);
    assert_no_raw_controls(&out.stderr, "stderr");
    out.expect_stderr(&format!("billing{INJECTED_ESCAPED}"));
    assert!(
        !out.stderr.contains("stop-commands::pause\n"),
        "{}",
        out.show()
    );
    // No fence outside Actions.
    assert!(!out.stderr.contains("::add-mask::"), "{}", out.show());
}

#[test]
fn a_contract_mismatch_names_where_never_what() {
    let s = hostile();
    let (out, summary, output) = in_actions(&s, "check");
    out.expect_code(1)
        .expect_stderr("/quantity/api_key: the values differ (a string in both)")
        .expect_stderr("/quantity/unit: the values differ (a string in both)")
        .expect_stderr("/token: only in schema_prod (a string)");
    for (what, text) in [
        ("stdout (the JSON decision)", &out.stdout),
        ("stderr", &out.stderr),
        ("the job summary", &summary),
        ("the step outputs", &output),
    ] {
        assert!(!text.contains(SECRET), "{what} shows the secret:\n{text}");
        assert!(
            !text.contains("\"each\"") && !text.contains("placeholder"),
            "{what} shows a value:\n{text}"
        );
    }
    let decision: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let contract = decision["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "input-contract")
        .unwrap();
    assert_eq!(contract["status"], "unmet");
    // Without Actions as well.
    let out = s.check(&["--format", "json"]);
    assert!(
        !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
        "{}",
        out.show()
    );
}
