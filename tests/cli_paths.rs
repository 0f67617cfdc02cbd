//! Artifact and evidence paths stay inside the release's root directory: `..`, absolute paths and symbolic
//! links that lead elsewhere are refused (exit 2) before any file is read, unless the policy's `allow_outside`
//! lists the directory they lead to.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod cli;

use cli::{Out, Scratch};

/// A metric over `/rate` of evidence `eval`: the criterion that would print what it finds.
const METRIC: &str = "[[criteria]]\nid = \"rate\"\ngate = \"technical\"\nmetric = { evidence = \"eval\", pointer = \"/rate\", max = 0.5 }";
const SECRET: &str = "AKIAIOSFODNN7EXAMPLE-wJalrXUtnFEMI";

/// A scratch release whose evidence `eval` is `written`, with a secret-bearing JSON file beside (outside) the
/// release directory at `outside.json`.
fn scratch(written: &str) -> Scratch {
    let s = Scratch::new(&format!("eval = {written:?}"), METRIC);
    s.write(
        "outside.json",
        format!("{{\"rate\": \"{SECRET}\", \"aws_secret_access_key\": \"{SECRET}\"}}").as_bytes(),
    );
    s
}

#[track_caller]
fn refused(out: &Out, s: &Scratch, entry: &str, written: &str) {
    out.expect_code(2)
        .expect_stderr(&s.release().display().to_string())
        .expect_stderr(&format!("evidence `{entry}` (\"{written}\") leads to"))
        .expect_stderr("outside the release root")
        .expect_stderr("allow_outside");
    assert!(!out.stderr.contains(SECRET), "{}", out.show());
    assert!(!out.stdout.contains(SECRET), "{}", out.show());
}

#[test]
fn dot_dot_escapes_are_refused() {
    let s = scratch("../outside.json");
    refused(&s.check(&[]), &s, "eval", "../outside.json");
    // Refused whether or not anything exists there.
    let s = scratch("../../outside.json");
    refused(&s.check(&[]), &s, "eval", "../../outside.json");
    let s = scratch("evidence/../../outside.json");
    refused(&s.check(&[]), &s, "eval", "evidence/../../outside.json");
}

#[test]
fn absolute_paths_outside_the_root_are_refused() {
    let s = Scratch::new("", METRIC);
    let outside = s.path("outside.json");
    s.write(
        "outside.json",
        format!("{{\"rate\": \"{SECRET}\"}}").as_bytes(),
    );
    let written = outside.display().to_string();
    s.write(
        "release/release.toml",
        format!(
            "name = \"scratch\"\nversion = \"1.0.0\"\nchange = \"config\"\n\n[artifacts]\n\
             model = {{ path = \"artifacts/model.bin\" }}\n\n[evidence]\neval = {written:?}\n"
        )
        .as_bytes(),
    );
    refused(&s.check(&[]), &s, "eval", &written);
    // The same file through issue: no token either.
    let out = s.issue(&[]);
    refused(&out, &s, "eval", &written);
    assert!(out.stdout.is_empty(), "{}", out.show());
}

#[test]
fn an_absolute_path_inside_the_root_is_read() {
    let s = Scratch::new("", METRIC);
    s.write("release/evidence/eval.json", b"{\"rate\": 0.1}");
    let inside = s.path("release/evidence/eval.json").display().to_string();
    s.write(
        "release/release.toml",
        format!(
            "name = \"scratch\"\nversion = \"1.0.0\"\nchange = \"config\"\n\n[artifacts]\n\
             model = {{ path = \"artifacts/model.bin\" }}\n\n[evidence]\neval = {inside:?}\n"
        )
        .as_bytes(),
    );
    s.check(&[]).expect_code(0);
}

