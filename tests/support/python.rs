//! PyJWT with `cryptography`, installed from PyPI into the target directory on first use (pinned in
//! `tests/interop/requirements.txt`), for the tests that check gatepass tokens with an independent
//! JOSE implementation.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory to put on `PYTHONPATH` so that `import jwt` finds the pinned PyJWT.
///
/// pip's output (its notes about running as root, for one) is shown only when the install fails,
/// so a passing `cargo test` stays quiet.
pub fn pyjwt_site() -> PathBuf {
    let site = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-python");
    let req = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/requirements.txt");
    let pinned = std::fs::read_to_string(&req).unwrap();
    let version = pinned.trim().rsplit("==").next().unwrap().to_owned();
    let probe = Command::new("python3")
        .args([
            "-c",
            &format!("import jwt, cryptography, sys; sys.exit(jwt.__version__ != {version:?})"),
        ])
        .env("PYTHONPATH", &site)
        .output()
        .expect("python3 is required for the interoperability tests");
    if !probe.status.success() {
        // A stale or partial install: start from an empty directory.
        let _ = std::fs::remove_dir_all(&site);
        let out = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-warn-script-location",
            ])
            .arg("--target")
            .arg(&site)
            .arg("-r")
            .arg(&req)
            .output()
            .expect("run pip");
        assert!(
            out.status.success(),
            "pip could not install {}:\n{}{}",
            req.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    site
}
