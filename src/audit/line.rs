//! The byte layout of one log line: writing a record, and checking a line on its own.
//!
//! A line is the record's compact JSON body with two members appended by the log, then `\n`:
//!
//! ```text
//! {"v":1,"seq":7,…,"prev":"<64 hex>","sig":{"alg":"EdDSA","kid":"…","value":"…"},"hash":"<64 hex>"}
//! ```
//!
//! `sig` (optional) is the Ed25519 signature of the bytes before `,"sig":`; `hash` is the
//! SHA-256 of the bytes before `,"hash":"`. Both are defined on bytes, not on a re-serialized
//! JSON value, so any verifier can check them by slicing the line: no canonical JSON needed.

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::record::{Record, RecordSignature};
use crate::hash::Sha256Digest;
use crate::token::SigningKey;
use crate::token::b64;

/// `prev` of the first record: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The longest line the log writes or reads, newline excluded. A longer line is refused.
pub const MAX_LINE_BYTES: usize = 1 << 20;

const HASH_MEMBER: &[u8] = br#","hash":""#;
const SIG_MEMBER: &[u8] = br#","sig":"#;
/// `,"hash":"` + 64 hex + `"}`.
const SUFFIX_LEN: usize = HASH_MEMBER.len() + 64 + 2;

/// Encodes `record` as a complete line (with `\n`), signed by `signer` when given.
pub(crate) fn encode(
    record: &Record,
    signer: Option<&SigningKey>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut line = serde_json::to_vec(record)?;
    // The body is a JSON object: drop its closing brace to append the last members.
    line.pop();
    if let Some(key) = signer {
        let sig = RecordSignature {
            alg: "EdDSA".into(),
            kid: key.kid().to_owned(),
            value: b64::encode(&key.sign(&line)),
        };
        line.extend_from_slice(SIG_MEMBER);
        line.extend_from_slice(&serde_json::to_vec(&sig)?);
    }
    let hash = Sha256Digest::of(&line).to_hex();
    line.extend_from_slice(HASH_MEMBER);
    line.extend_from_slice(hash.as_bytes());
    line.extend_from_slice(b"\"}\n");
    Ok(line)
}

/// The members of a line the chain depends on; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Chain<'a> {
    v: u32,
    seq: u64,
    #[serde(borrow)]
    command: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    prev: &'a str,
    #[serde(borrow)]
    hash: &'a str,
    #[serde(default, borrow)]
    sig: Option<SigRef<'a>>,
}

/// A record's `sig`, borrowed from the line.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct SigRef<'a> {
    pub(crate) alg: &'a str,
    pub(crate) kid: &'a str,
    pub(crate) value: &'a str,
}

/// A line that is intact on its own.
#[derive(Debug, Clone)]
pub(crate) struct CheckedLine {
    pub(crate) seq: u64,
    /// Whether the record's `command` is one whose records the gate signs every time
    /// (`issue`, or a name this build does not know): such a record without `sig` had it removed.
    pub(crate) always_signed: bool,
    pub(crate) prev: Sha256Digest,
    /// SHA-256 of the whole line (newline excluded): the next record's `prev`.
    pub(crate) line_hash: Sha256Digest,
}

/// A line's signature and how many leading bytes of the line it covers.
pub(crate) type Signed<'a> = Option<(SigRef<'a>, usize)>;

/// Why a line is not intact on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineFault {
    /// Not JSON.
    InvalidJson(String),
    /// JSON, but not an audit record of a version this build reads.
    NotARecord(String),
    /// The bytes do not match the record's own `hash`.
    Edited(String),
}

