//! `gatepass keygen`, `jwks` and `verify` as a user runs them: exit codes, stdout/stderr
//! separation, file modes, openssl keys, restart receipts and replay stores.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use gatepass::hash::Sha256Digest;
use gatepass::token::{
    Audience, Claims, ExceptionClaim, Jwks, PolicyClaim, ReleaseClaim, SigningKey, mint,
};

#[path = "support/cli.rs"]
mod cli;
use cli::{ErrorCase, gatepass, output as run, stderr, stdout};

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

struct Fixture {
    dir: tempfile::TempDir,
    key: SigningKey,
    jwks: PathBuf,
    model: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate().unwrap();
    let jwks = dir.path().join("gate.jwks.json");
    std::fs::write(
        &jwks,
        Jwks::from_keys([key.public_key().clone()])
            .to_json()
            .to_string(),
    )
    .unwrap();
    let model = dir.path().join("model.onnx");
    std::fs::write(&model, b"model weights").unwrap();
    Fixture {
        dir,
        key,
        jwks,
        model,
    }
}

fn claims(iat: i64, exp: i64) -> Claims {
    Claims {
        iss: "gatepass:acme-ml".into(),
        sub: "support-summarizer@1.4.0".into(),
        aud: Audience::One("production".into()),
        iat,
        nbf: iat,
        exp,
        jti: mint::new_jti().unwrap(),
        release: ReleaseClaim {
            name: "support-summarizer".into(),
            version: "1.4.0".into(),
            change: "prompt".into(),
            tier: "standard".into(),
            digest: Sha256Digest::of(b"release").prefixed(),
        },
        artifacts: BTreeMap::from([(
            "model".into(),
            Sha256Digest::of(b"model weights").prefixed(),
        )]),
        evidence: BTreeMap::new(),
        policy: PolicyClaim {
            id: "summarizer-production".into(),
            digest: Sha256Digest::of(b"p").prefixed(),
        },
        approvals: vec![],
        exception: None,
    }
}

fn fresh_token(f: &Fixture) -> String {
    let t = now();
    mint::mint(&f.key, &claims(t, t + 900)).unwrap()
}

fn verify(f: &Fixture, extra: &[&str], token: &str) -> Output {
    run(gatepass()
        .args([
            "verify",
            "--keys",
            f.jwks.to_str().unwrap(),
            "--audience",
            "production",
        ])
        .args(extra)
        .arg(token))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_writes_a_0600_private_key_and_a_public_jwk_and_prints_the_kid() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("gate");
    let out = run(gatepass().args(["keygen", "--out"]).arg(&base));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kid = stdout(&out).trim().to_owned();
    assert_eq!(kid.len(), 43, "stdout is only the kid: {kid:?}");
    let private = dir.path().join("gate.key");
    let public = dir.path().join("gate.jwk.json");
    #[cfg(unix)]
    assert_eq!(mode(&private), 0o600);
    assert!(
        std::fs::read_to_string(&private)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let jwk: serde_json::Value = serde_json::from_slice(&std::fs::read(&public).unwrap()).unwrap();
    assert_eq!(jwk["kid"], kid.as_str());
    assert!(jwk.get("d").is_none());
    assert_eq!(SigningKey::from_file(&private).unwrap().kid(), kid);
    // Never overwrites an existing key, private or public.
    let again = run(gatepass().args(["keygen", "--out"]).arg(&base));
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("gate.key"), "{}", stderr(&again));
    assert!(stdout(&again).is_empty());
    let jwk_before = std::fs::read(&public).unwrap();
    std::fs::remove_file(&private).unwrap();
    let again = run(gatepass().args(["keygen", "--out"]).arg(&base));
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("gate.jwk.json"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&public).unwrap(), jwk_before);
    assert!(
        !private.exists(),
        "nothing is written when either file exists"
    );
}

