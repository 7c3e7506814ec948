//! Rows through the real component in wasmtime into a signing S3 server, read back with an
//! independent client.

use redshift_io::{PipeState, RedshiftIo};
use rio_tests::{gunzip, S3Space};

fn row(i: usize) -> Vec<u8> {
    format!(
        r#"{{"time":"2026-11-25T17:{:02}:{:02}","id":"row-{i}","n":{i},"ok":{}}}"#,
        i / 60 % 60,
        i % 60,
        i.is_multiple_of(2)
    )
    .into_bytes()
}

#[test]
fn rows_in_equal_rows_out_in_order_byte_for_byte() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.buffer_size = Some(50_000);
    let pipe = RedshiftIo::new(options).unwrap();
    let mut expected = Vec::new();
    for i in 0..2_000 {
        let row = row(i);
        if i % 2 == 0 {
            pipe.pack(&row).unwrap();
        } else {
            pipe.pack_lines(&[row.clone(), b"\n".to_vec()].concat())
                .unwrap();
        }
        expected.extend_from_slice(&row);
        expected.push(b'\n');
    }
    pipe.seal().unwrap();
    let files = pipe.files().unwrap();
    let mut downloaded = Vec::new();
    for file in &files {
        let object = s3.get(&file.key);
        assert_eq!(object.len() as u64, file.content_length);
        downloaded.extend(gunzip(&object));
    }
    assert_eq!(downloaded, expected);
    assert_eq!(pipe.stats().unwrap().state, PipeState::Sealed);
}

#[test]
fn files_are_cut_at_the_buffer_size() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    let row_size = row(0).len() as u64 + 1;
    options.buffer_size = Some(row_size * 100);
    let pipe = RedshiftIo::new(options).unwrap();
    let batch: Vec<u8> = (0..1_050)
        .flat_map(|_| [row(0), b"\n".to_vec()].concat())
        .collect();
    assert_eq!(pipe.pack_lines(&batch).unwrap(), 1_050);
    pipe.seal().unwrap();
    let files = pipe.files().unwrap();
    assert_eq!(files.len(), 11);
    assert!(files[..10]
        .iter()
        .all(|f| f.rows == 100 && f.raw_bytes == row_size * 100));
    assert_eq!((files[10].rows, files[10].raw_bytes), (50, row_size * 50));
    let mut listed: Vec<(String, u64)> = files
        .iter()
        .map(|f| (f.key.clone(), f.content_length))
        .collect();
    listed.sort();
    let stored: Vec<(String, u64)> = s3
        .list()
        .into_iter()
        .map(|(key, size)| (s3.key(&key), size))
        .collect();
    assert_eq!(stored, listed);
    let stats = pipe.stats().unwrap();
    assert_eq!(
        (stats.rows, stats.files_uploaded, stats.raw_bytes),
        (1_050, 11, row_size * 1_050)
    );
    assert_eq!(
        stats.gzip_bytes,
        files.iter().map(|f| f.content_length).sum::<u64>()
    );
}

#[test]
fn a_bad_row_is_refused_and_changes_nothing() {
    let s3 = S3Space::new();
    let pipe = RedshiftIo::new(s3.options()).unwrap();
    pipe.pack(&row(1)).unwrap();
    let before = pipe.stats().unwrap();
    let error = pipe.pack(br#"{"id": 1,}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "not a JSON object: trailing comma (at byte 9 of the row)"
    );
    let error = pipe
        .pack_lines(&[row(2), b"\n[1,2]\n".to_vec(), row(3)].concat())
        .unwrap_err();
    assert_eq!((error.accepted, error.line), (1, 2));
    assert_eq!(
        error.to_string(),
        "line 2: not a JSON object: invalid type: sequence, expected a JSON object (at byte 0 of the row) (1 rows before it were packed)"
    );
    assert_eq!(pipe.stats().unwrap().rows, before.rows + 1);
    pipe.seal().unwrap();
    let stored = gunzip(&s3.get(&pipe.files().unwrap()[0].key));
    assert_eq!(
        stored,
        [row(1), b"\n".to_vec(), row(2), b"\n".to_vec()].concat()
    );
}

#[test]
fn keys_with_reserved_and_non_ascii_characters_round_trip() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    let prefix = format!("{}load a:b+c=d/é", s3.prefix);
    options.key_prefix = Some(prefix.clone());
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack(&row(1)).unwrap();
    pipe.seal().unwrap();
    pipe.create_and_upload_custom_manifest("mañana 1+1=2:ok.manifest")
        .unwrap();
    let file = &pipe.files().unwrap()[0];
    assert!(file.key.starts_with(&format!("{prefix}/analytics_events_")));
    assert_eq!(
        gunzip(&s3.get(&file.key)),
        [row(1), b"\n".to_vec()].concat()
    );
    let manifest = s3.get(&format!("{prefix}/mañana 1+1=2:ok.manifest"));
    assert!(String::from_utf8(manifest).unwrap().contains(&file.url));
}

#[test]
fn a_wrong_secret_is_a_clear_403_and_the_rows_stay_buffered() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    let mut credentials = options.credentials.clone().unwrap();
    credentials.secret_access_key = "not-the-secret".into();
    options.credentials = Some(credentials);
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack(&row(1)).unwrap();
    let error = pipe.seal().unwrap_err();
    let redshift_io::Error::S3(failure) = &error else {
        panic!("expected an S3 failure, got {error:?}")
    };
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (403, "SignatureDoesNotMatch")
    );
    // The 403 is not retried, so the attempts stop short of the policy's 5. A server that answers
    // before reading the body and hangs up can reset the connection under the answer, and a
    // reset is retried: on a loaded machine that happened twice in a row.
    assert!(failure.attempts < 5, "{failure:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("S3 PUT ") && message.contains(": 403 SignatureDoesNotMatch"),
        "{message}"
    );
    assert!(!message.contains("not-the-secret"));
    let stats = pipe.stats().unwrap();
    assert_eq!((stats.state, stats.buffered_rows), (PipeState::Open, 1));
}

#[test]
fn validation_and_table_configs_run_in_the_component() {
    let mut config = rio_tests::events_table();
    config.validate().unwrap();
    config.columns[1].name = "userId".into();
    assert_eq!(
        config.validate().unwrap_err().to_string(),
        "invalid table config: column \"userId\": \"userId\" may hold only lowercase letters, digits, _ and $"
    );
    let yaml = "events:\n  dest: events\n  columns:\n  - dest: time\n    type: timestamp\n    sortord: 1\n  - dest: id\n    type: text\n    distkey: true\n  meta:\n    datadatecolumn: time\n    schema: analytics\n";
    assert_eq!(
        redshift_io::DestinationConfig::from_table_config(yaml).unwrap(),
        rio_tests::events_table()
    );
}
