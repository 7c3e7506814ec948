//! `rio load`: NDJSON files into S3 through the pipe component, then a manifest or a job.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use redshift_io::{DestinationConfig, Error, Layout, Options, RedshiftIo, Rejects};
use rio_cli::local_s3::LocalS3;

use crate::input::{self, LineBatches};
use crate::summary::{copy_statement, Summary};
use crate::validate::read_table_config;
use crate::{serve, Failure};

/// The bucket used on the embedded S3 when none is named.
const LOCAL_BUCKET: &str = "rio";

/// Load newline-delimited JSON rows into S3, then write a manifest or send the load to a worker.
///
/// With no --endpoint and no AWS credentials in the environment, rio starts an embedded S3
/// server that stores objects as files under --local.
#[derive(Args)]
pub struct LoadArgs {
    /// Input files (`.gz` ones are gunzipped); `-` or none reads standard input.
    files: Vec<String>,
    /// S3 bucket; on the embedded S3 the default is `rio`.
    #[arg(long, env = "RIO_BUCKET")]
    bucket: Option<String>,
    /// Destination schema, when there is no --table-config.
    #[arg(long, conflicts_with = "table_config", requires = "table")]
    schema: Option<String>,
    /// Destination table, when there is no --table-config.
    #[arg(long, conflicts_with = "table_config", requires = "schema")]
    table: Option<String>,
    /// The destination as the worker's YAML table config (or the same as JSON); validated first.
    #[arg(long)]
    table_config: Option<PathBuf>,
    /// Write the manifest at this key (relative to the bucket and prefix) instead of the default one.
    #[arg(long, conflicts_with = "send")]
    manifest: Option<String>,
    /// Send the load to the s3-to-redshift worker at this URL.
    #[arg(long, value_name = "JOB_URL", requires = "table_config")]
    send: Option<String>,
    /// Ask the worker to truncate the table first.
    #[arg(long, requires = "send")]
    truncate: bool,
    /// Ask the worker to skip its protection against loading the same data twice.
    #[arg(long, requires = "send")]
    force: bool,
    /// Raw bytes per data file.
    #[arg(long)]
    buffer_size: Option<u64>,
    /// gzip level, 0-9.
    #[arg(long)]
    level: Option<u8>,
    /// Key prefix for every object.
    #[arg(long)]
    prefix: Option<String>,
    #[arg(long, value_enum, default_value_t = LayoutArg::Flat)]
    layout: LayoutArg,
    /// S3 endpoint URL (default: AWS_ENDPOINT_URL, else AWS S3 for the region).
    #[arg(long)]
    endpoint: Option<String>,
    /// AWS region (default: AWS_REGION, else us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// Where the embedded S3 keeps its objects.
    #[arg(long, default_value = "rio-data")]
    local: PathBuf,
    /// What to do with a row the pipe refuses (not a JSON object, or not fitting the table's
    /// columns): stop the load (`fail`), or keep it in rejects objects in S3 and go on (`keep`).
    #[arg(long, value_enum, default_value_t = RejectsArg::Fail)]
    rejects: RejectsArg,
    /// The same as --rejects keep.
    #[arg(long)]
    skip_invalid: bool,
    /// Refuse rows with keys that match no column of --table-config (COPY would ignore them).
    #[arg(long, requires = "table_config")]
    refuse_unknown_keys: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RejectsArg {
    Fail,
    Keep,
}

#[derive(Clone, Copy, ValueEnum)]
enum LayoutArg {
    Flat,
    Partitioned,
}

pub fn run(args: LoadArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let destination = destination(&args)?;
    let inputs = open_inputs(&args.files)?;
    let local = start_local_s3_if_needed(&args)?;
    let bucket = match (&args.bucket, &local) {
        (Some(bucket), _) => bucket.clone(),
        (None, Some(_)) => LOCAL_BUCKET.to_string(),
        (None, None) => {
            return Err(Failure::Input(
                "--bucket is required (or set RIO_BUCKET)".into(),
            ))
        }
    };
    if let Some(local) = &local {
        local
            .create_bucket(&bucket)
            .map_err(|e| Failure::Run(format!("embedded S3 bucket {bucket}: {e}")))?;
        eprintln!(
            "rio: no S3 endpoint or AWS credentials given: using the embedded S3, objects go to {}",
            local.root().join(&bucket).display()
        );
    }
    let options = options(&args, destination.clone(), bucket.clone(), local.as_ref());
    let prefix = options.key_prefix.clone().unwrap_or_default();
    let pipe = RedshiftIo::new(options).map_err(|e| Failure::Input(e.to_string()))?;
    let progress = Progress::new(args.quiet || args.json);

    pack_inputs(inputs, &pipe, &progress)?;

    pipe.seal().map_err(run_failure)?;
    // Read before `send`, which starts a new run.
    let stats = pipe.stats().map_err(run_failure)?;
    let rejects = pipe.rejects().map_err(run_failure)?;
    let manifest_key = match (&args.manifest, &args.send) {
        (Some(key), _) => {
            pipe.create_and_upload_custom_manifest(key)
                .map_err(run_failure)?;
            Some(match prefix.trim_end_matches('/') {
                "" => key.clone(),
                prefix => format!("{prefix}/{key}"),
            })
        }
        (None, Some(job_url)) => pipe.send().map_err(|error| {
            progress.finish();
            send_failure(
                error,
                &args,
                &bucket,
                &destination,
                &stats.data_date,
                job_url,
            )
        })?,
        (None, None) => Some(pipe.create_and_upload_manifest().map_err(run_failure)?),
    };
    progress.finish();

    let manifest = manifest_key.map(|key| format!("s3://{bucket}/{key}"));
    let mut summary = Summary {
        rows: stats.rows,
        rejected_rows: stats.rejected_rows,
        rejects: rejects.into_iter().map(|file| file.url).collect(),
        files: stats.files_uploaded,
        raw_bytes: stats.raw_bytes,
        gzip_bytes: stats.gzip_bytes,
        retries: stats.retries,
        elapsed_seconds: 0.0,
        mb_per_second: 0.0,
        rows_per_second: 0.0,
        copy: match (&manifest, &args.send) {
            (Some(manifest), None) => Some(copy_statement(
                &destination.schema,
                &destination.table,
                manifest,
            )),
            _ => None,
        },
        manifest,
        job_endpoint: args.send.clone(),
        local_dir: local.map(|l| l.root().join(&bucket).display().to_string()),
    };
    summary.timing(started.elapsed());
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("a summary serializes")
        );
    } else {
        summary.print();
    }
    Ok(())
}

