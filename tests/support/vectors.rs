//! Where the published Ed25519 test vectors (Wycheproof, ed25519-speccheck) are, and what a test does when
//! they are not there.
//!
//! They live outside the repository, in `../shared/vectors` beside the clone. On a developer's machine
//! without that directory the vector tests skip, saying so loudly on stderr. Under CI (`CI` set to anything
//! but empty, `false` or `0`; GitHub Actions sets `CI=true`) a missing directory or file fails the test:
//! a CI run that silently checked no vectors would look the same as one that checked them all.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The files the vector tests read.
pub const FILES: &[&str] = &[
    "wycheproof_ed25519_test.json",
    "ed25519_speccheck_cases.json",
];

/// `../shared/vectors`, relative to the repository root.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors")
}

/// Whether `CI` (its value, if set) says this is a CI run.
pub fn is_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| !matches!(v.trim(), "" | "false" | "0"))
}

/// The vectors directory `dir` if it holds every file in [`FILES`]; otherwise `Ok(None)` (skip) outside
/// CI and `Err` with the reason under CI.
pub fn locate(dir: &Path, ci: bool) -> Result<Option<PathBuf>, String> {
    let missing: Vec<&str> = FILES
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(Some(dir.to_path_buf()));
    }
    if ci {
        Err(format!(
            "the Ed25519 test vectors are missing under CI: {} lacks {} (put a copy of shared/ beside the \
             clone; outside CI these tests skip)",
            dir.display(),
            missing.join(", ")
        ))
    } else {
        Ok(None)
    }
}

/// The shared vectors directory for the test `what`: `Some` to run it, `None` to skip it (after a loud line
/// on stderr); panics under CI when the vectors are missing.
pub fn shared(what: &str) -> Option<PathBuf> {
    let dir = shared_dir();
    let ci = is_ci(std::env::var("CI").ok().as_deref());
    match locate(&dir, ci) {
        Ok(Some(dir)) => Some(dir),
        Ok(None) => {
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {what}: the Ed25519 test vectors are not in {} (under CI=true this fails) ***\n",
                dir.display()
            );
            None
        }
        Err(message) => panic!("{what}: {message}"),
    }
}

#[test]
fn missing_vectors_fail_under_ci_and_skip_elsewhere() {
    let scratch = tempfile::tempdir().unwrap();
    let nowhere = scratch.path().join("no-vectors");

    let err = locate(&nowhere, true).unwrap_err();
    assert!(err.contains("no-vectors"), "{err}");
    assert!(err.contains("under CI"), "{err}");
    assert_eq!(locate(&nowhere, false), Ok(None));

    // A directory with only some of the files is as missing as no directory.
    std::fs::create_dir(&nowhere).unwrap();
    std::fs::write(nowhere.join(FILES[0]), "{}").unwrap();
    let err = locate(&nowhere, true).unwrap_err();
    assert!(err.contains(FILES[1]), "{err}");
    assert!(!err.contains(FILES[0]), "{err}");
    assert_eq!(locate(&nowhere, false), Ok(None));

    for f in FILES {
        std::fs::write(nowhere.join(f), "{}").unwrap();
    }
    assert_eq!(locate(&nowhere, true), Ok(Some(nowhere.clone())));
    assert_eq!(locate(&nowhere, false), Ok(Some(nowhere)));
}

#[test]
fn ci_is_any_value_of_ci_but_empty_false_or_0() {
    for (value, ci) in [
        (None, false),
        (Some(""), false),
        (Some("false"), false),
        (Some("0"), false),
        (Some("true"), true),
        (Some("1"), true),
        (Some("yes"), true),
    ] {
        assert_eq!(is_ci(value), ci, "CI={value:?}");
    }
}
