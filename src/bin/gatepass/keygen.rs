use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use gatepass::token::{SigningKey, keys};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base path: writes PATH.key and PATH.jwk.json (existing files are never overwritten).
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let key = SigningKey::generate()?;
    let (private, public) = keys::write_key_pair(&key, &args.out)
        .with_context(|| format!("cannot create key pair at {}", args.out.display()))?;
    eprintln!(
        "gatepass: wrote {} (private, mode 0600 — keep it secret) and {} (public)",
        private.display(),
        public.display()
    );
    println!("{}", key.kid());
    Ok(ExitCode::SUCCESS)
}
