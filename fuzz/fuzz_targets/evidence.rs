//! Evidence parsers and the criteria that read them. The first byte picks the format of the rest:
//! 0 JSON (metric pointers, contract diff), 1 SARIF, 2 JUnit XML. Parsing may fail; nothing may panic.
#![no_main]

use gatepass::evidence::{contract, junit, metric, parse_json, sarif};
use gatepass::vocab::Severity;
use libfuzzer_sys::fuzz_target;

const POINTERS: &[&str] = &[
    "",
    "/hallucination_rate",
    "/categories/*/accuracy",
    "/*",
    "/*/*/*",
    "/0/-",
    "/a~1b/~0/*",
];

fuzz_target!(|data: &[u8]| {
    let (mode, rest) = data.split_first().map_or((0, data), |(m, r)| (*m, r));
    match mode % 3 {
        0 => {
            let Ok(doc) = parse_json(rest) else { return };
            for pointer in POINTERS {
                let outcome = metric::evaluate(&doc, pointer, Some(0.1), Some(0.9));
                let _ = outcome.failures().count();
            }
            let empty = serde_json::json!({});
            let _ = contract::evaluate(&doc, &empty);
            let _ = contract::evaluate(&empty, &doc);
            assert!(contract::evaluate(&doc, &doc).met);
        }
        1 => {
            if let Ok(log) = sarif::parse(rest) {
                for severity in [
                    Severity::None,
                    Severity::Low,
                    Severity::High,
                    Severity::Critical,
                ] {
                    let _ = sarif::evaluate(&log, severity);
                }
            }
        }
        _ => {
            if let Ok(report) = junit::parse(rest) {
                let _ = junit::evaluate(&report, 0);
                let _ = junit::evaluate(&report, u64::MAX);
            }
        }
    }
});
