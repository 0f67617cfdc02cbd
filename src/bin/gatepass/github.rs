//! GitHub in the CLI: the flags, approvals gathered before a gate run, and the report to the
//! Actions runner and the checks API after it. The library does the work (`gatepass::github`).

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use gatepass::evaluate::{CriterionResult, Decision, Outcome};
use gatepass::gate::{Actor, Extra, Loaded, Run};
use gatepass::github::actions::{self, AnnotationLocation, MintedToken, Runtime};
use gatepass::github::{Client, GithubToken, RunContext, checks};
use gatepass::token::claims::Claims;
use gatepass::token::{Rejection, VerifiedToken};

/// A secret given on the command line or through the environment. Parsing never fails, so
/// clap never echoes it in an error, and `Debug` prints nothing of it.
#[derive(Clone)]
pub struct SecretArg(String);

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretArg(…)")
    }
}

#[derive(Debug, clap::Args)]
pub struct GithubArgs {
    /// Also count GitHub pull-request reviews of the deployed commit and environment approvals of
    /// this workflow run (see docs/github-action.md). Needs a token.
    #[arg(long)]
    pub github_approvals: bool,
    /// Publish the decision as a check run on the deployed commit (needs `checks: write`).
    #[arg(long)]
    pub publish_check: bool,
    /// Token for --github-approvals and --publish-check. Default: $GITHUB_TOKEN (prefer the
    /// variable: command-line arguments are visible to other processes).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "GITHUB_TOKEN",
        hide_env_values = true
    )]
    pub github_token: Option<SecretArg>,
}

impl GithubArgs {
    fn connect(&self, what: &str) -> anyhow::Result<(Client, RunContext)> {
        let raw = self
            .github_token
            .as_ref()
            .map(|t| t.0.as_str())
            .unwrap_or("");
        let Some(token) = GithubToken::new(raw) else {
            if raw.trim().is_empty() {
                bail!(
                    "{what} needs a GitHub token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{{{ github.token }}}}`) or pass --github-token"
                );
            }
            bail!(
                "the GitHub token for {what} contains spaces or control characters; it cannot be a token"
            );
        };
        let ctx = RunContext::from_env()
            .with_context(|| format!("{what}: incomplete workflow context"))?;
        let client = Client::new(&ctx.api_url, &token)?;
        Ok((client, ctx))
    }
}

/// The approvals GitHub adds to a gate run when `--github-approvals` is given (none otherwise),
/// read for the policy and release the run loaded.
///
/// Environment approvals are recorded at `now`, the instant of the decision: they were given
/// for this very run, before this step started.
pub fn approvals(
    args: &GithubArgs,
    loaded: &Loaded,
    now: jiff::Timestamp,
) -> anyhow::Result<Extra> {
    if !args.github_approvals {
        return Ok(Extra::default());
    }
    let (client, ctx) = args.connect("--github-approvals")?;
    let found =
        gatepass::github::collect(&client, &ctx, &loaded.policy, &loaded.release.release, now)?;
    for note in &found.notes {
        eprintln!("gatepass: github: {note}");
    }
    eprintln!(
        "gatepass: github: {} approval(s) from GitHub, {} review(s) not counted",
        found.approvals.len(),
        found.ignored.len()
    );
    Ok(Extra {
        approvals: found.approvals,
        ignored: found.ignored,
        excluded: found
            .authors
            .into_iter()
            .map(|login| Actor {
                name: login,
                why: "the author of the pull request".to_owned(),
            })
            .collect(),
    })
}

