//! Splitting a volume into bricks that each fit one 3D texture.
//!
//! A GPU caps every side of a 3D texture (`max_texture_dimension_3d`, often 2048).
//! A longer volume (a whole-body CT of 0.5 mm slices, say) is cut along each axis
//! that is too long. Every brick *owns* a box of voxels — the owned boxes tile the
//! volume without overlap — and *stores* that box plus a halo of `HALO` voxels on
//! each side, so the shader's neighbour reads (outline, trilinear) near a seam find
//! the same voxels as in one big texture. A view is drawn once per brick it touches;
//! each draw paints only the pixels whose voxel the brick owns.

use super::view::ViewMapping;

/// Voxels stored beyond each side of a brick's owned box.
///
/// The outline test reads a neighbour `outline_px` screen pixels away; the halo
/// covers that at any zoom down to `HALO / outline_px` voxels per pixel.
pub const HALO: u32 = 8;

/// One brick: the voxels it owns and the (larger) box its texture stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brick {
    /// First owned voxel per axis.
    pub owned_lo: [u32; 3],
    /// One past the last owned voxel per axis.
    pub owned_hi: [u32; 3],
    /// First stored voxel per axis (texel 0 of the brick's textures).
    pub stored_lo: [u32; 3],
    /// Stored extent per axis (the texture size).
    pub stored_size: [u32; 3],
}

impl Brick {
    /// True when the continuous voxel box `[lo, hi]` meets the owned box.
    pub fn touches(&self, lo: [f64; 3], hi: [f64; 3]) -> bool {
        (0..3).all(|a| hi[a] >= f64::from(self.owned_lo[a]) && lo[a] < f64::from(self.owned_hi[a]))
    }
}

/// How one axis of `len` voxels is cut when a texture side holds at most `max`.
fn split_axis(len: u32, max: u32) -> Vec<(u32, u32)> {
    if len <= max {
        return vec![(0, len)];
    }
    // Each brick owns `max - 2·HALO` voxels, so owned box plus halo fits.
    let owned = max.saturating_sub(2 * HALO).max(1);
    (0..len.div_ceil(owned))
        .map(|n| (n * owned, ((n + 1) * owned).min(len)))
        .collect()
}

/// The bricks of a volume of `dims` voxels on a GPU whose 3D textures hold at most
/// `max` voxels per side, x fastest. One brick (the whole volume) when it fits.
pub fn layout(dims: [u32; 3], max: u32) -> Vec<Brick> {
    let [xs, ys, zs] = dims.map(|d| split_axis(d, max));
    let mut bricks = Vec::with_capacity(xs.len() * ys.len() * zs.len());
    for &z in &zs {
        for &y in &ys {
            for &x in &xs {
                let owned = [x, y, z];
                let single = [xs.len(), ys.len(), zs.len()].map(|n| n == 1);
                let mut stored_lo = [0; 3];
                let mut stored_size = [0; 3];
                for a in 0..3 {
                    let (lo, hi) = owned[a];
                    // A single brick along an axis stores exactly the volume.
                    let halo = if single[a] { 0 } else { HALO };
                    let s_lo = lo.saturating_sub(halo);
                    let s_hi = (hi + halo).min(dims[a]);
                    stored_lo[a] = s_lo;
                    stored_size[a] = s_hi - s_lo;
                }
                bricks.push(Brick {
                    owned_lo: owned.map(|(lo, _)| lo),
                    owned_hi: owned.map(|(_, hi)| hi),
                    stored_lo,
                    stored_size,
                });
            }
        }
    }
    bricks
}

/// The continuous voxel box a view covers (its four corners' bounding box).
pub fn view_bounds(mapping: &ViewMapping) -> ([f64; 3], [f64; 3]) {
    let corners = [
        mapping.voxel_at(0.0, 0.0),
        mapping.voxel_at(1.0, 0.0),
        mapping.voxel_at(0.0, 1.0),
        mapping.voxel_at(1.0, 1.0),
    ];
    let mut lo = corners[0];
    let mut hi = corners[0];
    for c in &corners[1..] {
        for a in 0..3 {
            lo[a] = lo[a].min(c[a]);
            hi[a] = hi[a].max(c[a]);
        }
    }
    (lo, hi)
}

