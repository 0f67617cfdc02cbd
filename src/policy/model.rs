//! The validated policy: what `policy.toml` says, as types that the evaluators take as plain values.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::criteria::{CriterionKind, EvidenceRef};
use crate::hash::Sha256Digest;
use crate::vocab::{ChangeType, Gate, Tier};

use super::people::{Directory, KeyRef, Person};
use crate::diag::Diagnostic;

/// The hard cap on a deploy token's lifetime: `[token].ttl` and `[token].exception_ttl` may not exceed it.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// A loaded and validated policy for one environment.
///
/// Obtained from [`Policy::load`](crate::policy::Policy::load) or
/// [`Policy::from_str_at`](crate::policy::Policy::from_str_at); every value in it has passed validation.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The policy's id (`id`), recorded in tokens and the audit log.
    pub id: String,
    /// The environment this policy guards (`environment`); becomes the token's `aud`.
    pub environment: String,
    /// The token issuer (`issuer`); becomes the token's `iss`.
    pub issuer: String,
    /// Token lifetimes (`[token]`).
    pub token: TokenSettings,
    /// How a release's risk tier is chosen (`[tiers]`).
    pub tiers: TierRules,
    /// Every human who may approve, with every key and login they use (`[people]`), by id.
    pub people: BTreeMap<String, Person>,
    /// Who may approve as what (`[roles]`), by role name.
    pub roles: BTreeMap<String, Role>,
    /// The criteria (`[[criteria]]`), in policy order.
    pub criteria: Vec<Criterion>,
    /// Break-glass rules (`[exceptions]`); `None` means no exception can ever be honoured.
    pub exceptions: Option<ExceptionPolicy>,
    /// The policy digest, recorded in tokens, decisions and the audit log: SHA-256 over the policy file's bytes
    /// *and* the public keys its key files hold (see `docs/policy.md`), so that swapping a key file is a different
    /// policy. Until [`Policy::load_keys`](crate::policy::Policy::load_keys) has run it covers no keys.
    pub digest: Sha256Digest,
    /// SHA-256 of the policy file's bytes alone.
    pub file_digest: Sha256Digest,
    /// Problems that do not stop the policy from loading, such as a quorum one human could meet; the CLI prints
    /// them on stderr.
    pub warnings: Vec<Diagnostic>,
    /// The policy file, as given to the loader.
    pub path: PathBuf,
    /// The policy text, kept to point diagnostics raised after loading at the right place.
    pub(crate) source: Arc<str>,
    /// Every evidence name a criterion refers to, with where it is written.
    pub(crate) evidence_refs: Vec<EvidenceRef>,
    /// Every key file named in `[people]` and `[roles]`, with where it is written.
    pub(crate) key_refs: Vec<KeyRef>,
    /// The loaded keys and the people they resolve to.
    pub(crate) directory: Directory,
    /// Directories outside a release's root that its artifact and evidence paths may resolve into
    /// (`allow_outside`), joined to the policy file's directory. Empty by default: nothing outside the root.
    pub allow_outside: Vec<PathBuf>,
}

/// Lifetimes of minted tokens (`[token]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    /// Lifetime of a normal deploy token (`ttl`, default `15m`, at most [`MAX_TOKEN_TTL`]).
    pub ttl: Duration,
    /// Lifetime of a token minted under an exception (`exception_ttl`, default the smaller of `10m` and `ttl`, at
    /// most `ttl`).
    pub exception_ttl: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(15 * 60),
            exception_ttl: Duration::from_secs(10 * 60),
        }
    }
}

/// How a release's risk tier is chosen (`[tiers]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRules {
    /// The tier of a change type `by_change` does not name (`default`, default `standard`).
    pub default: Tier,
    /// Tier by change type (`by_change`).
    pub by_change: BTreeMap<ChangeType, Tier>,
}

impl Default for TierRules {
    fn default() -> Self {
        Self {
            default: Tier::Standard,
            by_change: BTreeMap::new(),
        }
    }
}

/// One approver role (`[roles.<name>]`): the people and identities that may approve in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Role {
    /// People of `[people]` who hold the role (`people`).
    pub people: Vec<String>,
    /// Public key files of the role's approvers (`keys`), resolved relative to the policy file's directory. Not read
    /// at load time.
    pub keys: Vec<PathBuf>,
    /// GitHub identities (`github`): logins (`jrivera`) or teams (`@acme/compliance`). A team's members hold the
    /// role by login; a login that `[people]` lists is that person.
    pub github: Vec<String>,
}

/// One criterion (`[[criteria]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// Unique id (`id`), used in reports, waivers and `non_waivable`.
    pub id: String,
    /// The gate the criterion belongs to (`gate`).
    pub gate: Gate,
    /// The tiers it applies to (`tiers`); `None` means every tier.
    pub tiers: Option<Vec<Tier>>,
    /// Free text shown next to the criterion in reports (`description`, an extension).
    pub description: Option<String>,
    /// What it checks.
    pub kind: CriterionKind,
    /// Where the criterion's table starts in the policy file, for annotations.
    pub location: PolicyLocation,
}

/// Break-glass rules (`[exceptions]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionPolicy {
    /// Who must sign an exception, and how many distinct signers (`approvers`).
    pub approvers: ApproverQuorum,
    /// The longest validity an exception record may have (`max_ttl`).
    pub max_ttl: Duration,
    /// Criterion ids no exception can waive (`non_waivable`).
    pub non_waivable: Vec<String>,
}

impl ExceptionPolicy {
    /// Whether an exception may waive criterion `id`.
    pub fn is_waivable(&self, id: &str) -> bool {
        !self.non_waivable.iter().any(|n| n == id)
    }
}

/// A role and a number of distinct approvers in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproverQuorum {
    /// The role (a key of `[roles]`).
    pub role: String,
    /// How many distinct approvers (at least 1).
    pub count: u32,
}

/// A place in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLocation {
    /// The policy file, as given to the loader.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl fmt::Display for PolicyLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

impl Criterion {
    /// Whether this criterion applies to a release of `tier`.
    pub fn applies_to(&self, tier: Tier) -> bool {
        self.tiers
            .as_ref()
            .is_none_or(|tiers| tiers.contains(&tier))
    }
}

impl Policy {
    /// The risk tier of a release of change type `change`, optionally carrying an explicit tier from its manifest.
    ///
    /// The policy derives a tier from `by_change` (or `default`). An explicit tier can raise it, never lower it: the
    /// policy, not the release author, sets the floor.
    pub fn tier_for(&self, change: ChangeType, explicit: Option<Tier>) -> Tier {
        let derived = self
            .tiers
            .by_change
            .get(&change)
            .copied()
            .unwrap_or(self.tiers.default);
        explicit.map_or(derived, |tier| tier.max(derived))
    }

    /// The criteria that apply to a release of `tier`, in policy order.
    pub fn criteria_for(&self, tier: Tier) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(move |c| c.applies_to(tier))
    }

    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// Every evidence name the criteria refer to. The policy cannot know a release's evidence; check these against
    /// it with [`Policy::check_evidence_names`].
    pub fn evidence_names(&self) -> BTreeSet<&str> {
        self.criteria
            .iter()
            .flat_map(|c| c.kind.evidence_names())
            .collect()
    }
}
