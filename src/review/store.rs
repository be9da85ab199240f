//! A review file on disk: opened (a corrupt file is backed up and reported, a
//! newer version's file is backed up and never written), saved atomically after
//! every edit (typing is debounced), and merged record by record with what
//! another segscope wrote to the same file since we last read it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{FORMAT, Reviews, VERSION};
use crate::atomic_file::write_atomically;

/// How long typing may pause before a note is saved.
pub const TYPING_DEBOUNCE: Duration = Duration::from_millis(400);

/// Why reviews could not be read or saved.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The operating system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The review file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file was written by a newer segscope: saving would lose what it knows.
    #[error(
        "{}: written by a newer segscope (review format version {version}, this one reads {VERSION}); \
         reviews are not saved to it — update segscope",
        path.display()
    )]
    Newer {
        /// The review file.
        path: PathBuf,
        /// The version it says it is.
        version: u64,
    },
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written.
    Saved,
    /// Another writer had changed the file: its records were merged in first.
    Merged,
}

/// How an edit is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A status, verdict or bookmark: saved at once.
    Discrete,
    /// A keystroke in a note: saved once typing pauses.
    Typing,
}

/// Identifies the content we last read or wrote, to notice other writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    hash: u64,
}

fn fingerprint(bytes: &[u8]) -> Fingerprint {
    // FNV-1a: no need for a cryptographic hash to notice a change.
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    Fingerprint {
        len: bytes.len(),
        hash,
    }
}

/// What a file's bytes turned out to be.
enum Parsed {
    Reviews(Reviews),
    Newer(u64),
    Corrupt(String),
}

fn parse(bytes: &[u8]) -> Parsed {
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Parsed::Corrupt(format!("not valid JSON ({e})")),
    };
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Parsed::Corrupt(format!("not a {FORMAT} file (no \"format\": \"{FORMAT}\")"));
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v > u64::from(VERSION) => return Parsed::Newer(v),
        Some(_) => {}
        None => return Parsed::Corrupt("no \"version\"".into()),
    }
    match serde_json::from_value::<Reviews>(value) {
        Ok(r) => Parsed::Reviews(r),
        Err(e) => Parsed::Corrupt(format!("unexpected content ({e})")),
    }
}

/// Reviews backed by a file.
pub struct ReviewStore {
    path: PathBuf,
    /// The reviews as edited here (merged with other writers' at each save).
    pub reviews: Reviews,
    /// What the file held when last read or written here.
    on_disk: Option<Fingerprint>,
    /// Why this file must not be written, if it must not.
    read_only: Option<String>,
    /// What happened at opening that the user must hear about.
    pub warnings: Vec<String>,
    /// The first unsaved edit, and whether it was typing.
    pending: Option<(Instant, Edit)>,
    /// When the last edit was made.
    last_edit: Option<Instant>,
}

/// A copy of a file that cannot be used, beside it: `NAME.corrupt-TIME.json`.
fn back_up(path: &Path, why: &str) -> Result<PathBuf, ReviewError> {
    let stamp = super::now_utc().replace(':', "-");
    let name = path
        .file_name()
        .map_or_else(|| "reviews".into(), |n| n.to_string_lossy().into_owned());
    let backup = path.with_file_name(format!("{name}.{why}-{stamp}"));
    std::fs::copy(path, &backup).map_err(|source| ReviewError::Io {
        path: backup.clone(),
        source,
    })?;
    Ok(backup)
}

