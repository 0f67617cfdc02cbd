//! Verifying a log: every line intact on its own, every link of the chain, optionally every
//! signature and external anchors. Reports the first problem with its line number.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use super::anchor::Anchor;
use super::checkpoint::Checkpoint;
use super::line::{self, CheckedLine, GENESIS, LineFault, MAX_LINE_BYTES, short};
use crate::hash::Sha256Digest;
use crate::token::{Jwks, b64};

/// What to check beyond the chain itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Check every signature against these keys (the gate's JWKS). Without keys, signatures
    /// are counted but not checked. With keys, a record of a command that always signs
    /// (`issue`) must also carry a signature: a missing one was removed.
    pub keys: Option<Jwks>,
    /// Every record must be signed.
    pub require_signatures: bool,
    /// External anchors the log must match.
    pub anchors: Vec<Anchor>,
    /// Signed checkpoints (already verified, see [`super::verify_checkpoint`]) the log must
    /// match: the same log (its first line) holding the checkpoint's head at its position.
    pub checkpoints: Vec<Checkpoint>,
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
    /// A record differs from a signed checkpoint: the log was rewritten or forked, or the
    /// checkpoint is of another log.
    CheckpointMismatch,
    /// The log ends before a signed checkpoint's head: records were removed from its end.
    CheckpointMissing,
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
            Self::CheckpointMismatch => "checkpoint-mismatch",
            Self::CheckpointMissing => "checkpoint-missing",
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
    /// The first record as an anchor, when intact: which log this is.
    pub first: Option<Anchor>,
    /// Signed records among them.
    pub signed: u64,
    /// Whether signatures were checked against keys.
    pub signatures_checked: bool,
    /// Signed checkpoints the log was held against.
    pub checkpoints_checked: u64,
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

/// Where an expected line hash comes from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `--anchor SEQ:HEX`.
    Anchor,
    /// The head of a signed checkpoint signed at this time.
    CheckpointHead(i64),
    /// The first line of the log a signed checkpoint (signed at this time) was made of.
    CheckpointOrigin(i64),
}

impl Source {
    fn mismatch(self) -> BreakKind {
        match self {
            Self::Anchor => BreakKind::AnchorMismatch,
            Self::CheckpointHead(_) | Self::CheckpointOrigin(_) => BreakKind::CheckpointMismatch,
        }
    }

    fn missing(self) -> BreakKind {
        match self {
            Self::Anchor => BreakKind::AnchorMissing,
            Self::CheckpointHead(_) | Self::CheckpointOrigin(_) => BreakKind::CheckpointMissing,
        }
    }

    fn describe(self) -> String {
        let at = |iat: i64| {
            jiff::Timestamp::from_second(iat).map_or_else(|_| iat.to_string(), |t| t.to_string())
        };
        match self {
            Self::Anchor => "the anchor".into(),
            Self::CheckpointHead(iat) => format!("the signed checkpoint of {}", at(iat)),
            Self::CheckpointOrigin(iat) => {
                format!("the signed checkpoint of {} (first record)", at(iat))
            }
        }
    }
}

/// Checks lines one at a time: feed it every complete line, then finish.
#[derive(Debug)]
pub struct ChainChecker {
    options: VerifyOptions,
    /// Every expected line hash by `seq`: several anchors and checkpoints may name one record,
    /// and each is checked.
    anchors: BTreeMap<u64, Vec<(Sha256Digest, Source)>>,
    line: u64,
    last: Option<(u64, Sha256Digest)>,
    first: Option<Sha256Digest>,
    intact: u64,
    signed: u64,
    broken: Option<Break>,
}

