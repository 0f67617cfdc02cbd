//! Verifying deploy tokens: the side a deploy target links.
//!
//! A deploy target's startup check is [`StartupCheck`]: keys (a file, or a URL with the `fetch`
//! feature), the token, artifacts, replay store and restart receipt, exactly as
//! `gatepass verify` runs it. [`Verifier`] is the token check alone:
//!
//! ```no_run
//! use gatepass::token::{Jwks, Verifier};
//!
//! let keys = Jwks::from_file("gate.jwks.json".as_ref())?;
//! let token = std::env::var("GATEPASS_TOKEN")?;
//! let verified = Verifier::new(keys)
//!     .audience("production")
//!     .issuer("gatepass:acme-ml")
//!     .verify(&token)?;
//! verified.check_artifact_digest("model", &gatepass::hash::sha256_file("model.onnx".as_ref())?)?;
//! println!("running {}", verified.claims.sub);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every check is on by default and cannot be switched off, except `iss` (checked only when
//! [`Verifier::issuer`] is set), the policy (checked only when [`Verifier::policy_id`] or
//! [`Verifier::policy_digest`] is set) and exception tokens (accepted unless
//! [`Verifier::deny_exceptions`] is set). A verifier without [`Verifier::audience`] refuses
//! every token: an audience is required.

#[cfg(feature = "fetch")]
pub mod fetch;
mod startup;

pub use startup::{Admitted, KeySource, Outcome, StartupCheck, StartupError};

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use serde_json::Value;

use super::claims::{Claims, MAX_TTL_CAP_SECS, TOKEN_TYP};
use super::jwks::Jwks;
use super::{b64, json};
use crate::hash::Sha256Digest;

