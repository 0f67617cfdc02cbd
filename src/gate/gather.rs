//! Reading evidence contents before evaluation: the evidence part of [`load`](super::load).
//!
//! Each evidence file a criterion reads is read once, its SHA-256 compared with the digest the
//! release was hashed with (so the bytes evaluated are the bytes the token names), and parsed
//! as the criterion kind needs: JSON, SARIF or JUnit XML. A file the release lists but that
//! does not exist, or is empty, is left out: the criteria that need it report it as unmet.
//! A file that exists and cannot be read or parsed is an error: the gate cannot decide.
//!
//! Every file that is parsed is first held against a size limit ([`DEFAULT_MAX_EVIDENCE_SIZE`], 64 MiB, unless
//! [`GatherOptions::max_evidence_size`] says otherwise): a parsed document takes several times its size in
//! memory, so an oversized file is refused (exit 2) before a byte of it is read.
//!
//! Only the criteria of one [`Phase`] are gathered for: [`gather`] reads what the pre-deploy
//! gates need; [`gather_post_deploy`] reads what the `post-deployment` gate needs, from the
//! release's evidence and from production metrics snapshots bound to evidence names at
//! validation time (files that do not exist when the release is built).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;

use crate::evidence::{Evidence, EvidenceError, Format};
use crate::hash::Sha256Digest;
use crate::policy::Policy;
use crate::release::{HashedEvidence, HashedRelease};
use crate::vocab::{Phase, Tier};

/// The default of [`GatherOptions::max_evidence_size`]: 64 MiB.
pub const DEFAULT_MAX_EVIDENCE_SIZE: u64 = 64 * 1024 * 1024;

/// How evidence is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatherOptions {
    /// The largest evidence file, in bytes, that a criterion parses; a larger one is
    /// [`GatherError::TooLarge`]. Default [`DEFAULT_MAX_EVIDENCE_SIZE`]. Raising it lets one file take that
    /// much memory several times over while it is parsed.
    pub max_evidence_size: u64,
}

impl Default for GatherOptions {
    fn default() -> Self {
        Self {
            max_evidence_size: DEFAULT_MAX_EVIDENCE_SIZE,
        }
    }
}

/// An evidence file that exists but could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatherError {
    /// The file could not be read.
    #[error("cannot read evidence `{name}` ({})", path.display())]
    Read {
        /// Evidence name.
        name: String,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`GatherOptions::max_evidence_size`].
    #[error(
        "evidence `{name}` ({}) is {bytes} bytes ({}), over the limit of {limit} bytes ({}) for evidence \
         that is parsed; check that the right file is named, or raise the limit (`--max-evidence-size` on \
         `check` and `issue`)",
        path.display(),
        human_size(*bytes),
        human_size(*limit)
    )]
    TooLarge {
        /// Evidence name.
        name: String,
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The file changed between hashing and reading.
    #[error("evidence `{name}` ({}) changed while gatepass was reading it; re-run once the pipeline has finished writing it", path.display())]
    Changed {
        /// Evidence name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// The file is not valid for the criterion kind that reads it.
    #[error("evidence `{name}` ({}) is not valid {kind}; fix the producing step or point `[evidence].{name}` at the right file", path.display())]
    Parse {
        /// Evidence name.
        name: String,
        /// The file.
        path: PathBuf,
        /// JSON, SARIF or JUnit XML.
        kind: &'static str,
        /// The parser's complaint.
        #[source]
        source: EvidenceError,
    },
}

/// Reads and parses the evidence the pre-deploy criteria applying to `tier` read, with the default
/// [`GatherOptions`].
pub fn gather(
    policy: &Policy,
    release: &HashedRelease,
    tier: Tier,
) -> Result<Evidence, GatherError> {
    gather_with(policy, release, tier, &GatherOptions::default())
}

/// Reads and parses the evidence the pre-deploy criteria applying to `tier` read.
pub fn gather_with(
    policy: &Policy,
    release: &HashedRelease,
    tier: Tier,
    options: &GatherOptions,
) -> Result<Evidence, GatherError> {
    gather_in(
        policy,
        release,
        tier,
        Phase::PreDeploy,
        BTreeMap::new(),
        options,
    )
}

/// Reads and parses the evidence the `post-deployment` criteria applying to `tier` read.
///
/// `snapshots` binds evidence names to production metrics snapshots (hashed by the caller);
/// a criterion naming one of them reads the snapshot. The caller refuses a name that is also
/// in the release's `[evidence]`: one name, one file.
pub fn gather_post_deploy(
    policy: &Policy,
    release: &HashedRelease,
    tier: Tier,
    snapshots: BTreeMap<String, HashedEvidence>,
) -> Result<Evidence, GatherError> {
    gather_in(
        policy,
        release,
        tier,
        Phase::PostDeploy,
        snapshots,
        &GatherOptions::default(),
    )
}

fn gather_in(
    policy: &Policy,
    release: &HashedRelease,
    tier: Tier,
    phase: Phase,
    snapshots: BTreeMap<String, HashedEvidence>,
    options: &GatherOptions,
) -> Result<Evidence, GatherError> {
    let mut wanted: Vec<(&str, Format)> = policy
        .criteria
        .iter()
        .filter(|c| c.applies_to(tier) && phase.includes(c.gate))
        .flat_map(|c| c.kind.reads())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut out = Evidence::with_snapshots(snapshots);
    for (name, format) in wanted {
        let Some(entry) = out
            .snapshot(name)
            .or_else(|| release.evidence.get(name))
            .cloned()
        else {
            continue;
        };
        let Some(file) = entry.file.filter(|f| f.bytes > 0) else {
            continue;
        };
        let path = entry.path.resolved.clone();
        let limit = options.max_evidence_size;
        if file.bytes > limit {
            return Err(GatherError::TooLarge {
                name: name.to_owned(),
                path,
                bytes: file.bytes,
                limit,
            });
        }
        let bytes = read_at_most(&path, file.bytes, limit).map_err(|source| GatherError::Read {
            name: name.to_owned(),
            path: path.clone(),
            source,
        })?;
        if Sha256Digest::of(&bytes) != file.digest {
            return Err(GatherError::Changed {
                name: name.to_owned(),
                path,
            });
        }
        out.insert(name, format, &bytes)
            .map_err(|source| GatherError::Parse {
                name: name.to_owned(),
                path: path.clone(),
                kind: format.describe(),
                source,
            })?;
    }
    Ok(out)
}

/// The file's bytes, reading at most one byte more than `limit` (a file that grew since it was hashed then
/// fails the digest comparison without being read whole).
fn read_at_most(path: &std::path::Path, expected: u64, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let capacity = usize::try_from(expected.min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `64 MiB`, `1.5 GiB`, `512 KiB` or `100 bytes`.
fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenths = (bytes % unit) * 10 / unit;
            return if tenths == 0 {
                format!("{whole} {name}")
            } else {
                format!("{whole}.{tenths} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(100), "100 bytes");
        assert_eq!(human_size(64 * 1024 * 1024), "64 MiB");
        assert_eq!(human_size(64 * 1024 * 1024 + 1), "64 MiB");
        assert_eq!(human_size(3 * (1 << 29)), "1.5 GiB");
    }
}
