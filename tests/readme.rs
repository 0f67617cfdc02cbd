//! The README's quick start stays true: its main-job command runs on the shipped example, prints
//! a token that verifies against the published demo key set, and warns about nothing.
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
        .find(|l| l.contains("cargo run --locked --quiet -- issue "))
        .expect("README quick start has the main-job command");
    // `chmod 600 FILE... && cargo run ... -- ARGS`: the key is made private first, as a user does.
    let (prefix, args) = line.split_once(" -- ").unwrap();
    let (chmod, cargo) = prefix
        .split_once(" && ")
        .expect("chmod 600 KEY && cargo run");
    assert_eq!(cargo, "cargo run --locked --quiet", "{line}");
    let files = chmod
        .strip_prefix("chmod 600 ")
        .expect("the main job makes its key private first");
    for file in files.split_whitespace() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        #[cfg(not(unix))]
        let _ = file;
    }
    let args: Vec<&str> = args.split_whitespace().collect();
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
    // A newcomer sees only what they asked for: no warning about the checkout or the demo key.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.to_lowercase().contains("warning"))
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}\n{stderr}");
}
