//! Criterion kinds: what a `[[criteria]]` entry can check, one module per kind.
//!
//! Each kind's module owns all of it: the parsing of its entry in `policy.toml` (with spanned
//! diagnostics), the evidence it reads and in which format, and how a release is held against it
//! (a pure function of the gathered evidence and the clock). The kinds are registered in one
//! table, [`KINDS`], and one enum, [`CriterionKind`].
//!
//! # Adding a criterion kind
//!
//! 1. Write `src/criteria/<kind>.rs` with `parse` (read the entry with the
//!    [`Reader`](crate::diag::reader::Reader), registering every evidence name it refers to with
//!    [`ParseCtx::evidence`]) and `hold` (fill a [`Held`] from a [`HoldCtx`]).
//! 2. In this file: declare the module, add a variant to [`CriterionKind`] and to [`Kind`], a row to
//!    [`KINDS`], and an arm to each `match` below (the compiler lists every one that is missing).
//! 3. Document the kind in `docs/policy.md`.
//!
//! If the kind reads a file format no kind reads yet, add the parser to [`crate::evidence`] and a
//! variant to [`Format`](crate::evidence::Format).

pub mod approvals;
pub mod contract;
pub mod junit;
pub mod metric;
pub mod present;
pub mod sarif;
pub mod window;

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::diag::reader::{Reader, Value};
use crate::evidence::{Evidence, Format};
use crate::release::{HashedEvidence, HashedRelease};
use crate::vocab::Tier;

use approvals::{Approval, ApprovalRequirement, CountedApproval, Excluded, Ignored, RoleIndex};
use window::Window;

/// What a criterion checks: exactly one kind key per criterion.
///
/// Deliberately exhaustive: a new kind must make every `match` over kinds fail to compile rather than fall through.
#[derive(Debug, Clone, PartialEq)]
pub enum CriterionKind {
    /// `metric`: numbers in a JSON evidence file within bounds.
    Metric {
        /// The JSON evidence file.
        evidence: String,
        /// An RFC 6901 JSON pointer in which a segment may be `*` (every key or index).
        pointer: String,
        /// Every selected value must be at least this.
        min: Option<f64>,
        /// Every selected value must be at most this.
        max: Option<f64>,
        /// `equals`, `in`, `at_least`, `aggregate`, `missing`, `max_drop` / `max_rise` (bounds in `min`/`max`).
        check: crate::evidence::metric::Check,
        /// The evidence file of the same shape that `max_drop` / `max_rise` compare with.
        baseline: Option<String>,
    },
    /// `sarif`: at most `max_findings` (default none) open SARIF results in scope at or above a severity.
    Sarif {
        /// The SARIF evidence file.
        evidence: String,
        /// The severity, the filters, the level mapping and the findings allowed.
        check: crate::evidence::sarif::SarifCheck,
    },
    /// `junit`: a JUnit XML report with no failures or errors and enough tests.
    Junit {
        /// The JUnit evidence file.
        evidence: String,
        /// The fewest tests the report must hold (default 1).
        min_tests: u64,
    },
    /// `present`: the named evidence files exist and are non-empty.
    Present(Vec<String>),
    /// `contract`: two JSON evidence files must be equal.
    Contract {
        /// The file that must match (for example the schema production feeds).
        evidence: String,
        /// The reference it must equal (for example the schema the model was evaluated with).
        expect: String,
    },
    /// `window`: deploys denied in given periods.
    Window(Window),
    /// `approvals`: sign-offs by role.
    Approvals {
        /// Every applicable requirement must be met. Never empty, and for every tier the criterion applies to at
        /// least one requirement applies.
        requirements: Vec<ApprovalRequirement>,
        /// Approvals older than this do not count (`max_age` at criterion level); `None` means no age limit.
        max_age: Option<Duration>,
    },
}

/// The kind of a criterion's result, as decisions, reports and the audit log name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Kind {
    /// `metric`.
    Metric,
    /// `sarif`.
    Sarif,
    /// `junit`.
    Junit,
    /// `present`.
    Present,
    /// `contract`.
    Contract,
    /// `window`.
    Window,
    /// `approvals`.
    Approvals,
    /// The built-in `artifact-integrity` criterion.
    Artifacts,
}

