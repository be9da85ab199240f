//! `segscope info` as a user runs it, on real files and on a dataset folder.

mod common;

use common::{p, segscope, text};

use serde_json::Value;

#[test]
fn info_prints_the_facts_of_a_real_file() {
    let data = common::shared_data();
    let out = segscope(&[
        "info",
        &p(&data.join("ts_mr_small/image.nii.gz")),
        &p(&data.join("ts_ct_512/reference.nii.gz")),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("orientation LPS"), "{stdout}");
    assert!(stdout.contains("orientation LAS"), "{stdout}");
    assert!(stdout.contains("117×91×20 voxels"), "{stdout}");
    assert!(stdout.contains("0.9766 × 0.9766 × 2 mm"), "{stdout}");
    assert!(stdout.contains("from sform (code 2, aligned)"), "{stdout}");
    assert!(stdout.contains("kind        image, intensity"), "{stdout}");
    assert!(
        stdout.contains("liver"),
        "names from the embedded table: {stdout}"
    );
}

#[test]
fn info_json_reports_label_counts_names_and_volumes() {
    let data = common::shared_data();
    let out = segscope(&[
        "info",
        "--json",
        &p(&data.join("ts_ct_small/reference.nii.gz")),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let labels = &doc[0]["labels"];
    let present = labels["present"].as_array().unwrap();
    assert_eq!(present.len(), 41);
    let liver = present.iter().find(|r| r["id"] == 5).unwrap();
    assert_eq!(liver["name"], "liver");
    assert_eq!(liver["voxels"], 38634);
    assert!((liver["ml"].as_f64().unwrap() - 38634.0 * 27.0 / 1000.0).abs() < 1e-9);
    assert_eq!(doc[0]["orientation"], "RAS");
    assert_eq!(doc[0]["dtype_on_disk"], "uint8");
}

#[test]
fn presets_and_overrides_name_word_labels() {
    let data = common::shared_data();
    let file = p(&data.join("word_labels/word_0014.nii.gz"));
    let out = segscope(&[
        "info",
        "--json",
        "--preset",
        "word",
        "--set-label",
        "12=adrenal glands",
        &file,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let present = doc[0]["labels"]["present"].as_array().unwrap();
    let name = |id: u64| {
        present
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["name"].as_str().unwrap().to_string())
    };
    assert_eq!(name(1).as_deref(), Some("liver"));
    assert_eq!(name(16).as_deref(), Some("Head_of_femur_R"));
    assert_eq!(name(12).as_deref(), Some("adrenal glands"));
    assert_eq!(doc[0]["orientation"], "LPS");
    // The shared ITK-SNAP description names the same ids.
    let itk = p(&data.join("labels/word_itksnap_label_description.txt"));
    let out = segscope(&["info", "--labels", &itk, &file]);
    assert!(
        text(&out.stdout).contains("Head_of_femur_L"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_case_on_two_grids_fails_with_the_difference() {
    let data = common::shared_data();
    let out = segscope(&[
        "info",
        "--case",
        &p(&data.join("ts_ct_small/image.nii.gz")),
        "--reference",
        &p(&data.join("ts_ct_small/reference.nii.gz")),
        "--prediction",
        &p(&data.join("ts_mr_small/reference.nii.gz")),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("ts_mr_small/reference.nii.gz: not on the grid of"),
        "{stderr}"
    );
    assert!(stderr.contains("shape 122×101×30 vs 117×91×20"), "{stderr}");

    let ok = segscope(&[
        "info",
        "--case",
        &p(&data.join("ts_ct_small/image.nii.gz")),
        "--reference",
        &p(&data.join("ts_ct_small/reference.nii.gz")),
        "--prediction",
        &p(&data.join("ts_ct_small/prediction.nii.gz")),
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("grid: all 3 files share one grid"));
}

#[test]
fn a_bad_file_is_one_error_line_and_the_others_are_still_described() {
    let data = common::shared_data();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.nii.gz");
    let good = std::fs::read(data.join("ts_ct_small/image.nii.gz")).unwrap();
    std::fs::write(&bad, &good[..good.len() / 3]).unwrap();
    let out = segscope(&[
        "info",
        &p(&bad),
        &p(&data.join("ts_ct_small/prediction.nii.gz")),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    let error_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("broken.nii.gz"))
        .collect();
    assert_eq!(error_lines.len(), 1, "{stderr}");
    assert!(error_lines[0].contains("truncated"), "{stderr}");
    assert!(
        text(&out.stdout).contains("prediction.nii.gz"),
        "the good file is still described"
    );
}

#[test]
fn a_dataset_folder_pairs_cases_and_lists_what_does_not_pair() {
    let data = common::shared_data();
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for sub in ["imagesTs", "labelsTs", "pred_fast"] {
        std::fs::create_dir(r.join(sub)).unwrap();
    }
    let link =
        |src: &str, dst: &str| std::os::unix::fs::symlink(data.join(src), r.join(dst)).unwrap();
    link("ts_ct_small/image.nii.gz", "imagesTs/abd_001_0000.nii.gz");
    link("ts_ct_small/reference.nii.gz", "labelsTs/abd_001.nii.gz");
    link("ts_ct_full/image.nii.gz", "imagesTs/abd_002_0000.nii.gz");
    link("ts_ct_full/prediction.nii.gz", "labelsTs/abd_002.nii.gz");
    link("ts_mr_small/reference.nii.gz", "labelsTs/abd_003.nii.gz");
    link("ts_mr_small/image.nii.gz", "imagesTs/abd_004_0000.nii.gz");
    link("ts_ct_small/prediction.nii.gz", "pred_fast/abd_001.nii.gz");
    link("ts_ct_small/prediction.nii.gz", "pred_fast/abd_999.nii.gz");
    std::fs::write(r.join("pred_fast/plans.json"), "{}").unwrap();
    std::fs::write(
        r.join("dataset.json"),
        r#"{"channel_names": {"0": "CT"}, "labels": {"background": 0, "spleen": 1, "liver": 5}}"#,
    )
    .unwrap();

    let out = segscope(&[
        "info",
        "--dataset",
        &p(r),
        "--predictions",
        &p(&r.join("pred_fast")),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": 2 cases, channels 0=CT"), "{stdout}");
    assert!(
        stdout.contains("abd_001") && stdout.contains("predictions: pred_fast"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing: no prediction for abd_002"),
        "{stdout}"
    );
    assert!(
        stdout.contains("abd_003.nii.gz (reference of case abd_003 has no image"),
        "{stdout}"
    );
    assert!(
        stdout.contains("abd_004_0000.nii.gz (image of case abd_004 has no reference"),
        "{stdout}"
    );
    assert!(
        stdout.contains("abd_999.nii.gz (prediction for case abd_999"),
        "{stdout}"
    );
    assert!(stdout.contains("labels: 2 named"), "{stdout}");

    // Files inside the dataset are named by its dataset.json.
    let out = segscope(&["info", &p(&r.join("labelsTs/abd_002.nii.gz"))]);
    assert!(
        text(&out.stdout).contains("dataset.json"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn reference_label_maps_alone_are_a_dataset_with_its_prediction_folders() {
    let data = common::shared_data();
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for sub in ["labelsTs", "predictions_fast", "predictions_v2"] {
        std::fs::create_dir(r.join(sub)).unwrap();
    }
    let link =
        |src: &str, dst: &str| std::os::unix::fs::symlink(data.join(src), r.join(dst)).unwrap();
    link("word_labels/word_0014.nii.gz", "labelsTs/word_0014.nii.gz");
    link("word_labels/word_0016.nii.gz", "labelsTs/word_0016.nii.gz");
    link(
        "word_labels/word_0014.nii.gz",
        "predictions_fast/word_0014.nii.gz",
    );
    link(
        "word_labels/word_0016.nii.gz",
        "predictions_fast/word_0016.nii.gz",
    );
    link(
        "word_labels/word_0016.nii.gz",
        "predictions_v2/word_0016.nii.gz",
    );
    // No --predictions: every predictions*/ folder is a model, in name order.
    let out = segscope(&["info", "--dataset", &p(r)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": 2 cases"), "{stdout}");
    assert!(
        stdout.contains(
            "0 image channel(s), reference, predictions: predictions_fast, predictions_v2"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing: no prediction for word_0014 in"),
        "{stdout}"
    );
}

#[test]
fn the_viewer_refuses_a_folder_that_is_no_dataset_before_opening_a_window() {
    let root = tempfile::tempdir().unwrap();
    let out = segscope(&["--dataset", &p(root.path())]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not a dataset folder"), "{stderr}");
    assert!(
        stderr.contains(&p(root.path())),
        "names the folder: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let out = segscope(&["--sort", "worst-dice"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--dataset"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn info_describes_the_demo_case() {
    let out = segscope(&["info", "--demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("demo phantom"), "{stdout}");
    assert!(stdout.contains("liver"), "{stdout}");
}

#[test]
fn an_oblique_file_is_reported_with_its_angle() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = common::HeaderSpec::new([4, 3, 2], 4, 16);
    let t = 12f32.to_radians();
    spec.srow = [
        [t.cos(), -t.sin(), 0.0, 0.0],
        [t.sin(), t.cos(), 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
    ];
    let bytes = common::nifti_bytes(&spec, &[0i16; 24], |v: i16| v.to_le_bytes().to_vec());
    let path = common::write_file(dir.path(), "oblique.nii.gz", &bytes);
    let out = segscope(&["info", "--as", "image", &p(&path)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("RAS (voxel (0,0,0) at (0, 0, 0) mm RAS); OBLIQUE by 12.00°"),
        "{}",
        text(&out.stdout)
    );
}
