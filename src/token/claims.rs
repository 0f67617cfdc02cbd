//! The deploy token's claims (see `docs/token.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The JWS `typ` of deploy tokens.
pub const TOKEN_TYP: &str = "gatepass+jwt";

/// Hard cap on a token's lifetime (`exp - iat`), in seconds.
pub const MAX_TTL_CAP_SECS: u64 = 3600;

/// The claims of a deploy token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the policy's `issuer`.
    pub iss: String,
    /// Subject: `name@version` of the release.
    pub sub: String,
    /// Audience: the environment the token admits to (a string, or an array containing it).
    pub aud: Audience,
    /// Issued at (seconds since the Unix epoch).
    pub iat: i64,
    /// Not before (seconds since the Unix epoch).
    pub nbf: i64,
    /// Expires (seconds since the Unix epoch).
    pub exp: i64,
    /// Unique token id: 128 random bits, base64url.
    pub jti: String,
    /// What is deployed.
    pub release: ReleaseClaim,
    /// Artifact name to `sha256:<hex>`.
    pub artifacts: BTreeMap<String, String>,
    /// Evidence name to `sha256:<hex>`.
    pub evidence: BTreeMap<String, String>,
    /// The policy the release was held against.
    pub policy: PolicyClaim,
    /// The approvals that counted toward the policy's quorum.
    pub approvals: Vec<ApprovalClaim>,
    /// Present only on exception tokens: what was waived and who accepted the risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionClaim>,
}

/// The `aud` claim: one environment, or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences; the token is valid for each of them.
    Many(Vec<String>),
}

impl Claims {
    /// The audience as one display string (`a` or `a, b`).
    pub fn aud_display(&self) -> String {
        match &self.aud {
            Audience::One(a) => a.clone(),
            Audience::Many(list) => list.join(", "),
        }
    }
}

impl Audience {
    /// Whether `environment` is exactly one of the audiences.
    pub fn contains(&self, environment: &str) -> bool {
        match self {
            Self::One(a) => a == environment,
            Self::Many(list) => list.iter().any(|a| a == environment),
        }
    }
}

/// The `release` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseClaim {
    /// Release name.
    pub name: String,
    /// Release version.
    pub version: String,
    /// Change type: model, prompt, config or code.
    pub change: String,
    /// Risk tier the release was evaluated at.
    pub tier: String,
    /// The release digest, `sha256:<hex>`.
    pub digest: String,
}

/// The `policy` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyClaim {
    /// The policy's `id`.
    pub id: String,
    /// SHA-256 of the policy file, `sha256:<hex>`.
    pub digest: String,
}

/// One approval that counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalClaim {
    /// The role approved as.
    pub role: String,
    /// Who approved (an approver id or GitHub login).
    pub approver: String,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Where the approval came from: `signed`, `github-review` or `github-environment`.
    pub source: String,
}

/// The `exception` claim of a token minted under a signed exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionClaim {
    /// Criterion ids that were unmet and waived.
    pub waived: Vec<String>,
    /// Why the exception was granted.
    pub reason: String,
    /// The recorded risk acceptance.
    pub risk_acceptance: String,
    /// The release managers who signed the exception.
    pub approved_by: Vec<String>,
    /// When the exception expires, RFC 3339 UTC.
    pub expires: String,
}
