//! What a pipe is opened with: the original library's options, plus where credentials and the
//! endpoint come from when not given, and the limits of the sandbox the component runs in.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;

use crate::bindings::types as wit;
use crate::{Addressing, DestinationConfig, JobFormat, Layout, Rejects};

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, if the first two are set.
    pub fn from_env() -> Option<Self> {
        Some(Credentials {
            access_key_id: env("AWS_ACCESS_KEY_ID")?,
            secret_access_key: env("AWS_SECRET_ACCESS_KEY")?,
            session_token: env("AWS_SESSION_TOKEN"),
        })
    }
}

impl From<Credentials> for wit::Credentials {
    fn from(credentials: Credentials) -> Self {
        wit::Credentials {
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: credentials.session_token,
        }
    }
}

/// Shows the key id only: secrets never reach a log.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The sandbox's bounds: the component's memory and how long a request may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most linear memory the component may grow to.
    pub memory_bytes: usize,
    pub connect_timeout: Duration,
    /// From sending a request to the first byte of its answer, upload included.
    pub response_timeout: Duration,
    /// Between two pieces of an answer's body.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 512 << 20,
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// When S3 requests are tried again (docs/s3.md, "Retries"): at most `max_attempts` attempts in
/// all, waiting a random time up to min(`max_delay`, `base_delay` × 2^(n−1)) before retry n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl From<RetryPolicy> for wit::RetryPolicy {
    fn from(policy: RetryPolicy) -> Self {
        let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
        wit::RetryPolicy {
            max_attempts: policy.max_attempts,
            base_delay_ms: millis(policy.base_delay),
            max_delay_ms: millis(policy.max_delay),
        }
    }
}

/// The options of a pipe; `Options::new` fills every optional field with its default. Unset
/// fields take the component's defaults, written in docs/.
#[derive(Debug, Clone)]
pub struct Options {
    pub destination: DestinationConfig,
    pub bucket: String,
    /// Default: from the standard AWS environment variables.
    pub credentials: Option<Credentials>,
    /// Where credentials come from when they expire, instead of `credentials`: the pipe asks it
    /// again shortly before they do, or when S3 says they have, and signs with the new ones
    /// (docs/s3.md, "Credentials").
    pub credentials_provider: Option<SharedCredentialsProvider>,
    /// Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the component's default
    /// (docs/s3.md, "Endpoint and region").
    pub region: Option<String>,
    /// Default: `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`, then AWS's S3 endpoint for the
    /// region.
    pub endpoint: Option<String>,
    /// How requests name the bucket (docs/s3.md, "Addressing"); default `Auto`.
    pub addressing: Addressing,
    pub key_prefix: Option<String>,
    pub layout: Layout,
    /// Raw bytes per data file (docs/pipe.md, "Packing rows").
    pub buffer_size: Option<u64>,
    /// gzip level 0–9.
    pub compression_level: Option<u8>,
    /// Where `send` posts the s3-to-redshift job; required for `send` and `close`.
    pub job_endpoint: Option<String>,
    pub job_format: JobFormat,
    /// Truncate the destination table on `send`.
    pub truncate: bool,
    /// Skip the worker's protection against loading the same data twice.
    pub force: bool,
    pub retry: Option<RetryPolicy>,
    /// What happens to a row the pipe refuses: the call fails (the default), or the row is kept
    /// in the run's rejects objects (docs/checks.md, "Rejects").
    pub rejects: Rejects,
    /// Refuse keys that match no column, which COPY would ignore.
    pub refuse_unknown_keys: bool,
    pub limits: Limits,
    /// Certificate authorities to trust for HTTPS besides the Mozilla roots and the operating
    /// system's store: a PEM file of one or more certificates, read when the pipe is opened.
    /// Default: the file `AWS_CA_BUNDLE` names, if it is set (docs/s3.md, "TLS").
    pub ca_bundle: Option<PathBuf>,
    /// For tests: connect to this address for requests to this `host:port` instead of
    /// resolving the host, like curl's `--resolve`. The request, its `Host` header and the TLS
    /// certificate check still use the name. Not for production use.
    #[doc(hidden)]
    pub resolve: Vec<(String, SocketAddr)>,
}

impl Options {
    pub fn new(destination: DestinationConfig, bucket: impl Into<String>) -> Self {
        Options {
            destination,
            bucket: bucket.into(),
            credentials: None,
            credentials_provider: None,
            region: None,
            endpoint: None,
            addressing: Addressing::Auto,
            key_prefix: None,
            layout: Layout::Flat,
            buffer_size: None,
            compression_level: None,
            job_endpoint: None,
            job_format: JobFormat::Argv,
            truncate: false,
            force: false,
            retry: None,
            rejects: Rejects::Fail,
            refuse_unknown_keys: false,
            limits: Limits::default(),
            ca_bundle: None,
            resolve: Vec::new(),
        }
    }

    /// The CA bundle to read, and the setting that names it, for error messages.
    pub(crate) fn ca_bundle(&self) -> Option<(PathBuf, &'static str)> {
        match &self.ca_bundle {
            Some(path) => Some((path.clone(), "ca_bundle")),
            None => env("AWS_CA_BUNDLE").map(|path| (path.into(), "AWS_CA_BUNDLE")),
        }
    }

    fn region(&self) -> Option<String> {
        self.region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
    }

    fn endpoint(&self) -> Option<String> {
        self.endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL"))
    }

    /// The options as the component takes them, with the environment's defaults filled in.
    pub(crate) fn to_wit(&self) -> wit::Options {
        let credentials = self
            .credentials
            .clone()
            .or_else(Credentials::from_env)
            .unwrap_or(Credentials::new("", ""));
        self.to_wit_with(credentials)
    }

    /// The options as the component takes them, signing with `credentials`.
    pub(crate) fn to_wit_with(&self, credentials: Credentials) -> wit::Options {
        wit::Options {
            destination: self.destination.clone(),
            s3_bucket: self.bucket.clone(),
            credentials: credentials.into(),
            region: self.region(),
            endpoint: self.endpoint(),
            addressing: self.addressing,
            key_prefix: self.key_prefix.clone(),
            layout: self.layout,
            buffer_size: self.buffer_size,
            compression_level: self.compression_level,
            job_endpoint: self.job_endpoint.clone(),
            job_format: self.job_format,
            truncate: self.truncate,
            force: self.force,
            retry: self.retry.map(Into::into),
            rejects: self.rejects,
            refuse_unknown_keys: self.refuse_unknown_keys,
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
