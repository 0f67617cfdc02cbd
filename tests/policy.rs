//! Policy loading and validation: the DESIGN.md example, a table of broken policies with their exact diagnostics,
//! and the rendered output of a policy with several problems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use gatepass::evidence::sarif::{LevelSeverity, SarifCheck};
use gatepass::hash::Sha256Digest;
use gatepass::policy::{
    ApprovalRequirement, CriterionKind, Diagnostic, DiagnosticKind as K, Policy, PolicyError,
};
use gatepass::vocab::{ChangeType, Gate, Severity, Tier};

const FIXTURE: &str = "tests/fixtures/policy/design-example.toml";

fn problems(text: &str) -> Vec<Diagnostic> {
    match Policy::from_str_at(text, "policy.toml") {
        Ok(_) => panic!("policy accepted:\n{text}"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

#[test]
fn design_example_loads_as_written() {
    let policy = Policy::load(FIXTURE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.id, "summarizer-production");
    assert_eq!(policy.environment, "production");
    assert_eq!(policy.issuer, "gatepass:acme-ml");
    assert_eq!(policy.token.ttl, Duration::from_secs(15 * 60));
    assert_eq!(policy.token.exception_ttl, Duration::from_secs(10 * 60));
    assert_eq!(policy.tiers.default, Tier::Standard);
    assert_eq!(policy.tiers.by_change.len(), 3);
    assert_eq!(
        policy.file_digest,
        Sha256Digest::of(&std::fs::read(FIXTURE).unwrap())
    );
    // The policy digest also covers the public keys the key files hold.
    assert_ne!(policy.digest, policy.file_digest);
    // The older `[roles]` form keeps working; a quorum of 2 over key files the policy does not
    // tie to people is reported as a warning with a hint to use `[people]`.
    let kinds: Vec<_> = policy.warnings.iter().map(|w| (w.kind, w.line)).collect();
    assert_eq!(kinds, [(K::UntiedKeys, 14), (K::OneHumanQuorum, 70)]);
    let shown = policy.rendered_warnings().unwrap();
    assert!(shown.contains("warning[one-human-quorum]"), "{shown}");
    assert!(shown.contains("`[people]`"), "{shown}");
    assert_eq!(policy.path, Path::new(FIXTURE));

    let rm = &policy.roles["release-manager"];
    assert_eq!(
        rm.keys,
        [
            Path::new("tests/fixtures/policy/../keys/approvers/rm1.jwk.json"),
            Path::new("tests/fixtures/policy/../keys/approvers/rm2.jwk.json"),
        ]
    );
    assert_eq!(policy.roles["compliance"].github, ["@acme/compliance"]);
    assert!(policy.roles["product"].github.is_empty());

    let ids: Vec<&str> = policy.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "hallucination-rate",
            "category-accuracy",
            "no-critical-findings",
            "tests-pass",
            "required-artifacts",
            "input-contract",
            "rollback-tested",
            "sign-off",
            "deploy-window",
        ]
    );
    let first = &policy.criteria[0];
    assert_eq!(first.gate, Gate::Technical);
    assert_eq!((first.location.line, first.location.col), (19, 1));
    assert_eq!(first.location.to_string(), format!("{FIXTURE}:19:1"));
    assert_eq!(
        first.kind,
        CriterionKind::Metric {
            evidence: "eval".into(),
            pointer: "/hallucination_rate".into(),
            min: None,
            max: Some(0.05),
            check: gatepass::evidence::metric::Check {
                max: Some(0.05),
                ..Default::default()
            },
            baseline: None,
        }
    );
    assert!(matches!(
        &policy.criteria[1].kind,
        CriterionKind::Metric { pointer, min: Some(m), max: None, .. } if pointer == "/categories/*/accuracy" && *m == 0.90
    ));
    assert_eq!(
        policy.criteria[2].kind,
        CriterionKind::Sarif {
            evidence: "adversarial".into(),
            check: SarifCheck::new(Severity::Critical)
        }
    );
    assert_eq!(
        policy.criteria[3].kind,
        CriterionKind::Junit {
            evidence: "tests".into(),
            min_tests: 10
        }
    );
    assert_eq!(
        policy.criteria[4].kind,
        CriterionKind::Present(vec![
            "eval".into(),
            "adversarial".into(),
            "rollback".into(),
            "model_card".into()
        ])
    );
    assert!(matches!(
        &policy.criteria[6].kind,
        CriterionKind::Metric { max: Some(m), .. } if *m == 300.0
    ));
    let CriterionKind::Approvals {
        requirements,
        max_age,
    } = &policy.criteria[7].kind
    else {
        panic!("sign-off is an approvals criterion");
    };
    assert_eq!(*max_age, Some(Duration::from_secs(7 * 86_400)));
    assert_eq!(
        requirements[2],
        ApprovalRequirement {
            role: "compliance".into(),
            count: 1,
            tiers: Some(vec![Tier::Critical])
        }
    );
    assert!(!requirements[2].applies_to(Tier::Standard));
    let CriterionKind::Window(window) = &policy.criteria[8].kind else {
        panic!("deploy-window is a window criterion");
    };
    assert_eq!(window.timezone_name(), "America/Chicago");
    assert_eq!(window.deny()[0].text(), "Fri 12:00-Mon 08:00");

    let exceptions = policy.exceptions.as_ref().unwrap();
    assert_eq!(exceptions.approvers.role, "release-manager");
    assert_eq!(exceptions.approvers.count, 2);
    assert_eq!(exceptions.max_ttl, Duration::from_secs(4 * 3600));
    assert!(!exceptions.is_waivable("sign-off"));
    assert!(exceptions.is_waivable("tests-pass"));

    assert_eq!(
        policy.evidence_names().into_iter().collect::<Vec<_>>(),
        [
            "adversarial",
            "eval",
            "model_card",
            "rollback",
            "schema_eval",
            "schema_prod",
            "tests"
        ]
    );
}

#[test]
fn tiers_come_from_the_change_type_and_can_only_be_raised() {
    let policy = Policy::load(FIXTURE).unwrap();
    assert_eq!(policy.tier_for(ChangeType::Model, None), Tier::Critical);
    assert_eq!(policy.tier_for(ChangeType::Prompt, None), Tier::Standard);
    assert_eq!(policy.tier_for(ChangeType::Config, None), Tier::Low);
    // `code` is not in by_change: the default applies.
    assert_eq!(policy.tier_for(ChangeType::Code, None), Tier::Standard);
    assert_eq!(
        policy.tier_for(ChangeType::Prompt, Some(Tier::Critical)),
        Tier::Critical
    );
    // A release cannot talk its way down to fewer criteria.
    assert_eq!(
        policy.tier_for(ChangeType::Model, Some(Tier::Low)),
        Tier::Critical
    );
    let sign_off = policy.criterion("sign-off").unwrap();
    assert!(sign_off.applies_to(Tier::Low));
    assert_eq!(policy.criteria_for(Tier::Low).count(), 9);
}

#[test]
fn evidence_names_are_checked_against_the_release() {
    let policy = Policy::load(FIXTURE).unwrap();
    let all = [
        "eval",
        "adversarial",
        "tests",
        "rollback",
        "model_card",
        "schema_eval",
        "schema_prod",
    ];
    assert!(policy.check_evidence_names(all).is_ok());
    let err = policy
        .check_evidence_names(all.iter().copied().filter(|n| *n != "eval"))
        .unwrap_err();
    let found: Vec<(K, usize, usize)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.kind, d.line, d.col))
        .collect();
    // `eval` is named by two metrics and by `present`.
    assert_eq!(
        found,
        [
            (K::UnknownEvidence, 22, 23),
            (K::UnknownEvidence, 27, 23),
            (K::UnknownEvidence, 42, 12)
        ]
    );
    assert_eq!(
        err.diagnostics()[0].message,
        "criterion `hallucination-rate` needs evidence `eval`, which the release does not provide"
    );
    assert!(
        err.to_string()
            .ends_with(&format!("3 problems in {FIXTURE}"))
    );
}

