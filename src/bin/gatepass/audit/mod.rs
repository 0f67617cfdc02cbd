//! `gatepass audit verify | report | repair | checkpoint`, and the `--audit-log` flags of the
//! deciding commands.

mod flags;
mod html;
mod text;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use gatepass::audit::report::{Period, Report, load};
use gatepass::audit::{
    Actor, Anchor, Checkpoint, RepairError, VerifiedCheckpoint, VerifyOptions, sign_checkpoint,
    verify_checkpoint, verify_log,
};
use gatepass::token::Jwks;
use jiff::Timestamp;

pub use flags::{AuditArgs, Recorder};

use crate::EXIT_DENIED;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Check every record and link of the log (exit 0 intact, 1 broken naming the first bad
    /// line, 2 unreadable). Prints the head anchor (SEQ:HEX) on stdout.
    Verify(VerifyArgs),
    /// Governance metrics: approval rate, rejection reasons, cycle time, exceptions,
    /// deployments (exit 0, or 1 when the log fails verification; the report is still shown).
    Report(ReportArgs),
    /// Move a torn last line (left by a crash mid-write) to LOG.torn-<time> and record the
    /// repair, so that appends can go on (exit 0, 1 when a person must act, 2 on errors).
    Repair(RepairArgs),
    /// Sign the log's head with the gate key: a checkpoint to keep outside the log, for
    /// `audit verify --checkpoint` (exit 0 written, 1 log broken, 2 errors).
    Checkpoint(CheckpointArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum VerifyFormat {
    /// A sentence on stderr; the head anchor on stdout.
    Human,
    /// The verification as JSON on stdout.
    Json,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The audit log.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// Check record signatures against these public keys (a JWKS file, e.g. keys/gate.jwks.json).
    #[arg(long, value_name = "JWKS")]
    keys: Option<PathBuf>,
    /// Every record must be signed, whatever its command (needs --keys). Without it, --keys
    /// still requires a signature on every `issue` record, which is always signed.
    #[arg(long, requires = "keys")]
    require_signatures: bool,
    /// A signed checkpoint (from `gatepass audit checkpoint`, kept outside the log): the log
    /// must still hold its head at its position. Catches truncation, rewriting and forks;
    /// a checkpoint that does not verify against --keys is an error, exit 2 (repeatable).
    #[arg(long = "checkpoint", value_name = "FILE", requires = "keys")]
    checkpoints: Vec<PathBuf>,
    /// An anchor kept outside the log (SEQ:HEX, as printed by appends and by this command):
    /// the log must contain that record unchanged. Catches truncation and rewriting (repeatable).
    #[arg(long = "anchor", value_name = "SEQ:HEX")]
    anchors: Vec<Anchor>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Human)]
    format: VerifyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Plain text.
    Human,
    /// The report as JSON (schema gatepass-audit-report/1).
    Json,
    /// Markdown tables, e.g. for a job summary or a wiki.
    Markdown,
    /// A self-contained HTML page with charts (inline CSS and SVG; no scripts, no network).
    Html,
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The audit log.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// Only records at or after this: an RFC 3339 instant, a date (YYYY-MM-DD, UTC), or a
    /// duration ago (30d, 12h).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Only records before this (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// Include the deployment log: version promoted, time, deployer, environment, verified
    /// at the target, validation.
    #[arg(long)]
    deployments: bool,
    /// Check record signatures against these public keys while verifying the log.
    #[arg(long, value_name = "JWKS")]
    keys: Option<PathBuf>,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct RepairArgs {
    /// The audit log.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// Sign the repair record with this key (PKCS#8 PEM). Default: the PEM text in
    /// $GATEPASS_AUDIT_KEY, then $GATEPASS_SIGNING_KEY.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CheckpointArgs {
    /// The audit log.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// The gate key (PKCS#8 PEM) to sign with. Default: the PEM text in $GATEPASS_AUDIT_KEY,
    /// then $GATEPASS_SIGNING_KEY.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Check the log's signatures against these public keys before signing its head.
    /// Default: the signing key's own public key.
    #[arg(long, value_name = "JWKS")]
    keys: Option<PathBuf>,
    /// Write the checkpoint to this file (replaced atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Sub::Verify(a) => verify(a),
        Sub::Report(a) => report(a),
        Sub::Repair(a) => repair(a),
        Sub::Checkpoint(a) => checkpoint(a),
    }
}

/// The largest checkpoint file read: a checkpoint is a few hundred bytes.
const MAX_CHECKPOINT_BYTES: u64 = 64 * 1024;

