//! A small, strict GitHub REST client over `octocrab`.
//!
//! Every call either returns what GitHub answered or an error that says what failed and what
//! to do; nothing here ever turns a failure into an empty list:
//!
//! - lists are read page by page as octocrab's [`Page`], which parses the `Link` header; its
//!   `next` is followed to the last page (at most [`MAX_PAGES`] pages, more is an error rather
//!   than a silently shortened list), and only to the API's own origin, so the token is never
//!   sent elsewhere;
//! - a response body is read chunk by chunk and refused as soon as it passes the size cap
//!   ([`DEFAULT_MAX_BODY_BYTES`], see [`Client::with_max_body`]), or before the first chunk when
//!   its `Content-Length` already does: an endless or huge answer never fills the memory;
//! - `403`/`429` with `x-ratelimit-remaining: 0` or `retry-after` is [`GithubError::RateLimited`]
//!   with the reset time;
//! - `5xx` and transport failures are retried [`RetryPolicy::attempts`] times with exponential
//!   backoff, then reported with the status;
//! - `401`, `403`, `404` name the permission the endpoint needs.
//!
//! The client is blocking: it owns a single-threaded Tokio runtime and must not be used from
//! inside another async runtime. HTTP goes through the crate's one TLS stack (reqwest with
//! rustls and the *ring* provider).
//!
//! What octocrab does here: the request (base URI, GitHub Enterprise path prefix, the token's
//! `Authorization` header, which it only sends to the API's own host), the transport over our
//! reqwest client, and the page model with its `Link` parsing (`Page<T>` through
//! `FromResponse`). What it does not do, on purpose: `get_page`/`all_pages` would read every body
//! whole with no cap, turn a rate limit into a bare status without its reset time, retry nothing,
//! and follow `next` with octocrab's host check only (not scheme, port or the Enterprise path
//! prefix); its tower retry layer is not compiled in. So one request
//! at a time goes through [`Client`]'s bounded retry and status rules, its body through the cap,
//! and only then into `Page`. The response types stay our own slim `Deserialize` structs, so an
//! unknown field or review state is ignored or reported, never a parse failure of the whole list.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::{FromResponse, Octocrab, Page};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// Most pages read from one list (100 items each); a longer list is an error, never truncated.
pub const MAX_PAGES: usize = 100;

/// Largest response body read by default (16 MiB); no GitHub answer to the calls made here comes
/// near it. Reading stops at the first chunk past it.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Per-request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A GitHub token. Its `Debug` prints nothing of it, and its memory is wiped on drop.
#[derive(Clone)]
pub struct GithubToken(Zeroizing<String>);

impl GithubToken {
    /// A token from text, with surrounding whitespace (a trailing newline from a file) removed.
    ///
    /// `None` when it is empty or holds anything but visible ASCII: such a value can never be
    /// a GitHub token, and could not be sent in an HTTP header.
    pub fn new(text: &str) -> Option<Self> {
        let t = text.trim();
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .then(|| Self(Zeroizing::new(t.to_owned())))
    }
}

impl fmt::Debug for GithubToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GithubToken(…)")
    }
}

/// How often, and how patiently, server errors and transport failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, at least 1. Default 3.
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one. Default 2 s.
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

