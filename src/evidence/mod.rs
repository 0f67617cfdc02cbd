//! Evaluators for evidence files: pure functions from already-read bytes or parsed values to an outcome.
//!
//! Which API to use when:
//!
//! | criterion  | parse                          | evaluate                                      |
//! |------------|--------------------------------|-----------------------------------------------|
//! | `metric`   | [`parse_json`]                 | [`metric::evaluate`] (pointer syntax: [`metric::parse_pointer`]) |
//! | `sarif`    | [`sarif::parse`]               | [`sarif::evaluate`] or [`sarif::open_findings`] |
//! | `junit`    | [`junit::parse`]               | [`junit::evaluate`]                           |
//! | `contract` | [`parse_json`] (both files)    | [`contract::evaluate`] or [`contract::diff`]  |
//!
//! Nothing here touches the file system: the caller reads each evidence file, hands the bytes over and adds the
//! file's path to whatever it reports. A file that cannot be understood is an [`EvidenceError`] (the gate cannot
//! decide, exit 2); a file that is understood but does not satisfy the criterion is an outcome whose `met` is
//! `false` (a deny, exit 1). Every outcome carries a human `expected` and `found` string for the report table, plus
//! the structured detail behind them; [`Assessment`] reads those three uniformly.
//!
//! Every evaluator fails closed: a missing value, a value of the wrong type, a wildcard that matches nothing, a
//! scan whose tool reports it did not complete — each is an unmet criterion, never a silent pass.

pub mod contract;
pub mod junit;
pub mod metric;
mod nonfinite;
pub mod sarif;
mod strict;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::release::HashedEvidence;
use junit::JunitReport;
use sarif::SarifLog;

/// Why an evidence file could not be read as the kind of evidence a criterion expects.
///
/// Each message says what is wrong and what to do about it; the caller prefixes the file path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The file is not valid JSON, or an object in it names the same key twice (which value would count is
    /// ambiguous, so duplicates are refused rather than resolved).
    #[error(
        "malformed JSON at line {line}, column {column}: {reason}; fix the file or the step that produces it"
    )]
    MalformedJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser found wrong.
        reason: String,
    },

    /// The file is not well-formed XML.
    #[error(
        "malformed XML at line {line}, column {column}: {reason}; fix the file or the step that produces it"
    )]
    MalformedXml {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column (in bytes) of the problem.
        column: usize,
        /// What the parser found wrong.
        reason: String,
    },

    /// The XML file has a document type declaration (`<!DOCTYPE …>`). Entities declared in one make XML readers
    /// disagree about the content (one that expands them can see a `<failure/>` another does not), so evidence
    /// with a DTD is refused rather than read one way.
    #[error(
        "the XML has a document type declaration (<!DOCTYPE …>) at line {line}, column {column}: entities \
         declared in it make XML readers disagree about what the report contains, so gatepass refuses it; \
         remove the DOCTYPE from the step that produces the file (no JUnit writer needs one)"
    )]
    XmlDoctype {
        /// 1-based line of the declaration.
        line: usize,
        /// 1-based column (in bytes) of the declaration.
        column: usize,
    },

    /// The file is well-formed XML but its root element is neither `<testsuites>` nor `<testsuite>`.
    #[error(
        "not a JUnit XML report: the root element is {root}, expected <testsuites> or <testsuite>; \
         point the criterion at the test runner's JUnit XML output (for example pytest --junitxml)"
    )]
    NotJunit {
        /// The root element found, such as `<html>`, or `no element` for a document without one.
        root: String,
    },

    /// The file is JSON but not a SARIF log: not an object, or without a `version` or a `runs` array.
    #[error("not a SARIF log: {reason}; point the criterion at the scanner's SARIF output")]
    NotSarif {
        /// What is missing or wrong at the top level.
        reason: String,
    },

    /// The file is a SARIF log of another version than 2.1.0.
    #[error(
        "SARIF version {found} is not supported: gatepass reads SARIF 2.1.0; \
         upgrade the scanner or convert the log to 2.1.0"
    )]
    UnsupportedSarifVersion {
        /// The `version` found, as JSON text (for example `"2.0.0"`).
        found: String,
    },

    /// The SARIF log has a field that decides whether a result counts (`level`, `kind`, `baselineState`,
    /// `suppressions`, `ruleIndex`, ...) with a value the SARIF 2.1.0 schema does not allow.
    #[error(
        "invalid SARIF 2.1.0 at line {line}, column {column}: {reason}; \
         fix the scanner's output or report the problem to its authors"
    )]
    InvalidSarif {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong with the field.
        reason: String,
    },

    /// A SARIF value is well-typed but unusable: a `security-severity` that is not a score from 0 to 10 (so the
    /// severity of the results it applies to cannot be known), or a rule or tool-component index that points
    /// nowhere (so the rule, and its severity, cannot be found).
    #[error(
        "invalid SARIF at {pointer}: {reason}; fix the scanner's output or the rule metadata it emits"
    )]
    InvalidSarifValue {
        /// JSON pointer of the value inside the SARIF log.
        pointer: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The three things every evidence outcome reports, for uniform rendering of the criteria table.
pub trait Assessment {
    /// Whether the evidence satisfies the criterion.
    fn met(&self) -> bool;
    /// What the criterion requires, for people (for example `≤ 0.05`).
    fn expected(&self) -> &str;
    /// What the evidence shows, for people (for example `0.072`).
    fn found(&self) -> &str;
}

/// Parses an evidence file as JSON, refusing duplicate object keys.
///
/// `NaN`, `Infinity` and `-Infinity` outside strings (Python's `json.dump` writes them) are read as markers that
/// [`metric`] shows as written and never lets pass a bound.
///
/// A leading UTF-8 byte-order mark is skipped (some Windows tools write one). Nesting is limited to 128 levels
/// (the `serde_json` default), which also bounds every recursion over the returned value in this module.
///
/// # Errors
/// [`EvidenceError::MalformedJson`] with the line and column of the first syntax error or duplicate key.
pub fn parse_json(bytes: &[u8]) -> Result<Value, EvidenceError> {
    let bytes = strip_bom(bytes);
    // `NaN`, `Infinity` and `-Infinity` (Python's `json.dump`) become markers the metric code reads as not
    // finite; a file without them is parsed as it is, so error positions stay exact.
    match nonfinite::rewrite(bytes) {
        Some(rewritten) => crate::token::json::from_slice(&rewritten),
        None => crate::token::json::from_slice(bytes),
    }
    .map_err(|err| json_error(&err))
}

/// Converts a `serde_json` error into [`EvidenceError::MalformedJson`].
pub(crate) fn json_error(err: &serde_json::Error) -> EvidenceError {
    let (line, column, reason) = json_error_parts(err);
    EvidenceError::MalformedJson {
        line,
        column,
        reason,
    }
}

/// Line, column and message (without serde_json's own " at line .. column .." suffix) of a `serde_json` error.
pub(crate) fn json_error_parts(err: &serde_json::Error) -> (usize, usize, String) {
    let mut reason = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    if let Some(stripped) = reason.strip_suffix(&suffix) {
        reason = stripped.to_owned();
    }
    // serde quotes an unknown variant or field from the file as it is: a newline in it must not reach a log.
    let reason = crate::untrusted::escape(&reason).into_owned();
    (err.line(), err.column(), reason)
}

pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Appends `/token` to a JSON pointer, escaping `~` as `~0` and `/` as `~1` (RFC 6901).
pub(crate) fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// Longest JSON text quoted in a human string before it is cut.
const PREVIEW_CHARS: usize = 60;

/// Compact JSON text of a value for human strings, cut to a readable length.
pub(crate) fn preview(value: &Value) -> String {
    let text = nonfinite::unmark(&value.to_string());
    truncate(&text, PREVIEW_CHARS)
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => {
            let mut cut = text.get(..end).unwrap_or(text).to_owned();
            cut.push('…');
            cut
        }
        None => text.to_owned(),
    }
}