impl Kind {
    /// The name: the policy key of the kind, or `artifacts` for the built-in criterion.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Metric => "metric",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::Present => "present",
            Self::Contract => "contract",
            Self::Window => "window",
            Self::Approvals => "approvals",
            Self::Artifacts => "artifacts",
        }
    }

    /// Whether criteria of this kind read the contents of evidence files (and can fail on what
    /// they hold, rather than on time, approvals or presence).
    pub fn reads_evidence(self) -> bool {
        KINDS
            .iter()
            .find(|k| k.kind == self)
            .is_some_and(|k| k.reads_evidence)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Kind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One registered criterion kind.
pub(crate) struct Registered {
    /// The key of the kind in a `[[criteria]]` entry.
    pub(crate) key: &'static str,
    /// The kind's results.
    pub(crate) kind: Kind,
    /// Whether it reads the contents of evidence files.
    pub(crate) reads_evidence: bool,
    /// Parses the kind's entry.
    pub(crate) parse: fn(&mut Reader<'_>, &Value<'_>, &mut ParseCtx<'_>) -> Option<CriterionKind>,
}

/// Every criterion kind, in the order the docs list them.
pub(crate) const KINDS: &[Registered] = &[
    Registered {
        key: "metric",
        kind: Kind::Metric,
        reads_evidence: true,
        parse: metric::parse,
    },
    Registered {
        key: "sarif",
        kind: Kind::Sarif,
        reads_evidence: true,
        parse: sarif::parse,
    },
    Registered {
        key: "junit",
        kind: Kind::Junit,
        reads_evidence: true,
        parse: junit::parse,
    },
    Registered {
        key: "present",
        kind: Kind::Present,
        reads_evidence: false,
        parse: present::parse,
    },
    Registered {
        key: "contract",
        kind: Kind::Contract,
        reads_evidence: true,
        parse: contract::parse,
    },
    Registered {
        key: "window",
        kind: Kind::Window,
        reads_evidence: false,
        parse: window::parse,
    },
    Registered {
        key: "approvals",
        kind: Kind::Approvals,
        reads_evidence: false,
        parse: approvals::parse,
    },
];

impl CriterionKind {
    /// The kind of this criterion's results.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Metric { .. } => Kind::Metric,
            Self::Sarif { .. } => Kind::Sarif,
            Self::Junit { .. } => Kind::Junit,
            Self::Present(_) => Kind::Present,
            Self::Contract { .. } => Kind::Contract,
            Self::Window(_) => Kind::Window,
            Self::Approvals { .. } => Kind::Approvals,
        }
    }

    /// The policy key naming this kind (`metric`, `sarif`, ...).
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The evidence names this kind reads, in the order written.
    pub fn evidence_names(&self) -> Vec<&str> {
        match self {
            Self::Metric {
                evidence,
                baseline: Some(baseline),
                ..
            } => vec![evidence.as_str(), baseline.as_str()],
            Self::Metric { evidence, .. }
            | Self::Sarif { evidence, .. }
            | Self::Junit { evidence, .. } => vec![evidence.as_str()],
            Self::Present(names) => names.iter().map(String::as_str).collect(),
            Self::Contract { evidence, expect } => vec![evidence.as_str(), expect.as_str()],
            Self::Window(_) | Self::Approvals { .. } => Vec::new(),
        }
    }

    /// The evidence files whose contents this kind reads, with the format each is parsed as.
    pub fn reads(&self) -> Vec<(&str, Format)> {
        match self {
            Self::Metric {
                evidence, baseline, ..
            } => std::iter::once(evidence)
                .chain(baseline)
                .map(|e| (e.as_str(), Format::Json))
                .collect(),
            Self::Contract { evidence, expect } => {
                vec![
                    (evidence.as_str(), Format::Json),
                    (expect.as_str(), Format::Json),
                ]
            }
            Self::Sarif { evidence, .. } => vec![(evidence.as_str(), Format::Sarif)],
            Self::Junit { evidence, .. } => vec![(evidence.as_str(), Format::Junit)],
            Self::Present(_) | Self::Window(_) | Self::Approvals { .. } => Vec::new(),
        }
    }

    /// Holds a release against this criterion (`id` names it in reasons).
    pub(crate) fn hold(&self, id: &str, cx: &HoldCtx<'_>) -> Held {
        match self {
            Self::Metric {
                evidence,
                pointer,
                check,
                baseline,
                ..
            } => metric::hold(cx, evidence, pointer, check, baseline.as_deref()),
            Self::Sarif { evidence, check } => sarif::hold(cx, evidence, check),
            Self::Junit {
                evidence,
                min_tests,
            } => junit::hold(cx, evidence, *min_tests),
            Self::Present(names) => present::hold(cx, names),
            Self::Contract { evidence, expect } => contract::hold(cx, evidence, expect),
            Self::Window(window) => window::hold(cx, window),
            Self::Approvals {
                requirements,
                max_age,
            } => approvals::hold(cx, id, requirements, *max_age),
        }
    }
}

/// Parses the entry of kind `key`, or `None` when `key` is no kind.
pub(crate) fn parse(
    key: &str,
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    KINDS
        .iter()
        .find(|k| k.key == key)
        .and_then(|k| (k.parse)(r, value, cx))
}

