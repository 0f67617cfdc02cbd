//! The governance report as plain text and as Markdown.

use std::fmt::Write as _;

use gatepass::audit::report::{ReleaseCycle, Report};
use jiff::Timestamp;

/// Seconds as `45s`, `12m`, `4h 12m`, `2d 3h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A rate as a percentage.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// A timestamp to the minute, UTC.
pub fn minute(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

/// Text from the log, safe for a terminal: control characters replaced.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// Text from the log, safe in a Markdown table cell (and in the HTML GitHub renders it to).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn period(r: &Report) -> String {
    let bound = |t: Option<Timestamp>, open: &str| t.map_or_else(|| open.to_owned(), minute);
    let mut s = format!(
        "{} to {}",
        bound(r.period.since, "the beginning"),
        bound(r.period.until, "now")
    );
    if let (Some(f), Some(l)) = (r.first, r.last) {
        let _ = write!(s, " (records from {} to {})", minute(f), minute(l));
    }
    s
}

pub fn integrity(r: &Report) -> String {
    let i = &r.integrity;
    match &i.problem {
        None => format!(
            "intact: {} record(s), {} signed{}",
            i.records,
            i.signed,
            i.head
                .as_deref()
                .map(|h| format!("; head {h}"))
                .unwrap_or_default()
        ),
        Some(p) => format!(
            "BROKEN ({}); {} record(s) intact before it. The figures below may not be trustworthy.",
            clean(p),
            i.records
        ),
    }
}

pub fn cycle_summary(r: &Report) -> String {
    let c = &r.cycle_time;
    match (c.median_seconds, c.p90_seconds) {
        (Some(m), Some(p)) => format!(
            "median {}, p90 {} over {} approved release(s); {} pending",
            duration(m),
            duration(p),
            c.approved,
            c.pending
        ),
        _ => format!("no release approved yet; {} pending", c.pending),
    }
}

/// The `n` slowest releases (pending ones first), and how many are left out.
fn slowest(r: &Report, n: usize) -> (Vec<&ReleaseCycle>, usize) {
    let mut rows: Vec<&ReleaseCycle> = r.cycle_time.releases.iter().collect();
    rows.sort_by_key(|c| std::cmp::Reverse(c.seconds.unwrap_or(i64::MAX)));
    let hidden = rows.len().saturating_sub(n);
    rows.truncate(n);
    (rows, hidden)
}

fn cycle_text(c: &ReleaseCycle) -> String {
    c.seconds.map_or_else(|| "pending".to_owned(), duration)
}

