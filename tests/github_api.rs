//! GitHub approvals and check runs through the real client, against a local HTTP server on
//! 127.0.0.1 that serves full GitHub response bodies (`tests/fixtures/github/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use gatepass::approval::Source;
use gatepass::github::context::EventPullRequest;
use gatepass::github::{Client, GithubError, GithubToken, RetryPolicy, RunContext, collect};
use gatepass::policy::Policy;
use gatepass::release::Release;
use jiff::Timestamp;
use wiremock::matchers::{body_partial_json, header, method, path, path_regex, query_param};
use wiremock::{Mock, ResponseTemplate};

#[path = "support/mock_github.rs"]
mod mock_github;
use mock_github::{Github, HEAD, MERGE, RUN, TOKEN, json};

const POLICY: &str = r#"
id = "summarizer-production"
environment = "production"
issuer = "gatepass:acme-ml"

[roles]
ml-lead    = { github = ["jrivera"] }
product    = { github = ["schen"] }
compliance = { github = ["@acme/compliance"] }

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [
  { role = "ml-lead", count = 1 },
  { role = "product", count = 1 },
  { role = "compliance", count = 1 },
]
"#;

fn release(pinned: bool) -> Release {
    let prompt = if pinned {
        r#"prompt = { path = "artifacts/system-prompt.txt", sha256 = "5a88053a734c0cf50d80daad431cb11d617ca58934f53926fab7d589d2f61b18" }"#
    } else {
        r#"prompt = { path = "artifacts/system-prompt.txt" }"#
    };
    let text = format!(
        r#"name = "support-summarizer"
version = "1.4.0"
change = "prompt"
[artifacts]
model = {{ path = "artifacts/model.onnx", sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }}
{prompt}
"#
    );
    Release::from_toml(&text, Path::new("release.toml")).unwrap()
}

fn policy() -> Policy {
    Policy::from_str_at(POLICY, "policy.toml").unwrap()
}

fn push_context(api: &str) -> RunContext {
    RunContext {
        api_url: api.to_owned(),
        server_url: "https://github.com".to_owned(),
        owner: "acme".to_owned(),
        repo: "summarizer".to_owned(),
        sha: MERGE.to_owned(),
        event_name: "push".to_owned(),
        pull_request: None,
        run_id: Some(RUN),
        deployers: vec!["release-bot".to_owned()],
    }
}

fn now() -> Timestamp {
    "2026-11-21T09:00:00Z".parse().unwrap()
}

fn reason_of<'a>(found: &'a gatepass::github::GithubApprovals, who: &str, needle: &str) -> &'a str {
    found
        .ignored
        .iter()
        .find(|i| i.approver.as_deref() == Some(who) && i.reason.contains(needle))
        .map(|i| i.reason.as_str())
        .unwrap_or_else(|| {
            panic!(
                "no ignored entry for {who} containing {needle:?}: {:#?}",
                found.ignored
            )
        })
}

