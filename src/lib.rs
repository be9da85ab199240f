//! segscope: look at a CT or MR with its reference and predicted organ masks, and
//! find out where and why the prediction fails.
//!
//! Layers (data flows one way; see README "Architecture"):

/// Replacing files atomically (temporary file, fsync, rename).
pub mod atomic_file;
/// Case: images + reference + predictions on one grid.
pub mod case;
/// Command-line interface over the core.
pub mod cli;
/// Dataset discovery: nnU-Net layout or explicit folders, paired by case name.
pub mod dataset;
/// The built-in demo phantom (generated, never patient data).
pub mod demo;
/// Publication figures: offscreen panels with legend, scale bar, letters, caption.
pub mod figure;
/// Failure inspection: progressive case metrics, per-slice Dice, worst slices, error navigation.
pub mod inspect;
/// Label tables: presets, default palette, ITK-SNAP / Slicer / nnU-Net / NIfTI-extension readers.
pub mod labels;
/// Metrics: exact overlap (volume and per slice), DeepMind and MedPy surface distances, conventions.
pub mod metrics;
/// GPU rendering (wgpu only): 3D textures, the slice shader, offscreen views.
pub mod render;
/// Review records (status, verdicts, notes, bookmarks), their safe persistence and export.
pub mod review;
/// The viewer (egui/eframe): state, panels, interaction.
pub mod ui;
/// NIfTI reading, fast gunzip, native-typed voxels, geometry and orientation.
pub mod volume;
