//! How the host sends the component's requests, once the sandbox has admitted them: HTTP/1.1
//! over TCP, or over TLS for `https` (docs/s3.md, "TLS"). HTTPS trusts the Mozilla roots, the
//! operating system's store and the pipe's own CA bundle; a certificate that fails is
//! `TlsCertificateError`, and the sender remembers which host presented it and why, for the
//! error message.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::uri::Scheme;
use http::{Request, Response, Uri};
use http_body_util::BodyExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error as HttpError, WasiBody};

use crate::options::Options;
use crate::Error;

/// What the host waits for, per request (the sandbox's `Limits`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// The TCP connection and, for `https`, the TLS handshake.
    pub(crate) connect: Duration,
    /// From sending the request, upload included, to the first byte of the answer.
    pub(crate) first_byte: Duration,
    /// Between two pieces of the answer's body.
    pub(crate) between_bytes: Duration,
}

/// What runs the connection after the answer's head came: the hooks' second future.
pub(crate) type Connection = Box<dyn Future<Output = Result<(), HttpError>> + Send>;

/// The sender of one sandbox. Cheap to clone: clones share the TLS settings and the record of
/// the last refused certificate.
#[derive(Clone, Default)]
pub(crate) struct Sender {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The extra CA certificates, and the file they came from.
    bundle: Option<(PathBuf, RootCertStore)>,
    /// `host:port` (lowercase, port explicit) → the address to connect to instead of resolving.
    resolve: HashMap<String, SocketAddr>,
    /// Made on the first `https` request: reading the system's store takes a moment.
    tls: OnceLock<Arc<ClientConfig>>,
    /// Why the last certificate was refused, naming its host.
    refused_certificate: Mutex<Option<String>>,
}

impl Sender {
    /// The sender for a pipe with these options: the CA bundle of `ca_bundle` or `AWS_CA_BUNDLE`,
    /// read now, and the resolve overrides. An unreadable bundle, or one with no certificate or
    /// a malformed one, is `InvalidOptions` naming the setting and the file.
    pub(crate) fn for_options(options: &Options) -> Result<Sender, Error> {
        let bundle = match options.ca_bundle() {
            Some((path, setting)) => Some(read_bundle(&path, setting)?),
            None => None,
        };
        let resolve = options
            .resolve
            .iter()
            .map(|(authority, address)| (authority.to_ascii_lowercase(), *address))
            .collect();
        Ok(Sender {
            inner: Arc::new(Inner {
                bundle,
                resolve,
                ..Inner::default()
            }),
        })
    }

    /// Why the last certificate was refused, naming the host, forgetting it.
    pub(crate) fn take_refused_certificate(&self) -> Option<String> {
        self.inner
            .refused_certificate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Sends `request`, within `timeouts`: the answer's head, and the connection to drive
    /// while its body is read.
    pub(crate) fn send(
        &self,
        request: Request<WasiBody>,
        timeouts: Timeouts,
    ) -> impl Future<Output = Result<(Response<WasiBody>, Connection), HttpError>> + Send + 'static
    {
        send(self.inner.clone(), request, timeouts)
    }
}

/// The certificates of a PEM file, as trust anchors.
fn read_bundle(path: &Path, setting: &str) -> Result<(PathBuf, RootCertStore), Error> {
    let invalid = |why: String| {
        Error::InvalidOptions(format!(
            "{setting}: the CA bundle {}: {why}",
            path.display()
        ))
    };
    let pem = std::fs::read(path).map_err(|e| invalid(format!("cannot be read: {e}")))?;
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        let certificate = certificate.map_err(|e| invalid(format!("is not PEM: {e}")))?;
        roots
            .add(certificate)
            .map_err(|e| invalid(format!("holds a certificate that can't be used: {e}")))?;
    }
    if roots.is_empty() {
        return Err(invalid("holds no PEM certificate".into()));
    }
    Ok((path.to_path_buf(), roots))
}

