//! Appending to the log, and repairing a torn tail.
//!
//! An append holds an exclusive advisory lock on the log file (`flock` on Unix, `LockFileEx`
//! on Windows) while it reads the last line, checks it, and writes the new line with one
//! `write_all` in append mode followed by `fsync` (`sync_data`). It reads only the tail (from
//! the end, in chunks), so its cost does not grow with the log. A failed write is cut back off
//! under the same lock, so a failed append leaves the log as it was.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::line::{self, CheckedLine, GENESIS, LineFault, MAX_LINE_BYTES};
use super::record::{Actor, Command, Record, RepairRef, Verdict};
use crate::hash::Sha256Digest;
use crate::token::SigningKey;

/// Bytes read per step when searching the last line backwards.
const TAIL_CHUNK: usize = 8 << 10;

/// How to recover from a torn tail, for messages.
const REPAIR_HELP: &str = "inspect it, then run `gatepass audit repair LOG`, which moves the torn bytes to LOG.torn-<time> and records the repair (docs/audit.md, \"Recovery\")";

/// An audit log file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

/// Where a record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Its `seq`.
    pub seq: u64,
    /// SHA-256 of its line: with `seq`, an anchor for `audit verify --anchor`.
    pub line_hash: Sha256Digest,
}

impl Appended {
    /// The record as an external anchor (`SEQ:HEX`).
    pub fn anchor(&self) -> super::anchor::Anchor {
        super::anchor::Anchor {
            seq: self.seq,
            line_hash: self.line_hash,
        }
    }
}

/// A record that could not be appended. The log is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// The log could not be opened, locked, read, written or synced.
    #[error("cannot {operation} audit log {}: {source}; the decision was not recorded", path.display())]
    Io {
        /// The log file.
        path: PathBuf,
        /// What was being done: `open`, `lock`, `read`, `write`, `sync`.
        operation: &'static str,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The log ends in a torn write (no newline after its last bytes): it will not be extended
    /// until an operator repairs it.
    #[error("audit log {} ends in a torn write: line {line} ({bytes} bytes) has no newline, probably from a crash while writing; nothing was appended. Recovery: {REPAIR_HELP}", path.display())]
    Torn {
        /// The log file.
        path: PathBuf,
        /// The line number of the torn bytes.
        line: u64,
        /// How many bytes follow the last newline.
        bytes: u64,
    },
    /// The last line of the log is not an intact record: the log will not be extended.
    #[error("audit log {} line {line} is not an intact record ({why}); nothing was appended. This is not a crash artifact: run `gatepass audit verify` on it and restore the log from a copy, or move the line out by hand and keep it as evidence (docs/audit.md, \"Recovery\")", path.display())]
    BadTail {
        /// The log file.
        path: PathBuf,
        /// The line number.
        line: u64,
        /// What is wrong with it.
        why: String,
    },
    /// The record could not be encoded, or its line would be longer than [`MAX_LINE_BYTES`].
    #[error("cannot encode the audit record for {}: {why}", path.display())]
    Encode {
        /// The log file.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

/// A repair that could not be made. The log is unchanged unless the error says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepairError {
    /// The log's tail is intact: there is nothing to repair.
    #[error("audit log {} ends with an intact record ({records}); there is nothing to repair", path.display())]
    NothingToRepair {
        /// The log file.
        path: PathBuf,
        /// A description of the last record.
        records: String,
    },
    /// The log is damaged in a way a repair cannot fix safely.
    #[error("audit log {} cannot be repaired automatically: line {line}: {why}. Run `gatepass audit verify` and restore from a copy (docs/audit.md, \"Recovery\")", path.display())]
    NotRepairable {
        /// The log file.
        path: PathBuf,
        /// The offending line.
        line: u64,
        /// What is wrong.
        why: String,
    },
    /// A file could not be read or written.
    #[error("cannot {operation} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        operation: &'static str,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The torn bytes were moved out, but the repair record could not be appended.
    #[error("the torn bytes were moved to {}, but the repair record could not be appended", moved_to.display())]
    Record {
        /// Where the torn bytes are now.
        moved_to: PathBuf,
        /// Why the record failed.
        #[source]
        source: AppendError,
    },
}

/// What a repair did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The file holding the torn bytes.
    pub moved_to: PathBuf,
    /// How many bytes were moved.
    pub bytes: u64,
    /// The line number they started at.
    pub line: u64,
    /// The repair record.
    pub record: Appended,
}