#[test]
fn jwks_from_jwk_and_pem_files_including_openssl_keys() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a");
    assert!(
        run(gatepass().args(["keygen", "--out"]).arg(&base))
            .status
            .success()
    );
    let ossl_private = dir.path().join("ossl.pem");
    let ossl_public = dir.path().join("ossl.pub.pem");
    let gen_status = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&ossl_private)
        .status()
        .expect("openssl must be installed (.ci/run installs it)");
    assert!(gen_status.success());
    assert!(
        Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&ossl_private)
            .arg("-out")
            .arg(&ossl_public)
            .status()
            .unwrap()
            .success()
    );
    let out = run(gatepass()
        .arg("jwks")
        .arg(dir.path().join("a.jwk.json"))
        .arg(dir.path().join("a.key"))
        .arg(&ossl_private)
        .arg(&ossl_public));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let set = Jwks::from_json(&out.stdout, "stdout").unwrap();
    // a.jwk.json and a.key are one key; the openssl private and public files are another.
    assert_eq!(set.len(), 2);
    let ossl = SigningKey::from_file(&ossl_private).unwrap();
    assert!(set.get(ossl.kid()).is_some());
    assert!(!stdout(&out).contains("\"d\""));

    // A token signed with the openssl key verifies with the JWKS built from its public PEM.
    let jwks_path = dir.path().join("set.json");
    std::fs::write(&jwks_path, &out.stdout).unwrap();
    let t = now();
    let token = mint::mint(&ossl, &claims(t, t + 600)).unwrap();
    let v = run(gatepass().args([
        "verify",
        "--keys",
        jwks_path.to_str().unwrap(),
        "--audience",
        "production",
        &token,
    ]));
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
}

