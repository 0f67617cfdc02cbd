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
pub use exception::{EXCEPTION_TYP, ExceptionGrant, ExceptionRecord};
pub use record::{APPROVAL_TYP, ApprovalRecord, RecordError, ReleaseRef, Verified};

pub use crate::criteria::approvals::{Approval, Ignored, Source};

#[cfg(test)]
mod tests;
