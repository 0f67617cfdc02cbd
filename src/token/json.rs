//! Strict JSON for signed payloads: duplicate object keys are refused at every depth.
//!
//! `serde_json` keeps the last of two equal keys; a verifier and a second JOSE library could
//! then read different claims from the same signed bytes. Refusing duplicates removes that
//! ambiguity.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a byte string is not acceptable strict JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrictJsonError {
    /// An object holds the same key twice.
    #[error("duplicate key {0:?}")]
    DuplicateKey(String),
    /// The bytes are not JSON.
    #[error("{0}")]
    Syntax(String),
}

/// Parses JSON, refusing duplicate keys anywhere in the document.
pub fn parse(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    from_slice(bytes).map_err(|e| {
        let mut reason = e.to_string();
        let at = format!(" at line {} column {}", e.line(), e.column());
        if let Some(stripped) = reason.strip_suffix(&at) {
            reason = stripped.to_owned();
        }
        match duplicate_key(&reason) {
            Some(key) => StrictJsonError::DuplicateKey(key),
            None => StrictJsonError::Syntax(e.to_string()),
        }
    })
}

/// Parses JSON, refusing duplicate keys anywhere in the document, with `serde_json`'s error
/// (line and column) for callers that report positions.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Strict>(bytes).map(|Strict(v)| v)
}

const DUP_SUFFIX: &str = " (each key may appear once per object)";

/// The key named by a duplicate-key error message, if it is one.
fn duplicate_key(reason: &str) -> Option<String> {
    let quoted = reason
        .strip_prefix("duplicate key ")?
        .strip_suffix(DUP_SUFFIX)?;
    serde_json::from_str(quoted).ok()
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {}{DUP_SUFFIX}",
                    Value::String(key)
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert_eq!(
            parse(br#"{"a (each key may appear once per object)":1,"a (each key may appear once per object)":2}"#),
            Err(StrictJsonError::DuplicateKey("a (each key may appear once per object)".into()))
        );
        assert_eq!(
            parse(br#"{"q\"k":1,"q\"k":2}"#),
            Err(StrictJsonError::DuplicateKey("q\"k".into()))
        );
        assert_eq!(
            parse(br#"{"a":1,"a":2}"#),
            Err(StrictJsonError::DuplicateKey("a".into()))
        );
        assert_eq!(
            parse(br#"{"x":[{"b":1,"b":1}]}"#),
            Err(StrictJsonError::DuplicateKey("b".into()))
        );
        assert_eq!(
            parse(br#"{"a":{"a":1},"b":2}"#).ok(),
            Some(serde_json::json!({"a":{"a":1},"b":2}))
        );
    }

    #[test]
    fn syntax_errors_and_trailing_data_are_refused() {
        assert!(matches!(parse(b"{"), Err(StrictJsonError::Syntax(_))));
        assert!(matches!(parse(b"{} {}"), Err(StrictJsonError::Syntax(_))));
        assert!(matches!(parse(b"\xff"), Err(StrictJsonError::Syntax(_))));
    }
}
