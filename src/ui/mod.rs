//! The viewer (egui/eframe only): state, panels, interaction; drawing goes through `render`.

pub mod app;
pub mod browser_panel;
pub mod dataset_browser;
pub mod figure_dialog;
pub mod gpu_view;
pub mod loader;
mod navigation;
pub mod open_dialog;
pub mod organ_table;
pub mod review_panel;
pub mod state;
pub mod strip;

pub use app::{OpenRequest, run};
