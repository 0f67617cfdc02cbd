//! The second pass over `policy.toml`: walk the spanned TOML tree, build the model, and collect every problem on
//! the way instead of stopping at the first.
//!
//! This file walks the root, `[token]`, `[tiers]`, `[exceptions]` and `allow_outside`; `[people]` and `[roles]` are
//! in [`people`], `[[criteria]]` in [`criteria`], and the reader they share in [`checker`].

mod checker;
mod criteria;
mod people;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use super::model::{
    ApproverQuorum, Criterion, ExceptionPolicy, MAX_TOKEN_TTL, Role, TierRules, TokenSettings,
};
use super::people::{KeyRef, Person};
use crate::criteria::EvidenceRef;
use crate::criteria::approvals::RoleIndex;
use crate::diag::reader::{CHANGES, Reader, TIERS, Value, list, show, suggest, syntax_problem};
use crate::diag::{DiagnosticKind as K, Problem};
use crate::duration::DisplayDuration;
use crate::vocab::Tier;
use checker::Checker;

/// Everything a [`Policy`](super::Policy) holds that comes from the text.
pub(crate) struct Parts {
    pub(crate) id: String,
    pub(crate) environment: String,
    pub(crate) issuer: String,
    pub(crate) token: TokenSettings,
    pub(crate) tiers: TierRules,
    pub(crate) people: BTreeMap<String, Person>,
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) criteria: Vec<Criterion>,
    pub(crate) exceptions: Option<ExceptionPolicy>,
    pub(crate) evidence_refs: Vec<EvidenceRef>,
    pub(crate) key_refs: Vec<KeyRef>,
    pub(crate) warnings: Vec<Problem>,
    pub(crate) allow_outside: Vec<PathBuf>,
}

const ROOT_KEYS: &[&str] = &[
    "id",
    "environment",
    "issuer",
    "token",
    "tiers",
    "people",
    "roles",
    "criteria",
    "exceptions",
    "allow_outside",
];
const TOKEN_KEYS: &[&str] = &["ttl", "exception_ttl"];
const TIERS_KEYS: &[&str] = &["default", "by_change"];
const EXCEPTIONS_KEYS: &[&str] = &["approvers", "max_ttl", "non_waivable"];
const QUORUM_KEYS: &[&str] = &["role", "count"];

/// Parses and validates `text`, the contents of the policy file at `path`.
pub(crate) fn walk(text: &str, path: &Path) -> Result<Parts, Vec<Problem>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        // The tree recovered from broken TOML would only add confusing follow-up problems.
        return Err(errors.iter().map(syntax_problem).collect());
    }
    let mut c = Checker {
        reader: Reader::new(text),
        key_refs: Vec::new(),
    };
    let parts = c.root(root.get_ref(), path);
    let mut warnings = std::mem::take(&mut c.warnings);
    warnings.sort_by_key(|p| (p.span.start, p.span.end));
    let key_refs = std::mem::take(&mut c.key_refs);
    let parts = parts.map(|p| Parts {
        warnings,
        key_refs,
        ..p
    });
    let mut problems = std::mem::take(&mut c.problems);
    problems.sort_by_key(|p| (p.span.start, p.span.end));
    match parts {
        Some(parts) if problems.is_empty() => Ok(parts),
        _ => Err(problems),
    }
}

