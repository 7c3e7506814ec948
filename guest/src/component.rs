//! The component's exports: the WIT `pipe` interface over [`Pipe`], and the conversions between
//! the WIT types and the core's.

use std::cell::RefCell;
use std::time::Duration;

use crate::address::{authority_with_port, parse_http_url, BucketAddress};
use crate::wasi_http::WasiHttp;
use crate::{destination, job, options, row, table_config, Credentials, Pipe, PipeState};

wit_bindgen::generate!({ path: "../wit", world: "redshift-io" });

use exports::rio::redshift_io::pipe::{Guest, GuestRedshiftIo, RedshiftIo, RefusedRow};
use rio::redshift_io::types as wit;

struct Component;

impl Guest for Component {
    type RedshiftIo = PipeResource;

    fn validate(config: wit::DestinationConfig) -> Result<(), wit::Error> {
        Ok(destination::DestinationConfig::from(config).validate()?)
    }

    fn parse_table_config(text: String) -> Result<wit::DestinationConfig, wit::Error> {
        Ok(table_config::parse(&text)?.into())
    }

    fn authorities(options: wit::Options) -> Result<Vec<String>, wit::Error> {
        let options = options::Options::from(options);
        let s3 = BucketAddress::new(&options)?.authority_with_port();
        let job = match &options.job_endpoint {
            Some(url) => authority_with_port(&parse_http_url("job endpoint", url)?),
            None => None,
        };
        Ok([Some(s3), job].into_iter().flatten().collect())
    }

    fn post_job(options: wit::Options, data_date: String) -> Result<(), wit::Error> {
        Ok(job::post_again(&mut WasiHttp, &options.into(), &data_date)?)
    }

    fn check_rows(
        config: wit::DestinationConfig,
        refuse_unknown_keys: bool,
        rows: Vec<u8>,
    ) -> Vec<RefusedRow> {
        let config = destination::DestinationConfig::from(config);
        row::refused_lines(&config.columns, refuse_unknown_keys, &rows)
            .into_iter()
            .map(|(line, offset, error)| RefusedRow {
                line,
                offset,
                error: error.into(),
            })
            .collect()
    }
}

/// The component model serializes calls on one instance; the cell only satisfies `&self`.
struct PipeResource(RefCell<Pipe<WasiHttp>>);

impl PipeResource {
    fn call<T>(
        &self,
        f: impl FnOnce(&mut Pipe<WasiHttp>) -> Result<T, crate::Error>,
    ) -> Result<T, wit::Error> {
        Ok(f(&mut self.0.borrow_mut())?)
    }
}

impl GuestRedshiftIo for PipeResource {
    fn open(options: wit::Options) -> Result<RedshiftIo, wit::Error> {
        let pipe = Pipe::open(options.into(), WasiHttp)?;
        Ok(RedshiftIo::new(PipeResource(RefCell::new(pipe))))
    }

    fn pack(&self, row: Vec<u8>) -> Result<(), wit::Error> {
        self.call(|pipe| pipe.pack(&row))
    }

    fn pack_lines(&self, rows: Vec<u8>) -> Result<u64, wit::BatchError> {
        self.0
            .borrow_mut()
            .pack_lines(&rows)
            .map_err(|e| wit::BatchError {
                accepted: e.accepted,
                line: e.line,
                offset: e.offset,
                error: e.error.into(),
            })
    }

    fn seal(&self) -> Result<(), wit::Error> {
        self.call(Pipe::seal)
    }

    fn unseal(&self) -> Result<(), wit::Error> {
        self.call(Pipe::unseal)
    }

    fn send(&self) -> Result<Option<String>, wit::Error> {
        self.call(Pipe::send)
    }

    fn close(&self) -> Result<(), wit::Error> {
        self.call(Pipe::close)
    }

    fn close_without_sending(&self) -> Result<(), wit::Error> {
        self.call(Pipe::close_without_sending)
    }

    fn create_and_upload_custom_manifest(&self, key: String) -> Result<(), wit::Error> {
        self.call(|pipe| pipe.create_and_upload_custom_manifest(&key))
    }

    fn create_and_upload_manifest(&self) -> Result<String, wit::Error> {
        self.call(Pipe::create_and_upload_manifest)
    }

    fn reset(&self) -> Result<(), wit::Error> {
        self.call(Pipe::reset)
    }

    fn set_credentials(&self, credentials: wit::Credentials) -> Result<(), wit::Error> {
        self.call(|pipe| pipe.set_credentials(credentials.into()))
    }

    fn files(&self) -> Vec<wit::FileEntry> {
        self.0
            .borrow()
            .files()
            .iter()
            .cloned()
            .map(Into::into)
            .collect()
    }

    fn rejects(&self) -> Vec<wit::FileEntry> {
        let pipe = self.0.borrow();
        pipe.rejects().iter().cloned().map(Into::into).collect()
    }

    fn stats(&self) -> wit::Stats {
        self.0.borrow().stats().into()
    }
}

export!(Component);

