//! `junit` criteria: a JUnit XML test report with no failures or errors and enough tests run.
//!
//! Accepted shapes: a `<testsuites>` root or a single `<testsuite>` root, with suites nested to any depth (as
//! PHPUnit and others write them). Counts come from the `<testcase>` elements themselves: the `tests`,
//! `failures`, `errors` and `skipped` attributes of the suites are only compared with them, and a disagreement is
//! noted ([`JunitReport::mismatches`]) but never trusted over the test cases. A test case is
//!
//! - an **error** when it has an `<error>` child,
//! - otherwise a **failure** when it has a `<failure>` child,
//! - otherwise **skipped** when it has a `<skipped>` child,
//! - otherwise passed.
//!
//! Surefire's `<flakyFailure>` / `<flakyError>` (failed, then passed on a rerun) are passes; its `<rerunFailure>`
//! accompanies a `<failure>`, which is what counts.
//!
//! Why not `quick-junit`: its 0.8 reader needs a `<testsuites>` root, skips suites nested in suites (their
//! failures would vanish) and rejects timestamps without a UTC offset, which Maven Surefire writes. This reader is
//! a small loop over `quick-xml` events instead, iterative so that deep nesting cannot overflow the stack.
//!
//! A document type declaration (`<!DOCTYPE …>`) is refused, and so is any entity reference other than XML's five
//! predefined ones and character references. A DTD can declare an entity that hides `<failure/>`: a reader that
//! does not expand it (this one) sees a pass where one that does (Python's ElementTree) sees a failure. No test
//! runner writes a DTD into a JUnit report, so refusing is cheaper than choosing whose reading is right; it also
//! rules out entity-expansion and external-entity attacks.

use std::borrow::Cow;
use std::fmt;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::{Assessment, EvidenceError, join_limited, line_column, strip_bom, truncate};

/// Longest failure message kept, in characters.
const MESSAGE_CHARS: usize = 200;

/// Test counts of a report, from its `<testcase>` elements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every test case, whatever its status.
    pub tests: u64,
    /// Test cases without failure, error or skip.
    pub passed: u64,
    /// Test cases with a `<failure>` (and no `<error>`).
    pub failures: u64,
    /// Test cases with an `<error>`.
    pub errors: u64,
    /// Test cases with a `<skipped>` and neither failure nor error.
    pub skipped: u64,
}

impl Counts {
    /// Tests that actually ran: every test case except the skipped ones.
    pub fn ran(&self) -> u64 {
        self.tests.saturating_sub(self.skipped)
    }

    fn add(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.passed += other.passed;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

/// How a test case did not pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// An assertion failed (`<failure>`).
    Failure,
    /// The test could not run to completion: setup error, unexpected exception (`<error>`).
    Error,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Failure => "failed",
            Self::Error => "error",
        })
    }
}

/// A test case that failed or errored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTest {
    /// `classname::name`, or `name` when the test case has no `classname`.
    pub name: String,
    /// Failure or error.
    pub kind: FailureKind,
    /// The `message` attribute, else the `type` attribute, else the first line of the element's text; empty when
    /// there is none. Shortened when long.
    pub message: String,
}

/// What a JUnit XML report contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JunitReport {
    /// Counts over every `<testcase>` in the report.
    pub counts: Counts,
    /// The failed and errored test cases, in document order.
    pub failing: Vec<FailedTest>,
    /// Suites whose `tests` / `failures` / `errors` / `skipped` attributes disagree with their test cases, for
    /// example `<testsuite name="pytest">: failures="0" but 1 found`.
    pub mismatches: Vec<String>,
}

/// The result of holding a junit criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunitOutcome {
    /// No failures, no errors, and at least `min_tests` tests ran.
    pub met: bool,
    /// What the criterion requires, for people.
    pub expected: String,
    /// The counts and the failing tests, for people.
    pub found: String,
    /// Counts over every test case.
    pub counts: Counts,
    /// The failed and errored test cases, in document order.
    pub failing: Vec<FailedTest>,
}

impl Assessment for JunitOutcome {
    fn met(&self) -> bool {
        self.met
    }
    fn expected(&self) -> &str {
        &self.expected
    }
    fn found(&self) -> &str {
        &self.found
    }
}

