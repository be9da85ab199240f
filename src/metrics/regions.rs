//! Error regions: connected components (26-connectivity) of an organ's false
//! positives and false negatives, each with its size, place and the slice where it
//! is largest — what "next error" navigation walks through.

use serde::Serialize;

use super::overlap::IdMap;
use crate::volume::LabelVoxels;

/// Predicted-but-wrong or missed voxels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// In the prediction, not in the reference.
    FalsePositive,
    /// In the reference, not in the prediction.
    FalseNegative,
}

impl ErrorKind {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::FalsePositive => "false_positive",
            ErrorKind::FalseNegative => "false_negative",
        }
    }
}

/// One connected error region of one organ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRegion {
    /// Organ id (reference numbering).
    pub label_id: u16,
    /// False positive or false negative.
    pub kind: ErrorKind,
    /// Voxels in the region.
    pub voxels: u64,
    /// Volume in ml.
    pub volume_ml: f64,
    /// Inclusive voxel bounding box per axis.
    pub bbox: [[usize; 2]; 3],
    /// Mean voxel index.
    pub centroid: [f64; 3],
    /// For each voxel axis, the slice index where the region has most voxels.
    pub largest_slice: [usize; 3],
}

/// The error regions of label `id` inside `bbox`, largest first.
pub fn error_regions(
    reference: &LabelVoxels,
    prediction: &LabelVoxels,
    id: u16,
    pred_to_ref: Option<&IdMap>,
    bbox: [[usize; 2]; 3],
    voxel_ml: f64,
) -> Vec<ErrorRegion> {
    let masks = super::surface::crop(reference, prediction, id, pred_to_ref, bbox);
    let size = masks.size;
    let n = masks.reference.len();
    // 0 none, 1 false positive, 2 false negative.
    let kind_at: Vec<u8> = masks
        .reference
        .iter()
        .zip(&masks.prediction)
        .map(|(&r, &p)| match (r, p) {
            (false, true) => 1,
            (true, false) => 2,
            _ => 0,
        })
        .collect();
    let mut regions = Vec::new();
    let mut seen = vec![false; n];
    let mut stack = Vec::new();
    for start in 0..n {
        if kind_at[start] == 0 || seen[start] {
            continue;
        }
        let kind = kind_at[start];
        seen[start] = true;
        stack.push(start);
        let mut members = Vec::new();
        while let Some(v) = stack.pop() {
            members.push(v);
            let (i, j, k) = (
                v % size[0],
                (v / size[0]) % size[1],
                v / (size[0] * size[1]),
            );
            for dk in -1isize..=1 {
                for dj in -1isize..=1 {
                    for di in -1isize..=1 {
                        let (a, b, c) = (i as isize + di, j as isize + dj, k as isize + dk);
                        if a < 0
                            || b < 0
                            || c < 0
                            || a as usize >= size[0]
                            || b as usize >= size[1]
                            || c as usize >= size[2]
                        {
                            continue;
                        }
                        let w = a as usize + size[0] * (b as usize + size[1] * c as usize);
                        if !seen[w] && kind_at[w] == kind {
                            seen[w] = true;
                            stack.push(w);
                        }
                    }
                }
            }
        }
        regions.push(describe(
            &members,
            size,
            bbox,
            id,
            if kind == 1 {
                ErrorKind::FalsePositive
            } else {
                ErrorKind::FalseNegative
            },
            voxel_ml,
        ));
    }
    regions.sort_by(|a, b| b.voxels.cmp(&a.voxels).then(a.bbox.cmp(&b.bbox)));
    regions
}

fn describe(
    members: &[usize],
    size: [usize; 3],
    bbox: [[usize; 2]; 3],
    id: u16,
    kind: ErrorKind,
    voxel_ml: f64,
) -> ErrorRegion {
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    let mut sum = [0f64; 3];
    let mut per_slice: [Vec<u64>; 3] = [vec![0; size[0]], vec![0; size[1]], vec![0; size[2]]];
    for &v in members {
        let local = [
            v % size[0],
            (v / size[0]) % size[1],
            v / (size[0] * size[1]),
        ];
        for a in 0..3 {
            let g = local[a] + bbox[a][0];
            lo[a] = lo[a].min(g);
            hi[a] = hi[a].max(g);
            sum[a] += g as f64;
            per_slice[a][local[a]] += 1;
        }
    }
    let count = members.len() as f64;
    let largest_slice = [0, 1, 2].map(|a| {
        let (best, _) = per_slice[a]
            .iter()
            .enumerate()
            .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(&x.0)))
            .unwrap_or((0, &0));
        best + bbox[a][0]
    });
    ErrorRegion {
        label_id: id,
        kind,
        voxels: members.len() as u64,
        volume_ml: count * voxel_ml,
        bbox: [0, 1, 2].map(|a| [lo[a], hi[a]]),
        centroid: sum.map(|s| s / count),
        largest_slice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::VoxelData;

    #[test]
    fn components_are_26_connected_and_described() {
        let shape = [6, 5, 4];
        let idx = |i: usize, j: usize, k: usize| i + 6 * (j + 5 * k);
        let mut r = vec![0u8; 120];
        let mut p = vec![0u8; 120];
        // Reference block 2×2×1 at the origin, predicted but one voxel missed.
        for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            r[idx(i, j, 0)] = 3;
            p[idx(i, j, 0)] = 3;
        }
        p[idx(1, 1, 0)] = 0;
        // A false-positive island of two diagonal voxels (26-connected only) far away.
        p[idx(4, 3, 2)] = 3;
        p[idx(5, 4, 3)] = 3;
        let (r, p) = (
            LabelVoxels::U8(VoxelData::from_vec(shape, r)),
            LabelVoxels::U8(VoxelData::from_vec(shape, p)),
        );
        let regions = error_regions(&r, &p, 3, None, [[0, 5], [0, 4], [0, 3]], 0.5);
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[0].kind, ErrorKind::FalsePositive);
        assert_eq!(regions[0].voxels, 2);
        assert_eq!(regions[0].volume_ml, 1.0);
        assert_eq!(regions[0].bbox, [[4, 5], [3, 4], [2, 3]]);
        assert_eq!(regions[0].centroid, [4.5, 3.5, 2.5]);
        assert_eq!(regions[1].kind, ErrorKind::FalseNegative);
        assert_eq!(regions[1].bbox, [[1, 1], [1, 1], [0, 0]]);
        assert_eq!(regions[1].largest_slice, [1, 1, 0]);
    }
}
