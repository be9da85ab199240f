//! Load-time benchmark: segscope reading a full-size case, against libdeflate's
//! raw inflate of the same bytes (the floor) and flate2/miniz_oxide (the common
//! Rust choice).
//!
//!     python3 ../shared/peers/make_bench_case.py ../shared/data/word_labels/word_0014.nii.gz bench-data/word_0014
//!     cargo bench --bench load -- bench-data/word_0014
//!
//! Prints one line per file and method with the median of the runs, and the
//! ratio segscope / raw inflate (goal ≤ 1.2×).

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use segscope::volume::{LabelMap, Volume};

#[path = "support/timing.rs"]
mod timing;
use timing::{case_dir, median_time};

const RUNS: usize = 7;

/// The gzip ISIZE trailer: the inflated size of a single-member file below 4 GiB.
fn inflated_size(gz: &[u8]) -> usize {
    let n = gz.len();
    u32::from_le_bytes([gz[n - 4], gz[n - 3], gz[n - 2], gz[n - 1]]) as usize
}

fn raw_libdeflate(path: &Path) -> usize {
    let gz = std::fs::read(path).expect("bench file");
    let mut out = vec![0u8; inflated_size(&gz)];
    libdeflater::Decompressor::new()
        .gzip_decompress(&gz, &mut out)
        .expect("valid gzip")
}

fn flate2_read(path: &Path) -> usize {
    let gz = std::fs::read(path).expect("bench file");
    let mut out = Vec::with_capacity(inflated_size(&gz));
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .expect("valid gzip")
}

fn main() {
    let dir = case_dir();
    if !dir.join("image.nii.gz").is_file() {
        eprintln!(
            "no benchmark case at {}: build it with\n  python3 ../shared/peers/make_bench_case.py ../shared/data/word_labels/word_0014.nii.gz {}",
            dir.display(),
            dir.display()
        );
        return;
    }
    println!("median of {RUNS} runs, {}", dir.display());
    let mut total_segscope = Duration::ZERO;
    let mut total_raw = Duration::ZERO;
    for name in ["image.nii.gz", "reference.nii.gz", "prediction.nii.gz"] {
        let path = dir.join(name);
        let raw = median_time(RUNS, || raw_libdeflate(&path));
        let flate = median_time(RUNS, || flate2_read(&path));
        let ours = if name == "image.nii.gz" {
            median_time(RUNS, || {
                Volume::load(&path).expect("loads").data.memory_bytes()
            })
        } else {
            median_time(RUNS, || {
                LabelMap::load(&path).expect("loads").voxels.memory_bytes()
            })
        };
        total_segscope += ours;
        total_raw += raw;
        println!(
            "{name:<20} segscope {:>7.1} ms   libdeflate raw inflate {:>7.1} ms   flate2 {:>7.1} ms   segscope/raw {:.2}×",
            ours.as_secs_f64() * 1e3,
            raw.as_secs_f64() * 1e3,
            flate.as_secs_f64() * 1e3,
            ours.as_secs_f64() / raw.as_secs_f64()
        );
    }
    println!(
        "{:<20} segscope {:>7.1} ms   libdeflate raw inflate {:>7.1} ms   segscope/raw {:.2}×",
        "all three",
        total_segscope.as_secs_f64() * 1e3,
        total_raw.as_secs_f64() * 1e3,
        total_segscope.as_secs_f64() / total_raw.as_secs_f64()
    );
}
