//! Every malformed input gives a one-line error that names the file and the
//! problem, never a panic, and a lying header never makes segscope allocate what
//! it claims. The files are made here, by the tests.

mod common;

use std::path::Path;

use common::{HeaderSpec, nifti_bytes, write_file};
use segscope::volume::{LabelMap, LoadError, Volume};

fn i16le(v: i16) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn f32le(v: f32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

/// Asserts the error names the file, says `needle`, and fits on one line.
fn assert_error(result: Result<impl std::fmt::Debug, LoadError>, path: &Path, needle: &str) {
    let err = result.expect_err("load must fail").to_string();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.contains(&name), "error does not name the file: {err}");
    assert!(err.contains(needle), "error does not say {needle:?}: {err}");
    assert!(!err.contains('\n'), "error is not one line: {err}");
}

fn ct_spec() -> HeaderSpec {
    HeaderSpec::new([4, 3, 2], 4, 16)
}

fn ct_values() -> Vec<i16> {
    (0..24).map(|v| v * 10 - 100).collect()
}

#[test]
fn a_valid_small_file_loads_compressed_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = nifti_bytes(&ct_spec(), &ct_values(), i16le);
    for name in ["ok.nii", "ok.nii.gz"] {
        let v = Volume::load(&write_file(dir.path(), name, &bytes)).unwrap();
        assert_eq!(v.geometry.shape, [4, 3, 2]);
        assert_eq!(v.value([3, 2, 1]), Some(130.0));
        assert_eq!(v.value([1, 0, 0]), Some(-90.0));
    }
}

#[test]
fn truncated_gzip_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let spec = HeaderSpec::new([64, 64, 64], 4, 16);
    let values: Vec<i16> = (0..64 * 64 * 64)
        .map(|i| ((i * 7919) % 3001) as i16)
        .collect();
    let full = write_file(
        dir.path(),
        "full.nii.gz",
        &nifti_bytes(&spec, &values, i16le),
    );
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.nii.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_error(Volume::load(&cut), &cut, "truncated");
}

#[test]
fn uncompressed_file_shorter_than_its_header_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = nifti_bytes(&ct_spec(), &ct_values(), i16le);
    bytes.truncate(bytes.len() - 10);
    let path = write_file(dir.path(), "short.nii", &bytes);
    assert_error(Volume::load(&path), &path, "header requires 400");
}

#[test]
fn a_header_claiming_terabytes_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ct_spec();
    spec.dim = [3, 32767, 32767, 32767, 1, 1, 1, 1];
    let gz = write_file(
        dir.path(),
        "huge.nii.gz",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert_error(Volume::load(&gz), &gz, "can hold at most");
    let raw = write_file(
        dir.path(),
        "huge.nii",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert_error(Volume::load(&raw), &raw, "header requires");
}

#[test]
fn wrong_vox_offset_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ct_spec();
    spec.vox_offset = 100.0;
    let inside = write_file(
        dir.path(),
        "inside.nii",
        &nifti_bytes(&ct_spec(), &ct_values(), i16le)
            .iter()
            .copied()
            .enumerate()
            .map(|(i, b)| {
                if (108..112).contains(&i) {
                    100f32.to_le_bytes()[i - 108]
                } else {
                    b
                }
            })
            .collect::<Vec<_>>(),
    );
    assert_error(Volume::load(&inside), &inside, "vox_offset is 100");
    spec.vox_offset = 5000.0;
    let mut bytes = spec.bytes();
    bytes.extend(ct_values().into_iter().flat_map(i16le));
    let beyond = write_file(dir.path(), "beyond.nii.gz", &bytes);
    assert_error(Volume::load(&beyond), &beyond, "truncated");
    spec.vox_offset = 352.5;
    let fractional = write_file(dir.path(), "fraction.nii", &spec.bytes());
    assert_error(
        Volume::load(&fractional),
        &fractional,
        "whole number of bytes",
    );
}

