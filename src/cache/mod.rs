//! The build cache: a manifest of the last build's output files and a hash
//! of each one's bytes, kept beside the output folder (never in the content,
//! never in the published site). With it, a rebuild rewrites only the files
//! whose bytes changed, which is what keeps a one-file edit in a large
//! archive from rewriting (and making a file system re-allocate) every page.
//!
//! The manifest is keyed by everything that can change every page at once
//! (blotter's version, the theme, the configuration, the base URL); a
//! different key, or a missing or unreadable manifest, just means a clean
//! build. It is the one piece of state blotter reads and writes outside the
//! load and write stages, and it is disposable.
//!
//! Every cache file starts with a magic naming its format, then the length
//! and XXH3 checksum of everything after them; a file is decoded only once
//! both match, so a cache file cut short, grown or changed in place is a
//! miss (what it held is made again), never a wrong page. Files are
//! written whole through exclusively created temporaries, and one build at
//! a time uses the folder ([`lock`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod lock;
mod manifest;
pub mod stat;
pub mod units;

pub use manifest::{FileEntry, Manifest, OnDisk};

/// What a file's metadata says about its contents, as git's index and
/// cargo's fingerprints use it: equal stamps mean the file was not touched
/// (size, modification and change times, inode). The change time cannot be
/// set back by tools that restore modification times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    /// Modification time in nanoseconds since the epoch.
    pub modified: i128,
    pub changed: i128,
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (changed, inode) = (modified, 0);
        Stamp {
            len: meta.len(),
            modified,
            changed,
            inode,
        }
    }

    /// Whether the file was modified too close to `now` for its stamp to be
    /// trusted: a second write within the file system's timestamp
    /// granularity would leave the stamp as it is (git's "racy clean").
    pub fn is_recent(&self, now: i128) -> bool {
        let newest = self.modified.max(self.changed);
        // Sub-second timestamps (ext4, btrfs, APFS, NTFS) move every few
        // milliseconds; whole-second ones (FAT, HFS+) can stand for two.
        let window = if newest % 1_000_000_000 == 0 {
            2_000_000_000
        } else {
            100_000_000
        };
        now - newest < window
    }
}

/// Nanoseconds since the epoch, as stamps count them.
pub fn now_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// 64-bit FNV-1a: stable across runs, machines and blotter versions (unlike
/// std's randomised hasher). Hashed slugs use it, so permalinks depend on
/// it never changing. It takes a byte at a time: long inputs (pages,
/// release texts) go through [`content_hash`].
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Hash of a page's or a release text's bytes (64-bit XXH3): what tells a
/// rebuild that a file's bytes or a release's text changed. FNV-1a over
/// every byte of a 100,000-release build was a tenth of its CPU; XXH3
/// reads eight bytes and more at a time. Stored in the caches, whose magic
/// strings change with it.
pub fn content_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// What must be equal for the last build's output to be reused.
pub fn build_key(
    theme_fingerprint: u64,
    config: &impl std::fmt::Debug,
    base_url: Option<&str>,
) -> u64 {
    versioned_key(&(theme_fingerprint, config, base_url))
}

/// What must be equal for the parse cache's entries to be reused: the
/// settings that resolving a release depends on, and how its paths are
/// spelled in messages (the content folder as given, and for a relative
/// one, the folder it is relative to: an absolute one reads the same from
/// anywhere).
pub fn units_key(content: &Path, config: &impl std::fmt::Debug) -> u64 {
    units_key_from(
        content,
        &std::env::current_dir().unwrap_or_default(),
        config,
    )
}

fn units_key_from(content: &Path, cwd: &Path, config: &impl std::fmt::Debug) -> u64 {
    let cwd = (!content.is_absolute()).then_some(cwd);
    versioned_key(&(content, cwd, config))
}

