//! Running the `gatepass` binary in a scratch release directory, for tests that hold one small release against
//! one small policy and look at every byte gatepass writes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run wrote.
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "{}", self.show());
        assert!(!self.stderr.contains("panicked"), "{}", self.show());
        self
    }

    #[track_caller]
    pub fn expect_stderr(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.show()
        );
        self
    }
}

/// A release directory (`release/`, with one artifact) and a policy beside it, in a temporary directory.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    /// `release/release.toml` with the `[evidence]` lines given, `release/artifacts/model.bin`, and
    /// `policy.toml` with the criteria given.
    pub fn new(evidence: &str, criteria: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let s = Scratch { dir };
        s.write("release/artifacts/model.bin", b"model weights\n");
        s.write(
            "release/release.toml",
            format!(
                "name = \"scratch\"\nversion = \"1.0.0\"\nchange = \"config\"\n\n[artifacts]\n\
                 model = {{ path = \"artifacts/model.bin\" }}\n\n[evidence]\n{evidence}\n"
            )
            .as_bytes(),
        );
        s.write(
            "policy.toml",
            format!(
                "id = \"scratch\"\nenvironment = \"staging\"\nissuer = \"gatepass:test\"\n\n\
                 [token]\nttl = \"15m\"\n\n{criteria}\n"
            )
            .as_bytes(),
        );
        s
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: &[u8]) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    pub fn policy(&self) -> PathBuf {
        self.path("policy.toml")
    }

    pub fn release(&self) -> PathBuf {
        self.path("release/release.toml")
    }

    /// `gatepass <command> --policy P --release R <extra>`.
    pub fn command(&self, command: &str, extra: &[&str]) -> Command {
        let mut cmd = gatepass();
        cmd.arg(command)
            .arg("--policy")
            .arg(self.policy())
            .arg("--release")
            .arg(self.release())
            .args(extra);
        cmd
    }

    pub fn check(&self, extra: &[&str]) -> Out {
        run(&mut self.command("check", extra))
    }

    /// `issue` with the demo gate key.
    pub fn issue(&self, extra: &[&str]) -> Out {
        run(self
            .command("issue", extra)
            .arg("--key")
            .arg(repo_file("keys/gate.key")))
    }
}

/// The binary, with nothing from the environment that changes its behaviour.
pub fn gatepass() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatepass"));
    for (name, _) in std::env::vars_os() {
        let name_str = name.to_string_lossy();
        if name_str.starts_with("GATEPASS_") || name_str.starts_with("GITHUB_") {
            cmd.env_remove(&name);
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub fn run(cmd: &mut Command) -> Out {
    let out = cmd.output().expect("run gatepass");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
