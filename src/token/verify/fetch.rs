//! Fetching the gate's key set from a URL (feature `fetch`).
//!
//! The rules, the same for `gatepass verify --keys URL` and [`super::KeySource::Url`]:
//! - `https://`, or plain `http://` only for a loopback host (`localhost`, `127.0.0.0/8`,
//!   `::1`), so that no one on the network path can substitute their own keys.
//! - A loopback URL never goes through a proxy, whatever `HTTP_PROXY`, `HTTPS_PROXY` or
//!   `ALL_PROXY` say; an `https://` URL to another host uses the proxy the environment names.
//! - One deadline of [`FETCH_DEADLINE`] for the whole fetch: connecting, TLS, the headers and
//!   the whole body.
//! - No redirects; at most [`MAX_JWKS_BYTES`], enforced while reading.
//!
//! The HTTP client is reqwest (blocking) on rustls with the ring provider, which is installed
//! as the process's default rustls provider if none is installed yet.

use std::io::Read as _;
use std::net::IpAddr;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::token::jwks::{Jwks, JwksError};

/// Largest key set accepted over the network, in bytes.
pub const MAX_JWKS_BYTES: u64 = 1 << 20;

/// One deadline for the whole key fetch: connect, TLS, headers and body.
pub const FETCH_DEADLINE: Duration = Duration::from_secs(10);

/// A key set that could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL does not parse.
    #[error("key set URL {url:?} is not a valid URL: {why}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// The parser's complaint.
        why: String,
    },
    /// Plain `http://` to a host that is not loopback.
    #[error("key set URL {url}: plain http is allowed only for loopback addresses; use https")]
    PlainHttp {
        /// The URL given.
        url: String,
    },
    /// No complete answer within [`FETCH_DEADLINE`].
    #[error(
        "cannot fetch the key set from {url}: no complete answer within {} s (connect, headers and body); check that the key server is up and answers promptly, or use a key file",
        FETCH_DEADLINE.as_secs()
    )]
    Deadline {
        /// The URL.
        url: String,
    },
    /// The server answered with a status other than 2xx.
    #[error("cannot fetch the key set from {url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The key set is larger than [`MAX_JWKS_BYTES`].
    #[error(
        "cannot fetch the key set from {url}: the key set is larger than {MAX_JWKS_BYTES} bytes"
    )]
    TooLarge {
        /// The URL.
        url: String,
    },
    /// Connecting, TLS or the request failed.
    #[error("cannot fetch the key set from {url}")]
    Http {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// Reading the body failed.
    #[error("cannot fetch the key set from {url}: reading the body failed")]
    Read {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The thread that runs the fetch could not be started.
    #[error("cannot start the key fetch")]
    Thread(#[source] std::io::Error),
    /// The fetch ended without an answer.
    #[error("cannot fetch the key set from {url}: the key fetch stopped without an answer")]
    Stopped {
        /// The URL.
        url: String,
    },
    /// The answer is not a valid JWKS.
    #[error(transparent)]
    Jwks(#[from] JwksError),
}

/// Fetches and parses the key set at `url` under the rules of this module.
pub fn fetch_jwks(url: &str) -> Result<Jwks, FetchError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::InvalidUrl {
        url: url.to_owned(),
        why: e.to_string(),
    })?;
    if parsed.scheme() == "http" && !is_loopback(&parsed) {
        return Err(FetchError::PlainHttp {
            url: url.to_owned(),
        });
    }
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(FetchError::InvalidUrl {
            url: url.to_owned(),
            why: format!("scheme {:?}; use https", parsed.scheme()),
        });
    }
    let body = fetch(&parsed, url)?;
    Ok(Jwks::from_json(&body, url)?)
}

/// Whether the URL's host is `localhost` or a loopback address.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Fetches the body under one overall deadline. reqwest's blocking timeouts apply per read, so
/// a server that trickles its body could hold the start forever; the fetch runs on its own
/// thread instead, and an answer that is not complete by the deadline is an error. On timeout
/// the thread is left behind; it ends by itself at its next read, each bounded by the same
/// deadline.
fn fetch(url: &reqwest::Url, shown: &str) -> Result<Vec<u8>, FetchError> {
    let deadline = Instant::now() + FETCH_DEADLINE;
    let (tx, rx) = mpsc::channel();
    let target = url.clone();
    let name = shown.to_owned();
    std::thread::Builder::new()
        .name("key-fetch".into())
        .spawn(move || {
            let _ = tx.send(fetch_body(&target, &name, deadline));
        })
        .map_err(FetchError::Thread)?;
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(FetchError::Deadline {
            url: shown.to_owned(),
        }),
        Err(RecvTimeoutError::Disconnected) => Err(FetchError::Stopped {
            url: shown.to_owned(),
        }),
    }
}

