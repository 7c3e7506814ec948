//! The pipe's configuration: the destination table and the options a pipe is opened with,
//! and the rules of SPEC §3 that a destination must meet before `send`.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::retry::RetryPolicy;
use crate::Error;

/// Raw bytes per data file unless the options say otherwise.
pub const DEFAULT_BUFFER_SIZE: u64 = 10_000_000;
/// The largest buffer size accepted: a finished file is held in memory until S3 has it.
pub const MAX_BUFFER_SIZE: u64 = 1 << 30;
pub const DEFAULT_COMPRESSION_LEVEL: u8 = 6;
pub const DEFAULT_REGION: &str = "us-east-1";
/// Redshift's longest identifier, in bytes.
const MAX_IDENTIFIER_LEN: usize = 127;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Boolean,
    Float,
    Int,
    Bigint,
    Date,
    Timestamp,
    Text,
    Longtext,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub column_type: ColumnType,
    /// Position in the sort key, 1-based; 0 means not part of it.
    pub sort_ord: u32,
    pub dist_key: bool,
    pub default_val: Option<String>,
    pub not_null: bool,
    pub primary_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DestinationConfig {
    pub schema: String,
    pub table: String,
    pub columns: Vec<Column>,
    pub data_timestamp_column: Option<String>,
}

impl DestinationConfig {
    /// Schema and table must be usable in object keys and SQL; checked when a pipe opens.
    pub fn validate_names(&self) -> Result<(), Error> {
        check_identifier("schema", &self.schema)?;
        check_identifier("table", &self.table)
    }

    /// Every rule of SPEC §3; `send` runs this before anything is uploaded.
    pub fn validate(&self) -> Result<(), Error> {
        self.validate_names()?;
        if self.columns.is_empty() {
            return Err(invalid_config("columns: at least one column is required"));
        }
        let mut names = HashSet::new();
        let mut dist_keys = Vec::new();
        let mut sort_ords = Vec::new();
        for column in &self.columns {
            check_identifier(&format!("column {:?}", column.name), &column.name)?;
            if !names.insert(column.name.as_str()) {
                return Err(invalid_config(format!(
                    "column {:?}: the name is used twice",
                    column.name
                )));
            }
            if column.dist_key {
                dist_keys.push(column.name.as_str());
            }
            if column.sort_ord != 0 {
                sort_ords.push((column.sort_ord, column.name.as_str()));
            }
        }
        if dist_keys.len() > 1 {
            return Err(invalid_config(format!(
                "columns {}: more than one distkey (at most one column may be the distribution key)",
                dist_keys.join(", ")
            )));
        }
        sort_ords.sort_unstable();
        for (expected, (ord, name)) in (1..).zip(&sort_ords) {
            if *ord != expected {
                return Err(invalid_config(format!(
                    "column {name:?}: sortord {ord} breaks the sort key, whose ordinals must be exactly 1..{}",
                    sort_ords.len()
                )));
            }
        }
        let Some(time_column) = self
            .data_timestamp_column
            .as_deref()
            .filter(|c| !c.is_empty())
        else {
            return Err(invalid_config(
                "data timestamp column: required to send to the s3-to-redshift worker",
            ));
        };
        match self.columns.iter().find(|c| c.name == time_column) {
            None => Err(invalid_config(format!(
                "data timestamp column {time_column:?}: no column has that name"
            ))),
            Some(c) if c.column_type != ColumnType::Timestamp => Err(invalid_config(format!(
                "data timestamp column {time_column:?}: must be of type timestamp"
            ))),
            Some(_) => Ok(()),
        }
    }
}

fn invalid_config(message: impl Into<String>) -> Error {
    Error::InvalidConfig(message.into())
}

