//! The eframe application: three linked views, label panel, status bar; cases load
//! on a worker thread and a failed load leaves the open case on screen.

mod reviewing;
mod switching;

use std::path::PathBuf;

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use super::dataset_browser::DatasetBrowser;
use super::gpu_view::{ViewCallback, ViewerGpu};
use super::open_dialog::OpenDialog;
use super::organ_table::{self, OrganTable};
use super::state::{CT_PRESETS, StripMetric, ViewerState};
use super::strip::{STRIP_HEIGHT, strip_chart};
use crate::labels::LabelTable;
use crate::metrics::Convention;
use crate::render::view::screen_axes;
use crate::render::{DisplayMode, ViewMapping, ViewParams, view_mapping};
pub use switching::{Focus, SwitchReport};
use switching::{Loading, Page};

/// What to open at start.
#[derive(Debug, Clone, Default)]
pub struct OpenRequest {
    /// Image files (channels).
    pub images: Vec<PathBuf>,
    /// Reference label map.
    pub reference: Option<PathBuf>,
    /// Prediction label maps.
    pub predictions: Vec<PathBuf>,
    /// Start in difference mode.
    pub difference: bool,
    /// How both layers start.
    pub overlay: Option<Overlay>,
    /// Organ names and colours laid over those embedded in the files (`--preset`,
    /// `--labels`, `--set-label`).
    pub label_overlay: Option<LabelTable>,
    /// A dataset folder to browse (nnU-Net layout, or labelsTs/ alone).
    pub dataset: Option<PathBuf>,
    /// The dataset's prediction folders (default: its `predictions*/` folders).
    pub prediction_dirs: Vec<PathBuf>,
    /// How the dataset's case table starts sorted.
    pub sort: Option<super::dataset_browser::CaseColumn>,
    /// The reviewer's name (else the one entered in an earlier session).
    pub reviewer: Option<String>,
}

/// How a label layer is drawn at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Overlay {
    /// Filled regions.
    Fill,
    /// Outlines only.
    Outline,
    /// Both.
    Both,
}

/// Settings kept between runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Settings {
    reference_style: crate::render::LayerStyle,
    prediction_style: crate::render::LayerStyle,
    mode: DisplayMode,
    radiological: bool,
    /// Added after the first release: older settings files lack it.
    #[serde(default)]
    convention: Convention,
    /// The reviewer's name, entered once.
    #[serde(default)]
    reviewer: String,
    /// Whether the review panel is shown.
    #[serde(default = "shown_by_default")]
    show_review: bool,
}

fn shown_by_default() -> bool {
    true
}

const SETTINGS_KEY: &str = "segscope-settings";

/// The viewer application.
pub struct SegscopeApp {
    state: Option<ViewerState>,
    loading: Option<Loading>,
    error: Option<String>,
    settings: Option<Settings>,
    palette_dirty: bool,
    start: (bool, Option<Overlay>),
    /// The image channel the GPU views are bound to.
    bound_image: usize,
    /// The prediction the GPU views are bound to.
    bound_prediction: usize,
    organ_table: OrganTable,
    open_dialog: OpenDialog,
    /// Where each view was drawn last frame: view index, screen rect (points), mapping.
    drawn_views: Vec<(usize, Rect, ViewMapping)>,
    /// Names from the command line, laid over every case's own.
    label_overlay: Option<LabelTable>,
    /// The dataset being browsed, if any.
    browser: Option<DatasetBrowser>,
    /// The dataset table or the case.
    page: Page,
    /// What to inspect in the new case once its overlap counts are in.
    pending_focus: Option<Focus>,
    /// How the last case switch went.
    last_switch: Option<SwitchReport>,
    /// egui-wgpu's renderer, where the views' textures are installed.
    render_state: Option<egui_wgpu::RenderState>,
    /// Its device and queue, for uploads on worker threads.
    gpu: Option<super::loader::GpuTarget>,
    /// The open review file: the dataset's, or the single case's.
    reviews: Option<crate::review::ReviewStore>,
    /// The name the case on screen is reviewed under (none: the demo).
    review_key: Option<String>,
    /// Who is reviewing.
    reviewer: String,
    /// The review panel's drafts.
    review_panel: super::review_panel::ReviewPanel,
    /// Save results and review-file warnings (true: shown as a problem).
    review_notices: Vec<(String, bool)>,
    /// Whether the review panel is shown.
    show_review: bool,
    /// When the review file was last checked for other writers' changes.
    reviews_checked: Option<std::time::Instant>,
    /// The Export figure window.
    figure_dialog: super::figure_dialog::FigureDialog,
    /// What the last export did (or why it was refused).
    figure_note: Option<String>,
    /// Figures being made on a worker thread.
    figure_work: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
}

