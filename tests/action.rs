//! The composite action (`action.yml`) and the workflows: every input is used and reaches the
//! scripts only through `env:`, every output is produced by gatepass, actions are pinned by
//! commit, and the action's run script works against the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[path = "support/cli.rs"]
mod cli;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

/// The keys directly under a top-level `section:` of a YAML document (two-space indent).
fn keys_of(yaml: &str, section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in yaml.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            inside = line.trim_end() == format!("{section}:");
            continue;
        }
        if inside
            && let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
            && !rest.starts_with('#')
            && let Some((key, _)) = rest.split_once(':')
        {
            out.push(key.to_owned());
        }
    }
    out
}

/// `(key, value)` of every `key: value` line, with its indentation.
fn entries(yaml: &str) -> Vec<(usize, String, String)> {
    yaml.lines()
        .filter_map(|l| {
            if l.trim_start().starts_with('#') {
                return None;
            }
            let indent = l.len() - l.trim_start().len();
            let t = l.trim_start().trim_start_matches("- ");
            let (k, v) = t.split_once(':')?;
            Some((indent, k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

const INPUTS: &[&str] = &[
    "command",
    "policy",
    "release",
    "approvals",
    "exceptions",
    "audit-log",
    "mode",
    "signing-key",
    "github-token",
    "keys",
    "audience",
    "artifacts",
    "version",
];

#[test]
fn every_input_is_declared_used_and_passed_through_env_only() {
    let yaml = read("action.yml");
    let inputs = keys_of(&yaml, "inputs");
    for required in INPUTS {
        assert!(
            inputs.iter().any(|i| i == required),
            "input {required} missing: {inputs:?}"
        );
    }
    let run_script = read(".github/action/run.sh");
    let install_script = read(".github/action/install.sh");
    let env: BTreeMap<String, String> = entries(&yaml)
        .into_iter()
        .filter(|(_, _, v)| v.starts_with("${{ inputs."))
        .map(|(_, k, v)| (k, v))
        .collect();
    for input in &inputs {
        let reference = format!("${{{{ inputs.{input} }}}}");
        let vars: Vec<&String> = env
            .iter()
            .filter(|(_, v)| **v == reference)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            vars.len(),
            1,
            "input {input} is mapped to exactly one env variable: {vars:?}"
        );
        let var = vars[0];
        assert!(
            run_script.contains(&format!("${{{var}"))
                || install_script.contains(&format!("${{{var}")),
            "the scripts never read ${var} (input {input})"
        );
    }
    // No expression anywhere in a `run:`; expressions only in defaults, env and output values.
    for (_, key, value) in entries(&yaml) {
        if value.contains("${{") {
            assert!(
                key == "default"
                    || key == "value"
                    || key.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "expression outside env/default/value: {key}: {value}"
            );
        }
        if key == "run" {
            assert!(!value.contains("${{"), "{value}");
        }
    }
    assert!(yaml.contains("\nbranding:\n  icon: shield\n  color: green\n"));
    assert!(yaml.contains("  using: composite\n"));
}

#[test]
fn every_output_is_mapped_from_the_step_and_written_by_gatepass() {
    let yaml = read("action.yml");
    let outputs = keys_of(&yaml, "outputs");
    let mut sorted = outputs.clone();
    sorted.sort();
    let mut produced: Vec<String> = gatepass::github::actions::OUTPUTS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    produced.sort();
    assert_eq!(
        sorted, produced,
        "action outputs and the outputs gatepass writes"
    );
    for output in &outputs {
        assert!(
            yaml.contains(&format!(
                "    value: ${{{{ steps.gate.outputs.{output} }}}}\n"
            )),
            "output {output} is not mapped from the gate step"
        );
    }
}

struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    /// Runs `.github/action/run.sh` the way the composite step does.
    fn run(&self, inputs: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = Command::new("bash");
        cmd.arg(root().join(".github/action/run.sh"))
            .current_dir(root());
        cli::clean_env(&mut cmd);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("INPUT_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("GATEPASS_BIN", env!("CARGO_BIN_EXE_gatepass"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.dir.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary"))
            .env("GITHUB_WORKSPACE", root())
            .env("GITHUB_TOKEN", "ghs_from_the_job_environment");
        // The composite step sets every input variable, empty when not given.
        for input in INPUTS
            .iter()
            .chain(["github-approvals", "publish-check", "token"].iter())
        {
            let var = format!("INPUT_{}", input.to_ascii_uppercase().replace('-', "_"));
            let value = inputs
                .iter()
                .find(|(k, _)| k == input)
                .map_or("", |(_, v)| *v);
            cmd.env(var, value);
        }
        cmd.output().unwrap()
    }
    fn outputs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("output")).unwrap_or_default()
    }
}

