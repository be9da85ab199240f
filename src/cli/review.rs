//! `segscope review export`: a dataset's reviews as CSV (one row per case ×
//! reviewed organ, every case present) and JSON, from its review file.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::dataset::Dataset;
use crate::review::{ReviewStore, export};

/// Arguments of `segscope review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// What to do with the reviews.
    #[command(subcommand)]
    pub action: ReviewAction,
}

/// `segscope review` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// Write a dataset's reviews as CSV (one row per case × reviewed organ) and/or JSON.
    Export(ExportArgs),
}

/// Arguments of `segscope review export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The dataset folder (its reviews are in DATASET/segscope-review.json).
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,
    /// The review file, when it is not the dataset's own.
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,
    /// Write CSV here (`-`: standard output; the default when neither is given).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write JSON here (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Runs `segscope review`.
pub fn run(args: &ReviewArgs) -> Result<()> {
    match &args.action {
        ReviewAction::Export(a) => export_reviews(a),
    }
}

fn export_reviews(args: &ExportArgs) -> Result<()> {
    let path = args
        .review
        .clone()
        .unwrap_or_else(|| crate::review::dataset_review_path(&args.dataset));
    anyhow::ensure!(
        path.is_file(),
        "{}: no review file (review the dataset in the viewer first, or give --review FILE)",
        path.display()
    );
    let store = ReviewStore::open(&path, &args.dataset.display().to_string())?;
    for warning in &store.warnings {
        eprintln!("segscope: {warning}");
    }
    if let Some(why) = store.read_only() {
        anyhow::bail!("{why}");
    }
    // Every case of the dataset appears, reviewed or not; a folder that is not a
    // dataset (a review file kept elsewhere) exports what the file holds.
    let cases: Vec<String> = Dataset::open(&args.dataset, &[])
        .map(|d| d.cases.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    let reviews = export::complete(&store.reviews, &cases);
    let write = |target: &PathBuf, text: String| -> Result<()> {
        if target.as_os_str() == "-" {
            print!("{text}");
            Ok(())
        } else {
            crate::atomic_file::write_atomically(target, text.as_bytes())
                .with_context(|| format!("{}: cannot write", target.display()))
        }
    };
    let stdout = PathBuf::from("-");
    let csv = match (&args.csv, &args.json) {
        (None, None) => Some(&stdout),
        (csv, _) => csv.as_ref(),
    };
    if let Some(target) = csv {
        write(target, export::to_csv(&reviews))?;
    }
    if let Some(target) = &args.json {
        write(target, export::to_json(&reviews) + "\n")?;
    }
    Ok(())
}