impl SegscopeApp {
    /// Creates the app and starts loading `request` (the demo when it is empty).
    pub fn new(cc: &eframe::CreationContext<'_>, request: OpenRequest) -> Self {
        if let Some(rs) = &cc.wgpu_render_state {
            let gpu = ViewerGpu::new(&rs.device, rs.target_format);
            rs.renderer.write().callback_resources.insert(gpu);
        }
        let settings = cc
            .storage
            .and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY));
        let mut app = SegscopeApp {
            state: None,
            loading: None,
            error: None,
            settings,
            palette_dirty: false,
            start: (request.difference, request.overlay),
            bound_image: 0,
            bound_prediction: 0,
            organ_table: OrganTable::default(),
            open_dialog: OpenDialog::default(),
            drawn_views: Vec::new(),
            label_overlay: request.label_overlay.clone(),
            browser: None,
            page: Page::Case,
            pending_focus: None,
            last_switch: None,
            render_state: cc.wgpu_render_state.clone(),
            gpu: switching::gpu_target(cc.wgpu_render_state.as_ref()),
            reviews: None,
            review_key: None,
            reviewer: String::new(),
            review_panel: Default::default(),
            review_notices: Vec::new(),
            show_review: true,
            reviews_checked: None,
            figure_dialog: Default::default(),
            figure_note: None,
            figure_work: None,
        };
        if let Some(s) = &app.settings {
            app.reviewer = s.reviewer.clone();
            app.show_review = s.show_review;
        }
        if let Some(name) = &request.reviewer {
            app.reviewer = name.clone();
        }
        app.open(request);
        app
    }

    /// True while a case is loading.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// The error of the last load, as shown in the window.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The open case and how it is shown, once loaded.
    pub fn viewer(&self) -> Option<&ViewerState> {
        self.state.as_ref()
    }

    /// The open case, to change how it is shown.
    pub fn viewer_mut(&mut self) -> Option<&mut ViewerState> {
        self.state.as_mut()
    }

    /// Where each view was drawn in the last frame: view index (0 axial, 1 coronal,
    /// 2 sagittal), screen rect in points, and its screen → voxel mapping.
    pub fn drawn_views(&self) -> &[(usize, Rect, ViewMapping)] {
        &self.drawn_views
    }

    /// Rebinds the views when the user picked another image channel or prediction.
    fn bind_shown_layers(&mut self, frame: &eframe::Frame) {
        let Some(state) = &self.state else { return };
        let (image, prediction) = (state.active_image, state.shown_prediction);
        if (image, prediction) == (self.bound_image, self.bound_prediction) {
            return;
        }
        if let Some(rs) = frame.wgpu_render_state()
            && let Some(gpu) = rs
                .renderer
                .write()
                .callback_resources
                .get_mut::<ViewerGpu>()
        {
            if image != self.bound_image {
                gpu.set_active_image(&rs.device, image);
            }
            if prediction != self.bound_prediction {
                gpu.set_active_prediction(&rs.device, prediction);
            }
        }
        (self.bound_image, self.bound_prediction) = (image, prediction);
    }

    fn upload_palette(&mut self, frame: &eframe::Frame) {
        if !self.palette_dirty {
            return;
        }
        self.palette_dirty = false;
        if let (Some(state), Some(rs)) = (&self.state, frame.wgpu_render_state())
            && let Some(gpu) = rs
                .renderer
                .write()
                .callback_resources
                .get_mut::<ViewerGpu>()
            && let Some(t) = &mut gpu.textures
        {
            let hidden = state.hidden.clone();
            t.set_palette(&rs.queue, &state.labels, &move |id| !hidden.contains(&id));
        }
    }
}

