//! NIfTI-1 and NIfTI-2 headers, reduced to the fields segscope uses and validated
//! against the file before anything is allocated.

use std::io::Cursor;

use super::VolumeError;

/// Size of a NIfTI-1 header in bytes (`sizeof_hdr`).
pub const NIFTI1_HEADER_BYTES: usize = 348;
/// Size of a NIfTI-2 header in bytes (`sizeof_hdr`).
pub const NIFTI2_HEADER_BYTES: usize = 540;
/// Bytes to read to be sure a whole header of either version plus the extension flag is present.
pub const HEADER_PROBE_BYTES: usize = NIFTI2_HEADER_BYTES + 4;

/// Which NIfTI version a file was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NiftiVersion {
    /// NIfTI-1 (348-byte header, 16-bit dims).
    Nifti1,
    /// NIfTI-2 (540-byte header, 64-bit dims).
    Nifti2,
}

/// Voxel data types as stored on disk (the NIfTI `datatype` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskType {
    /// DT_UINT8 (2).
    U8,
    /// DT_INT8 (256).
    I8,
    /// DT_UINT16 (512).
    U16,
    /// DT_INT16 (4).
    I16,
    /// DT_UINT32 (768).
    U32,
    /// DT_INT32 (8).
    I32,
    /// DT_FLOAT32 (16).
    F32,
    /// DT_FLOAT64 (64).
    F64,
}

impl DiskType {
    /// Maps a NIfTI datatype code to a supported type, or says why it is not supported.
    pub fn from_code(code: i16) -> Result<Self, String> {
        Ok(match code {
            2 => DiskType::U8,
            256 => DiskType::I8,
            512 => DiskType::U16,
            4 => DiskType::I16,
            768 => DiskType::U32,
            8 => DiskType::I32,
            16 => DiskType::F32,
            64 => DiskType::F64,
            128 => return Err("RGB24 colour volumes are not supported: segscope reads scalar volumes (convert to greyscale)".into()),
            2304 => return Err("RGBA32 colour volumes are not supported: segscope reads scalar volumes".into()),
            32 | 1792 | 2048 => return Err(format!("complex voxels (datatype {code}) are not supported")),
            1024 | 1280 => return Err(format!("64-bit integer voxels (datatype {code}) are not supported: convert to int32 or float")),
            1536 => return Err("float128 voxels (datatype 1536) are not supported".into()),
            1 => return Err("1-bit voxels (datatype 1) are not supported".into()),
            0 => return Err("datatype is 0 (unknown): the header does not say how voxels are stored".into()),
            other => return Err(format!("unknown NIfTI datatype code {other}")),
        })
    }

    /// Bytes per voxel on disk.
    pub fn size_bytes(self) -> usize {
        match self {
            DiskType::U8 | DiskType::I8 => 1,
            DiskType::U16 | DiskType::I16 => 2,
            DiskType::U32 | DiskType::I32 | DiskType::F32 => 4,
            DiskType::F64 => 8,
        }
    }

    /// The name users know (numpy's spelling).
    pub fn name(self) -> &'static str {
        match self {
            DiskType::U8 => "uint8",
            DiskType::I8 => "int8",
            DiskType::U16 => "uint16",
            DiskType::I16 => "int16",
            DiskType::U32 => "uint32",
            DiskType::I32 => "int32",
            DiskType::F32 => "float32",
            DiskType::F64 => "float64",
        }
    }
}