impl ReviewStore {
    /// Opens the reviews in `path` (none yet: empty). A corrupt file is copied
    /// aside and reported, and a new one is started; a newer version's file is
    /// copied aside, reported, and never written by this session.
    pub fn open(path: &Path, subject: &str) -> Result<Self, ReviewError> {
        let mut store = ReviewStore {
            path: path.to_path_buf(),
            reviews: Reviews {
                subject: subject.to_string(),
                ..Reviews::default()
            },
            on_disk: None,
            read_only: None,
            warnings: Vec::new(),
            pending: None,
            last_edit: None,
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(store),
            Err(source) => {
                return Err(ReviewError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        store.on_disk = Some(fingerprint(&bytes));
        match parse(&bytes) {
            Parsed::Reviews(r) => store.reviews = r,
            Parsed::Newer(version) => {
                let backup = back_up(path, "newer")?;
                let e = ReviewError::Newer {
                    path: path.to_path_buf(),
                    version,
                };
                store.read_only = Some(e.to_string());
                store
                    .warnings
                    .push(format!("{e} (a copy is kept as {})", backup.display()));
            }
            Parsed::Corrupt(why) => {
                let backup = back_up(path, "corrupt")?;
                store.warnings.push(format!(
                    "{}: {why}; kept as {} and a new review file started",
                    path.display(),
                    backup.display()
                ));
            }
        }
        Ok(store)
    }

    /// The review file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why this session does not write the file, if it does not.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// Records that the reviews changed; [`ReviewStore::save_if_due`] saves them.
    pub fn edited(&mut self, edit: Edit) {
        let now = Instant::now();
        self.last_edit = Some(now);
        self.pending = match self.pending {
            // A discrete edit makes everything pending due at once.
            Some((at, Edit::Typing)) if edit == Edit::Discrete => Some((at, Edit::Discrete)),
            Some(p) => Some(p),
            None => Some((now, edit)),
        };
    }

    /// True while edits wait to be saved.
    pub fn has_unsaved(&self) -> bool {
        self.pending.is_some()
    }

    /// Saves when something is pending and due: discrete edits at once, typing
    /// once it has paused for [`TYPING_DEBOUNCE`]. `None` when nothing was saved.
    pub fn save_if_due(&mut self) -> Option<Result<SaveOutcome, ReviewError>> {
        let (_, edit) = self.pending?;
        let quiet = self
            .last_edit
            .is_none_or(|t| t.elapsed() >= TYPING_DEBOUNCE);
        if edit == Edit::Typing && !quiet {
            return None;
        }
        Some(self.save())
    }

    /// Takes in what another segscope saved to the file since we last read or
    /// wrote it (record by record, newer edits winning); true if anything came
    /// in. Our unsaved edits stay, and are saved as usual.
    pub fn refresh(&mut self) -> bool {
        let Ok(bytes) = std::fs::read(&self.path) else {
            return false;
        };
        let print = fingerprint(&bytes);
        if Some(print) == self.on_disk {
            return false;
        }
        match parse(&bytes) {
            Parsed::Reviews(theirs) => {
                let before = self.reviews.clone();
                self.reviews.merge(&theirs);
                self.on_disk = Some(print);
                // Our own unsaved edits still differ from the file: they stay pending.
                self.reviews != before
            }
            Parsed::Newer(version) => {
                self.read_only = Some(
                    ReviewError::Newer {
                        path: self.path.clone(),
                        version,
                    }
                    .to_string(),
                );
                false
            }
            // A half-written file cannot happen (writes are atomic); anything else
            // is dealt with, backed up, at the next save.
            Parsed::Corrupt(_) => false,
        }
    }

    /// Writes the reviews now: under a lock on `FILE.lock`, reads what is on
    /// disk, merges it in when another writer changed it, and replaces the file
    /// atomically (temporary file, fsync, rename).
    pub fn save(&mut self) -> Result<SaveOutcome, ReviewError> {
        if let Some(why) = &self.read_only {
            return Err(ReviewError::Io {
                path: self.path.clone(),
                source: std::io::Error::other(why.clone()),
            });
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ReviewError::Io { path, source }
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let lock_path = self.path.with_file_name(format!(
            "{}.lock",
            self.path
                .file_name()
                .map_or_else(|| "reviews".into(), |n| n.to_string_lossy().into_owned())
        ));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        let mut outcome = SaveOutcome::Saved;
        match std::fs::read(&self.path) {
            Ok(bytes) if Some(fingerprint(&bytes)) != self.on_disk => match parse(&bytes) {
                Parsed::Reviews(theirs) => {
                    self.reviews.merge(&theirs);
                    outcome = SaveOutcome::Merged;
                }
                Parsed::Newer(version) => {
                    let e = ReviewError::Newer {
                        path: self.path.clone(),
                        version,
                    };
                    self.read_only = Some(e.to_string());
                    return Err(e);
                }
                Parsed::Corrupt(why) => {
                    let backup = back_up(&self.path, "corrupt")?;
                    self.warnings.push(format!(
                        "{}: {why}; kept as {}",
                        self.path.display(),
                        backup.display()
                    ));
                }
            },
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ReviewError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        }
        let mut bytes = serde_json::to_vec_pretty(&self.reviews).map_err(|e| ReviewError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        bytes.push(b'\n');
        write_atomically(&self.path, &bytes).map_err(io(&self.path))?;
        self.on_disk = Some(fingerprint(&bytes));
        self.pending = None;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{CaseReview, Verdict};

    #[test]
    fn typing_waits_for_a_pause_and_a_discrete_edit_does_not() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("r.json");
        let mut store = ReviewStore::open(&path, "test").expect("opens");
        store.edited(Edit::Typing);
        assert!(store.save_if_due().is_none(), "typing is still going on");
        store.edited(Edit::Discrete);
        assert_eq!(
            store.save_if_due().map(|r| r.expect("saves")),
            Some(SaveOutcome::Saved)
        );
        assert!(!store.has_unsaved());
        store.edited(Edit::Typing);
        std::thread::sleep(TYPING_DEBOUNCE + Duration::from_millis(20));
        assert!(store.save_if_due().is_some(), "saved once typing paused");
    }

    #[test]
    fn two_writers_keep_each_others_cases() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("r.json");
        let mut one = ReviewStore::open(&path, "d").expect("opens");
        let mut two = ReviewStore::open(&path, "d").expect("opens");
        let mut a = CaseReview::default();
        a.case.status = Verdict::Accepted;
        a.case.stamp = crate::review::Stamp::now("one");
        one.reviews.cases.insert("case_a".into(), a);
        assert_eq!(one.save().expect("saves"), SaveOutcome::Saved);
        let mut b = CaseReview::default();
        b.case.status = Verdict::Rejected;
        b.case.stamp = crate::review::Stamp::now("two");
        two.reviews.cases.insert("case_b".into(), b);
        assert_eq!(two.save().expect("saves"), SaveOutcome::Merged);
        let on_disk = ReviewStore::open(&path, "d").expect("reopens");
        assert_eq!(on_disk.reviews.cases.len(), 2);
        // The first writer sees the second's case without saving, and again
        // only once.
        assert!(one.refresh());
        assert_eq!(one.reviews.cases.len(), 2);
        assert!(!one.refresh());
        assert_eq!(one.save().expect("saves"), SaveOutcome::Saved);
    }
}
