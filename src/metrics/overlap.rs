//! Exact voxel counts from one pass over a reference and a prediction: the label
//! confusion matrix, and per-slice counts along all three axes (so any slice's
//! Dice, and every organ's bounding box, is a lookup afterwards).

use rayon::prelude::*;

use super::MetricsError;
use crate::volume::LabelVoxels;

/// Voxel counts of one label (in a volume or a slice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoxelCounts {
    /// Voxels with this label in the reference.
    pub reference: u64,
    /// Voxels with this label in the prediction.
    pub prediction: u64,
    /// Voxels with this label in both.
    pub both: u64,
}

impl VoxelCounts {
    /// Dice = 2|R∩P| / (|R|+|P|); `None` when both are empty (undefined).
    pub fn dice(&self) -> Option<f64> {
        let sum = self.reference + self.prediction;
        (sum > 0).then(|| 2.0 * self.both as f64 / sum as f64)
    }

    /// IoU = |R∩P| / |R∪P|; `None` when both are empty.
    pub fn iou(&self) -> Option<f64> {
        let union = self.reference + self.prediction - self.both;
        (union > 0).then(|| self.both as f64 / union as f64)
    }

    /// False positives: predicted but not in the reference.
    pub fn false_positives(&self) -> u64 {
        self.prediction - self.both
    }

    /// False negatives: in the reference but not predicted.
    pub fn false_negatives(&self) -> u64 {
        self.reference - self.both
    }
}

/// Per-slice counts along one voxel axis, label-major so that a run of voxels
/// along x updates contiguous counters.
#[derive(Debug, Clone)]
struct SliceCounts {
    slices: usize,
    /// `[dense * slices + slice]` voxels in the reference.
    reference: Vec<u32>,
    /// Same, in the prediction.
    prediction: Vec<u32>,
    /// Same, in both.
    both: Vec<u32>,
}

impl SliceCounts {
    fn zeros(slices: usize, labels: usize) -> Self {
        let n = slices * labels;
        SliceCounts {
            slices,
            reference: vec![0; n],
            prediction: vec![0; n],
            both: vec![0; n],
        }
    }

    fn add(&mut self, other: &SliceCounts) {
        for (a, b) in [
            (&mut self.reference, &other.reference),
            (&mut self.prediction, &other.prediction),
            (&mut self.both, &other.both),
        ] {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }

    fn get(&self, dense: usize, slice: usize) -> [u32; 3] {
        let at = dense * self.slices + slice;
        [self.reference[at], self.prediction[at], self.both[at]]
    }
}

/// The result of the overlap pass.
#[derive(Debug, Clone)]
pub struct OverlapCounts {
    shape: [usize; 3],
    /// Dense index → label id.
    ids: Vec<u16>,
    /// Label id → dense index (`u32::MAX` for ids never seen).
    index: Vec<u32>,
    /// `[reference_dense * n + prediction_dense]`, background included.
    confusion: Vec<u64>,
    axes: [SliceCounts; 3],
}

/// How prediction ids translate to reference ids (label matching by name).
pub type IdMap = Vec<u16>;

impl OverlapCounts {
    /// Counts everything in one parallel pass. `pred_to_ref` renames prediction ids
    /// (index = prediction id) before comparing; `None` compares ids as they are.
    pub fn compute(
        reference: &LabelVoxels,
        prediction: &LabelVoxels,
        pred_to_ref: Option<&IdMap>,
    ) -> Result<Self, MetricsError> {
        let shape = reference.shape();
        if shape != prediction.shape() {
            return Err(MetricsError::Shape(shape, prediction.shape()));
        }
        let (ids, lut_r, lut_p) = dense_ids(reference, prediction, pred_to_ref);
        let counts = match (reference, prediction) {
            (LabelVoxels::U8(r), LabelVoxels::U8(p)) => {
                pass(slice_of(r), slice_of(p), shape, &lut_r, &lut_p, ids.len())
            }
            (LabelVoxels::U8(r), LabelVoxels::U16(p)) => {
                pass(slice_of(r), slice_of(p), shape, &lut_r, &lut_p, ids.len())
            }
            (LabelVoxels::U16(r), LabelVoxels::U8(p)) => {
                pass(slice_of(r), slice_of(p), shape, &lut_r, &lut_p, ids.len())
            }
            (LabelVoxels::U16(r), LabelVoxels::U16(p)) => {
                pass(slice_of(r), slice_of(p), shape, &lut_r, &lut_p, ids.len())
            }
        };
        let (mut confusion, axes) = counts;
        let counted: u64 = confusion.iter().sum();
        confusion[0] = (shape.iter().product::<usize>() as u64) - counted;
        let mut index = vec![u32::MAX; 65536];
        for (dense, &id) in ids.iter().enumerate() {
            index[usize::from(id)] = dense as u32;
        }
        Ok(OverlapCounts {
            shape,
            ids,
            index,
            confusion,
            axes,
        })
    }

