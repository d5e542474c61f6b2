//! The queue of transactions for the hub: one `.out` file each under `Out/` next to the settings
//! (the seed's offline files). A file is written atomically before anything is sent and removed
//! only once the hub answered `accepted` or `duplicate` for it, so a transaction survives the hub
//! being down and the agent being killed at any point. Files the hub rejected move to
//! `Out/rejected/` with the reason beside them.

use std::{
    io,
    path::{Path, PathBuf},
};

use serde_json::Value;

use crate::{local::entities::local_sale, settings::write_atomically};

pub struct Outbox {
    dir: PathBuf,
}

/// A queued transaction.
#[derive(Clone, Debug)]
pub struct Queued {
    pub path: PathBuf,
    pub id: String,
    pub revision: i32,
    pub body: Value,
}

impl Outbox {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn rejected_dir(&self) -> PathBuf {
        self.dir.join("rejected")
    }

    /// Writes a sale's current revision to the queue (again, harmlessly, after a crash).
    pub fn spool(&self, sale: &local_sale::Model) -> io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        // Oldest first by name: creation time, then id and revision.
        let name = format!(
            "{:013}-{}-r{:05}.out",
            sale.created_at, sale.id, sale.revision
        );
        let path = self.dir.join(name);
        write_atomically(&path, sale.body.as_bytes())?;
        Ok(path)
    }

    /// The queued transactions, oldest first.
    pub fn queued(&self) -> io::Result<Vec<Queued>> {
        let mut paths = out_files(&self.dir)?;
        paths.sort();
        let mut queued = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path)?;
            let body: Value = serde_json::from_str(&text)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            queued.push(Queued {
                id: body["id"].as_str().unwrap_or_default().to_string(),
                revision: body["revision"].as_i64().unwrap_or(1) as i32,
                path,
                body,
            });
        }
        Ok(queued)
    }

    pub fn remove(&self, queued: &Queued) -> io::Result<()> {
        match std::fs::remove_file(&queued.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Moves a file the hub will never take to `Out/rejected/`, with `<name>.reason` beside it.
    pub fn reject(&self, queued: &Queued, reason: &str) -> io::Result<()> {
        let dir = self.rejected_dir();
        std::fs::create_dir_all(&dir)?;
        let name = queued
            .path
            .file_name()
            .ok_or_else(|| io::Error::other("a queued file has no name"))?;
        let mut reason_name = name.to_os_string();
        reason_name.push(".reason");
        write_atomically(&dir.join(reason_name), reason.as_bytes())?;
        std::fs::rename(&queued.path, dir.join(name))
    }

    /// How many transactions are queued (without reading them).
    pub fn queued_count(&self) -> io::Result<usize> {
        Ok(out_files(&self.dir)?.len())
    }

    /// When the oldest queued transaction was made (milliseconds since the epoch, as its file
    /// name starts); none when nothing is queued.
    pub fn oldest_queued_ms(&self) -> io::Result<Option<i64>> {
        let oldest = out_files(&self.dir)?.into_iter().min();
        Ok(oldest.and_then(|path| {
            let name = path.file_name()?.to_str()?;
            name.split('-').next()?.parse().ok()
        }))
    }

    pub fn rejected_count(&self) -> io::Result<usize> {
        Ok(out_files(&self.rejected_dir())?.len())
    }
}

fn out_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other?,
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "out") {
            files.push(path);
        }
    }
    Ok(files)
}
