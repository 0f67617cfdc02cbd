//! Arguments shared by `check` and `issue`.

use std::path::PathBuf;

use gatepass::gate::{self, Actor, Request, Run};

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
    /// The release's root directory: every artifact and evidence path must resolve inside it
    /// (after symlinks). Default: the directory of the release manifest.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The largest evidence file a criterion parses, in bytes or with a unit (KiB, MiB, GiB, KB,
    /// MB, GB); a larger one is refused (exit 2). Parsing takes several times the file's size in
    /// memory.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_evidence_size: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub github: crate::github::GithubArgs,
}

impl GateArgs {
    /// What the gate reads.
    pub fn request(&self) -> Request {
        Request {
            policy: self.policy.clone(),
            release: self.release.clone(),
            approvals: self.approvals.clone(),
            exceptions: self.exceptions.clone(),
            excluded: self.excluded(),
            root: self.root.clone(),
            max_evidence_size: Some(self.max_evidence_size),
        }
    }

    /// One gate run as of `now`: load, GitHub's approvals for the loaded policy and release
    /// when `--github-approvals` is given, then decide.
    pub fn run(&self, now: jiff::Timestamp) -> anyhow::Result<Run> {
        for name in &self.deployers {
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_graphic()) {
                anyhow::bail!(
                    "--deployer {:?} is not a person id or GitHub login (ASCII letters, digits, `-`, `_`, `.`); name the deployer as the policy's `[people]` does",
                    gatepass::untrusted::escape(name)
                );
            }
        }
        let loaded = gate::load(&self.request(), progress().as_ref())?;
        let extra = crate::github::approvals(&self.github, &loaded, now)?;
        let decision = gate::decide(&loaded, &extra, now);
        Ok(loaded.into_run(decision))
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

/// A size in bytes: a number, optionally followed by a unit (`KiB`, `MiB`, `GiB`, or the decimal
/// `KB`, `MB`, `GB`; `B` for bytes), with or without a space between.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("{text:?} is not a size: write a number of bytes or one like 64MiB")
    })?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit {other:?}: use B, KiB, MiB, GiB, KB, MB or GB"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64 mib"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("1.5GiB").is_err());
        assert!(parse_size("64XB").is_err());
        assert!(parse_size("99999999999GiB").is_err());
    }
}
