//! The "Export figure" window: which views and panels, scale, crop (whole
//! slice, the view's current zoom, or the selected organ's box), legend, scale
//! bar, letters, caption, background, and the file. The figure itself is made by
//! `figure::render_figure` on a worker thread, as `segscope figure` makes it.

use std::path::PathBuf;

use crate::figure::{Crop, FigureSpec, Panel, SliceChoice};
use crate::render::{Plane, view_region};

use super::state::ViewerState;

/// What the crop follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CropChoice {
    /// The whole slice.
    Whole,
    /// What the view shows now (its zoom and pan).
    CurrentZoom,
    /// The selected organ's box plus the margin.
    SelectedOrgan,
}

/// The window's fields.
pub struct FigureDialog {
    /// Whether the window is open.
    pub shown: bool,
    /// The views to export (one file each).
    pub views: [bool; 3],
    /// The panels, in this order: image, reference, prediction, difference.
    pub panels: [bool; 4],
    /// Output pixels per voxel.
    pub scale: f64,
    /// A panel width in pixels instead of the scale, when set.
    pub panel_width: Option<u32>,
    /// What to crop to.
    pub crop: CropChoice,
    /// Margin around the organ's box, mm.
    pub margin_mm: f64,
    /// Organ legend.
    pub legend: bool,
    /// Scale bar.
    pub scale_bar: bool,
    /// Orientation letters.
    pub letters: bool,
    /// Caption.
    pub caption: bool,
    /// Transparent background.
    pub transparent: bool,
    /// The output file (views other than the first get `_coronal` etc. added).
    pub path: String,
}

impl Default for FigureDialog {
    fn default() -> Self {
        FigureDialog {
            shown: false,
            views: [true, false, false],
            panels: [false, true, true, true],
            scale: 4.0,
            panel_width: None,
            crop: CropChoice::Whole,
            margin_mm: 10.0,
            legend: true,
            scale_bar: true,
            letters: true,
            caption: true,
            transparent: false,
            path: "figure.png".into(),
        }
    }
}

const PANELS: [(Panel, &str); 4] = [
    (Panel::Image, "image"),
    (Panel::Reference, "reference"),
    (Panel::Prediction, "prediction"),
    (Panel::Difference, "difference"),
];

/// One figure to make: its spec and its file.
pub type FigureJob = (FigureSpec, PathBuf);

impl FigureDialog {
    /// The figures the fields describe for the case on screen, one per view;
    /// `view_sizes` are the views' on-screen sizes in pixels (for "current zoom").
    pub fn jobs(
        &self,
        s: &ViewerState,
        view_sizes: &[(usize, f64, f64)],
    ) -> Result<Vec<FigureJob>, String> {
        let panels: Vec<Panel> = PANELS
            .iter()
            .zip(self.panels)
            .filter(|(_, on)| *on)
            .map(|((p, _), _)| *p)
            .collect();
        if panels.is_empty() {
            return Err("choose at least one panel".into());
        }
        let path = PathBuf::from(self.path.trim());
        if path.as_os_str().is_empty() {
            return Err("give the file to write".into());
        }
        let mut jobs = Vec::new();
        for (v, plane) in Plane::ALL.into_iter().enumerate() {
            if !self.views[v] {
                continue;
            }
            let view = &s.views[v];
            let crop = match self.crop {
                CropChoice::Whole => Crop::Whole,
                CropChoice::CurrentZoom => {
                    let (w, h) = view_sizes
                        .iter()
                        .find(|(i, _, _)| *i == v)
                        .map(|(_, w, h)| (*w, *h))
                        .ok_or("show the view on screen to export its zoom")?;
                    Crop::Region(view_region(s.grid(), view, w, h))
                }
                CropChoice::SelectedOrgan => Crop::Organ {
                    id: s
                        .selected_organ
                        .ok_or("select an organ in the table to crop to it")?,
                    margin_mm: self.margin_mm,
                },
            };
            let spec = FigureSpec {
                plane,
                slice: SliceChoice::Index(view.slice),
                panels: panels.clone(),
                scale: self.scale,
                panel_width: self.panel_width,
                crop,
                window: s.window(),
                fill: s.prediction_style.fill.max(s.reference_style.fill).max(0.2),
                outline_px: if s.reference_style.outline > 0.0 || s.prediction_style.outline > 0.0 {
                    self.scale as f32
                } else {
                    0.0
                },
                prediction: s.shown_prediction,
                legend: self.legend,
                scale_bar: self.scale_bar,
                letters: self.letters,
                caption: self.caption,
                transparent: self.transparent,
                radiological: view.radiological,
                max_tile: None,
            };
            let file = if jobs.is_empty() {
                path.clone()
            } else {
                let stem = path
                    .file_stem()
                    .map_or_else(|| "figure".into(), |n| n.to_string_lossy().into_owned());
                let ext = path
                    .extension()
                    .map_or_else(|| "png".into(), |e| e.to_string_lossy().into_owned());
                path.with_file_name(format!("{stem}_{}.{ext}", plane.name()))
            };
            jobs.push((spec, file));
        }
        if jobs.is_empty() {
            return Err("choose at least one view".into());
        }
        Ok(jobs)
    }

