//! Parsing and holding SARIF logs, from real tools' output and from hand-written logs.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::parse::substitute;
use super::*;
use crate::evidence::EvidenceError;
use crate::vocab::Severity;

const CODEQL: &[u8] = include_bytes!("../../../tests/fixtures/evidence/sarif-codeql.sarif");
const PROMPT_INJECTION: &[u8] =
    include_bytes!("../../../tests/fixtures/evidence/sarif-prompt-injection.sarif");
const NOT_COUNTED: &[u8] =
    include_bytes!("../../../tests/fixtures/evidence/sarif-not-counted.sarif");

fn log(value: Value) -> SarifLog {
    parse(value.to_string().as_bytes()).unwrap()
}

/// A one-run log with the given rules and results.
fn run(rules: Value, results: Value) -> SarifLog {
    log(json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "scanner", "rules": rules}}, "results": results}]
    }))
}

fn severities(log: &SarifLog) -> Vec<(String, Severity)> {
    open_findings(log, Severity::None)
        .into_iter()
        .map(|f| (f.rule_id, f.severity))
        .collect()
}

#[test]
fn codeql_log_uses_security_severity_of_extension_rules() {
    let log = parse(CODEQL).unwrap();
    assert_eq!(log.run_count(), 1);
    assert_eq!(log.result_count(), 5);
    let all = open_findings(&log, Severity::None);
    let summary = all
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.severity,
                f.level,
                f.security_severity,
                f.location.as_deref(),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(
        summary,
        [
            (
                "js/code-injection",
                Severity::Critical,
                Level::Error,
                Some(9.3),
                Some("src/pricing/quote.js:88:21")
            ),
            (
                "js/sql-injection",
                Severity::High,
                Level::Error,
                Some(8.8),
                Some("src/server.js:52:24")
            ),
            (
                "js/missing-rate-limiting",
                Severity::High,
                Level::Warning,
                Some(7.5),
                Some("src/server.js:29:22")
            ),
            (
                "js/unused-local-variable",
                Severity::Low,
                Level::Note,
                None,
                Some("src/pricing/quote.js:12:7")
            ),
        ]
    );
    assert_eq!(
        all[0].message,
        "This code execution depends on a [user-provided value](1)."
    );
    assert_eq!(all[0].tool, "CodeQL");

    let critical = evaluate(&log, Severity::Critical);
    assert!(!critical.met);
    assert_eq!(
        critical.expected,
        "no open results of severity critical or above"
    );
    assert_eq!(
        critical.found,
        "1 open result: js/code-injection (critical, 9.3) at src/pricing/quote.js:88:21"
    );
    assert_eq!(
        critical.counts,
        SeverityCounts {
            none: 0,
            low: 1,
            medium: 0,
            high: 2,
            critical: 1
        }
    );
    assert_eq!(critical.not_counted.suppressed, 1);

    let high = evaluate(&log, Severity::High);
    assert_eq!(high.findings.len(), 3);
    assert!(
        high.found
            .starts_with("3 open results: js/code-injection (critical")
    );
    assert_eq!(evaluate(&log, Severity::Low).findings.len(), 4);
}

