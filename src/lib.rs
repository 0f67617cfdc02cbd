//! gatepass: a deployment gate for AI systems.
//!
//! A release (artifacts, evidence files) is held against a policy; when every criterion is met
//! the gate mints a short-lived Ed25519-signed deploy token, and the deploy target verifies it at
//! startup. Which part of the library to use depends on who you are:
//!
//! # A deploy target: verify the token at startup
//!
//! Depend on `gatepass = { version = "…", default-features = false }` (add
//! `features = ["fetch"]` to fetch keys from an `https://` URL). [`token::StartupCheck`] is
//! exactly what `gatepass verify` does: keys, signature and every rejection rule, audience,
//! issuer, policy pins, artifact digests, replay store and restart receipt.
//!
//! ```no_run
//! use gatepass::token::{KeySource, Outcome, StartupCheck};
//!
//! let check = StartupCheck::new(KeySource::parse("gate.jwks.json")?, "production")
//!     .issuer("gatepass:acme-ml")
//!     .artifact("model", "artifacts/model.onnx")
//!     .replay_store("/var/lib/summarizer/replay.json");
//! match check.run(&std::env::var("GATEPASS_TOKEN")?)? {
//!     Outcome::Admitted(admitted) => println!("admitted {}", admitted.verified.claims.sub),
//!     Outcome::Rejected(rejection) => {
//!         eprintln!("refusing to start [{}]: {rejection}", rejection.rule());
//!         std::process::exit(1);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`token::Verifier`] is the token check alone, for a target that handles artifacts and replay
//! itself. Tokens are standard JWS, so any JOSE library can verify them too (`docs/token.md`).
//!
//! # A gate: decide on a release
//!
//! One gate run is [`gate::load`] (every file read, hashed and verified) → [`gate::decide`]
//! (pure: no file, no clock) → record the [`evaluate::Decision`] in the [`audit`] log →
//! [`gate::mint`] the token. Approvals from elsewhere (GitHub, a service's own store) enter
//! [`gate::decide`] as [`gate::Extra`].
//!
//! ```no_run
//! use gatepass::gate::{self, Extra, Request};
//! use gatepass::hash::NoProgress;
//! use gatepass::token::SigningKey;
//!
//! let request = Request {
//!     policy: "policies/summarizer-staging.toml".into(),
//!     release: "examples/summarizer/release.toml".into(),
//!     approvals: vec!["examples/summarizer/approvals".into()],
//!     ..Request::default()
//! };
//! let now = jiff::Timestamp::now();
//! let loaded = gate::load(&request, &NoProgress)?;
//! let decision = gate::decide(&loaded, &Extra::default(), now);
//! let run = loaded.into_run(decision);
//! // Record run.decision in the audit log first; hand the token out only once it is recorded.
//! let key = SigningKey::from_file("keys/gate.key".as_ref())?;
//! if let Some((token, claims)) = gate::mint(&run, &key, now)? {
//!     println!("{token} expires at {}", claims.exp);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The parts, bottom up: [`vocab`] (tiers, gates, change types), [`hash`], [`diag`] (file:line:col
//! diagnostics for every file a user writes), [`release`] (`release.toml`), [`evidence`] (one
//! parser per evidence format), [`criteria`] (one module per criterion kind: its policy entry,
//! the evidence it reads, how it is held), [`policy`] (`policy.toml`, people and roles),
//! [`approval`] (signed records and who signed them), [`evaluate`] (the pure decision),
//! [`gate`], [`audit`] and, with the `github` feature, [`github`].
//!
//! # A service
//!
//! A service holding policies and keys calls the same functions: it builds a [`gate::Loaded`]
//! from what it received (a [`policy::Policy`] parsed with [`policy::Policy::from_str_at`] and its
//! keys bound with [`policy::Policy::bind_keys`], evidence parsed with
//! [`evidence::Evidence::insert`], records checked with [`approval::Collector`]), then
//! [`gate::decide`] and [`gate::mint`] as above.
//!
//! # Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | *(none)* | verifying tokens: keys, JWKS, [`token::Verifier`], [`token::StartupCheck`], replay store, receipts, artifact hashing |
//! | `fetch` | key sets from `https://` URLs (and `http://` on loopback only) |
//! | `mint` | signing keys and minting |
//! | `gate` | policies, releases, evidence, criteria, approvals, evaluation, the gate run, the audit log (implies `mint`) |
//! | `github` | the Actions runtime and the REST client for approvals and check runs |
//! | `cli` (default) | the `gatepass` command |
#![forbid(unsafe_code)]

#[cfg(feature = "gate")]
pub mod approval;
#[cfg(feature = "gate")]
pub mod audit;
#[cfg(feature = "gate")]
pub mod criteria;
#[cfg(feature = "gate")]
pub mod diag;
#[cfg(feature = "gate")]
pub mod duration;
#[cfg(feature = "gate")]
pub mod evaluate;
#[cfg(feature = "gate")]
pub mod evidence;
#[cfg(feature = "gate")]
pub mod gate;
#[cfg(feature = "github")]
pub mod github;
pub mod hash;
#[cfg(feature = "gate")]
pub mod policy;
#[cfg(feature = "gate")]
pub mod release;
pub mod token;
pub mod untrusted;
#[cfg(feature = "gate")]
pub mod vocab;