/// Default clock leeway for `nbf`, `iat` and `exp`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// Largest clock leeway accepted, in seconds: beyond it a 15-minute token would be valid for
/// much longer than its issuer meant.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// Which part of a compact JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The protected header.
    Header,
    /// The payload (claims).
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token was refused. Each variant is one rule; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Not a compact JWS: three non-empty dot-separated parts are required.
    #[error("malformed: {reason}")]
    Malformed {
        /// What is wrong with the shape.
        reason: String,
    },
    /// A part uses padding, the standard base64 alphabet, or non-zero trailing bits.
    #[error("non-canonical base64url in the {part}")]
    NonCanonicalBase64 {
        /// The offending part.
        part: Part,
    },
    /// The header or payload is not a JSON object.
    #[error("invalid JSON in the {part}: {reason}")]
    InvalidJson {
        /// The offending part.
        part: Part,
        /// The parser's complaint.
        reason: String,
    },
    /// The header or payload holds the same key twice (readers could disagree on its value).
    #[error("duplicate key {key:?} in the {part}")]
    DuplicateKey {
        /// The offending part.
        part: Part,
        /// The duplicated key.
        key: String,
    },
    /// `alg` is missing or not `EdDSA` (no `none`, no HMAC, no algorithm substitution).
    #[error("algorithm {found:?} is not accepted; only \"EdDSA\"")]
    Algorithm {
        /// The `alg` found, or `(missing)`.
        found: String,
    },
    /// `typ` is missing or not the expected type (`gatepass+jwt` for deploy tokens), so an
    /// approval record or another system's JWT cannot pass as a deploy token.
    #[error("type {found:?} is not accepted; expected {expected:?}")]
    Type {
        /// The `typ` required.
        expected: String,
        /// The `typ` found, or `(missing)`.
        found: String,
    },
    /// A header that changes how the token is processed or where keys come from:
    /// `crit`, `jku`, `jwk`, `x5u`, `x5c` or `b64`.
    #[error("forbidden header {name:?}: keys come only from the configured key set")]
    ForbiddenHeader {
        /// The header name.
        name: String,
    },
    /// A header other than `alg`, `typ` and `kid`.
    #[error("unexpected header {name:?}; the header must hold exactly alg, typ and kid")]
    UnknownHeader {
        /// The header name.
        name: String,
    },
    /// `kid` is missing or not a string.
    #[error("missing `kid` header")]
    MissingKid,
    /// No key in the configured set has this `kid`.
    #[error("unknown key id {kid:?}; the key is not in the configured key set")]
    UnknownKey {
        /// The `kid` found.
        kid: String,
    },
    /// The signature is not 64 bytes.
    #[error("signature is {len} bytes; Ed25519 signatures are 64")]
    SignatureLength {
        /// The decoded length.
        len: usize,
    },
    /// The signature's scalar S is not below the group order L (a malleated signature).
    #[error("non-canonical signature: S >= L")]
    NonCanonicalScalar,
    /// The signature's R is a point of small order.
    #[error("signature R is of small order")]
    SmallOrderR,
    /// The signature does not verify under the key named by `kid`.
    #[error("bad signature")]
    BadSignature,
    /// A required claim is absent.
    #[error("missing required claim `{claim}`")]
    MissingClaim {
        /// The claim.
        claim: &'static str,
    },
    /// `iat`, `nbf` or `exp` is not a JSON integer (a string, a float, out of range).
    #[error("claim `{claim}` must be an integer number of seconds")]
    NonIntegerTime {
        /// The claim.
        claim: &'static str,
    },
    /// The claims do not have the deploy-token shape.
    #[error("invalid claims: {reason}")]
    InvalidClaims {
        /// What does not fit.
        reason: String,
    },
    /// The verifier has no audience configured, so it accepts nothing.
    #[error("no audience configured; a verifier must name the environment it guards")]
    NoAudience,
    /// `aud` is not exactly the expected environment (nor an array containing it).
    #[error("audience {found} does not include {expected:?}")]
    Audience {
        /// The environment required.
        expected: String,
        /// The `aud` found, as JSON.
        found: String,
    },
    /// `iss` differs from the expected issuer.
    #[error("issuer {found:?} is not the expected {expected:?}")]
    Issuer {
        /// The issuer required.
        expected: String,
        /// The `iss` found.
        found: String,
    },
    /// `policy.id` differs from the policy id the verifier pins.
    #[error("policy {found:?} is not the pinned policy {expected:?}")]
    PolicyId {
        /// The policy id required.
        expected: String,
        /// The `policy.id` found.
        found: String,
    },
    /// `policy.digest` is none of the policy digests the verifier pins.
    #[error("policy digest {found:?} is not a pinned digest ({})", expected.join(", "))]
    PolicyDigest {
        /// The pinned digests, `sha256:<hex>`, in the order they were given.
        expected: Vec<String>,
        /// The `policy.digest` found.
        found: String,
    },
    /// `exp - iat` exceeds the maximum lifetime.
    #[error("lifetime of {lifetime} s exceeds the maximum of {max} s")]
    LifetimeTooLong {
        /// `exp - iat` in seconds.
        lifetime: i64,
        /// The maximum accepted.
        max: u64,
    },
    /// `iat` lies in the future beyond the leeway.
    #[error("issued in the future (iat {iat}, now {now})")]
    IssuedInFuture {
        /// The `iat`.
        iat: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `nbf` lies in the future beyond the leeway.
    #[error("not valid yet (nbf {nbf}, now {now})")]
    NotYetValid {
        /// The `nbf`.
        nbf: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `exp` has passed, beyond the leeway.
    #[error("expired (exp {exp}, now {now})")]
    Expired {
        /// The `exp`.
        exp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// An exception token, and the verifier was told to refuse them.
    #[error("exception token refused (waives {})", waived.join(", "))]
    ExceptionDenied {
        /// The criteria the exception waived.
        waived: Vec<String>,
    },
    /// An artifact the target checks is not named in the token.
    #[error("artifact {name:?} is not in the token")]
    ArtifactNotInToken {
        /// The artifact name.
        name: String,
    },
    /// An artifact's bytes differ from the digest in the token.
    #[error("artifact {name:?} does not match: token has {expected}, file is {found}")]
    ArtifactMismatch {
        /// The artifact name.
        name: String,
        /// The digest in the token.
        expected: String,
        /// The digest of the file.
        found: String,
    },
    /// The `jti` was seen before by this target's replay store.
    #[error("replayed token (jti {jti:?} already used)")]
    Replayed {
        /// The `jti`.
        jti: String,
    },
}

impl Rejection {
    /// A stable, short name of the rule, for logs and audit records.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::NonCanonicalBase64 { .. } => "non-canonical-base64",
            Self::InvalidJson { .. } => "invalid-json",
            Self::DuplicateKey { .. } => "duplicate-key",
            Self::Algorithm { .. } => "algorithm",
            Self::Type { .. } => "type",
            Self::ForbiddenHeader { .. } => "forbidden-header",
            Self::UnknownHeader { .. } => "unknown-header",
            Self::MissingKid => "missing-kid",
            Self::UnknownKey { .. } => "unknown-key",
            Self::SignatureLength { .. } => "signature-length",
            Self::NonCanonicalScalar => "non-canonical-scalar",
            Self::SmallOrderR => "small-order-r",
            Self::BadSignature => "bad-signature",
            Self::MissingClaim { .. } => "missing-claim",
            Self::NonIntegerTime { .. } => "non-integer-time",
            Self::InvalidClaims { .. } => "invalid-claims",
            Self::NoAudience => "no-audience",
            Self::Audience { .. } => "audience",
            Self::Issuer { .. } => "issuer",
            Self::PolicyId { .. } => "policy-id",
            Self::PolicyDigest { .. } => "policy-digest",
            Self::LifetimeTooLong { .. } => "lifetime",
            Self::IssuedInFuture { .. } => "iat-in-future",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::Expired { .. } => "expired",
            Self::ExceptionDenied { .. } => "exception-denied",
            Self::ArtifactNotInToken { .. } => "artifact-not-in-token",
            Self::ArtifactMismatch { .. } => "artifact-mismatch",
            Self::Replayed { .. } => "replayed",
        }
    }
}