#[test]
fn reviews_and_environment_approvals_of_a_merged_pull_request() {
    let gh = Github::start();
    gh.scenario();
    let found = collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap();

    let mut counted: Vec<(String, String, Source)> = found
        .approvals
        .iter()
        .map(|a| (a.approver.clone(), a.role.clone(), a.source))
        .collect();
    counted.sort();
    assert_eq!(
        counted,
        vec![
            ("jrivera".into(), "ml-lead".into(), Source::GithubReview),
            ("mokafor".into(), "compliance".into(), Source::GithubReview),
            (
                "mokafor".into(),
                "compliance".into(),
                Source::GithubEnvironment
            ),
            ("schen".into(), "product".into(), Source::GithubReview),
        ]
    );
    let jrivera = found
        .approvals
        .iter()
        .find(|a| a.approver == "jrivera")
        .unwrap();
    assert_eq!(
        jrivera.at,
        "2026-11-20T15:01:12Z".parse::<Timestamp>().unwrap()
    );
    assert_eq!(jrivera.person, "github:jrivera");
    assert!(
        jrivera
            .origin
            .starts_with("https://github.com/acme/summarizer/pull/42#pullrequestreview-")
    );
    let env = found
        .approvals
        .iter()
        .find(|a| a.source == Source::GithubEnvironment)
        .unwrap();
    assert_eq!(
        env.at,
        now(),
        "environment approvals are recorded at the decision instant"
    );
    assert_eq!(
        env.origin,
        "https://github.com/acme/summarizer/actions/runs/30433642 (environment production)"
    );

    reason_of(&found, "jrivera", "a comment, not an approval");
    reason_of(
        &found,
        "jrivera",
        "superseded by jrivera's later review (APPROVED)",
    );
    reason_of(
        &found,
        "schen",
        "superseded by schen's later review (APPROVED)",
    );
    reason_of(&found, "dev-alice", "the author of the pull request");
    reason_of(
        &found,
        "bwong",
        "approved commit a1b2c3d, but the head of pull request #42 is e5bd391",
    );
    reason_of(
        &found,
        "release-bot",
        "started this workflow run; the deployer never counts",
    );
    reason_of(&found, "kdavis", "dismissed");
    reason_of(
        &found,
        "kdavis",
        "superseded by kdavis's later review (DISMISSED)",
    );
    reason_of(&found, "outsider", "outsider holds no role");
    // Environment approvals.
    reason_of(
        &found,
        "jrivera",
        "approved environment(s) `staging`; this policy is for `production`",
    );
    reason_of(&found, "schen", "\"rejected\", not approved");
    assert_eq!(
        found
            .ignored
            .iter()
            .filter(|i| i.approver.as_deref() == Some("release-bot"))
            .count(),
        2,
        "the deployer's review and environment approval are both refused"
    );
    assert_eq!(
        found
            .ignored
            .iter()
            .filter(|i| i.approver.as_deref() == Some("dev-alice"))
            .count(),
        2,
        "the author's review and environment approval are both refused"
    );
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("pull request #40 contains 6dcb09b"))
    );
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("pull request #42 (head e5bd391, author dev-alice): 12 review(s)"))
    );
    gh.verify();

    // The team is read once, whatever the number of reviewers checked against it.
    let requests = gh.requests();
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.url.path() == "/orgs/acme/teams/compliance")
            .count(),
        1
    );
    // Every request carried the token, and only as a bearer header.
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(!r.url.as_str().contains(TOKEN));
        assert_eq!(
            r.headers.get("accept").and_then(|v| v.to_str().ok()),
            Some("application/vnd.github+json")
        );
    }
}

#[test]
fn unpinned_artifacts_make_every_review_not_count_but_environment_approvals_still_do() {
    let gh = Github::start();
    gh.scenario();
    let found = collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(false),
        now(),
    )
    .unwrap();
    assert!(
        found
            .approvals
            .iter()
            .all(|a| a.source == Source::GithubEnvironment)
    );
    assert_eq!(found.approvals.len(), 1);
    for who in ["jrivera", "schen", "mokafor", "outsider"] {
        reason_of(
            &found,
            who,
            "release.toml pins no sha256 for artifact(s) prompt",
        );
    }
}

#[test]
fn pull_request_event_reads_the_head_from_the_payload() {
    let gh = Github::start();
    gh.scenario();
    // No lookup by commit: the event names the pull request.
    gh.mount(
        Mock::given(path_regex("/commits/.*/pulls$"))
            .respond_with(ResponseTemplate::new(500))
            .with_priority(1)
            .expect(0),
    );
    let mut ctx = push_context(&gh.uri());
    ctx.event_name = "pull_request".into();
    ctx.sha = "f1a2b3c4d5e6f7081920a1b2c3d4e5f607182930".into();
    ctx.pull_request = Some(EventPullRequest {
        number: 42,
        head_sha: HEAD.into(),
        author: "dev-alice".into(),
    });
    ctx.deployers = vec!["dev-alice".into()];
    let found = collect(&gh.client(), &ctx, &policy(), &release(true), now()).unwrap();
    let mut who: Vec<&str> = found
        .approvals
        .iter()
        .filter(|a| a.source == Source::GithubReview)
        .map(|a| a.approver.as_str())
        .collect();
    who.sort();
    // release-bot is not the deployer here, but holds no role.
    assert_eq!(who, vec!["jrivera", "mokafor", "schen"]);
    reason_of(&found, "release-bot", "holds no role");
    gh.verify();
}

