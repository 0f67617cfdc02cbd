//! Verifying a log: every line intact on its own, every link of the chain, optionally every
//! signature and external anchors. Reports the first problem with its line number.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::line::{self, CheckedLine, GENESIS, LineFault, short};
use crate::hash::Sha256Digest;
use crate::token::{Jwks, b64};

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
        write!(f, "{}:{}", self.seq, line::hex(&self.line_hash))
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
            line_hash: line::parse_hex(hex).ok_or(AnchorParseError)?,
        })
    }
}

/// What to check beyond the chain itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Check every signature against these keys (the gate's JWKS). Without keys, signatures
    /// are counted but not checked.
    pub keys: Option<Jwks>,
    /// Every record must be signed.
    pub require_signatures: bool,
    /// External anchors the log must match.
    pub anchors: Vec<Anchor>,
}

/// What is wrong at the first bad line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakKind {
    /// The last line has no newline: a torn write, or the file was cut mid-line.
    Truncated,
    /// A line is not JSON.
    InvalidJson,
    /// A line is JSON but not an audit record this build reads.
    NotARecord,
    /// A line's bytes do not match its own `hash`: it was edited.
    Edited,
    /// `seq` jumps forward: records are missing.
    Removed,
    /// `seq` goes backwards or repeats: records were reordered, duplicated or inserted.
    Reordered,
    /// `prev` does not match the previous line: a record was replaced, inserted or removed,
    /// or the previous line was edited and re-hashed.
    ChainBroken,
    /// A record is not signed, and signatures are required.
    Unsigned,
    /// A signature does not verify.
    BadSignature,
    /// A record is signed by a key not in the key set.
    UnknownKey,
    /// A record differs from an external anchor.
    AnchorMismatch,
    /// The log ends before an external anchor: trailing records were removed.
    AnchorMissing,
}

impl BreakKind {
    /// A short name: `truncated`, `invalid-json`, `edited`, `removed`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::InvalidJson => "invalid-json",
            Self::NotARecord => "not-a-record",
            Self::Edited => "edited",
            Self::Removed => "removed",
            Self::Reordered => "reordered",
            Self::ChainBroken => "chain-broken",
            Self::Unsigned => "unsigned",
            Self::BadSignature => "bad-signature",
            Self::UnknownKey => "unknown-key",
            Self::AnchorMismatch => "anchor-mismatch",
            Self::AnchorMissing => "anchor-missing",
        }
    }
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first problem found in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The 1-based line number.
    pub line: u64,
    /// What kind of problem.
    pub kind: BreakKind,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.kind, self.message)
    }
}

/// The result of verifying a log. `broken` is `None` when the log is intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Records checked and intact (all of them when intact; those before the break otherwise).
    pub records: u64,
    /// The last intact record as an anchor.
    pub head: Option<Anchor>,
    /// Signed records among them.
    pub signed: u64,
    /// Whether signatures were checked against keys.
    pub signatures_checked: bool,
    /// The first problem.
    pub broken: Option<Break>,
}

