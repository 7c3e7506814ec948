//! The `rio` binary driven as a user drives it, against S3 servers started here.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use redshift_io::Credentials;
use rio_cli::local_s3::LocalS3;
use rio_tests::tls::{TestCa, TlsProxy};
use rio_tests::{Answer, JobEndpoint};

const TABLE_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/events.yml");

fn row(i: usize) -> String {
    format!(r#"{{"time":"2026-11-25T17:00:00","event_id":"e{i}","user_id":{i},"premium":true}}"#)
}

fn ndjson(rows: std::ops::Range<usize>) -> String {
    rows.map(|i| row(i) + "\n").collect()
}

/// `rio` with no AWS settings from the environment running the tests.
fn rio(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rio"));
    command.current_dir(dir);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_REGION",
        "AWS_CA_BUNDLE",
        "RIO_BUCKET",
    ] {
        command.env_remove(name);
    }
    command
}

/// `rio load rows.ndjson --schema analytics --table events ARGS` on `rows`, in `dir`.
fn load_rows(dir: &Path, rows: &str, args: &[&str]) -> Output {
    std::fs::write(dir.join("rows.ndjson"), rows).unwrap();
    let load = [
        "load",
        "rows.ndjson",
        "--schema",
        "analytics",
        "--table",
        "events",
    ];
    run(rio(dir).args(load).args(args))
}

fn run(command: &mut Command) -> Output {
    command.output().expect("rio runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// All data files under `dir`, gunzipped and joined in upload order.
fn stored_rows(bucket_dir: &Path) -> String {
    let mut files: Vec<PathBuf> = walk(bucket_dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    let index = |p: &PathBuf| -> u64 {
        let name = p.file_name().unwrap().to_string_lossy();
        name.trim_end_matches(".json.gz")
            .rsplit('_')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    files.sort_by_key(index);
    let mut all = String::new();
    for file in files {
        flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap())
            .read_to_string(&mut all)
            .unwrap();
    }
    all
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn load_into_the_embedded_s3_writes_the_default_manifest_and_prints_the_copy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rows.ndjson"), ndjson(0..1000)).unwrap();
    let out = run(rio(dir.path()).args([
        "load",
        "rows.ndjson",
        "--table-config",
        TABLE_CONFIG,
        "--buffer-size",
        "20000",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("using the embedded S3, objects go to rio-data/rio"),
        "{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("loaded 1000 rows in "), "{stdout}");
    assert!(
        stdout.contains("COPY analytics.events FROM 's3://rio/analytics_events_"),
        "{stdout}"
    );
    assert!(
        stdout.contains("MANIFEST GZIP JSON 'auto' TIMEFORMAT 'auto' DATEFORMAT 'auto';"),
        "{stdout}"
    );
    let bucket = dir.path().join("rio-data/rio");
    assert_eq!(stored_rows(&bucket), ndjson(0..1000));
    let manifests: Vec<PathBuf> = walk(&bucket)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "manifest"))
        .collect();
    assert_eq!(manifests.len(), 1);
    let manifest = std::fs::read_to_string(&manifests[0]).unwrap();
    assert_eq!(
        manifest.matches("\"mandatory\":true").count(),
        walk(&bucket).len() - 1
    );
}

#[test]
fn load_gzipped_files_and_stdin_to_a_custom_manifest_with_a_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ndjson(0..50).as_bytes()).unwrap();
    std::fs::write(dir.path().join("a.ndjson.gz"), gz.finish().unwrap()).unwrap();
    let mut child = rio(dir.path())
        .args([
            "load",
            "a.ndjson.gz",
            "-",
            "--schema",
            "analytics",
            "--table",
            "events",
        ])
        .args([
            "--manifest",
            "loads/today.manifest",
            "--prefix",
            "etl",
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ndjson(50..80).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["rows"], 80);
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["manifest"], "s3://rio/etl/loads/today.manifest");
    let bucket = dir.path().join("rio-data/rio");
    assert_eq!(stored_rows(&bucket), ndjson(0..80));
    assert!(bucket.join("etl/loads/today.manifest").is_file());
}

#[test]
fn a_bad_line_stops_the_load_with_file_and_line_and_keeps_what_was_packed() {
    let dir = tempfile::tempdir().unwrap();
    let rows = format!("{}\n{{\"broken\": }}\n{}", ndjson(0..3), ndjson(3..5));
    let out = load_rows(dir.path(), &rows, &["-q"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("rio: rows.ndjson:5: not a JSON object: expected value (at byte 11 of the row) (the rows before it are sealed in S3; no manifest was written)"),
        "{stderr}"
    );
    assert_eq!(stored_rows(&dir.path().join("rio-data/rio")), ndjson(0..3));
}

#[test]
fn rejects_keep_puts_bad_lines_aside_in_s3_and_loads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let rows = format!("{}[1]\n\"text\"\n{}", ndjson(0..2), ndjson(2..4));
    for flag in [&["--rejects", "keep"][..], &["--skip-invalid"]] {
        let out = load_rows(dir.path(), &rows, &[flag, &["--json"]].concat());
        assert!(out.status.success(), "{}", text(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (summary["rows"].as_u64(), summary["rejected_rows"].as_u64()),
            (Some(4), Some(2))
        );
        let rejects = summary["rejects"][0].as_str().unwrap();
        let key = rejects.strip_prefix("s3://rio/").unwrap();
        let lines = std::fs::read_to_string(dir.path().join("rio-data/rio").join(key)).unwrap();
        let lines: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (
                lines[0]["line_number"].as_u64(),
                lines[0]["raw_line"].as_str()
            ),
            (Some(3), Some("[1]"))
        );
        assert!(lines[1]["error_message"]
            .as_str()
            .unwrap()
            .starts_with("not a JSON object: invalid type: string"));
    }
}

#[test]
fn a_row_that_does_not_fit_its_column_stops_the_load_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rows.ndjson"),
        format!(
            "{}{}\n",
            ndjson(0..2),
            r#"{"time":"2026-11-25T17:00:00","user_id":1.5}"#
        ),
    )
    .unwrap();
    let out =
        run(rio(dir.path()).args(["load", "rows.ndjson", "--table-config", TABLE_CONFIG, "-q"]));
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("\nrio: rows.ndjson:3: column user_id: "),
        "{stderr}"
    );
    assert_eq!(stored_rows(&dir.path().join("rio-data/rio")), ndjson(0..2));
}