/// A GitHub API call failed; the gate cannot decide (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GithubError {
    /// `GITHUB_API_URL` is not an http(s) URL.
    #[error("GITHUB_API_URL {url:?} is not an http(s) URL: {why}")]
    ApiUrl {
        /// The value.
        url: String,
        /// Why.
        why: String,
    },
    /// The HTTP client could not be set up.
    #[error("cannot set up the GitHub API client: {why}")]
    Setup {
        /// Why.
        why: String,
    },
    /// GitHub could not be reached at all.
    #[error(
        "{method} {path}: cannot reach GitHub after {attempts} attempt(s): {why}; check the network and GITHUB_API_URL"
    )]
    Unreachable {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last transport error.
        why: String,
    },
    /// `401`: the token was refused.
    #[error(
        "{method} {path}: HTTP 401 ({message}): GitHub refused the token; pass a valid one with --github-token or GITHUB_TOKEN"
    )]
    Unauthorized {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// GitHub's message.
        message: String,
    },
    /// `403` or `404` on a resource the token may lack the permission to read.
    #[error(
        "{method} {path}: HTTP {status} ({message}): the resource does not exist or the token cannot access it; the token needs {permission}"
    )]
    Forbidden {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// 403 or 404.
        status: u16,
        /// GitHub's message.
        message: String,
        /// The permission the endpoint needs, for example "`pull-requests: read`".
        permission: String,
    },
    /// The rate limit is exhausted.
    #[error(
        "{method} {path}: HTTP {status}: GitHub API rate limit exhausted ({message}); it resets at {reset}. Run the gate again after that, or use a token with a larger limit (a GitHub App token)"
    )]
    RateLimited {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// 403 or 429.
        status: u16,
        /// GitHub's message.
        message: String,
        /// When the limit resets (RFC 3339), or "an unknown time".
        reset: String,
    },
    /// GitHub answered `5xx` on every attempt.
    #[error(
        "{method} {path}: HTTP {status} from GitHub on each of {attempts} attempt(s) ({message}); GitHub is failing, run the gate again later"
    )]
    Server {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// GitHub's message.
        message: String,
    },
    /// Any other unexpected status.
    #[error("{method} {path}: unexpected HTTP {status} from GitHub ({message})")]
    Status {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// The status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// The body is not what the endpoint returns.
    #[error("{method} {path}: the response is not what GitHub sends: {why}")]
    Body {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// Why.
        why: String,
    },
    /// The response body is larger than the client reads; reading stopped there.
    #[error(
        "{method} {path}: the response is larger than {limit} bytes, more than any GitHub answer to this call; gatepass stopped reading it. Check GITHUB_API_URL"
    )]
    TooLarge {
        /// HTTP method.
        method: String,
        /// The API path.
        path: String,
        /// The cap, in bytes.
        limit: usize,
    },
    /// A list could not be read to its end.
    #[error("{path}: cannot read the whole list: {why}")]
    Pagination {
        /// The API path.
        path: String,
        /// Why.
        why: String,
    },
    /// A team named in `[roles]` cannot be read with this token.
    #[error(
        "cannot read team @{org}/{slug}, named in `[roles]` (HTTP {status}: {message}): the team does not exist or the token cannot see it. Reading team membership needs a token with the organization permission `members: read` (GitHub App or fine-grained token) or the `read:org` scope (classic token); the workflow's own GITHUB_TOKEN never has it"
    )]
    Team {
        /// The organisation.
        org: String,
        /// The team slug.
        slug: String,
        /// 403 or 404.
        status: u16,
        /// GitHub's message.
        message: String,
    },
}

/// A response, its body read whole (and no larger than the cap).
#[derive(Debug)]
struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Why one attempt failed.
#[derive(Debug)]
enum Failure {
    /// The connection or the body stream failed; worth another attempt.
    Transport(String),
    /// The body passed the cap; the same answer would come again, so it is not retried.
    TooLarge,
}

