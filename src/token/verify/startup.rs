//! The deploy target's whole startup check: keys, token, artifacts, replay store, receipt.
//!
//! [`StartupCheck`] is what `gatepass verify` runs, as a library call:
//!
//! ```no_run
//! use gatepass::token::{Outcome, StartupCheck};
//!
//! let token = std::env::var("GATEPASS_TOKEN")?;
//! let check = StartupCheck::new("/etc/gatepass/gate.jwks.json", "production")
//!     .issuer("gatepass:acme-ml")
//!     .artifact("model", "/app/model.onnx")
//!     .replay_store("/var/lib/gatepass/replay.jsonl")
//!     .receipt("/var/lib/gatepass/receipt.json");
//! match check.run(token.trim())? {
//!     Outcome::Admitted(admitted) => println!("starting {}", admitted.verified.claims.sub),
//!     Outcome::Rejected(rejection) => {
//!         eprintln!("token rejected [{}]: {rejection}", rejection.rule());
//!         std::process::exit(1);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The order of the checks is fixed: load the keys, read the receipt, verify the token (an
//! expired token only under a receipt that admits it), re-hash every artifact, consult the
//! replay store, write the receipt. A rejection stops the check before anything is recorded;
//! so does an error, except that a receipt that cannot be written after the replay store took
//! the `jti` leaves that `jti` recorded (see `docs/deploy-target.md`).

use std::path::PathBuf;
use std::time::Duration;

use super::{DEFAULT_LEEWAY_SECS, MAX_LEEWAY_SECS, Rejection, VerifiedToken, Verifier, unix_now};
use crate::hash::{self, HashError, Sha256Digest};
use crate::token::claims::MAX_TTL_CAP_SECS;
use crate::token::jwks::{Jwks, JwksError};
use crate::token::receipt::{Receipt, ReceiptError};
use crate::token::replay::{ReplayDb, ReplayError};

#[cfg(feature = "fetch")]
use super::fetch::{self, FetchError};

/// Where a deploy target gets the gate's public keys.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeySource {
    /// A key set already loaded.
    Jwks(Jwks),
    /// A JWKS file, read on every run.
    File(PathBuf),
    /// A JWKS URL, fetched on every run: `https://`, or `http://` for a loopback host only; one
    /// 10 s deadline for the whole fetch, at most 1 MiB, no redirects (see [`fetch`]).
    #[cfg(feature = "fetch")]
    Url(String),
}

impl KeySource {
    /// Reads the `--keys` argument of `gatepass verify`: a value starting with `https://` or
    /// `http://` is a URL, anything else a file path. A URL without the `fetch` feature is
    /// [`StartupError::FetchNotBuilt`].
    pub fn parse(value: &str) -> Result<Self, StartupError> {
        if value.starts_with("https://") || value.starts_with("http://") {
            #[cfg(feature = "fetch")]
            return Ok(Self::Url(value.to_owned()));
            #[cfg(not(feature = "fetch"))]
            return Err(StartupError::FetchNotBuilt {
                url: value.to_owned(),
            });
        }
        Ok(Self::File(PathBuf::from(value)))
    }

    /// Loads the key set: reads the file or fetches the URL. A key set with one bad key is
    /// refused as a whole.
    pub fn load(&self) -> Result<Jwks, StartupError> {
        match self {
            Self::Jwks(jwks) => Ok(jwks.clone()),
            Self::File(path) => Ok(Jwks::from_file(path)?),
            #[cfg(feature = "fetch")]
            Self::Url(url) => Ok(fetch::fetch_jwks(url)?),
        }
    }
}

impl From<Jwks> for KeySource {
    fn from(jwks: Jwks) -> Self {
        Self::Jwks(jwks)
    }
}

impl From<PathBuf> for KeySource {
    fn from(path: PathBuf) -> Self {
        Self::File(path)
    }
}

impl From<&std::path::Path> for KeySource {
    fn from(path: &std::path::Path) -> Self {
        Self::File(path.to_path_buf())
    }
}

impl From<&str> for KeySource {
    /// A file path; for a value that may be a URL use [`KeySource::parse`].
    fn from(path: &str) -> Self {
        Self::File(PathBuf::from(path))
    }
}

