//! Failure inspection, without any UI: a case's metrics computed progressively on
//! worker threads (overlap first, then error regions, then surface distances organ
//! by organ), per-slice Dice along a display axis, an organ's worst slice, and the
//! order in which "next error" walks the error regions.

pub mod slices;
pub mod survey;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use rayon::prelude::*;

use crate::case::Case;
use crate::labels::LabelTable;
use crate::metrics::regions::ErrorRegion;
use crate::metrics::{
    LabelMetrics, MetricsSettings, OverlapCounts, Pair, error_regions_of, label_metrics,
};

/// What is known so far of one prediction (one model) of the case.
#[derive(Debug, Clone, Default)]
pub struct ModelMetrics {
    /// The prediction's name (its file).
    pub name: String,
    /// The overlap pass, once done: per-slice counts and bounding boxes.
    pub overlap: Option<Arc<OverlapCounts>>,
    /// Per organ id: overlap metrics at first, every metric once its surface is done.
    pub organs: BTreeMap<u16, LabelMetrics>,
    /// Organs whose surface distances are known.
    pub surfaces_done: BTreeSet<u16>,
    /// Error regions of every organ, largest first, once found.
    pub regions: Option<Vec<ErrorRegion>>,
    /// Why this prediction could not be evaluated (another grid, say).
    pub error: Option<String>,
}

impl ModelMetrics {
    /// True when every surface distance of this prediction is known.
    pub fn surfaces_complete(&self) -> bool {
        self.error.is_some()
            || (self.overlap.is_some() && self.surfaces_done.len() == self.organs.len())
    }
}

/// A message from the workers.
enum Update {
    Overlap {
        model: usize,
        overlap: Arc<OverlapCounts>,
        organs: Vec<LabelMetrics>,
    },
    Regions {
        model: usize,
        regions: Vec<ErrorRegion>,
    },
    Surface {
        model: usize,
        organ: LabelMetrics,
    },
    Failed {
        model: usize,
        error: String,
    },
}

/// The metrics of every prediction of a case against its reference, filled in as
/// the workers finish. Dropping it stops the workers at the next organ.
pub struct Inspection {
    /// How the metrics are defined (convention, surface definition, tolerances).
    pub settings: MetricsSettings,
    /// One entry per prediction of the case, in the case's order.
    pub models: Vec<ModelMetrics>,
    updates: Receiver<Update>,
    cancelled: Arc<AtomicBool>,
}

impl Drop for Inspection {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl Inspection {
    /// Starts computing every prediction's metrics against the case's reference.
    /// The predictions must use the reference's numbering (the viewer renames them
    /// by organ name when loading). A case without a reference has nothing to inspect.
    pub fn start(case: Arc<Case>, names: LabelTable, settings: MetricsSettings) -> Self {
        let models = case
            .predictions
            .iter()
            .map(|(name, _)| ModelMetrics {
                name: name.clone(),
                // Without a reference nothing is computed: the model is complete as it is,
                // so the viewer does not keep waiting (and repainting) for it.
                error: case
                    .reference
                    .is_none()
                    .then(|| "no reference to compare with".to_string()),
                ..Default::default()
            })
            .collect();
        let (tx, rx) = channel();
        let cancelled = Arc::new(AtomicBool::new(false));
        if case.reference.is_some() && !case.predictions.is_empty() {
            let (settings, cancelled) = (settings.clone(), cancelled.clone());
            std::thread::spawn(move || work(&case, &names, &settings, &cancelled, &tx));
        }
        Inspection {
            settings,
            models,
            updates: rx,
            cancelled,
        }
    }

    /// Applies what the workers have sent since the last call; true if anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        while let Ok(update) = self.updates.try_recv() {
            self.apply(update);
            changed = true;
        }
        changed
    }

    /// Blocks until every metric is known (tests, batch use).
    pub fn wait(&mut self) {
        while !self.is_complete() {
            match self.updates.recv() {
                Ok(update) => self.apply(update),
                Err(_) => break,
            }
        }
    }

    fn apply(&mut self, update: Update) {
        match update {
            Update::Overlap {
                model,
                overlap,
                organs,
            } => {
                let m = &mut self.models[model];
                m.overlap = Some(overlap);
                m.organs = organs.into_iter().map(|o| (o.label_id, o)).collect();
            }
            Update::Regions { model, regions } => self.models[model].regions = Some(regions),
            Update::Surface { model, organ } => {
                let m = &mut self.models[model];
                m.surfaces_done.insert(organ.label_id);
                m.organs.insert(organ.label_id, organ);
            }
            Update::Failed { model, error } => self.models[model].error = Some(error),
        }
    }

    /// True when every metric of every prediction is known.
    pub fn is_complete(&self) -> bool {
        self.models
            .iter()
            .all(|m| m.surfaces_complete() && (m.error.is_some() || m.regions.is_some()))
    }

    /// (organs whose surface distances are done, organs in all) over every prediction.
    pub fn progress(&self) -> (usize, usize) {
        self.models.iter().fold((0, 0), |(done, all), m| {
            (done + m.surfaces_done.len(), all + m.organs.len())
        })
    }
}