#[test]
fn unreadable_file_is_a_read_error() {
    let err = Policy::load("tests/fixtures/policy/does-not-exist.toml").unwrap_err();
    assert!(matches!(err, PolicyError::Read { .. }));
    assert_eq!(
        err.to_string(),
        "cannot read the policy file tests/fixtures/policy/does-not-exist.toml"
    );
    // The I/O error is the source, not part of the message: printed as a chain (`{:#}`), it appears once.
    let source = std::error::Error::source(&err).expect("the I/O error is the source");
    assert!(source.to_string().contains("No such file or directory"));
}

#[test]
fn non_utf8_file_is_reported_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, b"id = \"p\"\nenvironment = \"\xff\"\n").unwrap();
    let err = Policy::load(&path).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!((d.kind, d.line, d.col), (K::NotUtf8, 2, 16));
}

const ROOT: &str = "id = \"p\"\nenvironment = \"production\"\nissuer = \"gatepass:test\"\n";
const ROLES: &str = "[roles]\nml-lead = { github = [\"jrivera\"] }\n";
const CRIT: &str =
    "[[criteria]]\nid = \"tests-pass\"\ngate = \"technical\"\njunit = { evidence = \"tests\" }\n";

/// One broken policy: its text, and the single problem it must report, at an exact line and column.
struct Broken {
    text: String,
    kind: K,
    message: &'static str,
    at: (usize, usize),
}

fn broken(parts: &[&str], kind: K, message: &'static str, at: (usize, usize)) -> Broken {
    Broken {
        text: parts.concat(),
        kind,
        message,
        at,
    }
}

fn crit(body: &str) -> String {
    format!("[[criteria]]\nid = \"c\"\ngate = \"technical\"\n{body}\n")
}

