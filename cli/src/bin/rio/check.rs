//! `rio check`: the pipe's own row checks (docs/checks.md) over files, uploading nothing.

use std::path::PathBuf;

use clap::Args;

use crate::input::LineBatches;
use crate::load::open_inputs;
use crate::validate::read_table_config;
use crate::Failure;

/// Check rows as the pipe would pack them, against a table config's columns; upload nothing.
///
/// Prints one line per refused row (`file:line: reason`) and a summary; exits with 2 if any row
/// is refused.
#[derive(Args)]
pub struct CheckArgs {
    /// Input files (`.gz` ones are gunzipped); `-` or none reads standard input.
    files: Vec<String>,
    /// The destination table: the worker's YAML table config, or the same as JSON.
    #[arg(long)]
    table_config: PathBuf,
    /// Refuse keys that match no column (COPY would ignore them).
    #[arg(long)]
    refuse_unknown_keys: bool,
}

pub fn run(args: CheckArgs) -> Result<(), Failure> {
    let config = read_table_config(&args.table_config)?;
    config
        .validate()
        .map_err(|e| Failure::Input(format!("{}: {e}", args.table_config.display())))?;
    let (mut rows, mut refused) = (0u64, 0u64);
    for (shown, reader) in open_inputs(&args.files)? {
        let mut batches = LineBatches::new(reader);
        while let Some((first_line, batch)) = batches
            .next_batch()
            .map_err(|e| Failure::Run(format!("{shown}: {e}")))?
        {
            rows += batch
                .split(|&b| b == b'\n')
                .filter(|l| !l.trim_ascii().is_empty())
                .count() as u64;
            let refusals = config
                .check_rows(batch, args.refuse_unknown_keys)
                .map_err(|e| Failure::Run(e.to_string()))?;
            for refusal in &refusals {
                println!(
                    "{shown}:{}: {}",
                    first_line - 1 + refusal.line,
                    refusal.error
                );
            }
            refused += refusals.len() as u64;
        }
    }
    let summary = format!("{rows} rows checked, {refused} refused");
    if refused > 0 {
        return Err(Failure::Input(summary));
    }
    println!("{summary}");
    Ok(())
}
