//! Reading a spanned TOML document: the shapes every file a user writes is checked with (tables, arrays, names,
//! numbers, durations, fixed sets of words), each problem collected with its span instead of stopping at the first.
//! `policy.toml` (and each criterion kind's entry in it) and `release.toml` are read with a [`Reader`].

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::{DiagnosticKind as K, LineIndex, Problem};
use crate::duration::parse_duration;
use crate::vocab::{ChangeType, Gate, Name, Severity, Tier};

/// A byte range in the document.
pub(crate) type Span = Range<usize>;
/// A value of the document with its span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

pub(crate) const TIERS: &[(&str, Tier)] = &[
    ("low", Tier::Low),
    ("standard", Tier::Standard),
    ("critical", Tier::Critical),
];
pub(crate) const CHANGES: &[(&str, ChangeType)] = &[
    ("model", ChangeType::Model),
    ("prompt", ChangeType::Prompt),
    ("config", ChangeType::Config),
    ("code", ChangeType::Code),
];
pub(crate) const SEVERITIES: &[(&str, Severity)] = &[
    ("none", Severity::None),
    ("low", Severity::Low),
    ("medium", Severity::Medium),
    ("high", Severity::High),
    ("critical", Severity::Critical),
];
pub(crate) const GATES: &[(&str, Gate)] = &[
    ("technical", Gate::Technical),
    ("operational", Gate::Operational),
    ("stakeholder", Gate::Stakeholder),
    ("execution", Gate::Execution),
    ("post-deployment", Gate::PostDeployment),
];

pub(crate) const DURATION_HELP: &str = "write a duration such as \"90s\", \"15m\", \"4h\", \"7d\" or \"1h30m\" (units d, h, m, s, largest first)";
pub(crate) const NAME_HELP: &str = Name::RULE;

pub(crate) fn syntax_problem(error: &toml::de::Error) -> Problem {
    let mut message = error.message().trim().replace('\n', "; ");
    if message.is_empty() {
        message = "invalid TOML".to_owned();
    }
    Problem {
        kind: K::Syntax,
        span: error.span().unwrap_or(0..0),
        message: format!("TOML syntax: {message}"),
        label: "here".to_owned(),
        help:
            "fix the TOML syntax (https://toml.io); nothing else is checked until the file parses"
                .to_owned(),
    }
}

/// Collects problems (and warnings) while a document is read.
pub(crate) struct Reader<'t> {
    /// Problems that stop the file from loading.
    pub(crate) problems: Vec<Problem>,
    /// Problems that do not.
    pub(crate) warnings: Vec<Problem>,
    /// Where lines start, for positions.
    pub(crate) lines: LineIndex<'t>,
}

impl<'t> Reader<'t> {
    /// A reader of `text`.
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            problems: Vec::new(),
            warnings: Vec::new(),
            lines: LineIndex::new(text),
        }
    }
}

