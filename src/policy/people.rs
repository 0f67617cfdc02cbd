//! People: who a key or a login belongs to, decided by the policy and never by a record.
//!
//! A policy names humans in `[people]`, each with every key file and GitHub login they use, and
//! roles name people (`people = ["jrivera"]`). The older form lists key files and logins directly
//! under a role; each such key file and each such login is then a person of its own. After the
//! key files are read ([`Policy::load_keys`](crate::policy::Policy::load_keys)), the policy
//! answers three questions for the gate:
//!
//! - whose key signed a record ([`Policy::person_of_kid`](crate::policy::Policy::person_of_kid)),
//! - who a GitHub login is ([`Policy::person_of_login`](crate::policy::Policy::person_of_login)),
//! - which people a deployer or author name stands for
//!   ([`Policy::resolve_actor`](crate::policy::Policy::resolve_actor)), comparing look-alikes
//!   (case, whitespace, separators, common Cyrillic and Greek confusables) as equal, so a
//!   look-alike name excludes the person it imitates rather than escaping the rule.
//!
//! A person is identified by a [`PersonRef::key`] that is unique within the policy:
//! `person:<id>` for `[people]`, `key:<kid>` for a key file listed directly under a role, and
//! `github:<login>` (lower case) for a login that no person lists.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::hash::Sha256Digest;
use crate::token::{Jwks, PublicKey};

/// A human who may approve (`[people.<id>]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Public key files of every key the person signs with (`keys`), resolved relative to the
    /// policy file's directory.
    pub keys: Vec<PathBuf>,
    /// The person's GitHub logins (`github`).
    pub github: Vec<String>,
}

/// Who a key, a login or a record belongs to, as the policy decides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PersonRef {
    /// Unique within the policy: `person:<id>`, `key:<kid>` or `github:<login>`.
    pub key: String,
    /// The name a signed record must declare as its `approver` (the person's id, or for a key
    /// file listed directly under a role, the file name without `.jwk.json`, `.json`, `.pem` or
    /// `.pub`).
    pub id: String,
    /// The person's GitHub logins (a record may also declare one of these).
    pub logins: Vec<String>,
}

impl PersonRef {
    /// Whether a record declaring `approver` names this person: its id exactly, or one of its
    /// GitHub logins without regard to ASCII case (as GitHub compares logins).
    pub fn is_named(&self, approver: &str) -> bool {
        approver == self.id || self.logins.iter().any(|l| l.eq_ignore_ascii_case(approver))
    }

    /// Whether `name` only looks like this person's id or a login (same skeleton, not the same
    /// text), for a clearer reason when a record declares a look-alike.
    pub fn looks_like(&self, name: &str) -> bool {
        let s = skeleton(name);
        !self.is_named(name)
            && (skeleton(&self.id) == s || self.logins.iter().any(|l| skeleton(l) == s))
    }
}

impl fmt::Display for PersonRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// A key file the policy names, with where.
#[derive(Debug, Clone)]
pub(crate) struct KeyRef {
    /// The path as written in the policy.
    pub(crate) written: String,
    /// Resolved relative to the policy file's directory.
    pub(crate) path: PathBuf,
    /// Where it is written.
    pub(crate) span: Range<usize>,
    /// The `[people]` id that lists it, or `None` for a key listed directly under a role.
    pub(crate) person: Option<String>,
}

/// The loaded public keys of a policy and the people they resolve to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Directory {
    /// Every key the policy names, by `kid`.
    pub(crate) jwks: Jwks,
    /// `kid` → person.
    by_kid: BTreeMap<String, PersonRef>,
    /// Lower-case login → person.
    by_login: BTreeMap<String, PersonRef>,
    /// Role → the people who hold it (teams are resolved by the GitHub client).
    by_role: BTreeMap<String, BTreeSet<String>>,
    /// Every person, by key.
    people: BTreeMap<String, PersonRef>,
}

/// A key file's name without its key extension: the id a record signed with a key listed directly
/// under a role declares.
pub(crate) fn key_file_id(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [".jwk.json", ".json", ".pem", ".pub", ".key"] {
        if let Some(stem) = name.strip_suffix(ext)
            && !stem.is_empty()
        {
            return stem.to_owned();
        }
    }
    name
}

