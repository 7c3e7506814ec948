//! Credentials from a provider, through their expiry: a pipe that outlives several temporary
//! keys signs with fresh ones, asked for before the old ones expire or when S3 says they have,
//! and every row lands once (docs/s3.md, "Credentials").

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use redshift_io::{Credentials, Options, RedshiftIo};
use rio_cli::local_s3::LocalS3;
use rio_tests::{events_table, gunzip};

/// Mints a new access key each time it is asked, which the S3 server accepts for `lifetime`.
struct Minting {
    s3: Arc<LocalS3>,
    lifetime: Duration,
    /// Whether the credentials say when they expire, as STS's and IMDS's do.
    tells_expiry: bool,
    minted: AtomicU32,
}

impl std::fmt::Debug for Minting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Minting")
    }
}

impl ProvideCredentials for Minting {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let n = self.minted.fetch_add(1, Ordering::SeqCst);
        let key = Credentials::new(format!("TEMPKEY{n:04}"), format!("temporary-secret-{n}"));
        let expires = SystemTime::now() + self.lifetime;
        self.s3.add_credentials(&key, Some(expires));
        future::ProvideCredentials::ready(Ok(aws_credential_types::Credentials::new(
            key.access_key_id,
            key.secret_access_key,
            None,
            self.tells_expiry.then_some(expires),
            "rotating",
        )))
    }
}

fn row(i: usize) -> Vec<u8> {
    format!(r#"{{"time":"2026-11-25T17:00:00","id":"row-{i}"}}"#).into_bytes()
}

/// Packs rows for `run` through a pipe whose credentials last `lifetime`, one call or a batch
/// of two every 40 ms, files of a few rows each; returns the keys minted and checks every row
/// landed once, in order.
fn load_through_rotations(lifetime: Duration, tells_expiry: bool, run: Duration) -> u32 {
    let dir = tempfile::tempdir().unwrap();
    let fixed = Credentials::new("fixed-key", "fixed-secret-0123456789");
    let s3 = Arc::new(LocalS3::start(dir.path(), fixed, 0).unwrap());
    s3.create_bucket("rotating").unwrap();
    let minting = Arc::new(Minting {
        s3: s3.clone(),
        lifetime,
        tells_expiry,
        minted: AtomicU32::new(0),
    });
    let mut options = Options::new(events_table(), "rotating");
    options.endpoint = Some(s3.endpoint().into());
    options.credentials_provider =
        Some(SharedCredentialsProvider::new(ArcProvider(minting.clone())));
    options.buffer_size = Some(150);
    let pipe = RedshiftIo::new(options).unwrap();
    let started = Instant::now();
    let mut rows = 0;
    while started.elapsed() < run {
        if rows % 3 == 0 {
            let batch = [row(rows), b"\n".to_vec(), row(rows + 1)].concat();
            assert_eq!(pipe.pack_lines(&batch).unwrap(), 2);
            rows += 2;
        } else {
            pipe.pack(&row(rows)).unwrap();
            rows += 1;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    pipe.seal().unwrap();
    let stored: Vec<u8> = pipe
        .files()
        .unwrap()
        .iter()
        .flat_map(|f| gunzip(&std::fs::read(dir.path().join("rotating").join(&f.key)).unwrap()))
        .collect();
    let expected: Vec<u8> = (0..rows)
        .flat_map(|i| [row(i), b"\n".to_vec()].concat())
        .collect();
    assert_eq!(
        String::from_utf8(stored).unwrap(),
        String::from_utf8(expected).unwrap()
    );
    minting.minted.load(Ordering::SeqCst)
}

/// `SharedCredentialsProvider` takes the provider by value; the test keeps a handle on it.
#[derive(Debug)]
struct ArcProvider(Arc<Minting>);

impl ProvideCredentials for ArcProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.0.provide_credentials()
    }
}

#[test]
fn credentials_that_say_when_they_expire_are_replaced_before_they_do() {
    let minted = load_through_rotations(Duration::from_secs(2), true, Duration::from_secs(5));
    assert!(minted >= 3, "two rotations at least: {minted} keys");
}

#[test]
fn credentials_that_s3_finds_expired_are_replaced_and_the_call_made_again() {
    let minted = load_through_rotations(Duration::from_millis(1200), false, Duration::from_secs(4));
    assert!(minted >= 3, "two rotations at least: {minted} keys");
}
