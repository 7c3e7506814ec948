//! An S3 server in this process, storing objects as plain files (`<root>/<bucket>/<key>`), that
//! checks every request's SigV4 signature. The tests run against it, and the `rio` tool uses it
//! when no S3 is configured, so a first load needs no cloud account.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use s3s::auth::{S3Auth, SecretKey};
use s3s::host::SingleDomain;
use s3s::service::S3ServiceBuilder;
use s3s::{s3_error, S3Result};
use tokio::net::TcpListener;

use redshift_io::Credentials;

pub struct LocalS3 {
    endpoint: String,
    address: SocketAddr,
    credentials: Credentials,
    keys: Keys,
    root: PathBuf,
    /// Serves connections until dropped.
    _runtime: tokio::runtime::Runtime,
}

impl LocalS3 {
    /// Serves `root` on `127.0.0.1:port` (0 picks a free port), accepting only `credentials`.
    pub fn start(
        root: impl AsRef<Path>,
        credentials: Credentials,
        port: u16,
    ) -> io::Result<LocalS3> {
        LocalS3::serve(root.as_ref(), credentials, port, None)
    }

    /// Serves `root` on a free loopback port under a host name of its own, as S3 does: at
    /// `http://{name}:{port}`, path style, and at `http://{bucket}.{name}:{port}`, virtual-hosted.
    /// The name resolves nowhere: clients connect to [`address`](Self::address).
    pub fn start_named(
        root: impl AsRef<Path>,
        credentials: Credentials,
        name: &str,
    ) -> io::Result<LocalS3> {
        LocalS3::serve(root.as_ref(), credentials, 0, Some(name))
    }

    fn serve(
        root: &Path,
        credentials: Credentials,
        port: u16,
        name: Option<&str>,
    ) -> io::Result<LocalS3> {
        let root = root.to_path_buf();
        std::fs::create_dir_all(&root)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("rio-local-s3")
            .enable_all()
            .build()?;
        let listener =
            runtime.block_on(TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))))?;
        let address = listener.local_addr()?;

        let filesystem =
            s3s_fs::FileSystem::new(&root).map_err(|e| io::Error::other(format!("{e:?}")))?;
        let mut builder = S3ServiceBuilder::new(filesystem);
        let keys = Keys::default();
        keys.add(&credentials, None);
        builder.set_auth(keys.clone());
        let endpoint = match name {
            Some(name) => {
                // The Host header carries the port, so the domain does too.
                let domain = format!("{name}:{}", address.port());
                let host = SingleDomain::new(&domain)
                    .map_err(|e| io::Error::other(format!("{domain}: {e}")))?;
                builder.set_host(host);
                format!("http://{domain}")
            }
            None => format!("http://{address}"),
        };
        let service = builder.build();
        runtime.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    // Out of file descriptors, say: wait for some to close, keep serving.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let service = service.clone();
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(socket), service));
            }
        });
        Ok(LocalS3 {
            endpoint,
            address,
            credentials,
            keys,
            root,
            _runtime: runtime,
        })
    }

    /// `http://127.0.0.1:PORT`, or `http://{name}:PORT` when started named.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The loopback address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Where the objects are stored, one folder per bucket.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Accepts `credentials` too, until `expires` if given: after it, their requests are refused
    /// with `ExpiredToken`, as S3 refuses expired temporary credentials.
    pub fn add_credentials(&self, credentials: &Credentials, expires: Option<SystemTime>) {
        self.keys.add(credentials, expires);
    }

    /// Makes a bucket (a folder under the root) if it is not there yet.
    pub fn create_bucket(&self, bucket: &str) -> io::Result<()> {
        std::fs::create_dir_all(self.root.join(bucket))
    }
}

/// The access keys the server accepts, by access key id.
#[derive(Clone, Default)]
struct Keys(Arc<Mutex<HashMap<String, Key>>>);

/// A key's secret and, for a temporary key, when it expires.
type Key = (String, Option<SystemTime>);

impl Keys {
    fn add(&self, credentials: &Credentials, expires: Option<SystemTime>) {
        let secret = credentials.secret_access_key.clone();
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(credentials.access_key_id.clone(), (secret, expires));
    }
}

#[async_trait::async_trait]
impl S3Auth for Keys {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        let keys = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match keys.get(access_key) {
            None => Err(s3_error!(InvalidAccessKeyId)),
            Some((_, Some(expires))) if *expires <= SystemTime::now() => {
                Err(s3_error!(ExpiredToken, "The provided token has expired."))
            }
            Some((secret, _)) => Ok(SecretKey::from(secret.as_str())),
        }
    }
}
