//! Duration strings in policies: `"90s"`, `"15m"`, `"4h"`, `"7d"`, `"1h30m"`.
//!
//! A duration is one or more `<digits><unit>` parts with units `d` (24 hours), `h`, `m` and `s`, largest unit first,
//! each unit at most once, no spaces and no sign. It must be greater than zero and at most [`MAX_DURATION`].

use std::fmt;
use std::time::Duration;

/// The longest duration a policy may name: 3650 days. Larger values are almost certainly mistakes and would overflow
/// timestamp arithmetic downstream.
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

/// Why a string is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The string is empty.
    #[error("empty duration")]
    Empty,
    /// A sign in front: durations in a policy are never negative.
    #[error("durations cannot have a sign")]
    Signed,
    /// Digits without a unit after them, as in `"15"`.
    #[error("`{number}` has no unit")]
    MissingUnit {
        /// The number that lacks a unit.
        number: String,
    },
    /// A unit without digits before it, or a character that belongs to no part.
    #[error("expected a number at `{rest}`")]
    MissingNumber {
        /// The text from the offending position on.
        rest: String,
    },
    /// A unit other than `d`, `h`, `m`, `s`.
    #[error("unknown unit `{unit}`")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
    },
    /// Units repeated or not from largest to smallest, as in `"30m1h"`.
    #[error("unit `{unit}` is repeated or out of order")]
    UnitOrder {
        /// The offending unit.
        unit: char,
    },
    /// The duration is zero.
    #[error("duration is zero")]
    Zero,
    /// The duration exceeds [`MAX_DURATION`].
    #[error("duration is longer than 3650d")]
    TooLong,
}

/// Parses a policy duration such as `"15m"` or `"1h30m"`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if text.starts_with(['-', '+']) {
        return Err(DurationError::Signed);
    }
    let mut total: u64 = 0;
    // Index into UNITS of the last unit seen: the next one must come strictly after it.
    let mut last_unit: Option<usize> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, after) = rest.split_at(digits_len);
        if digits.is_empty() {
            return Err(DurationError::MissingNumber {
                rest: rest.to_owned(),
            });
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let (unit, tail) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(DurationError::MissingUnit {
                number: digits.to_owned(),
            });
        }
        let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(DurationError::UnknownUnit {
                unit: unit.to_owned(),
            });
        };
        if last_unit.is_some_and(|last| index <= last) {
            let unit = unit.chars().next().unwrap_or('?');
            return Err(DurationError::UnitOrder { unit });
        }
        last_unit = Some(index);
        // Any number too large for u64 is far beyond MAX_DURATION anyway.
        let value: u64 = digits.parse().map_err(|_| DurationError::TooLong)?;
        let seconds = value
            .checked_mul(UNITS[index].1)
            .ok_or(DurationError::TooLong)?;
        total = total.checked_add(seconds).ok_or(DurationError::TooLong)?;
        rest = tail;
    }
    let duration = Duration::from_secs(total);
    if duration.is_zero() {
        Err(DurationError::Zero)
    } else if duration > MAX_DURATION {
        Err(DurationError::TooLong)
    } else {
        Ok(duration)
    }
}

const UNITS: [(&str, u64); 4] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];

/// Displays a [`Duration`] in the policy syntax, whole seconds only (`1h30m`, `7d`, `0s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayDuration(pub Duration);

impl fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut left = self.0.as_secs();
        if left == 0 {
            return f.write_str("0s");
        }
        for (name, size) in UNITS {
            let n = left / size;
            if n > 0 {
                write!(f, "{n}{name}")?;
                left %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_table() {
        let ok: &[(&str, u64)] = &[
            ("15m", 900),
            ("7d", 604_800),
            ("4h", 14_400),
            ("90s", 90),
            ("1h30m", 5_400),
            ("1d2h3m4s", 93_784),
            ("1d30s", 86_430),
            ("0h1s", 1),
            ("3650d", 315_360_000),
        ];
        for (text, secs) in ok {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(*secs)),
                "{text}"
            );
        }
        let bad: &[(&str, DurationError)] = &[
            ("", DurationError::Empty),
            (
                "15",
                DurationError::MissingUnit {
                    number: "15".into(),
                },
            ),
            ("-5m", DurationError::Signed),
            ("+5m", DurationError::Signed),
            ("5x", DurationError::UnknownUnit { unit: "x".into() }),
            ("5 m", DurationError::UnknownUnit { unit: " m".into() }),
            ("5M", DurationError::UnknownUnit { unit: "M".into() }),
            ("5ms", DurationError::UnknownUnit { unit: "ms".into() }),
            ("m", DurationError::MissingNumber { rest: "m".into() }),
            (" 5m", DurationError::MissingNumber { rest: " 5m".into() }),
            ("1h1h", DurationError::UnitOrder { unit: 'h' }),
            ("30m1h", DurationError::UnitOrder { unit: 'h' }),
            ("0m", DurationError::Zero),
            ("0d0h", DurationError::Zero),
            ("3651d", DurationError::TooLong),
            ("99999999999999999999999s", DurationError::TooLong),
            ("18446744073709551615d", DurationError::TooLong),
            (
                "1h30",
                DurationError::MissingUnit {
                    number: "30".into(),
                },
            ),
            ("1.5h", DurationError::UnknownUnit { unit: ".".into() }),
            (
                "５m",
                DurationError::MissingNumber {
                    rest: "５m".into()
                },
            ),
        ];
        for (text, err) in bad {
            assert_eq!(parse_duration(text).as_ref(), Err(err), "{text:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in ["15m", "7d", "1h30m", "1d2h3m4s", "90s"] {
            let parsed = parse_duration(text).ok();
            let shown = parsed.map(|d| DisplayDuration(d).to_string());
            let normalised = if text == "90s" { "1m30s" } else { text };
            assert_eq!(shown.as_deref(), Some(normalised));
        }
        assert_eq!(DisplayDuration(Duration::ZERO).to_string(), "0s");
    }
}