/// Holds a report against the criterion: no failures or errors, and at least `min_tests` tests run.
///
/// Skipped tests do not count toward `min_tests`: a suite that skips everything (missing GPU, missing secret) has
/// proven nothing, so it must not satisfy a minimum.
pub fn evaluate(report: &JunitReport, min_tests: u64) -> JunitOutcome {
    let c = report.counts;
    let expected = if min_tests == 0 {
        "no failures or errors".to_owned()
    } else {
        format!(
            "no failures or errors, at least {} run (skipped ones excluded)",
            plural(min_tests, "test", "tests")
        )
    };
    let mut found = format!(
        "{} run: {} passed, {} failed, {}; {} skipped",
        plural(c.ran(), "test", "tests"),
        c.passed,
        c.failures,
        plural(c.errors, "error", "errors"),
        c.skipped
    );
    if !report.failing.is_empty() {
        let list = join_limited(report.failing.iter().map(|t| {
            if t.message.is_empty() {
                t.name.clone()
            } else {
                format!("{} ({})", t.name, t.message)
            }
        }));
        found.push_str(&format!("; failing: {list}"));
    }
    if c.ran() < min_tests {
        found.push_str(&format!("; fewer than {min_tests} run"));
    }
    if !report.mismatches.is_empty() {
        found.push_str("; the suite totals disagree with the test cases, which were counted");
    }
    JunitOutcome {
        met: c.failures == 0 && c.errors == 0 && c.ran() >= min_tests,
        expected,
        found,
        counts: c,
        failing: report.failing.clone(),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Parses a JUnit XML report.
///
/// # Errors
/// - [`EvidenceError::MalformedXml`] when the file is not well-formed XML (with line and column), is not UTF-8,
///   or has more than one root element;
/// - [`EvidenceError::NotJunit`] when the root element is not `<testsuites>` or `<testsuite>`.
pub fn parse(bytes: &[u8]) -> Result<JunitReport, EvidenceError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(EvidenceError::MalformedXml {
            line: 1,
            column: 1,
            reason: "the file is UTF-16; gatepass reads UTF-8 JUnit XML, so convert it (for example with iconv)"
                .to_owned(),
        });
    }
    let bytes = strip_bom(bytes);
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut state = State::default();
    loop {
        // Where the next event starts: problems found in an element are reported at its `<`.
        let start = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                return Err(malformed(bytes, reader.error_position(), format!("{err}")));
            }
        };
        let result = match event {
            Event::Start(e) => state.start(&e),
            Event::Empty(e) => state.start(&e).and_then(|()| state.end()),
            Event::End(_) => state.end(),
            Event::Text(t) => {
                state.text(&t.xml10_content());
                Ok(())
            }
            Event::CData(t) => {
                state.text(&t.xml10_content());
                Ok(())
            }
            Event::GeneralRef(r) => resolve_ref(&r).map(|text| state.text(&text)),
            Event::Eof => break,
            Event::DocType(_) => {
                let (line, column) =
                    line_column(bytes, usize::try_from(start).unwrap_or(usize::MAX));
                return Err(EvidenceError::XmlDoctype { line, column });
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => Ok(()),
        };
        result.map_err(|problem| match problem {
            Problem::NotJunit(root) => EvidenceError::NotJunit {
                root: crate::untrusted::escape(&root).into_owned(),
            },
            Problem::Malformed(reason) => malformed(bytes, start, reason),
        })?;
    }
    if let Some(open) = state.open_element() {
        return Err(malformed(
            bytes,
            bytes.len() as u64,
            format!("unexpected end of file: <{open}> is not closed"),
        ));
    }
    if !state.root_seen {
        return Err(EvidenceError::NotJunit {
            root: "no element".to_owned(),
        });
    }
    Ok(state.report)
}

fn malformed(bytes: &[u8], position: u64, reason: String) -> EvidenceError {
    let offset = usize::try_from(position).unwrap_or(usize::MAX);
    let (line, column) = line_column(bytes, offset);
    // Reasons quote names and text from the file.
    let reason = crate::untrusted::escape(&reason).into_owned();
    EvidenceError::MalformedXml {
        line,
        column,
        reason,
    }
}

/// The text of a character reference or one of XML's five predefined entities. Any other entity could only
/// be declared in a DTD, which is refused, so it is undefined: readers differ on what they make of it
/// (ElementTree refuses the file), and so does gatepass.
fn resolve_ref<'a>(r: &'a BytesRef<'_>) -> Result<Cow<'a, str>, Problem> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(Cow::Owned(c.to_string()));
    }
    let name: &str = r;
    match resolve_predefined_entity(name) {
        Some(text) => Ok(Cow::Borrowed(text)),
        None => Err(Problem::Malformed(format!(
            "undefined entity &{}; (only &amp; &lt; &gt; &quot; &apos; and character references are defined \
             without a DTD); write the text itself or a character reference",
            crate::untrusted::escape(&truncate(name, 40))
        ))),
    }
}

