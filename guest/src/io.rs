//! The pipe's only door to the world: one HTTP exchange at a time, a clock, a pause and entropy.

use std::time::{Duration, SystemTime};

/// A request whose body is borrowed pieces sent one after another: a retry sends the same bytes
/// without copying them, and a data file never needs one contiguous buffer.
pub type Request<'a> = http::Request<&'a [Vec<u8>]>;
pub type Response = http::Response<Vec<u8>>;

pub trait Io {
    /// Send one request and read the whole answer.
    fn send(&mut self, request: &Request<'_>) -> Result<Response, TransportError>;
    fn now(&self) -> SystemTime;
    fn sleep(&mut self, duration: Duration);
    fn random_u64(&mut self) -> u64;
}

/// No answer came: the connection failed, timed out, or the host refused the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// A short name for the failure, e.g. `ConnectionRefused`, `Timeout`, `HttpRequestDenied`.
    pub code: String,
    pub message: String,
    /// Connection failures and timeouts are worth another try; a refusal by the host is not.
    pub retryable: bool,
}