#[test]
fn the_run_script_issues_with_the_key_from_the_input_and_keeps_the_token_out_of_the_log() {
    let runner = Runner::new();
    let pem = read("keys/gate.key");
    let o = runner.run(&[
        ("command", "issue"),
        ("policy", "policies/summarizer-staging.toml"),
        ("release", "examples/summarizer/release.toml"),
        ("approvals", "\n  examples/summarizer/approvals  \n\n"),
        ("mode", "enforce"),
        ("signing-key", &pem),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "",
        "the token never reaches the log"
    );
    let outputs = runner.outputs();
    assert!(outputs.contains("decision<<gatepass_"), "{outputs}");
    let token = outputs
        .split("token<<")
        .nth(1)
        .and_then(|rest| rest.lines().nth(1))
        .unwrap();
    assert_eq!(token.split('.').count(), 3, "{outputs}");
    assert!(err.contains(&format!("::add-mask::{token}")), "{err}");
    assert!(!err.contains("PRIVATE KEY"), "{err}");
}

#[test]
fn the_run_script_refuses_bad_inputs_before_running_anything() {
    for (inputs, message) in [
        (
            vec![("command", "deploy")],
            "input command must be issue, check or verify",
        ),
        (
            vec![("command", "check")],
            "input policy is required for command check",
        ),
        (
            vec![
                ("command", "check"),
                ("policy", "p.toml"),
                ("release", "r.toml"),
                ("mode", "warn"),
            ],
            "input mode applies to command issue",
        ),
        (
            vec![
                ("command", "check"),
                ("policy", "p.toml"),
                ("release", "r.toml"),
                ("github-approvals", "yes"),
            ],
            "input github-approvals must be true or false",
        ),
        (
            vec![("command", "verify"), ("keys", "k.json")],
            "input audience is required",
        ),
    ] {
        let o = Runner::new().run(&inputs);
        let err = String::from_utf8_lossy(&o.stderr);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(2), "{inputs:?}: {err}{out}");
        assert!(
            out.contains(&format!("::error title=gatepass::{message}")),
            "{out}"
        );
    }
}

