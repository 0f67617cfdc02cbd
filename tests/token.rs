//! Deploy-token format and verification rules: RFC 8037 vectors, one crafted token per
//! rejection rule, and the published Ed25519 test vectors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use gatepass::hash::Sha256Digest;
use gatepass::token::mint::{self, sign_compact};
use gatepass::token::verify::{Part, verify_jws};
use gatepass::token::{
    Audience, Claims, ExceptionClaim, Jwks, PolicyClaim, PublicKey, Rejection, ReleaseClaim,
    SigningKey, Verifier, b64,
};
use serde_json::{Value, json};

#[path = "support/vectors.rs"]
mod vectors;

const NOW: i64 = 1_790_000_000;
const RFC_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

fn rfc_key() -> SigningKey {
    let seed: [u8; 32] = b64::decode(RFC_D).unwrap().try_into().unwrap();
    SigningKey::from_seed(&seed, "rfc8037").unwrap()
}

fn claims() -> Claims {
    Claims {
        iss: "gatepass:acme-ml".into(),
        sub: "support-summarizer@1.4.0".into(),
        aud: Audience::One("production".into()),
        iat: NOW,
        nbf: NOW,
        exp: NOW + 900,
        jti: "mO8bIZbb0vOcTn6hJf0XnQ".into(),
        release: ReleaseClaim {
            name: "support-summarizer".into(),
            version: "1.4.0".into(),
            change: "prompt".into(),
            tier: "standard".into(),
            digest: Sha256Digest::of(b"release").prefixed(),
        },
        artifacts: BTreeMap::from([("model".into(), Sha256Digest::of(b"model bytes").prefixed())]),
        evidence: BTreeMap::new(),
        policy: PolicyClaim {
            id: "summarizer-production".into(),
            digest: Sha256Digest::of(b"policy").prefixed(),
        },
        approvals: vec![],
        exception: None,
    }
}

fn verifier() -> Verifier {
    Verifier::new(Jwks::from_keys([rfc_key().public_key().clone()]))
        .audience("production")
        .issuer("gatepass:acme-ml")
}

fn header_for(key: &SigningKey) -> Value {
    json!({"alg":"EdDSA","typ":"gatepass+jwt","kid":key.kid()})
}

/// Signs arbitrary header and payload JSON text with the RFC key.
fn craft(header: &str, payload: &str) -> String {
    sign_compact(&rfc_key(), header.as_bytes(), payload.as_bytes())
}

/// Signs already-encoded parts as they are, so malformed encodings carry a valid signature.
fn sign_raw(header_b64: &str, payload_b64: &str) -> String {
    let input = format!("{header_b64}.{payload_b64}");
    let sig = rfc_key().sign(input.as_bytes());
    format!("{input}.{}", b64::encode(&sig))
}

fn craft_values(header: &Value, payload: &Value) -> String {
    craft(&header.to_string(), &payload.to_string())
}

fn claims_value() -> Value {
    serde_json::to_value(claims()).unwrap()
}

fn with_claim(name: &str, value: Value) -> String {
    let mut c = claims_value();
    c[name] = value;
    craft_values(&header_for(&rfc_key()), &c)
}

fn without_claim(name: &str) -> String {
    let mut c = claims_value();
    c.as_object_mut().unwrap().remove(name);
    craft_values(&header_for(&rfc_key()), &c)
}

fn with_header(name: &str, value: Value) -> String {
    let mut h = header_for(&rfc_key());
    h[name] = value;
    craft_values(&h, &claims_value())
}

fn set_sig(token: &str, f: impl FnOnce(&mut [u8; 64])) -> String {
    let (signing_input, sig) = token.rsplit_once('.').unwrap();
    let mut sig: [u8; 64] = b64::decode(sig).unwrap().try_into().unwrap();
    f(&mut sig);
    format!("{signing_input}.{}", b64::encode(&sig))
}

/// L, the order of the Ed25519 base point, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn add_l(s: &mut [u8]) {
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(L) {
        let sum = u16::from(*b) + u16::from(l) + carry;
        *b = sum as u8;
        carry = sum >> 8;
    }
}

