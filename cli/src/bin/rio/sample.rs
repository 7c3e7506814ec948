//! `rio sample`: generated event rows for trying rio out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;

use crate::Failure;

/// Write generated NDJSON event rows, the same for the same seed.
#[derive(Args)]
pub struct SampleArgs {
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write; standard output when not given.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: SampleArgs) -> Result<(), Failure> {
    let failed = |e: io::Error| Failure::Run(format!("writing the sample: {e}"));
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(failed)?;
            }
            Box::new(File::create(path).map_err(failed)?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    rio_cli::sample::write_events(&mut out, args.rows, args.seed).map_err(failed)?;
    out.flush().map_err(failed)
}
