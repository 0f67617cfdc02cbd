//! The subset of the SARIF 2.1.0 object model the gate reads.
//!
//! Fields that decide whether or how a result counts are typed strictly (an unknown `level` is an error with a
//! position); fields only shown to people are `Value`s so that a surprising type never fails a log; everything
//! else is ignored. Every field is optional and `null` is treated as absent.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::severity::Level;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Log {
    pub(super) runs: Option<Vec<Run>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Run {
    pub(super) tool: Tool,
    pub(super) results: Option<Vec<Result>>,
    pub(super) artifacts: Option<Vec<Artifact>>,
    pub(super) invocations: Option<Vec<Invocation>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Tool {
    pub(super) driver: Component,
    pub(super) extensions: Option<Vec<Component>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Component {
    pub(super) name: Option<Value>,
    pub(super) rules: Option<Vec<Rule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Rule {
    pub(super) id: Option<String>,
    pub(super) default_configuration: Option<Configuration>,
    pub(super) properties: Option<Map<String, Value>>,
    pub(super) message_strings: Option<Map<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Configuration {
    pub(super) level: Option<Level>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Invocation {
    pub(super) execution_successful: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Artifact {
    pub(super) location: Option<ArtifactLocation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Result {
    pub(super) rule_id: Option<String>,
    pub(super) rule_index: Option<i64>,
    pub(super) rule: Option<RuleRef>,
    pub(super) kind: Option<Kind>,
    pub(super) level: Option<Level>,
    pub(super) message: Option<Message>,
    pub(super) locations: Option<Vec<Location>>,
    pub(super) suppressions: Option<Vec<Suppression>>,
    pub(super) baseline_state: Option<BaselineState>,
    pub(super) properties: Option<Map<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct RuleRef {
    pub(super) id: Option<String>,
    pub(super) index: Option<i64>,
    pub(super) tool_component: Option<ComponentRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ComponentRef {
    pub(super) index: Option<i64>,
    pub(super) name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum Kind {
    NotApplicable,
    Pass,
    Fail,
    Review,
    Open,
    Informational,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum BaselineState {
    New,
    Unchanged,
    Updated,
    Absent,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Suppression {
    pub(super) status: Option<SuppressionStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum SuppressionStatus {
    Accepted,
    UnderReview,
    Rejected,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Message {
    pub(super) text: Option<Value>,
    pub(super) markdown: Option<Value>,
    pub(super) id: Option<Value>,
    pub(super) arguments: Option<Vec<Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Location {
    pub(super) physical_location: Option<PhysicalLocation>,
    pub(super) logical_locations: Option<Vec<LogicalLocation>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct PhysicalLocation {
    pub(super) artifact_location: Option<ArtifactLocation>,
    pub(super) region: Option<Region>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ArtifactLocation {
    pub(super) uri: Option<Value>,
    pub(super) index: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Region {
    pub(super) start_line: Option<Value>,
    pub(super) start_column: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct LogicalLocation {
    pub(super) name: Option<Value>,
    pub(super) fully_qualified_name: Option<Value>,
}
