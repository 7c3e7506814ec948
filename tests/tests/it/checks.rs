//! The typed checks through the real component (docs/checks.md): refusals name the column, and
//! with `rejects: Keep` refused rows land in rejects objects, byte for byte, never in a manifest.

use redshift_io::{Error, RedshiftIo, Rejects};
use rio_tests::{gunzip, S3Space};

const GOOD: &str = r#"{"time":"2026-11-25T17:00:00","id":"a"}"#;
/// A 260-byte id (130 two-byte characters): over `text`'s 256 bytes, though only 130 characters.
fn long_id() -> String {
    format!(
        r#"{{"time":"2026-11-25T17:00:00","id":"{}"}}"#,
        "é".repeat(130)
    )
}
const OFFSET: &str = r#"{"time":"2026-11-25T17:00:00+02:00","id":"b"}"#;

#[test]
fn a_row_that_does_not_fit_is_refused_naming_the_column_and_changes_nothing() {
    let s3 = S3Space::new();
    let pipe = RedshiftIo::new(s3.options()).unwrap();
    pipe.pack(GOOD.as_bytes()).unwrap();
    let before = pipe.stats().unwrap();
    let Err(Error::InvalidRow {
        column,
        value,
        reason,
    }) = pipe.pack(long_id().as_bytes())
    else {
        panic!("a 260-byte id is over text's 256 bytes")
    };
    assert_eq!(column, "id");
    assert_eq!(
        value.len(),
        63,
        "the first 64 bytes, cut on a character boundary: {value}"
    );
    assert!(
        reason.contains("260 bytes") && reason.contains("256"),
        "{reason}"
    );
    assert_eq!(pipe.stats().unwrap(), before);

    let batch = [GOOD, "", OFFSET].join("\n");
    let stop = pipe.pack_lines(batch.as_bytes()).unwrap_err();
    assert_eq!(
        (stop.accepted, stop.line, stop.offset),
        (1, 3, GOOD.len() as u64 + 2)
    );
    assert!(matches!(&stop.error, Error::InvalidRow { column, .. } if column == "time"));
    assert!(
        stop.to_string().starts_with("line 3: column time: "),
        "{stop}"
    );
}

#[test]
fn rejects_keep_writes_refused_rows_to_rejects_objects_outside_the_manifest() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.rejects = Rejects::Keep;
    let pipe = RedshiftIo::new(options).unwrap();
    let batch = [GOOD, "[1]", &long_id(), GOOD].join("\n");
    assert_eq!(pipe.pack_lines(batch.as_bytes()).unwrap(), 2);
    pipe.pack(OFFSET.as_bytes()).unwrap();
    pipe.seal().unwrap();
    let stats = pipe.stats().unwrap();
    assert_eq!((stats.rows, stats.rejected_rows), (2, 3));

    let rejects = pipe.rejects().unwrap();
    assert_eq!(rejects.len(), 1);
    assert!(rejects[0]
        .key
        .ends_with(&format!("_{}_rejects_0.ndjson", stats.run_id)));
    let body = String::from_utf8(s3.get(&rejects[0].key)).unwrap();
    let lines: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        body.lines().next().unwrap(),
        r#"{"line_number":2,"column_name":"","column_type":"","raw_field_value":"","error_message":"not a JSON object: invalid type: sequence, expected a JSON object at byte 0","raw_line":"[1]"}"#
    );
    assert_eq!(
        (
            lines[1]["line_number"].as_u64(),
            lines[1]["column_name"].as_str(),
            lines[1]["column_type"].as_str()
        ),
        (Some(3), Some("id"), Some("text"))
    );
    assert_eq!(lines[1]["raw_line"], long_id());
    assert_eq!(
        (
            lines[2]["line_number"].as_u64(),
            lines[2]["column_name"].as_str()
        ),
        (Some(5), Some("time"))
    );

    let data: Vec<u8> = pipe
        .files()
        .unwrap()
        .iter()
        .flat_map(|f| gunzip(&s3.get(&f.key)))
        .collect();
    assert_eq!(
        String::from_utf8(data).unwrap(),
        format!("{GOOD}\n{GOOD}\n")
    );
    pipe.create_and_upload_custom_manifest("checks.manifest")
        .unwrap();
    let manifest = String::from_utf8(s3.get(&s3.key("checks.manifest"))).unwrap();
    assert!(!manifest.contains("rejects"), "{manifest}");
}

#[test]
fn rejects_objects_are_cut_at_the_buffer_size() {
    let s3 = S3Space::new();
    let mut options = s3.options();
    options.rejects = Rejects::Keep;
    options.buffer_size = Some(600);
    let pipe = RedshiftIo::new(options).unwrap();
    for _ in 0..4 {
        pipe.pack(long_id().as_bytes()).unwrap();
    }
    pipe.seal().unwrap();
    let rejects = pipe.rejects().unwrap();
    assert!(rejects.len() >= 2, "{rejects:?}");
    assert_eq!(rejects.iter().map(|r| r.rows).sum::<u64>(), 4);
    assert!(pipe.files().unwrap().is_empty());
}

#[test]
fn check_rows_reports_every_refused_line_and_sends_nothing() {
    let s3 = S3Space::new();
    let options = s3.options();
    let batch = [GOOD, OFFSET, "", "not json", GOOD].join("\n");
    let refused = options
        .destination
        .check_rows(batch.as_bytes(), false)
        .unwrap();
    let lines: Vec<(u64, u64)> = refused.iter().map(|r| (r.line, r.offset)).collect();
    assert_eq!(
        lines,
        [
            (2, GOOD.len() as u64 + 1),
            (4, (GOOD.len() + OFFSET.len()) as u64 + 3)
        ]
    );
    assert!(s3.list().is_empty());
}
