//! Arguments shared by `check` and `issue`.

use std::path::PathBuf;

use gatepass::gate::Actor;
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
    /// An identity that never counts toward a quorum: the deployer or the author of the change
    /// (matched against approver ids and GitHub logins; repeatable). In GitHub Actions the run's
    /// GITHUB_ACTOR and GITHUB_TRIGGERING_ACTOR are added automatically.
    #[arg(long = "deployer", value_name = "ID")]
    pub deployers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub github: crate::github::GithubArgs,
}

impl GateArgs {
    /// The gate request for a decision at `now`; with `--github-approvals`, GitHub's approvals
    /// are gathered into it.
    pub fn request(&self, now: jiff::Timestamp) -> anyhow::Result<Request> {
        let request = Request {
            policy: self.policy.clone(),
            release: self.release.clone(),
            approvals: self.approvals.clone(),
            exceptions: self.exceptions.clone(),
            excluded: self.excluded(),
            ..Request::default()
        };
        crate::github::request(request, &self.github, now)
    }
}

impl GateArgs {
    fn excluded(&self) -> Vec<Actor> {
        let mut who: Vec<(String, String)> = self
            .deployers
            .iter()
            .map(|d| (d.clone(), "excluded with --deployer".to_owned()))
            .collect();
        if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
            for var in ["GITHUB_ACTOR", "GITHUB_TRIGGERING_ACTOR"] {
                if let Some(login) = std::env::var(var)
                    .ok()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                {
                    who.push((login, format!("the deployer ({var})")));
                }
            }
        }
        who.into_iter()
            .map(|(name, why)| Actor { name, why })
            .collect()
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