/// The header fields segscope needs, in f64/i64 whatever the version on disk.
#[derive(Debug, Clone)]
pub struct Header {
    /// NIfTI-1 or NIfTI-2.
    pub version: NiftiVersion,
    /// True when the file's byte order is not this machine's.
    pub swapped: bool,
    /// `dim[0..8]` as stored (signed, so that corrupt negative values are visible).
    pub dim: [i64; 8],
    /// NIfTI datatype code.
    pub datatype: i16,
    /// Bits per voxel as stated.
    pub bitpix: i16,
    /// `pixdim[0..8]`; `pixdim[0]` is qfac.
    pub pixdim: [f64; 8],
    /// Byte offset of the voxel data.
    pub vox_offset: f64,
    /// Intensity scaling slope (0 means "not scaled").
    pub scl_slope: f64,
    /// Intensity scaling intercept.
    pub scl_inter: f64,
    /// Spatial and temporal units.
    pub xyzt_units: u8,
    /// qform code (0 = absent).
    pub qform_code: i32,
    /// sform code (0 = absent).
    pub sform_code: i32,
    /// Quaternion b, c, d.
    pub quatern: [f64; 3],
    /// qform offsets x, y, z.
    pub qoffset: [f64; 3],
    /// sform rows.
    pub srow: [[f64; 4]; 3],
    /// Free-text description.
    pub descrip: String,
    /// Intent code (1002 = NIFTI_INTENT_LABEL).
    pub intent_code: i32,
}