/// Checks one line (without its newline) on its own: JSON, layout and self-hash.
pub(crate) fn check(line: &[u8]) -> Result<(CheckedLine, Signed<'_>), LineFault> {
    if line.len() > MAX_LINE_BYTES {
        return Err(LineFault::NotARecord(format!(
            "the line is {} bytes long; records are at most {MAX_LINE_BYTES}",
            line.len()
        )));
    }
    // The self-hash first: when the layout is intact, a mismatch means an edit, whatever the
    // edit did to the JSON.
    let layout = line.len().checked_sub(SUFFIX_LEN).and_then(|split| {
        let (prefix, suffix) = line.split_at(split);
        let hex = std::str::from_utf8(&suffix[HASH_MEMBER.len()..HASH_MEMBER.len() + 64]).ok()?;
        (suffix.starts_with(HASH_MEMBER) && suffix.ends_with(b"\"}")).then_some((
            prefix,
            suffix,
            Sha256Digest::from_hex(hex).ok()?,
        ))
    });
    let mut hasher = Sha256::new();
    if let Some((prefix, _, own)) = layout {
        hasher.update(prefix);
        let computed = Sha256Digest(hasher.clone().finalize().into());
        if computed != own {
            return Err(LineFault::Edited(format!(
                "its bytes do not match its own `hash` (recorded {}…, computed {}…): the line was changed after it was written",
                short(&own),
                short(&computed)
            )));
        }
    }
    let chain: Chain<'_> = serde_json::from_slice(line).map_err(|e| {
        if e.is_data() {
            LineFault::NotARecord(format!("not an audit record: {e}"))
        } else {
            LineFault::InvalidJson(format!("not valid JSON: {e}"))
        }
    })?;
    if chain.v != super::record::RECORD_VERSION {
        return Err(LineFault::NotARecord(format!(
            "record format version {} (this gatepass reads version {})",
            chain.v,
            super::record::RECORD_VERSION
        )));
    }
    let Some((prefix, suffix, own)) = layout.filter(|(_, suffix, _)| {
        suffix.get(HASH_MEMBER.len()..HASH_MEMBER.len() + 64) == Some(chain.hash.as_bytes())
    }) else {
        return Err(LineFault::NotARecord(
            "`hash` is not the last member of the line, as the log writes it".into(),
        ));
    };
    hasher.update(suffix);
    let line_hash = Sha256Digest(hasher.finalize().into());
    let _ = own;
    let prev = Sha256Digest::from_hex(chain.prev)
        .ok()
        .ok_or_else(|| LineFault::NotARecord("`prev` is not 64 lowercase hex digits".into()))?;
    let sig = match chain.sig {
        None => None,
        Some(sig) => {
            // The member exactly as the log writes it (the values are base64url and `EdDSA`,
            // which JSON writes without escapes; a borrowed string cannot hold one anyway).
            let parts: [&[u8]; 7] = [
                br#","sig":{"alg":""#,
                sig.alg.as_bytes(),
                br#"","kid":""#,
                sig.kid.as_bytes(),
                br#"","value":""#,
                sig.value.as_bytes(),
                br#""}"#,
            ];
            let len: usize = parts.iter().map(|p| p.len()).sum();
            let member = prefix.len().checked_sub(len).map(|at| &prefix[at..]);
            let written = member.is_some_and(|mut rest| {
                parts.iter().all(|p| match rest.strip_prefix(*p) {
                    Some(r) => {
                        rest = r;
                        true
                    }
                    None => false,
                })
            });
            if !written {
                return Err(LineFault::NotARecord(
                    "`sig` is not where the log writes it (just before `hash`)".into(),
                ));
            }
            Some((sig, prefix.len() - len))
        }
    };
    Ok((
        CheckedLine {
            seq: chain.seq,
            always_signed: always_signed(&chain.command),
            prev,
            line_hash,
        },
        sig,
    ))
}

/// Whether records of `command` are signed every time they are written. `issue` always holds
/// the gate key (it signs its token with it), so it signs every record it writes; `check`,
/// `verify`, `validate` and `repair` sign only when an audit key is configured. A name this
/// build does not know is treated as always signed: fail closed, never let a renamed command
/// slip an unsigned record through.
pub(crate) fn always_signed(command: &str) -> bool {
    !matches!(command, "check" | "verify" | "validate" | "repair")
}

