//! segscope's metrics equal the reference implementations on real pairs:
//! overlap and per-slice Dice exactly (same integer counts), DeepMind surface
//! metrics within 1e-3 mm / 1e-4 (oracle: ../shared/peers/metrics_oracle.py), and
//! MedPy 0.5.2's hd95/assd/hd in `--surface medpy` mode.

mod common;

use std::path::Path;

use segscope::labels::LabelTable;
use segscope::metrics::{Convention, MetricsSettings, SurfaceDefinition, evaluate};
use segscope::volume::LabelMap;
use serde_json::Value;

fn load(path: &Path) -> LabelMap {
    LabelMap::load(path).unwrap_or_else(|e| panic!("{e}"))
}

fn close(ours: f64, want: &Value, tol: f64, what: &str) {
    match want.as_f64() {
        None => assert!(
            !ours.is_finite(),
            "{what}: oracle undefined, segscope {ours}"
        ),
        Some(w) => assert!(
            (ours - w).abs() <= tol,
            "{what}: segscope {ours} vs oracle {w}"
        ),
    }
}

fn check_pair(oracle_json: &str, reference: &Path, prediction: &Path) {
    let oracle: Value = serde_json::from_str(oracle_json).unwrap();
    let (r, p) = (load(reference), load(prediction));
    let mut settings = MetricsSettings::new(Convention::Nnunet);
    let labels: Vec<u16> = oracle["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u16)
        .collect();
    settings.labels = Some(labels.clone());
    let result = evaluate(&r, &p, &LabelTable::empty(""), None, &settings).unwrap();
    assert_eq!(result.labels.len(), labels.len());
    for m in &result.labels {
        let want = &oracle["per_label"][m.label_id.to_string()];
        let what = format!("{} label {}", reference.display(), m.label_id);
        assert_eq!(
            m.counts.reference,
            want["gt_voxels"].as_u64().unwrap(),
            "{what} reference voxels"
        );
        assert_eq!(
            m.counts.prediction,
            want["pred_voxels"].as_u64().unwrap(),
            "{what} predicted voxels"
        );
        assert_eq!(
            m.counts.both,
            want["tp_voxels"].as_u64().unwrap(),
            "{what} TP"
        );
        // Same integer counts, same formula: equal to the last bit.
        if let Some(d) = want["dice"].as_f64() {
            assert_eq!(m.dice, d, "{what} Dice");
            assert_eq!(m.iou, want["iou"].as_f64().unwrap(), "{what} IoU");
        }
        close(m.hd_mm, &want["hd"], 1e-3, &format!("{what} HD"));
        close(m.hd95_mm, &want["hd95"], 1e-3, &format!("{what} HD95"));
        close(m.assd_mm, &want["assd"], 1e-3, &format!("{what} ASSD"));
        close(m.masd_mm, &want["masd"], 1e-3, &format!("{what} MASD"));
        close(m.nsd[0].1, &want["nsd_1mm"], 1e-4, &format!("{what} NSD@1"));
        close(m.nsd[1].1, &want["nsd_2mm"], 1e-4, &format!("{what} NSD@2"));
    }
    // Per-slice Dice along the oracle's axial axis equals, slice by slice.
    let per_slice = &oracle["per_slice"];
    let axis = per_slice["axis"].as_u64().unwrap() as usize;
    for (label, slices) in per_slice["dice"].as_object().unwrap() {
        let id: u16 = label.parse().unwrap();
        for (s, want) in slices.as_array().unwrap().iter().enumerate() {
            assert_eq!(
                result.overlap.slice_dice(axis, s, id),
                want.as_f64(),
                "label {id} slice {s}"
            );
        }
    }
}

#[test]
fn ts_ct_small_matches_the_oracle() {
    let d = common::shared_data();
    check_pair(
        include_str!("oracle/metrics_ts_ct_small.json"),
        &d.join("ts_ct_small/reference.nii.gz"),
        &d.join("ts_ct_small/prediction.nii.gz"),
    );
}

#[test]
fn ts_ct_full_matches_the_oracle_for_both_predictions() {
    let d = common::shared_data();
    let reference = d.join("ts_ct_full/reference_float64.nii.gz");
    check_pair(
        include_str!("oracle/metrics_ts_ct_full.json"),
        &reference,
        &d.join("ts_ct_full/prediction.nii.gz"),
    );
    check_pair(
        include_str!("oracle/metrics_ts_ct_full_v2.json"),
        &reference,
        &d.join("ts_ct_full/prediction_v2_total.nii.gz"),
    );
}

#[test]
fn ts_mr_small_matches_the_oracle() {
    let d = common::shared_data();
    check_pair(
        include_str!("oracle/metrics_ts_mr_small.json"),
        &d.join("ts_mr_small/reference.nii.gz"),
        &d.join("ts_mr_small/prediction_old_numbering.nii.gz"),
    );
}

#[test]
fn medpy_mode_matches_medpy() {
    let d = common::shared_data();
    let oracle: Value = serde_json::from_str(include_str!("oracle/medpy_small.json")).unwrap();
    for (case, reference, prediction) in [
        (
            "ts_ct_small",
            "ts_ct_small/reference.nii.gz",
            "ts_ct_small/prediction.nii.gz",
        ),
        (
            "ts_mr_small",
            "ts_mr_small/reference.nii.gz",
            "ts_mr_small/prediction_old_numbering.nii.gz",
        ),
    ] {
        let (r, p) = (load(&d.join(reference)), load(&d.join(prediction)));
        let mut settings = MetricsSettings::new(Convention::Nnunet);
        settings.surface = SurfaceDefinition::Medpy;
        let result = evaluate(&r, &p, &LabelTable::empty(""), None, &settings).unwrap();
        let want = oracle[case].as_object().unwrap();
        let mut compared = 0;
        for m in &result.labels {
            let Some(w) = want.get(&m.label_id.to_string()) else {
                continue;
            };
            let what = format!("{case} label {}", m.label_id);
            close(m.hd95_mm, &w["hd95"], 1e-6, &format!("{what} MedPy hd95"));
            close(m.assd_mm, &w["assd"], 1e-6, &format!("{what} MedPy assd"));
            close(m.hd_mm, &w["hd"], 1e-6, &format!("{what} MedPy hd"));
            compared += 1;
        }
        assert_eq!(compared, want.len(), "{case}: every MedPy label compared");
    }
}

#[test]
fn the_full_size_case_matches_the_oracle() {
    // Built by ../shared/peers/make_bench_case.py (see README); .ci/run builds it.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/word_0014");
    if !dir.join("reference.nii.gz").is_file() {
        assert!(
            std::env::var_os("SEGSCOPE_REQUIRE_BENCH_CASE").is_none(),
            "bench-data/word_0014 is missing but SEGSCOPE_REQUIRE_BENCH_CASE is set"
        );
        eprintln!(
            "SKIPPED: full-size oracle comparison needs bench-data/word_0014 (python3 ../shared/peers/make_bench_case.py ../shared/data/word_labels/word_0014.nii.gz bench-data/word_0014)"
        );
        return;
    }
    check_pair(
        include_str!("oracle/metrics_word_0014_bench.json"),
        &dir.join("reference.nii.gz"),
        &dir.join("prediction.nii.gz"),
    );
}
