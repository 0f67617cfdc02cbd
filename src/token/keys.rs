//! Ed25519 keys: PKCS#8 PEM private keys, public JWKs (RFC 8037) and RFC 7638 thumbprints.
//!
//! Public keys are checked when they are loaded, not when they are used: a key with a
//! non-canonical encoding or of small order (one that "verifies" forged signatures) is refused
//! with [`KeyError::WeakKey`], so it can never sit in a key set.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{b64, json};
use crate::hash::Sha256Digest;

#[cfg(feature = "mint")]
mod signing;
#[cfg(feature = "mint")]
pub use signing::{SigningKey, exposed_mode, write_key_pair, write_new_private};

/// A key that could not be read, parsed or accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read.
    #[error("cannot read key file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The text is neither a JWK nor a PEM key gatepass understands.
    #[error(
        "{what}: not an Ed25519 key ({why}); expected a public JWK (`kty: OKP`, `crv: Ed25519`), an SPKI `PUBLIC KEY` PEM or a PKCS#8 `PRIVATE KEY` PEM such as `openssl genpkey -algorithm ed25519` writes"
    )]
    Unrecognised {
        /// Where the key came from (a path or "key text").
        what: String,
        /// What was wrong with it.
        why: String,
    },
    /// A JWK of another key type or curve.
    #[error(
        "{what}: unsupported key type {kty:?}/{crv:?}: only `kty: OKP` with `crv: Ed25519` is accepted"
    )]
    UnsupportedKeyType {
        /// Where the key came from.
        what: String,
        /// The JWK's `kty`.
        kty: String,
        /// The JWK's `crv`.
        crv: String,
    },
    /// A JWK given where a public key is expected carries the private `d` member.
    #[error(
        "{what}: this JWK contains a private key (`d`); give the public JWK (`PATH.jwk.json` from `gatepass keygen`) or the PEM private key file, and keep private keys secret"
    )]
    PrivateMaterial {
        /// Where the key came from.
        what: String,
    },
    /// A JWK member is missing or malformed.
    #[error("{what}: invalid JWK: {why}")]
    InvalidJwk {
        /// Where the key came from.
        what: String,
        /// What is wrong.
        why: String,
    },
    /// The public key is of small order or not canonically encoded, so signatures under it prove nothing.
    #[error(
        "{what}: refused weak Ed25519 public key (small order or non-canonical encoding); generate a new key with `gatepass keygen`"
    )]
    WeakKey {
        /// Where the key came from.
        what: String,
    },
    /// A JWK's `kid` is not its RFC 7638 thumbprint.
    #[error(
        "{what}: `kid` {found:?} is not the key's RFC 7638 thumbprint {expected:?}; remove the `kid` or set it to the thumbprint"
    )]
    KidMismatch {
        /// Where the key came from.
        what: String,
        /// The thumbprint.
        expected: String,
        /// The `kid` in the JWK.
        found: String,
    },
    /// A private key was expected, but the file holds only a public key.
    #[error(
        "{what}: this is a public key; signing needs the private key file (`PATH.key` from `gatepass keygen`, PKCS#8 PEM)"
    )]
    NotPrivate {
        /// Where the key came from.
        what: String,
    },
    /// A key file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The operating system's random number generator failed.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
}

/// An Ed25519 public key accepted for verification, with its RFC 7638 thumbprint as `kid`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: ed25519_dalek::VerifyingKey,
    kid: String,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.kid)
    }
}

