//! Stamps of folder entries, each stat'ed by name within its open folder:
//! at archive scale a rebuild stats 100,000 content files and as many
//! output folders, and the kernel's walk down each full path again was a
//! third of that cost.

use std::ffi::OsStr;
use std::path::Path;

use super::Stamp;

/// What a folder entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Folder,
    Other,
}

/// An open folder, whose entries are stat'ed by name.
#[cfg(unix)]
pub struct OpenFolder(rustix::fd::OwnedFd);

#[cfg(unix)]
impl OpenFolder {
    pub fn open(path: &Path) -> std::io::Result<OpenFolder> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        Ok(OpenFolder(rustix::fs::open(path, flags, Mode::empty())?))
    }

    /// What the entry `name` is and its stamp, as [`Stamp::of`] would give
    /// it: of the entry itself, or with `follow`, of what a symlink points
    /// to. `None` when it is gone.
    pub fn stamp(&self, name: &OsStr, follow: bool) -> Option<(EntryKind, Stamp)> {
        use rustix::fs::{AtFlags, FileType};
        let flags = if follow {
            AtFlags::empty()
        } else {
            AtFlags::SYMLINK_NOFOLLOW
        };
        let stat = rustix::fs::statat(&self.0, name, flags).ok()?;
        let kind = match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => EntryKind::File,
            FileType::Directory => EntryKind::Folder,
            _ => EntryKind::Other,
        };
        let nanos = |secs: i128, nsec: i128| secs * 1_000_000_000 + nsec;
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        let stamp = Stamp {
            len: u64::try_from(stat.st_size).unwrap_or(0),
            modified: nanos(
                i128::from(stat.st_mtime as i64),
                i128::from(stat.st_mtime_nsec as u64),
            )
            .max(0),
            changed: nanos(
                i128::from(stat.st_ctime as i64),
                i128::from(stat.st_ctime_nsec as u64),
            ),
            inode: stat.st_ino as u64,
        };
        Some((kind, stamp))
    }
}

/// Elsewhere, each entry is stat'ed by its full path.
#[cfg(not(unix))]
pub struct OpenFolder(std::path::PathBuf);

#[cfg(not(unix))]
impl OpenFolder {
    pub fn open(path: &Path) -> std::io::Result<OpenFolder> {
        Ok(OpenFolder(path.to_path_buf()))
    }

    pub fn stamp(&self, name: &OsStr, follow: bool) -> Option<(EntryKind, Stamp)> {
        let path = self.0.join(name);
        let meta = if follow {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        }
        .ok()?;
        let kind = if meta.is_file() {
            EntryKind::File
        } else if meta.is_dir() {
            EntryKind::Folder
        } else {
            EntryKind::Other
        };
        Some((kind, Stamp::of(&meta)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_match_the_standard_library_s() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "abc").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let folder = OpenFolder::open(dir.path()).unwrap();
        let (kind, stamp) = folder.stamp(OsStr::new("a.txt"), false).unwrap();
        assert_eq!(kind, EntryKind::File);
        let meta = std::fs::metadata(dir.path().join("a.txt")).unwrap();
        assert_eq!(stamp, Stamp::of(&meta));
        assert_eq!(stamp.len, 3);
        let (kind, stamp) = folder.stamp(OsStr::new("sub"), false).unwrap();
        assert_eq!(kind, EntryKind::Folder);
        let meta = std::fs::metadata(dir.path().join("sub")).unwrap();
        assert_eq!(stamp, Stamp::of(&meta));
        assert!(folder.stamp(OsStr::new("gone"), false).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "abc").unwrap();
        std::os::unix::fs::symlink("a.txt", dir.path().join("link.txt")).unwrap();
        let folder = OpenFolder::open(dir.path()).unwrap();
        let name = OsStr::new("link.txt");
        assert_eq!(folder.stamp(name, false).unwrap().0, EntryKind::Other);
        assert_eq!(folder.stamp(name, true).unwrap().0, EntryKind::File);
    }
}
