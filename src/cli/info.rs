//! `segscope info`: facts about files, a case's grid check, or a dataset's pairing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use super::LabelArgs;
use super::report::{FileReport, image_report, label_report};
use crate::case::check_grids;
use crate::dataset::Dataset;
use crate::labels::{LabelTable, from_nifti_extensions};
use crate::volume::geometry::fmt_shape;
use crate::volume::{LabelMap, Volume};

/// How to interpret a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileKind {
    /// Label map if intent is "label" or there are ≤ 256 whole-number values ≥ 0; else image.
    Auto,
    /// Intensity image.
    Image,
    /// Label map (segmentation).
    Labels,
}

/// Arguments of `segscope info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// NIfTI files (.nii or .nii.gz) to describe.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Image of a case (repeat for several channels, e.g. CT then MR); checks that
    /// the image, --reference and --prediction files share one grid.
    #[arg(long = "case", value_name = "IMAGE")]
    pub case_images: Vec<PathBuf>,
    /// Reference (ground-truth) label map of the case.
    #[arg(long, value_name = "LABELS")]
    pub reference: Option<PathBuf>,
    /// Predicted label map of the case (repeatable).
    #[arg(long = "prediction", value_name = "LABELS")]
    pub predictions: Vec<PathBuf>,
    /// Dataset folder (nnU-Net imagesTs/ + labelsTs/ + dataset.json, or labelsTs/ alone): list its cases.
    #[arg(long, value_name = "DIR")]
    pub dataset: Option<PathBuf>,
    /// Folder of predicted label maps named CASE.nii.gz, paired with --dataset (repeatable;
    /// default: the dataset's predictions*/ folders).
    #[arg(long = "predictions", value_name = "DIR")]
    pub prediction_dirs: Vec<PathBuf>,
    /// How to interpret the FILEs.
    #[arg(long = "as", value_enum, default_value_t = FileKind::Auto)]
    pub kind: FileKind,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Describe the built-in demo case (the phantom the viewer opens by default).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub labels: LabelArgs,
}

/// Runs `segscope info`; returns an error when any file failed (after reporting the rest).
pub fn run(args: &InfoArgs) -> Result<()> {
    if args.demo {
        return super::demo::run();
    }
    if let Some(root) = &args.dataset {
        return describe_dataset(root, &args.prediction_dirs, args.json);
    }
    let case_mode =
        !args.case_images.is_empty() || args.reference.is_some() || !args.predictions.is_empty();
    if case_mode {
        if !args.files.is_empty() {
            bail!(
                "give files either as FILE arguments or with --case/--reference/--prediction, not both"
            );
        }
        return describe_case(args);
    }
    if args.files.is_empty() {
        bail!(
            "nothing to describe: give NIfTI files, --case IMAGE --reference LABELS, or --dataset DIR (see segscope info --help)"
        );
    }
    let mut reports = Vec::new();
    let mut failures = 0;
    for path in &args.files {
        match describe_file(path, args.kind, &args.labels) {
            Ok(report) => emit(&mut reports, report, args.json),
            Err(e) => {
                failures += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    finish(reports, args.json, failures)
}

fn emit(reports: &mut Vec<FileReport>, report: FileReport, json: bool) {
    if json {
        reports.push(report);
    } else {
        println!("{}\n{}", report_title(&report), report.to_text());
    }
}

fn report_title(r: &FileReport) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v["path"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn finish(reports: Vec<FileReport>, json: bool, failures: usize) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    if failures > 0 {
        bail!("{failures} file(s) could not be read");
    }
    Ok(())
}

/// Label names for a file: embedded → nearby dataset.json → the user's choices.
fn label_table_for(map: &LabelMap, path: &Path, user: &LabelArgs) -> Result<LabelTable> {
    let mut base = from_nifti_extensions(&map.source.extensions, &path.display().to_string())
        .unwrap_or_else(|| LabelTable::empty(""));
    if let Some(table) =
        nearby_dataset_json(path).and_then(|json| LabelTable::from_file(&json).ok())
    {
        base.overlay(&table);
    }
    Ok(user.apply(base)?)
}

/// The dataset.json of an nnU-Net dataset the file sits in (`labelsTs/x.nii.gz` → `../dataset.json`).
fn nearby_dataset_json(path: &Path) -> Option<PathBuf> {
    let dir = path.parent()?;
    [dir.join("dataset.json"), dir.parent()?.join("dataset.json")]
        .into_iter()
        .find(|p| p.is_file())
}

fn describe_file(path: &Path, kind: FileKind, labels: &LabelArgs) -> Result<FileReport> {
    let volume = Volume::load(path)?;
    let as_labels = match kind {
        FileKind::Image => false,
        FileKind::Labels => true,
        FileKind::Auto => volume.looks_like_label_map(),
    };
    if as_labels {
        let map = volume.into_label_map()?;
        let table = label_table_for(&map, path, labels)?;
        Ok(label_report(&map, &table))
    } else {
        Ok(image_report(&volume))
    }
}

fn describe_case(args: &InfoArgs) -> Result<()> {
    let mut reports = Vec::new();
    let mut images = Vec::new();
    let mut maps: Vec<LabelMap> = Vec::new();
    let mut failures = 0;
    for path in &args.case_images {
        match Volume::load(path) {
            Ok(v) => {
                emit(&mut reports, image_report(&v), args.json);
                images.push(v);
            }
            Err(e) => {
                failures += 1;
                eprintln!("error: {e}");
            }
        }
    }
    let label_paths: Vec<&PathBuf> = args.reference.iter().chain(&args.predictions).collect();
    let mut loaded_maps = Vec::new();
    for path in &label_paths {
        match LabelMap::load(path) {
            Ok(m) => loaded_maps.push(m),
            Err(e) => {
                failures += 1;
                eprintln!("error: {e}");
            }
        }
    }
    // Each label map is named by its own embedded table when it has one (a model's
    // numbering can differ from the reference's); otherwise by the reference's.
    let case_table = match loaded_maps.first().zip(label_paths.first()) {
        Some((first, path)) => Some(label_table_for(first, path, &args.labels)?),
        None => None,
    };
    for (m, path) in loaded_maps.into_iter().zip(&label_paths) {
        let table = match (
            &case_table,
            from_nifti_extensions(&m.source.extensions, &path.display().to_string()),
        ) {
            (_, Some(own)) => args.labels.apply(own)?,
            (Some(t), None) => t.clone(),
            (None, None) => label_table_for(&m, path, &args.labels)?,
        };
        emit(&mut reports, label_report(&m, &table), args.json);
        maps.push(m);
    }
    let members: Vec<(&Path, &crate::volume::Geometry)> = images
        .iter()
        .map(|v| (v.source.path.as_path(), &v.geometry))
        .chain(maps.iter().map(|m| (m.source.path.as_path(), &m.geometry)))
        .collect();
    let mismatches = check_grids(&members);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "files": reports,
                "same_grid": mismatches.is_empty(),
                "grid_mismatches": mismatches.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }))?
        );
    } else if let Some((_, g)) = members.first()
        && mismatches.is_empty()
    {
        println!(
            "grid: all {} files share one grid ({}, {}, affine {})",
            members.len(),
            fmt_shape(&g.shape),
            g.orientation_code(),
            g.source
        );
    }
    for m in &mismatches {
        eprintln!("error: {m}");
    }
    if failures > 0 {
        bail!("{failures} file(s) could not be read");
    }
    if !mismatches.is_empty() {
        bail!(
            "the case's files are not on one grid ({} mismatch(es)); resample them onto the image's grid first",
            mismatches.len()
        );
    }
    Ok(())
}

