//! The release manifest (`release.toml`): what is deployed, the digests of its files, and the release digest.
//!
//! Use [`Release::load`] to read and validate a manifest, then [`Release::hash`] to hash every artifact and
//! evidence file in one parallel batch. The resulting [`HashedRelease`] carries each file's digest and size, the
//! outcome of every pinned `sha256`, and the release digest ([`HashedRelease::digest`]) that approvals, exceptions
//! and tokens are bound to.
//!
//! ```toml
//! name = "support-summarizer"
//! version = "1.4.0"
//! change = "prompt"                 # model | prompt | config | code
//! # tier = "critical"               # optional; otherwise the policy derives it from `change`
//!
//! [artifacts]                       # name -> file or directory; sha256 optional, and when given it must match
//! model  = { path = "artifacts/model.onnx", sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }
//! prompt = { path = "artifacts/system-prompt.txt" }
//!
//! [evidence]                        # name -> file, referred to by the policy's criteria
//! eval = "evidence/eval.json"
//! ```
//!
//! Paths are relative to the directory of the manifest. What is hashed and how is described in `docs/hashing.md`.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::reader::{NAME_HELP, Reader, show};
use crate::diag::{Diagnostic, DiagnosticKind as K, LineIndex, Problem, count_problems, render};
use crate::hash::{self, HashError, HashTarget, PathKind, Progress, Sha256Digest};
use crate::vocab::{ChangeType, Name, Tier};

/// A release manifest, loaded and validated but not yet hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The manifest file, as given to [`Release::load`].
    pub manifest: PathBuf,
    /// The release's name, such as `support-summarizer`.
    pub name: String,
    /// The release's version, such as `1.4.0`.
    pub version: String,
    /// What kind of change the release carries.
    pub change: ChangeType,
    /// The risk tier, when the manifest sets one; otherwise the policy derives it from [`Release::change`].
    pub tier: Option<Tier>,
    /// Artifacts by name: the files or directories that are deployed. Never empty. Every name is a [`Name`].
    pub artifacts: BTreeMap<String, ArtifactSpec>,
    /// Evidence files by name, referred to by the policy's criteria. Every name is a [`Name`].
    pub evidence: BTreeMap<String, ManifestPath>,
}

/// A path from the manifest, both as written and as resolved against the manifest's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestPath {
    /// Exactly as written in the manifest; what reports show to people.
    pub written: String,
    /// Joined to the manifest's directory; what is opened.
    pub resolved: PathBuf,
}

impl fmt::Display for ManifestPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// One `[artifacts]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactSpec {
    /// The artifact file or directory.
    pub path: ManifestPath,
    /// The digest the manifest pins, if any.
    pub sha256: Option<Sha256Digest>,
}

/// A release whose artifacts and evidence files have been hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedRelease {
    /// The manifest that was hashed.
    pub release: Release,
    /// Every artifact of the manifest, by name.
    pub artifacts: BTreeMap<String, HashedArtifact>,
    /// Every evidence entry of the manifest, by name, present or not.
    pub evidence: BTreeMap<String, HashedEvidence>,
}

/// A hashed artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedArtifact {
    /// Where it is.
    pub path: ManifestPath,
    /// The digest of its bytes (of its manifest, for a directory).
    pub digest: Sha256Digest,
    /// Its size in bytes (the sum of its files' sizes, for a directory). May be 0.
    pub bytes: u64,
    /// File or directory.
    pub kind: PathKind,
    /// The digest the manifest pins, if any. A difference is not an error: evaluation reports it as unmet.
    pub pinned: Option<Sha256Digest>,
}

impl HashedArtifact {
    /// The pinned and the actual digest, when the manifest pins one that the file does not have.
    pub fn pin_mismatch(&self) -> Option<PinMismatch> {
        self.pinned
            .filter(|pinned| *pinned != self.digest)
            .map(|pinned| PinMismatch {
                pinned,
                actual: self.digest,
            })
    }
}

