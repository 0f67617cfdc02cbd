use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use gatepass::approval::ExceptionRecord;
use gatepass::approval::record::new_record_id;

use crate::records::{self, file_component};

/// Default validity of an exception record: the `max_ttl` of the reference policy. A policy with
/// a shorter `[exceptions].max_ttl` ignores longer records, so sign with `--expires` then.
const DEFAULT_EXPIRES: Duration = Duration::from_secs(4 * 3600);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Your private key (PKCS#8 PEM): a key of the policy's `[exceptions].approvers` role.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The release manifest (release.toml) the exception is for; its files are hashed now.
    #[arg(long, value_name = "FILE")]
    release: PathBuf,
    /// The environment the exception is for (the policy's `environment`).
    #[arg(long, value_name = "ENV")]
    environment: String,
    /// Criterion ids to waive (one or more; repeatable).
    #[arg(long, value_name = "ID", num_args = 1.., required = true, value_parser = records::name_arg)]
    waive: Vec<String>,
    /// Why the exception is needed.
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// The risk you accept by shipping anyway.
    #[arg(long, value_name = "TEXT")]
    risk_acceptance: String,
    /// Your id: your entry in the policy's `[people]` (or one of your GitHub logins).
    #[arg(long, value_name = "ID")]
    approver: String,
    /// How long the exception stands (default 4h; the policy's `[exceptions].max_ttl` is the most it honours).
    #[arg(long, value_name = "DURATION", value_parser = records::duration_arg)]
    expires: Option<Duration>,
    /// Check the record against this policy before signing: refuse an environment, role or
    /// waived criterion it does not know, a key it names for nobody, or an approver id that is
    /// not the key owner's. Without it, nothing is checked (a warning says so).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Where to write the record; default: <name>-<version>.<environment>.exception.<approver>.jwt here.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    for (flag, value) in [
        ("--environment", &args.environment),
        ("--reason", &args.reason),
        ("--risk-acceptance", &args.risk_acceptance),
        ("--approver", &args.approver),
    ] {
        records::non_blank(flag, value)?;
    }
    for id in &args.waive {
        records::non_blank("--waive", id)?;
    }
    for (i, id) in args.waive.iter().enumerate() {
        if args.waive[..i].contains(id) {
            bail!("--waive {id} is given twice");
        }
    }
    let policy = args
        .policy
        .as_deref()
        .map(gatepass::policy::Policy::load)
        .transpose()?;
    let key = records::load_key(&args.key)?;
    records::check_against_policy(
        policy.as_ref(),
        &args.environment,
        &key,
        &args.approver,
        records::Signs::Exception {
            waived: &args.waive,
        },
    )?;
    let hashed = records::load_release(&args.release, policy.as_ref())?;
    let (release, short) = records::release_ref(&hashed);
    let lifetime = args.expires.unwrap_or(DEFAULT_EXPIRES);
    let (iat, exp) = records::times(Some(lifetime))?;
    let exp = exp.context("--expires is too far in the future")?;
    let record = ExceptionRecord {
        release,
        environment: args.environment.clone(),
        waive: args.waive.clone(),
        reason: args.reason.clone(),
        risk_acceptance: args.risk_acceptance.clone(),
        approver: args.approver.clone(),
        iat,
        exp,
        jti: new_record_id()?,
    };
    // Refuse what cannot be signed before showing it as if it would be.
    record.validate()?;

    let mut summary = String::from(
        "gatepass: you sign an EXCEPTION that ships this release with criteria unmet:\n",
    );
    summary.push_str(&records::describe_release(&hashed, &args.environment));
    summary.push_str(&format!("  waives          {}\n", args.waive.join(", ")));
    summary.push_str(&format!("  reason          {}\n", args.reason));
    summary.push_str(&format!("  risk accepted   {}\n", args.risk_acceptance));
    summary.push_str(&format!("  approver        {}\n", args.approver));
    summary.push_str(&records::describe_files(&hashed));
    summary.push_str(&format!(
        "  expires         {}\n",
        records::describe_expiry(exp, lifetime)
    ));
    summary.push_str(&format!("  signing key     {}\n", key.kid()));
    eprint!("{summary}");

    let jws = record
        .sign(&key)
        .context("cannot sign the exception record")?;
    let r = &hashed.release;
    let out = records::out_path(
        args.out,
        format!(
            "{}-{}.{}.exception.{}.jwt",
            file_component(&r.name),
            file_component(&r.version),
            file_component(&args.environment),
            file_component(&args.approver)
        ),
    );
    records::write_record(&out, &jws)?;
    eprintln!(
        "gatepass: signed the exception for {} {} ({short}) in {}; record written to {}",
        r.name,
        r.version,
        args.environment,
        out.display()
    );
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}
