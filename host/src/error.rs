//! Errors of the Rust API, with messages that say what went wrong and where, and never a secret.

use std::fmt;

use crate::bindings::types as wit;
use crate::S3Failure;

/// A failed call. Every error leaves the pipe as it was before the call (a failed `send`
/// leaves it sealed, with its files, ready to send again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The options can't work: the message names the option and the problem.
    InvalidOptions(String),
    /// The destination config breaks a rule of the table config; the message names the column.
    InvalidConfig(String),
    /// The row is not one JSON object.
    InvalidJson {
        message: String,
        offset: u64,
    },
    /// The row is a JSON object that does not fit the destination's columns: COPY would fail on
    /// it or load it differently (docs/checks.md).
    InvalidRow {
        column: String,
        /// The value as the row gives it, its first 64 bytes.
        value: String,
        reason: String,
    },
    /// The row's size; Redshift refuses JSON records over 4 MiB.
    RowTooLarge(u64),
    /// A row or batch over a quarter of the sandbox's memory limit, refused before it enters
    /// the sandbox: split it.
    TooLargeForSandbox {
        size: u64,
        limit: u64,
    },
    PipeSealed,
    PipeClosed,
    /// Another thread's `send` or `close` is running on this pipe.
    SendingInProgress,
    NotSealed,
    NoJobEndpoint,
    S3(Box<S3Failure>),
    /// The job endpoint could not be reached or did not answer in time.
    JobUnreachable(String),
    JobRejected {
        status: u16,
        body: String,
    },
    /// The credentials provider gave no credentials.
    Credentials(String),
    /// The sandbox failed: the component trapped (for example on its memory limit) or could
    /// not be started. The pipe can't be used after this.
    Runtime(String),
}

/// A `pack_lines` call that stopped at a bad line; the rows before it stay packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    pub accepted: u64,
    /// 1-based line number within the batch; 0 when the pipe refused the whole batch.
    pub line: u64,
    /// Byte offset of the failing line's start within the batch.
    pub offset: u64,
    pub error: Error,
}

/// A line that the checks refuse, as [`DestinationConfig::check_rows`](crate::DestinationConfig::check_rows)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLine {
    /// 1-based line number within the rows checked.
    pub line: u64,
    /// Byte offset of the line's start.
    pub offset: u64,
    pub error: Error,
}

impl Error {
    /// Whether the error is about the row given, not the pipe: the row was refused and the pipe
    /// goes on as it was.
    pub fn is_about_the_row(&self) -> bool {
        matches!(
            self,
            Error::InvalidJson { .. } | Error::InvalidRow { .. } | Error::RowTooLarge(_)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidOptions(m) => write!(f, "invalid options: {m}"),
            Error::InvalidConfig(m) => write!(f, "invalid table config: {m}"),
            Error::InvalidJson { message, offset } => {
                write!(
                    f,
                    "not a JSON object: {message} (at byte {offset} of the row)"
                )
            }
            Error::InvalidRow {
                column,
                value,
                reason,
            } => match value.as_str() {
                "" => write!(f, "column {column}: {reason}"),
                value => write!(f, "column {column}: {reason} (value {value})"),
            },
            Error::RowTooLarge(size) => {
                write!(
                    f,
                    "row of {size} bytes is over Redshift's 4 MiB limit for a JSON record"
                )
            }
            Error::TooLargeForSandbox { size, limit } => write!(
                f,
                "{size} bytes are over the {limit} bytes one call may carry into the sandbox (a quarter of its memory limit): split it"
            ),
            Error::PipeSealed => f.write_str("the pipe is sealed: unseal it to pack more rows"),
            Error::PipeClosed => f.write_str("the pipe is closed"),
            Error::SendingInProgress => f.write_str("a send is in progress on this pipe"),
            Error::NotSealed => {
                f.write_str("the pipe is not sealed: seal it before writing a manifest")
            }
            Error::NoJobEndpoint => {
                f.write_str("no job endpoint is configured: send needs an s3-to-redshift worker")
            }
            Error::S3(failure) => failure.fmt(f),
            Error::JobUnreachable(m) => write!(f, "job endpoint unreachable: {m}"),
            Error::JobRejected { status, body } => {
                write!(f, "job endpoint answered {status}: {body}")
            }
            Error::Credentials(m) => write!(f, "no credentials from the provider: {m}"),
            Error::Runtime(m) => write!(f, "component failure: {m}"),
        }
    }
}

