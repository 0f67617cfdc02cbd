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
        let examined = examine(bytes, self.options.keys.as_ref());
        self.accept(examined)
    }

    /// Takes the next line's own examination (see [`examine`]) and checks its links.
    fn accept(&mut self, examined: Examined) -> Result<(), Break> {
        if let Some(b) = &self.broken {
            return Err(b.clone());
        }
        self.line += 1;
        let result = self.link(examined);
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

    fn link(&mut self, examined: Examined) -> Result<(), Break> {
        let Examined { checked, sig } = examined;
        let checked = checked.map_err(|fault| match fault {
            LineFault::InvalidJson(m) => self.brk(BreakKind::InvalidJson, m),
            LineFault::NotARecord(m) => self.brk(BreakKind::NotARecord, m),
            LineFault::Edited(m) => self.brk(BreakKind::Edited, m),
        })?;
        let CheckedLine {
            seq,
            prev,
            line_hash,
            ..
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
                    let missing = if seq - 1 == expected {
                        format!("record {expected} is missing")
                    } else {
                        format!("records {expected}–{} are missing", seq - 1)
                    };
                    return Err(self.brk(
                        BreakKind::Removed,
                        format!(
                            "seq jumps from {last_seq} to {seq}: {missing} (removed), or records are out of order"
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
        match sig {
            SigCheck::Unsigned if self.options.require_signatures => {
                return Err(self.brk(
                    BreakKind::Unsigned,
                    format!("record seq {seq} is not signed, and signatures are required"),
                ));
            }
            SigCheck::Unsigned => {}
            SigCheck::Unchecked | SigCheck::Valid => self.signed += 1,
            SigCheck::UnknownKey(kid) => {
                return Err(self.brk(
                    BreakKind::UnknownKey,
                    format!(
                        "record seq {seq} is signed by key {kid:?}, which is not in the key set"
                    ),
                ));
            }
            SigCheck::Invalid(kid) => {
                return Err(self.brk(
                    BreakKind::BadSignature,
                    format!("the signature of record seq {seq} does not verify with key {kid}"),
                ));
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

/// A line's signature, as far as it can be judged on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SigCheck {
    Unsigned,
    /// Signed; no keys to check against.
    Unchecked,
    Valid,
    UnknownKey(String),
    Invalid(String),
}

/// Everything about one line that does not depend on the other lines.
#[derive(Debug, Clone)]
struct Examined {
    checked: Result<CheckedLine, LineFault>,
    sig: SigCheck,
}

/// Examines one line on its own: layout, self-hash, JSON, and the signature against `keys`.
/// Independent of every other line, so lines are examined in parallel.
fn examine(bytes: &[u8], keys: Option<&Jwks>) -> Examined {
    let (checked, sig) = match line::check(bytes) {
        Err(fault) => {
            return Examined {
                checked: Err(fault),
                sig: SigCheck::Unsigned,
            };
        }
        Ok(ok) => ok,
    };
    let sig = match (sig, keys) {
        (None, _) => SigCheck::Unsigned,
        (Some(_), None) => SigCheck::Unchecked,
        (Some((sig, signed_len)), Some(keys)) => match keys.get(sig.kid) {
            None => SigCheck::UnknownKey(sig.kid.to_owned()),
            Some(key) => {
                let valid = sig.alg == "EdDSA"
                    && b64::decode(sig.value).is_some_and(|raw| {
                        crate::token::verify::check_signature_raw(key, &bytes[..signed_len], &raw)
                            .is_ok()
                    });
                if valid {
                    SigCheck::Valid
                } else {
                    SigCheck::Invalid(sig.kid.to_owned())
                }
            }
        },
    };
    Examined {
        checked: Ok(checked),
        sig,
    }
}

/// Bytes read per block; lines of a block are examined in parallel.
const BLOCK: usize = 8 << 20;

/// Reads into `buf` until it is full or the reader ends; returns the bytes read.
fn read_full(reader: &mut impl io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Applies `f` to every line, on up to 8 threads (one per core), keeping the order.
fn par_map<T: Send>(lines: &[&[u8]], f: &(dyn Fn(&[u8]) -> T + Sync)) -> Vec<T> {
    if lines.len() < 256 {
        return lines.iter().map(|l| f(l)).collect();
    }
    static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let workers =
        *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)));
    if workers < 2 {
        return lines.iter().map(|l| f(l)).collect();
    }
    let per = lines.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per)
            .map(|chunk| scope.spawn(move || chunk.iter().map(|l| f(l)).collect::<Vec<T>>()))
            .collect();
        let mut out = Vec::with_capacity(lines.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                // A worker cannot panic on any input (no indexing out of bounds, no unwrap);
                // were it to, the same work is redone here rather than lost.
                Err(_) => return lines.iter().map(|l| f(l)).collect(),
            }
        }
        out
    })
}

/// Reads and verifies the log at `path`, applying `map` to every complete line (in order) as
/// well. Stops at the first problem when `stop_at_break`. Reads what the file holds when it
/// is opened: appends that land meanwhile are not seen, and a line being appended is never
/// mistaken for a torn one (the length is taken under a shared lock, which waits for a writer
/// to finish its line).
pub(crate) fn scan<T: Send>(
    path: &Path,
    options: VerifyOptions,
    stop_at_break: bool,
    map: impl Fn(&[u8]) -> T + Sync,
) -> Result<(ChainReport, Vec<T>), VerifyError> {
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
    let keys = options.keys.clone();
    let mut checker = ChainChecker::new(options);
    let work = |l: &[u8]| (examine(l, keys.as_ref()), map(l));
    let mut reader = file.take(len);
    let mut out = Vec::new();
    // One buffer for the whole file: a block, after the unfinished line of the block before.
    let mut buf: Vec<u8> = Vec::new();
    let mut kept = 0usize;
    loop {
        // Never more than the file still holds: small logs get small buffers.
        let want = usize::try_from(reader.limit()).map_or(BLOCK, |left| left.min(BLOCK));
        if buf.len() < kept + want {
            buf.resize(kept + want, 0);
        }
        let n = read_full(&mut reader, &mut buf[kept..kept + want]).map_err(err)?;
        let filled = kept + n;
        let Some(last_newline) = memchr::memrchr(b'\n', &buf[kept..filled]).map(|i| kept + i)
        else {
            if n == 0 {
                if filled > 0 {
                    checker.torn(filled as u64);
                }
                break;
            }
            // No newline in two whole blocks: longer than any record. Examined as one line,
            // which refuses it; reading stops there.
            if filled > 2 * BLOCK {
                let (examined, mapped) = work(&buf[..filled]);
                let _ = checker.accept(examined);
                out.push(mapped);
                break;
            }
            kept = filled;
            continue;
        };
        let mut lines: Vec<&[u8]> = Vec::new();
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[..=last_newline]) {
            lines.push(&buf[from..nl]);
            from = nl + 1;
        }
        for (examined, mapped) in par_map(&lines, &work) {
            let ok = checker.accept(examined).is_ok();
            out.push(mapped);
            if !ok && stop_at_break {
                return Ok((checker.finish(), out));
            }
        }
        buf.copy_within(last_newline + 1..filled, 0);
        kept = filled - last_newline - 1;
    }
    Ok((checker.finish(), out))
}

/// Verifies the log at `path`: `Ok` with the report whether intact or broken, `Err` only when
/// the file cannot be read. Lines are examined in parallel on the available cores.
pub fn verify_log(path: &Path, options: VerifyOptions) -> Result<ChainReport, VerifyError> {
    scan(path, options, true, |_| ()).map(|(report, _)| report)
}