/// The startup check could not be carried out, so nothing is admitted (`gatepass verify` exit 2).
/// Not a rejection of the token: fix the configuration or the environment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// No audience, or an empty one: a target must name the environment it runs in.
    #[error("no audience: name the environment this target runs in")]
    NoAudience,
    /// A pinned policy id that is empty.
    #[error("the pinned policy id is empty: name the policy (its `id`) this target accepts")]
    EmptyPolicyId,
    /// A leeway over [`MAX_LEEWAY_SECS`].
    #[error("a leeway of {secs} s exceeds the maximum of {MAX_LEEWAY_SECS} s")]
    LeewayTooLarge {
        /// The leeway asked for, in seconds.
        secs: u64,
    },
    /// A maximum lifetime over the hard cap.
    #[error("a maximum token lifetime of {secs} s exceeds the hard cap of {MAX_TTL_CAP_SECS} s")]
    MaxTtlTooLarge {
        /// The maximum lifetime asked for, in seconds.
        secs: u64,
    },
    /// An artifact with an empty name or path.
    #[error("artifact {name:?} at {path:?}: both a name and a path are needed")]
    EmptyArtifact {
        /// The name given.
        name: String,
        /// The path given.
        path: PathBuf,
    },
    /// The key set file cannot be read or is not a valid JWKS.
    #[error(transparent)]
    Keys(#[from] JwksError),
    /// The key set URL cannot be fetched, or its answer is not a valid JWKS.
    #[cfg(feature = "fetch")]
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A key set URL, but this build has no HTTP client.
    #[error(
        "key set URL {url}: fetching keys needs gatepass's `fetch` feature; enable it or use a key file"
    )]
    FetchNotBuilt {
        /// The URL.
        url: String,
    },
    /// The restart receipt cannot be read, is corrupt, or cannot be written.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// The replay store cannot be used.
    #[error(transparent)]
    Replay(ReplayError),
    /// A deployed artifact cannot be hashed (missing, unreadable, not a regular file).
    #[error("cannot hash artifact {name:?}")]
    Artifact {
        /// The artifact name.
        name: String,
        /// Why.
        #[source]
        source: HashError,
    },
}

/// What a startup check concluded. A rejection is an answer, not an error: the target must not
/// start (`gatepass verify` exit 1).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Outcome {
    /// Every check passed: start.
    Admitted(Box<Admitted>),
    /// A rule refused the token: do not start. [`Rejection::rule`] names the rule.
    Rejected(Rejection),
}

impl Outcome {
    /// Whether the target may start.
    pub fn is_admitted(&self) -> bool {
        matches!(self, Self::Admitted(_))
    }
}

/// A token the startup check admitted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Admitted {
    /// The verified token: `kid`, typed claims and the claims as JSON.
    pub verified: VerifiedToken,
    /// Admitted after its `exp` because the restart receipt holds this exact token, verified
    /// while it was valid.
    pub restarted: bool,
    /// The receipt already held this token: a restart of this target, so the replay store was
    /// not consulted and the receipt was not rewritten.
    pub known_from_receipt: bool,
    /// How many artifacts were re-hashed and matched.
    pub artifacts_checked: usize,
    /// The clock the check used, seconds since the Unix epoch.
    pub now: i64,
}

/// A deploy target's startup check, configured once and run at each start.
///
/// Defaults are those of [`Verifier`] and `gatepass verify`: leeway 60 s, maximum lifetime
/// 3600 s, any issuer and policy, exception tokens accepted, no artifacts, no replay store, no
/// receipt. Out-of-range settings are refused when the check runs, never clamped.
#[derive(Debug, Clone)]
pub struct StartupCheck {
    keys: KeySource,
    audience: String,
    issuer: Option<String>,
    policy_id: Option<String>,
    policy_digests: Vec<Sha256Digest>,
    artifacts: Vec<(String, PathBuf)>,
    deny_exceptions: bool,
    replay_store: Option<PathBuf>,
    receipt: Option<PathBuf>,
    leeway: Duration,
    max_ttl: Duration,
}

impl StartupCheck {
    /// A check of tokens for `audience` (the environment this target runs in; required and
    /// matched exactly) against the keys from `keys`.
    pub fn new(keys: impl Into<KeySource>, audience: impl Into<String>) -> Self {
        Self {
            keys: keys.into(),
            audience: audience.into(),
            issuer: None,
            policy_id: None,
            policy_digests: Vec::new(),
            artifacts: Vec::new(),
            deny_exceptions: false,
            replay_store: None,
            receipt: None,
            leeway: Duration::from_secs(DEFAULT_LEEWAY_SECS),
            max_ttl: Duration::from_secs(MAX_TTL_CAP_SECS),
        }
    }

    /// Requires this `iss`; see [`Verifier::issuer`].
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Pins the policy by id; see [`Verifier::policy_id`].
    pub fn policy_id(mut self, id: impl Into<String>) -> Self {
        self.policy_id = Some(id.into());
        self
    }

