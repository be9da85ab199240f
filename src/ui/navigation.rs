//! Getting to the failures: the selected organ, its slice Dice and strip charts,
//! its worst slice, and "next / previous error" through its error regions — as
//! methods on the viewer state, testable without drawing.

use super::state::ViewerState;
use crate::inspect::slices::{self, OrganSelection};
use crate::inspect::{self, ModelMetrics};
use crate::metrics::VoxelCounts;
use crate::metrics::regions::{ErrorKind, ErrorRegion};

impl ViewerState {
    /// The metrics of the prediction on screen, as far as they are known.
    pub fn shown_model(&self) -> Option<&ModelMetrics> {
        self.inspection.models.get(self.shown_prediction)
    }

    /// Selects the organ the slice numbers and "next error" are about (`None`: all).
    pub fn select_organ(&mut self, organ: Option<u16>) {
        if self.selected_organ != organ {
            self.selected_organ = organ;
            self.error_cursor = None;
        }
    }

    /// Shows another prediction (its metrics and error regions come with it).
    pub fn show_prediction(&mut self, index: usize) {
        if index < self.case.predictions.len() && index != self.shown_prediction {
            self.shown_prediction = index;
            self.error_cursor = None;
        }
    }

    /// Moves the crosshair to a display (RAS) voxel and every view to its slices.
    pub fn go_to(&mut self, ras: [usize; 3]) {
        let shape = self.grid().display_axes().shape;
        for (w, c) in ras.into_iter().enumerate() {
            self.crosshair[w] = c.min(shape[w].saturating_sub(1));
        }
        for view in &mut self.views {
            view.slice = self.crosshair[view.plane.normal_axis()];
        }
        self.recentre = true;
    }

    /// Display (RAS) index of a continuous voxel position.
    pub fn display_of(&self, voxel: [f64; 3]) -> [usize; 3] {
        let d = self.grid().display_axes();
        [0, 1, 2].map(|w| {
            let n = d.shape[w];
            let c = (voxel[d.voxel_axis[w]].round().max(0.0) as usize).min(n.saturating_sub(1));
            if d.flipped[w] { n - 1 - c } else { c }
        })
    }

    /// The per-slice counts of the selected organ (all organs pooled when none is
    /// selected) along view `view`'s normal, in display order; `None` until the
    /// overlap pass of the shown prediction is done.
    pub fn strip_series(&self, view: usize) -> Option<Vec<VoxelCounts>> {
        let overlap = self.shown_model()?.overlap.as_ref()?;
        let d = self.grid().display_axes();
        let axis = self.views.get(view)?.plane.normal_axis();
        let organs = match self.selected_organ {
            Some(id) => OrganSelection::One(id),
            None => OrganSelection::Pooled(&self.organs),
        };
        Some(slices::slice_series(overlap, &d, axis, organs))
    }

    /// Dice of the selected organ (or all organs pooled) in view `view`'s current
    /// slice; `None` where neither map has it there or the counts are not ready.
    pub fn slice_dice(&self, view: usize) -> Option<f64> {
        let overlap = self.shown_model()?.overlap.as_ref()?;
        let d = self.grid().display_axes();
        let v = self.views.get(view)?;
        let organs = match self.selected_organ {
            Some(id) => OrganSelection::One(id),
            None => OrganSelection::Pooled(&self.organs),
        };
        slices::slice_counts(overlap, &d, v.plane.normal_axis(), v.slice, organs).dice()
    }

    /// The error regions "next error" walks: the selected organ's (every organ's
    /// when none is selected), largest first.
    pub fn error_list(&self) -> Vec<&ErrorRegion> {
        self.shown_model()
            .and_then(|m| m.regions.as_deref())
            .map(|r| inspect::regions_of(r, self.selected_organ))
            .unwrap_or_default()
    }

    /// Jumps to the next (`step` = 1) or previous (−1) error region: each view shows
    /// the slice where the region is largest along its normal. False when there is
    /// no region (or they are not found yet).
    pub fn step_error(&mut self, step: i64) -> bool {
        let list = self.error_list();
        let Some(at) = inspect::step_cursor(self.error_cursor, list.len(), step) else {
            self.note = Some(match self.shown_model().and_then(|m| m.regions.as_ref()) {
                None => "error regions are still being found…".into(),
                Some(_) => "no errors: the prediction matches the reference".into(),
            });
            return false;
        };
        let region = list[at].clone();
        let total = list.len();
        let d = self.grid().display_axes();
        let target = [0, 1, 2].map(|w| {
            let c = region.largest_slice[d.voxel_axis[w]];
            if d.flipped[w] { d.shape[w] - 1 - c } else { c }
        });
        self.go_to(target);
        self.error_cursor = Some(at);
        let what = match region.kind {
            ErrorKind::FalseNegative => "missed (false negative)",
            ErrorKind::FalsePositive => "added (false positive)",
        };
        self.note = Some(format!(
            "error {} of {total}: {} {what}, {:.2} ml ({} voxels)",
            at + 1,
            self.labels.name(region.label_id),
            region.volume_ml,
            region.voxels
        ));
        true
    }

