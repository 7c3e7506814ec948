//! S3 misbehaving: every accepted row still reaches S3 exactly once and is listed exactly once.

use std::collections::HashSet;
use std::time::Duration;

use redshift_io::{Error, PipeState, RedshiftIo, RetryPolicy};
use rio_tests::faults::{Fault, FaultyS3, Schedule, RETRYABLE};
use rio_tests::{gunzip, S3Space};

/// Retries without the waiting, so a test can afford hundreds of them.
fn quick_retries(max_attempts: u32) -> Option<RetryPolicy> {
    Some(RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    })
}

fn row(i: usize) -> String {
    format!(r#"{{"time":"2026-11-25T17:00:00","id":"{i:07}"}}"#)
}

/// A pipe whose S3 requests pass through a proxy that follows `schedule`.
fn faulty_pipe(s3: &S3Space, schedule: Schedule, max_attempts: u32) -> (RedshiftIo, FaultyS3) {
    let mut options = s3.options();
    let proxy = FaultyS3::start(options.endpoint.as_deref().unwrap(), schedule);
    options.endpoint = Some(proxy.endpoint.clone());
    options.retry = quick_retries(max_attempts);
    options.buffer_size = Some(20_000);
    options.limits.response_timeout = Duration::from_millis(500);
    (RedshiftIo::new(options).unwrap(), proxy)
}

/// Downloads every file of the manifest at `key` and checks: each file listed once, each row
/// present exactly once, rows in packing order.
fn assert_exactly_once(s3: &S3Space, manifest_key: &str, rows: usize) {
    let manifest: serde_json::Value = serde_json::from_slice(&s3.get(manifest_key)).unwrap();
    let urls: Vec<&str> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls.iter().collect::<HashSet<_>>().len(),
        urls.len(),
        "a file is listed twice"
    );
    let stored: HashSet<String> = s3
        .list()
        .into_iter()
        .filter(|(k, _)| k.ends_with(".json.gz"))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        stored.len(),
        urls.len(),
        "a data file is missing from the manifest, or the other way round"
    );
    let mut next = 0;
    for url in urls {
        let key = url.split_once(&format!("s3://{}/", s3.bucket)).unwrap().1;
        for line in String::from_utf8(gunzip(&s3.get(key))).unwrap().lines() {
            assert_eq!(line, row(next), "rows lost, doubled or out of order");
            next += 1;
        }
    }
    assert_eq!(next, rows);
}

/// Seals, writes a manifest of everything, and checks every row landed once.
fn seal_and_check(pipe: &RedshiftIo, s3: &S3Space, rows: usize) {
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("all.manifest")
        .unwrap();
    assert_exactly_once(s3, &s3.key("all.manifest"), rows);
}

fn load(pipe: &RedshiftIo, rows: std::ops::Range<usize>) {
    let batch: String = rows.map(|i| row(i) + "\n").collect();
    pipe.pack_lines(batch.as_bytes()).unwrap();
}

#[test]
fn retryable_faults_are_retried_and_every_row_lands_once() {
    let s3 = S3Space::new();
    let mut faults = RETRYABLE.to_vec();
    faults.push(Fault::Stall(Duration::from_millis(1500)));
    let (pipe, proxy) = faulty_pipe(
        &s3,
        Schedule::Random {
            seed: 42,
            rate: 0.3,
            faults,
        },
        10,
    );
    load(&pipe, 0..20_000);
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("all.manifest")
        .unwrap();
    let injected = proxy.injected();
    assert!(
        injected.len() >= 10,
        "the schedule injected only {injected:?}"
    );
    assert_eq!(
        pipe.stats().unwrap().retries,
        injected.len() as u64,
        "each fault costs one retry"
    );
    assert_exactly_once(&s3, &s3.key("all.manifest"), 20_000);
}

#[test]
fn a_non_retryable_fault_fails_at_once_and_keeps_the_rows() {
    let s3 = S3Space::new();
    let (pipe, proxy) = faulty_pipe(&s3, Schedule::Always(Fault::Status(403, "AccessDenied")), 5);
    load(&pipe, 0..100);
    let error = pipe.seal().unwrap_err();
    let Error::S3(failure) = &error else {
        panic!("expected an S3 failure, got {error:?}")
    };
    assert_eq!(
        (failure.status, failure.code.as_str(), failure.attempts),
        (403, "AccessDenied", 1)
    );
    assert_eq!(
        (failure.message.as_str(), failure.request_id.as_str()),
        ("injected", "fault-proxy")
    );
    assert_eq!(proxy.forwarded(), 0);
    assert_eq!(pipe.stats().unwrap().buffered_rows, 100);

    proxy.set(Schedule::Never);
    seal_and_check(&pipe, &s3, 100);
}

#[test]
fn a_fault_that_outlasts_the_retries_leaves_the_rows_for_the_next_seal() {
    let s3 = S3Space::new();
    let (pipe, proxy) = faulty_pipe(&s3, Schedule::Always(Fault::Status(503, "SlowDown")), 3);
    load(&pipe, 0..100);
    let Err(Error::S3(failure)) = pipe.seal() else {
        panic!("the seal should fail")
    };
    assert_eq!(
        (failure.status, failure.code.as_str(), failure.attempts),
        (503, "SlowDown", 3)
    );
    assert_eq!(proxy.injected().len(), 3);
    let stats = pipe.stats().unwrap();
    assert_eq!(
        (stats.state, stats.buffered_rows, stats.retries),
        (PipeState::Open, 100, 2)
    );

    proxy.set(Schedule::Never);
    seal_and_check(&pipe, &s3, 100);
}

#[test]
fn a_failed_file_upload_refuses_the_row_that_would_overflow_it() {
    let s3 = S3Space::new();
    let (pipe, proxy) = faulty_pipe(&s3, Schedule::Never, 2);
    let mut packed = 0;
    // Fill the first file, then make its upload fail: the row that needs the upload is refused.
    while pipe.stats().unwrap().files_uploaded == 0 && packed < 1_000 {
        if pipe.stats().unwrap().buffered_raw_bytes + row(packed).len() as u64 + 1 > 20_000 {
            proxy.set(Schedule::Always(Fault::ResetBefore));
            assert!(pipe.pack(row(packed).as_bytes()).is_err());
            proxy.set(Schedule::Never);
        }
        pipe.pack(row(packed).as_bytes()).unwrap();
        packed += 1;
    }
    load(&pipe, packed..packed + 500);
    seal_and_check(&pipe, &s3, packed + 500);
}

/// 200,000 rows through a 10 % fault rate (`RIO_SOAK_ROWS` sets the count).
#[test]
fn soak() {
    let rows = std::env::var("RIO_SOAK_ROWS").map_or(200_000, |n| n.parse().expect("a row count"));
    let s3 = S3Space::new();
    let (pipe, proxy) = faulty_pipe(
        &s3,
        Schedule::Random {
            seed: 2026,
            rate: 0.1,
            faults: RETRYABLE.to_vec(),
        },
        10,
    );
    for start in (0..rows).step_by(10_000) {
        load(&pipe, start..(start + 10_000).min(rows));
    }
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("all.manifest")
        .unwrap();
    let injected = proxy.injected().len() as u64;
    eprintln!(
        "soak: {rows} rows, {} files, {injected} faults injected and survived",
        pipe.stats().unwrap().files_uploaded
    );
    assert_eq!(pipe.stats().unwrap().retries, injected);
    assert_exactly_once(&s3, &s3.key("all.manifest"), rows);
}