/// The end of the log as found under the lock.
enum Tail {
    Empty,
    Last {
        seq: u64,
        line_hash: Sha256Digest,
    },
    /// Bytes after the last newline, starting at `start`.
    Torn {
        start: u64,
    },
    /// The last complete line, starting at `start`, is not intact.
    Bad {
        start: u64,
        why: String,
    },
}

impl AuditLog {
    /// The log at `path` (created by the first append).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks that the log can be appended to now: it can be opened for appending (it is
    /// created if missing) and locked, and its tail is intact. Returns the `seq` of its last
    /// record (0 when empty).
    ///
    /// A command calls this before it acts (a deploy target before it consumes a token's
    /// replay entry, the gate before it evaluates), so that a misconfigured or damaged log
    /// stops it early; [`AuditLog::append`] still checks everything again.
    pub fn ready(&self) -> Result<u64, AppendError> {
        let io = |operation| {
            move |source| AppendError::Io {
                path: self.path.clone(),
                operation,
                source,
            }
        };
        let mut file = self.open_locked()?;
        let result = (|| {
            let len = file.metadata().map_err(io("read"))?.len();
            match read_tail(&mut file, len).map_err(io("read"))? {
                Tail::Empty => Ok(0),
                Tail::Last { seq, .. } => Ok(seq),
                Tail::Torn { start } => Err(AppendError::Torn {
                    path: self.path.clone(),
                    line: line_number(&mut file, start).map_err(io("read"))?,
                    bytes: len - start,
                }),
                Tail::Bad { start, why } => Err(AppendError::BadTail {
                    path: self.path.clone(),
                    line: line_number(&mut file, start).map_err(io("read"))?,
                    why,
                }),
            }
        })();
        let _ = file.unlock();
        result
    }

    /// Appends `record` (its `v`, `seq` and `prev` are set here), signed by `signer` when given.
    ///
    /// Refuses to extend a log whose tail is torn or not an intact record. Safe with any
    /// number of concurrent appenders, in threads or processes, on a filesystem with working
    /// advisory locks (local filesystems; not every network filesystem).
    pub fn append(
        &self,
        mut record: Record,
        signer: Option<&SigningKey>,
    ) -> Result<Appended, AppendError> {
        let mut file = self.open_locked()?;
        let result = self.append_locked(&mut file, &mut record, signer);
        // Closing the file releases the lock too; unlocking explicitly keeps the window short.
        let _ = file.unlock();
        result
    }

    /// Opens the log for reading and appending, creating it, under its exclusive advisory lock.
    fn open_locked(&self) -> Result<File, AppendError> {
        let io = |operation| {
            move |source| AppendError::Io {
                path: self.path.clone(),
                operation,
                source,
            }
        };
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(io("open"))?;
        file.lock().map_err(io("lock"))?;
        Ok(file)
    }

    fn append_locked(
        &self,
        file: &mut File,
        record: &mut Record,
        signer: Option<&SigningKey>,
    ) -> Result<Appended, AppendError> {
        let io = |operation| {
            move |source| AppendError::Io {
                path: self.path.clone(),
                operation,
                source,
            }
        };
        let len = file.metadata().map_err(io("read"))?.len();
        let (seq, prev) = match read_tail(file, len).map_err(io("read"))? {
            Tail::Empty => (1, GENESIS.to_owned()),
            Tail::Last { seq, line_hash } => (seq.saturating_add(1), line::hex(&line_hash)),
            Tail::Torn { start } => {
                return Err(AppendError::Torn {
                    path: self.path.clone(),
                    line: line_number(file, start).map_err(io("read"))?,
                    bytes: len - start,
                });
            }
            Tail::Bad { start, why } => {
                return Err(AppendError::BadTail {
                    path: self.path.clone(),
                    line: line_number(file, start).map_err(io("read"))?,
                    why,
                });
            }
        };
        record.v = super::record::RECORD_VERSION;
        record.seq = seq;
        record.prev = prev;
        let bytes = line::encode(record, signer).map_err(|e| AppendError::Encode {
            path: self.path.clone(),
            why: e.to_string(),
        })?;
        if bytes.len() > MAX_LINE_BYTES {
            return Err(AppendError::Encode {
                path: self.path.clone(),
                why: format!(
                    "the record is {} bytes; records are at most {MAX_LINE_BYTES}",
                    bytes.len()
                ),
            });
        }
        // One write of the whole line; on failure, cut back whatever part of it landed.
        let written = file.write_all(&bytes).map_err(io("write"));
        let synced = written.and_then(|()| file.sync_data().map_err(io("sync")));
        if let Err(e) = synced {
            if file.set_len(len).is_ok() {
                let _ = file.sync_data();
            }
            return Err(e);
        }
        if len == 0 {
            sync_parent(&self.path);
        }
        Ok(Appended {
            seq,
            line_hash: Sha256Digest::of(&bytes[..bytes.len() - 1]),
        })
    }

