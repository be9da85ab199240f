//! Segmentation metrics: exact overlap counts (volume and per slice), surface
//! distances in the DeepMind and MedPy definitions, empty-mask conventions.

pub mod convention;
mod edt;
pub mod export;
mod numpy_sum;
pub mod overlap;
pub mod regions;
pub mod surface;
mod surfel_normals;

use rayon::prelude::*;
use serde::Serialize;

pub use convention::{Convention, Status};
pub use overlap::{IdMap, OverlapCounts, VoxelCounts};
pub use surface::SurfaceDefinition;

use crate::labels::{LabelTable, normalize_name};
use crate::volume::{GridDifference, LabelMap};

/// Why metrics could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The two label maps have different voxel grids.
    #[error("label maps have different shapes {0:?} and {1:?}")]
    Shape([usize; 3], [usize; 3]),
    /// Same shape, but not the same grid in space.
    #[error("{prediction}: not on the grid of {reference}: {}", .differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Grid {
        /// Reference file.
        reference: String,
        /// Prediction file.
        prediction: String,
        /// What differs.
        differences: Vec<GridDifference>,
    },
}

/// What to compute and how to define it.
#[derive(Debug, Clone, Serialize)]
pub struct MetricsSettings {
    /// Empty-mask convention.
    pub convention: Convention,
    /// Surface definition (the convention's by default).
    pub surface: SurfaceDefinition,
    /// NSD tolerances in mm.
    pub tolerances: Vec<f64>,
    /// Only these label ids (all present ones when `None`).
    pub labels: Option<Vec<u16>>,
    /// Compute HD, HD95, ASSD, NSD (slower than overlap alone).
    pub surface_metrics: bool,
}

impl MetricsSettings {
    /// The convention's defaults: its surface definition, NSD at 1 and 2 mm.
    pub fn new(convention: Convention) -> Self {
        MetricsSettings {
            convention,
            surface: convention.default_surface(),
            tolerances: vec![1.0, 2.0],
            labels: None,
            surface_metrics: true,
        }
    }
}

/// Every metric of one organ in one case, after the convention.
#[derive(Debug, Clone, Serialize)]
pub struct LabelMetrics {
    /// Label id (the reference's numbering).
    pub label_id: u16,
    /// Organ name.
    pub label_name: String,
    /// Voxel counts.
    #[serde(skip)]
    pub counts: VoxelCounts,
    /// Reference volume (ml).
    pub reference_ml: f64,
    /// Predicted volume (ml).
    pub prediction_ml: f64,
    /// Dice.
    pub dice: f64,
    /// Intersection over union.
    pub iou: f64,
    /// Relative volume difference (P − R) / R; NaN when the reference is empty.
    pub rvd: f64,
    /// Hausdorff distance (mm).
    pub hd_mm: f64,
    /// 95th-percentile Hausdorff distance (mm).
    pub hd95_mm: f64,
    /// Average symmetric surface distance (mm).
    pub assd_mm: f64,
    /// Mean of the two directed average surface distances (mm).
    pub masd_mm: f64,
    /// (tolerance mm, NSD) pairs, one per requested tolerance.
    pub nsd: Vec<(f64, f64)>,
    /// FLARE22 only: (the organ's tolerance, NSD at it); NaN for organs FLARE22 does not list.
    pub nsd_organ: Option<(f64, f64)>,
    /// Which masks are empty.
    pub status: Status,
}

/// Metrics of one reference/prediction pair.
#[derive(Debug, Clone)]
pub struct CaseMetrics {
    /// Per organ, in id order.
    pub labels: Vec<LabelMetrics>,
    /// The counts they came from (per-slice Dice, confusion, bounding boxes).
    pub overlap: OverlapCounts,
}

/// Pairs prediction ids with reference ids by organ name (ignoring case and
/// punctuation). Returns the renaming and the names to report under: the
/// reference's, plus the prediction's for organs the reference does not name (moved
/// to free ids when the reference uses their number for another organ).
pub fn match_by_name(reference: &LabelTable, prediction: &LabelTable) -> (IdMap, LabelTable) {
    let mut map: IdMap = (0..=u16::MAX).collect();
    let mut names = reference.clone();
    let mut free = (1..=u16::MAX)
        .rev()
        .filter(|id| reference.get(*id).is_none() && prediction.get(*id).is_none());
    for (id, entry) in prediction.iter() {
        if let Some(target) = reference.id_by_name(&entry.name) {
            map[usize::from(id)] = target;
        } else {
            // The reference uses this number for another organ: move it to a free
            // id and say which prediction id it was.
            let (target, name) = match reference.get(id) {
                Some(e) if normalize_name(&e.name) != normalize_name(&entry.name) => (
                    free.next().unwrap_or(id),
                    format!("{} (prediction id {id})", entry.name),
                ),
                _ => (id, entry.name.clone()),
            };
            map[usize::from(id)] = target;
            names.insert_entry(
                target,
                crate::labels::LabelEntry {
                    name,
                    ..entry.clone()
                },
            );
        }
    }
    (map, names)
}

