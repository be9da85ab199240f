//! Figures of a real case rendered offscreen through wgpu (lavapipe in CI): the
//! size asked for, organ colours where the label maps have the organs, a legend
//! of exactly the organs in view, transparency where there is no data, and the
//! `segscope figure` command. Without a GPU adapter these tests skip loudly —
//! unless SEGSCOPE_REQUIRE_GPU=1.

mod common;

use std::collections::BTreeSet;

use common::app::gpu_available;
use common::{p, segscope, text};
use egui_kittest::kittest::Queryable;
use segscope::case::{Case, CaseFiles, NamedFile};
use segscope::figure::{Crop, Figure, FigureSpec, Panel, SliceChoice, render_figure};
use segscope::labels::LabelTable;
use segscope::render::{GpuContext, Plane};

fn small(file: &str) -> std::path::PathBuf {
    common::shared_data().join("ts_ct_small").join(file)
}

fn case() -> (Case, LabelTable) {
    let files = CaseFiles {
        name: "ts_ct_small".into(),
        images: vec![NamedFile {
            name: "CT".into(),
            path: small("image.nii.gz"),
        }],
        reference: Some(small("reference.nii.gz")),
        predictions: vec![NamedFile {
            name: "prediction".into(),
            path: small("prediction.nii.gz"),
        }],
    };
    let mut case = Case::load(&files).expect("the real case loads");
    let labels = case.align_predictions_by_name();
    (case, labels)
}

/// The label of `map` under pixel (x, y) of a panel placed at `at`, as drawn.
fn label_under(
    figure: &Figure,
    map: &segscope::volume::LabelMap,
    at: (u32, u32, u32, u32),
    x: u32,
    y: u32,
) -> u16 {
    let (px, py, w, h) = at;
    let u = (f64::from(x - px) + 0.5) / f64::from(w);
    let v = (f64::from(y - py) + 0.5) / f64::from(h);
    common::label_at(map, &figure.mapping, u, v)
}

#[test]
fn a_figure_has_the_asked_size_organ_colours_and_a_legend_of_the_organs_in_view() {
    if !gpu_available() {
        return;
    }
    let gpu = GpuContext::headless().expect("a GPU");
    let (case, labels) = case();
    let liver = labels.id_by_name("liver").expect("named");
    let spec = FigureSpec {
        slice: SliceChoice::Best(liver),
        panels: vec![
            Panel::Image,
            Panel::Reference,
            Panel::Prediction,
            Panel::Difference,
        ],
        panel_width: Some(600),
        fill: 1.0,
        ..FigureSpec::default()
    };
    let figure = render_figure(&gpu, &case, &labels, &spec).expect("renders");
    if let Some(dir) = std::env::var_os("SEGSCOPE_TEST_SHOTS") {
        figure
            .image
            .save(std::path::Path::new(&dir).join("figure_liver.png"))
            .expect("saves");
    }
    // The size asked for: four panels 600 px wide, the slice's aspect kept.
    assert_eq!(figure.panels.len(), 4);
    let d = case.grid().expect("a grid").display_axes();
    let aspect = (d.shape[1] as f64 * d.spacing[1]) / (d.shape[0] as f64 * d.spacing[0]);
    for &(_, _, w, h) in &figure.panels {
        assert_eq!(w, 600);
        assert_eq!(h, (600.0 * aspect).round() as u32);
    }
    assert!(figure.image.width() > 4 * 600 && figure.image.height() > figure.panels[0].3);

    // The reference panel is the liver's colour exactly where the reference has the liver.
    let reference = case.reference.as_ref().expect("a reference");
    let at = figure.panels[1];
    let colour = labels.color(liver);
    let (mut liver_pixels, mut coloured) = (0, 0);
    for y in at.1 + 20..at.1 + at.3 - 20 {
        for x in at.0 + 20..at.0 + at.2 - 20 {
            if label_under(&figure, reference, at, x, y) == liver {
                liver_pixels += 1;
                let p = figure.image.get_pixel(x, y);
                coloured += usize::from((0..3).all(|c| p[c].abs_diff(colour[c]) <= 2));
            }
        }
    }
    assert!(liver_pixels > 10_000, "liver pixels {liver_pixels}");
    assert!(
        coloured as f64 > 0.99 * liver_pixels as f64,
        "{coloured} of {liver_pixels}"
    );
    // The image panel has no organ colour there: grey.
    let image_at = figure.panels[0];
    let grey = (image_at.1 + 20..image_at.1 + image_at.3 - 20)
        .flat_map(|y| (image_at.0 + 20..image_at.0 + image_at.2 - 20).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = figure.image.get_pixel(x, y);
            p[0] == p[1] && p[1] == p[2]
        })
        .count();
    assert!(
        grey as f64 > 0.97 * f64::from((image_at.2 - 40) * (image_at.3 - 40)),
        "grey {grey}"
    );

    // The legend lists exactly the organs of this slice in either map (the whole
    // slice is in view), and each entry's swatch is drawn right of the panels.
    let axial = d.voxel_axis[2];
    let voxel_slice = if d.flipped[2] {
        d.shape[2] - 1 - figure.slice
    } else {
        figure.slice
    };
    let mut in_slice = BTreeSet::new();
    let shape = reference.geometry.shape;
    for map in [reference, &case.predictions[0].1] {
        for i in 0..shape[0] {
            for j in 0..shape[1] {
                for k in 0..shape[2] {
                    let ijk = [i, j, k];
                    if ijk[axial] != voxel_slice {
                        continue;
                    }
                    if let Some(id) = map.voxels.get(ijk).filter(|&id| id != 0) {
                        in_slice.insert(id);
                    }
                }
            }
        }
    }
    let legend: BTreeSet<u16> = figure.legend.iter().map(|(id, _)| *id).collect();
    assert_eq!(legend, in_slice);
    let legend_x = figure.panels[3].0 + figure.panels[3].2;
    for (id, name) in &figure.legend {
        let c = labels.color(*id);
        let found = figure
            .image
            .enumerate_pixels()
            .filter(|(x, _, p)| *x > legend_x && (0..3).all(|k| p[k] == c[k]))
            .count();
        assert!(found >= 25, "legend swatch of {name}: {found} pixels");
    }
}

