//! Approvals from GitHub: pull-request reviews and environment approvals of the running workflow.
//!
//! [`collect`] turns what GitHub reports into [`Approval`]s (source `github-review` or
//! `github-environment`, counted as the person the policy resolves the login to: the one
//! `[people]` lists it for, or a person of its own) and, for everything
//! that does not count, [`Ignored`] entries with the reason. Evaluation then applies quorum,
//! `max_age` and the one-person-counts-once rule exactly as for signed records.
//!
//! **Reviews.** The pull request is the one of the event payload on `pull_request` events,
//! else every pull request GitHub lists for the deployed commit
//! (`GET /repos/{owner}/{repo}/commits/{sha}/pulls`) whose head or merge commit *is* that
//! commit. Per user, only the latest review that is not a comment counts, and only when
//!
//! - it is `APPROVED` (a later `DISMISSED` or `CHANGES_REQUESTED` cancels an earlier approval),
//! - its `commit_id` is the pull request's head, so it saw the last push,
//! - every artifact in `release.toml` pins a `sha256` (a review approves a commit; only pinned
//!   digests make that commit bind the artifact bytes),
//! - the reviewer is neither the pull request's author nor the deployer
//!   (`GITHUB_ACTOR`, `GITHUB_TRIGGERING_ACTOR`),
//! - the reviewer holds a role: the login's person is named by the role (`people`), or the
//!   role's `github` lists the login or a team (`@org/slug`) of which they are an *active* member.
//!
//! The pull requests' authors are also returned ([`GithubApprovals::authors`]), so that the gate
//! excludes their *person* from every source: an author who also holds an approver key does not
//! count through a signed record either.
//!
//! The approval's time is the review's `submitted_at`.
//!
//! **Environment approvals** (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`):
//! an entry counts when its `state` is `approved`, one of its `environments` is named exactly
//! like the policy's `environment`, and the approver is not the deployer or the pull request's
//! author and holds a role. GitHub records no time for the approval itself, so its time is the
//! instant of the decision (`now`, the moment gatepass collects it): the approval was given
//! for this very run, before the step started.
//!
//! Any API failure is a [`GithubError`] (exit 2), never an empty result.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde::Deserialize;

use super::client::{Client, GithubError, clean};
use super::context::{RunContext, is_login};
use crate::approval::{Approval, Ignored, Source};
use crate::policy::Policy;
use crate::release::Release;

/// Permission needed to list pull requests and their reviews.
pub const PULLS_PERMISSION: &str = "`pull-requests: read` and `contents: read` (workflow `permissions:`, or the `repo` scope of a classic token)";
/// Permission needed to list the environment approvals of a run.
pub const ACTIONS_PERMISSION: &str =
    "`actions: read` (workflow `permissions:`, or the `repo` scope of a classic token)";

/// What GitHub contributed to a gate run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubApprovals {
    /// Approvals that passed every GitHub-side rule, one per role the approver holds.
    pub approvals: Vec<Approval>,
    /// Reviews and environment approvals that do not count, with the reason.
    pub ignored: Vec<Ignored>,
    /// What was read, for the log ("PR #12: 4 reviews").
    pub notes: Vec<String>,
    /// The logins of the authors of the pull requests read: the change's authors, who never
    /// count toward its approval.
    pub authors: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    login: String,
}

