//! A deploy target's startup check in Rust, with the verify-only library
//! (`gatepass = { version = "…", default-features = false }`): what `gatepass verify` does,
//! in-process. Exit 0 starts the service, 1 is a rejected token, 2 could not check.
//!
//! ```sh
//! GATEPASS_TOKEN=$(gatepass issue …) GATEPASS_STATE=/var/lib/summarizer \
//!   cargo run --no-default-features --example deploy_target -- \
//!   gate.jwks.json production model=artifacts/model.onnx
//! ```
//!
//! Keys from an `https://` URL need the `fetch` feature (`--features fetch`).

use std::path::PathBuf;
use std::process::ExitCode;

use gatepass::token::{KeySource, Outcome, StartupCheck};

fn main() -> ExitCode {
    match start() {
        Ok(code) => code,
        Err(e) => {
            // The whole chain: the file or URL and why it could not be used.
            let mut message = e.to_string();
            let mut source = e.source();
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("deploy_target: could not check the deploy token: {message}");
            ExitCode::from(2)
        }
    }
}

fn start() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(keys), Some(audience)) = (args.next(), args.next()) else {
        return Err("usage: deploy_target KEYS AUDIENCE [NAME=PATH]...".into());
    };
    let mut check = StartupCheck::new(KeySource::parse(&keys)?, audience);
    for artifact in args {
        let Some((name, path)) = artifact.split_once('=') else {
            return Err(format!("{artifact:?}: expected NAME=PATH").into());
        };
        check = check.artifact(name, path);
    }
    if let Some(state) = std::env::var_os("GATEPASS_STATE").map(PathBuf::from) {
        check = check
            .replay_store(state.join("gatepass-replay.jsonl"))
            .receipt(state.join("gatepass-receipt.json"));
    }
    let token = std::env::var("GATEPASS_TOKEN").map_err(|_| "set GATEPASS_TOKEN")?;
    match check.run(token.trim())? {
        Outcome::Admitted(admitted) => {
            let claims = &admitted.verified.claims;
            if let Some(e) = &claims.exception {
                eprintln!(
                    "deploy_target: warning: exception token, waived [{}]: {}",
                    e.waived.join(", "),
                    e.reason
                );
            }
            eprintln!(
                "deploy_target: starting {} (jti {}{})",
                claims.sub,
                claims.jti,
                if admitted.restarted {
                    ", restart admitted by receipt"
                } else {
                    ""
                }
            );
            println!("{}", admitted.verified.payload);
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Rejected(rejection) => {
            eprintln!(
                "deploy_target: token rejected [{}]: {rejection}",
                rejection.rule()
            );
            Ok(ExitCode::from(1))
        }
    }
}
