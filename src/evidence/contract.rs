//! `contract` criteria: two JSON documents that must be structurally equal.
//!
//! Typically the input schema a model was evaluated with and the one the production pipeline feeds it. A pricing
//! model evaluated on `{"quantity": {"unit": "case", "source": "wholesale_qty"}}` and fed
//! `{"quantity": {"unit": "each", "source": "retail_qty"}}` in production is the incident this check exists for:
//! it reports `/quantity/source` and `/quantity/unit`.
//!
//! **No values are reported**, only where the documents differ (the JSON pointer) and how (values differ, types
//! differ, present on one side only, with the JSON types involved). The policy asks whether two files agree, not
//! what they hold, and a contract file may hold anything: a credential, personal data. Whatever the criterion
//! prints lands in the job log, the JSON decision, the job summary and the audit log.
//!
//! Objects are compared key by key (key order is irrelevant), arrays index by index (order matters), numbers by
//! value (`1` equals `1.0`), everything else exactly. Each difference is reported at the deepest pointer where the
//! two sides stop having the same shape: a changed leaf, a key or element present on one side only (with the whole
//! subtree), or a value whose type differs.

use std::collections::BTreeSet;

use serde_json::{Number, Value};

use super::{Assessment, join_limited, push_token};

/// The JSON type of a value, the most a difference says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    /// The type of `value`.
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Bool,
            Value::Number(_) => Self::Number,
            Value::String(_) => Self::String,
            Value::Array(_) => Self::Array,
            Value::Object(_) => Self::Object,
        }
    }

    /// `null`, `a boolean`, `a number`, `a string`, `an array` or `an object`.
    pub fn article(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "a boolean",
            Self::Number => "a number",
            Self::String => "a string",
            Self::Array => "an array",
            Self::Object => "an object",
        }
    }
}

/// How the two documents differ at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DifferenceKind {
    /// Both have a value of the same type there, and the values differ.
    Value(JsonType),
    /// The types differ.
    Type {
        /// In the expected document.
        expected: JsonType,
        /// In the found document.
        found: JsonType,
    },
    /// Only the expected document has a value there.
    Missing(JsonType),
    /// Only the found document has a value there.
    Extra(JsonType),
}

/// One place where the documents differ: where and how, never the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// JSON pointer (RFC 6901, escaped) of the differing value; empty for the whole document.
    pub pointer: String,
    /// How they differ there.
    pub kind: DifferenceKind,
}

impl Difference {
    /// For people, naming the two documents: `/quantity/unit: the values differ (a string in both)`,
    /// `/a: an object in schema_eval, an array in schema_prod`, `/extra: only in schema_prod (an object)`.
    /// Control characters in the pointer (object keys come from the files) are escaped.
    pub fn describe(&self, expected_name: &str, found_name: &str) -> String {
        let pointer = if self.pointer.is_empty() {
            "the document".into()
        } else {
            crate::untrusted::escape(&self.pointer)
        };
        let how = match self.kind {
            DifferenceKind::Value(t) => format!("the values differ ({} in both)", t.article()),
            DifferenceKind::Type { expected, found } => format!(
                "{} in {expected_name}, {} in {found_name}",
                expected.article(),
                found.article()
            ),
            DifferenceKind::Missing(t) => format!("only in {expected_name} ({})", t.article()),
            DifferenceKind::Extra(t) => format!("only in {found_name} ({})", t.article()),
        };
        format!("{pointer}: {how}")
    }
}

/// The result of holding a contract criterion: the found document against the expected one.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractOutcome {
    /// The documents are structurally equal.
    pub met: bool,
    /// What the criterion requires, for people.
    pub expected: String,
    /// `identical`, or the differences by pointer with both values.
    pub found: String,
    /// Every difference, in document order (object keys sorted).
    pub differences: Vec<Difference>,
}

impl Assessment for ContractOutcome {
    fn met(&self) -> bool {
        self.met
    }
    fn expected(&self) -> &str {
        &self.expected
    }
    fn found(&self) -> &str {
        &self.found
    }
}

/// Compares `found` against `expected` and summarises the differences for people.
pub fn evaluate(expected: &Value, found: &Value) -> ContractOutcome {
    let differences = diff(expected, found);
    let found_text = if differences.is_empty() {
        "identical".to_owned()
    } else {
        let count = match differences.len() {
            1 => "1 difference".to_owned(),
            n => format!("{n} differences"),
        };
        let list = join_limited(
            differences
                .iter()
                .map(|d| d.describe("the expected document", "the found document")),
        );
        format!("{count}: {list}")
    };
    ContractOutcome {
        met: differences.is_empty(),
        expected: "identical to the expected document".to_owned(),
        found: found_text,
        differences,
    }
}