    /// Moves a torn tail (bytes after the last newline, left by a crash mid-write) to
    /// `LOG.torn-<time>` beside the log, cuts it off the log, and appends a `repair` record
    /// naming the file, the byte count and their SHA-256. Only a torn tail is repaired: a
    /// complete line that is not an intact record needs a person (see [`RepairError`]).
    pub fn repair(
        &self,
        time: Timestamp,
        actor: Actor,
        signer: Option<&SigningKey>,
    ) -> Result<Repaired, RepairError> {
        let io = |path: &Path, operation| {
            let path = path.to_path_buf();
            move |source| RepairError::Io {
                path,
                operation,
                source,
            }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(io(&self.path, "open"))?;
        file.lock().map_err(io(&self.path, "lock"))?;
        let result = self.repair_locked(&mut file, time, actor, signer);
        let _ = file.unlock();
        result
    }

    fn repair_locked(
        &self,
        file: &mut File,
        time: Timestamp,
        actor: Actor,
        signer: Option<&SigningKey>,
    ) -> Result<Repaired, RepairError> {
        let io = |path: &Path, operation| {
            let path = path.to_path_buf();
            move |source| RepairError::Io {
                path,
                operation,
                source,
            }
        };
        let len = file.metadata().map_err(io(&self.path, "read"))?.len();
        let start = match read_tail(file, len).map_err(io(&self.path, "read"))? {
            Tail::Empty => {
                return Err(RepairError::NothingToRepair {
                    path: self.path.clone(),
                    records: "the log is empty".into(),
                });
            }
            Tail::Last { seq, .. } => {
                return Err(RepairError::NothingToRepair {
                    path: self.path.clone(),
                    records: format!("seq {seq}"),
                });
            }
            Tail::Bad { start, why } => {
                return Err(RepairError::NotRepairable {
                    path: self.path.clone(),
                    line: line_number(file, start).map_err(io(&self.path, "read"))?,
                    why: format!("a complete line that is not an intact record ({why})"),
                });
            }
            Tail::Torn { start } => start,
        };
        let line = line_number(file, start).map_err(io(&self.path, "read"))?;
        // The record before the torn bytes must be intact: the repair record chains to it.
        if let Tail::Bad { why, .. } = read_tail(file, start).map_err(io(&self.path, "read"))? {
            return Err(RepairError::NotRepairable {
                path: self.path.clone(),
                line: line.saturating_sub(1),
                why: format!("the line before the torn bytes is not an intact record ({why})"),
            });
        }
        let torn_len = len - start;
        let (moved_to, mut out) = create_torn_file(&self.path, time)
            .map_err(io(&self.path, "create the file for the torn bytes beside"))?;
        let digest =
            copy_hashed(file, start, torn_len, &mut out).map_err(io(&moved_to, "write"))?;
        out.sync_all().map_err(io(&moved_to, "write"))?;
        drop(out);
        sync_parent(&moved_to);
        file.set_len(start)
            .and_then(|()| file.sync_data())
            .map_err(io(&self.path, "truncate"))?;
        let mut record = Record::new(Command::Repair, Verdict::Repaired, time, actor);
        record.repair = Some(RepairRef {
            line,
            bytes: torn_len,
            sha256: digest.prefixed(),
            moved_to: moved_to
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        });
        let appended = self
            .append_locked(file, &mut record, signer)
            .map_err(|source| RepairError::Record {
                moved_to: moved_to.clone(),
                source,
            })?;
        Ok(Repaired {
            moved_to,
            bytes: torn_len,
            line,
            record: appended,
        })
    }
}

/// Reads the end of the first `len` bytes of `file`: only the last line, searched backwards.
fn read_tail(file: &mut File, len: u64) -> io::Result<Tail> {
    if len == 0 {
        return Ok(Tail::Empty);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] != b'\n' {
        let start = line_start(file, len, u64::MAX)?.unwrap_or(0);
        return Ok(Tail::Torn { start });
    }
    let end = len - 1;
    let Some(start) = line_start(file, end, MAX_LINE_BYTES as u64 + 1)? else {
        return Ok(Tail::Bad {
            start: line_start(file, end, u64::MAX)?.unwrap_or(0),
            why: format!("the last line is longer than {MAX_LINE_BYTES} bytes"),
        });
    };
    let mut buf = vec![0u8; usize::try_from(end - start).unwrap_or(usize::MAX)];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut buf)?;
    Ok(match line::check(&buf) {
        Ok((CheckedLine { seq, line_hash, .. }, _)) => Tail::Last { seq, line_hash },
        Err(LineFault::InvalidJson(why) | LineFault::NotARecord(why) | LineFault::Edited(why)) => {
            Tail::Bad { start, why }
        }
    })
}

