//! Where a view looks: the plane, the slice, zoom and pan, and the mapping from
//! screen to voxel coordinates that the shader uses (radiological by default,
//! true aspect ratio for anisotropic voxels).

use crate::volume::{DisplayAxes, Geometry};

/// The three orthogonal planes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Plane {
    /// Perpendicular to S–I: patient seen from the feet.
    Axial,
    /// Perpendicular to A–P: patient seen from the front.
    Coronal,
    /// Perpendicular to R–L: patient seen from the side.
    Sagittal,
}

impl Plane {
    /// All planes in display order.
    pub const ALL: [Plane; 3] = [Plane::Axial, Plane::Coronal, Plane::Sagittal];

    /// The RAS world axis the plane is perpendicular to (0 = R, 1 = A, 2 = S).
    pub fn normal_axis(self) -> usize {
        match self {
            Plane::Axial => 2,
            Plane::Coronal => 1,
            Plane::Sagittal => 0,
        }
    }

    /// Name shown on the view.
    pub fn name(self) -> &'static str {
        match self {
            Plane::Axial => "axial",
            Plane::Coronal => "coronal",
            Plane::Sagittal => "sagittal",
        }
    }
}

/// One screen direction: which RAS axis it walks and whether it walks toward + (R, A, S).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenAxis {
    /// RAS axis 0, 1 or 2.
    pub world_axis: usize,
    /// True when moving right (or down) on screen increases the RAS coordinate.
    pub toward_positive: bool,
}

impl ScreenAxis {
    /// Letters at the start and the end of this screen direction (left/right or top/bottom).
    pub fn letters(self) -> (char, char) {
        const NEG: [char; 3] = ['L', 'P', 'I'];
        const POS: [char; 3] = ['R', 'A', 'S'];
        let (n, q) = (NEG[self.world_axis], POS[self.world_axis]);
        if self.toward_positive { (n, q) } else { (q, n) }
    }
}

/// How screen directions map to patient directions for a plane.
///
/// Radiological: the patient's right on the screen's left in axial and coronal
/// views; anterior up in axial; superior up in coronal and sagittal; anterior on
/// the left in sagittal. Neurological flips left–right.
pub fn screen_axes(plane: Plane, radiological: bool) -> (ScreenAxis, ScreenAxis) {
    let lr = ScreenAxis {
        world_axis: 0,
        toward_positive: !radiological,
    };
    match plane {
        Plane::Axial => (
            lr,
            ScreenAxis {
                world_axis: 1,
                toward_positive: false,
            },
        ),
        Plane::Coronal => (
            lr,
            ScreenAxis {
                world_axis: 2,
                toward_positive: false,
            },
        ),
        Plane::Sagittal => (
            ScreenAxis {
                world_axis: 1,
                toward_positive: false,
            },
            ScreenAxis {
                world_axis: 2,
                toward_positive: false,
            },
        ),
    }
}

/// Where one view looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceView {
    /// Which plane.
    pub plane: Plane,
    /// Slice index along the plane's normal, in RAS display order (0 = most R/A/S-negative).
    pub slice: usize,
    /// 1 = the slice fits the view; 2 = twice as large.
    pub zoom: f32,
    /// Offset of the slice centre from the view centre, in view fractions.
    pub pan: [f32; 2],
    /// Patient right on screen left.
    pub radiological: bool,
}

impl SliceView {
    /// A centred, fitted view of the middle slice.
    pub fn centred(plane: Plane, geometry: &Geometry) -> Self {
        let d = geometry.display_axes();
        SliceView {
            plane,
            slice: d.shape[plane.normal_axis()] / 2,
            zoom: 1.0,
            pan: [0.0, 0.0],
            radiological: true,
        }
    }

    /// Pans so that the display point `ras` (continuous RAS voxel coordinates) is
    /// at the centre of a `width × height` view; zoom and slice stay.
    pub fn centre_on(&mut self, geometry: &Geometry, width: f64, height: f64, ras: [f64; 3]) {
        let d = geometry.display_axes();
        let (su, sv) = screen_axes(self.plane, self.radiological);
        let mm_per_px = mm_per_pixel(&d, self, width, height);
        for (i, axis, size) in [(0, su, width), (1, sv, height)] {
            let w = axis.world_axis;
            let span_vox = size * mm_per_px / d.spacing[w];
            let sign = if axis.toward_positive { 1.0 } else { -1.0 };
            self.pan[i] = ((d.shape[w] as f64 / 2.0 - ras[w]) / (span_vox * sign)) as f32;
        }
    }
}

