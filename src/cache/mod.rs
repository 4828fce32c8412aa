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

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
/// then a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))
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
