//! The state machine over a fake S3 and job endpoint that fail on cue.

use super::*;
use crate::fake_io::{FakeIo, Fault};
use crate::io::TransportErrorKind;
use crate::naming::tests::START;
use crate::{
    Column, ColumnType, Credentials, DestinationConfig, JobFailure, JobFormat, RetryPolicy,
};
use miniz_oxide::inflate::decompress_to_vec;

const RUN_ID: &str = "1795628525-89abcdef";
const DATE: &str = "2026-11-25T17:00:00Z";

fn destination() -> DestinationConfig {
    let column = |name: &str, column_type, sort_ord| Column {
        sort_ord,
        ..Column::new(name, column_type)
    };
    DestinationConfig {
        schema: "analytics".into(),
        table: "events".into(),
        columns: vec![
            column("time", ColumnType::Timestamp, 1),
            column("id", ColumnType::Text, 0),
        ],
        data_timestamp_column: Some("time".into()),
    }
}

fn options() -> Options {
    let credentials = Credentials::new("AK", "SK", None, None, "test");
    Options {
        endpoint: Some("http://127.0.0.1:9000".into()),
        job_endpoint: Some("http://127.0.0.1:8080/jobs".into()),
        ..Options::new(destination(), "bucket", credentials)
    }
}

fn open_with(options: Options) -> (Pipe<FakeIo>, FakeIo) {
    let io = FakeIo::default();
    (Pipe::open(options, io.clone()).unwrap(), io)
}

fn open() -> (Pipe<FakeIo>, FakeIo) {
    open_with(options())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    // The fake stores each object whole.
    decompress_to_vec(&bytes[10..bytes.len() - 8]).unwrap()
}

fn row(i: usize) -> Vec<u8> {
    format!(r#"{{"time":"2026-11-25T17:{:02}:00","id":"r{i}"}}"#, i % 60).into_bytes()
}

fn data_file(n: u64) -> String {
    format!("analytics_events_{RUN_ID}_{n}.json.gz")
}

// --- pack ---

#[test]
fn pack_buffers_rows_without_uploading() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    pipe.pack(b"  {\"a\": 1}  ").unwrap();
    assert!(io.world().requests.is_empty());
    let stats = pipe.stats();
    assert_eq!((stats.buffered_rows, stats.rows), (2, 2));
    assert_eq!(stats.buffered_raw_bytes, row(1).len() as u64 + 1 + 12 + 1);
}

#[test]
fn pack_on_sealed_and_closed_pipes() {
    let (mut pipe, _) = open();
    pipe.seal().unwrap();
    assert_eq!(pipe.pack(&row(1)), Err(Error::PipeSealed));
    pipe.close_without_sending().unwrap();
    assert_eq!(pipe.pack(&row(1)), Err(Error::PipeClosed));
}

#[test]
fn a_bad_row_changes_nothing() {
    let (mut pipe, _) = open();
    pipe.pack(&row(1)).unwrap();
    let before = pipe.stats();
    assert!(matches!(pipe.pack(b"[1]"), Err(Error::InvalidJson { .. })));
    assert!(matches!(
        pipe.pack(b"{\"a\":1}{\"b\":2}"),
        Err(Error::InvalidJson { offset: 7, .. })
    ));
    assert_eq!(pipe.stats(), before);
}

#[test]
fn files_are_cut_before_they_pass_the_buffer_size() {
    let row_size = row(0).len() as u64 + 1;
    let (mut pipe, io) = open_with(Options {
        buffer_size: Some(row_size * 3 + 5),
        ..options()
    });
    for i in 0..10 {
        pipe.pack(&row(i)).unwrap();
    }
    // Three rows fit in a file; the fourth starts the next one.
    assert_eq!(io.data_puts(), 3);
    pipe.seal().unwrap();
    let files = pipe.files().to_vec();
    assert_eq!(
        files.iter().map(|f| f.rows).collect::<Vec<_>>(),
        vec![3, 3, 3, 1]
    );
    let world = io.world();
    let mut all = Vec::new();
    for (n, file) in files.iter().enumerate() {
        assert_eq!(file.key, data_file(n as u64));
        assert_eq!(file.url, format!("s3://bucket/{}", file.key));
        let object = &world.objects[&file.key];
        assert_eq!(file.content_length, object.len() as u64);
        let raw = gunzip(object);
        assert!(raw.len() as u64 <= row_size * 3 + 5);
        assert_eq!(file.raw_bytes, raw.len() as u64);
        all.extend(raw);
    }
    let expected: Vec<u8> = (0..10)
        .flat_map(|i| [row(i), b"\n".to_vec()].concat())
        .collect();
    assert_eq!(all, expected);
}

