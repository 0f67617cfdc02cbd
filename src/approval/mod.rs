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

pub mod collect;
pub mod exception;
pub mod record;

pub use collect::{CollectError, Collected, Collector, collect};
pub use exception::{EXCEPTION_TYP, ExceptionRecord};
pub use record::{APPROVAL_TYP, ApprovalRecord, RecordError, ReleaseRef, Verified};

use std::fmt;

use jiff::Timestamp;
use serde::Serialize;

/// Where an approval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A signed approval record (`gatepass approve`).
    Signed,
    /// A GitHub pull-request review.
    GithubReview,
    /// A GitHub environment approval of the running workflow.
    GithubEnvironment,
}

impl Source {
    /// The name used in tokens and decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::GithubReview => "github-review",
            Self::GithubEnvironment => "github-environment",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An approval whose origin was verified: signed by a key (or made by a GitHub identity) that
/// the policy maps to `role`, for this release digest and environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// The role approved as.
    pub role: String,
    /// Who approved, for display (approver id or GitHub login).
    pub approver: String,
    /// The person the policy resolves the signing key or login to
    /// ([`PersonRef::key`](crate::policy::PersonRef::key)); approvals of one person count once.
    pub person: String,
    /// When the approval was given.
    pub at: Timestamp,
    /// When it stops counting, if it expires.
    pub expires: Option<Timestamp>,
    /// Where it came from.
    pub source: Source,
    /// The file or API resource it came from, for reports.
    pub origin: String,
}

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

/// A record that was found but does not count, with the reason (never dropped silently).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// The file or API resource.
    pub origin: String,
    /// Who it claims to be from, when known.
    pub approver: Option<String>,
    /// Why it does not count, e.g. "approved 1.3.9, this is 1.4.0".
    pub reason: String,
}