/// An artifact whose digest differs from the one its manifest entry pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinMismatch {
    /// What `release.toml` says the digest must be.
    pub pinned: Sha256Digest,
    /// What the file's digest is.
    pub actual: Sha256Digest,
}

/// A hashed evidence entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedEvidence {
    /// Where it is expected.
    pub path: ManifestPath,
    /// The file's digest and size, or `None` when nothing exists at the path. Absence is not an error here:
    /// the criteria that need the file report it as unmet.
    pub file: Option<EvidenceFile>,
}

/// The digest and size of an evidence file that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceFile {
    /// SHA-256 of its bytes.
    pub digest: Sha256Digest,
    /// Its size in bytes. May be 0.
    pub bytes: u64,
}

/// Which list of the manifest a file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileRole {
    /// `[artifacts]`.
    Artifact,
    /// `[evidence]`.
    Evidence,
}

impl fmt::Display for FileRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Artifact => "artifact",
            Self::Evidence => "evidence",
        })
    }
}

/// A file named by the manifest that could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("{role} `{name}` (\"{written}\"): {error}")]
pub struct HashFailure {
    /// Artifact or evidence.
    pub role: FileRole,
    /// Its name in the manifest.
    pub name: String,
    /// Its path as written in the manifest.
    pub written: String,
    /// What went wrong, naming the resolved path.
    #[source]
    pub error: HashError,
}

/// A manifest that could not be loaded, or files it names that could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The manifest file could not be read. The cause is the error's `source`, not part of its message, so that
    /// a printed error chain shows it once.
    #[error("cannot read release manifest {} (check the path given with --release)", path.display())]
    Read {
        /// The manifest.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The manifest is not valid: TOML syntax, an unknown or missing key, a wrong type, a bad name, path or
    /// digest. `Display` shows every problem, rendered like the policy's ([`crate::diag`]), then the count.
    #[error("{rendered}{} in {}", count_problems(diagnostics.len()), path.display())]
    Invalid {
        /// The manifest.
        path: PathBuf,
        /// Every problem, in the order of the file (a syntax error stops at the first).
        diagnostics: Vec<Diagnostic>,
        /// The diagnostics rendered for people: each with `file:line:col`, the source line and the offending text
        /// underlined, and a help line.
        rendered: String,
    },
    /// The release's root directory cannot be resolved (it does not exist or cannot be read).
    #[error("cannot resolve the release root {} (the directory of the release manifest, or --root): {source}; \
             give an existing directory", root.display())]
    Root {
        /// The root directory, as given.
        root: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Artifact or evidence paths that lead outside the release's root directory: through `..`, as an
    /// absolute path elsewhere, or through a symbolic link. Every such path is listed.
    #[error("{}", render_escapes(manifest, root, escapes))]
    OutsideRoot {
        /// The manifest naming the paths.
        manifest: PathBuf,
        /// The root directory, resolved.
        root: PathBuf,
        /// Every path that leads outside.
        escapes: Vec<Escape>,
    },
    /// Files the manifest names could not be hashed: a missing or unreadable artifact, or an evidence path that
    /// exists but is not a readable regular file. Every such file is listed.
    #[error("{}", render_failures(manifest, failures))]
    Unhashable {
        /// The manifest naming the files.
        manifest: PathBuf,
        /// Every file that failed.
        failures: Vec<HashFailure>,
    },
}

/// An artifact or evidence path that leads outside the release's root directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escape {
    /// Artifact or evidence.
    pub role: FileRole,
    /// Its name in the manifest.
    pub name: String,
    /// Its path as written in the manifest.
    pub written: String,
    /// Where it leads, after `..` and symbolic links.
    pub target: PathBuf,
}

