//! Per-slice views of the overlap counts in display order: the Dice and error
//! voxels of every slice along a view's normal (the strip chart under each view),
//! and an organ's worst slice.

use crate::metrics::{OverlapCounts, VoxelCounts};
use crate::volume::{DisplayAxes, LabelVoxels};

/// Which organs a per-slice number is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganSelection<'a> {
    /// One organ id.
    One(u16),
    /// These organs' counts summed (voxels where both say the same organ are agreement).
    Pooled(&'a [u16]),
}

/// The counts of one display slice: `slice` along display (RAS) axis `axis`.
pub fn slice_counts(
    overlap: &OverlapCounts,
    display: &DisplayAxes,
    axis: usize,
    slice: usize,
    organs: OrganSelection<'_>,
) -> VoxelCounts {
    let voxel_axis = display.voxel_axis[axis];
    let n = display.shape[axis];
    if slice >= n {
        return VoxelCounts::default();
    }
    // Display index 0 is the most L, P or I slice; a flipped voxel axis runs the other way.
    let voxel_slice = if display.flipped[axis] {
        n - 1 - slice
    } else {
        slice
    };
    let one = |id: u16| overlap.slice(voxel_axis, voxel_slice, id);
    match organs {
        OrganSelection::One(id) => one(id),
        OrganSelection::Pooled(ids) => ids.iter().fold(VoxelCounts::default(), |acc, &id| {
            let c = one(id);
            VoxelCounts {
                reference: acc.reference + c.reference,
                prediction: acc.prediction + c.prediction,
                both: acc.both + c.both,
            }
        }),
    }
}

/// The counts of every display slice along `axis`, in display order.
pub fn slice_series(
    overlap: &OverlapCounts,
    display: &DisplayAxes,
    axis: usize,
    organs: OrganSelection<'_>,
) -> Vec<VoxelCounts> {
    (0..display.shape[axis])
        .map(|s| slice_counts(overlap, display, axis, s, organs))
        .collect()
}

/// Voxels in the reference or the prediction.
fn union(c: &VoxelCounts) -> u64 {
    c.reference + c.prediction - c.both
}

/// The worst slice of a series: the lowest Dice among the slices where the organ
/// covers at least a quarter of its largest cross-section (so a one-voxel tip at
/// Dice 0 does not hide a large failure), more error voxels breaking ties. `None`
/// when the organ is in no slice.
pub fn worst_slice(series: &[VoxelCounts]) -> Option<usize> {
    let largest = series.iter().map(union).max().filter(|&u| u > 0)?;
    series
        .iter()
        .enumerate()
        .filter(|(_, c)| 4 * union(c) >= largest)
        .min_by(|(_, a), (_, b)| {
            let (da, db) = (a.dice().unwrap_or(1.0), b.dice().unwrap_or(1.0));
            let errors = |c: &VoxelCounts| c.false_positives() + c.false_negatives();
            da.total_cmp(&db).then(errors(b).cmp(&errors(a)))
        })
        .map(|(s, _)| s)
}

/// The slice of a series where the organ is largest in the reference (its best
/// cross-section), or in the prediction when the reference lacks it.
pub fn largest_slice(series: &[VoxelCounts]) -> Option<usize> {
    let by = |f: fn(&VoxelCounts) -> u64| {
        series
            .iter()
            .enumerate()
            .filter(|(_, c)| f(c) > 0)
            .max_by_key(|(s, c)| (f(c), std::cmp::Reverse(*s)))
            .map(|(s, _)| s)
    };
    by(|c| c.reference).or_else(|| by(|c| c.prediction))
}

/// Where to put the crosshair in one voxel slice of organ `id`: the mean voxel
/// of its errors there (missed or wrongly predicted), else of the organ itself.
/// Only `bbox` (the organ's bounding box) is scanned. `None` when the organ is not
/// in that slice.
pub fn slice_focus(
    reference: &LabelVoxels,
    prediction: &LabelVoxels,
    id: u16,
    (voxel_axis, voxel_slice): (usize, usize),
    bbox: [[usize; 2]; 3],
) -> Option<[f64; 3]> {
    let mut range = bbox.map(|[lo, hi]| lo..=hi);
    range[voxel_axis] = voxel_slice..=voxel_slice;
    // (sum of indices, count) of error voxels and of organ voxels.
    let (mut errors, mut organ) = (([0.0; 3], 0u64), ([0.0; 3], 0u64));
    for k in range[2].clone() {
        for j in range[1].clone() {
            for i in range[0].clone() {
                let ijk = [i, j, k];
                let r = reference.get(ijk) == Some(id);
                let p = prediction.get(ijk) == Some(id);
                for (hit, acc) in [(r != p, &mut errors), (r || p, &mut organ)] {
                    if hit {
                        (0..3).for_each(|a| acc.0[a] += ijk[a] as f64);
                        acc.1 += 1;
                    }
                }
            }
        }
    }
    [errors, organ]
        .into_iter()
        .find(|(_, n)| *n > 0)
        .map(|(sum, n)| sum.map(|s| s / n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(reference: u64, prediction: u64, both: u64) -> VoxelCounts {
        VoxelCounts {
            reference,
            prediction,
            both,
        }
    }

    #[test]
    fn the_worst_slice_ignores_tiny_tips() {
        // Slice 0: a 1-voxel miss (Dice 0) at the tip; slice 2: a large slice at Dice 0.5.
        let series = [c(1, 0, 0), c(100, 100, 95), c(100, 100, 50), c(0, 0, 0)];
        assert_eq!(worst_slice(&series), Some(2));
        assert_eq!(worst_slice(&[c(0, 0, 0)]), None);
        assert_eq!(largest_slice(&series), Some(1));
    }

    #[test]
    fn display_slices_follow_flipped_axes() {
        let case = crate::demo::phantom_case();
        let reference = case.reference.as_ref().expect("a reference");
        let prediction = &case.predictions[0].1;
        let overlap = OverlapCounts::compute(&reference.voxels, &prediction.voxels, None)
            .expect("same shape");
        let mut display = reference.geometry.display_axes();
        let plain = slice_series(&overlap, &display, 2, OrganSelection::One(1));
        display.flipped[2] = !display.flipped[2];
        let mut flipped = slice_series(&overlap, &display, 2, OrganSelection::One(1));
        flipped.reverse();
        assert_eq!(plain, flipped);
        // Pooling one organ is that organ.
        let pooled = slice_series(&overlap, &display, 2, OrganSelection::Pooled(&[1]));
        flipped.reverse();
        assert_eq!(pooled, flipped);
    }
}
