//! `policy.toml`: the rules for one environment.
//!
//! [`Policy::load`] reads, parses and validates a policy file; [`Policy::from_str_at`] does the same for text already
//! in memory. Validation is a second pass over the spanned TOML tree that collects *every* problem, each with
//! `file:line:col` and the offending text underlined, into [`PolicyError::Invalid`]. The format is documented in
//! `docs/policy.md`.
//!
//! The policy does not know a release's evidence: after loading the release, call
//! [`Policy::check_evidence_names`] to report criteria naming evidence the release does not provide, in the same
//! format.

mod cfg;
pub use crate::duration;
mod model;
pub mod people;
pub use crate::criteria::window;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::criteria::CriterionKind;
pub use crate::criteria::approvals::ApprovalRequirement;
pub use crate::diag::{Diagnostic, DiagnosticKind};
pub use duration::{DurationError, parse_duration};
pub use model::{
    ApproverQuorum, Criterion, ExceptionPolicy, MAX_TOKEN_TTL, Policy, PolicyLocation, Role,
    TierRules, TokenSettings,
};
pub use people::{Person, PersonRef};
pub use window::{ClosedBy, DenyRange, Window, WindowError, WindowStatus};

use crate::diag::{LineIndex, Problem, count_problems, render, render_warnings};
use crate::hash::Sha256Digest;
use crate::vocab::{Phase, Tier};

/// A policy that could not be loaded. Either way the gate cannot decide (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file could not be read. The cause is the error's `source`, not part of its message, so that a
    /// printed error chain shows it once.
    #[error("cannot read the policy file {}", path.display())]
    Read {
        /// The policy file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: io::Error,
    },
    /// The policy file is not a valid policy. `Display` shows every problem, rendered, then the count.
    #[error("{rendered}{} in {}", count_problems(diagnostics.len()), path.display())]
    Invalid {
        /// The policy file.
        path: PathBuf,
        /// Every problem found, in file order.
        diagnostics: Vec<Diagnostic>,
        /// The diagnostics rendered for people: each with `file:line:col`, the source line and the offending text
        /// underlined, and a help line.
        rendered: String,
    },
}

impl PolicyError {
    /// The problems found, empty for [`PolicyError::Read`].
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Invalid { diagnostics, .. } => diagnostics,
            Self::Read { .. } => &[],
        }
    }
}

fn invalid(path: &Path, source: &str, problems: Vec<Problem>) -> PolicyError {
    let lines = LineIndex::new(source);
    let diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| p.locate(source, &lines))
        .collect();
    let rendered = render(path, source, &diagnostics);
    PolicyError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
        rendered,
    }
}

