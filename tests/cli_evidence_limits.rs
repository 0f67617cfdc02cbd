//! Evidence the parsers refuse rather than read one way: XML with a DTD, and files over the size limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod cli;

use cli::{Scratch, repo_file};

const JUNIT: &str = "[[criteria]]\nid = \"tests-pass\"\ngate = \"technical\"\njunit = { evidence = \"tests\", min_tests = 1 }";
const SARIF: &str = "[[criteria]]\nid = \"scan\"\ngate = \"technical\"\nsarif = { evidence = \"scan\", fail_on = \"critical\" }";

/// A JUnit report whose only test case holds `&result;`, an entity its DTD declares as `<failure …/>`. Python's
/// ElementTree expands it and sees a failed test; a reader that does not expand it sees a pass. gatepass must
/// not pick one reading: it refuses the file.
#[test]
fn junit_with_a_dtd_entity_hiding_a_failure_is_refused() {
    let s = Scratch::new("tests = \"evidence/junit.xml\"", JUNIT);
    let crafted = std::fs::read(repo_file(
        "tests/fixtures/evidence/junit-doctype-entity.xml",
    ))
    .unwrap();
    s.write("release/evidence/junit.xml", &crafted);
    for command in ["check", "issue"] {
        let out = match command {
            "check" => s.check(&[]),
            _ => s.issue(&[]),
        };
        out.expect_code(2)
            .expect_stderr("evidence `tests`")
            .expect_stderr("junit.xml")
            .expect_stderr("document type declaration (<!DOCTYPE …>) at line 2, column 1")
            .expect_stderr("remove the DOCTYPE");
        assert!(out.stdout.is_empty(), "no token: {}", out.show());
    }
}

#[test]
fn junit_with_an_undefined_entity_is_refused() {
    let s = Scratch::new("tests = \"evidence/junit.xml\"", JUNIT);
    s.write(
        "release/evidence/junit.xml",
        b"<testsuite name=\"s\"><testcase name=\"t\">&result;</testcase></testsuite>",
    );
    s.check(&[])
        .expect_code(2)
        .expect_stderr("undefined entity &result;");
}

/// A real SARIF log padded with trailing whitespace to an exact size.
fn sarif_of_size(size: usize) -> Vec<u8> {
    let mut log = std::fs::read(repo_file("tests/fixtures/evidence/sarif-codeql.sarif")).unwrap();
    assert!(log.len() < size);
    log.resize(size, b' ');
    log
}

#[test]
fn evidence_one_byte_over_the_limit_is_refused_and_at_the_limit_is_read() {
    let s = Scratch::new("scan = \"evidence/scan.sarif\"", SARIF);
    let limit = 64 * 1024;
    s.write("release/evidence/scan.sarif", &sarif_of_size(limit + 1));
    s.check(&["--max-evidence-size", "64KiB"])
        .expect_code(2)
        .expect_stderr("evidence `scan`")
        .expect_stderr("scan.sarif")
        .expect_stderr("is 65537 bytes (64 KiB), over the limit of 65536 bytes (64 KiB)")
        .expect_stderr("--max-evidence-size");

    s.write("release/evidence/scan.sarif", &sarif_of_size(limit));
    let out = s.check(&["--max-evidence-size", "64KiB"]);
    assert!(
        matches!(out.code, Some(0 | 1)),
        "read and decided: {}",
        out.show()
    );
    assert!(out.stderr.contains("scan"), "{}", out.show());
}

#[test]
fn the_default_limit_is_64_mib() {
    let s = Scratch::new("scan = \"evidence/scan.sarif\"", SARIF);
    s.write(
        "release/evidence/scan.sarif",
        &sarif_of_size(64 * 1024 * 1024 + 1),
    );
    s.check(&[])
        .expect_code(2)
        .expect_stderr("is 67108865 bytes (64 MiB), over the limit of 67108864 bytes (64 MiB)");
    // Raised on the command line, the same file is read.
    let out = s.check(&["--max-evidence-size", "65MiB"]);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.show());
}

#[test]
fn a_bad_size_is_a_usage_error() {
    let s = Scratch::new("scan = \"evidence/scan.sarif\"", SARIF);
    s.check(&["--max-evidence-size", "lots"])
        .expect_code(2)
        .expect_stderr("--max-evidence-size");
}
