//! `make bench`: rows per second and MB/s of input for the component (batched and per row), the
//! same core natively, and a hand-written Python loader, measured in one run against the same
//! S3; then memory and start-up in fresh processes. Prints a table, writes JSON.

mod native;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use clap::{Parser, Subcommand};
use redshift_io::{Credentials, DestinationConfig, Options, RedshiftIo};
use rio_cli::local_s3::LocalS3;
use serde_json::{json, Value};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    only: Option<Only>,
    /// Megabytes of generated rows per case.
    #[arg(long, default_value_t = 100)]
    mb: u64,
    /// Where the results go as JSON.
    #[arg(long, default_value = "target/bench.json")]
    out: PathBuf,
}

/// Measurements that need a process of their own; the main run starts these.
#[derive(Subcommand)]
enum Only {
    /// Milliseconds from `RedshiftIo::new` to the first accepted row.
    Startup,
    /// Peak linear memory of the component and peak RSS of the process for one buffer size.
    Memory { buffer_size: u64 },
}

/// The S3 the cases write to: `RIO_BENCH_S3_*`, or one started in this process.
struct Target {
    endpoint: String,
    credentials: Credentials,
    bucket: String,
    _local: Option<(LocalS3, tempfile::TempDir)>,
}

impl Target {
    fn new() -> Target {
        if let Ok(endpoint) = std::env::var("RIO_BENCH_S3_ENDPOINT") {
            let var = |name: &str| {
                std::env::var(name)
                    .unwrap_or_else(|_| panic!("{name} is needed with RIO_BENCH_S3_ENDPOINT"))
            };
            let credentials = Credentials::new(
                var("RIO_BENCH_S3_ACCESS_KEY"),
                var("RIO_BENCH_S3_SECRET_KEY"),
            );
            return Target {
                endpoint,
                credentials,
                bucket: var("RIO_BENCH_S3_BUCKET"),
                _local: None,
            };
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let credentials = Credentials::new("bench-key", "bench-secret-0123456789");
        let local =
            LocalS3::start(dir.path(), credentials.clone(), 0).expect("the S3 server starts");
        local.create_bucket("bench").expect("the bucket");
        Target {
            endpoint: local.endpoint().into(),
            credentials,
            bucket: "bench".into(),
            _local: Some((local, dir)),
        }
    }

    fn options(&self, case: &str, level: u8) -> Options {
        let destination = DestinationConfig {
            schema: "bench".into(),
            table: "events".into(),
            columns: vec![],
            data_timestamp_column: None,
        };
        let mut options = Options::new(destination, self.bucket.clone());
        options.endpoint = Some(self.endpoint.clone());
        options.credentials = Some(self.credentials.clone());
        options.compression_level = Some(level);
        options.key_prefix = Some(format!("{case}-{level}-{}", std::process::id()));
        options
    }
}

/// About `mb` megabytes of event rows.
fn rows(mb: u64) -> Vec<u8> {
    let mut data = Vec::with_capacity((mb * 1_000_000) as usize + 1024);
    rio_cli::sample::write_events(&mut data, mb * 1_000_000 / 240, 1).expect("writing to memory");
    data
}

/// ~1 MB slices of `data` that end on line boundaries.
fn batches(data: &[u8]) -> Vec<&[u8]> {
    let mut batches = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let cut = rest.len().min(1 << 20);
        let end = rest[cut..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |at| cut + at + 1);
        batches.push(&rest[..end]);
        rest = &rest[end..];
    }
    batches
}

struct Measure {
    case: String,
    level: u8,
    seconds: f64,
    rows: u64,
    bytes: u64,
}

impl Measure {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.seconds
    }
}

/// How the component is driven.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Calls {
    /// ~1 MB `pack_lines` batches, rows checked for their shape only (no columns).
    Batched,
    /// The same with the events table's columns: every value checked against its type.
    BatchedTyped,
    /// One `pack` per row.
    PerRow,
}

/// The table the sample rows are made for.
const EVENTS_TABLE: &str = include_str!("../../cli/examples/events.yml");

