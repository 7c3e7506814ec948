//! `rio serve-s3`: the embedded S3 server on its own, for other tools and hosts to use.

use std::path::PathBuf;

use clap::Args;
use redshift_io::Credentials;
use rio_cli::local_s3::LocalS3;

use crate::Failure;

/// Run the embedded S3 server (objects stored as plain files) until interrupted.
#[derive(Args)]
pub struct ServeArgs {
    /// Where objects are stored, one folder per bucket.
    #[arg(default_value = "rio-data")]
    dir: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// Access key id to accept; generated when not given.
    #[arg(long, env = "RIO_S3_ACCESS_KEY")]
    access_key: Option<String>,
    /// Secret access key to accept; generated when not given.
    #[arg(long, env = "RIO_S3_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Buckets to create at start.
    #[arg(long = "bucket")]
    buckets: Vec<String>,
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let generated = generated_credentials();
    let credentials = Credentials::new(
        args.access_key.unwrap_or(generated.access_key_id),
        args.secret_key.unwrap_or(generated.secret_access_key),
    );
    let s3 = LocalS3::start(&args.dir, credentials, args.port).map_err(|e| {
        Failure::Run(format!(
            "the S3 server could not start on port {}: {e}",
            args.port
        ))
    })?;
    for bucket in &args.buckets {
        s3.create_bucket(bucket)
            .map_err(|e| Failure::Run(format!("bucket {bucket}: {e}")))?;
    }
    println!("AWS_ENDPOINT_URL={}", s3.endpoint());
    println!("AWS_ACCESS_KEY_ID={}", s3.credentials().access_key_id);
    println!(
        "AWS_SECRET_ACCESS_KEY={}",
        s3.credentials().secret_access_key
    );
    println!("AWS_REGION=us-east-1");
    eprintln!(
        "rio: serving {} as S3 at {} until interrupted",
        s3.root().display(),
        s3.endpoint()
    );
    loop {
        std::thread::park();
    }
}

/// Fresh random credentials for an embedded server.
pub fn generated_credentials() -> Credentials {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the system's random source");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Credentials::new(format!("rio{}", &hex[..17]), hex[17..].to_string())
}
