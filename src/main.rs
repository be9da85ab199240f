//! segscope entry point: no subcommand opens the demo; subcommands run the CLI.

use std::process::ExitCode;

use clap::Parser;
use segscope::cli::{Cli, Command, info, metrics};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Info(args)) => info::run(args),
        Some(Command::Metrics(args)) => metrics::run(args),
        None => segscope::cli::demo::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}
