//! What the runner tells a step about its workflow run, read from the environment.
//!
//! GitHub Actions sets `GITHUB_REPOSITORY`, `GITHUB_SHA`, `GITHUB_EVENT_NAME`, `GITHUB_EVENT_PATH`,
//! `GITHUB_RUN_ID`, `GITHUB_ACTOR`, `GITHUB_TRIGGERING_ACTOR` and `GITHUB_API_URL` for every step.
//! Every value that ends up in an API path is validated here, so a hostile value can never
//! reshape a request.
//!
//! The *deployed commit* is the pull request's head (`pull_request.head.sha` of the event
//! payload) on `pull_request` events — there `GITHUB_SHA` is a merge commit GitHub made up —
//! and `GITHUB_SHA` otherwise.

use std::path::PathBuf;

use serde::Deserialize;

/// The API URL used when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Largest event payload read; GitHub caps webhook payloads at 25 MB.
const MAX_EVENT_BYTES: u64 = 32 * 1024 * 1024;

/// The workflow run a step belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunContext {
    /// The REST API base, such as `https://api.github.com` or `https://ghe.example.com/api/v3`.
    pub api_url: String,
    /// The web base for links in reports, such as `https://github.com`.
    pub server_url: String,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// `GITHUB_SHA`: the commit the run was started for.
    pub sha: String,
    /// `GITHUB_EVENT_NAME`, empty when unset.
    pub event_name: String,
    /// The pull request of a `pull_request` event, from the event payload.
    pub pull_request: Option<EventPullRequest>,
    /// `GITHUB_RUN_ID`, when set.
    pub run_id: Option<u64>,
    /// The logins that started this run (`GITHUB_ACTOR`, `GITHUB_TRIGGERING_ACTOR`), distinct.
    /// The deployer never counts toward a quorum.
    pub deployers: Vec<String>,
}

/// The pull request named by a `pull_request` event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPullRequest {
    /// Its number.
    pub number: u64,
    /// `pull_request.head.sha`: the commit this run builds.
    pub head_sha: String,
    /// `pull_request.user.login`: its author.
    pub author: String,
}

