//! The audit log: a tamper-evident, append-only record of every decision.
//!
//! Which API to use:
//! - [`AuditLog::append`] writes one [`Record`] (build it with [`Record::of_decision`],
//!   [`Record::of_verified`] or [`Record::of_rejected`]); [`AuditLog::repair`] moves a torn
//!   tail out after a crash.
//! - [`verify_log`] checks a log and names the first bad line ([`ChainReport`]).
//! - [`sign_checkpoint`] signs the log's head with the gate key; [`verify_checkpoint`] checks
//!   one, and [`VerifyOptions::checkpoints`] holds a log against it.
//! - [`report::Report`] computes the governance metrics from a log's records.
//!
//! The format is JSON Lines, one record per line, each line carrying the SHA-256 of the
//! previous line (`prev`) and of its own bytes (`hash`), and optionally the gate's Ed25519
//! signature (`sig`). The layout, the guarantees and their limits are in `docs/audit.md`.

mod anchor;
mod checkpoint;
mod line;
mod log;
pub mod record;
pub mod report;
mod verify;

pub use anchor::{Anchor, AnchorParseError};
pub use checkpoint::{
    CHECKPOINT_TYP, Checkpoint, CheckpointError, VerifiedCheckpoint, sign_checkpoint,
    verify_checkpoint,
};
pub use line::{GENESIS, MAX_LINE_BYTES};
pub use log::{AppendError, Appended, AuditLog, RepairError, Repaired};
pub use record::{Actor, Command, RECORD_VERSION, Record, Verdict};
pub use verify::{
    Break, BreakKind, ChainChecker, ChainReport, VerifyError, VerifyOptions, verify_log,
};

#[cfg(test)]
mod tests;
