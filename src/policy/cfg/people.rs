//! `[people]` and `[roles]`: who may approve, with the key files and GitHub logins or teams they sign with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use super::checker::Checker;
use crate::criteria::approvals::{RoleIndex, RoleInfo};
use crate::diag::reader::{NAME_HELP, Span, Value, is_name, show, suggest};
use crate::diag::{DiagnosticKind as K, Problem};
use crate::policy::model::Role;
use crate::policy::people::{KeyRef, Person, skeleton};

const ROLE_KEYS: &[&str] = &["people", "keys", "github"];
const PERSON_KEYS: &[&str] = &["keys", "github"];

impl Checker<'_> {
    /// The people (`[people]`): every human who may approve, with each key file and login they use. A key file or
    /// login listed for two people, and two ids that only differ in case, separators or look-alike letters, are
    /// configuration errors: one human is one person.
    pub(super) fn people(
        &mut self,
        value: &Value<'_>,
        base: &Path,
    ) -> Option<BTreeMap<String, Person>> {
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
    pub(super) fn roles(
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
}