/// The runner environment is incomplete or inconsistent (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// A variable the runner always sets is missing.
    #[error(
        "{var} is not set; gatepass reads it to {purpose}. Inside GitHub Actions the runner sets it; elsewhere, set it yourself"
    )]
    Missing {
        /// The variable.
        var: &'static str,
        /// What it is needed for.
        purpose: &'static str,
    },
    /// A variable holds something it never holds on a real runner.
    #[error("{var}={value:?} is not valid: {why}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// Its value (escaped when printed).
        value: String,
        /// What was expected.
        why: &'static str,
    },
    /// The event payload could not be read or parsed.
    #[error("cannot read the event payload {} (GITHUB_EVENT_PATH): {why}", path.display())]
    Event {
        /// The payload file.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

#[derive(Deserialize)]
struct EventPayload {
    pull_request: Option<PayloadPull>,
}

#[derive(Deserialize)]
struct PayloadPull {
    number: u64,
    head: PayloadHead,
    user: PayloadUser,
}

#[derive(Deserialize)]
struct PayloadHead {
    sha: String,
}

#[derive(Deserialize)]
struct PayloadUser {
    login: String,
}

impl RunContext {
    /// Reads the context from the process environment.
    pub fn from_env() -> Result<Self, ContextError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the context through `lookup` (a variable name to its value), for tests and embedding.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ContextError> {
        let get = |var: &str| lookup(var).filter(|v| !v.is_empty());
        let api_url = get("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let server_url =
            get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned());
        let repository = get("GITHUB_REPOSITORY").ok_or(ContextError::Missing {
            var: "GITHUB_REPOSITORY",
            purpose: "know which repository's reviews and runs to read",
        })?;
        let (owner, repo) = repository
            .split_once('/')
            .filter(|(o, r)| is_login(o) && is_repo_name(r))
            .ok_or_else(|| ContextError::Invalid {
                var: "GITHUB_REPOSITORY",
                value: repository.clone(),
                why: "expected owner/name",
            })?;
        let sha = get("GITHUB_SHA").ok_or(ContextError::Missing {
            var: "GITHUB_SHA",
            purpose: "know which commit is deployed",
        })?;
        if !is_sha(&sha) {
            return Err(ContextError::Invalid {
                var: "GITHUB_SHA",
                value: sha,
                why: "expected a full commit id in lowercase hex",
            });
        }
        let event_name = get("GITHUB_EVENT_NAME").unwrap_or_default();
        let pull_request = if event_name == "pull_request" {
            let path = get("GITHUB_EVENT_PATH").ok_or(ContextError::Missing {
                var: "GITHUB_EVENT_PATH",
                purpose: "read the pull request of a pull_request event",
            })?;
            Some(read_event_pull(&PathBuf::from(path))?)
        } else {
            None
        };
        let run_id = match get("GITHUB_RUN_ID") {
            None => None,
            Some(v) => Some(v.parse::<u64>().map_err(|_| ContextError::Invalid {
                var: "GITHUB_RUN_ID",
                value: v.clone(),
                why: "expected a run number",
            })?),
        };
        let mut deployers: Vec<String> = Vec::new();
        for var in ["GITHUB_ACTOR", "GITHUB_TRIGGERING_ACTOR"] {
            if let Some(login) = get(var)
                && !deployers.iter().any(|d| d.eq_ignore_ascii_case(&login))
            {
                deployers.push(login);
            }
        }
        Ok(Self {
            api_url,
            server_url,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            sha,
            event_name,
            pull_request,
            run_id,
            deployers,
        })
    }

    /// The deployed commit: the pull request head on `pull_request` events, else `GITHUB_SHA`.
    pub fn deployed_commit(&self) -> &str {
        self.pull_request
            .as_ref()
            .map_or(self.sha.as_str(), |p| p.head_sha.as_str())
    }

    /// Whether `login` started this run.
    pub fn is_deployer(&self, login: &str) -> bool {
        self.deployers.iter().any(|d| d.eq_ignore_ascii_case(login))
    }

    /// The web page of the current run, when its id is known.
    pub fn run_url(&self) -> Option<String> {
        self.run_id.map(|id| {
            format!(
                "{}/{}/{}/actions/runs/{id}",
                self.server_url.trim_end_matches('/'),
                self.owner,
                self.repo
            )
        })
    }
}

fn read_event_pull(path: &std::path::Path) -> Result<EventPullRequest, ContextError> {
    let fail = |why: String| ContextError::Event {
        path: path.to_path_buf(),
        why,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > MAX_EVENT_BYTES {
        return Err(fail(format!("larger than {MAX_EVENT_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let payload: EventPayload = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let pull = payload
        .pull_request
        .ok_or_else(|| fail("a pull_request event without a `pull_request` object".into()))?;
    if !is_sha(&pull.head.sha) {
        return Err(fail(format!(
            "`pull_request.head.sha` {:?} is not a commit id",
            pull.head.sha
        )));
    }
    if !is_login(&pull.user.login) {
        return Err(fail(format!(
            "`pull_request.user.login` {:?} is not a GitHub login",
            pull.user.login
        )));
    }
    Ok(EventPullRequest {
        number: pull.number,
        head_sha: pull.head.sha,
        author: pull.user.login,
    })
}

/// A full commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
pub fn is_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A GitHub user or organisation login. Bot accounts end in `[bot]`.
pub fn is_login(s: &str) -> bool {
    let core = s.strip_suffix("[bot]").unwrap_or(s);
    !core.is_empty()
        && core.len() <= 39
        && !core.starts_with('-')
        && core
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A repository name.
fn is_repo_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)]) -> Result<RunContext, ContextError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        RunContext::from_lookup(|k| map.get(k).cloned())
    }

    const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    #[test]
    fn push_event_uses_github_sha() {
        let c = ctx(&[
            ("GITHUB_REPOSITORY", "acme/summarizer"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_RUN_ID", "30433642"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_TRIGGERING_ACTOR", "Octocat"),
        ])
        .unwrap();
        assert_eq!(c.deployed_commit(), SHA);
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.run_id, Some(30433642));
        assert_eq!(c.deployers, vec!["octocat".to_owned()]);
        assert!(c.is_deployer("OCTOCAT"));
        assert_eq!(
            c.run_url().as_deref(),
            Some("https://github.com/acme/summarizer/actions/runs/30433642")
        );
    }

    #[test]
    fn pull_request_event_uses_head_sha_from_payload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        let head = "e5bd3914e2e596debea16f433f57875b5b90bcd6";
        std::fs::write(
            &path,
            format!(
                r#"{{"action":"synchronize","number":7,"pull_request":{{"number":7,"head":{{"sha":"{head}","ref":"fix"}},"user":{{"login":"dev1"}}}}}}"#
            ),
        )
        .unwrap();
        let c = ctx(&[
            ("GITHUB_REPOSITORY", "acme/summarizer"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(c.deployed_commit(), head);
        let pr = c.pull_request.unwrap();
        assert_eq!((pr.number, pr.author.as_str()), (7, "dev1"));
    }

    #[test]
    fn refuses_values_that_could_reshape_a_request() {
        for (var, value) in [
            ("GITHUB_REPOSITORY", "acme/../../orgs/x"),
            ("GITHUB_REPOSITORY", "acme"),
            ("GITHUB_SHA", "HEAD"),
            ("GITHUB_RUN_ID", "1/approvals"),
        ] {
            let mut vars = vec![
                ("GITHUB_REPOSITORY", "acme/summarizer"),
                ("GITHUB_SHA", SHA),
            ];
            vars.retain(|(k, _)| *k != var);
            vars.push((var, value));
            assert!(
                matches!(ctx(&vars), Err(ContextError::Invalid { .. })),
                "{var}={value}"
            );
        }
        assert!(matches!(
            ctx(&[("GITHUB_SHA", SHA)]),
            Err(ContextError::Missing {
                var: "GITHUB_REPOSITORY",
                ..
            })
        ));
    }

    #[test]
    fn pull_request_event_without_payload_is_an_error() {
        let r = ctx(&[
            ("GITHUB_REPOSITORY", "acme/summarizer"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", "/nonexistent/event.json"),
        ]);
        assert!(matches!(r, Err(ContextError::Event { .. })));
    }

    #[test]
    fn logins() {
        for ok in ["octocat", "a-b", "dependabot[bot]", "x1"] {
            assert!(is_login(ok), "{ok}");
        }
        for bad in ["", "-a", "a/b", "a b", "a\n", &"x".repeat(40)] {
            assert!(!is_login(bad), "{bad}");
        }
    }
}
