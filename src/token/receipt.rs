//! Restart receipts: a deploy target may restart after its token expired.
//!
//! The first successful verification writes a receipt (the token, the verified claims, the
//! time). A later start with the *same* token is accepted past `exp` when the receipt holds that
//! exact token and was written while the token was valid; every other rule (signature, key,
//! audience, issuer, lifetime, exceptions) is checked again, and the caller re-hashes the
//! artifacts. See `docs/deploy-target.md` for what this proves and what it does not.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::replay::replace_file;

/// The receipt file's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Format version, 1.
    pub version: u32,
    /// The token exactly as verified.
    pub token: String,
    /// The verified claims.
    pub claims: Value,
    /// When the first verification succeeded, seconds since the Unix epoch.
    pub verified_at: i64,
}

/// A receipt that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Reading or writing failed.
    #[error("cannot read or write receipt {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file is not a receipt.
    #[error("receipt {} is corrupt ({why}); delete it to require a fresh token", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

impl Receipt {
    /// Reads the receipt at `path`; `Ok(None)` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<Self>, ReceiptError> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ReceiptError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let receipt: Self = serde_json::from_slice(&bytes).map_err(|e| ReceiptError::Corrupt {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        if receipt.version != 1 {
            return Err(ReceiptError::Corrupt {
                path: path.to_path_buf(),
                why: format!("unsupported version {}", receipt.version),
            });
        }
        Ok(Some(receipt))
    }

    /// Whether this receipt admits `token` past its expiry: it names the same token and was
    /// written while the token was valid (`verified_at < exp + leeway`).
    pub fn admits(&self, token: &str, exp: i64, leeway: i64) -> bool {
        self.token == token && self.verified_at < exp.saturating_add(leeway)
    }

    /// Writes the receipt atomically, readable by the owner only.
    pub fn store(&self, path: &Path) -> Result<(), ReceiptError> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| ReceiptError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        bytes.push(b'\n');
        replace_file(path, &bytes).map_err(|source| ReceiptError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
