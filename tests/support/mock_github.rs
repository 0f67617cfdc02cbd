//! A mock GitHub REST API on 127.0.0.1 serving the fixtures of `tests/fixtures/github/`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use gatepass::github::{Client, GithubToken, RetryPolicy};
use wiremock::matchers::{header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
pub const HEAD: &str = "e5bd3914e2e596debea16f433f57875b5b90bcd6";
pub const MERGE: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
pub const RUN: u64 = 30433642;

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github")
            .join(name),
    )
    .unwrap()
}

pub fn json(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(fixture(name))
}

/// A mock GitHub on 127.0.0.1; its own runtime drives the setup calls, while the client under
/// test blocks on its own runtime.
pub struct Github {
    rt: tokio::runtime::Runtime,
    server: MockServer,
}

impl Github {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start());
        Self { rt, server }
    }

    pub fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.uri(), &GithubToken::new(TOKEN).unwrap())
            .unwrap()
            .with_retry(RetryPolicy {
                attempts: 3,
                backoff: Duration::from_millis(1),
            })
    }

    pub fn verify(&self) {
        self.rt.block_on(self.server.verify());
    }

    pub fn requests(&self) -> Vec<wiremock::Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// The whole scenario of `tests/fixtures/github/README.md`.
    pub fn scenario(&self) {
        let auth = || header("authorization", format!("Bearer {TOKEN}").as_str());
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/repos/acme/summarizer/commits/{MERGE}/pulls"
                )))
                .and(auth())
                .respond_with(json(200, "commit-pulls.json")),
        );
        let next = format!(
            "<{}/repos/acme/summarizer/pulls/42/reviews?per_page=100&page=2>; rel=\"next\", <{}/repos/acme/summarizer/pulls/42/reviews?per_page=100&page=2>; rel=\"last\"",
            self.uri(),
            self.uri()
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/repos/acme/summarizer/pulls/42/reviews"))
                .and(query_param("page", "2"))
                .and(auth())
                .respond_with(json(200, "reviews-page-2.json"))
                .with_priority(1)
                .expect(1),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/repos/acme/summarizer/pulls/42/reviews"))
                .and(query_param("per_page", "100"))
                .and(auth())
                .respond_with(json(200, "reviews-page-1.json").insert_header("link", next.as_str()))
                .expect(1),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/repos/acme/summarizer/actions/runs/{RUN}/approvals"
                )))
                .and(auth())
                .respond_with(json(200, "run-approvals.json")),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/orgs/acme/teams/compliance"))
                .and(auth())
                .respond_with(json(200, "team.json")),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/orgs/acme/teams/compliance/memberships/mokafor"))
                .and(auth())
                .respond_with(json(200, "team-membership.json"))
                .with_priority(2),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path_regex(
                    "^/orgs/acme/teams/compliance/memberships/[^/]+$",
                ))
                .respond_with(json(404, "error-404-membership.json"))
                .with_priority(10),
        );
    }
}