/// The first 12 hex digits, for messages.
pub(crate) fn short(d: &Sha256Digest) -> String {
    let mut s = d.to_hex();
    s.truncate(12);
    s
}

/// A digest as the log writes it: lowercase hex.
pub(crate) fn hex(d: &Sha256Digest) -> String {
    d.to_hex()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::audit::record::{Actor, Command, Verdict};

    fn record() -> Record {
        let mut r = Record::new(
            Command::Check,
            Verdict::Deny,
            "2026-11-24T15:00:00Z".parse().unwrap(),
            Actor::from_vars(|_| None),
        );
        r.seq = 1;
        r.prev = GENESIS.into();
        r.environment = Some("production \"quoted\" ,\"hash\":\"".into());
        r
    }

    #[test]
    fn a_line_checks_on_its_own_and_records_its_layout() {
        let line = encode(&record(), None).unwrap();
        assert_eq!(line.last(), Some(&b'\n'));
        let body = &line[..line.len() - 1];
        let (checked, _) = check(body).unwrap();
        assert_eq!(checked.seq, 1);
        assert_eq!(hex(&checked.prev), GENESIS);
        assert_eq!(checked.line_hash, Sha256Digest::of(body));
        let text = std::str::from_utf8(body).unwrap();
        let cut = text.rfind(",\"hash\":\"").unwrap();
        assert_eq!(
            Sha256Digest::of(&body[..cut]).to_hex(),
            text[cut + 9..cut + 73]
        );
        let parsed: Record = serde_json::from_slice(body).unwrap();
        assert_eq!(parsed.hash, text[cut + 9..cut + 73]);
        assert_eq!(parsed.environment, record().environment);
    }

    #[test]
    fn a_signed_line_covers_the_bytes_before_sig() {
        let key = SigningKey::from_seed(&[7; 32], "test").unwrap();
        let line = encode(&record(), Some(&key)).unwrap();
        let body = &line[..line.len() - 1];
        let (_, sig) = check(body).unwrap();
        let (sig, signed) = sig.unwrap();
        assert_eq!(sig.kid, key.kid());
        assert!(body[signed..].starts_with(b",\"sig\":{"));
        let raw = b64::decode(sig.value).unwrap();
        crate::token::verify::check_signature_raw(key.public_key(), &body[..signed], &raw).unwrap();
    }

    #[test]
    fn every_single_byte_change_is_caught_by_the_line_itself() {
        let key = SigningKey::from_seed(&[9; 32], "test").unwrap();
        for signer in [None, Some(&key)] {
            let line = encode(&record(), signer).unwrap();
            let body = &line[..line.len() - 1];
            for i in 0..body.len() {
                for flip in [0x01u8, 0x20, 0x80] {
                    let mut edited = body.to_vec();
                    edited[i] ^= flip;
                    assert!(
                        check(&edited).is_err(),
                        "byte {i} ^ {flip:#x} went unnoticed"
                    );
                }
            }
        }
    }

    #[test]
    fn random_damage_never_panics_and_never_passes() {
        let key = SigningKey::from_seed(&[4; 32], "test").unwrap();
        let line = encode(&record(), Some(&key)).unwrap();
        let body = &line[..line.len() - 1];
        // xorshift: the same damage on every run.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..20_000 {
            let mut damaged = body.to_vec();
            for _ in 0..1 + next(3) {
                if damaged.is_empty() {
                    break;
                }
                let at = next(damaged.len());
                match next(4) {
                    0 => damaged[at] = next(256) as u8,
                    1 => {
                        damaged.remove(at);
                    }
                    2 => damaged.insert(at, next(256) as u8),
                    _ => damaged.truncate(at),
                }
            }
            if damaged != body {
                assert!(
                    check(&damaged).is_err(),
                    "{}",
                    String::from_utf8_lossy(&damaged)
                );
            }
        }
    }
}
