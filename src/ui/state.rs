//! What the viewer shows, as plain data: testable without drawing anything.

use std::sync::Arc;

use crate::case::Case;
use crate::inspect::Inspection;
use crate::labels::LabelTable;
use crate::metrics::MetricsSettings;
use crate::render::slice_renderer::{looks_like_ct, percentile_window};
use crate::render::{DisplayMode, LayerStyle, Plane, SliceView, ViewMapping};

/// CT window presets (centre, width) on the number keys 1–4.
pub const CT_PRESETS: [(&str, f64, f64); 4] = [
    ("abdomen", 40.0, 400.0),
    ("liver", 90.0, 150.0),
    ("bone", 400.0, 1000.0),
    ("lung", -500.0, 1400.0),
];

/// The viewer's state for one open case.
pub struct ViewerState {
    /// The case on screen (shared with the metrics workers).
    pub case: Arc<Case>,
    /// Names and colours of its labels.
    pub labels: LabelTable,
    /// The three views (axial, coronal, sagittal).
    pub views: [SliceView; 3],
    /// A maximised view, if any.
    pub maximised: Option<usize>,
    /// Which image channel is displayed.
    pub active_image: usize,
    /// Window (centre, width) per image channel.
    pub windows: Vec<[f64; 2]>,
    /// Reference layer style.
    pub reference_style: LayerStyle,
    /// Prediction layer style.
    pub prediction_style: LayerStyle,
    /// Layers or difference.
    pub mode: DisplayMode,
    /// Ids hidden by the user.
    pub hidden: std::collections::BTreeSet<u16>,
    /// Crosshair in RAS display voxel coordinates.
    pub crosshair: [usize; 3],
    /// Trilinear intensity (labels stay nearest).
    pub smooth: bool,
    /// Organ ids in the reference or any prediction (a hallucinated organ is listed
    /// too), counted once at load rather than every frame.
    pub organs: Vec<u16>,
    /// The prediction shown (index into the case's predictions).
    pub shown_prediction: usize,
    /// The organ the slice Dice, strip charts and error navigation are about
    /// (all organs pooled when `None`).
    pub selected_organ: Option<u16>,
    /// Position in the selected organ's error list ("next error"), if walking it.
    pub error_cursor: Option<usize>,
    /// What the last jump went to, shown to the user.
    pub note: Option<String>,
    /// The case's metrics, filled in by worker threads.
    pub inspection: Inspection,
    /// What the strip charts under the views plot.
    pub strip: StripMetric,
    /// The crosshair lines are drawn over the views.
    pub show_crosshair: bool,
    /// Set by a jump: zoomed views pan to the crosshair at the next frame.
    pub recentre: bool,
}

/// What the strip chart under each view plots per slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StripMetric {
    /// Dice of the slice.
    Dice,
    /// False-positive plus false-negative voxels of the slice.
    Errors,
}

fn organ_ids(case: &Case) -> Vec<u16> {
    let mut ids = std::collections::BTreeSet::new();
    for map in case
        .reference
        .iter()
        .chain(case.predictions.iter().map(|(_, m)| m))
    {
        ids.extend(map.present_labels().into_iter().map(|(id, _)| id));
    }
    ids.into_iter().collect()
}

impl ViewerState {
    /// Opens a case: middle slices, fitted views, a CT preset or a percentile window
    /// per image; its metrics start computing in the background under `settings`.
    pub fn new(case: Case, labels: LabelTable, settings: MetricsSettings) -> Self {
        let case = Arc::new(case);
        let geometry = case.grid().cloned().expect("a loaded case has a grid");
        let d = geometry.display_axes();
        let windows = case
            .images
            .iter()
            .map(|(_, v)| {
                if looks_like_ct(v) {
                    [CT_PRESETS[0].1, CT_PRESETS[0].2]
                } else {
                    percentile_window(v)
                }
            })
            .collect();
        ViewerState {
            views: Plane::ALL.map(|p| SliceView::centred(p, &geometry)),
            maximised: None,
            active_image: 0,
            windows,
            reference_style: LayerStyle {
                fill: 0.0,
                outline: 1.0,
                shown: true,
            },
            prediction_style: LayerStyle {
                fill: 0.45,
                outline: 0.0,
                shown: true,
            },
            mode: DisplayMode::Layers,
            hidden: Default::default(),
            crosshair: d.shape.map(|n| n / 2),
            smooth: false,
            organs: organ_ids(&case),
            shown_prediction: 0,
            selected_organ: None,
            error_cursor: None,
            note: None,
            inspection: Inspection::start(case.clone(), labels.clone(), settings),
            strip: StripMetric::Dice,
            recentre: false,
            show_crosshair: true,
            case,
            labels,
        }
    }

