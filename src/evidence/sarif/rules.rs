//! A run's rule tables, and how a result finds its rule (SARIF §3.27.5–3.27.7 and §3.52): by index or id, in
//! the driver or in the tool component the result names.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::raw;
use super::severity::{Level, Score, security_severity};
use crate::evidence::EvidenceError;

/// A rule with its security-severity already checked.
pub(super) struct Rule<'a> {
    pub(super) id: Option<&'a str>,
    pub(super) score: Score,
    pub(super) tags: Vec<String>,
    pub(super) default_level: Option<Level>,
    pub(super) message_strings: Option<&'a Map<String, Value>>,
}

/// The driver (index 0) or an extension (index n + 1) with its rules.
pub(super) struct Component<'a> {
    name: Option<&'a str>,
    rules: Vec<Rule<'a>>,
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Component<'a> {
    pub(super) fn new(component: &'a raw::Component, pointer: &str) -> Result<Self, EvidenceError> {
        let mut rules = Vec::new();
        let mut by_id = HashMap::new();
        for (i, rule) in component.rules.iter().flatten().enumerate() {
            let score = security_severity(
                rule.properties.as_ref(),
                &format!("{pointer}/rules/{i}/properties/security-severity"),
            )?;
            if let Some(id) = rule.id.as_deref() {
                // The first rule of an id wins, as an index lookup would find it first too.
                by_id.entry(id).or_insert(i);
            }
            rules.push(Rule {
                id: rule.id.as_deref(),
                score,
                tags: tags(rule.properties.as_ref()),
                default_level: rule.default_configuration.as_ref().and_then(|c| c.level),
                message_strings: rule.message_strings.as_ref(),
            });
        }
        Ok(Self {
            name: component.name.as_ref().and_then(Value::as_str),
            rules,
            by_id,
        })
    }

    fn find(&self, id: &str) -> Option<&Rule<'a>> {
        let index = self.by_id.get(id).or_else(|| {
            // Hierarchical rule ids ("CA2101/1") name a sub-rule of "CA2101".
            id.split_once('/')
                .and_then(|(head, _)| self.by_id.get(head))
        })?;
        self.rules.get(*index)
    }
}

/// The rule a result refers to, per SARIF §3.27.5–3.27.7 and §3.52.
pub(super) fn find_rule<'c, 'a>(
    result: &raw::Result,
    at: &str,
    components: &'c [Component<'a>],
) -> Result<Option<&'c Rule<'a>>, EvidenceError> {
    let reference = result.rule.as_ref();
    let component_ref = reference.and_then(|r| r.tool_component.as_ref());

    // Which tool component: an explicit index into run.tool.extensions, else a name, else the driver.
    let explicit = match component_ref {
        Some(raw::ComponentRef {
            index: Some(index), ..
        }) if *index >= 0 => {
            let component = usize::try_from(*index)
                .ok()
                .and_then(|i| components.get(i + 1))
                .ok_or_else(|| EvidenceError::InvalidSarifValue {
                    pointer: format!("{at}/rule/toolComponent/index"),
                    reason: format!(
                        "extension {index} does not exist (the run has {})",
                        components.len().saturating_sub(1)
                    ),
                })?;
            Some(component)
        }
        Some(raw::ComponentRef {
            name: Some(name), ..
        }) => components.iter().find(|c| c.name == Some(name.as_str())),
        _ => None,
    };
    let home = explicit.or_else(|| components.first());

    let index = reference
        .and_then(|r| r.index)
        .map(|i| (i, "rule/index"))
        .or_else(|| result.rule_index.map(|i| (i, "ruleIndex")));
    if let Some((index, field)) = index
        && index >= 0
    {
        let rule = usize::try_from(index)
            .ok()
            .and_then(|i| home.and_then(|c| c.rules.get(i)));
        return match rule {
            Some(rule) => Ok(Some(rule)),
            None => Err(EvidenceError::InvalidSarifValue {
                pointer: format!("{at}/{field}"),
                reason: format!(
                    "rule {index} does not exist (the tool component has {} rules)",
                    home.map_or(0, |c| c.rules.len())
                ),
            }),
        };
    }

    let id = reference
        .and_then(|r| r.id.as_deref())
        .or(result.rule_id.as_deref());
    let Some(id) = id else { return Ok(None) };
    if let Some(component) = explicit {
        return Ok(component.find(id));
    }
    Ok(components.iter().find_map(|c| c.find(id)))
}

/// `properties.tags`: an array of strings (other elements skipped) or, leniently, one string. Tags only narrow
/// what a `tags` filter takes in, so a tag list of another type is no tags rather than an error.
pub(super) fn tags(properties: Option<&Map<String, Value>>) -> Vec<String> {
    match properties.and_then(|p| p.get("tags")) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(tag)) => vec![tag.clone()],
        _ => Vec::new(),
    }
}