/// A lowercase Redshift identifier: COPY's JSON 'auto' matches lowercase names only.
fn check_identifier(what: &str, name: &str) -> Result<(), Error> {
    let problem = if name.is_empty() {
        "must not be empty"
    } else if name.len() > MAX_IDENTIFIER_LEN {
        "is longer than Redshift's 127 bytes"
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        "must start with a lowercase letter or _"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
    {
        "may hold only lowercase letters, digits, _ and $"
    } else {
        return Ok(());
    };
    Err(invalid_config(format!("{what}: {name:?} {problem}")))
}

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Flat,
    Partitioned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Addressing {
    #[default]
    Path,
    VirtualHosted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobFormat {
    #[default]
    Argv,
    Json,
}

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
        }
    }

    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_REGION)
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
        if self.credentials.access_key_id.is_empty()
            || self.credentials.secret_access_key.is_empty()
        {
            return Err(invalid_options(
                "credentials: the access key id and the secret access key are both required",
            ));
        }
        let region = self.region();
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid_options(format!(
                "region {region:?}: expected a region name such as us-east-1"
            )));
        }
        let buffer_size = self.buffer_size();
        if buffer_size == 0 || buffer_size > MAX_BUFFER_SIZE {
            return Err(invalid_options(format!(
                "buffer size {buffer_size}: must be between 1 and {MAX_BUFFER_SIZE} bytes"
            )));
        }
        if self.compression_level() > 9 {
            return Err(invalid_options(format!(
                "compression level {}: must be between 0 and 9",
                self.compression_level()
            )));
        }
        check_key("key prefix", self.key_prefix.as_deref().unwrap_or(""), true)
            .map_err(Error::InvalidOptions)?;
        self.retry().validate()
    }
}

pub(crate) fn invalid_options(message: impl Into<String>) -> Error {
    Error::InvalidOptions(message.into())
}

/// An http or https URL with a host and no user info.
pub(crate) fn parse_http_url(what: &str, url: &str) -> Result<http::Uri, Error> {
    let refuse = |problem: &str| invalid_options(format!("{what} {url:?}: {problem}"));
    let uri: http::Uri = url.parse().map_err(|_| refuse("is not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(refuse("needs http:// or https://"));
    }
    match uri.authority() {
        Some(authority) if authority.as_str().contains('@') => {
            Err(refuse("must not carry user info"))
        }
        Some(authority) if !authority.host().is_empty() => Ok(uri),
        _ => Err(refuse("has no host")),
    }
}

/// S3's bucket naming rules.
fn check_bucket(bucket: &str) -> Result<(), Error> {
    let problem = if !(3..=63).contains(&bucket.len()) {
        "must be 3 to 63 characters long"
    } else if !bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        "may hold only lowercase letters, digits, '.' and '-'"
    } else if !bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !bucket.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        "must start and end with a letter or digit"
    } else if bucket.contains("..") {
        "must not hold two adjacent periods"
    } else if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        "must not be formatted as an IP address"
    } else {
        return Ok(());
    };
    Err(invalid_options(format!("bucket {bucket:?} {problem}")))
}

