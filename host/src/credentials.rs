//! Credentials from a provider, kept fresh: the host asks the provider again shortly before they
//! expire, or at once when S3 says they have, and hands the new ones to the component through
//! its `set-credentials` call (docs/s3.md, "Credentials").

use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

use crate::{Credentials, Error};

/// How long before their expiry credentials are replaced.
const AHEAD: Duration = Duration::from_secs(300);
/// The least time between two asks, so that a provider whose answer expires soon anyway is not
/// asked before every call.
const AT_MOST_EVERY: Duration = Duration::from_secs(1);

pub(crate) struct Refresher {
    provider: SharedCredentialsProvider,
    /// Runs the provider's futures; it may make HTTP requests of its own.
    runtime: tokio::runtime::Runtime,
    expiry: Option<SystemTime>,
    asked: Instant,
}

impl Refresher {
    /// Asks `provider` for the first credentials.
    pub(crate) fn new(
        provider: SharedCredentialsProvider,
    ) -> Result<(Refresher, Credentials), Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Credentials(format!("no runtime for the provider: {e}")))?;
        let mut refresher = Refresher {
            provider,
            runtime,
            expiry: None,
            asked: Instant::now(),
        };
        let credentials = refresher.ask()?;
        Ok((refresher, credentials))
    }

    /// Whether the credentials in use expire soon enough to be replaced now.
    pub(crate) fn due(&self) -> bool {
        self.expiry
            .is_some_and(|expiry| expiry <= SystemTime::now() + AHEAD)
            && self.asked.elapsed() >= AT_MOST_EVERY
    }

    /// Fresh credentials from the provider.
    pub(crate) fn ask(&mut self) -> Result<Credentials, Error> {
        let provided = self
            .runtime
            .block_on(self.provider.provide_credentials())
            .map_err(|e| Error::Credentials(e.to_string()))?;
        self.asked = Instant::now();
        self.expiry = provided.expiry();
        Ok(Credentials {
            access_key_id: provided.access_key_id().to_string(),
            secret_access_key: provided.secret_access_key().to_string(),
            session_token: provided.session_token().map(str::to_string),
        })
    }
}
