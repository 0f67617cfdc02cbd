//! A service decides without touching the file system: the policy, its keys, the release
//! manifest, the evidence and the approval records arrive as bytes, and `gate::decide` and
//! `gate::mint` work on them as they do for the command line. Every path named below does not
//! exist on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gatepass::approval::{ApprovalRecord, Collector, ReleaseRef, record::new_record_id};
use gatepass::evaluate::Outcome;
use gatepass::evidence::{Evidence, Format};
use gatepass::gate::{self, Actor, Extra, Loaded};
use gatepass::hash::{PathKind, Sha256Digest};
use gatepass::policy::Policy;
use gatepass::release::{
    EvidenceFile, HashedArtifact, HashedEvidence, HashedRelease, ManifestPath, Release,
};
use gatepass::token::{Jwks, SigningKey, Verifier};
use gatepass::vocab::Phase;

const POLICY: &str = r#"id = "summarizer-staging"
environment = "staging"
issuer = "gatepass:acme-ml"

[people]
jrivera = { keys = ["keys/jrivera.jwk.json"] }
schen   = { keys = ["keys/schen.jwk.json"] }

[roles]
ml-lead = { people = ["jrivera"] }
product = { people = ["schen"] }

[[criteria]]
id = "hallucination-rate"
gate = "technical"
metric = { evidence = "eval", pointer = "/hallucination_rate", max = 0.05 }

[[criteria]]
id = "sign-off"
gate = "stakeholder"
approvals = [{ role = "ml-lead", count = 1 }, { role = "product", count = 1 }]
"#;

const MANIFEST: &str = r#"name = "support-summarizer"
version = "1.4.0"
change = "prompt"

[artifacts]
prompt = { path = "artifacts/system-prompt.txt" }

[evidence]
eval = "evidence/eval.json"
"#;

fn root() -> &'static Path {
    Path::new("/nonexistent/uploads/support-summarizer-1.4.0")
}

fn path(written: &str) -> ManifestPath {
    ManifestPath {
        written: written.to_owned(),
        resolved: root().join(written),
    }
}

/// The release as a service receives it: the manifest text and the uploaded bytes.
fn hashed(prompt: &[u8], eval: &[u8]) -> HashedRelease {
    let release = Release::from_toml(MANIFEST, &root().join("release.toml")).unwrap();
    let artifacts = BTreeMap::from([(
        "prompt".to_owned(),
        HashedArtifact {
            path: path("artifacts/system-prompt.txt"),
            digest: Sha256Digest::of(prompt),
            bytes: prompt.len() as u64,
            kind: PathKind::File,
            pinned: None,
        },
    )]);
    let evidence = BTreeMap::from([(
        "eval".to_owned(),
        HashedEvidence {
            path: path("evidence/eval.json"),
            file: Some(EvidenceFile {
                digest: Sha256Digest::of(eval),
                bytes: eval.len() as u64,
            }),
        },
    )]);
    HashedRelease {
        release,
        artifacts,
        evidence,
    }
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32], "test").unwrap()
}

fn approval(release: &HashedRelease, role: &str, approver: &str, key: &SigningKey) -> String {
    let now = jiff::Timestamp::now().as_second();
    ApprovalRecord {
        release: ReleaseRef::from(release),
        environment: "staging".into(),
        role: role.into(),
        approver: approver.into(),
        iat: now - 60,
        exp: None,
        comment: None,
        conditions: None,
        jti: new_record_id().unwrap(),
    }
    .sign(key)
    .unwrap()
}

fn loaded(rate: f64, deployer: Option<&str>) -> Loaded {
    let (jrivera, schen) = (key(1), key(2));
    let mut policy = Policy::from_str_at(POLICY, "/nonexistent/policies/staging.toml").unwrap();
    let keys: BTreeMap<PathBuf, _> = [("jrivera", &jrivera), ("schen", &schen)]
        .into_iter()
        .map(|(name, k)| {
            (
                PathBuf::from(format!("/nonexistent/policies/keys/{name}.jwk.json")),
                k.public_key().clone(),
            )
        })
        .collect();
    policy.bind_keys(&keys).unwrap();
    let eval = format!("{{\"hallucination_rate\": {rate}}}");
    let release = hashed(b"Summarize the ticket.\n", eval.as_bytes());
    let mut evidence = Evidence::default();
    evidence
        .insert("eval", Format::Json, eval.as_bytes())
        .unwrap();
    let collector = Collector::new(&policy, ReleaseRef::from(&release));
    let approvals = [
        approval(&release, "ml-lead", "jrivera", &jrivera),
        approval(&release, "product", "schen", &schen),
    ]
    .iter()
    .map(|text| collector.approval(text, "uploaded record").unwrap())
    .collect();
    let tier = policy.tier_for(release.release.change, release.release.tier);
    Loaded {
        policy,
        release,
        tier,
        evidence,
        approvals,
        exceptions: Vec::new(),
        ignored: Vec::new(),
        excluded: deployer
            .map(|name| Actor {
                name: name.to_owned(),
                why: "the caller's OIDC subject".to_owned(),
            })
            .into_iter()
            .collect(),
        phase: Phase::PreDeploy,
    }
}

#[test]
fn a_service_decides_and_mints_from_bytes_alone() {
    let now = jiff::Timestamp::now();
    let allowed = loaded(0.01, None);
    let decision = gate::decide(&allowed, &Extra::default(), now);
    assert_eq!(decision.outcome, Outcome::Allow, "{decision:#?}");
    let run = allowed.into_run(decision);
    let gate_key = key(9);
    let (token, claims) = gate::mint(&run, &gate_key, now).unwrap().unwrap();
    assert_eq!(claims.policy.digest, run.policy.digest.prefixed());
    let mut jwks = Jwks::default();
    jwks.insert(gate_key.public_key().clone());
    let verified = Verifier::new(jwks)
        .audience("staging")
        .verify(&token)
        .unwrap();
    assert_eq!(verified.claims.sub, "support-summarizer@1.4.0");

    // The same inputs with a regressed metric: a denial, and no token.
    let denied = loaded(0.09, None);
    let decision = gate::decide(&denied, &Extra::default(), now);
    assert_eq!(decision.outcome, Outcome::Deny);
    assert!(
        gate::mint(&denied.into_run(decision), &gate_key, now)
            .unwrap()
            .is_none()
    );

    // The caller is one of the approvers: their approval does not count.
    let own = loaded(0.01, Some("schen"));
    let decision = gate::decide(&own, &Extra::default(), now);
    assert_eq!(decision.outcome, Outcome::Deny);
}
