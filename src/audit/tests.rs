#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::Write as _;
use std::path::Path;

use super::*;
use crate::token::{Jwks, SigningKey};

fn actor() -> Actor {
    Actor::from_vars(|k| (k == "USER").then(|| "ci".to_owned()))
}

fn rec(i: u64) -> Record {
    let time = jiff::Timestamp::from_second(1_790_000_000 + i as i64).unwrap();
    let mut r = Record::new(Command::Check, Verdict::Deny, time, actor());
    r.environment = Some(format!("env-{}", i % 3));
    r
}

fn lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    fs::write(path, lines.concat()).unwrap();
}

fn verify(path: &Path) -> ChainReport {
    verify_log(path, VerifyOptions::default()).unwrap()
}

fn log_of(n: u64) -> (tempfile::TempDir, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    for i in 1..=n {
        log.append(rec(i), None).unwrap();
    }
    (dir, log)
}

#[test]
fn appends_chain_and_verify() {
    let (_dir, log) = log_of(5);
    let last = log.append(rec(6), None).unwrap();
    assert_eq!(last.seq, 6);
    let report = verify(log.path());
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 6);
    assert_eq!(
        report.head,
        Some(Anchor {
            seq: 6,
            line_hash: last.line_hash
        })
    );
    let first: Record = serde_json::from_slice(&lines(log.path())[0]).unwrap();
    assert_eq!((first.seq, first.prev.as_str()), (1, GENESIS));
    // An anchor round-trips through its text form and pins the log.
    let anchor: Anchor = last.anchor().to_string().parse().unwrap();
    let opts = VerifyOptions {
        anchors: vec![anchor],
        ..VerifyOptions::default()
    };
    assert!(verify_log(log.path(), opts).unwrap().is_intact());
}

#[test]
fn an_empty_log_is_intact_and_a_missing_one_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    assert!(matches!(
        verify_log(&path, VerifyOptions::default()),
        Err(VerifyError::Read { .. })
    ));
    fs::write(&path, b"").unwrap();
    let report = verify(&path);
    assert!(report.is_intact());
    assert_eq!((report.records, report.head), (0, None));
}

#[test]
fn concurrent_appenders_keep_one_unbroken_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let (threads, each) = (8u64, 40u64);
    std::thread::scope(|s| {
        for t in 0..threads {
            let log = AuditLog::new(&path);
            s.spawn(move || {
                for i in 0..each {
                    log.append(rec(t * 1000 + i), None).unwrap();
                }
            });
        }
    });
    let report = verify(&path);
    assert!(report.is_intact(), "{:?}", report.broken);
    assert_eq!(report.records, threads * each);
    assert_eq!(report.head.unwrap().seq, threads * each);
}

fn broken(path: &Path) -> Break {
    verify(path).broken.expect("the log should be broken")
}

#[test]
fn edits_removals_reorders_and_insertions_are_named_by_line() {
    let (dir, log) = log_of(6);
    let original = lines(log.path());
    let path = dir.path().join("t.jsonl");

    // Edited: one character of line 3.
    let mut l = original.clone();
    let at = l[2].windows(4).position(|w| w == b"env-").unwrap();
    l[2][at] = b'f';
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!((b.line, b.kind), (3, BreakKind::Edited), "{b}");

    // Removed: line 3 gone.
    let mut l = original.clone();
    l.remove(2);
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!((b.line, b.kind), (3, BreakKind::Removed), "{b}");
    assert!(b.message.contains("from 2 to 4"), "{b}");

    // Removed from the start.
    write_lines(&path, &original[2..]);
    assert_eq!(broken(&path).kind, BreakKind::Removed);

    // Reordered: lines 3 and 4 swapped.
    let mut l = original.clone();
    l.swap(2, 3);
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!(b.line, 3, "{b}");
    let mut l = original.clone();
    l.swap(4, 2);
    write_lines(&path, &l);
    assert_eq!(broken(&path).line, 3);

    // Duplicated: line 2 again after line 4.
    let mut l = original.clone();
    l.insert(4, original[1].clone());
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!((b.line, b.kind), (5, BreakKind::Reordered), "{b}");

    // Inserted: a forged record that is valid on its own, chained to line 2, seq 3.
    let forged_dir = tempfile::tempdir().unwrap();
    let forged_log = AuditLog::new(forged_dir.path().join("f.jsonl"));
    fs::write(
        forged_log.path(),
        [original[0].clone(), original[1].clone()].concat(),
    )
    .unwrap();
    forged_log.append(rec(99), None).unwrap();
    let forged = lines(forged_log.path())[2].clone();
    let mut l = original.clone();
    l.insert(2, forged.clone());
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!((b.line, b.kind), (4, BreakKind::Reordered), "{b}");

    // Replaced: the forged record instead of line 3: line 4 no longer chains.
    let mut l = original.clone();
    l[2] = forged;
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!((b.line, b.kind), (4, BreakKind::ChainBroken), "{b}");

    // Invalid JSON.
    let mut l = original.clone();
    l[1] = b"{not json\n".to_vec();
    write_lines(&path, &l);
    let b = broken(&path);
    assert_eq!((b.line, b.kind), (2, BreakKind::InvalidJson), "{b}");
}