#[test]
fn a_row_larger_than_the_buffer_gets_a_file_of_its_own() {
    let (mut pipe, _) = open_with(Options {
        buffer_size: Some(10),
        ..options()
    });
    pipe.pack(&row(1)).unwrap();
    pipe.pack(&row(2)).unwrap();
    pipe.seal().unwrap();
    assert_eq!(
        pipe.files().iter().map(|f| f.rows).collect::<Vec<_>>(),
        vec![1, 1]
    );
}

#[test]
fn a_failed_upload_refuses_the_row_and_a_retry_duplicates_nothing() {
    let row_size = row(0).len() as u64 + 1;
    let options = Options {
        buffer_size: Some(row_size * 2),
        retry: Some(RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }),
        ..options()
    };
    let (mut pipe, io) = open_with(options);
    pipe.pack(&row(0)).unwrap();
    pipe.pack(&row(1)).unwrap();
    io.fail_next([Fault::Status(503, "SlowDown")]);
    let error = pipe.pack(&row(2)).unwrap_err();
    assert!(
        matches!(&error, Error::S3(f) if f.code == "SlowDown" && f.status == 503 && f.key == data_file(0)),
        "{error:?}"
    );
    assert_eq!(pipe.stats().rows, 2);
    assert_eq!(pipe.stats().buffered_rows, 2);
    pipe.pack(&row(2)).unwrap();
    pipe.seal().unwrap();
    let world = io.world();
    assert_eq!(
        gunzip(&world.objects[&data_file(0)]),
        [row(0), b"\n".to_vec(), row(1), b"\n".to_vec()].concat()
    );
    assert_eq!(
        gunzip(&world.objects[&data_file(1)]),
        [row(2), b"\n".to_vec()].concat()
    );
    assert_eq!(world.objects.len(), 2);
}

// --- pack_lines ---

#[test]
fn pack_lines_packs_each_non_blank_line() {
    let (mut pipe, io) = open();
    let batch = [
        row(1),
        b"\n\n  \n".to_vec(),
        row(2),
        b"\r\n".to_vec(),
        row(3),
    ]
    .concat();
    assert_eq!(pipe.pack_lines(&batch), Ok(3));
    pipe.seal().unwrap();
    let stored = gunzip(&io.world().objects[&data_file(0)]);
    assert_eq!(
        stored,
        [
            row(1),
            b"\n".to_vec(),
            row(2),
            b"\r\n".to_vec(),
            row(3),
            b"\n".to_vec()
        ]
        .concat()
    );
}

#[test]
fn pack_lines_stops_at_a_bad_line_and_keeps_what_came_before() {
    let (mut pipe, _) = open();
    let batch = [
        row(1),
        b"\n\n".to_vec(),
        row(2),
        b"\n{\"broken\": \n".to_vec(),
        row(3),
    ]
    .concat();
    let error = pipe.pack_lines(&batch).unwrap_err();
    assert_eq!((error.accepted, error.line), (2, 4));
    assert!(
        matches!(error.error, Error::InvalidJson { offset: 10, .. }),
        "{:?}",
        error.error
    );
    assert_eq!(pipe.stats().rows, 2);
}

#[test]
fn pack_lines_on_a_sealed_pipe() {
    let (mut pipe, _) = open();
    pipe.seal().unwrap();
    assert_eq!(
        pipe.pack_lines(&row(1)).unwrap_err().error,
        Error::PipeSealed
    );
}

// --- seal / unseal ---

