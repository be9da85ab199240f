//! The viewer (egui/eframe only): state, panels, interaction; drawing goes through `render`.

pub mod app;
pub mod gpu_view;
pub mod state;

pub use app::{OpenRequest, run};
