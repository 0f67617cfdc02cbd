//! The GitHub Actions runtime: step outputs, the token mask, the job summary and annotations.
//!
//! Active only when `GITHUB_ACTIONS=true` ([`Runtime::detect`]). What it writes:
//!
//! - **Mask**: `::add-mask::<token>` on **stderr**, before the token appears anywhere. The
//!   runner reads workflow commands from both stdout and stderr of a step (the actions/runner
//!   script handler attaches a command-processing output manager to each stream), and
//!   gatepass's stdout carries only the result — `TOKEN=$(gatepass issue …)` must capture the
//!   token and nothing else. The runner reads the two pipes concurrently, so after the mask
//!   gatepass pauses briefly ([`MASK_SETTLE`]) before the token goes to stdout.
//! - **Outputs** appended to `$GITHUB_OUTPUT` as `name<<delimiter` blocks with a fresh random
//!   delimiter per value: `token`, `decision` (`allow|deny|exception|warn`), `unmet` and
//!   `approvers` (JSON arrays), `release-digest`.
//! - **Job summary** appended to `$GITHUB_STEP_SUMMARY`: the criteria per gate with ✅/❌,
//!   expected and found, the approvals counted and not counted, the exception; capped below
//!   GitHub's 1 MiB per step with a note when cut.
//! - **Annotations** on stderr: `::error file=…,line=…,col=…,title=…::…` per unmet criterion
//!   (`::warning` in warn mode and for waived criteria), at most [`MAX_ANNOTATIONS`], escaped
//!   per the Actions rules, with control characters and bidi overrides from evidence escaped
//!   first ([`crate::untrusted::escape`]).

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::evaluate::{CriterionResult, Decision, Outcome, Status};
use crate::token::claims::Claims;
use crate::untrusted::escape as t;
use crate::vocab::Gate;

/// The step outputs gatepass writes, each on every run: `token`, `decision`, `unmet`,
/// `approvers`, `release-digest`.
pub const OUTPUTS: [&str; 5] = ["token", "decision", "unmet", "approvers", "release-digest"];

/// GitHub's limit on the job summary of one step.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// At most this many annotations of each kind are emitted (GitHub shows ten per step).
pub const MAX_ANNOTATIONS: usize = 10;

/// Pause after `::add-mask::` before the token is printed, so the runner, which reads stderr
/// and stdout on separate threads, has registered the mask first.
pub const MASK_SETTLE: Duration = Duration::from_millis(100);

/// Lines of details shown per unmet criterion in the summary.
const DETAIL_LINES: usize = 20;

/// Rows of "not counted" shown in the summary.
const IGNORED_ROWS: usize = 200;

/// Writing to the runner's files failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionsError {
    /// `$GITHUB_OUTPUT` or `$GITHUB_STEP_SUMMARY` could not be appended to.
    #[error("cannot append to {} (${var}): {source}", path.display())]
    Write {
        /// `GITHUB_OUTPUT` or `GITHUB_STEP_SUMMARY`.
        var: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No random bytes for a heredoc delimiter.
    #[error("cannot generate a random output delimiter: {0}")]
    Random(String),
}

/// The runner's files, when running inside GitHub Actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// `$GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `$GITHUB_STEP_SUMMARY`.
    pub summary: Option<PathBuf>,
    /// `$GITHUB_WORKSPACE`: annotation paths are made relative to it.
    pub workspace: Option<PathBuf>,
}

impl Runtime {
    /// The runtime of this process, when `GITHUB_ACTIONS=true`.
    pub fn detect() -> Option<Self> {
        Self::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// The runtime described by `lookup` (a variable name to its value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        if lookup("GITHUB_ACTIONS").as_deref() != Some("true") {
            return None;
        }
        let path = |name| lookup(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Some(Self {
            output: path("GITHUB_OUTPUT"),
            summary: path("GITHUB_STEP_SUMMARY"),
            workspace: path("GITHUB_WORKSPACE"),
        })
    }