/// How many items a `found` string lists before summarising the rest as "… and N more".
pub(crate) const FOUND_LIST_LIMIT: usize = 5;

/// Joins the first [`FOUND_LIST_LIMIT`] items with `; ` and notes how many were left out.
pub(crate) fn join_limited<I: IntoIterator<Item = String>>(items: I) -> String {
    let mut out = String::new();
    let mut rest = 0usize;
    for (i, item) in items.into_iter().enumerate() {
        if i < FOUND_LIST_LIMIT {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(&item);
        } else {
            rest += 1;
        }
    }
    if rest > 0 {
        out.push_str(&format!("; … and {rest} more"));
    }
    out
}

/// Line and column (both 1-based, column in bytes) of a byte offset in `bytes`.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let end = offset.min(bytes.len());
    let before = bytes.get(..end).unwrap_or(bytes);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    (line, end - line_start + 1)
}

/// Parsed contents of the evidence files the applicable criteria read, by evidence name.
#[derive(Debug, Default)]
pub struct Evidence {
    json: BTreeMap<String, Value>,
    sarif: BTreeMap<String, SarifLog>,
    junit: BTreeMap<String, JunitReport>,
    snapshots: BTreeMap<String, HashedEvidence>,
}

impl Evidence {
    /// The JSON document of evidence `name`, if it was read.
    pub fn json(&self, name: &str) -> Option<&Value> {
        self.json.get(name)
    }
    /// The SARIF log of evidence `name`, if it was read.
    pub fn sarif(&self, name: &str) -> Option<&SarifLog> {
        self.sarif.get(name)
    }
    /// The JUnit report of evidence `name`, if it was read.
    pub fn junit(&self, name: &str) -> Option<&JunitReport> {
        self.junit.get(name)
    }
    /// The production metrics snapshot bound to evidence `name` after deployment, if any.
    pub fn snapshot(&self, name: &str) -> Option<&HashedEvidence> {
        self.snapshots.get(name)
    }
    /// Every production metrics snapshot, by evidence name.
    pub fn snapshots(&self) -> &BTreeMap<String, HashedEvidence> {
        &self.snapshots
    }