/// A blocking GitHub REST client.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    octocrab: Octocrab,
    base: reqwest::Url,
    retry: RetryPolicy,
    max_body: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("retry", &self.retry)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the API at `api_url` (`GITHUB_API_URL`), authenticated with `token`.
    pub fn new(api_url: &str, token: &GithubToken) -> Result<Self, GithubError> {
        let bad = |why: &str| GithubError::ApiUrl {
            url: api_url.to_owned(),
            why: why.to_owned(),
        };
        let base = reqwest::Url::parse(api_url).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(bad("expected https://host[/path]"));
        }
        if base.query().is_some() || base.fragment().is_some() || !base.username().is_empty() {
            return Err(bad("no query, fragment or credentials allowed"));
        }
        let setup = |why: String| GithubError::Setup { why };
        // One TLS stack: rustls with ring. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| setup(e.to_string()))?;
        let mut http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        // As for key sets: an API on this machine is never reached through a proxy.
        if crate::token::verify::fetch::is_loopback(&base) {
            http = http.no_proxy();
        }
        let http = http.build().map_err(|e| setup(e.to_string()))?;
        let octocrab = {
            let _guard = runtime.enter();
            Octocrab::builder()
                .base_uri(base.as_str().trim_end_matches('/'))
                .map_err(|e| bad(&e.to_string()))?
                .personal_token(token.0.as_str().to_owned())
                .build_with_reqwest(http)
                .map_err(|e| setup(e.to_string()))?
        };
        Ok(Self {
            runtime,
            octocrab,
            base,
            retry: RetryPolicy::default(),
            max_body: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// The same client with another cap on the size of a response body, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`]). A larger body is [`GithubError::TooLarge`], found while
    /// reading, not after.
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            attempts: retry.attempts.max(1),
            backoff: retry.backoff,
        };
        self
    }

    /// `GET path`: one object. `permission` names what the endpoint needs, for errors.
    pub fn get<T: DeserializeOwned>(&self, path: &str, permission: &str) -> Result<T, GithubError> {
        let r = self.call(Method::GET, path, None, permission)?;
        parse(&Method::GET, path, &r.body)
    }

    /// `GET path`, with `404` as `None` (for "is this user a member").
    pub fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        permission: &str,
    ) -> Result<Option<T>, GithubError> {
        let r = self.send(&Method::GET, path, None)?;
        if r.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let r = self.classify(&Method::GET, path, r, permission)?;
        parse(&Method::GET, path, &r.body).map(Some)
    }

    /// `GET path` of a list endpoint, every page (`per_page=100`).
    pub fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        permission: &str,
    ) -> Result<Vec<T>, GithubError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut out = Vec::new();
        let mut pages = 0;
        while let Some(page) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(GithubError::Pagination {
                    path: path.to_owned(),
                    why: format!(
                        "more than {MAX_PAGES} pages of 100; gatepass does not decide on a shortened list"
                    ),
                });
            }
            let r = self.call(Method::GET, &page, None, permission)?;
            let mut read: Page<T> = self.page(path, &page, r)?;
            out.append(&mut read.take_items());
            next = match read.next {
                Some(uri) => {
                    let url = uri.to_string();
                    Some(self.relative(&url).ok_or_else(|| GithubError::Pagination {
                        path: path.to_owned(),
                        why: format!(
                            "the next page {:?} is not under the API base {}; not followed",
                            clean(&url, 300),
                            self.base
                        ),
                    })?)
                }
                None => None,
            };
        }
        Ok(out)
    }

    /// `POST path` with a JSON body.
    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        permission: &str,
    ) -> Result<T, GithubError> {
        let json = serde_json::to_value(body).map_err(|e| GithubError::Body {
            method: "POST".into(),
            path: path.to_owned(),
            why: format!("cannot serialise the request: {e}"),
        })?;
        let r = self.call(Method::POST, path, Some(&json), permission)?;
        parse(&Method::POST, path, &r.body)
    }

    /// Reads a team membership (`GET /orgs/{org}/teams/{slug}/memberships/{user}`), turning a
    /// refusal into [`GithubError::Team`].
    pub(crate) fn team_request<T: DeserializeOwned>(
        &self,
        org: &str,
        slug: &str,
        path: &str,
        missing_is_none: bool,
    ) -> Result<Option<T>, GithubError> {
        let r = self.send(&Method::GET, path, None)?;
        match r.status.as_u16() {
            404 if missing_is_none => Ok(None),
            403 | 404 if !is_rate_limited(&r) => Err(GithubError::Team {
                org: org.to_owned(),
                slug: slug.to_owned(),
                status: r.status.as_u16(),
                message: message_of(&r.body),
            }),
            _ => {
                let r = self.classify(&Method::GET, path, r, "`members: read`")?;
                parse(&Method::GET, path, &r.body).map(Some)
            }
        }
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        permission: &str,
    ) -> Result<Response, GithubError> {
        let r = self.send(&method, path, body)?;
        self.classify(&method, path, r, permission)
    }

    /// Sends with retries on transport failures and `5xx`; returns the last response.
    fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, GithubError> {
        let mut wait = self.retry.backoff;
        let mut attempt = 1;
        loop {
            let result = self.runtime.block_on(self.once(method, path, body));
            let retry = match &result {
                Ok(r) => r.status.is_server_error(),
                Err(Failure::Transport(_)) => true,
                Err(Failure::TooLarge) => false,
            };
            if !retry || attempt >= self.retry.attempts {
                return result.map_err(|failure| match failure {
                    Failure::Transport(why) => GithubError::Unreachable {
                        method: method.to_string(),
                        path: path.to_owned(),
                        attempts: attempt,
                        why,
                    },
                    Failure::TooLarge => GithubError::TooLarge {
                        method: method.to_string(),
                        path: path.to_owned(),
                        limit: self.max_body,
                    },
                });
            }
            std::thread::sleep(wait);
            wait = wait.saturating_mul(2);
            attempt += 1;
        }
    }

    async fn once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, Failure> {
        let builder = http::Request::builder()
            .method(method.clone())
            .uri(path)
            .header(http::header::ACCEPT, "application/vnd.github+json");
        let request = self
            .octocrab
            .build_request(builder, body)
            .map_err(|e| Failure::Transport(octocrab_message(&e)))?;
        let response = self
            .octocrab
            .execute(request)
            .await
            .map_err(|e| Failure::Transport(octocrab_message(&e)))?;
        let (parts, body) = response.into_parts();
        let body = read_capped(body, &parts.headers, self.max_body).await?;
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// One page of a list, read by octocrab's [`Page`]: the items and the `Link` relations.
    fn page<T: DeserializeOwned>(
        &self,
        list: &str,
        path: &str,
        r: Response,
    ) -> Result<Page<T>, GithubError> {
        // octocrab reads the first `Link` header only; a `next` in a second one would end the
        // list early, so more than one is refused rather than read as the last page.
        if r.headers
            .get_all(http::header::LINK)
            .iter()
            .nth(1)
            .is_some()
        {
            return Err(GithubError::Pagination {
                path: list.to_owned(),
                why: "the response has more than one Link header".to_owned(),
            });
        }
        let mut response =
            http::Response::new(http_body_util::Full::from(r.body).map_err(|never| match never {}));
        *response.status_mut() = r.status;
        *response.headers_mut() = r.headers;
        self.runtime
            .block_on(Page::<T>::from_response(response))
            .map_err(|e| GithubError::Body {
                method: Method::GET.to_string(),
                path: path.to_owned(),
                why: octocrab_message(&e),
            })
    }

    fn classify(
        &self,
        method: &Method,
        path: &str,
        r: Response,
        permission: &str,
    ) -> Result<Response, GithubError> {
        let status = r.status.as_u16();
        let (method, path_s) = (method.to_string(), path.to_owned());
        match status {
            200..=299 => Ok(r),
            _ if is_rate_limited(&r) => Err(GithubError::RateLimited {
                method,
                path: path_s,
                status,
                message: message_of(&r.body),
                reset: reset_time(&r.headers),
            }),
            401 => Err(GithubError::Unauthorized {
                method,
                path: path_s,
                message: message_of(&r.body),
            }),
            403 | 404 => Err(GithubError::Forbidden {
                method,
                path: path_s,
                status,
                message: message_of(&r.body),
                permission: permission.to_owned(),
            }),
            500..=599 => Err(GithubError::Server {
                method,
                path: path_s,
                status,
                attempts: self.retry.attempts,
                message: message_of(&r.body),
            }),
            _ => Err(GithubError::Status {
                method,
                path: path_s,
                status,
                message: message_of(&r.body),
            }),
        }
    }

    /// `url` as a path relative to the API base, when it is under it.
    fn relative(&self, url: &str) -> Option<String> {
        let u = reqwest::Url::parse(url).ok()?;
        if u.scheme() != self.base.scheme()
            || u.host_str() != self.base.host_str()
            || u.port_or_known_default() != self.base.port_or_known_default()
        {
            return None;
        }
        let base_path = self.base.path().trim_end_matches('/');
        let rest = u.path().strip_prefix(base_path)?;
        if !rest.starts_with('/') {
            return None;
        }
        Some(match u.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_owned(),
        })
    }
}