pub fn human(r: &Report, log: &str, deployments: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "gatepass audit report: {}", clean(log));
    let _ = writeln!(o, "  period     {}", period(r));
    let _ = writeln!(o, "  integrity  {}", integrity(r));
    let _ = writeln!(o, "  records    {} in the period", r.records);

    let _ = writeln!(o, "\nApproval rate (issue decisions that minted a token)");
    let _ = writeln!(
        o,
        "  {:<14} {:>7}  ({} of {})",
        "overall",
        percent(r.approval.rate),
        r.approval.approved,
        r.approval.decisions
    );
    for e in &r.environments {
        let _ = writeln!(
            o,
            "  {:<14} {:>7}  ({} of {}); {} deployment(s), {} under exception; validated {}, rollback recommended {}",
            clean(&e.environment),
            percent(e.approval.rate),
            e.approval.approved,
            e.approval.decisions,
            e.deployments,
            e.exceptions,
            e.validated,
            e.rollback_recommended
        );
    }

    let _ = writeln!(
        o,
        "\nRejection reasons (unmet criteria of denied evaluations)"
    );
    if r.rejection_reasons.is_empty() {
        let _ = writeln!(o, "  none");
    } else {
        let width = r
            .rejection_reasons
            .iter()
            .map(|x| x.criterion.chars().count())
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            o,
            "  {:>6}  {:>8}  {:<width$}  gate",
            "times", "releases", "criterion"
        );
        for x in &r.rejection_reasons {
            let _ = writeln!(
                o,
                "  {:>6}  {:>8}  {:<width$}  {}",
                x.times,
                x.releases,
                clean(&x.criterion),
                x.gate
            );
        }
    }

    let _ = writeln!(
        o,
        "\nCycle time (first evaluation to first approval, per release and environment)"
    );
    let _ = writeln!(o, "  {}", cycle_summary(r));
    let (shown, hidden) = slowest(r, 10);
    if !shown.is_empty() {
        let _ = writeln!(o, "  slowest first:");
    }
    for c in shown {
        let _ = writeln!(
            o,
            "    {:<32} {:<12} {:>3} evaluation(s)  {}",
            clean(&format!("{}@{}", c.name, c.version)),
            clean(&c.environment),
            c.evaluations,
            cycle_text(c)
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            o,
            "    … and {hidden} more (--format json lists every release)"
        );
    }

    let x = &r.exceptions;
    let _ = writeln!(
        o,
        "\nExceptions: {} deployment(s) under an exception",
        x.count
    );
    if x.count > 0 {
        let list = |v: &[gatepass::audit::report::Count]| {
            v.iter()
                .map(|c| format!("{} ({})", clean(&c.name), c.count))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(o, "  signed by  {}", list(&x.by_approver));
        let _ = writeln!(o, "  waived     {}", list(&x.by_criterion));
        for e in &x.list {
            let _ = writeln!(
                o,
                "  {}  {} -> {}  waived {}; signed by {}; run by {}",
                minute(e.time),
                clean(&e.release),
                clean(&e.environment),
                clean(&e.waived.join(", ")),
                clean(&e.approved_by.join(", ")),
                clean(&e.deployer)
            );
            let _ = writeln!(o, "      reason: {}", clean(&e.reason));
            let _ = writeln!(o, "      risk accepted: {}", clean(&e.risk_acceptance));
        }
    }

    let _ = writeln!(o, "\nDecisions by command");
    if r.decisions.is_empty() {
        let _ = writeln!(o, "  none");
    }
    let mut line = String::new();
    let mut current = None;
    for d in &r.decisions {
        if current != Some(d.command) {
            if !line.is_empty() {
                let _ = writeln!(o, "{line}");
            }
            line = format!("  {:<9}", d.command.as_str());
            current = Some(d.command);
        } else {
            line.push(',');
        }
        let _ = write!(line, " {} {}", d.decision, d.count);
    }
    if !line.is_empty() {
        let _ = writeln!(o, "{line}");
    }

    if deployments {
        let _ = writeln!(
            o,
            "\nDeployment log ({} deployment(s): version promoted, time, deployer, target)",
            r.deployments.len()
        );
        for d in &r.deployments {
            let _ = writeln!(
                o,
                "  {}  {:<12} {:<32} {:<9} by {}{}{}{}",
                minute(d.time),
                clean(&d.environment),
                clean(&format!("{}@{}", d.name, d.version)),
                d.decision,
                clean(&d.deployer),
                d.run_id
                    .as_deref()
                    .map(|id| format!(" (run {})", clean(id)))
                    .unwrap_or_default(),
                d.verified_at
                    .map(|t| format!("; verified at target {}", minute(t)))
                    .unwrap_or_default(),
                d.validation.map(|v| format!("; {v}")).unwrap_or_default()
            );
        }
    }
    o
}

