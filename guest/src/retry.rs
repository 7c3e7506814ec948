//! When to try a request again, and how long to wait first (SPEC §5).

use std::time::Duration;

use crate::config::invalid_options;
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
            return Err(invalid_options(format!(
                "retry: max attempts {} must be between 1 and 100",
                self.max_attempts
            )));
        }
        if self.base_delay > self.max_delay {
            return Err(invalid_options(
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

/// HTTP statuses worth another try: throttling and server-side failures.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// S3 error codes worth another try, whatever status they came with.
pub fn is_retryable_code(code: &str) -> bool {
    matches!(code, "RequestTimeout" | "SlowDown" | "InternalError")
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
            assert!(is_retryable_status(status));
        }
        for status in [400, 403, 404, 409, 411, 501] {
            assert!(!is_retryable_status(status));
        }
        assert!(
            is_retryable_code("RequestTimeout")
                && is_retryable_code("SlowDown")
                && is_retryable_code("InternalError")
        );
        assert!(!is_retryable_code("AccessDenied") && !is_retryable_code("SignatureDoesNotMatch"));
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
