//! One build at a time into an output folder. A build takes an exclusive
//! advisory lock (`flock` on Unix, `LockFileEx` on Windows, through std's
//! `File::lock`) on the file `lock` in the output's build cache folder,
//! before it reads anything the last build left (the manifest, the parse
//! cache, the output itself) and holds it until it returns; the system
//! releases it when the process ends, however it ends, so a killed build
//! never leaves a lock behind. A second build into the same output says
//! once that it is waiting and then waits, as cargo waits on its build
//! folder, and then proceeds against the first build's finished result:
//! two builds started together publish what one would have. `check` writes
//! nothing and takes no lock.
//!
//! The cache is only ever a help: when the lock file cannot be made (the
//! cache folder cannot be created, say because a file is where it belongs)
//! or the file system does not support locks, the build goes on without
//! one, with a warning.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock's file name inside the build cache folder.
const LOCK: &str = "lock";

/// Held while a build runs; dropping it (or the process ending) releases
/// the lock.
#[derive(Debug)]
pub struct BuildLock {
    _file: File,
    waited: bool,
}

impl BuildLock {
    /// Whether another build held the lock first: what it found in the
    /// output before waiting may have changed since.
    pub fn waited(&self) -> bool {
        self.waited
    }
}

/// Why a build runs without the lock.
#[derive(Debug)]
pub struct Unlocked {
    /// The file that could not be made or locked.
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot lock the build cache ({}): builds into this output are not kept apart",
            self.error
        )
    }
}

/// Takes the build lock of `output`, first waiting for any other build
/// that holds it (saying so once on standard error). Also removes
/// temporary cache files a killed build left behind, which only the
/// holder of the lock may do.
pub fn lock_build(output: &Path) -> Result<BuildLock, Unlocked> {
    let dir = super::folder(output).ok_or_else(|| Unlocked {
        path: output.to_path_buf(),
        error: std::io::Error::other("the output folder has no name"),
    })?;
    let lock = lock_file(&dir, |path| {
        eprintln!(
            "blotter: waiting for another build writing {} to finish (lock {})",
            output.display(),
            path.display()
        );
    })?;
    super::remove_temporaries(&dir);
    super::remove_temporaries(&dir.join("units"));
    Ok(lock)
}

/// Creates `dir` and the lock file in it, and locks it; when another
/// holds it, calls `waiting` once and waits for it.
fn lock_file(dir: &Path, waiting: impl FnOnce(&Path)) -> Result<BuildLock, Unlocked> {
    let path = dir.join(LOCK);
    let unlocked = |error| Unlocked {
        path: path.clone(),
        error,
    };
    std::fs::create_dir_all(dir).map_err(|error| Unlocked {
        path: dir.to_path_buf(),
        error,
    })?;
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(unlocked)?;
    let waited = match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => {
            waiting(&path);
            file.lock().map_err(unlocked)?;
            true
        }
        Err(TryLockError::Error(error)) => return Err(unlocked(error)),
    };
    Ok(BuildLock {
        _file: file,
        waited,
    })
}

/// Tries the lock once, without waiting: `None` while another holds it.
#[cfg(test)]
fn try_lock_file(dir: &Path) -> Option<BuildLock> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(LOCK))
        .unwrap();
    file.try_lock().ok().map(|()| BuildLock {
        _file: file,
        waited: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_while_the_first_is_held_and_granted_after() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_file(dir.path(), |_| panic!("nobody holds it yet")).unwrap();
        assert!(try_lock_file(dir.path()).is_none(), "held by the first");
        drop(first);
        let second = try_lock_file(dir.path());
        assert!(second.is_some(), "free once the first is released");
    }

    #[test]
    fn a_waiting_build_says_so_once_and_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_file(dir.path(), |_| panic!("nobody holds it yet")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let mut said = 0;
            let lock = lock_file(&path, |_| {
                said += 1;
                tx.send(()).unwrap();
            });
            (lock.map(|l| l.waited()).ok(), said)
        });
        rx.recv().unwrap();
        assert!(!first.waited());
        drop(first);
        assert_eq!(waiter.join().unwrap(), (Some(true), 1));
    }

    #[test]
    fn a_file_where_the_cache_folder_belongs_means_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        std::fs::write(super::super::folder(&output).unwrap(), "not a folder").unwrap();
        let error = lock_build(&output).unwrap_err();
        assert!(error.to_string().contains("cannot lock"), "{error}");
    }

    #[test]
    fn temporaries_left_by_a_killed_build_are_removed_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        let cache = super::super::folder(&output).unwrap();
        std::fs::create_dir_all(cache.join("units")).unwrap();
        let left = [
            cache.join(".manifest-0a.blotter-tmp-123-4"),
            cache.join("units/.units-01.blotter-tmp-99-0"),
        ];
        let kept = [
            cache.join("manifest-0a"),
            cache.join("notes.tmp"),
            cache.join(".x.blotter-tmp-12-a"),
        ];
        for path in left.iter().chain(&kept) {
            std::fs::write(path, "x").unwrap();
        }
        let _lock = lock_build(&output).unwrap();
        assert!(left.iter().all(|p| !p.exists()));
        assert!(kept.iter().all(|p| p.exists()));
    }
}
