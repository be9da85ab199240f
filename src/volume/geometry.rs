//! Voxel grids in world space: the affine chosen like nibabel, orientation codes,
//! voxel↔world transforms, the axis permutation to RAS display, and grid comparison.

use std::fmt;

use super::header::Header;

/// Which header field the affine came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AffineSource {
    /// `srow_x/y/z`, used because `sform_code` is non-zero.
    Sform(i32),
    /// The quaternion and offsets, used because `sform_code` is 0 and `qform_code` is not.
    Qform(i32),
    /// Neither code set: nibabel's fallback (pixdim scaling, x flipped, centred grid).
    Pixdim,
}

impl fmt::Display for AffineSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AffineSource::Sform(code) => {
                write!(f, "sform (code {code}, {})", xform_code_name(*code))
            }
            AffineSource::Qform(code) => {
                write!(f, "qform (code {code}, {})", xform_code_name(*code))
            }
            AffineSource::Pixdim => write!(f, "pixdim (no sform or qform code set)"),
        }
    }
}

fn xform_code_name(code: i32) -> &'static str {
    match code {
        1 => "scanner",
        2 => "aligned",
        3 => "talairach",
        4 => "mni",
        5 => "template",
        _ => "unknown",
    }
}

/// A 4×4 voxel-to-world (RAS+ mm) matrix, row-major.
pub type Affine = [[f64; 4]; 4];

/// The anatomical direction a voxel axis points to, in the RAS+ world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisDirection {
    /// World axis: 0 = x (left→right), 1 = y (posterior→anterior), 2 = z (inferior→superior).
    pub world_axis: usize,
    /// True when increasing the voxel index increases the world coordinate.
    pub positive: bool,
}

impl AxisDirection {
    /// The letter nibabel's `aff2axcodes` prints (R, L, A, P, S or I).
    pub fn letter(self) -> char {
        const LETTERS: [[char; 2]; 3] = [['L', 'R'], ['P', 'A'], ['I', 'S']];
        LETTERS[self.world_axis][usize::from(self.positive)]
    }
}

/// The voxel grid of a volume: shape, spacing and the affine into RAS+ world space.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Voxels along the three array axes (i, j, k).
    pub shape: [usize; 3],
    /// Voxel size in mm along i, j, k (`|pixdim[1..4]|`, as nibabel's `get_zooms`).
    pub spacing: [f64; 3],
    /// Voxel (i, j, k) → world (x, y, z) in RAS+ mm.
    pub affine: Affine,
    /// Where the affine came from.
    pub source: AffineSource,
}

/// Tolerances for deciding that two grids are the same one.
const SPACING_REL_TOL: f64 = 1e-4;
const ORIGIN_TOL_MM: f64 = 1e-3;
const DIRECTION_TOL: f64 = 1e-4;
/// Columns further than this from an axis make the volume oblique (float32 header
/// noise is ~1e-7 rad, real obliquity is usually degrees).
const OBLIQUE_TOL_DEG: f64 = 1e-3;

impl Geometry {
    /// Builds the geometry from a header, choosing the affine as nibabel's `get_best_affine`.
    pub fn from_header(header: &Header, shape: [usize; 3]) -> Self {
        let spacing = [header.pixdim[1], header.pixdim[2], header.pixdim[3]].map(|p| {
            if p.is_finite() && p != 0.0 {
                p.abs()
            } else {
                1.0
            }
        });
        let (affine, source) = if header.sform_code != 0 {
            (sform_affine(header), AffineSource::Sform(header.sform_code))
        } else if header.qform_code != 0 {
            (qform_affine(header), AffineSource::Qform(header.qform_code))
        } else {
            (pixdim_affine(header, shape), AffineSource::Pixdim)
        };
        Geometry {
            shape,
            spacing,
            affine,
            source,
        }
    }

    /// A geometry with the given affine, for volumes made in memory (the demo phantom).
    pub fn new(shape: [usize; 3], affine: Affine) -> Self {
        let spacing = [0, 1, 2].map(|c| column_norm(&affine, c));
        Geometry {
            shape,
            spacing,
            affine,
            source: AffineSource::Sform(2),
        }
    }

    /// Number of voxels.
    pub fn voxel_count(&self) -> usize {
        self.shape.iter().product()
    }

    /// Volume of one voxel in ml.
    pub fn voxel_volume_ml(&self) -> f64 {
        self.spacing.iter().product::<f64>() / 1000.0
    }

