//! `[[criteria]]`: the list, one criterion (its common keys, then its kind's own), and the rule that every tier
//! is checked before deployment.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::DeValue;

use super::checker::Checker;
use crate::criteria::approvals::RoleIndex;
use crate::criteria::{self, CriterionKind, EvidenceRef, ParseCtx};
use crate::diag::DiagnosticKind as K;
use crate::diag::reader::{GATES, Span, TIERS, Value, list, show};
use crate::policy::model::{Criterion, PolicyLocation};
use crate::vocab::{Gate, Tier};

/// The keys of a criterion besides its check (one of [`criteria::keys`]).
const CRITERION_KEYS: &[&str] = &["id", "gate", "tiers", "description", "max_age"];

impl Checker<'_> {
    /// A policy must check something before deployment for every tier: criteria that are all `post-deployment`, or
    /// all scoped to other tiers, would let a regressed release of that tier through with a token.
    pub(super) fn checks_before_deploy(&mut self, criteria: &[Criterion], span: Span) {
        let uncovered: Vec<Tier> = TIERS
            .iter()
            .map(|(_, t)| *t)
            .filter(|t| {
                !criteria.iter().any(|c| {
                    c.applies_to(*t)
                        && c.gate != Gate::PostDeployment
                        && c.kind.kind() != crate::criteria::Kind::Window
                })
            })
            .collect();
        for tier in uncovered {
            self.report(
                K::NothingBeforeDeploy,
                span.clone(),
                format!("no criterion is checked before deployment for tier {tier}"),
                format!("nothing here applies to tier {tier} before deployment"),
                format!("a {tier} release would be allowed unchecked (a deploy window alone checks nothing about the release): add a criterion other than `window`, in a gate other than `post-deployment`, that applies to tier {tier} (no `tiers`, or `tiers` including \"{tier}\")"),
            );
        }
    }

    /// The criteria, and every criterion id written (valid or not).
    pub(super) fn criteria(
        &mut self,
        value: &Value<'_>,
        roles: &RoleIndex,
        path: &Path,
        refs: &mut Vec<EvidenceRef>,
    ) -> (Option<Vec<Criterion>>, BTreeSet<String>) {
        let mut ids = BTreeSet::new();
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            _ => {
                self.wrong_type(value, "`criteria`", "an array of tables", "[[criteria]]");
                return (None, ids);
            }
        };
        if items.is_empty() {
            self.report(
                K::NoCriteria,
                value.span(),
                "the policy has no criteria",
                "empty",
                "add at least one `[[criteria]]`: a policy without criteria would allow every release",
            );
            return (None, ids);
        }
        let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut criteria = Vec::new();
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            let id_value = match item.get_ref() {
                DeValue::Table(t) => t.get("id"),
                _ => None,
            };
            if let Some(id_value) = id_value
                && let DeValue::String(id) = id_value.get_ref()
            {
                ids.insert(id.to_string());
                if let Some(&line) = first_seen.get(id.as_ref()) {
                    self.report(
                        K::DuplicateId,
                        id_value.span(),
                        format!("duplicate criterion id `{}`", show(id)),
                        "used before",
                        format!(
                            "criterion ids must be unique (waivers and reports name them): `{}` is already the id of the criterion on line {line}",
                            show(id)
                        ),
                    );
                    ok = false;
                } else {
                    first_seen.insert(id.to_string(), self.lines.line_col(item.span().start).0);
                }
            }
            match self.criterion(item, index, roles, path, refs) {
                Some(c) => criteria.push(c),
                None => ok = false,
            }
        }
        (ok.then_some(criteria), ids)
    }

    fn criterion(
        &mut self,
        value: &Value<'_>,
        index: usize,
        roles: &RoleIndex,
        path: &Path,
        refs: &mut Vec<EvidenceRef>,
    ) -> Option<Criterion> {
        let table = self.table(value, &format!("criterion #{}", index + 1), "[[criteria]]")?;
        let span = value.span();
        let place = match table.get("id").map(|v| v.get_ref()) {
            Some(DeValue::String(id)) => format!("criterion `{}`", show(id)),
            _ => format!("criterion #{}", index + 1),
        };
        let checks_keys = criteria::keys();
        let mut allowed = CRITERION_KEYS.to_vec();
        allowed.extend(&checks_keys);
        self.unknown_keys(table, &allowed, &place);
        let id = self
            .required(
                table,
                "id",
                span.clone(),
                &place,
                "id = \"hallucination-rate\"",
            )
            .and_then(|v| {
                self.name(
                    v,
                    &format!("`id` of {place}"),
                    "id = \"hallucination-rate\"",
                )
            });
        let gate = self
            .required(table, "gate", span.clone(), &place, "gate = \"technical\"")
            .and_then(|v| self.one_of(v, &format!("`gate` of {place}"), "gate", GATES));
        let tiers = match table.get("tiers") {
            None => Some(None),
            Some(v) => self.tiers(v, &format!("`tiers` of {place}")).map(Some),
        };
        let description = match table.get("description") {
            None => Some(None),
            Some(v) => self
                .text(
                    v,
                    &format!("`description` of {place}"),
                    "description = \"...\"",
                )
                .map(Some),
        };

        let mut checks: Vec<(&str, Span, &Value<'_>)> = table
            .iter()
            .filter(|(k, _)| checks_keys.contains(&k.get_ref().as_ref()))
            .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
            .collect();
        checks.sort_by_key(|(_, s, _)| s.start);
        let mut kind = None;
        match checks.as_slice() {
            [] => self.report(
                K::NoCheck,
                span.clone(),
                format!("{place} has nothing to check"),
                "no check key in this criterion",
                format!("add exactly one of {}", list(&checks_keys)),
            ),
            [(name, _, v)] => {
                let crit_id = id.clone().unwrap_or_default();
                let mut cx = ParseCtx {
                    what: format!("`{name}` of {place}"),
                    criterion: &crit_id,
                    tiers: tiers.as_ref().and_then(|t| t.as_deref()),
                    roles,
                    refs,
                };
                kind = criteria::parse(name, self, v, &mut cx);
            }
            [(first, _, _), rest @ ..] => {
                for (name, key_span, _) in rest {
                    self.report(
                        K::SeveralChecks,
                        key_span.clone(),
                        format!("{place} has more than one check: `{first}` and `{name}`"),
                        "second check",
                        "a criterion checks exactly one thing: move this check into its own `[[criteria]]` with its own id",
                    );
                }
            }
        }

        let is_approvals = checks
            .first()
            .is_some_and(|(name, _, _)| *name == "approvals");
        let max_age = match table.get("max_age") {
            None => Some(None),
            Some(v) if is_approvals || checks.is_empty() => self
                .duration(v, &format!("`max_age` of {place}"), "max_age = \"7d\"")
                .map(Some),
            Some(v) => {
                let key_span = table
                    .get_key_value("max_age")
                    .map_or(v.span(), |(k, _)| k.span());
                self.report(
                    K::UnknownKey,
                    key_span,
                    format!("`max_age` in {place}, which is not an `approvals` criterion"),
                    "only for `approvals`",
                    "`max_age` limits the age of approvals: remove it, or move it to the criterion with `approvals`",
                );
                None
            }
        };
        let kind = match (kind?, max_age?) {
            (CriterionKind::Approvals { requirements, .. }, max_age) => CriterionKind::Approvals {
                requirements,
                max_age,
            },
            (other, _) => other,
        };
        let (line, col) = self.lines.line_col(span.start);
        Some(Criterion {
            id: id?,
            gate: gate?,
            tiers: tiers?,
            description: description?,
            kind,
            location: PolicyLocation {
                file: path.to_path_buf(),
                line,
                col,
            },
        })
    }
}