/// Builds the directory from the policy's people, roles and loaded keys. Returns the indices (in
/// `refs`) of keys that two people list, for a configuration error.
pub(crate) fn build(
    people: &BTreeMap<String, Person>,
    roles: &BTreeMap<String, super::Role>,
    refs: &[KeyRef],
    loaded: &BTreeMap<PathBuf, PublicKey>,
) -> Result<Directory, Vec<(usize, String)>> {
    let mut d = Directory::default();
    let mut conflicts = Vec::new();
    // People first: their keys and logins are theirs wherever else they appear.
    for (id, person) in people {
        let p = PersonRef {
            key: format!("person:{id}"),
            id: id.clone(),
            logins: person.github.clone(),
        };
        for login in &person.github {
            d.by_login.insert(login.to_ascii_lowercase(), p.clone());
        }
        d.people.insert(p.key.clone(), p);
    }
    for (i, r) in refs.iter().enumerate() {
        let Some(key) = loaded.get(&r.path) else {
            continue;
        };
        let kid = key.kid().to_owned();
        d.jwks.insert(key.clone());
        let Some(p) = r
            .person
            .as_ref()
            .and_then(|owner| d.people.get(&format!("person:{owner}")))
            .cloned()
        else {
            continue;
        };
        match d.by_kid.get(&kid) {
            Some(other) if other.key != p.key => conflicts.push((
                i,
                format!(
                    "the key {} ({kid}) is already a key of `{}`; one key belongs to one person",
                    r.written, other.id
                ),
            )),
            _ => {
                d.by_kid.insert(kid, p);
            }
        }
    }
    // Keys listed directly under a role: a person of their own unless a person holds the key.
    for r in refs.iter().filter(|r| r.person.is_none()) {
        let Some(key) = loaded.get(&r.path) else {
            continue;
        };
        let kid = key.kid().to_owned();
        if !d.by_kid.contains_key(&kid) {
            let p = PersonRef {
                key: format!("key:{kid}"),
                id: key_file_id(&r.path),
                logins: Vec::new(),
            };
            d.people.insert(p.key.clone(), p.clone());
            d.by_kid.insert(kid, p);
        }
    }
    for (name, role) in roles {
        let mut holders = BTreeSet::new();
        for id in &role.people {
            holders.insert(format!("person:{id}"));
        }
        for path in &role.keys {
            if let Some(p) = loaded.get(path).and_then(|k| d.by_kid.get(k.kid())) {
                holders.insert(p.key.clone());
            }
        }
        for login in role.github.iter().filter(|g| !g.starts_with('@')) {
            holders.insert(d.login_person(login).key);
        }
        d.by_role.insert(name.clone(), holders);
    }
    if conflicts.is_empty() {
        Ok(d)
    } else {
        Err(conflicts)
    }
}

impl Directory {
    pub(crate) fn person_of_kid(&self, kid: &str) -> Option<&PersonRef> {
        self.by_kid.get(kid)
    }

    /// The person a login is: the one `[people]` lists it for, or a person of its own.
    pub(crate) fn login_person(&self, login: &str) -> PersonRef {
        let lower = login.to_ascii_lowercase();
        self.by_login.get(&lower).cloned().unwrap_or(PersonRef {
            key: format!("github:{lower}"),
            id: login.to_owned(),
            logins: vec![login.to_owned()],
        })
    }

    pub(crate) fn holds(&self, person: &PersonRef, role: &str) -> bool {
        self.by_role
            .get(role)
            .is_some_and(|h| h.contains(&person.key))
    }

    pub(crate) fn roles_of(&self, person: &PersonRef) -> Vec<&str> {
        self.by_role
            .iter()
            .filter(|(_, h)| h.contains(&person.key))
            .map(|(r, _)| r.as_str())
            .collect()
    }

    /// Every person `name` stands for: exact or look-alike matches of a person's id or logins,
    /// and always the login-person of `name` itself.
    pub(crate) fn resolve(&self, name: &str) -> Vec<PersonRef> {
        let s = skeleton(name);
        let mut out: Vec<PersonRef> = self
            .people
            .values()
            .filter(|p| skeleton(&p.id) == s || p.logins.iter().any(|l| skeleton(l) == s))
            .cloned()
            .collect();
        let own = self.login_person(name.trim());
        if !out.contains(&own) {
            out.push(own);
        }
        out
    }
}