/// The body of a response, read chunk by chunk, refused as soon as it passes `max` bytes (or
/// before the first chunk when its declared `Content-Length` already does).
async fn read_capped<B>(body: B, headers: &HeaderMap, max: usize) -> Result<Vec<u8>, Failure>
where
    B: BodyExt<Error = octocrab::Error> + Unpin,
    B::Data: AsRef<[u8]>,
{
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return Err(Failure::TooLarge);
    }
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::Transport(octocrab_message(&e)))?;
        if let Ok(data) = frame.into_data() {
            let data = data.as_ref();
            if data.len() > max.saturating_sub(out.len()) {
                return Err(Failure::TooLarge);
            }
            out.extend_from_slice(data);
        }
    }
    Ok(out)
}

fn parse<T: DeserializeOwned>(method: &Method, path: &str, body: &[u8]) -> Result<T, GithubError> {
    serde_json::from_slice(body).map_err(|e| GithubError::Body {
        method: method.to_string(),
        path: path.to_owned(),
        why: e.to_string(),
    })
}

/// An octocrab error with its chain of causes (a cause its message already quotes is not
/// repeated), without anything that could carry a credential.
fn octocrab_message(e: &octocrab::Error) -> String {
    let mut msg = e.to_string();
    // Some variants display as their bare name ("Other", "Uri"); their cause says it all.
    if !msg.contains(char::is_whitespace) {
        msg.clear();
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if msg.is_empty() {
            msg = s_text;
        } else if !msg.contains(&s_text) {
            msg.push_str(": ");
            msg.push_str(&s_text);
        }
        source = s.source();
    }
    if msg.is_empty() {
        msg = e.to_string();
    }
    clean(&msg, 500)
}

