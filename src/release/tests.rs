#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use super::*;
use crate::diag::{DiagnosticKind, render};
use crate::hash::NoProgress;

const TEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A release directory: `files` written under it, `manifest` as `<dir>/release.toml`.
fn release_dir(manifest: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    let manifest_path = dir.path().join("release.toml");
    fs::write(&manifest_path, manifest).unwrap();
    (dir, manifest_path)
}

fn problems_of(err: ReleaseError) -> Vec<Diagnostic> {
    match err {
        ReleaseError::Invalid { diagnostics, .. } => diagnostics,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn at(d: &Diagnostic) -> (usize, usize) {
    (d.line, d.col)
}

/// The underlined excerpt of one diagnostic, as rendered: the source line and the carets below it.
fn excerpt(text: &str, d: &Diagnostic) -> String {
    render(Path::new("dir/release.toml"), text, std::slice::from_ref(d))
}

fn parse(text: &str) -> Result<Release, ReleaseError> {
    Release::from_toml(text, Path::new("dir/release.toml"))
}

/// The worked example of `docs/hashing.md`.
const WORKED_MANIFEST: &str = r#"name = "support-summarizer"
version = "1.4.0"
change = "prompt"

[artifacts]
model  = { path = "artifacts/model.onnx", sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }
prompt = { path = "artifacts/prompt" }

[evidence]
eval       = "evidence/eval.json"
model_card = "evidence/MODEL_CARD.md"
"#;

const WORKED_FILES: &[(&str, &str)] = &[
    ("artifacts/model.onnx", "test"),
    ("artifacts/prompt/system.txt", "abc"),
    ("artifacts/prompt/few-shot/1.txt", ""),
    ("evidence/eval.json", "{\"hallucination_rate\":0.03}\n"),
];

const WORKED_PROMPT_DIR: &str = "5dffc256c6255549c5cf8165e04e9d0d585a883cdd4e2521ca05c9fd9b3a9f12";
const WORKED_EVAL: &str = "ec25a4f723a8501e10cad537088b121c3ceb2a39886dbbad54f6890971d90bea";
const WORKED_DIGEST: &str = "2d496a06385ad017d12c02ef012fd6c55e300b036f3bd35a909886611569440b";

#[test]
fn worked_example_of_the_docs_has_the_documented_digests() {
    let (_dir, manifest) = release_dir(WORKED_MANIFEST, WORKED_FILES);
    let hashed = Release::load(&manifest).unwrap().hash(&NoProgress).unwrap();

    let prompt_manifest = format!("{EMPTY}  few-shot/1.txt\n{ABC}  system.txt\n");
    let prompt = &hashed.artifacts["prompt"];
    assert_eq!(prompt.digest, Sha256Digest::of(prompt_manifest.as_bytes()));
    assert_eq!(prompt.digest.to_hex(), WORKED_PROMPT_DIR);
    assert_eq!(prompt.kind, PathKind::Directory { files: 2 });
    let eval = hashed.evidence["eval"].file.unwrap();
    assert_eq!(eval.digest.to_hex(), WORKED_EVAL);
    assert_eq!(hashed.evidence["model_card"].file, None);

    let json = hashed.canonical_json();
    let expected = format!(
        "{{\"artifacts\":{{\"model\":\"sha256:{TEST}\",\"prompt\":\"sha256:{WORKED_PROMPT_DIR}\"}},\
         \"change\":\"prompt\",\
         \"evidence\":{{\"eval\":\"sha256:{WORKED_EVAL}\",\"model_card\":null}},\
         \"name\":\"support-summarizer\",\"version\":\"1.4.0\"}}"
    );
    assert_eq!(json, expected);
    assert_eq!(hashed.digest(), Sha256Digest::of(expected.as_bytes()));
    assert_eq!(hashed.digest().to_hex(), WORKED_DIGEST);

    // The documentation shows these exact values.
    let doc = include_str!("../../docs/hashing.md");
    for needle in [
        WORKED_MANIFEST,
        &prompt_manifest,
        &json,
        WORKED_DIGEST,
        WORKED_EVAL,
    ] {
        assert!(
            doc.contains(needle),
            "docs/hashing.md does not show:\n{needle}"
        );
    }
}

#[test]
fn design_example_is_accepted_as_written() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/release/design-example/release.toml");
    let release = Release::load(&manifest).unwrap();
    assert_eq!(release.name, "support-summarizer");
    assert_eq!(release.version, "1.4.0");
    assert_eq!(release.change, ChangeType::Prompt);
    assert_eq!(release.tier, None);
    assert_eq!(
        release.artifacts.keys().collect::<Vec<_>>(),
        ["model", "prompt"]
    );
    assert_eq!(release.artifacts["model"].sha256.unwrap().to_hex(), TEST);
    assert_eq!(release.artifacts["prompt"].sha256, None);
    assert_eq!(
        release.artifacts["model"].path.written,
        "artifacts/model.onnx"
    );
    assert_eq!(
        release.artifacts["model"].path.resolved,
        manifest.parent().unwrap().join("artifacts/model.onnx")
    );
    assert_eq!(
        release.evidence.keys().collect::<Vec<_>>(),
        [
            "adversarial",
            "eval",
            "model_card",
            "rollback",
            "schema_eval",
            "schema_prod",
            "tests"
        ]
    );
    assert_eq!(
        release.evidence["adversarial"].written,
        "evidence/prompt-injection.sarif"
    );

    let hashed = release.hash(&NoProgress).unwrap();
    let model = &hashed.artifacts["model"];
    assert_eq!(model.digest.to_hex(), TEST);
    assert_eq!(model.pin_mismatch(), None);
    assert!(hashed.evidence.values().all(|e| e.file.is_some()));
}

#[test]
fn tier_is_read_when_given() {
    let release = parse(
        "name = \"n\"\nversion = \"1\"\nchange = \"model\"\ntier = \"critical\"\n\
         [artifacts]\nm = { path = \"m\" }\n",
    )
    .unwrap();
    assert_eq!(release.tier, Some(Tier::Critical));
    assert_eq!(release.change, ChangeType::Model);
    assert!(release.evidence.is_empty());
}

#[test]
fn unknown_top_level_key_is_rejected_with_line_and_column() {
    let err = parse(
        "name = \"n\"\nversion = \"1\"\nchange = \"code\"\ncolour = \"red\"\n[artifacts]\nm = { path = \"m\" }\n",
    )
    .unwrap_err();
    let rendered = err.to_string();
    let problems = problems_of(err);
    assert_eq!(problems.len(), 1);
    assert_eq!(at(&problems[0]), (4, 1));
    assert!(
        problems[0].message.contains("unknown field `colour`"),
        "{problems:?}"
    );
    assert!(
        rendered.starts_with("error[unknown-key]: unknown field `colour`"),
        "{rendered}"
    );
    assert!(rendered.contains("┌─ dir/release.toml:4:1\n"), "{rendered}");
    assert!(
        rendered.contains("4 │ colour = \"red\"\n  │ ^^^^^^ unknown key"),
        "{rendered}"
    );
    assert!(
        rendered.ends_with("1 problem in dir/release.toml"),
        "{rendered}"
    );
}

#[test]
fn unknown_key_in_an_artifact_is_rejected_with_line_and_column() {
    let err = parse(
        "name = \"n\"\nversion = \"1\"\nchange = \"code\"\n[artifacts]\nm = { path = \"m\", sha = \"x\" }\n",
    )
    .unwrap_err();
    let problems = problems_of(err);
    assert_eq!(at(&problems[0]), (5, 19));
    assert!(
        problems[0].message.contains("unknown field `sha`"),
        "{problems:?}"
    );
}

#[test]
fn missing_required_keys_and_bad_change_are_rejected() {
    let err =
        parse("name = \"n\"\nversion = \"1\"\n[artifacts]\nm = { path = \"m\" }\n").unwrap_err();
    assert!(err.to_string().contains("missing field `change`"), "{err}");

    let err =
        parse("name = \"n\"\nchange = \"code\"\n[artifacts]\nm = { path = \"m\" }\n").unwrap_err();
    assert!(err.to_string().contains("missing field `version`"), "{err}");

    let err = parse(
        "name = \"n\"\nversion = \"1\"\nchange = \"weights\"\n[artifacts]\nm = { path = \"m\" }\n",
    )
    .unwrap_err();
    let problems = problems_of(err);
    assert_eq!(at(&problems[0]), (3, 10));
    assert!(
        problems[0].message.contains("unknown variant `weights`"),
        "{problems:?}"
    );

    let err = parse("name = \"n\"\nversion = \"1\"\nchange = \"code\"\n").unwrap_err();
    let problems = problems_of(err);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("missing `[artifacts]`"),
        "{problems:?}"
    );

    let err = parse("name = \"n\"\nversion = \"1\"\nchange = \"code\"\n[artifacts]\n").unwrap_err();
    assert!(err.to_string().contains("`[artifacts]` is empty"), "{err}");
}