/// Millimetres per pixel of a `width × height` view: the whole slice fits, then zoom.
fn mm_per_pixel(d: &DisplayAxes, view: &SliceView, width: f64, height: f64) -> f64 {
    let (su, sv) = screen_axes(view.plane, view.radiological);
    let extent_mm = |a: ScreenAxis| d.shape[a.world_axis] as f64 * d.spacing[a.world_axis];
    (extent_mm(su) / width.max(1.0)).max(extent_mm(sv) / height.max(1.0))
        / f64::from(view.zoom.max(1e-3))
}

/// The screen-to-voxel mapping of a view, as the shader takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewMapping {
    /// Continuous voxel coordinate at the view's top-left corner.
    pub origin: [f64; 3],
    /// Change in voxel coordinate across the full view width.
    pub axis_u: [f64; 3],
    /// Change in voxel coordinate down the full view height.
    pub axis_v: [f64; 3],
}

impl ViewMapping {
    /// Continuous voxel coordinate at view fraction (u, v), both 0..1 from the top-left.
    pub fn voxel_at(&self, u: f64, v: f64) -> [f64; 3] {
        [0, 1, 2].map(|a| self.origin[a] + u * self.axis_u[a] + v * self.axis_v[a])
    }
}

/// Continuous display coordinate (RAS order, voxels) → continuous voxel coordinate.
fn display_to_voxel(d: &DisplayAxes, ras: [f64; 3]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for w in 0..3 {
        let c = if d.flipped[w] {
            d.shape[w] as f64 - ras[w]
        } else {
            ras[w]
        };
        out[d.voxel_axis[w]] = c;
    }
    out
}

/// The part of the slice a `width × height` pixel view of `view` shows: per
/// screen axis (horizontal, vertical), the range in continuous display (RAS
/// voxel) coordinates. The slice's physical extent is fitted (aspect kept), then
/// zoomed and panned.
pub fn view_region(
    geometry: &Geometry,
    view: &SliceView,
    width: f64,
    height: f64,
) -> [[f64; 2]; 2] {
    let d = geometry.display_axes();
    let (su, sv) = screen_axes(view.plane, view.radiological);
    let mm_per_px = mm_per_pixel(&d, view, width, height);
    let view_mm = [width * mm_per_px, height * mm_per_px];
    [(su, view_mm[0], view.pan[0]), (sv, view_mm[1], view.pan[1])].map(|(axis, span_mm, pan)| {
        let w = axis.world_axis;
        let span_vox = span_mm / d.spacing[w];
        let sign = if axis.toward_positive { 1.0 } else { -1.0 };
        let centre = d.shape[w] as f64 / 2.0 - f64::from(pan) * span_vox * sign;
        [centre - span_vox / 2.0, centre + span_vox / 2.0]
    })
}

/// Maps a `width × height` pixel view of `view` onto the volume: the slice's
/// physical extent is fitted (aspect kept), then zoomed and panned.
pub fn view_mapping(geometry: &Geometry, view: &SliceView, width: f64, height: f64) -> ViewMapping {
    let region = view_region(geometry, view, width, height);
    region_mapping(geometry, view.plane, view.radiological, view.slice, region)
}