impl Header {
    /// Parses a header from the first bytes of a file (at least [`NIFTI1_HEADER_BYTES`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, VolumeError> {
        if bytes.len() < NIFTI1_HEADER_BYTES {
            return Err(VolumeError::format(format!(
                "file is {} bytes long, too short for a NIfTI header ({NIFTI1_HEADER_BYTES} bytes)",
                bytes.len()
            )));
        }
        let size_le = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let size_be = i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        match (size_le, size_be) {
            (348, _) | (_, 348) => Self::parse_nifti1(bytes),
            (540, _) => Self::parse_nifti2(bytes, false),
            (_, 540) => Self::parse_nifti2(bytes, true),
            _ => Err(VolumeError::format(format!(
                "not a NIfTI file: sizeof_hdr is {size_le}, expected 348 (NIfTI-1) or 540 (NIfTI-2)"
            ))),
        }
    }

    fn parse_nifti1(bytes: &[u8]) -> Result<Self, VolumeError> {
        let h = nifti::NiftiHeader::from_reader(Cursor::new(&bytes[..NIFTI1_HEADER_BYTES]))
            .map_err(|e| match e {
                nifti::NiftiError::InvalidFormat => VolumeError::format(
                    "bad NIfTI-1 magic (expected \"n+1\"): not a single-file NIfTI-1 image (.hdr/.img pairs are not supported)",
                ),
                other => VolumeError::format(format!("unreadable NIfTI-1 header: {other}")),
            })?;
        if &h.magic == b"ni1\0" {
            return Err(VolumeError::format(
                "this is the header of a .hdr/.img pair; segscope reads single-file .nii/.nii.gz",
            ));
        }
        let mut dim = [0i64; 8];
        for (d, &raw) in dim.iter_mut().zip(h.dim.iter()) {
            // The crate reads dims as u16; the standard says int16, and corrupt files
            // carry negative values that must be reported as such.
            *d = i64::from(raw as i16);
        }
        Ok(Header {
            version: NiftiVersion::Nifti1,
            swapped: h.endianness != nifti::Endianness::native(),
            dim,
            datatype: h.datatype,
            bitpix: h.bitpix,
            pixdim: h.pixdim.map(f64::from),
            vox_offset: f64::from(h.vox_offset),
            scl_slope: f64::from(h.scl_slope),
            scl_inter: f64::from(h.scl_inter),
            xyzt_units: h.xyzt_units,
            qform_code: i32::from(h.qform_code),
            sform_code: i32::from(h.sform_code),
            quatern: [h.quatern_b, h.quatern_c, h.quatern_d].map(f64::from),
            qoffset: [h.quatern_x, h.quatern_y, h.quatern_z].map(f64::from),
            srow: [h.srow_x, h.srow_y, h.srow_z].map(|r| r.map(f64::from)),
            descrip: text_field(&h.descrip),
            intent_code: i32::from(h.intent_code),
        })
    }

    /// NIfTI-2 is not read by the `nifti` crate; its layout is fixed, so it is read here.
    fn parse_nifti2(bytes: &[u8], big_endian: bool) -> Result<Self, VolumeError> {
        if bytes.len() < NIFTI2_HEADER_BYTES {
            return Err(VolumeError::format(format!(
                "file is {} bytes long, too short for a NIfTI-2 header ({NIFTI2_HEADER_BYTES} bytes)",
                bytes.len()
            )));
        }
        if &bytes[4..8] != b"n+2\0" {
            return Err(VolumeError::format(
                "bad NIfTI-2 magic (expected \"n+2\"): not a single-file NIfTI-2 image",
            ));
        }
        let r = FieldReader { bytes, big_endian };
        let mut dim = [0i64; 8];
        for (i, d) in dim.iter_mut().enumerate() {
            *d = r.i64(16 + 8 * i);
        }
        let mut pixdim = [0f64; 8];
        for (i, p) in pixdim.iter_mut().enumerate() {
            *p = r.f64(104 + 8 * i);
        }
        let row = |at: usize| [r.f64(at), r.f64(at + 8), r.f64(at + 16), r.f64(at + 24)];
        Ok(Header {
            version: NiftiVersion::Nifti2,
            swapped: big_endian != cfg!(target_endian = "big"),
            dim,
            datatype: r.i16(12),
            bitpix: r.i16(14),
            pixdim,
            vox_offset: r.i64(168) as f64,
            scl_slope: r.f64(176),
            scl_inter: r.f64(184),
            xyzt_units: r.i32(500) as u8,
            qform_code: r.i32(344),
            sform_code: r.i32(348),
            quatern: [r.f64(352), r.f64(360), r.f64(368)],
            qoffset: [r.f64(376), r.f64(384), r.f64(392)],
            srow: [row(400), row(432), row(464)],
            descrip: text_field(&bytes[240..320]),
            intent_code: r.i32(504),
        })
    }

    /// Size of the fixed header for this version.
    pub fn header_bytes(&self) -> usize {
        match self.version {
            NiftiVersion::Nifti1 => NIFTI1_HEADER_BYTES,
            NiftiVersion::Nifti2 => NIFTI2_HEADER_BYTES,
        }
    }

    /// Checks the fields that decide how much memory a load takes, and returns the layout.
    ///
    /// Nothing has been allocated for voxels when this runs: an impossible header
    /// stops here with a message that says which field is wrong.
    pub fn layout(&self) -> Result<DataLayout, VolumeError> {
        let disk_type = DiskType::from_code(self.datatype).map_err(VolumeError::Unsupported)?;
        let ndim = self.dim[0];
        if !(1..=7).contains(&ndim) {
            return Err(VolumeError::format(format!(
                "dim[0] is {ndim}: the number of dimensions must be 1 to 7"
            )));
        }
        let ndim = ndim as usize;
        for i in 1..=ndim {
            if self.dim[i] <= 0 {
                return Err(VolumeError::format(format!(
                    "dim[{i}] is {}: every dimension must be positive",
                    self.dim[i]
                )));
            }
        }
        let mut shape = [1usize; 3];
        for (i, s) in shape.iter_mut().enumerate().take(ndim.min(3)) {
            *s = usize::try_from(self.dim[i + 1])
                .map_err(|_| VolumeError::format("dimension too large"))?;
        }
        let extra: i64 = self.dim[4..=ndim.max(3)].iter().product::<i64>().max(1);
        if ndim > 3 && extra > 1 {
            let dims: Vec<String> = self.dim[1..=ndim].iter().map(|d| d.to_string()).collect();
            return Err(VolumeError::Unsupported(format!(
                "{ndim}D volume ({}) with {extra} time points or components: segscope reads 3D volumes (a singleton 4th dimension is accepted)",
                dims.join("×")
            )));
        }
        let voxel_count = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| {
                VolumeError::format(
                    "dimensions overflow: the header claims more voxels than can be addressed",
                )
            })?;
        let data_bytes = voxel_count
            .checked_mul(disk_type.size_bytes())
            .ok_or_else(|| {
                VolumeError::format(
                    "dimensions overflow: the header claims more bytes than can be addressed",
                )
            })?;
        if !self.vox_offset.is_finite() || self.vox_offset < 0.0 || self.vox_offset.fract() != 0.0 {
            return Err(VolumeError::format(format!(
                "vox_offset is {}: it must be a non-negative whole number of bytes",
                self.vox_offset
            )));
        }
        let vox_offset = self.vox_offset as usize;
        if vox_offset < self.header_bytes() {
            return Err(VolumeError::format(format!(
                "vox_offset is {vox_offset}: voxel data cannot start inside the {}-byte header",
                self.header_bytes()
            )));
        }
        let end = vox_offset
            .checked_add(data_bytes)
            .ok_or_else(|| VolumeError::format("vox_offset + data size overflows"))?;
        Ok(DataLayout {
            disk_type,
            shape,
            voxel_count,
            vox_offset,
            data_bytes,
            end,
        })
    }

    /// The intensity scaling to apply, or `None` when the header says "unscaled"
    /// (slope 0 or non-finite, or the identity), as nibabel does.
    pub fn scaling(&self) -> Option<LinearScaling> {
        let slope = self.scl_slope;
        let inter = if self.scl_inter.is_finite() {
            self.scl_inter
        } else {
            0.0
        };
        if slope == 0.0 || !slope.is_finite() || (slope == 1.0 && inter == 0.0) {
            None
        } else {
            Some(LinearScaling { slope, inter })
        }
    }

    /// The spatial unit named by `xyzt_units`.
    pub fn spatial_unit(&self) -> &'static str {
        match self.xyzt_units & 0x07 {
            1 => "m",
            2 => "mm",
            3 => "µm",
            _ => "mm (unit not set in the header)",
        }
    }
}