    /// Appends `outputs` to `$GITHUB_OUTPUT` in one write. Without the variable, nothing.
    pub fn write_outputs(&self, outputs: &[(&str, &str)]) -> Result<(), ActionsError> {
        let Some(path) = &self.output else {
            return Ok(());
        };
        let mut block = String::new();
        for (name, value) in outputs {
            block.push_str(&heredoc(name, value)?);
        }
        append(path, "GITHUB_OUTPUT", block.as_bytes())
    }

    /// Appends `markdown` to `$GITHUB_STEP_SUMMARY`. Without the variable, nothing.
    pub fn append_summary(&self, markdown: &str) -> Result<(), ActionsError> {
        match &self.summary {
            Some(path) => append(path, "GITHUB_STEP_SUMMARY", markdown.as_bytes()),
            None => Ok(()),
        }
    }

    /// `path` relative to the workspace when it lies inside it; as given otherwise.
    pub fn workspace_relative(&self, path: &Path) -> String {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = self
            .workspace
            .as_ref()
            .and_then(|ws| std::path::absolute(ws).ok())
            .and_then(|ws| absolute.strip_prefix(ws).ok().map(Path::to_path_buf));
        relative
            .unwrap_or_else(|| path.to_path_buf())
            .to_string_lossy()
            .replace('\\', "/")
    }
}

fn append(path: &Path, var: &'static str, bytes: &[u8]) -> Result<(), ActionsError> {
    let fail = |source| ActionsError::Write {
        var,
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.flush().map_err(fail)
}

/// One `name<<delimiter` output block with a random delimiter that does not occur in `value`.
pub fn heredoc(name: &str, value: &str) -> Result<String, ActionsError> {
    loop {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| ActionsError::Random(e.to_string()))?;
        let delimiter: String = bytes.iter().fold(String::from("gatepass_"), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        if !value.contains(&delimiter) {
            return Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        }
    }
}

/// The `::add-mask::` command for `secret`.
pub fn mask_command(secret: &str) -> String {
    format!("::add-mask::{}\n", escape_data(secret))
}

/// Escapes a workflow command's message: `%`, `\r`, `\n`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Where an annotation points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationLocation {
    /// File, relative to the workspace.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub col: Option<usize>,
}

impl AnnotationLocation {
    /// Parses `path:line:col` (or `path` alone) as written in `CriterionResult::defined_at`.
    pub fn parse(defined_at: &str) -> Self {
        let mut parts = defined_at.rsplitn(3, ':');
        let (col, line, file) = (parts.next(), parts.next(), parts.next());
        match (
            file,
            line.and_then(|l| l.parse().ok()),
            col.and_then(|c| c.parse().ok()),
        ) {
            (Some(file), Some(line), Some(col)) => Self {
                file: Some(file.to_owned()),
                line: Some(line),
                col: Some(col),
            },
            _ => Self {
                file: (!defined_at.is_empty()).then(|| defined_at.to_owned()),
                line: None,
                col: None,
            },
        }
    }
}

/// A workflow command with properties, escaped.
pub fn command(kind: &str, props: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let sep = if props.is_empty() { "" } else { " " };
    format!(
        "::{kind}{sep}{}::{}\n",
        props.join(","),
        escape_data(message)
    )
}

/// Annotations for the decision: one per unmet criterion (`error`, or `warning` in warn mode),
/// one `warning` per waived criterion; at most [`MAX_ANNOTATIONS`] of each, the last one
/// summing up the rest. `locate` says where each criterion points.
pub fn annotations(
    d: &Decision,
    warn_mode: bool,
    locate: &dyn Fn(&CriterionResult) -> AnnotationLocation,
) -> String {
    let unmet: Vec<&CriterionResult> = d.unmet().collect();
    let waived: Vec<&CriterionResult> = d
        .criteria
        .iter()
        .filter(|c| c.status == Status::Waived)
        .collect();
    let mut out = String::new();
    let kind = if warn_mode { "warning" } else { "error" };
    emit(&mut out, kind, &unmet, "unmet", locate);
    emit(&mut out, "warning", &waived, "waived by exception", locate);
    out
}

