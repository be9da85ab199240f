//! Reading voxels from `.nii` and `.nii.gz` straight into their native element type.
//!
//! Memory: a `.nii.gz` is inflated in one libdeflate call into the final voxel
//! buffer (header bytes included, then shifted out), so a load peaks at the
//! compressed file plus the voxels, never two copies of the voxels.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use ndarray::Array3;

use super::VolumeError;
use super::gzip;
use super::header::{DataLayout, DiskType, HEADER_PROBE_BYTES, Header};
use super::voxel::{Voxel, VoxelData};

/// A file's header and voxels before any interpretation (image or label map).
#[derive(Debug)]
pub struct RawVolume {
    /// The parsed header.
    pub header: Header,
    /// Where the voxels were and what type they had.
    pub layout: DataLayout,
    /// The voxels, in the on-disk type.
    pub data: VoxelData,
    /// Header extensions as (code, payload).
    pub extensions: Vec<(i32, Vec<u8>)>,
    /// True when the file was gzip-compressed.
    pub compressed: bool,
}

/// Reads a NIfTI-1 or NIfTI-2 file, compressed or not (decided by content, not name).
pub fn read_nifti(path: &Path) -> Result<RawVolume, VolumeError> {
    let meta = std::fs::metadata(path).map_err(VolumeError::Io)?;
    if meta.is_dir() {
        return Err(VolumeError::Format(
            "is a directory, expected a .nii or .nii.gz file".into(),
        ));
    }
    let mut file = File::open(path).map_err(VolumeError::Io)?;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic)?;
    file.seek(SeekFrom::Start(0)).map_err(VolumeError::Io)?;
    if gzip::is_gzip(&magic[..got]) {
        let mut compressed = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut compressed).map_err(VolumeError::Io)?;
        read_gzip(&compressed)
    } else {
        read_uncompressed(file, meta.len())
    }
}

fn read_gzip(compressed: &[u8]) -> Result<RawVolume, VolumeError> {
    let probe =
        gzip::inflate_prefix(compressed, HEADER_PROBE_BYTES).map_err(VolumeError::Truncated)?;
    let header = Header::parse(&probe)?;
    let layout = header.layout()?;
    let ceiling = gzip::max_inflated_len(compressed.len());
    if layout.end > ceiling {
        return Err(VolumeError::Truncated(format!(
            "header claims {} bytes of voxels ({} × {}), but a {}-byte gzip file can hold at most {ceiling}: the header is wrong or the file is truncated",
            layout.data_bytes,
            shape_text(&layout),
            layout.disk_type.name(),
            compressed.len()
        )));
    }
    let (data, prefix) = dispatch(
        &layout,
        |buf| {
            gzip::inflate_exact(compressed, &mut buf[..layout.end])
                .map_err(VolumeError::Truncated)?;
            let prefix = buf[..layout.vox_offset].to_vec();
            buf.copy_within(layout.vox_offset..layout.end, 0);
            Ok(prefix)
        },
        header.swapped,
    )?;
    let extensions = super::header::parse_extensions(&prefix, &header, layout.vox_offset);
    Ok(RawVolume {
        header,
        layout,
        data,
        extensions,
        compressed: true,
    })
}

fn read_uncompressed(mut file: File, file_len: u64) -> Result<RawVolume, VolumeError> {
    let mut probe = vec![0u8; HEADER_PROBE_BYTES];
    let got = read_up_to(&mut file, &mut probe)?;
    probe.truncate(got);
    let header = Header::parse(&probe)?;
    let layout = header.layout()?;
    if (layout.end as u64) > file_len {
        return Err(VolumeError::Truncated(format!(
            "file is {file_len} bytes but the header requires {} (vox_offset {} + {} voxels × {} bytes): truncated, or wrong dims/vox_offset",
            layout.end,
            layout.vox_offset,
            shape_text(&layout),
            layout.disk_type.size_bytes()
        )));
    }
    let mut prefix = vec![0u8; layout.vox_offset];
    file.seek(SeekFrom::Start(0)).map_err(VolumeError::Io)?;
    file.read_exact(&mut prefix).map_err(VolumeError::Io)?;
    let (data, ()) = dispatch(
        &layout,
        |buf| {
            file.read_exact(&mut buf[..layout.data_bytes])
                .map_err(VolumeError::Io)
        },
        header.swapped,
    )?;
    let extensions = super::header::parse_extensions(&prefix, &header, layout.vox_offset);
    Ok(RawVolume {
        header,
        layout,
        data,
        extensions,
        compressed: false,
    })
}

/// Allocates the typed voxel buffer (large enough for `layout.end` bytes), lets
/// `fill` write the voxel bytes to its start, and wraps it as an array.
fn dispatch<R>(
    layout: &DataLayout,
    fill: impl FnOnce(&mut [u8]) -> Result<R, VolumeError>,
    swapped: bool,
) -> Result<(VoxelData, R), VolumeError> {
    macro_rules! typed {
        ($t:ty, $variant:ident) => {{
            let (a, r) = fill_typed::<$t, R>(layout, fill, swapped)?;
            (VoxelData::$variant(a), r)
        }};
    }
    Ok(match layout.disk_type {
        DiskType::U8 => typed!(u8, U8),
        DiskType::I8 => typed!(i8, I8),
        DiskType::U16 => typed!(u16, U16),
        DiskType::I16 => typed!(i16, I16),
        DiskType::U32 => typed!(u32, U32),
        DiskType::I32 => typed!(i32, I32),
        DiskType::F32 => typed!(f32, F32),
        DiskType::F64 => typed!(f64, F64),
    })
}

fn fill_typed<T: Voxel, R>(
    layout: &DataLayout,
    fill: impl FnOnce(&mut [u8]) -> Result<R, VolumeError>,
    swapped: bool,
) -> Result<(Array3<T>, R), VolumeError> {
    let elems = layout.end.div_ceil(std::mem::size_of::<T>());
    let mut buf: Vec<T> = vec![T::zeroed(); elems];
    let r = fill(bytemuck::cast_slice_mut(&mut buf))?;
    buf.truncate(layout.voxel_count);
    if swapped {
        buf.iter_mut().for_each(|v| *v = v.swap_bytes());
    }
    Ok((VoxelData::from_vec(layout.shape, buf), r))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> Result<usize, VolumeError> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(VolumeError::Io(e)),
        }
    }
    Ok(filled)
}

fn shape_text(layout: &DataLayout) -> String {
    super::geometry::fmt_shape(&layout.shape)
}