#[test]
fn zero_and_negative_dims_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ct_spec();
    spec.dim[2] = 0;
    let zero = write_file(
        dir.path(),
        "zero.nii",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert_error(Volume::load(&zero), &zero, "dim[2] is 0");
    spec.dim[2] = -3;
    let negative = write_file(
        dir.path(),
        "negative.nii.gz",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert_error(Volume::load(&negative), &negative, "dim[2] is -3");
    spec.dim[0] = 9;
    let ndim = write_file(
        dir.path(),
        "ndim.nii",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert!(Volume::load(&ndim).is_err());
}

#[test]
fn nan_and_inf_intensities_load_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let spec = HeaderSpec::new([2, 2, 2], 16, 32);
    let values = [
        1.0f32,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -5.0,
        2.5,
        f32::NAN,
        0.0,
    ];
    let path = write_file(
        dir.path(),
        "nan.nii.gz",
        &nifti_bytes(&spec, &values, f32le),
    );
    let v = Volume::load(&path).unwrap();
    let s = v.intensity_stats();
    assert_eq!((s.min, s.max, s.nan_count, s.inf_count), (-5.0, 2.5, 2, 2));
    // …but such a file is no label map.
    assert_error(v.into_label_map(), &path, "non-finite value");
}

#[test]
fn non_utf8_paths_load_and_are_named_in_errors() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9_\xff.nii");
    let path = dir.path().join(name);
    std::fs::write(&path, nifti_bytes(&ct_spec(), &ct_values(), i16le)).unwrap();
    assert_eq!(Volume::load(&path).unwrap().geometry.shape, [4, 3, 2]);
    let bad = dir.path().join(std::ffi::OsStr::from_bytes(b"bad\xff.nii"));
    std::fs::write(
        &bad,
        b"definitely not nifti, but long enough to hold a header? no",
    )
    .unwrap();
    let err = Volume::load(&bad).unwrap_err().to_string();
    assert!(err.contains("bad\u{fffd}.nii"), "{err}");
}

#[test]
fn a_directory_where_a_file_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("case.nii.gz");
    std::fs::create_dir(&sub).unwrap();
    assert_error(Volume::load(&sub), &sub, "is a directory");
    let missing = dir.path().join("missing.nii");
    assert_error(Volume::load(&missing), &missing, "No such file");
}

#[test]
fn unsupported_types_and_real_4d_are_rejected_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let rgb = write_file(
        dir.path(),
        "rgb.nii",
        &nifti_bytes(&HeaderSpec::new([2, 2, 2], 128, 24), &[0u8; 24], |v| {
            vec![v]
        }),
    );
    assert_error(Volume::load(&rgb), &rgb, "RGB24");
    let mut spec = ct_spec();
    spec.dim = [4, 2, 2, 2, 3, 1, 1, 1];
    let four_d = write_file(
        dir.path(),
        "4d.nii",
        &nifti_bytes(&spec, &[0i16; 24], i16le),
    );
    assert_error(Volume::load(&four_d), &four_d, "3 time points");
    spec.dim = [4, 4, 3, 2, 1, 1, 1, 1];
    let singleton = write_file(
        dir.path(),
        "4d1.nii",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert_eq!(Volume::load(&singleton).unwrap().geometry.shape, [4, 3, 2]);
}

#[test]
fn not_nifti_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let text = write_file(dir.path(), "notes.nii", &vec![b'x'; 1000]);
    assert_error(Volume::load(&text), &text, "not a NIfTI file");
    let tiny = write_file(dir.path(), "tiny.nii.gz", b"abc");
    assert_error(Volume::load(&tiny), &tiny, "too short");
    let garbage_gz = dir.path().join("garbage.nii.gz");
    std::fs::write(
        &garbage_gz,
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff],
    )
    .unwrap();
    assert!(Volume::load(&garbage_gz).is_err());
}

#[test]
fn scl_slope_and_inter_are_applied_without_converting_voxels() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ct_spec();
    spec.scl_slope = 2.0;
    spec.scl_inter = -1024.0;
    let path = write_file(
        dir.path(),
        "scaled.nii.gz",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    let v = Volume::load(&path).unwrap();
    assert_eq!(v.data.dtype().name(), "int16");
    assert_eq!(v.value([0, 0, 0]), Some(-100.0 * 2.0 - 1024.0));
    let s = v.intensity_stats();
    assert_eq!((s.min, s.max), (-1224.0, 2.0 * 130.0 - 1024.0));
    // slope 0 means "unscaled", as nibabel reads it.
    spec.scl_slope = 0.0;
    let path = write_file(
        dir.path(),
        "unscaled.nii",
        &nifti_bytes(&spec, &ct_values(), i16le),
    );
    assert_eq!(Volume::load(&path).unwrap().value([0, 0, 0]), Some(-100.0));
}

