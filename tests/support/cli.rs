//! Running the `gatepass` binary from a test.
//!
//! [`gatepass`] is the one way tests build the command: the binary, with a clean environment (see
//! [`is_cleared`]), stdin closed and stdout/stderr captured. A test that needs a variable sets it on top
//! (`gatepass().env("GATEPASS_SIGNING_KEY", pem)`). [`Scratch`] holds one small release against one small
//! policy in a temporary directory, for tests that look at every byte gatepass writes. [`ErrorCase`] and
//! [`expect_errors`] check error paths as a table: arguments, stdin, exit status, what stderr says.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::{OsStr, OsString};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Prefixes of the variables the binary reads (its own `GATEPASS_*`, the Actions runtime's `GITHUB_*` and
/// `RUNNER_*`): none of the caller's reach a test.
pub const CLEARED_PREFIXES: &[&str] = &["GATEPASS_", "GITHUB_", "RUNNER_"];

/// Other variables that would change what a test sees: proxies (in both spellings) would route the loopback
/// key server elsewhere, and `CLICOLOR_FORCE` would put colour codes into clap's messages.
pub const CLEARED_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "CLICOLOR_FORCE",
];

/// Whether the clean environment drops the variable `name`.
pub fn is_cleared(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    CLEARED_PREFIXES.iter().any(|p| name.starts_with(p)) || CLEARED_VARS.contains(&name.as_ref())
}

/// Removes from `cmd`'s environment every variable [`is_cleared`] names. For commands that run gatepass
/// indirectly (a script given the binary's path); [`gatepass`] already does this.
pub fn clean_env(cmd: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if is_cleared(&name) {
            cmd.env_remove(&name);
        }
    }
    cmd
}

/// The binary, with nothing from the environment that changes its behaviour: stdin closed, stdout and
/// stderr captured.
pub fn gatepass() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatepass"));
    clean_env(&mut cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// [`gatepass`], run in `dir`.
pub fn gatepass_in(dir: &Path) -> Command {
    let mut cmd = gatepass();
    cmd.current_dir(dir);
    cmd
}

/// Runs `cmd` to the end; what it wrote, as bytes.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("run gatepass")
}

/// The exit code, `-1` when killed by a signal.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

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

/// Runs `cmd` to the end; what it wrote, as text.
pub fn run(cmd: &mut Command) -> Out {
    let out = output(cmd);
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cmd`, killing it if it does not finish within `limit` (reported as exit `None`, with a line saying
/// so at the end of stderr).
pub fn run_within(cmd: &mut Command, limit: Duration) -> Out {
    let mut child = cmd.spawn().expect("spawn gatepass");
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            hung = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    if hung {
        stderr.push_str(&format!(
            "\n[test harness: killed after {limit:?}, gatepass hung]"
        ));
    }
    Out {
        code: if hung { None } else { status.code() },
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr,
    }
}

/// Runs `cmd` with `input` on its stdin; what it wrote, as text.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Out {
    let mut child = cmd.stdin(Stdio::piped()).spawn().expect("spawn gatepass");
    let mut stdin = child.stdin.take().unwrap();
    // gatepass may stop reading early (and exit): a broken pipe here is its answer, not a test failure.
    let _ = stdin.write_all(input);
    drop(stdin);
    let out = child.wait_with_output().expect("run gatepass");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// One error path of the command line, as data: the arguments, what is piped to stdin (nothing: stdin is
/// closed), the exit status, and the texts stderr must contain.
pub struct ErrorCase {
    pub args: Vec<OsString>,
    pub stdin: Option<String>,
    pub code: i32,
    pub stderr: Vec<String>,
}

impl ErrorCase {
    /// `gatepass <args>` exits with `code`, and stderr contains each of `stderr`.
    pub fn new<S: AsRef<OsStr>>(args: &[S], code: i32, stderr: &[&str]) -> Self {
        ErrorCase {
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            code,
            stderr: stderr.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The same, with `text` piped to stdin.
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_owned());
        self
    }

    fn describe(&self) -> String {
        let args: Vec<_> = self.args.iter().map(|a| a.to_string_lossy()).collect();
        match &self.stdin {
            Some(text) => format!("gatepass {} <<< {text:?}", args.join(" ")),
            None => format!("gatepass {}", args.join(" ")),
        }
    }
}

/// Runs every case on a fresh [`gatepass`] command and fails once, listing each case whose exit status or
/// stderr is not as expected, or that panicked.
#[track_caller]
pub fn expect_errors(cases: &[ErrorCase]) {
    let mut failures = Vec::new();
    for case in cases {
        let mut cmd = gatepass();
        cmd.args(&case.args);
        let out = match &case.stdin {
            Some(text) => run_with_stdin(&mut cmd, text.as_bytes()),
            None => run(&mut cmd),
        };
        let mut problems = Vec::new();
        if out.code != Some(case.code) {
            problems.push(format!("exit {:?}, expected {}", out.code, case.code));
        }
        if out.stderr.contains("panicked") {
            problems.push("panicked".to_owned());
        }
        for needle in &case.stderr {
            if !out.stderr.contains(needle.as_str()) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "== {}: {}\n{}",
                case.describe(),
                problems.join("; "),
                out.show()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} error cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