/// Every difference between `expected` and `found`, in a deterministic order: depth first, object keys in sorted
/// order, array elements by index.
///
/// The walk is iterative, so documents of any depth are safe.
pub fn diff(expected: &Value, found: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), Some(expected), Some(found))];
    while let Some((pointer, e, f)) = stack.pop() {
        let (Some(e), Some(f)) = (e, f) else {
            out.push(difference(pointer, e, f));
            continue;
        };
        match (e, f) {
            (Value::Object(em), Value::Object(fm)) => {
                let keys = em.keys().chain(fm.keys()).collect::<BTreeSet<_>>();
                // Pushed in reverse so that they are popped, and reported, in key order.
                for key in keys.into_iter().rev() {
                    let mut p = pointer.clone();
                    push_token(&mut p, key);
                    stack.push((p, em.get(key.as_str()), fm.get(key.as_str())));
                }
            }
            (Value::Array(ea), Value::Array(fa)) => {
                for i in (0..ea.len().max(fa.len())).rev() {
                    stack.push((format!("{pointer}/{i}"), ea.get(i), fa.get(i)));
                }
            }
            (Value::Number(a), Value::Number(b)) => {
                if !numbers_equal(a, b) {
                    out.push(difference(pointer, Some(e), Some(f)));
                }
            }
            _ => {
                if e != f {
                    out.push(difference(pointer, Some(e), Some(f)));
                }
            }
        }
    }
    out
}

fn difference(pointer: String, expected: Option<&Value>, found: Option<&Value>) -> Difference {
    let kind = match (expected.map(JsonType::of), found.map(JsonType::of)) {
        (Some(e), Some(f)) if e == f => DifferenceKind::Value(e),
        (Some(expected), Some(found)) => DifferenceKind::Type { expected, found },
        (Some(e), None) => DifferenceKind::Missing(e),
        // Never both absent: the walk only visits keys and indexes present on one side at least.
        (None, f) => DifferenceKind::Extra(f.unwrap_or(JsonType::Null)),
    };
    Difference { pointer, kind }
}

/// Numbers compare by value: integers exactly, an integral float equal to the same integer, other floats exactly.
fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