#[cfg(unix)]
#[test]
fn symlinks_that_lead_outside_are_refused() {
    let s = scratch("evidence/eval.json");
    std::fs::create_dir_all(s.path("release/evidence")).unwrap();
    std::os::unix::fs::symlink(s.path("outside.json"), s.path("release/evidence/eval.json"))
        .unwrap();
    refused(&s.check(&[]), &s, "eval", "evidence/eval.json");

    // A directory link on the way counts too.
    let s = scratch("linked/eval.json");
    s.write(
        "elsewhere/eval.json",
        format!("{{\"rate\": \"{SECRET}\"}}").as_bytes(),
    );
    std::os::unix::fs::symlink(s.path("elsewhere"), s.path("release/linked")).unwrap();
    refused(&s.check(&[]), &s, "eval", "linked/eval.json");

    // A link that stays inside is fine.
    let s = scratch("evidence/eval.json");
    s.write("release/data/eval.json", b"{\"rate\": 0.1}");
    std::fs::create_dir_all(s.path("release/evidence")).unwrap();
    std::os::unix::fs::symlink("../data/eval.json", s.path("release/evidence/eval.json")).unwrap();
    s.check(&[]).expect_code(0);
}

#[test]
fn artifacts_are_confined_too() {
    let s = Scratch::new("", METRIC);
    s.write("outside.bin", b"weights from elsewhere");
    s.write(
        "release/release.toml",
        b"name = \"scratch\"\nversion = \"1.0.0\"\nchange = \"config\"\n\n[artifacts]\n\
          model = { path = \"../outside.bin\" }\n",
    );
    s.check(&[])
        .expect_code(2)
        .expect_stderr("artifact `model` (\"../outside.bin\") leads to")
        .expect_stderr("outside the release root");
}

#[test]
fn every_escape_is_listed() {
    let s = Scratch::new("", METRIC);
    s.write(
        "release/release.toml",
        b"name = \"scratch\"\nversion = \"1.0.0\"\nchange = \"config\"\n\n[artifacts]\n\
          model = { path = \"artifacts/model.bin\" }\n\n[evidence]\neval = \"../a.json\"\nother = \"/nonexistent/b.json\"\n",
    );
    s.check(&[])
        .expect_code(2)
        .expect_stderr("2 paths in")
        .expect_stderr("evidence `eval` (\"../a.json\")")
        .expect_stderr("evidence `other` (\"/nonexistent/b.json\")");
}

#[test]
fn paths_inside_the_root_may_use_dot_dot() {
    let s = scratch("evidence/../data/eval.json");
    s.write("release/evidence/other.json", b"{}");
    s.write("release/data/eval.json", b"{\"rate\": 0.1}");
    s.check(&[]).expect_code(0);
}

#[test]
fn root_option_widens_the_root() {
    let s = scratch("../outside.json");
    s.write("outside.json", b"{\"rate\": 0.1}");
    let root = s.dir.path().display().to_string();
    s.check(&["--root", &root]).expect_code(0);
    // A root that does not exist is an error, not a pass.
    s.check(&["--root", &s.path("missing").display().to_string()])
        .expect_code(2)
        .expect_stderr("cannot resolve the release root");
}

#[test]
fn policy_allow_outside_lists_directories() {
    let s = scratch("../shared/eval.json");
    s.write("shared/eval.json", b"{\"rate\": 0.1}");
    // Relative to the policy file, which sits beside `release/`.
    let policy = std::fs::read_to_string(s.policy()).unwrap();
    s.write(
        "policy.toml",
        format!("allow_outside = [\"shared\"]\n{policy}").as_bytes(),
    );
    s.check(&[]).expect_code(0);
    // Only the listed directory: outside.json beside it stays refused.
    let s2 = scratch("../outside.json");
    let policy = std::fs::read_to_string(s2.policy()).unwrap();
    s2.write("shared/x", b"");
    s2.write(
        "policy.toml",
        format!("allow_outside = [\"shared\"]\n{policy}").as_bytes(),
    );
    refused(&s2.check(&[]), &s2, "eval", "../outside.json");
}

#[test]
fn allow_outside_is_validated_with_positions() {
    let s = scratch("evidence/eval.json");
    let policy = std::fs::read_to_string(s.policy()).unwrap();
    for (value, needle) in [
        ("[]", "`allow_outside` is empty"),
        ("\"shared\"", "`allow_outside`"),
        ("[\"/\"]", "the file system root"),
    ] {
        s.write(
            "policy.toml",
            format!("allow_outside = {value}\n{policy}").as_bytes(),
        );
        s.check(&[])
            .expect_code(2)
            .expect_stderr("policy.toml:1:")
            .expect_stderr(needle);
    }
}