#[test]
fn a_commit_without_a_pull_request_has_no_reviews_and_says_so() {
    let gh = Github::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]")),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/actions/runs/{RUN}/approvals"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]")),
    );
    let found = collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap();
    assert!(found.approvals.is_empty() && found.ignored.is_empty());
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("no pull request has 6dcb09b as its head or merge commit")),
        "{:?}",
        found.notes
    );
}

fn only_pulls_lookup(gh: &Github, response: ResponseTemplate) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(response),
    );
}

fn collect_err(gh: &Github) -> GithubError {
    collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap_err()
}

#[test]
fn an_exhausted_rate_limit_is_an_error_with_the_reset_time() {
    let gh = Github::start();
    let reset = Timestamp::now().as_second() + 600;
    only_pulls_lookup(
        &gh,
        json(403, "error-403-rate-limit.json")
            .insert_header("x-ratelimit-limit", "5000")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-used", "5000")
            .insert_header("x-ratelimit-reset", reset.to_string().as_str())
            .insert_header("x-ratelimit-resource", "core"),
    );
    let err = collect_err(&gh);
    assert!(
        matches!(err, GithubError::RateLimited { status: 403, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("rate limit exhausted"), "{msg}");
    let at = Timestamp::from_second(reset).unwrap();
    assert!(
        msg.contains(&format!("resets at {at} (in 10 min)")),
        "{msg}"
    );
    assert!(
        msg.contains("API rate limit exceeded for installation ID 48275361"),
        "{msg}"
    );
}

#[test]
fn a_secondary_rate_limit_429_is_an_error() {
    let gh = Github::start();
    only_pulls_lookup(
        &gh,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "60")
            .set_body_string(r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"429"}"#),
    );
    let err = collect_err(&gh);
    assert!(
        matches!(err, GithubError::RateLimited { status: 429, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("(in 1 min)"), "{err}");
}

#[test]
fn forbidden_names_the_permission_needed() {
    let gh = Github::start();
    only_pulls_lookup(&gh, json(403, "error-403-not-accessible.json"));
    let err = collect_err(&gh);
    let msg = err.to_string();
    assert!(
        matches!(err, GithubError::Forbidden { status: 403, .. }),
        "{err:?}"
    );
    assert!(
        msg.contains("Resource not accessible by integration"),
        "{msg}"
    );
    assert!(msg.contains("`pull-requests: read`"), "{msg}");
}

#[test]
fn not_found_names_the_permission_needed() {
    let gh = Github::start();
    only_pulls_lookup(
        &gh,
        ResponseTemplate::new(404).set_body_string(
            r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit","status":"404"}"#,
        ),
    );
    let err = collect_err(&gh);
    assert!(
        matches!(err, GithubError::Forbidden { status: 404, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("the token needs `pull-requests: read`"),
        "{err}"
    );
}

#[test]
fn a_refused_token_is_unauthorized() {
    let gh = Github::start();
    only_pulls_lookup(&gh, json(401, "error-401.json"));
    let err = collect_err(&gh);
    assert!(matches!(err, GithubError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("Bad credentials"), "{err}");
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times_then_reported() {
    let gh = Github::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(json(500, "error-500.json"))
            .expect(3),
    );
    let err = collect_err(&gh);
    assert!(
        matches!(
            err,
            GithubError::Server {
                status: 500,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("HTTP 500 from GitHub on each of 3 attempt(s) (Server Error)"),
        "{err}"
    );
    gh.verify();
}

#[test]
fn a_server_error_that_passes_is_retried_to_success() {
    let gh = Github::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(
                ResponseTemplate::new(502).set_body_string("<html>502 Bad Gateway</html>"),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]")),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/actions/runs/{RUN}/approvals"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]")),
    );
    let found = collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap();
    assert!(found.approvals.is_empty());
}

#[test]
fn an_unreachable_api_is_an_error_not_an_empty_list() {
    // Bind and drop a listener: nothing serves that port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let client = Client::new(&api, &GithubToken::new(TOKEN).unwrap())
        .unwrap()
        .with_retry(RetryPolicy {
            attempts: 2,
            backoff: Duration::from_millis(1),
        });
    let err = collect(
        &client,
        &push_context(&api),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, GithubError::Unreachable { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains(TOKEN));
}

#[test]
fn a_body_that_is_not_what_github_sends_is_an_error() {
    let gh = Github::start();
    only_pulls_lookup(
        &gh,
        ResponseTemplate::new(200).set_body_string(r#"{"message":"ok"}"#),
    );
    let err = collect_err(&gh);
    assert!(matches!(err, GithubError::Body { .. }), "{err:?}");
}

#[test]
fn a_team_the_token_cannot_read_names_the_org_permission() {
    for status in [403u16, 404] {
        let gh = Github::start();
        gh.scenario();
        gh.mount(
            Mock::given(method("GET"))
                .and(path("/orgs/acme/teams/compliance"))
                .respond_with(json(
                    status,
                    if status == 404 {
                        "error-404-team.json"
                    } else {
                        "error-403-not-accessible.json"
                    },
                ))
                .with_priority(1),
        );
        let err = collect_err(&gh);
        assert!(matches!(err, GithubError::Team { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("@acme/compliance"), "{msg}");
        assert!(
            msg.contains("`members: read`") && msg.contains("`read:org`"),
            "{msg}"
        );
    }
}

#[test]
fn pending_team_membership_does_not_hold_the_role() {
    let gh = Github::start();
    gh.scenario();
    gh.mount(
        Mock::given(method("GET"))
            .and(path("/orgs/acme/teams/compliance/memberships/mokafor"))
            .respond_with(json(200, "team-membership-pending.json"))
            .with_priority(1),
    );
    let found = collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap();
    assert!(found.approvals.iter().all(|a| a.approver != "mokafor"));
    reason_of(&found, "mokafor", "holds no role");
}

#[test]
fn pagination_never_leaves_the_api_origin() {
    let gh = Github::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string("[]")
                    .insert_header(
                        "link",
                        "<https://attacker.example/steal?page=2>; rel=\"next\"",
                    ),
            ),
    );
    let err = collect_err(&gh);
    assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
    let requests = gh.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].url.path(),
        format!("/repos/acme/summarizer/commits/{MERGE}/pulls")
    );
}

#[test]
fn an_endless_list_is_an_error_not_a_shortened_list() {
    let gh = Github::start();
    let me = format!(
        "<{}/repos/acme/summarizer/commits/{MERGE}/pulls?per_page=100&page=2>; rel=\"next\"",
        gh.uri()
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string("[]")
                    .insert_header("link", me.as_str()),
            ),
    );
    let err = collect_err(&gh);
    assert!(
        matches!(&err, GithubError::Pagination { why, .. } if why.contains("more than 100 pages")),
        "{err:?}"
    );
}

#[test]
fn github_enterprise_base_paths_are_kept_across_pages() {
    let gh = Github::start();
    let api = format!("{}/api/v3", gh.uri());
    let next =
        format!("<{api}/repos/acme/summarizer/pulls/42/reviews?per_page=100&page=2>; rel=\"next\"");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/api/v3/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(json(200, "commit-pulls.json")),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path("/api/v3/repos/acme/summarizer/pulls/42/reviews"))
            .and(query_param("page", "2"))
            .respond_with(json(200, "reviews-page-2.json"))
            .with_priority(1)
            .expect(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path("/api/v3/repos/acme/summarizer/pulls/42/reviews"))
            .respond_with(json(200, "reviews-page-1.json").insert_header("link", next.as_str())),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/api/v3/repos/acme/summarizer/actions/runs/{RUN}/approvals"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]")),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path("/api/v3/orgs/acme/teams/compliance"))
            .respond_with(json(200, "team.json")),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path_regex(
                "^/api/v3/orgs/acme/teams/compliance/memberships/",
            ))
            .respond_with(json(404, "error-404-membership.json")),
    );
    let client = Client::new(&api, &GithubToken::new(TOKEN).unwrap()).unwrap();
    let found = collect(
        &client,
        &push_context(&api),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap();
    assert_eq!(
        found.approvals.len(),
        2,
        "jrivera and schen: {:#?}",
        found.approvals
    );
    gh.verify();
}

