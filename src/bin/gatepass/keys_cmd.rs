use std::path::PathBuf;
use std::process::ExitCode;

use gatepass::token::{Jwks, PublicKey};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Public JWK files, SPKI PEM public keys or PKCS#8 PEM private keys (only the public half is printed).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut set = Jwks::default();
    for file in &args.files {
        set.insert(PublicKey::from_file(file)?);
    }
    println!("{}", serde_json::to_string_pretty(&set.to_json())?);
    eprintln!("gatepass: JWKS with {} key(s)", set.len());
    Ok(ExitCode::SUCCESS)
}