/// Copies the stored box of `brick` out of a volume laid out x fastest, converting
/// each voxel with `convert`, a few z-slices at a time: `emit(first_z, slices, data)`
/// receives each slab (at most about `slab_voxels` voxels) in brick coordinates.
pub fn for_each_slab<T: Copy, U>(
    volume: &[T],
    dims: [u32; 3],
    brick: &Brick,
    slab_voxels: usize,
    convert: impl Fn(T) -> U,
    mut emit: impl FnMut(u32, u32, &[U]),
) {
    let [nx, ny, _] = dims.map(|d| d as usize);
    let [x0, y0, z0] = brick.stored_lo.map(|d| d as usize);
    let [sx, sy, sz] = brick.stored_size.map(|d| d as usize);
    let per_slab = (slab_voxels / (sx * sy).max(1)).clamp(1, sz.max(1));
    let mut buffer = Vec::with_capacity(per_slab * sx * sy);
    let mut z = 0;
    while z < sz {
        let slices = per_slab.min(sz - z);
        buffer.clear();
        for k in z..z + slices {
            for j in 0..sy {
                let row = x0 + nx * (y0 + j + ny * (z0 + k));
                buffer.extend(volume[row..row + sx].iter().map(|&v| convert(v)));
            }
        }
        emit(z as u32, slices as u32, &buffer);
        z += slices;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volume_that_fits_is_one_brick_without_halo() {
        let b = layout([512, 512, 300], 2048);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].owned_hi, [512, 512, 300]);
        assert_eq!(b[0].stored_lo, [0, 0, 0]);
        assert_eq!(b[0].stored_size, [512, 512, 300]);
    }

    #[test]
    fn owned_boxes_tile_the_volume_and_stored_boxes_fit_the_limit() {
        let dims = [100, 37, 250];
        let max = 64;
        let bricks = layout(dims, max);
        // x: 100 → owned 48 each → 3 bricks; y fits; z: 250 → 6 bricks.
        assert_eq!(bricks.len(), 3 * 6);
        let mut owner = vec![0u8; (dims[0] * dims[1] * dims[2]) as usize];
        for b in &bricks {
            for (a, &dim) in dims.iter().enumerate() {
                assert!(b.stored_size[a] <= max, "{b:?}");
                assert!(b.stored_lo[a] <= b.owned_lo[a]);
                assert!(b.stored_lo[a] + b.stored_size[a] >= b.owned_hi[a]);
                assert!(b.stored_lo[a] + b.stored_size[a] <= dim);
            }
            for z in b.owned_lo[2]..b.owned_hi[2] {
                for y in b.owned_lo[1]..b.owned_hi[1] {
                    for x in b.owned_lo[0]..b.owned_hi[0] {
                        owner[(x + dims[0] * (y + dims[1] * z)) as usize] += 1;
                    }
                }
            }
        }
        assert!(
            owner.iter().all(|&n| n == 1),
            "every voxel owned exactly once"
        );
        // An inner seam keeps the full halo on both sides.
        let inner = bricks
            .iter()
            .find(|b| b.owned_lo[2] == 48)
            .expect("second z brick");
        assert_eq!(inner.stored_lo[2], 48 - HALO);
        assert_eq!(inner.stored_size[2], 48 + 2 * HALO);
    }

    #[test]
    fn slabs_copy_exactly_the_stored_box() {
        let dims = [5u32, 4, 6];
        let volume: Vec<u32> = (0..dims.iter().product::<u32>()).collect();
        let brick = Brick {
            owned_lo: [1, 1, 2],
            owned_hi: [3, 3, 4],
            stored_lo: [1, 0, 1],
            stored_size: [3, 4, 4],
        };
        let mut seen = Vec::new();
        for_each_slab(
            &volume,
            dims,
            &brick,
            25,
            |v| v * 10,
            |z, n, data| {
                assert_eq!(data.len(), (n * 3 * 4) as usize);
                seen.push((z, data.to_vec()));
            },
        );
        // 25 voxels per slab at 12 voxels per slice → 2 slices per slab.
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), vec![0, 2]);
        let all: Vec<u32> = seen.into_iter().flat_map(|s| s.1).collect();
        let mut expected = Vec::new();
        for z in 1..5 {
            for y in 0..4 {
                for x in 1..4 {
                    expected.push((x + 5 * (y + 4 * z)) * 10);
                }
            }
        }
        assert_eq!(all, expected);
    }

    #[test]
    fn a_view_touches_only_the_bricks_it_crosses() {
        let b = layout([10, 10, 200], 64);
        // An axial slice at z = 100.5 lies in exactly one z brick.
        let hits = b
            .iter()
            .filter(|b| b.touches([0.0, 0.0, 100.5], [10.0, 10.0, 100.5]))
            .count();
        assert_eq!(hits, 1);
        // A coronal view spanning all z touches all of them.
        let hits = b
            .iter()
            .filter(|b| b.touches([0.0, 5.0, 0.0], [10.0, 5.0, 200.0]))
            .count();
        assert_eq!(hits, b.len());
    }
}
