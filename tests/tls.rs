//! HTTPS for the tests: a certificate authority made in the test, and a TLS-terminating proxy
//! that puts any plain-HTTP test server (the S3 server, the job endpoint) behind HTTPS. The
//! proxy passes bytes through untouched, so the server sees the requests as the pipe signed them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::PrivateKeyDer;
use rustls::ServerConfig;

/// A certificate authority of the test's own, its certificate in a PEM file (a CA bundle).
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    bundle: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// A new CA named `name`, trusted by nothing until its bundle is given.
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("ca.pem");
        std::fs::write(&bundle, issuer.pem()).unwrap();
        TestCa {
            issuer,
            bundle,
            _dir: dir,
        }
    }

    /// The PEM file of the CA's certificate.
    pub fn bundle(&self) -> &Path {
        &self.bundle
    }

    /// A server's TLS settings with a certificate for `names` (DNS names or IP addresses),
    /// issued by this CA.
    pub fn server(&self, names: &[&str]) -> Arc<ServerConfig> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "rio test server");
        let certificate = params.signed_by(&key, &*self.issuer).unwrap();
        let chain = vec![certificate.der().clone(), self.issuer.der().clone()];
        let key = PrivateKeyDer::Pkcs8(key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Arc::new(config)
    }
}

/// HTTPS on a free loopback port in front of a plain-HTTP server.
pub struct TlsProxy {
    address: SocketAddr,
    /// The upstream URL's path, kept in `url`.
    path: String,
    _runtime: tokio::runtime::Runtime,
}

impl TlsProxy {
    /// Serves TLS with `server`'s certificate, passing each connection on to the server of
    /// `upstream`, an `http://host:port[/path]` URL.
    pub fn start(upstream: &str, server: Arc<ServerConfig>) -> TlsProxy {
        let url = url::Url::parse(upstream).expect("an upstream URL");
        assert_eq!(url.scheme(), "http", "the TLS proxy fronts plain HTTP");
        let target = format!(
            "{}:{}",
            url.host_str().expect("an upstream host"),
            url.port_or_known_default().unwrap()
        );
        let path = url.path().trim_end_matches('/').to_string();
        let (runtime, listener) = crate::loopback_server(1);
        let address = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(server);
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (acceptor, target) = (acceptor.clone(), target.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to pass on.
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsProxy {
            address,
            path,
            _runtime: runtime,
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The upstream URL over HTTPS, with `host` as its host name: `https://{host}:{port}{path}`.
    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}{}", self.port(), self.path)
    }
}
