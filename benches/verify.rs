//! `cargo bench --bench verify`: median wall time of `gatepass verify` as a whole process on a
//! token with no artifacts, and of the library's verify call alone.
//! Targets: process under 5 ms, library call under 100 µs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use gatepass::hash::Sha256Digest;
use gatepass::token::{
    Audience, Claims, Jwks, PolicyClaim, ReleaseClaim, SigningKey, Verifier, mint,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let key = SigningKey::generate().unwrap();
    let now = jiff::Timestamp::now().as_second();
    let claims = Claims {
        iss: "gatepass:acme-ml".into(),
        sub: "support-summarizer@1.4.0".into(),
        aud: Audience::One("production".into()),
        iat: now,
        nbf: now,
        exp: now + 900,
        jti: mint::new_jti().unwrap(),
        release: ReleaseClaim {
            name: "support-summarizer".into(),
            version: "1.4.0".into(),
            change: "prompt".into(),
            tier: "standard".into(),
            digest: Sha256Digest::of(b"r").prefixed(),
        },
        artifacts: BTreeMap::new(),
        evidence: BTreeMap::from([("eval".into(), Sha256Digest::of(b"e").prefixed())]),
        policy: PolicyClaim {
            id: "summarizer-production".into(),
            digest: Sha256Digest::of(b"p").prefixed(),
        },
        approvals: vec![],
        exception: None,
    };
    let token = mint::mint(&key, &claims).unwrap();
    let jwks = Jwks::from_keys([key.public_key().clone()]);

    let verifier = Verifier::new(jwks.clone())
        .audience("production")
        .issuer("gatepass:acme-ml");
    for _ in 0..200 {
        verifier.verify(&token).unwrap();
    }
    let lib: Vec<Duration> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(verifier.verify(std::hint::black_box(&token)).unwrap());
            t.elapsed()
        })
        .collect();
    let lib = median(lib);

    let dir = tempfile::tempdir().unwrap();
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, jwks.to_json().to_string()).unwrap();
    let bin = env!("CARGO_BIN_EXE_gatepass");
    let run = || {
        let t = Instant::now();
        let out = Command::new(bin)
            .args([
                "verify",
                "--keys",
                jwks_path.to_str().unwrap(),
                "--audience",
                "production",
                &token,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.elapsed()
    };
    for _ in 0..10 {
        run();
    }
    let process = median((0..200).map(|_| run()).collect());

    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("gatepass verify benchmark (median)");
    println!(
        "  library Verifier::verify   {:>9.1} µs   target < 100 µs  {}",
        lib.as_secs_f64() * 1e6,
        verdict(lib < Duration::from_micros(100))
    );
    println!(
        "  process `gatepass verify`  {:>9.2} ms   target < 5 ms    {}",
        process.as_secs_f64() * 1e3,
        verdict(process < Duration::from_millis(5))
    );
}
