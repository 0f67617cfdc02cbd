//! Signed approval records (`typ: gatepass-approval+jwt`), as `gatepass approve` writes them.
//!
//! A record is a compact JWS signed with the approver's own Ed25519 key, using exactly the
//! rules of deploy tokens: header `{"alg":"EdDSA","typ":"gatepass-approval+jwt","kid":…}`,
//! canonical base64url, no duplicate JSON keys, strict signature check
//! ([`verify_jws`]). The payload:
//!
//! ```json
//! {
//!   "release": {"name": "support-summarizer", "version": "1.4.0", "digest": "sha256:…"},
//!   "environment": "production",
//!   "role": "ml-lead",
//!   "approver": "jrivera",
//!   "iat": 1790000000,
//!   "exp": 1790604800,
//!   "comment": "eval report reviewed",
//!   "conditions": ["watch the hallucination rate for 48h"],
//!   "jti": "…"
//! }
//! ```
//!
//! `exp`, `comment` and `conditions` are optional; unknown members are ignored so that later
//! versions can add some. Verifying a record here checks only the signature and the shape:
//! whether the signer holds the role, and whether the record is bound to *this* release and
//! environment, is [`collect`](super::collect)'s job.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::hash::Sha256Digest;
use crate::release::HashedRelease;
use crate::token::keys::KeyError;
use crate::token::verify::verify_jws;
use crate::token::{Jwks, Rejection, SigningKey, mint};

/// The JWS `typ` of approval records.
pub const APPROVAL_TYP: &str = "gatepass-approval+jwt";

/// The release a record is bound to. The digest is what binds it; name and version are there
/// so people (and reports about a stale record) can tell which release it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRef {
    /// Release name (`name` in `release.toml`).
    pub name: String,
    /// Release version (`version` in `release.toml`).
    pub version: String,
    /// The release digest; on the wire `sha256:<64 lowercase hex>`.
    #[serde(with = "prefixed_digest")]
    pub digest: Sha256Digest,
}

impl From<&HashedRelease> for ReleaseRef {
    /// The name, version and release digest of a hashed release: what a record binds to.
    fn from(release: &HashedRelease) -> Self {
        Self {
            name: release.release.name.clone(),
            version: release.release.version.clone(),
            digest: release.digest(),
        }
    }
}

impl ReleaseRef {
    /// `name version (sha256:<first 12 hex>…)`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {} ({})",
            self.name,
            self.version,
            short_digest(&self.digest)
        )
    }
}

/// `sha256:<first 12 hex>…`: enough to tell two digests apart in a message.
pub fn short_digest(digest: &Sha256Digest) -> String {
    let hex = digest.to_hex();
    format!("sha256:{}…", hex.get(..12).unwrap_or(&hex))
}

/// A signed approval: one approver approves one release digest for one environment, in one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// The release approved.
    pub release: ReleaseRef,
    /// The environment it is approved for (the policy's `environment`).
    pub environment: String,
    /// The role approved as (a key of the policy's `[roles]`).
    pub role: String,
    /// The approver's id, as they call themselves (`jrivera`); an identity link.
    pub approver: String,
    /// When it was signed, seconds since the Unix epoch.
    pub iat: i64,
    /// When it stops counting, seconds since the Unix epoch; `None` means only the policy's
    /// `max_age` limits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Free text from the approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Conditions the approver attaches (recorded and shown, not enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<String>>,
    /// Unique record id: 128 random bits, base64url.
    pub jti: String,
}

/// A record whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T> {
    /// The RFC 7638 thumbprint of the key that signed it.
    pub kid: String,
    /// The typed record.
    pub record: T,
}

/// A record that could not be signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The JWS broke one of the token rules (signature, header, encoding, unknown key, …).
    #[error("rejected [{rule}]: {0}", rule = .0.rule())]
    Rejected(Rejection),
    /// The signed payload is not a record of this kind: a member is missing, empty or of the
    /// wrong type.
    #[error("not a valid {kind} record: {reason}")]
    Invalid {
        /// `approval` or `exception`.
        kind: &'static str,
        /// What does not fit.
        reason: String,
    },
    /// The record could not be serialised for signing.
    #[error("cannot serialise the {kind} record: {reason}")]
    Serialise {
        /// `approval` or `exception`.
        kind: &'static str,
        /// The serialiser's complaint.
        reason: String,
    },
    /// No random bytes for the `jti`.
    #[error("cannot get random bytes for the record id: {0}")]
    Random(String),
}

