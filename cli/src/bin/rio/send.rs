//! `rio send`: post the s3-to-redshift job of a load whose objects are in S3 already.

use clap::Args;
use redshift_io::{DestinationConfig, Options};

use crate::load::run_failure;
use crate::Failure;

/// Post the job of an earlier load to an s3-to-redshift worker, uploading nothing: for a
/// `rio load --send` whose job failed (it prints this command).
#[derive(Args)]
pub struct SendArgs {
    /// The worker's URL.
    job_url: String,
    /// The S3 bucket the load wrote to.
    #[arg(long, env = "RIO_BUCKET")]
    bucket: String,
    #[arg(long)]
    schema: String,
    #[arg(long)]
    table: String,
    /// The load's data date, as `rio load` printed it (e.g. 2026-11-25T17:00:00Z).
    #[arg(long)]
    date: String,
    /// Ask the worker to truncate the table first.
    #[arg(long)]
    truncate: bool,
    /// Ask the worker to skip its protection against loading the same data twice.
    #[arg(long)]
    force: bool,
}

pub fn run(args: SendArgs) -> Result<(), Failure> {
    let destination = DestinationConfig {
        schema: args.schema,
        table: args.table,
        columns: vec![],
        data_timestamp_column: None,
    };
    let mut options = Options::new(destination, args.bucket);
    options.job_endpoint = Some(args.job_url.clone());
    options.truncate = args.truncate;
    options.force = args.force;
    redshift_io::post_job(&options, &args.date).map_err(run_failure)?;
    println!("job sent to {}", args.job_url);
    Ok(())
}