#[test]
fn every_validation_problem_is_reported_in_file_order() {
    let text = "name = \"a b@c\"\nversion = \"\"\nchange = \"config\"\n\
                [artifacts]\n\"my model\" = { path = \"\" }\n\
                ok = { path = \"x\", sha256 = \"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\" }\n\
                short = { path = \"y\", sha256 = \"abc\" }\n\
                [evidence]\n\"\" = \"e\"\n\"ü\" = \"f\"\n";
    let problems = problems_of(parse(text).unwrap_err());
    let summary: Vec<((usize, usize), &str)> = problems
        .iter()
        .map(|p| (at(p), p.message.as_str()))
        .collect();
    let expect = [
        ((1, 8), "`name` contains whitespace"),
        ((1, 8), "must not contain `@`"),
        ((2, 11), "`version` is empty"),
        ((5, 1), "artifact name \"my model\" is not allowed"),
        ((5, 23), "the path is empty"),
        ((6, 29), "`sha256` of artifact `ok` is not a SHA-256 digest"),
        (
            (7, 32),
            "`sha256` of artifact `short` is not a SHA-256 digest",
        ),
        ((9, 1), "evidence name \"\" is not allowed"),
        ((10, 1), "evidence name \"ü\" is not allowed"),
    ];
    assert_eq!(summary.len(), expect.len(), "{summary:#?}");
    for ((got_at, got), (want_at, want)) in summary.iter().zip(expect) {
        assert_eq!(*got_at, want_at, "{got}");
        assert!(got.contains(want), "{got:?} should contain {want:?}");
    }
}

