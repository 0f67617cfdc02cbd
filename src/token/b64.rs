//! Strict base64url (RFC 4648 §5) without padding, as JWS requires (RFC 7515 §2).
//!
//! Decoding refuses `=` padding, the standard alphabet's `+` and `/`, whitespace, and
//! non-canonical encodings whose unused trailing bits are not zero: each token has exactly
//! one accepted spelling, so a signature cannot be replayed under a second spelling.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    // URL_SAFE_NO_PAD requires no padding and rejects non-zero trailing bits.
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_padding_alphabet_and_trailing_bits() {
        assert_eq!(decode("YQ").as_deref(), Some(&b"a"[..]));
        assert_eq!(decode("YQ=="), None, "padding");
        assert_eq!(decode("YR"), None, "non-zero trailing bits");
        assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode("+/8"), None, "standard alphabet");
        assert_eq!(decode("Y Q"), None, "whitespace");
    }
}
