//! What `approve` and `exception` share: loading the signer's key and the release, showing the
//! signer what they sign, and writing the record.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use gatepass::approval::ReleaseRef;
use gatepass::approval::record::short_digest;
use gatepass::hash::StderrProgress;
use gatepass::policy::Policy;
use gatepass::policy::duration::{DisplayDuration, parse_duration};
use gatepass::release::{HashedRelease, Release};
use gatepass::token::{SigningKey, keys};
use gatepass::vocab::Name;

/// Parses `--expires` with the policy duration syntax (`90m`, `7d`, `1h30m`).
pub fn duration_arg(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| format!("{e} (examples: 4h, 7d, 1h30m)"))
}

/// Parses `--role` and `--waive`: a role or criterion id is a [`Name`], so text a policy can never name is
/// refused before anything is signed.
pub fn name_arg(text: &str) -> Result<String, String> {
    Name::parse(text)
        .map(Name::into_string)
        .map_err(|e| format!("{e}; {}", Name::RULE))
}

/// Loads the signer's private key, warning when others may read it.
pub fn load_key(path: &Path) -> anyhow::Result<SigningKey> {
    let key = SigningKey::from_file(path)
        .with_context(|| format!("cannot load your signing key --key {}", path.display()))?;
    if let Some(mode) = keys::exposed_mode(path) {
        eprintln!(
            "gatepass: warning: {} is readable by group or others (mode {mode:03o}); anyone who can read it can sign in your name: chmod 600 it",
            path.display()
        );
    }
    Ok(key)
}

/// Loads and hashes the release, refusing one whose artifacts do not match their pinned digests:
/// a record must bind bytes the manifest stands behind.
/// Loads and hashes the release a record is signed for. Its paths must resolve inside the
/// release's directory (or a directory the policy's `allow_outside` lists, with `--policy`), as
/// the gate requires: nothing is signed for files the gate would refuse to read.
pub fn load_release(path: &Path, policy: Option<&Policy>) -> anyhow::Result<HashedRelease> {
    let release = Release::load(path)?;
    release.confine(
        &release.default_root(),
        policy.map_or(&[][..], |p| p.allow_outside.as_slice()),
    )?;
    let hashed = release.hash(&StderrProgress::new())?;
    let mismatches: Vec<String> = hashed
        .artifacts
        .iter()
        .filter_map(|(name, a)| {
            a.pin_mismatch().map(|m| {
                format!(
                    "artifact `{name}` ({}): pinned {}, file is {}",
                    a.path.written,
                    m.pinned.prefixed(),
                    m.actual.prefixed()
                )
            })
        })
        .collect();
    if !mismatches.is_empty() {
        bail!(
            "{} does not match its pinned digests, so nothing was signed:\n  {}\nfix the `sha256` in the manifest or restore the artifact",
            path.display(),
            mismatches.join("\n  ")
        );
    }
    Ok(hashed)
}

/// The first lines of a record summary: release and environment.
pub fn describe_release(hashed: &HashedRelease, environment: &str) -> String {
    let r = &hashed.release;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  release         {} {} (change: {})",
        r.name, r.version, r.change
    );
    let _ = writeln!(out, "  environment     {environment}");
    out
}

/// Every artifact and evidence file with its digest, then the release digest the record binds.
pub fn describe_files(hashed: &HashedRelease) -> String {
    let mut out = String::new();
    let width = hashed
        .artifacts
        .keys()
        .chain(hashed.evidence.keys())
        .map(String::len)
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "  artifacts");
    for (name, a) in &hashed.artifacts {
        let _ = writeln!(
            out,
            "    {name:<width$}  {}  {}",
            a.digest.prefixed(),
            a.path.written
        );
    }
    if !hashed.evidence.is_empty() {
        let _ = writeln!(out, "  evidence");
        for (name, e) in &hashed.evidence {
            let digest = e
                .file
                .map_or_else(|| "(absent)".to_owned(), |f| f.digest.prefixed());
            let _ = writeln!(out, "    {name:<width$}  {digest}  {}", e.path.written);
        }
    }
    let _ = writeln!(out, "  release digest  {}", hashed.digest().prefixed());
    out
}

/// `2026-11-28T03:00:00Z (in 7d)`.
pub fn describe_expiry(exp: i64, lifetime: Duration) -> String {
    let at = jiff::Timestamp::from_second(exp).map_or_else(|_| exp.to_string(), |t| t.to_string());
    format!("{at} (in {})", DisplayDuration(lifetime))
}