    /// Draws the window; returns the figures to make when the user presses Export.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        s: &ViewerState,
        view_sizes: &[(usize, f64, f64)],
        note: &mut Option<String>,
    ) -> Option<Vec<FigureJob>> {
        if !self.shown {
            return None;
        }
        let mut shown = self.shown;
        let mut jobs = None;
        egui::Window::new("Export figure")
            .open(&mut shown)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.label("views");
                    for (v, plane) in Plane::ALL.into_iter().enumerate() {
                        ui.checkbox(
                            &mut self.views[v],
                            format!("{} {}", plane.name(), s.views[v].slice + 1),
                        );
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("panels");
                    for (n, (_, name)) in PANELS.iter().enumerate() {
                        ui.checkbox(&mut self.panels[n], *name);
                    }
                });
                ui.horizontal(|ui| {
                    let mut by_width = self.panel_width.is_some();
                    ui.selectable_value(&mut by_width, false, "scale");
                    ui.selectable_value(&mut by_width, true, "panel width");
                    match (by_width, self.panel_width) {
                        (true, None) => self.panel_width = Some(1200),
                        (false, Some(_)) => self.panel_width = None,
                        _ => {}
                    }
                    match &mut self.panel_width {
                        Some(w) => {
                            ui.add(egui::DragValue::new(w).range(16..=16384).suffix(" px"));
                        }
                        None => {
                            ui.add(
                                egui::Slider::new(&mut self.scale, 1.0..=8.0)
                                    .text("pixels per voxel"),
                            );
                        }
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("crop");
                    ui.selectable_value(&mut self.crop, CropChoice::Whole, "whole slice");
                    ui.selectable_value(&mut self.crop, CropChoice::CurrentZoom, "current zoom");
                    let organ = s
                        .selected_organ
                        .map_or("selected organ".to_string(), |id| s.labels.name(id));
                    ui.selectable_value(&mut self.crop, CropChoice::SelectedOrgan, organ);
                    if self.crop == CropChoice::SelectedOrgan {
                        ui.add(
                            egui::DragValue::new(&mut self.margin_mm)
                                .suffix(" mm")
                                .range(0.0..=200.0),
                        );
                    }
                });
                ui.horizontal_wrapped(|ui| {
                    ui.checkbox(&mut self.legend, "legend");
                    ui.checkbox(&mut self.scale_bar, "scale bar");
                    ui.checkbox(&mut self.letters, "letters");
                    ui.checkbox(&mut self.caption, "caption");
                    ui.checkbox(&mut self.transparent, "transparent background");
                });
                ui.horizontal(|ui| {
                    let label = ui.label("file");
                    ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(320.0))
                        .labelled_by(label.id)
                        .on_hover_text(".png, .tif or .jpg; more views add _coronal, _sagittal");
                });
                if let Some(n) = note.as_deref() {
                    ui.label(n);
                }
                if ui.button("Export").clicked() {
                    match self.jobs(s, view_sizes) {
                        Ok(j) => jobs = Some(j),
                        Err(why) => *note = Some(why),
                    }
                }
            });
        self.shown = shown;
        jobs
    }
}