#[test]
fn publishes_a_check_run_with_the_decision() {
    use gatepass::evaluate::{Decision, Outcome};
    let gh = Github::start();
    gh.mount(
        Mock::given(method("POST"))
            .and(path("/repos/acme/summarizer/check-runs"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(body_partial_json(serde_json::json!({
                "name": "gatepass / production",
                "head_sha": MERGE,
                "status": "completed",
                "conclusion": "failure",
                "details_url": "https://github.com/acme/summarizer/actions/runs/30433642",
            })))
            .respond_with(json(201, "check-run-created.json"))
            .expect(1),
    );
    let decision: Decision = sample_decision();
    assert_eq!(decision.outcome, Outcome::Deny);
    let url =
        gatepass::github::checks::publish(&gh.client(), &push_context(&gh.uri()), &decision, false)
            .unwrap();
    assert_eq!(url, "https://github.com/acme/summarizer/runs/30441925812");
    let sent = &gh.requests()[0];
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    let summary = body["output"]["summary"].as_str().unwrap();
    assert!(summary.contains("❌ gatepass: DENIED"), "{summary}");
    assert!(summary.len() <= gatepass::github::checks::CHECK_SUMMARY_LIMIT);
    gh.verify();
}

/// A real denial: the failing example against the production policy.
fn sample_decision() -> gatepass::evaluate::Decision {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let req = gatepass::gate::Request {
        policy: root.join("policies/summarizer-production.toml"),
        release: root.join("examples/summarizer-failing/release.toml"),
        ..Default::default()
    };
    gatepass::gate::run(&req, now(), &gatepass::hash::NoProgress)
        .unwrap()
        .decision
}

#[test]
fn an_app_reviewer_is_never_looked_up_in_teams() {
    let gh = Github::start();
    let mut reviews: serde_json::Value =
        serde_json::from_str(&mock_github::fixture("reviews-page-2.json")).unwrap();
    let mut bot = reviews[0].clone();
    bot["user"]["login"] = "dependabot[bot]".into();
    bot["user"]["type"] = "Bot".into();
    reviews = serde_json::json!([bot]);
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(json(200, "commit-pulls.json")),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path("/repos/acme/summarizer/pulls/42/reviews"))
            .respond_with(ResponseTemplate::new(200).set_body_json(reviews)),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/actions/runs/{RUN}/approvals"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]")),
    );
    gh.mount(
        Mock::given(path_regex("^/orgs/"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let found = collect(
        &gh.client(),
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap();
    assert!(found.approvals.is_empty());
    reason_of(&found, "dependabot[bot]", "holds no role");
    gh.verify();
}

/// One entry of a list read through `Client::get_all`: a slim type, as in the library.
#[derive(Debug, serde::Deserialize)]
struct Listed {
    user: Login,
}

#[derive(Debug, serde::Deserialize)]
struct Login {
    login: String,
}

#[test]
fn a_list_is_read_page_by_page_through_every_link_relation() {
    let gh = Github::start();
    let list = "/repos/acme/summarizer/pulls/42/reviews";
    let at = |page: u32| format!("{}{list}?per_page=100&page={page}", gh.uri());
    let links = |page: u32| {
        let mut rels = vec![format!("<{}>; rel=\"first\"", at(1))];
        if page > 1 {
            rels.push(format!("<{}>; rel=\"prev\"", at(page - 1)));
        }
        if page < 3 {
            rels.push(format!("<{}>; rel=\"next\"", at(page + 1)));
        }
        rels.push(format!("<{}>; rel=\"last\"", at(3)));
        rels.join(", ")
    };
    let auth = || header("authorization", format!("Bearer {TOKEN}").as_str());
    for (page, login) in [(2, "schen"), (3, "mokafor")] {
        gh.mount(
            Mock::given(method("GET"))
                .and(path(list))
                .and(query_param("page", page.to_string().as_str()))
                .and(auth())
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(serde_json::json!([{"user": {"login": login}, "state": "SOMETHING_NEW"}]))
                        .insert_header("link", links(page).as_str()),
                )
                .with_priority(1)
                .expect(1),
        );
    }
    gh.mount(
        Mock::given(method("GET"))
            .and(path(list))
            .and(query_param("per_page", "100"))
            .and(auth())
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!([
                        {"user": {"login": "jrivera"}, "unknown_field": {"nested": [1, 2]}},
                        {"user": {"login": "bwong"}}
                    ]))
                    .insert_header("link", links(1).as_str()),
            )
            .expect(1),
    );
    let all: Vec<Listed> = gh.client().get_all(list, "`pull-requests: read`").unwrap();
    let logins: Vec<&str> = all.iter().map(|r| r.user.login.as_str()).collect();
    assert_eq!(logins, ["jrivera", "bwong", "schen", "mokafor"]);
    gh.verify();
}

