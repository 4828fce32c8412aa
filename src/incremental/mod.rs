//! The incremental layer, on top of the pipeline: the build cache and the
//! two runs of the stages that use it. [`read`] runs load, parse and model
//! through the parse cache ([`units`]: each release's outcome by its files'
//! stamps), and `rebuild` runs render and write against the manifest of
//! the last build's output files (a hash of each one's bytes and the
//! fingerprint of what each page was rendered from). With them, a rebuild
//! reads and parses only changed files, renders only pages whose inputs
//! changed, and rewrites only files whose bytes changed. The cache sits
//! beside the output folder, never in the content or the published site.
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

use serde::Serialize;

mod changes;
pub mod lock;
mod manifest;
pub mod read;
pub(crate) mod rebuild;
pub mod units;

pub use manifest::{FileEntry, Manifest, OnDisk};

use crate::files::Stamp;

use crate::hash::stable_hash;

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

/// What must be equal for the search cache to be reused: blotter itself
/// (its tokeniser, stemmer and index layout), whatever the settings.
pub fn search_key() -> u64 {
    versioned_key(&"search")
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

/// Removes temporary cache files left in `dir` by a build that was killed
/// while writing: only called under the build lock, when no other build
/// can be writing one.
fn remove_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_temporary = entry
            .file_name()
            .to_str()
            .is_some_and(crate::files::is_temporary);
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
    let sum = crate::hash::content_hash(&bytes[start..]);
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
    if len != payload.len() as u64 || sum != crate::hash::content_hash(payload) {
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
