//! `policy.toml` parsing and validation on arbitrary text: `Policy::from_str_at` must return a policy or
//! diagnostics, never panic, and the diagnostics must render. Bytes that are not UTF-8 are also fed lossily
//! (as `Policy::load` does for its diagnostics).
#![no_main]

use gatepass::vocab::{ChangeType, Tier};
use gatepass::policy::{CriterionKind, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match std::str::from_utf8(data) {
        Ok(text) => exercise(text),
        Err(_) => exercise(&String::from_utf8_lossy(data)),
    }
});

fn exercise(text: &str) {
    let policy = match Policy::from_str_at(text, "fuzz.toml") {
        Ok(policy) => policy,
        Err(err) => {
            // Rendering walks spans into the text: out-of-range or mid-character spans would panic here.
            let _ = err.to_string();
            return;
        }
    };
    // What a gate run does next with a valid policy: tier lookup, evidence name checks (rendered against the
    // same source), and every deploy window at a few instants around DST changes and the ends of time.
    for change in [
        ChangeType::Model,
        ChangeType::Prompt,
        ChangeType::Config,
        ChangeType::Code,
    ] {
        let tier = policy.tier_for(change, None);
        let _ = policy.criteria_for(tier).count();
        if let Err(err) = policy.check_evidence_reads(["eval", "tests"], tier) {
            let _ = err.to_string();
        }
    }
    for tier in [Tier::Low, Tier::Standard, Tier::Critical] {
        let _ = policy.criteria_for(tier).count();
    }
    if let Err(err) = policy.check_evidence_names(std::iter::empty()) {
        let _ = err.to_string();
    }
    for criterion in &policy.criteria {
        if let CriterionKind::Window(window) = &criterion.kind {
            for at in INSTANTS {
                if let Ok(ts) = at.parse::<jiff::Timestamp>() {
                    let _ = format!("{:?}", window.check(ts));
                }
            }
            let _ = format!("{:?}", window.check(jiff::Timestamp::MIN));
            let _ = format!("{:?}", window.check(jiff::Timestamp::MAX));
        }
    }
}

const INSTANTS: &[&str] = &[
    "2026-11-27T18:00:00Z",
    "2026-03-08T08:30:00Z",
    "2026-11-01T06:30:00Z",
    "2026-12-25T12:00:00Z",
    "1970-01-01T00:00:00Z",
];