enum Problem {
    NotJunit(String),
    Malformed(String),
}

/// An open `<testsuite>` or the `<testsuites>` root.
struct Suite {
    label: String,
    depth: usize,
    declared: [Option<u64>; 4],
    counted: Counts,
}

/// The open `<testcase>`.
struct Case {
    name: String,
    depth: usize,
    outcome: Option<FailedTest>,
    skipped: bool,
    /// Depth of the `<failure>` / `<error>` whose text is being collected for want of a message attribute.
    capture: Option<usize>,
    /// Text collected from that element, at most [`CAPTURE_BYTES`].
    captured: String,
}

/// How much of a failure's text is kept to find its first line.
const CAPTURE_BYTES: usize = 4096;

#[derive(Default)]
struct State {
    /// Names of the open elements, innermost last (a heap stack: nesting depth is not bounded by the call stack).
    open: Vec<String>,
    root_seen: bool,
    suites: Vec<Suite>,
    case: Option<Case>,
    report: JunitReport,
}

const AGGREGATES: [&str; 4] = ["tests", "failures", "errors", "skipped"];

impl State {
    fn open_element(&self) -> Option<&str> {
        self.open.last().map(String::as_str)
    }

    fn start(&mut self, e: &BytesStart<'_>) -> Result<(), Problem> {
        let name = e.local_name().as_ref().to_owned();
        let depth = self.open.len();
        if depth == 0 {
            if self.root_seen {
                return Err(Problem::Malformed(format!(
                    "a second root element <{name}> after the report; a JUnit file holds one report"
                )));
            }
            self.root_seen = true;
            if name != "testsuites" && name != "testsuite" {
                return Err(Problem::NotJunit(format!("<{name}>")));
            }
        }
        let attrs = Attrs::read(e)?;
        if let Some(case) = &mut self.case {
            if depth == case.depth + 1 {
                match name.as_str() {
                    "failure" | "error" => {
                        let kind = if name == "error" {
                            FailureKind::Error
                        } else {
                            FailureKind::Failure
                        };
                        // An error outranks a failure; the first of each kind gives the message.
                        let replace = match &case.outcome {
                            None => true,
                            Some(existing) => {
                                existing.kind == FailureKind::Failure && kind == FailureKind::Error
                            }
                        };
                        if replace {
                            let message = attrs
                                .get("message")
                                .or_else(|| attrs.get("type"))
                                .map(first_line)
                                .unwrap_or_default();
                            case.capture = message.is_empty().then_some(depth);
                            case.captured.clear();
                            case.outcome = Some(FailedTest {
                                name: case.name.clone(),
                                kind,
                                message,
                            });
                        }
                    }
                    "skipped" => case.skipped = true,
                    _ => {}
                }
            }
        } else if name == "testcase" {
            let test = attrs.get("name").unwrap_or("(unnamed test)");
            let name = match attrs.get("classname") {
                Some(class) if !class.is_empty() => format!("{class}::{test}"),
                _ => test.to_owned(),
            };
            self.case = Some(Case {
                name,
                depth,
                outcome: None,
                skipped: false,
                capture: None,
                captured: String::new(),
            });
        } else if name == "testsuite" || (depth == 0 && name == "testsuites") {
            let label = match attrs.get("name") {
                Some(n) => format!("<{name} name={n:?}>"),
                None => format!("<{name}>"),
            };
            let declared = AGGREGATES.map(|a| attrs.get(a).and_then(|v| v.trim().parse().ok()));
            self.suites.push(Suite {
                label,
                depth,
                declared,
                counted: Counts::default(),
            });
        }
        self.open.push(name);
        Ok(())
    }

    fn end(&mut self) -> Result<(), Problem> {
        if self.open.pop().is_none() {
            return Err(Problem::Malformed(
                "a closing tag without an opening one".to_owned(),
            ));
        }
        let depth = self.open.len();
        if let Some(case) = &mut self.case {
            if case.capture == Some(depth) {
                case.capture = None;
            }
            if case.depth == depth {
                self.finish_case();
            }
            return Ok(());
        }
        if self.suites.last().is_some_and(|s| s.depth == depth)
            && let Some(suite) = self.suites.pop()
        {
            self.finish_suite(suite);
        }
        Ok(())
    }