impl fmt::Display for S3Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attempts = match self.attempts {
            1 => "1 attempt".to_string(),
            n => format!("{n} attempts"),
        };
        if self.status == 0 {
            write!(
                f,
                "S3 PUT {} got no answer after {attempts}: {}: {}",
                self.key, self.code, self.message
            )
        } else {
            write!(
                f,
                "S3 PUT {} failed after {attempts}: {} {}",
                self.key, self.status, self.code
            )?;
            if !self.message.is_empty() {
                write!(f, ": {}", self.message)?;
            }
            if !self.request_id.is_empty() {
                write!(f, " (request id {})", self.request_id)?;
            }
            Ok(())
        }
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => self.error.fmt(f),
            line => write!(
                f,
                "line {line}: {} ({} rows before it were packed)",
                self.error, self.accepted
            ),
        }
    }
}

impl std::error::Error for Error {}
impl std::error::Error for BatchError {}

impl From<wit::Error> for Error {
    fn from(error: wit::Error) -> Self {
        match error {
            wit::Error::InvalidOptions(m) => Error::InvalidOptions(m),
            wit::Error::InvalidConfig(m) => Error::InvalidConfig(m),
            wit::Error::InvalidJson(j) => Error::InvalidJson {
                message: j.message,
                offset: j.offset,
            },
            wit::Error::InvalidRow(r) => Error::InvalidRow {
                column: r.column,
                value: r.value,
                reason: r.reason,
            },
            wit::Error::RowTooLarge(size) => Error::RowTooLarge(size),
            wit::Error::PipeSealed => Error::PipeSealed,
            wit::Error::PipeClosed => Error::PipeClosed,
            wit::Error::NotSealed => Error::NotSealed,
            wit::Error::NoJobEndpoint => Error::NoJobEndpoint,
            wit::Error::S3(failure) => Error::S3(Box::new(failure)),
            wit::Error::JobUnreachable(m) => Error::JobUnreachable(m),
            wit::Error::JobRejected(j) => Error::JobRejected {
                status: j.status,
                body: j.body,
            },
        }
    }
}

impl From<wasmtime::Error> for Error {
    fn from(error: wasmtime::Error) -> Self {
        Error::Runtime(format!("{error:#}"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// The messages both hosts print, in one file that the Node tests read too.
    const FIXTURE: &str = include_str!("../../tests/fixtures/error-messages.json");

    fn text(value: &Value, field: &str) -> String {
        value[field].as_str().unwrap().to_string()
    }

    fn number(value: &Value, field: &str) -> u64 {
        value[field].as_u64().unwrap()
    }

    /// An error given as the interface's case tag and value.
    fn error(case: &Value) -> Error {
        let val = &case["val"];
        let string = || val.as_str().unwrap().to_string();
        match case["tag"].as_str().unwrap() {
            "invalid-options" => Error::InvalidOptions(string()),
            "invalid-config" => Error::InvalidConfig(string()),
            "invalid-json" => Error::InvalidJson {
                message: text(val, "message"),
                offset: number(val, "offset"),
            },
            "invalid-row" => Error::InvalidRow {
                column: text(val, "column"),
                value: text(val, "value"),
                reason: text(val, "reason"),
            },
            "row-too-large" => Error::RowTooLarge(val.as_u64().unwrap()),
            "pipe-sealed" => Error::PipeSealed,
            "pipe-closed" => Error::PipeClosed,
            "not-sealed" => Error::NotSealed,
            "no-job-endpoint" => Error::NoJobEndpoint,
            "s3" => Error::S3(Box::new(S3Failure {
                status: number(val, "status") as u16,
                code: text(val, "code"),
                message: text(val, "message"),
                request_id: text(val, "requestId"),
                key: text(val, "key"),
                attempts: number(val, "attempts") as u32,
            })),
            "job-unreachable" => Error::JobUnreachable(string()),
            "job-rejected" => Error::JobRejected {
                status: number(val, "status") as u16,
                body: text(val, "body"),
            },
            "sending-in-progress" => Error::SendingInProgress,
            "too-large-for-sandbox" => Error::TooLargeForSandbox {
                size: number(val, "size"),
                limit: number(val, "limit"),
            },
            "credentials" => Error::Credentials(string()),
            "runtime" => Error::Runtime(string()),
            other => panic!("the fixture has a case the Rust host lacks: {other}"),
        }
    }

    #[test]
    fn messages_are_the_shared_fixtures() {
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        for case in fixture["errors"].as_array().unwrap() {
            assert_eq!(error(case).to_string(), text(case, "message"), "{case}");
        }
        for case in fixture["batches"].as_array().unwrap() {
            let batch = BatchError {
                accepted: number(case, "accepted"),
                line: number(case, "line"),
                offset: number(case, "offset"),
                error: error(&case["error"]),
            };
            assert_eq!(batch.to_string(), text(case, "message"), "{case}");
        }
    }
}