#[test]
fn seal_flushes_then_refuses_rows_until_unsealed() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    pipe.seal().unwrap();
    assert_eq!(io.data_puts(), 1);
    assert_eq!(pipe.stats().state, PipeState::Sealed);
    pipe.seal().unwrap();
    assert_eq!(io.data_puts(), 1, "sealing a sealed pipe uploads nothing");
    pipe.unseal().unwrap();
    pipe.unseal().unwrap();
    assert_eq!(pipe.stats().state, PipeState::Open);
    pipe.pack(&row(2)).unwrap();
    pipe.seal().unwrap();
    assert_eq!(pipe.files().len(), 2);
}

#[test]
fn sealing_an_empty_pipe_uploads_nothing() {
    let (mut pipe, io) = open();
    pipe.seal().unwrap();
    assert!(io.world().requests.is_empty());
}

#[test]
fn a_failed_seal_leaves_the_pipe_open_with_its_rows() {
    let (mut pipe, io) = open_with(Options {
        retry: Some(RetryPolicy {
            max_attempts: 2,
            ..Default::default()
        }),
        ..options()
    });
    pipe.pack(&row(1)).unwrap();
    io.fail_next([
        Fault::Status(500, "InternalError"),
        Fault::Transport(TransportErrorKind::Connect),
    ]);
    assert!(matches!(pipe.seal(), Err(Error::S3(f)) if f.attempts == 2 && f.status == 0));
    assert_eq!(pipe.stats().state, PipeState::Open);
    assert_eq!(pipe.stats().buffered_rows, 1);
    pipe.seal().unwrap();
    assert_eq!(pipe.files().len(), 1);
    assert_eq!(pipe.stats().retries, 1);
}

#[test]
fn seal_unseal_on_a_closed_pipe() {
    let (mut pipe, _) = open();
    pipe.close_without_sending().unwrap();
    assert_eq!(pipe.seal(), Err(Error::PipeClosed));
    assert_eq!(pipe.unseal(), Err(Error::PipeClosed));
}

// --- retries ---

#[test]
fn retryable_failures_are_retried_with_backoff() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.fail_next([
        Fault::Status(503, "SlowDown"),
        Fault::Status(400, "RequestTimeout"),
        Fault::Status(429, "TooManyRequests"),
        Fault::Transport(TransportErrorKind::Connect),
    ]);
    pipe.seal().unwrap();
    assert_eq!(pipe.stats().retries, 4);
    let world = io.world();
    assert_eq!(world.slept.len(), 4);
    let policy = RetryPolicy::default();
    for (retry, pause) in (1..).zip(&world.slept) {
        assert!(
            *pause <= policy.base_delay * 2u32.pow(retry - 1),
            "retry {retry} slept {pause:?}"
        );
    }
}

#[test]
fn other_4xx_fail_at_once_naming_code_key_and_request() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.fail_next([Fault::Status(403, "SignatureDoesNotMatch")]);
    let Err(Error::S3(failure)) = pipe.seal() else {
        panic!("expected an S3 failure")
    };
    assert_eq!(failure.status, 403);
    assert_eq!(failure.code, "SignatureDoesNotMatch");
    assert_eq!(failure.message, "injected");
    assert_eq!(failure.request_id, "req-1");
    assert_eq!(failure.key, data_file(0));
    assert_eq!(failure.attempts, 1);
    assert!(io.world().slept.is_empty());
}

#[test]
fn attempts_stop_at_the_policy_limit() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.fail_next(std::iter::repeat_n(Fault::Status(500, "InternalError"), 5));
    let Err(Error::S3(failure)) = pipe.seal() else {
        panic!("expected an S3 failure")
    };
    assert_eq!(failure.attempts, 5);
    assert_eq!(io.world().requests.len(), 5);
    pipe.seal().unwrap();
}

#[test]
fn a_refusal_by_the_host_is_not_retried() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.fail_next([Fault::Transport(TransportErrorKind::Denied)]);
    assert!(matches!(pipe.seal(), Err(Error::S3(f)) if f.attempts == 1));
}

// --- custom manifest ---