    /// Pins the policy by digest, once per accepted digest; see [`Verifier::policy_digest`].
    pub fn policy_digest(mut self, digest: Sha256Digest) -> Self {
        self.policy_digests.push(digest);
        self
    }

    /// Re-hashes the file at `path` and compares it with the token's digest for `name`; call
    /// once per artifact, checked in the order given. A name the token does not list is a
    /// rejection; a file that cannot be hashed is a [`StartupError::Artifact`].
    pub fn artifact(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.artifacts.push((name.into(), path.into()));
        self
    }

    /// Refuses exception tokens; see [`Verifier::deny_exceptions`].
    pub fn deny_exceptions(mut self, deny: bool) -> Self {
        self.deny_exceptions = deny;
        self
    }

    /// Accepts each `jti` once per store (see [`ReplayDb`]). Default: no store, so a leaked
    /// token starts another instance until it expires.
    pub fn replay_store(mut self, path: impl Into<PathBuf>) -> Self {
        self.replay_store = Some(path.into());
        self
    }

    /// Writes a restart receipt on first success and admits the same token past `exp` on a
    /// restart (see [`Receipt`]). Default: none, so a restart after expiry needs a new token.
    pub fn receipt(mut self, path: impl Into<PathBuf>) -> Self {
        self.receipt = Some(path.into());
        self
    }

    /// Clock leeway for `iat`, `nbf` and `exp` (whole seconds). Default 60 s; over
    /// [`MAX_LEEWAY_SECS`] is a [`StartupError::LeewayTooLarge`].
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The longest token lifetime accepted (whole seconds). Default and hard cap 3600 s; over the
    /// cap is a [`StartupError::MaxTtlTooLarge`].
    pub fn max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }

    /// Runs the check against the system clock, read once the keys and the receipt are loaded.
    pub fn run(&self, token: &str) -> Result<Outcome, StartupError> {
        self.run_with(token, None)
    }

    /// Runs the check as of `now` (seconds since the Unix epoch).
    pub fn run_at(&self, token: &str, now: i64) -> Result<Outcome, StartupError> {
        self.run_with(token, Some(now))
    }

    fn validate(&self) -> Result<(), StartupError> {
        if self.audience.trim().is_empty() {
            return Err(StartupError::NoAudience);
        }
        if self.leeway.as_secs() > MAX_LEEWAY_SECS {
            return Err(StartupError::LeewayTooLarge {
                secs: self.leeway.as_secs(),
            });
        }
        if self.max_ttl.as_secs() > MAX_TTL_CAP_SECS {
            return Err(StartupError::MaxTtlTooLarge {
                secs: self.max_ttl.as_secs(),
            });
        }
        if self
            .policy_id
            .as_ref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(StartupError::EmptyPolicyId);
        }
        if let Some((name, path)) = self
            .artifacts
            .iter()
            .find(|(name, path)| name.is_empty() || path.as_os_str().is_empty())
        {
            return Err(StartupError::EmptyArtifact {
                name: name.clone(),
                path: path.clone(),
            });
        }
        Ok(())
    }

    fn verifier(&self, keys: Jwks) -> Verifier {
        let verifier = Verifier::new(keys)
            .audience(&self.audience)
            .leeway(self.leeway)
            .max_ttl(self.max_ttl)
            .deny_exceptions(self.deny_exceptions);
        let verifier = match &self.issuer {
            Some(iss) => verifier.issuer(iss),
            None => verifier,
        };
        let verifier = match &self.policy_id {
            Some(id) => verifier.policy_id(id),
            None => verifier,
        };
        self.policy_digests
            .iter()
            .copied()
            .fold(verifier, Verifier::policy_digest)
    }

    fn run_with(&self, token: &str, now: Option<i64>) -> Result<Outcome, StartupError> {
        use Outcome::Rejected;
        self.validate()?;
        let verifier = self.verifier(self.keys.load()?);
        let receipt = match &self.receipt {
            Some(path) => Receipt::load(path)?,
            None => None,
        };
        let now = now.unwrap_or_else(unix_now);
        // Validated above: at most MAX_LEEWAY_SECS.
        let leeway = self.leeway.as_secs().cast_signed();

        let mut restarted = false;
        let verified = match verifier.verify_at(token, now) {
            Ok(v) => v,
            Err(Rejection::Expired { exp, .. })
                if receipt
                    .as_ref()
                    .is_some_and(|r| r.admits(token, exp, leeway)) =>
            {
                restarted = true;
                match verifier.verify_ignoring_expiry_at(token, now) {
                    Ok(v) => v,
                    Err(r) => return Ok(Rejected(r)),
                }
            }
            Err(r) => return Ok(Rejected(r)),
        };
        for (name, path) in &self.artifacts {
            let digest = hash::sha256_file(path).map_err(|source| StartupError::Artifact {
                name: name.clone(),
                source,
            })?;
            if let Err(r) = verified.check_artifact_digest(name, &digest) {
                return Ok(Rejected(r));
            }
        }
        let known_from_receipt = receipt.as_ref().is_some_and(|r| r.token == token);
        if let (Some(store), false) = (&self.replay_store, known_from_receipt) {
            match ReplayDb::new(store).check_and_record(
                &verified.claims.jti,
                verified.claims.exp,
                now,
                leeway,
            ) {
                Ok(()) => {}
                Err(ReplayError::Replayed(jti)) => {
                    return Ok(Rejected(Rejection::Replayed { jti }));
                }
                Err(e) => return Err(StartupError::Replay(e)),
            }
        }
        if let (Some(path), false) = (&self.receipt, known_from_receipt) {
            Receipt {
                version: 1,
                token: token.to_owned(),
                claims: verified.payload.clone(),
                verified_at: now,
            }
            .store(path)?;
        }
        Ok(Outcome::Admitted(Box::new(Admitted {
            verified,
            restarted,
            known_from_receipt,
            artifacts_checked: self.artifacts.len(),
            now,
        })))
    }
}