/// After `check` or `issue` decided: mask the token, publish the check run, write the step
/// outputs, annotations and job summary. `minted` is the token and its claims, when one was
/// minted; the caller prints the token only after this returns.
pub fn report(
    args: &GithubArgs,
    run: &Run,
    minted: Option<(&str, &Claims)>,
    warn_mode: bool,
) -> anyhow::Result<()> {
    let runtime = Runtime::detect();
    let d = &run.decision;
    // gatepass's own workflow commands follow: the fence around the report ends here.
    crate::fence::close();
    if let (Some(_), Some((token, _))) = (&runtime, minted) {
        eprint!("{}", actions::mask_command(token));
        let _ = std::io::stderr().flush();
    }
    if args.publish_check {
        let (client, ctx) = args.connect("--publish-check")?;
        let url = checks::publish(&client, &ctx, d, warn_mode)?;
        eprintln!("gatepass: github: published the check run {url}");
    }
    let Some(rt) = runtime else {
        return Ok(());
    };
    let unmet = actions::unmet_json(d);
    let approvers = actions::approvers_json(d);
    rt.write_outputs(&[
        ("decision", actions::decision_output(d.outcome, warn_mode)),
        ("release-digest", &d.release.digest),
        ("unmet", &unmet),
        ("approvers", &approvers),
        ("token", minted.map_or("", |(t, _)| t)),
    ])?;
    eprint!(
        "{}",
        actions::annotations(d, warn_mode, &|c| locate(&rt, d, c))
    );
    let summary = actions::summary(
        d,
        warn_mode,
        minted.map(|(_, c)| MintedToken::of(c)).as_ref(),
        actions::SUMMARY_LIMIT,
    );
    if let Err(e) = rt.append_summary(&summary) {
        eprintln!("gatepass: warning: {e}");
    }
    if minted.is_some() {
        std::thread::sleep(actions::MASK_SETTLE);
    }
    Ok(())
}

/// Where an annotation for `c` points: the evidence file a criterion read, when it exists;
/// otherwise the criterion in the policy (or, for the built-in, the manifest).
fn locate(rt: &Runtime, d: &Decision, c: &CriterionResult) -> AnnotationLocation {
    let reads_evidence = c.kind.reads_evidence();
    let manifest_dir = Path::new(&d.release.manifest)
        .parent()
        .unwrap_or(Path::new(""));
    if reads_evidence && let Some(first) = c.files.first() {
        let path = manifest_dir.join(first);
        if path.is_file() {
            return AnnotationLocation {
                file: Some(rt.workspace_relative(&path)),
                line: None,
                col: None,
            };
        }
    }
    let mut loc = AnnotationLocation::parse(&c.defined_at);
    loc.file = loc.file.map(|f| rt.workspace_relative(Path::new(&f)));
    loc
}

/// In Actions, masks a token received by `verify` before anything could print it.
pub fn mask(token: &str) {
    if Runtime::detect().is_some() {
        eprint!("{}", actions::mask_command(token));
        let _ = std::io::stderr().flush();
    }
}

/// In Actions, the outputs and summary of a verified token. A runner file that cannot be written
/// is a warning: the token is valid, and the target must not fail to start over a report.
pub fn verified(v: &VerifiedToken) {
    let Some(rt) = Runtime::detect() else {
        return;
    };
    let c = &v.claims;
    let decision = if c.exception.is_some() {
        Outcome::Exception
    } else {
        Outcome::Allow
    };
    let approvers = actions::approvers_json_of_claims(c);
    let result = rt.write_outputs(&[
        ("decision", decision.as_str()),
        ("release-digest", &c.release.digest),
        ("unmet", "[]"),
        ("approvers", &approvers),
        ("token", ""),
    ]);
    if let Err(e) = result.and_then(|()| rt.append_summary(&actions::verify_summary(Ok(c)))) {
        eprintln!("gatepass: warning: {e}");
    }
}

/// In Actions, the outputs, annotation and summary of a rejected token.
pub fn rejected(r: &Rejection) {
    let Some(rt) = Runtime::detect() else {
        return;
    };
    let why = format!("[{}] {r}", r.rule());
    let unmet = serde_json::json!([{ "rule": r.rule(), "reason": r.to_string() }]).to_string();
    let result = rt.write_outputs(&[
        ("decision", Outcome::Deny.as_str()),
        ("release-digest", ""),
        ("unmet", &unmet),
        ("approvers", "[]"),
        ("token", ""),
    ]);
    if let Err(e) = result {
        eprintln!("gatepass: warning: {e}");
    }
    eprint!(
        "{}",
        actions::command(
            "error",
            &[("title", "gatepass: token rejected".into())],
            &why
        )
    );
    if let Err(e) = rt.append_summary(&actions::verify_summary(Err(&why))) {
        eprintln!("gatepass: warning: {e}");
    }
}

/// In Actions, an error annotation for a run that could not decide (exit 2).
pub fn on_error(err: &anyhow::Error) {
    if Runtime::detect().is_some() {
        eprint!(
            "{}",
            actions::command(
                "error",
                &[("title", "gatepass could not decide (exit 2)".into())],
                &gatepass::untrusted::escape_keeping_lines(&format!("{err:#}"))
            )
        );
    }
}
