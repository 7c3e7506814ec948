//! Manifests for one's own COPY, and the default manifest `send` writes.

use redshift_io::{Error, Layout, RedshiftIo};
use rio_tests::{JobEndpoint, S3Space};

fn manifest_for(files: &[redshift_io::FileEntry]) -> String {
    let entries: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                r#"{{"url":"{}","mandatory":true,"meta":{{"content_length":{}}}}}"#,
                f.url, f.content_length
            )
        })
        .collect();
    format!(r#"{{"entries":[{}]}}"#, entries.join(","))
}

#[test]
fn a_custom_manifest_lists_every_file_of_the_run_once() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.buffer_size = Some(1_000);
    let pipe = RedshiftIo::new(options).unwrap();
    for i in 0..100 {
        pipe.pack(format!(r#"{{"time":"2026-11-25T17:00:00","id":"{i:05}"}}"#).as_bytes())
            .unwrap();
    }
    assert_eq!(
        pipe.create_and_upload_custom_manifest("data_locations.manifest"),
        Err(Error::NotSealed)
    );
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("data_locations.manifest")
        .unwrap();
    let files = pipe.files().unwrap();
    assert_eq!(files.len(), 5);
    for file in &files {
        assert_eq!(file.url, format!("s3://{}/{}", s3.bucket, file.key));
    }
    let manifest = String::from_utf8(s3.get(&s3.key("data_locations.manifest"))).unwrap();
    assert_eq!(manifest, manifest_for(&files));

    // After a reset the next manifest holds the new run's files only.
    pipe.reset().unwrap();
    pipe.pack(br#"{"time":"2026-11-25T18:00:00","id":"next"}"#)
        .unwrap();
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("next.manifest")
        .unwrap();
    let next = pipe.files().unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        String::from_utf8(s3.get(&s3.key("next.manifest"))).unwrap(),
        manifest_for(&next)
    );
}

#[test]
fn send_writes_the_default_manifest_and_config_in_the_partitioned_layout() {
    let s3 = S3Space::new();
    let job = JobEndpoint::start();
    let mut options = s3.options();
    options.layout = Layout::Partitioned;
    options.job_endpoint = Some(job.url.clone());
    let pipe = RedshiftIo::new(options).unwrap();
    let date = pipe.stats().unwrap().data_date;
    pipe.pack(br#"{"time":"2026-11-25T17:00:00","id":"a"}"#)
        .unwrap();
    pipe.seal().unwrap();
    let files = pipe.files().unwrap();
    pipe.send().unwrap();
    let (year, month, day) = (&date[..4], &date[5..7], &date[8..10]);
    let folder = format!(
        "analytics/events/_data_timestamp_year={year}/_data_timestamp_month={month}/_data_timestamp_day={day}/"
    );
    assert!(
        files[0].key.starts_with(&s3.key(&folder)),
        "{}",
        files[0].key
    );
    let manifest = s3.get(&s3.key(&format!("{folder}analytics_events_{date}.manifest")));
    assert_eq!(String::from_utf8(manifest).unwrap(), manifest_for(&files));
    let config = s3.get(&s3.key(&format!("{folder}config_analytics_events_{date}.yml")));
    assert_eq!(
        String::from_utf8(config).unwrap(),
        "events:\n  dest: events\n  columns:\n  - dest: time\n    type: timestamp\n    sortord: 1\n  - dest: id\n    type: text\n    distkey: true\n  meta:\n    datadatecolumn: time\n    schema: analytics\n"
    );
}
