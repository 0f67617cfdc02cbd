//! `--audit-log FILE` and `--audit-key FILE`, shared by `check`, `issue`, `verify` and
//! `validate`, and the one call each makes to record its decision.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use gatepass::audit::{Actor, AuditLog, Command, Record, Verdict};
use gatepass::evaluate::Decision;
use gatepass::token::SigningKey;
use jiff::Timestamp;

#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Append a record of the decision to this audit log (hash-chained JSON Lines; see
    /// docs/audit.md). When the record cannot be written the command fails (exit 2); `issue`
    /// then prints no token.
    #[arg(long, value_name = "FILE", env = "GATEPASS_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// Sign audit records with this gate key (PKCS#8 PEM). `issue` signs with its --key when
    /// this is not given.
    #[arg(long, value_name = "FILE")]
    pub audit_key: Option<PathBuf>,
}

/// Appends records for one command run, if a log is configured.
pub struct Recorder {
    log: Option<AuditLog>,
    key: Option<SigningKey>,
}

impl AuditArgs {
    /// Checks the flags, loads the signing key and checks that the log can be appended to,
    /// before any decision is made.
    pub fn recorder(&self) -> anyhow::Result<Recorder> {
        let key = match (&self.audit_key, &self.audit_log) {
            (Some(_), None) => bail!("--audit-key needs --audit-log (or GATEPASS_AUDIT_LOG)"),
            (Some(path), Some(_)) => Some(
                SigningKey::from_file(path)
                    .with_context(|| "cannot load the audit signing key (--audit-key)")?,
            ),
            (None, _) => None,
        };
        let log = self.audit_log.as_ref().map(AuditLog::new);
        // Fail before acting: before evaluating, before a deploy target consumes its token.
        if let Some(log) = &log {
            log.ready()?;
        }
        Ok(Recorder { log, key })
    }
}

impl Recorder {
    /// Appends `record`, signed by the audit key or else `fallback_key`. Errors when a log is
    /// configured and the record could not be appended: the caller must not go on as if the
    /// decision had been recorded.
    pub fn append(&self, record: Record, fallback_key: Option<&SigningKey>) -> anyhow::Result<()> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let key = self.key.as_ref().or(fallback_key);
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
