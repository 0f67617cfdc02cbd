//! Streaming SHA-256 of artifact and evidence files and directories.
//!
//! Which function to use:
//! - [`hash_all`]: many files or directories at once, hashed in parallel on every core, results in input order.
//!   This is what a release uses.
//! - [`hash_path`]: one file or directory (for example a deploy target re-checking one artifact).
//! - [`sha256_file`]: one regular file; a directory is refused.
//! - [`Sha256Digest::of`]: bytes already in memory.
//!
//! A file's digest is the plain SHA-256 of its bytes, the same as `sha256sum` or `openssl dgst -sha256` print.
//! A directory's digest is the SHA-256 of a `sha256sum`-style manifest of the regular files under it; the exact
//! scheme is described on [`hash_all`] and in `docs/hashing.md`.
//!
//! Memory use is constant whatever the file sizes: every worker thread streams through one reused buffer of
//! [`CHUNK`] bytes. The `sha2` crate picks the SHA-NI (x86) or SHA2 (aarch64) instructions at run time.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Digest of an in-memory byte string.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        s
    }

    /// Parses exactly 64 lowercase hex characters, without a prefix: the one hex decoder of the crate.
    ///
    /// # Errors
    /// [`DigestParseError`] for any other length, or a character outside `0-9 a-f` (upper case included, so
    /// that one digest has one spelling).
    pub fn from_hex(hex: &str) -> Result<Self, DigestParseError> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return Err(DigestParseError);
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Ok(Self(out))
    }

    /// Parses the `sha256:<64 lowercase hex>` form, and only that.
    ///
    /// # Errors
    /// [`DigestParseError`] when the prefix is missing or the rest is not [`Sha256Digest::from_hex`].
    pub fn from_prefixed(text: &str) -> Result<Self, DigestParseError> {
        text.strip_prefix("sha256:")
            .ok_or(DigestParseError)
            .and_then(Self::from_hex)
    }

    /// The `sha256:<hex>` form used in tokens and decisions.
    pub fn prefixed(&self) -> String {
        format!("sha256:{}", self.to_hex())
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

/// A string that is not a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a SHA-256 digest: expected 64 lowercase hex characters, optionally prefixed with `sha256:`"
)]
pub struct DigestParseError;

impl FromStr for Sha256Digest {
    type Err = DigestParseError;

    /// Accepts `<64 lowercase hex>` or `sha256:<64 lowercase hex>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_hex(s.strip_prefix("sha256:").unwrap_or(s))
    }
}

fn nibble(c: u8) -> Result<u8, DigestParseError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(DigestParseError),
    }
}

/// A file or directory that could not be hashed. Every variant names the offending path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// Nothing exists at the path (or it is a symbolic link to nothing).
    #[error("{} does not exist; check the path (paths in a manifest are relative to the manifest's directory)", path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// The file or directory exists but could not be opened or read (permissions, I/O error).
    #[error("cannot read {}: {source}; check that it is readable by this user", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Resolving the path runs into a loop of symbolic links.
    #[error("{} is a symbolic link loop; point it at a real file or directory", path.display())]
    SymlinkLoop {
        /// The path whose resolution loops.
        path: PathBuf,
    },
    /// A symbolic link inside an artifact directory. Links there are refused: they could point outside the
    /// directory, change what is hashed without changing the directory, or loop.
    #[error(
        "{} is a symbolic link inside an artifact directory; gatepass refuses links there \
         (they can escape the directory or loop): replace it with the file it points to",
        path.display()
    )]
    SymlinkInDirectory {
        /// The link.
        path: PathBuf,
    },
    /// A name inside an artifact directory that is not valid UTF-8, so it cannot be written in the directory
    /// manifest. The path is shown lossily (invalid bytes as U+FFFD).
    #[error("{} has a name that is not valid UTF-8; rename it so the directory can be hashed", path.display())]
    NonUtf8Path {
        /// The offending path.
        path: PathBuf,
    },
    /// A name inside an artifact directory that contains a line feed, which would make the directory manifest
    /// ambiguous.
    #[error("{path:?} has a line feed in its name; rename it so the directory can be hashed")]
    NewlineInName {
        /// The offending path.
        path: PathBuf,
    },
    /// A FIFO, socket or device where a regular file is expected. Refused because reading a FIFO can block
    /// forever and a device has no fixed content.
    #[error("{} is a {kind}, not a regular file; point it at a regular file", path.display())]
    SpecialFile {
        /// The offending path.
        path: PathBuf,
        /// What it is: `FIFO`, `socket`, `block device`, `character device` or `special file`.
        kind: &'static str,
    },
    /// A directory where only a regular file is accepted (evidence, or [`sha256_file`]).
    #[error("{} is a directory, but a file is expected here; name a file inside it", path.display())]
    IsDirectory {
        /// The directory.
        path: PathBuf,
    },
}

