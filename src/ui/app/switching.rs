//! Opening cases and datasets, moving between a dataset's cases, and the
//! prefetch that makes the next case appear at once: the case after the one on
//! screen (or the highlighted row of the table) is read, measured and uploaded on
//! a worker thread, so switching to it only swaps what the views are bound to.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{OpenRequest, Overlay, SegscopeApp};
use crate::case::{CaseFiles, NamedFile};
use crate::labels::LabelTable;
use crate::metrics::{Convention, MetricsSettings};
use crate::render::DisplayMode;
use crate::ui::dataset_browser::DatasetBrowser;
use crate::ui::gpu_view::ViewerGpu;
use crate::ui::loader::{self, CaseSource, GpuTarget, LoadedCase, PendingCase};

/// Which page fills the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Page {
    /// The dataset's case table and heat map.
    Dataset,
    /// The open case's views.
    Case,
}

/// What to inspect first in a case that is opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Its worst organ (lowest Dice), at that organ's worst slice.
    Worst,
    /// This organ at its worst slice.
    Organ(u16),
}

/// A load the user is waiting for.
pub(super) struct Loading {
    pub(super) pending: PendingCase,
    /// The dataset index of the case, when it comes from the browser.
    pub(super) dataset_case: Option<usize>,
    pub(super) focus: Option<Focus>,
    pub(super) requested: Instant,
    pub(super) prefetched: bool,
}

/// How long the last case took to appear after the user asked for it.
#[derive(Debug, Clone)]
pub struct SwitchReport {
    /// The case now on screen.
    pub case: String,
    /// From the request (key press, click) to the case installed in the views.
    pub took: Duration,
    /// Whether it had been loaded ahead of the request.
    pub prefetched: bool,
}

/// The device and queue of egui-wgpu's renderer, for uploads on worker threads.
pub(super) fn gpu_target(rs: Option<&egui_wgpu::RenderState>) -> Option<GpuTarget> {
    rs.map(|rs| GpuTarget {
        device: rs.device.clone(),
        queue: rs.queue.clone(),
    })
}

/// The files of an OpenRequest as a case (the demo when it names none).
fn request_source(request: &OpenRequest) -> (String, CaseSource) {
    if request.images.is_empty() && request.reference.is_none() {
        return ("demo case".into(), CaseSource::Demo);
    }
    let first = request
        .images
        .first()
        .or(request.reference.as_ref())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let files = CaseFiles {
        name: first.clone(),
        images: request
            .images
            .iter()
            .enumerate()
            .map(|(i, p)| NamedFile {
                name: format!("image {}", i + 1),
                path: p.clone(),
            })
            .collect(),
        reference: request.reference.clone(),
        predictions: request
            .predictions
            .iter()
            .map(|p| NamedFile {
                name: p.display().to_string(),
                path: p.clone(),
            })
            .collect(),
    };
    (first, CaseSource::Files(files))
}

impl SegscopeApp {
    /// Opens what `request` names: a dataset in the browser, else a case loaded in
    /// the background (the open case stays on screen until it has loaded, and
    /// stays if it fails).
    pub fn open(&mut self, request: OpenRequest) {
        if let Some(root) = &request.dataset {
            self.open_dataset(root, &request.prediction_dirs);
            if let (Some(column), Some(b)) = (request.sort, &mut self.browser) {
                b.sort = (column, true);
            }
            return;
        }
        let (what, source) = request_source(&request);
        self.start_loading(what, source, None, None);
    }

