//! Fixtures for the integration tests: an S3 to test against (in-process by default, or any S3
//! named by `RIO_TEST_S3_*`), read back with an independent client, and a mock job endpoint;
//! `tls` puts either behind HTTPS with a certificate authority made in the test.

pub mod faults;
pub mod tls;

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use redshift_io::{Column, ColumnType, Credentials, DestinationConfig, Options};
use rio_cli::local_s3::LocalS3;
use rio_guest::s3::xml_element;
use rusty_s3::{Bucket, S3Action, UrlStyle};

/// How long presigned read-back URLs live.
const PRESIGN: Duration = Duration::from_secs(600);

/// The S3 server the tests use, shared by all tests of a binary.
struct Server {
    endpoint: String,
    credentials: Credentials,
    region: String,
    /// A bucket to share, with a key prefix per test, when the server's buckets can't be made.
    bucket: Option<String>,
    /// Keeps the in-process server and its files alive.
    _local: Option<(LocalS3, tempfile::TempDir)>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("RIO_TEST_S3_ENDPOINT") {
        Ok(endpoint) => Server {
            endpoint,
            credentials: Credentials::new(
                env_or("RIO_TEST_S3_ACCESS_KEY", "minioadmin"),
                env_or("RIO_TEST_S3_SECRET_KEY", "minioadmin"),
            ),
            region: env_or("RIO_TEST_S3_REGION", "us-east-1"),
            bucket: std::env::var("RIO_TEST_S3_BUCKET").ok(),
            _local: None,
        },
        Err(_) => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let credentials = Credentials::new("rio-test-key", "rio-test-secret-0123456789");
            let local = LocalS3::start(dir.path(), credentials.clone(), 0)
                .expect("the in-process S3 server starts");
            Server {
                endpoint: local.endpoint().to_string(),
                credentials,
                region: "us-east-1".into(),
                bucket: None,
                _local: Some((local, dir)),
            }
        }
    })
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}

/// A place of one test's own in S3: a fresh bucket, or a fresh prefix in the shared one.
pub struct S3Space {
    pub bucket: String,
    /// Empty, or a prefix ending in `/` that the test's options must use.
    pub prefix: String,
    client: Bucket,
    credentials: rusty_s3::Credentials,
}

impl S3Space {
    pub fn new() -> S3Space {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let server = server();
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let unique = format!("rio-test-{}-{n}", std::process::id());
        let (bucket, prefix) = match &server.bucket {
            Some(bucket) => (bucket.clone(), format!("{unique}/")),
            None => (unique, String::new()),
        };
        let url = server.endpoint.parse().expect("the S3 endpoint is a URL");
        let client = Bucket::new(url, UrlStyle::Path, bucket.clone(), server.region.clone())
            .expect("a bucket address");
        let credentials = rusty_s3::Credentials::new(
            &server.credentials.access_key_id,
            &server.credentials.secret_access_key,
        );
        let space = S3Space {
            bucket,
            prefix,
            client,
            credentials,
        };
        if server.bucket.is_none() {
            let url = space.client.create_bucket(&space.credentials).sign(PRESIGN);
            ureq::put(url.as_str())
                .send_empty()
                .expect("the test bucket is created");
        }
        space
    }

    /// Pipe options that write into this space; the destination is `analytics.events`.
    pub fn options(&self) -> Options {
        let server = server();
        let mut options = Options::new(events_table(), self.bucket.clone());
        options.credentials = Some(server.credentials.clone());
        options.endpoint = Some(server.endpoint.clone());
        options.region = Some(server.region.clone());
        options.key_prefix = Some(self.prefix.clone()).filter(|p| !p.is_empty());
        options
    }

    /// The object's bytes, read with an independent S3 client.
    pub fn get(&self, key: &str) -> Vec<u8> {
        let url = self
            .client
            .get_object(Some(&self.credentials), key)
            .sign(PRESIGN);
        let mut response = ureq::get(url.as_str())
            .call()
            .unwrap_or_else(|e| panic!("GET {key}: {e}"));
        response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .expect("the object's body")
    }

    /// The keys under this space (its prefix stripped), sorted, with their sizes.
    pub fn list(&self) -> Vec<(String, u64)> {
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.client.list_objects_v2(Some(&self.credentials));
            if !self.prefix.is_empty() {
                action.with_prefix(self.prefix.as_str());
            }
            if let Some(token) = &token {
                action.with_continuation_token(token.as_str());
            }
            let url = action.sign(PRESIGN);
            let text = ureq::get(url.as_str())
                .call()
                .expect("LIST")
                .body_mut()
                .read_to_string()
                .expect("a listing");
            let (page, next) = listing(&text);
            for (key, size) in page {
                objects.push((key[self.prefix.len()..].to_string(), size));
            }
            match next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        objects.sort();
        objects
    }