#[test]
fn broken_policies_report_the_problem_at_its_place() {
    let window = |w: &str| crit(&format!("window = {w}"));
    let approvals = |a: &str| {
        format!("[[criteria]]\nid = \"sign-off\"\ngate = \"stakeholder\"\napprovals = {a}\n")
    };
    let exceptions = |e: &str| format!("[exceptions]\n{e}\n");
    let cases = [
        broken(
            &[ROOT, "[[criteria]]\nid = \"x\n"],
            K::Syntax,
            "TOML syntax: invalid basic string, expected `\"`",
            (5, 8),
        ),
        broken(
            &[ROOT, "environmnt = \"staging\"\n", CRIT],
            K::UnknownKey,
            "unknown key `environmnt` in the top level of the policy",
            (4, 1),
        ),
        broken(
            &[ROOT, "[token]\ntll = \"15m\"\n", CRIT],
            K::UnknownKey,
            "unknown key `tll` in `[token]`",
            (5, 1),
        ),
        broken(
            &[
                ROOT,
                &crit(
                    "metric = { evidence = \"eval\", pointer = \"/x\", max = 0.05, unit = \"%\" }",
                ),
            ],
            K::UnknownKey,
            "unknown key `unit` in `metric` of criterion `c`",
            (7, 59),
        ),
        broken(
            &[
                ROOT,
                "[[criteria]]\nid = \"tests-pass\"\njunit = { evidence = \"tests\" }\n",
            ],
            K::MissingKey,
            "missing required key `gate` in criterion `tests-pass`",
            (4, 1),
        ),
        broken(
            &["environment = \"production\"\nissuer = \"x\"\n", CRIT],
            K::MissingKey,
            "missing required key `id` in the policy",
            (1, 1),
        ),
        broken(
            &[ROOT, &crit("sarif = { evidence = \"adversarial\" }")],
            K::MissingKey,
            "missing required key `fail_on` in `sarif` of criterion `c`",
            (7, 9),
        ),
        broken(
            &[
                ROOT,
                "[[criteria]]\nid = \"c\"\ngate = 5\njunit = { evidence = \"tests\" }\n",
            ],
            K::WrongType,
            "`gate` of criterion `c` must be a string, found an integer",
            (6, 8),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                &approvals("[{ role = \"ml-lead\", count = \"2\" }]"),
            ],
            K::WrongType,
            "`count` of requirement #1 of `approvals` of criterion `sign-off` must be an integer, found a string",
            (9, 42),
        ),
        broken(
            &[ROOT, "[criteria]\nid = \"c\"\n"],
            K::WrongType,
            "`criteria` must be an array of tables, found a table",
            (4, 1),
        ),
        broken(
            &[
                ROOT,
                "[[criteria]]\nid = \"c\"\ngate = \"technicall\"\njunit = { evidence = \"tests\" }\n",
            ],
            K::UnknownValue,
            "unknown gate `technicall` in `gate` of criterion `c`",
            (6, 8),
        ),
        broken(
            &[ROOT, "[tiers]\nby_change = { model = \"critcal\" }\n", CRIT],
            K::UnknownValue,
            "unknown tier `critcal` in `tiers.by_change`",
            (5, 23),
        ),
        broken(
            &[
                ROOT,
                "[tiers]\nby_change = { modle = \"critical\" }\n",
                CRIT,
            ],
            K::UnknownValue,
            "unknown change type `modle` in `tiers.by_change`",
            (5, 15),
        ),
        broken(
            &[
                ROOT,
                &crit("sarif = { evidence = \"adversarial\", fail_on = \"severe\" }"),
            ],
            K::UnknownValue,
            "unknown severity `severe` in `fail_on` of `sarif` of criterion `c`",
            (7, 47),
        ),
        broken(
            &[
                ROOT,
                "[[criteria]]\nid = \"c\"\ngate = \"technical\"\ntiers = [\"medium\"]\njunit = { evidence = \"tests\" }\n",
            ],
            K::UnknownValue,
            "unknown tier `medium` in `tiers` of criterion `c`",
            (7, 10),
        ),
        broken(
            &[ROOT, "[token]\nttl = \"15\"\n", CRIT],
            K::BadDuration,
            "`token.ttl` is not a valid duration: `15` has no unit",
            (5, 7),
        ),
        broken(
            &[ROOT, "[token]\nttl = \"\"\n", CRIT],
            K::BadDuration,
            "`token.ttl` is not a valid duration: empty duration",
            (5, 7),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                &approvals("[{ role = \"ml-lead\", count = 1 }]\nmax_age = \"-5m\""),
            ],
            K::BadDuration,
            "`max_age` of criterion `sign-off` is not a valid duration: durations cannot have a sign",
            (10, 11),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                CRIT,
                &exceptions("approvers = { role = \"ml-lead\" }\nmax_ttl = \"5x\""),
            ],
            K::BadDuration,
            "`exceptions.max_ttl` is not a valid duration: unknown unit `x`",
            (12, 11),
        ),
        broken(
            &[ROOT, "[token]\nttl = 900\n", CRIT],
            K::WrongType,
            "`token.ttl` must be a string, found an integer",
            (5, 7),
        ),
        broken(
            &[ROOT, "[token]\nttl = \"2h\"\n", CRIT],
            K::TtlTooLong,
            "`token.ttl` of 2h exceeds the hard cap of 1h",
            (5, 7),
        ),
        broken(
            &[
                ROOT,
                "[token]\nttl = \"1h\"\nexception_ttl = \"90m\"\n",
                CRIT,
            ],
            K::TtlTooLong,
            "`token.exception_ttl` of 1h30m exceeds the hard cap of 1h",
            (6, 17),
        ),
        broken(
            &[ROOT, "[token]\nexception_ttl = \"20m\"\n", CRIT],
            K::TtlTooLong,
            "`token.exception_ttl` of 20m is longer than `token.ttl` of 15m",
            (5, 17),
        ),
        broken(
            &[
                ROOT,
                &window("{ timezone = \"America/Chicgo\", deny = [\"Fri 12:00-Mon 08:00\"] }"),
            ],
            K::BadTimeZone,
            "unknown time zone `America/Chicgo` in `window` of criterion `c`",
            (7, 23),
        ),
        broken(
            &[
                ROOT,
                &window(
                    "{ timezone = \"UTC\", deny = [\"Sat 00:00-Sun 23:59\", \"Fri 12:00-Mon 8\"] }",
                ),
            ],
            K::BadWindow,
            "bad deny range `Fri 12:00-Mon 8` in `deny` of `window` of criterion `c`: bad time `8`: use HH:MM from 00:00 to 23:59 (24:00 only as an end)",
            (7, 61),
        ),
        broken(
            &[
                ROOT,
                &window("{ timezone = \"UTC\", holidays = [\"2026-12-25\", \"2026-02-30\"] }"),
            ],
            K::BadWindow,
            "bad holiday `2026-02-30` in `holidays` of `window` of criterion `c`",
            (7, 56),
        ),
        broken(
            &[
                ROOT,
                &window(
                    "{ timezone = \"UTC\", deny = [\"Mon 00:00-Thu 00:00\", \"Thu 00:00-Mon 00:00\"] }",
                ),
            ],
            K::BadWindow,
            "the deny ranges of `window` of criterion `c` cover the whole week",
            (7, 37),
        ),
        broken(
            &[ROOT, &window("{ timezone = \"UTC\" }")],
            K::BadWindow,
            "`window` of criterion `c` denies nothing",
            (7, 10),
        ),
        broken(
            &[ROOT, CRIT, CRIT],
            K::DuplicateId,
            "duplicate criterion id `tests-pass`",
            (9, 6),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                CRIT,
                &exceptions(
                    "approvers = { role = \"ml-lead\" }\nmax_ttl = \"4h\"\nnon_waivable = [\"tests-passs\"]",
                ),
            ],
            K::UnknownCriterion,
            "unknown criterion `tests-passs` in `exceptions.non_waivable`",
            (13, 17),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                &approvals("[{ role = \"ml-laed\", count = 1 }]"),
            ],
            K::UnknownRole,
            "unknown role `ml-laed` in requirement #1 of `approvals` of criterion `sign-off`",
            (9, 23),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                CRIT,
                &exceptions(
                    "approvers = { role = \"release-manager\", count = 2 }\nmax_ttl = \"4h\"",
                ),
            ],
            K::UnknownRole,
            "unknown role `release-manager` in `exceptions.approvers`",
            (11, 22),
        ),
        broken(
            &[ROOT, ROLES, &approvals("[]")],
            K::EmptyList,
            "`approvals` of criterion `sign-off` is empty",
            (9, 13),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                &approvals("[{ role = \"ml-lead\", count = 0 }]"),
            ],
            K::ZeroCount,
            "`count` of requirement #1 of `approvals` of criterion `sign-off` is 0",
            (9, 42),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                CRIT,
                &exceptions("approvers = { role = \"ml-lead\", count = 0 }\nmax_ttl = \"4h\""),
            ],
            K::ZeroCount,
            "`count` of `exceptions.approvers` is 0",
            (11, 41),
        ),
        broken(
            &[
                ROOT,
                &crit("junit = { evidence = \"tests\", min_tests = 0 }"),
            ],
            K::ZeroCount,
            "`min_tests` of `junit` of criterion `c` is 0",
            (7, 43),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                &approvals("[{ role = \"ml-lead\", count = 2 }]"),
            ],
            K::UnreachableCount,
            "requirement #1 of `approvals` of criterion `sign-off` needs 2 approvers in role `ml-lead`, which lists only 1",
            (9, 42),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                CRIT,
                &exceptions("approvers = { role = \"ml-lead\", count = 2 }\nmax_ttl = \"4h\""),
            ],
            K::UnreachableCount,
            "`exceptions.approvers` needs 2 approvers in role `ml-lead`, which lists only 1",
            (11, 41),
        ),
        broken(
            &[ROOT, ROLES, "product = {}\n", CRIT],
            K::RoleWithoutIdentity,
            "role `product` has no approvers: neither `people`, `keys` nor `github` lists anyone",
            (6, 1),
        ),
        broken(
            &[ROOT, "[roles]\nml-lead = { github = [\"@acme\"] }\n", CRIT],
            K::BadValue,
            "`@acme` in `github` of role `ml-lead` is not a GitHub login or team",
            (5, 23),
        ),
        broken(
            &[ROOT, "[[criteria]]\nid = \"c\"\ngate = \"technical\"\n"],
            K::NoCheck,
            "criterion `c` has nothing to check",
            (4, 1),
        ),
        broken(
            &[
                ROOT,
                &crit("junit = { evidence = \"tests\" }\npresent = [\"eval\"]"),
            ],
            K::SeveralChecks,
            "criterion `c` has more than one check: `junit` and `present`",
            (8, 1),
        ),
        broken(
            &[
                ROOT,
                &crit("metric = { evidence = \"eval\", pointer = \"/x\" }"),
            ],
            K::MissingKey,
            "`metric` of criterion `c` has neither `min` nor `max`",
            (7, 10),
        ),
        broken(
            &[
                ROOT,
                &crit("metric = { evidence = \"eval\", pointer = \"/x\", min = 0.9, max = 0.5 }"),
            ],
            K::BadValue,
            "`metric` of criterion `c` has `min` 0.9 above `max` 0.5",
            (7, 10),
        ),
        broken(
            &[
                ROOT,
                &crit(
                    "metric = { evidence = \"eval\", pointer = \"hallucination_rate\", max = 0.05 }",
                ),
            ],
            K::BadValue,
            "`pointer` of `metric` of criterion `c` is not a JSON pointer: it must be empty or start with `/`",
            (7, 41),
        ),
        broken(
            &[
                ROOT,
                &crit("metric = { evidence = \"eval\", pointer = \"/x\", max = nan }"),
            ],
            K::BadValue,
            "`max` of `metric` of criterion `c` must be a finite number",
            (7, 53),
        ),
        broken(
            &[ROOT, &crit("present = []")],
            K::EmptyList,
            "`present` of criterion `c` is empty",
            (7, 11),
        ),
        broken(
            &[
                ROOT,
                &crit("contract = { evidence = \"schema\", expect = \"schema\" }"),
            ],
            K::BadValue,
            "`contract` of criterion `c` compares `schema` with itself",
            (7, 12),
        ),
        broken(
            &[ROOT, &crit("present = [\"eval data\"]")],
            K::BadValue,
            "invalid name `eval data` in `present` of criterion `c`",
            (7, 12),
        ),
        broken(
            &[
                ROOT,
                &crit("junit = { evidence = \"tests\" }\nmax_age = \"7d\""),
            ],
            K::UnknownKey,
            "`max_age` in criterion `c`, which is not an `approvals` criterion",
            (8, 1),
        ),
        broken(
            &[ROOT, ROLES],
            K::NoCriteria,
            "the policy has no criteria",
            (1, 1),
        ),
        broken(
            &[
                ROOT,
                ROLES,
                &approvals("[{ role = \"ml-lead\", count = 1, tiers = [\"critical\"] }]"),
            ],
            K::NoApprovalForTier,
            "`approvals` of criterion `sign-off` requires no approval for tiers `low`, `standard`",
            (9, 13),
        ),
        broken(
            &[
                ROOT,
                "[[criteria]]\nid = \"c\"\ngate = \"technical\"\ntiers = []\njunit = { evidence = \"tests\" }\n",
            ],
            K::EmptyList,
            "`tiers` of criterion `c` is empty",
            (7, 9),
        ),
        broken(
            &[
                ROOT,
                "[[criteria]]\nid = \"c\"\ngate = \"technical\"\ndescrption = \"x\"\njunit = { evidence = \"tests\" }\n",
            ],
            K::UnknownKey,
            "unknown key `descrption` in criterion `c`",
            (7, 1),
        ),
    ];
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let found = problems(&case.text);
        let got: Vec<(K, &str, (usize, usize))> = found
            .iter()
            .map(|d| (d.kind, d.message.as_str(), (d.line, d.col)))
            .collect();
        if got != [(case.kind, case.message, case.at)] {
            failures.push(format!("case {i}: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The metric keys of issue 11: each rejected combination is reported at the key that conflicts.
#[test]
fn metric_keys_are_checked_where_written() {
    // (body of `metric = { .. }`, kind, message, text the column points at)
    let cases: &[(&str, K, &str, &str)] = &[
        (
            r#"pointer = "/r/*/ok", equals = true, min = 0.5"#,
            K::BadValue,
            "`metric` of criterion `c` has both `equals` and `min`",
            "0.5",
        ),
        (
            r#"pointer = "/r/*/ok", equals = true, in = [true]"#,
            K::BadValue,
            "`metric` of criterion `c` has both `equals` and `in`",
            "[true]",
        ),
        (
            r#"pointer = "/r/*/ok", aggregate = "mean", equals = 1"#,
            K::BadValue,
            "`metric` of criterion `c` has both `aggregate` and `equals`",
            "1 }",
        ),
        (
            r#"pointer = "/r/*/acc", aggregate = "mean", min = 0.6, at_least = 0.9"#,
            K::BadValue,
            "`metric` of criterion `c` has both `aggregate` and `at_least`",
            "0.9",
        ),
        (
            r#"pointer = "/r/*/ok", equals = true, at_least = 1.5"#,
            K::BadValue,
            "`at_least` of `metric` of criterion `c` must be a fraction from 0 to 1, found 1.5",
            "1.5",
        ),
        (
            r#"pointer = "/r/*/ok", equals = true, at_least = -0.1"#,
            K::BadValue,
            "`at_least` of `metric` of criterion `c` must be a fraction from 0 to 1, found -0.1",
            "-0.1",
        ),
        (
            r#"pointer = "/c/*/acc", baseline = "eval_prod""#,
            K::MissingKey,
            "`metric` of criterion `c` has a `baseline` but neither `max_drop` nor `max_rise`",
            "\"eval_prod\"",
        ),
        (
            r#"pointer = "/c/*/acc", max_drop = 0.01"#,
            K::MissingKey,
            "`metric` of criterion `c` has `max_drop` but no `baseline`",
            "0.01",
        ),
        (
            r#"pointer = "/c/*/acc", baseline = "eval_prod", max_drop = -0.01"#,
            K::BadValue,
            "`max_drop` of `metric` of criterion `c` must not be negative, found -0.01",
            "-0.01",
        ),
        (
            r#"pointer = "/c/*/acc", baseline = "eval_prod", max_drop = 0.01, max_rise = 0.01"#,
            K::BadValue,
            "`metric` of criterion `c` has both `max_drop` and `max_rise`",
            "0.01 }",
        ),
        (
            r#"pointer = "/c/*/acc", aggregate = "mean", baseline = "eval_prod", max_drop = 0.01, min = 0.5"#,
            K::BadValue,
            "`metric` of criterion `c` has both `aggregate` and `baseline`",
            "\"eval_prod\"",
        ),
        (
            r#"pointer = "/c/*/acc", aggregate = "mean""#,
            K::MissingKey,
            "`metric` of criterion `c` has an `aggregate` but neither `min` nor `max`",
            "\"mean\"",
        ),
        (
            r#"pointer = "/c/*/acc", aggregate = "avg", min = 0.5"#,
            K::UnknownValue,
            "unknown aggregate `avg` in `aggregate` of `metric` of criterion `c`",
            "\"avg\"",
        ),
        (
            r#"pointer = "/c/*/acc", missing = "ignore", min = 0.5"#,
            K::UnknownValue,
            "unknown missing mode `ignore` in `missing` of `metric` of criterion `c`",
            "\"ignore\"",
        ),
        (
            r#"pointer = "/r/*/ok", in = []"#,
            K::EmptyList,
            "`in` of `metric` of criterion `c` is empty",
            "[]",
        ),
        (
            r#"pointer = "/r/*/ok", equals = { a = 1 }"#,
            K::WrongType,
            "`equals` of `metric` of criterion `c` must be a bool, a string or a number, found a table",
            "{ a = 1 }",
        ),
        (
            r#"pointer = "/r/*/ok", equals = nan"#,
            K::BadValue,
            "`equals` of `metric` of criterion `c` must be a finite number",
            "nan",
        ),
        (
            r#"pointer = "/c/*/acc", baseline = "eval prod", max_drop = 0.01"#,
            K::BadValue,
            "invalid name `eval prod` in `baseline` of `metric` of criterion `c`",
            "\"eval prod\"",
        ),
    ];
    let mut failures = Vec::new();
    for (i, (body, kind, message, at)) in cases.iter().enumerate() {
        let line = format!("metric = {{ evidence = \"eval\", {body} }}");
        let col = line
            .find(at)
            .map(|c| c + 1)
            .unwrap_or_else(|| panic!("case {i}: {at}"));
        let text = [ROOT, &crit(&line)].concat();
        let found = problems(&text);
        let got: Vec<(K, &str, (usize, usize))> = found
            .iter()
            .map(|d| (d.kind, d.message.as_str(), (d.line, d.col)))
            .collect();
        if got != [(*kind, *message, (7, col))] {
            failures.push(format!("case {i} {body}: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The syntax of issue 11, exactly as written there, is accepted.
#[test]
fn metric_pass_rates_aggregates_and_baselines_parse() {
    let text = [
        ROOT,
        &crit(
            r#"metric = { evidence = "promptfoo", pointer = "/results/results/*/success", equals = true, at_least = 0.95 }"#,
        ),
        "[[criteria]]\nid = \"lm\"\ngate = \"technical\"\n",
        "metric = { evidence = \"lm_eval\", pointer = \"/results/*/acc,none\", aggregate = \"mean\", min = 0.60, missing = \"skip\" }\n",
        "[[criteria]]\nid = \"reg\"\ngate = \"technical\"\n",
        "metric = { evidence = \"eval\", pointer = \"/categories/*/accuracy\", baseline = \"eval_prod\", max_drop = 0.01 }\n",
        "[[criteria]]\nid = \"grades\"\ngate = \"technical\"\n",
        "metric = { evidence = \"inspect\", pointer = \"/samples/*/scores/match/value\", in = [\"C\", \"P\"], at_least = 0.8 }\n",
    ]
    .concat();
    let policy = Policy::from_str_at(&text, "policy.toml").unwrap_or_else(|e| panic!("{e}"));
    let reads = policy
        .criteria
        .iter()
        .map(|c| {
            c.kind
                .reads()
                .into_iter()
                .map(|(n, _)| n.to_owned())
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>();
    assert_eq!(
        reads,
        [
            vec!["promptfoo".to_owned()],
            vec!["lm_eval".to_owned()],
            vec!["eval".to_owned(), "eval_prod".to_owned()],
            vec!["inspect".to_owned()],
        ]
    );
}

/// Every `metric = ..` line of the `metric` section of docs/policy.md parses as a criterion.
#[test]
fn the_metric_examples_in_the_docs_parse() {
    let doc = std::fs::read_to_string("docs/policy.md").unwrap();
    let section = doc
        .split("### `metric`")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .unwrap();
    let lines = section
        .lines()
        .filter(|l| l.starts_with("metric = "))
        .collect::<Vec<_>>();
    assert_eq!(lines.len(), 5, "{section}");
    for line in lines {
        let text = [ROOT, &crit(line)].concat();
        if let Err(e) = Policy::from_str_at(&text, "docs/policy.md") {
            panic!("{line}\n{e}");
        }
    }
}

const THREE_PROBLEMS: &str = r#"id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[token]
ttl = "15"

[roles]
ml-lead = { keys = ["../keys/approvers/jrivera.jwk.json"], github = ["jrivera"] }

[[criteria]]
id = "hallucination-rate"
gate = "technicall"
metric = { evidence = "eval", pointer = "/hallucination_rate", max = 0.05 }

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "product", count = 1 }]
"#;

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let found: Vec<(K, usize, usize)> = problems(THREE_PROBLEMS)
        .iter()
        .map(|d| (d.kind, d.line, d.col))
        .collect();
    assert_eq!(
        found,
        [
            (K::BadDuration, 6, 7),
            (K::UnknownValue, 13, 8),
            (K::UnknownRole, 19, 23),
        ]
    );
}

#[test]
fn rendered_diagnostics_underline_the_offending_text() {
    let err = Policy::from_str_at(THREE_PROBLEMS, "policies/production.toml").unwrap_err();
    let expected = r#"error[bad-duration]: `token.ttl` is not a valid duration: `15` has no unit
  ┌─ policies/production.toml:6:7
  │
6 │ ttl = "15"
  │       ^^^^ bad duration
  │
  = help: write a duration such as "90s", "15m", "4h", "7d" or "1h30m" (units d, h, m, s, largest first)

error[unknown-value]: unknown gate `technicall` in `gate` of criterion `hallucination-rate`
   ┌─ policies/production.toml:13:8
   │
13 │ gate = "technicall"
   │        ^^^^^^^^^^^^ not a gate
   │
   = help: did you mean `technical`? gates are `technical`, `operational`, `stakeholder`, `execution`, `post-deployment`

error[unknown-role]: unknown role `product` in requirement #1 of `approvals` of criterion `sign-off`
   ┌─ policies/production.toml:19:23
   │
19 │ approvals = [{ role = "product", count = 1 }]
   │                       ^^^^^^^^^ not defined in `[roles]`
   │
   = help: define it under `[roles]`, or use one of `ml-lead`

3 problems in policies/production.toml"#;
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_team_can_supply_any_number_of_approvers() {
    let text = [
        ROOT,
        "[roles]\ncompliance = { github = [\"@acme/compliance\"] }\n",
        "[[criteria]]\nid = \"sign-off\"\ngate = \"stakeholder\"\napprovals = [{ role = \"compliance\", count = 5 }]\n",
    ]
    .concat();
    assert!(Policy::from_str_at(&text, "policy.toml").is_ok());
}

#[test]
fn hostile_input_is_reported_never_panics() {
    let deep = format!("x = {}{}", "[".repeat(5000), "]".repeat(5000));
    let inputs = [
        String::new(),
        "\u{feff}id = \"p\"".to_owned(),
        deep,
        "criteria = [1, \"x\", {}, []]".to_owned(),
        "id = 99999999999999999999999999999999999\ncriteria = [{ id = \"c\", gate = \"technical\", junit = { evidence = \"t\", min_tests = 0x7fffffffffffffff } }]".to_owned(),
        "[[criteria]]\nid = \"c\"\ngate = \"execution\"\nwindow = { timezone = \"UTC\", deny = [\"daily 00:00-23:59\"], holidays = [2026-12-25, 2026-12-25T10:00:00Z, 10:00:00, true] }".to_owned(),
        "[[criteria]]\nid = \"é\u{0}\"\ngate = \"\u{202e}technical\"\nmetric = { evidence = \"\", pointer = \"~\", min = inf, max = -inf }".to_owned(),
        "\"k\u{7}\" = 1\n[roles.\"a b\"]\nkeys = [\"\"]\ngithub = [1]\n[roles.x]\n".to_owned(),
        "id = \"p\"\r\nenvironment = \"e\"\r\nissuer = \"i\"\r\n[token]\r\nttl = \"99999999999999999999d\"\r\n".to_owned(),
        "[exceptions]\napprovers = []\nmax_ttl = 5\nnon_waivable = \"x\"".to_owned(),
        "[[criteria]]\nid = \"s\"\ngate = \"stakeholder\"\ntiers = [\"low\"]\napprovals = [{ role = \"r\", tiers = [\"critical\"] }, 3]".to_owned(),
    ];
    for input in &inputs {
        match Policy::from_str_at(input, "policy.toml") {
            Ok(_) => panic!("accepted: {input:?}"),
            Err(e) => {
                let shown = e.to_string();
                assert!(!e.diagnostics().is_empty());
                assert!(shown.contains("policy.toml"), "{shown}");
            }
        }
    }
}

#[test]
fn mutations_of_the_design_example_never_panic() {
    let original = std::fs::read_to_string(FIXTURE).unwrap();
    let bytes = original.as_bytes();
    let mut rejected = 0;
    // Every 7th position keeps the debug-build run short; the fuzz target covers the rest.
    for i in (0..bytes.len()).step_by(7) {
        for mutation in 0..3 {
            let mut mutated = bytes.to_vec();
            match mutation {
                0 => {
                    mutated.remove(i);
                }
                1 => mutated[i] = b'"',
                _ => mutated.insert(i, b'['),
            }
            let Ok(text) = String::from_utf8(mutated) else {
                continue;
            };
            if let Err(e) = Policy::from_str_at(&text, "policy.toml") {
                let _ = e.to_string();
                rejected += 1;
            }
        }
    }
    assert!(rejected > bytes.len() / 7);
}

#[test]
fn the_example_in_the_docs_loads() {
    let doc = std::fs::read_to_string("docs/policy.md").unwrap();
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let policy =
        Policy::from_str_at(&doc[start..end], "docs/policy.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.criteria.len(), 3);
}

/// A quorum is at most 100: larger counts are configuration errors, also for GitHub teams whose
/// size is unknown.
#[test]
fn a_quorum_is_at_most_100() {
    let text = r#"id = "p"
environment = "production"
issuer = "i"
[roles]
compliance = { github = ["@acme/compliance"] }
[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "compliance", count = 4000000000 }]
"#;
    let p = problems(text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].kind, K::UnreachableCount);
    assert!(
        p[0].message.contains("a quorum is at most 100"),
        "{}",
        p[0].message
    );
    assert_eq!((p[0].line, p[0].col), (9, 45));
}

#[test]
fn sarif_filters_load_as_written() {
    let text = [
        ROOT,
        &crit(
            "sarif = { evidence = \"sast\", fail_on = \"high\", tools = [\"Bandit\"], rules = [\"B6*\"], exclude_rules = [\"B101\"], tags = [\"security\"], max_findings = 0 }",
        ),
        &crit(
            "sarif = { evidence = \"lint\", fail_on = \"high\", level_severity = { error = \"medium\", note = \"none\" }, max_findings = 3 }",
        )
        .replace("id = \"c\"", "id = \"d\""),
    ]
    .concat();
    let policy = Policy::from_str_at(&text, "policy.toml").unwrap_or_else(|e| panic!("{e}"));
    let CriterionKind::Sarif { evidence, check } = &policy.criteria[0].kind else {
        panic!("a sarif criterion");
    };
    assert_eq!(evidence, "sast");
    assert_eq!(check.fail_on, Severity::High);
    assert_eq!(check.tools, ["Bandit"]);
    assert_eq!(
        check.rules.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        ["B6*"]
    );
    assert_eq!(
        check
            .exclude_rules
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>(),
        ["B101"]
    );
    assert_eq!(check.tags, ["security"]);
    assert_eq!(check.max_findings, 0);
    assert_eq!(check.level_severity, LevelSeverity::default());

    let CriterionKind::Sarif { check, .. } = &policy.criteria[1].kind else {
        panic!("a sarif criterion");
    };
    assert_eq!(
        check.level_severity,
        LevelSeverity {
            error: Severity::Medium,
            warning: Severity::Medium,
            note: Severity::None,
            none: Severity::None,
        }
    );
    assert_eq!(check.max_findings, 3);
    assert!(check.tools.is_empty() && check.rules.is_empty() && check.tags.is_empty());
}

#[test]
fn bad_sarif_filters_are_reported_at_their_place() {
    // (the criterion body, its one problem, the text the problem points at)
    let cases: &[(&str, K, &str, &str)] = &[
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", tools = [] }",
            K::EmptyList,
            "`tools` of `sarif` of criterion `c` is empty",
            "[]",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", tools = [\"\"] }",
            K::BadValue,
            "`tools` of `sarif` of criterion `c` is empty",
            "\"\"",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", tools = \"Bandit\" }",
            K::WrongType,
            "`tools` of `sarif` of criterion `c` must be an array, found a string",
            "\"Bandit\"",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", rules = [] }",
            K::EmptyList,
            "`rules` of `sarif` of criterion `c` is empty",
            "[]",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", rules = [\"B6*\", \"B[0-9]\"] }",
            K::BadValue,
            "bad rule glob `B[0-9]` in `rules` of `sarif` of criterion `c`: it uses `[`; only `*` and `?` are globs",
            "\"B[0-9]\"",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", exclude_rules = [\"\"] }",
            K::BadValue,
            "bad rule glob `` in `exclude_rules` of `sarif` of criterion `c`: it is empty",
            "\"\"",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", exclude_rules = [7] }",
            K::WrongType,
            "`exclude_rules` of `sarif` of criterion `c` must be a string, found an integer",
            "7",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", tags = [] }",
            K::EmptyList,
            "`tags` of `sarif` of criterion `c` is empty",
            "[]",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", level_severity = { fatal = \"high\" } }",
            K::UnknownKey,
            "unknown key `fatal` in `level_severity` of `sarif` of criterion `c`",
            "fatal",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", level_severity = { error = \"severe\" } }",
            K::UnknownValue,
            "unknown severity `severe` in `error` of `level_severity` of `sarif` of criterion `c`",
            "\"severe\"",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", level_severity = {} }",
            K::EmptyList,
            "`level_severity` of `sarif` of criterion `c` is empty",
            "{}",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", level_severity = \"medium\" }",
            K::WrongType,
            "`level_severity` of `sarif` of criterion `c` must be a table, found a string",
            "\"medium\"",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", max_findings = -1 }",
            K::BadValue,
            "`max_findings` of `sarif` of criterion `c` is negative (-1)",
            "-1",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", max_findings = 1.5 }",
            K::WrongType,
            "`max_findings` of `sarif` of criterion `c` must be an integer, found a float",
            "1.5",
        ),
        (
            "sarif = { evidence = \"sast\", fail_on = \"high\", exclude = [\"B101\"] }",
            K::UnknownKey,
            "unknown key `exclude` in `sarif` of criterion `c`",
            "exclude",
        ),
    ];
    for (body, kind, message, at) in cases {
        let found = problems(&[ROOT, &crit(body)].concat());
        let col = body.rfind(at).unwrap() + 1;
        let got = found
            .iter()
            .map(|d| (d.kind, d.message.as_str(), d.line, d.col))
            .collect::<Vec<_>>();
        assert_eq!(got, [(*kind, *message, 7, col)], "{body}");
    }
}
