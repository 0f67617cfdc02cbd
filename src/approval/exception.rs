//! Signed exception records (`typ: gatepass-exception+jwt`), as `gatepass exception` writes them.
//!
//! A release manager waives named criteria for one release digest in one environment, with a
//! reason, a recorded risk acceptance and an expiry. The JWS rules are those of approval
//! records ([`super::record`]). The payload:
//!
//! ```json
//! {
//!   "release": {"name": "support-summarizer", "version": "1.4.0", "digest": "sha256:…"},
//!   "environment": "production",
//!   "waive": ["deploy-window"],
//!   "reason": "hotfix for the quote-pricing incident",
//!   "risk_acceptance": "weekend deploy; on-call ML lead watching the dashboards",
//!   "approver": "rm1",
//!   "iat": 1790000000,
//!   "exp": 1790014400,
//!   "jti": "…"
//! }
//! ```
//!
//! `exp` is required: an exception never stands open-ended. At collection its lifetime
//! `exp - iat` must not exceed the policy's `[exceptions].max_ttl`; a longer one is reported as
//! ignored, not shortened (see `docs/approvals.md`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::record::{
    self, RecordError, ReleaseRef, Verified, check_after, check_release, check_time, non_empty,
};
use crate::token::{Jwks, SigningKey};

/// The JWS `typ` of exception records.
pub const EXCEPTION_TYP: &str = "gatepass-exception+jwt";

/// A signed exception: named criteria are waived for one release digest and environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRecord {
    /// The release the exception is for.
    pub release: ReleaseRef,
    /// The environment it is for.
    pub environment: String,
    /// The criterion ids waived; never empty.
    pub waive: Vec<String>,
    /// Why the exception is needed.
    pub reason: String,
    /// The risk the signer accepts by shipping anyway.
    pub risk_acceptance: String,
    /// The signer's id; an identity link.
    pub approver: String,
    /// When it was signed, seconds since the Unix epoch.
    pub iat: i64,
    /// When it expires, seconds since the Unix epoch. Required.
    pub exp: i64,
    /// Unique record id: 128 random bits, base64url.
    pub jti: String,
}

impl ExceptionRecord {
    /// Checks the record's shape: `waive` non-empty with distinct ids; `reason`,
    /// `risk_acceptance`, `approver`, `environment` and every id non-empty and free of control
    /// characters; `exp` after `iat`.
    pub fn validate(&self) -> Result<(), RecordError> {
        let invalid = |reason: String| RecordError::Invalid {
            kind: "exception",
            reason,
        };
        check_release(&self.release).map_err(invalid)?;
        for (member, value) in [
            ("environment", &self.environment),
            ("reason", &self.reason),
            ("risk_acceptance", &self.risk_acceptance),
            ("approver", &self.approver),
            ("jti", &self.jti),
        ] {
            non_empty(member, value).map_err(invalid)?;
        }
        if self.waive.is_empty() {
            return Err(invalid(
                "`waive` is empty: an exception must name the criteria it waives".into(),
            ));
        }
        for id in &self.waive {
            non_empty("waive[]", id).map_err(invalid)?;
        }
        for (i, id) in self.waive.iter().enumerate() {
            if self.waive[..i].contains(id) {
                return Err(invalid(format!("`waive` names {id:?} twice")));
            }
        }
        check_time("iat", self.iat).map_err(invalid)?;
        check_time("exp", self.exp).map_err(invalid)?;
        check_after(self.iat, self.exp).map_err(invalid)
    }

    /// The validity the signer asked for, `exp - iat`, in seconds (positive once validated).
    pub fn lifetime_secs(&self) -> i64 {
        self.exp.saturating_sub(self.iat)
    }

    /// Validates and signs the record with the release manager's key: a compact JWS of
    /// `typ: gatepass-exception+jwt`.
    pub fn sign(&self, key: &SigningKey) -> Result<String, RecordError> {
        self.validate()?;
        record::sign(key, EXCEPTION_TYP, "exception", self)
    }

    /// Verifies `record` (surrounding whitespace allowed) against `keys` with the strict JWS
    /// rules, then parses and validates the payload.
    pub fn verify(record: &str, keys: &Jwks) -> Result<Verified<Self>, RecordError> {
        let verified: Verified<Self> =
            record::verify(record, EXCEPTION_TYP, "exception", keys, true)?;
        verified.record.validate()?;
        Ok(verified)
    }
}

