//! The signed records shipped in `examples/` verify under the example policies and are bound to
//! the example releases as they are now. When this fails after an example file changed, run
//! `examples/sign-approvals.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use gatepass::approval::{self, Collected, ReleaseRef};
use gatepass::hash::NoProgress;
use gatepass::policy::Policy;
use gatepass::release::Release;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn collect(policy: &str, release: &str, approvals: &[&str], exceptions: &[&str]) -> Collected {
    let policy = Policy::load(root().join(policy)).unwrap();
    let hashed = Release::load(&root().join(release))
        .unwrap()
        .hash(&NoProgress)
        .unwrap();
    let dirs: Vec<PathBuf> = approvals.iter().map(|d| root().join(d)).collect();
    let files: Vec<PathBuf> = exceptions.iter().map(|f| root().join(f)).collect();
    approval::collect(&policy, &ReleaseRef::from(&hashed), &dirs, &files).unwrap()
}

fn approvers(c: &Collected) -> Vec<(String, String)> {
    c.approvals
        .iter()
        .map(|a| (a.role.clone(), a.approver.clone()))
        .collect()
}

const STALE: &str = "stale example records: run examples/sign-approvals.sh";

#[test]
fn summarizer_records_count_in_production() {
    let c = collect(
        "policies/summarizer-production.toml",
        "examples/summarizer/release.toml",
        &["examples/summarizer/approvals"],
        &[
            "examples/summarizer/exceptions/production.exception.rm1.jwt",
            "examples/summarizer/exceptions/production.exception.rm2.jwt",
        ],
    );
    assert_eq!(
        approvers(&c),
        [
            ("ml-lead".to_owned(), "jrivera".to_owned()),
            ("product".to_owned(), "schen".to_owned())
        ],
        "{STALE}: {:?}",
        c.ignored
    );
    let signers: Vec<&str> = c.exceptions.iter().map(|g| g.approver.as_str()).collect();
    assert_eq!(signers, ["rm1", "rm2"], "{STALE}: {:?}", c.ignored);
    assert!(c.exceptions.iter().all(|g| g.waived == ["deploy-window"]));
    // The staging approvals sit in the same directory and are reported, not counted.
    assert_eq!(c.ignored.len(), 2, "{:?}", c.ignored);
    assert!(
        c.ignored
            .iter()
            .all(|i| i.reason == "approved for environment `staging`, this is `production`")
    );
}

#[test]
fn summarizer_records_count_in_staging() {
    let c = collect(
        "policies/summarizer-staging.toml",
        "examples/summarizer/release.toml",
        &["examples/summarizer/approvals"],
        &[],
    );
    assert_eq!(c.approvals.len(), 2, "{STALE}: {:?}", c.ignored);
}

#[test]
fn approvals_of_1_4_0_do_not_count_for_1_4_1() {
    let c = collect(
        "policies/summarizer-production.toml",
        "examples/summarizer-failing/release.toml",
        &["examples/summarizer/approvals"],
        &[],
    );
    assert!(c.approvals.is_empty());
    assert_eq!(c.ignored.len(), 4);
    for i in &c.ignored {
        assert!(
            i.reason
                .starts_with("approved support-summarizer 1.4.0 (sha256:")
                && i.reason.contains("), this is 1.4.1 (sha256:"),
            "{}",
            i.reason
        );
    }
}

#[test]
fn pricing_records_count() {
    let c = collect(
        "policies/pricing-production.toml",
        "examples/pricing/release.toml",
        &["examples/pricing/approvals"],
        &[],
    );
    let mut roles: Vec<String> = c.approvals.iter().map(|a| a.role.clone()).collect();
    roles.sort();
    assert_eq!(
        roles,
        ["compliance", "ml-lead", "product"],
        "{STALE}: {:?}",
        c.ignored
    );
    assert!(c.ignored.is_empty(), "{:?}", c.ignored);
}
