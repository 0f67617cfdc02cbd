//! `present`: the named evidence files exist and are non-empty.
//!
//! ```toml
//! present = ["eval", "adversarial", "rollback", "model_card"]
//! ```

use super::{CriterionKind, Held, HoldCtx, ParseCtx};
use crate::diag::reader::{Reader, Value};

/// Parses a `present` entry.
pub(crate) fn parse(
    r: &mut Reader<'_>,
    value: &Value<'_>,
    cx: &mut ParseCtx<'_>,
) -> Option<CriterionKind> {
    let what = cx.what.clone();
    let example = "present = [\"eval\", \"model_card\"]";
    let items = r.non_empty_array(
        value,
        &what,
        example,
        "names no evidence",
        "list the evidence names that must be present: an empty list checks nothing",
    )?;
    let mut names = Vec::new();
    let mut ok = true;
    for item in items.iter() {
        match r.name(item, &what, example) {
            Some(n) => {
                cx.refer(&n, item.span());
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(CriterionKind::Present(names))
}

/// Holds the evidence files `names`: each exists and is non-empty.
pub(crate) fn hold(cx: &HoldCtx<'_>, names: &[String]) -> Held {
    let files = names.iter().flat_map(|n| cx.written(n)).collect();
    let mut r = Held::new(files);
    r.details = names.iter().filter_map(|n| cx.missing(n)).collect();
    r.met = r.details.is_empty();
    r.expected = format!("present and non-empty: {}", names.join(", "));
    r.found = if r.details.is_empty() {
        format!("all {} present", names.len())
    } else {
        format!("{} of {} missing or empty", r.details.len(), names.len())
    };
    r
}
