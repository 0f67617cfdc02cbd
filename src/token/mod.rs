//! Deploy tokens: Ed25519 keys, JWKS, minting and verification.
//!
//! - A deploy target runs [`StartupCheck`] at startup: what `gatepass verify` does (keys,
//!   token, artifacts, replay store, restart receipt). [`Verifier`] is the token check alone.
//! - The gate mints with `mint::mint` and a `SigningKey` (feature `mint`, part of `gate`).
//!
//! The format is a compact JWS (RFC 7515) signed with Ed25519 (RFC 8037); see `docs/token.md`.

pub mod b64;
pub mod claims;
pub mod json;
pub mod jwks;
pub mod keys;
#[cfg(feature = "mint")]
pub mod mint;
pub mod receipt;
pub mod replay;
pub mod verify;

pub use claims::{ApprovalClaim, Audience, Claims, ExceptionClaim, PolicyClaim, ReleaseClaim};
pub use jwks::{Jwks, JwksError};
#[cfg(feature = "mint")]
pub use keys::SigningKey;
pub use keys::{KeyError, PublicKey};
pub use verify::{
    Admitted, KeySource, Outcome, Rejection, StartupCheck, StartupError, VerifiedToken, Verifier,
};