#[test]
fn a_transparent_figure_is_clear_where_there_is_no_data() {
    if !gpu_available() {
        return;
    }
    let gpu = GpuContext::headless().expect("a GPU");
    let (case, labels) = case();
    let pancreas = labels.id_by_name("pancreas").expect("named");
    let spec = FigureSpec {
        plane: Plane::Coronal,
        slice: SliceChoice::Worst(pancreas),
        // 40 mm around the pancreas reaches past the 90 mm slab's top and bottom.
        crop: Crop::Organ {
            id: pancreas,
            margin_mm: 40.0,
        },
        scale: 4.0,
        transparent: true,
        // Nothing drawn over the panel, so every pixel outside the volume is checked.
        letters: false,
        scale_bar: false,
        ..FigureSpec::default()
    };
    let figure = render_figure(&gpu, &case, &labels, &spec).expect("renders");
    let at = figure.panels[0];
    let shape = case.grid().expect("a grid").shape;
    let (mut outside, mut clear, mut inside, mut opaque) = (0, 0, 0, 0);
    for y in at.1..at.1 + at.3 {
        for x in at.0..at.0 + at.2 {
            let u = (f64::from(x - at.0) + 0.5) / f64::from(at.2);
            let v = (f64::from(y - at.1) + 0.5) / f64::from(at.3);
            let voxel = figure.mapping.voxel_at(u, v);
            let alpha = figure.image.get_pixel(x, y)[3];
            if voxel
                .iter()
                .zip(shape)
                .all(|(&c, n)| c >= 0.0 && c < n as f64)
            {
                inside += 1;
                opaque += usize::from(alpha == 255);
            } else {
                outside += 1;
                clear += usize::from(alpha == 0);
            }
        }
    }
    // A coronal slab of 30 slices in a square-ish panel: most of it is outside.
    assert!(
        outside > 1000 && inside > 1000,
        "outside {outside}, inside {inside}"
    );
    // The letters are drawn over the panel (yellow): a few pixels either way.
    assert!(
        clear as f64 > 0.99 * outside as f64,
        "{clear} of {outside} clear"
    );
    assert!(
        opaque as f64 > 0.99 * inside as f64,
        "{opaque} of {inside} opaque"
    );
    assert_eq!(figure.image.get_pixel(0, 0)[3], 0, "the margin is clear");
}