#[test]
fn whole_trailing_records_removed_are_caught_only_by_an_anchor() {
    let (dir, log) = log_of(4);
    let head = verify(log.path()).head.unwrap();
    let original = lines(log.path());
    let path = dir.path().join("t.jsonl");
    write_lines(&path, &original[..3]);
    assert!(
        verify(&path).is_intact(),
        "without an anchor, a cut at a line end is invisible"
    );
    let with_anchor = |anchors| {
        verify_log(
            &path,
            VerifyOptions {
                anchors,
                ..VerifyOptions::default()
            },
        )
        .unwrap()
        .broken
        .unwrap()
    };
    let b = with_anchor(vec![head]);
    assert_eq!((b.line, b.kind), (4, BreakKind::AnchorMissing), "{b}");
    // An anchor for a record that is there but different.
    let other = Anchor {
        seq: 2,
        line_hash: crate::hash::Sha256Digest::of(b"x"),
    };
    assert_eq!(with_anchor(vec![other]).kind, BreakKind::AnchorMismatch);
}

#[test]
fn every_single_byte_change_in_a_log_is_detected() {
    let key = SigningKey::from_seed(&[3; 32], "test").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    log.append(rec(1), None).unwrap();
    log.append(rec(2), Some(&key)).unwrap();
    log.append(rec(3), None).unwrap();
    let original = fs::read(log.path()).unwrap();
    let path = dir.path().join("t.jsonl");
    for i in 0..original.len() {
        let mut bytes = original.clone();
        bytes[i] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        assert!(
            !verify(&path).is_intact(),
            "byte {i} ({:?}) ^ 0x01 went unnoticed",
            char::from(original[i])
        );
    }
}

