//! Collecting signed approval and exception records for one release, environment and policy.
//!
//! [`collect`] reads every record file in each `--approvals` directory and each `--exception`
//! file, and sorts each record into a counted [`Approval`] / [`ExceptionGrant`] or an
//! [`Ignored`] entry with a specific reason. A record counts only if
//!
//! - its JWS passes the strict token rules (see [`crate::token::verify::verify_jws`]),
//! - the key that signed it is one the policy names (in `[people]` or `[roles]`), found by
//!   `kid`; the record counts as the **person who owns that key**, never as whoever it says,
//! - the `approver` it declares is that person's id or one of their GitHub logins (a look-alike
//!   such as `"jrivera "` or a Cyrillic `"jrіvera"` is not, and the record is ignored with the
//!   reason),
//! - that person holds the role the record approves as (for exceptions: the role of
//!   `[exceptions].approvers`),
//! - its release digest is this release's, and its environment is the policy's.
//!
//! Clock-dependent rules (expiry, `max_age`) and quorums are applied by evaluation, which
//! knows `now`; collection only reads the times. The one exception is an exception record
//! whose lifetime (`exp - iat`) exceeds `[exceptions].max_ttl`: that does not depend on the
//! clock, and such a record is ignored (not shortened).
//!
//! Directory rule: in an `--approvals` directory, every regular file whose name ends in `.jwt`
//! or `.jws` is read as an approval record. Hidden entries (names starting with `.`, such as
//! `.gitkeep`) are skipped; every other entry — files with other names, subdirectories (not
//! walked), exception records — is reported as ignored. Files are read in name order.
//!
//! I/O failures (a missing directory, an unreadable file, a role key that cannot be loaded)
//! are errors: the gate cannot decide (exit 2).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use super::check::Collector;
use super::exception::ExceptionGrant;
use super::record::ReleaseRef;
use crate::criteria::approvals::{Approval, Ignored};
use crate::policy::Policy;

/// Largest record file read; records are a few hundred bytes.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// What collection found: the records that count, and every one that does not, with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Collected {
    /// Approvals bound to this release and environment, signed under a key of their role.
    pub approvals: Vec<Approval>,
    /// Exceptions bound to this release and environment, signed under a key of the
    /// exception approvers' role, within `[exceptions].max_ttl`.
    pub exceptions: Vec<ExceptionGrant>,
    /// Everything found that does not count, in the order found.
    pub ignored: Vec<Ignored>,
}

/// Collection could not finish, so the gate cannot decide (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// An `--approvals` directory could not be read.
    #[error(
        "cannot read the approvals directory {}; pass a directory holding approval records (*.jwt)",
        path.display()
    )]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--approvals` names something that is not a directory.
    #[error(
        "{} is not a directory; --approvals takes a directory of approval records (*.jwt)",
        path.display()
    )]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A record file could not be read.
    #[error("cannot read the record file {}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--exception` names a directory.
    #[error("{} is a directory; --exception takes one exception record file", path.display())]
    ExceptionIsDirectory {
        /// The path given.
        path: PathBuf,
    },
}

/// Collects the records in `approval_dirs` and `exception_files` for `release` under `policy`
/// (whose `environment` the records must name), with the keys the policy has loaded
/// ([`Policy::load`](crate::policy::Policy::load)).
pub fn collect(
    policy: &Policy,
    release: &ReleaseRef,
    approval_dirs: &[PathBuf],
    exception_files: &[PathBuf],
) -> Result<Collected, CollectError> {
    let collector = Collector::new(policy, release.clone());
    let mut out = Collected::default();
    for dir in approval_dirs {
        collector.read_approvals_dir(dir, &mut out)?;
    }
    for file in exception_files {
        collector.read_exception_file(file, &mut out)?;
    }
    Ok(out)
}

impl Collector<'_> {
    /// Reads one `--approvals` directory into `out` (see the module docs for the rule).
    pub fn read_approvals_dir(&self, dir: &Path, out: &mut Collected) -> Result<(), CollectError> {
        let read_dir = |source| CollectError::ReadDir {
            path: dir.to_path_buf(),
            source,
        };
        let meta = fs::metadata(dir).map_err(read_dir)?;
        if !meta.is_dir() {
            return Err(CollectError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(read_dir)? {
            let entry = entry.map_err(read_dir)?;
            entries.push((entry.file_name(), entry.path()));
        }
        entries.sort();
        for (name, path) in entries {
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            if name.chars().any(char::is_control) {
                out.ignored.push(Ignored {
                    origin: format!("{}/{}", dir.display(), name.escape_debug()),
                    approver: None,
                    reason: "the file name contains control characters; not read".to_owned(),
                });
                continue;
            }
            let origin = path.display().to_string();
            let ignore = |reason: &str| Ignored {
                origin: origin.clone(),
                approver: None,
                reason: reason.to_owned(),
            };
            let meta = fs::metadata(&path).map_err(|source| CollectError::ReadFile {
                path: path.clone(),
                source,
            })?;
            if meta.is_dir() {
                out.ignored.push(ignore(
                    "a subdirectory; subdirectories are not read (pass it with its own --approvals)",
                ));
                continue;
            }
            if !meta.is_file() {
                out.ignored.push(ignore("not a regular file"));
                continue;
            }
            if !name.ends_with(".jwt") && !name.ends_with(".jws") {
                out.ignored.push(ignore(
                    "not a record file: only files whose names end in .jwt or .jws are read",
                ));
                continue;
            }
            match read_record(&path, meta.len())? {
                Ok(text) => match self.approval(&text, &origin) {
                    Ok(approval) => out.approvals.push(approval),
                    Err(ignored) => out.ignored.push(ignored),
                },
                Err(reason) => out.ignored.push(ignore(&reason)),
            }
        }
        Ok(())
    }

    /// Reads one `--exception` file into `out`.
    pub fn read_exception_file(
        &self,
        path: &Path,
        out: &mut Collected,
    ) -> Result<(), CollectError> {
        let meta = fs::metadata(path).map_err(|source| CollectError::ReadFile {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            return Err(CollectError::ExceptionIsDirectory {
                path: path.to_path_buf(),
            });
        }
        let origin = path.display().to_string();
        match read_record(path, meta.len())? {
            Ok(text) => match self.exception(&text, &origin) {
                Ok(grant) => out.exceptions.push(grant),
                Err(ignored) => out.ignored.push(ignored),
            },
            Err(reason) => out.ignored.push(Ignored {
                origin,
                approver: None,
                reason,
            }),
        }
        Ok(())
    }
}

/// Reads a record file: `Ok(Err(reason))` when its content cannot be a record.
fn read_record(path: &Path, len: u64) -> Result<Result<String, String>, CollectError> {
    if len > MAX_RECORD_BYTES {
        return Ok(Err(format!(
            "malformed: {len} bytes, too large for a record (at most {MAX_RECORD_BYTES})"
        )));
    }
    let bytes = fs::read(path).map_err(|source| CollectError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8(bytes).map_err(|_| "malformed: not UTF-8 text".to_owned()))
}
