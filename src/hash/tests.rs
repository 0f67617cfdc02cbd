#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use super::*;

const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const HELLO_NL: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, bytes).unwrap();
}

/// Deterministic, non-repeating-looking content of any length.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn one(target: HashTarget) -> Result<PathDigest, HashError> {
    let mut results = hash_all(&[target], &NoProgress);
    assert_eq!(results.len(), 1);
    results.pop().unwrap()
}

#[test]
fn digest_of_empty_string_is_the_known_value() {
    assert_eq!(Sha256Digest::of(b"").to_hex(), EMPTY);
}

#[test]
fn parse_round_trips_and_rejects_uppercase_and_short() {
    let d = Sha256Digest::of(b"test");
    assert_eq!(d.prefixed().parse::<Sha256Digest>(), Ok(d));
    assert_eq!(d.to_hex().parse::<Sha256Digest>(), Ok(d));
    assert!(d.to_hex().to_uppercase().parse::<Sha256Digest>().is_err());
    assert!("sha256:abcd".parse::<Sha256Digest>().is_err());
}

#[test]
fn one_hex_decoder_for_the_bare_and_the_prefixed_form() {
    let d = Sha256Digest::of(b"test");
    assert_eq!(Sha256Digest::from_hex(&d.to_hex()), Ok(d));
    assert_eq!(Sha256Digest::from_prefixed(&d.prefixed()), Ok(d));
    // Each form is exactly itself: no prefix where none belongs, one prefix where one does.
    assert!(Sha256Digest::from_hex(&d.prefixed()).is_err());
    assert!(Sha256Digest::from_prefixed(&d.to_hex()).is_err());
    assert!(Sha256Digest::from_prefixed(&format!("sha256:{}", d.prefixed())).is_err());
    let mut wrong = d.to_hex();
    wrong.replace_range(63.., "g");
    assert!(Sha256Digest::from_hex(&wrong).is_err());
    assert!(Sha256Digest::from_hex(&d.to_hex().to_uppercase()).is_err());
    assert!(Sha256Digest::from_hex(&d.to_hex()[..62]).is_err());
}

#[test]
fn files_hash_to_their_known_answers() {
    let dir = tempfile::tempdir().unwrap();
    let abc = dir.path().join("abc");
    let empty = dir.path().join("empty");
    write(&abc, "abc");
    write(&empty, "");

    assert_eq!(sha256_file(&abc).unwrap().to_hex(), ABC);
    assert_eq!(sha256_file(&empty).unwrap().to_hex(), EMPTY);
    let hashed = hash_path(&abc, &NoProgress).unwrap();
    assert_eq!(hashed.digest.to_hex(), ABC);
    assert_eq!(hashed.bytes, 3);
    assert_eq!(hashed.kind, PathKind::File);
    let hashed = hash_path(&empty, &NoProgress).unwrap();
    assert_eq!((hashed.digest.to_hex().as_str(), hashed.bytes), (EMPTY, 0));
}

#[test]
fn files_spanning_many_chunks_hash_like_the_in_memory_digest() {
    let dir = tempfile::tempdir().unwrap();
    // Not a multiple of the chunk size, so the last read is partial.
    for len in [CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345] {
        let bytes = pattern(len, 7);
        let path = dir.path().join(format!("f{len}"));
        write(&path, &bytes);
        let hashed = hash_path(&path, &NoProgress).unwrap();
        assert_eq!(hashed.digest, Sha256Digest::of(&bytes), "length {len}");
        assert_eq!(hashed.bytes, u64::try_from(len).unwrap());
    }
}

#[test]
fn directory_digest_is_the_sha256_of_its_sorted_sha256sum_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("model");
    write(&root.join("b.txt"), "abc");
    write(&root.join("a/x"), "");
    write(&root.join("a.b"), "hello\n");
    fs::create_dir_all(root.join("empty/nested")).unwrap();

    // Sorted as whole paths in bytes: "a.b" (0x2e) before "a/x" (0x2f); sorting by components would put "a/x"
    // first. The empty directories contribute nothing.
    let manifest = format!("{HELLO_NL}  a.b\n{EMPTY}  a/x\n{ABC}  b.txt\n");
    let hashed = hash_path(&root, &NoProgress).unwrap();
    assert_eq!(hashed.digest, Sha256Digest::of(manifest.as_bytes()));
    assert_eq!(
        hashed.digest.to_hex(),
        "9a33b66c6367ffedb61ce6a1ef5843b117ae87f812aebd79980a706ed8a46d59"
    );
    assert_eq!(hashed.bytes, 9);
    assert_eq!(hashed.kind, PathKind::Directory { files: 3 });
}