/// Headers that would let the token choose its own key or processing rules.
const FORBIDDEN_HEADERS: [&str; 6] = ["crit", "jku", "jwk", "x5u", "x5c", "b64"];

/// A JWS whose signature verified under a key of the set.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedPayload {
    /// The `kid` of the key that verified it.
    pub kid: String,
    /// The payload, parsed strictly (no duplicate keys).
    pub payload: Value,
}

/// Verifies a compact JWS of the given `typ`: shape, canonical base64url, strict JSON, header
/// rules, key lookup and a strict Ed25519 signature check. Claims are not looked at.
///
/// Deploy tokens go through [`Verifier`]; approval and exception records use this directly.
pub fn verify_jws(token: &str, typ: &str, keys: &Jwks) -> Result<SignedPayload, Rejection> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Malformed {
            reason: "a compact JWS has exactly three dot-separated parts".into(),
        });
    };
    if h.is_empty() || p.is_empty() || s.is_empty() {
        return Err(Rejection::Malformed {
            reason: "empty part (detached payloads are not accepted)".into(),
        });
    }
    let header = decode_json(h, Part::Header)?;
    let header = header.as_object().ok_or(Rejection::InvalidJson {
        part: Part::Header,
        reason: "not an object".into(),
    })?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "EdDSA" => {}
        other => {
            return Err(Rejection::Algorithm {
                found: describe(other),
            });
        }
    }
    if let Some(name) = FORBIDDEN_HEADERS.iter().find(|n| header.contains_key(**n)) {
        return Err(Rejection::ForbiddenHeader {
            name: (*name).to_owned(),
        });
    }
    match header.get("typ") {
        Some(Value::String(t)) if t == typ => {}
        other => {
            return Err(Rejection::Type {
                expected: typ.to_owned(),
                found: describe(other),
            });
        }
    }
    if let Some(name) = header
        .keys()
        .find(|k| !matches!(k.as_str(), "alg" | "typ" | "kid"))
    {
        return Err(Rejection::UnknownHeader { name: name.clone() });
    }
    let Some(Value::String(kid)) = header.get("kid") else {
        return Err(Rejection::MissingKid);
    };
    let key = keys
        .get(kid)
        .ok_or_else(|| Rejection::UnknownKey { kid: kid.clone() })?;
    let sig = b64::decode(s).ok_or(Rejection::NonCanonicalBase64 {
        part: Part::Signature,
    })?;
    let sig: [u8; 64] = sig
        .as_slice()
        .try_into()
        .map_err(|_| Rejection::SignatureLength { len: sig.len() })?;
    check_signature(
        key.dalek(),
        &token.as_bytes()[..h.len() + 1 + p.len()],
        &sig,
    )?;
    let payload = decode_json(p, Part::Payload)?;
    if !payload.is_object() {
        return Err(Rejection::InvalidJson {
            part: Part::Payload,
            reason: "not an object".into(),
        });
    }
    Ok(SignedPayload {
        kid: kid.clone(),
        payload,
    })
}

/// Strict Ed25519 (RFC 8032 §5.1.7 without cofactor): S < L, R not of small order, R
/// canonically encoded, and `[S]B = R + [k]A` exactly. Small-order keys never reach here:
/// they are refused when the key set is loaded.
fn check_signature(
    key: &ed25519_dalek::VerifyingKey,
    message: &[u8],
    sig: &[u8; 64],
) -> Result<(), Rejection> {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&sig[..32]);
    s.copy_from_slice(&sig[32..]);
    if bool::from(Scalar::from_canonical_bytes(s).is_none()) {
        return Err(Rejection::NonCanonicalScalar);
    }
    match CompressedEdwardsY(r).decompress() {
        None => return Err(Rejection::BadSignature),
        Some(point) if point.is_small_order() => return Err(Rejection::SmallOrderR),
        Some(_) => {}
    }
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(sig))
        .map_err(|_| Rejection::BadSignature)
}