impl PublicKey {
    /// Accepts 32 bytes of an Ed25519 public key, refusing small-order and non-canonical points.
    pub fn from_bytes(bytes: &[u8; 32], what: &str) -> Result<Self, KeyError> {
        let weak = || KeyError::WeakKey {
            what: what.to_owned(),
        };
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| weak())?;
        // `from_bytes` reduces y mod p; a second spelling of the same point is refused.
        if key.is_weak() || key.to_edwards().compress().to_bytes() != *bytes {
            return Err(weak());
        }
        Ok(Self {
            kid: thumbprint(bytes),
            key,
        })
    }

    /// Parses a public JWK (RFC 8037): `kty: OKP`, `crv: Ed25519`, `x`; refuses `d`.
    pub fn from_jwk(jwk: &Value, what: &str) -> Result<Self, KeyError> {
        let obj = jwk.as_object().ok_or_else(|| KeyError::InvalidJwk {
            what: what.to_owned(),
            why: "a JWK must be a JSON object".into(),
        })?;
        check_kty(obj, what)?;
        if obj.contains_key("d") {
            return Err(KeyError::PrivateMaterial {
                what: what.to_owned(),
            });
        }
        let x = jwk_bytes(obj, "x", what)?;
        let key = Self::from_bytes(&x, what)?;
        if let Some(kid) = obj.get("kid") {
            let kid = kid.as_str().ok_or_else(|| KeyError::InvalidJwk {
                what: what.to_owned(),
                why: "`kid` must be a string".into(),
            })?;
            if kid != key.kid {
                return Err(KeyError::KidMismatch {
                    what: what.to_owned(),
                    expected: key.kid.clone(),
                    found: kid.to_owned(),
                });
            }
        }
        for (member, allowed) in [("alg", "EdDSA"), ("use", "sig")] {
            match obj.get(member) {
                None => {}
                Some(Value::String(s)) if s == allowed => {}
                Some(other) => {
                    return Err(KeyError::InvalidJwk {
                        what: what.to_owned(),
                        why: format!("`{member}` must be {allowed:?}, found {other}"),
                    });
                }
            }
        }
        Ok(key)
    }

    /// Reads a public key from text: a public JWK, an SPKI `PUBLIC KEY` PEM, or a PKCS#8
    /// `PRIVATE KEY` PEM (whose public half is taken).
    pub fn from_text(text: &str, what: &str) -> Result<Self, KeyError> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            let value = json::parse(text.as_bytes()).map_err(|e| KeyError::Unrecognised {
                what: what.to_owned(),
                why: format!("invalid JSON: {e}"),
            })?;
            return Self::from_jwk(&value, what);
        }
        if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
            let key = ed25519_dalek::VerifyingKey::from_public_key_pem(text).map_err(|e| {
                KeyError::Unrecognised {
                    what: what.to_owned(),
                    why: e.to_string(),
                }
            })?;
            return Self::from_bytes(key.as_bytes(), what);
        }
        if trimmed.starts_with("-----BEGIN PRIVATE KEY-----") {
            let key = parse_private_pem(text, what)?;
            return Self::from_bytes(key.verifying_key().as_bytes(), what);
        }
        Err(KeyError::Unrecognised {
            what: what.to_owned(),
            why: "neither JSON nor a PEM `PUBLIC KEY`/`PRIVATE KEY` block".into(),
        })
    }

    /// Reads a public key from a JWK or PEM file.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let text = read_key_file(path)?;
        Self::from_text(&text, &path.display().to_string())
    }

    /// The RFC 7638 thumbprint, used as `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The raw 32-byte public key.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// The public JWK with `kid`, `alg` and `use` members.
    pub fn to_jwk(&self) -> Value {
        serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64::encode(self.as_bytes()),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    pub(crate) fn dalek(&self) -> &ed25519_dalek::VerifyingKey {
        &self.key
    }
}

/// RFC 7638 JWK thumbprint of an Ed25519 public key (RFC 8037 §2): SHA-256 over
/// `{"crv":"Ed25519","kty":"OKP","x":"<base64url>"}`, base64url-encoded.
pub fn thumbprint(public: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        b64::encode(public)
    );
    b64::encode(&Sha256Digest::of(canonical.as_bytes()).0)
}

/// Parses a PKCS#8 `PRIVATE KEY` PEM into the Ed25519 key it holds; the key is zeroed on drop.
pub(super) fn parse_private_pem(
    pem: &str,
    what: &str,
) -> Result<ed25519_dalek::SigningKey, KeyError> {
    if pem.trim_start().starts_with("-----BEGIN PUBLIC KEY-----")
        || pem.trim_start().starts_with('{')
    {
        return Err(KeyError::NotPrivate {
            what: what.to_owned(),
        });
    }
    // The error from the PKCS#8 parser never contains key material, only its kind.
    ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::Unrecognised {
        what: what.to_owned(),
        why: format!("not a PKCS#8 Ed25519 private key: {e}"),
    })
}

pub(super) fn read_key_file(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let bytes = fs::read(path).map_err(|source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // The buffer moves into the String (no copy), and the String is zeroed on drop; a
    // non-UTF-8 buffer is zeroed before the error is returned.
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(KeyError::Unrecognised {
                what: path.display().to_string(),
                why: "the file is not UTF-8 text".into(),
            })
        }
    }
}

fn check_kty(obj: &Map<String, Value>, what: &str) -> Result<(), KeyError> {
    let kty = obj.get("kty").and_then(Value::as_str).unwrap_or("");
    let crv = obj.get("crv").and_then(Value::as_str).unwrap_or("");
    if kty == "OKP" && crv == "Ed25519" {
        Ok(())
    } else {
        Err(KeyError::UnsupportedKeyType {
            what: what.to_owned(),
            kty: kty.to_owned(),
            crv: crv.to_owned(),
        })
    }
}