fn component(target: &Target, data: &[u8], level: u8, calls: Calls) -> Measure {
    let case = match calls {
        Calls::Batched => "component, batched",
        Calls::BatchedTyped => "component, batched, typed checks",
        Calls::PerRow => "component, per row",
    };
    let mut options = target.options("component", level);
    if calls == Calls::BatchedTyped {
        let events = DestinationConfig::from_table_config(EVENTS_TABLE).expect("the events table");
        options.destination.columns = events.columns;
    }
    let pipe = RedshiftIo::new(options).expect("a pipe");
    let started = Instant::now();
    if calls != Calls::PerRow {
        for batch in batches(data) {
            pipe.pack_lines(batch).expect("pack_lines");
        }
    } else {
        for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            pipe.pack(line).expect("pack");
        }
    }
    pipe.seal().expect("seal");
    pipe.create_and_upload_custom_manifest("bench.manifest")
        .expect("manifest");
    let stats = pipe.stats().expect("stats");
    Measure {
        case: case.into(),
        level,
        seconds: started.elapsed().as_secs_f64(),
        rows: stats.rows,
        bytes: stats.raw_bytes,
    }
}

fn native(target: &Target, data: &[u8], level: u8) -> Measure {
    let options = target.options("native", level);
    let credentials = rio_guest::Credentials::new(
        &target.credentials.access_key_id,
        &target.credentials.secret_access_key,
        None,
        None,
        "bench",
    );
    let destination = rio_guest::DestinationConfig {
        schema: "bench".into(),
        table: "events".into(),
        ..Default::default()
    };
    let guest_options = rio_guest::Options {
        endpoint: options.endpoint,
        compression_level: Some(level),
        key_prefix: options.key_prefix,
        ..rio_guest::Options::new(destination, target.bucket.clone(), credentials)
    };
    let mut pipe =
        rio_guest::Pipe::open(guest_options, native::NativeIo::new()).expect("a native pipe");
    let started = Instant::now();
    for batch in batches(data) {
        pipe.pack_lines(batch).expect("pack_lines");
    }
    pipe.seal().expect("seal");
    pipe.create_and_upload_custom_manifest("bench.manifest")
        .expect("manifest");
    let stats = pipe.stats();
    Measure {
        case: "native core".into(),
        level,
        seconds: started.elapsed().as_secs_f64(),
        rows: stats.rows,
        bytes: stats.raw_bytes,
    }
}

/// The Python loader, or None when python3 with boto3 is not there.
fn peer(target: &Target, input: &std::path::Path, level: u8, validate: bool) -> Option<Measure> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/boto3_loader.py");
    let mut command = Command::new("python3");
    command
        .arg(script)
        .args(["--endpoint", &target.endpoint, "--bucket", &target.bucket]);
    command.args([
        "--access-key",
        &target.credentials.access_key_id,
        "--secret-key",
        &target.credentials.secret_access_key,
    ]);
    command.arg("--input").arg(input).args([
        "--level",
        &level.to_string(),
        "--prefix",
        &format!("peer-{level}-{validate}/"),
    ]);
    if validate {
        command.arg("--validate");
    }
    let output = command.output().ok().filter(|o| o.status.success())?;
    let result: Value = serde_json::from_slice(&output.stdout).ok()?;
    let case = if validate {
        "python + boto3, validating"
    } else {
        "python + boto3, not validating"
    };
    Some(Measure {
        case: case.into(),
        level,
        seconds: result["seconds"].as_f64()?,
        rows: result["rows"].as_u64()?,
        bytes: result["bytes"].as_u64()?,
    })
}