    /// World (RAS+ mm) coordinate of a (possibly fractional) voxel index.
    pub fn voxel_to_world(&self, ijk: [f64; 3]) -> [f64; 3] {
        let a = &self.affine;
        [0, 1, 2].map(|r| a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2] + a[r][3])
    }

    /// Fractional voxel index of a world (RAS+ mm) point; `None` if the affine is singular.
    pub fn world_to_voxel(&self, xyz: [f64; 3]) -> Option<[f64; 3]> {
        let inv = invert3(&self.linear())?;
        let d = [0, 1, 2].map(|r| xyz[r] - self.affine[r][3]);
        Some([0, 1, 2].map(|r| inv[r][0] * d[0] + inv[r][1] * d[1] + inv[r][2] * d[2]))
    }

    /// The 3×3 linear part of the affine.
    pub fn linear(&self) -> [[f64; 3]; 3] {
        [0, 1, 2].map(|r| [self.affine[r][0], self.affine[r][1], self.affine[r][2]])
    }

    /// World position of voxel (0, 0, 0).
    pub fn origin(&self) -> [f64; 3] {
        [self.affine[0][3], self.affine[1][3], self.affine[2][3]]
    }

    /// Unit direction of each voxel axis (the affine's normalised columns).
    pub fn directions(&self) -> [[f64; 3]; 3] {
        [0, 1, 2].map(|c| {
            let n = column_norm(&self.affine, c);
            let n = if n > 0.0 { n } else { 1.0 };
            [
                self.affine[0][c] / n,
                self.affine[1][c] / n,
                self.affine[2][c] / n,
            ]
        })
    }

    /// Direction of each voxel axis, assigned like nibabel's `io_orientation`:
    /// axes in order, each to the largest remaining world component.
    pub fn axis_directions(&self) -> [AxisDirection; 3] {
        let mut dirs = self.directions();
        let mut out = [AxisDirection {
            world_axis: 0,
            positive: true,
        }; 3];
        for (axis, slot) in out.iter_mut().enumerate() {
            let col = dirs[axis];
            let world_axis = (0..3)
                .max_by(|&a, &b| col[a].abs().total_cmp(&col[b].abs()))
                .unwrap_or(axis);
            *slot = AxisDirection {
                world_axis,
                positive: col[world_axis] >= 0.0,
            };
            for d in dirs.iter_mut() {
                d[world_axis] = 0.0;
            }
        }
        out
    }

    /// Orientation code such as "RAS", "LPS" or "LAS" (nibabel's `aff2axcodes`).
    pub fn orientation_code(&self) -> String {
        self.axis_directions().iter().map(|d| d.letter()).collect()
    }

    /// Largest angle, in degrees, between a voxel axis and the world axis it is displayed along.
    pub fn obliquity_degrees(&self) -> f64 {
        let dirs = self.directions();
        self.axis_directions()
            .iter()
            .enumerate()
            .map(|(axis, d)| {
                dirs[axis][d.world_axis]
                    .abs()
                    .clamp(0.0, 1.0)
                    .acos()
                    .to_degrees()
            })
            .fold(0.0, f64::max)
    }

    /// True when the grid is rotated away from the world axes (it is then displayed
    /// along the closest axes, without resampling).
    pub fn is_oblique(&self) -> bool {
        self.obliquity_degrees() > OBLIQUE_TOL_DEG
    }

    /// How to walk the voxel array in RAS display order without resampling.
    pub fn display_axes(&self) -> DisplayAxes {
        let dirs = self.axis_directions();
        let mut voxel_axis = [0usize; 3];
        let mut flipped = [false; 3];
        for (axis, d) in dirs.iter().enumerate() {
            voxel_axis[d.world_axis] = axis;
            flipped[d.world_axis] = !d.positive;
        }
        let shape = [0, 1, 2].map(|w| self.shape[voxel_axis[w]]);
        let spacing = [0, 1, 2].map(|w| self.spacing[voxel_axis[w]]);
        DisplayAxes {
            voxel_axis,
            flipped,
            shape,
            spacing,
        }
    }

    /// Every way in which `other` is not on this grid; empty when they match.
    pub fn differences(&self, other: &Geometry) -> Vec<GridDifference> {
        let mut out = Vec::new();
        if self.shape != other.shape {
            out.push(GridDifference::Shape(self.shape, other.shape));
            return out;
        }
        let spacing_differs = (0..3).any(|i| {
            (self.spacing[i] - other.spacing[i]).abs()
                > SPACING_REL_TOL * self.spacing[i].abs().max(1e-6)
        });
        if spacing_differs {
            out.push(GridDifference::Spacing(self.spacing, other.spacing));
        }
        let (a, b) = (self.origin(), other.origin());
        if (0..3).any(|i| (a[i] - b[i]).abs() > ORIGIN_TOL_MM) {
            out.push(GridDifference::Origin(a, b));
        }
        let (da, db) = (self.directions(), other.directions());
        if (0..3).any(|c| (0..3).any(|r| (da[c][r] - db[c][r]).abs() > DIRECTION_TOL)) {
            out.push(GridDifference::Direction(
                self.orientation_code(),
                other.orientation_code(),
            ));
        }
        out
    }
}