fn emit(
    out: &mut String,
    kind: &str,
    items: &[&CriterionResult],
    what: &str,
    locate: &dyn Fn(&CriterionResult) -> AnnotationLocation,
) {
    let shown = if items.len() > MAX_ANNOTATIONS {
        MAX_ANNOTATIONS - 1
    } else {
        items.len()
    };
    for c in &items[..shown] {
        let loc = locate(c);
        let mut props = Vec::new();
        if let Some(f) = loc.file {
            props.push(("file", f));
        }
        if let Some(l) = loc.line {
            props.push(("line", l.to_string()));
        }
        if let Some(c) = loc.col {
            props.push(("col", c.to_string()));
        }
        props.push(("title", format!("gatepass: {} {what}", t(&c.id))));
        // Each piece is escaped before the pieces are joined with gatepass's own line breaks, which
        // `command` then encodes: evidence text cannot add a line, or a character the log interprets.
        let mut message = format!(
            "[{}] {}: expected {}; found {}",
            c.gate,
            t(&c.id),
            t(&c.expected),
            t(&c.found)
        );
        if !c.files.is_empty() {
            let _ = write!(message, "\nevidence: {}", t(&c.files.join(", ")));
        }
        let _ = write!(message, "\npolicy: {}", t(&c.defined_at));
        for line in c.details.iter().take(5) {
            let _ = write!(message, "\n- {}", t(line));
        }
        if c.details.len() > 5 {
            let _ = write!(
                message,
                "\n… {} more in the job summary",
                c.details.len() - 5
            );
        }
        out.push_str(&command(kind, &props, &message));
    }
    if items.len() > shown {
        let rest: Vec<&str> = items[shown..].iter().map(|c| c.id.as_str()).collect();
        out.push_str(&command(
            kind,
            &[("title", format!("gatepass: {} more {what}", rest.len()))],
            &format!("also {what}: {} (see the job summary)", rest.join(", ")),
        ));
    }
}

/// The `decision` output: `allow`, `deny`, `exception`, or `warn` for a denial in warn mode.
pub fn decision_output(outcome: Outcome, warn_mode: bool) -> &'static str {
    match (outcome, warn_mode) {
        (Outcome::Deny, true) => "warn",
        (o, _) => o.as_str(),
    }
}

#[derive(Serialize)]
struct UnmetEntry<'a> {
    id: &'a str,
    gate: Gate,
    status: Status,
    expected: &'a str,
    found: &'a str,
    files: &'a [String],
    defined_at: &'a str,
}

#[derive(Serialize)]
struct ApproverEntry<'a> {
    role: &'a str,
    approver: &'a str,
    source: &'a str,
    at: String,
}

/// The `unmet` output: unmet and waived criteria as a JSON array.
pub fn unmet_json(d: &Decision) -> String {
    let entries: Vec<UnmetEntry<'_>> = d
        .criteria
        .iter()
        .filter(|c| matches!(c.status, Status::Unmet | Status::Waived))
        .map(|c| UnmetEntry {
            id: &c.id,
            gate: c.gate,
            status: c.status,
            expected: &c.expected,
            found: &c.found,
            files: &c.files,
            defined_at: &c.defined_at,
        })
        .collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned())
}

/// The `approvers` output: the approvals that counted, as a JSON array.
pub fn approvers_json(d: &Decision) -> String {
    let entries: Vec<ApproverEntry<'_>> = d
        .approvals
        .iter()
        .map(|a| ApproverEntry {
            role: &a.role,
            approver: &a.approver,
            source: &a.source,
            at: a.at.to_string(),
        })
        .collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned())
}

/// The `approvers` output of a verified token: its `approvals` claim.
pub fn approvers_json_of_claims(c: &Claims) -> String {
    let entries: Vec<ApproverEntry<'_>> = c
        .approvals
        .iter()
        .map(|a| ApproverEntry {
            role: &a.role,
            approver: &a.approver,
            source: &a.source,
            at: a.at.clone(),
        })
        .collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned())
}