#[test]
fn label_maps_reject_fractions_and_negatives_and_pick_the_smallest_type() {
    let dir = tempfile::tempdir().unwrap();
    let spec = HeaderSpec::new([2, 2, 1], 16, 32);
    let frac = write_file(
        dir.path(),
        "frac.nii.gz",
        &nifti_bytes(&spec, &[0.0f32, 1.0, 2.5, 3.0], f32le),
    );
    assert_error(
        LabelMap::load(&frac),
        &frac,
        "non-integer value 2.5 at voxel (0, 1, 0)",
    );
    let neg = write_file(
        dir.path(),
        "neg.nii",
        &nifti_bytes(&spec, &[0.0f32, -1.0, 2.0, 3.0], f32le),
    );
    assert_error(LabelMap::load(&neg), &neg, "negative value -1");
    let spec16 = HeaderSpec::new([2, 2, 1], 8, 32);
    let big = write_file(
        dir.path(),
        "big.nii",
        &nifti_bytes(&spec16, &[0i32, 300, 2, 70000], |v| {
            v.to_le_bytes().to_vec()
        }),
    );
    assert_error(LabelMap::load(&big), &big, "above 65535");
    let wide = write_file(
        dir.path(),
        "wide.nii",
        &nifti_bytes(&spec16, &[0i32, 300, 2, 7], |v| v.to_le_bytes().to_vec()),
    );
    let map = LabelMap::load(&wide).unwrap();
    assert_eq!(map.present_labels(), vec![(2, 1), (7, 1), (300, 1)]);
    assert!(matches!(map.voxels, segscope::volume::LabelVoxels::U16(_)));
}

#[test]
fn big_endian_files_read_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ct_spec();
    spec.big_endian = true;
    let bytes = nifti_bytes(&spec, &ct_values(), |v: i16| v.to_be_bytes().to_vec());
    let v = Volume::load(&write_file(dir.path(), "be.nii.gz", &bytes)).unwrap();
    assert_eq!(v.value([3, 2, 1]), Some(130.0));
    assert_eq!(v.geometry.orientation_code(), "RAS");
}

#[test]
fn nifti2_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Vec::new();
    b.extend(540i32.to_le_bytes());
    b.extend(b"n+2\0\r\n\x1a\n");
    b.extend(4i16.to_le_bytes()); // int16
    b.extend(16i16.to_le_bytes());
    for d in [3i64, 4, 3, 2, 1, 1, 1, 1] {
        b.extend(d.to_le_bytes());
    }
    b.extend([0u8; 24]); // intent_p1..3
    for p in [-1.0f64, 0.8, 0.8, 2.5, 0.0, 0.0, 0.0, 0.0] {
        b.extend(p.to_le_bytes());
    }
    b.extend(544i64.to_le_bytes()); // vox_offset
    b.extend(1.0f64.to_le_bytes());
    b.extend(0.0f64.to_le_bytes());
    b.extend([0u8; 32]); // cal_max, cal_min, slice_duration, toffset
    b.extend([0u8; 16]); // slice_start, slice_end
    b.extend([0u8; 80 + 24]); // descrip, aux_file
    b.extend(0i32.to_le_bytes()); // qform_code
    b.extend(2i32.to_le_bytes()); // sform_code
    b.extend([0u8; 48]); // quaternion and offsets
    for row in [
        [-0.8f64, 0.0, 0.0, 10.0],
        [0.0, -0.8, 0.0, 20.0],
        [0.0, 0.0, 2.5, -30.0],
    ] {
        for v in row {
            b.extend(v.to_le_bytes());
        }
    }
    b.extend([0u8; 12]); // slice_code, xyzt_units, intent_code
    b.extend([0u8; 16 + 1 + 15]); // intent_name, dim_info, unused
    assert_eq!(b.len(), 540);
    b.extend([0u8; 4]);
    b.extend(ct_values().into_iter().flat_map(i16le));
    let v = Volume::load(&write_file(dir.path(), "two.nii.gz", &b)).unwrap();
    assert_eq!(v.source.version, segscope::volume::NiftiVersion::Nifti2);
    assert_eq!(v.geometry.shape, [4, 3, 2]);
    assert_eq!(v.geometry.orientation_code(), "LPS");
    assert_eq!(
        v.geometry.voxel_to_world([1.0, 1.0, 1.0]),
        [9.2, 19.2, -27.5]
    );
    assert_eq!(v.value([3, 2, 1]), Some(130.0));
}