/// The policy digest: SHA-256 of a canonical JSON document that binds the policy file's bytes to
/// the public keys its key files held when it was loaded (documented in `docs/policy.md`):
///
/// `{"format":"gatepass-policy-digest/1","keys":[[<path as written>,<kid>],...],"policy":"<hex>"}`
///
/// with `keys` sorted by path and without duplicates, and no whitespace.
pub(crate) fn digest(file: &Sha256Digest, keys: &BTreeMap<String, String>) -> Sha256Digest {
    let keys: Vec<[&str; 2]> = keys.iter().map(|(p, k)| [p.as_str(), k.as_str()]).collect();
    let doc = serde_json::json!({
        "format": "gatepass-policy-digest/1",
        "keys": keys,
        "policy": file.to_hex(),
    });
    Sha256Digest::of(doc.to_string().as_bytes())
}

/// What two names reduce to when compared as look-alikes: lower case; without whitespace, `.`,
/// `-`, `_`, other dashes, invisible format characters (zero-width, soft hyphen, word joiner,
/// bidi controls, variation selectors) and combining marks; fullwidth forms as their ASCII letters;
/// accented Latin letters as their base letter; common Cyrillic and Greek confusables as the Latin
/// letters they imitate; `i`, `1` and `l` alike, and `0` as `o`.
pub fn skeleton(name: &str) -> String {
    name.chars()
        .filter(|c| !ignorable(*c))
        .flat_map(char::to_lowercase)
        .map(fold)
        .filter(|c| !ignorable(*c))
        .collect()
}

fn ignorable(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '.' | '-' | '_'
            | '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
            | '\u{180b}'..='\u{180f}' | '\u{2010}'..='\u{2015}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{2212}' | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{e0000}'..='\u{e0fff}'
            // combining marks
            | '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

fn fold(c: char) -> char {
    // Fullwidth ASCII (U+FF01..U+FF5E) is ASCII shifted.
    let c = match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        other => other,
    };
    match c {
        'а' | 'α' | 'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' | 'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ԁ' | 'ď' | 'đ' => 'd',
        'е' | 'ё' | 'ε' | 'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'һ' | 'ĥ' | 'ħ' => 'h',
        'ј' | 'ĵ' => 'j',
        'к' | 'κ' | 'ķ' => 'k',
        'і' | 'ї' | 'ι' | '1' | 'ı' | 'i' | 'l' | 'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į'
        | 'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | '|' => 'l',
        'м' => 'm',
        'п' | 'η' | 'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'о' | 'ο' | '0' | 'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'г' | 'ŕ' | 'ŗ' | 'ř' => 'r',
        'ѕ' | 'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'т' | 'τ' | 'ţ' | 'ť' | 'ŧ' => 't',
        'υ' | 'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' | 'ŵ' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' | 'ý' | 'ÿ' | 'ŷ' => 'y',
        'ʐ' | 'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_skeleton() {
        for name in [
            "jrivera ",
            "JRivera",
            "j.rivera",
            "jr\u{0456}vera",
            "j_rivera",
            "jrlvera",
        ] {
            assert_eq!(skeleton(name), skeleton("jrivera"), "{name:?}");
        }
        assert_ne!(skeleton("schen"), skeleton("jrivera"));
    }

    #[test]
    fn key_file_ids() {
        assert_eq!(
            key_file_id(Path::new("../keys/jrivera.jwk.json")),
            "jrivera"
        );
        assert_eq!(key_file_id(Path::new("rm1.pem")), "rm1");
        assert_eq!(key_file_id(Path::new("x/plain")), "plain");
    }

    #[test]
    fn a_record_names_a_person_by_id_or_login_only() {
        let p = PersonRef {
            key: "person:jrivera".into(),
            id: "jrivera".into(),
            logins: vec!["JRivera-gh".into()],
        };
        assert!(p.is_named("jrivera"));
        assert!(p.is_named("jrivera-GH"));
        for other in ["jrivera ", "j.rivera", "jr\u{0456}vera", "JRIVERA"] {
            assert!(!p.is_named(other), "{other:?}");
            assert!(p.looks_like(other), "{other:?}");
        }
        assert!(!p.looks_like("schen"));
    }
}
