//! The governance report as one self-contained HTML page: inline CSS and SVG charts, no
//! scripts, no fonts or images from the network. Every text from the log is escaped.

use std::fmt::Write as _;

use gatepass::audit::Verdict;
use gatepass::audit::report::{BucketSize, Report};
use jiff::Timestamp;

use super::text::{cycle_summary, duration, minute, percent, period};

const ALLOW: &str = "#2f855a";
const EXCEPTION: &str = "#d69e2e";
const WARN: &str = "#ed8936";
const DENY: &str = "#c53030";
const INK: &str = "#1a202c";
const MUTED: &str = "#718096";
const GRID: &str = "#e2e8f0";
const AXIS: &str = "#a0aec0";
const ACCENT: &str = "#3182ce";

/// Escapes text for HTML and SVG content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Room left of a chart for the y-axis labels up to `max`.
fn label_margin(max: u64) -> f64 {
    14.0 + 7.0 * max.to_string().len() as f64
}

/// A round axis maximum and step for values up to `max`, about four gridlines.
fn axis(max: u64) -> (u64, u64) {
    if max == 0 {
        return (1, 1);
    }
    let raw = max.div_ceil(4).max(1);
    let mut magnitude = 1;
    while magnitude * 10 <= raw {
        magnitude *= 10;
    }
    let step = [1, 2, 5, 10]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10 * magnitude);
    (max.div_ceil(step) * step, step)
}

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f9; color: #1a202c;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 24px 56px; }
header { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: 16px; margin-bottom: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 17px; margin: 0 0 4px; }
.sub { color: #718096; font-size: 13px; }
.badge { display: inline-block; padding: 6px 12px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.ok { background: #e6f4ea; color: #22543d; border: 1px solid #9ae6b4; }
.bad { background: #fde8e8; color: #742a2a; border: 1px solid #feb2b2; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 14px; margin-bottom: 22px; }
.card { background: #fff; border-radius: 12px; padding: 16px 18px; box-shadow: 0 1px 2px rgba(0,0,0,.06), 0 1px 8px rgba(0,0,0,.04); }
.kpi .label { color: #718096; font-size: 12px; text-transform: uppercase; letter-spacing: .06em; }
.kpi .value { font-size: 30px; font-weight: 700; line-height: 1.2; margin-top: 4px; }
.kpi .note { color: #718096; font-size: 12.5px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 18px; margin-bottom: 18px; }
section.card { margin-bottom: 18px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12.5px; color: #4a5568; margin: 6px 0 8px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
table { width: 100%; border-collapse: collapse; font-size: 13.5px; }
th { text-align: left; color: #718096; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; border-bottom: 1px solid #e2e8f0; padding: 8px 10px; }
td { border-bottom: 1px solid #edf2f7; padding: 8px 10px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
td.mono, .pill { white-space: nowrap; }
details { margin-top: 10px; }
summary { cursor: pointer; color: #3182ce; font-size: 13px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; }
.bar { height: 8px; background: #edf2f7; border-radius: 4px; overflow: hidden; min-width: 80px; }
.bar > span { display: block; height: 100%; background: #2f855a; }
.empty { color: #718096; font-style: italic; padding: 12px 0; }
.why { color: #4a5568; font-size: 12.5px; }
footer { color: #a0aec0; font-size: 12px; margin-top: 28px; }
"#;

fn pill(v: Verdict) -> String {
    let color = match v {
        Verdict::Allow | Verdict::Verified | Verdict::Validated => ALLOW,
        Verdict::Exception => EXCEPTION,
        Verdict::Warn => WARN,
        Verdict::Deny | Verdict::Rejected | Verdict::RollbackRecommended => DENY,
        _ => MUTED,
    };
    format!(
        r#"<span class="pill" style="background:{color}">{}</span>"#,
        esc(v.as_str())
    )
}

fn kpi(o: &mut String, label: &str, value: &str, note: &str) {
    let _ = write!(
        o,
        r#"<div class="card kpi"><div class="label">{}</div><div class="value">{}</div><div class="note">{}</div></div>"#,
        esc(label),
        esc(value),
        esc(note)
    );
}

fn bucket_label(start: jiff::civil::Date, size: BucketSize) -> String {
    match size {
        BucketSize::Day | BucketSize::Week => start.strftime("%b %-d").to_string(),
        BucketSize::Month => start.strftime("%b %Y").to_string(),
    }
}

/// Stacked bars of issue decisions per bucket.
fn timeline_chart(r: &Report) -> String {
    if r.timeline.is_empty() {
        return r#"<p class="empty">No issue decisions in this period.</p>"#.into();
    }
    let max = r
        .timeline
        .iter()
        .map(|b| b.allow + b.exception + b.warn + b.deny)
        .max()
        .unwrap_or(0);
    let (ymax, step) = axis(max);
    let (w, h, left, right, top, bottom) = (760.0, 250.0, label_margin(ymax), 12.0, 12.0, 34.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let y = |v: u64| top + plot_h - (v as f64 / ymax as f64) * plot_h;
    let mut s =
        format!(r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="Issue decisions over time">"#);
    let mut tick = 0;
    while tick <= ymax {
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" font-size="11" fill="{MUTED}" text-anchor="end">{tick}</text>"#,
            w - right,
            left - 6.0,
            y(tick) + 4.0,
            y = y(tick)
        );
        tick += step;
    }
    let n = r.timeline.len();
    let slot = plot_w / n as f64;
    let bar = (slot * 0.72).max(1.0);
    let every = n.div_ceil(10).max(1);
    let unit = match r.bucket {
        BucketSize::Day => "day",
        BucketSize::Week => "week of",
        BucketSize::Month => "month",
    };
    for (i, b) in r.timeline.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0;
        let label = bucket_label(b.start, r.bucket);
        for (count, color, name) in [
            (b.allow, ALLOW, "allow"),
            (b.exception, EXCEPTION, "exception"),
            (b.warn, WARN, "warn"),
            (b.deny, DENY, "deny"),
        ] {
            if count == 0 {
                continue;
            }
            let (y0, y1) = (y(base + count), y(base));
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y0:.1}" width="{bar:.1}" height="{:.1}" fill="{color}" rx="1.5"><title>{} {}: {count} {name}</title></rect>"#,
                (y1 - y0).max(0.5),
                unit,
                esc(&b.start.to_string())
            );
            base += count;
        }
        if i % every == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" font-size="11" fill="{MUTED}" text-anchor="middle">{}</text>"#,
                x + bar / 2.0,
                h - 12.0,
                esc(&label)
            );
        }
    }
    let _ = write!(
        s,
        r#"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="{AXIS}"/></svg>"#,
        w - right,
        top + plot_h,
        top + plot_h
    );
    s
}

/// Horizontal bars: criteria ranked by how often they stopped a release.
fn reasons_chart(r: &Report) -> String {
    if r.rejection_reasons.is_empty() {
        return r#"<p class="empty">No denied evaluation in this period.</p>"#.into();
    }
    let rows: Vec<_> = r.rejection_reasons.iter().take(12).collect();
    let (w, label_w, row_h, top) = (560.0, 190.0, 30.0, 6.0);
    let h = top * 2.0 + row_h * rows.len() as f64;
    let max = rows.iter().map(|x| x.times).max().unwrap_or(1).max(1) as f64;
    let bar_w = w - label_w - 70.0;
    let mut s = format!(r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="Rejection reasons">"#);
    for (i, x) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let len = (x.times as f64 / max * bar_w).max(2.0);
        let mut name = x.criterion.clone();
        if name.chars().count() > 26 {
            name = name.chars().take(25).collect::<String>() + "…";
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12.5" fill="{INK}" text-anchor="end">{}</text><rect x="{label_w}" y="{:.1}" width="{len:.1}" height="18" rx="3" fill="{DENY}" opacity="{:.2}"><title>{}: unmet in {} denied evaluation(s), {} release(s); gate {}</title></rect><text x="{:.1}" y="{:.1}" font-size="12" fill="{INK}">{} <tspan fill="{MUTED}">· {} rel.</tspan></text>"#,
            label_w - 10.0,
            y + 17.0,
            esc(&name),
            y + 4.0,
            1.0 - 0.45 * (i as f64 / rows.len().max(1) as f64),
            esc(&x.criterion),
            x.times,
            x.releases,
            x.gate,
            label_w + len + 6.0,
            y + 17.0,
            x.times,
            x.releases
        );
    }
    s.push_str("</svg>");
    s
}

/// A histogram of cycle times in growing bins.
fn cycle_chart(r: &Report) -> String {
    let seconds: Vec<i64> = r
        .cycle_time
        .releases
        .iter()
        .filter_map(|c| c.seconds)
        .collect();
    if seconds.is_empty() {
        return r#"<p class="empty">No release was approved in this period.</p>"#.into();
    }
    let bins: [(&str, i64); 8] = [
        ("< 1h", 3600),
        ("1–4h", 4 * 3600),
        ("4–12h", 12 * 3600),
        ("12–24h", 24 * 3600),
        ("1–2d", 2 * 86_400),
        ("2–4d", 4 * 86_400),
        ("4–7d", 7 * 86_400),
        ("> 7d", i64::MAX),
    ];
    let mut counts = [0u64; 8];
    for s in &seconds {
        let i = bins.iter().position(|(_, up)| s < up).unwrap_or(7);
        counts[i] += 1;
    }
    let bin_of = |v: Option<i64>| v.and_then(|s| bins.iter().position(|(_, up)| s < *up));
    let (median_bin, p90_bin) = (
        bin_of(r.cycle_time.median_seconds),
        bin_of(r.cycle_time.p90_seconds),
    );
    let (ymax, step) = axis(counts.iter().copied().max().unwrap_or(0));
    let (w, h, left, top, bottom) = (480.0, 230.0, label_margin(ymax), 22.0, 40.0);
    let plot_w = w - left - 8.0;
    let plot_h = h - top - bottom;
    let y = |v: u64| top + plot_h - (v as f64 / ymax as f64) * plot_h;
    let mut s =
        format!(r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="Cycle time distribution">"#);
    let mut tick = 0;
    while tick <= ymax {
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" font-size="11" fill="{MUTED}" text-anchor="end">{tick}</text>"#,
            w - 8.0,
            left - 6.0,
            y(tick) + 4.0,
            yy = y(tick)
        );
        tick += step;
    }
    let slot = plot_w / bins.len() as f64;
    for (i, ((label, _), count)) in bins.iter().zip(counts).enumerate() {
        let x = left + slot * i as f64 + slot * 0.14;
        let bw = slot * 0.72;
        let top_y = y(count);
        if count > 0 {
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{top_y:.1}" width="{bw:.1}" height="{:.1}" rx="3" fill="{ACCENT}"><title>{label}: {count} release(s)</title></rect><text x="{:.1}" y="{:.1}" font-size="11.5" fill="{INK}" text-anchor="middle">{count}</text>"#,
                top + plot_h - top_y,
                x + bw / 2.0,
                top_y - 5.0
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="11.5" fill="{MUTED}" text-anchor="middle">{label}</text>"#,
            x + bw / 2.0,
            h - bottom + 17.0
        );
        let marks: Vec<&str> = [(median_bin, "median"), (p90_bin, "p90")]
            .iter()
            .filter(|(b, _)| *b == Some(i))
            .map(|(_, m)| *m)
            .collect();
        if !marks.is_empty() {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="11" font-weight="600" fill="{INK}" text-anchor="middle">▲ {}</text>"#,
                x + bw / 2.0,
                h - bottom + 33.0,
                marks.join(" · ")
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Rows at most in a table of the page; the JSON report has them all.
const MAX_ROWS: usize = 500;

/// Every release's cycle, slowest first, folded away.
fn cycle_table(r: &Report) -> String {
    if r.cycle_time.releases.is_empty() {
        return String::new();
    }
    let mut rows: Vec<_> = r.cycle_time.releases.iter().collect();
    rows.sort_by_key(|c| std::cmp::Reverse(c.seconds.unwrap_or(i64::MAX)));
    let total = rows.len();
    rows.truncate(MAX_ROWS);
    let mut s = format!(
        r#"<details><summary>{}, slowest first</summary><table><tr><th>release</th><th>environment</th><th class="num">evaluations</th><th class="num">cycle time</th></tr>"#,
        if total > MAX_ROWS {
            format!("The {MAX_ROWS} slowest of {total} releases")
        } else {
            format!("Every release ({total})")
        }
    );
    for c in rows {
        let _ = write!(
            s,
            r#"<tr><td>{}@{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&c.name),
            esc(&c.version),
            esc(&c.environment),
            c.evaluations,
            c.seconds.map_or_else(|| "pending".to_owned(), duration)
        );
    }
    s.push_str("</table></details>");
    s
}

pub fn page(r: &Report, log: &str, deployments: bool, generated: Timestamp) -> String {
    let mut o = String::with_capacity(64 << 10);
    let _ = write!(
        o,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>gatepass audit report</title><style>{CSS}</style></head><body><main>"#
    );
    let (badge_class, badge) = match &r.integrity.problem {
        None => (
            "ok",
            format!(
                "✔ Chain intact · {} records{}",
                r.integrity.records,
                if r.integrity.signed > 0 {
                    format!(" · {} signed", r.integrity.signed)
                } else {
                    String::new()
                }
            ),
        ),
        Some(_) => (
            "bad",
            "✘ Chain BROKEN — figures may be untrustworthy".to_owned(),
        ),
    };
    let _ = write!(
        o,
        r#"<header><div><h1>Deployment gate report</h1><div class="sub">{} · {}</div></div><div><span class="badge {badge_class}" title="{}">{}</span></div></header>"#,
        esc(log),
        esc(&period(r)),
        esc(&r
            .integrity
            .problem
            .clone()
            .or_else(|| r.integrity.head.as_ref().map(|h| format!("head {h}")))
            .unwrap_or_default()),
        esc(&badge)
    );
    if let Some(p) = &r.integrity.problem {
        let _ = write!(
            o,
            r#"<section class="card" style="border-left:4px solid {DENY}"><h2>The audit log fails verification</h2><p class="why">{}</p><p class="why">Records after the problem may have been altered. Run <code>gatepass audit verify</code> and see docs/audit.md, “Recovery”.</p></section>"#,
            esc(p)
        );
    }

    o.push_str(r#"<div class="cards">"#);
    kpi(
        &mut o,
        "Approval rate",
        &percent(r.approval.rate),
        &format!(
            "{} of {} issue decisions minted a token",
            r.approval.approved, r.approval.decisions
        ),
    );
    let deployed: u64 = r.environments.iter().map(|e| e.deployments).sum();
    kpi(
        &mut o,
        "Deployments",
        &deployed.to_string(),
        &format!("to {} environment(s)", r.environments.len()),
    );
    kpi(
        &mut o,
        "Median cycle time",
        &r.cycle_time
            .median_seconds
            .map_or_else(|| "n/a".to_owned(), duration),
        &r.cycle_time.p90_seconds.map_or_else(
            || format!("{} pending", r.cycle_time.pending),
            |p| format!("p90 {} · {} pending", duration(p), r.cycle_time.pending),
        ),
    );
    kpi(
        &mut o,
        "Exceptions",
        &r.exceptions.count.to_string(),
        &r.exceptions.by_criterion.first().map_or_else(
            || "none used".to_owned(),
            |c| format!("most waived: {}", c.name),
        ),
    );
    let rollbacks: u64 = r.environments.iter().map(|e| e.rollback_recommended).sum();
    let validated: u64 = r.environments.iter().map(|e| e.validated).sum();
    kpi(
        &mut o,
        "Rollbacks recommended",
        &rollbacks.to_string(),
        &format!("{validated} post-deployment validation(s) passed"),
    );
    o.push_str("</div>");

    let _ = write!(
        o,
        r#"<section class="card"><h2>Issue decisions over time</h2><div class="sub">per {}</div><div class="legend"><span><i style="background:{ALLOW}"></i>allow</span><span><i style="background:{EXCEPTION}"></i>exception</span><span><i style="background:{WARN}"></i>warn (not enforced)</span><span><i style="background:{DENY}"></i>deny</span></div>{}</section>"#,
        match r.bucket {
            BucketSize::Day => "day",
            BucketSize::Week => "week",
            BucketSize::Month => "month",
        },
        timeline_chart(r)
    );

    let _ = write!(
        o,
        r#"<div class="grid2"><section class="card"><h2>Why releases are stopped</h2><div class="sub">unmet criteria of denied evaluations · times unmet · releases stopped</div>{}</section><section class="card"><h2>Cycle time</h2><div class="sub">first evaluation to first approval, per release and environment: {}</div>{}{}</section></div>"#,
        reasons_chart(r),
        esc(&cycle_summary(r)),
        cycle_chart(r),
        cycle_table(r)
    );

    o.push_str(r#"<section class="card"><h2>Environments</h2>"#);
    if r.environments.is_empty() {
        o.push_str(r#"<p class="empty">No issue or validate decision in this period.</p>"#);
    } else {
        o.push_str(r#"<table><tr><th>environment</th><th>approval rate</th><th></th><th class="num">approved / decisions</th><th class="num">deployments</th><th class="num">under exception</th><th class="num">validated</th><th class="num">rollback recommended</th></tr>"#);
        for e in &r.environments {
            let _ = write!(
                o,
                r#"<tr><td><b>{}</b></td><td class="num">{}</td><td><div class="bar"><span style="width:{:.1}%"></span></div></td><td class="num">{} / {}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                esc(&e.environment),
                percent(e.approval.rate),
                e.approval.rate.unwrap_or(0.0) * 100.0,
                e.approval.approved,
                e.approval.decisions,
                e.deployments,
                e.exceptions,
                e.validated,
                e.rollback_recommended
            );
        }
        o.push_str("</table>");
    }
    o.push_str("</section>");

    let _ = write!(
        o,
        r#"<section class="card"><h2>Exceptions ({})</h2>"#,
        r.exceptions.count
    );
    if r.exceptions.list.is_empty() {
        o.push_str(r#"<p class="empty">No deployment under an exception in this period.</p>"#);
    } else {
        let signers: Vec<String> = r
            .exceptions
            .by_approver
            .iter()
            .map(|c| format!("{} ({})", c.name, c.count))
            .collect();
        let _ = write!(
            o,
            r#"<div class="sub">signed by {}{}</div><table><tr><th>time (UTC)</th><th>release</th><th>environment</th><th>waived</th><th>reason and risk accepted</th><th>signed by</th><th>run by</th></tr>"#,
            esc(&signers.join(", ")),
            if r.exceptions.list.len() > MAX_ROWS {
                format!(" · the latest {MAX_ROWS} shown; --format json lists every one")
            } else {
                " · latest first".to_owned()
            }
        );
        for e in r.exceptions.list.iter().rev().take(MAX_ROWS) {
            let _ = write!(
                o,
                r#"<tr><td class="mono">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}<div class="why">risk accepted: {}</div></td><td>{}</td><td>{}</td></tr>"#,
                esc(&minute(e.time)),
                esc(&e.release),
                esc(&e.environment),
                esc(&e.waived.join(", ")),
                esc(&e.reason),
                esc(&e.risk_acceptance),
                esc(&e.approved_by.join(", ")),
                esc(&e.deployer)
            );
        }
        o.push_str("</table>");
    }
    o.push_str("</section>");

    if deployments {
        let _ = write!(
            o,
            r#"<section class="card"><h2>Deployment log ({})</h2><div class="sub">version promoted, time, deployer identity and target environment, from the gate's issue records; verified and validated from the deploy target's and post-deployment records</div>"#,
            r.deployments.len()
        );
        if r.deployments.is_empty() {
            o.push_str(r#"<p class="empty">No deployment in this period.</p>"#);
        } else {
            o.push_str(r#"<table><tr><th>time (UTC)</th><th>environment</th><th>release</th><th>decision</th><th>deployer</th><th>approvers</th><th>verified at target</th><th>validation</th></tr>"#);
            if r.deployments.len() > MAX_ROWS {
                let _ = write!(
                    o,
                    r#"<p class="why">The latest {MAX_ROWS} of {}; <code>--format json</code> lists every one.</p>"#,
                    r.deployments.len()
                );
            }
            for d in r.deployments.iter().rev().take(MAX_ROWS) {
                let run = match (&d.repository, &d.run_id) {
                    (Some(repo), Some(id)) => format!("{repo} run {id}"),
                    (None, Some(id)) => format!("run {id}"),
                    _ => String::new(),
                };
                let _ = write!(
                    o,
                    r#"<tr><td class="mono">{}</td><td>{}</td><td><b>{}</b> {}<div class="why mono" title="{}">{}…</div></td><td>{}</td><td>{}<div class="why">{}</div></td><td>{}</td><td class="mono">{}</td><td>{}</td></tr>"#,
                    esc(&minute(d.time)),
                    esc(&d.environment),
                    esc(&d.name),
                    esc(&d.version),
                    esc(&d.digest),
                    esc(&d.digest.chars().take(19).collect::<String>()),
                    pill(d.decision),
                    esc(&d.deployer),
                    esc(&run),
                    esc(&d.approvers.join(", ")),
                    d.verified_at.map(|t| esc(&minute(t))).unwrap_or_default(),
                    d.validation.map(pill).unwrap_or_default()
                );
            }
            o.push_str("</table>");
        }
        o.push_str("</section>");
    }

    let _ = write!(
        o,
        r#"<footer>Generated by gatepass {} at {} UTC from {} record(s) in the period. Definitions: docs/audit.md, “Governance metrics”. This page is static: no scripts, nothing loaded from the network.</footer></main></body></html>"#,
        env!("CARGO_PKG_VERSION"),
        esc(&minute(generated)),
        r.records
    );
    o.push('\n');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round() {
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(3), (3, 1));
        assert_eq!(axis(7), (8, 2));
        assert_eq!(axis(37), (40, 10));
        assert_eq!(axis(120), (150, 50));
    }

    #[test]
    fn log_text_is_escaped() {
        assert_eq!(
            esc(r#"<img src=x onerror="a">&'"#),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;"
        );
    }
}
