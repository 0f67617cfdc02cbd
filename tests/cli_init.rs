//! `gatepass init` writes a starter policy and manifest that load as they are.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod cli;

#[test]
fn init_writes_loadable_starters_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        cli::gatepass()
            .args(["init", "--dir"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policy = gatepass::policy::Policy::load(dir.path().join("policy.toml")).unwrap();
    assert_eq!(policy.environment, "production");
    assert!(policy.exceptions.is_some());
    let release = gatepass::release::Release::load(&dir.path().join("release.toml")).unwrap();
    assert_eq!(release.name, "my-model");
    policy
        .check_evidence_names(release.evidence.keys().map(String::as_str))
        .unwrap();
    let again = run();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
}