    /// Grid shape the counts were made on.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// Non-zero label ids present in the reference or the prediction, ascending.
    pub fn present_labels(&self) -> Vec<u16> {
        let mut out: Vec<u16> = self
            .ids
            .iter()
            .copied()
            .filter(|&id| {
                id != 0 && {
                    let c = self.label(id);
                    c.reference + c.prediction > 0
                }
            })
            .collect();
        out.sort_unstable();
        out
    }

    fn dense(&self, id: u16) -> Option<usize> {
        let d = self.index[usize::from(id)];
        (d != u32::MAX).then_some(d as usize)
    }

    /// Whole-volume counts of one label.
    pub fn label(&self, id: u16) -> VoxelCounts {
        let Some(l) = self.dense(id) else {
            return VoxelCounts::default();
        };
        let n = self.ids.len();
        let reference = (0..n).map(|q| self.confusion[l * n + q]).sum();
        let prediction = (0..n).map(|g| self.confusion[g * n + l]).sum();
        VoxelCounts {
            reference,
            prediction,
            both: self.confusion[l * n + l],
        }
    }

    /// Voxels labelled `reference_id` in the reference and `prediction_id` in the prediction.
    pub fn confusion(&self, reference_id: u16, prediction_id: u16) -> u64 {
        match (self.dense(reference_id), self.dense(prediction_id)) {
            (Some(g), Some(p)) => self.confusion[g * self.ids.len() + p],
            _ => 0,
        }
    }

    /// Counts of one label in one slice (`axis` 0, 1 or 2 of the voxel array).
    pub fn slice(&self, axis: usize, slice: usize, id: u16) -> VoxelCounts {
        let (Some(l), Some(a)) = (self.dense(id), self.axes.get(axis)) else {
            return VoxelCounts::default();
        };
        if slice >= a.slices {
            return VoxelCounts::default();
        }
        let [r, p, b] = a.get(l, slice);
        VoxelCounts {
            reference: u64::from(r),
            prediction: u64::from(p),
            both: u64::from(b),
        }
    }

    /// Dice of one label in one slice; `None` where the label is in neither.
    pub fn slice_dice(&self, axis: usize, slice: usize, id: u16) -> Option<f64> {
        self.slice(axis, slice, id).dice()
    }