#[test]
fn a_torn_tail_stops_appends_until_repaired() {
    let (_dir, log) = log_of(3);
    let good = fs::read(log.path()).unwrap();
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .unwrap();
    f.write_all(b"{\"v\":1,\"seq\":4,\"time\":\"2026-").unwrap();
    drop(f);
    let b = broken(log.path());
    assert_eq!((b.line, b.kind), (4, BreakKind::Truncated), "{b}");

    let err = log.append(rec(4), None).unwrap_err();
    assert!(
        matches!(
            err,
            AppendError::Torn {
                line: 4,
                bytes: 28,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("audit.jsonl")
            && msg.contains("line 4")
            && msg.contains("gatepass audit repair"),
        "{msg}"
    );

    let time = "2026-11-24T15:00:00Z".parse().unwrap();
    let repaired = log.repair(time, actor(), None).unwrap();
    assert_eq!(
        (repaired.line, repaired.bytes, repaired.record.seq),
        (4, 28, 4)
    );
    assert_eq!(
        fs::read(&repaired.moved_to).unwrap(),
        b"{\"v\":1,\"seq\":4,\"time\":\"2026-"
    );
    assert!(
        repaired
            .moved_to
            .to_string_lossy()
            .ends_with("audit.jsonl.torn-20261124T150000Z")
    );
    let after = fs::read(log.path()).unwrap();
    assert!(after.starts_with(&good), "the intact records are untouched");
    let report = verify(log.path());
    assert!(report.is_intact(), "{:?}", report.broken);
    let last: Record = serde_json::from_slice(lines(log.path()).last().unwrap()).unwrap();
    assert_eq!(
        (last.command, last.decision),
        (Command::Repair, Verdict::Repaired)
    );
    let repair = last.repair.unwrap();
    assert_eq!(repair.bytes, 28);
    assert!(repair.moved_to.starts_with("audit.jsonl.torn-"));
    assert_eq!(log.append(rec(5), None).unwrap().seq, 5);
    assert!(matches!(
        log.repair(time, actor(), None),
        Err(RepairError::NothingToRepair { .. })
    ));
}

#[test]
fn a_log_that_is_only_a_torn_line_repairs_to_a_fresh_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    fs::write(log.path(), b"{\"v\":1").unwrap();
    let repaired = log
        .repair("2026-11-24T15:00:00Z".parse().unwrap(), actor(), None)
        .unwrap();
    assert_eq!((repaired.line, repaired.record.seq), (1, 1));
    assert!(verify(log.path()).is_intact());
}

#[test]
fn a_complete_bad_last_line_needs_a_person() {
    let (_dir, log) = log_of(2);
    let mut l = lines(log.path());
    let at = l[1].len() - 10;
    l[1][at] ^= 1;
    write_lines(log.path(), &l);
    let err = log.append(rec(3), None).unwrap_err();
    assert!(matches!(err, AppendError::BadTail { line: 2, .. }), "{err}");
    assert!(err.to_string().contains("not a crash artifact"), "{err}");
    let err = log
        .repair("2026-11-24T15:00:00Z".parse().unwrap(), actor(), None)
        .unwrap_err();
    assert!(
        matches!(err, RepairError::NotRepairable { line: 2, .. }),
        "{err}"
    );
    assert_eq!(lines(log.path()), l, "nothing changed");
}

#[test]
fn appending_into_a_missing_directory_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("absent/audit.jsonl"));
    let err = log.append(rec(1), None).unwrap_err();
    assert!(
        matches!(
            err,
            AppendError::Io {
                operation: "open",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("was not recorded"));
}

#[test]
fn signatures_are_checked_against_the_key_set() {
    let key = SigningKey::from_seed(&[5; 32], "gate").unwrap();
    let other = SigningKey::from_seed(&[6; 32], "other").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    log.append(rec(1), Some(&key)).unwrap();
    log.append(rec(2), Some(&key)).unwrap();
    let opts = |keys: Option<Jwks>, require| VerifyOptions {
        keys,
        require_signatures: require,
        ..VerifyOptions::default()
    };
    let jwks = Jwks::from_keys([key.public_key().clone()]);
    let r = verify_log(log.path(), opts(Some(jwks.clone()), true)).unwrap();
    assert!(r.is_intact() && r.signatures_checked, "{r:?}");
    assert_eq!(r.signed, 2);
    let wrong = Jwks::from_keys([other.public_key().clone()]);
    let b = verify_log(log.path(), opts(Some(wrong), false))
        .unwrap()
        .broken
        .unwrap();
    assert_eq!((b.line, b.kind), (1, BreakKind::UnknownKey));
    log.append(rec(3), None).unwrap();
    let b = verify_log(log.path(), opts(Some(jwks.clone()), true))
        .unwrap()
        .broken
        .unwrap();
    assert_eq!((b.line, b.kind), (3, BreakKind::Unsigned));
    assert!(
        verify_log(log.path(), opts(Some(jwks.clone()), false))
            .unwrap()
            .is_intact()
    );

    // A signature altered and the line re-hashed: intact as a chain, refused by the key.
    let mut l = lines(log.path());
    let text = String::from_utf8(l[0].clone()).unwrap();
    let cut = text.rfind(",\"hash\":\"").unwrap();
    let mut prefix = text[..cut].to_owned();
    let v = prefix.rfind("\"value\":\"").unwrap() + 9;
    let c = if &prefix[v..=v] == "A" { "B" } else { "A" };
    prefix.replace_range(v..=v, c);
    let rehashed = format!(
        "{prefix},\"hash\":\"{}\"}}\n",
        crate::hash::Sha256Digest::of(prefix.as_bytes()).to_hex()
    );
    l[0] = rehashed.into_bytes();
    write_lines(log.path(), &l[..1]);
    assert!(
        verify(log.path()).is_intact(),
        "no keys: the chain alone cannot tell"
    );
    let b = verify_log(log.path(), opts(Some(jwks), false))
        .unwrap()
        .broken
        .unwrap();
    assert_eq!((b.line, b.kind), (1, BreakKind::BadSignature), "{b}");

    // A record re-signed by another key and re-hashed, chained correctly: only the key set
    // tells it apart.
    let forged_dir = tempfile::tempdir().unwrap();
    let forged = AuditLog::new(forged_dir.path().join("f.jsonl"));
    forged.append(rec(1), Some(&other)).unwrap();
    let jwks_both = Jwks::from_keys([key.public_key().clone(), other.public_key().clone()]);
    assert!(
        verify_log(forged.path(), opts(Some(jwks_both), true))
            .unwrap()
            .is_intact()
    );
}

#[test]
fn ready_reports_the_state_of_the_tail_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    assert_eq!(log.ready().unwrap(), 0);
    log.append(rec(1), None).unwrap();
    log.append(rec(2), None).unwrap();
    assert_eq!(log.ready().unwrap(), 2);
    let before = fs::read(log.path()).unwrap();
    fs::write(log.path(), &before[..before.len() - 3]).unwrap();
    assert!(matches!(
        log.ready(),
        Err(AppendError::Torn { line: 2, .. })
    ));
    assert!(matches!(
        AuditLog::new(dir.path().join("no/such/dir.jsonl")).ready(),
        Err(AppendError::Io { .. })
    ));
}

