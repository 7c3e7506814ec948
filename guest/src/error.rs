//! What can go wrong, as the component interface's `error` variant gives it (docs/errors.md).
//! Human-readable messages are the hosts' business; these values carry the facts.

/// A failed call. Every error leaves the pipe as it was before the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    InvalidOptions(String),
    InvalidConfig(String),
    InvalidJson {
        message: String,
        offset: u64,
    },
    RowTooLarge(u64),
    PipeSealed,
    PipeClosed,
    NotSealed,
    NoJobEndpoint,
    S3(S3Failure),
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
    pub error: Error,
}
