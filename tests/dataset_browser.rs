//! The dataset browser, driven headless like a user: a dataset of the real CT and
//! MR cases in nnU-Net layout (two models, one with a file for one case only) is
//! opened, sorted by worst Dice, its worst case opened at its worst organ, and the
//! next case shown from the prefetch with Ctrl+N.

mod common;

use std::path::Path;
use std::time::Duration;

use common::app::{gpu_available, keep_shot, open_app, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use segscope::inspect::slices::{OrganSelection, slice_series, worst_slice};
use segscope::ui::app::{OpenRequest, SegscopeApp};

/// (case, image, reference, prediction) under ../shared/data.
const CASES: [(&str, &str, &str, &str); 3] = [
    (
        "ts_ct_small",
        "ts_ct_small/image.nii.gz",
        "ts_ct_small/reference.nii.gz",
        "ts_ct_small/prediction.nii.gz",
    ),
    (
        "ts_ct_full",
        "ts_ct_full/image.nii.gz",
        "ts_ct_full/reference_float64.nii.gz",
        "ts_ct_full/prediction.nii.gz",
    ),
    (
        "ts_mr_small",
        "ts_mr_small/image.nii.gz",
        "ts_mr_small/reference.nii.gz",
        "ts_mr_small/prediction_old_numbering.nii.gz",
    ),
];

/// Lays the real files out as an nnU-Net dataset (links, nothing copied).
fn real_dataset(root: &Path) {
    let data = common::shared_data();
    for dir in ["imagesTs", "labelsTs", "predictions", "predictions_v2"] {
        std::fs::create_dir_all(root.join(dir)).expect("makes the folders");
    }
    let link = |from: &str, to: std::path::PathBuf| {
        let from = data
            .join(from)
            .canonicalize()
            .expect("the real file exists");
        std::os::unix::fs::symlink(from, to).expect("links the real file");
    };
    for (case, image, reference, prediction) in CASES {
        link(image, root.join(format!("imagesTs/{case}_0000.nii.gz")));
        link(reference, root.join(format!("labelsTs/{case}.nii.gz")));
        link(prediction, root.join(format!("predictions/{case}.nii.gz")));
    }
    // A second model with a file for one case only.
    link(
        "ts_ct_full/prediction_v2_total.nii.gz",
        root.join("predictions_v2/ts_ct_full.nii.gz"),
    );
}

/// Clicks a widget: a click lands over a couple of frames (press, release).
fn click(harness: &mut Harness<'_, SegscopeApp>, label: &str) {
    harness.get_by_label(label).click();
    for _ in 0..4 {
        harness.step();
    }
}

#[test]
fn sorting_the_cases_and_opening_the_worst_lands_on_its_worst_organ() {
    if !gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    real_dataset(dir.path());
    let mut harness = open_app(OpenRequest {
        dataset: Some(dir.path().to_path_buf()),
        ..Default::default()
    });
    assert!(harness.state().showing_dataset());
    step_until(&mut harness, "the survey", |app| {
        app.browser().is_some_and(|b| {
            let (known, all) = b.survey.progress();
            known == all
        })
    });
    {
        let b = harness.state().browser().expect("a dataset is open");
        assert_eq!(b.dataset.cases.len(), 3);
        assert_eq!(b.models(), vec!["predictions", "predictions_v2"]);
        assert_eq!(b.dataset.missing_predictions.len(), 2, "v2 has one case");
        assert!(b.record(0).and_then(|r| r.error.clone()).is_none());
    }
    for (case, ..) in CASES {
        assert!(
            harness.query_by_label(case).is_some(),
            "the table lists {case}"
        );
    }

    // The table's numbers for ts_ct_small equal the oracle's (metrics_oracle.py).
    let oracle: serde_json::Value =
        serde_json::from_str(include_str!("oracle/metrics_ts_ct_small.json"))
            .expect("the oracle parses");
    let dice: Vec<(u16, f64)> = oracle["per_label"]
        .as_object()
        .expect("per-label results")
        .iter()
        .filter_map(|(id, m)| Some((id.parse().ok()?, m["dice"].as_f64()?)))
        .collect();
    let mean = dice.iter().map(|(_, d)| d).sum::<f64>() / dice.len() as f64;
    let worst = dice
        .iter()
        .copied()
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .expect("organs");
    {
        let b = harness.state().browser().expect("a dataset is open");
        let small = b
            .dataset
            .cases
            .iter()
            .position(|c| c.name == "ts_ct_small")
            .expect("the case");
        assert!((b.mean_dice(small) - mean).abs() < 1e-12);
        assert_eq!(b.worst(small), Some(worst));
    }

    // Sort by worst Dice, then by mean Dice: the header's buttons, as a user would.
    click(&mut harness, "worst Dice");
    {
        let b = harness.state().browser().expect("a dataset is open");
        let values: Vec<f64> = b
            .order()
            .iter()
            .map(|&c| b.worst(c).map_or(f64::NAN, |w| w.1))
            .collect();
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]),
            "ascending worst Dice: {values:?}"
        );
    }
    click(&mut harness, "mean Dice");
    let (order, worst_case, worst_organ) = {
        let b = harness.state().browser().expect("a dataset is open");
        let order = b.order();
        let values: Vec<f64> = order.iter().map(|&c| b.mean_dice(c)).collect();
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "ascending mean Dice: {values:?}"
        );
        assert_ne!(
            order,
            vec![0, 1, 2],
            "the real cases' means differ from name order"
        );
        let (organ, _) = b.worst(order[0]).expect("the worst case has organs");
        (order.clone(), order[0], organ)
    };
    if let Ok(shot) = harness.render() {
        keep_shot(&shot, "browser_sorted");
    }

    // Select the worst case's row and press Enter.
    let name = harness.state().browser().expect("a dataset").dataset.cases[worst_case]
        .name
        .clone();
    click(&mut harness, &name);
    harness.key_press(egui::Key::Enter);
    harness.step();
    step_until(
        &mut harness,
        "the worst case opens at its worst organ",
        |app| {
            !app.is_loading()
                && app
                    .viewer()
                    .is_some_and(|v| v.case.name == name && v.selected_organ.is_some())
        },
    );
    assert_eq!(harness.state().error(), None);
    assert!(!harness.state().showing_dataset());
    {
        let viewer = harness.state().viewer().expect("a case is open");
        assert_eq!(viewer.selected_organ, Some(worst_organ));
        // The axial view shows that organ's worst slice of the shown prediction.
        let overlap = viewer
            .shown_model()
            .and_then(|m| m.overlap.clone())
            .expect("overlap counts");
        let d = viewer.grid().display_axes();
        let series = slice_series(&overlap, &d, 2, OrganSelection::One(worst_organ));
        assert_eq!(Some(viewer.views[0].slice), worst_slice(&series));
    }
    if let Ok(shot) = harness.render() {
        keep_shot(&shot, "browser_opened_worst");
    }

    // The next case in the table's order loads ahead; Ctrl+N then shows it in the
    // frame of the key press.
    step_until(&mut harness, "the prefetch", SegscopeApp::prefetch_ready);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    harness.step();
    let next_name = harness.state().browser().expect("a dataset").dataset.cases[order[1]]
        .name
        .clone();
    assert_eq!(
        harness.state().viewer().map(|v| v.case.name.clone()),
        Some(next_name.clone()),
        "Ctrl+N showed the next case of the sorted table in one frame"
    );
    let report = harness.state().last_switch().cloned().expect("a switch");
    assert!(report.prefetched, "{report:?}");
    eprintln!(
        "switch to {} after prefetch: {:.1} ms",
        report.case,
        report.took.as_secs_f64() * 1000.0
    );

    // Ctrl+P goes back, even when press and release arrive in one frame (a fast
    // typist, a remote desktop): the frame's modifiers are then already released.
    let key = |pressed, modifiers| egui::Event::Key {
        key: egui::Key::P,
        physical_key: Some(egui::Key::P),
        pressed,
        repeat: false,
        modifiers,
    };
    harness.input_mut().events.extend([
        key(true, egui::Modifiers::COMMAND),
        key(false, egui::Modifiers::NONE),
    ]);
    harness.step();
    step_until(&mut harness, "the previous case", |app| {
        !app.is_loading() && app.viewer().is_some_and(|v| v.case.name == name)
    });
    harness.key_press(egui::Key::B);
    harness.step();
    assert!(harness.state().showing_dataset());
}

