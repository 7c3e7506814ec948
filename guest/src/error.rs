//! What can go wrong, as the component interface's `error` variant gives it (docs/errors.md).
//! Human-readable messages are the hosts' business; these values carry the facts.

use crate::typed_check::Refusal;

/// A failed call. Every error leaves the pipe as it was before the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    InvalidOptions(String),
    InvalidConfig(String),
    InvalidJson {
        message: String,
        offset: u64,
    },
    /// A JSON object that does not fit the destination's columns (docs/checks.md).
    InvalidRow(Box<Refusal>),
    RowTooLarge(u64),
    PipeSealed,
    PipeClosed,
    NotSealed,
    NoJobEndpoint,
    S3(Box<S3Failure>),
    /// The job endpoint could not be reached or did not answer in time.
    JobUnreachable(String),
    JobRejected(JobFailure),
}

impl Error {
    pub fn invalid_options(message: impl Into<String>) -> Error {
        Error::InvalidOptions(message.into())
    }

    pub fn invalid_config(message: impl Into<String>) -> Error {
        Error::InvalidConfig(message.into())
    }

    /// Whether the error is about the row itself, so that `rejects: keep` keeps it aside.
    pub fn is_about_the_row(&self) -> bool {
        matches!(
            self,
            Error::InvalidJson { .. } | Error::InvalidRow(_) | Error::RowTooLarge(_)
        )
    }
}

/// An S3 request that failed for good: a non-retryable answer, or the last of its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Failure {
    /// HTTP status, or 0 when no answer came.
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: String,
    pub key: String,
    pub attempts: u32,
}

/// The job endpoint answered with a status other than 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    pub status: u16,
    /// The first KiB of the answer.
    pub body: String,
}

/// A batch that stopped at a bad line; the rows before it stay packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    pub accepted: u64,
    /// 1-based line number within the batch; 0 when the pipe refused the whole batch.
    pub line: u64,
    /// Byte offset of the line's start within the batch.
    pub offset: u64,
    pub error: Error,
}