/// The mapping from RAS display axes to voxel axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisplayAxes {
    /// For world axis x, y, z (R, A, S): the voxel axis displayed along it.
    pub voxel_axis: [usize; 3],
    /// True when that voxel axis runs toward L, P or I (so display index `n-1-i` is voxel `i`).
    pub flipped: [bool; 3],
    /// Display-order shape (voxels along R, A, S).
    pub shape: [usize; 3],
    /// Display-order spacing in mm.
    pub spacing: [f64; 3],
}

impl DisplayAxes {
    /// Voxel index of the voxel at a RAS display index (index 0 = most L, P, I).
    pub fn voxel_index(&self, ras: [usize; 3]) -> [usize; 3] {
        let mut ijk = [0usize; 3];
        for w in 0..3 {
            let i = if self.flipped[w] {
                self.shape[w] - 1 - ras[w]
            } else {
                ras[w]
            };
            ijk[self.voxel_axis[w]] = i;
        }
        ijk
    }
}

/// One way in which two grids differ.
#[derive(Debug, Clone, PartialEq)]
pub enum GridDifference {
    /// Voxel counts differ (expected, found).
    Shape([usize; 3], [usize; 3]),
    /// Voxel sizes differ (expected, found).
    Spacing([f64; 3], [f64; 3]),
    /// Position of voxel (0,0,0) differs (expected, found).
    Origin([f64; 3], [f64; 3]),
    /// Axis directions differ (orientation codes expected, found).
    Direction(String, String),
}

impl fmt::Display for GridDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GridDifference::Shape(a, b) => write!(f, "shape {} vs {}", fmt_shape(a), fmt_shape(b)),
            GridDifference::Spacing(a, b) => {
                write!(f, "spacing {} vs {} mm", fmt_vec(a), fmt_vec(b))
            }
            GridDifference::Origin(a, b) => write!(f, "origin {} vs {} mm", fmt_vec(a), fmt_vec(b)),
            GridDifference::Direction(a, b) => {
                write!(f, "direction {a} vs {b} (axes rotated or flipped)")
            }
        }
    }
}

/// Formats a shape as `122×101×30`.
pub fn fmt_shape(s: &[usize; 3]) -> String {
    format!("{}×{}×{}", s[0], s[1], s[2])
}

/// Formats a 3-vector with up to 4 decimals, trailing zeros removed.
pub fn fmt_vec(v: &[f64; 3]) -> String {
    let parts: Vec<String> = v.iter().map(|x| fmt_num(*x)).collect();
    format!("({})", parts.join(", "))
}

/// Formats a number with up to 4 decimals, trailing zeros removed.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn column_norm(a: &Affine, c: usize) -> f64 {
    (a[0][c] * a[0][c] + a[1][c] * a[1][c] + a[2][c] * a[2][c]).sqrt()
}

fn sform_affine(h: &Header) -> Affine {
    [h.srow[0], h.srow[1], h.srow[2], [0.0, 0.0, 0.0, 1.0]]
}

/// nibabel's `get_qform`: rotation from the quaternion (w filled as positive),
/// columns scaled by pixdim with the third multiplied by qfac.
fn qform_affine(h: &Header) -> Affine {
    let [b, c, d] = h.quatern;
    let w2 = 1.0 - (b * b + c * c + d * d);
    let a = if w2 < 0.0 { 0.0 } else { w2.sqrt() };
    let r = quaternion_to_matrix(a, b, c, d);
    let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    let zooms = [
        h.pixdim[1].abs(),
        h.pixdim[2].abs(),
        h.pixdim[3].abs() * qfac,
    ];
    let mut out = [[0.0; 4]; 4];
    for row in 0..3 {
        for col in 0..3 {
            out[row][col] = r[row][col] * zooms[col];
        }
        out[row][3] = h.qoffset[row];
    }
    out[3][3] = 1.0;
    out
}

