use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use gatepass::audit::{Actor, Record};
use gatepass::hash::Sha256Digest;
use gatepass::token::claims::MAX_TTL_CAP_SECS;
use gatepass::token::verify::{DEFAULT_LEEWAY_SECS, MAX_LEEWAY_SECS};
use gatepass::token::{Admitted, KeySource, Outcome, Rejection, StartupCheck};

use crate::EXIT_DENIED;
use crate::audit::Recorder;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The gate's public keys: a JWKS file, or an https:// URL (http:// only for loopback).
    #[arg(long, value_name = "JWKS")]
    keys: String,
    /// The environment this target runs in; the token's `aud` must name it exactly.
    #[arg(long, value_name = "ENV")]
    audience: String,
    /// Require this `iss`.
    #[arg(long, value_name = "ISSUER")]
    issuer: Option<String>,
    /// Re-hash a deployed artifact and compare with the token's digest for NAME (repeatable).
    #[arg(long = "artifact", value_name = "NAME=PATH")]
    artifacts: Vec<String>,
    /// Refuse exception tokens.
    #[arg(long)]
    deny_exceptions: bool,
    /// Require the token's `policy.id` to be ID.
    #[arg(long, value_name = "ID")]
    policy_id: Option<String>,
    /// Require the token's `policy.digest` to be this `sha256:<hex>` (repeatable: any one of them).
    #[arg(long = "policy-digest", value_name = "sha256:HEX")]
    policy_digests: Vec<String>,
    /// Replay store: refuse a `jti` seen before (entries kept until their exp + 300 s).
    #[arg(long, value_name = "FILE")]
    replay_db: Option<PathBuf>,
    /// Restart receipt: written on first success; admits the same token past exp on restart.
    #[arg(long, value_name = "FILE")]
    receipt: Option<PathBuf>,
    /// Clock leeway in seconds for iat, nbf and exp (at most 300).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_LEEWAY_SECS)]
    leeway: u64,
    /// Longest accepted token lifetime in seconds (at most 3600).
    #[arg(long, value_name = "S", default_value_t = MAX_TTL_CAP_SECS)]
    max_ttl: u64,
    /// The token; `-` reads stdin; default: $GATEPASS_TOKEN.
    #[arg(value_name = "TOKEN")]
    token: Option<String>,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.leeway > MAX_LEEWAY_SECS {
        bail!(
            "--leeway {} exceeds the maximum of {MAX_LEEWAY_SECS} s",
            args.leeway
        );
    }
    if args.audience.trim().is_empty() {
        bail!("--audience must name the environment this target runs in");
    }
    if args.max_ttl > MAX_TTL_CAP_SECS {
        bail!(
            "--max-ttl {} exceeds the hard cap of {MAX_TTL_CAP_SECS} s",
            args.max_ttl
        );
    }
    if args
        .policy_id
        .as_ref()
        .is_some_and(|id| id.trim().is_empty())
    {
        bail!("--policy-id must name the policy (its `id`) this target accepts");
    }
    let policy_digests = args
        .policy_digests
        .iter()
        .map(|d| parse_policy_digest(d))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let audit = args.audit.recorder()?;
    let artifacts = args
        .artifacts
        .iter()
        .map(|a| match a.split_once('=') {
            Some((name, path)) if !name.is_empty() && !path.is_empty() => {
                Ok((name.to_owned(), PathBuf::from(path)))
            }
            _ => bail!("--artifact {a:?}: expected NAME=PATH"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let token = read_token(args.token.as_deref())?;
    crate::github::mask(&token);

    let mut check = StartupCheck::new(KeySource::parse(&args.keys)?, &args.audience)
        .leeway(Duration::from_secs(args.leeway))
        .max_ttl(Duration::from_secs(args.max_ttl))
        .deny_exceptions(args.deny_exceptions);
    if let Some(iss) = &args.issuer {
        check = check.issuer(iss);
    }
    if let Some(id) = &args.policy_id {
        check = check.policy_id(id);
    }
    check = policy_digests
        .into_iter()
        .fold(check, StartupCheck::policy_digest);
    check = artifacts
        .into_iter()
        .fold(check, |check, (name, path)| check.artifact(name, path));
    if let Some(path) = &args.replay_db {
        check = check.replay_store(path);
    }
    if let Some(path) = &args.receipt {
        check = check.receipt(path);
    }

    let admitted = match check.run(&token)? {
        Outcome::Admitted(admitted) => admitted,
        Outcome::Rejected(r) => return rejected(&r, &audit, &args.audience),
    };
    let verified = &admitted.verified;
    let record = Record::of_verified(
        &verified.claims,
        &args.audience,
        jiff::Timestamp::now(),
        Actor::from_env(),
    );
    audit.append(record, None)?;
    crate::github::verified(verified);
    println!("{}", serde_json::to_string_pretty(&verified.payload)?);
    summarise(&admitted);
    Ok(ExitCode::SUCCESS)
}

fn rejected(r: &Rejection, audit: &Recorder, audience: &str) -> anyhow::Result<ExitCode> {
    crate::github::rejected(r);
    eprintln!("gatepass: token rejected [{}]: {r}", r.rule());
    let record = Record::of_rejected(
        r.rule(),
        &r.to_string(),
        audience,
        jiff::Timestamp::now(),
        Actor::from_env(),
    );
    audit.append(record, None)?;
    Ok(ExitCode::from(EXIT_DENIED))
}

fn summarise(admitted: &Admitted) {
    let (v, now) = (&admitted.verified, admitted.now);
    let artifacts = admitted.artifacts_checked;
    let c = &v.claims;
    let when = if admitted.restarted {
        format!("expired {} s ago, admitted by restart receipt", now - c.exp)
    } else {
        format!("expires in {} s", c.exp - now)
    };
    eprintln!(
        "gatepass: verified {} for {} (tier {}, {when}, {artifacts} artifact(s) checked, jti {}, kid {})",
        c.sub,
        c.aud_display(),
        c.release.tier,
        c.jti,
        v.kid
    );
    if let Some(e) = &c.exception {
        eprintln!(
            "gatepass: warning: EXCEPTION token: waived [{}]; reason: {:?}; risk accepted by {}: {:?}; exception expires {}",
            e.waived.join(", "),
            e.reason,
            e.approved_by.join(", "),
            e.risk_acceptance,
            e.expires
        );
    }
}

/// A pinned policy digest, in exactly the form tokens carry it: `sha256:<64 lowercase hex>`.
fn parse_policy_digest(value: &str) -> anyhow::Result<Sha256Digest> {
    Sha256Digest::from_prefixed(value).ok().with_context(|| {
            format!(
                "--policy-digest {value:?}: expected `sha256:` and 64 lowercase hex characters, as in the token's `policy.digest`"
            )
        })
}

fn read_token(arg: Option<&str>) -> anyhow::Result<String> {
    let raw = match arg {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the token from stdin")?;
            s
        }
        Some(t) => t.to_owned(),
        None => std::env::var("GATEPASS_TOKEN")
            .context("no token: pass it as an argument, `-` for stdin, or set GATEPASS_TOKEN")?,
    };
    let token = raw.trim();
    if token.is_empty() {
        bail!("the token is empty");
    }
    Ok(token.to_owned())
}