/// The Mozilla roots and the operating system's store, read once per process.
fn built_in_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        // A store that can't be read, or a certificate in it that can't be used, is skipped:
        // the Mozilla roots and the pipe's bundle still hold.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots
    })
}

impl Inner {
    fn tls(&self) -> Arc<ClientConfig> {
        self.tls
            .get_or_init(|| {
                let mut roots = built_in_roots().clone();
                if let Some((_, bundle)) = &self.bundle {
                    roots.roots.extend(bundle.roots.iter().cloned());
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .expect("ring supports the default TLS versions")
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Arc::new(config)
            })
            .clone()
    }

    /// The error for a failed TLS handshake with `authority`: a certificate rustls refused is
    /// `TlsCertificateError`, remembered with the host and the reason; anything else is a TLS
    /// error as wasi:http reports it.
    fn tls_failure(&self, authority: &str, error: std::io::Error) -> HttpError {
        let refused = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>());
        let Some(rustls::Error::InvalidCertificate(why)) = refused else {
            return HttpError::Tls(error);
        };
        let why = match why {
            CertificateError::UnknownIssuer => {
                let trusted = match &self.bundle {
                    Some((path, _)) => format!(
                        "the Mozilla roots, the system's store and {}",
                        path.display()
                    ),
                    None => "the Mozilla roots and the system's store; add others with \
                             AWS_CA_BUNDLE or the ca_bundle option"
                        .into(),
                };
                format!("it is issued by a certificate authority rio does not trust (rio trusts {trusted})")
            }
            other => other.to_string(),
        };
        *self
            .refused_certificate
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(format!(
            "the certificate of {authority} is not trusted: {why}"
        ));
        HttpError::TlsCertificateError
    }
}

trait Stream: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T> Stream for T where T: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}

async fn send(
    inner: Arc<Inner>,
    mut request: Request<WasiBody>,
    timeouts: Timeouts,
) -> Result<(Response<WasiBody>, Connection), HttpError> {
    let uri = request.uri();
    let https = uri.scheme() == Some(&Scheme::HTTPS);
    let host = uri
        .host()
        .ok_or(HttpError::HttpRequestUriInvalid)?
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = format!("{}:{port}", host.to_ascii_lowercase());

    let connect = async {
        let tcp = match inner.resolve.get(&authority) {
            Some(address) => TcpStream::connect(address).await,
            None => TcpStream::connect(&authority).await,
        }
        .map_err(HttpError::Connect)?;
        if !https {
            return Ok::<Box<dyn Stream>, HttpError>(Box::new(tcp));
        }
        // The certificate is checked against the name in the URL, whatever address was dialled.
        let name = server_name(&host)?;
        let tls = tokio_rustls::TlsConnector::from(inner.tls())
            .connect(name, tcp)
            .await
            .map_err(|e| inner.tls_failure(&authority, e))?;
        Ok(Box::new(tls))
    };
    let stream = tokio::time::timeout(timeouts.connect, connect)
        .await
        .map_err(|_| HttpError::ConnectionTimeout)??;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;

    // The request line holds the path and query only: scheme and authority are for proxies.
    let path = uri_path(request.uri());
    *request.uri_mut() = path;

    let answer = async {
        let response = tokio::time::timeout(timeouts.first_byte, sender.send_request(request))
            .await
            .map_err(|_| HttpError::ConnectionReadTimeout)??;
        let between_bytes = timeouts.between_bytes.max(Duration::from_nanos(1));
        let mut timer = tokio::time::interval(between_bytes);
        timer.reset();
        Ok::<_, HttpError>(response.map(|body| TimedBody { body, timer }.boxed_unsync()))
    };
    // Drive the connection while waiting for the answer's head; hand it on for the body.
    let mut answer = std::pin::pin!(answer);
    let mut connection = Some(connection);
    let response = std::future::poll_fn(|cx| {
        if let Poll::Ready(result) = answer.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        let Some(running) = connection.as_mut() else {
            return Poll::Pending;
        };
        let closed = ready!(Pin::new(running).poll(cx));
        connection = None;
        match closed {
            Ok(()) => answer.as_mut().poll(cx),
            Err(e) => Poll::Ready(Err(HttpError::from(e))),
        }
    })
    .await?;
    let drive: Connection = Box::new(async move {
        let Some(connection) = connection else {
            return Ok(());
        };
        connection.await.map_err(|e| match e.is_timeout() {
            true => HttpError::HttpResponseTimeout,
            false => HttpError::from(e),
        })
    });
    Ok((response, drive))
}