/// The keys of every kind, for diagnostics.
pub(crate) fn keys() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.key).collect()
}

/// An evidence name as written in a criterion.
#[derive(Debug, Clone)]
pub(crate) struct EvidenceRef {
    pub(crate) name: String,
    pub(crate) criterion: String,
    pub(crate) span: Range<usize>,
}

/// What parsing one kind's entry needs to know of the rest of the policy.
pub(crate) struct ParseCtx<'a> {
    /// The entry, for messages: "`metric` of criterion `hallucination-rate`".
    pub(crate) what: String,
    /// The criterion's id.
    pub(crate) criterion: &'a str,
    /// The criterion's `tiers`, if given.
    pub(crate) tiers: Option<&'a [Tier]>,
    /// Every role name written in `[roles]`.
    pub(crate) roles: &'a RoleIndex,
    /// Every evidence name referred to, collected for the check against the release.
    pub(crate) refs: &'a mut Vec<EvidenceRef>,
}

impl ParseCtx<'_> {
    /// The required evidence name `key` of `table`, registered as a reference.
    pub(crate) fn evidence(
        &mut self,
        r: &mut Reader<'_>,
        table: &toml::de::DeTable<'_>,
        key: &str,
        span: Range<usize>,
        example: &str,
    ) -> Option<String> {
        let v = r.required(table, key, span, &self.what, example)?;
        let name = r.name(v, &format!("`{key}` of {}", self.what), example)?;
        self.refer(&name, v.span());
        Some(name)
    }

    /// Registers a reference to evidence `name` written at `span`.
    pub(crate) fn refer(&mut self, name: &str, span: Range<usize>) {
        self.refs.push(EvidenceRef {
            name: name.to_owned(),
            criterion: self.criterion.to_owned(),
            span,
        });
    }
}

/// Everything holding a criterion may read: gathered evidence, the release, the clock, approvals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HoldCtx<'a> {
    /// Parsed evidence contents.
    pub(crate) evidence: &'a Evidence,
    /// The release, hashed.
    pub(crate) release: &'a HashedRelease,
    /// The instant decided at.
    pub(crate) now: Timestamp,
    /// The release's tier.
    pub(crate) tier: Tier,
    /// Approvals whose origin was verified.
    pub(crate) approvals: &'a [Approval],
    /// People who never count toward a quorum.
    pub(crate) excluded: &'a [Excluded],
}

impl<'a> HoldCtx<'a> {
    /// The evidence entry `name`: a production metrics snapshot bound to it, or the release's.
    pub(crate) fn entry(&self, name: &str) -> Option<&'a HashedEvidence> {
        self.evidence
            .snapshot(name)
            .or_else(|| self.release.evidence.get(name))
    }

    /// Why an evidence file cannot be read by a criterion, or `None` when its contents were gathered.
    pub(crate) fn missing(&self, name: &str) -> Option<String> {
        match self.entry(name) {
            None => Some(format!("release.toml lists no evidence `{name}`")),
            Some(e) => match e.file {
                None => Some(format!(
                    "evidence `{name}` is missing ({} does not exist)",
                    e.path
                )),
                Some(f) if f.bytes == 0 => {
                    Some(format!("evidence `{name}` is empty ({}, 0 bytes)", e.path))
                }
                Some(_) => None,
            },
        }
    }

    /// The file of evidence `name` as written, for reports.
    pub(crate) fn written(&self, name: &str) -> Vec<String> {
        self.entry(name)
            .map(|e| vec![e.path.written.clone()])
            .unwrap_or_default()
    }
}

/// What holding one criterion found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Held {
    /// Whether it is met.
    pub(crate) met: bool,
    /// What the policy requires, for people.
    pub(crate) expected: String,
    /// What was found, for people.
    pub(crate) found: String,
    /// The evidence files read, as written in `release.toml`.
    pub(crate) files: Vec<String>,
    /// One line per offending value, finding, test or difference.
    pub(crate) details: Vec<String>,
    /// Approvals that filled a slot (approvals criteria).
    pub(crate) counted: Vec<CountedApproval>,
    /// Records that do not count toward this criterion, with the reason.
    pub(crate) ignored: Vec<Ignored>,
}

impl Held {
    /// A met result reading `files`, to be filled in.
    pub(crate) fn new(files: Vec<String>) -> Self {
        Self {
            met: true,
            files,
            ..Self::default()
        }
    }

    /// Unmet because the evidence could not be read: `why`, or "evidence not read".
    pub(crate) fn unmet_missing(&mut self, expected: String, why: Option<String>) {
        self.met = false;
        self.expected = expected;
        self.found = why.unwrap_or_else(|| "evidence not read".into());
    }
}
