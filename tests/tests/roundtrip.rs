//! Rows through the real component in wasmtime into a signing S3 server, read back with an
//! independent client.

use rio::{PipeState, RedshiftIo};
use rio_tests::{gunzip, S3Space};

fn row(i: usize) -> Vec<u8> {
    format!(r#"{{"time":"2026-11-25T17:{:02}:{:02}","id":"row-{i}","n":{i},"ok":{}}}"#, i / 60 % 60, i % 60, i % 2 == 0)
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
            pipe.pack_lines(&[row.clone(), b"\n".to_vec()].concat()).unwrap();
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