#[test]
fn check_reports_every_refused_row_and_uploads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rows = format!(
        "{}{}\n{}\n{}",
        ndjson(0..2),
        r#"{"time":"2026-11-25T17:00:00","premium":"maybe"}"#,
        r#"{"Time":"2026-11-25T17:00:00"}"#,
        ndjson(2..3)
    );
    std::fs::write(dir.path().join("rows.ndjson"), rows).unwrap();
    let out = run(rio(dir.path()).args(["check", "rows.ndjson", "--table-config", TABLE_CONFIG]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let refused: Vec<&str> = stdout.lines().collect();
    assert_eq!(refused.len(), 2, "{stdout}");
    assert!(
        refused[0].starts_with("rows.ndjson:3: column premium: "),
        "{stdout}"
    );
    assert!(
        refused[1].starts_with("rows.ndjson:4: column time: "),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("rio: 5 rows checked, 2 refused"));
    assert!(!dir.path().join("rio-data").exists(), "nothing is uploaded");

    std::fs::write(dir.path().join("good.ndjson"), ndjson(0..3)).unwrap();
    let out = run(rio(dir.path()).args(["check", "good.ndjson", "--table-config", TABLE_CONFIG]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "3 rows checked, 0 refused\n");
}

#[test]
fn load_into_a_configured_s3_with_credentials_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = Credentials::new("cli-test-key", "cli-test-secret-value");
    let s3 = LocalS3::start(dir.path().join("s3"), credentials, 0).unwrap();
    s3.create_bucket("loads").unwrap();
    std::fs::write(dir.path().join("rows.ndjson"), ndjson(0..10)).unwrap();
    let with_secret = |secret: &str| {
        let mut command = rio(dir.path());
        command
            .args([
                "load",
                "rows.ndjson",
                "--table-config",
                TABLE_CONFIG,
                "--bucket",
                "loads",
                "--endpoint",
                s3.endpoint(),
            ])
            .env("AWS_ACCESS_KEY_ID", "cli-test-key")
            .env("AWS_SECRET_ACCESS_KEY", secret);
        run(&mut command)
    };
    let out = with_secret("cli-test-secret-value");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("embedded"));
    assert_eq!(stored_rows(&dir.path().join("s3/loads")), ndjson(0..10));

    let out = with_secret("a-wrong-secret-value");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("403 SignatureDoesNotMatch"), "{stderr}");
    assert!(
        !stderr.contains("a-wrong-secret-value")
            && !text(&out.stdout).contains("a-wrong-secret-value")
    );
}

#[test]
fn bad_arguments_and_configs_get_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yml"), "events:\n  dest: events\n  columns:\n  - dest: Time\n    type: timestamp\n  meta:\n    schema: analytics\n").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["load", "missing.ndjson", "--schema", "a", "--table", "b"], "rio: missing.ndjson: No such file or directory"),
        (&["load", "--table-config", "bad.yml"], "rio: bad.yml: invalid table config: column \"Time\": \"Time\" must start with a lowercase letter or _"),
        (&["load", "--schema", "a", "--table", "b", "--level", "12"], "rio: invalid options: compression level 12: must be between 0 and 9"),
        (&["validate", "bad.yml"], "rio: bad.yml: invalid table config: column \"Time\""),
    ];
    for (args, expected) in cases {
        let out = run(rio(dir.path()).args(args).stdin(Stdio::null()));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.lines().any(|l| l.starts_with(expected)),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn validate_prints_the_redshift_types() {
    let out = run(rio(Path::new(".")).args(["validate", TABLE_CONFIG]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("analytics.events: valid\n"), "{stdout}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("time")
        && l.contains("timestamp without time zone")
        && l.contains("sortkey 1")));
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("user_id")
        && l.contains("bigint")
        && l.contains("distkey")));
}