#[test]
fn jwks_refuses_private_jwks_and_other_curves() {
    let dir = tempfile::tempdir().unwrap();
    let private_jwk = dir.path().join("private.jwk.json");
    std::fs::write(
        &private_jwk,
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}"#,
    )
    .unwrap();
    let out = run(gatepass().arg("jwks").arg(&private_jwk));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("private key (`d`)"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("nWGxne"),
        "the secret must never be echoed"
    );
    assert!(stdout(&out).is_empty());

    let x25519 = dir.path().join("x.jwk.json");
    std::fs::write(
        &x25519,
        r#"{"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    )
    .unwrap();
    let out = run(gatepass().arg("jwks").arg(&x25519));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("only `kty: OKP` with `crv: Ed25519`"),
        "{}",
        stderr(&out)
    );

    let weak = dir.path().join("weak.jwk.json");
    std::fs::write(
        &weak,
        r#"{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    )
    .unwrap();
    let out = run(gatepass().arg("jwks").arg(&weak));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("weak Ed25519 public key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verify_prints_claims_on_stdout_and_a_summary_on_stderr() {
    let f = fixture();
    let token = fresh_token(&f);
    let out = verify(
        &f,
        &[
            "--issuer",
            "gatepass:acme-ml",
            "--artifact",
            &format!("model={}", f.model.display()),
        ],
        &token,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let claims: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(claims["sub"], "support-summarizer@1.4.0");
    assert_eq!(claims["aud"], "production");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one-line summary: {err}");
    assert!(
        err.contains("verified support-summarizer@1.4.0 for production"),
        "{err}"
    );
    assert!(err.contains("1 artifact(s) checked"), "{err}");
}

#[test]
fn verify_reads_the_token_from_stdin_and_from_the_environment() {
    let f = fixture();
    let token = fresh_token(&f);
    let mut child = gatepass()
        .args([
            "verify",
            "--keys",
            f.jwks.to_str().unwrap(),
            "--audience",
            "production",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{token}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = run(gatepass()
        .args([
            "verify",
            "--keys",
            f.jwks.to_str().unwrap(),
            "--audience",
            "production",
        ])
        .env("GATEPASS_TOKEN", &token));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = run(gatepass().args([
        "verify",
        "--keys",
        f.jwks.to_str().unwrap(),
        "--audience",
        "production",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("GATEPASS_TOKEN"), "{}", stderr(&out));
}

#[test]
fn rejections_exit_1_with_one_line_naming_the_rule() {
    let f = fixture();
    let token = fresh_token(&f);
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec!["--audience".into(), "staging".into()],
            token.clone(),
            "[audience]",
        ),
        (
            vec!["--issuer".into(), "gatepass:other".into()],
            token.clone(),
            "[issuer]",
        ),
        (vec![], flip_signature_char(&token), "[bad-signature]"),
        (vec![], "a.b".into(), "[malformed]"),
        (
            vec![
                "--artifact".into(),
                format!("tokenizer={}", f.model.display()),
            ],
            token.clone(),
            "[artifact-not-in-token]",
        ),
        (
            vec!["--max-ttl".into(), "600".into()],
            token.clone(),
            "[lifetime]",
        ),
    ];
    for (args, token, rule) in cases {
        let mut cmd = gatepass();
        cmd.args(["verify", "--keys", f.jwks.to_str().unwrap()]);
        if !args.iter().any(|a| a == "--audience") {
            cmd.args(["--audience", "production"]);
        }
        let out = run(cmd.args(&args).arg(&token));
        assert_eq!(out.status.code(), Some(1), "{rule}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{rule}: {err}");
        assert!(err.contains(rule), "{rule}: {err}");
        assert!(stdout(&out).is_empty(), "{rule}: nothing on stdout");
    }
    // A changed artifact.
    std::fs::write(&f.model, b"other weights").unwrap();
    let out = verify(
        &f,
        &["--artifact", &format!("model={}", f.model.display())],
        &token,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("[artifact-mismatch]"),
        "{}",
        stderr(&out)
    );
}

/// Changes one character in the middle of the signature (still canonical base64url).
fn flip_signature_char(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 20;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[test]
fn unusable_inputs_exit_2() {
    let f = fixture();
    let token = fresh_token(&f);
    let keys = f.jwks.to_str().unwrap();
    let bad_jwks = f.dir.path().join("bad.json");
    std::fs::write(&bad_jwks, "{\"keys\": 5}").unwrap();
    let bad_jwks = bad_jwks.to_str().unwrap();
    // `verify --keys <the fixture's keys> --audience production <extra> <token>`.
    let verify = |extra: &[&str]| -> Vec<String> {
        let head = ["verify", "--keys", keys, "--audience", "production"];
        head.iter()
            .chain(extra)
            .chain([&token.as_str()])
            .map(|a| (*a).to_owned())
            .collect()
    };
    let stdin_token = ["verify", "--keys", keys, "--audience", "production", "-"];
    cli::expect_errors(&[
        ErrorCase::new(
            &[
                "verify",
                "--keys",
                "/nonexistent/jwks.json",
                "--audience",
                "production",
                &token,
            ],
            2,
            &["/nonexistent/jwks.json"],
        ),
        ErrorCase::new(
            &[
                "verify",
                "--keys",
                bad_jwks,
                "--audience",
                "production",
                &token,
            ],
            2,
            &["not a JWKS"],
        ),
        ErrorCase::new(
            &verify(&["--artifact", "model"]),
            2,
            &["expected NAME=PATH"],
        ),
        ErrorCase::new(&verify(&["--max-ttl", "7200"]), 2, &["hard cap of 3600 s"]),
        ErrorCase::new(&verify(&["--leeway", "soon"]), 2, &["invalid value 'soon'"]),
        ErrorCase::new(&verify(&["--leeway", "301"]), 2, &["maximum of 300 s"]),
        ErrorCase::new(
            &verify(&["--artifact", "model=/nonexistent/model.onnx"]),
            2,
            &["/nonexistent/model.onnx"],
        ),
        // --audience is required.
        ErrorCase::new(
            &["verify", "--keys", keys, &token],
            2,
            &["--audience <ENV>"],
        ),
        // An empty audience is refused.
        ErrorCase::new(
            &["verify", "--keys", keys, "--audience", " ", &token],
            2,
            &["--audience must name"],
        ),
        ErrorCase::new(
            &[
                "verify",
                "--keys",
                "http://example.com/jwks.json",
                "--audience",
                "production",
                &token,
            ],
            2,
            &["only for loopback"],
        ),
        // `-` reads the token from stdin; nothing there is not a token.
        ErrorCase::new(&stdin_token, 2, &["the token is empty"]).stdin(""),
        ErrorCase::new(&stdin_token, 2, &["the token is empty"]).stdin(" \n"),
    ]);
}

#[test]
fn exception_tokens_are_loud_and_refused_on_request() {
    let f = fixture();
    let t = now();
    let mut c = claims(t, t + 600);
    c.exception = Some(ExceptionClaim {
        waived: vec!["deploy-window".into()],
        reason: "sev1 hotfix".into(),
        risk_acceptance: "rollback ready".into(),
        approved_by: vec!["rm1".into(), "rm2".into()],
        expires: "2026-11-21T12:00:00Z".into(),
    });
    let token = mint::mint(&f.key, &c).unwrap();
    let out = verify(&f, &[], &token);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("EXCEPTION") && err.contains("deploy-window") && err.contains("sev1 hotfix"),
        "{err}"
    );
    let out = verify(&f, &["--deny-exceptions"], &token);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[exception-denied]"));
}

#[test]
fn replay_store_accepts_a_token_once() {
    let f = fixture();
    let token = fresh_token(&f);
    let db = f.dir.path().join("replay.jsonl");
    let first = verify(&f, &["--replay-db", db.to_str().unwrap()], &token);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = verify(&f, &["--replay-db", db.to_str().unwrap()], &token);
    assert_eq!(second.status.code(), Some(1));
    assert!(stderr(&second).contains("[replayed]"));
    // Another token is fine.
    let other = verify(&f, &["--replay-db", db.to_str().unwrap()], &fresh_token(&f));
    assert_eq!(other.status.code(), Some(0));
}

#[test]
fn restart_receipt_admits_the_same_token_after_expiry_and_nothing_else() {
    let f = fixture();
    let receipt = f.dir.path().join("receipt.json");
    let db = f.dir.path().join("replay.jsonl");
    let model_arg = format!("model={}", f.model.display());
    let r = receipt.to_str().unwrap();
    let d = db.to_str().unwrap();

    // First start: verified, receipt written 0600 with the token.
    let token = fresh_token(&f);
    let out = verify(
        &f,
        &["--receipt", r, "--replay-db", d, "--artifact", &model_arg],
        &token,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&receipt).unwrap()).unwrap();
    assert_eq!(stored["token"], token.as_str());
    #[cfg(unix)]
    assert_eq!(mode(&receipt), 0o600);
    // A restart with the same token is not a replay for this target.
    let out = verify(
        &f,
        &["--receipt", r, "--replay-db", d, "--artifact", &model_arg],
        &token,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A token that expired long ago, with a receipt written while it was valid.
    let t = now();
    let old = mint::mint(&f.key, &claims(t - 7200, t - 6300)).unwrap();
    let old_claims = serde_json::to_value(claims(t - 7200, t - 6300)).unwrap();
    let write_receipt = |verified_at: i64| {
        let body = serde_json::json!({"version":1,"token":old,"claims":old_claims,"verified_at":verified_at});
        std::fs::write(&receipt, body.to_string()).unwrap();
    };
    write_receipt(t - 7000);
    let out = verify(&f, &["--receipt", r, "--artifact", &model_arg], &old);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("admitted by restart receipt"),
        "{}",
        stderr(&out)
    );
    // Without the receipt it is simply expired.
    let out = verify(&f, &["--artifact", &model_arg], &old);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[expired]"));
    // A receipt written after the token had expired proves nothing.
    write_receipt(t - 6000);
    let out = verify(&f, &["--receipt", r], &old);
    assert_eq!(out.status.code(), Some(1));
    // The receipt admits only its own token.
    write_receipt(t - 7000);
    let other_old = mint::mint(&f.key, &claims(t - 7200, t - 6300)).unwrap();
    let out = verify(&f, &["--receipt", r], &other_old);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[expired]"));
    // And never with a changed artifact.
    std::fs::write(&f.model, b"tampered").unwrap();
    let out = verify(&f, &["--receipt", r, "--artifact", &model_arg], &old);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[artifact-mismatch]"));
    // A corrupt receipt is an error, not an allow.
    std::fs::write(&receipt, "{").unwrap();
    let out = verify(&f, &["--receipt", r], &fresh_token(&f));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("corrupt"), "{}", stderr(&out));
}

/// Serves one HTTP response on 127.0.0.1 and returns the URL.
fn serve_once(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}/.well-known/jwks.json")
}

#[test]
fn keys_can_be_fetched_from_a_loopback_url() {
    let f = fixture();
    let url = serve_once(std::fs::read_to_string(&f.jwks).unwrap());
    let out = run(gatepass().args([
        "verify",
        "--keys",
        &url,
        "--audience",
        "production",
        &fresh_token(&f),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Serves the same HTTP response to up to `n` requests on 127.0.0.1; returns the URL.
fn serve_n(body: String, n: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}/.well-known/jwks.json")
}

/// An "HTTP proxy" on 127.0.0.1 that answers every request with `body` (an attacker's key set)
/// and counts the connections it gets.
fn fake_proxy(body: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for _ in 0..8 {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn loopback_key_urls_never_go_through_a_proxy() {
    use std::sync::atomic::Ordering;
    let f = fixture();
    let attacker = SigningKey::generate().unwrap();
    let attacker_jwks = Jwks::from_keys([attacker.public_key().clone()])
        .to_json()
        .to_string();
    let (proxy, proxy_hits) = fake_proxy(attacker_jwks);
    let url = serve_n(std::fs::read_to_string(&f.jwks).unwrap(), 2);
    let t = now();
    let forged = mint::mint(&attacker, &claims(t, t + 900)).unwrap();
    let with_proxy = |token: &str| {
        let mut cmd = gatepass();
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env(var, &proxy);
        }
        cmd.env_remove("NO_PROXY").env_remove("no_proxy");
        run(cmd
            .args(["verify", "--keys", &url, "--audience", "production"])
            .arg(token))
    };
    // The forged token is checked against the real key server's keys, not the proxy's.
    let out = with_proxy(&forged);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("[unknown-key]"), "{}", stderr(&out));
    // A genuine token verifies with the keys from the real (loopback) server.
    let out = with_proxy(&fresh_token(&f));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        proxy_hits.load(Ordering::SeqCst),
        0,
        "the proxy must see no connection"
    );
}

#[test]
fn a_key_server_that_trickles_its_body_hits_the_10_s_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf);
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 64\r\nconnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        // One byte every 2 s; bounded (30 s), and stops as soon as the client hangs up.
        for _ in 0..15 {
            if stream
                .write_all(b" ")
                .and_then(|()| stream.flush())
                .is_err()
            {
                return;
            }
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
    });
    let url = format!("http://{addr}/jwks.json");
    let f = fixture();
    let started = std::time::Instant::now();
    let out = run(gatepass().args([
        "verify",
        "--keys",
        &url,
        "--audience",
        "production",
        &fresh_token(&f),
    ]));
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        took < std::time::Duration::from_secs(20),
        "took {took:?}: {err}"
    );
    assert!(err.contains(&url), "names the URL: {err}");
    assert!(err.contains("10 s"), "names the deadline: {err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_replay_store_shared_by_targets_with_different_leeways_refuses_a_replay() {
    let f = fixture();
    let db = f.dir.path().join("replay.jsonl");
    let d = db.to_str().unwrap();
    let t = now();
    // A 15-minute token that expires in a few seconds.
    let token = mint::mint(&f.key, &claims(t - 895, t + 5)).unwrap();
    // Target A (no leeway) admits it while it is valid.
    let out = verify(&f, &["--replay-db", d, "--leeway", "0"], &token);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Wait until it has expired for A (bounded).
    for _ in 0..50 {
        if now() > t + 5 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(now() > t + 5);
    // A admits another token; that write prunes what A no longer needs.
    let out = verify(&f, &["--replay-db", d, "--leeway", "0"], &fresh_token(&f));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Target B (leeway 300) would still accept the first token by its times: the store refuses it.
    let out = verify(&f, &["--replay-db", d, "--leeway", "300"], &token);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("[replayed]"), "{}", stderr(&out));
}