#[test]
fn rfc8037_a4_signature_is_reproduced_byte_for_byte_and_verifies() {
    let key = rfc_key();
    let jws = sign_compact(&key, br#"{"alg":"EdDSA"}"#, b"Example of Ed25519 signing");
    assert_eq!(
        jws,
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    );
    // The A.4 JWS has no typ or kid; it must verify at the signature level with the RFC key.
    let (input, sig) = jws.rsplit_once('.').unwrap();
    let sig: [u8; 64] = b64::decode(sig).unwrap().try_into().unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(key.public_key().as_bytes()).unwrap();
    public
        .verify_strict(
            input.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .unwrap();
    assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

#[test]
fn minted_token_has_the_exact_header_and_verifies() {
    let key = rfc_key();
    let token = mint::mint(&key, &claims()).unwrap();
    let header = b64::decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        r#"{"alg":"EdDSA","typ":"gatepass+jwt","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}"#
    );
    let v = verifier().verify_at(&token, NOW + 10).unwrap();
    assert_eq!(v.claims, claims());
    assert_eq!(v.kid, key.kid());
    assert!(!v.is_exception());
}

#[test]
fn jti_is_128_random_bits() {
    let a = mint::new_jti().unwrap();
    let b = mint::new_jti().unwrap();
    assert_eq!(b64::decode(&a).unwrap().len(), 16);
    assert_ne!(a, b);
}

#[test]
fn mint_refuses_lifetimes_over_the_cap() {
    let mut c = claims();
    c.exp = c.iat + 3601;
    assert!(mint::mint(&rfc_key(), &c).is_err());
    c.exp = c.iat;
    assert!(mint::mint(&rfc_key(), &c).is_err());
}

#[test]
fn accepted_cases() {
    let key = rfc_key();
    // Plain.
    verifier()
        .verify_at(&mint::mint(&key, &claims()).unwrap(), NOW)
        .unwrap();
    // aud array containing the environment.
    let mut c = claims();
    c.aud = Audience::Many(vec!["staging".into(), "production".into()]);
    verifier()
        .verify_at(&mint::mint(&key, &c).unwrap(), NOW)
        .unwrap();
    // Exception token (accepted by default).
    let mut c = claims();
    c.exception = Some(ExceptionClaim {
        waived: vec!["deploy-window".into()],
        reason: "hotfix".into(),
        risk_acceptance: "accepted".into(),
        approved_by: vec!["rm1".into(), "rm2".into()],
        expires: "2026-09-21T12:00:00Z".into(),
    });
    let v = verifier()
        .verify_at(&mint::mint(&key, &c).unwrap(), NOW)
        .unwrap();
    assert!(v.is_exception());
    // Within the leeway on every time claim.
    verifier()
        .verify_at(&mint::mint(&key, &claims()).unwrap(), NOW + 900 + 59)
        .unwrap();
    verifier()
        .verify_at(&mint::mint(&key, &claims()).unwrap(), NOW - 59)
        .unwrap();
    // No issuer configured: any issuer whose key is trusted.
    let no_iss = Verifier::new(Jwks::from_keys([key.public_key().clone()])).audience("production");
    let mut c = claims();
    c.iss = "someone-else".into();
    no_iss
        .verify_at(&mint::mint(&key, &c).unwrap(), NOW)
        .unwrap();
    // Unknown extra claims are ignored.
    let mut c = claims_value();
    c["x-extra"] = json!(1);
    verifier()
        .verify_at(&craft_values(&header_for(&key), &c), NOW)
        .unwrap();
}

/// One crafted token per rejection rule, each asserting the exact variant.
#[test]
fn every_rejection_rule_has_a_crafted_token() {
    let key = rfc_key();
    let good = mint::mint(&key, &claims()).unwrap();
    let (gh, rest) = good.split_once('.').unwrap();
    let (gp, gs) = rest.split_once('.').unwrap();
    let other_key = SigningKey::from_seed(&[7u8; 32], "other").unwrap();
    let mut exc = claims();
    exc.exception = Some(ExceptionClaim {
        waived: vec!["deploy-window".into()],
        reason: "hotfix".into(),
        risk_acceptance: "accepted".into(),
        approved_by: vec!["rm1".into()],
        expires: "2026-09-21T12:00:00Z".into(),
    });

    let dup_header = format!(
        r#"{{"alg":"EdDSA","typ":"gatepass+jwt","kid":"{}","alg":"EdDSA"}}"#,
        key.kid()
    );
    let c = claims_value().to_string();
    let dup_payload = format!(r#"{{"aud":"staging",{}"#, &c[1..]);

    let cases: Vec<(&str, String, Rejection)> = vec![
        (
            "two parts",
            format!("{gh}.{gp}"),
            Rejection::Malformed {
                reason: String::new(),
            },
        ),
        (
            "four parts",
            format!("{good}.x"),
            Rejection::Malformed {
                reason: String::new(),
            },
        ),
        (
            "detached payload",
            format!("{gh}..{gs}"),
            Rejection::Malformed {
                reason: String::new(),
            },
        ),
        (
            "padded header",
            sign_raw(&format!("{gh}="), gp),
            Rejection::NonCanonicalBase64 { part: Part::Header },
        ),
        (
            "padded payload",
            sign_raw(gh, &format!("{gp}=")),
            Rejection::NonCanonicalBase64 {
                part: Part::Payload,
            },
        ),
        (
            "padded signature",
            format!("{good}=="),
            Rejection::NonCanonicalBase64 {
                part: Part::Signature,
            },
        ),
        (
            "standard alphabet in payload",
            sign_raw(
                gh,
                &gp.replacen(|c: char| c.is_ascii_alphanumeric(), "+", 1),
            ),
            Rejection::NonCanonicalBase64 {
                part: Part::Payload,
            },
        ),
        (
            "non-canonical trailing bits",
            non_canonical_trailing_bits(&good),
            Rejection::NonCanonicalBase64 {
                part: Part::Signature,
            },
        ),
        (
            "duplicate key in header",
            craft(&dup_header, &c),
            Rejection::DuplicateKey {
                part: Part::Header,
                key: "alg".into(),
            },
        ),
        (
            "duplicate key in payload",
            craft(&header_for(&key).to_string(), &dup_payload),
            Rejection::DuplicateKey {
                part: Part::Payload,
                key: "aud".into(),
            },
        ),
        (
            "header not JSON",
            craft("not json", &c),
            Rejection::InvalidJson {
                part: Part::Header,
                reason: String::new(),
            },
        ),
        (
            "payload not an object",
            craft(&header_for(&key).to_string(), "[1]"),
            Rejection::InvalidJson {
                part: Part::Payload,
                reason: String::new(),
            },
        ),
        (
            "alg none",
            with_header("alg", json!("none")),
            Rejection::Algorithm {
                found: "none".into(),
            },
        ),
        (
            "alg HS256",
            with_header("alg", json!("HS256")),
            Rejection::Algorithm {
                found: "HS256".into(),
            },
        ),
        (
            "alg Ed25519",
            with_header("alg", json!("Ed25519")),
            Rejection::Algorithm {
                found: "Ed25519".into(),
            },
        ),
        (
            "typ JWT",
            with_header("typ", json!("JWT")),
            Rejection::Type {
                expected: "gatepass+jwt".into(),
                found: "JWT".into(),
            },
        ),
        (
            "typ approval record",
            with_header("typ", json!("gatepass-approval+jwt")),
            Rejection::Type {
                expected: "gatepass+jwt".into(),
                found: "gatepass-approval+jwt".into(),
            },
        ),
        (
            "crit",
            with_header("crit", json!(["exp"])),
            Rejection::ForbiddenHeader {
                name: "crit".into(),
            },
        ),
        (
            "jku",
            with_header("jku", json!("https://evil.example/jwks")),
            Rejection::ForbiddenHeader { name: "jku".into() },
        ),
        (
            "jwk",
            with_header("jwk", key.public_key().to_jwk()),
            Rejection::ForbiddenHeader { name: "jwk".into() },
        ),
        (
            "x5u",
            with_header("x5u", json!("https://evil.example/cert")),
            Rejection::ForbiddenHeader { name: "x5u".into() },
        ),
        (
            "x5c",
            with_header("x5c", json!(["MIIB"])),
            Rejection::ForbiddenHeader { name: "x5c".into() },
        ),
        (
            "b64",
            with_header("b64", json!(false)),
            Rejection::ForbiddenHeader { name: "b64".into() },
        ),
        (
            "unknown header",
            with_header("cty", json!("JWT")),
            Rejection::UnknownHeader { name: "cty".into() },
        ),
        (
            "missing kid",
            {
                let mut h = header_for(&key);
                h.as_object_mut().unwrap().remove("kid");
                craft_values(&h, &claims_value())
            },
            Rejection::MissingKid,
        ),
        (
            "unknown kid",
            with_header("kid", json!(other_key.kid())),
            Rejection::UnknownKey {
                kid: other_key.kid().into(),
            },
        ),
        (
            "signed by an untrusted key under a trusted kid",
            sign_compact(
                &other_key,
                header_for(&key).to_string().as_bytes(),
                c.as_bytes(),
            ),
            Rejection::BadSignature,
        ),
        (
            "short signature",
            format!("{gh}.{gp}.{}", b64::encode(&[1u8; 63])),
            Rejection::SignatureLength { len: 63 },
        ),
        (
            "S >= L",
            set_sig(&good, |s| add_l(&mut s[32..])),
            Rejection::NonCanonicalScalar,
        ),
        (
            "small-order R",
            set_sig(&good, |s| {
                s[..32].copy_from_slice(&identity());
            }),
            Rejection::SmallOrderR,
        ),
        (
            "flipped signature bit",
            set_sig(&good, |s| s[40] ^= 1),
            Rejection::BadSignature,
        ),
        (
            "payload changed after signing",
            format!("{gh}.{}.{gs}", b64::encode(dup_payload.as_bytes())),
            Rejection::BadSignature,
        ),
        (
            "missing exp",
            without_claim("exp"),
            Rejection::MissingClaim { claim: "exp" },
        ),
        (
            "missing iat",
            without_claim("iat"),
            Rejection::MissingClaim { claim: "iat" },
        ),
        (
            "missing jti",
            without_claim("jti"),
            Rejection::MissingClaim { claim: "jti" },
        ),
        (
            "missing aud",
            without_claim("aud"),
            Rejection::MissingClaim { claim: "aud" },
        ),
        (
            "missing iss",
            without_claim("iss"),
            Rejection::MissingClaim { claim: "iss" },
        ),
        (
            "exp as string",
            with_claim("exp", json!((NOW + 900).to_string())),
            Rejection::NonIntegerTime { claim: "exp" },
        ),
        (
            "exp as float",
            with_claim("exp", json!(NOW as f64 + 900.5)),
            Rejection::NonIntegerTime { claim: "exp" },
        ),
        (
            "nbf as string",
            with_claim("nbf", json!(NOW.to_string())),
            Rejection::NonIntegerTime { claim: "nbf" },
        ),
        (
            "release wrong shape",
            with_claim("release", json!("x")),
            Rejection::InvalidClaims {
                reason: String::new(),
            },
        ),
        (
            "aud other environment",
            with_claim("aud", json!("staging")),
            Rejection::Audience {
                expected: "production".into(),
                found: "\"staging\"".into(),
            },
        ),
        (
            "aud shares a prefix",
            with_claim("aud", json!("production-eu")),
            Rejection::Audience {
                expected: "production".into(),
                found: "\"production-eu\"".into(),
            },
        ),
        (
            "aud is a prefix",
            with_claim("aud", json!("prod")),
            Rejection::Audience {
                expected: "production".into(),
                found: "\"prod\"".into(),
            },
        ),
        (
            "aud array without the environment",
            with_claim("aud", json!(["staging", "production-eu"])),
            Rejection::Audience {
                expected: "production".into(),
                found: r#"["staging","production-eu"]"#.into(),
            },
        ),
        (
            "iss differs",
            with_claim("iss", json!("gatepass:other")),
            Rejection::Issuer {
                expected: "gatepass:acme-ml".into(),
                found: "gatepass:other".into(),
            },
        ),
        (
            "lifetime over the cap",
            with_claim("exp", json!(NOW + 3601)),
            Rejection::LifetimeTooLong {
                lifetime: 3601,
                max: 3600,
            },
        ),
        (
            "iat in the future",
            {
                let mut c = claims_value();
                c["iat"] = json!(NOW + 120);
                c["nbf"] = json!(NOW + 120);
                c["exp"] = json!(NOW + 1000);
                craft_values(&header_for(&key), &c)
            },
            Rejection::IssuedInFuture {
                iat: NOW + 120,
                now: NOW,
            },
        ),
        (
            "nbf in the future",
            with_claim("nbf", json!(NOW + 61)),
            Rejection::NotYetValid {
                nbf: NOW + 61,
                now: NOW,
            },
        ),
        (
            "expired",
            {
                let mut c = claims_value();
                c["iat"] = json!(NOW - 1000);
                c["nbf"] = json!(NOW - 1000);
                c["exp"] = json!(NOW - 60);
                craft_values(&header_for(&key), &c)
            },
            Rejection::Expired {
                exp: NOW - 60,
                now: NOW,
            },
        ),
    ];
    for (name, token, expected) in cases {
        let got = verifier().verify_at(&token, NOW).expect_err(name);
        assert!(
            same_rule(&got, &expected),
            "{name}: expected {expected:?}, got {got:?}"
        );
    }
    // Rules that depend on the verifier's settings.
    let exc_token = mint::mint(&key, &exc).unwrap();
    assert_eq!(
        verifier().deny_exceptions(true).verify_at(&exc_token, NOW),
        Err(Rejection::ExceptionDenied {
            waived: vec!["deploy-window".into()]
        })
    );
    assert_eq!(
        Verifier::new(Jwks::from_keys([key.public_key().clone()])).verify_at(&good, NOW),
        Err(Rejection::NoAudience)
    );
    assert_eq!(
        Verifier::new(Jwks::from_keys([key.public_key().clone()]))
            .audience("")
            .verify_at(&good, NOW),
        Err(Rejection::NoAudience),
        "an empty audience is no audience"
    );
    let short = verifier().max_ttl(std::time::Duration::from_secs(600));
    assert_eq!(
        short.verify_at(&good, NOW),
        Err(Rejection::LifetimeTooLong {
            lifetime: 900,
            max: 600
        })
    );
    let v = verifier().verify_at(&good, NOW).unwrap();
    assert_eq!(
        v.check_artifact_digest("tokenizer", &Sha256Digest::of(b"x")),
        Err(Rejection::ArtifactNotInToken {
            name: "tokenizer".into()
        })
    );
    assert!(matches!(
        v.check_artifact_digest("model", &Sha256Digest::of(b"model bytes!")),
        Err(Rejection::ArtifactMismatch { .. })
    ));
    v.check_artifact_digest("model", &Sha256Digest::of(b"model bytes"))
        .unwrap();
}

/// Variant equality, and field equality where the field is part of the rule (messages from
/// the JSON parser are compared only by variant).
fn same_rule(got: &Rejection, expected: &Rejection) -> bool {
    match (got, expected) {
        (Rejection::Malformed { .. }, Rejection::Malformed { .. }) => true,
        (Rejection::InvalidJson { part: a, .. }, Rejection::InvalidJson { part: b, .. }) => a == b,
        (Rejection::InvalidClaims { .. }, Rejection::InvalidClaims { .. }) => true,
        _ => got == expected,
    }
}

fn identity() -> [u8; 32] {
    let mut p = [0u8; 32];
    p[0] = 1;
    p
}

/// Changes the signature's last base64url character so that its unused low bits are set:
/// the same bytes, a second spelling.
fn non_canonical_trailing_bits(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    // 64 bytes = 85 full chars + 1 char carrying 4 bits and 2 unused bits.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *sig.as_bytes().last().unwrap();
    let idx = alphabet.iter().position(|&c| c == last).unwrap();
    let changed = alphabet[idx | 1] as char;
    assert_ne!(changed as u8, last, "the canonical char has zero low bits");
    format!("{input}.{}{changed}", &sig[..sig.len() - 1])
}

#[test]
fn verify_jws_is_shared_by_record_types() {
    let key = rfc_key();
    let jwks = Jwks::from_keys([key.public_key().clone()]);
    let record =
        mint::sign_payload(&key, "gatepass-approval+jwt", &json!({"role":"ml-lead"})).unwrap();
    assert_eq!(
        verify_jws(&record, "gatepass-approval+jwt", &jwks)
            .unwrap()
            .payload["role"],
        "ml-lead"
    );
    assert!(matches!(
        verify_jws(&record, "gatepass+jwt", &jwks),
        Err(Rejection::Type { .. })
    ));
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Signature-level check with our key acceptance rules, for test vectors over raw messages.
fn vector_verifies(public: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(public) = <[u8; 32]>::try_from(public) else {
        return false;
    };
    let Ok(key) = PublicKey::from_bytes(&public, "vector") else {
        return false;
    };
    // Frame the raw message as a JWS signing input is not possible (the signature covers the
    // raw message), so go through the same strict primitive the verifier uses.
    gatepass::token::verify::check_signature_raw(&key, msg, sig).is_ok()
}

#[test]
fn wycheproof_ed25519_vectors() {
    let Some(dir) = vectors::shared("Wycheproof") else {
        return;
    };
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.join("wycheproof_ed25519_test.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let public = hex(group["publicKey"]["pk"].as_str().unwrap());
        for t in group["tests"].as_array().unwrap() {
            let ok = vector_verifies(
                &public,
                &hex(t["msg"].as_str().unwrap()),
                &hex(t["sig"].as_str().unwrap()),
            );
            let expected = t["result"] == "valid";
            assert_eq!(
                ok, expected,
                "Wycheproof tcId {} ({})",
                t["tcId"], t["comment"]
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} vectors");
}

/// ed25519-speccheck (Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs"): gatepass
/// accepts only signatures valid under every reading of the standard: S < L, canonical A and
/// R, neither of small order, and the cofactorless equation.
#[test]
fn ed25519_speccheck_cases() {
    let Some(dir) = vectors::shared("speccheck") else {
        return;
    };
    let cases: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("ed25519_speccheck_cases.json")).unwrap())
            .unwrap();
    let got: Vec<bool> = cases
        .iter()
        .map(|c| {
            vector_verifies(
                &hex(c["pub_key"].as_str().unwrap()),
                &hex(c["message"].as_str().unwrap()),
                &hex(c["signature"].as_str().unwrap()),
            )
        })
        .collect();
    // Case: 0 small A+R, 1 small A, 2 small R, 3 mixed-order A/R valid cofactorless,
    // 4-5 valid only cofactored, 6-7 S >= L, 8-9 non-canonical small R, 10-11 non-canonical A.
    let expected = [
        false, false, false, true, false, false, false, false, false, false, false, false,
    ];
    assert_eq!(got, expected);
}

/// The leeway is capped at 300 s in the library as in the CLI (larger values are clamped), and
/// the option table in `docs/token.md` says so.
#[test]
fn leeway_is_capped_at_300_s_and_documented_so() {
    use gatepass::token::verify::MAX_LEEWAY_SECS;
    assert_eq!(MAX_LEEWAY_SECS, 300);
    let token = mint::mint(&rfc_key(), &claims()).unwrap();
    let lenient = verifier().leeway(std::time::Duration::from_secs(3600));
    lenient.verify_at(&token, NOW + 900 + 299).unwrap();
    assert_eq!(
        lenient.verify_at(&token, NOW + 900 + 300),
        Err(Rejection::Expired {
            exp: NOW + 900,
            now: NOW + 900 + 300
        }),
        "a leeway over 300 s is clamped to 300 s"
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/token.md")).unwrap();
    let row = doc
        .lines()
        .find(|l| l.starts_with("| `.leeway(d)`"))
        .expect("docs/token.md has a row for .leeway");
    assert!(!row.contains("no upper bound"), "{row}");
    assert!(row.contains("300 s"), "{row}");
    let deploy = std::fs::read_to_string(root.join("docs/deploy-target.md")).unwrap();
    let row = deploy
        .lines()
        .find(|l| l.starts_with("| `--leeway S`"))
        .expect("docs/deploy-target.md has a row for --leeway");
    assert!(row.contains("300"), "{row}");
}

/// A deploy target may pin the policy: its id, and one or more digests.
#[test]
fn pinned_policy_id_and_digests() {
    let token = mint::mint(&rfc_key(), &claims()).unwrap();
    let right = Sha256Digest::of(b"policy");
    let other = Sha256Digest::of(b"another policy");
    // Any one of the pinned digests admits the token.
    verifier()
        .policy_digest(other)
        .policy_digest(right)
        .verify_at(&token, NOW)
        .unwrap();
    verifier()
        .policy_id("summarizer-production")
        .verify_at(&token, NOW)
        .unwrap();
    let err = verifier()
        .policy_digest(other)
        .verify_at(&token, NOW)
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::PolicyDigest {
            expected: vec![other.prefixed()],
            found: right.prefixed(),
        }
    );
    assert_eq!(err.rule(), "policy-digest");
    let err = verifier()
        .policy_id("summarizer-staging")
        .verify_at(&token, NOW)
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::PolicyId {
            expected: "summarizer-staging".into(),
            found: "summarizer-production".into(),
        }
    );
    assert_eq!(err.rule(), "policy-id");
    // The claim is compared exactly: another spelling of the same digest is not the pinned one.
    let mut c = claims();
    c.policy.digest = c.policy.digest.to_uppercase().replace("SHA256:", "sha256:");
    let upper = mint::mint(&rfc_key(), &c).unwrap();
    assert!(matches!(
        verifier().policy_digest(right).verify_at(&upper, NOW),
        Err(Rejection::PolicyDigest { .. })
    ));
    // Restarts under a receipt are held to the same pins.
    assert!(matches!(
        verifier()
            .policy_id("summarizer-staging")
            .verify_ignoring_expiry_at(&token, NOW + 7200),
        Err(Rejection::PolicyId { .. })
    ));
}