/// The overlap pass of one pair, after checking that both share one grid.
pub fn overlap_of(
    reference: &LabelMap,
    prediction: &LabelMap,
    pred_to_ref: Option<&IdMap>,
) -> Result<OverlapCounts, MetricsError> {
    let differences = reference.geometry.differences(&prediction.geometry);
    if !differences.is_empty() {
        return Err(MetricsError::Grid {
            reference: reference.source.path.display().to_string(),
            prediction: prediction.source.path.display().to_string(),
            differences,
        });
    }
    OverlapCounts::compute(&reference.voxels, &prediction.voxels, pred_to_ref)
}

/// Computes every organ's metrics for one pair; `pred_to_ref` renames prediction ids.
pub fn evaluate(
    reference: &LabelMap,
    prediction: &LabelMap,
    names: &LabelTable,
    pred_to_ref: Option<&IdMap>,
    settings: &MetricsSettings,
) -> Result<CaseMetrics, MetricsError> {
    let overlap = overlap_of(reference, prediction, pred_to_ref)?;
    let ids = match &settings.labels {
        Some(ids) => ids.clone(),
        None => overlap.present_labels(),
    };
    let pair = Pair {
        reference,
        prediction,
        pred_to_ref,
        overlap: &overlap,
    };
    let labels = ids
        .par_iter()
        .map(|&id| label_metrics(&pair, id, names, settings))
        .collect();
    Ok(CaseMetrics { labels, overlap })
}

/// A reference/prediction pair on one grid with its overlap counts: what one
/// organ's metrics are computed from.
#[derive(Clone, Copy)]
pub struct Pair<'a> {
    /// The reference label map.
    pub reference: &'a LabelMap,
    /// The prediction label map.
    pub prediction: &'a LabelMap,
    /// Renaming of prediction ids, if the class maps differ.
    pub pred_to_ref: Option<&'a IdMap>,
    /// The pair's overlap pass ([`overlap_of`]).
    pub overlap: &'a OverlapCounts,
}

/// Every metric of organ `id` of a pair, after the convention. With
/// `settings.surface_metrics` off the distances are NaN (overlap only, instant).
pub fn label_metrics(
    pair: &Pair<'_>,
    id: u16,
    names: &LabelTable,
    settings: &MetricsSettings,
) -> LabelMetrics {
    let (reference, prediction, overlap) = (pair.reference, pair.prediction, pair.overlap);
    let voxel_ml = reference.geometry.voxel_volume_ml();
    let spacing = reference.geometry.spacing;
    let counts = overlap.label(id);
    let status = Status::from_counts(counts.reference, counts.prediction);
    let name = names.name(id);
    // FLARE22 adds the organ's own tolerance after the requested ones.
    let organ_tolerance = match settings.convention {
        Convention::Flare22 => Convention::flare22_tolerance(&name),
        _ => None,
    };
    let tolerances: Vec<f64> = settings
        .tolerances
        .iter()
        .copied()
        .chain(organ_tolerance)
        .collect();
    let surface = match (settings.surface_metrics, overlap.bounding_box(id)) {
        (true, Some(bbox)) => Some(
            surface::surface_distances(
                &reference.voxels,
                &prediction.voxels,
                id,
                pair.pred_to_ref,
                bbox,
                spacing,
                settings.surface,
            )
            .metrics(settings.surface, &tolerances),
        ),
        _ => None,
    };
    let nan = f64::NAN;
    let raw = convention::Defined {
        dice: counts.dice().unwrap_or(nan),
        iou: counts.iou().unwrap_or(nan),
        hd: surface.as_ref().map_or(nan, |s| s.hd),
        hd95: surface.as_ref().map_or(nan, |s| s.hd95),
        assd: surface.as_ref().map_or(nan, |s| s.assd),
        masd: surface.as_ref().map_or(nan, |s| s.masd),
    };
    let defined = if settings.surface_metrics || status != Status::Ok {
        settings.convention.define(status, raw)
    } else {
        raw
    };
    let keep_distances = |v: f64| if settings.surface_metrics { v } else { nan };
    let mut nsd: Vec<(f64, f64)> = tolerances
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let raw = surface.as_ref().map_or(nan, |s| s.nsd[i]);
            (
                t,
                if settings.surface_metrics {
                    settings.convention.nsd(status, raw)
                } else {
                    nan
                },
            )
        })
        .collect();
    let nsd_organ = match (settings.convention, organ_tolerance) {
        (Convention::Flare22, Some(_)) => nsd.pop(),
        (Convention::Flare22, None) => Some((nan, nan)),
        _ => None,
    };
    LabelMetrics {
        label_id: id,
        label_name: name,
        counts,
        reference_ml: counts.reference as f64 * voxel_ml,
        prediction_ml: counts.prediction as f64 * voxel_ml,
        dice: defined.dice,
        iou: defined.iou,
        rvd: if counts.reference > 0 {
            (counts.prediction as f64 - counts.reference as f64) / counts.reference as f64
        } else {
            nan
        },
        hd_mm: keep_distances(defined.hd),
        hd95_mm: keep_distances(defined.hd95),
        assd_mm: keep_distances(defined.assd),
        masd_mm: keep_distances(defined.masd),
        nsd,
        nsd_organ,
        status,
    }
}

