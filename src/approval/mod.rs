//! Approvals and exceptions as evaluation sees them.
//!
//! Collection (reading signed records, asking GitHub) checks signatures, the signer's role,
//! the release digest and the environment, and produces [`Approval`]s and [`ExceptionGrant`]s.
//! Evaluation then applies everything that depends on the clock (expiry, `max_age`) and the
//! quorum rules, as a pure function.
//!
//! Identity is decided by the policy, never by a record: each approval carries the
//! [`person`](Approval::person) the policy resolves its key or GitHub login to
//! ([`PersonRef::key`](crate::policy::PersonRef::key)). Two approvals of one person count once,
//! whatever names, keys or logins they came through.
//!
//! - Approvers sign with [`ApprovalRecord::sign`], release managers with [`ExceptionRecord::sign`]
//!   (`gatepass approve` / `gatepass exception`).
//! - The gate calls [`collect()`] to turn record files into [`Collected`] approvals, exception
//!   grants and ignored records.

mod check;
pub mod collect;
pub mod exception;
pub mod record;

pub use collect::{CollectError, Collected, Collector, collect};
pub use exception::{EXCEPTION_TYP, ExceptionRecord};
pub use record::{APPROVAL_TYP, ApprovalRecord, RecordError, ReleaseRef, Verified};

pub use crate::criteria::approvals::{Approval, Ignored, Source};

use jiff::Timestamp;
use serde::Serialize;

/// A verified exception record: a release manager waives named criteria for this release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionGrant {
    /// The role the signer holds (the policy's `[exceptions].approvers.role`).
    pub role: String,
    /// Who signed, for display.
    pub approver: String,
    /// The person the policy resolves the signing key to, as for [`Approval`].
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
mod tests;
