//! The options a pipe is opened with, their defaults and the checks that need no network.

pub use aws_credential_types::Credentials;

use crate::address::{check_bucket, check_key};
use crate::{DestinationConfig, Error, RetryPolicy};

/// Raw bytes per data file unless the options say otherwise.
pub const DEFAULT_BUFFER_SIZE: u64 = 10_000_000;
/// The largest buffer size accepted: a finished file is held in memory until S3 has it.
pub const MAX_BUFFER_SIZE: u64 = 1 << 30;
pub const DEFAULT_COMPRESSION_LEVEL: u8 = 6;
/// The region when the options name none (docs/s3.md, "Endpoint and region").
pub const DEFAULT_REGION: &str = "us-east-1";

/// Where objects go inside the bucket (docs/objects.md, "Layouts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Flat,
    Partitioned,
}

/// How the bucket is named in a request URL (docs/s3.md, "Addressing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Addressing {
    /// Virtual-hosted for AWS's own endpoints when the bucket name allows it, else path style.
    #[default]
    Auto,
    Path,
    VirtualHosted,
}

/// The body `send` posts (docs/job.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobFormat {
    #[default]
    Argv,
    Json,
}

/// What a pipe does with a row it refuses (docs/checks.md, "Rejects").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rejects {
    /// The call fails with the row's error.
    #[default]
    Fail,
    /// The row goes into the run's rejects objects and the call goes on.
    Keep,
}

/// `Debug` shows the credentials' key id only: secrets never reach a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub destination: DestinationConfig,
    pub bucket: String,
    pub credentials: Credentials,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub addressing: Addressing,
    pub key_prefix: Option<String>,
    pub layout: Layout,
    pub buffer_size: Option<u64>,
    pub compression_level: Option<u8>,
    pub job_endpoint: Option<String>,
    pub job_format: JobFormat,
    pub truncate: bool,
    pub force: bool,
    pub retry: Option<RetryPolicy>,
    pub rejects: Rejects,
    /// Refuse keys that match no column, which COPY would ignore.
    pub refuse_unknown_keys: bool,
}

impl Options {
    /// Options with every optional field at its default.
    pub fn new(
        destination: DestinationConfig,
        bucket: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        Options {
            destination,
            bucket: bucket.into(),
            credentials,
            region: None,
            endpoint: None,
            addressing: Addressing::default(),
            key_prefix: None,
            layout: Layout::default(),
            buffer_size: None,
            compression_level: None,
            job_endpoint: None,
            job_format: JobFormat::default(),
            truncate: false,
            force: false,
            retry: None,
            rejects: Rejects::default(),
            refuse_unknown_keys: false,
        }
    }

    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
    }

    /// The S3 endpoint: the one given, else AWS's for the region.
    pub fn endpoint(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://s3.{}.amazonaws.com", self.region()),
        }
    }

    pub fn buffer_size(&self) -> u64 {
        self.buffer_size.unwrap_or(DEFAULT_BUFFER_SIZE)
    }

    pub fn compression_level(&self) -> u8 {
        self.compression_level.unwrap_or(DEFAULT_COMPRESSION_LEVEL)
    }

    pub fn retry(&self) -> RetryPolicy {
        self.retry.unwrap_or_default()
    }

    /// The key prefix without surrounding slashes, or "" for none.
    pub fn key_prefix(&self) -> &str {
        self.key_prefix
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/')
    }

    /// Checks what can be checked without a network: endpoint URLs are checked where they are parsed.
    pub fn validate(&self) -> Result<(), Error> {
        self.destination.validate_names()?;
        check_bucket(&self.bucket)?;
        if self.credentials.access_key_id().is_empty()
            || self.credentials.secret_access_key().is_empty()
        {
            return Err(Error::invalid_options(
                "credentials: the access key id and the secret access key are both required",
            ));
        }
        let region = self.region();
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(Error::invalid_options(format!(
                "region {region:?}: expected a region name such as {DEFAULT_REGION}"
            )));
        }
        let buffer_size = self.buffer_size();
        if buffer_size == 0 || buffer_size > MAX_BUFFER_SIZE {
            return Err(Error::invalid_options(format!(
                "buffer size {buffer_size}: must be between 1 and {MAX_BUFFER_SIZE} bytes"
            )));
        }
        if self.compression_level() > 9 {
            return Err(Error::invalid_options(format!(
                "compression level {}: must be between 0 and 9",
                self.compression_level()
            )));
        }
        check_key("key prefix", self.key_prefix.as_deref().unwrap_or(""), true)?;
        self.retry().validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        let destination = DestinationConfig {
            schema: "analytics".into(),
            table: "events".into(),
            ..Default::default()
        };
        Options::new(
            destination,
            "my-bucket",
            Credentials::new("AK", "SK", None, None, "test"),
        )
    }

    fn refused(options: Options) -> String {
        match options.validate() {
            Err(Error::InvalidOptions(message)) => message,
            other => panic!("expected InvalidOptions, got {other:?}"),
        }
    }

    #[test]
    fn option_checks() {
        assert_eq!(options().validate(), Ok(()));
        assert!(refused(Options {
            bucket: "".into(),
            ..options()
        })
        .contains("3 to 63"));
        assert!(refused(Options {
            bucket: "My_Bucket".into(),
            ..options()
        })
        .contains("lowercase"));
        assert!(refused(Options {
            bucket: "192.168.1.1".into(),
            ..options()
        })
        .contains("IP address"));
        assert!(refused(Options {
            region: Some("US East".into()),
            ..options()
        })
        .contains("region"));
        assert!(refused(Options {
            buffer_size: Some(0),
            ..options()
        })
        .contains("buffer size 0"));
        assert!(refused(Options {
            buffer_size: Some(1 << 40),
            ..options()
        })
        .contains("buffer size"));
        assert!(refused(Options {
            compression_level: Some(10),
            ..options()
        })
        .contains("compression level 10"));
        assert!(refused(Options {
            key_prefix: Some("/abs".into()),
            ..options()
        })
        .contains("must not start with '/'"));
        assert!(refused(Options {
            key_prefix: Some("a/../b".into()),
            ..options()
        })
        .contains("'..'"));
        assert!(refused(Options {
            credentials: Credentials::new("AK", "", None, None, "test"),
            ..options()
        })
        .contains("credentials"));
    }

    #[test]
    fn key_prefix_loses_its_trailing_slash() {
        assert_eq!(
            Options {
                key_prefix: Some("loads/2026/".into()),
                ..options()
            }
            .key_prefix(),
            "loads/2026"
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let options = Options {
            credentials: Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI",
                Some("TOKEN123".into()),
                None,
                "test",
            ),
            ..options()
        };
        let shown = format!("{options:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("TOKEN123"));
    }

    #[test]
    fn the_default_endpoint_follows_the_region() {
        assert_eq!(options().endpoint(), "https://s3.us-east-1.amazonaws.com");
        let options = Options {
            region: Some("eu-west-1".into()),
            ..options()
        };
        assert_eq!(options.endpoint(), "https://s3.eu-west-1.amazonaws.com");
    }
}
