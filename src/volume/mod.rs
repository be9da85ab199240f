//! Volumes on disk and in memory: NIfTI reading, geometry, native-typed voxels,
//! intensity images and label maps.

pub mod geometry;
pub mod gzip;
pub mod header;
pub mod labelmap;
pub mod read;
pub mod stats;
pub mod voxel;

use std::fmt;
use std::path::{Path, PathBuf};

pub use geometry::{AffineSource, DisplayAxes, Geometry, GridDifference};
pub use header::{DiskType, Header, LinearScaling, NiftiVersion};
pub use labelmap::{LabelMap, LabelVoxels};
pub use voxel::{Voxel, VoxelData};

/// NIfTI intent code of a label map.
pub const NIFTI_INTENT_LABEL: i32 = 1002;
/// More distinct values than this and a volume is taken for an image.
const MAX_LABEL_MAP_DISTINCT: usize = 256;

/// What went wrong with one file, without the file's name (see [`LoadError`]).
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// The header is not valid NIfTI or contradicts itself.
    #[error("{0}")]
    Format(String),
    /// Valid NIfTI that segscope does not read (colour, complex, real 4D…).
    #[error("{0}")]
    Unsupported(String),
    /// The file holds fewer bytes than the header requires.
    #[error("{0}")]
    Truncated(String),
    /// The voxels cannot be a label map (fractions, negatives, too large).
    #[error("{0}")]
    NotALabelMap(String),
    /// The operating system refused a read.
    #[error("{0}")]
    Io(std::io::Error),
}

impl VolumeError {
    pub(crate) fn format(msg: impl Into<String>) -> Self {
        VolumeError::Format(msg.into())
    }
}

/// A [`VolumeError`] with the file it happened in: the one-line message users see.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct LoadError {
    /// The file that failed to load.
    pub path: PathBuf,
    /// What was wrong with it.
    pub problem: VolumeError,
}

/// Facts about the file a volume came from, for `segscope info` and exports.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given by the user.
    pub path: PathBuf,
    /// NIfTI-1 or NIfTI-2.
    pub version: NiftiVersion,
    /// True for gzip-compressed files.
    pub compressed: bool,
    /// Voxel type on disk.
    pub disk_type: DiskType,
    /// Raw `scl_slope` and `scl_inter` from the header.
    pub scl: (f64, f64),
    /// Spatial unit named in the header.
    pub spatial_unit: &'static str,
    /// The header's free-text description.
    pub description: String,
    /// Header extensions as (code, payload).
    pub extensions: Vec<(i32, Vec<u8>)>,
    /// NIfTI intent code (1002 = label map).
    pub intent_code: i32,
}

/// An intensity image (CT, MR): voxels in their native type, plus the scaling
/// that turns stored values into real ones.
#[derive(Debug, Clone)]
pub struct Volume {
    /// Where it came from.
    pub source: SourceFile,
    /// Its grid in world space.
    pub geometry: Geometry,
    /// The stored voxels (never converted: int16 CT stays int16).
    pub data: VoxelData,
    /// `scl_slope`/`scl_inter`, applied whenever a value is read, or `None`.
    pub scaling: Option<LinearScaling>,
}

impl Volume {
    /// Reads an image file; errors name the file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let raw = read::read_nifti(path).map_err(|problem| LoadError {
            path: path.to_path_buf(),
            problem,
        })?;
        Ok(Self::from_raw(path, raw))
    }

    /// Builds a volume from voxels read by [`read::read_nifti`].
    pub fn from_raw(path: &Path, raw: read::RawVolume) -> Self {
        let geometry = Geometry::from_header(&raw.header, raw.layout.shape);
        let source = SourceFile {
            path: path.to_path_buf(),
            version: raw.header.version,
            compressed: raw.compressed,
            disk_type: raw.layout.disk_type,
            scl: (raw.header.scl_slope, raw.header.scl_inter),
            spatial_unit: raw.header.spatial_unit(),
            description: raw.header.descrip.clone(),
            extensions: raw.extensions,
            intent_code: raw.header.intent_code,
        };
        Volume {
            source,
            geometry,
            data: raw.data,
            scaling: raw.header.scaling(),
        }
    }

    /// The real (scaled) value at voxel (i, j, k).
    pub fn value(&self, ijk: [usize; 3]) -> Option<f64> {
        let raw = self.data.get_f64(ijk)?;
        Some(self.scaling.map_or(raw, |s| s.apply(raw)))
    }

    /// Intensity range and non-finite counts, with the scaling applied.
    pub fn intensity_stats(&self) -> stats::IntensityStats {
        stats::intensity_stats(&self.data, self.scaling)
    }

    /// True when the file is most likely a segmentation rather than an image: its
    /// header says so (intent 1002), or every value is a whole number 0–65535 and
    /// there are at most 256 distinct values (an image has thousands).
    pub fn looks_like_label_map(&self) -> bool {
        if self.source.intent_code == NIFTI_INTENT_LABEL {
            return true;
        }
        // u8/u16 voxels are whole numbers ≥ 0 by type: count distinct values directly.
        if self.scaling.is_none() {
            let distinct = match &self.data {
                VoxelData::U8(a) => a.as_slice_memory_order().map(|s| stats::histogram(s, 256)),
                VoxelData::U16(a) => a
                    .as_slice_memory_order()
                    .map(|s| stats::histogram(s, 65536)),
                _ => None,
            };
            if let Some(h) = distinct {
                return h.iter().filter(|&&n| n > 0).count() <= MAX_LABEL_MAP_DISTINCT;
            }
        }
        let s = self.intensity_stats();
        if !(s.all_integer
            && s.nan_count == 0
            && s.inf_count == 0
            && s.min >= 0.0
            && s.max <= 65535.0)
        {
            return false;
        }
        stats::distinct_values_up_to(&self.data, self.scaling, MAX_LABEL_MAP_DISTINCT + 1)
            <= MAX_LABEL_MAP_DISTINCT
    }

    /// Interprets this volume as a label map (see [`LabelMap::from_volume`]).
    pub fn into_label_map(self) -> Result<LabelMap, LoadError> {
        let path = self.source.path.clone();
        LabelMap::from_volume(self).map_err(|problem| LoadError { path, problem })
    }
}

impl fmt::Display for DiskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
