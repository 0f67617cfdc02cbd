//! `--audit-log FILE` and `--audit-key FILE`, shared by `check`, `issue`, `verify` and
//! `validate`, and the one call each makes to record its decision.
//!
//! Which key signs a record, first found: `--audit-key FILE`; the PEM text in
//! `$GATEPASS_AUDIT_KEY`; for `issue`, the key it signs the token with; the PEM text in
//! `$GATEPASS_SIGNING_KEY` (the gate key). A gate whose key is configured therefore signs every
//! record it writes, whatever the command, and `audit verify --require-signatures` holds on its
//! log. The variables are read only when a log is configured.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use gatepass::audit::{Actor, AuditLog, Command, Record, Verdict};
use gatepass::evaluate::Decision;
use gatepass::token::SigningKey;
use jiff::Timestamp;
use zeroize::Zeroizing;

/// The audit key's PEM text, when no `--audit-key` is given.
pub const AUDIT_KEY_VAR: &str = "GATEPASS_AUDIT_KEY";
/// The gate key's PEM text (as `issue` reads it).
pub const SIGNING_KEY_VAR: &str = "GATEPASS_SIGNING_KEY";

/// A private key from the PEM text in environment variable `var`, if it is set. A set but empty
/// or invalid value is an error: a key someone configured is never silently ignored. The
/// error names the variable, never its content.
pub fn key_from_env(var: &str) -> anyhow::Result<Option<SigningKey>> {
    let Some(pem) = std::env::var_os(var) else {
        return Ok(None);
    };
    let pem =
        Zeroizing::new(pem.into_string().map_err(|_| {
            anyhow::anyhow!("${var} is not UTF-8 text; set it to the key's PEM text")
        })?);
    if pem.trim().is_empty() {
        bail!("${var} is set but empty; set it to the key's PEM text, or unset it");
    }
    Ok(Some(SigningKey::from_pem(&pem, &format!("${var}"))?))
}

/// The key that signs audit records and checkpoints: `file` (a flag), else
/// `$GATEPASS_AUDIT_KEY`, else `$GATEPASS_SIGNING_KEY`.
pub fn audit_signing_key(flag: &str, file: Option<&Path>) -> anyhow::Result<Option<SigningKey>> {
    if let Some(path) = file {
        return SigningKey::from_file(path)
            .map(Some)
            .with_context(|| format!("cannot load the audit signing key ({flag})"));
    }
    match key_from_env(AUDIT_KEY_VAR)? {
        Some(key) => Ok(Some(key)),
        None => key_from_env(SIGNING_KEY_VAR),
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Append a record of the decision to this audit log (hash-chained JSON Lines; see
    /// docs/audit.md). When the record cannot be written the command fails (exit 2); `issue`
    /// then prints no token.
    #[arg(long, value_name = "FILE", env = "GATEPASS_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// Sign audit records with this key (PKCS#8 PEM). Default: the PEM text in
    /// $GATEPASS_AUDIT_KEY; then, for `issue`, its --key; then $GATEPASS_SIGNING_KEY.
    #[arg(long, value_name = "FILE")]
    pub audit_key: Option<PathBuf>,
}

/// Appends records for one command run, if a log is configured.
pub struct Recorder {
    log: Option<AuditLog>,
    /// `--audit-key` or `$GATEPASS_AUDIT_KEY`: signs every record.
    key: Option<SigningKey>,
    /// `$GATEPASS_SIGNING_KEY`: signs when neither the audit key nor the command's own key is
    /// there.
    gate_key: Option<SigningKey>,
}

impl AuditArgs {
    /// Checks the flags, loads the signing key and checks that the log can be appended to,
    /// before any decision is made.
    pub fn recorder(&self) -> anyhow::Result<Recorder> {
        let (key, gate_key) = match (&self.audit_key, &self.audit_log) {
            (Some(_), None) => bail!("--audit-key needs --audit-log (or GATEPASS_AUDIT_LOG)"),
            (Some(path), Some(_)) => (
                SigningKey::from_file(path)
                    .map(Some)
                    .with_context(|| "cannot load the audit signing key (--audit-key)")?,
                None,
            ),
            (None, Some(_)) => match key_from_env(AUDIT_KEY_VAR)? {
                Some(key) => (Some(key), None),
                None => (None, key_from_env(SIGNING_KEY_VAR)?),
            },
            (None, None) => (None, None),
        };
        let log = self.audit_log.as_ref().map(AuditLog::new);
        // Fail before acting: before evaluating, before a deploy target consumes its token.
        if let Some(log) = &log {
            log.ready()?;
        }
        Ok(Recorder { log, key, gate_key })
    }
}

impl Recorder {
    /// Appends `record`, signed by the audit key, else `fallback_key` (the command's own key),
    /// else the gate key from the environment. Errors when a log is configured and the record
    /// could not be appended: the caller must not go on as if the decision had been recorded.
    pub fn append(&self, record: Record, fallback_key: Option<&SigningKey>) -> anyhow::Result<()> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let key = self
            .key
            .as_ref()
            .or(fallback_key)
            .or(self.gate_key.as_ref());
        let appended = log.append(record, key)?;
        eprintln!(
            "gatepass: audit: recorded seq {} in {}{} (anchor {})",
            appended.seq,
            log.path().display(),
            if key.is_some() { ", signed" } else { "" },
            appended.anchor()
        );
        Ok(())
    }

    /// Appends the record of an evaluation by `command`, decided as `d`, recorded at `time`.
    pub fn decision(
        &self,
        command: Command,
        d: &Decision,
        warn_mode: bool,
        time: Timestamp,
    ) -> anyhow::Result<()> {
        self.decision_with(command, d, warn_mode, time, None, None)
    }

    /// Like [`Recorder::decision`], with the token minted (`jti`, `exp`) and the key that
    /// signed it, used for the record when no audit key is given.
    pub fn decision_with(
        &self,
        command: Command,
        d: &Decision,
        warn_mode: bool,
        time: Timestamp,
        token: Option<(&str, i64)>,
        key: Option<&SigningKey>,
    ) -> anyhow::Result<()> {
        if self.log.is_none() {
            return Ok(());
        }
        let verdict = Verdict::of(d.outcome, command, warn_mode);
        let mut record = Record::of_decision(command, verdict, d, time, Actor::from_env());
        record.token = token.map(|(jti, exp)| gatepass::audit::record::TokenRef {
            jti: jti.to_owned(),
            exp,
        });
        self.append(record, key)
    }
}