impl Policy {
    /// Reads, parses and validates the policy file at `path`, then reads every key file named in `[people]` and
    /// `[roles]` (relative to the policy file's directory) with [`Policy::load_keys`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        let mut policy = Self::load_text(path)?;
        policy.load_keys()?;
        Ok(policy)
    }

    fn load_text(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Self::parse(text, path, Sha256Digest::of(&bytes)),
            Err(e) => {
                let lossy = String::from_utf8_lossy(&bytes);
                let at = e.valid_up_to();
                let problem = Problem {
                    kind: DiagnosticKind::NotUtf8,
                    span: at..at,
                    message: "the policy file is not valid UTF-8".to_owned(),
                    label: "invalid byte here".to_owned(),
                    help: "save the policy as UTF-8 text".to_owned(),
                };
                Err(invalid(path, &lossy, vec![problem]))
            }
        }
    }

    /// Parses and validates policy `text` as if read from `path` (used for diagnostics and to resolve key files).
    /// No key file is read: call [`Policy::load_keys`] (or [`Policy::load`] instead) before collecting signed
    /// records; until then the digest covers the text alone.
    pub fn from_str_at(text: &str, path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        Self::parse(text, path.as_ref(), Sha256Digest::of(text.as_bytes()))
    }

    fn parse(text: &str, path: &Path, file_digest: Sha256Digest) -> Result<Self, PolicyError> {
        let parts = cfg::walk(text, path).map_err(|problems| invalid(path, text, problems))?;
        let lines = LineIndex::new(text);
        let warnings = parts
            .warnings
            .into_iter()
            .map(|p| p.locate(text, &lines))
            .collect();
        let mut policy = Self {
            id: parts.id,
            environment: parts.environment,
            issuer: parts.issuer,
            token: parts.token,
            tiers: parts.tiers,
            people: parts.people,
            roles: parts.roles,
            criteria: parts.criteria,
            exceptions: parts.exceptions,
            digest: people::digest(&file_digest, &BTreeMap::new()),
            file_digest,
            warnings,
            path: path.to_path_buf(),
            source: Arc::from(text),
            evidence_refs: parts.evidence_refs,
            key_refs: parts.key_refs,
            allow_outside: parts.allow_outside,
            directory: people::Directory::default(),
        };
        policy.bind_keys(&BTreeMap::new())?;
        Ok(policy)
    }

    /// Reads every key file named in `[people]` and `[roles]` (public JWK or PEM), resolves the people they belong
    /// to, and makes [`Policy::digest`] cover them. A key file that cannot be read, or a key that two people list
    /// (even from two files), is reported at the place the policy names it.
    pub fn load_keys(&mut self) -> Result<(), PolicyError> {
        let mut loaded = BTreeMap::new();
        let mut tried = BTreeSet::new();
        let mut problems = Vec::new();
        for r in &self.key_refs {
            if !tried.insert(&r.path) {
                continue;
            }
            match crate::token::PublicKey::from_file(&r.path) {
                Ok(key) => {
                    loaded.insert(r.path.clone(), key);
                }
                Err(e) => problems.push(Problem {
                    kind: DiagnosticKind::BadKey,
                    span: r.span.clone(),
                    message: error_chain(&e),
                    label: "this key file".to_owned(),
                    help: "fix the path (relative to this policy file) or the key file: a public JWK or PEM Ed25519 key".to_owned(),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(invalid(&self.path, &self.source, problems));
        }
        self.bind_keys(&loaded)
    }

    /// Binds the policy's key files to `keys` (by resolved path) without reading files: for a caller that obtained
    /// the keys elsewhere. Key files missing from `keys` resolve to nobody.
    pub fn bind_keys(
        &mut self,
        keys: &BTreeMap<PathBuf, crate::token::PublicKey>,
    ) -> Result<(), PolicyError> {
        let directory = people::build(&self.people, &self.roles, &self.key_refs, keys).map_err(|conflicts| {
            let problems = conflicts
                .into_iter()
                .map(|(i, message)| Problem {
                    kind: DiagnosticKind::DuplicatePerson,
                    span: self.key_refs[i].span.clone(),
                    message,
                    label: "the same key as another person's".to_owned(),
                    help: "one key belongs to one person: list each key file under one person only".to_owned(),
                })
                .collect();
            invalid(&self.path, &self.source, problems)
        })?;
        let bound: BTreeMap<String, String> = self
            .key_refs
            .iter()
            .filter_map(|r| {
                keys.get(&r.path)
                    .map(|k| (r.written.clone(), k.kid().to_owned()))
            })
            .collect();
        self.digest = people::digest(&self.file_digest, &bound);
        self.directory = directory;
        Ok(())
    }

    /// The warnings, rendered like errors but as `warning[...]`; `None` when there are none.
    pub fn rendered_warnings(&self) -> Option<String> {
        (!self.warnings.is_empty())
            .then(|| render_warnings(&self.path, &self.source, &self.warnings))
    }

    /// Every approver key the policy names, by `kid`.
    pub fn approver_keys(&self) -> &crate::token::Jwks {
        &self.directory.jwks
    }

    /// The person whose key has thumbprint `kid`, if the policy names that key.
    pub fn person_of_kid(&self, kid: &str) -> Option<&PersonRef> {
        self.directory.person_of_kid(kid)
    }

    /// The person a GitHub login is: the one `[people]` lists it for, or else a person of its own.
    pub fn person_of_login(&self, login: &str) -> PersonRef {
        self.directory.login_person(login)
    }

    /// Whether GitHub team membership may count for `login`: always without `[people]`; with it,
    /// only for a login `[people]` lists, so that no human counts once by key and again as an
    /// unlisted team member.
    pub fn knows_login(&self, login: &str) -> bool {
        self.people.is_empty() || self.person_of_login(login).key.starts_with("person:")
    }

    /// Whether `person` holds `role` through `[roles]` (people, key files and logins; GitHub teams are resolved by
    /// the GitHub client).
    pub fn holds(&self, person: &PersonRef, role: &str) -> bool {
        self.directory.holds(person, role)
    }

    /// The roles `person` holds through `[roles]` (without GitHub teams).
    pub fn roles_of(&self, person: &PersonRef) -> Vec<&str> {
        self.directory.roles_of(person)
    }

    /// Every person a deployer or author name stands for: each person whose id or login is `name` or looks like it
    /// (case, whitespace, separators, look-alike letters), and the login-person `name` itself.
    pub fn resolve_actor(&self, name: &str) -> Vec<PersonRef> {
        self.directory.resolve(name)
    }

    /// Reports every place a criterion names evidence that is not in `available` (the release's evidence names),
    /// as [`PolicyError::Invalid`] with [`DiagnosticKind::UnknownEvidence`] diagnostics pointing into the policy.
    pub fn check_evidence_names<'a>(
        &self,
        available: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), PolicyError> {
        self.check_evidence_names_where(available, |_| true)
    }

    /// Like [`Policy::check_evidence_names`], for the pre-deploy criteria that read evidence
    /// contents (every kind but `present`) and apply to `tier`. A `present` criterion reports
    /// evidence missing from the release as unmet instead: that is the criterion's purpose.
    pub fn check_evidence_reads<'a>(
        &self,
        available: impl IntoIterator<Item = &'a str>,
        tier: Tier,
    ) -> Result<(), PolicyError> {
        self.check_evidence_reads_in(available, tier, Phase::PreDeploy)
    }

    /// Like [`Policy::check_evidence_reads`], for the criteria held in `phase`: after
    /// deployment, `available` also holds the names bound to production metrics snapshots.
    pub fn check_evidence_reads_in<'a>(
        &self,
        available: impl IntoIterator<Item = &'a str>,
        tier: Tier,
        phase: Phase,
    ) -> Result<(), PolicyError> {
        self.check_evidence_names_where(available, |c| {
            c.applies_to(tier)
                && phase.includes(c.gate)
                && !matches!(c.kind, CriterionKind::Present(_))
        })
    }

    fn check_evidence_names_where<'a>(
        &self,
        available: impl IntoIterator<Item = &'a str>,
        keep: impl Fn(&Criterion) -> bool,
    ) -> Result<(), PolicyError> {
        let available: BTreeSet<&str> = available.into_iter().collect();
        let known: Vec<&str> = available.iter().copied().collect();
        let problems: Vec<Problem> = self
            .evidence_refs
            .iter()
            .filter(|r| !available.contains(r.name.as_str()))
            .filter(|r| self.criterion(&r.criterion).is_some_and(&keep))
            .map(|r| {
                let listed = if known.is_empty() {
                    "the release provides no evidence".to_owned()
                } else {
                    let names: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
                    format!("the release provides {}", names.join(", "))
                };
                Problem {
                    kind: DiagnosticKind::UnknownEvidence,
                    span: r.span.clone(),
                    message: format!(
                        "criterion `{}` needs evidence `{}`, which the release does not provide",
                        r.criterion, r.name
                    ),
                    label: "not in the release's `[evidence]`".to_owned(),
                    help: format!(
                        "add `{}` to the release's `[evidence]`, or fix the name here; {listed}",
                        r.name
                    ),
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(invalid(&self.path, &self.source, problems))
        }
    }
}

/// An error and its sources, joined with `: `.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}