/// Where the line ending at byte `end` starts: just after the last newline before `end`, or 0.
/// `None` when no newline (nor the start of the file) is within `limit` bytes before `end`.
fn line_start(file: &mut File, end: u64, limit: u64) -> io::Result<Option<u64>> {
    let floor = end.saturating_sub(limit);
    let mut pos = end;
    let mut chunk = vec![0u8; TAIL_CHUNK];
    while pos > floor {
        let step = usize::try_from(pos - floor)
            .unwrap_or(TAIL_CHUNK)
            .min(TAIL_CHUNK);
        pos -= step as u64;
        let chunk = &mut chunk[..step];
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(pos + i as u64 + 1));
        }
    }
    Ok((pos == 0).then_some(0))
}

/// The 1-based line number of the line starting at byte `start`. Reads the file up to
/// `start`: only used on the error path.
fn line_number(file: &mut File, start: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = io::BufReader::with_capacity(1 << 16, file.take(start));
    let mut lines = 1u64;
    loop {
        let buf = io::BufRead::fill_buf(&mut reader)?;
        if buf.is_empty() {
            return Ok(lines);
        }
        lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = buf.len();
        io::BufRead::consume(&mut reader, n);
    }
}

/// Copies `len` bytes of `file` from `start` to `out`, returning their SHA-256.
fn copy_hashed(file: &mut File, start: u64, len: u64, out: &mut File) -> io::Result<Sha256Digest> {
    use sha2::Digest as _;
    file.seek(SeekFrom::Start(start))?;
    let mut hasher = sha2::Sha256::new();
    let mut reader = file.take(len);
    let mut buf = vec![0u8; 1 << 16];
    let mut copied = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        copied += n as u64;
    }
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the log shrank while it was being repaired",
        ));
    }
    Ok(Sha256Digest(hasher.finalize().into()))
}

/// Creates `LOG.torn-<time>` (or `…-2`, `…-3` when taken), never overwriting a file.
fn create_torn_file(log: &Path, time: Timestamp) -> io::Result<(PathBuf, File)> {
    let stamp = time.strftime("%Y%m%dT%H%M%SZ").to_string();
    for n in 1..=100 {
        let mut name = log.file_name().unwrap_or_default().to_owned();
        name.push(format!(".torn-{stamp}"));
        if n > 1 {
            name.push(format!("-{n}"));
        }
        let path = log.with_file_name(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "100 files for torn bytes with this time stamp already exist",
    ))
}

/// Makes a new directory entry durable; not every platform can open a directory.
fn sync_parent(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
