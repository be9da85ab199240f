//! segscope entry point: no subcommand opens the demo; subcommands run the CLI.

use std::process::ExitCode;

use clap::Parser;
use segscope::cli::{Cli, Command, info, metrics};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Info(args)) => info::run(args),
        Some(Command::Metrics(args)) => metrics::run(args),
        None => segscope::ui::run(segscope::ui::OpenRequest {
            images: cli.open.images.clone(),
            reference: cli.open.reference.clone(),
            predictions: cli.open.predictions.clone(),
            difference: cli.open.difference,
            overlay: cli.open.overlay,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}