fn decode_json(part_text: &str, part: Part) -> Result<Value, Rejection> {
    let bytes = b64::decode(part_text).ok_or(Rejection::NonCanonicalBase64 { part })?;
    json::parse(&bytes).map_err(|e| match e {
        json::StrictJsonError::DuplicateKey(key) => Rejection::DuplicateKey { part, key },
        other => Rejection::InvalidJson {
            part,
            reason: other.to_string(),
        },
    })
}

fn describe(v: Option<&Value>) -> String {
    match v {
        None => "(missing)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A deploy token that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    /// The `kid` of the gate key that signed it.
    pub kid: String,
    /// The typed claims.
    pub claims: Claims,
    /// The signed claims as parsed JSON, including claims gatepass does not know (for printing
    /// and receipts); object keys are in sorted order.
    pub payload: Value,
}

impl VerifiedToken {
    /// Whether this is an exception token (some criteria were waived).
    pub fn is_exception(&self) -> bool {
        self.claims.exception.is_some()
    }

    /// Checks a deployed artifact's digest against the token's claim for `name`.
    pub fn check_artifact_digest(
        &self,
        name: &str,
        actual: &Sha256Digest,
    ) -> Result<(), Rejection> {
        let claimed =
            self.claims
                .artifacts
                .get(name)
                .ok_or_else(|| Rejection::ArtifactNotInToken {
                    name: name.to_owned(),
                })?;
        let found = actual.prefixed();
        if *claimed == found {
            Ok(())
        } else {
            Err(Rejection::ArtifactMismatch {
                name: name.to_owned(),
                expected: claimed.clone(),
                found,
            })
        }
    }
}

/// Verifies deploy tokens for one environment.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Jwks,
    audience: Option<String>,
    issuer: Option<String>,
    policy_id: Option<String>,
    policy_digests: Vec<String>,
    leeway: u64,
    max_ttl: u64,
    deny_exceptions: bool,
}

impl Verifier {
    /// A verifier trusting `keys`. Set [`audience`](Self::audience) before use: without it every
    /// token is refused.
    pub fn new(keys: Jwks) -> Self {
        Self {
            keys,
            audience: None,
            issuer: None,
            policy_id: None,
            policy_digests: Vec::new(),
            leeway: DEFAULT_LEEWAY_SECS,
            max_ttl: MAX_TTL_CAP_SECS,
            deny_exceptions: false,
        }
    }

    /// The environment this target runs in. Required. `aud` must equal it exactly, or be an
    /// array with an element equal to it; a shared prefix is not enough.
    pub fn audience(mut self, environment: impl Into<String>) -> Self {
        self.audience = Some(environment.into());
        self
    }

    /// The expected `iss`. Default: any issuer whose key is in the set. Setting it matters when
    /// one key set serves several gates.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Pins the policy by id: the token's `policy.id` must equal `id` exactly. Default: any
    /// policy. Setting it makes a target refuse tokens minted under another policy (say, a
    /// staging policy whose `environment` was edited to name this target) even when they are
    /// signed by a trusted key.
    pub fn policy_id(mut self, id: impl Into<String>) -> Self {
        self.policy_id = Some(id.into());
        self
    }

    /// Pins the policy by digest; call once per accepted digest. The token's `policy.digest`
    /// must equal one of them exactly, in its `sha256:<64 lowercase hex>` form. Default: any
    /// digest. Pinning makes a target accept only tokens minted under the reviewed policy
    /// versions; list the current and the next digest while a policy change rolls out.
    pub fn policy_digest(mut self, digest: Sha256Digest) -> Self {
        let digest = digest.prefixed();
        if !self.policy_digests.contains(&digest) {
            self.policy_digests.push(digest);
        }
        self
    }