impl eframe::App for SegscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        // Keys first: a case switch they ask for is installed and drawn this frame.
        self.keys(ui);
        self.receive();
        self.apply_focus();
        if let Some(b) = &mut self.browser {
            b.survey.poll();
            let (known, all) = b.survey.progress();
            if known < all {
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(200));
            }
        }
        self.keep_prefetching();
        self.autosave(ui.ctx());
        if self.pending_focus.is_some() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        if let Some(s) = &mut self.state {
            s.inspection.poll();
            if !s.inspection.is_complete() {
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            }
        }
        self.handle_drops(ui);
        if self.loading.is_some() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        self.figure_window(ui);
        if let Some(request) = self.open_dialog.show(ui.ctx()) {
            self.open(request);
        }
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar(ui));
        let case_page = self.page == Page::Case;
        if self.state.is_some() && case_page {
            egui::Panel::top("navigation").show(ui, |ui| self.navigation_bar(ui));
        }
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        if self.state.is_some() && case_page && self.show_review {
            egui::Panel::right("review")
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("review panel")
                        .show(ui, |ui| self.review_side_panel(ui));
                });
        }
        if self.state.is_some() && case_page {
            egui::Panel::left("organs")
                .resizable(true)
                .default_size(560.0)
                .show(ui, |ui| self.organ_panel(ui));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if case_page {
                self.views(ui);
            } else {
                self.dataset_page(ui);
            }
        });
        self.upload_palette(frame);
        self.bind_shown_layers(frame);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let mut settings = match (&self.state, &self.settings) {
            (Some(s), _) => Settings {
                reference_style: s.reference_style,
                prediction_style: s.prediction_style,
                mode: s.mode,
                radiological: s.views[0].radiological,
                convention: s.inspection.settings.convention,
                reviewer: String::new(),
                show_review: true,
            },
            (None, Some(saved)) => saved.clone(),
            (None, None) => return,
        };
        settings.reviewer = self.reviewer.clone();
        settings.show_review = self.show_review;
        eframe::set_value(storage, SETTINGS_KEY, &settings);
    }

    fn on_exit(&mut self) {
        self.flush_reviews();
    }
}

impl SegscopeApp {
    fn handle_drops(&mut self, ui: &egui::Ui) {
        let dropped: Vec<PathBuf> = ui.ctx().input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if dropped.is_empty() {
            return;
        }
        // A dropped folder is a dataset.
        if let [folder] = &dropped[..]
            && folder.is_dir()
        {
            let folder = folder.clone();
            self.open_dataset(&folder, &[]);
            return;
        }
        // Dropped files: the first is the image, then reference, then predictions.
        let mut files = dropped.into_iter();
        let request = OpenRequest {
            images: files.next().into_iter().collect(),
            reference: files.next(),
            predictions: files.collect(),
            ..Default::default()
        };
        self.open(request);
    }