#[test]
fn prompt_injection_log_uses_levels() {
    let log = parse(PROMPT_INJECTION).unwrap();
    assert_eq!(
        severities(&log),
        [
            ("promptinject.HijackHateHumans".to_owned(), Severity::High),
            ("dan.Dan_11_0".to_owned(), Severity::Medium),
            ("encoding.InjectBase64".to_owned(), Severity::Low),
        ]
    );
    // The seed policy's `fail_on = "critical"`: level-only findings top out at high.
    let critical = evaluate(&log, Severity::Critical);
    assert!(critical.met, "{critical:?}");
    assert_eq!(
        critical.found,
        "none at or above critical (open: 1 high, 1 medium, 1 low); not counted: 1 not of kind fail"
    );
    let high = evaluate(&log, Severity::High);
    assert!(!high.met);
    assert_eq!(
        high.found,
        "1 open result: promptinject.HijackHateHumans (high, level error) at \
         garak.probes.promptinject.HijackHateHumans"
    );
    let findings = open_findings(&log, Severity::Low);
    assert_eq!(
        findings[0].message,
        "Attack success rate 12.5% (20/160) with detector promptinject.AttackRogueString"
    );
    assert_eq!(findings[2].location, None);
    let medium = evaluate(&log, Severity::Medium);
    assert!(
        !medium.found.contains("encoding.InjectBase64"),
        "{}",
        medium.found
    );
    let low = evaluate(&log, Severity::Low);
    assert!(
        low.found.ends_with(
            "encoding.InjectBase64 (low, level note): Attack success rate 0.4% (1/256) with detector encoding.DecodeMatch"
        ),
        "{}",
        low.found
    );
}

#[test]
fn suppressed_absent_and_passing_results_do_not_count() {
    let log = parse(NOT_COUNTED).unwrap();
    let open = open_findings(&log, Severity::None)
        .into_iter()
        .map(|f| (f.message, f.severity))
        .collect::<Vec<_>>();
    assert_eq!(
        open,
        [
            (
                "suppression under review still counts".to_owned(),
                Severity::Critical
            ),
            (
                "rejected suppression still counts".to_owned(),
                Severity::Critical
            ),
            ("new since the baseline".to_owned(), Severity::Critical),
            (
                "unchanged since the baseline".to_owned(),
                Severity::Critical
            ),
        ]
    );
    let outcome = evaluate(&log, Severity::Critical);
    assert!(!outcome.met);
    assert_eq!(
        outcome.not_counted,
        NotCounted {
            not_failing: 3,
            absent: 1,
            suppressed: 3,
            out_of_scope: 0,
        }
    );
    assert_eq!(outcome.counts.critical, 4);
}

#[test]
fn only_suppressed_results_pass_and_say_so() {
    let log = run(
        json!([{"id": "r", "properties": {"security-severity": "9.8"}}]),
        json!([
            {"ruleId": "r", "message": {"text": "x"}, "suppressions": [{"kind": "inSource"}]},
            {"ruleId": "r", "message": {"text": "y"}, "baselineState": "absent"}
        ]),
    );
    let outcome = evaluate(&log, Severity::Low);
    assert!(outcome.met);
    assert_eq!(
        outcome.found,
        "no open results; not counted: 1 suppressed, 1 absent from the current scan"
    );
}

#[test]
fn security_severity_thresholds() {
    let cases = [
        (json!(10), Severity::Critical),
        (json!(9.0), Severity::Critical),
        (json!("8.99"), Severity::High),
        (json!(7.0), Severity::High),
        (json!(" 6.9 "), Severity::Medium),
        (json!("4.0"), Severity::Medium),
        (json!(3.9), Severity::Low),
        (json!(0.1), Severity::Low),
        (json!(0), Severity::None),
        (json!("0.0"), Severity::None),
    ];
    for (score, want) in cases {
        let log = run(
            json!([{"id": "r", "properties": {"security-severity": score}}]),
            json!([{"ruleId": "r", "level": "error", "message": {"text": "m"}}]),
        );
        assert_eq!(severities(&log), [("r".to_owned(), want)], "{score}");
    }
}

