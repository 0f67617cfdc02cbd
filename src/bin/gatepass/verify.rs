use std::io::Read as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use gatepass::audit::{Actor, Record};
use gatepass::hash::{self, Sha256Digest};
use gatepass::token::claims::MAX_TTL_CAP_SECS;
use gatepass::token::receipt::Receipt;
use gatepass::token::replay::{ReplayDb, ReplayError};
use gatepass::token::verify::{DEFAULT_LEEWAY_SECS, MAX_LEEWAY_SECS};
use gatepass::token::{Jwks, Rejection, VerifiedToken, Verifier};

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
    let reject = |r: &Rejection| rejected(r, &audit, &args.audience);
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
    let keys = load_keys(&args.keys)?;
    let leeway = i64::try_from(args.leeway).context("--leeway is too large")?;
    let verifier = Verifier::new(keys)
        .audience(&args.audience)
        .leeway(Duration::from_secs(args.leeway))
        .max_ttl(Duration::from_secs(args.max_ttl))
        .deny_exceptions(args.deny_exceptions);
    let verifier = match &args.issuer {
        Some(iss) => verifier.issuer(iss),
        None => verifier,
    };
    let verifier = match &args.policy_id {
        Some(id) => verifier.policy_id(id),
        None => verifier,
    };
    let verifier = policy_digests
        .into_iter()
        .fold(verifier, Verifier::policy_digest);
    let receipt = match &args.receipt {
        Some(path) => Receipt::load(path)?,
        None => None,
    };
    let now = jiff::Timestamp::now().as_second();

    let mut restarted = false;
    let verified = match verifier.verify_at(&token, now) {
        Ok(v) => v,
        Err(Rejection::Expired { exp, .. })
            if receipt
                .as_ref()
                .is_some_and(|r| r.admits(&token, exp, leeway)) =>
        {
            restarted = true;
            match verifier.verify_ignoring_expiry_at(&token, now) {
                Ok(v) => v,
                Err(r) => return reject(&r),
            }
        }
        Err(r) => return reject(&r),
    };
    for (name, path) in &artifacts {
        let digest =
            hash::sha256_file(path).with_context(|| format!("cannot hash artifact {name:?}"))?;
        if let Err(r) = verified.check_artifact_digest(name, &digest) {
            return reject(&r);
        }
    }
    let seen_by_receipt = receipt.as_ref().is_some_and(|r| r.token == token);
    if let (Some(db), false) = (&args.replay_db, seen_by_receipt) {
        match ReplayDb::new(db).check_and_record(
            &verified.claims.jti,
            verified.claims.exp,
            now,
            leeway,
        ) {
            Ok(()) => {}
            Err(ReplayError::Replayed(jti)) => return reject(&Rejection::Replayed { jti }),
            Err(e) => return Err(e.into()),
        }
    }
    if let (Some(path), false) = (&args.receipt, seen_by_receipt) {
        Receipt {
            version: 1,
            token: token.clone(),
            claims: verified.payload.clone(),
            verified_at: now,
        }
        .store(path)?;
    }
    let record = Record::of_verified(
        &verified.claims,
        &args.audience,
        jiff::Timestamp::now(),
        Actor::from_env(),
    );
    audit.append(record, None)?;
    crate::github::verified(&verified);
    println!("{}", serde_json::to_string_pretty(&verified.payload)?);
    summarise(&verified, now, restarted, artifacts.len());
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

fn summarise(v: &VerifiedToken, now: i64, restarted: bool, artifacts: usize) {
    let c = &v.claims;
    let when = if restarted {
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
    value
        .strip_prefix("sha256:")
        .filter(|hex| hex.len() == 64)
        .and_then(|hex| hex.parse().ok())
        .with_context(|| {
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

fn load_keys(source: &str) -> anyhow::Result<Jwks> {
    if source.starts_with("https://") || source.starts_with("http://") {
        let url = reqwest::Url::parse(source)
            .with_context(|| format!("--keys {source:?} is not a valid URL"))?;
        if url.scheme() == "http" && !is_loopback(&url) {
            bail!("--keys {source}: plain http is allowed only for loopback addresses; use https");
        }
        let body =
            fetch(&url).with_context(|| format!("cannot fetch the key set from {source}"))?;
        return Ok(Jwks::from_json(&body, source)?);
    }
    Ok(Jwks::from_file(source.as_ref())?)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Largest key set accepted over the network.
const MAX_JWKS_BYTES: u64 = 1 << 20;

/// One deadline for the whole key fetch: connect, TLS, headers and body.
const FETCH_DEADLINE: Duration = Duration::from_secs(10);

/// Fetches the key set under one overall deadline. reqwest's blocking timeouts apply per read,
/// so a server that trickles its body could hold the start forever; the fetch runs on its own
/// thread instead, and an answer that is not complete by the deadline is an error. The thread
/// is left behind on timeout; the process exits right after.
fn fetch(url: &reqwest::Url) -> anyhow::Result<Vec<u8>> {
    let deadline = Instant::now() + FETCH_DEADLINE;
    let (tx, rx) = mpsc::channel();
    let target = url.clone();
    std::thread::Builder::new()
        .name("key-fetch".into())
        .spawn(move || {
            let _ = tx.send(fetch_body(&target, deadline));
        })
        .context("cannot start the key fetch")?;
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => bail!(
            "no complete answer within {} s (connect, headers and body); check that the key server is up and answers promptly, or use a key file",
            FETCH_DEADLINE.as_secs()
        ),
        Err(RecvTimeoutError::Disconnected) => bail!("the key fetch stopped without an answer"),
    }
}

fn fetch_body(url: &reqwest::Url, deadline: Instant) -> anyhow::Result<Vec<u8>> {
    // One TLS stack: rustls with ring. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(FETCH_DEADLINE)
        .connect_timeout(FETCH_DEADLINE)
        .redirect(reqwest::redirect::Policy::none());
    if is_loopback(url) {
        // A proxy from the environment (HTTP_PROXY, ALL_PROXY…) would see, and could answer,
        // a request for a loopback key set, which is plain http: never for loopback.
        builder = builder.no_proxy();
    }
    let mut response = builder
        .build()?
        .get(url.clone())
        .header("accept", "application/json")
        .send()?;
    let status = response.status();
    if !status.is_success() {
        bail!("HTTP {status}");
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_JWKS_BYTES)
    {
        bail!("the key set is larger than {MAX_JWKS_BYTES} bytes");
    }
    // Read in chunks and stop at the cap, whatever the server announced.
    let mut body = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if Instant::now() >= deadline {
            bail!("deadline passed while reading the key set");
        }
        let n = match response.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            return Ok(body);
        }
        if (body.len() + n) as u64 > MAX_JWKS_BYTES {
            bail!("the key set is larger than {MAX_JWKS_BYTES} bytes");
        }
        body.extend_from_slice(&chunk[..n]);
    }
}
