//! Redshift IO (rio): pack JSON rows into a pipe that gzips them into files of bounded size,
//! PUTs them to S3, writes Redshift COPY manifests and table configs, and posts load jobs to an
//! s3-to-redshift worker.
//!
//! The pipe itself is a WebAssembly component (built from the `rio-guest` crate) that runs here
//! in wasmtime with no files, no environment and no sockets: it speaks HTTP through wasi:http,
//! and only to the S3 endpoint and the job endpoint. What it writes and how it behaves, byte for
//! byte, is the contract in the repository's `docs/`.
//!
//! ```no_run
//! use redshift_io::{Column, ColumnType, DestinationConfig, Options, RedshiftIo};
//!
//! let destination = DestinationConfig {
//!     schema: "analytics".into(),
//!     table: "events".into(),
//!     columns: vec![Column::new("time", ColumnType::Timestamp).sort_ord(1), Column::new("id", ColumnType::Text)],
//!     data_timestamp_column: Some("time".into()),
//! };
//! let mut options = Options::new(destination, "bucket-with-user-access");
//! options.job_endpoint = Some("http://s3-to-redshift.internal/jobs".into());
//! let pipe = RedshiftIo::new(options)?;
//! pipe.pack(br#"{"time":"2026-11-25T17:00:00Z","id":"a1"}"#)?;
//! pipe.send()?;
//! pipe.close()?;
//! # Ok::<(), redshift_io::Error>(())
//! ```

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "redshift-io",
        additional_derives: [PartialEq, Eq],
    });
    pub use self::rio::redshift_io::types;
}

mod credentials;
mod error;
mod options;
mod redshift_io;
mod runtime;
mod sandbox;
mod sender;

pub use bindings::types::{
    Addressing, Column, ColumnType, DestinationConfig, FileEntry, JobFormat, Layout, PipeState,
    Rejects, S3Failure, Stats,
};
pub use error::{BatchError, Error, RefusedLine};
pub use options::{Credentials, Limits, Options, RetryPolicy};
pub use redshift_io::RedshiftIo;
pub use runtime::COMPONENT;
pub use sandbox::AllowList;

use bindings::exports::rio::redshift_io::pipe::Guest;

impl DestinationConfig {
    /// Checks the rules a destination must meet before `send` (docs/columns.md, "Destination
    /// rules"); the error names the column.
    pub fn validate(&self) -> Result<(), Error> {
        with_guest(|guest, store| guest.call_validate(store, self))
    }

    /// Every non-blank line of `rows` that a pipe to this destination would refuse (the checks
    /// of docs/checks.md), in order; nothing is sent anywhere.
    pub fn check_rows(
        &self,
        rows: &[u8],
        refuse_unknown_keys: bool,
    ) -> Result<Vec<RefusedLine>, Error> {
        let refused = with_guest(|guest, store| {
            guest
                .call_check_rows(store, self, refuse_unknown_keys, rows)
                .map(Ok)
        })?;
        Ok(refused
            .into_iter()
            .map(|r| RefusedLine {
                line: r.line,
                offset: r.offset,
                error: r.error.into(),
            })
            .collect())
    }

    /// Reads a table config in the worker's YAML format, or the same structure as JSON.
    /// The result still needs [`validate`](Self::validate).
    pub fn from_table_config(text: &str) -> Result<DestinationConfig, Error> {
        with_guest(|guest, store| guest.call_parse_table_config(store, text))
    }
}

impl Column {
    /// A column with no sort, distribution, default or constraint settings.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
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

    /// This column's place in the sort key, from 1.
    pub fn sort_ord(self, sort_ord: u32) -> Self {
        Column { sort_ord, ..self }
    }

    pub fn dist_key(self) -> Self {
        Column {
            dist_key: true,
            ..self
        }
    }
}

impl ColumnType {
    /// The Redshift SQL type this column type loads into (docs/columns.md, "Column types").
    pub fn sql_type(self) -> &'static str {
        match self {
            ColumnType::Boolean => "boolean",
            ColumnType::Float => "double precision",
            ColumnType::Int => "integer",
            ColumnType::Bigint => "bigint",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp without time zone",
            ColumnType::Text => "character varying(256)",
            ColumnType::Longtext => "character varying(65535)",
        }
    }
}

/// Posts the s3-to-redshift job of an earlier run whose objects are in S3 already, dated
/// `data_date` (its `Stats::data_date`), to `options.job_endpoint`: what [`RedshiftIo::send`]
/// does last, again, for a send whose job failed (docs/job.md). Nothing is uploaded.
pub fn post_job(options: &Options, data_date: &str) -> Result<(), Error> {
    let allow = AllowList::for_options(options)?;
    let sandbox = sandbox::Sandbox::new(
        allow,
        options.limits.clone(),
        sender::Sender::for_options(options)?,
    );
    let options = options.to_wit();
    in_sandbox(sandbox, |guest, store| {
        guest.call_post_job(store, &options, data_date)
    })
}

/// Runs a free function of the component in a throwaway sandbox that may reach nothing.
pub(crate) fn with_guest<T>(
    f: impl FnOnce(
        &Guest,
        &mut wasmtime::Store<sandbox::Sandbox>,
    ) -> wasmtime::Result<Result<T, bindings::types::Error>>,
) -> Result<T, Error> {
    let nowhere = AllowList::new(Vec::<String>::new());
    in_sandbox(
        sandbox::Sandbox::new(nowhere, Limits::default(), sender::Sender::default()),
        f,
    )
}

/// Runs a free function of the component in a throwaway `sandbox`.
fn in_sandbox<T>(
    sandbox: sandbox::Sandbox,
    f: impl FnOnce(
        &Guest,
        &mut wasmtime::Store<sandbox::Sandbox>,
    ) -> wasmtime::Result<Result<T, bindings::types::Error>>,
) -> Result<T, Error> {
    let (mut store, world) = runtime::runtime()?.instantiate(sandbox)?;
    let outcome = f(world.rio_redshift_io_pipe(), &mut store)?;
    outcome.map_err(|e| store.data_mut().explain(e.into()))
}