#[test]
fn verify_pins_the_policy_by_digest_and_id() {
    let f = fixture();
    let token = fresh_token(&f);
    let right = Sha256Digest::of(b"p").prefixed();
    let other = Sha256Digest::of(b"another policy").prefixed();
    // A token for another policy digest is rejected, naming the rule.
    let out = verify(&f, &["--policy-digest", &other], &token);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("[policy-digest]"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    // Any one of the pinned digests is enough.
    let out = verify(
        &f,
        &["--policy-digest", &other, "--policy-digest", &right],
        &token,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The policy id.
    let out = verify(&f, &["--policy-id", "summarizer-staging"], &token);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("[policy-id]"), "{}", stderr(&out));
    let out = verify(
        &f,
        &[
            "--policy-id",
            "summarizer-production",
            "--policy-digest",
            &right,
        ],
        &token,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Malformed pins are exit 2: only the token's own `sha256:<64 lowercase hex>` form.
    let hex = right.trim_start_matches("sha256:").to_owned();
    for bad in [
        hex.clone(),
        format!("sha256:{}", hex.to_uppercase()),
        format!("sha256:{}", &hex[..63]),
        format!("sha512:{hex}"),
        "sha256:".to_owned(),
        String::new(),
    ] {
        let out = verify(&f, &["--policy-digest", &bad], &token);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--policy-digest"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
    let out = verify(&f, &["--policy-id", " "], &token);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