    /// Inclusive voxel bounding box of a label in the reference or the prediction.
    pub fn bounding_box(&self, id: u16) -> Option<[[usize; 2]; 3]> {
        let l = self.dense(id)?;
        let mut out = [[0usize; 2]; 3];
        for (axis, a) in self.axes.iter().enumerate() {
            let occupied = |s: &usize| {
                let [r, p, _] = a.get(l, *s);
                r + p > 0
            };
            out[axis] = [
                (0..a.slices).find(occupied)?,
                (0..a.slices).rev().find(occupied)?,
            ];
        }
        Some(out)
    }
}

fn slice_of<T>(a: &ndarray::Array3<T>) -> &[T] {
    a.as_slice_memory_order()
        .expect("label maps are contiguous (built by segscope)")
}

/// A label voxel type.
trait LabelValue: Copy + Send + Sync {
    fn id(self) -> usize;
    /// True when every value is 0 (background), checked without branches per value.
    fn all_zero(values: &[Self]) -> bool;
}
impl LabelValue for u8 {
    #[inline]
    fn id(self) -> usize {
        usize::from(self)
    }
    #[inline]
    fn all_zero(values: &[Self]) -> bool {
        values.iter().fold(0u8, |a, &v| a | v) == 0
    }
}
impl LabelValue for u16 {
    #[inline]
    fn id(self) -> usize {
        usize::from(self)
    }
    #[inline]
    fn all_zero(values: &[Self]) -> bool {
        values.iter().fold(0u16, |a, &v| a | v) == 0
    }
}

/// The dense label space: ids present in either map (after renaming), with
/// lookup tables from raw values to dense indices. Two u8 maps compared id to id
/// use the identity on 0..=255 and skip the histogram passes.
fn dense_ids(
    reference: &LabelVoxels,
    prediction: &LabelVoxels,
    pred_to_ref: Option<&IdMap>,
) -> (Vec<u16>, Vec<u32>, Vec<u32>) {
    if let (LabelVoxels::U8(_), LabelVoxels::U8(_), None) = (reference, prediction, pred_to_ref) {
        let identity: Vec<u32> = (0..256).collect();
        return ((0..256).collect(), identity.clone(), identity);
    }
    let present = |m: &LabelVoxels| -> Vec<u16> {
        let h = match m {
            LabelVoxels::U8(a) => crate::volume::stats::histogram(slice_of(a), 256),
            LabelVoxels::U16(a) => crate::volume::stats::histogram(slice_of(a), 65536),
        };
        h.iter()
            .enumerate()
            .filter(|&(id, &n)| n > 0 && id > 0)
            .map(|(id, _)| id as u16)
            .collect()
    };
    let rename =
        |id: u16| pred_to_ref.map_or(id, |m| m.get(usize::from(id)).copied().unwrap_or(id));
    let mut ids: Vec<u16> = vec![0];
    ids.extend(present(reference));
    let pred_present = present(prediction);
    ids.extend(pred_present.iter().map(|&id| rename(id)));
    ids.sort_unstable();
    ids.dedup();
    let mut to_dense = vec![0u32; 65536];
    for (d, &id) in ids.iter().enumerate() {
        to_dense[usize::from(id)] = d as u32;
    }
    let lut_r = to_dense.clone();
    let mut lut_p = vec![0u32; 65536];
    for id in pred_present {
        lut_p[usize::from(id)] = to_dense[usize::from(rename(id))];
    }
    (ids, lut_r, lut_p)
}

/// Voxels examined at once when skipping background.
const RUN: usize = 32;

type PassResult = (Vec<u64>, [SliceCounts; 3]);

/// Counters of one z-chunk of the pass.
struct ChunkCounts {
    confusion: Vec<u64>,
    x: SliceCounts,
    y: SliceCounts,
    z: SliceCounts,
}

fn pass<R: LabelValue, P: LabelValue>(
    r: &[R],
    p: &[P],
    shape: [usize; 3],
    lut_r: &[u32],
    lut_p: &[u32],
    n: usize,
) -> PassResult {
    let [nx, ny, nz] = shape;
    let plane = nx * ny;
    // A few z-chunks per thread: each keeps its own counters, summed afterwards.
    let chunks = (rayon::current_num_threads() * 2).clamp(1, nz.max(1));
    let per_chunk = nz.div_ceil(chunks);
    let partials: Vec<(usize, ChunkCounts)> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let (k0, k1) = ((c * per_chunk).min(nz), ((c + 1) * per_chunk).min(nz));
            let mut out = ChunkCounts {
                confusion: vec![0u64; n * n],
                x: SliceCounts::zeros(nx, n),
                y: SliceCounts::zeros(ny, n),
                z: SliceCounts::zeros(nz, n),
            };
            // Per-row totals per label, flushed into the y and z counters at the row's end.
            let mut row = vec![[0u32; 3]; n];
            let mut touched: Vec<usize> = Vec::with_capacity(16);
            for k in k0..k1 {
                for j in 0..ny {
                    let start = k * plane + j * nx;
                    let (rr, pr) = (&r[start..start + nx], &p[start..start + nx]);
                    count_row(rr, pr, lut_r, lut_p, n, &mut out, &mut row, &mut touched);
                    for &l in &touched {
                        let [a, b, c] = row[l];
                        let (y, z) = (l * ny + j, l * nz + k);
                        out.y.reference[y] += a;
                        out.y.prediction[y] += b;
                        out.y.both[y] += c;
                        out.z.reference[z] += a;
                        out.z.prediction[z] += b;
                        out.z.both[z] += c;
                        row[l] = [0; 3];
                    }
                    touched.clear();
                }
            }
            (c, out)
        })
        .collect();
    let mut total = ChunkCounts {
        confusion: vec![0u64; n * n],
        x: SliceCounts::zeros(nx, n),
        y: SliceCounts::zeros(ny, n),
        z: SliceCounts::zeros(nz, n),
    };
    for (_, part) in partials {
        total
            .confusion
            .iter_mut()
            .zip(&part.confusion)
            .for_each(|(a, b)| *a += b);
        total.x.add(&part.x);
        total.y.add(&part.y);
        total.z.add(&part.z);
    }
    (total.confusion, [total.x, total.y, total.z])
}

