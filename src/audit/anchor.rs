//! External anchors: `SEQ:HEX`, the line hash a log's record must have, kept outside the log.
//!
//! Shared by verification ([`super::verify`]) and signed checkpoints ([`super::checkpoint`]).

use std::fmt;
use std::str::FromStr;

use crate::hash::Sha256Digest;

/// An external anchor: record `seq` of the log has line hash `line_hash`.
///
/// Kept outside the log (a job summary, a ticket, another system's log), an anchor makes
/// truncation and wholesale rewriting of the log up to it detectable. Written `SEQ:HEX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Anchor {
    /// The record's `seq`.
    pub seq: u64,
    /// SHA-256 of its line (newline excluded).
    pub line_hash: Sha256Digest,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.line_hash.to_hex())
    }
}

/// Text that is not an anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not an audit anchor: expected SEQ:HEX, a record number and the 64 lowercase hex digits of its line's SHA-256 (as `gatepass audit verify` prints as `head`)"
)]
pub struct AnchorParseError;

impl FromStr for Anchor {
    type Err = AnchorParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (seq, hex) = s.split_once(':').ok_or(AnchorParseError)?;
        Ok(Self {
            seq: seq.parse().map_err(|_| AnchorParseError)?,
            line_hash: Sha256Digest::from_hex(hex).map_err(|_| AnchorParseError)?,
        })
    }
}