/// A token minted in this step, as the summary mentions it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintedToken {
    /// Its `jti`.
    pub jti: String,
    /// Its lifetime in seconds.
    pub lifetime_secs: i64,
    /// Its `exp`, RFC 3339.
    pub expires: String,
}

impl MintedToken {
    /// What the summary says about the token with `claims`.
    pub fn of(claims: &Claims) -> Self {
        Self {
            jti: claims.jti.clone(),
            lifetime_secs: claims.exp - claims.iat,
            expires: jiff::Timestamp::from_second(claims.exp)
                .map_or_else(|_| claims.exp.to_string(), |t| t.to_string()),
        }
    }
}

/// Escapes text for a Markdown table cell or list item.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if crate::untrusted::is_unsafe(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for inside a Markdown code span in a table cell.
pub fn code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '|' => "\\|".to_owned(),
            '`' => "'".to_owned(),
            c if crate::untrusted::is_unsafe(c) => " ".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn gate_title(g: Gate) -> &'static str {
    match g {
        Gate::Technical => "Technical readiness",
        Gate::Operational => "Operational readiness",
        Gate::Stakeholder => "Stakeholder approval",
        Gate::Execution => "Deployment execution",
        Gate::PostDeployment => "Post-deployment validation",
    }
}

fn icon(s: Status) -> &'static str {
    match s {
        Status::Met => "✅",
        Status::Unmet => "❌",
        Status::Waived => "⚠️",
        Status::NotApplicable => "➖",
    }
}

/// The job summary of a decision, at most `limit` bytes (see [`cap`]).
pub fn summary(
    d: &Decision,
    warn_mode: bool,
    minted: Option<&MintedToken>,
    limit: usize,
) -> String {
    let mut s = String::new();
    let r = &d.release;
    let unmet = d.unmet().count();
    let (mark, verdict) = match (d.outcome, warn_mode) {
        (Outcome::Allow, _) => ("✅", "ALLOWED".to_owned()),
        (Outcome::Exception, _) => ("⚠️", "ALLOWED BY EXCEPTION".to_owned()),
        (Outcome::Deny, false) => ("❌", format!("DENIED: {unmet} unmet criteria")),
        (Outcome::Deny, true) => (
            "⚠️",
            format!("WARNING (mode warn, not enforced): {unmet} unmet criteria"),
        ),
    };
    let _ = writeln!(
        s,
        "## {mark} gatepass: {verdict} — {} {} → `{}`\n",
        md(&r.name),
        md(&r.version),
        code(&d.environment)
    );
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(
        s,
        "| Release | {} {} ({} change, tier {}) |",
        md(&r.name),
        md(&r.version),
        md(&r.change),
        r.tier
    );
    let _ = writeln!(s, "| Release digest | `{}` |", code(&r.digest));
    let _ = writeln!(
        s,
        "| Policy | `{}` ({}, `{}`) |",
        code(&d.policy.id),
        md(&d.policy.file),
        code(&d.policy.digest)
    );
    let _ = writeln!(s, "| Decided at | {} |", d.at);
    if let Some(t) = minted {
        let _ = writeln!(
            s,
            "| Deploy token | issued: `jti` {}, valid {} s, expires {}; masked in logs, available as the step output `token` |",
            md(&t.jti),
            t.lifetime_secs,
            md(&t.expires)
        );
    }
    s.push('\n');

    for gate in Gate::ALL {
        let mut rows = d.in_gate(gate).peekable();
        if rows.peek().is_none() {
            continue;
        }
        let _ = writeln!(s, "### {}\n", gate_title(gate));
        let _ = writeln!(
            s,
            "| | Criterion | Expected | Found | Evidence |\n|:-:|---|---|---|---|"
        );
        for c in rows {
            let found = match c.status {
                Status::Waived => format!("waived: {}", c.found),
                _ => c.found.clone(),
            };
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} | {} |",
                icon(c.status),
                code(&c.id),
                md(&c.expected),
                md(&found),
                md(&c.files.join(", "))
            );
        }
        s.push('\n');
    }

    let flagged: Vec<&CriterionResult> = d
        .criteria
        .iter()
        .filter(|c| matches!(c.status, Status::Unmet | Status::Waived))
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(s, "### Unmet criteria\n");
        for c in flagged {
            let waived = if c.status == Status::Waived {
                " (waived)"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "- **`{}`**{waived} — {}",
                code(&c.id),
                gate_title(c.gate)
            );
            let _ = writeln!(s, "  - expected: {}", md(&c.expected));
            let _ = writeln!(s, "  - found: {}", md(&c.found));
            if !c.files.is_empty() {
                let _ = writeln!(s, "  - evidence: {}", md(&c.files.join(", ")));
            }
            let _ = writeln!(s, "  - policy: {}", md(&c.defined_at));
            for line in c.details.iter().take(DETAIL_LINES) {
                let _ = writeln!(s, "  - {}", md(line));
            }
            if c.details.len() > DETAIL_LINES {
                let _ = writeln!(s, "  - … and {} more", c.details.len() - DETAIL_LINES);
            }
        }
        s.push('\n');
    }

    let _ = writeln!(s, "### Approvals counted\n");
    if d.approvals.is_empty() {
        let _ = writeln!(s, "None.\n");
    } else {
        let _ = writeln!(
            s,
            "| Role | Approver | Source | At | Record |\n|---|---|---|---|---|"
        );
        for a in &d.approvals {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                md(&a.role),
                md(&a.approver),
                md(&a.source),
                a.at,
                md(&a.origin)
            );
        }
        s.push('\n');
    }

    if !d.ignored.is_empty() {
        let _ = writeln!(s, "### Records not counted\n");
        let _ = writeln!(s, "| Record | Approver | Why |\n|---|---|---|");
        for i in d.ignored.iter().take(IGNORED_ROWS) {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                md(&i.origin),
                md(i.approver.as_deref().unwrap_or("?")),
                md(&i.reason)
            );
        }
        if d.ignored.len() > IGNORED_ROWS {
            let _ = writeln!(
                s,
                "\n… and {} more; see the job log.",
                d.ignored.len() - IGNORED_ROWS
            );
        }
        s.push('\n');
    }

    if let Some(e) = &d.exception {
        let _ = writeln!(s, "### ⚠️ Exception\n");
        let _ = writeln!(s, "| | |\n|---|---|");
        let _ = writeln!(s, "| Waived | {} |", md(&e.waived.join(", ")));
        let _ = writeln!(s, "| Reason | {} |", md(&e.reason));
        let _ = writeln!(s, "| Risk acceptance | {} |", md(&e.risk_acceptance));
        let _ = writeln!(s, "| Approved by | {} |", md(&e.approved_by.join(", ")));
        let _ = writeln!(s, "| Expires | {} |", e.expires);
        s.push('\n');
    }
    cap(s, limit)
}