#[test]
fn levels_and_their_defaults() {
    let log = run(
        json!([
            {"id": "noted", "defaultConfiguration": {"level": "note"}},
            {"id": "plain"}
        ]),
        json!([
            {"ruleId": "plain", "level": "error", "message": {"text": "a"}},
            {"ruleId": "plain", "level": "warning", "message": {"text": "b"}},
            {"ruleId": "plain", "level": "note", "message": {"text": "c"}},
            {"ruleId": "plain", "level": "none", "message": {"text": "d"}},
            {"ruleId": "plain", "message": {"text": "default warning"}},
            {"ruleId": "noted", "message": {"text": "rule default"}},
            {"ruleId": "unknown-rule", "message": {"text": "no rule"}},
            {"ruleId": "plain", "kind": "fail", "message": {"text": "explicit fail"}}
        ]),
    );
    let levels = open_findings(&log, Severity::None)
        .into_iter()
        .map(|f| (f.level, f.severity))
        .collect::<Vec<_>>();
    assert_eq!(
        levels,
        [
            (Level::Error, Severity::High),
            (Level::Warning, Severity::Medium),
            (Level::Note, Severity::Low),
            (Level::None, Severity::None),
            (Level::Warning, Severity::Medium),
            (Level::Note, Severity::Low),
            (Level::Warning, Severity::Medium),
            (Level::Warning, Severity::Medium),
        ]
    );
    // fail_on none: even a result of severity none is an open result that fails.
    assert_eq!(evaluate(&log, Severity::None).findings.len(), 8);
    assert_eq!(
        evaluate(&log, Severity::None).expected,
        "no open results of any severity"
    );
}

#[test]
fn result_security_severity_overrides_the_rule() {
    let log = run(
        json!([{"id": "r", "properties": {"security-severity": "2.0"}}]),
        json!([
            {"ruleId": "r", "message": {"text": "a"}, "properties": {"security-severity": "9.5"}},
            {"ruleId": "r", "message": {"text": "b"}, "properties": {"security-severity": null}},
            {"message": {"text": "c"}, "level": "note", "properties": {"security-severity": 7}}
        ]),
    );
    assert_eq!(
        severities(&log),
        [
            ("r".to_owned(), Severity::Critical),
            ("r".to_owned(), Severity::Low),
            ("(no rule id)".to_owned(), Severity::High),
        ]
    );
}

#[test]
fn rule_lookup_by_index_id_hierarchy_and_extension() {
    let log = log(json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {"name": "d", "rules": [
                    {"id": "A", "properties": {"security-severity": "9.1"}},
                    {"id": "B", "properties": {"security-severity": "5.0"}}
                ]},
                "extensions": [{"name": "pack", "rules": [
                    {"id": "X", "properties": {"security-severity": "7.1"}}
                ]}]
            },
            "results": [
                {"ruleIndex": 1, "message": {"text": "index only"}},
                {"ruleId": "A/3", "message": {"text": "hierarchical"}},
                {"ruleId": "X", "message": {"text": "found in an extension"}},
                {"rule": {"index": 0, "toolComponent": {"index": 0}}, "message": {"text": "extension by index"}},
                {"rule": {"id": "X", "toolComponent": {"name": "pack"}}, "message": {"text": "extension by name"}},
                {"ruleId": "A", "ruleIndex": -1, "message": {"text": "index -1 means none"}}
            ]
        }]
    }));
    assert_eq!(
        severities(&log),
        [
            ("B".to_owned(), Severity::Medium),
            ("A/3".to_owned(), Severity::Critical),
            ("X".to_owned(), Severity::High),
            ("X".to_owned(), Severity::High),
            ("X".to_owned(), Severity::High),
            ("A".to_owned(), Severity::Critical),
        ]
    );
}

#[test]
fn messages_from_rule_strings_with_arguments() {
    let log = run(
        json!([{"id": "r", "messageStrings": {"default": {"text": "Variable '{0}' is used {1} times {{literally}}."}}}]),
        json!([
            {"ruleId": "r", "message": {"id": "default", "arguments": ["qty", 3]}},
            {"ruleId": "r", "message": {"id": "default", "arguments": []}},
            {"ruleId": "r"}
        ]),
    );
    let messages = open_findings(&log, Severity::None)
        .into_iter()
        .map(|f| f.message)
        .collect::<Vec<_>>();
    assert_eq!(
        messages,
        [
            "Variable 'qty' is used 3 times {literally}.",
            "Variable '{0}' is used {1} times {literally}.",
            ""
        ]
    );
}