#[test]
fn the_run_script_hands_the_github_token_to_gatepass_only_when_needed() {
    // Without github-approvals the job's GITHUB_TOKEN is removed, so gatepass cannot use it.
    let o = Runner::new().run(&[
        ("command", "check"),
        ("policy", "policies/summarizer-staging.toml"),
        ("release", "examples/summarizer/release.toml"),
        ("approvals", "examples/summarizer/approvals"),
        ("github-token", ""),
        ("github-approvals", "true"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--github-approvals needs a GitHub token"),
        "{err}"
    );
}

#[test]
fn workflows_pin_actions_by_commit_and_grant_nothing_by_default() {
    for file in [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "examples/workflows/deploy.yml",
    ] {
        let yaml = read(file);
        assert!(
            yaml.contains("\npermissions: {}\n"),
            "{file}: top-level permissions: {{}}"
        );
        for (_, key, value) in entries(&yaml) {
            if key == "uses" && !value.starts_with("./") {
                let (action, rest) = value
                    .split_once('@')
                    .unwrap_or_else(|| panic!("{file}: {value}"));
                let sha = rest.split_whitespace().next().unwrap();
                // The example leaves the gatepass commit to the reader: there is no release yet.
                if file.starts_with("examples/") && action == "gatepass-dev/gatepass" {
                    assert_eq!(sha, "GATEPASS_COMMIT_SHA", "{file}: {value}");
                    continue;
                }
                assert!(
                    sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{file}: {value} is not pinned to a commit"
                );
            }
        }
        let checkouts = yaml.matches("uses: actions/checkout@").count();
        let no_credentials = yaml.matches("persist-credentials: false").count();
        assert_eq!(
            checkouts, no_credentials,
            "{file}: every checkout sets persist-credentials: false"
        );
    }
}

/// A fake tool on PATH: a shell script.
#[cfg(unix)]
fn shim(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/usr/bin/env bash\nset -euo pipefail\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
struct Install {
    dir: tempfile::TempDir,
}

#[cfg(unix)]
impl Install {
    /// An action checkout at version 9.9.9 (optionally with pinned checksums), fake `curl` and
    /// `cargo` that log their arguments, and a release tarball holding a fake gatepass.
    fn new(pin: Option<&dyn Fn(&str) -> String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["action/dist/checksums", "bin", "temp", "payload"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(
            d.join("action/Cargo.toml"),
            "[package]\nname = \"gatepass\"\nversion = \"9.9.9\"\nrepository = \"https://github.com/gatepass-dev/gatepass\"\n",
        )
        .unwrap();
        shim(
            &d.join("payload"),
            "gatepass",
            "echo \"gatepass 9.9.9 (released)\"",
        );
        let tarball = d.join("release.tar.gz");
        let status = Command::new("tar")
            .arg("-czf")
            .arg(&tarball)
            .arg("-C")
            .arg(d.join("payload"))
            .arg("gatepass")
            .status()
            .unwrap();
        assert!(status.success());
        if let Some(pin) = pin {
            let digest = gatepass::hash::sha256_file(&tarball).unwrap().to_hex();
            let lines: String = [
                "x86_64-unknown-linux-musl",
                "aarch64-unknown-linux-musl",
                "x86_64-apple-darwin",
                "aarch64-apple-darwin",
            ]
            .iter()
            .map(|t| format!("{}  gatepass-9.9.9-{t}.tar.gz\n", pin(&digest)))
            .collect();
            std::fs::write(d.join("action/dist/checksums/9.9.9.sha256"), lines).unwrap();
        }
        shim(
            &d.join("bin"),
            "curl",
            &format!(
                "echo \"$*\" >> '{log}'\nout=''\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --output ]; then out=\"$2\"; fi; shift; done\ncp '{tar}' \"$out\"",
                log = d.join("curl.log").display(),
                tar = tarball.display()
            ),
        );
        shim(
            &d.join("bin"),
            "cargo",
            &format!(
                "echo \"$*\" >> '{log}'\nroot=''\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --root ]; then root=\"$2\"; fi; shift; done\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho \"gatepass 9.9.9 from source\"\\n' > \"$root/bin/gatepass\"\nchmod +x \"$root/bin/gatepass\"",
                log = d.join("cargo.log").display()
            ),
        );
        Self { dir }
    }

    fn run(&self, version: &str) -> (std::process::Output, String) {
        let d = self.dir.path();
        let output = d.join("github_output");
        let _ = std::fs::remove_file(&output);
        let path = format!(
            "{}:{}",
            d.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let o = cli::clean_env(&mut Command::new("bash"))
            .arg(root().join(".github/action/install.sh"))
            .env("PATH", path)
            .env("GITHUB_ACTION_PATH", d.join("action"))
            .env("RUNNER_TEMP", d.join("temp"))
            .env("GITHUB_OUTPUT", &output)
            .env("GATEPASS_VERSION", version)
            .output()
            .unwrap();
        (o, std::fs::read_to_string(output).unwrap_or_default())
    }

    fn log(&self, tool: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{tool}.log"))).unwrap_or_default()
    }
}

#[test]
#[cfg(unix)]
fn install_uses_a_release_binary_only_when_its_digest_is_pinned() {
    let install = Install::new(Some(&|digest: &str| digest.to_owned()));
    let (o, output) = install.run("");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("matches the digest pinned in the action"),
        "{out}"
    );
    assert!(out.contains("gatepass 9.9.9 (released)"), "{out}");
    assert!(
        output.starts_with("path=") && output.trim_end().ends_with("/gatepass-9.9.9/bin/gatepass"),
        "{output}"
    );
    let curl = install.log("curl");
    assert!(
        curl.contains("--proto =https")
            && curl.contains(
                "https://github.com/gatepass-dev/gatepass/releases/download/v9.9.9/gatepass-9.9.9-"
            ),
        "{curl}"
    );
    assert_eq!(
        install.log("cargo"),
        "",
        "no build when a pinned binary exists"
    );
}

#[test]
#[cfg(unix)]
fn install_refuses_a_download_that_does_not_match_the_pin() {
    let install = Install::new(Some(&|_: &str| "0".repeat(64)));
    let (o, output) = install.run("9.9.9");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("::error title=gatepass install::gatepass-9.9.9-"),
        "{out}"
    );
    assert!(out.contains("refusing to run it"), "{out}");
    assert_eq!(output, "", "no path is published");
}

#[test]
#[cfg(unix)]
fn install_builds_the_actions_own_source_when_nothing_is_pinned() {
    let install = Install::new(None);
    let (o, output) = install.run("");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("building the action's source with cargo install --locked"),
        "{out}"
    );
    let cargo = install.log("cargo");
    assert!(cargo.starts_with("install --locked --path "), "{cargo}");
    assert!(cargo.contains("--bin gatepass"), "{cargo}");
    assert_eq!(install.log("curl"), "", "nothing is downloaded");
    assert!(output.starts_with("path="), "{output}");

    // Another version without a pin is never downloaded unverified, nor built from other source.
    let (o, output) = install.run("9.9.8");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("no SHA-256 pinned for gatepass 9.9.8"),
        "{out}"
    );
    assert_eq!(output, "");
    let (o, _) = install.run("latest; rm -rf /");
    assert_eq!(o.status.code(), Some(1));
}
