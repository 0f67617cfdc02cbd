//! What a `sarif` criterion asks of a log beyond a severity: which results are in scope (tool, rule id glob,
//! tags), how a result with only a `level` maps to a severity, and how many findings are allowed.

use std::fmt;

use super::severity::Level;
use crate::vocab::Severity;

/// A rule id pattern: `*` matches any run of characters (also none), `?` exactly one; everything else matches
/// itself, case-sensitively (`B6*` matches `B602`, not `b602`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleGlob(String);

/// Characters that other glob dialects give a meaning; refused so that a pattern never means less than it says.
const RESERVED: &[char] = &['[', ']', '{', '}', '\\', '!'];

impl RuleGlob {
    /// A glob over rule ids.
    ///
    /// # Errors
    /// A description of the problem when the pattern is empty, has surrounding whitespace or control characters,
    /// or uses a glob syntax other than `*` and `?` (`[`, `]`, `{`, `}`, `\`, `!`).
    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("is empty".to_owned());
        }
        if pattern.trim() != pattern || pattern.chars().any(char::is_control) {
            return Err("has surrounding whitespace or control characters".to_owned());
        }
        if let Some(c) = pattern.chars().find(|c| RESERVED.contains(c)) {
            return Err(format!("uses `{c}`; only `*` and `?` are globs"));
        }
        Ok(Self(pattern.to_owned()))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `id` matches the whole pattern.
    pub fn matches(&self, id: &str) -> bool {
        let pattern = self.0.chars().collect::<Vec<_>>();
        let text = id.chars().collect::<Vec<_>>();
        // Iterative matching with one backtrack point (the last `*`): linear in practice, never recursive.
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pattern.get(p) {
                Some('*') => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(c) if *c == '?' || Some(c) == text.get(t) => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern
            .get(p..)
            .unwrap_or_default()
            .iter()
            .all(|c| *c == '*')
    }
}

impl fmt::Display for RuleGlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The severity of a result that has no `security-severity`, by its `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelSeverity {
    /// `level: error` (default high).
    pub error: Severity,
    /// `level: warning` (default medium).
    pub warning: Severity,
    /// `level: note` (default low).
    pub note: Severity,
    /// `level: none` (default none).
    pub none: Severity,
}

impl Default for LevelSeverity {
    fn default() -> Self {
        Self {
            error: Level::Error.severity(),
            warning: Level::Warning.severity(),
            note: Level::Note.severity(),
            none: Level::None.severity(),
        }
    }
}

impl LevelSeverity {
    /// The severity of `level`.
    pub fn get(&self, level: Level) -> Severity {
        match level {
            Level::Error => self.error,
            Level::Warning => self.warning,
            Level::Note => self.note,
            Level::None => self.none,
        }
    }

    /// The slot of `level`, to set it.
    pub fn slot(&mut self, level: Level) -> &mut Severity {
        match level {
            Level::Error => &mut self.error,
            Level::Warning => &mut self.warning,
            Level::Note => &mut self.note,
            Level::None => &mut self.none,
        }
    }
}

/// What a `sarif` criterion requires of a log.
///
/// An empty `tools`, `rules` or `tags` list means "no filter" (the policy refuses empty lists, so only the
/// default is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifCheck {
    /// Open results in scope at or above this severity are findings.
    pub fail_on: Severity,
    /// Only runs whose `tool.driver.name` is one of these (ASCII case-insensitive); empty: every run. When no
    /// run of the log is of a listed tool the criterion is unmet: the scan it asks for is not in the file.
    pub tools: Vec<String>,
    /// Only results whose rule id matches one of these; empty: every rule id.
    pub rules: Vec<RuleGlob>,
    /// Results whose rule id matches one of these are out of scope (applied after `rules`).
    pub exclude_rules: Vec<RuleGlob>,
    /// Only results with one of these tags (ASCII case-insensitive) in the `properties.tags` of the result or
    /// of its rule; empty: every result.
    pub tags: Vec<String>,
    /// The severity of a result without a usable `security-severity`, by its level.
    pub level_severity: LevelSeverity,
    /// Findings allowed at or above `fail_on` (default 0).
    pub max_findings: u64,
}

impl SarifCheck {
    /// No open result at or above `fail_on`, in any run, with the default level mapping.
    pub fn new(fail_on: Severity) -> Self {
        Self {
            fail_on,
            tools: Vec::new(),
            rules: Vec::new(),
            exclude_rules: Vec::new(),
            tags: Vec::new(),
            level_severity: LevelSeverity::default(),
            max_findings: 0,
        }
    }

    /// Whether a run of `tool` is in scope.
    pub fn takes_tool(&self, tool: &str) -> bool {
        self.tools.is_empty() || self.tools.iter().any(|t| t.eq_ignore_ascii_case(tool))
    }

    /// Whether a result of `rule_id` with `tags` is in scope (its run being in scope).
    pub fn takes_result(&self, rule_id: &str, tags: &[String]) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|g| g.matches(rule_id)))
            && !self.exclude_rules.iter().any(|g| g.matches(rule_id))
            && (self.tags.is_empty()
                || tags
                    .iter()
                    .any(|t| self.tags.iter().any(|w| w.eq_ignore_ascii_case(t))))
    }

    /// Whether the check narrows the log at all (anything other than severity and count).
    pub fn filters(&self) -> bool {
        !(self.tools.is_empty()
            && self.rules.is_empty()
            && self.exclude_rules.is_empty()
            && self.tags.is_empty())
    }
}
