//! `rio`: load newline-delimited JSON into S3 with Redshift manifests, through the rio component.

mod check;
mod input;
mod load;
mod sample;
mod send;
mod serve;
mod summary;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rio",
    version,
    about = "Load JSON rows into S3 for Redshift, through a sandboxed pipe"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Load(load::LoadArgs),
    Check(check::CheckArgs),
    Send(send::SendArgs),
    /// Check a table config and show the Redshift types it maps to.
    Validate {
        /// The table config: the s3-to-redshift worker's YAML, or the same as JSON.
        table_config: PathBuf,
    },
    ServeS3(serve::ServeArgs),
    Sample(sample::SampleArgs),
}

/// Why a command failed, and so its exit status.
pub enum Failure {
    /// Bad input or arguments: exit status 2.
    Input(String),
    /// Anything else (S3, network, files): exit status 1.
    Run(String),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Load(args) => load::run(args),
        Command::Check(args) => check::run(args),
        Command::Send(args) => send::run(args),
        Command::Validate { table_config } => validate::run(&table_config),
        Command::ServeS3(args) => serve::run(args),
        Command::Sample(args) => sample::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("rio: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("rio: {message}");
            ExitCode::FAILURE
        }
    }
}