impl HashError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::NotFound { path }
            | Self::Read { path, .. }
            | Self::SymlinkLoop { path }
            | Self::SymlinkInDirectory { path }
            | Self::NonUtf8Path { path }
            | Self::NewlineInName { path }
            | Self::SpecialFile { path, .. }
            | Self::IsDirectory { path } => path,
        }
    }

    /// Whether nothing exists at the path (as opposed to something unreadable being there).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

/// Bytes read per `read` call and the size of each worker's reused buffer: large enough to amortise the system
/// call, small enough to still be in the core's L2 cache when it is hashed after the kernel copied it there.
pub const CHUNK: usize = 128 << 10;

/// The buffer starts on a page boundary. The kernel copies file data out with `rep movsb`, which on AMD Zen
/// cores was measured four times slower into a destination 16 bytes past a page boundary (where `malloc` puts
/// large blocks) than into an aligned one: 0.6 s instead of 0.15 s of kernel time per GiB.
const BUFFER_ALIGN: usize = 4096;

/// What a path turned out to be when it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathKind {
    /// A regular file.
    File,
    /// A directory, hashed as the manifest of its regular files.
    Directory {
        /// How many regular files it holds, at any depth.
        files: u64,
    },
}

/// The digest of one hashed file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathDigest {
    /// The SHA-256 of the file, or of the directory's manifest.
    pub digest: Sha256Digest,
    /// Bytes hashed: the file's size, or the sum of the sizes of a directory's files.
    pub bytes: u64,
    /// File or directory.
    pub kind: PathKind,
}

/// One path to hash with [`hash_all`], and whether a directory is acceptable there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashTarget {
    /// The path. A symbolic link here is followed; links inside a directory are refused.
    pub path: PathBuf,
    /// Whether a directory is hashed (artifacts) or refused with [`HashError::IsDirectory`] (evidence).
    pub allow_directory: bool,
}

impl HashTarget {
    /// A path that must be a regular file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            allow_directory: false,
        }
    }

    /// A path that may be a regular file or a directory.
    pub fn file_or_directory(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            allow_directory: true,
        }
    }
}

/// Observes the progress of [`hash_all`]. Called from every worker thread, once per chunk read, so an
/// implementation must be cheap and thread-safe.
pub trait Progress: Sync {
    /// Called once before any byte is hashed, with the total size of all files about to be hashed.
    fn start(&self, total_bytes: u64) {
        let _ = total_bytes;
    }

    /// Called after each chunk with the number of bytes just hashed.
    fn advance(&self, bytes: u64);

    /// Called once when hashing is over, successful or not.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _bytes: u64) {}
}

/// A progress bar on stderr, shown only when stderr is a terminal and the batch holds at least
/// [`StderrProgress::THRESHOLD`] bytes; silent otherwise (CI logs, pipes, small releases).
#[cfg(feature = "gate")]
#[derive(Debug, Default)]
pub struct StderrProgress {
    bar: std::sync::OnceLock<indicatif::ProgressBar>,
}

#[cfg(feature = "gate")]
impl StderrProgress {
    /// Batches smaller than this hash in well under a second and show no bar.
    pub const THRESHOLD: u64 = 64 << 20;

