//! Shared by the benchmarks: median wall time of repeated runs, and the case folder argument.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Median wall time of `runs` calls of `f` (its result kept alive so it is not optimised away).
pub fn median_time<T>(runs: usize, f: impl Fn() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// The benchmark case folder: the first non-flag argument, else bench-data/word_0014.
pub fn case_dir() -> PathBuf {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("bench-data/word_0014"))
}