#[derive(Debug, Deserialize)]
struct Review {
    id: u64,
    user: Option<User>,
    state: String,
    commit_id: Option<String>,
    submitted_at: Option<String>,
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PullSimple {
    number: u64,
    user: Option<User>,
    head: GitRef,
    merge_commit_sha: Option<String>,
    merged_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GitRef {
    sha: String,
}

#[derive(Debug, Deserialize)]
struct EnvironmentApproval {
    environments: Vec<EnvironmentRef>,
    state: String,
    user: Option<User>,
}

#[derive(Debug, Deserialize)]
struct EnvironmentRef {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Membership {
    state: String,
}

/// The pull request whose reviews are read.
#[derive(Debug, Clone)]
struct Pull {
    number: u64,
    head_sha: String,
    author: Option<String>,
}

/// Reads reviews and environment approvals for the deployed commit and the current run.
///
/// `now` is recorded as the time of environment approvals. `release` is the manifest (its
/// artifact pins decide whether reviews can count at all).
pub fn collect(
    client: &Client,
    ctx: &RunContext,
    policy: &Policy,
    release: &Release,
    now: Timestamp,
) -> Result<GithubApprovals, GithubError> {
    let mut out = GithubApprovals::default();
    let mut roles = RoleResolver::new(policy);
    let unpinned: Vec<&str> = release
        .artifacts
        .iter()
        .filter(|(_, a)| a.sha256.is_none())
        .map(|(name, _)| name.as_str())
        .collect();

    let pulls = pulls_of(client, ctx, &mut out.notes)?;
    for pull in &pulls {
        reviews_of(client, ctx, policy, pull, &unpinned, &mut roles, &mut out)?;
    }
    let authors: Vec<String> = pulls.iter().filter_map(|p| p.author.clone()).collect();
    match ctx.run_id {
        Some(run_id) => environment_approvals(
            client, ctx, policy, run_id, &authors, now, &mut roles, &mut out,
        )?,
        None => out.notes.push(
            "GITHUB_RUN_ID is not set, so there is no workflow run whose environment approvals could be read"
                .to_owned(),
        ),
    }
    out.authors = authors;
    Ok(out)
}

fn pulls_of(
    client: &Client,
    ctx: &RunContext,
    notes: &mut Vec<String>,
) -> Result<Vec<Pull>, GithubError> {
    if let Some(p) = &ctx.pull_request {
        return Ok(vec![Pull {
            number: p.number,
            head_sha: p.head_sha.clone(),
            author: Some(p.author.clone()),
        }]);
    }
    let sha = &ctx.sha;
    let listed: Vec<PullSimple> = client.get_all(
        &format!("/repos/{}/{}/commits/{sha}/pulls", ctx.owner, ctx.repo),
        PULLS_PERMISSION,
    )?;
    let mut pulls = Vec::new();
    for p in listed {
        let merged_here = p.merged_at.is_some() && p.merge_commit_sha.as_deref() == Some(sha);
        if merged_here || p.head.sha == *sha {
            pulls.push(Pull {
                number: p.number,
                head_sha: p.head.sha,
                author: p.user.map(|u| u.login),
            });
        } else {
            notes.push(format!(
                "pull request #{} contains {} but neither its head nor its merge commit is it; its reviews are not read",
                p.number,
                short(sha)
            ));
        }
    }
    if pulls.is_empty() {
        notes.push(format!(
            "no pull request has {} as its head or merge commit, so there are no reviews to count",
            short(sha)
        ));
    }
    Ok(pulls)
}

#[allow(clippy::too_many_arguments)]
fn reviews_of(
    client: &Client,
    ctx: &RunContext,
    policy: &Policy,
    pull: &Pull,
    unpinned: &[&str],
    roles: &mut RoleResolver<'_>,
    out: &mut GithubApprovals,
) -> Result<(), GithubError> {
    let reviews: Vec<Review> = client.get_all(
        &format!(
            "/repos/{}/{}/pulls/{}/reviews",
            ctx.owner, ctx.repo, pull.number
        ),
        PULLS_PERMISSION,
    )?;
    out.notes.push(format!(
        "pull request #{} (head {}, author {}): {} review(s)",
        pull.number,
        short(&pull.head_sha),
        pull.author.as_deref().unwrap_or("unknown"),
        reviews.len()
    ));
    // GitHub lists reviews in chronological order; the last decisive one per user stands.
    let mut latest: HashMap<String, usize> = HashMap::new();
    for (i, r) in reviews.iter().enumerate() {
        if let Some(u) = &r.user
            && !matches!(r.state.as_str(), "COMMENTED" | "PENDING")
        {
            latest.insert(u.login.to_ascii_lowercase(), i);
        }
    }
    for (i, r) in reviews.iter().enumerate() {
        let origin = clean(
            &r.html_url.clone().unwrap_or_else(|| {
                format!(
                    "{}/{}/{}/pull/{}#pullrequestreview-{}",
                    ctx.server_url.trim_end_matches('/'),
                    ctx.owner,
                    ctx.repo,
                    pull.number,
                    r.id
                )
            }),
            300,
        );
        let Some(user) = r.user.as_ref().filter(|u| is_login(&u.login)) else {
            out.ignored.push(ignored(
                &origin,
                None,
                "a review by a deleted or unknown account".into(),
            ));
            continue;
        };
        let login = user.login.as_str();
        let ignore = |reason: String| ignored(&origin, Some(login), reason);
        let state = r.state.as_str();
        let superseded = latest
            .get(&login.to_ascii_lowercase())
            .is_some_and(|&l| l != i);
        let reason = match state {
            "COMMENTED" => Some("a comment, not an approval".to_owned()),
            "PENDING" => Some("pending: the review was never submitted".to_owned()),
            _ if superseded => {
                let later = latest
                    .get(&login.to_ascii_lowercase())
                    .and_then(|&l| reviews.get(l))
                    .map_or("?", |r| r.state.as_str());
                Some(format!(
                    "superseded by {login}'s later review ({})",
                    clean(later, 40)
                ))
            }
            "DISMISSED" => {
                Some("dismissed: a dismissed review cancels the reviewer's approval".to_owned())
            }
            "CHANGES_REQUESTED" => Some("requests changes".to_owned()),
            "APPROVED" => None,
            other => Some(format!("unknown review state {:?}", clean(other, 40))),
        };
        if let Some(reason) = reason {
            out.ignored.push(ignore(reason));
            continue;
        }
        let commit = r.commit_id.as_deref().unwrap_or("");
        let at = r
            .submitted_at
            .as_deref()
            .and_then(|s| s.parse::<Timestamp>().ok());
        let reason = if commit != pull.head_sha {
            Some(format!(
                "approved commit {}, but the head of pull request #{} is {}: the review does not cover the last push; approve again",
                if commit.is_empty() {
                    "(none)".to_owned()
                } else {
                    short(commit)
                },
                pull.number,
                short(&pull.head_sha)
            ))
        } else if pull
            .author
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(login))
        {
            Some(AUTHOR_NEVER_COUNTS.to_owned())
        } else if ctx.is_deployer(login) {
            Some(DEPLOYER_NEVER_COUNTS.to_owned())
        } else if !unpinned.is_empty() {
            Some(format!(
                "release.toml pins no sha256 for artifact(s) {}; a review approves a commit, which binds the artifact bytes only when the manifest pins their digests",
                unpinned.join(", ")
            ))
        } else if at.is_none() {
            Some("the review has no valid `submitted_at`".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            out.ignored.push(ignore(reason));
            continue;
        }
        let held = roles.roles_of(client, login)?;
        match by_role(
            held,
            policy,
            login,
            at.unwrap_or(Timestamp::UNIX_EPOCH),
            Source::GithubReview,
            &origin,
        ) {
            Ok(approvals) => out.approvals.extend(approvals),
            Err(not_counted) => out.ignored.push(not_counted),
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn environment_approvals(
    client: &Client,
    ctx: &RunContext,
    policy: &Policy,
    run_id: u64,
    authors: &[String],
    now: Timestamp,
    roles: &mut RoleResolver<'_>,
    out: &mut GithubApprovals,
) -> Result<(), GithubError> {
    let entries: Vec<EnvironmentApproval> = client.get_all(
        &format!(
            "/repos/{}/{}/actions/runs/{run_id}/approvals",
            ctx.owner, ctx.repo
        ),
        ACTIONS_PERMISSION,
    )?;
    out.notes.push(format!(
        "workflow run {run_id}: {} environment review(s)",
        entries.len()
    ));
    let origin = ctx.run_url().unwrap_or_else(|| format!("run {run_id}"));
    for e in entries {
        let names: Vec<String> = e.environments.iter().map(|x| clean(&x.name, 100)).collect();
        let origin = format!("{origin} (environment {})", names.join(", "));
        let Some(user) = e.user.as_ref().filter(|u| is_login(&u.login)) else {
            out.ignored.push(ignored(
                &origin,
                None,
                "an environment review by a deleted or unknown account".into(),
            ));
            continue;
        };
        let login = user.login.as_str();
        let ignore = |reason: String| ignored(&origin, Some(login), reason);
        let reason = if e.state != "approved" {
            Some(format!(
                "the environment review is {:?}, not approved",
                clean(&e.state, 40)
            ))
        } else if !e.environments.iter().any(|x| x.name == policy.environment) {
            Some(format!(
                "approved environment(s) `{}`; this policy is for `{}`",
                names.join("`, `"),
                policy.environment
            ))
        } else if authors.iter().any(|a| a.eq_ignore_ascii_case(login)) {
            Some(AUTHOR_NEVER_COUNTS.to_owned())
        } else if ctx.is_deployer(login) {
            Some(DEPLOYER_NEVER_COUNTS.to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            out.ignored.push(ignore(reason));
            continue;
        }
        let held = roles.roles_of(client, login)?;
        match by_role(held, policy, login, now, Source::GithubEnvironment, &origin) {
            Ok(approvals) => out.approvals.extend(approvals),
            Err(not_counted) => out.ignored.push(not_counted),
        }
    }
    Ok(())
}

/// One approval per role `login` holds, or, when they hold none, why their approval does not count.
fn by_role(
    held: Vec<String>,
    policy: &Policy,
    login: &str,
    at: Timestamp,
    source: Source,
    origin: &str,
) -> Result<Vec<Approval>, Ignored> {
    if held.is_empty() {
        return Err(ignored(origin, Some(login), no_role(policy, login)));
    }
    let person = policy.person_of_login(login);
    Ok(held
        .into_iter()
        .map(|role| Approval {
            role,
            approver: person.id.clone(),
            person: person.key.clone(),
            at,
            expires: None,
            source,
            origin: origin.to_owned(),
        })
        .collect())
}

const AUTHOR_NEVER_COUNTS: &str =
    "the author of the pull request; the author of a change never counts toward its approval";
const DEPLOYER_NEVER_COUNTS: &str =
    "started this workflow run; the deployer never counts toward a quorum";

fn ignored(origin: &str, login: Option<&str>, reason: String) -> Ignored {
    Ignored {
        origin: origin.to_owned(),
        approver: login.map(str::to_owned),
        reason,
    }
}

fn no_role(policy: &Policy, login: &str) -> String {
    if !policy.knows_login(login) {
        return format!(
            "{login} holds no role: `[people]` of {} lists no person with this login, and with `[people]` a GitHub team counts only the logins listed there (add the person with `github = [\"{login}\"]`)",
            policy.path.display()
        );
    }
    format!(
        "{login} holds no role: no `github` list under `[roles]` of {} names this login or a team they are an active member of",
        policy.path.display()
    )
}

fn short(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// Maps GitHub logins to the roles the policy gives them, directly or through teams.
#[derive(Debug)]
struct RoleResolver<'p> {
    /// The policy: who a login is, and the roles people hold.
    policy: &'p Policy,
    /// (org, slug) to roles.
    by_team: BTreeMap<(String, String), BTreeSet<&'p str>>,
    /// Teams confirmed readable.
    readable: BTreeSet<(String, String)>,
    /// (org, slug, lowercase login) to active membership.
    members: HashMap<(String, String, String), bool>,
}

impl<'p> RoleResolver<'p> {
    fn new(policy: &'p Policy) -> Self {
        let mut by_team: BTreeMap<(String, String), BTreeSet<&'p str>> = BTreeMap::new();
        for (role, spec) in &policy.roles {
            for id in &spec.github {
                if let Some((org, slug)) = id.strip_prefix('@').and_then(|t| t.split_once('/')) {
                    by_team
                        .entry((org.to_owned(), slug.to_owned()))
                        .or_default()
                        .insert(role.as_str());
                }
            }
        }
        Self {
            policy,
            by_team,
            readable: BTreeSet::new(),
            members: HashMap::new(),
        }
    }

    /// Every role `login` holds, reading team memberships as needed.
    fn roles_of(&mut self, client: &Client, login: &str) -> Result<Vec<String>, GithubError> {
        let person = self.policy.person_of_login(login);
        let mut held: BTreeSet<&'p str> = self.policy.roles_of(&person).into_iter().collect();
        // Apps (`name[bot]`) are never team members; they hold a role only by their login. With
        // `[people]`, a team counts only the logins listed there: a member the policy does not
        // know could be a person who also signs with a key, and would count twice.
        if login.ends_with("[bot]") || !self.policy.knows_login(login) {
            return Ok(held.into_iter().map(str::to_owned).collect());
        }
        let teams: Vec<((String, String), BTreeSet<&'p str>)> = self
            .by_team
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for ((org, slug), team_roles) in teams {
            if team_roles.iter().all(|r| held.contains(r)) {
                continue;
            }
            if self.is_active_member(client, &org, &slug, login)? {
                held.extend(team_roles);
            }
        }
        Ok(held.into_iter().map(str::to_owned).collect())
    }

    fn is_active_member(
        &mut self,
        client: &Client,
        org: &str,
        slug: &str,
        login: &str,
    ) -> Result<bool, GithubError> {
        let key = (org.to_owned(), slug.to_owned(), login.to_ascii_lowercase());
        if let Some(known) = self.members.get(&key) {
            return Ok(*known);
        }
        // A membership 404 means "not a member" only once the team itself is readable; otherwise
        // a token without `members: read` would make every member look like an outsider.
        let team = (org.to_owned(), slug.to_owned());
        if !self.readable.contains(&team) {
            client.team_request::<serde_json::Value>(
                org,
                slug,
                &format!("/orgs/{org}/teams/{slug}"),
                false,
            )?;
            self.readable.insert(team);
        }
        let membership: Option<Membership> = client.team_request(
            org,
            slug,
            &format!("/orgs/{org}/teams/{slug}/memberships/{login}"),
            true,
        )?;
        let active = membership.is_some_and(|m| m.state == "active");
        self.members.insert(key, active);
        Ok(active)
    }
}