#[test]
fn repairs_in_the_same_second_never_overwrite_moved_bytes() {
    let (_dir, log) = log_of(1);
    let time = "2026-11-24T15:00:00Z".parse().unwrap();
    let mut moved = Vec::new();
    for torn in [&b"{\"v\":1,"[..], &b"{\"v\":"[..]] {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap();
        f.write_all(torn).unwrap();
        drop(f);
        let r = log.repair(time, actor(), None).unwrap();
        assert_eq!(fs::read(&r.moved_to).unwrap(), torn);
        moved.push(r.moved_to);
    }
    assert_ne!(moved[0], moved[1]);
    assert!(moved[1].to_string_lossy().ends_with("T150000Z-2"));
    assert_eq!(verify(log.path()).records, 3);
}

/// Appends `rec(i)` as a record of `command`.
fn rec_of(i: u64, command: Command) -> Record {
    let mut r = rec(i);
    r.command = command;
    r
}

/// Rewrites line `n` (1-based) of `path` with `edit` applied to its body, recomputing its
/// `hash` and the `prev` of the line after it (when there is one).
fn rehash_line(path: &Path, n: usize, edit: impl Fn(String) -> String) {
    let mut l = lines(path);
    let text = String::from_utf8(l[n - 1].clone()).unwrap();
    let body = edit(text[..text.rfind(",\"hash\":\"").unwrap()].to_owned());
    let line = format!(
        "{body},\"hash\":\"{}\"}}",
        crate::hash::Sha256Digest::of(body.as_bytes()).to_hex()
    );
    l[n - 1] = format!("{line}\n").into_bytes();
    assert!(n == l.len(), "only the last line, to keep the chain simple");
    write_lines(path, &l);
}