    fn text(&mut self, text: &str) {
        let Some(case) = &mut self.case else { return };
        if case.capture.is_none() {
            return;
        }
        let room = CAPTURE_BYTES.saturating_sub(case.captured.len());
        let mut end = room.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        case.captured.push_str(text.get(..end).unwrap_or_default());
    }

    fn finish_case(&mut self) {
        let Some(case) = self.case.take() else { return };
        let mut counts = Counts {
            tests: 1,
            ..Counts::default()
        };
        match case.outcome {
            Some(mut failed) => {
                if failed.message.is_empty() {
                    failed.message = first_line(&case.captured);
                }
                match failed.kind {
                    FailureKind::Failure => counts.failures = 1,
                    FailureKind::Error => counts.errors = 1,
                }
                self.report.failing.push(failed);
            }
            None if case.skipped => counts.skipped = 1,
            None => counts.passed = 1,
        }
        self.report.counts.add(&counts);
        if let Some(suite) = self.suites.last_mut() {
            suite.counted.add(&counts);
        }
    }

    fn finish_suite(&mut self, suite: Suite) {
        let counted = [
            suite.counted.tests,
            suite.counted.failures,
            suite.counted.errors,
            suite.counted.skipped,
        ];
        let disagreements = AGGREGATES
            .iter()
            .zip(suite.declared)
            .zip(counted)
            .filter_map(|((attr, declared), counted)| match declared {
                Some(d) if d != counted => Some(format!("{attr}=\"{d}\" but {counted} found")),
                _ => None,
            })
            .collect::<Vec<_>>();
        if !disagreements.is_empty() {
            self.report
                .mismatches
                .push(format!("{}: {}", suite.label, disagreements.join(", ")));
        }
        if let Some(parent) = self.suites.last_mut() {
            parent.counted.add(&suite.counted);
        }
    }
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    truncate(line, MESSAGE_CHARS)
}

