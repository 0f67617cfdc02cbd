//! Deploy token claims for tests that mint their own tokens: the shipped summarizer release,
//! issued now for 15 minutes.

use std::collections::BTreeMap;

use gatepass::hash::Sha256Digest;
use gatepass::token::{Audience, Claims, ExceptionClaim, PolicyClaim, ReleaseClaim, mint};

/// Claims for the support-summarizer 1.4.0 release in environment `aud`, with an optional
/// exception.
#[allow(dead_code)]
pub fn sample(aud: &str, exception: Option<ExceptionClaim>) -> Claims {
    let now = jiff::Timestamp::now().as_second();
    Claims {
        iss: "gatepass:acme-ml".into(),
        sub: "support-summarizer@1.4.0".into(),
        aud: Audience::One(aud.into()),
        iat: now,
        nbf: now,
        exp: now + 900,
        jti: mint::new_jti().expect("a token id from the system's randomness"),
        release: ReleaseClaim {
            name: "support-summarizer".into(),
            version: "1.4.0".into(),
            change: "prompt".into(),
            tier: "standard".into(),
            digest: Sha256Digest::of(b"release").prefixed(),
        },
        artifacts: BTreeMap::from([("model".into(), Sha256Digest::of(b"m").prefixed())]),
        evidence: BTreeMap::new(),
        policy: PolicyClaim {
            id: "summarizer-production".into(),
            digest: Sha256Digest::of(b"p").prefixed(),
        },
        approvals: vec![],
        exception,
    }
}
