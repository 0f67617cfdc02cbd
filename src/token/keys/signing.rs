//! Ed25519 signing keys and key files: the gate's side (feature `mint`), never linked by a
//! deploy target that only verifies.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{KeyError, PublicKey, parse_private_pem, read_key_file};

/// DER prefix of a PKCS#8 v1 `PrivateKeyInfo` for Ed25519 (RFC 8410): SEQUENCE, version 0,
/// AlgorithmIdentifier id-Ed25519, OCTET STRING wrapping the 32-byte seed.
const PKCS8_V1_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// An Ed25519 private key used to sign tokens and records.
///
/// The secret lives in memory that is zeroed on drop, and `Debug` shows only the `kid`.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey {{ kid: {:?}, secret: <redacted> }}",
            self.public.kid
        )
    }
}

impl SigningKey {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        Self::from_seed(&seed, "generated key")
    }

    /// Builds a key from its 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32], what: &str) -> Result<Self, KeyError> {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = PublicKey::from_bytes(key.verifying_key().as_bytes(), what)?;
        Ok(Self { key, public })
    }

    /// Parses a PKCS#8 `PRIVATE KEY` PEM (as written by `gatepass keygen` or `openssl genpkey -algorithm ed25519`).
    pub fn from_pem(pem: &str, what: &str) -> Result<Self, KeyError> {
        let key = parse_private_pem(pem, what)?;
        let public = PublicKey::from_bytes(key.verifying_key().as_bytes(), what)?;
        Ok(Self { key, public })
    }

    /// Reads a PKCS#8 PEM private key file.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let text = read_key_file(path)?;
        Self::from_pem(&text, &path.display().to_string())
    }

    /// The PKCS#8 v1 PEM encoding (RFC 8410 §7), in zeroizing memory: byte for byte the form
    /// `openssl genpkey -algorithm ed25519` writes, which every OpenSSL and JOSE library reads.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        use base64::Engine as _;
        let mut der = Zeroizing::new([0u8; 48]);
        der[..16].copy_from_slice(&PKCS8_V1_ED25519_PREFIX);
        der[16..].copy_from_slice(self.key.as_bytes());
        let body = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der.as_slice()));
        let mut pem = Zeroizing::new(String::with_capacity(120));
        pem.push_str("-----BEGIN PRIVATE KEY-----\n");
        pem.push_str(&body);
        pem.push_str("\n-----END PRIVATE KEY-----\n");
        Ok(pem)
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The RFC 7638 thumbprint of the public half.
    pub fn kid(&self) -> &str {
        self.public.kid()
    }

    /// Signs `message` (RFC 8032 Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes()
    }
}

/// Writes `PATH.key` (PKCS#8 PEM, mode 0600, refusing to overwrite) and `PATH.jwk.json`.
///
/// Returns the paths of the private and public files.
pub fn write_key_pair(key: &SigningKey, base: &Path) -> Result<(PathBuf, PathBuf), KeyError> {
    let private_path = append_ext(base, "key");
    let public_path = append_ext(base, "jwk.json");
    for path in [&private_path, &public_path] {
        if fs::symlink_metadata(path).is_ok() {
            return Err(KeyError::Write {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "the file exists; key files are never overwritten",
                ),
            });
        }
    }
    let pem = key.to_pem()?;
    write_new_private(&private_path, pem.as_bytes())?;
    let mut jwk = serde_json::to_string_pretty(&key.public_key().to_jwk()).unwrap_or_default();
    jwk.push('\n');
    let mut public = fs::OpenOptions::new();
    public.write(true).create_new(true);
    public
        .open(&public_path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, jwk.as_bytes()))
        .map_err(|source| KeyError::Write {
            path: public_path.clone(),
            source,
        })?;
    Ok((private_path, public_path))
}

fn append_ext(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Creates a file that only its owner can read, failing if it exists.
///
/// The mode is set at creation, so the secret is never on disk with wider permissions.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    use std::io::Write as _;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let err = |source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = opts.open(path).map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)
}

/// The permission bits of a private key file when its group or others may read it (Unix).
///
/// Callers warn: a leaked signing key lets anyone mint deploy tokens.
pub fn exposed_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}
