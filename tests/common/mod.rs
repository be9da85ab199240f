//! Helpers shared by the integration tests: where the real data is, and a small
//! NIfTI writer for the malformed files the tests make themselves.
#![allow(dead_code)]

pub mod app;

use std::io::Write;
use std::path::{Path, PathBuf};

/// `../shared/data` beside the checkout (CI lays it there too).
pub fn shared_data() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        dir.is_dir(),
        "real test data not found at {}: the tests need ../shared/data beside the checkout",
        dir.display()
    );
    dir
}

/// A NIfTI header under construction (little-endian unless `big_endian`).
#[derive(Clone)]
pub struct HeaderSpec {
    pub dim: [i16; 8],
    pub datatype: i16,
    pub bitpix: i16,
    pub pixdim: [f32; 8],
    pub vox_offset: f32,
    pub scl_slope: f32,
    pub scl_inter: f32,
    pub qform_code: i16,
    pub sform_code: i16,
    pub quatern: [f32; 3],
    pub qoffset: [f32; 3],
    pub srow: [[f32; 4]; 3],
    pub intent_code: i16,
    pub big_endian: bool,
}

impl HeaderSpec {
    /// A 3D volume of the given shape and NIfTI datatype, RAS sform at 1 mm.
    pub fn new(shape: [i16; 3], datatype: i16, bitpix: i16) -> Self {
        HeaderSpec {
            dim: [3, shape[0], shape[1], shape[2], 1, 1, 1, 1],
            datatype,
            bitpix,
            pixdim: [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            vox_offset: 352.0,
            scl_slope: 1.0,
            scl_inter: 0.0,
            qform_code: 0,
            sform_code: 1,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            intent_code: 0,
            big_endian: false,
        }
    }

    /// The 348-byte header plus the 4-byte extension flag.
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(352);
        let be = self.big_endian;
        let i32b = |v: i32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let i16b = |v: i16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let f32b = |v: f32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        b.extend(i32b(348));
        b.extend([0u8; 36]); // data_type, db_name, extents, session_error, regular, dim_info
        for d in self.dim {
            b.extend(i16b(d));
        }
        b.extend([0u8; 12]); // intent_p1..3
        b.extend(i16b(self.intent_code));
        b.extend(i16b(self.datatype));
        b.extend(i16b(self.bitpix));
        b.extend(i16b(0)); // slice_start
        for p in self.pixdim {
            b.extend(f32b(p));
        }
        b.extend(f32b(self.vox_offset));
        b.extend(f32b(self.scl_slope));
        b.extend(f32b(self.scl_inter));
        b.extend(i16b(0)); // slice_end
        b.push(0); // slice_code
        b.push(2); // xyzt_units: mm
        b.extend([0u8; 24]); // cal_max, cal_min, slice_duration, toffset, glmax, glmin
        b.extend([0u8; 80 + 24]); // descrip, aux_file
        b.extend(i16b(self.qform_code));
        b.extend(i16b(self.sform_code));
        for q in self.quatern.iter().chain(&self.qoffset) {
            b.extend(f32b(*q));
        }
        for row in self.srow {
            for v in row {
                b.extend(f32b(v));
            }
        }
        b.extend([0u8; 16]); // intent_name
        b.extend(b"n+1\0");
        assert_eq!(b.len(), 348);
        b.extend([0u8; 4]);
        b
    }
}

/// Writes `bytes` to `dir/name`, gzip-compressed when the name ends in `.gz`.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    if name.ends_with(".gz") {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        f.write_all(&e.finish().unwrap()).unwrap();
    } else {
        f.write_all(bytes).unwrap();
    }
    path
}

/// Header bytes followed by little-endian voxel bytes.
pub fn nifti_bytes<T: Copy>(
    spec: &HeaderSpec,
    voxels: &[T],
    encode: impl Fn(T) -> Vec<u8>,
) -> Vec<u8> {
    let mut b = spec.bytes();
    b.resize(spec.vox_offset.max(352.0) as usize, 0);
    for &v in voxels {
        b.extend(encode(v));
    }
    b
}

/// Runs the segscope binary with these arguments.
pub fn segscope(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_segscope"))
        .args(args)
        .output()
        .expect("segscope runs")
}

/// Lossy text of a process stream.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// A path as an argument.
pub fn p(path: &Path) -> String {
    path.display().to_string()
}

/// The label of `map` at view fraction (u, v) of `mapping`, sampled as the shader
/// does (nearest voxel; 0 outside the volume).
pub fn label_at(
    map: &segscope::volume::LabelMap,
    mapping: &segscope::render::ViewMapping,
    u: f64,
    v: f64,
) -> u16 {
    let voxel = mapping.voxel_at(u, v);
    if voxel
        .iter()
        .zip(map.geometry.shape)
        .any(|(&c, n)| c < 0.0 || c >= n as f64)
    {
        return 0;
    }
    map.voxels
        .get(voxel.map(|c| c.floor() as usize))
        .unwrap_or(0)
}