impl From<Rejection> for RecordError {
    fn from(r: Rejection) -> Self {
        Self::Rejected(r)
    }
}

/// A fresh record id (`jti`): 128 random bits, base64url.
pub fn new_record_id() -> Result<String, RecordError> {
    mint::new_jti().map_err(|e| match e {
        KeyError::Random(why) => RecordError::Random(why),
        other => RecordError::Random(other.to_string()),
    })
}

impl ApprovalRecord {
    /// Checks the record's shape: every text member (comment and conditions included, when
    /// present) non-empty and free of control characters, `iat` and `exp` valid times with `exp`
    /// after `iat`.
    pub fn validate(&self) -> Result<(), RecordError> {
        let invalid = |reason: String| RecordError::Invalid {
            kind: "approval",
            reason,
        };
        check_release(&self.release).map_err(invalid)?;
        for (member, value) in [
            ("environment", &self.environment),
            ("role", &self.role),
            ("approver", &self.approver),
            ("jti", &self.jti),
        ] {
            non_empty(member, value).map_err(invalid)?;
        }
        check_time("iat", self.iat).map_err(invalid)?;
        if let Some(exp) = self.exp {
            check_time("exp", exp).map_err(invalid)?;
            check_after(self.iat, exp).map_err(invalid)?;
        }
        if let Some(comment) = &self.comment {
            non_empty("comment", comment).map_err(invalid)?;
        }
        for condition in self.conditions.iter().flatten() {
            non_empty("conditions[]", condition).map_err(invalid)?;
        }
        Ok(())
    }

    /// Validates and signs the record with the approver's key: a compact JWS of
    /// `typ: gatepass-approval+jwt`.
    pub fn sign(&self, key: &SigningKey) -> Result<String, RecordError> {
        self.validate()?;
        sign(key, APPROVAL_TYP, "approval", self)
    }

    /// Verifies `record` (surrounding whitespace allowed) against `keys` with the strict JWS
    /// rules, then parses and validates the payload.
    pub fn verify(record: &str, keys: &Jwks) -> Result<Verified<Self>, RecordError> {
        let verified: Verified<Self> = verify(record, APPROVAL_TYP, "approval", keys, false)?;
        verified.record.validate()?;
        Ok(verified)
    }
}

pub(crate) fn sign<T: Serialize>(
    key: &SigningKey,
    typ: &str,
    kind: &'static str,
    record: &T,
) -> Result<String, RecordError> {
    mint::sign_payload(key, typ, record).map_err(|e| RecordError::Serialise {
        kind,
        reason: e.to_string(),
    })
}

/// Verifies the JWS and parses the payload into `T`, with the time members checked for being
/// JSON integers first (a float or a string `iat` is refused by name, not by a serde message).
pub(crate) fn verify<T: DeserializeOwned>(
    record: &str,
    typ: &str,
    kind: &'static str,
    keys: &Jwks,
    exp_required: bool,
) -> Result<Verified<T>, RecordError> {
    let signed = verify_jws(record.trim(), typ, keys)?;
    let invalid = |reason: String| RecordError::Invalid { kind, reason };
    let obj = signed
        .payload
        .as_object()
        .ok_or_else(|| invalid("the payload is not a JSON object".into()))?;
    for (claim, required) in [("iat", true), ("exp", exp_required)] {
        match obj.get(claim) {
            None if required => return Err(invalid(format!("missing `{claim}`"))),
            None => {}
            Some(v) if v.as_i64().is_some() => {}
            Some(_) => {
                return Err(invalid(format!(
                    "`{claim}` must be an integer number of seconds"
                )));
            }
        }
    }
    let record: T =
        serde_json::from_value(signed.payload).map_err(|e| invalid(describe_serde(&e)))?;
    Ok(Verified {
        kid: signed.kid,
        record,
    })
}

