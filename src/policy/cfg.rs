//! The second pass over `policy.toml`: walk the spanned TOML tree, build the model, and collect every problem on
//! the way instead of stopping at the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::model::{
    ApproverQuorum, Criterion, ExceptionPolicy, MAX_TOKEN_TTL, PolicyLocation, Role, TierRules,
    TokenSettings,
};
use super::people::{KeyRef, Person, skeleton};
use crate::criteria::approvals::{RoleIndex, RoleInfo};
use crate::criteria::{self, CriterionKind, EvidenceRef, ParseCtx};
use crate::diag::reader::{
    CHANGES, GATES, NAME_HELP, Reader, Span, TIERS, Value, is_name, list, show, suggest,
    syntax_problem,
};
use crate::diag::{DiagnosticKind as K, Problem};
use crate::duration::DisplayDuration;
use crate::vocab::{Gate, Tier};

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
const ROLE_KEYS: &[&str] = &["people", "keys", "github"];
const PERSON_KEYS: &[&str] = &["keys", "github"];
/// The keys of a criterion besides its check (one of [`criteria::keys`]).
const CRITERION_KEYS: &[&str] = &["id", "gate", "tiers", "description", "max_age"];
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

/// The policy's reader: the generic [`Reader`] plus the key files found on the way.
struct Checker<'t> {
    reader: Reader<'t>,
    key_refs: Vec<KeyRef>,
}

impl<'t> std::ops::Deref for Checker<'t> {
    type Target = Reader<'t>;
    fn deref(&self) -> &Reader<'t> {
        &self.reader
    }
}

