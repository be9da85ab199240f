//! Label maps: integer organ ids on a grid, kept as u8 or u16.

use std::path::Path;

use ndarray::Array3;
use rayon::prelude::*;

use super::header::LinearScaling;
use super::stats::histogram;
use super::voxel::{Voxel, VoxelData};
use super::{Geometry, LoadError, SourceFile, Volume, VolumeError};
use crate::with_voxels;

/// Label voxels in the smallest type that holds every id.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelVoxels {
    /// Ids 0..=255.
    U8(Array3<u8>),
    /// Ids 0..=65535.
    U16(Array3<u16>),
}

impl LabelVoxels {
    /// Array shape (i, j, k).
    pub fn shape(&self) -> [usize; 3] {
        let s = match self {
            LabelVoxels::U8(a) => a.shape(),
            LabelVoxels::U16(a) => a.shape(),
        };
        [s[0], s[1], s[2]]
    }

    /// The id at voxel (i, j, k).
    pub fn get(&self, ijk: [usize; 3]) -> Option<u16> {
        match self {
            LabelVoxels::U8(a) => a.get(ijk).map(|&v| u16::from(v)),
            LabelVoxels::U16(a) => a.get(ijk).copied(),
        }
    }

    /// Bytes the voxels occupy in memory.
    pub fn memory_bytes(&self) -> usize {
        match self {
            LabelVoxels::U8(a) => a.len(),
            LabelVoxels::U16(a) => a.len() * 2,
        }
    }
}

/// A segmentation: one organ id per voxel on a grid.
#[derive(Debug, Clone)]
pub struct LabelMap {
    /// Where it came from.
    pub source: SourceFile,
    /// Its grid in world space.
    pub geometry: Geometry,
    /// The ids.
    pub voxels: LabelVoxels,
}

/// How a voxel fails to be a label id.
enum BadValue {
    NotFinite,
    Fraction,
    Negative,
    TooLarge,
}

impl LabelMap {
    /// Reads a label map file; errors name the file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        Volume::load(path)?.into_label_map()
    }

    /// Converts an image to a label map: u8 and u16 files are kept as they are;
    /// other types (including float label maps) are converted once, and any
    /// non-integer, negative or > 65535 value is an error naming the voxel.
    pub fn from_volume(volume: Volume) -> Result<Self, VolumeError> {
        let Volume {
            source,
            geometry,
            data,
            scaling,
        } = volume;
        let voxels = match (data, scaling) {
            (VoxelData::U8(a), None) => LabelVoxels::U8(a),
            (VoxelData::U16(a), None) => LabelVoxels::U16(a),
            (data, scaling) => with_voxels!(&data, a => convert(a, scaling))?,
        };
        Ok(LabelMap {
            source,
            geometry,
            voxels,
        })
    }

    /// Voxel count per id, indexed by id (length 256 or 65536).
    pub fn counts(&self) -> Vec<u64> {
        match &self.voxels {
            LabelVoxels::U8(a) => match a.as_slice_memory_order() {
                Some(s) => histogram(s, 256),
                None => histogram(&a.iter().copied().collect::<Vec<_>>(), 256),
            },
            LabelVoxels::U16(a) => match a.as_slice_memory_order() {
                Some(s) => histogram(s, 65536),
                None => histogram(&a.iter().copied().collect::<Vec<_>>(), 65536),
            },
        }
    }

    /// The non-zero ids present, with their voxel counts, in id order.
    pub fn present_labels(&self) -> Vec<(u16, u64)> {
        self.counts()
            .into_iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, n)| n > 0)
            .map(|(id, n)| (id as u16, n))
            .collect()
    }
}

fn classify(v: f64) -> Option<BadValue> {
    if !v.is_finite() {
        Some(BadValue::NotFinite)
    } else if v.fract() != 0.0 {
        Some(BadValue::Fraction)
    } else if v < 0.0 {
        Some(BadValue::Negative)
    } else if v > 65535.0 {
        Some(BadValue::TooLarge)
    } else {
        None
    }
}

fn convert<T: Voxel>(
    a: &Array3<T>,
    scaling: Option<LinearScaling>,
) -> Result<LabelVoxels, VolumeError> {
    let value = |v: T| scaling.map_or(v.to_f64(), |s| s.apply(v.to_f64()));
    // NIfTI order is i-fastest, which is ndarray's memory order for these arrays.
    let owned;
    let values: &[T] = match a.as_slice_memory_order() {
        Some(s) => s,
        None => {
            owned = a.iter().copied().collect::<Vec<_>>();
            &owned
        }
    };
    let bad = values
        .par_iter()
        .enumerate()
        .find_first(|(_, v)| classify(value(**v)).is_some());
    if let Some((index, v)) = bad {
        let s = a.shape();
        let ijk = [index % s[0], (index / s[0]) % s[1], index / (s[0] * s[1])];
        let v = value(*v);
        let what = match classify(v) {
            Some(BadValue::NotFinite) => "a non-finite value",
            Some(BadValue::Fraction) => "a non-integer value",
            Some(BadValue::Negative) => "a negative value",
            _ => "a value above 65535",
        };
        return Err(VolumeError::NotALabelMap(format!(
            "not a label map: {what} {v} at voxel ({}, {}, {}); label ids must be whole numbers 0–65535",
            ijk[0], ijk[1], ijk[2]
        )));
    }
    let max = values
        .par_iter()
        .map(|v| value(*v))
        .reduce(|| 0.0, f64::max);
    let shape = {
        let s = a.shape();
        [s[0], s[1], s[2]]
    };
    Ok(if max <= 255.0 {
        LabelVoxels::U8(VoxelData::from_vec(
            shape,
            values.par_iter().map(|v| value(*v) as u8).collect(),
        ))
    } else {
        LabelVoxels::U16(VoxelData::from_vec(
            shape,
            values.par_iter().map(|v| value(*v) as u16).collect(),
        ))
    })
}

/// The label map with every id replaced through `map` (index = old id), as u8 when
/// every new id fits, else u16.
pub fn rename(voxels: &LabelVoxels, map: &[u16]) -> LabelVoxels {
    let shape = voxels.shape();
    let renamed: Vec<u16> = match voxels {
        LabelVoxels::U8(a) => a.as_slice_memory_order().map_or_else(
            || a.iter().map(|&v| map[usize::from(v)]).collect(),
            |s| s.par_iter().map(|&v| map[usize::from(v)]).collect(),
        ),
        LabelVoxels::U16(a) => a.as_slice_memory_order().map_or_else(
            || a.iter().map(|&v| map[usize::from(v)]).collect(),
            |s| s.par_iter().map(|&v| map[usize::from(v)]).collect(),
        ),
    };
    if renamed.par_iter().all(|&v| v <= 255) {
        LabelVoxels::U8(VoxelData::from_vec(
            shape,
            renamed.into_par_iter().map(|v| v as u8).collect(),
        ))
    } else {
        LabelVoxels::U16(VoxelData::from_vec(shape, renamed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_keeps_u8_when_it_can() {
        let v = LabelVoxels::U8(VoxelData::from_vec([2, 2, 1], vec![0u8, 1, 2, 3]));
        let mut map: Vec<u16> = (0..=u16::MAX).collect();
        map[3] = 1;
        assert_eq!(
            rename(&v, &map),
            LabelVoxels::U8(VoxelData::from_vec([2, 2, 1], vec![0u8, 1, 2, 1]))
        );
        map[2] = 300;
        assert_eq!(rename(&v, &map).get([0, 1, 0]), Some(300));
    }
}