impl From<crate::Error> for wit::Error {
    fn from(error: crate::Error) -> Self {
        use crate::Error as E;
        match error {
            E::InvalidOptions(m) => wit::Error::InvalidOptions(m),
            E::InvalidConfig(m) => wit::Error::InvalidConfig(m),
            E::InvalidJson { message, offset } => {
                wit::Error::InvalidJson(wit::JsonFailure { message, offset })
            }
            E::InvalidRow(refusal) => wit::Error::InvalidRow((*refusal).into()),
            E::RowTooLarge(size) => wit::Error::RowTooLarge(size),
            E::PipeSealed => wit::Error::PipeSealed,
            E::PipeClosed => wit::Error::PipeClosed,
            E::NotSealed => wit::Error::NotSealed,
            E::NoJobEndpoint => wit::Error::NoJobEndpoint,
            E::S3(f) => wit::Error::S3((*f).into()),
            E::JobUnreachable(m) => wit::Error::JobUnreachable(m),
            E::JobRejected(f) => wit::Error::JobRejected(wit::JobFailure {
                status: f.status,
                body: f.body,
            }),
        }
    }
}

impl From<wit::Options> for options::Options {
    fn from(o: wit::Options) -> Self {
        options::Options {
            destination: o.destination.into(),
            bucket: o.s3_bucket,
            credentials: o.credentials.into(),
            region: o.region,
            endpoint: o.endpoint,
            addressing: o.addressing.into(),
            key_prefix: o.key_prefix,
            layout: o.layout.into(),
            buffer_size: o.buffer_size,
            compression_level: o.compression_level,
            job_endpoint: o.job_endpoint,
            job_format: o.job_format.into(),
            truncate: o.truncate,
            force: o.force,
            retry: o.retry.map(|r| crate::RetryPolicy {
                max_attempts: r.max_attempts,
                base_delay: Duration::from_millis(r.base_delay_ms.into()),
                max_delay: Duration::from_millis(r.max_delay_ms.into()),
            }),
            rejects: o.rejects.into(),
            refuse_unknown_keys: o.refuse_unknown_keys,
        }
    }
}

impl From<wit::Credentials> for Credentials {
    fn from(c: wit::Credentials) -> Self {
        Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            c.session_token,
            None,
            "rio-host",
        )
    }
}

/// Declares both directions of a record mapping whose fields share names; `lists` fields are
/// vectors converted item by item.
macro_rules! same_fields {
    ($wit:ty, $core:ty, { $($field:ident),+ } $(, lists { $($list:ident),+ })?) => {
        impl From<$wit> for $core {
            fn from(value: $wit) -> Self {
                Self {
                    $($field: value.$field.into(),)+
                    $($($list: value.$list.into_iter().map(Into::into).collect(),)+)?
                }
            }
        }
        impl From<$core> for $wit {
            fn from(value: $core) -> Self {
                Self {
                    $($field: value.$field.into(),)+
                    $($($list: value.$list.into_iter().map(Into::into).collect(),)+)?
                }
            }
        }
    };
}

same_fields!(
    wit::DestinationConfig,
    destination::DestinationConfig,
    { schema, table, data_timestamp_column },
    lists { columns }
);
same_fields!(
    wit::FileEntry,
    crate::FileEntry,
    { key, url, rows, raw_bytes, content_length }
);
same_fields!(
    wit::Stats,
    crate::Stats,
    { state, run_id, data_date, rows, raw_bytes, gzip_bytes, files_uploaded, retries, buffered_rows, buffered_raw_bytes, rejected_rows }
);
same_fields!(
    wit::S3Failure,
    crate::S3Failure,
    { status, code, message, request_id, key, attempts }
);
same_fields!(
    wit::RowRefusal,
    crate::typed_check::Refusal,
    { column, value, reason }
);
same_fields!(
    wit::Column,
    destination::Column,
    { name, column_type, sort_ord, dist_key, default_val, not_null, primary_key }
);

/// Declares both directions of an enum mapping whose cases share names.
macro_rules! same_cases {
    ($wit:ty, $core:ty, $($case:ident),+) => {
        impl From<$wit> for $core {
            fn from(value: $wit) -> Self {
                match value { $(<$wit>::$case => <$core>::$case),+ }
            }
        }
        impl From<$core> for $wit {
            fn from(value: $core) -> Self {
                match value { $(<$core>::$case => <$wit>::$case),+ }
            }
        }
    };
}

same_cases!(
    wit::ColumnType,
    destination::ColumnType,
    Boolean,
    Float,
    Int,
    Bigint,
    Date,
    Timestamp,
    Text,
    Longtext
);
same_cases!(wit::Layout, options::Layout, Flat, Partitioned);
same_cases!(
    wit::Addressing,
    options::Addressing,
    Auto,
    Path,
    VirtualHosted
);
same_cases!(wit::JobFormat, options::JobFormat, Argv, Json);
same_cases!(wit::Rejects, options::Rejects, Fail, Keep);
same_cases!(wit::PipeState, PipeState, Open, Sealed, Closed);