/// The error regions of every evaluated organ of a case, largest first.
pub fn case_error_regions(
    reference: &LabelMap,
    prediction: &LabelMap,
    metrics: &CaseMetrics,
    pred_to_ref: Option<&IdMap>,
) -> Vec<regions::ErrorRegion> {
    let pair = Pair {
        reference,
        prediction,
        pred_to_ref,
        overlap: &metrics.overlap,
    };
    let ids: Vec<u16> = metrics.labels.iter().map(|m| m.label_id).collect();
    error_regions_of(&pair, &ids)
}

/// The error regions of organs `ids` of a pair, largest first (ties by id).
pub fn error_regions_of(pair: &Pair<'_>, ids: &[u16]) -> Vec<regions::ErrorRegion> {
    let voxel_ml = pair.reference.geometry.voxel_volume_ml();
    let mut out: Vec<regions::ErrorRegion> = ids
        .par_iter()
        .filter_map(|&id| pair.overlap.bounding_box(id).map(|bbox| (id, bbox)))
        .flat_map_iter(|(id, bbox)| {
            regions::error_regions(
                &pair.reference.voxels,
                &pair.prediction.voxels,
                id,
                pair.pred_to_ref,
                bbox,
                voxel_ml,
            )
        })
        .collect();
    out.sort_by(|a, b| b.voxels.cmp(&a.voxels).then(a.label_id.cmp(&b.label_id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Geometry, LabelVoxels, VoxelData};

    fn map(values: Vec<u8>) -> LabelMap {
        let affine = [
            [1.5, 0., 0., 0.],
            [0., 1.5, 0., 0.],
            [0., 0., 2.0, 0.],
            [0., 0., 0., 1.],
        ];
        LabelMap {
            source: crate::demo::phantom_case().images[0].1.source.clone(),
            geometry: Geometry::new([4, 4, 4], affine),
            voxels: LabelVoxels::U8(VoxelData::from_vec([4, 4, 4], values)),
        }
    }

    #[test]
    fn empty_maps_give_defined_results_under_every_convention() {
        let (r, p) = (map(vec![0; 64]), map(vec![0; 64]));
        let names = LabelTable::empty("");
        let mut settings = MetricsSettings::new(Convention::Nnunet);
        assert!(
            evaluate(&r, &p, &names, None, &settings)
                .unwrap()
                .labels
                .is_empty()
        );
        settings.labels = Some(vec![1]);
        let m = &evaluate(&r, &p, &names, None, &settings).unwrap().labels[0];
        assert_eq!(m.status, Status::BothAbsent);
        assert!(m.dice.is_nan() && m.hd95_mm.is_nan() && m.nsd[0].1.is_nan());
        settings.convention = Convention::Flare22;
        let m = &evaluate(&r, &p, &names, None, &settings).unwrap().labels[0];
        assert_eq!((m.dice, m.nsd[0].1), (1.0, 1.0));
    }

    #[test]
    fn a_hallucinated_organ_is_absent_in_reference_with_zero_scores() {
        let mut values = vec![0u8; 64];
        values[21] = 7;
        let (r, p) = (map(vec![0; 64]), map(values));
        let m = &evaluate(
            &r,
            &p,
            &LabelTable::empty(""),
            None,
            &MetricsSettings::new(Convention::Word),
        )
        .unwrap()
        .labels[0];
        assert_eq!((m.label_id, m.status), (7, Status::AbsentInReference));
        assert_eq!((m.dice, m.hd95_mm, m.nsd[0].1), (0.0, 50.0, 0.0));
        assert_eq!(m.label_name, "label 7");
    }
}