#[test]
fn a_log_without_runs_or_with_a_failed_run_is_unmet() {
    for runs in [json!([]), Value::Null] {
        let outcome = evaluate(
            &log(json!({"version": "2.1.0", "runs": runs})),
            Severity::Critical,
        );
        assert!(!outcome.met);
        assert_eq!(outcome.found, "the log has no runs, so nothing was scanned");
    }
    let failed = log(json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "semgrep"}},
        "invocations": [{"executionSuccessful": false, "exitCode": 2}],
        "results": []
    }]}));
    let outcome = evaluate(&failed, Severity::Critical);
    assert!(!outcome.met);
    assert_eq!(outcome.failed_runs, ["semgrep"]);
    assert_eq!(
        outcome.found,
        "the scan did not complete (executionSuccessful: false) for semgrep"
    );
}

#[test]
fn lenient_about_what_the_decision_does_not_read() {
    let log = log(json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": 42, "rules": [{"properties": {"tags": "not-a-list"}, "help": 7}]}},
            "results": [{
                "message": {"text": ["not", "a", "string"]},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": 5}, "region": {"startLine": "x"}}}],
                "fingerprints": null,
                "somethingNew": {"nested": true}
            }],
            "artifacts": null
        }],
        "inlineExternalProperties": [{"whatever": 1}]
    }));
    let findings = open_findings(&log, Severity::None);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].tool, "(unnamed tool)");
    assert_eq!(findings[0].location, None);
    assert_eq!(findings[0].message, "");
}

