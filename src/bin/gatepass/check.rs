use std::process::ExitCode;

use anyhow::Context as _;
use gatepass::audit::Command;
use gatepass::evaluate::Outcome;

use crate::EXIT_DENIED;
use crate::gate_args::{Format, GateArgs};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    gate: GateArgs,
    /// Decide as of this instant (RFC 3339, e.g. 2026-11-27T14:00:00Z) instead of now: a what-if.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let audit = args.audit.recorder()?;
    let now = match &args.at {
        Some(at) => at.parse::<jiff::Timestamp>().with_context(|| {
            format!("--at {at:?} is not an RFC 3339 instant such as 2026-11-27T14:00:00Z")
        })?,
        None => jiff::Timestamp::now(),
    };
    let run = args.gate.run(now)?;
    if let Some(warnings) = run.policy.rendered_warnings() {
        eprint!("{warnings}");
    }
    eprint!("{}", render::human(&run.decision, false));
    if args.gate.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&run.decision)?);
    }
    let recorded_at = args.at.as_ref().map_or(now, |_| jiff::Timestamp::now());
    audit.decision(Command::Check, &run.decision, false, recorded_at)?;
    crate::github::report(&args.gate.github, &run, None, false)?;
    Ok(match run.decision.outcome {
        Outcome::Allow | Outcome::Exception => ExitCode::SUCCESS,
        Outcome::Deny => ExitCode::from(EXIT_DENIED),
    })
}