/// The number as an exact integer, if it is one (`3` and `3.0` alike, within ±2^100 for floats).
fn exact(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    // 2^100: beyond any i64/u64 and well inside i128, so the cast below is exact.
    const LIMIT: f64 = 1_267_650_600_228_229_401_496_703_205_376.0;
    let f = n.as_f64()?;
    if f.fract() == 0.0 && f.abs() < LIMIT {
        Some(f as i128)
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(pointer: &str, expected: Option<Value>, found: Option<Value>) -> Difference {
        difference(pointer.to_owned(), expected.as_ref(), found.as_ref())
    }

    #[test]
    fn wholesale_versus_retail_is_caught() {
        let evaluated = json!({
            "customer_id": {"type": "string"},
            "quantity": {"unit": "case", "source": "wholesale_qty"}
        });
        let production = json!({
            "customer_id": {"type": "string"},
            "quantity": {"unit": "each", "source": "retail_qty"}
        });
        let outcome = evaluate(&evaluated, &production);
        assert!(!outcome.met);
        assert_eq!(
            outcome.differences,
            [
                d(
                    "/quantity/source",
                    Some(json!("wholesale_qty")),
                    Some(json!("retail_qty"))
                ),
                d("/quantity/unit", Some(json!("case")), Some(json!("each"))),
            ]
        );
        assert_eq!(
            outcome.found,
            "2 differences: /quantity/source: the values differ (a string in both); \
             /quantity/unit: the values differ (a string in both)"
        );
        assert!(
            !format!("{outcome:?}").contains("wholesale"),
            "no values kept"
        );
    }

    #[test]
    fn diff_table() {
        let cases: Vec<(&str, Value, Value, Vec<Difference>)> = vec![
            ("equal scalars", json!("a"), json!("a"), vec![]),
            (
                "equal objects, other key order",
                json!({"a": 1, "b": [1, 2]}),
                json!({"b": [1, 2], "a": 1}),
                vec![],
            ),
            ("1 equals 1.0", json!({"n": 1}), json!({"n": 1.0}), vec![]),
            ("-0.0 equals 0", json!(-0.0), json!(0), vec![]),
            (
                "0.5 differs from 0.25",
                json!(0.5),
                json!(0.25),
                vec![d("", Some(json!(0.5)), Some(json!(0.25)))],
            ),
            (
                "1 differs from 1.5",
                json!({"n": 1}),
                json!({"n": 1.5}),
                vec![d("/n", Some(json!(1)), Some(json!(1.5)))],
            ),
            (
                "large integers exact",
                json!(u64::MAX),
                json!(u64::MAX - 1),
                vec![d("", Some(json!(u64::MAX)), Some(json!(u64::MAX - 1)))],
            ),
            (
                "number vs numeric string",
                json!({"n": 1}),
                json!({"n": "1"}),
                vec![d("/n", Some(json!(1)), Some(json!("1")))],
            ),
            (
                "null vs missing",
                json!({"a": null}),
                json!({}),
                vec![d("/a", Some(Value::Null), None)],
            ),
            (
                "key only in found",
                json!({}),
                json!({"extra": {"x": 1}}),
                vec![d("/extra", None, Some(json!({"x": 1})))],
            ),
            (
                "type change reports whole values",
                json!({"a": {"x": 1}}),
                json!({"a": [1]}),
                vec![d("/a", Some(json!({"x": 1})), Some(json!([1])))],
            ),
            (
                "array by index, longer side reported",
                json!([1, 2, 3]),
                json!([1, 5]),
                vec![
                    d("/1", Some(json!(2)), Some(json!(5))),
                    d("/2", Some(json!(3)), None),
                ],
            ),
            (
                "array order matters",
                json!(["a", "b"]),
                json!(["b", "a"]),
                vec![
                    d("/0", Some(json!("a")), Some(json!("b"))),
                    d("/1", Some(json!("b")), Some(json!("a"))),
                ],
            ),
            (
                "keys escaped, sorted order",
                json!({"b~x": 1, "a/y": 1, "c": {"d": true}}),
                json!({"b~x": 2, "a/y": 2, "c": {"d": false}}),
                vec![
                    d("/a~1y", Some(json!(1)), Some(json!(2))),
                    d("/b~0x", Some(json!(1)), Some(json!(2))),
                    d("/c/d", Some(json!(true)), Some(json!(false))),
                ],
            ),
            (
                "whole document differs",
                json!(1),
                json!("x"),
                vec![d("", Some(json!(1)), Some(json!("x")))],
            ),
        ];
        for (name, expected, found, want) in cases {
            assert_eq!(diff(&expected, &found), want, "{name}");
            let outcome = evaluate(&expected, &found);
            assert_eq!(outcome.met, want.is_empty(), "{name}");
        }
    }

    #[test]
    fn found_text_for_equal_and_missing() {
        let same = evaluate(&json!({"a": 1}), &json!({"a": 1.0}));
        assert!(same.met);
        assert_eq!(same.found, "identical");
        let missing = evaluate(&json!({"a": 1}), &json!({}));
        assert_eq!(
            missing.found,
            "1 difference: /a: only in the expected document (a number)"
        );
        let whole = evaluate(&json!(1), &json!(2));
        assert_eq!(
            whole.found,
            "1 difference: the document: the values differ (a number in both)"
        );
        let typed = evaluate(
            &json!({"a": {"k": "secret"}}),
            &json!({"a": ["secret"], "b\n::x": null}),
        );
        assert_eq!(
            typed.found,
            "2 differences: /a: an object in the expected document, an array in the found document; \
             /b\\n::x: only in the found document (null)"
        );
    }

    #[test]
    fn deep_documents_do_not_recurse() {
        let mut a = json!(1);
        let mut b = json!(2);
        for _ in 0..10_000 {
            let mut m = serde_json::Map::new();
            m.insert("k".to_owned(), a);
            a = Value::Object(m);
            let mut m = serde_json::Map::new();
            m.insert("k".to_owned(), b);
            b = Value::Object(m);
        }
        // Dropping a deep serde_json::Value recurses; never drop them, even when an assertion fails.
        let (a, b) = (
            std::mem::ManuallyDrop::new(a),
            std::mem::ManuallyDrop::new(b),
        );
        let diffs = diff(&a, &b);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].pointer.len(), 20_000);
    }
}