#[test]
fn with_keys_an_issue_record_must_be_signed() {
    let key = SigningKey::from_seed(&[5; 32], "gate").unwrap();
    let jwks = Jwks::from_keys([key.public_key().clone()]);
    let with_keys = || VerifyOptions {
        keys: Some(jwks.clone()),
        ..VerifyOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    // Unsigned check, verify, validate and repair records are fine: those commands sign only
    // when an audit key is configured.
    for (i, c) in [
        Command::Check,
        Command::Verify,
        Command::Validate,
        Command::Repair,
    ]
    .into_iter()
    .enumerate()
    {
        log.append(rec_of(i as u64 + 1, c), None).unwrap();
    }
    log.append(rec_of(5, Command::Issue), Some(&key)).unwrap();
    assert!(verify_log(log.path(), with_keys()).unwrap().is_intact());
    // An unsigned issue record: refused with keys, counted without.
    log.append(rec_of(6, Command::Issue), None).unwrap();
    assert!(verify(log.path()).is_intact());
    let b = verify_log(log.path(), with_keys()).unwrap().broken.unwrap();
    assert_eq!((b.line, b.kind), (6, BreakKind::Unsigned), "{b}");
    assert!(b.message.contains("signature was removed"), "{b}");

    // The command spelled with a JSON escape is still `issue`; a name this build does not
    // know is treated as always signed.
    for spelled in [r#""command":"iss\u0075e""#, r#""command":"deploy""#] {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("audit.jsonl"));
        log.append(rec_of(1, Command::Check), None).unwrap();
        rehash_line(log.path(), 1, |body| {
            body.replacen(r#""command":"check""#, spelled, 1)
        });
        assert!(verify(log.path()).is_intact(), "{spelled}");
        let b = verify_log(log.path(), with_keys()).unwrap().broken.unwrap();
        assert_eq!((b.line, b.kind), (1, BreakKind::Unsigned), "{spelled}");
    }
    // Without a command at all, not a record.
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    log.append(rec_of(1, Command::Check), None).unwrap();
    rehash_line(log.path(), 1, |body| {
        body.replacen(r#""command":"check","#, "", 1)
    });
    assert_eq!(
        verify(log.path()).broken.map(|b| b.kind),
        Some(BreakKind::NotARecord)
    );
}

#[test]
fn every_anchor_on_one_record_is_checked() {
    let (_dir, log) = log_of(3);
    let head = verify(log.path()).head.unwrap();
    let wrong = Anchor {
        seq: head.seq,
        line_hash: crate::hash::Sha256Digest::of(b"not it"),
    };
    for anchors in [vec![head, wrong], vec![wrong, head]] {
        let b = verify_log(
            log.path(),
            VerifyOptions {
                anchors,
                ..VerifyOptions::default()
            },
        )
        .unwrap()
        .broken
        .unwrap();
        assert_eq!((b.line, b.kind), (3, BreakKind::AnchorMismatch), "{b}");
    }
}

#[test]
fn checkpoints_hold_the_log_to_its_signed_head() {
    let key = SigningKey::from_seed(&[5; 32], "gate").unwrap();
    let jwks = Jwks::from_keys([key.public_key().clone()]);
    let (dir, log) = log_of(4);
    let report = verify(log.path());
    let checkpoint = Checkpoint {
        head: report.head.unwrap(),
        origin: report.first.unwrap().line_hash,
        iat: 1_790_000_000,
    };
    let jws = sign_checkpoint(&key, &checkpoint).unwrap();
    let verified = verify_checkpoint(&jws, &jwks).unwrap();
    assert_eq!(verified.checkpoint, checkpoint);
    let holds = |path: &Path| {
        verify_log(
            path,
            VerifyOptions {
                checkpoints: vec![checkpoint.clone()],
                ..VerifyOptions::default()
            },
        )
        .unwrap()
    };
    let r = holds(log.path());
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(r.checkpoints_checked, 1);
    log.append(rec(5), None).unwrap();
    assert!(holds(log.path()).is_intact(), "appends after it are fine");

    let t = dir.path().join("t.jsonl");
    let original = lines(log.path());
    write_lines(&t, &original[..3]);
    let b = holds(&t).broken.unwrap();
    assert_eq!((b.line, b.kind), (4, BreakKind::CheckpointMissing), "{b}");
    // Another log with as many records.
    let other_log = AuditLog::new(dir.path().join("o.jsonl"));
    for i in 11..=15 {
        other_log.append(rec(i), None).unwrap();
    }
    let b = holds(other_log.path()).broken.unwrap();
    assert_eq!((b.line, b.kind), (1, BreakKind::CheckpointMismatch), "{b}");
    // A fork: the first three records kept, record 4 another.
    let forked = AuditLog::new(&t);
    write_lines(&t, &original[..3]);
    forked.append(rec(40), None).unwrap();
    let b = holds(&t).broken.unwrap();
    assert_eq!((b.line, b.kind), (4, BreakKind::CheckpointMismatch), "{b}");
}