/// An object key (or key prefix, which may be empty) that names the same object everywhere.
pub(crate) fn check_key(what: &str, key: &str, may_be_empty: bool) -> Result<(), String> {
    let problem = if key.is_empty() {
        if may_be_empty {
            return Ok(());
        }
        "must not be empty"
    } else if key.starts_with('/') {
        "must not start with '/' (it is relative to the bucket)"
    } else if key.starts_with("s3://") {
        "must be a key, not an s3:// URL: the bucket comes from the options"
    } else if key
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        "must not hold '.' or '..' segments"
    } else if key.trim_end_matches('/').contains("//") {
        "must not hold empty segments ('//')"
    } else if key.len() > 1024 {
        "is longer than S3's 1024 bytes"
    } else {
        return Ok(());
    };
    Err(format!("{what} {key:?} {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn column(name: &str, column_type: ColumnType) -> Column {
        Column {
            name: name.into(),
            column_type,
            sort_ord: 0,
            dist_key: false,
            default_val: None,
            not_null: false,
            primary_key: false,
        }
    }

    fn config() -> DestinationConfig {
        DestinationConfig {
            schema: "analytics".into(),
            table: "events".into(),
            columns: vec![
                column("time", ColumnType::Timestamp),
                column("id", ColumnType::Text),
            ],
            data_timestamp_column: Some("time".into()),
        }
    }

    fn rejected(config: DestinationConfig) -> String {
        match config.validate() {
            Err(Error::InvalidConfig(message)) => message,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_config_is_valid() {
        let mut c = config();
        c.columns[0].sort_ord = 1;
        c.columns[1].sort_ord = 2;
        c.columns[1].dist_key = true;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn empty_schema_or_table() {
        assert!(rejected(DestinationConfig {
            schema: "".into(),
            ..config()
        })
        .starts_with("schema: \"\""));
        assert!(rejected(DestinationConfig {
            table: "".into(),
            ..config()
        })
        .starts_with("table: \"\""));
    }

    #[test]
    fn names_must_be_lowercase_identifiers() {
        assert_eq!(
            rejected(DestinationConfig {
                table: "Events".into(),
                ..config()
            }),
            "table: \"Events\" must start with a lowercase letter or _"
        );
        let mut c = config();
        c.columns[1].name = "userId".into();
        assert_eq!(
            rejected(c),
            "column \"userId\": \"userId\" may hold only lowercase letters, digits, _ and $"
        );
        let mut c = config();
        c.columns[1].name = "9lives".into();
        assert!(rejected(c).contains("must start with a lowercase letter"));
        assert!(rejected(DestinationConfig {
            schema: "a".repeat(128),
            ..config()
        })
        .contains("127 bytes"));
    }

    #[test]
    fn duplicate_column_names() {
        let mut c = config();
        c.columns.push(column("id", ColumnType::Int));
        assert_eq!(rejected(c), "column \"id\": the name is used twice");
    }

    #[test]
    fn at_most_one_distkey() {
        let mut c = config();
        c.columns[0].dist_key = true;
        c.columns[1].dist_key = true;
        assert!(rejected(c).starts_with("columns time, id: more than one distkey"));
    }

    #[test]
    fn sort_ordinals_must_be_one_to_k() {
        let mut c = config();
        c.columns[0].sort_ord = 2;
        assert!(rejected(c.clone()).starts_with("column \"time\": sortord 2 breaks the sort key"));
        c.columns[1].sort_ord = 2;
        assert!(rejected(c.clone()).contains("sortord 2"));
        c.columns[1].sort_ord = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn data_timestamp_column_must_exist_and_be_a_timestamp() {
        assert!(rejected(DestinationConfig {
            data_timestamp_column: None,
            ..config()
        })
        .contains("required"));
        let missing = DestinationConfig {
            data_timestamp_column: Some("ts".into()),
            ..config()
        };
        assert_eq!(
            rejected(missing),
            "data timestamp column \"ts\": no column has that name"
        );
        let wrong_type = DestinationConfig {
            data_timestamp_column: Some("id".into()),
            ..config()
        };
        assert_eq!(
            rejected(wrong_type),
            "data timestamp column \"id\": must be of type timestamp"
        );
    }

    #[test]
    fn columns_are_required() {
        assert!(rejected(DestinationConfig {
            columns: vec![],
            ..config()
        })
        .starts_with("columns:"));
    }

    fn options() -> Options {
        let credentials = Credentials {
            access_key_id: "AK".into(),
            secret_access_key: "SK".into(),
            session_token: None,
        };
        Options::new(config(), "my-bucket", credentials)
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
        let mut no_secret = options();
        no_secret.credentials.secret_access_key.clear();
        assert!(refused(no_secret).contains("credentials"));
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
    fn credentials_debug_hides_secrets() {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI".into(),
            session_token: Some("TOKEN123".into()),
        };
        let shown = format!("{credentials:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("TOKEN123"));
    }
}
