//! Loading a case off the UI thread: files are read, checked and named, the
//! viewer state is built (its scans of the volumes included, its metrics started)
//! and — given the GPU's device and queue — the volumes are uploaded there too, so
//! that installing a loaded (or prefetched) case costs the UI a pointer swap.

use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

use egui_wgpu::wgpu;

use crate::case::{Case, CaseFiles};
use crate::labels::{LabelTable, Preset};
use crate::metrics::MetricsSettings;
use crate::render::CaseTextures;

use super::state::ViewerState;

/// What a load produces.
pub struct LoadedCase {
    /// The case as the viewer shows it (predictions renumbered like the reference,
    /// organ names embedded then the caller's overlay), its metrics under way.
    pub state: ViewerState,
    /// Its textures, when the load was given a GPU.
    pub textures: Option<CaseTextures>,
    /// How long reading and uploading took.
    pub took: Duration,
}

/// What to load.
#[derive(Debug, Clone)]
pub enum CaseSource {
    /// The built-in phantom.
    Demo,
    /// Files from disk.
    Files(CaseFiles),
}

/// The device and queue uploads go to (cheap clones of egui-wgpu's).
#[derive(Clone)]
pub struct GpuTarget {
    /// The device textures are created on.
    pub device: wgpu::Device,
    /// The queue their voxels are written through.
    pub queue: wgpu::Queue,
}

/// A case being loaded on a worker thread.
pub struct PendingCase {
    /// What is loading, for the status line.
    pub what: String,
    rx: Receiver<Result<LoadedCase, String>>,
    done: Option<Result<LoadedCase, String>>,
}

impl PendingCase {
    /// Starts loading `source` with `label_overlay` laid over the files' own
    /// names and its metrics under `settings`; uploads it to `gpu` when given.
    pub fn start(
        what: String,
        source: CaseSource,
        label_overlay: Option<LabelTable>,
        settings: MetricsSettings,
        gpu: Option<GpuTarget>,
    ) -> Self {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(load(source, label_overlay.as_ref(), settings, gpu.as_ref()));
        });
        PendingCase {
            what,
            rx,
            done: None,
        }
    }

    /// True once the worker has finished (successfully or not).
    pub fn is_ready(&mut self) -> bool {
        if self.done.is_none() {
            match self.rx.try_recv() {
                Ok(result) => self.done = Some(result),
                Err(TryRecvError::Disconnected) => {
                    self.done = Some(Err(format!("loading {} stopped unexpectedly", self.what)));
                }
                Err(TryRecvError::Empty) => {}
            }
        }
        self.done.is_some()
    }

    /// The result, once ready (see [`PendingCase::is_ready`]).
    pub fn take(&mut self) -> Option<Result<LoadedCase, String>> {
        if self.is_ready() {
            self.done.take()
        } else {
            None
        }
    }
}

/// Reads, checks, names and (given a GPU) uploads one case.
pub fn load(
    source: CaseSource,
    label_overlay: Option<&LabelTable>,
    settings: MetricsSettings,
    gpu: Option<&GpuTarget>,
) -> Result<LoadedCase, String> {
    let started = Instant::now();
    let (case, mut labels) = match source {
        CaseSource::Demo => (crate::demo::phantom_case(), Preset::Word.table()),
        CaseSource::Files(files) => {
            let mut case = Case::load(&files).map_err(|e| e.to_string())?;
            let labels = case.align_predictions_by_name();
            (case, labels)
        }
    };
    if let Some(overlay) = label_overlay {
        labels.overlay(overlay);
    }
    let textures = match gpu {
        None => None,
        Some(gpu) => Some(upload(&case, &labels, gpu)?),
    };
    Ok(LoadedCase {
        state: ViewerState::new(case, labels, settings),
        textures,
        took: started.elapsed(),
    })
}

/// Uploads a case's volumes, catching what wgpu reports (out of memory, limits).
pub fn upload(case: &Case, labels: &LabelTable, gpu: &GpuTarget) -> Result<CaseTextures, String> {
    let textures = crate::render::gpu::catching(&gpu.device, || {
        CaseTextures::upload_case(&gpu.device, &gpu.queue, case, None, labels)
    })
    .and_then(|r| r)
    .map_err(|e| format!("{}: {e}", case.name))?;
    // The voxels are only staged until a submit: copy them into the textures now,
    // on this thread, rather than in the first frame that shows the case.
    let submitted = gpu.queue.submit(std::iter::empty());
    gpu.device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(submitted),
            timeout: None,
        })
        .map_err(|e| format!("{}: the GPU did not take the volumes: {e}", case.name))?;
    Ok(textures)
}
