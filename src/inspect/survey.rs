//! A whole dataset's Dice per case × organ × prediction, computed on worker
//! threads case by case and cached on disk (keyed by each file's size and
//! modification time), so reopening a dataset shows its table at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseFiles};
use crate::metrics::OverlapCounts;

/// Version of the cache file's layout.
const CACHE_VERSION: u32 = 2;

/// The Dice of every organ of one case, per prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDice {
    /// Per prediction (the case's order): organ id → Dice (organs in either map).
    pub models: Vec<BTreeMap<u16, f64>>,
    /// The names the case's own files give its organs (embedded class maps), by id.
    #[serde(default)]
    pub names: BTreeMap<u16, String>,
    /// Why the case could not be evaluated, if it could not.
    pub error: Option<String>,
}

impl CaseDice {
    /// Mean Dice over the organs of prediction `model`; NaN when there are none.
    pub fn mean(&self, model: usize) -> f64 {
        let Some(organs) = self.models.get(model).filter(|m| !m.is_empty()) else {
            return f64::NAN;
        };
        organs.values().sum::<f64>() / organs.len() as f64
    }

    /// The organ with the lowest Dice under prediction `model` (lowest id on ties).
    pub fn worst(&self, model: usize) -> Option<(u16, f64)> {
        self.models
            .get(model)?
            .iter()
            .map(|(&id, &d)| (id, d))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }
}

/// What identifies a file's content for the cache: path, size, modification time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileStamp {
    path: PathBuf,
    size: u64,
    modified_ns: u128,
}

fn stamp(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    let modified_ns = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(FileStamp {
        path: path.to_path_buf(),
        size: meta.len(),
        modified_ns,
    })
}

/// The files a case's Dice depends on.
fn stamps(files: &CaseFiles) -> Option<Vec<FileStamp>> {
    let mut paths: Vec<&Path> = files.reference.iter().map(PathBuf::as_path).collect();
    paths.extend(files.predictions.iter().map(|p| p.path.as_path()));
    paths.into_iter().map(stamp).collect()
}

/// The cache file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    cases: BTreeMap<String, (Vec<FileStamp>, CaseDice)>,
}

/// Where the cache of a dataset lives: `$XDG_CACHE_HOME/segscope/` (else
/// `~/.cache/segscope/`), one file per dataset folder, named by a hash of its path.
pub fn cache_path(dataset_root: &Path) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let root = std::fs::canonicalize(dataset_root).unwrap_or_else(|_| dataset_root.to_path_buf());
    // FNV-1a: stable across runs and platforms (std's hasher is not).
    let hash = root
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    Some(
        base.join("segscope")
            .join(format!("dataset-{hash:016x}.json")),
    )
}

fn read_cache(path: &Path) -> CacheFile {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
        .filter(|c| c.version == CACHE_VERSION)
        .unwrap_or_default()
}

/// Writes the cache atomically: a crash leaves the old one.
fn write_cache(path: &Path, cache: &CacheFile) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(cache).map_err(std::io::Error::other)?;
    crate::atomic_file::write_atomically(path, &bytes)
}

/// Dice of every organ of one case, per prediction. The label maps are checked to
/// share one grid and predictions with another class map are paired by organ name,
/// exactly as the viewer and `segscope metrics` do; the images are not read.
pub fn case_dice(files: &CaseFiles) -> CaseDice {
    let fail = |e: String| CaseDice {
        models: Vec::new(),
        names: BTreeMap::new(),
        error: Some(e),
    };
    if files.reference.is_none() {
        return fail("no reference".into());
    }
    let labels_only = CaseFiles {
        images: Vec::new(),
        ..files.clone()
    };
    let mut case = match Case::load(&labels_only) {
        Ok(case) => case,
        Err(e) => return fail(e.to_string()),
    };
    let labels = case.align_predictions_by_name();
    let Some(reference) = &case.reference else {
        return fail("no reference".into());
    };
    let mut models = Vec::new();
    for (_, prediction) in &case.predictions {
        match crate::metrics::overlap_of(reference, prediction, None) {
            Ok(overlap) => models.push(dice_per_organ(&overlap)),
            Err(e) => return fail(e.to_string()),
        }
    }
    let names = models
        .iter()
        .flat_map(BTreeMap::keys)
        .filter_map(|&id| labels.get(id).map(|e| (id, e.name.clone())))
        .collect();
    CaseDice {
        models,
        names,
        error: None,
    }
}

