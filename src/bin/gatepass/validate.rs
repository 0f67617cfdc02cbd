use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use gatepass::audit::Command;
use gatepass::evaluate::Outcome;
use gatepass::gate::{self, PRODUCTION_EVIDENCE, Snapshot};
use gatepass::vocab::Name;

use crate::EXIT_DENIED;
use crate::gate_args::{Format, progress};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy of the environment the release was deployed to; its `post-deployment`
    /// criteria are held.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The deployed release's manifest.
    #[arg(long, value_name = "FILE")]
    release: PathBuf,
    /// A production metrics snapshot (JSON). `FILE` binds it to the evidence name
    /// `production`; `NAME=FILE` to NAME (repeatable).
    #[arg(long = "metrics", value_name = "[NAME=]FILE", required = true)]
    metrics: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
}

fn snapshot(arg: &str) -> anyhow::Result<Snapshot> {
    let named = arg.split_once('=').filter(|(name, _)| Name::is_valid(name));
    let (name, path) = named.unwrap_or((PRODUCTION_EVIDENCE, arg));
    if path.is_empty() {
        bail!("--metrics {arg:?}: expected FILE or NAME=FILE");
    }
    Ok(Snapshot {
        name: name.to_owned(),
        path: PathBuf::from(path),
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let audit = args.audit.recorder()?;
    let snapshots = args
        .metrics
        .iter()
        .map(|m| snapshot(m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let now = jiff::Timestamp::now();
    let run = gate::validate(
        &args.policy,
        &args.release,
        &snapshots,
        now,
        progress().as_ref(),
    )?;
    if let Some(warnings) = run.policy.rendered_warnings() {
        eprint!("{warnings}");
    }
    eprint!("{}", render::validation(&run.decision));
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&run.decision)?);
    }
    audit.decision(Command::Validate, &run.decision, false, now)?;
    Ok(match run.decision.outcome {
        Outcome::Allow | Outcome::Exception => ExitCode::SUCCESS,
        Outcome::Deny => ExitCode::from(EXIT_DENIED),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_arguments_bind_names() {
        let s = snapshot("metrics.json").ok();
        assert_eq!(s.map(|s| s.name), Some("production".to_owned()));
        let s = snapshot("latency=out/lat.json").ok();
        assert_eq!(
            s.map(|s| (s.name, s.path)),
            Some(("latency".to_owned(), PathBuf::from("out/lat.json")))
        );
        let s = snapshot("dir/a=b.json").ok();
        assert_eq!(s.map(|s| s.name), Some("production".to_owned()));
        assert!(snapshot("name=").is_err());
        // Text before `=` that is not a name (the rule of release.toml) is part of the file's path.
        for arg in [
            "-x=m.json",
            ".x=m.json",
            &format!("{}=m.json", "a".repeat(65)),
        ] {
            let s = snapshot(arg).ok();
            assert_eq!(
                s.map(|s| (s.name, s.path)),
                Some(("production".to_owned(), PathBuf::from(arg))),
                "{arg}"
            );
        }
    }
}