impl ChainReport {
    /// Whether the log is intact.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// A log that could not be read (as opposed to one that was read and is broken).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The file could not be opened or read.
    #[error("cannot read audit log {}: {source}", path.display())]
    Read {
        /// The log file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Checks lines one at a time: feed it every complete line, then finish.
#[derive(Debug)]
pub struct ChainChecker {
    options: VerifyOptions,
    anchors: BTreeMap<u64, Sha256Digest>,
    line: u64,
    last: Option<(u64, Sha256Digest)>,
    intact: u64,
    signed: u64,
    broken: Option<Break>,
}

impl ChainChecker {
    /// A checker for a log starting at its first line.
    pub fn new(options: VerifyOptions) -> Self {
        let anchors = options
            .anchors
            .iter()
            .map(|a| (a.seq, a.line_hash))
            .collect();
        Self {
            options,
            anchors,
            line: 0,
            last: None,
            intact: 0,
            signed: 0,
            broken: None,
        }
    }

    /// Checks the next complete line (without its newline). After the first problem every
    /// later call returns it again.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), Break> {
        if let Some(b) = &self.broken {
            return Err(b.clone());
        }
        self.line += 1;
        let result = self.check(bytes);
        if let Err(b) = &result {
            self.broken = Some(b.clone());
        }
        result
    }

    /// Records that the file ends with `bytes` bytes after its last newline.
    pub fn torn(&mut self, bytes: u64) -> Break {
        if let Some(b) = &self.broken {
            return b.clone();
        }
        self.line += 1;
        let b = Break {
            line: self.line,
            kind: BreakKind::Truncated,
            message: format!(
                "the last line is torn: {bytes} byte(s) without a newline (a crash while writing, or the file was cut); an append will refuse until `gatepass audit repair` moves them out"
            ),
        };
        self.broken = Some(b.clone());
        b
    }

    /// The verdict on everything pushed.
    pub fn finish(mut self) -> ChainReport {
        if self.broken.is_none() {
            let last_seq = self.last.map_or(0, |(s, _)| s);
            if let Some((&seq, _)) = self.anchors.range(last_seq + 1..).next() {
                self.broken = Some(Break {
                    line: self.line + 1,
                    kind: BreakKind::AnchorMissing,
                    message: format!(
                        "the log ends at seq {last_seq} but an anchor names record {seq}: trailing records were removed"
                    ),
                });
            }
        }
        ChainReport {
            records: self.intact,
            head: self.last.map(|(seq, line_hash)| Anchor { seq, line_hash }),
            signed: self.signed,
            signatures_checked: self.options.keys.is_some(),
            broken: self.broken,
        }
    }

    fn brk(&self, kind: BreakKind, message: String) -> Break {
        Break {
            line: self.line,
            kind,
            message,
        }
    }

    fn check(&mut self, bytes: &[u8]) -> Result<(), Break> {
        let checked = line::check(bytes).map_err(|fault| match fault {
            LineFault::InvalidJson(m) => self.brk(BreakKind::InvalidJson, m),
            LineFault::NotARecord(m) => self.brk(BreakKind::NotARecord, m),
            LineFault::Edited(m) => self.brk(BreakKind::Edited, m),
        })?;
        let CheckedLine {
            seq,
            prev,
            line_hash,
            sig,
        } = checked;
        match self.last {
            None => {
                if seq != 1 {
                    return Err(self.brk(
                        BreakKind::Removed,
                        format!(
                            "the first record has seq {seq}, not 1: records were removed from the start of the log"
                        ),
                    ));
                }
                if line::hex(&prev) != GENESIS {
                    return Err(self.brk(
                        BreakKind::ChainBroken,
                        format!(
                            "the first record's `prev` is {}…, not the genesis value (64 zeros)",
                            short(&prev)
                        ),
                    ));
                }
            }
            Some((last_seq, last_hash)) => {
                let expected = last_seq.saturating_add(1);
                if seq > expected {
                    return Err(self.brk(
                        BreakKind::Removed,
                        format!(
                            "seq jumps from {last_seq} to {seq}: record(s) {expected}–{} are missing (removed), or records are out of order",
                            seq - 1
                        ),
                    ));
                }
                if seq < expected {
                    return Err(self.brk(
                        BreakKind::Reordered,
                        format!(
                            "record seq {seq} follows seq {last_seq}: records were reordered, duplicated or inserted"
                        ),
                    ));
                }
                if prev != last_hash {
                    return Err(self.brk(
                        BreakKind::ChainBroken,
                        format!(
                            "`prev` ({}…) does not match the hash of line {} ({}…): that line was replaced or edited and re-hashed, or a record was inserted or removed here",
                            short(&prev),
                            self.line - 1,
                            short(&last_hash)
                        ),
                    ));
                }
            }
        }
        match (sig, &self.options.keys) {
            (None, _) if self.options.require_signatures => {
                return Err(self.brk(
                    BreakKind::Unsigned,
                    format!("record seq {seq} is not signed, and signatures are required"),
                ));
            }
            (None, _) => {}
            (Some(_), None) => self.signed += 1,
            (Some((sig, signed_len)), Some(keys)) => {
                let Some(key) = keys.get(&sig.kid) else {
                    return Err(self.brk(
                        BreakKind::UnknownKey,
                        format!(
                            "record seq {seq} is signed by key {:?}, which is not in the key set",
                            sig.kid
                        ),
                    ));
                };
                let valid = sig.alg == "EdDSA"
                    && b64::decode(&sig.value).is_some_and(|raw| {
                        crate::token::verify::check_signature_raw(key, &bytes[..signed_len], &raw)
                            .is_ok()
                    });
                if !valid {
                    return Err(self.brk(
                        BreakKind::BadSignature,
                        format!(
                            "the signature of record seq {seq} does not verify with key {}",
                            sig.kid
                        ),
                    ));
                }
                self.signed += 1;
            }
        }
        if let Some(anchor) = self.anchors.get(&seq)
            && *anchor != line_hash
        {
            return Err(self.brk(
                BreakKind::AnchorMismatch,
                format!(
                    "record seq {seq} hashes to {}…, the anchor says {}…: the log was rewritten up to here",
                    short(&line_hash),
                    short(anchor)
                ),
            ));
        }
        self.last = Some((seq, line_hash));
        self.intact += 1;
        Ok(())
    }
}

/// Reads a log line by line, calling `each` with every complete line (newline excluded).
/// Reads what the file holds when it is opened: appends that land meanwhile are not seen, and
/// a line being appended is never mistaken for a torn one (the length is taken under a shared
/// lock, which waits for a writer to finish its line).
///
/// Returns the number of bytes after the last newline (a torn tail), 0 when none or when
/// `each` returned `false` to stop. A line longer than 4 MiB is handed over cut at 4 MiB, and
/// reading stops: no record is that long.
pub(crate) fn read_lines(
    path: &Path,
    mut each: impl FnMut(&[u8]) -> bool,
) -> Result<u64, VerifyError> {
    let err = |source| VerifyError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(err)?;
    let len = match file.lock_shared() {
        Ok(()) => {
            let len = file.metadata().map_err(err)?.len();
            let _ = file.unlock();
            len
        }
        // A filesystem without locks: read what is there.
        Err(_) => file.metadata().map_err(err)?.len(),
    };
    let mut reader = file.take(len);
    let mut buf: Vec<u8> = vec![0u8; 4 << 20];
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            // No newline in 4 MiB: hand it over as one over-long line, which is refused.
            each(&buf[..filled]);
            return Ok(0);
        }
        let n = reader.read(&mut buf[filled..]).map_err(err)?;
        if n == 0 {
            return Ok(filled as u64);
        }
        let scan_from = filled;
        filled += n;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[scan_from..filled]) {
            let end = scan_from + nl;
            if !each(&buf[start..end]) {
                return Ok(0);
            }
            start = end + 1;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
}

/// Verifies the log at `path`: `Ok` with the report whether intact or broken, `Err` only when
/// the file cannot be read.
pub fn verify_log(path: &Path, options: VerifyOptions) -> Result<ChainReport, VerifyError> {
    let mut checker = ChainChecker::new(options);
    let torn = read_lines(path, |line| checker.push(line).is_ok())?;
    if torn > 0 && checker.broken.is_none() {
        checker.torn(torn);
    }
    Ok(checker.finish())
}