/// A cache key: blotter's version, the executable's own stamp and `parts`,
/// hashed from their debug form. The cache is postcard, which does not
/// describe itself: a binary built from other sources under the same
/// version number could misread it without failing, so any rebuilt or
/// reinstalled binary starts afresh.
fn versioned_key(parts: &impl std::fmt::Debug) -> u64 {
    // Looked up once per run: both keys of a build use it.
    static EXE: std::sync::OnceLock<Option<(u64, i128, u64)>> = std::sync::OnceLock::new();
    let exe = EXE.get_or_init(|| {
        let meta = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        // Not the change time: a hard link (as profilers make) moves it.
        let Stamp {
            len,
            modified,
            inode,
            ..
        } = Stamp::of(&meta);
        Some((len, modified, inode))
    });
    let text = format!("{}|{exe:?}|{parts:?}", env!("CARGO_PKG_VERSION"));
    stable_hash(text.as_bytes())
}

/// Writes a cache file whole or not at all: a temporary file beside it,
/// then a rename. The temporary file is named after the whole file name,
/// this process and a counter, and created exclusively, so it can never be
/// another cache file, another file of the same stem, or another writer's
/// temporary file; it is removed on every failure.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    let tmp = temporary_name(path);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut file| file.write_all(bytes))
        .with_context(|| format!("{}: cannot write", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// What marks a temporary cache file's name: `<file name>.tmp-<pid>-<n>`.
const TEMPORARY: &str = ".tmp-";

/// A name for a temporary file beside `path` that no other writer uses.
fn temporary_name(path: &Path) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!("{TEMPORARY}{}-{n}", std::process::id()));
    path.with_file_name(name)
}

/// Removes temporary cache files left in `dir` by a build that was killed
/// while writing: only called under the build lock, when no other build
/// can be writing one.
fn remove_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_temporary = name.to_str().is_some_and(|n| {
            n.rsplit_once(TEMPORARY).is_some_and(|(_, tail)| {
                tail.split_once('-').is_some_and(|(pid, n)| {
                    !pid.is_empty()
                        && !n.is_empty()
                        && pid.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
                })
            })
        });
        if is_temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Header bytes after a cache file's magic: the payload's length and its
/// XXH3 checksum, each a little-endian `u64`.
const SEAL: usize = 16;

/// A cache file's bytes: `magic`, the length and checksum of the payload,
/// then `value` in postcard. Every byte after the magic is covered by the
/// checksum or checked against it, so a damaged file is never decoded.
fn seal<T: Serialize + ?Sized>(magic: &str, value: &T) -> anyhow::Result<Vec<u8>> {
    let start = magic.len() + SEAL;
    let mut bytes = Vec::with_capacity(start + 4096);
    bytes.extend_from_slice(magic.as_bytes());
    bytes.resize(start, 0);
    let mut bytes = postcard::to_extend(value, bytes)?;
    let len = (bytes.len() - start) as u64;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[start..]);
    bytes[magic.len()..magic.len() + 8].copy_from_slice(&len.to_le_bytes());
    bytes[magic.len() + 8..start].copy_from_slice(&sum.to_le_bytes());
    Ok(bytes)
}

/// Why a cache file was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unusable {
    /// Another format (an older blotter's cache): expected, said nowhere.
    OtherFormat,
    /// Cut short, grown, or changed since it was written.
    Damaged,
}

/// The payload of a cache file's bytes, if they are whole and of the
/// format `magic` names.
fn unseal<'a>(magic: &str, bytes: &'a [u8]) -> Result<&'a [u8], Unusable> {
    let rest = bytes
        .strip_prefix(magic.as_bytes())
        .ok_or(Unusable::OtherFormat)?;
    let (header, payload) = rest.split_at_checked(SEAL).ok_or(Unusable::Damaged)?;
    let (len, sum) = header.split_at(8);
    let len = u64::from_le_bytes(len.try_into().unwrap_or_default());
    let sum = u64::from_le_bytes(sum.try_into().unwrap_or_default());
    if len != payload.len() as u64 || sum != xxhash_rust::xxh3::xxh3_64(payload) {
        return Err(Unusable::Damaged);
    }
    Ok(payload)
}

/// A cache file read whole, with where its payload starts.
struct SealedFile {
    bytes: Vec<u8>,
    start: usize,
}