/// The attributes of one element, unescaped.
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn read(e: &BytesStart<'_>) -> Result<Self, Problem> {
        let mut out = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| {
                // The error counts its position from the element's start, where it is reported anyway.
                let text = err.to_string();
                let reason = text
                    .split_once(": ")
                    .filter(|(head, _)| head.starts_with("position "))
                    .map_or(text.as_str(), |(_, rest)| rest);
                let element = e.local_name();
                let element = element.as_ref();
                Problem::Malformed(format!("in <{element}>: {reason}"))
            })?;
            let key = attr.key.local_name().as_ref().to_owned();
            let value = match attr.normalized_value(XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                // An entity declared in a DTD we do not read: keep the text as written rather than refuse.
                Err(_) => attr.value.to_string(),
            };
            out.push((key, value));
        }
        Ok(Self(out))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const PYTEST: &[u8] = include_bytes!("../../tests/fixtures/evidence/junit-pytest.xml");
    const SUREFIRE: &[u8] = include_bytes!("../../tests/fixtures/evidence/junit-surefire.xml");
    const NESTED: &[u8] = include_bytes!("../../tests/fixtures/evidence/junit-nested.xml");
    const MALFORMED: &[u8] = include_bytes!("../../tests/fixtures/evidence/junit-malformed.xml");

    #[test]
    fn pytest_report_with_a_failure_and_an_error() {
        let report = parse(PYTEST).unwrap();
        assert_eq!(
            report.counts,
            Counts {
                tests: 5,
                passed: 2,
                failures: 1,
                errors: 1,
                skipped: 1
            }
        );
        assert_eq!(
            report.failing,
            [
                FailedTest {
                    name: "tests.test_summarizer::test_hallucination_guard".into(),
                    kind: FailureKind::Failure,
                    message: "AssertionError: hallucination rate 0.072 above 0.05".into(),
                },
                FailedTest {
                    name: "tests.test_tokenizer::test_roundtrip".into(),
                    kind: FailureKind::Error,
                    message: "failed on setup with \"FileNotFoundError: [Errno 2] No such file or directory: 'vocab.json'\"".into(),
                },
            ]
        );
        assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);

        let outcome = evaluate(&report, 3);
        assert!(!outcome.met);
        assert_eq!(
            outcome.expected,
            "no failures or errors, at least 3 tests run (skipped ones excluded)"
        );
        assert!(
            outcome
                .found
                .starts_with("4 tests run: 2 passed, 1 failed, 1 error; 1 skipped; failing: tests.test_summarizer::test_hallucination_guard (AssertionError"),
            "{}",
            outcome.found
        );
    }

    #[test]
    fn single_testsuite_root_from_surefire() {
        let report = parse(SUREFIRE).unwrap();
        assert_eq!(report.counts.tests, 4);
        assert_eq!(
            report.counts.passed, 4,
            "a flaky failure that passed on rerun is a pass"
        );
        assert!(report.failing.is_empty());
        assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
        let outcome = evaluate(&report, 4);
        assert!(outcome.met, "{outcome:?}");
        assert_eq!(
            outcome.found,
            "4 tests run: 4 passed, 0 failed, 0 errors; 0 skipped"
        );
        assert!(!evaluate(&report, 5).met);
        assert!(evaluate(&report, 5).found.ends_with("; fewer than 5 run"));
    }

    #[test]
    fn nested_suites_are_counted_and_totals_are_not_trusted() {
        let report = parse(NESTED).unwrap();
        assert_eq!(report.counts.tests, 3);
        assert_eq!(report.counts.failures, 1);
        assert_eq!(
            report.failing,
            [FailedTest {
                name: "Acme.Tests.PromptTest::testNoSecretsInPrompt".into(),
                kind: FailureKind::Failure,
                message: "PHPUnit\\Framework\\ExpectationFailedException".into(),
            }]
        );
        // Both the inner and the outer suite claim failures="0".
        assert_eq!(
            report.mismatches,
            [
                "<testsuite name=\"Acme\\\\Tests\\\\PromptTest\">: failures=\"0\" but 1 found",
                "<testsuite name=\"Acme\\\\Tests\">: failures=\"0\" but 1 found",
            ]
        );
        let outcome = evaluate(&report, 1);
        assert!(!outcome.met);
        assert!(
            outcome.found.contains("the suite totals disagree"),
            "{}",
            outcome.found
        );
    }

    #[test]
    fn malformed_xml_names_the_position() {
        match parse(MALFORMED) {
            Err(EvidenceError::MalformedXml { line, reason, .. }) => {
                assert_eq!(line, 5, "{reason}");
                assert!(reason.contains("testcase"), "{reason}");
            }
            other => panic!("expected MalformedXml, got {other:?}"),
        }
    }

    #[test]
    fn problems_in_an_element_point_at_it() {
        match parse(b"<testsuite>\n  <testcase name=\"a\" name=\"b\"/></testsuite>") {
            Err(EvidenceError::MalformedXml {
                line,
                column,
                reason,
            }) => {
                assert_eq!((line, column), (2, 3));
                assert!(
                    reason.starts_with("in <testcase>: duplicated attribute"),
                    "{reason}"
                );
            }
            other => panic!("expected MalformedXml, got {other:?}"),
        }
    }

    fn counts_of(xml: &str) -> Counts {
        parse(xml.as_bytes()).unwrap().counts
    }

    #[test]
    fn status_rules() {
        let c = counts_of(
            r#"<testsuite>
                 <testcase name="both"><failure message="f"/><error message="e"/></testcase>
                 <testcase name="skip-and-fail"><skipped/><failure/></testcase>
                 <testcase name="skip"><skipped/></testcase>
                 <testcase name="pass"><system-out>failure</system-out></testcase>
                 <testcase name="nested-not-direct"><properties><failure/></properties></testcase>
               </testsuite>"#,
        );
        assert_eq!(
            c,
            Counts {
                tests: 5,
                passed: 2,
                failures: 1,
                errors: 1,
                skipped: 1
            }
        );
    }

    #[test]
    fn error_outranks_failure_and_keeps_its_message() {
        let report = parse(
            br#"<testsuite><testcase classname="" name="t"><failure message="f"/><error message="e"/></testcase></testsuite>"#,
        )
        .unwrap();
        assert_eq!(
            report.failing,
            [FailedTest {
                name: "t".into(),
                kind: FailureKind::Error,
                message: "e".into()
            }]
        );
    }

    #[test]
    fn message_falls_back_to_the_first_text_line() {
        let report = parse(
            b"<testsuite><testcase name=\"t\"><failure>\n\n  first &amp; line &#x41;\n  second\n</failure></testcase></testsuite>",
        )
        .unwrap();
        assert_eq!(report.failing[0].message, "first & line A");
        let report =
            parse(b"<testsuite><testcase name=\"t\"><failure/></testcase></testsuite>").unwrap();
        assert_eq!(report.failing[0].message, "");
        assert_eq!(
            evaluate(&report, 0).found,
            "1 test run: 0 passed, 1 failed, 0 errors; 0 skipped; failing: t"
        );
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(10_000);
        let xml = format!(
            "<testsuite><testcase name=\"t\"><failure>{long}</failure></testcase></testsuite>"
        );
        let report = parse(xml.as_bytes()).unwrap();
        assert_eq!(report.failing[0].message.chars().count(), MESSAGE_CHARS + 1);
    }

    #[test]
    fn skipped_tests_do_not_count_toward_the_minimum() {
        let report = parse(
            br#"<testsuites><testsuite><testcase name="a"/><testcase name="b"><skipped/></testcase><testcase name="c"><skipped/></testcase></testsuite></testsuites>"#,
        )
        .unwrap();
        assert_eq!(report.counts.ran(), 1);
        assert!(evaluate(&report, 1).met);
        assert!(!evaluate(&report, 2).met);
        assert_eq!(evaluate(&report, 0).expected, "no failures or errors");
    }

    #[test]
    fn empty_report() {
        let report = parse(b"<testsuites/>").unwrap();
        assert_eq!(report.counts, Counts::default());
        assert!(evaluate(&report, 0).met);
        assert!(!evaluate(&report, 1).met);
    }

    #[test]
    fn bad_input_is_typed() {
        assert!(
            matches!(parse(b""), Err(EvidenceError::NotJunit { root }) if root == "no element")
        );
        assert!(matches!(
            parse(b"<?xml version=\"1.0\"?><html><body/></html>"),
            Err(EvidenceError::NotJunit { root }) if root == "<html>"
        ));
        assert!(matches!(
            parse(b"<testsuite></testsuite><testsuite></testsuite>"),
            Err(EvidenceError::MalformedXml { .. })
        ));
        assert!(matches!(
            parse(b"<testsuite><testcase name=\"a\">"),
            Err(EvidenceError::MalformedXml { .. })
        ));
        assert!(matches!(
            parse(b"<testsuite><testcase name=\"a\" name=\"b\"/></testsuite>"),
            Err(EvidenceError::MalformedXml { .. })
        ));
        assert!(matches!(
            parse(b"\xFF\xFE<\x00t\x00"),
            Err(EvidenceError::MalformedXml { .. })
        ));
        assert!(matches!(
            parse(b"<testsuite><testcase name=\"\xFF\"/></testsuite>"),
            Err(EvidenceError::MalformedXml { .. })
        ));
    }

    #[test]
    fn a_dtd_is_refused_before_any_entity_is_read() {
        let xml = br#"<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY lol "lollollollollollollol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<testsuite><testcase name="a"><failure message="&lol2;"/></testcase></testsuite>"#;
        assert_eq!(
            parse(xml),
            Err(EvidenceError::XmlDoctype { line: 2, column: 1 })
        );
        // The entity that hides a failure from a reader that does not expand it.
        let hidden = include_bytes!("../../tests/fixtures/evidence/junit-doctype-entity.xml");
        assert_eq!(
            parse(hidden),
            Err(EvidenceError::XmlDoctype { line: 2, column: 1 })
        );
    }

    #[test]
    fn undefined_entities_in_text_are_refused() {
        let err = parse(b"<testsuite><testcase name=\"a\">&hidden;</testcase></testsuite>");
        assert!(
            matches!(&err, Err(EvidenceError::MalformedXml { reason, .. }) if reason.contains("undefined entity &hidden;")),
            "{err:?}"
        );
        let ok = parse(b"<testsuite><testcase name=\"a\">&amp;&#65;&#x42;</testcase></testsuite>");
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 200_000;
        let mut xml = "<testsuite>".repeat(depth);
        xml.push_str("<testcase name=\"deep\"><failure/></testcase>");
        xml.push_str(&"</testsuite>".repeat(depth));
        let report = parse(xml.as_bytes()).unwrap();
        assert_eq!(report.counts.failures, 1);
    }

    #[test]
    fn utf8_bom_is_accepted() {
        let report = parse(b"\xEF\xBB\xBF<testsuite><testcase name=\"a\"/></testsuite>").unwrap();
        assert_eq!(report.counts.passed, 1);
    }
}
