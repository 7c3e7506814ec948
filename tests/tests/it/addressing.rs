//! Both addressing styles against a signing S3 server that takes both, as S3 does: virtual-hosted
//! requests name the bucket in the host, and the allow-list admits that host alone. Keys with
//! `:`, spaces, `+`, `=` and non-ASCII round-trip either way.

use redshift_io::{Addressing, Credentials, Options, RedshiftIo};
use rio_cli::local_s3::LocalS3;
use rio_tests::{events_table, gunzip};

const ROW: &[u8] = r#"{"time":"2026-11-25T17:00:00","id":"a:b c+d=é"}"#.as_bytes();
const NAME: &str = "s3.rio.test";

#[test]
fn virtual_hosted_and_path_style_requests_reach_a_signing_server_with_any_key() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = Credentials::new("addressing-key", "addressing-secret-0123456789");
    let s3 = LocalS3::start_named(dir.path(), credentials.clone(), NAME).unwrap();
    let port = s3.address().port();
    for (addressing, bucket) in [
        (Addressing::VirtualHosted, "hosted"),
        (Addressing::Path, "pathed"),
    ] {
        s3.create_bucket(bucket).unwrap();
        let mut options = Options::new(events_table(), bucket);
        options.endpoint = Some(s3.endpoint().into());
        options.credentials = Some(credentials.clone());
        options.addressing = addressing;
        options.key_prefix = Some("a b:c+d=é".into());
        // Neither name resolves: both lead to the server's loopback address.
        options.resolve = vec![
            (format!("{NAME}:{port}"), s3.address()),
            (format!("{bucket}.{NAME}:{port}"), s3.address()),
        ];
        let pipe = RedshiftIo::new(options).unwrap();
        pipe.pack(ROW).unwrap();
        pipe.seal().unwrap();
        pipe.create_and_upload_custom_manifest("m:a n+i=fé.manifest")
            .unwrap();

        let stored = |key: &str| std::fs::read(dir.path().join(bucket).join(key)).unwrap();
        let files = pipe.files().unwrap();
        assert_eq!(files.len(), 1, "{addressing:?}");
        assert!(files[0].key.starts_with("a b:c+d=é/"), "{}", files[0].key);
        assert_eq!(gunzip(&stored(&files[0].key)), [ROW, b"\n"].concat());
        let manifest = String::from_utf8(stored("a b:c+d=é/m:a n+i=fé.manifest")).unwrap();
        assert!(manifest.contains(&files[0].url), "{manifest}");
    }
}

#[test]
fn a_virtual_hosted_pipe_may_reach_its_own_bucket_only() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = Credentials::new("addressing-key", "addressing-secret-0123456789");
    let s3 = LocalS3::start_named(dir.path(), credentials.clone(), NAME).unwrap();
    let mut options = Options::new(events_table(), "hosted");
    options.endpoint = Some(s3.endpoint().into());
    options.credentials = Some(credentials);
    options.addressing = Addressing::VirtualHosted;
    let allow = redshift_io::AllowList::for_options(&options).unwrap();
    let port = s3.address().port();
    assert!(allow.permits(&format!("http://hosted.{NAME}:{port}/k").parse().unwrap()));
    assert!(!allow.permits(&format!("http://other.{NAME}:{port}/k").parse().unwrap()));
    assert!(!allow.permits(&format!("http://{NAME}:{port}/hosted/k").parse().unwrap()));
}