#[test]
fn custom_manifest_lists_every_file_of_the_run() {
    let (mut pipe, io) = open_with(Options {
        buffer_size: Some(60),
        key_prefix: Some("etl".into()),
        ..options()
    });
    assert_eq!(
        pipe.create_and_upload_custom_manifest("m.manifest"),
        Err(Error::NotSealed)
    );
    for i in 0..3 {
        pipe.pack(&row(i)).unwrap();
    }
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("loads/today.manifest")
        .unwrap();
    let world = io.world();
    let manifest: serde_json::Value =
        serde_json::from_slice(&world.objects["etl/loads/today.manifest"]).unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    for (n, entry) in entries.iter().enumerate() {
        let key = format!("etl/{}", data_file(n as u64));
        assert_eq!(entry["url"], format!("s3://bucket/{key}"));
        assert_eq!(entry["mandatory"], true);
        assert_eq!(entry["meta"]["content_length"], world.objects[&key].len());
    }
}

#[test]
fn the_default_manifest_goes_where_send_puts_it() {
    let (mut pipe, io) = open_with(Options {
        key_prefix: Some("etl".into()),
        ..options()
    });
    assert_eq!(pipe.create_and_upload_manifest(), Err(Error::NotSealed));
    pipe.pack(&row(1)).unwrap();
    pipe.seal().unwrap();
    let key = pipe.create_and_upload_manifest().unwrap();
    assert_eq!(key, format!("etl/analytics_events_{DATE}.manifest"));
    assert_eq!(io.world().objects[&key], manifest::render(pipe.files()));
    pipe.close_without_sending().unwrap();
    assert_eq!(pipe.create_and_upload_manifest(), Err(Error::PipeClosed));
}

#[test]
fn custom_manifest_keys_are_checked() {
    let (mut pipe, _) = open();
    pipe.seal().unwrap();
    for key in ["", "/abs.manifest", "s3://bucket/m.manifest", "a/../b"] {
        assert!(
            matches!(
                pipe.create_and_upload_custom_manifest(key),
                Err(Error::InvalidOptions(_))
            ),
            "{key:?}"
        );
    }
    pipe.close_without_sending().unwrap();
    assert_eq!(
        pipe.create_and_upload_custom_manifest("m"),
        Err(Error::PipeClosed)
    );
}

// --- send ---

#[test]
fn send_writes_manifest_and_config_posts_the_job_and_starts_a_new_run() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.world().now =
        Some(crate::naming::tests::start_time() + std::time::Duration::from_secs(3600));
    assert_eq!(
        pipe.send().unwrap(),
        Some(format!("analytics_events_{DATE}.manifest"))
    );
    {
        let world = io.world();
        let keys: Vec<_> = world.objects.keys().cloned().collect();
        assert_eq!(
            keys,
            vec![
                data_file(0),
                format!("analytics_events_{DATE}.manifest"),
                format!("config_analytics_events_{DATE}.yml"),
            ]
        );
        let manifest = String::from_utf8(world.objects[&keys[1]].clone()).unwrap();
        assert_eq!(
            manifest,
            format!(
                r#"{{"entries":[{{"url":"s3://bucket/{}","mandatory":true,"meta":{{"content_length":{}}}}}]}}"#,
                data_file(0),
                world.objects[&data_file(0)].len()
            )
        );
        assert!(world.objects[&keys[2]].starts_with(b"events:\n  dest: events\n"));
        assert_eq!(world.jobs.len(), 1);
        assert_eq!(world.jobs[0].0, "text/plain");
        assert_eq!(
            String::from_utf8(world.jobs[0].1.clone()).unwrap(),
            format!("--bucket bucket --schema analytics --tables events --date {DATE} --gzip")
        );
        assert_eq!(world.requests.last().unwrap(), "POST /jobs");
    }
    let stats = pipe.stats();
    assert_eq!(stats.state, PipeState::Open);
    assert!(pipe.files().is_empty());
    assert_eq!(stats.run_id, format!("{}-89abcdef", START + 3600));
    assert_eq!(stats.data_date, "2026-11-25T18:00:00Z");
}