#[test]
fn prefixed_pinned_digest_is_accepted() {
    let release = parse(&format!(
        "name = \"n\"\nversion = \"1\"\nchange = \"code\"\n[artifacts]\nm = {{ path = \"m\", sha256 = \"sha256:{TEST}\" }}\n"
    ))
    .unwrap();
    assert_eq!(release.artifacts["m"].sha256.unwrap().to_hex(), TEST);
}

#[test]
fn syntax_error_has_line_and_column() {
    let problems = problems_of(parse("name = \"n\"\nversion = 1.2.3\n").unwrap_err());
    assert_eq!(at(&problems[0]).0, 2);
}

#[test]
fn unreadable_manifest_names_its_path() {
    let err = Release::load(Path::new("/nonexistent/release.toml")).unwrap_err();
    assert!(matches!(err, ReleaseError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/release.toml"),
        "{err}"
    );
}

const SMALL: &str = "name = \"n\"\nversion = \"1\"\nchange = \"model\"\n\
                     [artifacts]\nmodel = { path = \"a/model.bin\" }\nempty = { path = \"a/empty.bin\" }\n\
                     [evidence]\neval = \"e/eval.json\"\ncard = \"e/card.md\"\n";

const SMALL_FILES: &[(&str, &str)] = &[
    ("a/model.bin", "weights"),
    ("a/empty.bin", ""),
    ("e/eval.json", "{}"),
    ("e/card.md", "# card"),
];

#[test]
fn missing_and_unreadable_artifacts_are_errors_listing_every_file() {
    let (_dir, manifest) = release_dir(SMALL, &[("e/eval.json", "{}"), ("a/empty.bin/inner", "x")]);
    fs::create_dir_all(manifest.parent().unwrap().join("e/card.md")).unwrap();
    let err = Release::load(&manifest)
        .unwrap()
        .hash(&NoProgress)
        .unwrap_err();
    let rendered = err.to_string();
    let ReleaseError::Unhashable { failures, .. } = err else {
        panic!("{err:?}")
    };
    let summary: Vec<(FileRole, &str)> =
        failures.iter().map(|f| (f.role, f.name.as_str())).collect();
    // `empty` is a directory, which an artifact may be; `model` is missing; evidence `card` is a directory.
    assert_eq!(
        summary,
        [(FileRole::Artifact, "model"), (FileRole::Evidence, "card")]
    );
    assert!(failures[0].error.is_not_found());
    assert!(matches!(failures[1].error, HashError::IsDirectory { .. }));
    assert!(
        rendered.contains("cannot hash 2 files named in"),
        "{rendered}"
    );
    assert!(
        rendered.contains("artifact `model` (\"a/model.bin\"): ")
            && rendered.contains("does not exist"),
        "{rendered}"
    );
    assert!(
        rendered.contains("evidence `card` (\"e/card.md\"): "),
        "{rendered}"
    );
}

#[test]
fn missing_evidence_is_recorded_absent_and_hashes_as_null() {
    let (_dir, manifest) = release_dir(SMALL, &SMALL_FILES[..3]);
    let hashed = Release::load(&manifest).unwrap().hash(&NoProgress).unwrap();
    assert_eq!(hashed.evidence["card"].file, None);
    assert_eq!(hashed.evidence["card"].path.written, "e/card.md");
    assert!(hashed.canonical_json().contains("\"card\":null"));
    assert!(hashed.evidence["eval"].file.is_some());
}

#[cfg(unix)]
#[test]
fn evidence_that_is_a_fifo_is_an_error() {
    let (dir, manifest) = release_dir(SMALL, &SMALL_FILES[..3]);
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("e/card.md"))
        .status()
        .unwrap();
    assert!(status.success());
    let err = Release::load(&manifest)
        .unwrap()
        .hash(&NoProgress)
        .unwrap_err();
    assert!(err.to_string().contains("is a FIFO"), "{err}");
}