fn is_rate_limited(r: &Response) -> bool {
    let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok());
    match r.status.as_u16() {
        429 => true,
        403 => header("x-ratelimit-remaining") == Some("0") || header("retry-after").is_some(),
        _ => false,
    }
}

fn reset_time(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let at = if let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok()) {
        jiff::Timestamp::from_second(reset).ok()
    } else {
        header("retry-after")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|secs| {
                jiff::Timestamp::now()
                    .checked_add(jiff::SignedDuration::from_secs(secs))
                    .ok()
            })
    };
    match at {
        Some(at) => {
            let left = at.as_second() - jiff::Timestamp::now().as_second();
            if left > 0 {
                format!("{at} (in {} min)", (left + 59) / 60)
            } else {
                at.to_string()
            }
        }
        None => "an unknown time".to_owned(),
    }
}

/// GitHub's `message`, or the start of a non-JSON body; control characters removed.
fn message_of(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => clean(&e.message, 300),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            if text.trim().is_empty() {
                "empty body".to_owned()
            } else {
                clean(&text, 200)
            }
        }
    }
}

/// At most `max` characters of `s`, with control characters (which could start a workflow
/// command in a CI log) replaced by spaces.
pub(crate) fn clean(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_trimmed_and_never_printed() {
        let t = GithubToken::new("ghs_abc123\n").unwrap();
        assert_eq!(t.0.as_str(), "ghs_abc123");
        assert_eq!(format!("{t:?}"), "GithubToken(…)");
        assert!(GithubToken::new("  ").is_none());
        assert!(GithubToken::new("a\nb").is_none());
        assert!(GithubToken::new("a b").is_none());
    }

    /// The `next` link of a page with these headers, as octocrab's `Page` reads it.
    fn next_link(h: &HeaderMap) -> Option<String> {
        let c = Client::new("https://api.github.com", &GithubToken::new("t").unwrap()).unwrap();
        let r = Response {
            status: StatusCode::OK,
            headers: h.clone(),
            body: b"[]".to_vec(),
        };
        let page: Page<serde_json::Value> = c.page("/x", "/x", r).unwrap();
        page.next.map(|u| u.to_string())
    }

    #[test]
    fn link_header_next() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            r#"<https://api.github.com/repositories/1300192/pulls/12/reviews?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1300192/pulls/12/reviews?per_page=100&page=3>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some(
                "https://api.github.com/repositories/1300192/pulls/12/reviews?per_page=100&page=2"
            )
        );
        let mut last = HeaderMap::new();
        last.insert(
            http::header::LINK,
            r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#
                .parse()
                .unwrap(),
        );
        assert_eq!(next_link(&last), None);
    }

    #[test]
    fn next_pages_stay_under_the_api_base() {
        let token = GithubToken::new("t").unwrap();
        let c = Client::new("https://ghe.example.com/api/v3", &token).unwrap();
        assert_eq!(
            c.relative("https://ghe.example.com/api/v3/repos/a/b/pulls?page=2")
                .as_deref(),
            Some("/repos/a/b/pulls?page=2")
        );
        for foreign in [
            "https://evil.example.com/api/v3/repos/a/b/pulls?page=2",
            "http://ghe.example.com/api/v3/repos/a/b/pulls?page=2",
            "https://ghe.example.com:8443/api/v3/repos/a/b/pulls?page=2",
            "https://ghe.example.com/api/v3x/repos",
            "https://ghe.example.com/other/repos",
        ] {
            assert_eq!(c.relative(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn api_url_must_be_http() {
        let token = GithubToken::new("t").unwrap();
        for bad in [
            "ftp://x",
            "not a url",
            "https://user:pw@x",
            "https://x/?a=1",
        ] {
            assert!(
                matches!(Client::new(bad, &token), Err(GithubError::ApiUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn messages_are_cleaned() {
        assert_eq!(
            message_of(br#"{"message":"Bad\ncredentials","documentation_url":"x"}"#),
            "Bad credentials"
        );
        assert_eq!(message_of(b""), "empty body");
        assert_eq!(message_of(b"<html>\r\n"), "<html>  ");
    }
}
