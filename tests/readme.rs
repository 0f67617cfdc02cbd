//! The README's quick start stays true: its main-job command runs on the shipped example and
//! prints a token that verifies against the published demo key set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gatepass::token::{Jwks, Verifier};
use std::path::Path;

#[path = "support/cli.rs"]
mod cli;

#[test]
fn readme_main_job_prints_a_verifiable_token() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --locked --quiet -- issue "))
        .expect("README quick start has the main-job command");
    let args: Vec<&str> = line
        .split_once(" -- ")
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let out = cli::gatepass_in(root).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "stdout is the token only");
    let jwks = Jwks::from_file(&root.join("keys/gate.jwks.json")).unwrap();
    let verified = Verifier::new(jwks)
        .audience("staging")
        .issuer("gatepass:acme-ml")
        .verify(stdout.trim())
        .unwrap();
    assert_eq!(verified.claims.sub, "support-summarizer@1.4.0");
    assert_eq!(verified.claims.approvals.len(), 2);
    assert!(stderr.contains("ALLOWED"), "{stderr}");
}