/// Where the voxels are and how many bytes they take.
#[derive(Debug, Clone, Copy)]
pub struct DataLayout {
    /// On-disk voxel type.
    pub disk_type: DiskType,
    /// Voxel grid (x, y, z); missing dimensions are 1.
    pub shape: [usize; 3],
    /// Number of voxels.
    pub voxel_count: usize,
    /// Byte offset of the first voxel.
    pub vox_offset: usize,
    /// Bytes of voxel data.
    pub data_bytes: usize,
    /// `vox_offset + data_bytes`: the smallest valid (uncompressed) file.
    pub end: usize,
}

/// `value = raw * slope + inter`, the NIfTI intensity scaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScaling {
    /// `scl_slope`.
    pub slope: f64,
    /// `scl_inter`.
    pub inter: f64,
}

impl LinearScaling {
    /// Applies the scaling to one stored value.
    #[inline]
    pub fn apply(&self, raw: f64) -> f64 {
        raw * self.slope + self.inter
    }
}

fn text_field(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).trim().to_string()
}

struct FieldReader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl FieldReader<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[at..at + N]);
        if self.big_endian {
            out.reverse();
        }
        out
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.array(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.array(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.array(at))
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.array(at))
    }
}

/// Header extensions (after the 4-byte extender), as `(code, payload)` pairs.
///
/// A malformed extension list is not fatal: NIfTI readers ignore what they cannot
/// parse, and the voxels are still valid.
pub fn parse_extensions(bytes: &[u8], header: &Header, limit: usize) -> Vec<(i32, Vec<u8>)> {
    let start = header.header_bytes();
    let mut out = Vec::new();
    if bytes.len() < start + 4 || bytes[start] == 0 {
        return out;
    }
    let limit = limit.min(bytes.len());
    let mut at = start + 4;
    let r = FieldReader {
        bytes,
        big_endian: header.swapped != cfg!(target_endian = "big"),
    };
    while at + 8 <= limit {
        let size = r.i32(at);
        let code = r.i32(at + 4);
        if size < 8 || at + size as usize > limit {
            break;
        }
        out.push((code, bytes[at + 8..at + size as usize].to_vec()));
        at += size as usize;
    }
    out
}