#[test]
fn zero_byte_artifact_hashes_normally_with_its_size() {
    let (_dir, manifest) = release_dir(SMALL, SMALL_FILES);
    let hashed = Release::load(&manifest).unwrap().hash(&NoProgress).unwrap();
    let empty = &hashed.artifacts["empty"];
    assert_eq!((empty.digest.to_hex().as_str(), empty.bytes), (EMPTY, 0));
    assert_eq!(hashed.artifacts["model"].bytes, 7);
    assert_eq!(hashed.evidence["card"].file.unwrap().bytes, 6);
}

#[test]
fn pinned_mismatch_is_recorded_not_an_error() {
    let text = format!(
        "name = \"n\"\nversion = \"1\"\nchange = \"model\"\n[artifacts]\n\
         right = {{ path = \"m\", sha256 = \"{TEST}\" }}\nwrong = {{ path = \"m\", sha256 = \"{ABC}\" }}\n"
    );
    let (_dir, manifest) = release_dir(&text, &[("m", "test")]);
    let hashed = Release::load(&manifest).unwrap().hash(&NoProgress).unwrap();
    assert_eq!(hashed.artifacts["right"].pin_mismatch(), None);
    let mismatch = hashed.artifacts["wrong"].pin_mismatch().unwrap();
    assert_eq!(mismatch.pinned.to_hex(), ABC);
    assert_eq!(mismatch.actual.to_hex(), TEST);
    assert_eq!(hashed.artifacts["wrong"].pinned.unwrap().to_hex(), ABC);
}

fn digest_of(manifest: &Path) -> Sha256Digest {
    Release::load(manifest)
        .unwrap()
        .hash(&NoProgress)
        .unwrap()
        .digest()
}