#[test]
fn a_folder_of_reference_label_maps_alone_opens_on_a_black_image() {
    if !gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path();
    for d in ["labelsTs", "predictions"] {
        std::fs::create_dir_all(root.join(d)).expect("makes the folders");
    }
    let data = common::shared_data();
    let link = |from: &str, to: &str| {
        let from = data
            .join(from)
            .canonicalize()
            .expect("the real file exists");
        std::os::unix::fs::symlink(from, root.join(to)).expect("links");
    };
    link("ts_ct_small/reference.nii.gz", "labelsTs/small.nii.gz");
    link("ts_ct_small/prediction.nii.gz", "predictions/small.nii.gz");
    let mut harness = open_app(OpenRequest {
        dataset: Some(root.to_path_buf()),
        ..Default::default()
    });
    harness.key_press(egui::Key::Enter);
    harness.step();
    step_until(&mut harness, "the case opens", |app| {
        !app.is_loading() && app.viewer().is_some()
    });
    assert_eq!(harness.state().error(), None);
    let viewer = harness.state_mut().viewer_mut().expect("a case is open");
    assert!(viewer.case.images.is_empty(), "no image was invented");
    viewer.show_crosshair = false;
    viewer.reference_style.shown = false;
    viewer.prediction_style.shown = false;
    harness.step();
    let shot = harness.render().expect("the window renders");
    keep_shot(&shot, "labels_only_hidden");
    // With both layers hidden, every pixel well inside the axial view is black.
    let (_, rect, _) = *harness
        .state()
        .drawn_views()
        .iter()
        .find(|(v, _, _)| *v == 0)
        .expect("the axial view is drawn");
    let centre = shot.get_pixel(rect.center().x as u32, rect.center().y as u32);
    assert_eq!([centre[0], centre[1], centre[2]], [0, 0, 0]);
    // With the prediction shown, its organs are coloured there.
    let viewer = harness.state_mut().viewer_mut().expect("a case is open");
    viewer.prediction_style.shown = true;
    viewer.prediction_style.fill = 1.0;
    harness.step();
    let shot = harness.render().expect("the window renders");
    keep_shot(&shot, "labels_only");
    let coloured = (rect.top() as u32 + 30..rect.bottom() as u32 - 30)
        .flat_map(|y| (rect.left() as u32 + 30..rect.right() as u32 - 30).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = shot.get_pixel(x, y);
            p[0].max(p[1]).max(p[2]) > 40
        })
        .count();
    assert!(
        coloured > 2000,
        "organ pixels on the black image: {coloured}"
    );
}

