//! Hashes files and directories in parallel with the gatepass library and prints `<hex>  <path>` lines, as
//! `sha256sum` does. Used by `bench/hash.sh`.
//!
//! ```text
//! cargo run --release --example hash -- FILE_OR_DIR...
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use gatepass::hash::{HashTarget, StderrProgress, hash_all};

fn main() -> ExitCode {
    let targets: Vec<HashTarget> = std::env::args_os()
        .skip(1)
        .map(|arg| HashTarget::file_or_directory(PathBuf::from(arg)))
        .collect();
    if targets.is_empty() {
        eprintln!("usage: hash FILE_OR_DIR...");
        return ExitCode::from(2);
    }
    let mut status = ExitCode::SUCCESS;
    for (target, result) in targets
        .iter()
        .zip(hash_all(&targets, &StderrProgress::new()))
    {
        match result {
            Ok(hashed) => println!("{}  {}", hashed.digest, target.path.display()),
            Err(e) => {
                eprintln!("error: {e}");
                status = ExitCode::from(2);
            }
        }
    }
    status
}
