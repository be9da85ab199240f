//! Exact Euclidean distance transform with anisotropic spacing (Felzenszwalb and
//! Huttenlocher's separable lower-envelope algorithm), as scipy's
//! `distance_transform_edt(~sites, sampling=spacing)` computes it, squared.

use rayon::prelude::*;

/// Squared distance (mm²) from every grid point to the nearest site; `f64::INFINITY`
/// everywhere when there is no site. The grid is i-fastest: index `i + n0*(j + n1*k)`.
///
/// Pass order keeps memory access sequential: first the binary distance along k
/// (two sweeps over whole planes), then exact parabola envelopes along i (rows)
/// and along j (within one plane, which fits in cache).
pub fn squared_edt(sites: &[bool], shape: [usize; 3], spacing: [f64; 3]) -> Vec<f64> {
    let [n0, n1, n2] = shape;
    let plane = n0 * n1;
    let mut d = vec![f64::INFINITY; sites.len()];
    if plane == 0 || n2 == 0 {
        return d;
    }
    // Axis 2: per column (i, j), distance in k to the nearest site, by a forward and
    // a backward sweep over whole planes (sequential memory, no per-column gathers).
    let s2 = spacing[2] * spacing[2];
    let mut last = vec![u32::MAX; plane];
    for k in 0..n2 {
        let (row, out) = (
            &sites[k * plane..(k + 1) * plane],
            &mut d[k * plane..(k + 1) * plane],
        );
        for c in 0..plane {
            if row[c] {
                last[c] = k as u32;
            }
            if last[c] != u32::MAX {
                let dk = (k - last[c] as usize) as f64;
                out[c] = dk * dk * s2;
            }
        }
    }
    last.iter_mut().for_each(|l| *l = u32::MAX);
    for k in (0..n2).rev() {
        let (row, out) = (
            &sites[k * plane..(k + 1) * plane],
            &mut d[k * plane..(k + 1) * plane],
        );
        for c in 0..plane {
            if row[c] {
                last[c] = k as u32;
            }
            if last[c] != u32::MAX {
                let dk = (last[c] as usize - k) as f64;
                out[c] = out[c].min(dk * dk * s2);
            }
        }
    }
    // Axes 0 and 1, plane by plane: rows are contiguous, the plane stays in cache.
    let (s0, s1) = (spacing[0] * spacing[0], spacing[1] * spacing[1]);
    d.par_chunks_mut(plane).for_each(|p| {
        let mut line = LineBuffers::new(n0);
        for row in p.chunks_mut(n0) {
            line.f.copy_from_slice(row);
            line.envelope(s0);
            row.copy_from_slice(&line.out);
        }
        let mut line = LineBuffers::new(n1);
        for i in 0..n0 {
            for j in 0..n1 {
                line.f[j] = p[i + n0 * j];
            }
            line.envelope(s1);
            for j in 0..n1 {
                p[i + n0 * j] = line.out[j];
            }
        }
    });
    d
}

/// Scratch space for one 1D lower envelope of parabolas.
struct LineBuffers {
    f: Vec<f64>,
    out: Vec<f64>,
    v: Vec<usize>,
    z: Vec<f64>,
    g: Vec<f64>,
    /// `recip[m] = 1/m`.
    recip: Vec<f64>,
}

impl LineBuffers {
    fn new(n: usize) -> Self {
        LineBuffers {
            f: vec![0.0; n],
            out: vec![0.0; n],
            v: vec![0; n],
            z: vec![0.0; n + 1],
            g: vec![0.0; n],
            recip: (0..n.max(1)).map(|m| 1.0 / m as f64).collect(),
        }
    }

    /// `out[p] = min_q f[q] + w·(p − q)²` over the finite `f[q]`.
    fn envelope(&mut self, w: f64) {
        let n = self.f.len();
        let f = &self.f;
        let Some(first) = f.iter().position(|x| x.is_finite()) else {
            self.out.iter_mut().for_each(|o| *o = f64::INFINITY);
            return;
        };
        // v: parabola vertices; g: their heights f[v] + w·v²; z: envelope breakpoints.
        let (v, z, g) = (&mut self.v, &mut self.z, &mut self.g);
        let inv_2w = 0.5 / w;
        let recip = &self.recip;
        let mut k = 0usize;
        v[0] = first;
        g[0] = f[first] + w * (first * first) as f64;
        z[0] = f64::NEG_INFINITY;
        z[1] = f64::INFINITY;
        for q in first + 1..n {
            if !f[q].is_finite() {
                continue;
            }
            let gq = f[q] + w * (q * q) as f64;
            loop {
                // Multiplying by a reciprocal instead of dividing: the envelope's
                // breakpoints move by an ulp at most, which changes no distance.
                let s = (gq - g[k]) * inv_2w * recip[q - v[k]];
                if s <= z[k] {
                    // The parabola at v[k] is hidden; k > 0 here since z[0] = −∞.
                    k -= 1;
                } else {
                    k += 1;
                    v[k] = q;
                    g[k] = gq;
                    z[k] = s;
                    z[k + 1] = f64::INFINITY;
                    break;
                }
            }
        }
        let mut k = 0usize;
        for p in 0..n {
            while z[k + 1] < p as f64 {
                k += 1;
            }
            let dq = p as f64 - v[k] as f64;
            self.out[p] = w * dq * dq + f[v[k]];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(sites: &[bool], shape: [usize; 3], s: [f64; 3]) -> Vec<f64> {
        let idx = |i: usize, j: usize, k: usize| i + shape[0] * (j + shape[1] * k);
        let mut out = vec![f64::INFINITY; sites.len()];
        for k in 0..shape[2] {
            for j in 0..shape[1] {
                for i in 0..shape[0] {
                    for c in 0..shape[2] {
                        for b in 0..shape[1] {
                            for a in 0..shape[0] {
                                if sites[idx(a, b, c)] {
                                    let d = ((i as f64 - a as f64) * s[0]).powi(2)
                                        + ((j as f64 - b as f64) * s[1]).powi(2)
                                        + ((k as f64 - c as f64) * s[2]).powi(2);
                                    let o = &mut out[idx(i, j, k)];
                                    *o = o.min(d);
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn equals_brute_force_on_random_anisotropic_grids() {
        let shape = [9, 7, 5];
        let spacing = [0.7, 1.3, 3.0];
        let mut state = 12345u64;
        for density in [2, 5, 30] {
            let sites: Vec<bool> = (0..9 * 7 * 5)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (state >> 33) % 100 < density
                })
                .collect();
            let got = squared_edt(&sites, shape, spacing);
            let want = brute(&sites, shape, spacing);
            assert!(sites.iter().any(|&s| s));
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-9 * w.max(1.0), "{g} vs {w}");
            }
        }
    }

    #[test]
    fn no_site_means_infinite_distance() {
        let d = squared_edt(&[false; 8], [2, 2, 2], [1.0; 3]);
        assert!(d.iter().all(|x| x.is_infinite()));
    }
}