#[test]
fn release_digest_ignores_path_spelling_location_and_key_order() {
    let (_a, plain) = release_dir(SMALL, SMALL_FILES);
    let reference = digest_of(&plain);

    let spelled = SMALL
        .replace("\"a/model.bin\"", "\"./a/../a/model.bin\"")
        .replace("\"e/eval.json\"", "\"e//./eval.json\"");
    let (_b, spelled) = release_dir(&spelled, SMALL_FILES);
    assert_eq!(digest_of(&spelled), reference);

    // Same bytes, other file names and layout, entries in another order, manifest elsewhere.
    let moved = "change = \"model\"\nversion = \"1\"\nname = \"n\"\n\
                 [evidence]\ncard = \"docs/MODEL_CARD.md\"\neval = \"reports/eval-final.json\"\n\
                 [artifacts]\nempty = { path = \"../bin/zero\" }\nmodel = { path = \"../bin/w.onnx\" }\n";
    let (c, _) = release_dir("", &[]);
    let root = c.path().join("deploy/release");
    for (rel, content) in [
        ("docs/MODEL_CARD.md", "# card"),
        ("reports/eval-final.json", "{}"),
        ("../bin/zero", ""),
        ("../bin/w.onnx", "weights"),
        ("release.toml", moved),
    ] {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    assert_eq!(digest_of(&root.join("release.toml")), reference);

    // A manifest given by a relative path resolves against the current directory, like any other path.
    let relative = Release::from_toml(SMALL, Path::new("release.toml")).unwrap();
    assert_eq!(
        relative.artifacts["model"].path.resolved,
        Path::new("a/model.bin")
    );
}

#[test]
fn release_digest_changes_with_one_byte_of_any_file() {
    let (dir, manifest) = release_dir(SMALL, SMALL_FILES);
    let reference = digest_of(&manifest);
    for (rel, content) in SMALL_FILES {
        let path = dir.path().join(rel);
        let mut changed = content.as_bytes().to_vec();
        match changed.first_mut() {
            Some(b) => *b ^= 1,
            None => changed.push(0),
        }
        fs::write(&path, &changed).unwrap();
        assert_ne!(digest_of(&manifest), reference, "{rel}");
        fs::write(&path, content).unwrap();
        assert_eq!(digest_of(&manifest), reference, "{rel}");
    }
}

#[test]
fn release_digest_changes_with_name_version_change_and_evidence_presence() {
    let (dir, manifest) = release_dir(SMALL, SMALL_FILES);
    let reference = digest_of(&manifest);
    for (from, to) in [
        ("name = \"n\"", "name = \"n2\""),
        ("version = \"1\"", "version = \"1.0\""),
        ("change = \"model\"", "change = \"code\""),
    ] {
        fs::write(&manifest, SMALL.replace(from, to)).unwrap();
        assert_ne!(digest_of(&manifest), reference, "{to}");
    }
    fs::write(&manifest, SMALL).unwrap();
    fs::remove_file(dir.path().join("e/card.md")).unwrap();
    assert_ne!(digest_of(&manifest), reference);
}

#[test]
fn canonical_json_is_compact_sorted_and_pins_do_not_count() {
    let (_dir, manifest) = release_dir(SMALL, SMALL_FILES);
    let hashed = Release::load(&manifest).unwrap().hash(&NoProgress).unwrap();
    let json = hashed.canonical_json();
    let weights = Sha256Digest::of(b"weights").prefixed();
    let eval = Sha256Digest::of(b"{}").prefixed();
    let card = Sha256Digest::of(b"# card").prefixed();
    assert_eq!(
        json,
        format!(
            "{{\"artifacts\":{{\"empty\":\"sha256:{EMPTY}\",\"model\":\"{weights}\"}},\"change\":\"model\",\
             \"evidence\":{{\"card\":\"{card}\",\"eval\":\"{eval}\"}},\"name\":\"n\",\"version\":\"1\"}}"
        )
    );

    let pinned = SMALL.replace(
        "{ path = \"a/model.bin\" }",
        &format!("{{ path = \"a/model.bin\", sha256 = \"{ABC}\" }}"),
    );
    fs::write(&manifest, pinned).unwrap();
    assert_eq!(digest_of(&manifest), hashed.digest());
}

#[test]
fn truncated_or_corrupted_manifests_are_errors_never_panics() {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/release/design-example/release.toml"),
    )
    .unwrap();
    let boundaries: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    let mut accepted = 0;
    for &i in &boundaries {
        // Every outcome is fine as long as it is a value, and any error renders.
        match parse(&text[..i]) {
            Ok(_) => accepted += 1,
            Err(e) => assert!(!e.to_string().is_empty()),
        }
        for insert in ["\"", "[", "=", "\n", "{", "é", "\t", "\r"] {
            let corrupted = format!("{}{insert}{}", &text[..i], &text[i..]);
            if let Err(e) = parse(&corrupted) {
                assert!(!e.to_string().is_empty());
            }
        }
    }
    // The complete manifest, at least, is accepted.
    assert!(accepted >= 1);
}

