//! `segscope metrics` as a user runs it: the CSV/JSON contract, datasets, shards
//! and their merge, conventions, and organs paired by name across class maps.

mod common;

use common::{p, segscope, text};

use std::path::{Path, PathBuf};

use serde_json::Value;

fn data(rel: &str) -> String {
    p(&common::shared_data().join(rel))
}

#[test]
fn csv_follows_the_output_contract() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("m.csv");
    let out = segscope(&[
        "metrics",
        "--reference",
        &data("ts_ct_small/reference.nii.gz"),
        "--prediction",
        &data("ts_ct_small/prediction.nii.gz"),
        "--csv",
        &p(&csv),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = std::fs::read_to_string(&csv).unwrap();
    let mut lines = body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "case,label_id,label_name,convention,reference_ml,prediction_ml,dice,iou,hd_mm,hd95_mm,assd_mm,nsd_1mm,nsd_2mm,status"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 41);
    let liver = rows.iter().find(|r| r[1] == "5").unwrap();
    assert_eq!(liver[2], "liver");
    assert_eq!(liver[3], "nnunet");
    assert_eq!(liver[13], "ok");
    let dice: f64 = liver[6].parse().unwrap();
    assert!((dice - 0.9814).abs() < 1e-3, "{dice}");
    // Label 13 is only in the reference: Dice 0, distances undefined.
    let missed = rows.iter().find(|r| r[1] == "13").unwrap();
    assert_eq!(
        (missed[6], missed[8], missed[13]),
        ("0", "nan", "absent_in_prediction")
    );
}

#[test]
fn json_summary_has_the_nnunet_shape_and_states_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("s.json");
    let out = segscope(&[
        "metrics",
        "--reference",
        &data("ts_mr_small/reference.nii.gz"),
        "--prediction",
        &data("ts_mr_small/reference.nii.gz"),
        "--json",
        &p(&json),
        "--convention",
        "word",
        "--tolerance",
        "1.5",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["convention"], "word");
    assert!(
        doc["surface_definition"]
            .as_str()
            .unwrap()
            .starts_with("medpy")
    );
    assert_eq!(doc["tolerances_mm"], serde_json::json!([1.5]));
    let case = &doc["metric_per_case"][0];
    assert_eq!(case["metrics"]["5"]["values"]["Dice"], 1.0);
    assert_eq!(case["metrics"]["5"]["values"]["HD95_mm"], 0.0);
    assert_eq!(case["metrics"]["5"]["values"]["nsd_1.5mm"], 1.0);
    assert_eq!(doc["mean"]["5"]["Dice"], 1.0);
    assert_eq!(doc["foreground_mean"]["Dice"], 1.0);
}

fn make_dataset(root: &Path) -> PathBuf {
    let d = common::shared_data();
    for sub in ["labelsTs", "preds"] {
        std::fs::create_dir(root.join(sub)).unwrap();
    }
    let link =
        |src: &str, dst: &str| std::os::unix::fs::symlink(d.join(src), root.join(dst)).unwrap();
    link("ts_ct_small/reference.nii.gz", "labelsTs/ct_small.nii.gz");
    link("ts_ct_small/prediction.nii.gz", "preds/ct_small.nii.gz");
    link("ts_mr_small/reference.nii.gz", "labelsTs/mr_small.nii.gz");
    link(
        "ts_mr_small/prediction_old_numbering.nii.gz",
        "preds/mr_small.nii.gz",
    );
    link(
        "ts_ct_full/reference_float64.nii.gz",
        "labelsTs/ct_full.nii.gz",
    );
    link("ts_ct_full/prediction.nii.gz", "preds/ct_full.nii.gz");
    link("ts_ct_512/reference.nii.gz", "labelsTs/ct_512.nii.gz");
    link("ts_ct_512/reference.nii.gz", "preds/ct_512.nii.gz");
    link("ts_ct_small/prediction.nii.gz", "preds/orphan.nii.gz");
    root.join("preds")
}