#[test]
fn reviewing_by_keyboard_is_saved_at_once_and_restored_on_reopening() {
    if !gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    real_dataset(dir.path());
    let request = OpenRequest {
        dataset: Some(dir.path().to_path_buf()),
        reviewer: Some("Dr Test".into()),
        ..Default::default()
    };
    let mut harness = open_app(request.clone());
    // The first row, opened at its worst organ.
    harness.key_press(egui::Key::Enter);
    harness.step();
    step_until(&mut harness, "the case opens at its worst organ", |app| {
        !app.is_loading() && app.viewer().is_some_and(|v| v.selected_organ.is_some())
    });
    let (case, organ, crosshair_voxel) = {
        let app = harness.state();
        let viewer = app.viewer().expect("a case is open");
        (
            app.review_key()
                .expect("reviewed under its name")
                .to_string(),
            viewer.selected_organ.expect("an organ"),
            viewer.voxel_of(viewer.crosshair),
        )
    };
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::Num3);
    harness.key_press(egui::Key::K);
    harness.step();
    // Discrete edits are on disk at once, in the documented format.
    let path = dir.path().join("segscope-review.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("saved at once")).expect("JSON");
    let saved = &json["cases"][&case];
    assert_eq!(saved["case"]["status"], "needs_correction");
    assert_eq!(saved["case"]["stamp"]["reviewer"], "Dr Test");
    assert_eq!(saved["organs"][organ.to_string()]["verdict"], "rejected");
    let bookmark = &saved["bookmarks"][0];
    assert_eq!(
        bookmark["voxel"],
        serde_json::json!(crosshair_voxel),
        "the bookmark is at the crosshair"
    );
    // A note typed in the panel is saved once typing pauses.
    let field = egui::accesskit::Role::MultilineTextInput;
    harness.get_by_role_and_label(field, "case note").focus();
    harness.step();
    harness
        .get_by_role_and_label(field, "case note")
        .type_text("tail of pancreas missed");
    harness.step();
    std::thread::sleep(segscope::review::store::TYPING_DEBOUNCE + Duration::from_millis(50));
    harness.step();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("saved")).expect("JSON");
    assert_eq!(
        json["cases"][&case]["case"]["note"],
        "tail of pancreas missed"
    );
    // Escape leaves the note: letters are shortcuts again.
    harness.key_press(egui::Key::Escape);
    harness.step();
    // The window presets did not fire with Ctrl/Alt held.
    assert!(
        harness
            .query_by_label_contains("1 of 3 cases reviewed")
            .is_some()
    );

    // U: the next case nobody has reviewed.
    harness.key_press(egui::Key::U);
    harness.step();
    step_until(&mut harness, "the next unreviewed case opens", |app| {
        !app.is_loading() && app.review_key().is_some_and(|k| k != case)
    });
    // Move away, so that going to the bookmark is a visible change.
    if let Some(v) = harness.state_mut().viewer_mut() {
        v.go_to([0, 0, 0]);
    }
    drop(harness);

    // A new window on the same dataset: the table says what was reviewed, and the
    // bookmark takes the views back.
    let mut harness = open_app(request);
    assert!(
        harness.query_by_label_contains("1 of 3 reviewed").is_some(),
        "the browser shows review progress"
    );
    let index = harness
        .state()
        .browser()
        .and_then(|b| b.dataset.cases.iter().position(|c| c.name == case))
        .expect("the case");
    harness.state_mut().open_dataset_case(index, None);
    step_until(&mut harness, "the reviewed case opens", |app| {
        !app.is_loading() && app.review_key() == Some(case.as_str())
    });
    let store = harness.state().reviews().expect("the dataset's reviews");
    let review = &store.reviews.cases[&case];
    assert_eq!(
        review.case.status,
        segscope::review::Verdict::NeedsCorrection
    );
    let mark = review
        .live_bookmarks()
        .next()
        .expect("the bookmark")
        .clone();
    harness
        .state_mut()
        .apply_review(segscope::ui::review_panel::ReviewAction::GoTo(mark));
    harness.step();
    let viewer = harness.state().viewer().expect("a case is open");
    assert_eq!(viewer.voxel_of(viewer.crosshair), crosshair_voxel);
    if let Ok(shot) = harness.render() {
        keep_shot(&shot, "review_restored");
    }
    // The panel's export writes CSV (every case of the dataset) and JSON.
    harness.get_by_label("export CSV + JSON").click();
    for _ in 0..4 {
        harness.step();
    }
    let csv_path = dir.path().join("segscope-review-export.csv");
    let mut reader = csv::Reader::from_path(&csv_path).expect("the CSV export");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let reviewed: Vec<&csv::StringRecord> = rows.iter().filter(|r| r[0] == case).collect();
    assert_eq!(reviewed.len(), 1, "one organ verdict");
    assert_eq!(&reviewed[0][1], "needs_correction");
    assert_eq!(&reviewed[0][8], "rejected");
    assert_eq!(rows.iter().filter(|r| &r[1] == "unreviewed").count(), 2);
    assert!(dir.path().join("segscope-review-export.json").is_file());
}