    /// No contents yet; `snapshots` binds evidence names to production metrics snapshots.
    pub fn with_snapshots(snapshots: BTreeMap<String, HashedEvidence>) -> Self {
        Self {
            snapshots,
            ..Self::default()
        }
    }

    /// Parses `bytes` as `format` and keeps the contents as evidence `name`.
    pub fn insert(
        &mut self,
        name: &str,
        format: Format,
        bytes: &[u8],
    ) -> Result<(), EvidenceError> {
        match format {
            Format::Json => {
                self.json.insert(name.to_owned(), parse_json(bytes)?);
            }
            Format::Sarif => {
                self.sarif.insert(name.to_owned(), sarif::parse(bytes)?);
            }
            Format::Junit => {
                self.junit.insert(name.to_owned(), junit::parse(bytes)?);
            }
        }
        Ok(())
    }
}

/// The formats evidence files are parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON (with `NaN`/`Infinity` refused or read as the parser says), strict about duplicate keys.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

impl Format {
    /// The format's name, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Sarif => "SARIF 2.1.0",
            Self::Junit => "JUnit XML",
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_plain_json() {
        let value = parse_json(br#"{"a": [1, 2.5, "x", null, true], "b": {"c": -3}}"#);
        assert_eq!(
            value,
            Ok(json!({"a": [1, 2.5, "x", null, true], "b": {"c": -3}}))
        );
    }

    #[test]
    fn skips_utf8_bom() {
        assert_eq!(parse_json(b"\xEF\xBB\xBF{\"a\": 1}"), Ok(json!({"a": 1})));
    }

    #[test]
    fn rejects_duplicate_keys_with_position() {
        let err = parse_json(b"{\n  \"rate\": 0.01,\n  \"rate\": 0.4\n}");
        match err {
            Err(EvidenceError::MalformedJson {
                line,
                column,
                reason,
            }) => {
                assert_eq!(line, 3);
                assert!(column >= 3, "column {column}");
                assert!(reason.contains("duplicate key \"rate\""), "{reason}");
                assert!(!reason.contains("at line"), "{reason}");
            }
            other => panic!("expected MalformedJson, got {other:?}"),
        }
    }

    #[test]
    fn rejects_nested_duplicate_keys() {
        let err = parse_json(br#"{"a": [{"x": 1, "y": 2, "x": 3}]}"#);
        assert!(
            matches!(&err, Err(EvidenceError::MalformedJson { reason, .. }) if reason.contains("\"x\"")),
            "{err:?}"
        );
    }

    #[test]
    fn same_key_in_different_objects_is_fine() {
        assert!(parse_json(br#"{"a": {"x": 1}, "b": {"x": 2}}"#).is_ok());
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = parse_json(b"{\n  \"a\": 1,\n}");
        match err {
            Err(EvidenceError::MalformedJson { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected MalformedJson, got {other:?}"),
        }
        assert!(matches!(
            parse_json(b""),
            Err(EvidenceError::MalformedJson { .. })
        ));
        assert!(matches!(
            parse_json(b"{} {}"),
            Err(EvidenceError::MalformedJson { .. })
        ));
        assert!(matches!(
            parse_json(b"[1e999]"),
            Err(EvidenceError::MalformedJson { .. })
        ));
    }

    #[test]
    fn python_non_finite_literals_are_read() {
        let v = parse_json(b"{\"a\": NaN, \"b\": [-Infinity, 1]}");
        assert!(v.is_ok(), "{v:?}");
        assert!(matches!(
            parse_json(b"{\"a\": NaN, \"a\": 1}"),
            Err(EvidenceError::MalformedJson { .. })
        ));
        assert!(matches!(
            parse_json(b"{\"a\": Nan}"),
            Err(EvidenceError::MalformedJson { .. })
        ));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut deep = "[".repeat(100_000);
        deep.push_str(&"]".repeat(100_000));
        assert!(matches!(
            parse_json(deep.as_bytes()),
            Err(EvidenceError::MalformedJson { .. })
        ));
        let mut objects = "{\"a\":".repeat(100_000);
        objects.push('1');
        objects.push_str(&"}".repeat(100_000));
        assert!(matches!(
            parse_json(objects.as_bytes()),
            Err(EvidenceError::MalformedJson { .. })
        ));
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let mut p = String::new();
        push_token(&mut p, "a/b~c");
        push_token(&mut p, "");
        assert_eq!(p, "/a~1b~0c/");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("héllo", 5), "héllo");
    }

    #[test]
    fn joins_with_limit() {
        let items = (1..=7).map(|i| i.to_string());
        assert_eq!(join_limited(items), "1; 2; 3; 4; 5; … and 2 more");
        assert_eq!(join_limited(Vec::<String>::new()), "");
    }

    #[test]
    fn line_columns() {
        let text = b"ab\ncd\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (2, 2));
        assert_eq!(line_column(text, 99), (3, 1));
    }
}