impl Checker<'_> {
    // ----- the policy --------------------------------------------------------------------------------------------

    fn root(&mut self, root: &DeTable<'_>, path: &Path) -> Option<Parts> {
        let top = 0..0;
        let place = "the policy";
        self.unknown_keys(root, ROOT_KEYS, "the top level of the policy");
        let id = self
            .required(
                root,
                "id",
                top.clone(),
                place,
                "id = \"summarizer-production\"",
            )
            .and_then(|v| self.text(v, "`id`", "id = \"summarizer-production\""));
        let environment = self
            .required(
                root,
                "environment",
                top.clone(),
                place,
                "environment = \"production\"",
            )
            .and_then(|v| self.text(v, "`environment`", "environment = \"production\""));
        let issuer = self
            .required(
                root,
                "issuer",
                top.clone(),
                place,
                "issuer = \"gatepass:acme-ml\"",
            )
            .and_then(|v| self.text(v, "`issuer`", "issuer = \"gatepass:acme-ml\""));
        let token = match root.get("token") {
            None => Some(TokenSettings::default()),
            Some(v) => self.token(v),
        };
        let tiers = match root.get("tiers") {
            None => Some(TierRules::default()),
            Some(v) => self.tier_rules(v),
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let people = match root.get("people") {
            None => Some(BTreeMap::new()),
            Some(v) => self.people(v, base),
        };
        let person_names: BTreeSet<String> =
            people.iter().flatten().map(|(k, _)| k.clone()).collect();
        let (roles, role_names) = match root.get("roles") {
            None => (Some(BTreeMap::new()), RoleIndex::new()),
            Some(v) => self.roles(v, base, &person_names),
        };
        let mut refs = Vec::new();
        let (criteria, ids) = match root.get("criteria") {
            None => {
                self.report(
                    K::NoCriteria,
                    top.clone(),
                    "the policy has no criteria",
                    "no `[[criteria]]` in this file",
                    "add at least one `[[criteria]]`: a policy without criteria would allow every release",
                );
                (None, BTreeSet::new())
            }
            Some(v) => self.criteria(v, &role_names, path, &mut refs),
        };
        let exceptions = match root.get("exceptions") {
            None => Some(None),
            Some(v) => self.exceptions(v, &role_names, &ids).map(Some),
        };
        if let Some(criteria) = &criteria {
            self.checks_before_deploy(criteria, root.get("criteria").map_or(top, |v| v.span()));
        }
        let allow_outside = self.allow_outside(root.get("allow_outside"), base);
        Some(Parts {
            allow_outside: allow_outside?,
            id: id?,
            environment: environment?,
            issuer: issuer?,
            token: token?,
            tiers: tiers?,
            people: people?,
            roles: roles?,
            criteria: criteria?,
            exceptions: exceptions?,
            evidence_refs: refs,
            key_refs: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// `allow_outside = ["dir", …]`: directories outside a release's root that its artifact and evidence paths
    /// may resolve into, relative to this policy file.
    fn allow_outside(&mut self, value: Option<&Value<'_>>, base: &Path) -> Option<Vec<PathBuf>> {
        let Some(value) = value else {
            return Some(Vec::new());
        };
        let what = "`allow_outside`";
        let example = "allow_outside = [\"/opt/shared-evals\"]";
        let items = self.non_empty_array(
            value,
            what,
            example,
            "no directory listed",
            "list the directories outside the release that evidence may come from, or remove the key",
        )?;
        let mut dirs = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.text(item, what, "\"/opt/shared-evals\"") {
                Some(p) if !p.contains('\0') && p != "/" => dirs.push(base.join(p)),
                Some(_) => {
                    self.report(
                        K::BadValue,
                        item.span(),
                        format!("{what} holds the file system root or a path with a NUL character"),
                        "not a directory that can be allowed",
                        "name one directory that holds evidence, relative to this policy file",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        ok.then_some(dirs)
    }

    fn token(&mut self, value: &Value<'_>) -> Option<TokenSettings> {
        let table = self.table(value, "`token`", "[token]")?;
        self.unknown_keys(table, TOKEN_KEYS, "`[token]`");
        let defaults = TokenSettings::default();
        let ttl = match table.get("ttl") {
            None => Some(defaults.ttl),
            Some(v) => self.duration(v, "`token.ttl`", "ttl = \"15m\"").and_then(|ttl| {
                if ttl > MAX_TOKEN_TTL {
                    self.report(
                        K::TtlTooLong,
                        v.span(),
                        format!(
                            "`token.ttl` of {} exceeds the hard cap of 1h",
                            DisplayDuration(ttl)
                        ),
                        "longer than 1h",
                        "deploy tokens are short-lived by design: use at most \"1h\" (\"15m\" is typical)",
                    );
                    None
                } else {
                    Some(ttl)
                }
            }),
        };
        let exception_ttl = match table.get("exception_ttl") {
            None => ttl.map(|ttl| ttl.min(defaults.exception_ttl)),
            Some(v) => {
                let what = "`token.exception_ttl`";
                let exception_ttl = self.duration(v, what, "exception_ttl = \"10m\"")?;
                if exception_ttl > MAX_TOKEN_TTL {
                    self.report(
                        K::TtlTooLong,
                        v.span(),
                        format!(
                            "{what} of {} exceeds the hard cap of 1h",
                            DisplayDuration(exception_ttl)
                        ),
                        "longer than 1h",
                        "tokens minted under an exception live at most \"1h\": shorten it",
                    );
                    return None;
                }
                if let Some(ttl) = ttl.filter(|ttl| exception_ttl > *ttl) {
                    self.report(
                        K::TtlTooLong,
                        v.span(),
                        format!(
                            "{what} of {} is longer than `token.ttl` of {}",
                            DisplayDuration(exception_ttl),
                            DisplayDuration(ttl)
                        ),
                        "longer than `ttl`",
                        format!(
                            "a token minted under an exception must not outlive a normal one: use at most \"{}\"",
                            DisplayDuration(ttl)
                        ),
                    );
                    return None;
                }
                Some(exception_ttl)
            }
        };
        Some(TokenSettings {
            ttl: ttl?,
            exception_ttl: exception_ttl?,
        })
    }

    fn tier_rules(&mut self, value: &Value<'_>) -> Option<TierRules> {
        let table = self.table(value, "`tiers`", "[tiers]")?;
        self.unknown_keys(table, TIERS_KEYS, "`[tiers]`");
        let default = match table.get("default") {
            None => Some(Tier::Standard),
            Some(v) => self.one_of(v, "`tiers.default`", "tier", TIERS),
        };
        let mut by_change = BTreeMap::new();
        let mut ok = true;
        if let Some(v) = table.get("by_change") {
            match self.table(
                v,
                "`tiers.by_change`",
                "by_change = { model = \"critical\" }",
            ) {
                None => ok = false,
                Some(map) => {
                    for (key, tier) in map.iter() {
                        let name: &str = key.get_ref();
                        let change = CHANGES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
                        if change.is_none() {
                            let names: Vec<&str> = CHANGES.iter().map(|(n, _)| *n).collect();
                            let mut help = String::new();
                            if let Some(close) = suggest(name, names.iter().copied()) {
                                help.push_str(&format!("did you mean `{close}`? "));
                            }
                            help.push_str(&format!("change types are {}", list(&names)));
                            self.report(
                                K::UnknownValue,
                                key.span(),
                                format!(
                                    "unknown change type `{}` in `tiers.by_change`",
                                    show(name)
                                ),
                                "not a change type",
                                help,
                            );
                        }
                        let tier = self.one_of(tier, "`tiers.by_change`", "tier", TIERS);
                        match (change, tier) {
                            (Some(c), Some(t)) => {
                                by_change.insert(c, t);
                            }
                            _ => ok = false,
                        }
                    }
                }
            }
        }
        Some(TierRules {
            default: default?,
            by_change: ok.then_some(by_change)?,
        })
    }

    fn exceptions(
        &mut self,
        value: &Value<'_>,
        roles: &RoleIndex,
        criteria: &BTreeSet<String>,
    ) -> Option<ExceptionPolicy> {
        let place = "`[exceptions]`";
        let table = self.table(value, "`exceptions`", "[exceptions]")?;
        self.unknown_keys(table, EXCEPTIONS_KEYS, place);
        let example = "approvers = { role = \"release-manager\", count = 2 }";
        let approvers = self
            .required(table, "approvers", value.span(), place, example)
            .and_then(|v| {
                let what = "`exceptions.approvers`";
                let t = self.table(v, what, example)?;
                self.unknown_keys(t, QUORUM_KEYS, what);
                let role = self
                    .required(t, "role", v.span(), what, "role = \"release-manager\"")
                    .and_then(|r| self.role_ref(r, what, roles));
                let count = match t.get("count") {
                    None => Some(1),
                    Some(c) => self.count(c, "`count` of `exceptions.approvers`", "count = 2"),
                };
                if let (Some(role), Some(count)) = (&role, count) {
                    self.reachable(
                        count,
                        t.get("count").map_or(v.span(), |c| c.span()),
                        role,
                        roles,
                        what,
                    );
                }
                Some(ApproverQuorum {
                    role: role?,
                    count: count?,
                })
            });
        let max_ttl = self
            .required(table, "max_ttl", value.span(), place, "max_ttl = \"4h\"")
            .and_then(|v| self.duration(v, "`exceptions.max_ttl`", "max_ttl = \"4h\""));
        let mut non_waivable = Vec::new();
        let mut ok = true;
        if let Some(v) = table.get("non_waivable") {
            let what = "`exceptions.non_waivable`";
            match self.array(v, what, "non_waivable = [\"sign-off\"]") {
                None => ok = false,
                Some(items) => {
                    for item in items.iter() {
                        let Some(id) = self.string(item, what, "\"sign-off\"") else {
                            ok = false;
                            continue;
                        };
                        if criteria.contains(id) {
                            if !non_waivable.iter().any(|n| n == id) {
                                non_waivable.push(id.to_owned());
                            }
                            continue;
                        }
                        let mut help = String::new();
                        if let Some(close) = suggest(id, criteria.iter().map(String::as_str)) {
                            help.push_str(&format!("did you mean `{close}`? "));
                        }
                        help.push_str("`non_waivable` lists ids of `[[criteria]]` in this policy");
                        self.report(
                            K::UnknownCriterion,
                            item.span(),
                            format!("unknown criterion `{}` in {what}", show(id)),
                            "no criterion has this id",
                            help,
                        );
                        ok = false;
                    }
                }
            }
        }
        Some(ExceptionPolicy {
            approvers: approvers?,
            max_ttl: max_ttl?,
            non_waivable: ok.then_some(non_waivable)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggest("tll", TOKEN_KEYS.iter().copied()), Some("ttl"));
        assert_eq!(
            suggest("critcal", TIERS.iter().map(|(n, _)| *n)),
            Some("critical")
        );
        assert_eq!(suggest("zzzzzz", TIERS.iter().map(|(n, _)| *n)), None);
    }
}
