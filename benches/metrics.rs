//! Metrics benchmark on the full-size case: all-organ overlap (one pass, with
//! per-slice counts on all three axes and the confusion matrix) and all-organ
//! surface metrics (HD, HD95, ASSD, NSD) in both definitions.
//!
//!     cargo bench --bench metrics -- bench-data/word_0014

use std::path::PathBuf;
use std::time::{Duration, Instant};

use segscope::labels::LabelTable;
use segscope::metrics::{Convention, MetricsSettings, OverlapCounts, SurfaceDefinition, evaluate};
use segscope::volume::LabelMap;

fn median(runs: usize, f: impl Fn()) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("bench-data/word_0014"));
    if !dir.join("reference.nii.gz").is_file() {
        eprintln!(
            "no benchmark case at {} (see benches/load.rs)",
            dir.display()
        );
        return;
    }
    let reference = LabelMap::load(&dir.join("reference.nii.gz")).expect("reference loads");
    let prediction = LabelMap::load(&dir.join("prediction.nii.gz")).expect("prediction loads");
    let shape = reference.geometry.shape;
    println!(
        "{} voxels ({}×{}×{}), {} threads",
        shape.iter().product::<usize>(),
        shape[0],
        shape[1],
        shape[2],
        rayon::current_num_threads()
    );
    let overlap = median(15, || {
        std::hint::black_box(
            OverlapCounts::compute(&reference.voxels, &prediction.voxels, None).expect("same grid"),
        );
    });
    println!(
        "overlap (all organs, per-slice on 3 axes, confusion): {:.1} ms",
        overlap.as_secs_f64() * 1e3
    );
    for (name, surface) in [
        ("deepmind", SurfaceDefinition::Deepmind),
        ("medpy", SurfaceDefinition::Medpy),
    ] {
        let mut settings = MetricsSettings::new(Convention::Nnunet);
        settings.surface = surface;
        let t = median(3, || {
            std::hint::black_box(
                evaluate(
                    &reference,
                    &prediction,
                    &LabelTable::empty(""),
                    None,
                    &settings,
                )
                .expect("evaluates"),
            );
        });
        println!(
            "all metrics, {name} surfaces (HD, HD95, ASSD, NSD@1,2): {:.1} ms",
            t.as_secs_f64() * 1e3
        );
    }
}