    /// Clock leeway for `iat`, `nbf` and `exp`. Default 60 s, at most [`MAX_LEEWAY_SECS`]
    /// (300 s): larger values are clamped to it, as `gatepass verify` refuses them. A larger
    /// value accepts tokens longer after they expired (and issued further in the future); 0
    /// turns clock skew between the gate and the target into rejections.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs().min(MAX_LEEWAY_SECS);
        self
    }

    /// The longest lifetime (`exp - iat`) accepted. Default and hard cap: 3600 s; larger values
    /// are clamped to the cap.
    pub fn max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl.as_secs().min(MAX_TTL_CAP_SECS);
        self
    }

    /// Refuse exception tokens. Default: accepted (and reported by the caller), because an
    /// exception is an approved, recorded decision.
    pub fn deny_exceptions(mut self, deny: bool) -> Self {
        self.deny_exceptions = deny;
        self
    }

    /// Verifies `token` against the system clock.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, Rejection> {
        self.verify_at(token, unix_now())
    }

    /// Verifies `token` as of `now` (seconds since the Unix epoch).
    pub fn verify_at(&self, token: &str, now: i64) -> Result<VerifiedToken, Rejection> {
        self.check(token, now, false)
    }

    /// Verifies every rule except expiry: for a restart under a matching receipt
    /// (see [`super::receipt`]). Not for first use.
    pub fn verify_ignoring_expiry_at(
        &self,
        token: &str,
        now: i64,
    ) -> Result<VerifiedToken, Rejection> {
        self.check(token, now, true)
    }

    fn check(
        &self,
        token: &str,
        now: i64,
        ignore_expiry: bool,
    ) -> Result<VerifiedToken, Rejection> {
        let audience = self
            .audience
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or(Rejection::NoAudience)?;
        let signed = verify_jws(token, TOKEN_TYP, &self.keys)?;
        let obj = signed.payload.as_object().ok_or(Rejection::InvalidClaims {
            reason: "not an object".into(),
        })?;
        let mut times = [0i64; 3];
        for (slot, claim) in times.iter_mut().zip(["iat", "nbf", "exp"]) {
            let value = obj.get(claim).ok_or(Rejection::MissingClaim { claim })?;
            *slot = value.as_i64().ok_or(Rejection::NonIntegerTime { claim })?;
        }
        let [iat, nbf, exp] = times;
        for claim in [
            "iss",
            "sub",
            "aud",
            "jti",
            "release",
            "artifacts",
            "evidence",
            "policy",
            "approvals",
        ] {
            if !obj.contains_key(claim) {
                return Err(Rejection::MissingClaim { claim });
            }
        }
        let claims: Claims = serde_json::from_value(signed.payload.clone()).map_err(|e| {
            Rejection::InvalidClaims {
                reason: e.to_string(),
            }
        })?;
        if claims.jti.is_empty() {
            return Err(Rejection::InvalidClaims {
                reason: "`jti` is empty".into(),
            });
        }
        if !claims.aud.contains(audience) {
            return Err(Rejection::Audience {
                expected: audience.to_owned(),
                found: obj.get("aud").map(Value::to_string).unwrap_or_default(),
            });
        }
        if let Some(expected) = self.issuer.as_ref().filter(|e| claims.iss != **e) {
            return Err(Rejection::Issuer {
                expected: expected.clone(),
                found: claims.iss.clone(),
            });
        }
        if let Some(expected) = self.policy_id.as_ref().filter(|e| claims.policy.id != **e) {
            return Err(Rejection::PolicyId {
                expected: expected.clone(),
                found: claims.policy.id.clone(),
            });
        }
        if !self.policy_digests.is_empty() && !self.policy_digests.contains(&claims.policy.digest) {
            return Err(Rejection::PolicyDigest {
                expected: self.policy_digests.clone(),
                found: claims.policy.digest.clone(),
            });
        }
        if exp <= iat || nbf > exp {
            return Err(Rejection::InvalidClaims {
                reason: format!("times out of order (iat {iat}, nbf {nbf}, exp {exp})"),
            });
        }
        let lifetime = exp.saturating_sub(iat);
        if lifetime > self.max_ttl as i64 {
            return Err(Rejection::LifetimeTooLong {
                lifetime,
                max: self.max_ttl,
            });
        }
        let leeway = self.leeway as i64;
        if iat > now.saturating_add(leeway) {
            return Err(Rejection::IssuedInFuture { iat, now });
        }
        if nbf > now.saturating_add(leeway) {
            return Err(Rejection::NotYetValid { nbf, now });
        }
        if let Some(exception) = claims.exception.as_ref().filter(|_| self.deny_exceptions) {
            return Err(Rejection::ExceptionDenied {
                waived: exception.waived.clone(),
            });
        }
        if !ignore_expiry && now >= exp.saturating_add(leeway) {
            return Err(Rejection::Expired { exp, now });
        }
        Ok(VerifiedToken {
            kid: signed.kid,
            claims,
            payload: signed.payload,
        })
    }
}

/// The system clock in seconds since the Unix epoch (negative before it).
pub fn unix_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// The strict Ed25519 check [`verify_jws`] applies, over a raw message: for test vectors and
/// for callers that sign something other than a JWS.
pub fn check_signature_raw(
    key: &super::PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Rejection> {
    let sig: [u8; 64] = signature
        .try_into()
        .map_err(|_| Rejection::SignatureLength {
            len: signature.len(),
        })?;
    check_signature(key.dalek(), message, &sig)
}
