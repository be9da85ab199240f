//! `segscope figure`: a publication figure of one slice of a case, rendered
//! offscreen (no window) by the viewer's shader: panels side by side with an
//! organ legend, scale bar, orientation letters and caption.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::LabelArgs;
use crate::case::{Case, CaseFiles, NamedFile};
use crate::figure::{Crop, FigureSpec, Panel, SliceChoice, render_figure};
use crate::labels::LabelTable;
use crate::render::slice_renderer::{looks_like_ct, percentile_window};
use crate::render::{GpuContext, Plane};

/// Arguments of `segscope figure`.
#[derive(Debug, Args)]
pub struct FigureArgs {
    /// The case's image (or give --dataset).
    #[arg(value_name = "IMAGE", required_unless_present = "dataset")]
    pub image: Option<PathBuf>,
    /// Batch: one figure per case of this dataset folder (nnU-Net layout, its
    /// predictions*/ folders or --prediction-dir), written to --out-dir as CASE.png.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["image", "reference", "prediction", "output"])]
    pub dataset: Option<PathBuf>,
    /// The dataset's prediction folder (default: its first predictions*/ folder).
    #[arg(long = "prediction-dir", value_name = "DIR", requires = "dataset")]
    pub prediction_dir: Option<PathBuf>,
    /// Where batch figures go.
    #[arg(long, value_name = "DIR", requires = "dataset")]
    pub out_dir: Option<PathBuf>,
    /// Batch figures' file type: png, tif or jpg.
    #[arg(long, default_value = "png", requires = "dataset")]
    pub format: String,
    /// Reference label map.
    #[arg(long, value_name = "LABELS")]
    pub reference: Option<PathBuf>,
    /// Predicted label map.
    #[arg(long, value_name = "LABELS")]
    pub prediction: Option<PathBuf>,
    /// axial, coronal or sagittal.
    #[arg(long, default_value = "axial", value_parser = parse_plane)]
    pub view: Plane,
    /// Slice number as the viewer shows it (1 = first), `middle`, `best:ORGAN` (largest
    /// reference cross-section) or `worst:ORGAN` (lowest slice Dice).
    #[arg(long, default_value = "middle")]
    pub slice: String,
    /// Panels left to right: image, ref, pred, diff.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "ref,pred,diff"
    )]
    pub panels: Vec<Panel>,
    /// Output pixels per voxel (the finest in-plane spacing), 1–8.
    #[arg(long, default_value_t = 2.0)]
    pub scale: f64,
    /// Width of each panel in pixels (instead of --scale).
    #[arg(long, value_name = "PX")]
    pub width: Option<u32>,
    /// Crop to an organ's bounding box: ORGAN or ORGAN:MARGIN_MM (default margin 10 mm).
    #[arg(long, value_name = "ORGAN[:MM]")]
    pub crop: Option<String>,
    /// Window as CENTRE,WIDTH (default: the abdomen window for CT, else 0.5–99.5 %).
    #[arg(long, value_name = "C,W", value_delimiter = ',', num_args = 2)]
    pub window: Option<Vec<f64>>,
    /// Label fill opacity.
    #[arg(long, default_value_t = 0.45)]
    pub fill: f32,
    /// Label outline width in output pixels (0: none).
    #[arg(long, default_value_t = 0.0)]
    pub outline: f32,
    /// Transparent background where there is no data (PNG, TIFF).
    #[arg(long)]
    pub transparent: bool,
    /// Leave out the organ legend.
    #[arg(long)]
    pub no_legend: bool,
    /// Leave out the scale bar.
    #[arg(long)]
    pub no_scale_bar: bool,
    /// Leave out the orientation letters.
    #[arg(long)]
    pub no_letters: bool,
    /// Leave out the caption (plane, slice, window).
    #[arg(long)]
    pub no_caption: bool,
    /// Neurological convention (patient right on the right).
    #[arg(long)]
    pub neurological: bool,
    /// Output file: .png, .tif/.tiff or .jpg/.jpeg.
    #[arg(short, long, value_name = "FILE", required_unless_present = "dataset")]
    pub output: Option<PathBuf>,
    /// Organ names and colours.
    #[command(flatten)]
    pub labels: LabelArgs,
}

fn parse_plane(text: &str) -> Result<Plane, String> {
    match text.to_ascii_lowercase().as_str() {
        "axial" => Ok(Plane::Axial),
        "coronal" => Ok(Plane::Coronal),
        "sagittal" => Ok(Plane::Sagittal),
        other => Err(format!("{other}: expected axial, coronal or sagittal")),
    }
}

/// An organ by name (as the label table spells it, case and punctuation aside) or id.
fn organ_id(labels: &LabelTable, text: &str) -> Result<u16> {
    if let Ok(id) = text.parse::<u16>() {
        return Ok(id);
    }
    labels.id_by_name(text).with_context(|| {
        format!("no organ named {text:?} in the label table (give its id, or --labels FILE)")
    })
}