#[test]
fn segscope_figure_writes_the_file_asked_for() {
    if !gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let png = dir.path().join("fig.png");
    let out = segscope(&[
        "figure",
        &p(&small("image.nii.gz")),
        "--reference",
        &p(&small("reference.nii.gz")),
        "--prediction",
        &p(&small("prediction.nii.gz")),
        "--slice",
        "worst:pancreas",
        "--crop",
        "pancreas:15",
        "--width",
        "400",
        "--outline",
        "2",
        "-o",
        &p(&png),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let image = image::open(&png).expect("a PNG").to_rgba8();
    assert!(image.width() > 3 * 400, "{}", image.width());
    assert!(
        text(&out.stderr).contains("organs in the legend"),
        "{}",
        text(&out.stderr)
    );
    let jpg = dir.path().join("fig.jpg");
    let out = segscope(&[
        "figure",
        &p(&small("image.nii.gz")),
        "--panels",
        "image",
        "-o",
        &p(&jpg),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(image::open(&jpg).is_ok());
    // A bad request is one line naming the problem.
    let out = segscope(&[
        "figure",
        &p(&small("image.nii.gz")),
        "--reference",
        &p(&small("reference.nii.gz")),
        "--slice",
        "worst:no_such_organ",
        "-o",
        &p(&png),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no_such_organ"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_export_figure_window_writes_the_current_slice() {
    if !gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("from_the_window.png");
    let mut harness = common::app::open_app(segscope::ui::app::OpenRequest {
        images: vec![small("image.nii.gz")],
        reference: Some(small("reference.nii.gz")),
        predictions: vec![small("prediction.nii.gz")],
        ..Default::default()
    });
    harness.get_by_label("Export figure…").click();
    for _ in 0..4 {
        harness.step();
    }
    if let Ok(shot) = harness.render() {
        common::app::keep_shot(&shot, "export_figure_window");
    }
    let field = egui::accesskit::Role::TextInput;
    harness.get_by_role_and_label(field, "file").focus();
    harness.step();
    // Replace the default name: select all, then type.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness
        .get_by_role_and_label(field, "file")
        .type_text(&p(&out));
    harness.step();
    harness.get_by_label("Export").click();
    for _ in 0..4 {
        harness.step();
    }
    common::app::step_until(&mut harness, "the figure is written", |_| out.is_file());
    let image = image::open(&out).expect("a PNG").to_rgba8();
    // Three panels at 4 pixels per voxel of the 122-voxel-wide slice, plus the legend.
    assert!(image.width() > 3 * 4 * 122, "{}", image.width());
    assert!(
        harness.query_by_label_contains("wrote").is_some()
            || harness.query_by_label_contains("rendering").is_some()
    );
}

#[test]
fn a_dataset_gets_one_figure_per_case() {
    if !gpu_available() {
        return;
    }
    let data = common::shared_data();
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path().join("dataset");
    for sub in ["imagesTs", "labelsTs", "predictions"] {
        std::fs::create_dir_all(root.join(sub)).expect("mkdir");
    }
    for (case, prediction) in [
        ("ts_ct_small", "prediction"),
        ("ts_mr_small", "prediction_old_numbering"),
    ] {
        let link = |from: String, to: String| {
            std::os::unix::fs::symlink(data.join(from), root.join(to)).expect("links");
        };
        link(
            format!("{case}/image.nii.gz"),
            format!("imagesTs/{case}_0000.nii.gz"),
        );
        link(
            format!("{case}/reference.nii.gz"),
            format!("labelsTs/{case}.nii.gz"),
        );
        link(
            format!("{case}/{prediction}.nii.gz"),
            format!("predictions/{case}.nii.gz"),
        );
    }
    let out = dir.path().join("figures");
    let result = segscope(&[
        "figure",
        "--dataset",
        &p(&root),
        "--out-dir",
        &p(&out),
        "--slice",
        "worst:liver",
        "--crop",
        "liver",
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    for case in ["ts_ct_small", "ts_mr_small"] {
        let image = image::open(out.join(format!("{case}.png"))).expect("a figure per case");
        assert!(image.width() > 100, "{case}");
    }
}

#[test]
fn a_panel_drawn_in_tiles_equals_one_drawn_whole() {
    if !gpu_available() {
        return;
    }
    let gpu = GpuContext::headless().expect("a GPU");
    let (case, labels) = case();
    let spec = FigureSpec {
        scale: 3.0,
        outline_px: 2.0,
        ..FigureSpec::default()
    };
    let whole = render_figure(&gpu, &case, &labels, &spec).expect("renders");
    // 97-pixel tiles: edges fall inside organs and across outlines.
    let tiled = render_figure(
        &gpu,
        &case,
        &labels,
        &FigureSpec {
            max_tile: Some(97),
            ..spec
        },
    )
    .expect("renders in tiles");
    assert_eq!(whole.image.dimensions(), tiled.image.dimensions());
    let differing = whole
        .image
        .pixels()
        .zip(tiled.image.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0, "{differing} pixels differ");
}
