//! segscope: look at a CT or MR with its reference and predicted organ masks, and
//! find out where and why the prediction fails.
//!
//! Layers (data flows one way; see README "Architecture"):

/// NIfTI reading, fast gunzip, native-typed voxels, geometry and orientation.
pub mod volume;
/// Label tables: presets, default palette, ITK-SNAP / Slicer / nnU-Net / NIfTI-extension readers.
pub mod labels;
/// Case: images + reference + predictions on one grid.
pub mod case;
/// Dataset discovery: nnU-Net layout or explicit folders, paired by case name.
pub mod dataset;
/// The built-in demo phantom (generated, never patient data).
pub mod demo;
/// Command-line interface over the core.
pub mod cli;
