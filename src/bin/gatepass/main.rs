//! The `gatepass` command line: argument parsing and rendering only; the library decides.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod approve;
mod audit;
mod check;
mod exception;
mod fence;
mod gate_args;
mod github;
mod init;
mod issue;
mod keygen;
mod keys_cmd;
mod records;
mod render;
mod validate;
mod verify;

/// A deployment gate for AI systems.
///
/// Exit codes: 0 allowed / verified, 1 denied / token rejected, 2 could not decide.
#[derive(Debug, Parser)]
#[command(name = "gatepass", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Hold a release against a policy and report every criterion (no key, no token).
    Check(check::Args),
    /// Hold a release against a policy and, when allowed, print a signed deploy token on stdout.
    Issue(issue::Args),
    /// Write a commented starter policy.toml and release.toml.
    Init(init::Args),
    /// Generate an Ed25519 key pair: PATH.key (PKCS#8 PEM, 0600) and PATH.jwk.json; prints the kid.
    Keygen(keygen::Args),
    /// Print a JWKS of the public keys in JWK or PEM files.
    Jwks(keys_cmd::Args),
    /// Verify a deploy token at a deploy target (exit 0 verified, 1 rejected, 2 error).
    Verify(verify::Args),
    /// Sign an approval record of a release for an environment, as a role, with your own key.
    Approve(approve::Args),
    /// Sign an exception record that waives named criteria for a release, with a risk acceptance.
    Exception(exception::Args),
    /// Post-deployment validation (gate 5): hold the policy's `post-deployment` criteria against
    /// production metrics (exit 0 validated, 1 rollback recommended, 2 error).
    Validate(validate::Args),
    /// The audit log: verify its chain, report governance metrics, repair a torn tail.
    Audit(audit::Args),
}

/// Exit status for "denied" and "token rejected".
pub(crate) const EXIT_DENIED: u8 = 1;
/// Exit status for "could not decide".
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Decisions print text from evidence: fence it from the Actions runner before anything is printed.
    if matches!(
        cli.command,
        Command::Check(_) | Command::Issue(_) | Command::Validate(_)
    ) && let Err(err) = fence::open()
    {
        eprintln!("gatepass: error: {err:#}");
        return ExitCode::from(EXIT_ERROR);
    }
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Issue(args) => issue::run(args),
        Command::Init(args) => init::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Jwks(args) => keys_cmd::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Approve(args) => approve::run(args),
        Command::Exception(args) => exception::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Audit(args) => audit::run(args),
    };
    match result {
        Ok(code) => {
            fence::close();
            code
        }
        Err(err) => {
            // Evidence text in an error was escaped where it entered it; this catches what is left without
            // breaking the error's own lines.
            let text = format!("{err:#}");
            // Rendered diagnostics name their own severity (`error[unknown-key]: …`).
            let prefix = if text.starts_with("error[") {
                "gatepass: "
            } else {
                "gatepass: error: "
            };
            eprintln!(
                "{prefix}{}",
                gatepass::untrusted::escape_keeping_lines(&text)
            );
            fence::close();
            github::on_error(&err);
            ExitCode::from(EXIT_ERROR)
        }
    }
}