fn jwk_bytes(obj: &Map<String, Value>, member: &str, what: &str) -> Result<[u8; 32], KeyError> {
    let invalid = |why: String| KeyError::InvalidJwk {
        what: what.to_owned(),
        why,
    };
    let text = obj
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("missing string member `{member}`")))?;
    let bytes = b64::decode(text)
        .ok_or_else(|| invalid(format!("`{member}` is not canonical unpadded base64url")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid(format!(
            "`{member}` must decode to 32 bytes, found {}",
            bytes.len()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8037 Appendix A.1.
    const RFC_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    #[cfg(feature = "mint")]
    fn rfc_key() -> SigningKey {
        let seed: [u8; 32] = b64::decode(RFC_D).unwrap().try_into().unwrap();
        SigningKey::from_seed(&seed, "rfc8037").unwrap()
    }

    #[cfg(feature = "mint")]
    #[test]
    fn rfc8037_a3_thumbprint() {
        let key = rfc_key();
        assert_eq!(b64::encode(key.public_key().as_bytes()), RFC_X);
        assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[cfg(feature = "mint")]
    #[test]
    fn debug_never_shows_the_secret() {
        let key = rfc_key();
        let shown = format!("{key:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(RFC_D));
        let seed_hex =
            crate::hash::Sha256Digest(b64::decode(RFC_D).unwrap().try_into().unwrap()).to_hex();
        assert!(!shown.contains(&seed_hex));
    }

    #[cfg(feature = "mint")]
    #[test]
    fn pem_round_trip() {
        let key = rfc_key();
        let pem = key.to_pem().unwrap();
        // PKCS#8 v1 exactly as `openssl genpkey -algorithm ed25519` writes it.
        assert_eq!(
            pem.as_str(),
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n"
        );
        let back = SigningKey::from_pem(&pem, "pem").unwrap();
        assert_eq!(back.kid(), key.kid());
        assert_eq!(PublicKey::from_text(&pem, "pem").unwrap().kid(), key.kid());
    }

    #[test]
    fn jwk_rules() {
        let good = serde_json::json!({"kty":"OKP","crv":"Ed25519","x":RFC_X});
        assert!(PublicKey::from_jwk(&good, "t").is_ok());
        let with_d = serde_json::json!({"kty":"OKP","crv":"Ed25519","x":RFC_X,"d":RFC_D});
        assert!(matches!(
            PublicKey::from_jwk(&with_d, "t"),
            Err(KeyError::PrivateMaterial { .. })
        ));
        let x25519 = serde_json::json!({"kty":"OKP","crv":"X25519","x":RFC_X});
        assert!(matches!(
            PublicKey::from_jwk(&x25519, "t"),
            Err(KeyError::UnsupportedKeyType { .. })
        ));
        let ec = serde_json::json!({"kty":"EC","crv":"P-256","x":RFC_X,"y":RFC_X});
        assert!(matches!(
            PublicKey::from_jwk(&ec, "t"),
            Err(KeyError::UnsupportedKeyType { .. })
        ));
        let bad_kid = serde_json::json!({"kty":"OKP","crv":"Ed25519","x":RFC_X,"kid":"other"});
        assert!(matches!(
            PublicKey::from_jwk(&bad_kid, "t"),
            Err(KeyError::KidMismatch { .. })
        ));
        let padded = serde_json::json!({"kty":"OKP","crv":"Ed25519","x":format!("{RFC_X}=")});
        assert!(matches!(
            PublicKey::from_jwk(&padded, "t"),
            Err(KeyError::InvalidJwk { .. })
        ));
        let rs256 = serde_json::json!({"kty":"OKP","crv":"Ed25519","x":RFC_X,"alg":"RS256"});
        assert!(matches!(
            PublicKey::from_jwk(&rs256, "t"),
            Err(KeyError::InvalidJwk { .. })
        ));
    }

    #[test]
    fn small_order_and_non_canonical_keys_are_refused() {
        // The identity point (small order) and its non-canonical spelling y = p + 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(
            PublicKey::from_bytes(&identity, "t"),
            Err(KeyError::WeakKey { .. })
        ));
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(matches!(
            PublicKey::from_bytes(&non_canonical, "t"),
            Err(KeyError::WeakKey { .. })
        ));
        // A point of order 2: y = -1.
        let mut order2 = [0xffu8; 32];
        order2[0] = 0xec;
        order2[31] = 0x7f;
        assert!(matches!(
            PublicKey::from_bytes(&order2, "t"),
            Err(KeyError::WeakKey { .. })
        ));
    }
}