#[test]
fn send_with_json_payload_and_flags() {
    let (mut pipe, io) = open_with(Options {
        job_format: JobFormat::Json,
        truncate: true,
        force: true,
        ..options()
    });
    pipe.pack(&row(1)).unwrap();
    pipe.send().unwrap();
    let world = io.world();
    assert_eq!(world.jobs[0].0, "application/json");
    let job: serde_json::Value = serde_json::from_slice(&world.jobs[0].1).unwrap();
    assert_eq!(
        job,
        serde_json::json!({"bucket":"bucket","schema":"analytics","tables":"events","date":DATE,"gzip":true,"truncate":true,"force":true})
    );
}

#[test]
fn send_needs_a_job_endpoint() {
    let (mut pipe, _) = open_with(Options {
        job_endpoint: None,
        ..options()
    });
    pipe.pack(&row(1)).unwrap();
    assert_eq!(pipe.send(), Err(Error::NoJobEndpoint));
    assert_eq!(pipe.stats().buffered_rows, 1);
}

#[test]
fn send_with_nothing_packed_does_nothing() {
    let (mut pipe, io) = open();
    assert_eq!(pipe.send(), Ok(None));
    pipe.seal().unwrap();
    assert_eq!(pipe.send(), Ok(None));
    assert!(io.world().requests.is_empty());
    assert_eq!(pipe.stats().state, PipeState::Sealed);
}

#[test]
fn send_validates_before_uploading_anything() {
    let mut destination = destination();
    destination.columns[1].name = "Id".into();
    let (mut pipe, io) = open_with(Options {
        destination,
        ..options()
    });
    // The row's key matches the (invalid) column name, so the typed checks take it.
    pipe.pack(br#"{"time":"2026-11-25T17:00:00","Id":"r1"}"#)
        .unwrap();
    assert!(matches!(pipe.send(), Err(Error::InvalidConfig(m)) if m.contains("\"Id\"")));
    assert!(io.world().requests.is_empty());
    assert_eq!(pipe.stats().state, PipeState::Open);
}

#[test]
fn a_rejected_job_leaves_the_pipe_sealed_and_a_resend_uploads_no_data_again() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.world().job_status = Some(500);
    let error = pipe.send().unwrap_err();
    assert_eq!(
        error,
        Error::JobRejected(JobFailure {
            status: 500,
            body: "worker says hi".into()
        })
    );
    assert_eq!(pipe.stats().state, PipeState::Sealed);
    assert_eq!(pipe.files().len(), 1);
    io.world().job_status = None;
    pipe.send().unwrap();
    assert_eq!(io.data_puts(), 1);
    assert_eq!(io.world().jobs.len(), 2);
    assert_eq!(pipe.stats().state, PipeState::Open);
}

#[test]
fn an_unreachable_job_endpoint_is_job_unreachable() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    pipe.seal().unwrap();
    io.fail_next([
        Fault::Status(200, "unused"),
        Fault::Status(200, "unused"),
        Fault::Transport(TransportErrorKind::Connect),
    ]);
    assert_eq!(
        pipe.send(),
        Err(Error::JobUnreachable("injected (ConnectionRefused)".into()))
    );
    assert_eq!(pipe.stats().state, PipeState::Sealed);
}

#[test]
fn send_on_a_closed_pipe() {
    let (mut pipe, _) = open();
    pipe.close_without_sending().unwrap();
    assert_eq!(pipe.send(), Err(Error::PipeClosed));
}

// --- close ---

#[test]
fn close_sends_then_closes_for_good() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    pipe.close().unwrap();
    assert_eq!(io.world().jobs.len(), 1);
    assert_eq!(pipe.stats().state, PipeState::Closed);
    pipe.close().unwrap();
    assert_eq!(io.world().jobs.len(), 1);
}

#[test]
fn a_failed_close_does_not_close() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    io.world().job_status = Some(503);
    assert!(pipe.close().is_err());
    assert_eq!(pipe.stats().state, PipeState::Sealed);
}

#[test]
fn close_without_sending_drops_the_buffer() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    pipe.close_without_sending().unwrap();
    pipe.close_without_sending().unwrap();
    assert!(io.world().requests.is_empty());
    assert_eq!(pipe.stats().buffered_rows, 0);
    assert_eq!(pipe.stats().state, PipeState::Closed);
}