    /// Recomputes the metrics under other settings (a convention change).
    pub fn restart_inspection(&mut self, settings: MetricsSettings) {
        self.inspection = Inspection::start(self.case.clone(), self.labels.clone(), settings);
        self.error_cursor = None;
    }

    /// Scrolls a view by `steps` slices (clamped), moving the crosshair with it.
    pub fn scroll(&mut self, view: usize, steps: i64) {
        let d = self.grid().display_axes();
        let axis = self.views[view].plane.normal_axis();
        let n = d.shape[axis] as i64;
        let s = (self.views[view].slice as i64 + steps).clamp(0, n - 1) as usize;
        self.views[view].slice = s;
        self.crosshair[axis] = s;
    }

    /// Moves the crosshair to the voxel under a click and every other view to its slices.
    pub fn click(&mut self, mapping: &ViewMapping, u: f64, v: f64) {
        let voxel = mapping.voxel_at(u, v);
        let g = self.grid().clone();
        let d = g.display_axes();
        // Voxel → RAS display index (undo the flips of DisplayAxes).
        for w in 0..3 {
            let c = voxel[d.voxel_axis[w]]
                .floor()
                .clamp(0.0, (d.shape[w] - 1) as f64) as usize;
            self.crosshair[w] = if d.flipped[w] { d.shape[w] - 1 - c } else { c };
        }
        for view in &mut self.views {
            view.slice = self.crosshair[view.plane.normal_axis()];
        }
    }

    /// The case's grid.
    pub fn grid(&self) -> &crate::volume::Geometry {
        self.case.grid().expect("a loaded case has a grid")
    }

    /// The displayed image's window (centre, width); a case of label maps alone
    /// has no image and draws black under any window.
    pub fn window(&self) -> [f64; 2] {
        self.windows
            .get(self.active_image)
            .copied()
            .unwrap_or([0.5, 1.0])
    }

    /// Applies a CT preset (index into [`CT_PRESETS`]) to the displayed image.
    pub fn preset(&mut self, index: usize) {
        if let (Some(&(_, c, w)), Some(win)) = (
            CT_PRESETS.get(index),
            self.windows.get_mut(self.active_image),
        ) {
            *win = [c, w];
        }
    }

    /// Window/level drag: horizontal changes width, vertical changes level.
    pub fn drag_window(&mut self, dx: f64, dy: f64) {
        if let Some(win) = self.windows.get_mut(self.active_image) {
            let scale = (win[1] / 200.0).max(0.01);
            win[1] = (win[1] + dx * scale * 2.0).max(1.0);
            win[0] -= dy * scale * 2.0;
        }
    }

    /// Voxel index (i, j, k) of a RAS display index.
    pub fn voxel_of(&self, ras: [usize; 3]) -> [usize; 3] {
        self.grid().display_axes().voxel_index(ras)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::view_mapping;

    #[test]
    fn clicking_in_axial_moves_coronal_and_sagittal() {
        let mut s = ViewerState::new(
            crate::demo::phantom_case(),
            crate::labels::Preset::Word.table(),
            MetricsSettings::new(crate::metrics::Convention::Nnunet),
        );
        let g = s.grid().clone();
        let m = view_mapping(&g, &s.views[0], 400.0, 320.0);
        s.click(&m, 0.25, 0.5);
        // Screen left in radiological axial = patient right = high RAS x.
        assert!(s.crosshair[0] > g.display_axes().shape[0] / 2);
        assert_eq!(s.views[2].slice, s.crosshair[0]);
        assert_eq!(s.views[1].slice, s.crosshair[1]);
        s.scroll(0, 1000);
        assert_eq!(s.views[0].slice, g.display_axes().shape[2] - 1);
    }

    #[test]
    fn ct_images_open_with_the_abdomen_window() {
        let mut s = ViewerState::new(
            crate::demo::phantom_case(),
            crate::labels::Preset::Word.table(),
            MetricsSettings::new(crate::metrics::Convention::Nnunet),
        );
        assert_eq!(s.windows[0], [40.0, 400.0]);
        assert_eq!(s.organs, vec![1, 2, 3, 4, 5, 6, 8, 14]);
        s.preset(3);
        assert_eq!(s.windows[0], [-500.0, 1400.0]);
    }
}