fn slice_choice(labels: &LabelTable, text: &str) -> Result<SliceChoice> {
    if text == "middle" {
        return Ok(SliceChoice::Middle);
    }
    if let Some(organ) = text.strip_prefix("best:") {
        return Ok(SliceChoice::Best(organ_id(labels, organ)?));
    }
    if let Some(organ) = text.strip_prefix("worst:") {
        return Ok(SliceChoice::Worst(organ_id(labels, organ)?));
    }
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(SliceChoice::Index(n - 1)),
        _ => bail!(
            "--slice {text}: expected a slice number from 1, middle, best:ORGAN or worst:ORGAN"
        ),
    }
}

/// Runs `segscope figure`: one case, or every case of a dataset.
pub fn run(args: &FigureArgs) -> Result<()> {
    if !(1.0..=8.0).contains(&args.scale) {
        bail!("--scale {}: expected 1 to 8", args.scale);
    }
    let gpu = GpuContext::headless()?;
    if let Some(root) = &args.dataset {
        return run_dataset(args, &gpu, root);
    }
    let (Some(image), Some(output)) = (&args.image, &args.output) else {
        bail!("give IMAGE and -o FILE, or --dataset DIR --out-dir DIR");
    };
    let files = CaseFiles {
        name: image.display().to_string(),
        images: vec![NamedFile {
            name: "image".into(),
            path: image.clone(),
        }],
        reference: args.reference.clone(),
        predictions: args
            .prediction
            .iter()
            .map(|p| NamedFile {
                name: p.display().to_string(),
                path: p.clone(),
            })
            .collect(),
    };
    figure_of(args, &gpu, &files, None, output)
}

/// One figure per case of a dataset; a case that fails is reported and the rest go on.
fn run_dataset(args: &FigureArgs, gpu: &GpuContext, root: &std::path::Path) -> Result<()> {
    let out_dir = args
        .out_dir
        .clone()
        .context("--dataset needs --out-dir DIR for the figures")?;
    let dirs: Vec<PathBuf> = args.prediction_dir.iter().cloned().collect();
    let mut dataset = crate::dataset::Dataset::open(root, &dirs)?;
    anyhow::ensure!(
        !dataset.cases.is_empty(),
        "{}: no case has both its images and a reference",
        root.display()
    );
    let names = dataset.labels.take();
    let mut failed = 0;
    for files in &dataset.cases {
        let mut files = files.clone();
        // One model per figure: the first prediction folder.
        files.predictions.truncate(1);
        let output = out_dir.join(format!("{}.{}", files.name, args.format));
        if let Err(e) = figure_of(args, gpu, &files, names.as_ref(), &output) {
            eprintln!("segscope: {}: {e:#}", files.name);
            failed += 1;
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} figures failed",
        dataset.cases.len()
    );
    Ok(())
}

/// Loads one case, builds its figure from the arguments, and writes it.
fn figure_of(
    args: &FigureArgs,
    gpu: &GpuContext,
    files: &CaseFiles,
    dataset_names: Option<&LabelTable>,
    output: &std::path::Path,
) -> Result<()> {
    let mut case = Case::load(files)?;
    let mut names = case.align_predictions_by_name();
    if let Some(table) = dataset_names {
        names.overlay(table);
    }
    let labels = args.labels.apply(names)?;
    if case.images.is_empty() {
        bail!("a figure needs the case's image");
    }
    let window = match &args.window {
        Some(w) if w.len() == 2 => [w[0], w[1].max(1e-6)],
        _ => {
            let image = &case.images[0].1;
            if looks_like_ct(image) {
                [40.0, 400.0]
            } else {
                percentile_window(image)
            }
        }
    };
    let crop = match &args.crop {
        None => Crop::Whole,
        Some(text) => {
            let (organ, margin) = match text.rsplit_once(':') {
                Some((o, m)) if m.parse::<f64>().is_ok() => (o, m.parse::<f64>().unwrap_or(10.0)),
                _ => (text.as_str(), 10.0),
            };
            Crop::Organ {
                id: organ_id(&labels, organ)?,
                margin_mm: margin,
            }
        }
    };
    let spec = FigureSpec {
        plane: args.view,
        slice: slice_choice(&labels, &args.slice)?,
        panels: args.panels.clone(),
        scale: args.scale,
        panel_width: args.width,
        crop,
        window,
        fill: args.fill,
        outline_px: args.outline,
        prediction: 0,
        legend: !args.no_legend,
        scale_bar: !args.no_scale_bar,
        letters: !args.no_letters,
        caption: !args.no_caption,
        transparent: args.transparent,
        radiological: !args.neurological,
        max_tile: None,
    };
    let figure = render_figure(gpu, &case, &labels, &spec)?;
    crate::figure::save_image(&figure.image, output)?;
    eprintln!(
        "{}: {}×{} px, {} slice {}, {} organs in the legend",
        output.display(),
        figure.image.width(),
        figure.image.height(),
        args.view.name(),
        figure.slice + 1,
        figure.legend.len()
    );
    Ok(())
}