/// Reads and verifies the checkpoint in `path` against `keys`.
fn load_checkpoint(path: &Path, keys: &Jwks) -> anyhow::Result<VerifiedCheckpoint> {
    let shown = path.display();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CHECKPOINT_BYTES + 1).read_to_string(&mut text))
        .with_context(|| format!("cannot read checkpoint {shown} (--checkpoint)"))?;
    if text.len() as u64 > MAX_CHECKPOINT_BYTES {
        bail!(
            "checkpoint {shown} is larger than {MAX_CHECKPOINT_BYTES} bytes: not a checkpoint written by `gatepass audit checkpoint`"
        );
    }
    verify_checkpoint(&text, keys).with_context(|| {
        format!(
            "checkpoint {shown} cannot be trusted: it was altered, is not a gatepass checkpoint, or was signed by a key not in --keys; take the copy from where checkpoints are kept and check --keys"
        )
    })
}

fn load_keys(path: Option<&Path>) -> anyhow::Result<Option<Jwks>> {
    path.map(|p| Jwks::from_file(p).context("cannot load --keys"))
        .transpose()
}

fn verify(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let keys = load_keys(a.keys.as_deref())?;
    let mut checkpoints = Vec::with_capacity(a.checkpoints.len());
    if let Some(keys) = &keys {
        for path in &a.checkpoints {
            let c = load_checkpoint(path, keys)?;
            eprintln!(
                "gatepass: checkpoint {}: head {} signed by {} at {}",
                path.display(),
                c.checkpoint.head,
                c.kid,
                Timestamp::from_second(c.checkpoint.iat)
                    .map_or_else(|_| c.checkpoint.iat.to_string(), |t| t.to_string())
            );
            checkpoints.push(c.checkpoint);
        }
    }
    let options = VerifyOptions {
        keys,
        require_signatures: a.require_signatures,
        anchors: a.anchors.clone(),
        checkpoints,
    };
    let report = verify_log(&a.log, options)?;
    let log = a.log.display();
    let signed = if report.signatures_checked {
        format!("{} signed, signatures checked", report.signed)
    } else if report.signed > 0 {
        format!(
            "{} signed, signatures not checked (pass --keys)",
            report.signed
        )
    } else {
        "none signed".to_owned()
    };
    let matched = match report.checkpoints_checked {
        0 => String::new(),
        n => format!(", {n} checkpoint(s) matched"),
    };
    match &report.broken {
        None => eprintln!(
            "gatepass: audit log {log} is intact: {} record(s), {signed}{matched}{}",
            report.records,
            report
                .head
                .map(|h| format!("; head {h}"))
                .unwrap_or_default()
        ),
        Some(b) => {
            eprintln!(
                "gatepass: audit log {log} is BROKEN at line {}: {}: {}",
                b.line, b.kind, b.message
            );
            eprintln!(
                "gatepass: the {} record(s) before line {} are intact{}",
                report.records,
                b.line,
                report
                    .head
                    .map(|h| format!(" (last intact: {h})"))
                    .unwrap_or_default()
            );
        }
    }
    match a.format {
        VerifyFormat::Json => {
            let json = serde_json::json!({
                "intact": report.is_intact(),
                "records": report.records,
                "signed": report.signed,
                "signatures_checked": report.signatures_checked,
                "checkpoints_checked": report.checkpoints_checked,
                "head": report.head.map(|h| h.to_string()),
                "broken": report.broken.as_ref().map(|b| serde_json::json!({
                    "line": b.line,
                    "kind": b.kind.as_str(),
                    "message": b.message,
                })),
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        VerifyFormat::Human => {
            if let (true, Some(h)) = (report.is_intact(), report.head) {
                println!("{h}");
            }
        }
    }
    Ok(if report.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_DENIED)
    })
}

/// `--since` / `--until`: an instant, a UTC date, or a duration before `now`.
fn parse_when(flag: &str, text: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return Ok(d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp());
    }
    if let Ok(ago) = gatepass::policy::parse_duration(text) {
        let secs = i64::try_from(ago.as_secs()).unwrap_or(i64::MAX);
        return Ok(
            Timestamp::from_second(now.as_second().saturating_sub(secs)).unwrap_or(Timestamp::MIN)
        );
    }
    bail!(
        "{flag} {text:?}: expected an RFC 3339 instant (2026-11-01T00:00:00Z), a date (2026-11-01) or a duration ago (30d)"
    )
}

