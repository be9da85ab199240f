//! The real app, driven headless by egui_kittest and rendered through wgpu (Mesa
//! lavapipe in CI): a real CT case is opened as a user would, and the pixels of the
//! whole window are checked against the label maps. Without a GPU adapter these
//! tests skip loudly — unless SEGSCOPE_REQUIRE_GPU=1, when they fail.

mod common;

use std::path::PathBuf;

use common::app::{gpu_available, keep_shot, open_app, settle, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use segscope::render::{DisplayMode, LayerStyle, ViewMapping};
use segscope::ui::app::{OpenRequest, SegscopeApp};
use segscope::volume::LabelMap;

fn ts_ct_small(file: &str) -> PathBuf {
    common::shared_data().join("ts_ct_small").join(file)
}

fn small_case() -> OpenRequest {
    OpenRequest {
        images: vec![ts_ct_small("image.nii.gz")],
        reference: Some(ts_ct_small("reference.nii.gz")),
        predictions: vec![ts_ct_small("prediction.nii.gz")],
        ..Default::default()
    }
}

/// Changes how the case is shown, then draws a frame with it.
fn restyle(
    harness: &mut Harness<'_, SegscopeApp>,
    mode: DisplayMode,
    reference: LayerStyle,
    prediction: LayerStyle,
) {
    let viewer = harness.state_mut().viewer_mut().expect("a case is open");
    viewer.mode = mode;
    // The crosshair is drawn over the picture: the pixel checks look under it.
    viewer.show_crosshair = false;
    viewer.reference_style = reference;
    viewer.prediction_style = prediction;
    harness.step();
}

const HIDDEN: LayerStyle = LayerStyle {
    fill: 0.0,
    outline: 0.0,
    shown: false,
};

/// The axial view's rect (in pixels) and mapping from the last frame.
fn axial_view(harness: &Harness<'_, SegscopeApp>) -> (egui::Rect, ViewMapping) {
    let (_, rect, mapping) = *harness
        .state()
        .drawn_views()
        .iter()
        .find(|(v, _, _)| *v == 0)
        .expect("the axial view is drawn");
    (rect, mapping)
}

/// Label of `map` under window pixel (x, y) of a view, sampled as the shader does.
fn label_under(map: &LabelMap, rect: egui::Rect, mapping: &ViewMapping, x: u32, y: u32) -> u16 {
    let u = (f64::from(x) + 0.5 - f64::from(rect.left())) / f64::from(rect.width());
    let v = (f64::from(y) + 0.5 - f64::from(rect.top())) / f64::from(rect.height());
    common::label_at(map, mapping, u, v)
}

/// Window pixels inside a view rect, clear of its edges, where egui writes the
/// orientation letters and the slice line over the picture.
fn pixels_in(rect: egui::Rect) -> impl Iterator<Item = (u32, u32)> {
    const EDGE: u32 = 24;
    let (x0, x1) = (
        rect.left().ceil() as u32 + EDGE,
        rect.right().floor() as u32 - EDGE,
    );
    let (y0, y1) = (
        rect.top().ceil() as u32 + EDGE,
        rect.bottom().floor() as u32 - EDGE,
    );
    (y0..y1).flat_map(move |y| (x0..x1).map(move |x| (x, y)))
}

fn near(p: &image::Rgba<u8>, c: [u8; 4]) -> bool {
    (0..3).all(|i| (i32::from(p[i]) - i32::from(c[i])).abs() <= 2)
}

#[test]
fn the_app_shows_the_real_liver_in_its_colour_on_the_screen_left() {
    if !gpu_available() {
        return;
    }
    let mut harness = open_app(small_case());
    let filled = LayerStyle {
        fill: 1.0,
        outline: 0.0,
        shown: true,
    };
    restyle(&mut harness, DisplayMode::Layers, filled, HIDDEN);
    let shot = harness.render().expect("the window renders");
    keep_shot(&shot, "liver_fill");
    let app = harness.state();
    let viewer = app.viewer().expect("a case is open");
    let reference = viewer.case.reference.as_ref().expect("a reference");
    let liver_id = (1..=u16::MAX)
        .find(|&id| viewer.labels.name(id) == "liver")
        .expect("the embedded table names the liver");
    let liver = viewer.labels.color(liver_id);
    let (rect, mapping) = axial_view(&harness);
    let (mut liver_pixels, mut coloured, mut left, mut right) = (0, 0, 0, 0);
    for (x, y) in pixels_in(rect) {
        let p = shot.get_pixel(x, y);
        if label_under(reference, rect, &mapping, x, y) != liver_id {
            continue;
        }
        liver_pixels += 1;
        coloured += usize::from(near(p, liver));
        if f64::from(x) < f64::from(rect.center().x) {
            left += 1;
        } else {
            right += 1;
        }
    }
    assert!(
        liver_pixels > 3000,
        "liver pixels in the axial view: {liver_pixels} (view {rect:?}, {mapping:?})"
    );
    assert!(
        coloured as f64 > 0.99 * liver_pixels as f64,
        "liver colour on {coloured} of {liver_pixels} liver pixels"
    );
    assert!(
        left > 4 * right,
        "radiological: liver on the screen's left ({left} left, {right} right)"
    );
}

#[test]
fn the_app_outline_mode_paints_only_boundary_pixels() {
    if !gpu_available() {
        return;
    }
    let mut harness = open_app(small_case());
    let outline = LayerStyle {
        fill: 0.0,
        outline: 1.0,
        shown: true,
    };
    restyle(&mut harness, DisplayMode::Layers, outline, HIDDEN);
    let shot = harness.render().expect("the window renders");
    keep_shot(&shot, "outline");
    let viewer = harness.state().viewer().expect("a case is open");
    let reference = viewer.case.reference.as_ref().expect("a reference");
    let (rect, mapping) = axial_view(&harness);
    let (mut painted, mut on_boundary) = (0, 0);
    for (x, y) in pixels_in(rect) {
        let p = shot.get_pixel(x, y);
        let here = label_under(reference, rect, &mapping, x, y);
        // A pixel in an organ colour that is not grey.
        let tinted = (i32::from(p[0]) - i32::from(p[1])).abs() > 12
            || (i32::from(p[1]) - i32::from(p[2])).abs() > 12;
        if !tinted {
            continue;
        }
        painted += 1;
        let neighbours = [(1, 0), (-1, 0), (0, 1), (0, -1)].map(|(dx, dy): (i32, i32)| {
            label_under(
                reference,
                rect,
                &mapping,
                x.saturating_add_signed(dx),
                y.saturating_add_signed(dy),
            )
        });
        if here != 0 && neighbours.iter().any(|&n| n != here) {
            on_boundary += 1;
        }
    }
    assert!(painted > 300, "outline pixels: {painted}");
    assert!(
        on_boundary as f64 > 0.97 * painted as f64,
        "{on_boundary} of {painted} coloured pixels are on an organ boundary"
    );
}

#[test]
fn the_app_difference_mode_shows_misses_and_additions_where_they_are() {
    if !gpu_available() {
        return;
    }
    let mut harness = open_app(small_case());
    // The C key hides the crosshair (the pixel checks look under it).
    harness.key_press(egui::Key::C);
    harness.step();
    assert_eq!(
        harness.state().viewer().map(|v| v.show_crosshair),
        Some(false)
    );
    // The X key switches to the difference mode, as a user would.
    harness.key_press(egui::Key::X);
    harness.step();
    assert_eq!(
        harness.state().viewer().map(|v| v.mode),
        Some(DisplayMode::Difference)
    );
    let shot = harness.render().expect("the window renders");
    keep_shot(&shot, "difference");
    let viewer = harness.state().viewer().expect("a case is open");
    let reference = viewer.case.reference.as_ref().expect("a reference");
    let prediction = &viewer.case.predictions[0].1;
    let (rect, mapping) = axial_view(&harness);
    let (mut misses, mut additions, mut wrong) = (0, 0, 0);
    for (x, y) in pixels_in(rect) {
        let p = shot.get_pixel(x, y);
        let r = label_under(reference, rect, &mapping, x, y);
        let q = label_under(prediction, rect, &mapping, x, y);
        let red = p[0] > 180 && p[1] < 120 && p[2] < 120;
        let blue = p[2] > 180 && p[0] < 120;
        match (r != 0, q != 0) {
            (true, false) => {
                misses += 1;
                wrong += usize::from(!red);
            }
            (false, true) => {
                additions += 1;
                wrong += usize::from(!blue);
            }
            _ => {}
        }
    }
    assert!(
        misses > 50 && additions > 50,
        "misses {misses}, additions {additions}"
    );
    assert!(
        (wrong as f64) < 0.02 * (misses + additions) as f64,
        "{wrong} of {} error pixels have the wrong colour",
        misses + additions
    );
}

#[test]
fn a_bad_file_shows_an_error_in_the_window_and_keeps_the_open_case() {
    if !gpu_available() {
        return;
    }
    let mut harness = open_app(small_case());
    let before = harness
        .state()
        .viewer()
        .map(|v| v.case.images[0].1.geometry.shape);
    // A prediction on another grid (the 512² CT's labels against the small CT).
    harness.state_mut().open(OpenRequest {
        images: vec![ts_ct_small("image.nii.gz")],
        reference: Some(ts_ct_small("reference.nii.gz")),
        predictions: vec![common::shared_data().join("ts_ct_512/reference.nii.gz")],
        ..Default::default()
    });
    settle(&mut harness);
    let error = harness.state().error().expect("an error").to_string();
    assert!(error.contains("grid") || error.contains("shape"), "{error}");
    assert!(
        error.contains("ts_ct_512"),
        "the error names the file: {error}"
    );
    assert!(
        harness.query_by_label_contains("error:").is_some(),
        "the error is shown in the window"
    );
    let after = harness
        .state()
        .viewer()
        .map(|v| v.case.images[0].1.geometry.shape);
    assert_eq!(before, after, "the open case stays");

    // A file that is not NIfTI at all.
    let dir = tempfile::tempdir().expect("a temp dir");
    let junk = dir.path().join("corrupt.nii.gz");
    std::fs::write(&junk, b"\x1f\x8b\x08\x00 not really gzip").expect("writes");
    harness.state_mut().open(OpenRequest {
        images: vec![junk],
        ..Default::default()
    });
    settle(&mut harness);
    let error = harness.state().error().expect("an error").to_string();
    assert!(error.contains("corrupt.nii.gz"), "{error}");
    assert!(harness.state().viewer().is_some(), "the open case stays");
    // The views still render after the failures.
    assert!(harness.render().is_ok());
}

#[test]
fn the_open_window_loads_typed_paths() {
    if !gpu_available() {
        return;
    }
    let mut harness = open_app(OpenRequest::default());
    let demo_shape = harness
        .state()
        .viewer()
        .map(|v| v.case.images[0].1.geometry.shape);
    // The generated demo has no files to keep reviews beside.
    assert!(harness.state().reviews().is_none());
    assert_eq!(harness.state().review_key(), None);
    assert!(
        harness.query_by_label_contains("not the demo").is_some(),
        "the review panel says why"
    );
    harness.get_by_label("Open…").click();
    for _ in 0..4 {
        harness.step();
    }
    if let Ok(shot) = harness.render() {
        keep_shot(&shot, "open_window");
    }
    assert_eq!(
        harness.query_all_by_label_contains("Browse").count(),
        5,
        "the Open window is shown, a Browse button per field (3 for a case, 2 for a dataset)"
    );
    let image = ts_ct_small("image.nii.gz").display().to_string();
    let field = egui::accesskit::Role::MultilineTextInput;
    harness.get_by_role_and_label(field, "Images").focus();
    harness.step();
    harness
        .get_by_role_and_label(field, "Images")
        .type_text(&image);
    harness.step();
    harness.get_by_label("Open").click();
    // A click lands over a couple of frames (press, release).
    for _ in 0..4 {
        harness.step();
    }
    if let Ok(shot) = harness.render() {
        keep_shot(&shot, "open_typed");
    }
    settle(&mut harness);
    assert_eq!(harness.state().error(), None);
    let shape = harness
        .state()
        .viewer()
        .map(|v| v.case.images[0].1.geometry.shape);
    assert_ne!(shape, demo_shape, "the typed case replaced the demo");
    assert_eq!(
        harness.query_all_by_label_contains("Browse").count(),
        0,
        "the window closed"
    );
}

/// Steps the app until the metrics of the open case are complete.
fn settle_metrics(harness: &mut Harness<'_, SegscopeApp>) {
    step_until(harness, "the metrics finish", |app| {
        app.viewer().is_some_and(|v| v.inspection.is_complete())
    });
}

#[test]
fn selecting_an_organ_and_pressing_next_error_moves_the_views_to_that_error() {
    if !gpu_available() {
        return;
    }
    let mut harness = open_app(small_case());
    settle_metrics(&mut harness);
    let (liver_id, row) = {
        let viewer = harness.state().viewer().expect("a case is open");
        let id = (1..=u16::MAX)
            .find(|&id| viewer.labels.name(id) == "liver")
            .expect("the embedded table names the liver");
        (id, format!("{id} liver"))
    };
    // The organ table lists the liver with its Dice; clicking selects it.
    harness.get_by_label(&row).click();
    harness.step();
    harness.step();
    assert_eq!(
        harness.state().viewer().and_then(|v| v.selected_organ),
        Some(liver_id)
    );
    harness.key_press(egui::Key::E);
    harness.step();
    harness.step();
    let viewer = harness.state().viewer().expect("a case is open");
    // The liver's largest error region, found independently of the viewer's lists.
    let reference = viewer.case.reference.as_ref().expect("a reference");
    let prediction = &viewer.case.predictions[0].1;
    let settings = segscope::metrics::MetricsSettings {
        surface_metrics: false,
        labels: Some(vec![liver_id]),
        ..segscope::metrics::MetricsSettings::new(segscope::metrics::Convention::Nnunet)
    };
    let metrics =
        segscope::metrics::evaluate(reference, prediction, &viewer.labels, None, &settings)
            .expect("evaluates");
    let regions = segscope::metrics::case_error_regions(reference, prediction, &metrics, None);
    let largest = regions.first().expect("the liver has errors");
    assert_eq!(largest.label_id, liver_id);
    let d = reference.geometry.display_axes();
    for view in &viewer.views {
        let w = view.plane.normal_axis();
        let c = largest.largest_slice[d.voxel_axis[w]];
        let expected = if d.flipped[w] { d.shape[w] - 1 - c } else { c };
        assert_eq!(view.slice, expected, "{:?} view", view.plane);
    }
    // The crosshair is at the region's largest slices too, and the axial slice shown
    // holds the region's voxels: the error is on screen.
    let ijk = viewer.voxel_of(viewer.crosshair);
    let axial_axis = d.voxel_axis[2];
    assert_eq!(ijk[axial_axis], largest.largest_slice[axial_axis]);
    let note = viewer.note.clone().expect("the jump is described");
    assert!(note.starts_with("error 1 of"), "{note}");
    assert!(note.contains("liver"), "{note}");
    assert!(
        harness.query_by_label_contains("error 1 of").is_some(),
        "the jump is described in the window"
    );
    // The organ table shows the liver's Dice as the metrics engine computes it.
    let dice = format!("{:.3}", metrics.labels[0].dice);
    assert!(
        harness.query_by_label(&dice).is_some(),
        "the table shows the liver's Dice {dice}"
    );
}

#[test]
fn names_given_on_the_command_line_override_the_embedded_ones() {
    if !gpu_available() {
        return;
    }
    let mut overlay = segscope::labels::LabelTable::empty("--set-label");
    overlay.insert(1, "spleen_as_named_by_the_user", None);
    let harness = open_app(OpenRequest {
        label_overlay: Some(overlay),
        ..small_case()
    });
    let viewer = harness.state().viewer().expect("a case is open");
    assert_eq!(viewer.labels.name(1), "spleen_as_named_by_the_user");
    // The other embedded names stay.
    assert!((2..=u16::MAX).any(|id| viewer.labels.name(id) == "liver"));
}
