//! A file-backed replay store: each `jti` is accepted once.
//!
//! Format: JSON Lines `{"jti":"…","exp":1700000000}`. Entries are kept until their `exp` plus
//! the largest leeway any verifier accepts ([`MAX_LEEWAY_SECS`], or the caller's leeway if that is
//! larger) has passed, then pruned. Pruning never depends on the leeway of the verifier that
//! happens to write: targets with different leeways can share one store, and an entry stays
//! until no target sharing it could still accept the token. Every check-and-record runs under an
//! exclusive lock on
//! `FILE.lock` and replaces `FILE` atomically (write to a temporary file, fsync, rename), so two
//! verifiers starting at once cannot both accept the same token, and a crash never leaves a
//! half-written store.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::verify::MAX_LEEWAY_SECS;

/// A replay store that could not be used. The token is refused (fail closed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The token's `jti` is already in the store.
    #[error("jti {0:?} was already used")]
    Replayed(String),
    /// The store or its lock could not be read or written.
    #[error("cannot use replay store {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A line of the store is not a valid entry.
    #[error("replay store {} line {line} is corrupt; fix or remove the line (removing entries re-admits their tokens until they expire)", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
}

#[derive(Serialize, Deserialize)]
struct Entry {
    jti: String,
    exp: i64,
}

/// A replay store at a path.
#[derive(Debug, Clone)]
pub struct ReplayDb {
    path: PathBuf,
}

impl ReplayDb {
    /// The store in `path` (created on first use).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Records `jti` (valid until `exp`), or fails with [`ReplayError::Replayed`] if it is there.
    ///
    /// Entries whose `exp` plus [`MAX_LEEWAY_SECS`] (or plus `leeway`, if larger) is before `now`
    /// are pruned: a verifier with a small leeway never drops an entry that another verifier
    /// sharing the store, with a larger leeway, would still accept.
    pub fn check_and_record(
        &self,
        jti: &str,
        exp: i64,
        now: i64,
        leeway: i64,
    ) -> Result<(), ReplayError> {
        let io_err = |source| ReplayError::Io {
            path: self.path.clone(),
            source,
        };
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(&self.path))
            .map_err(io_err)?;
        lock.lock().map_err(io_err)?;
        let result = self.check_locked(jti, exp, now, leeway);
        // Closing the file releases the lock too; unlocking explicitly keeps the window short.
        let _ = lock.unlock();
        result
    }

    fn check_locked(&self, jti: &str, exp: i64, now: i64, leeway: i64) -> Result<(), ReplayError> {
        let io_err = |source| ReplayError::Io {
            path: self.path.clone(),
            source,
        };
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io_err(e)),
        };
        let keep_for = leeway.max(MAX_LEEWAY_I64);
        let mut keep = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(line).map_err(|_| ReplayError::Corrupt {
                path: self.path.clone(),
                line: i + 1,
            })?;
            if entry.jti == jti {
                return Err(ReplayError::Replayed(jti.to_owned()));
            }
            if entry.exp.saturating_add(keep_for) >= now {
                keep.push(entry);
            }
        }
        keep.push(Entry {
            jti: jti.to_owned(),
            exp,
        });
        let mut out = String::new();
        for entry in &keep {
            out.push_str(&serde_json::to_string(entry).map_err(|e| io_err(io::Error::other(e)))?);
            out.push('\n');
        }
        replace_file(&self.path, out.as_bytes()).map_err(io_err)
    }
}

/// [`MAX_LEEWAY_SECS`] as the store's time type (300 always fits).
const MAX_LEEWAY_I64: i64 = MAX_LEEWAY_SECS as i64;

fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Replaces `path` atomically with `bytes` (mode 0600 on Unix): temp file, fsync, rename, fsync dir.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    // Make the rename itself durable; not all platforms can open a directory.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_is_refused_and_expired_entries_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let db = ReplayDb::new(dir.path().join("replay.jsonl"));
        db.check_and_record("a", 1000, 900, 60).unwrap();
        assert!(matches!(
            db.check_and_record("a", 1000, 950, 60),
            Err(ReplayError::Replayed(_))
        ));
        // Long after a's exp + leeway, a is pruned when b is recorded.
        db.check_and_record("b", 5000, 2000, 60).unwrap();
        let text = fs::read_to_string(dir.path().join("replay.jsonl")).unwrap();
        assert!(!text.contains("\"a\""), "{text}");
        assert!(text.contains("\"b\""));
    }

    #[test]
    fn a_store_shared_by_verifiers_with_different_leeways_keeps_entries_for_the_largest() {
        let dir = tempfile::tempdir().unwrap();
        let db = ReplayDb::new(dir.path().join("replay.jsonl"));
        // Target A (leeway 0) admits "a" while it is valid.
        db.check_and_record("a", 1000, 990, 0).unwrap();
        // After a's exp, A admits "b"; its write must not drop "a" ...
        db.check_and_record("b", 5000, 1010, 0).unwrap();
        // ... because target B (leeway 300) would still accept "a" by its times.
        assert!(matches!(
            db.check_and_record("a", 1000, 1010, 300),
            Err(ReplayError::Replayed(_))
        ));
        // Past exp + the maximum leeway, no verifier accepts "a": it is pruned.
        db.check_and_record("c", 5000, 1000 + 301, 0).unwrap();
        let text = fs::read_to_string(dir.path().join("replay.jsonl")).unwrap();
        assert!(!text.contains("\"a\""), "{text}");
    }

    #[test]
    fn corrupt_store_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replay.jsonl");
        fs::write(&path, "{\"jti\":\"a\",\"exp\":1}\nnot json\n").unwrap();
        let db = ReplayDb::new(&path);
        assert!(matches!(
            db.check_and_record("b", 10, 0, 60),
            Err(ReplayError::Corrupt { line: 2, .. })
        ));
    }

    #[test]
    fn concurrent_verifiers_accept_a_jti_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replay.jsonl");
        let accepted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let db = ReplayDb::new(&path);
                    s.spawn(move || db.check_and_record("same", 10_000, 0, 60).is_ok())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(accepted, 1);
    }
}