/// A printed error chain (`{:#}`) shows each cause once: no error repeats its source's message.
fn assert_each_cause_shown_once(err: &dyn std::error::Error) {
    let mut current = err;
    while let Some(source) = current.source() {
        let (outer, inner) = (current.to_string(), source.to_string());
        assert!(
            !outer.contains(&inner),
            "{outer:?} repeats its source {inner:?}"
        );
        current = source;
    }
}

#[test]
fn unreadable_manifest_names_the_file_and_shows_the_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("release.toml");
    let err = Release::load(&missing).unwrap_err();
    assert!(matches!(err, ReleaseError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains(&missing.display().to_string()));
    assert!(std::error::Error::source(&err).is_some());
    assert_each_cause_shown_once(&err);
}

#[test]
fn non_utf8_manifest_is_invalid_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.toml");
    fs::write(&path, b"name = \"x\"\nversion = \"caf\xe9\"\n").unwrap();
    let problems = problems_of(Release::load(&path).unwrap_err());
    assert_eq!(problems.len(), 1);
    assert_eq!(at(&problems[0]), (2, 15));
    assert!(
        problems[0].message.contains("not valid UTF-8"),
        "{problems:?}"
    );
}

#[test]
fn thousands_of_problems_are_reported_in_linear_time() {
    // Each problem used to be located by a scan from the start of the manifest: 20 000 bad names took a minute.
    let mut text = String::from(
        "name = \"x\"\nversion = \"1\"\nchange = \"model\"\n[artifacts]\nm = { path = \"m\" }\n[evidence]\n",
    );
    for i in 0..20_000 {
        text.push_str(&format!("\"bad name {i}\" = \"e{i}.json\"\n"));
    }
    let start = std::time::Instant::now();
    let problems = problems_of(parse(&text).unwrap_err());
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(problems.len(), 20_000);
    assert_eq!(at(&problems[0]), (7, 1));
    assert_eq!(at(&problems[19_999]), (20_006, 1));
    let shown = excerpt(&text, &problems[19_999]);
    assert!(
        shown.contains(
            "      │\n20006 │ \"bad name 19999\" = \"e19999.json\"\n      │ ^^^^^^^^^^^^^^^^ not a valid name"
        ),
        "{shown}"
    );
}

#[test]
fn excerpts_underline_within_the_line_whatever_the_line_ending() {
    let text = "name = \"x\"\r\nversion = \"\"\r\nchange = \"model\"\r\n[artifacts]\r\nm = { path = \"m\" }\r\n";
    let problems = problems_of(parse(text).unwrap_err());
    assert_eq!(problems.len(), 1);
    assert_eq!(at(&problems[0]), (2, 11));
    let shown = excerpt(text, &problems[0]);
    assert!(
        shown.contains("  │\n2 │ version = \"\"\n  │           ^^ empty\n"),
        "{shown}"
    );
}

#[test]
fn names_a_policy_can_never_refer_to_are_refused() {
    let long = "a".repeat(65);
    let text = format!(
        "name = \"n\"\nversion = \"1\"\nchange = \"code\"\n[artifacts]\n-x = {{ path = \"m\" }}\n\
         ok = {{ path = \"o\" }}\n[evidence]\n\".x\" = \"e.json\"\n{long} = \"f.json\"\n{} = \"g.json\"\n",
        "b".repeat(64)
    );
    let err = parse(&text).unwrap_err();
    let rendered = err.to_string();
    let problems = problems_of(err);
    let summary: Vec<((usize, usize), &str, DiagnosticKind)> = problems
        .iter()
        .map(|d| (at(d), d.message.as_str(), d.kind))
        .collect();
    assert_eq!(
        summary,
        [
            (
                (5, 1),
                "artifact name \"-x\" is not allowed: a name cannot start with `-`",
                DiagnosticKind::BadValue
            ),
            (
                (8, 1),
                "evidence name \".x\" is not allowed: a name cannot start with `.`",
                DiagnosticKind::BadValue
            ),
            (
                (9, 1),
                "evidence name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…\" is not allowed: \
                 a name is at most 64 characters, this one has 65",
                DiagnosticKind::BadValue
            ),
        ]
    );
    assert!(rendered.contains("┌─ dir/release.toml:5:1"), "{rendered}");
    assert!(rendered.contains("= help: names use letters"), "{rendered}");
    assert!(
        rendered.ends_with("3 problems in dir/release.toml"),
        "{rendered}"
    );
}