#[test]
fn directory_digest_ignores_location_and_changes_with_content_or_names() {
    let dir = tempfile::tempdir().unwrap();
    let one_dir = dir.path().join("one");
    let other = dir.path().join("elsewhere/two");
    for root in [&one_dir, &other] {
        write(&root.join("w/weights.bin"), pattern(1000, 1));
        write(&root.join("config.json"), "{}");
    }
    let a = hash_path(&one_dir, &NoProgress).unwrap().digest;
    assert_eq!(a, hash_path(&other, &NoProgress).unwrap().digest);

    write(&other.join("config.json"), "{ }");
    let b = hash_path(&other, &NoProgress).unwrap().digest;
    assert_ne!(a, b);

    write(&other.join("config.json"), "{}");
    fs::rename(other.join("config.json"), other.join("config2.json")).unwrap();
    let c = hash_path(&other, &NoProgress).unwrap().digest;
    assert_ne!(a, c);
}

#[test]
fn empty_directory_has_the_empty_manifest_and_reports_no_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("d/sub")).unwrap();
    let hashed = hash_path(&dir.path().join("d"), &NoProgress).unwrap();
    assert_eq!(hashed.digest.to_hex(), EMPTY);
    assert_eq!(hashed.kind, PathKind::Directory { files: 0 });
    assert_eq!(hashed.bytes, 0);
}

#[test]
fn parallel_batch_equals_sequential_and_keeps_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut targets = Vec::new();
    for i in 0..24u8 {
        let path = dir.path().join(format!("f{i}"));
        // Varied sizes so that the largest-first scheduling reorders the work.
        write(
            &path,
            pattern(usize::from(i) * 37_000 + usize::from(i % 3), i),
        );
        targets.push(HashTarget::file(path));
    }
    let tree = dir.path().join("tree");
    for i in 0..40u8 {
        write(
            &tree.join(format!("d{}/f{i}", i % 4)),
            pattern(usize::from(i) * 5000, i),
        );
    }
    targets.insert(5, HashTarget::file_or_directory(&tree));

    let sequential: Vec<PathDigest> = targets
        .iter()
        .map(|t| hash_path(&t.path, &NoProgress).unwrap())
        .collect();
    let parallel: Vec<PathDigest> = hash_all(&targets, &NoProgress)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(parallel, sequential);

    let reversed: Vec<HashTarget> = targets.iter().rev().cloned().collect();
    let mut parallel_reversed: Vec<PathDigest> = hash_all(&reversed, &NoProgress)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    parallel_reversed.reverse();
    assert_eq!(parallel_reversed, sequential);

    // And each file's digest is the plain SHA-256 of its bytes.
    for (t, d) in targets.iter().zip(&sequential) {
        if t.path.is_file() {
            assert_eq!(d.digest, Sha256Digest::of(&fs::read(&t.path).unwrap()));
        }
    }
}

#[test]
fn directory_manifest_matches_one_built_from_individual_file_digests() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let mut rels = Vec::new();
    for i in 0..30u8 {
        let rel = format!("{}/{}/file-{i}.bin", i % 3, i % 5);
        write(&tree.join(&rel), pattern(usize::from(i) * 1111, i));
        rels.push(rel);
    }
    rels.sort();
    let manifest: String = rels
        .iter()
        .map(|rel| format!("{}  {rel}\n", sha256_file(&tree.join(rel)).unwrap()))
        .collect();
    let hashed = hash_path(&tree, &NoProgress).unwrap();
    assert_eq!(hashed.digest, Sha256Digest::of(manifest.as_bytes()));
    assert_eq!(hashed.kind, PathKind::Directory { files: 30 });
}

#[derive(Default)]
struct Counting {
    starts: Mutex<Vec<u64>>,
    advanced: AtomicU64,
    finished: AtomicU64,
}

