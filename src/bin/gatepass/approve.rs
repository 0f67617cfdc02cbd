use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use gatepass::approval::ApprovalRecord;
use gatepass::approval::record::new_record_id;

use crate::records::{self, file_component};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Your private key (PKCS#8 PEM): the key the policy's `[roles]` lists for your role.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The release manifest (release.toml) you approve; its files are hashed now.
    #[arg(long, value_name = "FILE")]
    release: PathBuf,
    /// The environment you approve it for (the policy's `environment`).
    #[arg(long, value_name = "ENV")]
    environment: String,
    /// The role you approve as (a role of the policy's `[roles]`).
    #[arg(long, value_name = "ROLE", value_parser = records::name_arg)]
    role: String,
    /// Your id: your entry in the policy's `[people]` (or one of your GitHub logins).
    #[arg(long, value_name = "ID")]
    approver: String,
    /// A comment recorded with the approval.
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    /// A condition recorded with the approval (repeatable; recorded, not enforced).
    #[arg(long = "condition", value_name = "TEXT")]
    conditions: Vec<String>,
    /// The approval stops counting after this long (e.g. 7d); default: only the policy's `max_age` limits it.
    #[arg(long, value_name = "DURATION", value_parser = records::duration_arg)]
    expires: Option<Duration>,
    /// Check the record against this policy before signing: refuse an environment, role or
    /// waived criterion it does not know, a key it names for nobody, or an approver id that is
    /// not the key owner's. Without it, nothing is checked (a warning says so).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Where to write the record; default: <name>-<version>.<environment>.<role>.<approver>.approval.jwt here.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    for (flag, value) in [
        ("--environment", &args.environment),
        ("--role", &args.role),
        ("--approver", &args.approver),
    ] {
        records::non_blank(flag, value)?;
    }
    if let Some(comment) = &args.comment {
        records::non_blank("--comment", comment)?;
    }
    for condition in &args.conditions {
        records::non_blank("--condition", condition)?;
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
        records::Signs::Approval { role: &args.role },
    )?;
    let hashed = records::load_release(&args.release, policy.as_ref())?;
    let (release, short) = records::release_ref(&hashed);
    let (iat, exp) = records::times(args.expires)?;
    let record = ApprovalRecord {
        release,
        environment: args.environment.clone(),
        role: args.role.clone(),
        approver: args.approver.clone(),
        iat,
        exp,
        comment: args.comment.clone(),
        conditions: (!args.conditions.is_empty()).then(|| args.conditions.clone()),
        jti: new_record_id()?,
    };
    // Refuse what cannot be signed before showing it as if it would be.
    record.validate()?;

    let mut summary = format!("gatepass: you approve, as `{}`:\n", args.role);
    summary.push_str(&records::describe_release(&hashed, &args.environment));
    summary.push_str(&format!("  role            {}\n", args.role));
    summary.push_str(&format!("  approver        {}\n", args.approver));
    summary.push_str(&records::describe_files(&hashed));
    summary.push_str(&match (exp, args.expires) {
        (Some(exp), Some(lifetime)) => format!(
            "  expires         {}\n",
            records::describe_expiry(exp, lifetime)
        ),
        _ => "  expires         never (the policy's `max_age` limits its age)\n".to_owned(),
    });
    if let Some(comment) = &args.comment {
        summary.push_str(&format!("  comment         {comment}\n"));
    }
    for condition in &args.conditions {
        summary.push_str(&format!("  condition       {condition}\n"));
    }
    summary.push_str(&format!("  signing key     {}\n", key.kid()));
    eprint!("{summary}");

    let jws = record
        .sign(&key)
        .context("cannot sign the approval record")?;
    let r = &hashed.release;
    let out = records::out_path(
        args.out,
        format!(
            "{}-{}.{}.{}.{}.approval.jwt",
            file_component(&r.name),
            file_component(&r.version),
            file_component(&args.environment),
            file_component(&args.role),
            file_component(&args.approver)
        ),
    );
    records::write_record(&out, &jws)?;
    eprintln!(
        "gatepass: signed the approval of {} {} ({short}) for {}; record written to {}",
        r.name,
        r.version,
        args.environment,
        out.display()
    );
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}
