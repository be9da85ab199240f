//! A 4× three-panel figure (reference, prediction, difference) of the full-size
//! case rendered offscreen and saved as PNG, timed end to end after the case is
//! loaded (upload, three panel renders and read-backs, legend scan, text, PNG
//! encoding). Goal: ≤ 2 s on the software renderer.
//!
//!     ../peers-venv/bin/python ../shared/peers/make_bench_case.py ../shared/data/word_labels/word_0014.nii.gz bench-data/word_0014
//!     WGPU_BACKEND=vulkan cargo bench --bench figure [-- CASE_DIR]

use std::path::PathBuf;
use std::time::Instant;

use segscope::case::{Case, CaseFiles, NamedFile};
use segscope::figure::{FigureSpec, Panel, SliceChoice, render_figure};
use segscope::labels::Preset;
use segscope::render::GpuContext;

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("bench-data/word_0014"));
    if !dir.join("image.nii.gz").is_file() {
        eprintln!(
            "figure bench skipped: no case at {} (make it with make_bench_case.py)",
            dir.display()
        );
        return;
    }
    let files = CaseFiles {
        name: "bench".into(),
        images: vec![NamedFile {
            name: "CT".into(),
            path: dir.join("image.nii.gz"),
        }],
        reference: Some(dir.join("reference.nii.gz")),
        predictions: vec![NamedFile {
            name: "prediction".into(),
            path: dir.join("prediction.nii.gz"),
        }],
    };
    let case = Case::load(&files).expect("the bench case loads");
    let labels = Preset::Word.table();
    let gpu = GpuContext::headless().expect("a GPU adapter (lavapipe: mesa-vulkan-drivers)");
    let spec = FigureSpec {
        slice: SliceChoice::Best(8),
        panels: vec![Panel::Reference, Panel::Prediction, Panel::Difference],
        scale: 4.0,
        ..FigureSpec::default()
    };
    let out = std::env::temp_dir().join("segscope-bench-figure.png");
    let mut times = Vec::new();
    let mut size = (0, 0);
    for _ in 0..3 {
        let start = Instant::now();
        let figure = render_figure(&gpu, &case, &labels, &spec).expect("renders");
        figure.image.save(&out).expect("saves");
        times.push(start.elapsed().as_secs_f64());
        size = (figure.image.width(), figure.image.height());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "4x three-panel figure {}x{} px ({:.1} Mpx), rendered and saved as PNG: median {:.2} s, best {:.2} s (goal <= 2 s)",
        size.0,
        size.1,
        f64::from(size.0) * f64::from(size.1) / 1e6,
        times[1],
        times[0]
    );
}