#[test]
fn a_dataset_in_shards_merges_to_the_single_run() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let preds = make_dataset(r);
    let out_dir = tempfile::tempdir().unwrap();
    let o = |name: &str| p(&out_dir.path().join(name));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "metrics",
            r.to_str().unwrap(),
            "--prediction-dir",
            preds.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = segscope(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        out
    };
    let single = run(&["--json", &o("all.json"), "--csv", &o("all.csv")]);
    let stderr = text(&single.stderr);
    assert!(stderr.contains("4/4 cases"), "progress: {stderr}");
    assert!(
        stderr.contains("unpaired:") && stderr.contains("orphan.nii.gz: no reference"),
        "{stderr}"
    );
    run(&[
        "--shard",
        "1/3",
        "--json",
        &o("s1.json"),
        "--csv",
        &o("s1.csv"),
    ]);
    run(&[
        "--shard",
        "2/3",
        "--json",
        &o("s2.json"),
        "--csv",
        &o("s2.csv"),
    ]);
    run(&[
        "--shard",
        "3/3",
        "--json",
        &o("s3.json"),
        "--csv",
        &o("s3.csv"),
    ]);
    for (out, parts) in [
        ("merged.json", ["s1.json", "s2.json", "s3.json"]),
        ("merged.csv", ["s1.csv", "s2.csv", "s3.csv"]),
    ] {
        let merged = segscope(&[
            "metrics",
            "merge",
            &o(out),
            &o(parts[0]),
            &o(parts[1]),
            &o(parts[2]),
        ]);
        assert!(merged.status.success(), "{}", text(&merged.stderr));
    }
    let read = |name: &str| std::fs::read_to_string(out_dir.path().join(name)).unwrap();
    assert_eq!(read("merged.csv"), read("all.csv"));
    let (all, merged): (Value, Value) = (
        serde_json::from_str(&read("all.json")).unwrap(),
        serde_json::from_str(&read("merged.json")).unwrap(),
    );
    assert_eq!(all, merged);
    assert_eq!(all["metric_per_case"].as_array().unwrap().len(), 4);
    // The MR prediction numbers organs differently; with both tables embedded they pair by name.
    let mr = all["metric_per_case"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "mr_small")
        .unwrap();
    assert!(
        mr["metrics"]["46"]["values"]["Dice"].as_f64().unwrap() > 0.9,
        "{}",
        mr["metrics"]["46"]
    );
}

#[test]
fn organs_pair_by_name_across_totalsegmentator_versions() {
    let tables = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/labels");
    let out = segscope(&[
        "metrics",
        "--reference",
        &data("ts_ct_full/reference_float64.nii.gz"),
        "--prediction",
        &data("ts_ct_full/prediction_v2_total.nii.gz"),
        "--preset",
        "totalseg-v1",
        "--prediction-label-table",
        &p(&tables.join("totalsegmentator_total.json")),
        "--no-surface",
        "--csv",
        "-",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = text(&out.stdout);
    let dice = |name: &str| -> f64 {
        let row = body
            .lines()
            .find(|l| l.split(',').nth(2) == Some(name))
            .unwrap_or_else(|| panic!("{name} in {body}"));
        row.split(',').nth(6).unwrap().parse().unwrap()
    };
    // v1 liver is 5 and v2 liver is 5 too, but v1 kidney_left is 3 where v2 has 3 too;
    // organs whose ids moved (e.g. the lungs and vertebrae) still pair by name.
    for organ in ["liver", "spleen", "kidney_left", "aorta"] {
        assert!(dice(organ) > 0.8, "{organ}: {}", dice(organ));
    }
    assert!(text(&out.stderr).contains("paired with the reference's by organ name"));
}

#[test]
fn different_grids_are_refused() {
    let out = segscope(&[
        "metrics",
        "--reference",
        &data("ts_ct_small/reference.nii.gz"),
        "--prediction",
        &data("ts_mr_small/reference.nii.gz"),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("ts_mr_small/reference.nii.gz: not on the grid of"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("shape 122×101×30 vs 117×91×20"),
        "{}",
        text(&out.stderr)
    );
}
