//! GitHub: the Actions runtime and the REST API.
//!
//! - [`actions`]: inside a workflow (`GITHUB_ACTIONS=true`), step outputs, the token mask, the
//!   job summary and `::error` annotations. No network.
//! - [`context`]: what the runner tells a step about its run (repository, deployed commit,
//!   event, run id, deployer).
//! - [`client`]: a blocking REST client over `octocrab` that follows pagination (octocrab's
//!   `Page`), caps every response body while reading it, reports rate limits with their reset
//!   time and retries server errors a bounded number of times; every failure is an error, never
//!   an empty answer.
//! - [`approvals`]: pull-request reviews and environment approvals as
//!   [`Approval`](crate::approval::Approval)s for [`gate::Extra`](crate::gate::Extra).
//! - [`checks`]: the decision as a check run on the commit.

pub mod actions;
pub mod approvals;
pub mod checks;
pub mod client;
pub mod context;

pub use approvals::{GithubApprovals, collect};
pub use client::{Client, GithubError, GithubToken, RetryPolicy};
pub use context::{ContextError, RunContext};
