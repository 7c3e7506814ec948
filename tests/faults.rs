//! An S3 that misbehaves on a seeded schedule: a proxy in front of the real server that answers
//! some requests with an error, hangs up, stalls or cuts its answer short.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// One way for a request to go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and S3 error code, without forwarding.
    Status(u16, &'static str),
    /// Hang up before forwarding.
    ResetBefore,
    /// Forward (S3 stores the object), then hang up instead of answering.
    ResetAfter,
    /// Wait this long before forwarding: past the client's timeout.
    Stall(Duration),
    /// Forward, then break the connection in the middle of the answer's body.
    Truncate,
}

/// Faults a retrying client survives.
pub const RETRYABLE: [Fault; 6] = [
    Fault::Status(500, "InternalError"),
    Fault::Status(503, "SlowDown"),
    Fault::Status(400, "RequestTimeout"),
    Fault::ResetBefore,
    Fault::ResetAfter,
    Fault::Truncate,
];

/// What the proxy does with each request.
pub enum Schedule {
    /// Each request gets a fault with this probability, drawn from `faults` by a seeded generator.
    Random {
        seed: u64,
        rate: f64,
        faults: Vec<Fault>,
    },
    /// Every request gets this fault.
    Always(Fault),
    /// Every request goes through.
    Never,
}

struct State {
    schedule: Schedule,
    /// Seeded, so a seed replays the same schedule.
    random: fastrand::Rng,
    injected: Vec<Fault>,
    forwarded: u64,
}

impl State {
    fn next_fault(&mut self) -> Option<Fault> {
        match &self.schedule {
            Schedule::Never => None,
            Schedule::Always(fault) => Some(*fault),
            Schedule::Random { rate, faults, .. } => {
                let (rate, faults) = (*rate, faults.clone());
                if self.random.f64() >= rate {
                    return None;
                }
                Some(faults[self.random.usize(..faults.len())])
            }
        }
    }
}

pub struct FaultyS3 {
    /// Point the pipe here instead of at the real server.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultyS3 {
    /// A proxy in front of `upstream` (an `http://host:port` S3 endpoint).
    pub fn start(upstream: &str, schedule: Schedule) -> FaultyS3 {
        let random = match &schedule {
            Schedule::Random { seed, .. } => fastrand::Rng::with_seed(*seed),
            _ => fastrand::Rng::with_seed(0),
        };
        let state = Arc::new(Mutex::new(State {
            schedule,
            random,
            injected: Vec::new(),
            forwarded: 0,
        }));
        let (runtime, listener) = crate::loopback_server(2);
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_end_matches('/').to_string();
        // A connection per request: a stale pooled one would fail a request the schedule did not fault.
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http();
        let shared = state.clone();
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (state, client, upstream) = (shared.clone(), client.clone(), upstream.clone());
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (state, client, upstream) =
                        (state.clone(), client.clone(), upstream.clone());
                    async move { handle(request, &state, &client, &upstream).await }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(socket), service));
            }
        });
        FaultyS3 {
            endpoint,
            state,
            _runtime: runtime,
        }
    }

    /// From now on, do this.
    pub fn set(&self, schedule: Schedule) {
        self.state.lock().unwrap().schedule = schedule;
    }

    /// Every fault injected so far, in order.
    pub fn injected(&self) -> Vec<Fault> {
        self.state.lock().unwrap().injected.clone()
    }

    /// Requests that reached the real server.
    pub fn forwarded(&self) -> u64 {
        self.state.lock().unwrap().forwarded
    }
}

type Answer = hyper::Response<BoxBody<Bytes, HangUp>>;

fn whole(body: Bytes) -> BoxBody<Bytes, HangUp> {
    Full::new(body).map_err(|never| match never {}).boxed()
}

/// An error from the service makes hyper drop the connection: the client sees a hang-up.
#[derive(Debug)]
struct HangUp;

impl std::fmt::Display for HangUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected hang-up")
    }
}

impl std::error::Error for HangUp {}

async fn handle(
    request: hyper::Request<hyper::body::Incoming>,
    state: &Mutex<State>,
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    upstream: &str,
) -> Result<Answer, HangUp> {
    let (parts, body) = request.into_parts();
    // Read the whole request first, as a server does before it answers an error.
    let body = body.collect().await.map_err(|_| HangUp)?.to_bytes();
    let fault = {
        let mut state = state.lock().unwrap();
        let fault = state.next_fault();
        state.injected.extend(fault);
        fault
    };
    match fault {
        Some(Fault::Status(status, code)) => {
            let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected</Message><RequestId>fault-proxy</RequestId></Error>");
            return Ok(hyper::Response::builder()
                .status(status)
                .body(whole(Bytes::from(xml)))
                .unwrap());
        }
        Some(Fault::ResetBefore) => return Err(HangUp),
        Some(Fault::Stall(pause)) => tokio::time::sleep(pause).await,
        _ => {}
    }
    let uri = format!(
        "{upstream}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut forward = hyper::Request::builder().method(parts.method).uri(uri);
    // The Host header is signed: the real server must see the one the client sent.
    for (name, value) in &parts.headers {
        forward = forward.header(name, value);
    }
    let response = client
        .request(forward.body(Full::new(body)).unwrap())
        .await
        .map_err(|_| HangUp)?;
    state.lock().unwrap().forwarded += 1;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|_| HangUp)?.to_bytes();
    match fault {
        Some(Fault::ResetAfter) => Err(HangUp),
        Some(Fault::Truncate) => {
            // A body that fails after its first piece: hyper aborts the connection mid-answer.
            let frames = [Ok(Frame::data(body.slice(..body.len() / 2))), Err(HangUp)];
            let mut answer =
                hyper::Response::from_parts(parts, StreamBody::new(futures_stream(frames)).boxed());
            answer.headers_mut().remove("content-length");
            Ok(answer)
        }
        _ => Ok(hyper::Response::from_parts(parts, whole(body))),
    }
}

/// The frames of a body, one after another.
fn futures_stream<const N: usize>(
    frames: [Result<Frame<Bytes>, HangUp>; N],
) -> impl futures_core::Stream<Item = Result<Frame<Bytes>, HangUp>> {
    futures_util::stream::iter(frames)
}