/// The mapping that shows exactly `region` of a slice: for the view's two screen
/// axes (horizontal, vertical), the range in continuous display (RAS voxel)
/// coordinates, e.g. `[0, n]` for the whole slice. Figures crop with it.
pub fn region_mapping(
    geometry: &Geometry,
    plane: Plane,
    radiological: bool,
    slice: usize,
    region: [[f64; 2]; 2],
) -> ViewMapping {
    let d = geometry.display_axes();
    let (su, sv) = screen_axes(plane, radiological);
    let normal = plane.normal_axis();
    let mut corner = [0.0; 3];
    let mut step_u = [0.0; 3];
    let mut step_v = [0.0; 3];
    for (axis, [lo, hi], step) in [(su, region[0], &mut step_u), (sv, region[1], &mut step_v)] {
        let w = axis.world_axis;
        if axis.toward_positive {
            corner[w] = lo;
            step[w] = hi - lo;
        } else {
            corner[w] = hi;
            step[w] = lo - hi;
        }
    }
    corner[normal] = slice.min(d.shape[normal].saturating_sub(1)) as f64 + 0.5;
    let origin = display_to_voxel(&d, corner);
    let end_u = display_to_voxel(&d, [0, 1, 2].map(|a| corner[a] + step_u[a]));
    let end_v = display_to_voxel(&d, [0, 1, 2].map(|a| corner[a] + step_v[a]));
    ViewMapping {
        origin,
        axis_u: [0, 1, 2].map(|a| end_u[a] - origin[a]),
        axis_v: [0, 1, 2].map(|a| end_v[a] - origin[a]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_slice_region_is_the_fitted_view_of_its_own_aspect() {
        let g = lps();
        let view = SliceView::centred(Plane::Axial, &g);
        // 100 × 80 mm at 1 mm: a 100 × 80 view fits it exactly.
        let fitted = view_mapping(&g, &view, 100.0, 80.0);
        let region = region_mapping(
            &g,
            Plane::Axial,
            true,
            view.slice,
            [[0.0, 100.0], [0.0, 80.0]],
        );
        for a in 0..3 {
            assert!((fitted.origin[a] - region.origin[a]).abs() < 1e-9);
            assert!((fitted.axis_u[a] - region.axis_u[a]).abs() < 1e-9);
            assert!((fitted.axis_v[a] - region.axis_v[a]).abs() < 1e-9);
        }
    }

    fn lps() -> Geometry {
        Geometry::new(
            [100, 80, 20],
            [
                [-1.0, 0., 0., 0.],
                [0., -1.0, 0., 0.],
                [0., 0., 3.0, 0.],
                [0., 0., 0., 1.],
            ],
        )
    }

    #[test]
    fn radiological_axial_puts_patient_right_on_screen_left() {
        let g = lps();
        let view = SliceView::centred(Plane::Axial, &g);
        let m = view_mapping(&g, &view, 100.0, 80.0);
        // LPS: voxel i grows toward patient left. Screen left must be patient right = i near 0.
        let left = m.voxel_at(0.01, 0.5);
        let right = m.voxel_at(0.99, 0.5);
        assert!(left[0] < 5.0 && right[0] > 95.0, "{left:?} {right:?}");
        // Anterior up: voxel j grows toward posterior in LPS, so the top has small j.
        assert!(m.voxel_at(0.5, 0.01)[1] < 5.0);
        assert_eq!(m.voxel_at(0.5, 0.5)[2], 10.5);
        assert_eq!(screen_axes(Plane::Axial, true).0.letters(), ('R', 'L'));
    }

    #[test]
    fn anisotropic_voxels_keep_their_aspect() {
        let g = lps();
        // Coronal slice: 100 mm wide (x), 60 mm high (20 × 3 mm). In a 200×200 view the
        // width fills the view (0.5 mm per pixel) and the view spans 100 mm = 33.3 slices of 3 mm.
        let m = view_mapping(&g, &SliceView::centred(Plane::Coronal, &g), 200.0, 200.0);
        assert!((m.axis_u[0].abs() - 100.0).abs() < 1e-9);
        assert!(
            (m.axis_v[2].abs() - 100.0 / 3.0).abs() < 1e-9,
            "{:?}",
            m.axis_v
        );
        // Superior up: the top row has the largest k.
        assert!(m.voxel_at(0.5, 0.21)[2] > m.voxel_at(0.5, 0.79)[2]);
    }

    #[test]
    fn zoom_and_pan_move_the_mapping() {
        let g = lps();
        let mut v = SliceView::centred(Plane::Axial, &g);
        let fitted = view_mapping(&g, &v, 100.0, 80.0);
        v.zoom = 2.0;
        let zoomed = view_mapping(&g, &v, 100.0, 80.0);
        assert!((zoomed.axis_u[0] - fitted.axis_u[0] / 2.0).abs() < 1e-9);
        assert_eq!(zoomed.voxel_at(0.5, 0.5), fitted.voxel_at(0.5, 0.5));
        v.pan = [0.25, 0.0];
        let panned = view_mapping(&g, &v, 100.0, 80.0);
        assert!((panned.voxel_at(0.75, 0.5)[0] - zoomed.voxel_at(0.5, 0.5)[0]).abs() < 1e-9);
        // Centring on a display point puts it under the view's centre.
        v.centre_on(&g, 100.0, 80.0, [20.5, 70.5, 10.5]);
        let centre = view_mapping(&g, &v, 100.0, 80.0).voxel_at(0.5, 0.5);
        // LPS: display x = 100 − i, display y = 80 − j (pan is f32: 1e-3 voxel).
        assert!((centre[0] - (100.0 - 20.5)).abs() < 1e-3, "{centre:?}");
        assert!((centre[1] - (80.0 - 70.5)).abs() < 1e-3, "{centre:?}");
    }
}
