use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use gatepass::audit::Command;
use gatepass::evaluate::Outcome;
use gatepass::gate;
use gatepass::token::{SigningKey, keys};
use zeroize::Zeroizing;

use crate::EXIT_DENIED;
use crate::gate_args::{Format, GateArgs};
use crate::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Deny fails the step (exit 1).
    Enforce,
    /// Deny is reported as a warning; exit 0 and no token. For gradual adoption.
    Warn,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    gate: GateArgs,
    /// The gate's signing key (PKCS#8 PEM). Default: the PEM text in $GATEPASS_SIGNING_KEY.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// enforce: deny exits 1. warn: deny exits 0 with warnings and mints nothing.
    #[arg(long, value_enum, default_value_t = Mode::Enforce)]
    mode: Mode,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // The key is checked before anything else, so a misconfigured gate fails fast.
    let key = load_key(args.key.as_deref())?;
    let audit = args.audit.recorder()?;
    let now = jiff::Timestamp::now();
    let run = args.gate.run(now)?;
    let warn = args.mode == Mode::Warn;
    if let Some(warnings) = run.policy.rendered_warnings() {
        eprint!("{warnings}");
    }
    eprint!("{}", render::human(&run.decision, warn));
    if args.gate.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&run.decision)?);
    }
    let (token, claims) = gate::mint(&run, &key, now)?.unzip();
    // No unaudited deployments: the token goes nowhere (Actions outputs, stdout) before its
    // record is in the log; a failed append is exit 2 with nothing printed.
    let minted = claims.as_ref().map(|c| (c.jti.as_str(), c.exp));
    audit.decision_with(Command::Issue, &run.decision, warn, now, minted, Some(&key))?;
    crate::github::report(
        &args.gate.github,
        &run,
        token.as_deref().zip(claims.as_ref()),
        warn,
    )?;
    let (Some(claims), Some(token)) = (claims, token) else {
        return Ok(if warn {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_DENIED)
        });
    };
    if args.gate.format == Format::Human {
        println!("{token}");
    }
    eprintln!(
        "gatepass: issued {} token {} for {} (expires in {} s, kid {})",
        if run.decision.outcome == Outcome::Exception {
            "EXCEPTION"
        } else {
            "deploy"
        },
        claims.jti,
        claims.aud_display(),
        claims.exp - claims.iat,
        key.kid()
    );
    Ok(ExitCode::SUCCESS)
}

fn load_key(path: Option<&std::path::Path>) -> anyhow::Result<SigningKey> {
    match path {
        Some(path) => {
            if let Some(mode) = keys::exposed_mode(path) {
                eprintln!(
                    "gatepass: warning: signing key {} has mode {mode:o}; others on this machine can read it (chmod 600)",
                    path.display()
                );
            }
            Ok(SigningKey::from_file(path)?)
        }
        None => {
            let pem = Zeroizing::new(std::env::var("GATEPASS_SIGNING_KEY").context(
                "no signing key: pass --key FILE or set GATEPASS_SIGNING_KEY to the PEM text",
            )?);
            if pem.trim().is_empty() {
                bail!("GATEPASS_SIGNING_KEY is empty");
            }
            Ok(SigningKey::from_pem(&pem, "GATEPASS_SIGNING_KEY")?)
        }
    }
}