/// Runs this program again for one measurement, and reads the JSON it prints.
fn in_fresh_process(args: &[&str]) -> Value {
    let output = Command::new(std::env::current_exe().expect("this program"))
        .args(args)
        .output()
        .expect("a run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn startup() -> Value {
    let target = Target::new();
    let options = target.options("startup", 6);
    let started = Instant::now();
    let pipe = RedshiftIo::new(options).expect("a pipe");
    pipe.pack(br#"{"id":1}"#).expect("pack");
    json!({ "ms": started.elapsed().as_secs_f64() * 1e3 })
}

fn memory(buffer_size: u64) -> Value {
    let target = Target::new();
    let mut options = target.options("memory", 6);
    options.buffer_size = Some(buffer_size);
    let data = rows(buffer_size * 25 / 10 / 1_000_000);
    let pipe = RedshiftIo::new(options).expect("a pipe");
    for batch in batches(&data) {
        pipe.pack_lines(batch).expect("pack_lines");
    }
    pipe.seal().expect("seal");
    let files = pipe.files().expect("files");
    let largest_file = files.iter().map(|f| f.content_length).max().unwrap_or(0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_rss_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0);
    json!({
        "buffer_size": buffer_size,
        "largest_gzip_file": largest_file,
        "peak_wasm_memory": pipe.memory_bytes().expect("memory"),
        "peak_rss": peak_rss_kb * 1024,
    })
}

fn main() {
    let cli = Cli::parse();
    match cli.only {
        Some(Only::Startup) => return println!("{}", startup()),
        Some(Only::Memory { buffer_size }) => return println!("{}", memory(buffer_size)),
        None => {}
    }
    let target = Target::new();
    let data = rows(cli.mb);
    let input = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(input.path(), &data).expect("the data file");
    eprintln!(
        "bench: {} MB, {} rows per case",
        data.len() / 1_000_000,
        data.iter().filter(|&&b| b == b'\n').count()
    );

    let mut measures = Vec::new();
    for level in [1, 6] {
        measures.push(native(&target, &data, level));
        measures.push(component(&target, &data, level, Calls::Batched));
        measures.push(component(&target, &data, level, Calls::BatchedTyped));
        measures.push(component(&target, &data, level, Calls::PerRow));
        measures.extend(peer(&target, input.path(), level, true));
        measures.extend(peer(&target, input.path(), level, false));
    }
    let memory: Vec<Value> = ["10000000", "100000000"]
        .iter()
        .map(|size| in_fresh_process(&["memory", size]))
        .collect();
    let startup: Vec<Value> = (0..3).map(|_| in_fresh_process(&["startup"])).collect();

    let mut out = std::io::stdout().lock();
    writeln!(out, "| path | gzip level | MB/s | rows/s | ÷ native | ÷ python (validating) | ÷ python (not validating) |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|").unwrap();
    let find = |case: &str, level: u8| {
        measures
            .iter()
            .find(|m| m.case == case && m.level == level)
            .map(Measure::mb_per_s)
    };
    for m in &measures {
        let ratio = |base: Option<f64>| {
            base.map_or("–".to_string(), |b| format!("{:.2}", m.mb_per_s() / b))
        };
        writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} | {} | {} | {} |",
            m.case,
            m.level,
            m.mb_per_s(),
            m.rows as f64 / m.seconds,
            ratio(find("native core", m.level)),
            ratio(find("python + boto3, validating", m.level)),
            ratio(find("python + boto3, not validating", m.level)),
        )
        .unwrap();
    }
    for m in &memory {
        writeln!(
            out,
            "memory, buffer {} MB: largest gzip file {:.1} MB, peak wasm memory {:.1} MiB, peak process RSS {:.1} MiB",
            m["buffer_size"].as_u64().unwrap_or(0) / 1_000_000,
            m["largest_gzip_file"].as_f64().unwrap_or(0.0) / 1e6,
            m["peak_wasm_memory"].as_f64().unwrap_or(0.0) / 1048576.0,
            m["peak_rss"].as_f64().unwrap_or(0.0) / 1048576.0,
        )
        .unwrap();
    }
    let startup_ms: Vec<f64> = startup.iter().filter_map(|s| s["ms"].as_f64()).collect();
    writeln!(
        out,
        "start-up, RedshiftIo::new to the first accepted row, fresh processes: {startup_ms:.1?} ms"
    )
    .unwrap();

    let cases: Vec<Value> = measures
        .iter()
        .map(|m| json!({"path": m.case, "level": m.level, "seconds": m.seconds, "rows": m.rows, "bytes": m.bytes, "mb_per_s": m.mb_per_s()}))
        .collect();
    let report =
        json!({ "mb": cli.mb, "cases": cases, "memory": memory, "startup_ms": startup_ms });
    if let Some(dir) = cli.out.parent() {
        std::fs::create_dir_all(dir).expect("the output folder");
    }
    std::fs::write(&cli.out, serde_json::to_vec_pretty(&report).expect("JSON"))
        .expect("the report");
    eprintln!("bench: written to {}", cli.out.display());
}