impl Progress for Counting {
    fn start(&self, total_bytes: u64) {
        self.starts.lock().unwrap().push(total_bytes);
    }
    fn advance(&self, bytes: u64) {
        self.advanced.fetch_add(bytes, Ordering::Relaxed);
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn progress_is_told_the_total_and_every_byte_once() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a"), pattern(3 * CHUNK + 5, 1));
    write(&dir.path().join("d/b"), pattern(1000, 2));
    write(&dir.path().join("d/c"), pattern(CHUNK, 3));
    let progress = Counting::default();
    let targets = [
        HashTarget::file(dir.path().join("a")),
        HashTarget::file_or_directory(dir.path().join("d")),
        HashTarget::file(dir.path().join("missing")),
    ];
    let results = hash_all(&targets, &progress);
    assert!(results[0].is_ok() && results[1].is_ok() && results[2].is_err());
    let total = u64::try_from(4 * CHUNK + 1005).unwrap();
    assert_eq!(*progress.starts.lock().unwrap(), vec![total]);
    assert_eq!(progress.advanced.load(Ordering::Relaxed), total);
    assert_eq!(progress.finished.load(Ordering::Relaxed), 1);
}

#[test]
fn stderr_progress_stays_silent_below_the_threshold() {
    let progress = StderrProgress::new();
    progress.start(StderrProgress::THRESHOLD - 1);
    assert!(progress.bar.get().is_none());
    progress.advance(10);
    progress.finish();
}

#[test]
fn missing_path_is_not_found_and_does_not_stop_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("ok"), "abc");
    let missing = dir.path().join("nope.onnx");
    let results = hash_all(
        &[
            HashTarget::file_or_directory(&missing),
            HashTarget::file(dir.path().join("ok")),
        ],
        &NoProgress,
    );
    let err = results[0].as_ref().unwrap_err();
    assert!(
        matches!(err, HashError::NotFound { path } if *path == missing),
        "{err:?}"
    );
    assert!(err.is_not_found());
    assert!(err.to_string().contains("nope.onnx"), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(results[1].as_ref().unwrap().digest.to_hex(), ABC);
}

#[test]
fn directory_where_a_file_is_expected_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("d/x"), "abc");
    let err = one(HashTarget::file(dir.path().join("d"))).unwrap_err();
    assert!(matches!(err, HashError::IsDirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("is a directory"), "{err}");
    assert!(matches!(
        sha256_file(&dir.path().join("d")),
        Err(HashError::IsDirectory { .. })
    ));
}

#[cfg(unix)]
mod unix {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::fs::{PermissionsExt as _, symlink};
    use std::process::Command;

    use super::*;

    fn mkfifo(path: &Path) {
        let status = Command::new("mkfifo").arg(path).status().unwrap();
        assert!(status.success());
    }

    #[test]
    fn fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        let err = one(HashTarget::file_or_directory(&fifo)).unwrap_err();
        assert!(
            matches!(&err, HashError::SpecialFile { path, kind: "FIFO" } if *path == fifo),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("is a FIFO, not a regular file"),
            "{err}"
        );