fn describe_dataset(root: &Path, prediction_dirs: &[PathBuf], json: bool) -> Result<()> {
    let dataset = Dataset::open(root, prediction_dirs)
        .with_context(|| "cannot read the dataset".to_string())?;
    if json {
        let cases: Vec<_> = dataset.cases.iter().map(|c| serde_json::json!({
            "name": c.name,
            "images": c.images.iter().map(|f| serde_json::json!({"channel": f.name, "path": f.path})).collect::<Vec<_>>(),
            "reference": c.reference,
            "predictions": c.predictions.iter().map(|f| serde_json::json!({"name": f.name, "path": f.path})).collect::<Vec<_>>(),
        })).collect();
        let unpaired: Vec<_> = dataset
            .unpaired
            .iter()
            .map(|u| serde_json::json!({"path": u.path, "reason": u.reason}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"cases": cases, "unpaired": unpaired})
            )?
        );
        return Ok(());
    }
    let channels: Vec<String> = dataset
        .channel_names
        .iter()
        .map(|(i, n)| format!("{i}={n}"))
        .collect();
    println!(
        "{}: {} cases{}",
        root.display(),
        dataset.cases.len(),
        if channels.is_empty() {
            String::new()
        } else {
            format!(", channels {}", channels.join(" "))
        }
    );
    if let Some(labels) = &dataset.labels {
        println!("  labels: {} named in {}", labels.len(), labels.source);
    }
    for case in &dataset.cases {
        let preds: Vec<&str> = case.predictions.iter().map(|p| p.name.as_str()).collect();
        println!(
            "  {:<24} {} image channel(s), reference, predictions: {}",
            case.name,
            case.images.len(),
            if preds.is_empty() {
                "none".into()
            } else {
                preds.join(", ")
            }
        );
    }
    for (case, dir) in &dataset.missing_predictions {
        println!("  missing: no prediction for {case} in {}", dir.display());
    }
    for u in &dataset.unpaired {
        println!("  unpaired: {} ({})", u.path.display(), u.reason);
    }
    Ok(())
}
