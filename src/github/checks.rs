//! Publishing a decision as a check run on the deployed commit (`--publish-check`).
//!
//! `POST /repos/{owner}/{repo}/check-runs` with `status: completed`, a conclusion that follows
//! the decision (`allow` → `success`, `deny` → `failure`, `exception` and warn-mode denials →
//! `neutral`, so neither passes silently as green), and the job summary as the check's
//! output. Needs the `checks: write` permission.

use serde::{Deserialize, Serialize};

use super::actions;
use super::client::{Client, GithubError};
use super::context::RunContext;
use crate::evaluate::{Decision, Outcome};

/// Permission needed to create a check run.
pub const CHECKS_PERMISSION: &str = "`checks: write` (workflow `permissions:`)";

/// GitHub's limit on a check run's `output.summary`, in characters.
pub const CHECK_SUMMARY_LIMIT: usize = 65_535;

#[derive(Debug, Serialize)]
struct NewCheckRun<'a> {
    name: String,
    head_sha: &'a str,
    status: &'static str,
    conclusion: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details_url: Option<String>,
    output: CheckOutput,
}

#[derive(Debug, Serialize)]
struct CheckOutput {
    title: String,
    summary: String,
}

#[derive(Debug, Deserialize)]
struct CreatedCheckRun {
    id: u64,
    html_url: Option<String>,
}

/// The conclusion of the check run for a decision.
pub fn conclusion(outcome: Outcome, warn_mode: bool) -> &'static str {
    match (outcome, warn_mode) {
        (Outcome::Allow, _) => "success",
        (Outcome::Deny, false) => "failure",
        (Outcome::Deny, true) | (Outcome::Exception, _) => "neutral",
    }
}

/// Creates the check run named `gatepass / <environment>` on the deployed commit; returns its
/// web address (or id).
pub fn publish(
    client: &Client,
    ctx: &RunContext,
    d: &Decision,
    warn_mode: bool,
) -> Result<String, GithubError> {
    let unmet = d.unmet().count();
    let title = match (d.outcome, warn_mode) {
        (Outcome::Allow, _) => "allowed: every criterion is met".to_owned(),
        (Outcome::Exception, _) => format!(
            "allowed by exception: {} criteria waived",
            d.exception.as_ref().map_or(0, |e| e.waived.len())
        ),
        (Outcome::Deny, false) => format!("denied: {unmet} unmet criteria"),
        (Outcome::Deny, true) => format!("warning (not enforced): {unmet} unmet criteria"),
    };
    // The check output counts characters; a byte cap is never more than that.
    let summary = actions::summary(d, warn_mode, None, CHECK_SUMMARY_LIMIT);
    let body = NewCheckRun {
        name: format!("gatepass / {}", d.environment),
        head_sha: ctx.deployed_commit(),
        status: "completed",
        conclusion: conclusion(d.outcome, warn_mode),
        details_url: ctx.run_url(),
        output: CheckOutput {
            title: format!("{} {}: {title}", d.release.name, d.release.version),
            summary,
        },
    };
    let created: CreatedCheckRun = client.post(
        &format!("/repos/{}/{}/check-runs", ctx.owner, ctx.repo),
        &body,
        CHECKS_PERMISSION,
    )?;
    Ok(created
        .html_url
        .unwrap_or_else(|| format!("check run {}", created.id)))
}
