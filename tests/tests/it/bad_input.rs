//! Bad rows and bad options: a precise error, and the pipe exactly as it was.

use redshift_io::{Credentials, Error, RedshiftIo};
use rio_tests::{gunzip, S3Space};

const GOOD: &[u8] = br#"{"time":"2026-11-25T17:00:00","id":"good"}"#;

#[test]
fn every_kind_of_bad_row_is_refused_and_changes_nothing() {
    let s3 = S3Space::new();
    let pipe = RedshiftIo::new(s3.options()).unwrap();
    pipe.pack(GOOD).unwrap();
    let before = pipe.stats().unwrap();
    let cases: [(&[u8], &str, u64); 13] = [
        (
            b"[1,2]",
            "invalid type: sequence, expected a JSON object",
            0,
        ),
        (
            br#""text""#,
            "invalid type: string \"text\", expected a JSON object",
            5,
        ),
        (
            b"42",
            "invalid type: integer `42`, expected a JSON object",
            1,
        ),
        (b"null", "invalid type: null, expected a JSON object", 3),
        (br#"{"a":1}{"b":2}"#, "trailing characters", 7),
        (br#"{"a":"#, "EOF while parsing a value", 4),
        (b"{\"a\":\"\xc3\x28\"}", "invalid UTF-8", 6),
        (
            b"{\"a\":\"\0\"}",
            "control character (\\u0000-\\u001F) found while parsing a string",
            5,
        ),
        (b"{\"a\":1}\0", "trailing characters", 7),
        (b"", "EOF while parsing a value", 0),
        (b" \t ", "EOF while parsing a value", 2),
        (br#"{"id":1,"id":2}"#, "duplicate key \"id\"", 11),
        (br#"{"a":[1,2,}"#, "expected value", 10),
    ];
    for (row, message, offset) in cases {
        let expected = Error::InvalidJson {
            message: message.into(),
            offset,
        };
        assert_eq!(
            pipe.pack(row),
            Err(expected),
            "{:?}",
            String::from_utf8_lossy(row)
        );
    }
    assert_eq!(pipe.stats().unwrap(), before);
    pipe.seal().unwrap();
    assert_eq!(
        gunzip(&s3.get(&pipe.files().unwrap()[0].key)),
        [GOOD, b"\n"].concat()
    );
}

#[test]
fn oversized_rows_and_batches_are_refused_and_change_nothing() {
    let s3 = S3Space::new();
    let pipe = RedshiftIo::new(s3.options()).unwrap();
    let big_row = format!(r#"{{"pad":"{}"}}"#, "x".repeat(5 << 20));
    assert_eq!(
        pipe.pack(big_row.as_bytes()),
        Err(Error::RowTooLarge(big_row.len() as u64))
    );
    let error = pipe
        .pack_lines(&[GOOD, b"\n", big_row.as_bytes()].concat())
        .unwrap_err();
    assert_eq!(
        (error.accepted, error.line, error.error),
        (1, 2, Error::RowTooLarge(big_row.len() as u64))
    );

    // Over a quarter of the sandbox's memory, a call is refused before it enters the sandbox.
    let gigabyte = vec![b'\n'; 1 << 30];
    assert!(matches!(
        pipe.pack(&gigabyte),
        Err(Error::TooLargeForSandbox { size, .. }) if size == 1 << 30
    ));
    let error = pipe.pack_lines(&gigabyte).unwrap_err();
    assert_eq!(
        error.error,
        Error::TooLargeForSandbox {
            size: 1 << 30,
            limit: 128 << 20
        }
    );
    assert!(error.to_string().contains("split it"));
    pipe.seal().unwrap();
    assert_eq!(
        pipe.stats().unwrap().rows,
        1,
        "the pipe still works, with its row"
    );
}

#[test]
fn bad_options_name_the_option() {
    let s3 = S3Space::new();
    type Adjust = fn(&mut redshift_io::Options);
    let cases: [(&str, Adjust); 10] = [
        ("bucket \"\" must be 3 to 63 characters long", |o| {
            o.bucket = String::new()
        }),
        (
            "bucket \"Bad_Bucket\" may hold only lowercase letters",
            |o| o.bucket = "Bad_Bucket".into(),
        ),
        ("endpoint \"not a url\": is not a URL", |o| {
            o.endpoint = Some("not a url".into())
        }),
        ("endpoint \"ftp://host\": needs http:// or https://", |o| {
            o.endpoint = Some("ftp://host".into())
        }),
        ("region \"Mars Base\": expected a region name", |o| {
            o.region = Some("Mars Base".into())
        }),
        ("buffer size 0: must be between 1 and", |o| {
            o.buffer_size = Some(0)
        }),
        ("buffer size 1099511627776: must be between", |o| {
            o.buffer_size = Some(1 << 40)
        }),
        ("compression level 11: must be between 0 and 9", |o| {
            o.compression_level = Some(11)
        }),
        (
            "key prefix \"a/../b\" must not hold '.' or '..' segments",
            |o| o.key_prefix = Some("a/../b".into()),
        ),
        ("key prefix \"/root\" must not start with '/'", |o| {
            o.key_prefix = Some("/root".into())
        }),
    ];
    for (expected, adjust) in cases {
        let mut options = s3.options();
        adjust(&mut options);
        match RedshiftIo::new(options) {
            Err(Error::InvalidOptions(message)) => {
                assert!(message.starts_with(expected), "{message}")
            }
            Err(other) => panic!("{expected}: got {other:?}"),
            Ok(_) => panic!("{expected}: the options were accepted"),
        }
    }
    let pipe = RedshiftIo::new(s3.options()).unwrap();
    pipe.seal().unwrap();
    for key in ["", "/abs.manifest", "s3://bucket/m.manifest"] {
        assert!(
            matches!(
                pipe.create_and_upload_custom_manifest(key),
                Err(Error::InvalidOptions(_))
            ),
            "{key:?}"
        );
    }
}

#[test]
fn secrets_appear_in_no_debug_output_error_or_payload() {
    let s3 = S3Space::new();
    let secret = "wJalrXUtnFEMI-K7MDENG-secret";
    let mut options = s3.options();
    options.credentials = Some(Credentials {
        session_token: Some("token-1234567890".into()),
        ..Credentials::new("AKIDEXAMPLE", secret)
    });
    let shown = format!("{options:?}");
    assert!(
        shown.contains("AKIDEXAMPLE")
            && !shown.contains(secret)
            && !shown.contains("token-1234567890"),
        "{shown}"
    );
    let pipe = RedshiftIo::new(options).unwrap();
    pipe.pack(GOOD).unwrap();
    let error = pipe.seal().unwrap_err();
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(
            text.contains("403") && !text.contains(secret) && !text.contains("token-1234567890"),
            "{text}"
        );
    }
}