    /// The full key of `key` in this space.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// A ListObjectsV2 page: its keys with their sizes, and the token of the next page. Keys are
/// decoded when the server encoded them as asked (`encoding-type=url`, which production servers
/// honour: `+` for a space, `%XX` for other bytes). Not every server sends what a full parser
/// requires (ETag), so only these elements are read.
fn listing(xml: &str) -> (Vec<(String, u64)>, Option<String>) {
    let encoded = xml_element(xml, "EncodingType").as_deref() == Some("url");
    let keys = xml
        .split("<Contents>")
        .skip(1)
        .map(|contents| {
            let key = xml_element(contents, "Key").expect("a key");
            let key = match encoded {
                true => percent_decode_str(&key.replace('+', " "))
                    .decode_utf8()
                    .expect("a UTF-8 key")
                    .into_owned(),
                false => key,
            };
            let size = xml_element(contents, "Size").expect("a size");
            (key, size.parse().expect("a size"))
        })
        .collect();
    (keys, xml_element(xml, "NextContinuationToken"))
}

impl Default for S3Space {
    fn default() -> Self {
        S3Space::new()
    }
}

pub fn events_table() -> DestinationConfig {
    DestinationConfig {
        schema: "analytics".into(),
        table: "events".into(),
        columns: vec![
            Column::new("time", ColumnType::Timestamp).sort_ord(1),
            Column::new("id", ColumnType::Text).dist_key(),
        ],
        data_timestamp_column: Some("time".into()),
    }
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut raw)
        .expect("a gzip stream");
    raw
}

/// A runtime of `workers` threads and a listener on a free loopback port, for a test server.
fn loopback_server(workers: usize) -> (tokio::runtime::Runtime, tokio::net::TcpListener) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    let address = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(address))
        .unwrap();
    (runtime, listener)
}

/// One request the mock job endpoint received.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub method: String,
    pub path: String,
    pub content_type: String,
    pub body: String,
}

/// What the mock job endpoint does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// This status, with the body `answered {status}`.
    Status(u16),
    /// This status and body.
    Reply(u16, String),
    /// Accept the request and never answer.
    Hang,
}

impl std::str::FromStr for Answer {
    type Err = String;

    /// `hang`, `STATUS` or `STATUS:BODY`, as the `rio-job-endpoint` fixture takes them.
    fn from_str(text: &str) -> Result<Answer, String> {
        let status = |s: &str| {
            s.parse::<u16>()
                .map_err(|_| format!("not an answer: {text}"))
        };
        match text.split_once(':') {
            _ if text == "hang" => Ok(Answer::Hang),
            Some((code, body)) => Ok(Answer::Reply(status(code)?, body.to_string())),
            None => Ok(Answer::Status(status(text)?)),
        }
    }
}

/// An s3-to-redshift worker stand-in: records every request, answers as told.
pub struct JobEndpoint {
    pub url: String,
    requests: Arc<Mutex<Vec<JobRequest>>>,
    /// The answers still to give; the last one is given again and again.
    answers: Arc<Mutex<Vec<Answer>>>,
    _runtime: tokio::runtime::Runtime,
}

impl JobEndpoint {
    /// Answers every request with 200.
    pub fn start() -> JobEndpoint {
        JobEndpoint::answering(vec![Answer::Status(200)])
    }

    /// Answers the requests with `answers` in turn, then with the last one.
    pub fn answering(answers: Vec<Answer>) -> JobEndpoint {
        assert!(!answers.is_empty(), "a job endpoint needs an answer");
        let (runtime, listener) = loopback_server(1);
        let url = format!("http://{}/jobs", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(answers));
        let (recorded, told) = (requests.clone(), answer.clone());
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (recorded, told) = (recorded.clone(), told.clone());
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (recorded, told) = (recorded.clone(), told.clone());
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        recorded.lock().unwrap().push(JobRequest {
                            method: parts.method.to_string(),
                            path: parts.uri.path().to_string(),
                            content_type: parts
                                .headers
                                .get("content-type")
                                .map(|v| v.to_str().unwrap().to_string())
                                .unwrap_or_default(),
                            body: String::from_utf8_lossy(&body).into_owned(),
                        });
                        let answer = {
                            let mut answers = told.lock().unwrap();
                            match answers.len() {
                                1 => answers[0].clone(),
                                _ => answers.remove(0),
                            }
                        };
                        let (status, body) = match answer {
                            Answer::Status(status) => (status, format!("answered {status}")),
                            Answer::Reply(status, body) => (status, body),
                            Answer::Hang => std::future::pending().await,
                        };
                        let body = Full::new(Bytes::from(body));
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .body(body)
                                .unwrap(),
                        )
                    }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(socket), service));
            }
        });
        JobEndpoint {
            url,
            requests,
            answers: answer,
            _runtime: runtime,
        }
    }

    /// Answers every request from now on with `answer`.
    pub fn answer(&self, answer: Answer) {
        *self.answers.lock().unwrap() = vec![answer];
    }

    pub fn requests(&self) -> Vec<JobRequest> {
        self.requests.lock().unwrap().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::listing;

    /// A page as AWS, MinIO and Ceph answer `encoding-type=url`, and as the in-process server
    /// answers (it ignores the parameter): the same keys either way.
    #[test]
    fn listed_keys_are_decoded_when_the_server_encoded_them() {
        let encoded = "<ListBucketResult><EncodingType>url</EncodingType>\
            <Contents><Key>a%3Ab+c%2Bd%3D%C3%A9.manifest</Key><Size>7</Size></Contents>\
            <NextContinuationToken>t1</NextContinuationToken></ListBucketResult>";
        let plain = "<ListBucketResult><Contents><Key>a:b c+d=\u{e9}.manifest</Key>\
            <Size>7</Size></Contents></ListBucketResult>";
        let expected = vec![("a:b c+d=\u{e9}.manifest".to_string(), 7)];
        assert_eq!(listing(encoded), (expected.clone(), Some("t1".into())));
        assert_eq!(listing(plain), (expected, None));
    }
}
