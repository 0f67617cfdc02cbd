//! Text that comes from evidence, made safe to print where a CI system interprets it.
//!
//! JSON keys and values, test names, SARIF messages and file names come from files the gate does not control.
//! Printed raw, a newline followed by `::stop-commands::…` or `::error …` in such text is a workflow command to
//! the GitHub Actions runner; an ESC sequence rewrites a terminal; a bidi override makes a log line read
//! differently from its bytes. [`escape`] makes every such character visible instead: every human rendering of
//! evidence text goes through it. Inside GitHub Actions the CLI additionally fences its report with
//! `::stop-commands::` (see `docs/github-action.md`).

use std::borrow::Cow;

/// Whether `c` must not reach a log or terminal raw: C0 and C1 controls, DEL, the Unicode line and paragraph
/// separators, and the bidirectional formatting characters (embeddings, overrides, isolates and marks).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [`is_unsafe`] character written as an escape: `\n`, `\r`, `\t`, and `\u{…}` for the rest
/// (ESC is `\u{1b}`, RIGHT-TO-LEFT OVERRIDE `\u{202e}`). Text without such characters is returned as is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`escape`], but keeps the line breaks (`\n`) of a multi-line message that gatepass itself composed.
/// Use it only on text whose line structure is gatepass's own and whose untrusted parts were escaped with
/// [`escape`] where they entered it; it removes what is left (a carriage return, ESC, a bidi override).
pub fn escape_keeping_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&escape(line));
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert!(matches!(escape("plain text, ünïcode ✔"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\n::stop-commands::pause\n::error ::x"),
            "a\\n::stop-commands::pause\\n::error ::x"
        );
        assert_eq!(
            escape("\r\t\u{1b}[31m\u{7f}\u{85}\u{9b}"),
            "\\r\\t\\u{1b}[31m\\u{7f}\\u{85}\\u{9b}"
        );
        assert_eq!(
            escape("abc\u{202e}fed\u{2066}\u{2028}"),
            "abc\\u{202e}fed\\u{2066}\\u{2028}"
        );
        assert_eq!(escape("\0"), "\\u{0}");
    }

    #[test]
    fn nothing_unsafe_survives() {
        for c in [
            '\n', '\r', '\u{1b}', '\u{85}', '\u{202e}', '\u{2069}', '\u{200f}', '\u{61c}',
        ] {
            let s = format!("x{c}y");
            assert!(!escape(&s).chars().any(is_unsafe), "{c:?}");
            assert!(
                !escape_keeping_lines(&s)
                    .chars()
                    .any(|c| c != '\n' && is_unsafe(c)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn own_line_breaks_can_be_kept() {
        assert_eq!(escape_keeping_lines("a\nb\u{1b}\r\nc"), "a\nb\\u{1b}\\r\nc");
        assert!(matches!(escape_keeping_lines("a\nb"), Cow::Borrowed(_)));
    }
}
