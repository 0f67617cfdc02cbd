//! A strict pass over JSON that builds nothing: duplicate object keys are refused at every depth, as
//! [`super::parse_json`] refuses them, but no value tree is kept. Parsers that then deserialize only the fields
//! they need ([`super::sarif::parse`]) peak at a fraction of the memory a full `serde_json::Value` takes (a
//! `Value` tree is several times the size of its text).

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{EvidenceError, json_error, strip_bom};

/// What the top level of a document is, as far as a format check needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TopLevel {
    /// `an object`, `an array`, `a string`, ...
    pub(crate) kind: &'static str,
    /// The values of the requested top-level keys of an object, when present: scalars as they are, arrays and
    /// objects by kind only (checked, not kept).
    pub(crate) keys: Vec<(&'static str, Kept)>,
    /// The requested top-level keys of an object that are present, with values not kept ([`check`]'s `skim`).
    pub(crate) present: Vec<&'static str>,
}

/// Checks that `bytes` is one JSON document without duplicate keys. Of a top-level object, the values of the
/// keys in `keep` are returned, and the presence of the keys in `skim`.
pub(crate) fn check(
    bytes: &[u8],
    keep: &'static [&'static str],
    skim: &'static [&'static str],
) -> Result<TopLevel, EvidenceError> {
    let mut de = serde_json::Deserializer::from_slice(strip_bom(bytes));
    let top = Top { keep, skim }
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| json_error(&e))?;
    Ok(top)
}

/// A kept top-level value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kept {
    /// `null`, a bool, a number or a string.
    Scalar(Value),
    /// `an array` or `an object`.
    Compound(&'static str),
}

struct Top {
    keep: &'static [&'static str],
    skim: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for Top {
    type Value = TopLevel;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TopLevel, D::Error> {
        d.deserialize_any(self)
    }
}

fn leaf(kind: &'static str) -> TopLevel {
    TopLevel {
        kind,
        keys: Vec::new(),
        present: Vec::new(),
    }
}

impl<'de> Visitor<'de> for Top {
    type Value = TopLevel;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_unit<E>(self) -> Result<TopLevel, E> {
        Ok(leaf("null"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<TopLevel, E> {
        Ok(leaf("a bool"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<TopLevel, E> {
        Ok(leaf("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<TopLevel, E> {
        Ok(leaf("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<TopLevel, E> {
        Ok(leaf("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<TopLevel, E> {
        Ok(leaf("a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TopLevel, A::Error> {
        Unique.visit_seq(seq)?;
        Ok(leaf("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut top = leaf("an object");
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(k) = self.keep.iter().find(|k| **k == key) {
                let v = map.next_value_seed(KeptSeed)?;
                top.keys.push((k, v));
            } else {
                if let Some(k) = self.skim.iter().find(|k| **k == key) {
                    top.present.push(k);
                }
                map.next_value_seed(Unique)?;
            }
            if !seen.insert(key.clone()) {
                return Err(duplicate(key));
            }
        }
        Ok(top)
    }
}

fn duplicate<E: de::Error>(key: String) -> E {
    E::custom(format_args!(
        "duplicate key {} (each key may appear once per object)",
        Value::String(key)
    ))
}

/// Any JSON value, checked for duplicate keys and dropped as it is read.
#[derive(Clone, Copy)]
struct Unique;

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Unique)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Keys are kept per object only while it is read.
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(Unique)?;
            if seen.contains(&key) {
                return Err(duplicate(key));
            }
            seen.insert(key);
        }
        Ok(())
    }
}

/// A scalar kept, or an array or object checked for duplicate keys and dropped.
struct KeptSeed;

impl<'de> DeserializeSeed<'de> for KeptSeed {
    type Value = Kept;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Kept, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeptSeed {
    type Value = Kept;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Kept, E> {
        Ok(Kept::Scalar(Value::Null))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Kept, E> {
        Ok(Kept::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Kept, E> {
        Ok(Kept::Scalar(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Kept, E> {
        Ok(Kept::Scalar(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Kept, E> {
        Ok(Kept::Scalar(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Kept, E> {
        Ok(Kept::Scalar(Value::from(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Kept, A::Error> {
        Unique.visit_seq(seq)?;
        Ok(Kept::Compound("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Kept, A::Error> {
        Unique.visit_map(map)?;
        Ok(Kept::Compound("an object"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_at_any_depth_and_nothing_else_is_kept() {
        let top = check(
            br#"{"version": "2.1.0", "runs": [{"a": 1}]}"#,
            &["version"],
            &["runs"],
        )
        .unwrap();
        assert_eq!(top.kind, "an object");
        assert_eq!(
            top.keys,
            vec![("version", Kept::Scalar(Value::from("2.1.0")))]
        );
        assert_eq!(top.present, vec!["runs"]);
        for bad in [
            &br#"{"runs": [{"a": 1, "a": 2}]}"#[..],
            br#"{"runs": 1, "runs": 2}"#,
            br#"{"version": {"x": 1, "x": 1}}"#,
            br#"[{"k": [{"d": 1, "d": 1}]}]"#,
        ] {
            let err = check(bad, &["version"], &["runs"]).unwrap_err();
            assert!(
                matches!(&err, EvidenceError::MalformedJson { reason, .. } if reason.contains("duplicate key")),
                "{err:?}"
            );
        }
        assert_eq!(check(b"[1]", &[], &[]).unwrap().kind, "an array");
        assert!(check(b"{} {}", &[], &[]).is_err());
        assert!(check(b"\xEF\xBB\xBF{}", &[], &[]).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut deep = "[".repeat(100_000);
        deep.push_str(&"]".repeat(100_000));
        assert!(check(deep.as_bytes(), &[], &[]).is_err());
    }
}