#[test]
fn sample_rows_are_json_objects_and_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(rio(dir.path()).args(["sample", "--rows", "100", "--seed", "7"]));
    let again = run(rio(dir.path()).args(["sample", "--rows", "100", "--seed", "7"]));
    assert_eq!(first.stdout, again.stdout);
    let lines: Vec<&str> = std::str::from_utf8(&first.stdout)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(lines.len(), 100);
    for line in lines {
        assert!(serde_json::from_str::<serde_json::Value>(line)
            .unwrap()
            .is_object());
    }
}

#[test]
fn send_posts_the_job_to_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rows.ndjson"), ndjson(0..5)).unwrap();
    let worker = JobEndpoint::start();
    let url = &worker.url;
    let out = run(rio(dir.path()).args([
        "load",
        "rows.ndjson",
        "--table-config",
        TABLE_CONFIG,
        "--send",
        url,
        "--truncate",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let requests = worker.requests();
    assert_eq!(requests.len(), 1);
    let (method, path, body) = (&requests[0].method, &requests[0].path, &requests[0].body);
    assert_eq!((method.as_str(), path.as_str()), ("POST", "/jobs"));
    assert!(
        body.starts_with("--bucket rio --schema analytics --tables events --date "),
        "{body}"
    );
    assert!(body.ends_with(" --gzip --truncate"), "{body}");
    assert!(text(&out.stdout).contains(&format!("job       sent to {url}")));
    let bucket = dir.path().join("rio-data/rio");
    assert_eq!(stored_rows(&bucket), ndjson(0..5));
    assert!(
        walk(&bucket)
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".yml")),
        "the table config is written"
    );
}

#[test]
fn a_failed_send_says_how_to_post_the_job_again_and_that_command_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rows.ndjson"), ndjson(0..5)).unwrap();
    let worker = JobEndpoint::answering(vec![Answer::Reply(503, "busy".into())]);
    let out = run(rio(dir.path()).args([
        "load",
        "rows.ndjson",
        "--table-config",
        TABLE_CONFIG,
        "--send",
        &worker.url,
        "--truncate",
        "-q",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("rio: job endpoint answered 503: busy\n"),
        "{stderr}"
    );
    let again = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("rio send "))
        .unwrap_or_else(|| panic!("no command to post the job again: {stderr}"));
    assert!(
        again.ends_with(&format!(" --truncate {}", worker.url)),
        "{again}"
    );
    let first_body = worker.requests()[0].body.clone();

    worker.answer(Answer::Status(200));
    let args: Vec<&str> = again.split(' ').collect();
    let out = run(rio(dir.path()).arg("send").args(&args));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let requests = worker.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].body, first_body, "the same job, posted again");
}

/// `AWS_CA_BUNDLE` is read by the library when a pipe opens; tested here, where each run of
/// `rio` has an environment of its own.
#[test]
fn load_and_send_over_https_trusting_aws_ca_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = Credentials::new("cli-test-key", "cli-test-secret-value");
    let s3 = LocalS3::start(dir.path().join("s3"), credentials, 0).unwrap();
    s3.create_bucket("loads").unwrap();
    let worker = JobEndpoint::start();
    let ca = TestCa::new("rio test CA");
    let s3_tls = TlsProxy::start(s3.endpoint(), ca.server(&["localhost"]));
    let worker_tls = TlsProxy::start(&worker.url, ca.server(&["localhost"]));
    std::fs::write(dir.path().join("rows.ndjson"), ndjson(0..10)).unwrap();
    let (endpoint, job_url) = (s3_tls.url("localhost"), worker_tls.url("localhost"));
    let load = |bundle: Option<&Path>| {
        let mut command = rio(dir.path());
        command
            .args(["load", "rows.ndjson", "--table-config", TABLE_CONFIG])
            .args([
                "--bucket",
                "loads",
                "--endpoint",
                &endpoint,
                "--send",
                &job_url,
            ])
            .env("AWS_ACCESS_KEY_ID", "cli-test-key")
            .env("AWS_SECRET_ACCESS_KEY", "cli-test-secret-value");
        if let Some(bundle) = bundle {
            command.env("AWS_CA_BUNDLE", bundle);
        }
        run(&mut command)
    };

    let out = load(Some(ca.bundle()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stored_rows(&dir.path().join("s3/loads")), ndjson(0..10));
    assert_eq!(worker.requests().len(), 1);

    // Without the bundle the test CA is unknown: one clear line naming the host, status 1.
    let out = load(None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let refused = format!(
        "TlsCertificateError: the certificate of localhost:{} is not trusted: it is issued by a \
         certificate authority rio does not trust (rio trusts the Mozilla roots and the system's store; \
         add others with AWS_CA_BUNDLE or the ca_bundle option)",
        s3_tls.port()
    );
    assert!(stderr.contains(&refused), "{stderr}");

    let missing = dir.path().join("missing.pem");
    let out = load(Some(&missing));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with(&format!(
            "rio: invalid options: AWS_CA_BUNDLE: the CA bundle {}: cannot be read: ",
            missing.display()
        )),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        worker.requests().len(),
        1,
        "no job posted by the failed loads"
    );
}