fn quaternion_to_matrix(w: f64, x: f64, y: f64, z: f64) -> [[f64; 3]; 3] {
    let n = w * w + x * x + y * y + z * z;
    if n < f64::EPSILON {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let s = 2.0 / n;
    let (xs, ys, zs) = (x * s, y * s, z * s);
    let (wx, wy, wz) = (w * xs, w * ys, w * zs);
    let (xx, xy, xz) = (x * xs, x * ys, x * zs);
    let (yy, yz, zz) = (y * ys, y * zs, z * zs);
    [
        [1.0 - (yy + zz), xy - wz, xz + wy],
        [xy + wz, 1.0 - (xx + zz), yz - wx],
        [xz - wy, yz + wx, 1.0 - (xx + yy)],
    ]
}

/// nibabel's `get_base_affine`: `shape_zoom_affine(shape, zooms, x_flip=True)`.
fn pixdim_affine(h: &Header, shape: [usize; 3]) -> Affine {
    let ndim = h.dim[0].clamp(1, 3) as usize;
    let mut zooms = [1.0f64; 3];
    zooms[..ndim].copy_from_slice(&h.pixdim[1..=ndim]);
    zooms[0] = -zooms[0];
    let mut out = [[0.0; 4]; 4];
    for i in 0..3 {
        out[i][i] = zooms[i];
        out[i][3] = -((shape[i] as f64 - 1.0) / 2.0) * zooms[i];
    }
    out[3][3] = 1.0;
    out
}

fn invert3(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if det.abs() < 1e-12 || !det.is_finite() {
        return None;
    }
    let inv = 1.0 / det;
    Some([
        [
            (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * inv,
            (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * inv,
            (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * inv,
        ],
        [
            (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * inv,
            (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * inv,
            (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * inv,
        ],
        [
            (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * inv,
            (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * inv,
            (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * inv,
        ],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(x: f64, y: f64, z: f64) -> Geometry {
        Geometry::new(
            [10, 20, 30],
            [
                [x, 0., 0., 5.],
                [0., y, 0., -7.],
                [0., 0., z, 11.],
                [0., 0., 0., 1.],
            ],
        )
    }

    #[test]
    fn orientation_codes_follow_the_column_signs() {
        assert_eq!(diag(1., 1., 1.).orientation_code(), "RAS");
        assert_eq!(diag(-1., -1., 1.).orientation_code(), "LPS");
        assert_eq!(diag(-0.7, 0.7, 2.5).orientation_code(), "LAS");
        let permuted = Geometry::new(
            [4, 5, 6],
            [
                [0., 0., 2., 0.],
                [-1., 0., 0., 0.],
                [0., -3., 0., 0.],
                [0., 0., 0., 1.],
            ],
        );
        assert_eq!(permuted.orientation_code(), "PIR");
    }

    #[test]
    fn world_and_voxel_round_trip() {
        let g = Geometry::new(
            [4, 5, 6],
            [
                [0.2, 0.9, 0.1, 3.],
                [-1.1, 0.1, 0.3, -2.],
                [0.05, -0.2, 2.5, 40.],
                [0., 0., 0., 1.],
            ],
        );
        for ijk in [[0., 0., 0.], [1.5, 2.25, 3.], [3., 4., 5.]] {
            let back = g.world_to_voxel(g.voxel_to_world(ijk)).unwrap();
            for a in 0..3 {
                assert!((back[a] - ijk[a]).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn display_axes_undo_flips_and_permutations() {
        let lps = diag(-1., -1., 2.);
        let d = lps.display_axes();
        assert_eq!(d.voxel_axis, [0, 1, 2]);
        assert_eq!(d.flipped, [true, true, false]);
        // Display index 0 along R is the most-left voxel, which in LPS is the last i.
        assert_eq!(d.voxel_index([0, 0, 0]), [9, 19, 0]);
        let permuted = Geometry::new(
            [4, 5, 6],
            [
                [0., 0., 2., 0.],
                [-1., 0., 0., 0.],
                [0., -3., 0., 0.],
                [0., 0., 0., 1.],
            ],
        );
        let d = permuted.display_axes();
        assert_eq!(d.voxel_axis, [2, 0, 1]);
        assert_eq!(d.shape, [6, 4, 5]);
        assert_eq!(d.spacing, [2., 1., 3.]);
    }

    #[test]
    fn oblique_grids_are_detected_with_their_angle() {
        let t = 10f64.to_radians();
        let g = Geometry::new(
            [4, 4, 4],
            [
                [t.cos(), -t.sin(), 0., 0.],
                [t.sin(), t.cos(), 0., 0.],
                [0., 0., 1., 0.],
                [0., 0., 0., 1.],
            ],
        );
        assert!(g.is_oblique());
        assert!((g.obliquity_degrees() - 10.0).abs() < 1e-9);
        assert_eq!(g.orientation_code(), "RAS");
        assert!(!diag(1., 1., 1.).is_oblique());
    }

    #[test]
    fn grid_differences_name_what_differs() {
        let a = diag(1., 1., 1.);
        assert!(a.differences(&a.clone()).is_empty());
        let mut b = a.clone();
        b.affine[0][3] += 0.5;
        b.spacing[2] = 1.5;
        let diffs = a.differences(&b);
        assert_eq!(diffs.len(), 2, "{diffs:?}");
        assert!(diffs[0].to_string().starts_with("spacing"));
        assert!(
            diffs[1]
                .to_string()
                .starts_with("origin (5, -7, 11) vs (5.5, -7, 11)")
        );
        let c = diag(-1., 1., 1.);
        assert_eq!(
            a.differences(&c)[0],
            GridDifference::Direction("RAS".into(), "LAS".into())
        );
    }
}