// --- reset ---

#[test]
fn reset_starts_a_new_empty_open_run() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    pipe.seal().unwrap();
    pipe.pack(&row(2)).unwrap_err();
    io.world().now = Some(crate::naming::tests::start_time() + std::time::Duration::from_secs(10));
    pipe.reset().unwrap();
    let stats = pipe.stats();
    assert_eq!((stats.state, stats.buffered_rows), (PipeState::Open, 0));
    assert_eq!(stats.run_id, format!("{}-89abcdef", START + 10));
    assert!(pipe.files().is_empty());
    pipe.close_without_sending().unwrap();
    assert_eq!(pipe.reset(), Err(Error::PipeClosed));
}

// --- keys ---

#[test]
fn keys_with_reserved_and_non_ascii_characters_round_trip() {
    let (mut pipe, io) = open_with(Options {
        key_prefix: Some("a b:c+d=é".into()),
        ..options()
    });
    pipe.pack(&row(1)).unwrap();
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("x y+z=ü:1.manifest")
        .unwrap();
    let world = io.world();
    assert!(world.requests.contains(&format!(
        "PUT /bucket/a%20b%3Ac%2Bd%3D%C3%A9/analytics_events_{RUN_ID}_0.json.gz"
    )));
    assert!(world.requests.contains(
        &"PUT /bucket/a%20b%3Ac%2Bd%3D%C3%A9/x%20y%2Bz%3D%C3%BC%3A1.manifest".to_string()
    ));
    assert!(world.objects.contains_key("a b:c+d=é/x y+z=ü:1.manifest"));
}

#[test]
fn open_refuses_bad_options() {
    for options in [
        Options {
            endpoint: Some("ftp://host".into()),
            ..options()
        },
        Options {
            endpoint: Some("not a url".into()),
            ..options()
        },
        Options {
            endpoint: Some("http://host:9000/base".into()),
            ..options()
        },
        Options {
            job_endpoint: Some("localhost:8080".into()),
            ..options()
        },
    ] {
        assert!(matches!(
            Pipe::open(options, FakeIo::default()),
            Err(Error::InvalidOptions(_))
        ));
    }
}

#[test]
fn a_job_is_posted_again_for_a_run_already_in_s3() {
    let io = FakeIo::default();
    let mut options = options();
    options.truncate = true;
    crate::job::post_again(&mut io.clone(), &options, DATE).unwrap();
    let world = io.world();
    assert_eq!(world.jobs.len(), 1);
    assert_eq!(
        String::from_utf8(world.jobs[0].1.clone()).unwrap(),
        format!(
            "--bucket bucket --schema analytics --tables events --date {DATE} --gzip --truncate"
        )
    );
    drop(world);
    assert!(matches!(
        crate::job::post_again(&mut io.clone(), &options, "2026-11-25 17:00"),
        Err(Error::InvalidOptions(m)) if m.contains("2026-11-25T17:00:00Z")
    ));
    options.job_endpoint = None;
    assert_eq!(
        crate::job::post_again(&mut io.clone(), &options, DATE),
        Err(Error::NoJobEndpoint)
    );
}

#[test]
fn fresh_credentials_sign_the_next_requests_and_keep_the_rows() {
    let (mut pipe, io) = open();
    pipe.pack(&row(1)).unwrap();
    assert!(matches!(
        pipe.set_credentials(Credentials::new("", "SK2", None, None, "test")),
        Err(Error::InvalidOptions(m)) if m.contains("credentials")
    ));
    pipe.set_credentials(Credentials::new(
        "AK2",
        "SK2",
        Some("T2".into()),
        None,
        "test",
    ))
    .unwrap();
    assert_eq!(pipe.stats().buffered_rows, 1);
    pipe.seal().unwrap();
    assert_eq!(io.world().signed_by, ["AK2"]);
    assert_eq!(pipe.files().len(), 1);
    pipe.close_without_sending().unwrap();
    assert_eq!(
        pipe.set_credentials(Credentials::new("AK3", "SK3", None, None, "test")),
        Err(Error::PipeClosed)
    );
}
