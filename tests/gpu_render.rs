//! The renderer on a real GPU adapter (Mesa lavapipe in CI): pixels are checked
//! against the label maps, not just "no panic". Without an adapter these tests
//! skip loudly — unless SEGSCOPE_REQUIRE_GPU=1, when they fail.

mod common;

use segscope::labels::{LabelTable, Preset, from_nifti_extensions};
use segscope::render::offscreen::OFFSCREEN_FORMAT;
use segscope::render::{
    CaseTextures, DisplayMode, GpuContext, LayerStyle, Plane, SlicePipeline, SliceView, ViewParams,
    render_view, view_mapping,
};
use segscope::volume::{LabelMap, Volume};

fn gpu() -> Option<GpuContext> {
    match GpuContext::headless() {
        Ok(g) => Some(g),
        Err(e) if std::env::var("SEGSCOPE_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("SEGSCOPE_REQUIRE_GPU=1 but {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED GPU TEST: {e}");
            None
        }
    }
}

const HIDDEN: LayerStyle = LayerStyle {
    fill: 0.0,
    outline: 0.0,
    shown: false,
};

struct Scene {
    gpu: GpuContext,
    pipeline: SlicePipeline,
    textures: CaseTextures,
    image: Volume,
    reference: LabelMap,
    prediction: LabelMap,
}

fn scene(
    gpu: GpuContext,
    image: Volume,
    reference: LabelMap,
    prediction: LabelMap,
    labels: &LabelTable,
) -> Scene {
    let pipeline = SlicePipeline::new(&gpu.device, OFFSCREEN_FORMAT);
    let textures = CaseTextures::upload(
        &gpu.device,
        &gpu.queue,
        &[&image],
        Some(&reference),
        &[&prediction],
        labels,
    )
    .expect("uploads");
    Scene {
        gpu,
        pipeline,
        textures,
        image,
        reference,
        prediction,
    }
}

impl Scene {
    fn params(
        &self,
        view: &SliceView,
        size: [u32; 2],
        reference: LayerStyle,
        prediction: LayerStyle,
        mode: DisplayMode,
    ) -> ViewParams {
        ViewParams {
            mapping: view_mapping(
                &self.image.geometry,
                view,
                f64::from(size[0]),
                f64::from(size[1]),
            ),
            window: [40.0, 400.0],
            reference,
            prediction,
            outline_px: 1.0,
            mode,
            smooth: false,
        }
    }

    /// Renders the middle axial slice with these layer styles.
    fn axial(
        &self,
        size: [u32; 2],
        reference: LayerStyle,
        prediction: LayerStyle,
        mode: DisplayMode,
    ) -> (ViewParams, image::RgbaImage) {
        let view = SliceView::centred(Plane::Axial, &self.image.geometry);
        let params = self.params(&view, size, reference, prediction, mode);
        let img = render_view(
            &self.gpu,
            &self.pipeline,
            &self.textures,
            &params,
            size[0],
            size[1],
        )
        .unwrap();
        (params, img)
    }

    /// Label of a map at the centre of pixel (x, y), as the shader samples it.
    fn label_at(&self, map: &LabelMap, params: &ViewParams, size: [u32; 2], x: f64, y: f64) -> u16 {
        let v = params.mapping.voxel_at(
            (x + 0.5) / f64::from(size[0]),
            (y + 0.5) / f64::from(size[1]),
        );
        if v.iter()
            .zip(map.geometry.shape)
            .any(|(&c, n)| c < 0.0 || c >= n as f64)
        {
            return 0;
        }
        map.voxels.get(v.map(|c| c.floor() as usize)).unwrap_or(0)
    }
}

fn is_colour(p: &image::Rgba<u8>, c: [u8; 4]) -> bool {
    (0..3).all(|i| (i32::from(p[i]) - i32::from(c[i])).abs() <= 2)
}

/// The small real CT with its reference and prediction, named by the embedded table.
fn ts_ct_small(gpu: GpuContext) -> (Scene, LabelTable) {
    let d = common::shared_data();
    let image = Volume::load(&d.join("ts_ct_small/image.nii.gz")).unwrap();
    let reference = LabelMap::load(&d.join("ts_ct_small/reference.nii.gz")).unwrap();
    let prediction = LabelMap::load(&d.join("ts_ct_small/prediction.nii.gz")).unwrap();
    let labels = from_nifti_extensions(&reference.source.extensions, "ref").unwrap();
    (scene(gpu, image, reference, prediction, &labels), labels)
}

#[test]
fn the_demo_liver_is_red_and_on_the_screen_left_in_axial() {
    let Some(gpu) = gpu() else { return };
    let case = segscope::demo::phantom_case();
    let labels = Preset::Word.table();
    let (image, reference, prediction) = (
        case.images[0].1.clone(),
        case.reference.clone().unwrap(),
        case.predictions[0].1.clone(),
    );
    let s = scene(gpu, image, reference, prediction, &labels);
    let size = [320, 256];
    let full = LayerStyle {
        fill: 1.0,
        outline: 0.0,
        shown: true,
    };
    let (_, img) = s.axial(size, full, HIDDEN, DisplayMode::Layers);
    let red = labels.color(1);
    let (mut left, mut right) = (0, 0);
    for (x, _, p) in img.enumerate_pixels() {
        if is_colour(p, red) {
            if x < size[0] / 2 {
                left += 1
            } else {
                right += 1
            }
        }
    }
    assert!(left > 2000, "liver pixels on the left: {left}");
    assert!(
        right < left / 4,
        "liver pixels on the right: {right} (left {left})"
    );
}

#[test]
fn a_real_ct_liver_is_on_the_screen_left_and_matches_the_labels() {
    let Some(gpu) = gpu() else { return };
    let (s, labels) = ts_ct_small(gpu);
    let size = [366, 303];
    let full = LayerStyle {
        fill: 1.0,
        outline: 0.0,
        shown: true,
    };
    let (params, img) = s.axial(size, full, HIDDEN, DisplayMode::Layers);
    let liver = labels.color(5);
    let (mut agree, mut total, mut left, mut right) = (0, 0, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        let expected = s.label_at(&s.reference, &params, size, f64::from(x), f64::from(y));
        let coloured = is_colour(p, liver);
        if expected == 5 {
            total += 1;
            agree += usize::from(coloured);
            if x < size[0] / 2 {
                left += 1
            } else {
                right += 1
            }
        }
    }
    assert!(total > 3000, "liver in this slice: {total} pixels");
    assert!(
        agree as f64 > 0.99 * total as f64,
        "liver colour on {agree} of {total} liver pixels"
    );
    assert!(
        left > 4 * right,
        "liver on screen left: {left} left vs {right} right"
    );
}

#[test]
fn outline_mode_paints_only_boundary_pixels() {
    let Some(gpu) = gpu() else { return };
    let (s, labels) = ts_ct_small(gpu);
    let size = [244, 202];
    let outline = LayerStyle {
        fill: 0.0,
        outline: 1.0,
        shown: true,
    };
    let (params, img) = s.axial(size, outline, HIDDEN, DisplayMode::Layers);
    let liver = labels.color(5);
    let (mut painted, mut on_boundary) = (0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if !is_colour(p, liver) {
            continue;
        }
        painted += 1;
        let (fx, fy) = (f64::from(x), f64::from(y));
        let here = s.label_at(&s.reference, &params, size, fx, fy);
        let neighbours = [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]
            .map(|(dx, dy)| s.label_at(&s.reference, &params, size, fx + dx, fy + dy));
        // Organs can share a colour in TotalSegmentator's table: any organ of this colour counts.
        if here != 0 && labels.color(here) == liver && neighbours.iter().any(|&n| n != here) {
            on_boundary += 1;
        }
    }
    assert!(painted > 100, "outline pixels: {painted}");
    assert!(
        on_boundary as f64 > 0.97 * painted as f64,
        "{on_boundary} of {painted} outline pixels are on the liver boundary"
    );
}

#[test]
fn difference_mode_shows_misses_and_additions_where_they_are() {
    let Some(gpu) = gpu() else { return };
    let (s, _) = ts_ct_small(gpu);
    let size = [366, 303];
    let shown = LayerStyle {
        fill: 0.5,
        outline: 0.0,
        shown: true,
    };
    let (params, img) = s.axial(size, shown, shown, DisplayMode::Difference);
    let (mut misses, mut adds, mut wrong) = (0, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        let r = s.label_at(&s.reference, &params, size, f64::from(x), f64::from(y));
        let q = s.label_at(&s.prediction, &params, size, f64::from(x), f64::from(y));
        let (red, blue) = (
            p[0] > 180 && p[1] < 120 && p[2] < 120,
            p[2] > 180 && p[0] < 120,
        );
        match (r != 0, q != 0) {
            (true, false) => {
                misses += 1;
                wrong += usize::from(!red);
            }
            (false, true) => {
                adds += 1;
                wrong += usize::from(!blue);
            }
            _ => {}
        }
    }
    assert!(
        misses > 50 && adds > 50,
        "misses {misses}, additions {adds}"
    );
    assert!(
        (wrong as f64) < 0.02 * (misses + adds) as f64,
        "{wrong} of {} error pixels have the wrong colour",
        misses + adds
    );
}

#[test]
fn switching_image_channels_changes_the_picture_without_uploading() {
    let Some(gpu) = gpu() else { return };
    let case = segscope::demo::phantom_case();
    let ct = case.images[0].1.clone();
    let mut inverted = ct.clone();
    inverted.scaling = Some(segscope::volume::LinearScaling {
        slope: -1.0,
        inter: 0.0,
    });
    let pipeline = SlicePipeline::new(&gpu.device, OFFSCREEN_FORMAT);
    let mut textures = CaseTextures::upload(
        &gpu.device,
        &gpu.queue,
        &[&ct, &inverted],
        None,
        &[],
        &LabelTable::empty(""),
    )
    .unwrap();
    let uploaded = textures.uploaded_bytes;
    let view = SliceView::centred(Plane::Axial, &ct.geometry);
    let params = ViewParams {
        mapping: view_mapping(&ct.geometry, &view, 160.0, 128.0),
        window: [40.0, 400.0],
        reference: HIDDEN,
        prediction: HIDDEN,
        outline_px: 1.0,
        mode: DisplayMode::Layers,
        smooth: false,
    };
    let first = render_view(&gpu, &pipeline, &textures, &params, 160, 128).unwrap();
    textures.set_active_image(1);
    let second = render_view(&gpu, &pipeline, &textures, &params, 160, 128).unwrap();
    assert_eq!(
        textures.uploaded_bytes, uploaded,
        "switching uploads nothing"
    );
    // The body (−80 HU) is mid-grey in the CT; inverted (+80 HU) it is lighter.
    let centre = |img: &image::RgbaImage| img.get_pixel(80, 100)[0];
    assert!(
        centre(&second) > centre(&first) + 40,
        "{} vs {}",
        centre(&first),
        centre(&second)
    );
}

#[test]
fn smooth_intensity_interpolates_between_voxels() {
    let Some(gpu) = gpu() else { return };
    let (s, _) = ts_ct_small(gpu);
    let size = [400, 300];
    let view = SliceView::centred(Plane::Coronal, &s.image.geometry);
    let mut params = s.params(&view, size, HIDDEN, HIDDEN, DisplayMode::Layers);
    let nearest = render_view(&s.gpu, &s.pipeline, &s.textures, &params, size[0], size[1]).unwrap();
    params.smooth = true;
    let smooth = render_view(&s.gpu, &s.pipeline, &s.textures, &params, size[0], size[1]).unwrap();
    // Nearest sampling shows blocks of equal pixels; interpolation makes neighbours differ
    // and adds grey levels between the voxels' own.
    let changes = |img: &image::RgbaImage| {
        img.enumerate_pixels()
            .filter(|(x, y, p)| *x + 1 < size[0] && img.get_pixel(x + 1, *y)[0] != p[0])
            .count()
    };
    assert!(
        changes(&smooth) > 2 * changes(&nearest),
        "{} vs {}",
        changes(&smooth),
        changes(&nearest)
    );
}

#[test]
fn an_image_without_label_maps_renders_plain_grey() {
    let Some(gpu) = gpu() else { return };
    let case = segscope::demo::phantom_case();
    let image = case.images[0].1.clone();
    let pipeline = SlicePipeline::new(&gpu.device, OFFSCREEN_FORMAT);
    let textures = CaseTextures::upload(
        &gpu.device,
        &gpu.queue,
        &[&image],
        None,
        &[],
        &Preset::Word.table(),
    )
    .unwrap();
    let view = SliceView::centred(Plane::Axial, &image.geometry);
    let shown = LayerStyle {
        fill: 1.0,
        outline: 1.0,
        shown: true,
    };
    for mode in [DisplayMode::Layers, DisplayMode::Difference] {
        let params = ViewParams {
            mapping: view_mapping(&image.geometry, &view, 160.0, 128.0),
            window: [40.0, 400.0],
            reference: shown,
            prediction: shown,
            outline_px: 1.0,
            mode,
            smooth: false,
        };
        let img = render_view(&gpu, &pipeline, &textures, &params, 160, 128).unwrap();
        assert!(
            img.pixels().all(|p| p[0] == p[1] && p[1] == p[2]),
            "{mode:?}: only grey without label maps"
        );
    }
}

#[test]
fn a_volume_split_into_bricks_renders_exactly_as_one_texture() {
    let Some(gpu) = gpu() else { return };
    let (s, labels) = ts_ct_small(gpu);
    // Textures of at most 40 voxels per side force several bricks along every axis.
    let bricked = CaseTextures::upload_in_bricks(
        &s.gpu.device,
        &s.gpu.queue,
        &[&s.image],
        Some(&s.reference),
        &[&s.prediction],
        &labels,
        40,
    )
    .expect("uploads in bricks");
    assert_eq!(s.textures.brick_count(), 1);
    assert!(
        bricked.brick_count() >= 8,
        "bricks: {}",
        bricked.brick_count()
    );
    let styled = LayerStyle {
        fill: 0.4,
        outline: 1.0,
        shown: true,
    };
    let size = [301, 257];
    for plane in Plane::ALL {
        let view = SliceView::centred(plane, &s.image.geometry);
        for (mode, smooth) in [
            (DisplayMode::Layers, false),
            (DisplayMode::Layers, true),
            (DisplayMode::Difference, false),
        ] {
            let mut params = s.params(&view, size, styled, styled, mode);
            params.smooth = smooth;
            params.outline_px = 2.0;
            let render = |t: &CaseTextures| {
                render_view(&s.gpu, &s.pipeline, t, &params, size[0], size[1]).unwrap()
            };
            let (whole, split) = (render(&s.textures), render(&bricked));
            let differing = whole
                .pixels()
                .zip(split.pixels())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(
                differing, 0,
                "{plane:?} {mode:?} smooth={smooth}: {differing} pixels differ"
            );
            let coloured = whole.pixels().filter(|p| p[0] != p[1]).count();
            assert!(
                coloured > 200,
                "{plane:?}: the view shows organs ({coloured} px)"
            );
        }
    }
}