fn fetch_body(url: &reqwest::Url, shown: &str, deadline: Instant) -> Result<Vec<u8>, FetchError> {
    let http = |source| FetchError::Http {
        url: shown.to_owned(),
        source,
    };
    let too_large = || FetchError::TooLarge {
        url: shown.to_owned(),
    };
    // One TLS stack: rustls with ring. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(FETCH_DEADLINE)
        .connect_timeout(FETCH_DEADLINE)
        .redirect(reqwest::redirect::Policy::none());
    if is_loopback(url) {
        // A proxy from the environment (HTTP_PROXY, ALL_PROXY…) would see, and could answer,
        // a request for a loopback key set, which is plain http: never for loopback.
        builder = builder.no_proxy();
    }
    let mut response = builder
        .build()
        .map_err(http)?
        .get(url.clone())
        .header("accept", "application/json")
        .send()
        .map_err(http)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url: shown.to_owned(),
            status: status.as_u16(),
        });
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_JWKS_BYTES)
    {
        return Err(too_large());
    }
    // Read in chunks and stop at the cap, whatever the server announced.
    let mut body = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if Instant::now() >= deadline {
            return Err(FetchError::Deadline {
                url: shown.to_owned(),
            });
        }
        let n = match response.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(FetchError::Read {
                    url: shown.to_owned(),
                    source,
                });
            }
        };
        if n == 0 {
            return Ok(body);
        }
        if (body.len() + n) as u64 > MAX_JWKS_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{Read as _, Write as _};

    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn loopback_hosts() {
        for yes in [
            "http://localhost/j",
            "http://127.0.0.1:8080/j",
            "http://127.9.9.9/j",
            "http://[::1]/j",
        ] {
            assert!(is_loopback(&url(yes)), "{yes}");
        }
        for no in [
            "http://10.0.0.1/j",
            "http://localhost.example.com/j",
            "http://[::2]/j",
            "https://keys.example.com/j",
        ] {
            assert!(!is_loopback(&url(no)), "{no}");
        }
    }

    #[test]
    fn plain_http_off_loopback_and_bad_urls_are_refused_without_a_request() {
        assert!(matches!(
            fetch_jwks("http://10.0.0.1/jwks"),
            Err(FetchError::PlainHttp { .. })
        ));
        assert!(matches!(
            fetch_jwks("https//keys"),
            Err(FetchError::InvalidUrl { .. })
        ));
        assert!(matches!(
            fetch_jwks("ftp://127.0.0.1/jwks"),
            Err(FetchError::InvalidUrl { .. })
        ));
    }

    /// Serves one HTTP response with `head` and `body` on 127.0.0.1; returns the URL.
    fn serve_once(status: &str, body: Vec<u8>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let status = status.to_owned();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        format!("http://{addr}/jwks.json")
    }

    #[test]
    fn a_body_over_the_cap_is_refused_while_reading() {
        // No content-length: the cap is enforced on what is read.
        let body = vec![b' '; usize::try_from(MAX_JWKS_BYTES).unwrap() + 1];
        let url = serve_once("200 OK", body);
        assert!(matches!(fetch_jwks(&url), Err(FetchError::TooLarge { .. })));
    }

    #[test]
    fn a_non_2xx_status_and_a_non_jwks_body_are_errors() {
        let url = serve_once("404 Not Found", b"{}".to_vec());
        assert!(matches!(
            fetch_jwks(&url),
            Err(FetchError::Status { status: 404, .. })
        ));
        let url = serve_once("200 OK", b"{\"keys\":[]}".to_vec());
        assert!(matches!(
            fetch_jwks(&url),
            Err(FetchError::Jwks(JwksError::Empty { .. }))
        ));
    }
}