        // The race the open-time check closes: a job planned as a regular file that is a FIFO when opened.
        let job = Job {
            path: fifo.clone(),
            size: 0,
            in_directory: false,
        };
        let mut buf = vec![0u8; 16];
        let err = hash_file(&job, &mut buf, &NoProgress).err().unwrap();
        assert!(
            matches!(err, HashError::SpecialFile { kind: "FIFO", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn fifo_inside_a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("d/a"), "abc");
        let fifo = dir.path().join("d/sub/pipe");
        fs::create_dir_all(fifo.parent().unwrap()).unwrap();
        mkfifo(&fifo);
        let err = one(HashTarget::file_or_directory(dir.path().join("d"))).unwrap_err();
        assert!(
            matches!(&err, HashError::SpecialFile { path, kind: "FIFO" } if *path == fifo),
            "{err:?}"
        );
    }

    #[test]
    fn character_device_is_refused() {
        let err = one(HashTarget::file("/dev/null")).unwrap_err();
        assert!(
            matches!(
                err,
                HashError::SpecialFile {
                    kind: "character device",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn symlink_loop_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        symlink(&b, &a).unwrap();
        symlink(&a, &b).unwrap();
        let err = one(HashTarget::file_or_directory(&a)).unwrap_err();
        assert!(
            matches!(&err, HashError::SymlinkLoop { path } if *path == a),
            "{err:?}"
        );
        assert!(err.to_string().contains("symbolic link loop"), "{err}");
    }

    #[test]
    fn symlink_given_as_the_target_is_followed_and_dangling_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("real"), "abc");
        symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        symlink(dir.path().join("gone"), dir.path().join("dangling")).unwrap();
        let hashed = one(HashTarget::file(dir.path().join("link"))).unwrap();
        assert_eq!(hashed.digest.to_hex(), ABC);
        let err = one(HashTarget::file(dir.path().join("dangling"))).unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
    }

    #[test]
    fn symlinks_inside_a_directory_are_refused_even_looping_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("d");
        write(&root.join("real"), "abc");
        // A link to a file inside the directory, a loop back to the directory itself, and a link out of it.
        for (name, to) in [
            ("inside", root.join("real")),
            ("loop", root.clone()),
            ("escape", PathBuf::from("/etc/hostname")),
        ] {
            let sub = root.join("s");
            fs::create_dir_all(&sub).unwrap();
            let link = sub.join(name);
            symlink(&to, &link).unwrap();
            let err = one(HashTarget::file_or_directory(&root)).unwrap_err();
            assert!(
                matches!(&err, HashError::SymlinkInDirectory { path } if *path == link),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains("refuses links"), "{err}");
            fs::remove_file(&link).unwrap();
        }
        assert!(one(HashTarget::file_or_directory(&root)).is_ok());
    }

    #[test]
    fn file_swapped_for_a_symlink_after_the_walk_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("real"), "abc");
        let link = dir.path().join("link");
        symlink(dir.path().join("real"), &link).unwrap();
        let job = Job {
            path: link.clone(),
            size: 3,
            in_directory: true,
        };
        let mut buf = vec![0u8; 16];
        let err = hash_file(&job, &mut buf, &NoProgress).err().unwrap();
        assert!(
            matches!(&err, HashError::SymlinkInDirectory { path } if *path == link),
            "{err:?}"
        );
    }

    #[test]
    fn non_utf8_name_inside_a_directory_is_refused_and_shown_lossily() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("d");
        write(&root.join("ok"), "abc");
        let bad = root.join(OsStr::from_bytes(b"bad-\xff-name"));
        write(&bad, "x");
        let err = one(HashTarget::file_or_directory(&root)).unwrap_err();
        assert!(
            matches!(&err, HashError::NonUtf8Path { path } if *path == bad),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("bad-\u{fffd}-name"), "{message}");
        assert!(message.contains("not valid UTF-8"), "{message}");
    }

    #[test]
    fn non_utf8_path_given_as_a_file_target_is_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(OsStr::from_bytes(b"\xfe.bin"));
        write(&path, "abc");
        assert_eq!(one(HashTarget::file(path)).unwrap().digest.to_hex(), ABC);
    }

    #[test]
    fn newline_in_a_name_inside_a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("d");
        let bad = root.join("two\nlines");
        write(&bad, "abc");
        let err = one(HashTarget::file_or_directory(&root)).unwrap_err();
        assert!(
            matches!(&err, HashError::NewlineInName { path } if *path == bad),
            "{err:?}"
        );
        assert!(err.to_string().contains(r"two\nlines"), "{err}");
    }

    #[test]
    fn unreadable_file_is_a_read_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        write(&path, "abc");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
        if File::open(&path).is_ok() {
            // Running as root: permissions do not stop reads, so there is nothing to observe.
            return;
        }
        let err = one(HashTarget::file(&path)).unwrap_err();
        assert!(
            matches!(&err, HashError::Read { path: p, .. } if *p == path),
            "{err:?}"
        );
        assert!(err.to_string().contains("secret"), "{err}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn read_error_mid_file_is_reported_with_its_path() {
    // A "regular" file whose read fails (EIO at offset 0), observable even when tests run as root.
    let path = PathBuf::from("/proc/self/mem");
    let err = one(HashTarget::file(&path)).unwrap_err();
    assert!(
        matches!(&err, HashError::Read { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("cannot read /proc/self/mem: "),
        "{err}"
    );
    assert!(
        err.to_string().contains("check that it is readable"),
        "{err}"
    );
}
