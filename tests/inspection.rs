//! Failure inspection on real data: the viewer's progressive metrics equal the
//! metrics engine's (and so the oracle's), the strip series equal the per-slice
//! counts, and a dataset's Dice table is computed once and then read from its cache.

mod common;

use std::sync::Arc;

use segscope::case::{Case, CaseFiles, NamedFile};
use segscope::inspect::Inspection;
use segscope::inspect::slices::{OrganSelection, slice_series, worst_slice};
use segscope::inspect::survey::{Survey, case_dice};
use segscope::labels::from_nifti_extensions;
use segscope::metrics::{Convention, MetricsSettings, evaluate};

fn small_files() -> CaseFiles {
    let dir = common::shared_data().join("ts_ct_small");
    CaseFiles {
        name: "ts_ct_small".into(),
        images: vec![NamedFile {
            name: "CT".into(),
            path: dir.join("image.nii.gz"),
        }],
        reference: Some(dir.join("reference.nii.gz")),
        predictions: vec![NamedFile {
            name: "fast".into(),
            path: dir.join("prediction.nii.gz"),
        }],
    }
}

#[test]
fn the_viewers_metrics_equal_the_engines_on_a_real_ct() {
    let case = Arc::new(Case::load(&small_files()).expect("loads"));
    let reference = case.reference.as_ref().expect("a reference");
    let names = from_nifti_extensions(&reference.source.extensions, "reference")
        .expect("TotalSegmentator names are embedded");
    let settings = MetricsSettings::new(Convention::Nnunet);
    let expected =
        evaluate(reference, &case.predictions[0].1, &names, None, &settings).expect("evaluates");
    let mut inspection = Inspection::start(case.clone(), names, settings);
    inspection.wait();
    let model = &inspection.models[0];
    assert_eq!(model.organs.len(), expected.labels.len());
    assert!(model.organs.len() > 30, "organs: {}", model.organs.len());
    for e in &expected.labels {
        let got = &model.organs[&e.label_id];
        assert_eq!(got.counts, e.counts, "{}", e.label_name);
        let pairs = [
            (got.dice, e.dice),
            (got.iou, e.iou),
            (got.hd95_mm, e.hd95_mm),
            (got.assd_mm, e.assd_mm),
            (got.nsd[0].1, e.nsd[0].1),
        ];
        for (a, b) in pairs {
            assert!(
                a == b || (a.is_nan() && b.is_nan()),
                "{}: {a} vs {b}",
                e.label_name
            );
        }
    }
    // The strip of the liver along the axial display axis is the per-slice Dice of
    // the voxel axis it shows (RAS file: display order is voxel order).
    let overlap = model.overlap.as_ref().expect("overlap done");
    let liver = expected
        .labels
        .iter()
        .find(|m| m.label_name == "liver")
        .expect("a liver")
        .label_id;
    let display = reference.geometry.display_axes();
    let series = slice_series(overlap, &display, 2, OrganSelection::One(liver));
    assert_eq!(series.len(), reference.geometry.shape[2]);
    for (k, counts) in series.iter().enumerate() {
        assert_eq!(
            counts.dice(),
            expected.overlap.slice_dice(2, k, liver),
            "slice {k}"
        );
    }
    let worst = worst_slice(&series).expect("the liver is there");
    assert!(series[worst].dice().is_some_and(|d| d < 1.0));
    let regions = model.regions.as_ref().expect("regions found");
    assert!(regions.iter().any(|r| r.label_id == liver));
}

#[test]
fn a_dataset_survey_is_cached_and_equal_to_a_fresh_one() {
    let files = vec![small_files()];
    let dir = tempfile::tempdir().expect("a temp dir");
    let cache = dir.path().join("cache.json");
    let mut first = Survey::start(files.clone(), Some(cache.clone()));
    assert_eq!(first.cached, 0);
    first.wait();
    let fresh = first.cases[0].clone().expect("computed");
    assert_eq!(fresh, case_dice(&files[0]));
    assert!(fresh.error.is_none());
    let (worst, dice) = fresh.worst(0).expect("organs");
    assert!(dice < 0.5, "the worst organ ({worst}) has Dice {dice}");
    drop(first);
    // The cache is written when the workers finish.
    let start = std::time::Instant::now();
    while !cache.is_file() {
        assert!(start.elapsed().as_secs() < 30, "the cache was not written");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let again = Survey::start(files, Some(cache));
    assert_eq!(again.cached, 1, "the second open reads the cache");
    assert_eq!(again.cases[0].as_ref(), Some(&fresh));
}
