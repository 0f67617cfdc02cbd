//! JSON Web Key Sets (RFC 7517 §5) of Ed25519 public keys.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::json;
use super::keys::{KeyError, PublicKey};

/// A set of accepted public keys, looked up by `kid`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    keys: BTreeMap<String, PublicKey>,
}

/// A key set that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The file could not be read.
    #[error("cannot read key set {}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The text is not a JWKS document.
    #[error(
        "{what}: not a JWKS ({why}); expected {{\"keys\": [ <Ed25519 public JWK>, ... ]}} as printed by `gatepass jwks`"
    )]
    Format {
        /// Where the set came from.
        what: String,
        /// What was wrong.
        why: String,
    },
    /// One of the keys was refused.
    #[error("key #{index} of the key set refused")]
    Key {
        /// Where the set came from.
        what: String,
        /// Position of the key in `keys`.
        index: usize,
        /// Why the key was refused.
        #[source]
        source: KeyError,
    },
    /// The set holds no key, so nothing could ever verify.
    #[error("{what}: the key set is empty")]
    Empty {
        /// Where the set came from.
        what: String,
    },
}

impl Jwks {
    /// A set of the given keys.
    pub fn from_keys(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        Self {
            keys: keys.into_iter().map(|k| (k.kid().to_owned(), k)).collect(),
        }
    }

    /// Parses a JWKS document. Every key must be a valid Ed25519 public key: one bad key
    /// fails the whole set rather than being skipped silently.
    pub fn from_json(bytes: &[u8], what: &str) -> Result<Self, JwksError> {
        let format = |why: String| JwksError::Format {
            what: what.to_owned(),
            why,
        };
        let doc = json::parse(bytes).map_err(|e| format(e.to_string()))?;
        let list = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| format("missing array member `keys`".into()))?;
        let mut set = Self::default();
        for (index, jwk) in list.iter().enumerate() {
            let key = PublicKey::from_jwk(jwk, what).map_err(|source| JwksError::Key {
                what: what.to_owned(),
                index,
                source,
            })?;
            set.insert(key);
        }
        if set.keys.is_empty() {
            return Err(JwksError::Empty {
                what: what.to_owned(),
            });
        }
        Ok(set)
    }

    /// Reads a JWKS file.
    pub fn from_file(path: &Path) -> Result<Self, JwksError> {
        let bytes = std::fs::read(path).map_err(|source| JwksError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// Adds a key.
    pub fn insert(&mut self, key: PublicKey) {
        self.keys.insert(key.kid().to_owned(), key);
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.get(kid)
    }

    /// All keys, ordered by `kid`.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.values()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The JWKS document.
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "keys": self.keys.values().map(PublicKey::to_jwk).collect::<Vec<_>>() })
    }
}