impl Reader<'_> {
    pub(crate) fn report(
        &mut self,
        kind: K,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.problems.push(Problem {
            kind,
            span,
            message: message.into(),
            label: label.into(),
            help: help.into(),
        });
    }

    // ----- generic shapes -------------------------------------------------------------------------------------

    pub(crate) fn unknown_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], place: &str) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let mut help = String::new();
            if let Some(close) = suggest(name, allowed.iter().copied()) {
                help.push_str(&format!("did you mean `{close}`? "));
            }
            help.push_str(&format!("allowed keys in {place}: {}", list(allowed)));
            self.report(
                K::UnknownKey,
                key.span(),
                format!("unknown key `{}` in {place}", show(name)),
                "unknown key",
                help,
            );
        }
    }

    pub(crate) fn required<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        key: &str,
        table_span: Span,
        place: &str,
        example: &str,
    ) -> Option<&'t Value<'i>> {
        let value = table.get(key);
        if value.is_none() {
            self.report(
                K::MissingKey,
                table_span,
                format!("missing required key `{key}` in {place}"),
                format!("`{key}` is required here"),
                format!("add it, for example `{example}`"),
            );
        }
        value
    }

    pub(crate) fn wrong_type(
        &mut self,
        value: &Value<'_>,
        what: &str,
        expected: &str,
        example: &str,
    ) {
        self.report(
            K::WrongType,
            value.span(),
            format!(
                "{what} must be {expected}, found {}",
                type_name(value.get_ref())
            ),
            format!("expected {expected}"),
            format!("write it like `{example}`"),
        );
    }

    pub(crate) fn table<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        what: &str,
        example: &str,
    ) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(value, what, "a table", example);
                None
            }
        }
    }

    /// A table whose keys must all be in `allowed`: the shape of every entry with named keys.
    pub(crate) fn keyed_table<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        what: &str,
        example: &str,
        allowed: &[&str],
    ) -> Option<&'v DeTable<'i>> {
        let table = self.table(value, what, example)?;
        self.unknown_keys(table, allowed, what);
        Some(table)
    }

    pub(crate) fn array<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        what: &str,
        example: &str,
    ) -> Option<&'v DeArray<'i>> {
        match value.get_ref() {
            DeValue::Array(a) => Some(a),
            _ => {
                self.wrong_type(value, what, "an array", example);
                None
            }
        }
    }

    /// An array with at least one element; an empty one is reported with `label` and `help`.
    pub(crate) fn non_empty_array<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        what: &str,
        example: &str,
        label: &str,
        help: &str,
    ) -> Option<&'v DeArray<'i>> {
        let items = self.array(value, what, example)?;
        if items.is_empty() {
            self.report(
                K::EmptyList,
                value.span(),
                format!("{what} is empty"),
                label,
                help,
            );
            return None;
        }
        Some(items)
    }

    pub(crate) fn string<'v>(
        &mut self,
        value: &'v Value<'_>,
        what: &str,
        example: &str,
    ) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.wrong_type(value, what, "a string", example);
                None
            }
        }
    }

    /// A non-empty string without control characters or surrounding whitespace.
    pub(crate) fn text(&mut self, value: &Value<'_>, what: &str, example: &str) -> Option<String> {
        let s = self.string(value, what, example)?;
        let problem = if s.is_empty() {
            Some("is empty")
        } else if s.trim() != s {
            Some("has leading or trailing whitespace")
        } else if s.chars().any(char::is_control) {
            Some("contains control characters")
        } else {
            None
        };
        match problem {
            None => Some(s.to_owned()),
            Some(problem) => {
                self.report(
                    K::BadValue,
                    value.span(),
                    format!("{what} {problem}"),
                    "not usable",
                    format!("write it like `{example}`"),
                );
                None
            }
        }
    }

    /// A criterion id, role or evidence name.
    pub(crate) fn name(&mut self, value: &Value<'_>, what: &str, example: &str) -> Option<String> {
        let s = self.string(value, what, example)?;
        if is_name(s) {
            Some(s.to_owned())
        } else {
            self.report(
                K::BadValue,
                value.span(),
                format!("invalid name `{}` in {what}", show(s)),
                "not a valid name",
                NAME_HELP,
            );
            None
        }
    }

    pub(crate) fn integer(&mut self, value: &Value<'_>, what: &str, example: &str) -> Option<i128> {
        match value.get_ref() {
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.report(
                        K::BadValue,
                        value.span(),
                        format!("{what} is out of range"),
                        "too large",
                        format!("write it like `{example}`"),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(value, what, "an integer", example);
                None
            }
        }
    }

    /// A count of distinct approvers or tests: at least 1.
    pub(crate) fn count(&mut self, value: &Value<'_>, what: &str, example: &str) -> Option<u32> {
        let n = self.integer(value, what, example)?;
        if n == 0 {
            self.report(
                K::ZeroCount,
                value.span(),
                format!("{what} is 0"),
                "must be at least 1",
                "a requirement of zero is always met, so it checks nothing: use 1 or more, or remove it",
            );
            return None;
        }
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.report(
                    K::BadValue,
                    value.span(),
                    format!("{what} must be between 1 and {}, found {n}", u32::MAX),
                    "out of range",
                    format!("write it like `{example}`"),
                );
                None
            }
        }
    }

    /// An integer or float, finite.
    pub(crate) fn number(&mut self, value: &Value<'_>, what: &str, example: &str) -> Option<f64> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => {
                self.wrong_type(value, what, "a number", example);
                return None;
            }
        };
        match parsed {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.report(
                    K::BadValue,
                    value.span(),
                    format!("{what} must be a finite number"),
                    "not a finite number",
                    format!("write it like `{example}`"),
                );
                None
            }
        }
    }

    pub(crate) fn duration(
        &mut self,
        value: &Value<'_>,
        what: &str,
        example: &str,
    ) -> Option<Duration> {
        let s = self.string(value, what, example)?;
        match parse_duration(s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.report(
                    K::BadDuration,
                    value.span(),
                    format!("{what} is not a valid duration: {e}"),
                    "bad duration",
                    DURATION_HELP,
                );
                None
            }
        }
    }

    pub(crate) fn one_of<T: Copy>(
        &mut self,
        value: &Value<'_>,
        what: &str,
        kind_name: &str,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let example = choices.first().map_or("", |(n, _)| *n);
        let s = self.string(value, what, &format!("\"{example}\""))?;
        if let Some((_, v)) = choices.iter().find(|(n, _)| *n == s) {
            return Some(*v);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let mut help = String::new();
        if let Some(close) = suggest(s, names.iter().copied()) {
            help.push_str(&format!("did you mean `{close}`? "));
        }
        help.push_str(&format!("{kind_name}s are {}", list(&names)));
        self.report(
            K::UnknownValue,
            value.span(),
            format!("unknown {kind_name} `{}` in {what}", show(s)),
            format!("not a {kind_name}"),
            help,
        );
        None
    }

    /// A non-empty list of tiers, duplicates dropped.
    pub(crate) fn tiers(&mut self, value: &Value<'_>, what: &str) -> Option<Vec<Tier>> {
        let example = "tiers = [\"critical\"]";
        let items = self.non_empty_array(
            value,
            what,
            example,
            "applies to no tier",
            "list the tiers it applies to, or remove `tiers` to apply it to every tier",
        )?;
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.one_of(item, what, "tier", TIERS) {
                Some(t) if !out.contains(&t) => out.push(t),
                Some(_) => {}
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Criterion ids, role names and evidence names: the one rule of [`Name`].
pub(crate) fn is_name(s: &str) -> bool {
    Name::is_valid(s)
}

pub(crate) fn tier_list(tiers: &[Tier]) -> String {
    let names: Vec<String> = tiers.iter().map(|t| format!("`{t}`")).collect();
    match names.len() {
        1 => format!("tier {}", names.join("")),
        _ => format!("tiers {}", names.join(", ")),
    }
}

pub(crate) fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// User text shown in a message: control characters escaped, at most 60 characters.
pub(crate) fn show(s: &str) -> String {
    let mut out: String = s.chars().take(60).flat_map(char::escape_debug).collect();
    if s.chars().nth(60).is_some() {
        out.push('…');
    }
    out.replace('`', "'")
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.chars().count() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let word = word.to_lowercase();
    let candidates: Vec<&str> = candidates.collect();
    let close = candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    // `maximum` for `max`, `tier` for `tiers`: one is a prefix of the other.
    close.or_else(|| {
        candidates
            .iter()
            .filter(|c| {
                let c = c.to_lowercase();
                c.len() >= 3 && (word.starts_with(&c) || c.starts_with(&word)) && word.len() >= 3
            })
            .max_by_key(|c| c.len())
            .copied()
    })
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}