/// `s` cut at a line boundary so that it and a truncation note fit in `limit` bytes.
pub fn cap(mut s: String, limit: usize) -> String {
    if s.len() <= limit {
        return s;
    }
    let note = format!(
        "\n\n> **Summary truncated** at {limit} bytes (GitHub keeps at most 1 MiB per step); the job log and `--format json` carry the whole decision.\n"
    );
    let mut cut = limit.saturating_sub(note.len());
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = s[..cut].rfind('\n').map_or(cut, |n| n + 1);
    s.truncate(cut);
    s.push_str(&note);
    s
}

/// The Markdown block for a token verification.
pub fn verify_summary(result: Result<&Claims, &str>) -> String {
    match result {
        Ok(c) => {
            let exception = match &c.exception {
                Some(e) => format!(
                    "\n\n> ⚠️ **Exception token**: waived {}; reason: {}; risk accepted by {}.",
                    md(&e.waived.join(", ")),
                    md(&e.reason),
                    md(&e.approved_by.join(", "))
                ),
                None => String::new(),
            };
            format!(
                "## ✅ gatepass: token verified — {} → `{}`\n\nRelease digest `{}`, policy `{}`, `jti` {}.{exception}\n",
                md(&c.sub),
                code(&c.aud_display()),
                code(&c.release.digest),
                code(&c.policy.id),
                md(&c.jti)
            )
        }
        Err(why) => format!("## ❌ gatepass: token rejected\n\n{}\n", md(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_rules() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // A message cannot start a second command on a new line.
        let cmd = command("error", &[("title", "t".into())], "x\n::add-mask::y");
        assert_eq!(cmd, "::error title=t::x%0A::add-mask::y\n");
        assert_eq!(cmd.matches('\n').count(), 1);
        assert_eq!(mask_command("ab%c"), "::add-mask::ab%25c\n");
    }

    #[test]
    fn heredoc_delimiters_are_random_and_never_in_the_value() {
        let a = heredoc("token", "v").unwrap();
        let b = heredoc("token", "v").unwrap();
        assert_ne!(a, b);
        let delimiter = a.lines().next().unwrap().strip_prefix("token<<").unwrap();
        assert_eq!(a, format!("token<<{delimiter}\nv\n{delimiter}\n"));
        assert_eq!(delimiter.len(), "gatepass_".len() + 32);
        // A value that tries to close the block early only closes it with the real delimiter.
        let tricky = "x\nEOF\ndecision<<EOF\nallow\nEOF";
        let block = heredoc("unmet", tricky).unwrap();
        let delimiter = block
            .lines()
            .next()
            .unwrap()
            .strip_prefix("unmet<<")
            .unwrap();
        assert!(block.ends_with(&format!("\n{tricky}\n{delimiter}\n")));
    }

    #[test]
    fn locations_parse_from_defined_at() {
        assert_eq!(
            AnnotationLocation::parse("policies/p.toml:21:1"),
            AnnotationLocation {
                file: Some("policies/p.toml".into()),
                line: Some(21),
                col: Some(1)
            }
        );
        assert_eq!(
            AnnotationLocation::parse("C:/work/p.toml:3:5")
                .file
                .as_deref(),
            Some("C:/work/p.toml")
        );
        assert_eq!(
            AnnotationLocation::parse("examples/release.toml"),
            AnnotationLocation {
                file: Some("examples/release.toml".into()),
                line: None,
                col: None
            }
        );
        assert_eq!(AnnotationLocation::parse(""), AnnotationLocation::default());
    }

    #[test]
    fn summaries_are_capped_at_a_line_with_a_note() {
        let long: String = (0..10_000).map(|i| format!("| row {i} |\n")).collect();
        let capped = cap(long.clone(), 4096);
        assert!(capped.len() <= 4096, "{}", capped.len());
        assert!(capped.contains("**Summary truncated** at 4096 bytes"));
        let body = capped.split("\n\n> **Summary truncated**").next().unwrap();
        assert!(body.ends_with("|\n"), "cut at a line boundary");
        assert_eq!(cap("short\n".into(), 4096), "short\n");
        // Multi-byte characters are never split.
        let wide = "✅".repeat(5000);
        assert!(cap(wide, 1000).len() <= 1000);
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(md("a|b<script>\n`x`"), "a\\|b&lt;script&gt; 'x'");
        assert_eq!(code("a|b`c"), "a\\|b'c");
    }

    #[test]
    fn runtime_only_inside_actions() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            Runtime::from_lookup(env(&[("GITHUB_OUTPUT", "/tmp/o")])),
            None
        );
        assert_eq!(
            Runtime::from_lookup(env(&[
                ("GITHUB_ACTIONS", "false"),
                ("GITHUB_OUTPUT", "/tmp/o")
            ])),
            None
        );
        let rt = Runtime::from_lookup(env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", "/tmp/o"),
            ("GITHUB_STEP_SUMMARY", ""),
            ("GITHUB_WORKSPACE", "/work/repo"),
        ]))
        .unwrap();
        assert_eq!(rt.output.as_deref(), Some(Path::new("/tmp/o")));
        assert_eq!(rt.summary, None);
        assert_eq!(
            rt.workspace_relative(Path::new("/work/repo/policies/p.toml")),
            "policies/p.toml"
        );
        assert_eq!(
            rt.workspace_relative(Path::new("/elsewhere/p.toml")),
            "/elsewhere/p.toml"
        );
    }
}
