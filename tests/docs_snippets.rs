//! The Python and Node snippets in `docs/token.md` run as written: each is taken from the Markdown,
//! run against tokens minted with the demo key `keys/gate.key`, and must accept a good token, report
//! an exception token, and refuse a token for another environment.
//!
//! PyJWT comes from `support/python.rs`; jose is installed with `npm ci` from
//! `tests/interop/package-lock.json` into the target directory on first use. A missing `node` or
//! `npm` skips the Node snippet with a note, except under `CI=true`, where it fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gatepass::token::{ExceptionClaim, SigningKey, mint};

#[path = "support/python.rs"]
mod python;
#[path = "support/claims.rs"]
mod sample_claims;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bodies of the fenced code blocks of `docs/token.md` tagged `lang`, in document order.
fn snippets(lang: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/token.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match current.as_mut() {
            None if line.trim_end() == format!("```{lang}") => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.push(current.take().unwrap()),
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(
        current.is_none(),
        "an unclosed ```{lang} block in docs/token.md"
    );
    blocks
}

/// The three tokens every snippet is run against, signed with the demo key.
struct Tokens {
    ordinary: String,
    exception: String,
    staging: String,
}

fn tokens() -> Tokens {
    let key = SigningKey::from_file(&root().join("keys/gate.key")).unwrap();
    let claims = sample_claims::sample;
    let waiver = ExceptionClaim {
        waived: vec!["deploy-window".into()],
        reason: "sev1: quotes underpriced".into(),
        risk_acceptance: "rollback tested in 90 s; on-call watching".into(),
        approved_by: vec!["rm1".into(), "rm2".into()],
        expires: "2026-03-06T22:00:00Z".into(),
    };
    Tokens {
        ordinary: mint::mint(&key, &claims("production", None)).unwrap(),
        exception: mint::mint(&key, &claims("production", Some(waiver))).unwrap(),
        staging: mint::mint(&key, &claims("staging", None)).unwrap(),
    }
}

/// Runs `program script` from the repository root (the snippets read `keys/gate.jwks.json`) with
/// `GATEPASS_TOKEN` set.
fn run(cmd: &mut Command, token: &str) -> Output {
    cmd.current_dir(root())
        .env("GATEPASS_TOKEN", token)
        .output()
        .unwrap()
}

/// Checks one snippet's three runs: `refusal` is what it says about the staging token.
fn check_runs(name: &str, mut command: impl FnMut() -> Command, waiver_note: &str, refusal: &str) {
    let t = tokens();
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    let out = run(&mut command(), &t.ordinary);
    assert!(
        out.status.success(),
        "{name} refused a good token:\n{}",
        text(&out)
    );
    assert!(
        !text(&out).contains("exception"),
        "{name} reported an exception on an ordinary token:\n{}",
        text(&out)
    );

    let out = run(&mut command(), &t.exception);
    assert!(
        out.status.success(),
        "{name} refused an exception token:\n{}",
        text(&out)
    );
    assert!(
        text(&out).contains(waiver_note),
        "{name} did not report the waiver ({waiver_note:?}):\n{}",
        text(&out)
    );

    let out = run(&mut command(), &t.staging);
    assert!(
        !out.status.success(),
        "{name} accepted a staging token for production:\n{}",
        text(&out)
    );
    assert!(
        text(&out).contains(refusal),
        "{name} refused the staging token without {refusal:?}:\n{}",
        text(&out)
    );
}

#[test]
fn the_python_snippet_runs_as_written() {
    let blocks = snippets("python");
    assert_eq!(
        blocks.len(),
        2,
        "docs/token.md has the function and its use"
    );
    let site = python::pyjwt_site();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("verify_gatepass.py");
    std::fs::write(&script, blocks.join("\n\n")).unwrap();
    check_runs(
        "the Python snippet",
        || {
            let mut cmd = Command::new("python3");
            cmd.arg(&script).env("PYTHONPATH", &site);
            cmd
        },
        "exception token: waived ['deploy-window']",
        "InvalidAudienceError",
    );
}

/// Whether the tests run in CI, where a missing tool is a failure rather than a skip.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn has(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A directory holding `node_modules/jose` at the version `tests/interop/package-lock.json` pins.
fn jose_env() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-node");
    let spec = root().join("tests/interop");
    let lock = std::fs::read_to_string(spec.join("package-lock.json")).unwrap();
    let installed = std::fs::read_to_string(dir.join("package-lock.json")).ok();
    let present = dir.join("node_modules/jose/package.json").is_file();
    if !present || installed.as_deref() != Some(lock.as_str()) {
        // A stale or partial install: start from an empty directory.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(spec.join(file), dir.join(file)).unwrap();
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&dir)
            .output()
            .expect("run npm");
        assert!(
            out.status.success(),
            "npm could not install tests/interop/package-lock.json:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

#[test]
fn the_node_snippet_runs_as_written() {
    let blocks = snippets("js");
    assert_eq!(blocks.len(), 1, "docs/token.md has one Node snippet");
    if !(has("node") && has("npm")) {
        assert!(
            !in_ci(),
            "node and npm are required to run the Node snippet of docs/token.md (CI=true)"
        );
        eprintln!("SKIPPED: the Node snippet of docs/token.md was not run: node or npm is missing");
        return;
    }
    let env = jose_env();
    // Inside the install directory, so that the snippet's `import ... from 'jose'` resolves
    // (ES modules do not read NODE_PATH).
    let script = env.join("verify-gatepass.mjs");
    std::fs::write(&script, &blocks[0]).unwrap();
    // jose 6 uses the global Web Crypto API, which Node 18 (Debian 12's) has only behind a flag.
    let version = Command::new("node").arg("--version").output().unwrap();
    let major: u32 = String::from_utf8_lossy(&version.stdout)
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let flags: &[&str] = if major < 19 {
        &["--experimental-global-webcrypto"]
    } else {
        &[]
    };
    check_runs(
        "the Node snippet",
        || {
            let mut cmd = Command::new("node");
            cmd.args(flags).arg(&script);
            cmd
        },
        "exception token, waived: [ 'deploy-window' ]",
        "ERR_JWT_CLAIM_VALIDATION_FAILED",
    );
}
