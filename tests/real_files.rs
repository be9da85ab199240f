//! segscope reads every real file in ../shared/data exactly as nibabel does:
//! shape, zooms, dtype, affine, orientation code, world coordinates, and label
//! voxel counts equal to numpy's (oracle: tests/oracle/nibabel_facts.json).

mod common;

use std::collections::BTreeMap;

use segscope::case::{Case, CaseFiles, NamedFile};
use segscope::labels::from_nifti_extensions;
use segscope::volume::{AffineSource, LabelVoxels, Volume};
use serde_json::Value;

fn oracle() -> BTreeMap<String, Value> {
    serde_json::from_str(include_str!("oracle/nibabel_facts.json")).expect("oracle JSON parses")
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn every_real_file_matches_nibabel() {
    let data = common::shared_data();
    let oracle = oracle();
    assert!(oracle.len() >= 40, "oracle covers {} files", oracle.len());
    for (rel, fact) in &oracle {
        let path = data.join(rel);
        let volume = Volume::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let g = &volume.geometry;
        let shape: Vec<usize> = f64s(&fact["shape"]).iter().map(|&v| v as usize).collect();
        assert_eq!(g.shape.to_vec(), shape, "{rel} shape");
        for (a, b) in g.spacing.iter().zip(f64s(&fact["zooms"])) {
            assert!((a - b).abs() < 1e-6, "{rel} spacing {a} vs {b}");
        }
        assert_eq!(
            volume.source.disk_type.name(),
            fact["dtype"].as_str().unwrap(),
            "{rel} dtype"
        );
        for (r, row) in fact["affine"].as_array().unwrap().iter().enumerate() {
            for (c, want) in f64s(row).into_iter().enumerate() {
                let got = g.affine[r][c];
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{rel} affine[{r}][{c}] {got} vs {want}"
                );
            }
        }
        assert_eq!(
            g.orientation_code(),
            fact["axcodes"].as_str().unwrap(),
            "{rel} orientation"
        );
        // World coordinates of probe voxels equal nibabel's affine @ [i, j, k, 1], and round-trip.
        for (voxel, world) in fact["probe_voxels"]
            .as_array()
            .unwrap()
            .iter()
            .zip(fact["probe_world"].as_array().unwrap())
        {
            let ijk: Vec<f64> = f64s(voxel);
            let ijk = [ijk[0], ijk[1], ijk[2]];
            let got = g.voxel_to_world(ijk);
            for (a, b) in got.iter().zip(f64s(world)) {
                assert!(
                    (a - b).abs() < 1e-4,
                    "{rel} world of {ijk:?}: {got:?} vs {b}"
                );
            }
            let back = g.world_to_voxel(got).unwrap();
            for a in 0..3 {
                assert!(
                    (back[a] - ijk[a]).abs() < 1e-6,
                    "{rel} round trip {ijk:?} → {back:?}"
                );
            }
        }
        match fact["kind"].as_str().unwrap() {
            "image" => {
                assert!(!volume.looks_like_label_map(), "{rel} is an image");
                let s = volume.intensity_stats();
                assert_eq!(s.min, fact["min"].as_f64().unwrap(), "{rel} min");
                assert_eq!(s.max, fact["max"].as_f64().unwrap(), "{rel} max");
            }
            _ => {
                assert!(volume.looks_like_label_map(), "{rel} is a label map");
                let map = volume.into_label_map().unwrap();
                let got: BTreeMap<String, u64> = map
                    .present_labels()
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n))
                    .collect();
                let want: BTreeMap<String, u64> = fact["labels"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                    .collect();
                assert_eq!(got, want, "{rel} label counts");
            }
        }
    }
}

#[test]
fn affine_source_follows_nibabel_precedence() {
    let data = common::shared_data();
    // sform_code 1 and qform_code 1: sform wins.
    let v = Volume::load(&data.join("ts_ct_512/image.nii.gz")).unwrap();
    assert_eq!(v.geometry.source, AffineSource::Sform(1));
    // WORD files carry only a qform (code 1): the quaternion path.
    let v = Volume::load(&data.join("word_labels/word_0014.nii.gz")).unwrap();
    assert_eq!(v.geometry.source, AffineSource::Qform(1));
    assert_eq!(v.geometry.orientation_code(), "LPS");
}

#[test]
fn float64_label_maps_become_u8_with_the_same_counts() {
    let data = common::shared_data();
    let map = Volume::load(&data.join("ts_ct_full/reference_float64.nii.gz"))
        .unwrap()
        .into_label_map()
        .unwrap();
    assert!(matches!(map.voxels, LabelVoxels::U8(_)));
    assert_eq!(map.source.disk_type.name(), "float64");
    assert!(map.present_labels().len() > 20);
}

#[test]
fn int16_ct_stays_int16_and_int32_stays_int32() {
    let data = common::shared_data();
    let ct = Volume::load(&data.join("ts_ct_small/image.nii.gz")).unwrap();
    assert_eq!(ct.data.dtype().name(), "int16");
    assert_eq!(ct.data.memory_bytes(), 122 * 101 * 30 * 2);
    let full = Volume::load(&data.join("ts_ct_full/image.nii.gz")).unwrap();
    assert_eq!(full.data.dtype().name(), "int32");
}