    /// A progress reporter that decides in [`Progress::start`] whether to draw.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(feature = "gate")]
impl Progress for StderrProgress {
    fn start(&self, total_bytes: u64) {
        if total_bytes < Self::THRESHOLD || !std::io::IsTerminal::is_terminal(&io::stderr()) {
            return;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total_bytes),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "hashing [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        // A second `start` keeps the first bar; there is nothing useful to do with the extra one.
        let _ = self.bar.set(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar.get() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// SHA-256 of one regular file, streamed in constant memory. A directory, FIFO, socket or device is refused.
pub fn sha256_file(path: &Path) -> Result<Sha256Digest, HashError> {
    let mut results = hash_all(&[HashTarget::file(path)], &NoProgress);
    first(&mut results, path).map(|d| d.digest)
}

/// Digest of one regular file or directory (see [`hash_all`] for the directory scheme).
pub fn hash_path(path: &Path, progress: &dyn Progress) -> Result<PathDigest, HashError> {
    let mut results = hash_all(&[HashTarget::file_or_directory(path)], progress);
    first(&mut results, path)
}

fn first(
    results: &mut Vec<Result<PathDigest, HashError>>,
    path: &Path,
) -> Result<PathDigest, HashError> {
    results.pop().unwrap_or_else(|| Err(worker_lost(path)))
}

/// Hashes every target, spreading the files over all cores, and returns one result per target in input order.
///
/// Every regular file to hash (a target that is a file, and every file inside a target that is a directory)
/// becomes one job; jobs are handed out largest first to [`std::thread::available_parallelism`] workers, each
/// streaming its file through its own reused [`CHUNK`]-byte buffer. A single large file is read and hashed by one
/// core at full speed; many files keep every core busy. One failing target does not stop the others.
///
/// # Files
/// The digest is the SHA-256 of the file's bytes. A symbolic link given as the target is followed.
///
/// # Directories (when [`HashTarget::allow_directory`] is set)
/// 1. Every entry under the directory, at any depth, is examined without following links. A symbolic link is
///    refused ([`HashError::SymlinkInDirectory`]), a FIFO, socket or device is refused
///    ([`HashError::SpecialFile`]), a name that is not UTF-8 or contains a line feed is refused. Subdirectories
///    are descended into; empty subdirectories contribute nothing.
/// 2. Each regular file's path relative to the directory is written with `/` between components, and the files
///    are sorted by that path as UTF-8 bytes (as `LC_ALL=C sort` does).
/// 3. The manifest is, for each file in that order, the line `<64 lowercase hex SHA-256>  <relative path>\n`
///    (two spaces, as `sha256sum` prints).
/// 4. The directory digest is the SHA-256 of the manifest. A directory without any file has the empty manifest,
///    whose digest is that of an empty file; [`PathKind::Directory`] reports `files: 0` so callers can flag it.
///
/// The directory's name and location, timestamps and permissions are not part of the digest.
pub fn hash_all(
    targets: &[HashTarget],
    progress: &dyn Progress,
) -> Vec<Result<PathDigest, HashError>> {
    let mut jobs = Vec::new();
    let plans: Vec<Plan> = targets.iter().map(|t| plan(t, &mut jobs)).collect();

    progress.start(jobs.iter().map(|j| j.size).sum());
    let mut done = run_jobs(&jobs, progress);
    progress.finish();

    let mut take = |i: usize| -> Result<FileDigest, HashError> {
        match done.get_mut(i).and_then(Option::take) {
            Some(result) => result,
            None => Err(worker_lost(jobs.get(i).map_or(Path::new(""), |j| &j.path))),
        }
    };
    plans
        .into_iter()
        .map(|plan| match plan {
            Plan::Failed(e) => Err(e),
            Plan::File(job) => take(job).map(|f| PathDigest {
                digest: f.digest,
                bytes: f.bytes,
                kind: PathKind::File,
            }),
            Plan::Directory(files) => {
                let mut manifest = Sha256::new();
                let mut bytes = 0u64;
                // Every job is taken even after an error, so the first failing file in manifest order is reported.
                let mut first_err = None;
                for (rel, job) in &files {
                    match take(*job) {
                        Ok(f) => {
                            bytes = bytes.saturating_add(f.bytes);
                            manifest.update(f.digest.to_hex().as_bytes());
                            manifest.update(b"  ");
                            manifest.update(rel.as_bytes());
                            manifest.update(b"\n");
                        }
                        Err(e) => {
                            first_err.get_or_insert(e);
                        }
                    }
                }
                match first_err {
                    Some(e) => Err(e),
                    None => Ok(PathDigest {
                        digest: Sha256Digest(manifest.finalize().into()),
                        bytes,
                        kind: PathKind::Directory {
                            files: u64::try_from(files.len()).unwrap_or(u64::MAX),
                        },
                    }),
                }
            }
        })
        .collect()
}

/// One regular file to stream.
struct Job {
    path: PathBuf,
    /// Size when planned; only orders the work and sizes the progress bar.
    size: u64,
    /// Found by walking a directory: must not be a symbolic link when opened.
    in_directory: bool,
}

/// How one target maps onto jobs.
enum Plan {
    Failed(HashError),
    File(usize),
    /// Relative path and job of every file, sorted by relative path.
    Directory(Vec<(String, usize)>),
}

struct FileDigest {
    digest: Sha256Digest,
    bytes: u64,
}

fn plan(target: &HashTarget, jobs: &mut Vec<Job>) -> Plan {
    let path = &target.path;
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return Plan::Failed(open_error(path, e, false)),
    };
    let file_type = meta.file_type();
    if file_type.is_file() {
        jobs.push(Job {
            path: path.clone(),
            size: meta.len(),
            in_directory: false,
        });
        Plan::File(jobs.len() - 1)
    } else if file_type.is_dir() {
        if !target.allow_directory {
            return Plan::Failed(HashError::IsDirectory { path: path.clone() });
        }
        match walk(path) {
            Ok(files) => Plan::Directory(
                files
                    .into_iter()
                    .map(|(rel, path, size)| {
                        jobs.push(Job {
                            path,
                            size,
                            in_directory: true,
                        });
                        (rel, jobs.len() - 1)
                    })
                    .collect(),
            ),
            Err(e) => Plan::Failed(e),
        }
    } else {
        Plan::Failed(not_regular(path, &file_type))
    }
}

/// Every regular file under `root` as (relative path, path, size), sorted by relative path; refuses links, special
/// files and unrepresentable names. Entries are visited in name order so the error reported is deterministic.
fn walk(root: &Path) -> Result<Vec<(String, PathBuf, u64)>, HashError> {
    let mut files = Vec::new();
    // An explicit stack: no recursion depth limit, and without links the walk cannot loop.
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let read_err = |source| HashError::Read {
            path: dir.clone(),
            source,
        };
        let mut entries = fs::read_dir(&dir)
            .map_err(read_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_err)?;
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for entry in entries {
            let path = entry.path();
            let Ok(name) = entry.file_name().into_string() else {
                return Err(HashError::NonUtf8Path { path });
            };
            if name.contains('\n') {
                return Err(HashError::NewlineInName { path });
            }
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let file_type = entry.file_type().map_err(|source| HashError::Read {
                path: path.clone(),
                source,
            })?;
            if file_type.is_symlink() {
                return Err(HashError::SymlinkInDirectory { path });
            } else if file_type.is_dir() {
                subdirs.push((path, rel));
            } else if file_type.is_file() {
                // Not following links; the entry is known not to be one.
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                files.push((rel, path, size));
            } else {
                return Err(not_regular(&path, &file_type));
            }
        }
        // Reversed so that the stack pops subdirectories in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    files.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(files)
}

/// Runs every job on up to `available_parallelism` threads; the result of job `i` is at index `i`.
fn run_jobs(jobs: &[Job], progress: &dyn Progress) -> Vec<Option<Result<FileDigest, HashError>>> {
    let mut slots: Vec<Option<Result<FileDigest, HashError>>> = Vec::new();
    slots.resize_with(jobs.len(), || None);
    if jobs.is_empty() {
        return slots;
    }
    // Largest first, so that one big file started last does not leave the other cores idle at the end.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| jobs[b].size.cmp(&jobs[a].size));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut storage = vec![0u8; CHUNK + BUFFER_ALIGN];
        let start = match storage.as_ptr().align_offset(BUFFER_ALIGN) {
            offset if offset < BUFFER_ALIGN => offset,
            _ => 0,
        };
        let buf = &mut storage[start..start + CHUNK];
        let mut out = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            out.push((i, hash_file(&jobs[i], buf, progress)));
        }
        out
    };
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(jobs.len());
    let finished = thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers)
            .filter_map(|n| {
                // If a thread cannot be spawned the remaining workers (at least this one) take its share.
                thread::Builder::new()
                    .name(format!("gatepass-hash-{n}"))
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        let mut finished = work();
        for helper in helpers {
            // A helper that died leaves its jobs empty; they are reported as errors below, never as digests.
            if let Ok(out) = helper.join() {
                finished.extend(out);
            }
        }
        finished
    });
    for (i, result) in finished {
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(result);
        }
    }
    slots
}