/// The workers' job: overlap of every prediction first (instant), then the error
/// regions, then surface distances organ by organ in parallel, each sent as it ends.
fn work(
    case: &Case,
    names: &LabelTable,
    settings: &MetricsSettings,
    cancelled: &AtomicBool,
    tx: &Sender<Update>,
) {
    let Some(reference) = case.reference.as_ref() else {
        return;
    };
    let overlap_only = MetricsSettings {
        surface_metrics: false,
        ..settings.clone()
    };
    let mut overlaps = Vec::new();
    for (model, (_, prediction)) in case.predictions.iter().enumerate() {
        match crate::metrics::overlap_of(reference, prediction, None) {
            Err(e) => {
                let _ = tx.send(Update::Failed {
                    model,
                    error: e.to_string(),
                });
            }
            Ok(overlap) => {
                let overlap = Arc::new(overlap);
                let ids = organ_ids(&overlap, settings);
                let pair = Pair {
                    reference,
                    prediction,
                    pred_to_ref: None,
                    overlap: &overlap,
                };
                let organs = ids
                    .iter()
                    .map(|&id| label_metrics(&pair, id, names, &overlap_only))
                    .collect();
                let _ = tx.send(Update::Overlap {
                    model,
                    overlap: overlap.clone(),
                    organs,
                });
                overlaps.push((model, prediction, overlap, ids));
            }
        }
    }
    let pairs: Vec<(usize, Pair<'_>, &[u16])> = overlaps
        .iter()
        .map(|(model, prediction, overlap, ids)| {
            let pair = Pair {
                reference,
                prediction,
                pred_to_ref: None,
                overlap,
            };
            (*model, pair, ids.as_slice())
        })
        .collect();
    // Every prediction's error regions before any surface: "next error" works early.
    for (model, pair, ids) in &pairs {
        let _ = tx.send(Update::Regions {
            model: *model,
            regions: error_regions_of(pair, ids),
        });
    }
    for (model, pair, ids) in &pairs {
        ids.par_iter().for_each_with(tx.clone(), |tx, &id| {
            if cancelled.load(Ordering::Relaxed) {
                return;
            }
            let organ = label_metrics(pair, id, names, settings);
            let _ = tx.send(Update::Surface {
                model: *model,
                organ,
            });
        });
    }
}

fn organ_ids(overlap: &OverlapCounts, settings: &MetricsSettings) -> Vec<u16> {
    match &settings.labels {
        Some(ids) => ids.clone(),
        None => overlap.present_labels(),
    }
}

/// The error regions "next error" walks for an organ (all organs when `None`),
/// largest first.
pub fn regions_of(regions: &[ErrorRegion], organ: Option<u16>) -> Vec<&ErrorRegion> {
    regions
        .iter()
        .filter(|r| organ.is_none_or(|id| r.label_id == id))
        .collect()
}

/// The index after (`step` = 1) or before (`step` = −1) `current` in a list of
/// `len`, wrapping; the first (or last) when nothing is current.
pub fn step_cursor(current: Option<usize>, len: usize, step: i64) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let n = len as i64;
    let next = match current {
        Some(c) => (c as i64 + step).rem_euclid(n),
        None if step >= 0 => 0,
        None => n - 1,
    };
    Some(next as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_wraps_both_ways() {
        assert_eq!(step_cursor(None, 3, 1), Some(0));
        assert_eq!(step_cursor(None, 3, -1), Some(2));
        assert_eq!(step_cursor(Some(2), 3, 1), Some(0));
        assert_eq!(step_cursor(Some(0), 3, -1), Some(2));
        assert_eq!(step_cursor(Some(0), 0, 1), None);
    }

    #[test]
    fn a_case_without_a_reference_is_complete_at_once() {
        let mut case = crate::demo::phantom_case();
        case.reference = None;
        let settings = MetricsSettings::new(crate::metrics::Convention::Nnunet);
        let inspection = Inspection::start(Arc::new(case), LabelTable::empty(""), settings);
        assert!(inspection.is_complete());
        assert!(inspection.models[0].error.is_some());
    }

    #[test]
    fn the_demo_is_inspected_progressively_to_the_same_numbers_as_evaluate() {
        let case = Arc::new(crate::demo::phantom_case());
        let names = crate::labels::Preset::Word.table();
        let settings = MetricsSettings::new(crate::metrics::Convention::Nnunet);
        let mut inspection = Inspection::start(case.clone(), names.clone(), settings.clone());
        inspection.wait();
        assert!(inspection.is_complete());
        let reference = case.reference.as_ref().expect("the demo has a reference");
        let expected =
            crate::metrics::evaluate(reference, &case.predictions[0].1, &names, None, &settings)
                .expect("evaluates");
        let model = &inspection.models[0];
        assert_eq!(model.organs.len(), expected.labels.len());
        for e in &expected.labels {
            let got = &model.organs[&e.label_id];
            assert_eq!(got.counts, e.counts);
            for (a, b) in [
                (got.dice, e.dice),
                (got.hd95_mm, e.hd95_mm),
                (got.assd_mm, e.assd_mm),
            ] {
                assert!(
                    a == b || (a.is_nan() && b.is_nan()),
                    "{}: {a} vs {b}",
                    e.label_name
                );
            }
        }
        let (done, all) = inspection.progress();
        assert_eq!(done, all);
        let regions = model.regions.as_ref().expect("regions found");
        assert!(!regions.is_empty());
        assert!(regions.windows(2).all(|w| w[0].voxels >= w[1].voxels));
    }
}
