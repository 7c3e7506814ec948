//! The rio pipe. Everything here but `component` and `wasi_http` is plain Rust with no I/O of
//! its own: the pipe reaches the world only through the [`Io`] trait, so it runs the same inside
//! the component (over wasi:http) and natively in unit tests (over a fake). What it does, byte
//! for byte, is written in the repository's `docs/`.

pub mod address;
pub mod destination;
pub mod error;
#[cfg(test)]
mod fake_io;
#[doc(hidden)]
pub mod fuzzing;
pub mod gzip;
pub mod io;
pub mod job;
pub mod manifest;
pub mod naming;
pub mod options;
pub mod pipe;
pub mod rejects;
pub mod retry;
pub mod row;
pub mod s3;
pub mod table_config;
pub mod typed_check;

#[cfg(target_arch = "wasm32")]
mod component;
#[cfg(target_arch = "wasm32")]
mod wasi_http;

pub use destination::{Column, ColumnType, DestinationConfig};
pub use error::{BatchError, Error, JobFailure, S3Failure};
pub use io::{Io, TransportError, TransportErrorKind};
pub use manifest::FileEntry;
pub use options::{Addressing, Credentials, JobFormat, Layout, Options, Rejects};
pub use pipe::{Pipe, PipeState, Stats};
pub use retry::RetryPolicy;