/// Now and now + `lifetime`, in seconds since the epoch.
pub fn times(lifetime: Option<Duration>) -> anyhow::Result<(i64, Option<i64>)> {
    let iat = jiff::Timestamp::now().as_second();
    let exp = lifetime
        .map(|d| {
            i64::try_from(d.as_secs())
                .ok()
                .and_then(|s| iat.checked_add(s))
                .context("--expires is too far in the future")
        })
        .transpose()?;
    Ok((iat, exp))
}

/// A file-name component: anything outside `[A-Za-z0-9._@+-]` becomes `_`, so names from the
/// manifest or the command line never point outside the current directory.
pub fn file_component(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.chars().all(|c| c == '.') {
        cleaned.replace('.', "_")
    } else {
        cleaned
    }
}

/// Writes the record (with a final newline) next to its destination, then renames it into
/// place, so a crash never leaves half a record. An existing file is replaced.
pub fn write_record(path: &Path, record: &str) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("--out {} does not name a file", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written =
        std::fs::write(&tmp, format!("{record}\n")).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write the record to {}", path.display()));
    }
    Ok(())
}

/// The release reference a record binds to, with its digest in short form for messages.
pub fn release_ref(hashed: &HashedRelease) -> (ReleaseRef, String) {
    let r = ReleaseRef::from(hashed);
    let short = short_digest(&r.digest);
    (r, short)
}

/// Refuses an empty or blank text argument.
pub fn non_blank(flag: &str, value: &str) -> anyhow::Result<()> {
    if value.trim().is_empty() {
        bail!("{flag} is empty; give it a value");
    }
    Ok(())
}

/// The output path: `--out`, or `default` in the current directory.
pub fn out_path(out: Option<PathBuf>, default: String) -> PathBuf {
    out.unwrap_or_else(|| PathBuf::from(default))
}

/// What a record signs, to hold against a policy before signing.
pub enum Signs<'a> {
    /// An approval as `role`.
    Approval { role: &'a str },
    /// An exception waiving `waived`.
    Exception { waived: &'a [String] },
}

/// With `--policy`, refuses a record the policy would not count: another environment, an
/// unknown role or criterion, a non-waivable criterion, a key the policy names for nobody, an
/// approver id that is not the key owner's, or a role the key owner does not hold. Without it,
/// warns that nothing was checked.
pub fn check_against_policy(
    policy: Option<&Policy>,
    environment: &str,
    key: &SigningKey,
    approver: &str,
    signs: Signs<'_>,
) -> anyhow::Result<()> {
    let Some(policy) = policy else {
        eprintln!(
            "gatepass: warning: no --policy given, so nothing was checked: the environment, {}, approver id and signing key are signed as written; pass --policy FILE to refuse what the gate would not count",
            match signs {
                Signs::Approval { .. } => "role",
                Signs::Exception { .. } => "waived criteria",
            }
        );
        return Ok(());
    };
    let file = policy.path.display();
    if environment != policy.environment {
        bail!(
            "--environment {environment:?} is not the environment of the policy {file} ({:?}); approve for the environment the policy guards",
            policy.environment
        );
    }
    let role = match signs {
        Signs::Approval { role } => {
            if !policy.roles.contains_key(role) {
                let known: Vec<&str> = policy.roles.keys().map(String::as_str).collect();
                bail!(
                    "--role {role:?} is not a role of the policy {file}; its roles are: {}",
                    known.join(", ")
                );
            }
            role.to_owned()
        }
        Signs::Exception { waived } => {
            let Some(rules) = &policy.exceptions else {
                bail!(
                    "the policy {file} has no [exceptions] table, so no exception would be honoured"
                );
            };
            for id in waived {
                if policy.criterion(id).is_none() {
                    let known: Vec<&str> = policy.criteria.iter().map(|c| c.id.as_str()).collect();
                    bail!(
                        "--waive {id:?} is not a criterion of the policy {file}; its criteria are: {}",
                        known.join(", ")
                    );
                }
                if !rules.is_waivable(id) {
                    bail!(
                        "--waive {id:?}: the policy {file} lists it as non_waivable; no exception can waive it"
                    );
                }
            }
            rules.approvers.role.clone()
        }
    };
    let Some(person) = policy.person_of_kid(key.kid()) else {
        bail!(
            "the key {} is not named in the policy {file}; the gate would ignore this record (list the public key under your entry in [people])",
            key.kid()
        );
    };
    if !person.is_named(approver) {
        bail!(
            "--approver {approver:?}: the policy {file} says this key belongs to `{person}`; a record counts as the person who owns its key, so sign as `{person}`"
        );
    }
    if !policy.holds(person, &role) {
        bail!(
            "`{person}` does not hold role `{role}` in the policy {file}; the gate would not count this record"
        );
    }
    Ok(())
}