impl SealedFile {
    /// Reads the cache file `path` and checks it: a file that is missing
    /// or of another format is just a miss; a damaged one is a miss with a
    /// note naming it.
    fn read(path: &Path, magic: &str) -> Option<SealedFile> {
        let bytes = std::fs::read(path).ok()?;
        match unseal(magic, &bytes) {
            Ok(payload) => {
                let start = bytes.len() - payload.len();
                Some(SealedFile { bytes, start })
            }
            Err(Unusable::OtherFormat) => None,
            Err(Unusable::Damaged) => {
                note_unusable(path, "damaged (its checksum or length is wrong)");
                None
            }
        }
    }

    fn payload(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

/// Says that the cache file `path` was not used, and why: what it held is
/// read and made again.
fn note_unusable(path: &Path, why: &str) {
    crate::progress::note(&format!(
        "{}: cache file {why}: not used, what it held is made again",
        path.display()
    ));
}

/// The build cache folder of an output folder:
/// `<parent>/.<output name>.blotter-cache`, beside the output so it is
/// never published and never in the content.
pub fn folder(output: &Path) -> Option<PathBuf> {
    let name = output.file_name()?.to_string_lossy().into_owned();
    let parent = output.parent().map(Path::to_path_buf).unwrap_or_default();
    Some(parent.join(format!(".{name}.blotter-cache")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_file_with_any_byte_changed_or_cut_short_is_never_decoded() {
        let value = (
            7u64,
            vec!["Appeal number 17".to_string(), "Kent".to_string()],
        );
        let bytes = seal("test 1\n", &value).unwrap();
        let payload = unseal("test 1\n", &bytes).unwrap();
        let decoded: (u64, Vec<String>) = postcard::from_bytes(payload).unwrap();
        assert_eq!(decoded, value);
        assert_eq!(unseal("test 2\n", &bytes), Err(Unusable::OtherFormat));
        for at in "test 1\n".len()..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                assert_eq!(unseal("test 1\n", &damaged), Err(Unusable::Damaged), "{at}");
            }
        }
        for len in "test 1\n".len()..bytes.len() {
            assert_eq!(unseal("test 1\n", &bytes[..len]), Err(Unusable::Damaged));
        }
        let mut grown = bytes.clone();
        grown.push(0);
        assert_eq!(unseal("test 1\n", &grown), Err(Unusable::Damaged));
    }

    #[test]
    fn temporary_cache_files_are_named_after_the_whole_file_and_unique() {
        let a = temporary_name(Path::new("/c/manifest"));
        let b = temporary_name(Path::new("/c/manifest"));
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("manifest.tmp-"), "{name}");
        let other = temporary_name(Path::new("/c/manifest.x"));
        assert!(other.to_str().unwrap().contains("manifest.x.tmp-"));
    }

    #[test]
    fn a_failed_cache_write_leaves_no_temporary_file_and_never_touches_another() {
        let dir = tempfile::tempdir().unwrap();
        // What `with_extension("tmp")` would have clobbered.
        std::fs::write(dir.path().join("units.tmp"), "someone's").unwrap();
        // The rename fails: a folder is where the file goes.
        std::fs::create_dir(dir.path().join("units")).unwrap();
        std::fs::write(dir.path().join("units/inside"), "x").unwrap();
        assert!(write_atomically(&dir.path().join("units"), b"new").is_err());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["units", "units.tmp"]);
        assert_eq!(
            std::fs::read(dir.path().join("units.tmp")).unwrap(),
            b"someone's"
        );
        write_atomically(&dir.path().join("manifest"), b"ok").unwrap();
        assert_eq!(std::fs::read(dir.path().join("manifest")).unwrap(), b"ok");
    }

    #[test]
    fn parse_cache_key_depends_on_the_working_folder_only_for_a_relative_content_path() {
        let (here, there) = (Path::new("/work/a"), Path::new("/work/b"));
        let absolute = Path::new("/archive/content");
        assert_eq!(
            units_key_from(absolute, here, &1),
            units_key_from(absolute, there, &1)
        );
        let relative = Path::new("content");
        assert_ne!(
            units_key_from(relative, here, &1),
            units_key_from(relative, there, &1)
        );
        assert_ne!(
            units_key_from(absolute, here, &1),
            units_key_from(absolute, here, &2),
            "settings still count"
        );
    }
}