#[test]
fn two_link_headers_are_an_error_not_a_list_cut_at_the_first() {
    let gh = Github::start();
    let next = format!(
        "<{}/repos/acme/summarizer/commits/{MERGE}/pulls?per_page=100&page=2>; rel=\"next\"",
        gh.uri()
    );
    only_pulls_lookup(
        &gh,
        ResponseTemplate::new(200)
            .set_body_string("[]")
            .append_header("link", "<https://example.invalid/x?page=1>; rel=\"first\"")
            .append_header("link", next.as_str()),
    );
    let err = collect_err(&gh);
    assert!(
        matches!(&err, GithubError::Pagination { why, .. } if why.contains("more than one Link header")),
        "{err:?}"
    );
    assert_eq!(gh.requests().len(), 1);
}

#[test]
fn a_declared_length_over_the_cap_is_refused_before_reading_and_not_retried() {
    let gh = Github::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/repos/acme/summarizer/commits/{MERGE}/pulls"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b' '; 2 << 20]))
            .expect(1),
    );
    let client = gh.client().with_max_body(1 << 20);
    let err = collect(
        &client,
        &push_context(&gh.uri()),
        &policy(),
        &release(true),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, GithubError::TooLarge { limit, .. } if limit == 1 << 20),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("larger than 1048576 bytes"), "{msg}");
    assert!(!msg.contains(TOKEN));
    gh.verify();
}