fn destination(args: &LoadArgs) -> Result<DestinationConfig, Failure> {
    match (&args.table_config, &args.schema, &args.table) {
        (Some(path), _, _) => {
            let config = read_table_config(path)?;
            config
                .validate()
                .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
            Ok(config)
        }
        (None, Some(schema), Some(table)) => Ok(DestinationConfig {
            schema: schema.clone(),
            table: table.clone(),
            columns: vec![],
            data_timestamp_column: None,
        }),
        _ => Err(Failure::Input(
            "name the destination: --table-config FILE, or --schema and --table".into(),
        )),
    }
}

/// The embedded S3, when nothing says where S3 is.
fn start_local_s3_if_needed(args: &LoadArgs) -> Result<Option<LocalS3>, Failure> {
    let configured = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if args.endpoint.is_some()
        || configured("AWS_ENDPOINT_URL")
        || configured("AWS_ENDPOINT_URL_S3")
        || configured("AWS_ACCESS_KEY_ID")
    {
        return Ok(None);
    }
    LocalS3::start(&args.local, serve::generated_credentials(), 0)
        .map(Some)
        .map_err(|e| {
            Failure::Run(format!(
                "the embedded S3 could not start in {}: {e}",
                args.local.display()
            ))
        })
}

fn options(
    args: &LoadArgs,
    destination: DestinationConfig,
    bucket: String,
    local: Option<&LocalS3>,
) -> Options {
    let mut options = Options::new(destination, bucket);
    options.endpoint = args.endpoint.clone();
    options.region = args.region.clone();
    if let Some(local) = local {
        options.endpoint = Some(local.endpoint().to_string());
        options.credentials = Some(local.credentials().clone());
    }
    options.key_prefix = args.prefix.clone();
    options.layout = match args.layout {
        LayoutArg::Flat => Layout::Flat,
        LayoutArg::Partitioned => Layout::Partitioned,
    };
    options.buffer_size = args.buffer_size;
    options.compression_level = args.level;
    options.job_endpoint = args.send.clone();
    options.truncate = args.truncate;
    options.force = args.force;
    if args.skip_invalid || args.rejects == RejectsArg::Keep {
        options.rejects = Rejects::Keep;
    }
    options.refuse_unknown_keys = args.refuse_unknown_keys;
    options
}

