//! The guest core compiled natively over a native HTTP client: the ceiling for this design.

use std::time::{Duration, SystemTime};

use rio_guest::io::{Request, Response};
use rio_guest::{Io, TransportError, TransportErrorKind};

pub struct NativeIo {
    agent: ureq::Agent,
}

impl NativeIo {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build();
        NativeIo {
            agent: config.new_agent(),
        }
    }
}

impl Io for NativeIo {
    fn send(&mut self, request: &Request<'_>) -> Result<Response, TransportError> {
        let mut outgoing = http::Request::builder()
            .method(request.method())
            .uri(request.uri());
        for (name, value) in request.headers() {
            outgoing = outgoing.header(name, value);
        }
        let outgoing = outgoing
            .body(request.body().concat())
            .expect("a valid request");
        let failed = |e: ureq::Error| TransportError {
            kind: TransportErrorKind::Connect,
            code: "Transport".into(),
            message: e.to_string(),
        };
        let response = self.agent.run(outgoing).map_err(failed)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body.read_to_vec().map_err(failed)?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn random_u64(&mut self) -> u64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    }
}
