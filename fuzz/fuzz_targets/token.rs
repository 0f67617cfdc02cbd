//! Deploy-token verification with a fixed key set. The first byte picks what the rest is:
//! - 0 and default: a whole compact token (parsing, base64url, header rules, the signature check);
//! - 1: a claims payload, signed here with the gate key under the exact header, so the claim checks behind the
//!   signature are reached;
//! - 2: a header, signed here over a fixed valid payload, so the header rules behind the signature are reached.
#![no_main]

use std::sync::LazyLock;

use gatepass::token::{Jwks, SigningKey, Verifier, mint};
use libfuzzer_sys::fuzz_target;

/// The demo gate key of `keys/`; its public half is `keys/gate.jwks.json`.
static KEY: LazyLock<SigningKey> = LazyLock::new(|| {
    SigningKey::from_pem(include_str!("../../keys/gate.key"), "keys/gate.key").unwrap()
});
static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let jwks = Jwks::from_json(
        include_bytes!("../../keys/gate.jwks.json"),
        "keys/gate.jwks.json",
    )
    .unwrap();
    Verifier::new(jwks)
        .audience("staging")
        .issuer("gatepass:test")
});
/// Inside the lifetime of the seed tokens in `fuzz/seeds/token/`.
const NOW: i64 = 1_795_232_800;
const HEADER_TYP: &str = "gatepass+jwt";
/// The claims of a seed token: valid for `VERIFIER` at `NOW`.
const PAYLOAD: &[u8] = include_bytes!("../seeds/token-payload.json");

fuzz_target!(|data: &[u8]| {
    let (mode, rest) = data.split_first().map_or((0, data), |(m, r)| (*m, r));
    let token = match mode {
        1 => mint::sign_compact(&KEY, mint::header(HEADER_TYP, KEY.kid()).as_bytes(), rest),
        2 => mint::sign_compact(&KEY, rest, PAYLOAD),
        _ => String::from_utf8_lossy(rest).into_owned(),
    };
    for now in [NOW, 0, i64::MIN, i64::MAX] {
        if let Err(rejection) = VERIFIER.verify_at(&token, now) {
            let _ = (rejection.to_string(), rejection.rule());
        }
        let _ = VERIFIER.verify_ignoring_expiry_at(&token, now);
    }
});