impl fmt::Display for Escape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` (\"{}\") leads to {}",
            self.role,
            self.name,
            crate::untrusted::escape(&self.written),
            crate::untrusted::escape(&self.target.to_string_lossy())
        )
    }
}

fn render_escapes(manifest: &Path, root: &Path, escapes: &[Escape]) -> String {
    let mut out = format!(
        "{} path{} in {} lead{} outside the release root {}; gatepass reads only files inside it:",
        escapes.len(),
        if escapes.len() == 1 { "" } else { "s" },
        manifest.display(),
        if escapes.len() == 1 { "s" } else { "" },
        root.display()
    );
    for escape in escapes {
        out.push_str("\n  ");
        out.push_str(&escape.to_string());
    }
    out.push_str(
        "\nmove the files into the release's directory (or pass --root with a directory that holds the \
         release and them), or list their directory in the policy's `allow_outside`",
    );
    out
}

fn render_failures(manifest: &Path, failures: &[HashFailure]) -> String {
    let mut out = format!(
        "cannot hash {} file{} named in {}:",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" },
        manifest.display()
    );
    for failure in failures {
        out.push_str("\n  ");
        out.push_str(&failure.to_string());
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    name: Spanned<String>,
    version: Spanned<String>,
    change: ChangeType,
    #[serde(default)]
    tier: Option<Tier>,
    artifacts: Option<Spanned<BTreeMap<Spanned<String>, RawArtifact>>>,
    #[serde(default)]
    evidence: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArtifact {
    path: Spanned<String>,
    sha256: Option<Spanned<String>>,
}

impl Release {
    /// Reads and validates a manifest. Unknown keys, a missing `name`, `version`, `change` or `[artifacts]`, an
    /// empty `[artifacts]`, artifact and evidence names that are not a [`Name`], empty paths and malformed
    /// `sha256` values are errors; every validation problem is reported, each with its line and column.
    pub fn load(path: &Path) -> Result<Release, ReleaseError> {
        let bytes = std::fs::read(path).map_err(|source| ReleaseError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Self::from_toml(text, path),
            Err(e) => {
                // Up to the bad byte the lossy text has the same offsets, so the location is exact.
                let lossy = String::from_utf8_lossy(&bytes);
                let at = e.valid_up_to();
                let problem = Problem {
                    kind: K::NotUtf8,
                    span: at..at + 1,
                    message: "the manifest is not valid UTF-8 text".to_owned(),
                    label: "invalid byte here".to_owned(),
                    help: "save it as UTF-8".to_owned(),
                };
                Err(invalid(path, &lossy, vec![problem]))
            }
        }
    }

    /// Parses and validates manifest text as if read from `path`, which locates the files it names and labels
    /// the errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Release, ReleaseError> {
        let raw: RawRelease =
            toml::from_str(text).map_err(|e| invalid(path, text, vec![toml_problem(&e)]))?;

        let base = path.parent().unwrap_or(Path::new(""));
        let mut r = Reader::new(text);
        check_label(&mut r, &raw.name, "name");
        if raw.name.get_ref().contains('@') {
            r.report(
                K::BadValue,
                raw.name.span(),
                "`name` must not contain `@`: tokens name a release as `name@version`",
                "contains `@`",
                "remove the `@`",
            );
        }
        check_label(&mut r, &raw.version, "version");

        let mut artifacts = BTreeMap::new();
        match raw.artifacts {
            None => r.report(
                K::MissingKey,
                0..0,
                "missing `[artifacts]`: a release must list the files it deploys",
                "`[artifacts]` is required",
                "add it, for example `[artifacts]` then `model = { path = \"artifacts/model.onnx\" }`",
            ),
            Some(table) if table.get_ref().is_empty() => r.report(
                K::EmptyList,
                table.span(),
                "`[artifacts]` is empty: a release must list at least one file it deploys",
                "no artifact",
                "list each deployed file, for example `model = { path = \"artifacts/model.onnx\" }`",
            ),
            Some(table) => {
                for (name, raw) in table.into_inner() {
                    check_entry_name(&mut r, &name, FileRole::Artifact);
                    let path = resolve(&mut r, base, &raw.path);
                    let sha256 = raw.sha256.and_then(|pin| {
                        let digest = pin.get_ref().parse::<Sha256Digest>().ok();
                        if digest.is_none() {
                            r.report(
                                K::BadDigest,
                                pin.span(),
                                format!(
                                    "`sha256` of artifact `{}` is not a SHA-256 digest",
                                    show(name.get_ref())
                                ),
                                "not a SHA-256 digest",
                                "expected 64 lowercase hex characters, as `sha256sum` prints (or remove `sha256`)",
                            );
                        }
                        digest
                    });
                    artifacts.insert(name.into_inner(), ArtifactSpec { path, sha256 });
                }
            }
        }

        let mut evidence = BTreeMap::new();
        for (name, written) in raw.evidence {
            check_entry_name(&mut r, &name, FileRole::Evidence);
            let path = resolve(&mut r, base, &written);
            evidence.insert(name.into_inner(), path);
        }

        if !r.problems.is_empty() {
            return Err(invalid(path, text, r.problems));
        }
        Ok(Release {
            manifest: path.to_path_buf(),
            name: raw.name.into_inner(),
            version: raw.version.into_inner(),
            change: raw.change,
            tier: raw.tier,
            artifacts,
            evidence,
        })
    }

    /// The directory paths are confined to when no other root is given: the manifest's own.
    pub fn default_root(&self) -> PathBuf {
        match self.manifest.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Checks that every artifact and evidence path resolves, after `..` and symbolic links, inside `root` or
    /// one of the `allowed` directories (the policy's `allow_outside`; ones that do not exist allow nothing).
    ///
    /// A path that does not exist (an absent evidence file) is judged by its nearest existing ancestor, so
    /// `../elsewhere/missing.json` is refused as well. Symbolic links inside an artifact directory are refused
    /// when it is hashed ([`crate::hash`]).
    ///
    /// # Errors
    /// [`ReleaseError::Root`] when `root` cannot be resolved; [`ReleaseError::OutsideRoot`] listing every path
    /// that leads elsewhere.
    pub fn confine(&self, root: &Path, allowed: &[PathBuf]) -> Result<(), ReleaseError> {
        let root = std::fs::canonicalize(root).map_err(|source| ReleaseError::Root {
            root: root.to_path_buf(),
            source,
        })?;
        let mut inside: Vec<PathBuf> = vec![root.clone()];
        inside.extend(
            allowed
                .iter()
                .filter_map(|dir| std::fs::canonicalize(dir).ok()),
        );
        let entries = self
            .artifacts
            .iter()
            .map(|(name, a)| (FileRole::Artifact, name, &a.path))
            .chain(
                self.evidence
                    .iter()
                    .map(|(name, p)| (FileRole::Evidence, name, p)),
            );
        let mut escapes = Vec::new();
        for (role, name, path) in entries {
            let target = real_target(&path.resolved);
            if !inside.iter().any(|dir| target.starts_with(dir)) {
                escapes.push(Escape {
                    role,
                    name: name.clone(),
                    written: path.written.clone(),
                    target,
                });
            }
        }
        if escapes.is_empty() {
            Ok(())
        } else {
            Err(ReleaseError::OutsideRoot {
                manifest: self.manifest.clone(),
                root,
                escapes,
            })
        }
    }

    /// Hashes every artifact and evidence file in one parallel batch (see [`hash::hash_all`]).
    ///
    /// - An artifact may be a file or a directory; one that is missing or cannot be hashed is an error.
    /// - An evidence path with nothing at it is recorded as absent, not an error. One that exists but is a
    ///   directory, a special file or unreadable is an error.
    /// - A pinned `sha256` that differs from the file's is recorded ([`HashedArtifact::pin_mismatch`]), not an
    ///   error.
    ///
    /// Every failing file is reported, not only the first.
    pub fn hash(&self, progress: &dyn Progress) -> Result<HashedRelease, ReleaseError> {
        let targets: Vec<HashTarget> = self
            .artifacts
            .values()
            .map(|a| HashTarget::file_or_directory(&a.path.resolved))
            .chain(
                self.evidence
                    .values()
                    .map(|e| HashTarget::file(&e.resolved)),
            )
            .collect();
        let mut results = hash::hash_all(&targets, progress).into_iter();

        let mut failures = Vec::new();
        let mut artifacts = BTreeMap::new();
        for ((name, spec), result) in self.artifacts.iter().zip(results.by_ref()) {
            match result {
                Ok(hashed) => {
                    artifacts.insert(
                        name.clone(),
                        HashedArtifact {
                            path: spec.path.clone(),
                            digest: hashed.digest,
                            bytes: hashed.bytes,
                            kind: hashed.kind,
                            pinned: spec.sha256,
                        },
                    );
                }
                Err(error) => failures.push(HashFailure {
                    role: FileRole::Artifact,
                    name: name.clone(),
                    written: spec.path.written.clone(),
                    error,
                }),
            }
        }
        let mut evidence = BTreeMap::new();
        for ((name, path), result) in self.evidence.iter().zip(results) {
            let file = match result {
                Ok(hashed) => Some(EvidenceFile {
                    digest: hashed.digest,
                    bytes: hashed.bytes,
                }),
                Err(error) if error.is_not_found() => None,
                Err(error) => {
                    failures.push(HashFailure {
                        role: FileRole::Evidence,
                        name: name.clone(),
                        written: path.written.clone(),
                        error,
                    });
                    continue;
                }
            };
            evidence.insert(
                name.clone(),
                HashedEvidence {
                    path: path.clone(),
                    file,
                },
            );
        }

        let expected = self.artifacts.len() + self.evidence.len();
        if failures.is_empty() && artifacts.len() + evidence.len() == expected {
            Ok(HashedRelease {
                release: self.clone(),
                artifacts,
                evidence,
            })
        } else {
            Err(ReleaseError::Unhashable {
                manifest: self.manifest.clone(),
                failures,
            })
        }
    }
}

