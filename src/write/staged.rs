//! A whole site written into a staging folder: rendered on the worker
//! threads, written on one writer thread.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::in_place::safe_relative;
use super::{FileEntry, MARKER, MARKER_TEXT};
use crate::render::Artifact;

/// Renders on the worker threads and writes on one writer thread, as `cp`
/// does: creating files and folders is the kernel's work, serialised on
/// each parent folder's lock, so writers in parallel mostly wait for each
/// other (on two cores, spinning on that lock took the CPU the renderers
/// needed). Pages go to the writer in batches: one at a time, waking the
/// writer for each was a twentieth of a clean build's CPU. A bounded queue
/// keeps rendered pages from piling up in memory.
pub(super) fn fill<I>(staging: &Path, artifacts: I) -> Result<Vec<(String, FileEntry)>>
where
    I: ParallelIterator<Item = Result<Artifact>>,
{
    fs::create_dir_all(staging).with_context(|| format!("{}: cannot create", staging.display()))?;
    fs::write(staging.join(MARKER), MARKER_TEXT)
        .with_context(|| format!("{}: cannot write", staging.display()))?;
    let (sender, queue) = std::sync::mpsc::sync_channel::<Vec<Hashed>>(QUEUED_BATCHES);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_all(staging, queue));
        let rendered = artifacts
            .try_fold(
                || Batch::new(sender.clone()),
                |mut batch, artifact| {
                    batch.push(artifact?)?;
                    Ok::<_, anyhow::Error>(batch)
                },
            )
            .try_for_each(|batch| batch?.send());
        drop(sender);
        let written = writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        // The writer's own error says more than "the writer stopped".
        let written = written?;
        rendered.map(|()| written)
    })
}

/// A rendered page and the hash of its bytes (hashed on the renderer's
/// thread, so the writer only writes).
type Hashed = (Artifact, u64);

/// Pages per batch, and batches queued for the writer: at most about
/// 16 x 32 pages of 15 KB (8 MB) wait in the queue.
pub(super) const BATCH_PAGES: usize = 32;
pub(super) const QUEUED_BATCHES: usize = 16;

/// One renderer thread's pages on their way to the writer.
pub(super) struct Batch {
    pages: Vec<Hashed>,
    sender: std::sync::mpsc::SyncSender<Vec<Hashed>>,
}

impl Batch {
    fn new(sender: std::sync::mpsc::SyncSender<Vec<Hashed>>) -> Batch {
        Batch {
            pages: Vec::with_capacity(BATCH_PAGES),
            sender,
        }
    }

    /// Adds a page, sending the batch once it is full.
    fn push(&mut self, artifact: Artifact) -> Result<()> {
        let hash = crate::hash::content_hash(&artifact.bytes);
        self.pages.push((artifact, hash));
        if self.pages.len() < BATCH_PAGES {
            return Ok(());
        }
        self.flush()
    }

    /// Sends what is left.
    fn send(mut self) -> Result<()> {
        if self.pages.is_empty() {
            return Ok(());
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<()> {
        let full = std::mem::replace(&mut self.pages, Vec::with_capacity(BATCH_PAGES));
        self.sender
            .send(full)
            .map_err(|_| anyhow::anyhow!("the writer stopped"))
    }
}

pub(super) fn write_all(
    staging: &Path,
    queue: std::sync::mpsc::Receiver<Vec<Hashed>>,
) -> Result<Vec<(String, FileEntry)>> {
    let mut made: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut written = Vec::new();
    for (artifact, hash) in queue.into_iter().flatten() {
        let path = staging.join(safe_relative(&artifact.path)?);
        if let Some(dir) = path.parent() {
            if !made.contains(dir) {
                fs::create_dir_all(dir)
                    .with_context(|| format!("{}: cannot create", dir.display()))?;
                made.insert(dir.to_path_buf());
            }
        }
        fs::write(&path, &artifact.bytes)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        let entry = FileEntry {
            hash,
            fingerprint: artifact.fingerprint,
            size: artifact.bytes.len() as u64,
        };
        written.push((artifact.path, entry));
    }
    Ok(written)
}
