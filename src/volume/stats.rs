//! Whole-volume summaries computed in one parallel pass: intensity range and
//! non-finite counts for images, voxel counts per label for label maps.

use ndarray::Array3;
use rayon::prelude::*;

use super::header::LinearScaling;
use super::voxel::{Voxel, VoxelData};
use crate::with_voxels;

/// Voxels handled per parallel task: large enough to amortise scheduling,
/// small enough to spread a 512×512×200 volume across cores.
const CHUNK: usize = 1 << 20;

/// Range and non-finite counts of an intensity image (after scaling).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntensityStats {
    /// Smallest finite value, or NaN when no value is finite.
    pub min: f64,
    /// Largest finite value, or NaN when no value is finite.
    pub max: f64,
    /// Number of NaN voxels.
    pub nan_count: u64,
    /// Number of ±Inf voxels.
    pub inf_count: u64,
    /// True when every finite value is a whole number.
    pub all_integer: bool,
}

#[derive(Clone, Copy)]
struct Partial {
    min: f64,
    max: f64,
    nan: u64,
    inf: u64,
    integer: bool,
}

impl Partial {
    const EMPTY: Partial = Partial {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        nan: 0,
        inf: 0,
        integer: true,
    };

    fn merge(self, o: Partial) -> Partial {
        Partial {
            min: self.min.min(o.min),
            max: self.max.max(o.max),
            nan: self.nan + o.nan,
            inf: self.inf + o.inf,
            integer: self.integer && o.integer,
        }
    }
}

/// Computes [`IntensityStats`] of stored values, then maps the range through the scaling.
pub fn intensity_stats(data: &VoxelData, scaling: Option<LinearScaling>) -> IntensityStats {
    let p = with_voxels!(data, a => partial_stats(a));
    let (mut min, mut max) = if p.min <= p.max {
        (p.min, p.max)
    } else {
        (f64::NAN, f64::NAN)
    };
    let mut all_integer = p.integer;
    if let Some(s) = scaling {
        let (a, b) = (s.apply(min), s.apply(max));
        (min, max) = (a.min(b), a.max(b));
        all_integer = all_integer && s.slope.fract() == 0.0 && s.inter.fract() == 0.0;
    }
    IntensityStats {
        min,
        max,
        nan_count: p.nan,
        inf_count: p.inf,
        all_integer,
    }
}

fn partial_stats<T: Voxel>(a: &Array3<T>) -> Partial {
    let Some(values) = a.as_slice_memory_order() else {
        return a.iter().fold(Partial::EMPTY, |p, v| add(p, v.to_f64()));
    };
    values
        .par_chunks(CHUNK)
        .map(|chunk| chunk.iter().fold(Partial::EMPTY, |p, v| add(p, v.to_f64())))
        .reduce(|| Partial::EMPTY, Partial::merge)
}

#[inline]
fn add(mut p: Partial, v: f64) -> Partial {
    if v.is_nan() {
        p.nan += 1;
    } else if v.is_infinite() {
        p.inf += 1;
    } else {
        p.min = p.min.min(v);
        p.max = p.max.max(v);
        p.integer &= v.fract() == 0.0;
    }
    p
}

/// Voxel count of every value 0..=max in a slice of small unsigned integers.
pub fn histogram<T>(values: &[T], bins: usize) -> Vec<u64>
where
    T: Copy + Into<usize> + Sync,
{
    values
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut h = vec![0u64; bins];
            for &v in chunk {
                h[v.into()] += 1;
            }
            h
        })
        .reduce(
            || vec![0u64; bins],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// Number of distinct (scaled) values, counting no further than `limit`.
/// Only meaningful for whole-number values in 0..=65535 (see [`IntensityStats`]).
pub fn distinct_values_up_to(
    data: &VoxelData,
    scaling: Option<LinearScaling>,
    limit: usize,
) -> usize {
    let mut seen = vec![false; 65536];
    let mut count = 0;
    with_voxels!(data, a => {
        for v in a.iter() {
            let raw = v.to_f64();
            let value = scaling.map_or(raw, |s| s.apply(raw));
            let slot = value.clamp(0.0, 65535.0) as usize;
            if !seen[slot] {
                seen[slot] = true;
                count += 1;
                if count >= limit {
                    break;
                }
            }
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_count_non_finite_and_apply_scaling() {
        let v = VoxelData::from_vec([2, 2, 1], vec![1.0f32, f32::NAN, f32::INFINITY, -3.0]);
        let s = intensity_stats(&VoxelData::F32(v.clone()), None);
        assert_eq!((s.min, s.max, s.nan_count, s.inf_count), (-3.0, 1.0, 1, 1));
        let s = intensity_stats(
            &VoxelData::F32(v),
            Some(LinearScaling {
                slope: -2.0,
                inter: 1.0,
            }),
        );
        assert_eq!((s.min, s.max), (-1.0, 7.0));
    }

    #[test]
    fn histogram_counts_every_value() {
        let values: Vec<u8> = (0..3_000_000u32).map(|i| (i % 7) as u8).collect();
        let h = histogram(&values, 256);
        assert_eq!(h[0], 428_572);
        assert_eq!(h[6], 428_571);
        assert_eq!(h.iter().sum::<u64>(), 3_000_000);
    }
}