fn report(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    let period = Period {
        since: a
            .since
            .as_deref()
            .map(|t| parse_when("--since", t, now))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|t| parse_when("--until", t, now))
            .transpose()?,
    };
    let options = VerifyOptions {
        keys: load_keys(a.keys.as_deref())?,
        ..VerifyOptions::default()
    };
    let loaded = load(&a.log, options)?;
    let report = Report::build(&loaded, period);
    let name = a.log.display().to_string();
    let out = match a.format {
        ReportFormat::Human => text::human(&report, &name, a.deployments),
        ReportFormat::Markdown => text::markdown(&report, &name, a.deployments),
        ReportFormat::Json => {
            let mut json = serde_json::to_value(&report)?;
            if !a.deployments
                && let Some(obj) = json.as_object_mut()
            {
                obj.remove("deployments");
            }
            serde_json::to_string_pretty(&json)? + "\n"
        }
        ReportFormat::Html => html::page(&report, &name, a.deployments, now),
    };
    match &a.out {
        Some(path) => {
            std::fs::write(path, out)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            eprintln!("gatepass: report written to {}", path.display());
        }
        None => std::io::stdout()
            .write_all(out.as_bytes())
            .context("cannot write the report")?,
    }
    if let Some(problem) = &report.integrity.problem {
        eprintln!(
            "gatepass: warning: audit log {name} fails verification ({problem}); the figures may not be trustworthy"
        );
        return Ok(ExitCode::from(EXIT_DENIED));
    }
    Ok(ExitCode::SUCCESS)
}

fn repair(a: RepairArgs) -> anyhow::Result<ExitCode> {
    let key = flags::audit_signing_key("--key", a.key.as_deref())?;
    let log = gatepass::audit::AuditLog::new(&a.log);
    match log.repair(Timestamp::now(), Actor::from_env(), key.as_ref()) {
        Ok(r) => {
            eprintln!(
                "gatepass: moved the torn line {} ({} bytes) of {} to {}; recorded the repair as seq {} (anchor {})",
                r.line,
                r.bytes,
                a.log.display(),
                r.moved_to.display(),
                r.record.seq,
                r.record.anchor()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ RepairError::NothingToRepair { .. }) => {
            eprintln!("gatepass: {e}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ RepairError::NotRepairable { .. }) => {
            eprintln!("gatepass: {e}");
            Ok(ExitCode::from(EXIT_DENIED))
        }
        Err(e) => Err(e.into()),
    }
}

fn checkpoint(a: CheckpointArgs) -> anyhow::Result<ExitCode> {
    let log = a.log.display();
    let key = flags::audit_signing_key("--key", a.key.as_deref())?.with_context(|| {
        format!(
            "no key to sign the checkpoint with: pass --key FILE (the gate key), or set {} or {} to its PEM text",
            flags::AUDIT_KEY_VAR,
            flags::SIGNING_KEY_VAR
        )
    })?;
    let keys = match load_keys(a.keys.as_deref())? {
        Some(keys) => keys,
        None => Jwks::from_keys([key.public_key().clone()]),
    };
    // Only an intact log, with every signature valid, gets a signed head: a checkpoint must
    // never vouch for a log that was already rewritten.
    let report = verify_log(
        &a.log,
        VerifyOptions {
            keys: Some(keys),
            ..VerifyOptions::default()
        },
    )?;
    if let Some(b) = &report.broken {
        eprintln!(
            "gatepass: audit log {log} is BROKEN at line {}: {}: {}; no checkpoint written (run `gatepass audit verify {log}`; if records are signed by another key too, pass --keys with every key)",
            b.line, b.kind, b.message
        );
        return Ok(ExitCode::from(EXIT_DENIED));
    }
    let (Some(head), Some(origin)) = (report.head, report.first) else {
        bail!("audit log {log} has no records yet: there is no head to checkpoint");
    };
    let iat = Timestamp::now().as_second();
    let jws = sign_checkpoint(
        &key,
        &Checkpoint {
            head,
            origin: origin.line_hash,
            iat,
        },
    )?;
    match &a.out {
        Some(path) => {
            crate::records::write_record(path, &jws)?;
            eprintln!(
                "gatepass: checkpoint of {log} written to {}: head {head}, signed by {}",
                path.display(),
                key.kid()
            );
        }
        None => {
            println!("{jws}");
            eprintln!(
                "gatepass: checkpoint of {log}: head {head}, signed by {}",
                key.kid()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
