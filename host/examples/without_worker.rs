//! The original README's "without an s3-to-Redshift hookup" example: stream rows to S3, then
//! write a manifest for a COPY of one's own. It runs against an S3 server started in this
//! process, so it needs no account: the objects land under `./rio-data/`.

use redshift_io::{Column, ColumnType, Credentials, DestinationConfig, Options, RedshiftIo};
use rio_cli::local_s3::LocalS3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::new("rio-example", "rio-example-secret");
    let s3 = LocalS3::start("rio-data", credentials.clone(), 0)?;
    s3.create_bucket("bucket-with-user-access")?;

    let destination = DestinationConfig {
        schema: "analytics".into(),
        table: "events".into(),
        columns: vec![
            Column::new("time", ColumnType::Timestamp).sort_ord(1),
            Column::new("id", ColumnType::Text),
        ],
        data_timestamp_column: Some("time".into()),
    };
    let mut options = Options::new(destination, "bucket-with-user-access");
    options.credentials = Some(credentials);
    options.endpoint = Some(s3.endpoint().into());
    options.buffer_size = Some(1_000_000);
    let pipe = RedshiftIo::new(options)?;

    let mut batch = Vec::new();
    for i in 0..100_000 {
        batch.extend_from_slice(
            format!(
                r#"{{"time":"2026-11-25T17:{:02}:00","id":"event-{i}"}}"#,
                i % 60
            )
            .as_bytes(),
        );
        batch.push(b'\n');
    }
    pipe.pack_lines(&batch)?;
    pipe.seal()?;
    pipe.create_and_upload_custom_manifest("data_locations.manifest")?;

    let stats = pipe.stats()?;
    println!(
        "{} rows, {} bytes -> {} gzip files, {} bytes",
        stats.rows, stats.raw_bytes, stats.files_uploaded, stats.gzip_bytes
    );
    for file in pipe.files()? {
        println!(
            "  {} ({} rows, {} bytes)",
            file.url, file.rows, file.content_length
        );
    }
    println!("manifest: s3://bucket-with-user-access/data_locations.manifest");
    println!(
        "stored under {}",
        s3.root().join("bucket-with-user-access").display()
    );
    pipe.close_without_sending()?;
    Ok(())
}