#[test]
fn errors_are_typed() {
    let parse_value = |v: Value| parse(v.to_string().as_bytes());
    assert!(matches!(
        parse(b"{\"version\": \"2.1.0\", \"runs\": [], \"runs\": []}"),
        Err(EvidenceError::MalformedJson { .. })
    ));
    assert!(matches!(
        parse(b"not json"),
        Err(EvidenceError::MalformedJson { .. })
    ));
    assert!(matches!(
        parse_value(json!([1])),
        Err(EvidenceError::NotSarif { reason }) if reason == "the top level is an array, not an object"
    ));
    assert!(matches!(
        parse_value(json!({"runs": []})),
        Err(EvidenceError::NotSarif { reason }) if reason.contains("version")
    ));
    assert!(matches!(
        parse_value(json!({"version": "2.1.0"})),
        Err(EvidenceError::NotSarif { reason }) if reason.contains("runs")
    ));
    assert_eq!(
        parse_value(json!({"version": "2.0.0", "runs": []})),
        Err(EvidenceError::UnsupportedSarifVersion {
            found: "\"2.0.0\"".into()
        })
    );
    match parse(
        b"{\"version\": \"2.1.0\", \"runs\": [{\"results\": [\n  {\"level\": \"fatal\"}]}]}",
    ) {
        Err(EvidenceError::InvalidSarif { line, reason, .. }) => {
            assert_eq!(line, 2);
            assert!(reason.contains("unknown variant `fatal`"), "{reason}");
        }
        other => panic!("expected InvalidSarif, got {other:?}"),
    }
    for bad in [
        json!({"kind": "failed"}),
        json!({"baselineState": "gone"}),
        json!({"suppressions": [{"status": "approved"}]}),
        json!({"ruleIndex": "1"}),
        json!({"suppressions": {"status": "accepted"}}),
    ] {
        let result = parse_value(json!({"version": "2.1.0", "runs": [{"results": [bad]}]}));
        assert!(
            matches!(result, Err(EvidenceError::InvalidSarif { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn unusable_values_name_their_pointer() {
    let result = parse(
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [
            {"id": "ok", "properties": {"security-severity": "1.0"}},
            {"id": "bad", "properties": {"security-severity": "12.5"}}
        ]}}}]})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(
        result,
        Err(EvidenceError::InvalidSarifValue {
            pointer: "/runs/0/tool/driver/rules/1/properties/security-severity".into(),
            reason: "security-severity \"12.5\" is not a score from 0.0 to 10.0".into()
        })
    );
    for bad in [json!(-1), json!(10.5), json!("11")] {
        let result = parse(
            json!({"version": "2.1.0", "runs": [{"results": [{"properties": {"security-severity": bad}}]}]})
                .to_string()
                .as_bytes(),
        );
        assert!(
            matches!(&result, Err(EvidenceError::InvalidSarifValue { pointer, .. }) if pointer == "/runs/0/results/0/properties/security-severity"),
            "{result:?}"
        );
    }
    let result = parse(
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": "a"}]}}, "results": [{"ruleIndex": 3}]}]})
            .to_string()
            .as_bytes(),
    );
    assert!(
        matches!(&result, Err(EvidenceError::InvalidSarifValue { pointer, .. }) if pointer == "/runs/0/results/0/ruleIndex"),
        "{result:?}"
    );
    let result = parse(
        json!({"version": "2.1.0", "runs": [{"results": [{"rule": {"id": "a", "toolComponent": {"index": 0}}}]}]})
            .to_string()
            .as_bytes(),
    );
    assert!(
        matches!(&result, Err(EvidenceError::InvalidSarifValue { pointer, .. }) if pointer == "/runs/0/results/0/rule/toolComponent/index"),
        "{result:?}"
    );
}

#[test]
fn found_lists_most_severe_first() {
    let log = run(
        json!([
            {"id": "lo", "properties": {"security-severity": "4.5"}},
            {"id": "hi", "properties": {"security-severity": "9.9"}}
        ]),
        json!([
            {"ruleId": "lo", "message": {"text": "m"}},
            {"ruleId": "hi", "message": {"text": "m"}}
        ]),
    );
    let outcome = evaluate(&log, Severity::Medium);
    assert_eq!(
        outcome.findings[0].rule_id, "lo",
        "findings stay in log order"
    );
    assert_eq!(
        outcome.found,
        "2 open results: hi (critical, 9.9): m; lo (medium, 4.5): m"
    );
}

#[test]
fn substitute_is_total() {
    assert_eq!(substitute("{", &[]), "{");
    assert_eq!(substitute("}{x}{9}{}", &[]), "}{x}{9}{}");
    assert_eq!(substitute("é{0}ü", &[json!("ß")]), "éßü");
    assert_eq!(
        substitute("{99999999999999999999999}", &[]),
        "{99999999999999999999999}"
    );
}

const RUFF: &[u8] = include_bytes!("../../../tests/fixtures/evidence/sarif-ruff.sarif");
const BANDIT: &[u8] = include_bytes!("../../../tests/fixtures/evidence/sarif-bandit.sarif");
const SEMGREP: &[u8] = include_bytes!("../../../tests/fixtures/evidence/sarif-semgrep.sarif");

fn globs(patterns: &[&str]) -> Vec<RuleGlob> {
    patterns.iter().map(|p| RuleGlob::new(p).unwrap()).collect()
}

fn rule_ids(outcome: &SarifOutcome) -> Vec<&str> {
    outcome
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect()
}

#[test]
fn rule_globs_match_whole_ids_with_star_and_question_mark() {
    let cases = [
        ("B6*", "B602", true),
        ("B6*", "B6", true),
        ("B6*", "B101", false),
        ("B6*", "b602", false),
        ("B?01", "B101", true),
        ("B?01", "B1010", false),
        ("*", "", true),
        ("*injection*", "js/code-injection", true),
        ("S*1", "S101", true),
        ("S*1", "S102", false),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
        ("B101", "B101", true),
        ("B101", "B1011", false),
        ("é?", "éx", true),
    ];
    for (pattern, id, expected) in cases {
        assert_eq!(
            RuleGlob::new(pattern).unwrap().matches(id),
            expected,
            "{pattern} vs {id}"
        );
    }
    for bad in ["", " B1", "B[0-9]", "{a,b}", "B\\1", "!B1"] {
        assert!(RuleGlob::new(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn ruff_lints_are_all_errors_and_deny_at_high_without_a_filter() {
    let log = parse(RUFF).unwrap();
    let outcome = evaluate(&log, Severity::High);
    assert!(!outcome.met);
    assert_eq!(
        rule_ids(&outcome),
        [
            "I001", "F401", "F401", "S602", "S301", "S608", "UP031", "S101"
        ]
    );
}

#[test]
fn ruff_security_rules_only_by_glob_and_exclusion() {
    let log = parse(RUFF).unwrap();
    let mut check = SarifCheck::new(Severity::High);
    check.tools = vec!["Ruff".into()];
    check.rules = globs(&["S*"]);
    check.exclude_rules = globs(&["S101"]);
    let outcome = evaluate_check(&log, &check);
    assert!(!outcome.met);
    assert_eq!(rule_ids(&outcome), ["S602", "S301", "S608"]);
    assert_eq!(outcome.not_counted.out_of_scope, 5);
    assert_eq!(
        outcome.expected,
        "no open results of severity high or above from Ruff"
    );

    // A policy that reads ruff's `error` as medium lets them through at fail_on high.
    check.level_severity.error = Severity::Medium;
    let outcome = evaluate_check(&log, &check);
    assert!(outcome.met, "{}", outcome.found);
    assert_eq!(
        outcome.found,
        "none at or above high (open: 3 medium); not counted: 5 outside the criterion's filters"
    );
}

#[test]
fn bandit_levels_rule_filter_and_allowed_findings() {
    let log = parse(BANDIT).unwrap();
    let all = evaluate(&log, Severity::None);
    let levels = all
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.level, f.severity))
        .collect::<Vec<_>>();
    assert_eq!(
        levels,
        [
            ("B404", Level::Note, Severity::Low),
            ("B403", Level::Note, Severity::Low),
            ("B602", Level::Error, Severity::High),
            ("B301", Level::Warning, Severity::Medium),
            ("B608", Level::Warning, Severity::Medium),
            ("B101", Level::Note, Severity::Low),
        ]
    );

    let mut check = SarifCheck::new(Severity::High);
    check.tools = vec!["Bandit".into()];
    check.rules = globs(&["B6*"]);
    check.exclude_rules = globs(&["B101"]);
    let outcome = evaluate_check(&log, &check);
    assert!(!outcome.met);
    assert_eq!(rule_ids(&outcome), ["B602"]);
    assert!(
        outcome
            .found
            .starts_with("1 open result: B602 (high, level error) at "),
        "{}",
        outcome.found
    );

    check.max_findings = 1;
    let outcome = evaluate_check(&log, &check);
    assert!(outcome.met, "{}", outcome.found);
    assert_eq!(
        outcome.expected,
        "at most 1 open result of severity high or above from Bandit"
    );
    assert!(
        outcome.found.starts_with("1 open result (1 allowed): B602"),
        "{}",
        outcome.found
    );

    // Lower the bar: B608 joins, and one allowed is no longer enough.
    check.fail_on = Severity::Medium;
    let outcome = evaluate_check(&log, &check);
    assert!(!outcome.met);
    assert_eq!(rule_ids(&outcome), ["B602", "B608"]);
    assert!(
        outcome
            .found
            .starts_with("2 open results (1 allowed): B602")
    );
}

#[test]
fn semgrep_tags_of_the_rule_select_security_results() {
    let log = parse(SEMGREP).unwrap();
    let mut check = SarifCheck::new(Severity::Low);
    check.tags = vec!["SECURITY".into()];
    let outcome = evaluate_check(&log, &check);
    assert!(!outcome.met);
    assert_eq!(
        rule_ids(&outcome),
        ["subprocess-shell-true", "pickle-loads"]
    );
    assert_eq!(outcome.not_counted.out_of_scope, 1);
    check.tools = vec!["Semgrep OSS".into()];
    check.tags = vec!["correctness".into()];
    assert!(evaluate_check(&log, &check).met);
}

#[test]
fn a_tool_filter_that_matches_no_run_is_unmet() {
    let log = parse(RUFF).unwrap();
    let mut check = SarifCheck::new(Severity::Critical);
    check.tools = vec!["Bandit".into()];
    let outcome = evaluate_check(&log, &check);
    assert!(!outcome.met);
    assert_eq!(
        outcome.found,
        "no run of Bandit in the log (it has runs of ruff), so that scan is missing"
    );
    // Rule and tag filters that match nothing leave nothing to deny on, and say what was left out.
    let mut check = SarifCheck::new(Severity::None);
    check.rules = globs(&["NOPE*"]);
    let outcome = evaluate_check(&log, &check);
    assert!(outcome.met);
    assert_eq!(
        outcome.found,
        "no open results; not counted: 8 outside the criterion's filters"
    );
}

#[test]
fn review_and_open_results_count_at_level_error() {
    let log = run(
        json!([]),
        json!([
            {"ruleId": "rev-error", "kind": "review", "level": "error", "message": {"text": "a"}},
            {"ruleId": "open-error", "kind": "open", "level": "error", "message": {"text": "b"}},
            {"ruleId": "rev-warning", "kind": "review", "level": "warning", "message": {"text": "c"}},
            {"ruleId": "open-none", "kind": "open", "message": {"text": "d"}},
            {"ruleId": "pass-error", "kind": "pass", "level": "error", "message": {"text": "e"}},
            {"ruleId": "rev-suppressed", "kind": "review", "level": "error", "suppressions": [{"kind": "inSource"}]}
        ]),
    );
    let outcome = evaluate(&log, Severity::High);
    assert_eq!(rule_ids(&outcome), ["rev-error", "open-error"]);
    assert_eq!(outcome.not_counted.not_failing, 3);
    assert_eq!(outcome.not_counted.suppressed, 1);
}

#[test]
fn a_non_numeric_security_severity_falls_back_with_a_note() {
    let log = run(
        json!([
            {"id": "word", "properties": {"security-severity": "HIGH"}},
            {"id": "scored", "properties": {"security-severity": "9.5"}}
        ]),
        json!([
            {"ruleId": "word", "level": "error", "message": {"text": "a"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"}, "region": {"startLine": 3}}}]},
            {"ruleId": "empty", "level": "note", "message": {"text": "b"}, "properties": {"security-severity": ""}},
            {"ruleId": "scored", "level": "note", "message": {"text": "c"}, "properties": {"security-severity": true}}
        ]),
    );
    let outcome = evaluate(&log, Severity::None);
    let got = outcome
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity))
        .collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            ("word", Severity::High),
            ("empty", Severity::Low),
            ("scored", Severity::Critical)
        ]
    );
    assert_eq!(
        outcome.notes,
        [
            "note: word at app.py:3: its rule's security-severity \"HIGH\" is not a number; the severity comes from level error",
            "note: empty: the result's security-severity \"\" is not a number; the severity comes from level note",
            "note: scored: the result's security-severity true is not a number; the rule's score 9.5 is used",
        ]
    );
}

#[test]
fn level_severity_maps_results_without_a_score_only() {
    let log = run(
        json!([{"id": "scored", "properties": {"security-severity": "9.0"}}]),
        json!([
            {"ruleId": "scored", "level": "note", "message": {"text": "a"}},
            {"ruleId": "lint", "level": "error", "message": {"text": "b"}},
            {"ruleId": "hint", "level": "none", "message": {"text": "c"}}
        ]),
    );
    let mut check = SarifCheck::new(Severity::High);
    check.level_severity.error = Severity::Low;
    check.level_severity.none = Severity::Critical;
    let outcome = evaluate_check(&log, &check);
    assert_eq!(rule_ids(&outcome), ["scored", "hint"]);
    assert_eq!(outcome.counts.low, 1);
    assert_eq!(
        LevelSeverity::default().get(Level::Warning),
        Severity::Medium
    );
}
