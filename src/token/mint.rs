//! Minting deploy tokens: the signing side, which deploy targets never need.

use super::b64;
use super::claims::{Claims, MAX_TTL_CAP_SECS, TOKEN_TYP};
use super::keys::{KeyError, SigningKey};

/// A token that could not be minted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MintError {
    /// The claims ask for a lifetime over the one-hour cap or a non-positive one.
    #[error(
        "token lifetime of {lifetime} s is outside 1..={MAX_TTL_CAP_SECS} s; lower `[token].ttl` in the policy"
    )]
    Lifetime {
        /// `exp - iat` in seconds.
        lifetime: i64,
    },
    /// The claims could not be serialised.
    #[error("cannot serialise token claims: {0}")]
    Serialise(#[from] serde_json::Error),
    /// No random bytes for the `jti`.
    #[error(transparent)]
    Random(#[from] KeyError),
}

/// Signs a compact JWS over the exact `header` and `payload` bytes (RFC 7515 §7.1, RFC 8037 §3.1).
///
/// This is the primitive; [`mint`] builds the gatepass header and claims around it.
pub fn sign_compact(key: &SigningKey, header: &[u8], payload: &[u8]) -> String {
    let mut out = b64::encode(header);
    out.push('.');
    out.push_str(&b64::encode(payload));
    let signature = key.sign(out.as_bytes());
    out.push('.');
    out.push_str(&b64::encode(&signature));
    out
}

/// The protected header of a JWS of `typ`, exactly `{"alg":"EdDSA","typ":…,"kid":…}`.
pub fn header(typ: &str, kid: &str) -> String {
    // Both values are base64url or fixed ASCII names; serde_json escapes them anyway.
    format!(
        r#"{{"alg":"EdDSA","typ":{},"kid":{}}}"#,
        serde_json::Value::from(typ),
        serde_json::Value::from(kid)
    )
}

/// Signs any serialisable payload as a compact JWS of the given `typ`.
pub fn sign_payload<T: serde::Serialize>(
    key: &SigningKey,
    typ: &str,
    payload: &T,
) -> Result<String, serde_json::Error> {
    let body = serde_json::to_vec(payload)?;
    Ok(sign_compact(key, header(typ, key.kid()).as_bytes(), &body))
}

/// 128 random bits, base64url: a fresh `jti`.
pub fn new_jti() -> Result<String, KeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(b64::encode(&bytes))
}

/// Mints a deploy token (`typ: gatepass+jwt`) over `claims`.
pub fn mint(key: &SigningKey, claims: &Claims) -> Result<String, MintError> {
    let lifetime = claims.exp.saturating_sub(claims.iat);
    if lifetime <= 0 || lifetime > MAX_TTL_CAP_SECS as i64 {
        return Err(MintError::Lifetime { lifetime });
    }
    Ok(sign_payload(key, TOKEN_TYP, claims)?)
}