/// The canonical form hashed into the release digest. Fields are declared in sorted order and maps are
/// `BTreeMap`s, so the JSON keys come out sorted whatever features `serde_json` is built with.
#[derive(Serialize)]
struct Canonical<'a> {
    artifacts: BTreeMap<&'a str, String>,
    change: &'a str,
    evidence: BTreeMap<&'a str, Option<String>>,
    name: &'a str,
    version: &'a str,
}

impl HashedRelease {
    /// The canonical JSON the release digest is computed over: one line, no whitespace, keys sorted,
    /// `{"artifacts":{name:"sha256:<hex>",…},"change":"…","evidence":{name:"sha256:<hex>" or null,…},
    /// "name":"…","version":"…"}`. Paths, sizes, the tier and pinned digests are not part of it.
    pub fn canonical_json(&self) -> String {
        let canonical = Canonical {
            artifacts: self
                .artifacts
                .iter()
                .map(|(name, a)| (name.as_str(), a.digest.prefixed()))
                .collect(),
            change: self.release.change.as_str(),
            evidence: self
                .evidence
                .iter()
                .map(|(name, e)| (name.as_str(), e.file.map(|f| f.digest.prefixed())))
                .collect(),
            name: &self.release.name,
            version: &self.release.version,
        };
        // Serialising strings and maps of strings into a String cannot fail; the fallback is unreachable and
        // still yields a digest that matches no approval.
        serde_json::to_string(&canonical).unwrap_or_default()
    }

