//! Interoperability with an independent JOSE implementation (PyJWT with `cryptography`):
//! gatepass tokens verify there, and tokens PyJWT signs with a gatepass key verify here.
//!
//! PyJWT is installed from PyPI into the target directory on first use (`support/python.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use gatepass::token::{Claims, Jwks, SigningKey, keys, mint};

#[path = "support/cli.rs"]
mod cli;
#[path = "support/python.rs"]
mod python;
#[path = "support/claims.rs"]
mod sample_claims;

fn python(site: &Path, args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyjwt_check.py");
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .env("PYTHONPATH", site)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyJWT failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn claims() -> Claims {
    sample_claims::sample("production", None)
}

#[test]
fn pyjwt_verifies_gatepass_tokens_and_gatepass_verifies_pyjwt_tokens() {
    let site = python::pyjwt_site();
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate().unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(
        &jwks,
        Jwks::from_keys([key.public_key().clone()])
            .to_json()
            .to_string(),
    )
    .unwrap();

    // gatepass -> PyJWT
    let c = claims();
    let token = mint::mint(&key, &c).unwrap();
    let verified = python(
        &site,
        &[
            "verify",
            jwks.to_str().unwrap(),
            &token,
            "production",
            "gatepass:acme-ml",
        ],
    );
    let verified: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(verified, serde_json::to_value(&c).unwrap());

    // PyJWT -> gatepass, with the PKCS#8 PEM key gatepass wrote.
    let pem = dir.path().join("gate.key");
    keys::write_new_private(&pem, key.to_pem().unwrap().as_bytes()).unwrap();
    let c = claims();
    let foreign = python(
        &site,
        &[
            "sign",
            pem.to_str().unwrap(),
            key.kid(),
            &serde_json::to_string(&c).unwrap(),
        ],
    );
    let out = cli::gatepass()
        .args([
            "verify",
            "--keys",
            jwks.to_str().unwrap(),
            "--audience",
            "production",
            "--issuer",
            "gatepass:acme-ml",
        ])
        .arg(&foreign)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, serde_json::to_value(&c).unwrap());
}
