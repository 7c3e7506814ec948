//! `send` and `close` against a mock s3-to-redshift worker.

use std::time::Duration;

use redshift_io::{Error, JobFormat, PipeState, RedshiftIo};
use rio_tests::{Answer, JobEndpoint, S3Space};

const ROW: &[u8] = br#"{"time":"2026-11-25T17:00:00","id":"a"}"#;

/// A pipe into `s3` whose jobs go to `job`, with its options adjusted by `adjust`.
fn pipe_with_worker(
    s3: &S3Space,
    job: &JobEndpoint,
    adjust: impl FnOnce(&mut redshift_io::Options),
) -> RedshiftIo {
    let mut options = s3.options();
    options.job_endpoint = Some(job.url.clone());
    adjust(&mut options);
    RedshiftIo::new(options).unwrap()
}

fn data_puts(s3: &S3Space) -> usize {
    s3.list()
        .iter()
        .filter(|(key, _)| key.ends_with(".json.gz"))
        .count()
}

#[test]
fn send_uploads_manifest_and_config_posts_the_job_and_starts_a_new_run() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let pipe = pipe_with_worker(&s3, &job, |o| o.truncate = true);
    let first = pipe.stats().unwrap();
    pipe.pack(ROW).unwrap();
    pipe.send().unwrap();

    let date = &first.data_date;
    let keys: Vec<String> = s3.list().into_iter().map(|(key, _)| key).collect();
    assert_eq!(
        keys,
        vec![
            format!("analytics_events_{}_0.json.gz", first.run_id),
            format!("analytics_events_{date}.manifest"),
            format!("config_analytics_events_{date}.yml"),
        ]
    );
    let requests = job.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/jobs")
    );
    assert_eq!(requests[0].content_type, "text/plain");
    assert_eq!(
        requests[0].body,
        format!(
            "--bucket {} --schema analytics --tables events --date {date} --gzip --truncate",
            s3.bucket
        )
    );
    let next = pipe.stats().unwrap();
    assert_eq!(next.state, PipeState::Open);
    assert_ne!(next.run_id, first.run_id);
    assert!(pipe.files().unwrap().is_empty());
}

#[test]
fn the_json_job_format() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let pipe = pipe_with_worker(&s3, &job, |o| {
        o.job_format = JobFormat::Json;
        o.force = true;
    });
    let date = pipe.stats().unwrap().data_date;
    pipe.pack(ROW).unwrap();
    pipe.send().unwrap();
    let request = &job.requests()[0];
    assert_eq!(request.content_type, "application/json");
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"bucket": s3.bucket, "schema": "analytics", "tables": "events", "date": date,
                           "gzip": true, "truncate": false, "force": true})
    );
}

#[test]
fn a_rejected_job_leaves_the_pipe_sealed_and_the_resend_uploads_no_data_again() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let pipe = pipe_with_worker(&s3, &job, |_| {});
    pipe.pack(ROW).unwrap();
    job.answer(Answer::Status(500));
    let error = pipe.send().unwrap_err();
    assert_eq!(
        error,
        Error::JobRejected {
            status: 500,
            body: "answered 500".into()
        }
    );
    assert_eq!(error.to_string(), "job endpoint answered 500: answered 500");
    assert_eq!(pipe.stats().unwrap().state, PipeState::Sealed);
    assert_eq!(pipe.pack(ROW), Err(Error::PipeSealed));
    assert_eq!(data_puts(&s3), 1);

    job.answer(Answer::Status(202));
    pipe.send().unwrap();
    assert_eq!(job.requests().len(), 2);
    assert_eq!(
        pipe.stats().unwrap().files_uploaded,
        1,
        "no data file was uploaded twice"
    );
    assert_eq!(data_puts(&s3), 1);
}

#[test]
fn an_unreachable_job_endpoint_fails_the_send_and_keeps_the_files() {
    let s3 = S3Space::new();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut options = s3.options();
    options.job_endpoint = Some(format!("http://127.0.0.1:{port}/jobs"));
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack(ROW).unwrap();
    let error = pipe.send().unwrap_err();
    assert_eq!(
        error.to_string(),
        "job endpoint unreachable: connection refused (ConnectionRefused)"
    );
    assert_eq!(pipe.stats().unwrap().state, PipeState::Sealed);
    assert_eq!(pipe.files().unwrap().len(), 1);
}

#[test]
fn a_job_endpoint_that_hangs_times_out() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    job.answer(Answer::Hang);
    let pipe = pipe_with_worker(&s3, &job, |o| {
        o.limits.response_timeout = Duration::from_millis(500)
    });
    pipe.pack(ROW).unwrap();
    let error = pipe.send().unwrap_err();
    assert!(
        matches!(&error, Error::JobUnreachable(m) if m.starts_with("no answer within the host's response timeout")),
        "{error:?}"
    );
    assert_eq!(pipe.stats().unwrap().state, PipeState::Sealed);
}

#[test]
fn send_without_a_job_endpoint_or_rows() {
    let s3 = S3Space::new();
    let pipe = RedshiftIo::new(s3.options()).unwrap();
    pipe.pack(ROW).unwrap();
    assert_eq!(pipe.send(), Err(Error::NoJobEndpoint));
    assert_eq!(pipe.stats().unwrap().buffered_rows, 1);

    let job = JobEndpoint::start();
    let empty = pipe_with_worker(&s3, &job, |_| {});
    empty.send().unwrap();
    assert!(job.requests().is_empty(), "nothing packed: nothing posted");
}

#[test]
fn close_sends_then_refuses_everything() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let pipe = pipe_with_worker(&s3, &job, |_| {});
    pipe.pack(ROW).unwrap();
    pipe.close().unwrap();
    assert_eq!(job.requests().len(), 1);
    assert_eq!(pipe.pack(ROW), Err(Error::PipeClosed));
    assert_eq!(pipe.seal(), Err(Error::PipeClosed));
    assert_eq!(pipe.reset(), Err(Error::PipeClosed));
    pipe.close().unwrap();
    pipe.close_without_sending().unwrap();
    assert_eq!(job.requests().len(), 1);
}

#[test]
fn redirects_and_client_errors_from_the_worker_are_rejections() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let pipe = pipe_with_worker(&s3, &job, |_| {});
    pipe.pack(ROW).unwrap();
    for status in [302, 400, 404] {
        job.answer(Answer::Status(status));
        assert_eq!(
            pipe.send(),
            Err(Error::JobRejected {
                status,
                body: format!("answered {status}")
            })
        );
        assert_eq!(pipe.stats().unwrap().state, PipeState::Sealed);
    }
    assert_eq!(data_puts(&s3), 1, "resending uploaded no data again");
    job.answer(Answer::Status(200));
    pipe.send().unwrap();
}