    /// The release digest: SHA-256 of [`HashedRelease::canonical_json`]. Approvals and exceptions are bound to
    /// it; changing one byte of any artifact or evidence file changes it.
    pub fn digest(&self) -> Sha256Digest {
        Sha256Digest::of(self.canonical_json().as_bytes())
    }
}

/// `name` and `version`: non-empty, printable, no whitespace.
fn check_label(r: &mut Reader<'_>, value: &Spanned<String>, key: &str) {
    let s = value.get_ref();
    if s.is_empty() {
        r.report(
            K::BadValue,
            value.span(),
            format!("`{key}` is empty"),
            "empty",
            format!("give the release a {key}"),
        );
    } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        r.report(
            K::BadValue,
            value.span(),
            format!("`{key}` contains whitespace or control characters"),
            "whitespace or control characters",
            "remove them",
        );
    }
}

/// Artifact and evidence names: a [`Name`], the rule the policy refers to them by, so that every entry can be
/// named by a criterion and is safe in reports, JSON pointers and CLI flags.
fn check_entry_name(r: &mut Reader<'_>, name: &Spanned<String>, role: FileRole) {
    if let Err(e) = Name::parse(name.get_ref()) {
        r.report(
            K::BadValue,
            name.span(),
            format!(
                "{role} name \"{}\" is not allowed: {e}",
                show(name.get_ref())
            ),
            "not a valid name",
            NAME_HELP,
        );
    }
}