#[test]
fn a_case_opened_on_its_own_keeps_its_review_beside_its_reference() {
    if !gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = common::shared_data();
    let link = |from: &str, to: &str| {
        let from = data
            .join(from)
            .canonicalize()
            .expect("the real file exists");
        let to = dir.path().join(to);
        std::os::unix::fs::symlink(from, &to).expect("links");
        to
    };
    let request = OpenRequest {
        images: vec![link("ts_ct_small/image.nii.gz", "ct.nii.gz")],
        reference: Some(link("ts_ct_small/reference.nii.gz", "abd_001.nii.gz")),
        predictions: vec![link("ts_ct_small/prediction.nii.gz", "abd_001_pred.nii.gz")],
        reviewer: Some("Dr Test".into()),
        ..Default::default()
    };
    let mut harness = open_app(request.clone());
    assert_eq!(harness.state().review_key(), Some("abd_001"));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num1);
    harness.step();
    let path = dir.path().join("abd_001.segscope-review.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("saved beside the reference"))
            .expect("JSON");
    assert_eq!(json["cases"]["abd_001"]["case"]["status"], "accepted");
    drop(harness);
    let harness = open_app(request);
    let status = harness
        .state()
        .reviews()
        .and_then(|r| r.reviews.cases.get("abd_001"))
        .map(|c| c.case.status);
    assert_eq!(
        status,
        Some(segscope::review::Verdict::Accepted),
        "restored"
    );
}
