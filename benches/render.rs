//! Viewer rendering benchmark: a case is uploaded once; then each frame draws the
//! three-view layout at 1600×1000 while the slice and the window change. Prints the
//! texture bytes uploaded per frame (must be 0: only uniforms change) and the frame time.
//!
//!     WGPU_BACKEND=vulkan cargo bench --bench render -- [IMAGE REFERENCE PREDICTION]

use std::time::Instant;

use segscope::labels::{LabelTable, from_nifti_extensions};
use segscope::render::offscreen::OFFSCREEN_FORMAT;
use segscope::render::{
    CaseTextures, DisplayMode, GpuContext, LayerStyle, Plane, SlicePipeline, SliceView, ViewParams,
    render_view, view_mapping,
};
use segscope::volume::{LabelMap, Volume};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let (image, reference, prediction) = if args.len() >= 3 {
        (
            Volume::load(args[0].as_ref()).expect("image"),
            LabelMap::load(args[1].as_ref()).expect("reference"),
            LabelMap::load(args[2].as_ref()).expect("prediction"),
        )
    } else {
        let case = segscope::demo::phantom_case();
        (
            case.images[0].1.clone(),
            case.reference.clone().expect("demo reference"),
            case.predictions[0].1.clone(),
        )
    };
    let labels = from_nifti_extensions(&reference.source.extensions, "reference")
        .unwrap_or_else(|| LabelTable::empty(""));
    let gpu = match GpuContext::headless() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("no GPU adapter: {e}");
            return;
        }
    };
    println!(
        "adapter: {} ({:?})",
        gpu.adapter_info.name, gpu.adapter_info.backend
    );
    let pipeline = SlicePipeline::new(&gpu.device, OFFSCREEN_FORMAT);
    let t = Instant::now();
    let textures = CaseTextures::upload(
        &gpu.device,
        &gpu.queue,
        &[&image],
        Some(&reference),
        &[&prediction],
        &labels,
    )
    .expect("upload");
    println!(
        "upload: {:.1} MB of textures in {:.0} ms",
        textures.uploaded_bytes as f64 / 1e6,
        t.elapsed().as_secs_f64() * 1e3
    );
    let after_upload = textures.uploaded_bytes;
    let (w, h) = (1600 / 3, 1000);
    let mut views = Plane::ALL.map(|p| SliceView::centred(p, &image.geometry));
    let frames = 10;
    let start = Instant::now();
    for f in 0..frames {
        for view in views.iter_mut() {
            view.slice = (view.slice + 1)
                % image.geometry.display_axes().shape[view.plane.normal_axis()].max(1);
            let params = ViewParams {
                mapping: view_mapping(&image.geometry, view, f64::from(w), f64::from(h)),
                window: [40.0 + f as f64, 400.0],
                reference: LayerStyle {
                    fill: 0.0,
                    outline: 1.0,
                    shown: true,
                },
                prediction: LayerStyle {
                    fill: 0.45,
                    outline: 0.0,
                    shown: true,
                },
                outline_px: 1.0,
                mode: DisplayMode::Layers,
                smooth: false,
            };
            std::hint::black_box(
                render_view(&gpu, &pipeline, &textures, &params, w, h).expect("renders"),
            );
        }
    }
    let per_frame = start.elapsed().as_secs_f64() / f64::from(frames);
    println!(
        "three views at 1600×1000: {:.1} ms per frame (incl. read-back); texture bytes uploaded while changing slice and window: {}",
        per_frame * 1e3,
        textures.uploaded_bytes - after_upload
    );
}
