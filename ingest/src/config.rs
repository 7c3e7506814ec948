//! The endpoint's configuration, read from the environment the runtime hands the component
//! (`wasi:cli/environment`): where the pipe writes and the tables it takes rows for.

use std::collections::BTreeMap;

use crate::bindings::rio::redshift_io::pipe;
use crate::bindings::rio::redshift_io::types::{
    Addressing, Credentials, DestinationConfig, Error, JobFormat, Layout, Options, Rejects,
};

/// The variable holding one table config (the worker's YAML, or the same as JSON); more come
/// in variables that start with it and an underscore: `RIO_TABLE_CONFIG_EVENTS`, …
pub const TABLE_CONFIG: &str = "RIO_TABLE_CONFIG";

/// A configuration the endpoint cannot work with: what is wrong, never a secret.
#[derive(Debug)]
pub struct Misconfigured(pub String);

pub struct Config {
    /// The pipe's options, but for the destination (each request's table gives it).
    pub options: Options,
    /// Table configs by `schema/table`.
    pub tables: BTreeMap<(String, String), DestinationConfig>,
    /// The values no answer may contain: the secret key and the session token.
    pub secrets: Vec<String>,
}

impl Config {
    pub fn from_env(env: &[(String, String)]) -> Result<Config, Misconfigured> {
        let vars: BTreeMap<&str, &str> =
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let missing = |name: &str| Misconfigured(format!("{name} is not set"));

        let bucket = get("RIO_BUCKET").ok_or_else(|| missing("RIO_BUCKET"))?;
        let access_key_id = get("AWS_ACCESS_KEY_ID").ok_or_else(|| missing("AWS_ACCESS_KEY_ID"))?;
        // Not trimmed: a secret is taken as given.
        let secret_access_key = vars
            .get("AWS_SECRET_ACCESS_KEY")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing("AWS_SECRET_ACCESS_KEY"))?
            .to_string();
        let session_token = vars
            .get("AWS_SESSION_TOKEN")
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string());
        let secrets = [Some(secret_access_key.clone()), session_token.clone()]
            .into_iter()
            .flatten()
            .collect();

        let endpoint = get("RIO_S3_ENDPOINT")
            .or_else(|| get("AWS_ENDPOINT_URL_S3"))
            .or_else(|| get("AWS_ENDPOINT_URL"));
        let region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        let number = |name: &str| -> Result<Option<u64>, Misconfigured> {
            get(name)
                .map(|v| {
                    v.replace('_', "").parse::<u64>().map_err(|_| {
                        Misconfigured(format!("{name} is not a whole number of bytes: {v}"))
                    })
                })
                .transpose()
        };
        let buffer_size = number("RIO_BUFFER_SIZE")?;
        let compression_level =
            match get("RIO_LEVEL") {
                None => None,
                Some(v) => Some(v.parse::<u8>().ok().filter(|l| *l <= 9).ok_or_else(|| {
                    Misconfigured(format!("RIO_LEVEL is not a gzip level 0-9: {v}"))
                })?),
            };
        let choice = |name: &str, choices: &[&str]| -> Result<usize, Misconfigured> {
            match get(name) {
                None => Ok(0),
                Some(v) => choices
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(v))
                    .ok_or_else(|| {
                        Misconfigured(format!("{name} is not one of {}: {v}", choices.join(", ")))
                    }),
            }
        };
        let flag = |name: &str| -> Result<bool, Misconfigured> {
            Ok(choice(name, &["false", "true", "0", "1", "no", "yes"])? % 2 == 1)
        };
        let addressing = match choice("RIO_ADDRESSING", &["auto", "path", "virtual-hosted"])? {
            0 => Addressing::Auto,
            1 => Addressing::Path,
            _ => Addressing::VirtualHosted,
        };
        let layout = match choice("RIO_LAYOUT", &["flat", "partitioned"])? {
            0 => Layout::Flat,
            _ => Layout::Partitioned,
        };
        let job_format = match choice("RIO_JOB_FORMAT", &["argv", "json"])? {
            0 => JobFormat::Argv,
            _ => JobFormat::Json,
        };
        let rejects = match choice("RIO_REJECTS", &["fail", "keep"])? {
            0 => Rejects::Fail,
            _ => Rejects::Keep,
        };

        let options = Options {
            destination: DestinationConfig {
                schema: String::new(),
                table: String::new(),
                columns: Vec::new(),
                data_timestamp_column: None,
            },
            s3_bucket: bucket.to_string(),
            credentials: Credentials {
                access_key_id: access_key_id.to_string(),
                secret_access_key,
                session_token,
            },
            region: region.map(str::to_string),
            endpoint: endpoint.map(str::to_string),
            addressing,
            key_prefix: get("RIO_KEY_PREFIX").map(|p| p.trim_matches('/').to_string()),
            layout,
            buffer_size,
            compression_level,
            job_endpoint: get("RIO_JOB_ENDPOINT").map(str::to_string),
            job_format,
            truncate: flag("RIO_TRUNCATE")?,
            force: flag("RIO_FORCE")?,
            retry: None,
            rejects,
            refuse_unknown_keys: flag("RIO_REFUSE_UNKNOWN_KEYS")?,
        };

        let mut tables = BTreeMap::new();
        for (name, text) in &vars {
            let is_table = *name == TABLE_CONFIG
                || name
                    .strip_prefix(TABLE_CONFIG)
                    .is_some_and(|rest| rest.len() > 1 && rest.starts_with('_'));
            if !is_table {
                continue;
            }
            let config = pipe::parse_table_config(text)
                .map_err(|e| Misconfigured(format!("{name}: {}", crate::answer::error_text(&e))))?;
            let key = (config.schema.clone(), config.table.clone());
            if tables.contains_key(&key) {
                return Err(Misconfigured(format!(
                    "{name}: a second table config for {}.{}",
                    key.0, key.1
                )));
            }
            tables.insert(key, config);
        }
        if tables.is_empty() {
            return Err(Misconfigured(format!(
                "no table config: set {TABLE_CONFIG} (or {TABLE_CONFIG}_<NAME>) to a table config's YAML or JSON"
            )));
        }
        Ok(Config {
            options,
            tables,
            secrets,
        })
    }

    /// The options for a pipe to `destination`.
    pub fn options_for(&self, destination: &DestinationConfig) -> Options {
        let mut options = self.options.clone();
        options.destination = destination.clone();
        options
    }
}

/// `pipe::validate`, for a table whose rows are sent to a worker.
pub fn validate(config: &DestinationConfig) -> Result<(), Error> {
    pipe::validate(config)
}