/// Counts one row by runs of identical (reference, prediction) pairs: a run
/// updates the confusion matrix once and the x counters as a contiguous range.
#[allow(clippy::too_many_arguments)]
#[inline]
fn count_row<R: LabelValue, P: LabelValue>(
    rr: &[R],
    pr: &[P],
    lut_r: &[u32],
    lut_p: &[u32],
    n: usize,
    out: &mut ChunkCounts,
    row: &mut [[u32; 3]],
    touched: &mut Vec<usize>,
) {
    let nx = rr.len();
    let mut i = 0;
    while i < nx {
        // Skip background a block at a time (OR-folds vectorise; `all` would not).
        let end = (i + RUN).min(nx);
        if R::all_zero(&rr[i..end]) && P::all_zero(&pr[i..end]) {
            i = end;
            continue;
        }
        let (rv, pv) = (rr[i].id(), pr[i].id());
        let mut e = i + 1;
        while e < nx && rr[e].id() == rv && pr[e].id() == pv {
            e += 1;
        }
        let (g, q) = (lut_r[rv] as usize, lut_p[pv] as usize);
        let len = (e - i) as u32;
        if g != 0 || q != 0 {
            out.confusion[g * n + q] += u64::from(len);
            let mut bump = |l: usize, which: usize, xs: &mut Vec<u32>| {
                xs[l * nx + i..l * nx + e].iter_mut().for_each(|c| *c += 1);
                if row[l] == [0; 3] {
                    touched.push(l);
                }
                row[l][which] += len;
            };
            if g != 0 {
                bump(g, 0, &mut out.x.reference);
            }
            if q != 0 {
                bump(q, 1, &mut out.x.prediction);
                if g == q {
                    bump(q, 2, &mut out.x.both);
                }
            }
        }
        i = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::VoxelData;

    fn maps() -> (LabelVoxels, LabelVoxels) {
        // 4×3×2 grid; reference has label 1 in 4 voxels, label 2 in 2; prediction
        // overlaps label 1 in 3 voxels, adds one FP of 1 and labels 3 once.
        let mut r = vec![0u8; 24];
        let mut p = vec![0u8; 24];
        for i in [0, 1, 2, 3] {
            r[i] = 1;
        }
        r[20] = 2;
        r[21] = 2;
        for i in [1, 2, 3, 4] {
            p[i] = 1;
        }
        p[21] = 2;
        p[23] = 3;
        (
            LabelVoxels::U8(VoxelData::from_vec([4, 3, 2], r)),
            LabelVoxels::U8(VoxelData::from_vec([4, 3, 2], p)),
        )
    }

    #[test]
    fn counts_dice_and_confusion() {
        let (r, p) = maps();
        let o = OverlapCounts::compute(&r, &p, None).unwrap();
        assert_eq!(
            o.label(1),
            VoxelCounts {
                reference: 4,
                prediction: 4,
                both: 3
            }
        );
        assert_eq!(o.label(1).dice(), Some(0.75));
        assert_eq!(o.label(1).iou(), Some(0.6));
        assert_eq!(o.label(3).dice(), Some(0.0));
        assert_eq!(o.label(7).dice(), None);
        assert_eq!(o.confusion(1, 0), 1);
        assert_eq!(o.confusion(0, 1), 1);
        assert_eq!(o.confusion(0, 0), 24 - 8);
        assert_eq!(o.present_labels(), vec![1, 2, 3]);
    }

    #[test]
    fn per_slice_counts_on_every_axis_and_bounding_boxes() {
        let (r, p) = maps();
        let o = OverlapCounts::compute(&r, &p, None).unwrap();
        assert_eq!(
            o.slice(2, 0, 1),
            VoxelCounts {
                reference: 4,
                prediction: 4,
                both: 3
            }
        );
        assert_eq!(o.slice(2, 1, 1), VoxelCounts::default());
        assert_eq!(o.slice_dice(0, 0, 1), Some(0.0)); // x=0: ref at (0,0,0), pred at (0,1,0)
        assert_eq!(o.slice_dice(0, 1, 1), Some(1.0));
        assert_eq!(
            o.slice(1, 2, 2),
            VoxelCounts {
                reference: 2,
                prediction: 1,
                both: 1
            }
        );
        assert_eq!(o.bounding_box(1), Some([[0, 3], [0, 1], [0, 0]]));
        assert_eq!(o.bounding_box(9), None);
    }

    #[test]
    fn renamed_prediction_ids_match_by_name() {
        let (r, p) = maps();
        let mut rename: IdMap = (0..=u16::MAX).collect();
        rename[3] = 2; // the prediction's 3 is the reference's 2
        let o = OverlapCounts::compute(&r, &p, Some(&rename)).unwrap();
        assert_eq!(
            o.label(2),
            VoxelCounts {
                reference: 2,
                prediction: 2,
                both: 1
            }
        );
        assert_eq!(o.present_labels(), vec![1, 2]);
    }
}