#[test]
fn totalsegmentator_names_are_read_from_the_file() {
    let data = common::shared_data();
    let v = Volume::load(&data.join("ts_ct_small/reference.nii.gz")).unwrap();
    let table = from_nifti_extensions(&v.source.extensions, "ref").expect("embedded table");
    assert_eq!(table.name(5), "liver");
    assert_eq!(table.name(1), "spleen");
    assert!(table.len() >= 100, "{} names", table.len());
    // The old-numbering MR prediction names its ids differently from the reference.
    let old = Volume::load(&data.join("ts_mr_small/prediction_old_numbering.nii.gz")).unwrap();
    let new = Volume::load(&data.join("ts_mr_small/reference.nii.gz")).unwrap();
    let (old, new) = (
        from_nifti_extensions(&old.source.extensions, "old").unwrap(),
        from_nifti_extensions(&new.source.extensions, "new").unwrap(),
    );
    assert_ne!(old, new);
}

#[test]
fn a_real_case_loads_on_one_grid_and_a_mismatch_is_named() {
    let data = common::shared_data();
    let files = CaseFiles {
        name: "ts_ct_small".into(),
        images: vec![NamedFile {
            name: "CT".into(),
            path: data.join("ts_ct_small/image.nii.gz"),
        }],
        reference: Some(data.join("ts_ct_small/reference.nii.gz")),
        predictions: vec![NamedFile {
            name: "fast".into(),
            path: data.join("ts_ct_small/prediction.nii.gz"),
        }],
    };
    let case = Case::load(&files).unwrap();
    assert_eq!(case.grid().unwrap().shape, [122, 101, 30]);

    let mut wrong = files.clone();
    wrong.predictions[0].path = data.join("ts_ct_full/prediction.nii.gz");
    let err = Case::load(&wrong).unwrap_err().to_string();
    assert!(
        err.contains("ts_ct_full/prediction.nii.gz: not on the grid of"),
        "{err}"
    );
    assert!(err.contains("shape 122×101×30 vs 122×101×112"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn display_axes_put_the_liver_on_the_patient_right_in_every_orientation() {
    // Liver (TotalSegmentator id 5) centroid in RAS display order must lie on the
    // patient's right (high x) half for RAS, LPS and LAS files alike.
    let data = common::shared_data();
    for rel in [
        "ts_ct_small/reference.nii.gz",
        "ts_mr_small/reference.nii.gz",
        "ts_ct_512/reference.nii.gz",
    ] {
        let map = Volume::load(&data.join(rel))
            .unwrap()
            .into_label_map()
            .unwrap();
        let d = map.geometry.display_axes();
        let (mut sum, mut n) = (0.0, 0.0);
        for x in 0..d.shape[0] {
            for y in (0..d.shape[1]).step_by(2) {
                for z in 0..d.shape[2] {
                    if map.voxels.get(d.voxel_index([x, y, z])) == Some(5) {
                        sum += x as f64;
                        n += 1.0;
                    }
                }
            }
        }
        assert!(n > 100.0, "{rel}: liver found");
        let frac = sum / n / d.shape[0] as f64;
        assert!(
            frac > 0.5,
            "{rel}: liver centroid at {frac:.2} of the L→R axis"
        );
    }
}

#[test]
fn the_shared_label_files_read_with_their_names_and_colours() {
    use segscope::labels::{LabelTable, Preset};
    let labels = common::shared_data().join("labels");
    let word_json = LabelTable::from_file(&labels.join("word_16.json")).unwrap();
    let word_itk =
        LabelTable::from_file(&labels.join("word_itksnap_label_description.txt")).unwrap();
    assert_eq!(word_json.len(), 16);
    for id in 1..=16 {
        assert_eq!(word_json.name(id), word_itk.name(id), "id {id}");
        assert_eq!(word_json.color(id), word_itk.color(id), "id {id}");
        assert_eq!(
            word_itk.color(id),
            Preset::Word.table().color(id),
            "ITK-SNAP default colour of id {id}"
        );
        assert_eq!(word_itk.name(id), Preset::Word.table().name(id));
    }
    let raos = LabelTable::from_file(&labels.join("raos_19_INFERRED.json")).unwrap();
    let raos_preset = Preset::Raos.table();
    assert!(
        raos.iter().eq(raos_preset.iter()),
        "RAOS preset equals the shared table"
    );
    for (file, preset) in [
        ("totalsegmentator_total.json", Preset::TotalsegTotal),
        ("totalsegmentator_total_mr.json", Preset::TotalsegTotalMr),
        ("totalsegmentator_total_v1.json", Preset::TotalsegV1),
    ] {
        let shared = LabelTable::from_file(&labels.join(file)).unwrap();
        let built_in = preset.table();
        assert_eq!(shared.len(), built_in.len(), "{file}");
        for (id, e) in shared.iter() {
            assert_eq!(e.name, built_in.name(id), "{file} id {id}");
        }
    }
}