    /// Jumps to the selected organ's worst axial slice (see
    /// [`slices::worst_slice`]), with the crosshair on the errors there. False when
    /// no organ is selected or its counts are not ready.
    pub fn go_to_worst_slice(&mut self) -> bool {
        let Some(id) = self.selected_organ else {
            self.note = Some("select an organ first".into());
            return false;
        };
        let Some(model) = self.shown_model() else {
            return false;
        };
        let Some(overlap) = model.overlap.clone() else {
            self.note = Some("metrics are still being computed…".into());
            return false;
        };
        let d = self.grid().display_axes();
        let axial = 2;
        let series = slices::slice_series(&overlap, &d, axial, OrganSelection::One(id));
        let (Some(slice), Some(bbox)) = (slices::worst_slice(&series), overlap.bounding_box(id))
        else {
            self.note = Some(format!("{} is in neither map", self.labels.name(id)));
            return false;
        };
        let voxel_slice = if d.flipped[axial] {
            d.shape[axial] - 1 - slice
        } else {
            slice
        };
        let (Some(reference), Some((_, prediction))) = (
            self.case.reference.as_ref(),
            self.case.predictions.get(self.shown_prediction),
        ) else {
            return false;
        };
        let focus = slices::slice_focus(
            &reference.voxels,
            &prediction.voxels,
            id,
            (d.voxel_axis[axial], voxel_slice),
            bbox,
        );
        let mut target = self.crosshair;
        if let Some(voxel) = focus {
            target = self.display_of(voxel);
        }
        target[axial] = slice;
        self.go_to(target);
        let dice = series[slice].dice().unwrap_or(f64::NAN);
        self.note = Some(format!(
            "worst axial slice of {}: {} (slice Dice {dice:.3})",
            self.labels.name(id),
            slice + 1
        ));
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{Convention, MetricsSettings};
    use crate::ui::state::ViewerState;

    fn demo() -> ViewerState {
        let mut s = ViewerState::new(
            crate::demo::phantom_case(),
            crate::labels::Preset::Word.table(),
            MetricsSettings::new(Convention::Nnunet),
        );
        s.inspection.wait();
        s
    }

    #[test]
    fn next_error_visits_the_selected_organs_regions_largest_first() {
        let mut s = demo();
        // The demo's missed right kidney (id 4) is one false-negative region.
        s.select_organ(Some(4));
        let list: Vec<_> = s.error_list().into_iter().cloned().collect();
        assert!(!list.is_empty());
        assert!(list.iter().all(|r| r.label_id == 4));
        assert!(s.step_error(1));
        let d = s.grid().display_axes();
        let region = &list[0];
        for view in &s.views {
            let w = view.plane.normal_axis();
            let c = region.largest_slice[d.voxel_axis[w]];
            let expected = if d.flipped[w] { d.shape[w] - 1 - c } else { c };
            assert_eq!(view.slice, expected, "{:?}", view.plane);
        }
        assert!(
            s.note
                .as_deref()
                .is_some_and(|n| n.contains("right_kidney") || n.contains("kidney"))
        );
        // Wraps around after the last region.
        for _ in 0..list.len() {
            s.step_error(1);
        }
        assert_eq!(s.error_cursor, Some(0));
        s.step_error(-1);
        assert_eq!(s.error_cursor, Some(list.len() - 1));
    }

    #[test]
    fn the_worst_slice_is_the_lowest_dice_of_the_strip() {
        let mut s = demo();
        // The shifted liver.
        s.select_organ(Some(1));
        assert!(s.go_to_worst_slice());
        let series = s.strip_series(0).expect("counts are ready");
        let worst = crate::inspect::slices::worst_slice(&series).expect("the liver is there");
        assert_eq!(s.views[0].slice, worst);
        let dice = s.slice_dice(0).expect("the liver is in that slice");
        assert!(dice < 1.0);
        assert_eq!(Some(dice), series[worst].dice());
        // The crosshair sits on a liver error voxel or next to one, inside the organ's box.
        let ijk = s.voxel_of(s.crosshair);
        let bbox = s
            .shown_model()
            .and_then(|m| m.overlap.as_ref())
            .and_then(|o| o.bounding_box(1));
        let bbox = bbox.expect("the liver has a box");
        for a in 0..3 {
            assert!(
                bbox[a][0] <= ijk[a] && ijk[a] <= bbox[a][1],
                "{ijk:?} {bbox:?}"
            );
        }
    }
}
