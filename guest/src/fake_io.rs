//! A fake world for unit tests: an S3 that stores what it is sent and fails on cue, a job
//! endpoint that records posts, and a clock that only moves when the pipe sleeps.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use md5::{Digest, Md5};
use percent_encoding::percent_decode_str;

use crate::io::{Io, Request, Response, TransportError, TransportErrorKind};

/// What the fake does with the next request instead of succeeding.
#[derive(Debug, Clone)]
pub enum Fault {
    /// An S3 error answer with this status and code.
    Status(u16, &'static str),
    /// No answer, for this reason.
    Transport(TransportErrorKind),
}

#[derive(Default)]
pub struct World {
    /// Stored objects by decoded key (path-style: the bucket stripped).
    pub objects: BTreeMap<String, Vec<u8>>,
    /// Every request as "METHOD path", in order, failures included.
    pub requests: Vec<String>,
    pub faults: VecDeque<Fault>,
    /// Bodies posted to the job endpoint.
    pub jobs: Vec<(String, Vec<u8>)>,
    pub job_status: Option<u16>,
    pub slept: Vec<Duration>,
    pub now: Option<SystemTime>,
    /// The access key id of every signed request, in order.
    pub signed_by: Vec<String>,
}

#[derive(Clone, Default)]
pub struct FakeIo(pub Rc<RefCell<World>>);

impl FakeIo {
    pub fn world(&self) -> std::cell::RefMut<'_, World> {
        self.0.borrow_mut()
    }

    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.world().faults.extend(faults);
    }

    /// PUTs of data files seen so far, failed ones included.
    pub fn data_puts(&self) -> usize {
        self.world()
            .requests
            .iter()
            .filter(|r| r.starts_with("PUT") && r.ends_with(".json.gz"))
            .count()
    }
}

impl Io for FakeIo {
    fn send(&mut self, request: &Request<'_>) -> Result<Response, TransportError> {
        let mut world = self.world();
        let path = request.uri().path().to_string();
        world.requests.push(format!("{} {path}", request.method()));
        match world.faults.pop_front() {
            Some(Fault::Status(status, code)) => {
                let body = format!("<Error><Code>{code}</Code><Message>injected</Message><RequestId>req-1</RequestId></Error>");
                return Ok(http::Response::builder()
                    .status(status)
                    .body(body.into_bytes())
                    .unwrap());
            }
            Some(Fault::Transport(kind)) => {
                return Err(TransportError {
                    kind,
                    code: "ConnectionRefused".into(),
                    message: "injected".into(),
                })
            }
            None => {}
        }
        if request.method() == http::Method::POST {
            let content_type = request.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_string();
            world.jobs.push((content_type, request.body().concat()));
            let status = world.job_status.unwrap_or(200);
            return Ok(http::Response::builder()
                .status(status)
                .body(b"worker says hi".to_vec())
                .unwrap());
        }
        let body = &request.body().concat()[..];
        let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(body));
        assert_eq!(
            request.headers()["content-md5"],
            md5.as_str(),
            "Content-MD5 of {path}"
        );
        assert_eq!(
            request.headers()["content-length"],
            body.len().to_string().as_str()
        );
        let authorization = request.headers()["authorization"].to_str().unwrap();
        let key_id = authorization
            .strip_prefix("AWS4-HMAC-SHA256 Credential=")
            .and_then(|rest| rest.split('/').next())
            .expect("a SigV4 authorization");
        world.signed_by.push(key_id.to_string());
        let key = percent_decode_str(path.trim_start_matches('/').split_once('/').unwrap().1)
            .decode_utf8()
            .unwrap();
        world.objects.insert(key.into_owned(), body.to_vec());
        Ok(http::Response::builder()
            .status(200)
            .body(Vec::new())
            .unwrap())
    }

    fn now(&self) -> SystemTime {
        self.0
            .borrow()
            .now
            .unwrap_or_else(crate::naming::tests::start_time)
    }

    fn sleep(&mut self, duration: Duration) {
        self.world().slept.push(duration);
    }

    fn random_u64(&mut self) -> u64 {
        0x0123_4567_89ab_cdef
    }
}
