//! Signed checkpoints: the head of a log, signed by the gate key, to be kept outside the log.
//!
//! An anchor (`SEQ:HEX`) says what the log looked like, but anyone can write one. A checkpoint
//! is the same statement signed by the gate key, as a compact JWS (`typ:
//! gatepass-checkpoint+jwt`), so it can be kept where the log's writers cannot rewrite it and
//! checked later against the published keys: a log that no longer holds that head at that
//! position was cut, rewritten or forked. Signing and verifying reuse the strict JWS code of
//! [`crate::token`]; claims are parsed strictly (no unknown or duplicate members).

use serde::{Deserialize, Serialize};

use super::anchor::Anchor;
use super::line;
use crate::hash::Sha256Digest;
use crate::token::verify::{Rejection, verify_jws};
use crate::token::{Jwks, SigningKey, mint};

/// The `typ` of a checkpoint JWS. A deploy-token verifier refuses it, and this module refuses
/// every other type.
pub const CHECKPOINT_TYP: &str = "gatepass-checkpoint+jwt";

/// What a checkpoint states: record `seq` of the log whose first line hashes to `origin` has
/// line hash `head`, as seen at `iat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's head when the checkpoint was made: its last record's `seq` and line hash.
    pub head: Anchor,
    /// SHA-256 of the log's first line: which log this is.
    pub origin: Sha256Digest,
    /// When the checkpoint was signed, seconds since the epoch.
    pub iat: i64,
}

/// A checkpoint whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// What it states.
    pub checkpoint: Checkpoint,
    /// The `kid` of the key that signed it.
    pub kid: String,
}

/// The claims as written: every member required, nothing else allowed.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Claims {
    seq: u64,
    head: String,
    origin: String,
    iat: i64,
}

/// A checkpoint that cannot be trusted: not a checkpoint, or its signature does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The JWS failed a rule of the strict verifier (shape, header, type, key, signature).
    #[error("refused by rule `{rule}`", rule = .0.rule())]
    Rejected(#[from] Rejection),
    /// The signature verified but the claims are not a checkpoint's.
    #[error("the signed claims are not a checkpoint: {0}")]
    Claims(String),
}

/// Signs `checkpoint` with the gate key as a compact JWS of type [`CHECKPOINT_TYP`].
pub fn sign_checkpoint(
    key: &SigningKey,
    checkpoint: &Checkpoint,
) -> Result<String, serde_json::Error> {
    let claims = Claims {
        seq: checkpoint.head.seq,
        head: line::hex(&checkpoint.head.line_hash),
        origin: line::hex(&checkpoint.origin),
        iat: checkpoint.iat,
    };
    mint::sign_payload(key, CHECKPOINT_TYP, &claims)
}

/// Verifies a checkpoint (the compact JWS, surrounding whitespace allowed) against `keys`.
pub fn verify_checkpoint(text: &str, keys: &Jwks) -> Result<VerifiedCheckpoint, CheckpointError> {
    let signed = verify_jws(text.trim(), CHECKPOINT_TYP, keys)?;
    let claims: Claims = serde_json::from_value(signed.payload)
        .map_err(|e| CheckpointError::Claims(e.to_string()))?;
    let digest = |name: &str, hex: &str| {
        Sha256Digest::from_hex(hex).map_err(|_| {
            CheckpointError::Claims(format!("`{name}` is not 64 lowercase hex digits"))
        })
    };
    if claims.seq == 0 {
        return Err(CheckpointError::Claims(
            "`seq` is 0; a checkpoint names a record, from 1".into(),
        ));
    }
    Ok(VerifiedCheckpoint {
        checkpoint: Checkpoint {
            head: Anchor {
                seq: claims.seq,
                line_hash: digest("head", &claims.head)?,
            },
            origin: digest("origin", &claims.origin)?,
            iat: claims.iat,
        },
        kid: signed.kid,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::token::b64;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            head: Anchor {
                seq: 42,
                line_hash: Sha256Digest::of(b"head"),
            },
            origin: Sha256Digest::of(b"origin"),
            iat: 1_790_000_000,
        }
    }

    fn keys(key: &SigningKey) -> Jwks {
        Jwks::from_keys([key.public_key().clone()])
    }

    #[test]
    fn a_checkpoint_round_trips_and_names_its_key() {
        let key = SigningKey::from_seed(&[3; 32], "test").unwrap();
        let jws = sign_checkpoint(&key, &checkpoint()).unwrap();
        let header = b64::decode(jws.split('.').next().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            format!(
                r#"{{"alg":"EdDSA","typ":"gatepass-checkpoint+jwt","kid":"{}"}}"#,
                key.kid()
            )
        );
        let v = verify_checkpoint(&format!("{jws}\n"), &keys(&key)).unwrap();
        assert_eq!(v.checkpoint, checkpoint());
        assert_eq!(v.kid, key.kid());
    }

    #[test]
    fn tampered_foreign_or_mistyped_checkpoints_are_refused() {
        let key = SigningKey::from_seed(&[3; 32], "test").unwrap();
        let other = SigningKey::from_seed(&[5; 32], "test").unwrap();
        let jws = sign_checkpoint(&key, &checkpoint()).unwrap();
        let parts: Vec<&str> = jws.split('.').collect();

        // Another seq in the claims, signature kept.
        let mut c = checkpoint();
        c.head.seq = 41;
        let forged = sign_checkpoint(&key, &c).unwrap();
        let spliced = format!(
            "{}.{}.{}",
            parts[0],
            forged.split('.').nth(1).unwrap(),
            parts[2]
        );
        assert!(matches!(
            verify_checkpoint(&spliced, &keys(&key)),
            Err(CheckpointError::Rejected(Rejection::BadSignature))
        ));
        // Signed by a key not in the set.
        assert!(matches!(
            verify_checkpoint(&jws, &keys(&other)),
            Err(CheckpointError::Rejected(Rejection::UnknownKey { .. }))
        ));
        // A deploy token's type, or an approval's, is not a checkpoint.
        let token =
            mint::sign_payload(&key, "gatepass+jwt", &serde_json::json!({"seq": 1})).unwrap();
        assert!(matches!(
            verify_checkpoint(&token, &keys(&key)),
            Err(CheckpointError::Rejected(Rejection::Type { .. }))
        ));
        // Signed, typed, but not a checkpoint's claims.
        for claims in [
            serde_json::json!({"seq": 1, "head": "x", "origin": "y", "iat": 1}),
            serde_json::json!({"seq": 0, "head": "0".repeat(64), "origin": "0".repeat(64), "iat": 1}),
            serde_json::json!({"seq": 1, "head": "0".repeat(64), "origin": "0".repeat(64)}),
            serde_json::json!({"seq": 1, "head": "0".repeat(64), "origin": "0".repeat(64), "iat": 1, "x": 1}),
        ] {
            let jws = mint::sign_payload(&key, CHECKPOINT_TYP, &claims).unwrap();
            assert!(
                matches!(
                    verify_checkpoint(&jws, &keys(&key)),
                    Err(CheckpointError::Claims(_))
                ),
                "{claims}"
            );
        }
        assert!(verify_checkpoint("not a jws", &keys(&key)).is_err());
        assert!(verify_checkpoint("", &keys(&key)).is_err());
    }
}