    /// Opens a dataset folder in the browser; an unreadable folder is reported and
    /// whatever was open stays.
    pub fn open_dataset(&mut self, root: &Path, prediction_dirs: &[std::path::PathBuf]) {
        match DatasetBrowser::open(root, prediction_dirs, self.label_overlay.as_ref()) {
            Ok(browser) => {
                self.browser = Some(browser);
                self.page = Page::Dataset;
                self.error = None;
                self.open_reviews(
                    &crate::review::dataset_review_path(root),
                    &root.display().to_string(),
                );
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// The dataset being browsed.
    pub fn browser(&self) -> Option<&DatasetBrowser> {
        self.browser.as_ref()
    }

    /// The dataset being browsed, to sort or select in it.
    pub fn browser_mut(&mut self) -> Option<&mut DatasetBrowser> {
        self.browser.as_mut()
    }

    /// True while the dataset table fills the window.
    pub fn showing_dataset(&self) -> bool {
        self.page == Page::Dataset
    }

    /// How long the last case took to appear.
    pub fn last_switch(&self) -> Option<&SwitchReport> {
        self.last_switch.as_ref()
    }

    /// True once the browser's next case is loaded and uploaded, ready to show.
    pub fn prefetch_ready(&mut self) -> bool {
        self.browser
            .as_mut()
            .and_then(|b| b.prefetch.as_mut())
            .is_some_and(|(_, p)| p.is_ready())
    }

    /// The settings new cases are measured under: the open case's, else the saved.
    fn metrics_settings(&self) -> MetricsSettings {
        let convention = self.state.as_ref().map_or_else(
            || {
                self.settings
                    .as_ref()
                    .map_or_else(Convention::default, |s| s.convention)
            },
            |s| s.inspection.settings.convention,
        );
        MetricsSettings::new(convention)
    }

    /// Names laid over a case's own: the dataset's and the user's when browsing.
    fn case_overlay(&self) -> Option<LabelTable> {
        self.browser
            .as_ref()
            .and_then(|b| b.labels.clone())
            .or_else(|| self.label_overlay.clone())
    }

    fn start_loading(
        &mut self,
        what: String,
        source: CaseSource,
        dataset_case: Option<usize>,
        focus: Option<Focus>,
    ) {
        let pending = PendingCase::start(
            what,
            source,
            self.case_overlay(),
            self.metrics_settings(),
            self.gpu.clone(),
        );
        self.loading = Some(Loading {
            pending,
            dataset_case,
            focus,
            requested: Instant::now(),
            prefetched: false,
        });
    }

    /// Shows case `case` of the dataset, inspecting `focus` first: at once when it
    /// was prefetched, else as soon as it has loaded.
    pub fn open_dataset_case(&mut self, case: usize, focus: Option<Focus>) {
        let Some(browser) = &mut self.browser else {
            return;
        };
        let Some(files) = browser.dataset.cases.get(case).cloned() else {
            return;
        };
        self.page = Page::Case;
        if browser.open == Some(case) && self.loading.is_none() {
            // Already on screen: only the focus changes.
            self.pending_focus = focus;
            return;
        }
        browser.selected = Some(case);
        let requested = Instant::now();
        match browser.prefetch.take() {
            Some((i, pending)) if i == case => {
                self.loading = Some(Loading {
                    pending,
                    dataset_case: Some(case),
                    focus,
                    requested,
                    prefetched: true,
                });
                // Installs now when the prefetch is done, so this frame shows it.
                self.receive();
            }
            other => {
                browser.prefetch = other;
                self.start_loading(
                    files.name.clone(),
                    CaseSource::Files(files),
                    Some(case),
                    focus,
                );
            }
        }
    }

    /// Moves `step` cases along the table's order (Ctrl+N / Ctrl+P).
    pub fn step_case(&mut self, step: i64) {
        let Some(browser) = &self.browser else { return };
        let from = browser.open.or(browser.selected).unwrap_or(0);
        match browser.neighbour(from, step) {
            Some(next) => self.open_dataset_case(next, Some(Focus::Worst)),
            None => {
                if let Some(s) = &mut self.state {
                    s.note = Some(if step > 0 {
                        "this is the last case of the table".into()
                    } else {
                        "this is the first case of the table".into()
                    });
                }
            }
        }
    }

    /// Keeps one case loading ahead of the user: the next one in the table's
    /// order while a case is on screen, the highlighted row on the table page.
    /// One load at a time, so arrowing through the table does not pile them up.
    pub(super) fn keep_prefetching(&mut self) {
        let page = self.page;
        let loading_case = self.loading.as_ref().and_then(|l| l.dataset_case);
        let overlay = self.case_overlay();
        let settings = self.metrics_settings();
        let gpu = self.gpu.clone();
        let Some(b) = &mut self.browser else { return };
        let wanted = match page {
            Page::Case => b.open.and_then(|o| b.neighbour(o, 1)),
            Page::Dataset => b.selected,
        };
        let Some(wanted) = wanted.filter(|&w| b.open != Some(w) && loading_case != Some(w)) else {
            return;
        };
        if let Some((i, pending)) = &mut b.prefetch
            && (*i == wanted || !pending.is_ready())
        {
            return;
        }
        let files = b.dataset.cases[wanted].clone();
        let pending = PendingCase::start(
            files.name.clone(),
            CaseSource::Files(files),
            overlay,
            settings,
            gpu,
        );
        b.prefetch = Some((wanted, pending));
    }

    /// Installs the case the user is waiting for, once it has loaded.
    pub(super) fn receive(&mut self) {
        let Some(loading) = &mut self.loading else {
            return;
        };
        let Some(result) = loading.pending.take() else {
            return;
        };
        let Some(loading) = self.loading.take() else {
            return;
        };
        match result {
            Err(e) => self.error = Some(e),
            Ok(loaded) => self.install(loaded, &loading),
        }
    }

    fn install(&mut self, loaded: LoadedCase, loading: &Loading) {
        let LoadedCase {
            mut state,
            textures,
            ..
        } = loaded;
        let Some(rs) = self.render_state.clone() else {
            self.error = Some("no GPU renderer available".into());
            return;
        };
        let textures = match (textures, &self.gpu) {
            (Some(t), _) => t,
            (None, Some(gpu)) => match loader::upload(&state.case, &state.labels, gpu) {
                Ok(t) => t,
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            },
            (None, None) => {
                self.error = Some("no GPU renderer available".into());
                return;
            }
        };
        if let Some(gpu) = rs
            .renderer
            .write()
            .callback_resources
            .get_mut::<ViewerGpu>()
        {
            gpu.set_textures(&rs.device, textures);
        }
        self.bound_image = 0;
        self.bound_prediction = 0;
        self.apply_display_settings(&mut state);
        if let (Some(case), Some(b)) = (loading.dataset_case, &mut self.browser) {
            b.open = Some(case);
            b.selected = Some(case);
            if let Some(m) = b.model_index(case) {
                state.show_prediction(m);
            }
        }
        self.pending_focus = loading.focus;
        self.last_switch = Some(SwitchReport {
            case: state.case.name.clone(),
            took: loading.requested.elapsed(),
            prefetched: loading.prefetched,
        });
        self.state = Some(state);
        self.error = None;
        self.palette_dirty = true;
        self.review_case_opened(loading.dataset_case);
    }

    /// Styles, window mode and orientation as the user left them (or as the
    /// command line asked).
    fn apply_display_settings(&self, state: &mut crate::ui::state::ViewerState) {
        if let Some(previous) = &self.state {
            state.reference_style = previous.reference_style;
            state.prediction_style = previous.prediction_style;
            state.mode = previous.mode;
            state.strip = previous.strip;
            state.show_crosshair = previous.show_crosshair;
            for (v, p) in state.views.iter_mut().zip(&previous.views) {
                v.radiological = p.radiological;
            }
            return;
        }
        if let Some(s) = &self.settings {
            state.reference_style = s.reference_style;
            state.prediction_style = s.prediction_style;
            state.mode = s.mode;
            for v in &mut state.views {
                v.radiological = s.radiological;
            }
        }
        let (difference, overlay) = self.start;
        if difference {
            state.mode = DisplayMode::Difference;
        }
        if let Some(o) = overlay {
            let (fill, outline) = match o {
                Overlay::Fill => (0.5, 0.0),
                Overlay::Outline => (0.0, 1.0),
                Overlay::Both => (0.35, 1.0),
            };
            for style in [&mut state.reference_style, &mut state.prediction_style] {
                *style = crate::render::LayerStyle {
                    fill,
                    outline,
                    shown: true,
                };
            }
        }
    }

    /// Selects the organ a case was opened for and goes to its worst slice, once
    /// the overlap counts of the shown prediction are in.
    pub(super) fn apply_focus(&mut self) {
        let (Some(focus), Some(s)) = (self.pending_focus, &mut self.state) else {
            return;
        };
        let Some(model) = s.shown_model() else {
            self.pending_focus = None;
            return;
        };
        if model.error.is_some() {
            self.pending_focus = None;
            return;
        }
        if model.overlap.is_none() {
            return;
        }
        let organ = match focus {
            Focus::Organ(id) => Some(id),
            Focus::Worst => self
                .browser
                .as_ref()
                .and_then(|b| b.open.and_then(|c| b.worst(c)))
                .map(|(id, _)| id)
                .or_else(|| worst_measured(model)),
        };
        self.pending_focus = None;
        if let Some(id) = organ {
            s.select_organ(Some(id));
            s.go_to_worst_slice();
        }
    }
}

/// The organ with the lowest Dice the inspection has measured.
fn worst_measured(model: &crate::inspect::ModelMetrics) -> Option<u16> {
    model
        .organs
        .iter()
        .filter(|(_, m)| !m.dice.is_nan())
        .min_by(|a, b| a.1.dice.total_cmp(&b.1.dice).then(a.0.cmp(b.0)))
        .map(|(&id, _)| id)
}