fn resolve(r: &mut Reader<'_>, base: &Path, written: &Spanned<String>) -> ManifestPath {
    let s = written.get_ref();
    if s.is_empty() {
        r.report(
            K::BadValue,
            written.span(),
            "the path is empty",
            "empty path",
            "name a file relative to the manifest's directory",
        );
    } else if s.contains('\0') {
        r.report(
            K::BadValue,
            written.span(),
            "the path contains a NUL character",
            "contains NUL",
            "no file can have that name: remove the NUL character",
        );
    }
    ManifestPath {
        written: s.clone(),
        resolved: base.join(s),
    }
}

/// Where `path` leads: canonical when it exists; otherwise its nearest existing ancestor, canonical, with the
/// rest appended (a `..` in the rest is resolved lexically, so it cannot climb back out unnoticed).
fn real_target(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            // `..` as the last component, or the file system root: resolve what is left lexically.
            _ => break PathBuf::new(),
        }
    };
    let mut target = base;
    if target.as_os_str().is_empty() {
        return lexical(&absolute);
    }
    for name in rest.into_iter().rev() {
        match name.to_str() {
            Some("..") => {
                target.pop();
            }
            Some(".") => {}
            _ => target.push(name),
        }
    }
    target
}

fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every problem located in `source` (the manifest's text) and rendered, in the order of the file.
fn invalid(path: &Path, source: &str, problems: Vec<Problem>) -> ReleaseError {
    let lines = LineIndex::new(source);
    let mut diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| p.locate(source, &lines))
        .collect();
    diagnostics.sort_by_key(|d| (d.line, d.col));
    let rendered = render(path, source, &diagnostics);
    ReleaseError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
        rendered,
    }
}

/// The one problem a manifest that does not deserialize has: TOML syntax, or a key, type or value the format
/// does not allow. The parser's message is kept, since it names what was expected.
fn toml_problem(error: &toml::de::Error) -> Problem {
    let message = error.message().trim().replace('\n', "; ");
    let (kind, label, help) = if message.starts_with("unknown field") {
        (
            K::UnknownKey,
            "unknown key",
            "remove it, or correct its spelling (the format is in docs/hashing.md)",
        )
    } else if message.starts_with("missing field") {
        (
            K::MissingKey,
            "required here",
            "add it: a release has a `name`, a `version`, a `change` and `[artifacts]`",
        )
    } else if message.starts_with("unknown variant") {
        (
            K::UnknownValue,
            "not an allowed value",
            "use one of the values the message lists",
        )
    } else if message.starts_with("invalid type") {
        (
            K::WrongType,
            "wrong type",
            "write it like the example in docs/hashing.md",
        )
    } else {
        return crate::diag::reader::syntax_problem(error);
    };
    Problem {
        kind,
        span: error.span().unwrap_or(0..0),
        message,
        label: label.to_owned(),
        help: help.to_owned(),
    }
}

#[cfg(test)]
mod tests;
