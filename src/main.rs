//! segscope entry point: no subcommand opens the demo; subcommands run the CLI.

use std::process::ExitCode;

use clap::Parser;
use segscope::cli::{Cli, Command, OpenArgs, figure, info, metrics, review};
use segscope::labels::LabelTable;

/// The viewer on the files (and label names) of the command line.
fn open_viewer(open: &OpenArgs) -> anyhow::Result<()> {
    let labels = &open.labels;
    let chosen =
        labels.preset.is_some() || !labels.label_files.is_empty() || !labels.assignments.is_empty();
    let label_overlay = if chosen {
        Some(labels.apply(LabelTable::empty("command line"))?)
    } else {
        None
    };
    // A dataset folder that cannot be read is a command-line error, before any window.
    if let Some(root) = &open.dataset {
        let dataset = segscope::dataset::Dataset::open(root, &open.prediction_dirs)?;
        anyhow::ensure!(
            !dataset.cases.is_empty(),
            "{}: no case has both its images and a reference (see segscope info --dataset)",
            root.display()
        );
    }
    segscope::ui::run(segscope::ui::OpenRequest {
        images: open.images.clone(),
        reference: open.reference.clone(),
        predictions: open.predictions.clone(),
        difference: open.difference,
        overlay: open.overlay,
        label_overlay,
        dataset: open.dataset.clone(),
        prediction_dirs: open.prediction_dirs.clone(),
        sort: open.sort,
        reviewer: open.reviewer.clone(),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Info(args)) => info::run(args),
        Some(Command::Metrics(args)) => metrics::run(args),
        Some(Command::Review(args)) => review::run(args),
        Some(Command::Figure(args)) => figure::run(args),
        None => open_viewer(&cli.open),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}
