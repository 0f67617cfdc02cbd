//! `metric` against evidence as ML tools write it: pass rates of a promptfoo run, an aggregate over an
//! lm-evaluation-harness `results.json` that holds `NaN`, and a regression bound against the production model's
//! eval. Exit codes: 0 allow, 1 deny, 2 could not decide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod cli;

use cli::{Out, Scratch, repo_file};

/// A release with the fixture files `(evidence name, fixture)` and one criterion with the metric entry given.
fn run(evidence: &[(&str, &str)], metric: &str) -> Out {
    let lines = evidence
        .iter()
        .map(|(name, fixture)| format!("{name} = \"evidence/{fixture}\""))
        .collect::<Vec<_>>()
        .join("\n");
    let s = Scratch::new(
        &lines,
        &format!("[[criteria]]\nid = \"probe\"\ngate = \"technical\"\nmetric = {metric}\n"),
    );
    for (_, fixture) in evidence {
        let bytes =
            std::fs::read(repo_file(&format!("tests/fixtures/evidence/{fixture}"))).unwrap();
        s.write(&format!("release/evidence/{fixture}"), &bytes);
    }
    s.check(&[])
}

const PROMPTFOO: &[(&str, &str)] = &[("promptfoo", "promptfoo-out.json")];
const LM_EVAL: &[(&str, &str)] = &[("lm_eval", "lm-eval-results.json")];
const EVAL: &[(&str, &str)] = &[
    ("eval", "eval-categories.json"),
    ("eval_prod", "eval-categories-prod.json"),
];

#[test]
fn promptfoo_pass_rate_at_the_threshold_allows() {
    let out = run(
        PROMPTFOO,
        r#"{ evidence = "promptfoo", pointer = "/results/results/*/success", equals = true, at_least = 0.95 }"#,
    );
    out.expect_code(0)
        .expect_stderr("✔ probe")
        .expect_stderr("19 of 20 pass (95%)");
}

#[test]
fn promptfoo_pass_rate_below_the_threshold_denies_and_names_the_test() {
    let out = run(
        PROMPTFOO,
        r#"{ evidence = "promptfoo", pointer = "/results/results/*/success", equals = true, at_least = 0.99 }"#,
    );
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    for needle in [
        "19 of 20 pass (95%)",
        "/results/results/13/success (\"does not invent a tracking number\") = false",
        "= true for at least 99% of values",
    ] {
        assert!(all.contains(needle), "lacks {needle:?}\n{}", out.show());
    }
}

#[test]
fn lm_eval_mean_with_skip_reads_a_file_with_nan() {
    let out = run(
        LM_EVAL,
        r#"{ evidence = "lm_eval", pointer = "/results/*/acc,none", aggregate = "mean", min = 0.60, missing = "skip" }"#,
    );
    out.expect_code(0)
        .expect_stderr("✔ probe")
        .expect_stderr("mean = 0.65845 over 4 values");
}

#[test]
fn lm_eval_missing_key_fails_unless_skipped_and_names_the_nearest_key() {
    let out = run(
        LM_EVAL,
        r#"{ evidence = "lm_eval", pointer = "/results/*/acc,none", aggregate = "mean", min = 0.60 }"#,
    );
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("missing: /results/truthfulqa_gen has no key \"acc,none\""),
        "{}",
        out.show()
    );
    let out = run(
        LM_EVAL,
        r#"{ evidence = "lm_eval", pointer = "/results/mmlu/acc_none", min = 0.5 }"#,
    );
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("missing: /results/mmlu has no key \"acc_none\" (did you mean \"acc,none\"?)"),
        "{}",
        out.show()
    );
}

#[test]
fn nan_never_passes_a_threshold_and_is_shown() {
    let out = run(
        LM_EVAL,
        r#"{ evidence = "lm_eval", pointer = "/results/truthfulqa_gen/bleu_acc,none", min = 0.0 }"#,
    );
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("NaN"), "{}", out.show());
    assert!(!all.contains("gatepass:nonfinite"), "{}", out.show());
}

#[test]
fn regression_beyond_max_drop_denies_with_the_change() {
    let out = run(
        EVAL,
        r#"{ evidence = "eval", pointer = "/categories/*/accuracy", baseline = "eval_prod", max_drop = 0.01 }"#,
    );
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("/categories/billing/accuracy: 0.93 → 0.91 (−0.02, allowed −0.01)"),
        "{}",
        out.show()
    );
    assert!(
        !all.contains("/categories/shipping/accuracy:"),
        "{}",
        out.show()
    );
}

#[test]
fn regression_within_max_drop_allows() {
    let out = run(
        EVAL,
        r#"{ evidence = "eval", pointer = "/categories/*/accuracy", baseline = "eval_prod", max_drop = 0.02 }"#,
    );
    out.expect_code(0).expect_stderr("✔ probe");
}

#[test]
fn a_baseline_the_release_does_not_list_is_refused() {
    let out = run(
        &EVAL[..1],
        r#"{ evidence = "eval", pointer = "/categories/*/accuracy", baseline = "eval_prod", max_drop = 0.01 }"#,
    );
    out.expect_code(2)
        .expect_stderr("error[unknown-evidence]: criterion `probe` needs evidence `eval_prod`");
}

#[test]
fn an_unparseable_baseline_cannot_decide() {
    let s = Scratch::new(
        "eval = \"evidence/eval.json\"\neval_prod = \"evidence/prod.json\"",
        "[[criteria]]\nid = \"probe\"\ngate = \"technical\"\nmetric = { evidence = \"eval\", pointer = \"/a\", baseline = \"eval_prod\", max_drop = 0.01 }\n",
    );
    s.write("release/evidence/eval.json", br#"{"a": 0.9}"#);
    s.write("release/evidence/prod.json", br#"{"a": 0.9,}"#);
    s.check(&[]).expect_code(2).expect_stderr("eval_prod");
}