fn dice_per_organ(overlap: &OverlapCounts) -> BTreeMap<u16, f64> {
    overlap
        .present_labels()
        .into_iter()
        .filter_map(|id| overlap.label(id).dice().map(|d| (id, d)))
        .collect()
}

/// The dataset's Dice table, filled in as cases finish (cached ones at once).
pub struct Survey {
    /// Per case, in the dataset's order, once known.
    pub cases: Vec<Option<CaseDice>>,
    /// Cases that came from the cache.
    pub cached: usize,
    updates: Receiver<(usize, CaseDice)>,
    cancelled: Arc<AtomicBool>,
}

impl Drop for Survey {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl Survey {
    /// Starts computing every case's Dice, taking cached values whose files are
    /// unchanged; `cache` is the cache file (none: no caching).
    pub fn start(cases: Vec<CaseFiles>, cache: Option<PathBuf>) -> Self {
        let stored = cache.as_deref().map(read_cache).unwrap_or_default();
        let mut known = Vec::with_capacity(cases.len());
        for files in &cases {
            let hit = stored.cases.get(&files.name).and_then(|(key, dice)| {
                (stamps(files).as_ref() == Some(key) && dice.error.is_none()).then(|| dice.clone())
            });
            known.push(hit);
        }
        let cached = known.iter().flatten().count();
        let (tx, rx) = channel();
        let cancelled = Arc::new(AtomicBool::new(false));
        let todo: Vec<usize> = (0..cases.len()).filter(|&i| known[i].is_none()).collect();
        let stop = cancelled.clone();
        let mut stored = stored;
        std::thread::spawn(move || {
            let results: Vec<(usize, CaseDice)> = todo
                .par_iter()
                .filter_map(|&i| {
                    if stop.load(Ordering::Relaxed) {
                        return None;
                    }
                    let dice = case_dice(&cases[i]);
                    let _ = tx.send((i, dice.clone()));
                    Some((i, dice))
                })
                .collect();
            let (Some(path), false) = (cache, results.is_empty()) else {
                return;
            };
            stored.version = CACHE_VERSION;
            for (i, dice) in results {
                if let Some(key) = stamps(&cases[i]) {
                    stored.cases.insert(cases[i].name.clone(), (key, dice));
                }
            }
            // A cache that cannot be written only costs the next open its speed.
            let _ = write_cache(&path, &stored);
        });
        Survey {
            cases: known,
            cached,
            updates: rx,
            cancelled,
        }
    }

    /// Takes what the workers have finished; true if anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        while let Ok((i, dice)) = self.updates.try_recv() {
            self.cases[i] = Some(dice);
            changed = true;
        }
        changed
    }

    /// (cases known, cases in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.cases.iter().flatten().count(), self.cases.len())
    }

    /// Blocks until every case is known (tests, batch use).
    pub fn wait(&mut self) {
        while self.progress().0 < self.cases.len() {
            match self.updates.recv() {
                Ok((i, dice)) => self.cases[i] = Some(dice),
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_worst_skip_nothing_and_break_ties_by_id() {
        let dice = CaseDice {
            models: vec![[(1, 0.9), (2, 0.5), (3, 0.5)].into_iter().collect()],
            names: BTreeMap::new(),
            error: None,
        };
        assert!((dice.mean(0) - 1.9 / 3.0).abs() < 1e-12);
        assert_eq!(dice.worst(0), Some((2, 0.5)));
        assert!(dice.mean(1).is_nan());
    }

    #[test]
    fn cache_paths_are_stable_per_folder() {
        let a = cache_path(Path::new("/data/Dataset001"));
        assert_eq!(a, cache_path(Path::new("/data/Dataset001")));
        assert_ne!(a, cache_path(Path::new("/data/Dataset002")));
    }
}
