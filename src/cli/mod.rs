//! Command-line interface: `segscope info` (and, with no subcommand, the demo).

pub mod demo;
pub mod figure;
pub mod info;
pub mod metrics;
mod report;
pub mod review;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::labels::{LabelError, LabelTable, Preset, parse_assignment};

/// segscope — look at a CT or MR with its reference and predicted organ masks,
/// and find out where and why the prediction fails.
#[derive(Debug, Parser)]
#[command(name = "segscope", version, about, long_about = None)]
#[command(
    after_help = "Without a subcommand, segscope opens its built-in demo case.\n\
Examples:\n  segscope info image.nii.gz reference.nii.gz\n  \
segscope info --case image.nii.gz --reference labels.nii.gz --prediction model.nii.gz\n  \
segscope info --dataset Dataset001_Abdomen --predictions predictions/fold0\n  \
segscope --dataset Dataset001_Abdomen --prediction-dir predictions_modelA --prediction-dir predictions_modelB"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files for the viewer.
    #[command(flatten)]
    pub open: OpenArgs,
}

/// What the viewer opens.
#[derive(Debug, Clone, Args, Default)]
pub struct OpenArgs {
    /// Image(s) of the case to open (several for CT + MR channels); none opens the demo.
    #[arg(value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// Reference label map.
    #[arg(long, value_name = "LABELS")]
    pub reference: Option<PathBuf>,
    /// Predicted label map (repeatable).
    #[arg(long = "prediction", value_name = "LABELS")]
    pub predictions: Vec<PathBuf>,
    /// Browse a dataset folder: nnU-Net (imagesTs/ + labelsTs/) or reference label
    /// maps alone (labelsTs/), with its predictions*/ folders.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["images", "reference", "predictions"])]
    pub dataset: Option<PathBuf>,
    /// The dataset's prediction folder, CASE.nii.gz per case (repeatable, one per model;
    /// default: every predictions*/ folder in the dataset).
    #[arg(long = "prediction-dir", value_name = "DIR", requires = "dataset")]
    pub prediction_dirs: Vec<PathBuf>,
    /// How the dataset's case table starts sorted (Dice columns ascending: worst first).
    #[arg(long, value_enum, requires = "dataset")]
    pub sort: Option<crate::ui::dataset_browser::CaseColumn>,
    /// Your name, recorded with every review (else the one entered before).
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
    /// Start in difference mode (agreement tinted, misses red, additions blue, confusions yellow).
    #[arg(long)]
    pub difference: bool,
    /// How both label layers start: fill, outline or both.
    #[arg(long, value_enum)]
    pub overlay: Option<crate::ui::app::Overlay>,
    /// Organ names and colours laid over those embedded in the files.
    #[command(flatten)]
    pub labels: LabelArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Describe NIfTI files: shape, spacing, dtype, scaling, affine and orientation,
    /// intensity range or label ids with voxel counts, volumes (ml) and names.
    Info(info::InfoArgs),
    /// Per-organ Dice, IoU, HD, HD95, ASSD, NSD for one pair or a whole dataset,
    /// as a table, CSV (one row per case × organ) and nnU-Net-style JSON summary.
    Metrics(metrics::MetricsArgs),
    /// A publication figure of one slice, rendered offscreen: reference, prediction and
    /// difference panels side by side with legend, scale bar and letters, at any scale.
    Figure(Box<figure::FigureArgs>),
    /// Reviews of a dataset: `segscope review export DATASET` writes them as CSV
    /// (one row per case × reviewed organ) and JSON.
    Review(review::ReviewArgs),
}

/// Where label names come from; later sources override earlier ones
/// (names embedded in the file → dataset.json → --preset → --labels → --set-label).
#[derive(Debug, Clone, Args, Default)]
pub struct LabelArgs {
    /// Built-in label table.
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Label table file: ITK-SNAP label description (.txt), Slicer colour table
    /// (.ctbl/.txt), nnU-Net or MSD dataset.json, or a NIfTI with embedded names.
    #[arg(long = "labels", value_name = "FILE")]
    pub label_files: Vec<PathBuf>,
    /// Name one id, e.g. --set-label "12=adrenal_right" (repeatable).
    #[arg(long = "set-label", value_name = "ID=NAME", value_parser = parse_assignment)]
    pub assignments: Vec<(u16, String)>,
}

impl LabelArgs {
    /// Lays the user's choices over `base` (embedded or dataset names).
    pub fn apply(&self, base: LabelTable) -> Result<LabelTable, LabelError> {
        let mut table = base;
        if let Some(preset) = self.preset {
            table.overlay(&preset.table());
        }
        for file in &self.label_files {
            table.overlay(&LabelTable::from_file(file)?);
        }
        if !self.assignments.is_empty() {
            let mut named = LabelTable::empty("--set-label");
            for (id, name) in &self.assignments {
                named.insert(*id, name.clone(), Some(table.color(*id)));
            }
            table.overlay(&named);
        }
        Ok(table)
    }
}