    fn toolbar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.strong("segscope");
            if ui.button("Open…").clicked() {
                self.open_dialog.shown = true;
            }
            if let Some(loading) = &self.loading {
                ui.spinner();
                ui.label(format!("loading {}…", loading.pending.what));
            }
            if let Some(e) = &self.error {
                ui.colored_label(Color32::from_rgb(255, 110, 90), format!("error: {e}"));
            }
            self.dataset_controls(ui);
            if self.page == Page::Dataset {
                return;
            }
            let Some(s) = &mut self.state else { return };
            if s.case.images.len() > 1 {
                ui.separator();
                let label = ui.label("image");
                egui::ComboBox::from_id_salt("image")
                    .selected_text(s.case.images[s.active_image].0.clone())
                    .show_ui(ui, |ui| {
                        for (i, (name, _)) in s.case.images.iter().enumerate() {
                            ui.selectable_value(&mut s.active_image, i, name);
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            ui.separator();
            ui.selectable_value(&mut s.mode, DisplayMode::Layers, "Layers");
            ui.selectable_value(
                &mut s.mode,
                DisplayMode::Difference,
                "Difference (TP/FP/FN)",
            );
            ui.separator();
            ui.checkbox(&mut s.reference_style.shown, "reference");
            ui.add(egui::Slider::new(&mut s.reference_style.fill, 0.0..=1.0).text("fill"));
            ui.add(egui::Slider::new(&mut s.reference_style.outline, 0.0..=1.0).text("outline"));
            ui.separator();
            ui.checkbox(&mut s.prediction_style.shown, "prediction");
            ui.add(egui::Slider::new(&mut s.prediction_style.fill, 0.0..=1.0).text("fill"));
            ui.add(egui::Slider::new(&mut s.prediction_style.outline, 0.0..=1.0).text("outline"));
            ui.separator();
            for (i, (name, _, _)) in CT_PRESETS.iter().enumerate() {
                if ui.button(format!("{} {name}", i + 1)).clicked() {
                    s.preset(i);
                }
            }
            ui.checkbox(&mut s.smooth, "smooth");
            ui.checkbox(&mut self.show_review, "review panel");
            if ui
                .button("Export figure…")
                .on_hover_text(
                    "panels of the current slices at any resolution, with legend and scale bar",
                )
                .clicked()
            {
                self.figure_dialog.shown = true;
            }
            ui.checkbox(&mut s.show_crosshair, "crosshair")
                .on_hover_text("C: show or hide the crosshair lines");
            let mut radiological = s.views[0].radiological;
            if ui.checkbox(&mut radiological, "radiological").changed() {
                s.views
                    .iter_mut()
                    .for_each(|v| v.radiological = radiological);
            }
        });
    }

    /// Prediction choice, the jumps to failures and what the last jump found.
    fn navigation_bar(&mut self, ui: &mut egui::Ui) {
        let Some(s) = &mut self.state else { return };
        ui.horizontal_wrapped(|ui| {
            if s.case.predictions.len() > 1 {
                let mut shown = s.shown_prediction;
                let label = ui.label("shown:");
                egui::ComboBox::from_id_salt("prediction")
                    .selected_text(prediction_title(s, shown))
                    .show_ui(ui, |ui| {
                        for n in 0..s.case.predictions.len() {
                            ui.selectable_value(&mut shown, n, prediction_title(s, n));
                        }
                    })
                    .response
                    .labelled_by(label.id);
                s.show_prediction(shown);
                ui.separator();
            }
            let organ = s
                .selected_organ
                .map_or("all organs".to_string(), |id| s.labels.name(id));
            ui.label(format!("inspecting: {organ}"));
            if ui
                .button("worst slice")
                .on_hover_text("W: the selected organ's lowest-Dice axial slice")
                .clicked()
            {
                s.go_to_worst_slice();
            }
            if ui
                .button("< error")
                .on_hover_text("Shift+E: previous error region")
                .clicked()
            {
                s.step_error(-1);
            }
            if ui
                .button("error >")
                .on_hover_text("E: next error region (largest first)")
                .clicked()
            {
                s.step_error(1);
            }
            ui.separator();
            ui.label("strips:");
            ui.selectable_value(&mut s.strip, StripMetric::Dice, "slice Dice");
            ui.selectable_value(&mut s.strip, StripMetric::Errors, "FP+FN voxels");
            if let Some(note) = &s.note {
                ui.separator();
                ui.label(note.as_str());
            }
        });
    }

    /// The Export figure window, and the figures it asked for, made off the UI thread.
    fn figure_window(&mut self, ui: &egui::Ui) {
        if let Some(rx) = &self.figure_work {
            match rx.try_recv() {
                Ok(result) => {
                    self.figure_note =
                        Some(result.unwrap_or_else(|e| format!("export failed: {e}")));
                    self.figure_work = None;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(100));
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.figure_work = None,
            }
        }
        let (Some(s), Some(rs)) = (&self.state, &self.render_state) else {
            return;
        };
        let ppp = ui.ctx().pixels_per_point();
        let sizes: Vec<(usize, f64, f64)> = self
            .drawn_views
            .iter()
            .map(|(v, r, _)| (*v, f64::from(r.width() * ppp), f64::from(r.height() * ppp)))
            .collect();
        let Some(jobs) = self
            .figure_dialog
            .show(ui.ctx(), s, &sizes, &mut self.figure_note)
        else {
            return;
        };
        let gpu = crate::render::GpuContext {
            device: rs.device.clone(),
            queue: rs.queue.clone(),
            adapter_info: rs.adapter.get_info(),
        };
        let (case, labels) = (s.case.clone(), s.labels.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        self.figure_note = Some("rendering…".into());
        std::thread::spawn(move || {
            let mut written = Vec::new();
            for (spec, path) in jobs {
                let made =
                    crate::figure::render_figure(&gpu, &case, &labels, &spec).and_then(|f| {
                        crate::figure::save_image(&f.image, &path)?;
                        Ok(format!(
                            "{} ({}×{} px)",
                            path.display(),
                            f.image.width(),
                            f.image.height()
                        ))
                    });
                match made {
                    Ok(w) => written.push(w),
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                }
            }
            let _ = tx.send(Ok(format!("wrote {}", written.join(", "))));
        });
        self.figure_work = Some(rx);
    }

    /// Dataset / case page switch and previous / next case, while browsing.
    fn dataset_controls(&mut self, ui: &mut egui::Ui) {
        let Some(b) = &self.browser else { return };
        ui.separator();
        let order = b.order();
        let position = b
            .open
            .and_then(|c| order.iter().position(|&o| o == c))
            .map_or(String::new(), |at| format!(" {}/{}", at + 1, order.len()));
        let open_name = b.open.map(|c| b.dataset.cases[c].name.clone());
        let mut page = self.page;
        ui.selectable_value(&mut page, Page::Dataset, "Dataset")
            .on_hover_text("B: the case table and Dice heat map");
        let case_title = match &open_name {
            Some(name) => format!("Case{position}: {name}"),
            None => "Case".into(),
        };
        if self.state.is_some() {
            ui.selectable_value(&mut page, Page::Case, case_title)
                .on_hover_text("B: back to the case");
        }
        self.page = page;
        if ui
            .button("< case")
            .on_hover_text("Ctrl+P: previous case in the table's order")
            .clicked()
        {
            self.step_case(-1);
        }
        if ui
            .button("case >")
            .on_hover_text("Ctrl+N: next case in the table's order (loaded ahead)")
            .clicked()
        {
            self.step_case(1);
        }
    }

    /// The dataset browser page.
    fn dataset_page(&mut self, ui: &mut egui::Ui) {
        let Some(b) = &mut self.browser else {
            ui.label("no dataset open");
            return;
        };
        match super::browser_panel::show(ui, b, self.reviews.as_ref().map(|r| &r.reviews)) {
            Some(super::browser_panel::BrowserAction::Open { case, organ }) => {
                let focus = organ.map_or(Focus::Worst, Focus::Organ);
                self.open_dataset_case(case, Some(focus));
            }
            None => {}
        }
    }

    fn organ_panel(&mut self, ui: &mut egui::Ui) {
        let Some(s) = &mut self.state else { return };
        let actions = organ_table::show(ui, s, &mut self.organ_table);
        self.palette_dirty |= actions.palette_changed;
        if let Some(settings) = actions.settings {
            s.restart_inspection(settings);
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        let Some(s) = &self.state else {
            ui.label("drop an image, then its reference and prediction, onto the window");
            return;
        };
        let ijk = s.voxel_of(s.crosshair);
        let world = s.grid().voxel_to_world(ijk.map(|v| v as f64));
        let value = s
            .case
            .images
            .get(s.active_image)
            .and_then(|(_, v)| v.value(ijk))
            .map_or("-".to_string(), |v| format!("{v:.0}"));
        let name = |m: Option<&crate::volume::LabelMap>| {
            m.and_then(|m| m.voxels.get(ijk))
                .map_or("-".to_string(), |id| {
                    if id == 0 {
                        "background".into()
                    } else {
                        s.labels.name(id)
                    }
                })
        };
        ui.label(format!(
            "voxel ({}, {}, {})   RAS ({:.1}, {:.1}, {:.1}) mm   value {}   reference: {}   prediction: {}   window {:.0}/{:.0}{}",
            ijk[0], ijk[1], ijk[2], world[0], world[1], world[2], value,
            name(s.case.reference.as_ref()),
            name(s.case.predictions.get(s.shown_prediction).map(|(_, m)| m)),
            s.window()[1], s.window()[0],
            self.last_switch.as_ref().map_or(String::new(), |r| format!(
                "   {} shown {:.0} ms after the request{}",
                r.case,
                r.took.as_secs_f64() * 1000.0,
                if r.prefetched { " (prefetched)" } else { "" }
            )),
        ));
    }

    fn views(&mut self, ui: &mut egui::Ui) {
        let Some(s) = &mut self.state else {
            ui.centered_and_justified(|ui| {
                ui.label(if self.loading.is_some() {
                    "loading…"
                } else {
                    "no case open"
                })
            });
            return;
        };
        let full = ui.available_rect_before_wrap();
        let shown: Vec<usize> = match s.maximised {
            Some(v) => vec![v],
            None => vec![0, 1, 2],
        };
        let width = full.width() / shown.len() as f32;
        let ppp = ui.ctx().pixels_per_point();
        self.drawn_views.clear();
        let recentre = std::mem::take(&mut s.recentre);
        for (n, &v) in shown.iter().enumerate() {
            // Whole pixels: the shader's pixel grid and egui's then agree exactly.
            let snap = |x: f32| (x * ppp).round() / ppp;
            let rect = Rect::from_min_max(
                Pos2::new(snap(full.left() + n as f32 * width), snap(full.top())),
                Pos2::new(
                    snap(full.left() + (n + 1) as f32 * width - 2.0),
                    snap(full.bottom() - STRIP_HEIGHT - 2.0),
                ),
            );
            let strip = Rect::from_min_size(
                Pos2::new(rect.left(), rect.bottom() + 2.0),
                Vec2::new(rect.width(), STRIP_HEIGHT),
            );
            if recentre && s.views[v].zoom > 1.0 {
                let target = s.crosshair.map(|c| c as f64 + 0.5);
                let g = s.grid().clone();
                s.views[v].centre_on(
                    &g,
                    f64::from(rect.width()),
                    f64::from(rect.height()),
                    target,
                );
            }
            if let Some(series) = s.strip_series(v) {
                let axis = s.views[v].plane.normal_axis();
                // Display index 0 is the most L, P or I slice: it is drawn on the left.
                let ends = [('L', 'R'), ('P', 'A'), ('I', 'S')][axis];
                if let Some(slice) =
                    strip_chart(ui, strip, &series, s.views[v].slice, s.strip, ends)
                {
                    let mut target = s.crosshair;
                    target[axis] = slice;
                    s.go_to(target);
                }
            }
            let response = ui.allocate_rect(rect, Sense::click_and_drag());
            let mapping = view_mapping(
                s.grid(),
                &s.views[v],
                f64::from(rect.width()),
                f64::from(rect.height()),
            );
            self.drawn_views.push((v, rect, mapping));
            let params = ViewParams {
                smooth: s.smooth,
                mapping,
                window: s.window(),
                reference: s.reference_style,
                prediction: s.prediction_style,
                outline_px: 1.0,
                mode: s.mode,
            };
            ui.painter().add(egui_wgpu::Callback::new_paint_callback(
                rect,
                ViewCallback {
                    slot: v,
                    params,
                    size: [rect.width() * ppp, rect.height() * ppp],
                },
            ));
            view_overlay(ui, rect, s, v);
            // Interaction.
            if let Some(pos) = response.interact_pointer_pos().filter(|_| {
                response.clicked()
                    || (response.dragged_by(egui::PointerButton::Primary)
                        && !ui.input(|i| i.modifiers.shift))
            }) {
                let (u, w) = (
                    f64::from((pos.x - rect.left()) / rect.width()),
                    f64::from((pos.y - rect.top()) / rect.height()),
                );
                s.click(&mapping, u, w);
            }
            if response.double_clicked() {
                s.maximised = if s.maximised.is_some() { None } else { Some(v) };
            }
            if response.dragged_by(egui::PointerButton::Primary) && ui.input(|i| i.modifiers.shift)
            {
                let d = response.drag_delta();
                s.drag_window(f64::from(d.x), f64::from(d.y));
            }
            if response.dragged_by(egui::PointerButton::Secondary) {
                let d = response.drag_delta();
                s.views[v].zoom = (s.views[v].zoom * (1.0 - d.y * 0.01)).clamp(0.2, 40.0);
            }
            if response.dragged_by(egui::PointerButton::Middle) {
                let d = response.drag_delta();
                s.views[v].pan[0] += d.x / rect.width();
                s.views[v].pan[1] += d.y / rect.height();
            }
            if response.hovered() {
                let (scroll, ctrl) = ui.input(|i| (i.smooth_scroll_delta.y, i.modifiers.ctrl));
                if ctrl && scroll != 0.0 {
                    s.views[v].zoom = (s.views[v].zoom * (1.0 + scroll * 0.002)).clamp(0.2, 40.0);
                } else if scroll.abs() >= 1.0 {
                    s.scroll(v, if scroll > 0.0 { 1 } else { -1 });
                }
                let (up, down) = ui.input(|i| {
                    (
                        i.key_pressed(egui::Key::PageUp) || i.key_pressed(egui::Key::ArrowUp),
                        i.key_pressed(egui::Key::PageDown) || i.key_pressed(egui::Key::ArrowDown),
                    )
                });
                if up {
                    s.scroll(v, 1);
                }
                if down {
                    s.scroll(v, -1);
                }
            }
        }
    }

    fn keys(&mut self, ui: &mut egui::Ui) {
        if ui.input(|i| pressed_with(i, egui::Key::O).is_some_and(|m| m.command)) {
            self.open_dialog.shown = true;
        }
        // Letters typed into a text field (a path in the Open window) are not shortcuts.
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let (next, previous, back) = ui.input(|i| {
            (
                pressed_with(i, egui::Key::N).is_some_and(|m| m.command),
                pressed_with(i, egui::Key::P).is_some_and(|m| m.command),
                pressed_with(i, egui::Key::B).is_some_and(|m| !m.command),
            )
        });
        if next {
            self.step_case(1);
        }
        if previous {
            self.step_case(-1);
        }
        if back && self.browser.is_some() {
            self.page = match self.page {
                Page::Case => Page::Dataset,
                Page::Dataset if self.state.is_some() => Page::Case,
                Page::Dataset => Page::Dataset,
            };
        }
        if self.page == Page::Dataset {
            return;
        }
        if self.state.is_some() {
            self.review_keys(ui);
        }
        let Some(s) = &mut self.state else { return };
        ui.input(|i| {
            for (n, key) in [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
            ]
            .iter()
            .enumerate()
            {
                // Ctrl/Alt with a digit is a review verdict, not a window preset.
                if pressed_with(i, *key).is_some_and(|m| m.is_none()) {
                    s.preset(n);
                }
            }
            if i.key_pressed(egui::Key::S) {
                let shown = !(s.reference_style.shown || s.prediction_style.shown);
                s.reference_style.shown = shown;
                s.prediction_style.shown = shown;
            }
            if i.key_pressed(egui::Key::A) {
                s.prediction_style.fill = (s.prediction_style.fill - 0.1).max(0.0);
            }
            if i.key_pressed(egui::Key::D) {
                s.prediction_style.fill = (s.prediction_style.fill + 0.1).min(1.0);
            }
            if i.key_pressed(egui::Key::X) {
                s.mode = if s.mode == DisplayMode::Layers {
                    DisplayMode::Difference
                } else {
                    DisplayMode::Layers
                };
            }
            if i.key_pressed(egui::Key::Tab) && s.case.images.len() > 1 {
                s.active_image = (s.active_image + 1) % s.case.images.len();
            }
            if let Some(m) = pressed_with(i, egui::Key::E) {
                s.step_error(if m.shift { -1 } else { 1 });
            }
            if i.key_pressed(egui::Key::C) {
                s.show_crosshair = !s.show_crosshair;
            }
            if i.key_pressed(egui::Key::W) {
                s.go_to_worst_slice();
            }
            if i.key_pressed(egui::Key::M) {
                s.maximised = match s.maximised {
                    Some(v) => {
                        if v == 2 {
                            None
                        } else {
                            Some(v + 1)
                        }
                    }
                    None => Some(0),
                };
            }
        });
    }
}

/// The modifiers held when `key` was pressed this frame, if it was. They come
/// from the key event itself: when several events arrive in one frame (a fast
/// typist, a remote desktop), the frame's modifiers are those after the last one,
/// and Ctrl may already be released.
fn pressed_with(input: &egui::InputState, key: egui::Key) -> Option<egui::Modifiers> {
    input.events.iter().find_map(|e| match e {
        egui::Event::Key {
            key: k,
            pressed: true,
            modifiers,
            ..
        } if *k == key => Some(*modifiers),
        _ => None,
    })
}

/// "A: name" of prediction `n`, as the organ table's Dice columns call it.
fn prediction_title(s: &ViewerState, n: usize) -> String {
    let name = s
        .case
        .predictions
        .get(n)
        .map_or("", |(name, _)| name.as_str());
    let short = std::path::Path::new(name)
        .file_name()
        .map_or(name.to_string(), |f| f.to_string_lossy().into_owned());
    format!("{}: {short}", organ_table::model_letter(n))
}

/// Plane name, slice number, orientation letters on the edges, crosshair.
fn view_overlay(ui: &egui::Ui, rect: Rect, s: &ViewerState, v: usize) {
    let p = ui.painter_at(rect);
    let view = &s.views[v];
    let (su, sv) = screen_axes(view.plane, view.radiological);
    let font = FontId::proportional(15.0);
    let colour = Color32::from_rgb(255, 220, 120);
    let (l, r) = su.letters();
    let (t, b) = sv.letters();
    p.text(
        Pos2::new(rect.left() + 6.0, rect.center().y),
        Align2::LEFT_CENTER,
        l,
        font.clone(),
        colour,
    );
    p.text(
        Pos2::new(rect.right() - 6.0, rect.center().y),
        Align2::RIGHT_CENTER,
        r,
        font.clone(),
        colour,
    );
    p.text(
        Pos2::new(rect.center().x, rect.top() + 4.0),
        Align2::CENTER_TOP,
        t,
        font.clone(),
        colour,
    );
    p.text(
        Pos2::new(rect.center().x, rect.bottom() - 4.0),
        Align2::CENTER_BOTTOM,
        b,
        font.clone(),
        colour,
    );
    let n = s.grid().display_axes().shape[view.plane.normal_axis()];
    p.text(
        rect.left_top() + Vec2::new(6.0, 4.0),
        Align2::LEFT_TOP,
        format!("{} {}/{}", view.plane.name(), view.slice + 1, n),
        FontId::proportional(13.0),
        Color32::LIGHT_GRAY,
    );
    // The slice's Dice for the organ under inspection, on a line of its own so that
    // narrow views do not run it into the orientation letter.
    if let Some(dice) = s.slice_dice(v) {
        let organ = s
            .selected_organ
            .map_or("all organs".to_string(), |id| s.labels.name(id));
        p.text(
            rect.left_top() + Vec2::new(6.0, 21.0),
            Align2::LEFT_TOP,
            format!("Dice {dice:.3} ({organ})"),
            FontId::proportional(13.0),
            Color32::LIGHT_GRAY,
        );
    }
    // Crosshair: where the other two planes cut this one.
    if !s.show_crosshair {
        return;
    }
    let mapping = view_mapping(
        s.grid(),
        view,
        f64::from(rect.width()),
        f64::from(rect.height()),
    );
    let centre = s.voxel_of(s.crosshair).map(|c| c as f64 + 0.5);
    let solve = |axis: [f64; 3], origin: [f64; 3]| -> Option<f32> {
        let a = (0..3).max_by(|&x, &y| axis[x].abs().total_cmp(&axis[y].abs()))?;
        (axis[a].abs() > 1e-9).then(|| ((centre[a] - origin[a]) / axis[a]) as f32)
    };
    let stroke = Stroke::new(1.0, Color32::from_rgba_unmultiplied(80, 200, 255, 140));
    if let Some(u) = solve(mapping.axis_u, mapping.origin) {
        let x = rect.left() + u * rect.width();
        p.line_segment(
            [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
            stroke,
        );
    }
    if let Some(w) = solve(mapping.axis_v, mapping.origin) {
        let y = rect.top() + w * rect.height();
        p.line_segment(
            [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
            stroke,
        );
    }
}

/// Opens the viewer window (blocks until it is closed).
pub fn run(request: OpenRequest) -> anyhow::Result<()> {
    let mut options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1600.0, 1000.0])
            .with_title("segscope")
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    if let egui_wgpu::WgpuSetup::CreateNew(setup) = &mut options.wgpu_options.wgpu_setup {
        // Ask for the adapter's real limits: volumes need large 3D textures.
        setup.device_descriptor =
            std::sync::Arc::new(|adapter| egui_wgpu::wgpu::DeviceDescriptor {
                label: Some("segscope"),
                required_features: crate::render::gpu::wanted_features(adapter),
                required_limits: adapter.limits(),
                ..Default::default()
            });
    }
    eframe::run_native(
        "segscope",
        options,
        Box::new(move |cc| Ok(Box::new(SegscopeApp::new(cc, request)))),
    )
    .map_err(|e| anyhow::anyhow!("the viewer could not start: {e}"))
}
