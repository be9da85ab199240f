//! Metrics benchmark on the full-size case: all-organ overlap (one pass, with
//! per-slice counts on all three axes and the confusion matrix) and all-organ
//! surface metrics (HD, HD95, ASSD, NSD) in both definitions.
//!
//!     cargo bench --bench metrics -- bench-data/word_0014

use segscope::labels::LabelTable;
use segscope::metrics::{Convention, MetricsSettings, OverlapCounts, SurfaceDefinition, evaluate};
use segscope::volume::LabelMap;

#[path = "support/timing.rs"]
mod timing;
use timing::{case_dir, median_time};

fn main() {
    let dir = case_dir();
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
    let overlap = median_time(15, || {
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
        let t = median_time(3, || {
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