impl ChainChecker {
    /// A checker for a log starting at its first line.
    pub fn new(options: VerifyOptions) -> Self {
        let mut anchors: BTreeMap<u64, Vec<(Sha256Digest, Source)>> = BTreeMap::new();
        for a in &options.anchors {
            anchors
                .entry(a.seq)
                .or_default()
                .push((a.line_hash, Source::Anchor));
        }
        for c in &options.checkpoints {
            anchors
                .entry(1)
                .or_default()
                .push((c.origin, Source::CheckpointOrigin(c.iat)));
            anchors
                .entry(c.head.seq)
                .or_default()
                .push((c.head.line_hash, Source::CheckpointHead(c.iat)));
        }
        Self {
            options,
            anchors,
            line: 0,
            last: None,
            first: None,
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
            let beyond = self
                .anchors
                .range(last_seq.saturating_add(1)..)
                .flat_map(|(&seq, expected)| expected.iter().map(move |(_, from)| (seq, *from)))
                .next();
            if let Some((seq, from)) = beyond {
                self.broken = Some(Break {
                    line: self.line + 1,
                    kind: from.missing(),
                    message: format!(
                        "the log ends at seq {last_seq} but {} names record {seq}: records were removed from the end of the log (or it is another log)",
                        from.describe()
                    ),
                });
            }
        }
        ChainReport {
            records: self.intact,
            head: self.last.map(|(seq, line_hash)| Anchor { seq, line_hash }),
            first: self.first.map(|line_hash| Anchor { seq: 1, line_hash }),
            signed: self.signed,
            signatures_checked: self.options.keys.is_some(),
            checkpoints_checked: self.options.checkpoints.len() as u64,
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
            always_signed,
            prev,
            line_hash,
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
            SigCheck::Unsigned if always_signed && self.options.keys.is_some() => {
                return Err(self.brk(
                    BreakKind::Unsigned,
                    format!(
                        "record seq {seq} is not signed, but its command signs every record it writes (`issue` signs with its token key): the signature was removed and the record rewritten"
                    ),
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
        if let Some((expected, from)) = self
            .anchors
            .get(&seq)
            .and_then(|all| all.iter().find(|(hash, _)| *hash != line_hash))
        {
            return Err(self.brk(
                from.mismatch(),
                format!(
                    "record seq {seq} hashes to {}…, {} says {}…: the log was rewritten up to here, forked, or is another log",
                    short(&line_hash),
                    from.describe(),
                    short(expected)
                ),
            ));
        }
        self.last = Some((seq, line_hash));
        self.first.get_or_insert(line_hash);
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
///
/// A reader thread reads the next block while the lines of the current one are examined in
/// parallel; the chain is then linked in order on this thread.
pub(crate) fn scan<T: Send>(
    path: &Path,
    options: VerifyOptions,
    stop_at_break: bool,
    map: impl Fn(&[u8]) -> T + Sync,
) -> Result<(ChainReport, Vec<T>), VerifyError> {
    scan_in_blocks(path, options, stop_at_break, map, BLOCK)
}

/// [`scan`] with blocks of `block` bytes (small in tests, to cross many block boundaries).
fn scan_in_blocks<T: Send>(
    path: &Path,
    options: VerifyOptions,
    stop_at_break: bool,
    map: impl Fn(&[u8]) -> T + Sync,
    block_size: usize,
) -> Result<(ChainReport, Vec<T>), VerifyError> {
    let block_size = block_size.max(1);
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
    let mut out = Vec::new();
    // Full blocks to this thread; emptied ones back to the reader, to be filled again.
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
    let (empty_tx, empty_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut reader = file.take(len);
            loop {
                let want =
                    usize::try_from(reader.limit()).map_or(block_size, |left| left.min(block_size));
                let mut buf = empty_rx.try_recv().unwrap_or_default();
                buf.resize(want, 0);
                let sent = match read_full(&mut reader, &mut buf) {
                    Ok(n) => {
                        buf.truncate(n);
                        // An empty block marks the end; a closed channel means stop.
                        full_tx.send(Ok(buf)).is_ok() && n > 0
                    }
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        false
                    }
                };
                if !sent {
                    break;
                }
            }
        });
        // The receiving end lives in this closure: leaving it early stops the reader.
        let consume = move |checker: &mut ChainChecker, out: &mut Vec<T>| -> io::Result<()> {
            let mut carry: Vec<u8> = Vec::new();
            for block in full_rx {
                let block = block?;
                if block.is_empty() {
                    break;
                }
                let Some(first) = memchr::memchr(b'\n', &block) else {
                    carry.extend_from_slice(&block);
                    if carry.len() > MAX_LINE_BYTES {
                        // Longer than any record, and no newline yet: examined as one line,
                        // which refuses it; reading stops there.
                        let (examined, mapped) = work(&carry);
                        let _ = checker.accept(examined);
                        out.push(mapped);
                        return Ok(());
                    }
                    let _ = empty_tx.try_send(block);
                    continue;
                };
                // The line begun in the previous block ends at the first newline of this one.
                carry.extend_from_slice(&block[..first]);
                let (examined, mapped) = work(&carry);
                carry.clear();
                let ok = checker.accept(examined).is_ok();
                out.push(mapped);
                if !ok && stop_at_break {
                    return Ok(());
                }
                let last = memchr::memrchr(b'\n', &block).unwrap_or(first);
                let mut lines: Vec<&[u8]> = Vec::new();
                let mut from = first + 1;
                for nl in memchr::memchr_iter(b'\n', &block[first + 1..=last]) {
                    lines.push(&block[from..first + 1 + nl]);
                    from = first + 1 + nl + 1;
                }
                for (examined, mapped) in par_map(&lines, &work) {
                    let ok = checker.accept(examined).is_ok();
                    out.push(mapped);
                    if !ok && stop_at_break {
                        return Ok(());
                    }
                }
                carry.extend_from_slice(&block[last + 1..]);
                let _ = empty_tx.try_send(block);
            }
            if !carry.is_empty() {
                checker.torn(carry.len() as u64);
            }
            Ok(())
        };
        consume(&mut checker, &mut out)
    })
    .map_err(err)?;
    Ok((checker.finish(), out))
}

/// Verifies the log at `path`: `Ok` with the report whether intact or broken, `Err` only when
/// the file cannot be read. Lines are examined in parallel on the available cores.
pub fn verify_log(path: &Path, options: VerifyOptions) -> Result<ChainReport, VerifyError> {
    scan(path, options, true, |_| ()).map(|(report, _)| report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::audit::{Actor, AuditLog, Command, Record, Verdict};

    fn scan_report(path: &Path, block: usize) -> (ChainReport, Vec<usize>) {
        scan_in_blocks(path, VerifyOptions::default(), false, <[u8]>::len, block).unwrap()
    }

    #[test]
    fn block_boundaries_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("audit.jsonl"));
        for i in 0..700 {
            let time = jiff::Timestamp::from_second(1_790_000_000 + i).unwrap();
            let mut r = Record::new(Command::Check, Verdict::Allow, time, Actor::default());
            r.environment = Some("x".repeat((i % 97) as usize));
            log.append(r, None).unwrap();
        }
        let bytes = std::fs::read(log.path()).unwrap();
        let lengths: Vec<usize> = bytes
            .split(|&b| b == b'\n')
            .map(<[u8]>::len)
            .filter(|&n| n > 0)
            .collect();
        let whole = scan_report(log.path(), BLOCK);
        assert!(whole.0.is_intact());
        assert_eq!(whole.0.records, 700);
        assert_eq!(whole.1, lengths);
        // Blocks smaller than a line, about a line, and holding hundreds of lines (parallel).
        for block in [13, 100, 333, 4096, 65_536, 150_000] {
            assert_eq!(scan_report(log.path(), block), whole, "block {block}");
        }

        // The same first problem whatever the blocks: an edit, then a torn tail.
        let t = dir.path().join("t.jsonl");
        for (at, damage) in [(bytes.len() / 2, 1usize), (bytes.len() - 1, 0)] {
            let mut edited = bytes.clone();
            if damage == 1 {
                edited[at] ^= 1;
            } else {
                edited.truncate(at - 40);
            }
            std::fs::write(&t, &edited).unwrap();
            let expected = scan_report(&t, BLOCK).0.broken.unwrap();
            for block in [13, 4096, 150_000] {
                assert_eq!(
                    scan_report(&t, block).0.broken.as_ref(),
                    Some(&expected),
                    "block {block}"
                );
            }
        }
    }
}
