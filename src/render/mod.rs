//! GPU rendering with wgpu: volumes as 3D textures, slices composed in
//! `shaders/slice.wgsl`, on screen (through egui) or offscreen. No UI code here.

pub mod bricks;
pub mod gpu;
pub mod offscreen;
pub mod slice_renderer;
pub mod view;

pub use gpu::{GpuContext, RenderError};
pub use offscreen::render_view;
pub use slice_renderer::{CaseTextures, DisplayMode, LayerStyle, SlicePipeline, ViewParams};
pub use view::{Plane, SliceView, ViewMapping, region_mapping, view_mapping, view_region};
