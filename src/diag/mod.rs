//! Diagnostics for every file a user writes (`policy.toml`, `release.toml`): one [`Diagnostic`] per problem,
//! rendered cargo-deny style with `file:line:col` and the offending text underlined, and the [`reader`] that
//! collects them while a spanned TOML document is read.

pub(crate) mod reader;

use std::fmt;
use std::ops::Range;
use std::path::Path;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};

/// One problem in a file a user writes (`policy.toml`, `release.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What kind of problem this is; stable, for tests and tooling.
    pub kind: DiagnosticKind,
    /// What is wrong, in one line.
    pub message: String,
    /// A short note printed under the underlined text.
    pub label: String,
    /// What to do about it.
    pub help: String,
    /// Byte range of the offending text in the file.
    pub span: Range<usize>,
    /// 1-based line of the start of `span`.
    pub line: usize,
    /// 1-based column of the start of `span`, in characters.
    pub col: usize,
}

/// The kinds of problem validation reports. Each has a stable kebab-case code, shown in brackets in the rendered
/// output (`error[unknown-key]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file is not valid UTF-8 (`not-utf8`).
    NotUtf8,
    /// The file is not valid TOML (`syntax`).
    Syntax,
    /// A key that is not part of the policy format (`unknown-key`).
    UnknownKey,
    /// A required key is absent (`missing-key`).
    MissingKey,
    /// A value of the wrong TOML type (`wrong-type`).
    WrongType,
    /// A name that is not one of a fixed set: gate, tier, change type, severity (`unknown-value`).
    UnknownValue,
    /// A value of the right type that is not acceptable: empty text, a malformed name or pointer, `min` above
    /// `max`, ... (`bad-value`).
    BadValue,
    /// A duration that does not parse (`bad-duration`).
    BadDuration,
    /// A token lifetime over its cap (`ttl-too-long`).
    TtlTooLong,
    /// A time zone not in the time zone database (`bad-time-zone`).
    BadTimeZone,
    /// A deny range or holiday that does not parse, or a window that never opens or never closes (`bad-window`).
    BadWindow,
    /// Two criteria with the same id (`duplicate-id`).
    DuplicateId,
    /// A role that `[roles]` does not define (`unknown-role`).
    UnknownRole,
    /// A role with neither keys nor GitHub identities (`role-without-identity`).
    RoleWithoutIdentity,
    /// A criterion id that no criterion has (`unknown-criterion`).
    UnknownCriterion,
    /// A list that must not be empty is (`empty-list`).
    EmptyList,
    /// A count of zero where at least one is needed (`zero-count`).
    ZeroCount,
    /// A quorum larger than the number of identities its role lists, so that it can never be met
    /// (`unreachable-count`).
    UnreachableCount,
    /// A criterion with no check key (`no-check`).
    NoCheck,
    /// A criterion with more than one check key (`several-checks`).
    SeveralChecks,
    /// An `approvals` criterion that requires nothing for some tier it applies to (`no-approval-for-tier`).
    NoApprovalForTier,
    /// A policy without criteria (`no-criteria`).
    NoCriteria,
    /// A person id that `[people]` does not define (`unknown-person`).
    UnknownPerson,
    /// One human listed as two people: a key file or login listed for two people, or look-alike ids
    /// (`duplicate-person`).
    DuplicatePerson,
    /// A warning: a quorum above 1 over key files or logins not tied to people, which one human holding two of
    /// them could meet (`one-human-quorum`).
    OneHumanQuorum,
    /// A tier for which no criterion other than a deploy window is checked before deployment
    /// (`nothing-before-deploy`).
    NothingBeforeDeploy,
    /// A warning: a role lists key files directly, tied to no person, so a deployer holding one is
    /// recognised only by the file's name (`untied-keys`).
    UntiedKeys,
    /// A key file named in `[people]` or `[roles]` that cannot be read, or whose key another person already holds
    /// (`bad-key`).
    BadKey,
    /// A `sha256` in `release.toml` that is not a SHA-256 digest (`bad-digest`).
    BadDigest,
    /// An evidence name that the release does not provide (`unknown-evidence`), from
    /// [`Policy::check_evidence_names`](crate::policy::Policy::check_evidence_names).
    UnknownEvidence,
}

impl DiagnosticKind {
    /// The stable kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotUtf8 => "not-utf8",
            Self::Syntax => "syntax",
            Self::UnknownKey => "unknown-key",
            Self::MissingKey => "missing-key",
            Self::WrongType => "wrong-type",
            Self::UnknownValue => "unknown-value",
            Self::BadValue => "bad-value",
            Self::BadDuration => "bad-duration",
            Self::TtlTooLong => "ttl-too-long",
            Self::BadTimeZone => "bad-time-zone",
            Self::BadWindow => "bad-window",
            Self::DuplicateId => "duplicate-id",
            Self::UnknownRole => "unknown-role",
            Self::RoleWithoutIdentity => "role-without-identity",
            Self::UnknownCriterion => "unknown-criterion",
            Self::EmptyList => "empty-list",
            Self::ZeroCount => "zero-count",
            Self::UnreachableCount => "unreachable-count",
            Self::NoCheck => "no-check",
            Self::SeveralChecks => "several-checks",
            Self::NoApprovalForTier => "no-approval-for-tier",
            Self::NoCriteria => "no-criteria",
            Self::UnknownEvidence => "unknown-evidence",
            Self::BadDigest => "bad-digest",
            Self::UnknownPerson => "unknown-person",
            Self::DuplicatePerson => "duplicate-person",
            Self::OneHumanQuorum => "one-human-quorum",
            Self::NothingBeforeDeploy => "nothing-before-deploy",
            Self::UntiedKeys => "untied-keys",
            Self::BadKey => "bad-key",
        }
    }
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A problem found while walking a file, before line and column are known.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub(crate) kind: DiagnosticKind,
    pub(crate) span: Range<usize>,
    pub(crate) message: String,
    pub(crate) label: String,
    pub(crate) help: String,
}