/// The TLS server name of a URL's host: an IP address (IPv6 without its brackets) or a DNS name.
fn server_name(host: &str) -> Result<ServerName<'static>, HttpError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(ServerName::from(ip));
    }
    Ok(ServerName::try_from(host)?.to_owned())
}

fn uri_path(uri: &Uri) -> Uri {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    Uri::builder()
        .path_and_query(path)
        .build()
        .expect("the path of a valid URI")
}

/// An answer's body that fails when no piece of it comes within the idle timeout.
struct TimedBody {
    body: hyper::body::Incoming,
    timer: tokio::time::Interval,
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                self.timer.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(match e.is_timeout() {
                true => HttpError::HttpResponseTimeout,
                false => HttpError::from(e),
            }))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                ready!(self.timer.poll_tick(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        let destination = crate::DestinationConfig {
            schema: "s".into(),
            table: "t".into(),
            columns: vec![],
            data_timestamp_column: None,
        };
        Options::new(destination, "bucket")
    }

    /// The problem `Sender::for_options` reports for a bundle of `contents` (None: no file).
    fn bundle_error(name: &str, contents: Option<&[u8]>) -> String {
        let dir = std::env::temp_dir().join(format!("rio-sender-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        if let Some(contents) = contents {
            std::fs::write(&path, contents).unwrap();
        }
        let mut options = options();
        options.ca_bundle = Some(path.clone());
        let Err(Error::InvalidOptions(message)) = Sender::for_options(&options) else {
            panic!("{} is refused", path.display())
        };
        let _ = std::fs::remove_file(&path);
        let prefix = format!("ca_bundle: the CA bundle {}: ", path.display());
        message
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{message} names the file"))
            .to_string()
    }

    #[test]
    fn a_bundle_that_gives_no_certificate_is_refused_naming_the_file() {
        assert!(bundle_error("missing.pem", None).starts_with("cannot be read: "));
        assert_eq!(
            bundle_error("empty.pem", Some(b"")),
            "holds no PEM certificate"
        );
        assert_eq!(
            bundle_error("text.pem", Some(b"not a certificate\n")),
            "holds no PEM certificate"
        );
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(bundle_error("broken.pem", Some(broken)).starts_with("is not PEM: "));
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(bundle_error("garbage.pem", Some(garbage))
            .starts_with("holds a certificate that can't be used: "));
    }

    #[test]
    fn resolve_keys_compare_in_lowercase() {
        let mut options = options();
        options.resolve = vec![("Bucket.LocalHost:9000".into(), ([127, 0, 0, 1], 1).into())];
        let sender = Sender::for_options(&options).unwrap();
        assert_eq!(
            sender.inner.resolve.get("bucket.localhost:9000"),
            Some(&([127, 0, 0, 1], 1).into())
        );
    }

    #[test]
    fn server_names_are_ip_addresses_or_dns_names() {
        assert_eq!(
            server_name("[::1]").unwrap(),
            ServerName::from("::1".parse::<IpAddr>().unwrap())
        );
        assert_eq!(
            server_name("127.0.0.1").unwrap(),
            ServerName::from("127.0.0.1".parse::<IpAddr>().unwrap())
        );
        assert_eq!(
            server_name("s3.us-east-1.amazonaws.com").unwrap(),
            ServerName::try_from("s3.us-east-1.amazonaws.com").unwrap()
        );
        assert!(server_name("not a name").is_err());
    }
}
