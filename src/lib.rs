//! segscope: look at a CT or MR with its reference and predicted organ masks, and
//! find out where and why the prediction fails.
//!
//! Layers (data flows one way; see README "Architecture"):

/// NIfTI reading, fast gunzip, native-typed voxels, geometry and orientation.
pub mod volume;
