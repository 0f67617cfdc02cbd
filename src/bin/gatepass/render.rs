//! Human rendering of decisions, on stderr.
//!
//! Every string of a decision may carry text from evidence (JSON keys and values, test names, SARIF messages,
//! file names) or from records; each goes through [`t`] (`gatepass::untrusted::escape`), so no newline, ESC or
//! bidi override from a file reaches the log raw.

use std::fmt::Write as _;

use gatepass::evaluate::{Decision, Outcome, Status};
use gatepass::untrusted::escape as t;
use gatepass::vocab::Gate;

/// The decision as a table of criteria per gate, then every unmet criterion in full.
pub fn human(d: &Decision, warn_mode: bool) -> String {
    let mut out = body(d);
    let count = d.unmet().count();
    let verdict = match (d.outcome, warn_mode) {
        (Outcome::Allow, _) => "ALLOWED: every criterion is met".to_owned(),
        (Outcome::Exception, _) => format!(
            "ALLOWED BY EXCEPTION: {} criteria waived",
            d.exception.as_ref().map_or(0, |e| e.waived.len())
        ),
        (Outcome::Deny, false) => format!("DENIED: {count} unmet criteria"),
        (Outcome::Deny, true) => {
            format!("WARNING (mode warn, not enforced): {count} unmet criteria")
        }
    };
    let _ = writeln!(out, "\n{verdict}");
    out
}

/// A post-deployment validation (`gatepass validate`): the same table, its own verdict.
pub fn validation(d: &Decision) -> String {
    let mut out = body(d);
    let verdict = match d.outcome {
        Outcome::Deny => format!(
            "ROLLBACK RECOMMENDED: {} post-deployment criteria unmet",
            d.unmet().count()
        ),
        Outcome::Allow | Outcome::Exception => {
            "VALIDATED: every post-deployment criterion is met".to_owned()
        }
    };
    let _ = writeln!(out, "\n{verdict}");
    out
}

fn body(d: &Decision) -> String {
    let mut out = String::new();
    let r = &d.release;
    let _ = writeln!(
        out,
        "gatepass: {} {} ({} change, tier {}) -> {}",
        t(&r.name),
        t(&r.version),
        t(&r.change),
        r.tier,
        t(&d.environment)
    );
    let _ = writeln!(
        out,
        "  release {}  policy {} ({})",
        t(&r.digest),
        t(&d.policy.id),
        t(&d.policy.file)
    );
    let width = d.criteria.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for gate in Gate::ALL {
        let mut rows = d.in_gate(gate).peekable();
        if rows.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "\n  {gate}");
        for c in rows {
            let (mark, text) = match c.status {
                Status::Met => ("✔", t(&c.found).into_owned()),
                Status::Unmet => ("✘", t(&c.found).into_owned()),
                Status::Waived => ("~", format!("waived: {}", t(&c.found))),
                Status::NotApplicable => ("-", format!("not applicable: {}", t(&c.expected))),
            };
            let _ = writeln!(out, "    {mark} {:<width$}  {text}", t(&c.id));
        }
    }
    let unmet: Vec<_> = d
        .criteria
        .iter()
        .filter(|c| matches!(c.status, Status::Unmet | Status::Waived))
        .collect();
    if !unmet.is_empty() {
        let _ = writeln!(out, "\n  unmet criteria");
        for c in &unmet {
            let waived = if c.status == Status::Waived {
                " (waived)"
            } else {
                ""
            };
            let _ = writeln!(out, "    ✘ [{}] {}{waived}", c.gate, t(&c.id));
            let _ = writeln!(out, "        expected: {}", t(&c.expected));
            let _ = writeln!(out, "        found:    {}", t(&c.found));
            if !c.files.is_empty() {
                let _ = writeln!(out, "        file:     {}", t(&c.files.join(", ")));
            }
            let _ = writeln!(out, "        policy:   {}", t(&c.defined_at));
            for line in c.details.iter().take(20) {
                let _ = writeln!(out, "          - {}", t(line));
            }
            if c.details.len() > 20 {
                let _ = writeln!(out, "          … and {} more", c.details.len() - 20);
            }
        }
    }
    if !d.approvals.is_empty() {
        let _ = writeln!(out, "\n  approvals counted");
        for a in &d.approvals {
            let _ = writeln!(
                out,
                "    {} as {} at {} ({}: {})",
                t(&a.approver),
                t(&a.role),
                a.at,
                t(&a.source),
                t(&a.origin)
            );
        }
    }
    if !d.ignored.is_empty() {
        let _ = writeln!(out, "\n  records not counted");
        for i in &d.ignored {
            let who = i.approver.as_deref().unwrap_or("?");
            let _ = writeln!(out, "    {} ({}): {}", t(&i.origin), t(who), t(&i.reason));
        }
    }
    if let Some(e) = &d.exception {
        let _ = writeln!(out, "\n  EXCEPTION");
        let _ = writeln!(out, "    waived:          {}", t(&e.waived.join(", ")));
        let _ = writeln!(out, "    reason:          {}", t(&e.reason));
        let _ = writeln!(out, "    risk acceptance: {}", t(&e.risk_acceptance));
        let _ = writeln!(out, "    approved by:     {}", t(&e.approved_by.join(", ")));
        let _ = writeln!(out, "    expires:         {}", e.expires);
    }
    out
}