impl Problem {
    /// Pins the problem to a line and column of `source`, keeping the span inside it and on character boundaries.
    pub(crate) fn locate(self, source: &str, lines: &LineIndex<'_>) -> Diagnostic {
        let span = clamp_span(source, self.span);
        let (line, col) = lines.line_col(span.start);
        Diagnostic {
            kind: self.kind,
            message: self.message,
            label: self.label,
            help: self.help,
            span,
            line,
            col,
        }
    }
}

fn clamp_span(source: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(source.len());
    let mut end = span.end.clamp(start, source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// 1-based line and character column of byte `offset` (which must be a char boundary in `source`).
#[cfg(test)]
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(source).line_col(offset)
}

/// Where every line of a source starts, so that each of many offsets is located in `O(log n)` rather than by a
/// scan from the start of the file (which made a policy with thousands of problems take minutes).
pub(crate) struct LineIndex<'s> {
    source: &'s str,
    /// Byte offset of the start of each line, and whether the line is ASCII (so a column is a byte difference).
    lines: Vec<(usize, bool)>,
}

impl<'s> LineIndex<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for line in source.split_inclusive('\n') {
            lines.push((start, line.is_ascii()));
            start += line.len();
        }
        if lines.is_empty() || source.ends_with('\n') {
            lines.push((start, true));
        }
        LineIndex { source, lines }
    }

    /// 1-based line and column (in characters) of byte `offset`, clamped to the source.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let index = self
            .lines
            .partition_point(|&(start, _)| start <= offset)
            .saturating_sub(1);
        let (start, ascii) = self.lines.get(index).copied().unwrap_or((0, true));
        let col = if ascii {
            offset - start
        } else {
            self.source
                .get(start..offset)
                .map_or(0, |s| s.chars().count())
        };
        (index + 1, col + 1)
    }
}

pub(crate) fn render(path: &Path, source: &str, diagnostics: &[Diagnostic]) -> String {
    render_as(path, source, diagnostics, false)
}

/// Renders diagnostics as warnings (`warning[code]`), for problems that do not stop the policy from loading.
pub(crate) fn render_warnings(path: &Path, source: &str, diagnostics: &[Diagnostic]) -> String {
    render_as(path, source, diagnostics, true)
}

fn render_as(path: &Path, source: &str, diagnostics: &[Diagnostic], warning: bool) -> String {
    let file = SimpleFile::new(path.display().to_string(), source);
    let config = Config::default();
    let mut out = Vec::new();
    for d in diagnostics {
        let report = if warning {
            Report::warning()
        } else {
            Report::error()
        };
        let report = report
            .with_code(d.kind.code())
            .with_message(&d.message)
            .with_labels(vec![
                Label::primary((), d.span.clone()).with_message(&d.label),
            ])
            .with_notes(vec![format!("help: {}", d.help)]);
        if term::emit_to_io_write(&mut out, &config, &file, &report).is_err() {
            // Should the renderer refuse a span, the problem is still reported, without the snippet.
            out.extend_from_slice(
                format!(
                    "{}[{}]: {}\n  --> {}:{}:{}\n  = help: {}\n\n",
                    if warning { "warning" } else { "error" },
                    d.kind.code(),
                    d.message,
                    path.display(),
                    d.line,
                    d.col,
                    d.help
                )
                .as_bytes(),
            );
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `1 problem` / `3 problems`.
pub(crate) fn count_problems(n: usize) -> String {
    if n == 1 {
        "1 problem".to_owned()
    } else {
        format!("{n} problems")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let src = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // `=` after a two-byte character is the 4th character of line 2.
        assert_eq!(line_col(src, 10), (2, 4));
    }

    #[test]
    fn line_index_agrees_with_a_scan_at_every_offset() {
        for src in [
            "",
            "\n",
            "a",
            "a\n",
            "a = 1\nbé = \"x\"\n\n€\nlast",
            "\n\né\r\nx",
        ] {
            let index = LineIndex::new(src);
            for offset in (0..=src.len() + 2).filter(|&o| o > src.len() || src.is_char_boundary(o))
            {
                let before = &src[..offset.min(src.len())];
                let line = before.matches('\n').count() + 1;
                let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                    .chars()
                    .count()
                    + 1;
                assert_eq!(index.line_col(offset), (line, col), "{src:?} at {offset}");
            }
        }
    }

    #[test]
    fn thousands_of_problems_are_located_in_linear_time() {
        let src: String = (0..50_000).map(|i| format!("k{i} = 1\n")).collect();
        let index = LineIndex::new(&src);
        let start = std::time::Instant::now();
        let lines: usize = (0..50_000).map(|i| index.line_col(i * 11).0).sum();
        assert!(lines > 0);
        // A scan from the start for each offset takes tens of seconds here.
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn spans_are_clamped_to_char_boundaries() {
        let src = "é";
        assert_eq!(clamp_span(src, 1..1), 0..2);
        assert_eq!(clamp_span(src, 0..1), 0..2);
        assert_eq!(clamp_span(src, 5..9), 2..2);
    }
}