pub fn markdown(r: &Report, log: &str, deployments: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## gatepass audit report\n");
    let _ = writeln!(o, "- **Log:** `{}`", log.replace('`', "'"));
    let _ = writeln!(o, "- **Period:** {}", md(&period(r)));
    let _ = writeln!(o, "- **Integrity:** {}", md(&integrity(r)));
    let _ = writeln!(o, "- **Records in the period:** {}\n", r.records);

    let _ = writeln!(o, "### Approval rate\n");
    let _ = writeln!(
        o,
        "| environment | approval rate | approved / issue decisions | deployments | under exception | validated | rollback recommended |"
    );
    let _ = writeln!(o, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let _ = writeln!(
        o,
        "| **overall** | **{}** | {} / {} | | | | |",
        percent(r.approval.rate),
        r.approval.approved,
        r.approval.decisions
    );
    for e in &r.environments {
        let _ = writeln!(
            o,
            "| {} | {} | {} / {} | {} | {} | {} | {} |",
            md(&e.environment),
            percent(e.approval.rate),
            e.approval.approved,
            e.approval.decisions,
            e.deployments,
            e.exceptions,
            e.validated,
            e.rollback_recommended
        );
    }

    let _ = writeln!(o, "\n### Rejection reasons\n");
    if r.rejection_reasons.is_empty() {
        let _ = writeln!(o, "No denied evaluation in the period.");
    } else {
        let _ = writeln!(o, "| criterion | gate | times unmet | releases stopped |");
        let _ = writeln!(o, "| --- | --- | ---: | ---: |");
        for x in &r.rejection_reasons {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} |",
                x.criterion.replace('`', "'"),
                x.gate,
                x.times,
                x.releases
            );
        }
    }

    let _ = writeln!(o, "\n### Cycle time\n");
    let _ = writeln!(
        o,
        "First evaluation to first approval, per release and environment: {}.\n",
        md(&cycle_summary(r))
    );
    let (shown, hidden) = slowest(r, 20);
    if !shown.is_empty() {
        let _ = writeln!(
            o,
            "| release (slowest first) | environment | evaluations | cycle time |"
        );
        let _ = writeln!(o, "| --- | --- | ---: | ---: |");
        for c in shown {
            let _ = writeln!(
                o,
                "| {}@{} | {} | {} | {} |",
                md(&c.name),
                md(&c.version),
                md(&c.environment),
                c.evaluations,
                cycle_text(c)
            );
        }
        if hidden > 0 {
            let _ = writeln!(
                o,
                "\n… and {hidden} more (`--format json` lists every release)."
            );
        }
    }

    let x = &r.exceptions;
    let _ = writeln!(o, "\n### Exceptions: {}\n", x.count);
    if x.count > 0 {
        let _ = writeln!(
            o,
            "| time (UTC) | release | environment | waived | reason | risk acceptance | signed by | run by |"
        );
        let _ = writeln!(o, "| --- | --- | --- | --- | --- | --- | --- | --- |");
        for e in &x.list {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                minute(e.time),
                md(&e.release),
                md(&e.environment),
                md(&e.waived.join(", ")),
                md(&e.reason),
                md(&e.risk_acceptance),
                md(&e.approved_by.join(", ")),
                md(&e.deployer)
            );
        }
    }

    let _ = writeln!(o, "\n### Decisions\n");
    let _ = writeln!(o, "| command | decision | records |");
    let _ = writeln!(o, "| --- | --- | ---: |");
    for d in &r.decisions {
        let _ = writeln!(o, "| {} | {} | {} |", d.command, d.decision, d.count);
    }

    if deployments {
        let _ = writeln!(o, "\n### Deployment log\n");
        let _ = writeln!(
            o,
            "| time (UTC) | environment | release | digest | decision | deployer | run | approvers | verified at target | validation |"
        );
        let _ = writeln!(
            o,
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for d in &r.deployments {
            let _ = writeln!(
                o,
                "| {} | {} | {}@{} | `{}` | {} | {} | {} | {} | {} | {} |",
                minute(d.time),
                md(&d.environment),
                md(&d.name),
                md(&d.version),
                d.digest
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('`', "'"),
                d.decision,
                md(&d.deployer),
                md(&match (&d.repository, &d.run_id) {
                    (Some(repo), Some(id)) => format!("{repo} #{id}"),
                    (None, Some(id)) => id.clone(),
                    _ => String::new(),
                }),
                md(&d.approvers.join(", ")),
                d.verified_at.map(minute).unwrap_or_default(),
                d.validation.map(|v| v.to_string()).unwrap_or_default()
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(720), "12m");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(15_120), "4h 12m");
        assert_eq!(duration(183_600), "2d 3h");
        assert_eq!(duration(172_800), "2d");
    }

    #[test]
    fn log_text_cannot_break_a_table_or_a_terminal() {
        assert_eq!(md("a|b<script>"), "a\\|b&lt;script&gt;");
        assert_eq!(clean("x\u{1b}[31m"), "x\u{fffd}[31m");
    }
}
