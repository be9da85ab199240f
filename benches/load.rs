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
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segscope::volume::{LabelMap, Volume};

const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time<T>(f: impl Fn() -> T) -> Duration {
    let times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    median(times)
}

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
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("bench-data/word_0014"));
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
        let raw = time(|| raw_libdeflate(&path));
        let flate = time(|| flate2_read(&path));
        let ours = if name == "image.nii.gz" {
            time(|| Volume::load(&path).expect("loads").data.memory_bytes())
        } else {
            time(|| LabelMap::load(&path).expect("loads").voxels.memory_bytes())
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