#[cfg(all(test, feature = "mint"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::token::claims::{Audience, Claims, PolicyClaim, ReleaseClaim};
    use crate::token::{SigningKey, mint};

    const NOW: i64 = 1_800_000_000;

    struct Target {
        dir: tempfile::TempDir,
        key: SigningKey,
    }

    fn target() -> Target {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.onnx"), b"model weights").unwrap();
        Target {
            dir,
            key: SigningKey::from_seed(&[7; 32], "test").unwrap(),
        }
    }

    impl Target {
        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        fn token(&self, jti: &str, iat: i64) -> String {
            let claims = Claims {
                iss: "gatepass:acme-ml".into(),
                sub: "support-summarizer@1.4.0".into(),
                aud: Audience::One("production".into()),
                iat,
                nbf: iat,
                exp: iat + 900,
                jti: jti.into(),
                release: ReleaseClaim {
                    name: "support-summarizer".into(),
                    version: "1.4.0".into(),
                    change: "prompt".into(),
                    tier: "standard".into(),
                    digest: Sha256Digest::of(b"release").prefixed(),
                },
                artifacts: BTreeMap::from([(
                    "model".into(),
                    Sha256Digest::of(b"model weights").prefixed(),
                )]),
                evidence: BTreeMap::new(),
                policy: PolicyClaim {
                    id: "summarizer-production".into(),
                    digest: Sha256Digest::of(b"p").prefixed(),
                },
                approvals: vec![],
                exception: None,
            };
            mint::mint(&self.key, &claims).unwrap()
        }

        fn check(&self) -> StartupCheck {
            StartupCheck::new(
                Jwks::from_keys([self.key.public_key().clone()]),
                "production",
            )
            .artifact("model", self.path("model.onnx"))
        }
    }

    fn rule(outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Admitted(a) => panic!("admitted {}", a.verified.claims.jti),
            Outcome::Rejected(r) => r.rule(),
        }
    }

    fn admitted(outcome: Outcome) -> Admitted {
        match outcome {
            Outcome::Admitted(a) => *a,
            Outcome::Rejected(r) => panic!("rejected [{}]: {r}", r.rule()),
        }
    }

    #[test]
    fn a_replay_store_admits_each_token_once() {
        let t = target();
        let check = t.check().replay_store(t.path("replay.jsonl"));
        let first = admitted(check.run_at(&t.token("a", NOW), NOW).unwrap());
        assert_eq!(first.artifacts_checked, 1);
        assert!(!first.restarted && !first.known_from_receipt);
        assert_eq!(
            rule(check.run_at(&t.token("a", NOW), NOW).unwrap()),
            "replayed"
        );
        assert!(check.run_at(&t.token("b", NOW), NOW).unwrap().is_admitted());
    }

    #[test]
    fn a_receipt_admits_the_same_token_past_expiry_and_exempts_it_from_the_store() {
        let t = target();
        let check = t
            .check()
            .replay_store(t.path("replay.jsonl"))
            .receipt(t.path("receipt.json"));
        let token = t.token("a", NOW);
        assert!(check.run_at(&token, NOW).unwrap().is_admitted());
        let stored = Receipt::load(&t.path("receipt.json")).unwrap().unwrap();
        assert_eq!(stored.token, token);
        assert_eq!(stored.verified_at, NOW);

        let restart = admitted(check.run_at(&token, NOW + 7200).unwrap());
        assert!(restart.restarted && restart.known_from_receipt);
        assert_eq!(restart.now, NOW + 7200);
        // Not rewritten by the restart.
        assert_eq!(
            Receipt::load(&t.path("receipt.json")).unwrap().unwrap(),
            stored
        );
        // Another expired token is not admitted, and a check without the receipt refuses it.
        let other = t.token("b", NOW);
        assert_eq!(rule(check.run_at(&other, NOW + 7200).unwrap()), "expired");
        assert_eq!(
            rule(t.check().run_at(&token, NOW + 7200).unwrap()),
            "expired"
        );
    }

    #[test]
    fn an_artifact_mismatch_is_a_rejection_that_records_nothing() {
        let t = target();
        let check = t
            .check()
            .replay_store(t.path("replay.jsonl"))
            .receipt(t.path("receipt.json"));
        let token = t.token("a", NOW);
        std::fs::write(t.path("model.onnx"), b"other weights").unwrap();
        assert_eq!(
            rule(check.run_at(&token, NOW).unwrap()),
            "artifact-mismatch"
        );
        assert!(!t.path("receipt.json").exists());
        std::fs::write(t.path("model.onnx"), b"model weights").unwrap();
        assert!(check.run_at(&token, NOW).unwrap().is_admitted());
        let unlisted = check.clone().artifact("prompt", t.path("model.onnx"));
        assert_eq!(
            rule(unlisted.run_at(&t.token("c", NOW), NOW).unwrap()),
            "artifact-not-in-token"
        );
    }

    #[test]
    fn what_cannot_be_checked_is_an_error_not_a_rejection() {
        let t = target();
        let token = t.token("a", NOW);
        let missing = t.check().artifact("prompt", t.path("nope.txt"));
        assert!(matches!(
            missing.run_at(&token, NOW),
            Err(StartupError::Artifact { .. })
        ));
        let no_keys = StartupCheck::new(Path::new("/nonexistent/jwks.json"), "production");
        assert!(matches!(
            no_keys.run_at(&token, NOW),
            Err(StartupError::Keys(JwksError::Read { .. }))
        ));
        std::fs::write(t.path("receipt.json"), b"not json").unwrap();
        let corrupt = t.check().receipt(t.path("receipt.json"));
        assert!(matches!(
            corrupt.run_at(&token, NOW),
            Err(StartupError::Receipt(ReceiptError::Corrupt { .. }))
        ));
        std::fs::write(t.path("replay.jsonl"), b"not json\n").unwrap();
        let store = t.check().replay_store(t.path("replay.jsonl"));
        assert!(matches!(
            store.run_at(&token, NOW),
            Err(StartupError::Replay(ReplayError::Corrupt { line: 1, .. }))
        ));
    }

    #[test]
    fn settings_out_of_range_are_refused_not_clamped() {
        let t = target();
        let token = t.token("a", NOW);
        let keys = || Jwks::from_keys([t.key.public_key().clone()]);
        assert!(matches!(
            StartupCheck::new(keys(), " ").run_at(&token, NOW),
            Err(StartupError::NoAudience)
        ));
        assert!(matches!(
            t.check()
                .leeway(Duration::from_secs(MAX_LEEWAY_SECS + 1))
                .run_at(&token, NOW),
            Err(StartupError::LeewayTooLarge { secs: 301 })
        ));
        assert!(matches!(
            t.check()
                .max_ttl(Duration::from_secs(MAX_TTL_CAP_SECS + 1))
                .run_at(&token, NOW),
            Err(StartupError::MaxTtlTooLarge { .. })
        ));
        assert!(matches!(
            t.check().policy_id("").run_at(&token, NOW),
            Err(StartupError::EmptyPolicyId)
        ));
        assert!(matches!(
            t.check().artifact("", "x").run_at(&token, NOW),
            Err(StartupError::EmptyArtifact { .. })
        ));
    }

    #[test]
    fn key_sources_from_the_command_line() {
        assert!(matches!(
            KeySource::parse("/etc/gatepass/gate.jwks.json"),
            Ok(KeySource::File(_))
        ));
        let url = KeySource::parse("https://gate.example.com/.well-known/jwks.json");
        #[cfg(feature = "fetch")]
        assert!(matches!(url, Ok(KeySource::Url(_))));
        #[cfg(not(feature = "fetch"))]
        assert!(matches!(url, Err(StartupError::FetchNotBuilt { .. })));
    }
}
