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
    pub kind: TransportErrorKind,
    /// A short name for the failure, e.g. `ConnectionRefused`, `HttpResponseTimeout`.
    pub code: String,
    pub message: String,
}

/// What kind of failure kept the answer away; `retry` decides from this alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No connection: refused, reset, the name not resolved.
    Connect,
    /// No answer in time.
    Timeout,
    /// The connection broke off during the exchange.
    Interrupted,
    /// The host's sandbox refused the request.
    Denied,
    /// The request or the peer can't work as it is: a bad URI, an untrusted certificate, a
    /// protocol error.
    Refused,
}
