use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};

const POLICY: &str = include_str!("templates/policy.toml");
const RELEASE: &str = include_str!("templates/release.toml");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write policy.toml and release.toml into (never overwrites).
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let files = [("policy.toml", POLICY), ("release.toml", RELEASE)];
    for (name, _) in files {
        let path = args.dir.join(name);
        if path.exists() {
            bail!(
                "{} already exists; gatepass init never overwrites",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    for (name, text) in files {
        let path = args.dir.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    }
    eprintln!(
        "gatepass: wrote a starter policy and release manifest; edit them, then run `gatepass check --policy policy.toml --release release.toml`"
    );
    Ok(ExitCode::SUCCESS)
}