/// An input's name as shown in messages, and its reader.
type Input = (String, Box<dyn Read>);

/// Every input opened before anything is loaded, so a missing file stops nothing half-done.
pub fn open_inputs(files: &[String]) -> Result<Vec<Input>, Failure> {
    let stdin = ["-".to_string()];
    let names = if files.is_empty() { &stdin[..] } else { files };
    names
        .iter()
        .map(|name| {
            let shown = if name == "-" {
                "<stdin>".to_string()
            } else {
                name.clone()
            };
            let reader = input::open(name).map_err(|e| Failure::Input(format!("{shown}: {e}")))?;
            Ok((shown, reader))
        })
        .collect()
}

/// Packs every input. A bad line stops the load after sealing what was packed, so nothing
/// accepted is lost (with `--rejects keep` the pipe keeps such lines aside instead).
fn pack_inputs(inputs: Vec<Input>, pipe: &RedshiftIo, progress: &Progress) -> Result<(), Failure> {
    for (shown, reader) in inputs {
        let mut batches = LineBatches::new(reader);
        while let Some((first_line, batch)) = batches
            .next_batch()
            .map_err(|e| Failure::Run(format!("{shown}: {e}")))?
        {
            if let Err(stop) = pipe.pack_lines(batch) {
                if !stop.error.is_about_the_row() {
                    return Err(run_failure(stop.error));
                }
                let kept = match pipe.seal() {
                    Ok(()) => {
                        "the rows before it are sealed in S3; no manifest was written".to_string()
                    }
                    Err(e) => format!("the rows before it could not be sealed: {e}"),
                };
                progress.finish();
                let bad_line = first_line - 1 + stop.line;
                return Err(Failure::Input(format!(
                    "{shown}:{bad_line}: {} ({kept})",
                    stop.error
                )));
            }
            progress.update(pipe, batches.bytes_read);
        }
    }
    Ok(())
}

/// A failed `--send`. When only the job failed, everything else is in S3: say so, and how to post
/// the job again.
fn send_failure(
    error: Error,
    args: &LoadArgs,
    bucket: &str,
    destination: &DestinationConfig,
    data_date: &str,
    job_url: &str,
) -> Failure {
    if !matches!(error, Error::JobRejected { .. } | Error::JobUnreachable(_)) {
        return run_failure(error);
    }
    let flags: String = [(args.truncate, " --truncate"), (args.force, " --force")]
        .iter()
        .filter_map(|(on, flag)| on.then_some(*flag))
        .collect();
    Failure::Run(format!(
        "{error}\nrio: the data files, the manifest and the table config of the run dated {data_date} are in s3://{bucket}/; post the job again with:\n  rio send --bucket {bucket} --schema {} --table {} --date {data_date}{flags} {job_url}",
        destination.schema, destination.table
    ))
}

/// Bad options or configs are the input's fault (exit 2); anything else is a failed run (exit 1).
pub fn run_failure(error: Error) -> Failure {
    match error {
        Error::InvalidOptions(_) | Error::InvalidConfig(_) => Failure::Input(error.to_string()),
        _ => Failure::Run(error.to_string()),
    }
}

/// A progress line on a terminal: rows, MB in, MB of gzip, files and rate.
struct Progress {
    bar: ProgressBar,
    started: Instant,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        let target = match quiet || !std::io::stderr().is_terminal() {
            true => ProgressDrawTarget::hidden(),
            false => ProgressDrawTarget::stderr(),
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    fn update(&self, pipe: &RedshiftIo, bytes_read: u64) {
        if self.bar.is_hidden() {
            return;
        }
        let Ok(stats) = pipe.stats() else { return };
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{} rows · {:.1} MB in · {:.1} MB gzip · {} files · {:.1} MB/s",
            stats.rows,
            bytes_read as f64 / 1e6,
            stats.gzip_bytes as f64 / 1e6,
            stats.files_uploaded,
            stats.raw_bytes as f64 / 1e6 / seconds
        ));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
