//! Arguments shared by `check` and `issue`.

use std::path::PathBuf;

use gatepass::gate::Request;

/// Output format for decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table on stderr.
    Human,
    /// The decision as JSON on stdout (see docs/decision.md); the table still goes to stderr.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The policy for the target environment.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The release manifest.
    #[arg(long, value_name = "FILE")]
    pub release: PathBuf,
    /// A directory of signed approval records (*.jwt; repeatable).
    #[arg(long = "approvals", value_name = "DIR")]
    pub approvals: Vec<PathBuf>,
    /// A signed exception record (repeatable).
    #[arg(long = "exception", value_name = "FILE")]
    pub exceptions: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

impl GateArgs {
    pub fn request(&self) -> Request {
        Request {
            policy: self.policy.clone(),
            release: self.release.clone(),
            approvals: self.approvals.clone(),
            exceptions: self.exceptions.clone(),
            ..Request::default()
        }
    }
}

/// A progress bar on stderr when it is a terminal, nothing otherwise.
pub fn progress() -> Box<dyn gatepass::hash::Progress> {
    use std::io::IsTerminal as _;
    if std::io::stderr().is_terminal() {
        Box::new(gatepass::hash::StderrProgress::new())
    } else {
        Box::new(gatepass::hash::NoProgress)
    }
}
