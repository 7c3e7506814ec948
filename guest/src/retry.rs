//! When to try a request again, and how long to wait first (docs/s3.md, "Retries"): the one
//! place that decides it.

use std::time::Duration;

use crate::io::{TransportError, TransportErrorKind};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=100).contains(&self.max_attempts) {
            return Err(Error::invalid_options(format!(
                "retry: max attempts {} must be between 1 and 100",
                self.max_attempts
            )));
        }
        if self.base_delay > self.max_delay {
            return Err(Error::invalid_options(
                "retry: the base delay must not exceed the maximum delay",
            ));
        }
        Ok(())
    }

    /// Full jitter: a uniformly random wait up to min(cap, base × 2^(retry − 1)), where `retry`
    /// counts from 1; `random` is any uniformly distributed u64.
    pub fn backoff(&self, retry: u32, random: u64) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(31))
            .min(self.max_delay);
        let nanos = ceiling.as_nanos() as u64;
        Duration::from_nanos(if nanos == 0 { 0 } else { random % (nanos + 1) })
    }
}

/// An answer is worth another try for throttling and server-side failures, whatever the
/// status, for the S3 codes that say so.
pub fn is_retryable_answer(status: u16, code: &str) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
        || matches!(code, "RequestTimeout" | "SlowDown" | "InternalError")
}

/// No answer came: a network failure may pass; whatever the host refused, it refuses again.
pub fn is_retryable_transport(error: &TransportError) -> bool {
    match error.kind {
        TransportErrorKind::Connect
        | TransportErrorKind::Timeout
        | TransportErrorKind::Interrupted => true,
        TransportErrorKind::Denied | TransportErrorKind::Refused => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.backoff(1, u64::MAX) <= Duration::from_millis(100));
        assert!(policy.backoff(3, u64::MAX - 7) <= Duration::from_millis(400));
        for retry in 1..200 {
            assert!(policy.backoff(retry, u64::MAX - retry as u64) <= Duration::from_secs(20));
        }
        assert_eq!(policy.backoff(1, 0), Duration::ZERO);
        // The ceiling is reachable: random = ceiling in nanoseconds.
        assert_eq!(policy.backoff(2, 200_000_000), Duration::from_millis(200));
    }

    #[test]
    fn what_is_retried() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retryable_answer(status, ""));
        }
        for status in [400, 403, 404, 409, 411, 501] {
            assert!(!is_retryable_answer(status, ""));
        }
        for code in ["RequestTimeout", "SlowDown", "InternalError"] {
            assert!(is_retryable_answer(400, code));
        }
        assert!(!is_retryable_answer(403, "AccessDenied"));
        assert!(!is_retryable_answer(403, "SignatureDoesNotMatch"));
        let transport = |kind| TransportError {
            kind,
            code: "X".into(),
            message: String::new(),
        };
        for kind in [
            TransportErrorKind::Connect,
            TransportErrorKind::Timeout,
            TransportErrorKind::Interrupted,
        ] {
            assert!(is_retryable_transport(&transport(kind)));
        }
        for kind in [TransportErrorKind::Denied, TransportErrorKind::Refused] {
            assert!(!is_retryable_transport(&transport(kind)));
        }
    }

    #[test]
    fn limits_are_checked() {
        assert!(RetryPolicy {
            max_attempts: 0,
            ..Default::default()
        }
        .validate()
        .is_err());
        let inverted = RetryPolicy {
            base_delay: Duration::from_secs(30),
            ..Default::default()
        };
        assert!(inverted.validate().is_err());
    }
}
