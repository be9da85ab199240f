//! numpy's summation order, so that sums of many surfel areas and distances round
//! exactly as the reference implementations' do (numpy sums float64 arrays
//! pairwise in blocks of 128 with 8 partial sums; `cumsum` runs sequentially).

/// `np.sum` of a contiguous float64 array.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |s, &x| s + x);
    }
    if n <= BLOCK {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - (n % 8) {
            for (t, slot) in r.iter_mut().enumerate() {
                *slot += a[i + t];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        return res;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

/// `np.mean` of a contiguous float64 array (NaN when empty).
pub fn mean(a: &[f64]) -> f64 {
    pairwise_sum(a) / a.len() as f64
}

/// `np.percentile(a, q)` with the default linear method, `a` sorted ascending.
pub fn percentile_linear(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * (q / 100.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = h - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    // numpy's _lerp: a + diff*t, but b - diff*(1-t) from t = 0.5 on.
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sums_are_sequential_and_large_ones_pairwise() {
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        let v: Vec<f64> = (0..1000).map(|i| 0.1 * i as f64).collect();
        assert!((pairwise_sum(&v) - 49950.0).abs() < 1e-9);
    }

    #[test]
    fn percentile_interpolates_linearly() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(percentile_linear(&v, 50.0), 3.0);
        assert!((percentile_linear(&v, 95.0) - 8.8).abs() < 1e-12);
        assert_eq!(percentile_linear(&v, 100.0), 10.0);
    }
}