/// A verified exception record: a release manager waives named criteria for this release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionGrant {
    /// The role the signer holds (the policy's `[exceptions].approvers.role`).
    pub role: String,
    /// Who signed, for display.
    pub approver: String,
    /// The person the policy resolves the signing key to, as for [`Approval`](super::Approval).
    pub person: String,
    /// Criterion ids waived.
    pub waived: Vec<String>,
    /// Why.
    pub reason: String,
    /// The recorded risk acceptance.
    pub risk_acceptance: String,
    /// When it was signed.
    pub at: Timestamp,
    /// When it expires: the record's `exp`, always set. Collection ignores a record whose
    /// `exp - iat` exceeds `[exceptions].max_ttl` rather than shortening it, so this is never
    /// later than `at + max_ttl`.
    pub expires: Timestamp,
    /// The file it came from.
    pub origin: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::hash::Sha256Digest;
    use crate::token::mint::{self, sign_compact};
    use crate::token::{Rejection, b64};
    use serde_json::Value;

    fn record() -> ExceptionRecord {
        ExceptionRecord {
            release: ReleaseRef {
                name: "support-summarizer".into(),
                version: "1.4.0".into(),
                digest: Sha256Digest::of(b"release 1.4.0"),
            },
            environment: "production".into(),
            waive: vec!["deploy-window".into()],
            reason: "hotfix".into(),
            risk_acceptance: "on-call watching".into(),
            approver: "rm1".into(),
            iat: 1_790_000_000,
            exp: 1_790_014_400,
            jti: "mO8bIZbb0vOcTn6hJf0XnQ".into(),
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_seed(&[9; 32], "test").unwrap()
    }

    fn jwks() -> Jwks {
        Jwks::from_keys([key().public_key().clone()])
    }

    #[test]
    fn round_trip() {
        let jws = record().sign(&key()).unwrap();
        let verified = ExceptionRecord::verify(&jws, &jwks()).unwrap();
        assert_eq!(verified.record, record());
        assert_eq!(verified.kid, key().kid());
        assert_eq!(verified.record.lifetime_secs(), 4 * 3600);
    }

    #[test]
    fn shape_rules() {
        let reason = |r: ExceptionRecord| match r.sign(&key()) {
            Err(RecordError::Invalid { kind, reason }) => {
                assert_eq!(kind, "exception");
                reason
            }
            other => panic!("expected Invalid, got {other:?}"),
        };
        let mut r = record();
        r.waive.clear();
        assert!(reason(r).contains("`waive` is empty"));
        let mut r = record();
        r.waive.push("deploy-window".into());
        assert!(reason(r).contains("twice"));
        let mut r = record();
        r.reason = " ".into();
        assert!(reason(r).contains("`reason` is empty"));
        let mut r = record();
        r.risk_acceptance = String::new();
        assert!(reason(r).contains("`risk_acceptance` is empty"));
        let mut r = record();
        r.exp = r.iat;
        assert!(reason(r).contains("not after"));
    }

    #[test]
    fn exp_is_required_and_an_approval_is_not_an_exception() {
        let k = key();
        let mut payload = record::to_json(&record());
        payload.as_object_mut().unwrap().remove("exp");
        let jws = sign_compact(
            &k,
            mint::header(EXCEPTION_TYP, k.kid()).as_bytes(),
            payload.to_string().as_bytes(),
        );
        match ExceptionRecord::verify(&jws, &jwks()) {
            Err(RecordError::Invalid { reason, .. }) => assert!(reason.contains("missing `exp`")),
            other => panic!("expected Invalid, got {other:?}"),
        }
        let as_approval = sign_compact(
            &k,
            mint::header(record::APPROVAL_TYP, k.kid()).as_bytes(),
            record::to_json(&record()).to_string().as_bytes(),
        );
        assert!(matches!(
            ExceptionRecord::verify(&as_approval, &jwks()),
            Err(RecordError::Rejected(Rejection::Type { .. }))
        ));
        let payload: Value = serde_json::from_slice(
            &b64::decode(record().sign(&k).unwrap().split('.').nth(1).unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(payload["waive"], serde_json::json!(["deploy-window"]));
    }
}