/// A server on 127.0.0.1 that answers one request with a chunked JSON body of `total` bytes,
/// written as fast as the client reads; returns its address and, when the connection ends, how
/// many body bytes it managed to write.
fn huge_chunked_server(total: usize) -> (String, std::thread::JoinHandle<usize>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 2 {
            line.clear();
        }
        let mut out = stream;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
        if out.write_all(head.as_bytes()).is_err() {
            return 0;
        }
        let chunk = {
            let mut c = b"[".to_vec();
            c.resize(64 * 1024, b' ');
            c
        };
        let mut written = 0;
        while written < total {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if out.write_all(&frame).is_err() {
                return written;
            }
            written += chunk.len();
        }
        let _ = out.write_all(b"0\r\n\r\n");
        written
    });
    (addr, handle)
}

#[test]
fn a_huge_chunked_body_stops_at_the_cap_while_reading() {
    const TOTAL: usize = 64 << 20;
    const CAP: usize = 4 << 20;
    let (api, server) = huge_chunked_server(TOTAL);
    let client = Client::new(&api, &GithubToken::new(TOKEN).unwrap())
        .unwrap()
        .with_retry(RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(1),
        })
        .with_max_body(CAP);
    let started = std::time::Instant::now();
    let err = client
        .get::<serde_json::Value>("/repos/acme/summarizer", "`contents: read`")
        .unwrap_err();
    let took = started.elapsed();
    drop(client);
    assert!(
        matches!(err, GithubError::TooLarge { limit: CAP, .. }),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let written = server.join().unwrap();
    // The client stopped reading past the cap and hung up: the server could not write the
    // whole body (what it wrote beyond the cap sits in socket buffers, never in the client).
    assert!(
        written < TOTAL / 2,
        "the server wrote {written} of {TOTAL} bytes"
    );
}
