//! `NaN`, `Infinity` and `-Infinity` in JSON evidence.
//!
//! Python's `json.dump` writes them by default (lm-evaluation-harness results hold `NaN` for a metric that could
//! not be computed), but they are not JSON and `serde_json` refuses them. Before parsing, each such literal outside
//! a string is rewritten to a marker string that no tool writes (it begins with a NUL character); the metric code
//! reads a marker as a value that is not finite, which never satisfies a numeric bound. A file that writes the
//! marker itself can only make a criterion fail, never pass.

/// The marker a literal is rewritten to, before its name.
const PREFIX: &str = "\u{0}gatepass:nonfinite:";

/// The literals, as written, with their marker in JSON.
const LITERALS: &[(&[u8], &str)] = &[
    (b"-Infinity", "\"\\u0000gatepass:nonfinite:-Infinity\""),
    (b"Infinity", "\"\\u0000gatepass:nonfinite:Infinity\""),
    (b"NaN", "\"\\u0000gatepass:nonfinite:NaN\""),
];

/// `bytes` with every `NaN`, `Infinity` and `-Infinity` outside a string replaced by its marker, or `None`
/// when there is none.
pub(crate) fn rewrite(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(b' ');
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let hit = LITERALS
            .iter()
            .find(|(lit, _)| bytes.get(i..).is_some_and(|rest| rest.starts_with(lit)));
        match hit {
            Some((lit, marker)) => {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 64));
                buf.extend_from_slice(bytes.get(copied..i).unwrap_or_default());
                buf.extend_from_slice(marker.as_bytes());
                i += lit.len();
                copied = i;
            }
            None => i += 1,
        }
    }
    let mut buf = out?;
    buf.extend_from_slice(bytes.get(copied..).unwrap_or_default());
    Some(buf)
}

/// Compact JSON text (as `serde_json` writes it) with each marker shown as the literal it stands for.
pub(crate) fn unmark(json: &str) -> String {
    if !json.contains("gatepass:nonfinite:") {
        return json.to_owned();
    }
    LITERALS
        .iter()
        .fold(json.to_owned(), |text, (literal, marker)| {
            text.replace(marker, &String::from_utf8_lossy(literal))
        })
}

/// The literal a marker string stands for (`NaN`, `Infinity`, `-Infinity`), if `s` is one.
pub(crate) fn literal(s: &str) -> Option<&'static str> {
    let name = s.strip_prefix(PREFIX)?;
    ["NaN", "Infinity", "-Infinity"]
        .into_iter()
        .find(|l| *l == name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn literals_outside_strings_are_rewritten() {
        let text = br#"{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN \" Infinity"}"#;
        let out = String::from_utf8(rewrite(text).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(literal(v["a"].as_str().unwrap()), Some("NaN"));
        assert_eq!(literal(v["b"][0].as_str().unwrap()), Some("Infinity"));
        assert_eq!(literal(v["b"][1].as_str().unwrap()), Some("-Infinity"));
        assert_eq!(v["c"], "NaN \" Infinity");
        assert_eq!(literal("NaN"), None);
    }

    #[test]
    fn markers_inside_values_are_shown_as_written() {
        let v = crate::evidence::parse_json(b"{\"a\": [NaN, -Infinity]}").unwrap();
        assert_eq!(unmark(&v.to_string()), r#"{"a":[NaN,-Infinity]}"#);
    }

    #[test]
    fn every_prefix_is_handled_without_panic() {
        let text = br#"{"a\"NaN": [NaN, -Infinity, Infinity], "b": "\\", "c": -Inf}"#;
        for end in 0..=text.len() {
            let prefix = &text[..end];
            let _ = rewrite(prefix);
            let _ = crate::evidence::parse_json(prefix);
        }
        // `-Inf` is not a literal Python writes: it stays an error.
        assert!(crate::evidence::parse_json(text).is_err());
    }

    #[test]
    fn plain_json_is_left_alone() {
        assert_eq!(rewrite(br#"{"NaN": "Infinity", "x": -1.5e3}"#), None);
    }
}