fn describe_serde(e: &serde_json::Error) -> String {
    // `serde_json::from_value` errors carry no position; the text names the member.
    e.to_string()
}

pub(crate) fn check_release(release: &ReleaseRef) -> Result<(), String> {
    non_empty("release.name", &release.name)?;
    non_empty("release.version", &release.version)
}

/// A text member: non-empty, and free of control characters (line breaks included). Record texts
/// end up in CI logs, where a line break could start a workflow command such as `::add-mask::`.
pub(crate) fn non_empty(member: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("`{member}` is empty"))
    } else if value.chars().any(char::is_control) {
        Err(format!(
            "`{member}` contains control characters (line breaks included); records hold single-line text"
        ))
    } else {
        Ok(())
    }
}

pub(crate) fn check_time(member: &str, seconds: i64) -> Result<(), String> {
    if seconds < 0 || jiff::Timestamp::from_second(seconds).is_err() {
        Err(format!("`{member}` = {seconds} is not a valid time"))
    } else {
        Ok(())
    }
}

pub(crate) fn check_after(iat: i64, exp: i64) -> Result<(), String> {
    if exp <= iat {
        Err(format!("`exp` ({exp}) is not after `iat` ({iat})"))
    } else {
        Ok(())
    }
}

/// Parses a time member already checked by [`check_time`].
pub(crate) fn timestamp(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The JSON value of a record payload, for display (`gatepass approve` prints nothing of the
/// key, only what it signs).
pub fn to_json<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

mod prefixed_digest {
    use super::*;

    pub(super) fn serialize<S: Serializer>(d: &Sha256Digest, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.prefixed())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sha256Digest, D::Error> {
        let text = String::deserialize(d)?;
        Sha256Digest::from_prefixed(&text).map_err(|_| {
            serde::de::Error::custom(format!(
                "release digest {text:?} is not `sha256:` followed by 64 lowercase hex characters"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::token::b64;
    use crate::token::mint::sign_compact;

    pub(crate) fn release() -> ReleaseRef {
        ReleaseRef {
            name: "support-summarizer".into(),
            version: "1.4.0".into(),
            digest: Sha256Digest::of(b"release 1.4.0"),
        }
    }

    fn record() -> ApprovalRecord {
        ApprovalRecord {
            release: release(),
            environment: "production".into(),
            role: "ml-lead".into(),
            approver: "jrivera".into(),
            iat: 1_790_000_000,
            exp: Some(1_790_604_800),
            comment: Some("eval report reviewed".into()),
            conditions: Some(vec!["watch the hallucination rate".into()]),
            jti: "mO8bIZbb0vOcTn6hJf0XnQ".into(),
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_seed(&[7; 32], "test").unwrap()
    }

    fn jwks(key: &SigningKey) -> Jwks {
        Jwks::from_keys([key.public_key().clone()])
    }

    #[test]
    fn round_trip() {
        let key = key();
        let jws = record().sign(&key).unwrap();
        let header = b64::decode(jws.split('.').next().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            format!(
                r#"{{"alg":"EdDSA","typ":"gatepass-approval+jwt","kid":"{}"}}"#,
                key.kid()
            )
        );
        let verified = ApprovalRecord::verify(&format!("{jws}\n"), &jwks(&key)).unwrap();
        assert_eq!(verified.kid, key.kid());
        assert_eq!(verified.record, record());
    }

    #[test]
    fn optional_members_are_left_out_and_unknown_ones_ignored() {
        let key = key();
        let mut r = record();
        r.exp = None;
        r.comment = None;
        r.conditions = None;
        let jws = r.sign(&key).unwrap();
        let payload: Value =
            serde_json::from_slice(&b64::decode(jws.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let obj = payload.as_object().unwrap();
        assert!(!obj.contains_key("exp") && !obj.contains_key("comment"));
        assert_eq!(payload["release"]["digest"], release().digest.prefixed());

        let mut extended = payload.clone();
        extended["future_member"] = Value::from(1);
        let jws = sign_compact(
            &key,
            mint::header(APPROVAL_TYP, key.kid()).as_bytes(),
            extended.to_string().as_bytes(),
        );
        assert_eq!(ApprovalRecord::verify(&jws, &jwks(&key)).unwrap().record, r);
    }

    fn signed_payload(key: &SigningKey, payload: &str) -> String {
        sign_compact(
            key,
            mint::header(APPROVAL_TYP, key.kid()).as_bytes(),
            payload.as_bytes(),
        )
    }

    fn invalid_reason(payload: Value) -> String {
        let key = key();
        match ApprovalRecord::verify(&signed_payload(&key, &payload.to_string()), &jwks(&key)) {
            Err(RecordError::Invalid { reason, .. }) => reason,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn malformed_payloads_are_refused_by_name() {
        let base = to_json(&record());
        let with = |member: &str, value: Value| {
            let mut p = base.clone();
            p[member] = value;
            p
        };
        let without = |member: &str| {
            let mut p = base.clone();
            p.as_object_mut().unwrap().remove(member);
            p
        };
        assert!(invalid_reason(with("iat", Value::from(1.5))).contains("`iat` must be an integer"));
        assert!(invalid_reason(with("exp", Value::from("1790604800"))).contains("`exp`"));
        assert!(invalid_reason(without("iat")).contains("missing `iat`"));
        assert!(invalid_reason(without("role")).contains("role"));
        assert!(invalid_reason(with("approver", Value::from(" "))).contains("`approver` is empty"));
        assert!(invalid_reason(with("exp", Value::from(1_789_999_999))).contains("not after"));
        let mut bad_digest = base.clone();
        bad_digest["release"]["digest"] = Value::from(release().digest.to_hex());
        assert!(invalid_reason(bad_digest).contains("is not `sha256:`"));
        let mut upper = base.clone();
        upper["release"]["digest"] = Value::from(release().digest.prefixed().to_uppercase());
        assert!(invalid_reason(upper).contains("is not `sha256:`"));
    }

    #[test]
    fn jws_rules_apply_to_records() {
        let key = key();
        let jws = record().sign(&key).unwrap();
        // Tampered payload: the same header and signature over other claims.
        let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
        let mut payload = to_json(&record());
        payload["environment"] = Value::from("staging");
        parts[1] = b64::encode(payload.to_string().as_bytes());
        let tampered = parts.join(".");
        assert_eq!(
            ApprovalRecord::verify(&tampered, &jwks(&key)),
            Err(RecordError::Rejected(Rejection::BadSignature))
        );
        // A deploy token's typ is not an approval.
        let token_typ = sign_compact(
            &key,
            mint::header("gatepass+jwt", key.kid()).as_bytes(),
            to_json(&record()).to_string().as_bytes(),
        );
        assert!(matches!(
            ApprovalRecord::verify(&token_typ, &jwks(&key)),
            Err(RecordError::Rejected(Rejection::Type { .. }))
        ));
        // Duplicate keys in the payload.
        let dup = signed_payload(&key, r#"{"role":"ml-lead","role":"product"}"#);
        assert!(matches!(
            ApprovalRecord::verify(&dup, &jwks(&key)),
            Err(RecordError::Rejected(Rejection::DuplicateKey { .. }))
        ));
        // A key that is not in the set.
        let other = SigningKey::from_seed(&[8; 32], "other").unwrap();
        assert!(matches!(
            ApprovalRecord::verify(&jws, &jwks(&other)),
            Err(RecordError::Rejected(Rejection::UnknownKey { .. }))
        ));
    }

    #[test]
    fn invalid_records_are_not_signed() {
        let mut r = record();
        r.role = String::new();
        assert!(matches!(
            r.sign(&key()),
            Err(RecordError::Invalid {
                kind: "approval",
                ..
            })
        ));
    }

    #[test]
    fn short_digest_is_prefixed_and_cut() {
        let d = Sha256Digest::of(b"x");
        let short = short_digest(&d);
        assert_eq!(short, format!("sha256:{}…", &d.to_hex()[..12]));
    }
}