fn hash_file(job: &Job, buf: &mut [u8], progress: &dyn Progress) -> Result<FileDigest, HashError> {
    let mut file = open_regular(&job.path, job.in_directory)?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    loop {
        match file.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                let n = u64::try_from(n).unwrap_or(u64::MAX);
                bytes = bytes.saturating_add(n);
                progress.advance(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(HashError::Read {
                    path: job.path.clone(),
                    source,
                });
            }
        }
    }
    Ok(FileDigest {
        digest: Sha256Digest(hasher.finalize().into()),
        bytes,
    })
}

/// Opens `path` for reading and checks, on the open handle, that it is a regular file. The type check after
/// opening closes the race with a file swapped for a FIFO after [`plan`]; opening non-blocking means such a FIFO
/// cannot hang the open itself. Inside a directory the last component must not be a link.
fn open_regular(path: &Path, in_directory: bool) -> Result<File, HashError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut flags = libc::O_NONBLOCK;
        if in_directory {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = options
        .open(path)
        .map_err(|e| open_error(path, e, in_directory))?;
    let file_type = file
        .metadata()
        .map_err(|source| HashError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .file_type();
    if file_type.is_file() {
        Ok(file)
    } else if file_type.is_dir() {
        Err(HashError::IsDirectory {
            path: path.to_path_buf(),
        })
    } else {
        Err(not_regular(path, &file_type))
    }
}

fn open_error(path: &Path, source: io::Error, in_directory: bool) -> HashError {
    let path = path.to_path_buf();
    if source.kind() == io::ErrorKind::NotFound {
        return HashError::NotFound { path };
    }
    #[cfg(unix)]
    if source.raw_os_error() == Some(libc::ELOOP) {
        // With O_NOFOLLOW, ELOOP means the file became a link after the directory walk.
        return if in_directory {
            HashError::SymlinkInDirectory { path }
        } else {
            HashError::SymlinkLoop { path }
        };
    }
    let _ = in_directory;
    HashError::Read { path, source }
}

fn not_regular(path: &Path, file_type: &fs::FileType) -> HashError {
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            "FIFO"
        } else if file_type.is_socket() {
            "socket"
        } else if file_type.is_block_device() {
            "block device"
        } else if file_type.is_char_device() {
            "character device"
        } else {
            "special file"
        }
    };
    #[cfg(not(unix))]
    let kind = {
        let _ = file_type;
        "special file"
    };
    HashError::SpecialFile {
        path: path.to_path_buf(),
        kind,
    }
}

fn worker_lost(path: &Path) -> HashError {
    HashError::Read {
        path: path.to_path_buf(),
        source: io::Error::other("the hashing thread stopped before finishing this file"),
    }
}

#[cfg(test)]
mod tests;