impl std::ops::DerefMut for Checker<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.reader
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

    /// The people (`[people]`): every human who may approve, with each key file and login they use. A key file or
    /// login listed for two people, and two ids that only differ in case, separators or look-alike letters, are
    /// configuration errors: one human is one person.
    fn people(&mut self, value: &Value<'_>, base: &Path) -> Option<BTreeMap<String, Person>> {
        let table = self.table(value, "`people`", "[people]")?;
        let mut people = BTreeMap::new();
        let mut ok = true;
        let mut skeletons: BTreeMap<String, String> = BTreeMap::new();
        let mut logins: BTreeMap<String, String> = BTreeMap::new();
        let mut paths: BTreeMap<PathBuf, String> = BTreeMap::new();
        for (key, person_value) in table.iter() {
            let id: &str = key.get_ref();
            let place = format!("person `{}`", show(id));
            if !is_name(id) {
                self.report(
                    K::BadValue,
                    key.span(),
                    format!("invalid person id `{}` in `[people]`", show(id)),
                    "not a valid id",
                    NAME_HELP,
                );
                ok = false;
            } else if let Some(other) = skeletons.insert(skeleton(id), id.to_owned()) {
                self.report(
                    K::DuplicatePerson,
                    key.span(),
                    format!("person `{id}` looks like person `{other}`"),
                    "a look-alike of another person's id",
                    "ids that differ only in case, `.`, `-`, `_` or look-alike letters would let one human appear as two; give each person one entry with all their keys and logins",
                );
                ok = false;
            }
            let example = "jrivera = { keys = [\"../keys/approvers/jrivera.jwk.json\"], github = [\"jrivera\"] }";
            let Some(t) = self.table(person_value, &place, example) else {
                ok = false;
                continue;
            };
            self.unknown_keys(t, PERSON_KEYS, &place);
            let keys = self.key_files(t, &place, base, Some(id));
            let github = self.github_ids(t, &place, false);
            let (Some(keys), Some(github)) = (keys, github) else {
                ok = false;
                continue;
            };
            for (path, span) in &keys {
                if let Some(other) = paths.insert(path.clone(), id.to_owned()) {
                    self.report(
                        K::DuplicatePerson,
                        span.clone(),
                        format!(
                            "the key file {} is listed for `{other}` and for `{id}`",
                            path.display()
                        ),
                        "listed for two people",
                        "a key belongs to one person: remove it from one of them",
                    );
                    ok = false;
                }
            }
            for (login, span) in &github {
                if let Some(other) = logins.insert(login.to_ascii_lowercase(), id.to_owned()) {
                    self.report(
                        K::DuplicatePerson,
                        span.clone(),
                        format!(
                            "the GitHub login `{login}` is listed for `{other}` and for `{id}`"
                        ),
                        "listed for two people",
                        "a login belongs to one person: remove it from one of them",
                    );
                    ok = false;
                }
            }
            if keys.is_empty() && github.is_empty() {
                self.report(
                    K::RoleWithoutIdentity,
                    key.span(),
                    format!("{place} has neither `keys` nor `github`"),
                    "this person can never approve",
                    "list the person's public key files in `keys`, their GitHub logins in `github`, or both",
                );
                ok = false;
                continue;
            }
            people.insert(
                id.to_owned(),
                Person {
                    keys: keys.into_iter().map(|(p, _)| p).collect(),
                    github: github.into_iter().map(|(g, _)| g).collect(),
                },
            );
        }
        ok.then_some(people)
    }

    /// The roles, and every role name written (valid or not), so that later references to a broken role are not
    /// reported twice.
    fn roles(
        &mut self,
        value: &Value<'_>,
        base: &Path,
        people: &BTreeSet<String>,
    ) -> (Option<BTreeMap<String, Role>>, RoleIndex) {
        let mut names = RoleIndex::new();
        let Some(table) = self.table(value, "`roles`", "[roles]") else {
            return (None, names);
        };
        let mut roles = BTreeMap::new();
        let mut ok = true;
        let mut untied_keys: Option<(String, Span)> = None;
        for (key, role_value) in table.iter() {
            let name: &str = key.get_ref();
            names.insert(name.to_owned(), RoleInfo::default());
            let place = format!("role `{}`", show(name));
            if !is_name(name) {
                self.report(
                    K::BadValue,
                    key.span(),
                    format!("invalid role name `{}` in `[roles]`", show(name)),
                    "not a valid name",
                    NAME_HELP,
                );
                ok = false;
            }
            match self.role(role_value, &place, key.span(), base, people) {
                Some(role) => {
                    let logins = role.github.iter().filter(|g| !g.starts_with('@')).count();
                    let capacity = if role.github.iter().any(|g| g.starts_with('@')) {
                        None
                    } else {
                        Some(role.people.len() + role.keys.len() + logins)
                    };
                    // Without `[people]`, a team's members are persons of their own too.
                    let teams = role.github.len() - logins;
                    let untied =
                        role.keys.len() + logins + if people.is_empty() { teams } else { 0 };
                    names.insert(name.to_owned(), RoleInfo { capacity, untied });
                    let first = untied_keys
                        .as_ref()
                        .is_none_or(|(_, span)| key.span().start < span.start);
                    if !role.keys.is_empty() && first {
                        untied_keys = Some((name.to_owned(), key.span()));
                    }
                    roles.insert(name.to_owned(), role);
                }
                None => ok = false,
            }
        }
        if let Some((role, span)) = untied_keys {
            self.warnings.push(Problem {
                kind: K::UntiedKeys,
                span,
                message: format!(
                    "role `{role}` lists key files directly: each is a person of its own, named after its file, so a deployer or author who holds one is recognised only when the file is named after their id or login"
                ),
                label: "key files tied to no person".to_owned(),
                help: "list every human once under `[people]`, with all their keys and logins, and name them in the roles with `people = [...]`".to_owned(),
            });
        }
        (ok.then_some(roles), names)
    }

    fn role(
        &mut self,
        value: &Value<'_>,
        place: &str,
        name_span: Span,
        base: &Path,
        known: &BTreeSet<String>,
    ) -> Option<Role> {
        let example = "ml-lead = { people = [\"jrivera\"] }";
        let table = self.table(value, place, example)?;
        self.unknown_keys(table, ROLE_KEYS, place);
        let mut ok = true;
        let mut people = Vec::new();
        if let Some(v) = table.get("people") {
            let what = format!("`people` of {place}");
            match self.array(v, &what, "people = [\"jrivera\"]") {
                None => ok = false,
                Some(items) => {
                    for item in items.iter() {
                        let Some(id) = self.string(item, &what, "\"jrivera\"") else {
                            ok = false;
                            continue;
                        };
                        if known.contains(id) {
                            if !people.iter().any(|p| p == id) {
                                people.push(id.to_owned());
                            }
                            continue;
                        }
                        let mut help = String::new();
                        if let Some(close) = suggest(id, known.iter().map(String::as_str)) {
                            help.push_str(&format!("did you mean `{close}`? "));
                        }
                        help.push_str(
                            "define the person under `[people]` with their keys and GitHub logins",
                        );
                        self.report(
                            K::UnknownPerson,
                            item.span(),
                            format!("{what} names `{}`, who is not in `[people]`", show(id)),
                            "not in `[people]`",
                            help,
                        );
                        ok = false;
                    }
                }
            }
        }
        let keys = self.key_files(table, place, base, None);
        let github = self.github_ids(table, place, true);
        let (Some(keys), Some(github)) = (keys, github) else {
            return None;
        };
        if ok && people.is_empty() && keys.is_empty() && github.is_empty() {
            self.report(
                K::RoleWithoutIdentity,
                name_span,
                format!("{place} has no approvers: neither `people`, `keys` nor `github` lists anyone"),
                "nobody can approve in this role",
                "list the people of `[people]` who hold the role in `people` (or, in the older form, key files in `keys` and GitHub logins or teams in `github`)",
            );
            return None;
        }
        ok.then(|| Role {
            people,
            keys: keys.into_iter().map(|(p, _)| p).collect(),
            github: github.into_iter().map(|(g, _)| g).collect(),
        })
    }

    /// `keys = [...]` of a person or a role: key file paths relative to the policy file, each recorded for loading.
    fn key_files(
        &mut self,
        table: &DeTable<'_>,
        place: &str,
        base: &Path,
        person: Option<&str>,
    ) -> Option<Vec<(PathBuf, Span)>> {
        let Some(v) = table.get("keys") else {
            return Some(Vec::new());
        };
        let what = format!("`keys` of {place}");
        let items = self.array(v, &what, "keys = [\"keys/jrivera.jwk.json\"]")?;
        let mut ok = true;
        let mut keys = Vec::new();
        for item in items.iter() {
            match self.text(item, &what, "\"keys/jrivera.jwk.json\"") {
                Some(p) if !p.contains('\0') => {
                    let path = base.join(&p);
                    self.key_refs.push(KeyRef {
                        written: p,
                        path: path.clone(),
                        span: item.span(),
                        person: person.map(str::to_owned),
                    });
                    keys.push((path, item.span()));
                }
                Some(_) => {
                    self.report(
                        K::BadValue,
                        item.span(),
                        format!("{what} holds a path with a NUL character"),
                        "not a path",
                        "write the key file's path relative to this policy file",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        ok.then_some(keys)
    }

    /// `github = [...]` of a person (logins only) or a role (logins or `@org/team`).
    fn github_ids(
        &mut self,
        table: &DeTable<'_>,
        place: &str,
        teams: bool,
    ) -> Option<Vec<(String, Span)>> {
        let Some(v) = table.get("github") else {
            return Some(Vec::new());
        };
        let what = format!("`github` of {place}");
        let example = if teams {
            "github = [\"jrivera\", \"@acme/compliance\"]"
        } else {
            "github = [\"jrivera\"]"
        };
        let items = self.array(v, &what, example)?;
        let mut ok = true;
        let mut github = Vec::new();
        for item in items.iter() {
            match self.string(item, &what, "\"jrivera\"") {
                Some(id) if is_github_identity(id) && (teams || !id.starts_with('@')) => {
                    github.push((id.to_owned(), item.span()));
                }
                Some(id) if is_github_identity(id) => {
                    self.report(
                        K::BadValue,
                        item.span(),
                        format!("`{}` in {what} is a team; a person lists their own logins", show(id)),
                        "a team, not a login",
                        "list the person's GitHub login here, and the team under the role: `compliance = { github = [\"@acme/compliance\"] }`",
                    );
                    ok = false;
                }
                Some(id) => {
                    self.report(
                        K::BadValue,
                        item.span(),
                        format!("`{}` in {what} is not a GitHub login or team", show(id)),
                        "not a GitHub identity",
                        "write a login (`jrivera`) or a team as `@org/team-slug` (`@acme/compliance`)",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        ok.then_some(github)
    }

    /// A policy must check something before deployment for every tier: criteria that are all `post-deployment`, or
    /// all scoped to other tiers, would let a regressed release of that tier through with a token.
    fn checks_before_deploy(&mut self, criteria: &[Criterion], span: Span) {
        let uncovered: Vec<Tier> = TIERS
            .iter()
            .map(|(_, t)| *t)
            .filter(|t| {
                !criteria.iter().any(|c| {
                    c.applies_to(*t)
                        && c.gate != Gate::PostDeployment
                        && c.kind.kind() != criteria::Kind::Window
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
    fn criteria(
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

// ----- helpers ---------------------------------------------------------------------------------------------------

/// A GitHub login (`jrivera`) or team (`@acme/compliance`).
fn is_github_identity(s: &str) -> bool {
    fn login(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 39
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
    match s.strip_prefix('@') {
        None => login(s),
        Some(team) => team.split_once('/').is_some_and(|(org, slug)| {
            login(org)
                && !slug.is_empty()
                && slug.len() <= 100
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_identities() {
        for ok in ["eval", "model_card", "schema-prod", "v1.2", "_x", "A9"] {
            assert!(is_name(ok), "{ok}");
        }
        for bad in ["", "-x", ".x", "a b", "é", "a/b", &"x".repeat(65)] {
            assert!(!is_name(bad), "{bad}");
        }
        for ok in [
            "jrivera",
            "j-rivera",
            "@acme/compliance",
            "@acme/ml_leads.v2",
        ] {
            assert!(is_github_identity(ok), "{ok}");
        }
        for bad in [
            "", "-j", "j-", "j r", "@acme", "@acme/", "@/team", "@ac me/x", "a@b",
        ] {
            assert!(!is_github_identity(bad), "{bad}");
        }
    }

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
